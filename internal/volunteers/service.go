package volunteers

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/identity"
	"linli/internal/locale"
	"linli/internal/org"
	"linli/internal/privacy"
)

// People reads registry people (adapter in internal/app/links.go), as p may
// see them: their community, grid, name and masked ID number.
type People interface {
	Person(ctx context.Context, p *auth.Principal, id int64) (Person, error)
	// Find lists a few active people in scope by name or ID number.
	Find(ctx context.Context, p *auth.Principal, q string) ([]Person, error)
}

// Person is a registry person as volunteers need them.
type Person struct {
	ID, CommunityID, GridID int64
	Name, IDMask            string
}

// HomeFunc says which community and grid a resident account's own registry
// person lives in (the registry's ResidentHome, through app).
type HomeFunc func(ctx context.Context, p *auth.Principal) (communityID, gridID int64, ok bool)

// Service keeps volunteers, teams, service records and experts.
type Service struct {
	DB     *db.DB
	Audit  *audit.Log
	Org    *org.Service
	Keys   *privacy.Keys
	People People   // nil: outsiders only
	Home   HomeFunc // nil: the portal registers no one
	// Now is the clock (tests fix it); nil is time.Now.
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) today() string { return s.now().In(locale.Zone).Format(time.DateOnly) }

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Errors.
var (
	ErrAlready     = i18n.NewError("conflict", "volunteers.err_already")
	ErrNotPending  = i18n.NewError("conflict", "volunteers.err_not_pending")
	ErrNotActive   = i18n.NewError("conflict", "volunteers.err_not_active")
	ErrNoPerson    = i18n.NewError("forbidden", "volunteers.err_no_person")
	ErrNoVolunteer = i18n.NewError("not_found", "volunteers.err_no_volunteer")
)

// reached are the communities p reaches: those wholly in scope and those of
// the grids it reaches one by one (volunteers belong to a community).
func reached(p *auth.Principal) []int64 {
	ids := slices.Concat(p.Scope.Communities, p.Scope.GridCommunities)
	slices.Sort(ids)
	return slices.Compact(ids)
}

// scopeSQL restricts rows whose community column is col to what p reaches.
func (s *Service) scopeSQL(p *auth.Principal, col string) (string, []any) {
	if p.Scope.All {
		return "1=1", nil
	}
	return s.DB.Dialect().IDSet(col, reached(p))
}

// reaches reports whether p reaches community c.
func reaches(p *auth.Principal, c int64) bool {
	return p.Scope.All || slices.Contains(reached(p), c)
}

func (s *Service) access(p *auth.Principal, communityID int64) Access {
	return Access{Write: p.Can(PermWrite) && reaches(p, communityID), Confirm: p.Can(PermConfirm) && reaches(p, communityID),
		Reveal: p.Can(PermReveal) && reaches(p, communityID)}
}

// phoneAAD binds a sealed phone to its column.
const phoneAAD = "volunteers.phone"

func (s *Service) sealPhone(phone string) ([]byte, string) {
	if phone == "" || s.Keys == nil {
		return nil, ""
	}
	return s.Keys.Seal(phone, phoneAAD), privacy.MaskPhone(phone)
}

// checkPhone checks and normalises a phone number ("" allowed).
func checkPhone(errs *i18n.Errors, field string, phone *string) {
	*phone = strings.TrimSpace(*phone)
	if *phone == "" {
		return
	}
	if m, err := identity.ParseMobile(*phone); err == nil {
		*phone = m
		return
	}
	if l, err := identity.ParseLandline(*phone); err == nil {
		*phone = l
		return
	}
	errs.Add(field, "err.invalid", "field", i18n.T("volunteers.phone"))
}

// community checks a community id for a new row.
func (s *Service) community(ctx context.Context, id int64, errs *i18n.Errors) {
	if c, ok := s.Org.Lookup(ctx, id); !ok || c.Level != org.Community {
		errs.Add("community_id", "err.choice", "field", i18n.T("org.level.community"))
	}
}

// ---- volunteers ----

const volCols = `v.id, v.community_id, COALESCE(v.grid_id, 0), COALESCE(v.person_id, 0), v.name, v.phone_mask, v.skills, v.availability, v.training, v.note,
	v.status, v.source, v.user_id, v.confirmed_at, v.created_at, COALESCE(c.name, '')`

