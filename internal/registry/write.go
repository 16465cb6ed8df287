package registry

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/identity"
	"linli/internal/org"
	"linli/internal/places"
	"linli/internal/privacy"
)

// PersonInput is what creating or editing a person takes. Placement fields
// (dwelling, household, relation) are used on creation; later changes of place
// and household go through the moves in history.go so that the timeline keeps them.
type PersonInput struct {
	Name, Sex, BirthDate    string
	IDType, IDNumber, Phone string
	Ethnicity, Political    string
	Education, Marital      string
	Employer, HukouAddress  string
	ResidenceType, Remark   string
	Extra                   map[string]string
	Tags                    []string // codes of visible tags
	CommunityID             int64    // when the person has no dwelling
	DwellingID              int64
	HouseholdID             int64  // join this household …
	NewHousehold            bool   // … or head a new one
	HouseholdNumber         string // 户号 of the new household
	Relation                string
	Since                   string // date the residence began (default today)
	Event                   string // register, birth or move_in
}

// identityFields are the normalised, derived and sealed forms of the documents.
type identityFields struct {
	idType, idNumber, idHash, idMask, idTail string
	phone, phoneHash, phoneMask, phoneTail   string
	sex, birth                               string
	idEnc, phoneEnc                          []byte
}

// checkIdentity validates the document and phone and derives sex and birth date
// from a citizen ID number (a form that says otherwise is an error, not a guess).
func (s *Service) checkIdentity(in *PersonInput, errs *i18n.Errors) identityFields {
	var f identityFields
	in.IDType = strings.TrimSpace(in.IDType)
	if in.IDType == "" {
		in.IDType = identity.KindIDCard
	}
	f.idType = in.IDType
	f.sex, f.birth = strings.TrimSpace(in.Sex), strings.TrimSpace(in.BirthDate)
	if strings.TrimSpace(in.IDNumber) != "" {
		norm, id, err := identity.ValidateDocument(in.IDType, in.IDNumber)
		if err != nil {
			var ie *i18n.Error
			if errors.As(err, &ie) {
				errs.Fields = append(errs.Fields, i18n.FieldError{Field: "id_number", Msg: ie.Msg})
			} else {
				errs.Add("id_number", "err.invalid", "field", i18n.T("registry.id_number"))
			}
		} else {
			f.idNumber = norm
			f.idHash = s.Keys.Lookup("doc", norm)
			f.idTail = tail(norm, 4)
			if id != nil {
				f.idMask = privacy.MaskIDNumber(norm)
				if f.sex != "" && f.sex != id.Sex {
					errs.Add("sex", "registry.sex_mismatch")
				}
				if f.birth != "" && f.birth != id.BirthDate {
					errs.Add("birth_date", "registry.birth_mismatch", "date", id.BirthDate)
				}
				f.sex, f.birth = id.Sex, id.BirthDate
			} else {
				f.idMask = privacy.MaskGeneric(norm)
			}
			f.idEnc = s.Keys.Seal(norm, "reg_person.id_number")
		}
	}
	if ph := strings.TrimSpace(in.Phone); ph != "" {
		norm, err := identity.ParseMobile(ph)
		if err != nil {
			norm, err = identity.ParseLandline(ph)
		}
		if c := identity.BadChars(ph, phoneChar); err != nil && c != "" {
			errs.Add("phone", "registry.phone_chars", "bad", c)
		} else if err != nil {
			errs.Add("phone", "registry.phone_invalid")
		} else {
			f.phone = norm
			f.phoneHash = s.Keys.Lookup("phone", norm)
			f.phoneMask = privacy.MaskPhone(norm)
			f.phoneTail = tail(norm, 4)
			f.phoneEnc = s.Keys.Seal(norm, "reg_person.phone")
		}
	}
	if f.sex != "" && f.sex != identity.Male && f.sex != identity.Female {
		errs.Add("sex", "err.choice", "field", i18n.T("registry.sex"))
	}
	if f.birth != "" && !org.ValidDate(f.birth) {
		errs.Add("birth_date", "err.invalid_date", "field", i18n.T("registry.birth_date"))
	}
	return f
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// The person's fields that checkBasics and the change summary of
// UpdatePerson name by their labels ("registry." + field).
var _ = i18n.Family("registry.", "name", "sex", "birth_date", "ethnicity", "political", "education", "marital", "employer", "hukou_address", "residence_type", "remark")

// checkBasics validates the fields every person has.
func checkBasics(in *PersonInput, errs *i18n.Errors) {
	in.Name = strings.TrimSpace(in.Name)
	if errs.Required("name", i18n.T("registry.name"), in.Name) {
		errs.MaxLen("name", i18n.T("registry.name"), in.Name, 30)
	}
	if in.ResidenceType == "" {
		in.ResidenceType = "registered"
	}
	if !valid(in.ResidenceType, ResidenceTypes) {
		errs.Add("residence_type", "err.choice", "field", i18n.T("registry.residence_type"))
	}
	for field, v := range map[string][2]any{
		"political": {in.Political, Politicals}, "education": {in.Education, Educations}, "marital": {in.Marital, Maritals}, "ethnicity": {in.Ethnicity, Ethnicities},
	} {
		if s := v[0].(string); s != "" && !valid(s, v[1].([]string)) {
			errs.Add(field, "err.choice", "field", i18n.T("registry."+field))
		}
	}
	errs.MaxLen("employer", i18n.T("registry.employer"), in.Employer, 100)
	errs.MaxLen("hukou_address", i18n.T("registry.hukou_address"), in.HukouAddress, 200)
	errs.MaxLen("remark", i18n.T("common.remark"), in.Remark, 500)
}

// placement is where a new person will live: community, grid, dwelling.
type placement struct {
	community, grid, dwelling int64
}

// place resolves the dwelling (or the community for people without one) and
// checks that p may write there.
func (s *Service) place(ctx context.Context, pr *auth.Principal, dwellingID, communityID int64, errs *i18n.Errors) (placement, error) {
	if dwellingID != 0 {
		d, err := s.Places.GetDwelling(ctx, pr, dwellingID)
		if errors.Is(err, auth.ErrNotFound) || errors.Is(err, auth.ErrForbidden) {
			errs.Add("dwelling_id", "registry.dwelling_unknown")
			return placement{}, nil
		}
		if err != nil {
			return placement{}, err
		}
		// GetDwelling reads in scope: the dwelling found is one p may write at.
		return placement{community: d.CommunityID, grid: d.GridID, dwelling: d.ID}, nil
	}
	u, ok := s.Org.Lookup(ctx, communityID)
	if !ok || u.Level != org.Community {
		errs.Add("dwelling_id", "registry.dwelling_required")
		return placement{}, nil
	}
	// A person without a dwelling belongs to the community as a whole, which only
	// community-wide staff reach.
	if !pr.Scope.AllowsCommunity(communityID) {
		return placement{}, auth.ErrForbidden
	}
	return placement{community: communityID}, nil
}

func nullInt(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

func nullStr(v string) any {
	if v == "" {
		return nil
	}
	return v
}

func extraJSON(m map[string]string) string {
	if len(m) == 0 {
		return ""
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// ErrDuplicateDocument is the message for an identity document recorded twice.
func duplicateDocument(field string) *i18n.Errors {
	e := &i18n.Errors{}
	e.Add(field, "registry.id_exists")
	return e
}

// CreatePerson records a person and places them in a dwelling and household.
func (s *Service) CreatePerson(ctx context.Context, pr *auth.Principal, in PersonInput) (int64, error) {
	if err := pr.Require(PermWrite); err != nil {
		return 0, err
	}
	errs := &i18n.Errors{}
	checkBasics(&in, errs)
	idf := s.checkIdentity(&in, errs)
	pl, err := s.place(ctx, pr, in.DwellingID, in.CommunityID, errs)
	if err != nil {
		return 0, err
	}
	if in.Since == "" {
		in.Since = s.todayISO()
	} else if !org.ValidDate(in.Since) {
		errs.Add("since", "err.invalid_date", "field", i18n.T("registry.since"))
	}
	if in.Event == "" {
		in.Event = EventRegister
	}
	if in.Event != EventRegister && in.Event != EventBirth && in.Event != EventMoveIn {
		errs.Add("event", "err.choice", "field", i18n.T("registry.event"))
	}
	if in.NewHousehold {
		in.Relation = RelationSelf
	} else if in.HouseholdID != 0 && !valid(in.Relation, Relations) {
		errs.Add("relation", "err.choice", "field", i18n.T("registry.relation"))
	}
	var tagIDs []int64
	for _, code := range in.Tags {
		t, err := s.visibleTag(ctx, pr, code)
		if err != nil {
			errs.Add("tags", "registry.tag_unknown", "tag", code)
			continue
		}
		tagIDs = append(tagIDs, t.ID)
	}
	if errs.Any() {
		return 0, errs
	}
	var id int64
	err = s.inTx(ctx, func(tx *db.Tx) error {
		hh := in.HouseholdID
		if hh != 0 {
			h, err := s.lockHousehold(ctx, tx, pr, hh)
			if err != nil {
				return err
			}
			if h.community != pl.community {
				// A household and its members are of one community.
				e := &i18n.Errors{}
				e.Add("household_id", "registry.household_other_community")
				return e
			}
			if in.Relation == RelationSelf && h.headID != 0 {
				e := &i18n.Errors{}
				e.Add("relation", "registry.head_exists")
				return e
			}
		}
		if in.NewHousehold {
			var err error
			if hh, err = insertHousehold(ctx, tx, pl, in.HouseholdNumber); err != nil {
				return err
			}
		}
		var err error
		id, err = s.insertPerson(ctx, tx, pl, hh, in, idf)
		if err != nil {
			return err
		}
		if hh != 0 {
			if err := refreshHousehold(ctx, tx, pl.community, hh, in.Relation == RelationSelf, id); err != nil {
				return err
			}
		}
		if err := insertResidence(ctx, tx, id, pl, in.ResidenceType, in.Since); err != nil {
			return err
		}
		for _, t := range tagIDs {
			if err := insertPersonTag(ctx, tx, id, t, pl); err != nil {
				return err
			}
		}
		if err := s.event(ctx, tx, pr, pl.community, id, hh, in.Event, in.Since, eventDetail("registry.detail_address", s.addressOf(ctx, tx, pl.community, pl.dwelling))); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(pr, "person.create", "person", id, pl.community, audit.Success).
			WithDetail(map[string]any{"household_id": hh, "dwelling_id": pl.dwelling, "event": in.Event}))
	})
	return id, err
}

// insertPerson writes the person row and its search pieces.
func (s *Service) insertPerson(ctx context.Context, tx *db.Tx, pl placement, hh int64, in PersonInput, f identityFields) (int64, error) {
	if err := identityFree(ctx, tx, f.idHash, 0); err != nil {
		return 0, err
	}
	full, initials := Pinyin(in.Name)
	now := db.Now()
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO reg_person (community_id, grid_id, household_id, relation, dwelling_id, name, name_pinyin, name_initials, sex, birth_date,
		id_type, id_enc, id_hash, id_mask, id_tail, phone_enc, phone_hash, phone_mask, phone_tail, ethnicity, political, education, marital, employer, hukou_address,
		residence_type, status, extra, remark, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		pl.community, nullInt(pl.grid), nullInt(hh), relationOrBlank(hh, in.Relation), nullInt(pl.dwelling), in.Name, full, initials, f.sex, f.birth,
		f.idType, f.idEnc, nullStr(f.idHash), f.idMask, f.idTail, f.phoneEnc, nullStr(f.phoneHash), f.phoneMask, f.phoneTail,
		in.Ethnicity, in.Political, in.Education, in.Marital, strings.TrimSpace(in.Employer), strings.TrimSpace(in.HukouAddress),
		in.ResidenceType, StatusActive, extraJSON(in.Extra), strings.TrimSpace(in.Remark), now, now).Scan(&id)
	if db.IsUniqueViolation(err) {
		return 0, duplicateDocument("id_number")
	}
	if err != nil {
		return 0, err
	}
	if err := insertIdentity(ctx, tx, f.idHash, pl.community, id); err != nil {
		return 0, err
	}
	return id, insertGrams(ctx, tx, id, in.Name, pl)
}

// The identity documents of the whole deployment are in reg_identity, one
// row per document (the lookup table distributed by id_hash on Citus; a
// unique index on reg_person could only hold within a community). Every write
// of a person's id_hash writes it in the same transaction: checked before
// writing, and a violation of its key, which a concurrent writer may still
// cause, gives the same message.

// identityFree refuses a document already recorded for another person than
// person (0: a new one).
func identityFree(ctx context.Context, q db.Queryer, hash string, person int64) error {
	if hash == "" {
		return nil
	}
	var owner int64
	err := q.QueryRowContext(ctx, `SELECT person_id FROM reg_identity WHERE id_hash = ?`, hash).Scan(&owner)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && owner == person && person != 0) {
		return nil
	}
	if err != nil {
		return err
	}
	return duplicateDocument("id_number")
}

// insertIdentity records a person's document in reg_identity.
func insertIdentity(ctx context.Context, tx *db.Tx, hash string, community, person int64) error {
	if hash == "" {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO reg_identity (id_hash, community_id, person_id) VALUES (?, ?, ?)`, hash, community, person)
	if db.IsUniqueViolation(err) || isIdentityConflict(err) {
		return duplicateDocument("id_number")
	}
	return err
}

// isIdentityConflict tells a violation of reg_identity's key among the errors
// of a statement that writes other tables too (a bulk load) by the key's name
// in the error's text: PostgreSQL's reg_identity_pkey, Citus's shard index
// reg_identity_pkey_<shard> (inside a COPY with SQLSTATE XX000, not 23505),
// SQLite's reg_identity.id_hash; never by PgError.ConstraintName, which Citus
// leaves empty.
func isIdentityConflict(err error) bool {
	if err == nil {
		return false
	}
	return strings.Contains(err.Error(), "reg_identity_pkey") || strings.Contains(err.Error(), "reg_identity.id_hash")
}

// setIdentity moves a person's document from old to hash (either may be "").
func setIdentity(ctx context.Context, tx *db.Tx, old, hash string, community, person int64) error {
	if old == hash {
		return nil
	}
	if err := identityFree(ctx, tx, hash, person); err != nil {
		return err
	}
	if old != "" {
		if _, err := tx.ExecContext(ctx, `DELETE FROM reg_identity WHERE id_hash = ? AND person_id = ?`, old, person); err != nil {
			return err
		}
	}
	return insertIdentity(ctx, tx, hash, community, person)
}

func relationOrBlank(hh int64, rel string) string {
	if hh == 0 {
		return ""
	}
	return rel
}

func insertGrams(ctx context.Context, tx *db.Tx, id int64, name string, pl placement) error {
	for _, g := range Grams(name) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO reg_name_gram (gram, person_id, community_id, grid_id) VALUES (?, ?, ?, ?)`, g, id, pl.community, nullInt(pl.grid)); err != nil {
			return err
		}
	}
	return nil
}

func insertResidence(ctx context.Context, tx *db.Tx, person int64, pl placement, kind, from string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO reg_residence (person_id, community_id, dwelling_id, type, from_on, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		person, pl.community, nullInt(pl.dwelling), kind, from, db.Now())
	return err
}

func insertPersonTag(ctx context.Context, tx *db.Tx, person, tag int64, pl placement) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO reg_person_tag (person_id, tag_id, community_id, grid_id, created_at) VALUES (?, ?, ?, ?, ?)`,
		person, tag, pl.community, nullInt(pl.grid), db.Now())
	return err
}

// insertHousehold opens a household in placement pl.
func insertHousehold(ctx context.Context, tx *db.Tx, pl placement, number string) (int64, error) {
	number = strings.TrimSpace(number)
	now := db.Now()
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO reg_household (community_id, grid_id, dwelling_id, number, number_key, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'active', ?, ?) RETURNING id`,
		pl.community, nullInt(pl.grid), nullInt(pl.dwelling), number, nullStr(number), now, now).Scan(&id)
	if db.IsUniqueViolation(err) {
		e := &i18n.Errors{}
		e.Add("household_number", "err.conflict", "field", i18n.T("registry.household_number"), "value", number)
		return 0, e
	}
	return id, err
}

