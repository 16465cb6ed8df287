package venues

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/locale"
	"linli/internal/org"
)

// HomeFunc says which community a resident account's own registry person
// lives in (the registry's ResidentHome, through app).
type HomeFunc func(ctx context.Context, p *auth.Principal) (communityID int64, ok bool)

// Service keeps venues and bookings.
type Service struct {
	DB    *db.DB
	Audit *audit.Log
	Org   *org.Service
	// Home finds a resident's community for the portal (nil: the portal
	// offers no venues).
	Home HomeFunc
	// People finds the residents staff book for (nil: staff book only for
	// themselves and teams).
	People People
	// Now is the clock (tests fix it); nil is time.Now.
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

const dayLayout = time.DateOnly

func dayOf(ms int64) string { return time.UnixMilli(ms).In(locale.Zone).Format(dayLayout) }

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// ErrNotPending refuses to approve or refuse a booking already decided.
var ErrNotPending = i18n.NewError("conflict", "venues.err_not_pending")

// ErrNotHeld refuses to cancel a booking that no longer holds its time
// (refused, cancelled or over).
var ErrNotHeld = i18n.NewError("conflict", "venues.err_not_held")

// ErrClosedVenue refuses a booking of a venue no longer in use.
var ErrClosedVenue = i18n.NewError("conflict", "venues.err_inactive")

// scopeSQL restricts rows whose community column is col to what p reaches
// (org.Service.Partitions: a community's staff their community's rows, a
// street's staff also the street's own).
func (s *Service) scopeSQL(ctx context.Context, p *auth.Principal, col string) (string, []any) {
	if p.Scope.All {
		return "1=1", nil
	}
	return s.DB.Dialect().IDSet(col, s.Org.Partitions(ctx, p))
}

// ---- venues ----

const venueCols = `v.id, v.community_id, v.name, v.kind, v.capacity, v.hours, v.equipment, v.book_staff, v.book_teams, v.book_residents,
	v.needs_approval, v.active, v.note, v.created_at, COALESCE(c.name, '')`

const venueFrom = ` FROM venue v LEFT JOIN org_unit c ON c.id = v.community_id`

func scanVenue(sc interface{ Scan(...any) error }) (*Venue, error) {
	v := &Venue{}
	var hours string
	err := sc.Scan(&v.ID, &v.CommunityID, &v.Name, &v.Kind, &v.Capacity, &hours, &v.Equipment, &v.BookStaff, &v.BookTeams, &v.BookResidents,
		&v.NeedsApproval, &v.Active, &v.Note, &v.CreatedAt, &v.CommunityName)
	v.Hours = ParseHours(hours)
	return v, err
}

func (s *Service) venueAccess(ctx context.Context, p *auth.Principal, v *Venue) VenueAccess {
	manage := p.Can(PermManage) && s.Org.HoldsPartition(ctx, p, v.CommunityID)
	return VenueAccess{Book: v.Active && (v.BookStaff || v.BookTeams) && p.Can(PermBook), Manage: manage}
}

// Get returns a venue in p's scope with what p may do with it.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id int64) (*Venue, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	sc, args := s.scopeSQL(ctx, p, "v.community_id")
	v, err := scanVenue(s.DB.QueryRowContext(ctx, `SELECT `+venueCols+venueFrom+` WHERE v.id = ? AND `+sc, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, auth.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	v.Access = s.venueAccess(ctx, p, v)
	return v, nil
}

// VenueFilter selects venues.
type VenueFilter struct {
	CommunityID int64
	Kind        string
	Q           string
	ActiveOnly  bool
}

// ListVenues returns the venues in p's scope, by community and name.
func (s *Service) ListVenues(ctx context.Context, p *auth.Principal, f VenueFilter) ([]*Venue, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	sc, args := s.scopeSQL(ctx, p, "v.community_id")
	where := []string{sc}
	if f.CommunityID != 0 {
		where, args = append(where, "v.community_id = ?"), append(args, f.CommunityID)
	}
	if f.Kind != "" {
		where, args = append(where, "v.kind = ?"), append(args, f.Kind)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		where, args = append(where, "(v.name LIKE ? OR v.equipment LIKE ?)"), append(args, "%"+q+"%", "%"+q+"%")
	}
	if f.ActiveOnly {
		where = append(where, "v.active")
	}
	return s.venues(ctx, p, `SELECT `+venueCols+venueFrom+` WHERE `+strings.Join(where, " AND ")+` ORDER BY c.name, v.name, v.id LIMIT 1000`, args...)
}

func (s *Service) venues(ctx context.Context, p *auth.Principal, q string, args ...any) ([]*Venue, error) {
	rows, err := s.DB.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Venue
	for rows.Next() {
		v, err := scanVenue(rows)
		if err != nil {
			return nil, err
		}
		if p != nil {
			v.Access = s.venueAccess(ctx, p, v)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Places are the org units p may keep venues in: the communities it holds
// wholly and the streets of its subtrees.
func (s *Service) Places(ctx context.Context, p *auth.Principal) ([]*org.Unit, error) {
	if !p.Can(PermManage) {
		return nil, nil
	}
	return s.Org.HeldPartitions(ctx, p)
}

func (s *Service) checkVenue(ctx context.Context, p *auth.Principal, in *VenueInput, orgNeeded bool) (*org.Unit, *i18n.Errors) {
	errs := &i18n.Errors{}
	in.Name, in.Equipment, in.Note = strings.TrimSpace(in.Name), strings.TrimSpace(in.Equipment), strings.TrimSpace(in.Note)
	if errs.Required("name", i18n.T("venues.name"), in.Name) {
		errs.MaxLen("name", i18n.T("venues.name"), in.Name, maxName)
	}
	if !slices.Contains(Kinds, in.Kind) {
		errs.Add("kind", "err.choice", "field", i18n.T("venues.kind"))
	}
	if in.Capacity < 1 || in.Capacity > maxCapacity {
		errs.Add("capacity", "err.range", "field", i18n.T("venues.capacity"), "min", 1, "max", maxCapacity)
	}
	for _, wd := range Weekdays {
		d := weekdayNum(wd)
		h := strings.ReplaceAll(strings.TrimSpace(in.Hours[d]), " ", "")
		h = strings.NewReplacer("–", "-", "—", "-", "~", "-", "：", ":").Replace(h)
		in.Hours[d] = h
		if h == "" {
			continue
		}
		from, to, ok := parseSpan(h)
		if !ok || from%30 != 0 || to%30 != 0 {
			errs.Add("hours_"+wd, "venues.err_hours", "day", i18n.T("venues.weekday."+wd))
			continue
		}
		in.Hours[d] = fmt.Sprintf("%02d:%02d-%02d:%02d", from/60, from%60, to/60, to%60)
	}
	errs.MaxLen("equipment", i18n.T("venues.equipment"), in.Equipment, maxText)
	errs.MaxLen("note", i18n.T("venues.note"), in.Note, maxText)
	if !in.BookStaff && !in.BookTeams && !in.BookResidents {
		errs.Add("book_staff", "venues.err_who")
	}
	if !orgNeeded {
		return nil, errs
	}
	u, ok := s.Org.Lookup(ctx, in.OrgID)
	if !ok || (u.Level != org.Community && u.Level != org.Street) {
		errs.Add("org_id", "err.choice", "field", i18n.T("venues.org"))
		return nil, errs
	}
	return u, errs
}

// CreateVenue adds a venue to a community (or a street's own) p holds.
func (s *Service) CreateVenue(ctx context.Context, p *auth.Principal, in VenueInput) (int64, error) {
	if err := p.Require(PermManage); err != nil {
		return 0, err
	}
	u, errs := s.checkVenue(ctx, p, &in, true)
	if errs.Any() {
		return 0, errs
	}
	if !s.Org.HoldsPartition(ctx, p, u.ID) {
		return 0, auth.ErrForbidden
	}
	now := s.now().UnixMilli()
	var id int64
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO venue (community_id, name, kind, capacity, hours, equipment, book_staff, book_teams, book_residents,
			needs_approval, active, note, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, TRUE, ?, ?, ?, ?) RETURNING id`,
			u.ID, in.Name, in.Kind, in.Capacity, in.Hours.String(), in.Equipment, in.BookStaff, in.BookTeams, in.BookResidents, in.NeedsApproval,
			in.Note, p.UserID, now, now).Scan(&id); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "venues.create", "venue", id, u.ID, audit.Success).WithDetail(map[string]any{"name": in.Name}))
	})
	if db.IsUniqueViolation(err) {
		errs.Add("name", "venues.err_name_taken", "name", in.Name)
		return 0, errs
	}
	return id, err
}

// UpdateVenue changes a venue p manages. Bookings already made stay: a
// change of hours does not move or cancel them.
func (s *Service) UpdateVenue(ctx context.Context, p *auth.Principal, id int64, in VenueInput) error {
	v, err := s.Get(ctx, p, id)
	if err != nil {
		return err
	}
	if !v.Access.Manage {
		return auth.ErrForbidden
	}
	_, errs := s.checkVenue(ctx, p, &in, false)
	if errs.Any() {
		return errs
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE venue SET name = ?, kind = ?, capacity = ?, hours = ?, equipment = ?, book_staff = ?, book_teams = ?,
			book_residents = ?, needs_approval = ?, active = ?, note = ?, updated_at = ? WHERE community_id = ? AND id = ?`,
			in.Name, in.Kind, in.Capacity, in.Hours.String(), in.Equipment, in.BookStaff, in.BookTeams, in.BookResidents, in.NeedsApproval, in.Active,
			in.Note, s.now().UnixMilli(), v.CommunityID, v.ID); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "venues.update", "venue", v.ID, v.CommunityID, audit.Success).WithDetail(map[string]any{"name": in.Name}))
	})
	if db.IsUniqueViolation(err) {
		errs.Add("name", "venues.err_name_taken", "name", in.Name)
		return errs
	}
	return err
}
