package registry

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/identity"
	"linli/internal/org"
	"linli/internal/places"
	"linli/internal/privacy"
)

// Rental housing (出租房): a dwelling let by a landlord for a lease period to
// tenants, who are registry people (usually migrants living there). A rental
// carries the dwelling's community and grid, so it is scoped like the people in
// it; the landlord's phone is sealed and masked like every other phone.

// Rental statuses.
const (
	RentalActive = "active"
	RentalEnded  = "ended"
)

var _ = i18n.Family("registry.rental_status.", RentalActive, RentalEnded)

// RentalPurposes are what a dwelling is let for.
var RentalPurposes = []string{"residential", "business", "dormitory", "other"}

var _ = i18n.Family("registry.purpose.", RentalPurposes...)

const landlordPhoneAAD = "reg_rental.landlord_phone"

// Rental is a rental as a user sees it: the landlord's phone masked.
type Rental struct {
	ID, CommunityID, GridID, DwellingID, BuildingID int64
	LandlordPersonID                                int64
	LandlordName, LandlordPhoneMask                 string
	LeaseFrom, LeaseTo, Purpose, Remark, Status     string
	Address                                         string
	TenantCount                                     int
	Tenants                                         []*Person // filled by GetRental
	CreatedAt, UpdatedAt                            int64
	// Access is what the viewer may do with the rental (filled by GetRental):
	// Reveal only when there is a landlord's phone to show.
	Access auth.Access
}

// EndsWithin reports whether an active lease ends within days of today (or has
// already run out without the rental being closed).
func (r *Rental) EndsWithin(today string, days int) bool {
	if r.Status != RentalActive || r.LeaseTo == "" {
		return false
	}
	t, err := time.Parse("2006-01-02", today)
	if err != nil {
		return false
	}
	return r.LeaseTo <= t.AddDate(0, 0, days).Format("2006-01-02")
}

// Overdue reports whether an active lease has already ended.
func (r *Rental) Overdue(today string) bool {
	return r.Status == RentalActive && r.LeaseTo != "" && r.LeaseTo < today
}

// ExpiringDays is how far ahead "expiring soon" looks.
const ExpiringDays = 30

// RentalInput is what registering or changing a rental takes. The dwelling and
// the first tenants are used on creation; later tenants come and go one by one.
type RentalInput struct {
	DwellingID       int64
	LandlordPersonID int64 // a registry person, or 0 for a landlord known by name
	LandlordName     string
	LandlordPhone    string // empty on a change = keep
	LeaseFrom        string
	LeaseTo          string // empty = open-ended
	Purpose          string
	Remark           string
	Tenants          []int64
}

// RentalFilter selects rentals.
type RentalFilter struct {
	OrgID, GridID, BuildingID, DwellingID int64
	Status                                string // "" = active, RentalEnded, or "all"
	Expiring                              bool   // active leases ending within ExpiringDays (or overdue)
	Q                                     string // landlord name fragment
	Limit, Offset                         int
}

const rentalSelect = `SELECT r.id, r.community_id, COALESCE(r.grid_id, 0), r.dwelling_id, d.building_id, COALESCE(r.landlord_person_id, 0),
	r.landlord_name, r.landlord_phone_mask, r.lease_from, COALESCE(r.lease_to, ''), r.purpose, r.remark, r.status, r.created_at, r.updated_at,
	COALESCE(e.name, ''), b.name, COALESCE(en.name, ''), d.room
	FROM reg_rental r
	JOIN dwelling d ON d.community_id = r.community_id AND d.id = r.dwelling_id
	JOIN building b ON b.community_id = d.community_id AND b.id = d.building_id
	LEFT JOIN estate e ON e.community_id = b.community_id AND e.id = b.estate_id
	LEFT JOIN entrance en ON en.community_id = d.community_id AND en.id = d.entrance_id`

func scanRental(sc interface{ Scan(...any) error }) (*Rental, error) {
	r := &Rental{}
	var est, bld, ent, room string
	err := sc.Scan(&r.ID, &r.CommunityID, &r.GridID, &r.DwellingID, &r.BuildingID, &r.LandlordPersonID,
		&r.LandlordName, &r.LandlordPhoneMask, &r.LeaseFrom, &r.LeaseTo, &r.Purpose, &r.Remark, &r.Status, &r.CreatedAt, &r.UpdatedAt,
		&est, &bld, &ent, &room)
	if err != nil {
		return nil, err
	}
	r.Address = places.JoinAddress(est, bld, ent, room)
	return r, nil
}