// refreshHousehold recounts members and, when newHead, records the head.
func refreshHousehold(ctx context.Context, tx *db.Tx, community, hh int64, newHead bool, head int64) error {
	if newHead {
		if _, err := tx.ExecContext(ctx, `UPDATE reg_household SET head_person_id = ? WHERE community_id = ? AND id = ?`, head, community, hh); err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, `UPDATE reg_household SET members = (SELECT COUNT(*) FROM reg_person WHERE community_id = ? AND household_id = ? AND status = 'active'), updated_at = ?
		WHERE community_id = ? AND id = ?`, community, hh, db.Now(), community, hh)
	return err
}

type householdRow struct {
	id, community, grid, dwelling, headID int64
	number, status                        string
}

// lockHousehold reads a household in scope inside tx (on PostgreSQL locking its
// row, so that two concurrent writes cannot both give it a head).
func (s *Service) lockHousehold(ctx context.Context, tx *db.Tx, pr *auth.Principal, id int64) (*householdRow, error) {
	sc, args := pr.Scope.SQL(tx.Dialect(), "h.community_id", "h.grid_id")
	where, wargs, err := lockTarget(ctx, tx, "reg_household h", id, sc, args)
	if err != nil {
		return nil, err
	}
	h := &householdRow{}
	err = tx.QueryRowContext(ctx, `SELECT id, community_id, COALESCE(grid_id, 0), COALESCE(dwelling_id, 0), COALESCE(head_person_id, 0), number, status
		FROM reg_household h WHERE `+where, wargs...).
		Scan(&h.id, &h.community, &h.grid, &h.dwelling, &h.headID, &h.number, &h.status)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, auth.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return h, nil
}