const volFrom = ` FROM vol_volunteer v LEFT JOIN org_unit c ON c.id = v.community_id`

func scanVolunteer(sc interface{ Scan(...any) error }) (*Volunteer, error) {
	v := &Volunteer{}
	err := sc.Scan(&v.ID, &v.CommunityID, &v.GridID, &v.PersonID, &v.Name, &v.PhoneMask, &v.Skills, &v.Availability, &v.Training, &v.Note,
		&v.Status, &v.Source, &v.UserID, &v.ConfirmedAt, &v.CreatedAt, &v.CommunityName)
	return v, err
}

// attachMinutes fills the confirmed minutes of listed volunteers, in one
// statement keyed by their communities: not a subquery per row, which Citus
// cannot send to the one shard of the community (it would ask every shard).
func (s *Service) attachMinutes(ctx context.Context, vs ...*Volunteer) error {
	if len(vs) == 0 {
		return nil
	}
	byID := make(map[int64]*Volunteer, len(vs))
	var ids, comms []int64
	for _, v := range vs {
		byID[v.ID] = v
		ids = append(ids, v.ID)
		if !slices.Contains(comms, v.CommunityID) {
			comms = append(comms, v.CommunityID)
		}
	}
	cin, args := s.DB.Dialect().IDSet("community_id", comms)
	in, idArgs := s.DB.IDsIn("volunteer_id", ids)
	rows, err := s.DB.QueryContext(ctx, `SELECT volunteer_id, SUM(minutes) FROM vol_record WHERE `+cin+` AND `+in+` AND status = 'confirmed' GROUP BY volunteer_id`,
		append(args, idArgs...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, minutes int64
		if err := rows.Scan(&id, &minutes); err != nil {
			return err
		}
		if v := byID[id]; v != nil {
			v.Minutes = int(minutes)
		}
	}
	return rows.Err()
}

func (s *Service) checkVolunteer(ctx context.Context, p *auth.Principal, in *VolunteerInput, errs *i18n.Errors) (grid int64) {
	in.Name, in.Skills, in.Availability = strings.TrimSpace(in.Name), strings.TrimSpace(in.Skills), strings.TrimSpace(in.Availability)
	in.Training, in.Note = strings.TrimSpace(in.Training), strings.TrimSpace(in.Note)
	if in.PersonID != 0 {
		if s.People == nil {
			errs.Add("person_id", "err.choice", "field", i18n.T("volunteers.person"))
			return 0
		}
		per, err := s.People.Person(ctx, p, in.PersonID)
		if err != nil {
			errs.Add("person_id", "err.choice", "field", i18n.T("volunteers.person"))
			return 0
		}
		in.CommunityID, in.Name, grid = per.CommunityID, per.Name, per.GridID
	} else {
		s.community(ctx, in.CommunityID, errs)
		if errs.Required("name", i18n.T("volunteers.name"), in.Name) {
			errs.MaxLen("name", i18n.T("volunteers.name"), in.Name, maxName)
		}
		// An outsider is reached by phone: it is what makes them a contact.
		if errs.Required("phone", i18n.T("volunteers.phone"), in.Phone) {
			checkPhone(errs, "phone", &in.Phone)
		}
	}
	errs.MaxLen("skills", i18n.T("volunteers.skills"), in.Skills, maxText)
	errs.MaxLen("availability", i18n.T("volunteers.availability"), in.Availability, maxText)
	errs.MaxLen("training", i18n.T("volunteers.training"), in.Training, maxText)
	errs.MaxLen("note", i18n.T("volunteers.note"), in.Note, maxNote)
	return grid
}

// CreateVolunteer registers a volunteer in a community p reaches: confirmed
// at once when p may confirm, else pending.
func (s *Service) CreateVolunteer(ctx context.Context, p *auth.Principal, in VolunteerInput) (int64, error) {
	if err := p.Require(PermWrite); err != nil {
		return 0, err
	}
	errs := &i18n.Errors{}
	grid := s.checkVolunteer(ctx, p, &in, errs)
	if errs.Any() {
		return 0, errs
	}
	if !reaches(p, in.CommunityID) {
		return 0, auth.ErrForbidden
	}
	status := StatusPending
	if p.Can(PermConfirm) {
		status = StatusConfirmed
	}
	return s.insertVolunteer(ctx, p, in, grid, status, FromStaff, "volunteers.create")
}

func (s *Service) insertVolunteer(ctx context.Context, p *auth.Principal, in VolunteerInput, grid int64, status, from, action string) (int64, error) {
	sealed, mask := s.sealPhone(in.Phone)
	now := s.now().UnixMilli()
	var confirmedBy, confirmedAt int64
	if status == StatusConfirmed {
		confirmedBy, confirmedAt = p.UserID, now
	}
	var userID int64
	if from == FromPortal {
		userID = p.UserID
	}
	var id int64
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO vol_volunteer (community_id, grid_id, person_id, name, phone, phone_mask, skills, availability, training, note,
			status, source, user_id, confirmed_by, confirmed_at, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			in.CommunityID, nullID(grid), nullID(in.PersonID), in.Name, sealed, mask, in.Skills, in.Availability, in.Training, in.Note,
			status, from, userID, confirmedBy, confirmedAt, p.UserID, now, now).Scan(&id); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, action, "vol_volunteer", id, in.CommunityID, audit.Success).
			WithDetail(map[string]any{"status": status, "person_id": in.PersonID}))
	})
	if db.IsUniqueViolation(err) {
		return 0, ErrAlready
	}
	return id, err
}