// countTenants fills the rentals' TenantCount (see db.FillChildCounts).
func (s *Service) countTenants(ctx context.Context, rentals []*Rental) error {
	return db.FillChildCounts(ctx, s.DB, "reg_rental_tenant", "rental_id", rentals,
		func(r *Rental) (int64, int64) { return r.CommunityID, r.ID }, func(r *Rental, n int) { r.TenantCount = n })
}

// ListRentals returns a page of rentals in pr's scope matching f, and how many match.
func (s *Service) ListRentals(ctx context.Context, pr *auth.Principal, f RentalFilter) ([]*Rental, int, error) {
	if err := pr.Require(PermRead); err != nil {
		return nil, 0, err
	}
	q := &query{}
	sc, args := s.scope(pr, "r.community_id", "r.grid_id")
	q.add(sc, args...)
	switch f.Status {
	case "":
		q.add("r.status = 'active'")
	case "all":
	case RentalActive, RentalEnded:
		q.add("r.status = ?", f.Status)
	default:
		return nil, 0, i18n.NewError("bad_request", "err.choice", "field", i18n.T("registry.rental_status"))
	}
	if f.OrgID != 0 {
		u, ok := s.Org.Lookup(ctx, f.OrgID)
		if !ok || !pr.Scope.SeesOrgPath(u.Path) {
			return nil, 0, auth.ErrNotFound
		}
		switch u.Level {
		case org.Grid:
			q.add("r.grid_id = ?", u.ID)
		case org.Community:
			q.add("r.community_id = ?", u.ID)
		}
	}
	if f.GridID != 0 {
		q.add("r.grid_id = ?", f.GridID)
	}
	if f.DwellingID != 0 {
		q.add("r.dwelling_id = ?", f.DwellingID)
	}
	if f.BuildingID != 0 {
		q.add("(r.community_id, r.dwelling_id) IN (SELECT d.community_id, d.id FROM dwelling d WHERE d.building_id = ?)", f.BuildingID)
	}
	if f.Expiring {
		q.add("r.status = 'active' AND r.lease_to IS NOT NULL AND r.lease_to <= ?", s.now().In(shanghai).AddDate(0, 0, ExpiringDays).Format("2006-01-02"))
	}
	if name := strings.TrimSpace(f.Q); name != "" {
		q.add(`r.landlord_name LIKE ? ESCAPE '\'`, db.Contains(name))
	}
	var total int
	if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM reg_rental r WHERE `+q.sql(), q.args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	if total == 0 || f.Offset >= total {
		return nil, total, nil
	}
	order := "r.id DESC"
	if f.Expiring {
		order = "r.lease_to, r.id"
	}
	rows, err := s.DB.QueryContext(ctx, rentalSelect+` WHERE `+q.sql()+` ORDER BY `+order+` LIMIT ? OFFSET ?`, append(q.args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*Rental
	for rows.Next() {
		r, err := scanRental(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	rows.Close()
	return out, total, s.countTenants(ctx, out)
}

// GetRental returns a rental in scope with its tenants. Tenants are part of the
// rental's record and are listed even if one has since moved elsewhere; their
// own pages stay scoped.
func (s *Service) GetRental(ctx context.Context, pr *auth.Principal, id int64) (*Rental, error) {
	if err := pr.Require(PermRead); err != nil {
		return nil, err
	}
	sc, args := s.scope(pr, "r.community_id", "r.grid_id")
	r, err := scanRental(s.DB.QueryRowContext(ctx, rentalSelect+` WHERE r.id = ? AND `+sc, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, auth.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	r.Access = access(pr, r.CommunityID, r.GridID)
	r.Access.Reveal = r.Access.Reveal && r.LandlordPhoneMask != ""
	rows, err := s.DB.QueryContext(ctx, personSelect+` WHERE p.community_id = ? AND p.id IN (SELECT t.person_id FROM reg_rental_tenant t WHERE t.community_id = ? AND t.rental_id = ?) ORDER BY p.name_pinyin, p.id`, r.CommunityID, r.CommunityID, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			return nil, err
		}
		p.Access = access(pr, p.CommunityID, p.GridID)
		r.Tenants = append(r.Tenants, p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	r.TenantCount = len(r.Tenants)
	return r, s.attachTags(ctx, s.DB.Reader(), pr, r.Tenants)
}

// RentalsOf lists the rentals in scope in which a person of community is
// landlord or tenant. A rental's landlord and tenants who are registry people
// are of its community (checked when they are written): the person's
// community bounds the search, one shard on Citus.
func (s *Service) RentalsOf(ctx context.Context, pr *auth.Principal, community, personID int64) ([]*Rental, error) {
	if err := pr.Require(PermRead); err != nil {
		return nil, err
	}
	sc, args := s.scope(pr, "r.community_id", "r.grid_id")
	// The tenancy is joined, not asked by EXISTS: Citus sends an OR with a
	// correlated subquery to every shard.
	rows, err := s.DB.QueryContext(ctx, rentalSelect+` LEFT JOIN reg_rental_tenant mt ON mt.community_id = r.community_id AND mt.rental_id = r.id AND mt.person_id = ?
		WHERE r.community_id = ? AND (r.landlord_person_id = ? OR mt.person_id IS NOT NULL) AND `+
		sc+` ORDER BY r.lease_from DESC, r.id DESC LIMIT 50`, append([]any{personID, community, personID}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Rental
	for rows.Next() {
		r, err := scanRental(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	return out, s.countTenants(ctx, out)
}

// landlordFields are the checked landlord values of an input.
type landlordFields struct {
	person          int64
	community       int64 // the landlord person's
	name, phoneMask string
	phoneEnc        []byte
	phoneGiven      bool
}

// checkRental validates the landlord, lease and purpose of in.
func (s *Service) checkRental(ctx context.Context, pr *auth.Principal, in *RentalInput, errs *i18n.Errors) landlordFields {
	var lf landlordFields
	in.LandlordName, in.Remark = strings.TrimSpace(in.LandlordName), strings.TrimSpace(in.Remark)
	if in.LandlordPersonID != 0 {
		lp, err := s.getPerson(ctx, s.DB.Reader(), pr, in.LandlordPersonID)
		if err != nil {
			errs.Add("landlord_person_id", "registry.landlord_unknown")
		} else {
			lf.person, lf.name, lf.community = lp.ID, lp.Name, lp.CommunityID
		}
	} else if errs.Required("landlord_name", i18n.T("registry.landlord_name"), in.LandlordName) {
		errs.MaxLen("landlord_name", i18n.T("registry.landlord_name"), in.LandlordName, 30)
		lf.name = in.LandlordName
	}
	if ph := strings.TrimSpace(in.LandlordPhone); ph != "" {
		norm, err := identity.ParseMobile(ph)
		if err != nil {
			norm, err = identity.ParseLandline(ph)
		}
		if err != nil {
			errs.Add("landlord_phone", "registry.phone_invalid")
		} else {
			lf.phoneGiven = true
			lf.phoneMask = privacy.MaskPhone(norm)
			lf.phoneEnc = s.Keys.Seal(norm, landlordPhoneAAD)
		}
	}
	in.LeaseFrom, in.LeaseTo = strings.TrimSpace(in.LeaseFrom), strings.TrimSpace(in.LeaseTo)
	if errs.Required("lease_from", i18n.T("registry.lease_from"), in.LeaseFrom) && !org.ValidDate(in.LeaseFrom) {
		errs.Add("lease_from", "err.invalid_date", "field", i18n.T("registry.lease_from"))
	}
	if in.LeaseTo != "" {
		if !org.ValidDate(in.LeaseTo) {
			errs.Add("lease_to", "err.invalid_date", "field", i18n.T("registry.lease_to"))
		} else if org.ValidDate(in.LeaseFrom) && in.LeaseTo < in.LeaseFrom {
			errs.Add("lease_to", "err.date_order", "field", i18n.T("registry.lease_to"), "other", i18n.T("registry.lease_from"))
		}
	}
	if in.Purpose == "" {
		in.Purpose = "residential"
	}
	if !valid(in.Purpose, RentalPurposes) {
		errs.Add("purpose", "err.choice", "field", i18n.T("registry.rental_purpose"))
	}
	errs.MaxLen("remark", i18n.T("common.remark"), in.Remark, 500)
	return lf
}

// tenantPeople checks that each tenant is an active person in scope.
func (s *Service) tenantPeople(ctx context.Context, pr *auth.Principal, ids []int64, errs *i18n.Errors) []*Person {
	seen := map[int64]bool{}
	var out []*Person
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		p, err := s.getPerson(ctx, s.DB.Reader(), pr, id)
		if err != nil {
			errs.Add("tenants", "registry.tenant_unknown")
			continue
		}
		if p.Status != StatusActive {
			errs.Add("tenants", "registry.tenant_inactive", "name", p.Name)
			continue
		}
		out = append(out, p)
	}
	return out
}

// CreateRental registers a dwelling in scope as let.
func (s *Service) CreateRental(ctx context.Context, pr *auth.Principal, in RentalInput) (int64, error) {
	if err := pr.Require(PermWrite); err != nil {
		return 0, err
	}
	errs := &i18n.Errors{}
	var pl placement
	if in.DwellingID == 0 {
		errs.Add("dwelling_id", "registry.rental_dwelling_required")
	} else {
		d, err := s.Places.GetDwelling(ctx, pr, in.DwellingID) // in scope, or not found
		if err != nil {
			return 0, err
		}
		pl = placement{community: d.CommunityID, grid: d.GridID, dwelling: d.ID}
	}
	lf := s.checkRental(ctx, pr, &in, errs)
	tenants := s.tenantPeople(ctx, pr, in.Tenants, errs)
	if pl.community != 0 {
		// The rental's people are of its community (their rows and the
		// rental's live together): one of another community is named by
		// landlord name and phone, or moves here first.
		if lf.person != 0 && lf.community != pl.community {
			errs.Add("landlord_person_id", "registry.landlord_other_community")
		}
		for _, t := range tenants {
			if t.CommunityID != pl.community {
				errs.Add("tenants", "registry.tenant_other_community", "name", t.Name)
			}
		}
	}
	if errs.Any() {
		return 0, errs
	}
	var id int64
	err := s.inTx(ctx, func(tx *db.Tx) error {
		now := db.Now()
		err := tx.QueryRowContext(ctx, `INSERT INTO reg_rental (community_id, grid_id, dwelling_id, landlord_person_id, landlord_name, landlord_phone_enc, landlord_phone_mask,
			lease_from, lease_to, purpose, remark, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?) RETURNING id`,
			pl.community, nullInt(pl.grid), pl.dwelling, nullInt(lf.person), lf.name, lf.phoneEnc, lf.phoneMask,
			in.LeaseFrom, nullStr(in.LeaseTo), in.Purpose, in.Remark, now, now).Scan(&id)
		if err != nil {
			return err
		}
		for _, t := range tenants {
			if _, err := tx.ExecContext(ctx, `INSERT INTO reg_rental_tenant (rental_id, person_id, community_id) VALUES (?, ?, ?)`, id, t.ID, pl.community); err != nil {
				return err
			}
		}
		return s.Audit.Record(ctx, tx, audit.Event(pr, "rental.create", "rental", id, pl.community, audit.Success).
			WithDetail(map[string]any{"dwelling_id": pl.dwelling, "landlord_person_id": lf.person, "tenants": len(tenants), "lease_from": in.LeaseFrom, "lease_to": in.LeaseTo}))
	})
	return id, err
}

// rentalRow is what a change needs of a rental, read inside its transaction.
type rentalRow struct {
	id, community, grid, landlord int64
	status, leaseFrom             string
}

// lockRental reads a rental in scope inside tx (locking it on PostgreSQL): the
// callers hold PermWrite, and in scope is where they may write; a rental
// outside it is not found.
func (s *Service) lockRental(ctx context.Context, tx *db.Tx, pr *auth.Principal, id int64) (*rentalRow, error) {
	sc, args := pr.Scope.SQL(tx.Dialect(), "r.community_id", "r.grid_id")
	where, wargs, err := lockTarget(ctx, tx, "reg_rental r", id, sc, args)
	if err != nil {
		return nil, err
	}
	r := &rentalRow{}
	err = tx.QueryRowContext(ctx, `SELECT id, community_id, COALESCE(grid_id, 0), COALESCE(landlord_person_id, 0), status, lease_from FROM reg_rental r WHERE `+
		where, wargs...).Scan(&r.id, &r.community, &r.grid, &r.landlord, &r.status, &r.leaseFrom)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, auth.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// UpdateRental changes a rental's landlord, lease, purpose or remark. An empty
// phone keeps the one on file.
func (s *Service) UpdateRental(ctx context.Context, pr *auth.Principal, id int64, in RentalInput) error {
	if err := pr.Require(PermWrite); err != nil {
		return err
	}
	if _, err := s.GetRental(ctx, pr, id); err != nil {
		return err
	}
	errs := &i18n.Errors{}
	lf := s.checkRental(ctx, pr, &in, errs)
	if errs.Any() {
		return errs
	}
	return s.inTx(ctx, func(tx *db.Tx) error {
		r, err := s.lockRental(ctx, tx, pr, id)
		if err != nil {
			return err
		}
		set := `landlord_person_id = ?, landlord_name = ?, lease_from = ?, lease_to = ?, purpose = ?, remark = ?, updated_at = ?`
		args := []any{nullInt(lf.person), lf.name, in.LeaseFrom, nullStr(in.LeaseTo), in.Purpose, in.Remark, db.Now()}
		if lf.phoneGiven {
			set += `, landlord_phone_enc = ?, landlord_phone_mask = ?`
			args = append(args, lf.phoneEnc, lf.phoneMask)
		}
		if lf.person != 0 && lf.community != r.community {
			return landlordOtherCommunity()
		}
		if _, err := tx.ExecContext(ctx, `UPDATE reg_rental SET `+set+` WHERE community_id = ? AND id = ?`, append(args, r.community, id)...); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(pr, "rental.update", "rental", id, r.community, audit.Success).
			WithDetail(map[string]any{"landlord_person_id": lf.person, "phone_changed": lf.phoneGiven, "lease_from": in.LeaseFrom, "lease_to": in.LeaseTo, "purpose": in.Purpose}))
	})
}

// SetLandlord makes a registry person the rental's landlord (their name is
// copied, so the rental record reads the same later).
func (s *Service) SetLandlord(ctx context.Context, pr *auth.Principal, id, personID int64) error {
	if err := pr.Require(PermWrite); err != nil {
		return err
	}
	if _, err := s.GetRental(ctx, pr, id); err != nil {
		return err
	}
	lp, err := s.getPerson(ctx, s.DB.Reader(), pr, personID)
	if err != nil {
		e := &i18n.Errors{}
		e.Add("landlord_person_id", "registry.landlord_unknown")
		return e
	}
	return s.inTx(ctx, func(tx *db.Tx) error {
		r, err := s.lockRental(ctx, tx, pr, id)
		if err != nil {
			return err
		}
		if lp.CommunityID != r.community {
			return landlordOtherCommunity()
		}
		if _, err := tx.ExecContext(ctx, `UPDATE reg_rental SET landlord_person_id = ?, landlord_name = ?, updated_at = ? WHERE community_id = ? AND id = ?`, lp.ID, lp.Name, db.Now(), r.community, id); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(pr, "rental.landlord", "rental", id, r.community, audit.Success).WithDetail(map[string]any{"landlord_person_id": lp.ID}))
	})
}

// EndRental closes a rental on date on (the lease ends then).
func (s *Service) EndRental(ctx context.Context, pr *auth.Principal, id int64, on string) error {
	if err := pr.Require(PermWrite); err != nil {
		return err
	}
	if _, err := s.GetRental(ctx, pr, id); err != nil {
		return err
	}
	errs := &i18n.Errors{}
	checkDate("on", i18n.T("registry.rental_end_date"), on, errs)
	if errs.Any() {
		return errs
	}
	return s.inTx(ctx, func(tx *db.Tx) error {
		r, err := s.lockRental(ctx, tx, pr, id)
		if err != nil {
			return err
		}
		if r.status != RentalActive {
			return i18n.NewError("conflict", "registry.rental_closed")
		}
		if on < r.leaseFrom {
			e := &i18n.Errors{}
			e.Add("on", "err.date_order", "field", i18n.T("registry.rental_end_date"), "other", i18n.T("registry.lease_from"))
			return e
		}
		if _, err := tx.ExecContext(ctx, `UPDATE reg_rental SET status = 'ended', lease_to = ?, updated_at = ? WHERE community_id = ? AND id = ?`, on, db.Now(), r.community, id); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(pr, "rental.end", "rental", id, r.community, audit.Success).WithDetail(map[string]any{"on": on}))
	})
}

// AddTenant records a person in scope as living in the rental.
func (s *Service) AddTenant(ctx context.Context, pr *auth.Principal, id, personID int64) error {
	if err := pr.Require(PermWrite); err != nil {
		return err
	}
	if _, err := s.GetRental(ctx, pr, id); err != nil {
		return err
	}
	errs := &i18n.Errors{}
	people := s.tenantPeople(ctx, pr, []int64{personID}, errs)
	if errs.Any() {
		return errs
	}
	return s.inTx(ctx, func(tx *db.Tx) error {
		r, err := s.lockRental(ctx, tx, pr, id)
		if err != nil {
			return err
		}
		if r.status != RentalActive {
			return i18n.NewError("conflict", "registry.rental_closed")
		}
		if people[0].CommunityID != r.community {
			return tenantOtherCommunity()
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM reg_rental_tenant WHERE community_id = ? AND rental_id = ? AND person_id = ?`, r.community, id, personID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO reg_rental_tenant (rental_id, person_id, community_id) VALUES (?, ?, ?)`, id, people[0].ID, r.community); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(pr, "rental.tenant_add", "rental", id, r.community, audit.Success).WithDetail(map[string]any{"person_id": personID}))
	})
}

// RemoveTenant takes a person off the rental's tenants.
func (s *Service) RemoveTenant(ctx context.Context, pr *auth.Principal, id, personID int64) error {
	if err := pr.Require(PermWrite); err != nil {
		return err
	}
	if _, err := s.GetRental(ctx, pr, id); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *db.Tx) error {
		r, err := s.lockRental(ctx, tx, pr, id)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM reg_rental_tenant WHERE community_id = ? AND rental_id = ? AND person_id = ?`, r.community, id, personID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return s.Audit.Record(ctx, tx, audit.Event(pr, "rental.tenant_remove", "rental", id, r.community, audit.Success).WithDetail(map[string]any{"person_id": personID}))
	})
}