// addressOf is a dwelling's address; community is the dwelling's (0 when not
// known: a past residence's dwelling, read by its id alone).
func (s *Service) addressOf(ctx context.Context, q db.Queryer, community, dwelling int64) string {
	if dwelling == 0 {
		return ""
	}
	where, args := `d.id = ?`, []any{dwelling}
	if community != 0 {
		where, args = `d.community_id = ? AND d.id = ?`, []any{community, dwelling}
	}
	var est, bld, ent, room string
	_ = q.QueryRowContext(ctx, `SELECT COALESCE(e.name, ''), b.name, COALESCE(en.name, ''), d.room FROM dwelling d JOIN building b ON b.community_id = d.community_id AND b.id = d.building_id
		LEFT JOIN estate e ON e.community_id = b.community_id AND e.id = b.estate_id LEFT JOIN entrance en ON en.community_id = d.community_id AND en.id = d.entrance_id WHERE `+where, args...).Scan(&est, &bld, &ent, &room)
	return places.JoinAddress(est, bld, ent, room)
}

// lockTarget is the condition that reads one row of a community table (from,
// with its alias) by id within a scope inside tx, locking it on PostgreSQL:
// SELECT … FOR UPDATE filters the row's community_id by equality (Citus locks
// only so), read first where the lock needs it.
func lockTarget(ctx context.Context, tx *db.Tx, from string, id int64, sc string, args []any) (string, []any, error) {
	lock := tx.ForUpdate()
	alias := from[strings.LastIndexByte(from, ' ')+1:]
	if lock == "" {
		return alias + `.id = ? AND ` + sc, append([]any{id}, args...), nil
	}
	var community int64
	err := tx.QueryRowContext(ctx, `SELECT `+alias+`.community_id FROM `+from+` WHERE `+alias+`.id = ? AND `+sc, append([]any{id}, args...)...).Scan(&community)
	if errors.Is(err, sql.ErrNoRows) {
		return alias + `.id = ? AND 1=0`, []any{id}, nil
	}
	if err != nil {
		return "", nil, err
	}
	return alias + `.community_id = ? AND ` + alias + `.id = ? AND ` + sc + lock, append([]any{community, id}, args...), nil
}