// Get returns a volunteer in p's scope with what p may do with them.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id int64) (*Volunteer, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	sc, args := s.scopeSQL(p, "v.community_id")
	v, err := scanVolunteer(s.DB.QueryRowContext(ctx, `SELECT `+volCols+volFrom+` WHERE v.id = ? AND `+sc, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, auth.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	v.Access = s.access(p, v.CommunityID)
	return v, s.attachMinutes(ctx, v)
}

// Filter selects volunteers.
type Filter struct {
	CommunityID int64
	Status      string
	TeamID      int64
	PersonIDs   []int64
	Q           string // name, skills or training
	Limit       int
}

// List returns the volunteers in p's scope, by community and name.
func (s *Service) List(ctx context.Context, p *auth.Principal, f Filter) ([]*Volunteer, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	sc, args := s.scopeSQL(p, "v.community_id")
	where := []string{sc}
	if f.CommunityID != 0 {
		where, args = append(where, "v.community_id = ?"), append(args, f.CommunityID)
	}
	if f.Status != "" {
		where, args = append(where, "v.status = ?"), append(args, f.Status)
	}
	if f.TeamID != 0 {
		where, args = append(where, `EXISTS (SELECT 1 FROM vol_member m WHERE m.community_id = v.community_id AND m.volunteer_id = v.id
			AND m.team_id = ? AND m.left_on = '')`), append(args, f.TeamID)
	}
	if len(f.PersonIDs) > 0 {
		c, a := s.DB.Dialect().IDSet("v.person_id", f.PersonIDs)
		where, args = append(where, c), append(args, a...)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		like := "%" + q + "%"
		where, args = append(where, "(v.name LIKE ? OR v.skills LIKE ? OR v.training LIKE ?)"), append(args, like, like, like)
	}
	if f.Limit <= 0 || f.Limit > 5000 {
		f.Limit = 1000
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT `+volCols+volFrom+` WHERE `+strings.Join(where, " AND ")+` ORDER BY c.name, v.name, v.id LIMIT ?`,
		append(args, f.Limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Volunteer
	for rows.Next() {
		v, err := scanVolunteer(rows)
		if err != nil {
			return nil, err
		}
		v.Access = s.access(p, v.CommunityID)
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	return out, s.attachMinutes(ctx, out...)
}

// UpdateVolunteer changes what a volunteer offers (skills, availability,
// training, note; an outsider's name and phone).
func (s *Service) UpdateVolunteer(ctx context.Context, p *auth.Principal, id int64, in VolunteerInput) error {
	v, err := s.Get(ctx, p, id)
	if err != nil {
		return err
	}
	if !v.Access.Write {
		return auth.ErrForbidden
	}
	errs := &i18n.Errors{}
	in.Name, in.Skills, in.Availability = strings.TrimSpace(in.Name), strings.TrimSpace(in.Skills), strings.TrimSpace(in.Availability)
	in.Training, in.Note = strings.TrimSpace(in.Training), strings.TrimSpace(in.Note)
	if v.PersonID != 0 {
		// The registry names its people; only what they offer changes here.
		in.Name, in.Phone = v.Name, ""
	} else {
		if errs.Required("name", i18n.T("volunteers.name"), in.Name) {
			errs.MaxLen("name", i18n.T("volunteers.name"), in.Name, maxName)
		}
		// An empty phone keeps the number on file.
		checkPhone(errs, "phone", &in.Phone)
	}
	errs.MaxLen("skills", i18n.T("volunteers.skills"), in.Skills, maxText)
	errs.MaxLen("availability", i18n.T("volunteers.availability"), in.Availability, maxText)
	errs.MaxLen("training", i18n.T("volunteers.training"), in.Training, maxText)
	errs.MaxLen("note", i18n.T("volunteers.note"), in.Note, maxNote)
	if errs.Any() {
		return errs
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		q := `UPDATE vol_volunteer SET name = ?, skills = ?, availability = ?, training = ?, note = ?, updated_at = ?`
		args := []any{in.Name, in.Skills, in.Availability, in.Training, in.Note, s.now().UnixMilli()}
		if in.Phone != "" {
			sealed, mask := s.sealPhone(in.Phone)
			q += `, phone = ?, phone_mask = ?`
			args = append(args, sealed, mask)
		}
		if _, err := tx.ExecContext(ctx, q+` WHERE community_id = ? AND id = ?`, append(args, v.CommunityID, v.ID)...); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "volunteers.update", "vol_volunteer", v.ID, v.CommunityID, audit.Success))
	})
}

// Confirm confirms a pending registration.
func (s *Service) Confirm(ctx context.Context, p *auth.Principal, id int64) error {
	return s.setStatus(ctx, p, id, StatusPending, StatusConfirmed, "volunteers.confirm")
}

// Leave marks a volunteer as left; their records and history stay, and
// their current memberships end today.
func (s *Service) Leave(ctx context.Context, p *auth.Principal, id int64) error {
	return s.setStatus(ctx, p, id, "", StatusLeft, "volunteers.leave")
}

func (s *Service) setStatus(ctx context.Context, p *auth.Principal, id int64, from, to, action string) error {
	v, err := s.Get(ctx, p, id)
	if err != nil {
		return err
	}
	if !v.Access.Confirm {
		return auth.ErrForbidden
	}
	if (from != "" && v.Status != from) || v.Status == to {
		return ErrNotPending
	}
	now := s.now().UnixMilli()
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE vol_volunteer SET status = ?, confirmed_by = CASE WHEN ? = 'confirmed' THEN ? ELSE confirmed_by END,
			confirmed_at = CASE WHEN ? = 'confirmed' THEN ? ELSE confirmed_at END, updated_at = ? WHERE community_id = ? AND id = ? AND status = ?`,
			to, to, p.UserID, to, now, now, v.CommunityID, v.ID, v.Status)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrNotPending
		}
		if to == StatusLeft {
			if _, err := tx.ExecContext(ctx, `UPDATE vol_member SET left_on = ? WHERE community_id = ? AND volunteer_id = ? AND left_on = ''`,
				s.today(), v.CommunityID, v.ID); err != nil {
				return err
			}
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, action, "vol_volunteer", v.ID, v.CommunityID, audit.Success))
	})
}

// Communities are the communities p may register volunteers in.
func (s *Service) Communities(ctx context.Context, p *auth.Principal) ([]*org.Unit, error) {
	units, err := s.Org.InScope(ctx, p, org.Community)
	if err != nil {
		return nil, err
	}
	out := units[:0]
	for _, u := range units {
		if reaches(p, u.ID) {
			out = append(out, u)
		}
	}
	return out, nil
}

// FindPeople lists registry people in p's scope matching q, to register.
func (s *Service) FindPeople(ctx context.Context, p *auth.Principal, q string) ([]Person, error) {
	q = strings.TrimSpace(q)
	if s.People == nil || q == "" || !p.Can(PermWrite) {
		return nil, nil
	}
	return s.People.Find(ctx, p, q)
}