func landlordOtherCommunity() error {
	e := &i18n.Errors{}
	e.Add("landlord_person_id", "registry.landlord_other_community")
	return e
}

func tenantOtherCommunity() error {
	e := &i18n.Errors{}
	e.Add("tenants", "registry.tenant_other_community_one")
	return e
}

// RevealLandlordPhone shows a rental's landlord phone in full to someone allowed
// to see it, and records that they did.
func (s *Service) RevealLandlordPhone(ctx context.Context, pr *auth.Principal, id int64, reason string) (string, error) {
	if err := pr.Require(PermReveal); err != nil {
		return "", err
	}
	var comm int64
	var enc []byte
	sc, args := s.scope(pr, "r.community_id", "r.grid_id")
	err := s.DB.QueryRowContext(ctx, `SELECT community_id, landlord_phone_enc FROM reg_rental r WHERE id = ? AND `+sc, append([]any{id}, args...)...).Scan(&comm, &enc)
	if errors.Is(err, sql.ErrNoRows) {
		return "", auth.ErrNotFound
	}
	if err != nil {
		return "", err
	}
	phone, err := s.Keys.Open(enc, landlordPhoneAAD)
	if err != nil {
		return "", err
	}
	err = s.Audit.RecordAlone(ctx, s.DB, audit.Event(pr, "rental.reveal", "rental", id, comm, audit.Success).
		WithDetail(map[string]string{"fields": "landlord_phone", "reason": truncate(reason, 200)}))
	return phone, err
}