// event appends to the timeline.
func (s *Service) event(ctx context.Context, tx *db.Tx, pr *auth.Principal, community, person, household int64, kind, on, detail string) error {
	actorID, actorName, _, _ := pr.AuditActor()
	_, err := tx.ExecContext(ctx, `INSERT INTO reg_event (community_id, person_id, household_id, kind, on_date, detail, actor_id, actor_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		community, nullInt(person), nullInt(household), kind, on, detail, nullInt(actorID), actorName, db.Now())
	return err
}

// eventDetail renders a catalogue message for the timeline (stored as text: the
// timeline is a record of what was said at the time).
func eventDetail(key string, kv ...any) string {
	if len(kv) >= 1 && kv[0] == "" {
		return ""
	}
	if len(kv) == 1 {
		return i18n.T(key, "value", kv[0])
	}
	return i18n.T(key, kv...)
}

// UpdatePerson changes a person's details (not their place or household: those
// are moves). Changed fields are named in the timeline; sensitive values are not.
func (s *Service) UpdatePerson(ctx context.Context, pr *auth.Principal, id int64, in PersonInput) error {
	if err := pr.Require(PermWrite); err != nil {
		return err
	}
	cur, err := s.GetPerson(ctx, pr, id) // in scope, or not found
	if err != nil {
		return err
	}
	errs := &i18n.Errors{}
	checkBasics(&in, errs)
	keepDocument := strings.TrimSpace(in.IDNumber) == ""
	keepPhone := strings.TrimSpace(in.Phone) == ""
	idf := s.checkIdentity(&in, errs)
	if keepDocument && cur.IDMask != "" && (cur.IDType == identity.KindIDCard || cur.IDType == identity.KindHMTResidence) {
		// Sex and birth date come from the ID number on file, not from the form.
		idf.sex, idf.birth = cur.Sex, cur.BirthDate
	}
	if errs.Any() {
		return errs
	}
	var changed []string
	for name, pair := range map[string][2]string{
		"name": {cur.Name, in.Name}, "sex": {cur.Sex, idf.sex}, "birth_date": {cur.BirthDate, idf.birth}, "ethnicity": {cur.Ethnicity, in.Ethnicity},
		"political": {cur.Political, in.Political}, "education": {cur.Education, in.Education}, "marital": {cur.Marital, in.Marital},
		"employer": {cur.Employer, in.Employer}, "hukou_address": {cur.HukouAddress, in.HukouAddress}, "residence_type": {cur.ResidenceType, in.ResidenceType}, "remark": {cur.Remark, in.Remark},
	} {
		if pair[0] != strings.TrimSpace(pair[1]) {
			changed = append(changed, i18n.T("registry."+name))
		}
	}
	if !keepDocument {
		changed = append(changed, i18n.T("registry.id_number"))
	}
	if !keepPhone {
		changed = append(changed, i18n.T("registry.phone"))
	}
	return s.inTx(ctx, func(tx *db.Tx) error {
		full, initials := Pinyin(in.Name)
		set := `name = ?, name_pinyin = ?, name_initials = ?, sex = ?, birth_date = ?, ethnicity = ?, political = ?, education = ?, marital = ?, employer = ?, hukou_address = ?, residence_type = ?, remark = ?, updated_at = ?`
		args := []any{in.Name, full, initials, idf.sex, idf.birth, in.Ethnicity, in.Political, in.Education, in.Marital, strings.TrimSpace(in.Employer), strings.TrimSpace(in.HukouAddress), in.ResidenceType, strings.TrimSpace(in.Remark), db.Now()}
		if !keepDocument {
			set += `, id_type = ?, id_enc = ?, id_hash = ?, id_mask = ?, id_tail = ?`
			args = append(args, idf.idType, idf.idEnc, nullStr(idf.idHash), idf.idMask, idf.idTail)
		}
		if !keepPhone {
			set += `, phone_enc = ?, phone_hash = ?, phone_mask = ?, phone_tail = ?`
			args = append(args, idf.phoneEnc, nullStr(idf.phoneHash), idf.phoneMask, idf.phoneTail)
		}
		if in.Extra != nil {
			set += `, extra = ?`
			args = append(args, extraJSON(in.Extra))
		}
		if !keepDocument {
			var old sql.NullString
			if err := tx.QueryRowContext(ctx, `SELECT id_hash FROM reg_person WHERE community_id = ? AND id = ?`, cur.CommunityID, id).Scan(&old); err != nil {
				return err
			}
			if err := setIdentity(ctx, tx, old.String, idf.idHash, cur.CommunityID, id); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE reg_person SET `+set+` WHERE community_id = ? AND id = ?`, append(args, cur.CommunityID, id)...)
		if db.IsUniqueViolation(err) {
			return duplicateDocument("id_number")
		}
		if err != nil {
			return err
		}
		if in.Name != cur.Name {
			if _, err := tx.ExecContext(ctx, `DELETE FROM reg_name_gram WHERE community_id = ? AND person_id = ?`, cur.CommunityID, id); err != nil {
				return err
			}
			if err := insertGrams(ctx, tx, id, in.Name, placement{community: cur.CommunityID, grid: cur.GridID}); err != nil {
				return err
			}
		}
		if cur.ResidenceType != in.ResidenceType {
			if _, err := tx.ExecContext(ctx, `UPDATE reg_residence SET type = ? WHERE community_id = ? AND person_id = ? AND to_on IS NULL`, in.ResidenceType, cur.CommunityID, id); err != nil {
				return err
			}
		}
		if len(changed) == 0 {
			return nil
		}
		if err := s.event(ctx, tx, pr, cur.CommunityID, id, cur.HouseholdID, EventUpdate, s.todayISO(), i18n.T("registry.detail_changed", "fields", strings.Join(changed, "、"))); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(pr, "person.update", "person", id, cur.CommunityID, audit.Success).WithDetail(map[string]any{"changed": changed}))
	})
}

// SetTags sets the tags p may see on a person; tags p may not see are left as
// they are (a worker cannot remove, or learn of, a group outside their line).
func (s *Service) SetTags(ctx context.Context, pr *auth.Principal, id int64, codes []string) error {
	if err := pr.Require(PermWrite); err != nil {
		return err
	}
	cur, err := s.GetPerson(ctx, pr, id) // in scope, or not found
	if err != nil {
		return err
	}
	visible, err := s.VisibleTags(ctx, pr)
	if err != nil {
		return err
	}
	want := map[int64]bool{}
	errs := &i18n.Errors{}
	for _, c := range codes {
		t, err := s.visibleTag(ctx, pr, c)
		if err != nil {
			errs.Add("tags", "registry.tag_unknown", "tag", c)
			continue
		}
		want[t.ID] = true
	}
	if errs.Any() {
		return errs
	}
	have := map[int64]bool{}
	for _, t := range cur.Tags {
		have[t.ID] = true
	}
	var added, removed []string
	return s.inTx(ctx, func(tx *db.Tx) error {
		pl := placement{community: cur.CommunityID, grid: cur.GridID}
		for _, t := range visible {
			switch {
			case want[t.ID] && !have[t.ID]:
				if err := insertPersonTag(ctx, tx, id, t.ID, pl); err != nil {
					return err
				}
				added = append(added, t.Name)
			case !want[t.ID] && have[t.ID]:
				if _, err := tx.ExecContext(ctx, `DELETE FROM reg_person_tag WHERE community_id = ? AND person_id = ? AND tag_id = ?`, cur.CommunityID, id, t.ID); err != nil {
					return err
				}
				removed = append(removed, t.Name)
			}
		}
		if len(added) == 0 && len(removed) == 0 {
			return nil
		}
		// The timeline names ordinary groups only; sensitive ones stay in the
		// audit log, which only the audit administrator reads.
		if err := s.event(ctx, tx, pr, cur.CommunityID, id, cur.HouseholdID, EventTags, s.todayISO(), i18n.T("registry.detail_tags")); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(pr, "person.tags", "person", id, cur.CommunityID, audit.Success).
			WithDetail(map[string]any{"added": added, "removed": removed}))
	})
}
