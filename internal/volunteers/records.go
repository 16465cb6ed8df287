package volunteers

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/locale"
)

// ---- service records ----

// parseHours reads decimal hours ("2", "2.5", "1.25") into whole minutes,
// rounding to the minute.
func parseHours(s string) (int, bool) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "小时"))
	h, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(h) || h <= 0 {
		return 0, false
	}
	m := int(math.Round(h * 60))
	return m, m > 0
}

func (s *Service) checkDay(errs *i18n.Errors, field, label string, on *string) {
	*on = strings.TrimSpace(*on)
	if *on == "" {
		*on = s.today()
		return
	}
	if _, err := time.Parse(time.DateOnly, *on); err != nil {
		errs.Add(field, "err.invalid", "field", label)
	} else if *on > s.today() {
		errs.Add(field, "volunteers.err_future", "field", label)
	}
}

// AddRecord records service by hand: a staff entry is confirmed at once when
// the recorder may confirm; a team leader's entry (and a staff entry by one
// who may not confirm) waits for staff.
func (s *Service) AddRecord(ctx context.Context, p *auth.Principal, in RecordInput) (int64, error) {
	v, err := s.Get(ctx, p, in.VolunteerID)
	if err != nil {
		return 0, err
	}
	if !v.Access.Write {
		return 0, auth.ErrForbidden
	}
	errs := &i18n.Errors{}
	s.checkDay(errs, "served_on", i18n.T("volunteers.served_on"), &in.ServedOn)
	minutes, ok := parseHours(in.Hours)
	if !ok || minutes > maxMinutes {
		errs.Add("hours", "volunteers.err_hours", "field", i18n.T("volunteers.hours"))
	}
	in.What, in.Place, in.Beneficiary = strings.TrimSpace(in.What), strings.TrimSpace(in.Place), strings.TrimSpace(in.Beneficiary)
	if errs.Required("what", i18n.T("volunteers.what"), in.What) {
		errs.MaxLen("what", i18n.T("volunteers.what"), in.What, maxText)
	}
	errs.MaxLen("place", i18n.T("volunteers.place"), in.Place, maxText)
	errs.MaxLen("beneficiary", i18n.T("volunteers.beneficiary"), in.Beneficiary, maxText)
	if in.Source != SourceLeader && in.Source != SourceStaff {
		errs.Add("source", "err.choice", "field", i18n.T("volunteers.source"))
	}
	if in.TeamID != 0 {
		if t, err := s.GetTeam(ctx, p, in.TeamID); err != nil || t.CommunityID != v.CommunityID {
			errs.Add("team_id", "err.choice", "field", i18n.T("volunteers.team"))
		}
	}
	if v.Status == StatusLeft {
		errs.Add("volunteer_id", "volunteers.err_left")
	}
	if errs.Any() {
		return 0, errs
	}
	r := &Record{CommunityID: v.CommunityID, VolunteerID: v.ID, TeamID: in.TeamID, ServedOn: in.ServedOn, Minutes: minutes, What: in.What, Place: in.Place,
		Beneficiary: in.Beneficiary, Source: in.Source, Status: RecordPending}
	if in.Source == SourceStaff && v.Access.Confirm {
		r.Status = RecordConfirmed
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.insertRecord(ctx, tx, p, r); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "volunteers.record", "vol_record", r.ID, v.CommunityID, audit.Success).
			WithDetail(map[string]any{"volunteer_id": v.ID, "minutes": minutes, "status": r.Status}))
	})
	return r.ID, err
}

func (s *Service) insertRecord(ctx context.Context, tx *db.Tx, p *auth.Principal, r *Record) error {
	now := s.now().UnixMilli()
	var confirmedBy, confirmedAt int64
	if r.Status == RecordConfirmed {
		confirmedBy, confirmedAt = p.UserID, now
	}
	return tx.QueryRowContext(ctx, `INSERT INTO vol_record (community_id, volunteer_id, team_id, served_on, minutes, what, place, beneficiary, source, activity_id,
		status, recorded_by, confirmed_by, confirmed_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		r.CommunityID, r.VolunteerID, nullID(r.TeamID), r.ServedOn, r.Minutes, r.What, r.Place, r.Beneficiary, r.Source, nullID(r.ActivityID),
		r.Status, p.UserID, confirmedBy, confirmedAt, now).Scan(&r.ID)
}

// RecordFromActivity records the service of a volunteer at an activity, from
// its check-in and check-out: confirmed (the activity's staff took the
// times). It is idempotent per activity and volunteer: recording the same
// check-out again changes nothing. Called by the activities module through an
// adapter in internal/app/links.go.
func (s *Service) RecordFromActivity(ctx context.Context, in ActivityInput) error {
	p := in.By
	if err := p.Require(PermWrite); err != nil {
		return err
	}
	if !reaches(p, in.CommunityID) {
		return auth.ErrForbidden
	}
	var vid int64
	var err error
	if in.VolunteerID != 0 {
		err = s.DB.QueryRowContext(ctx, `SELECT id FROM vol_volunteer WHERE community_id = ? AND id = ? AND status <> 'left'`, in.CommunityID, in.VolunteerID).Scan(&vid)
	} else {
		err = s.DB.QueryRowContext(ctx, `SELECT id FROM vol_volunteer WHERE community_id = ? AND person_id = ? AND status <> 'left'`, in.CommunityID, in.PersonID).Scan(&vid)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNoVolunteer
	}
	if err != nil {
		return err
	}
	errs := &i18n.Errors{}
	minutes := int((in.CheckOut - in.CheckIn) / 60_000)
	if in.ActivityID == 0 {
		errs.Add("activity_id", "err.required", "field", i18n.T("volunteers.activity"))
	}
	if minutes <= 0 || minutes > maxMinutes {
		errs.Add("check_out", "volunteers.err_hours", "field", i18n.T("volunteers.hours"))
	}
	what := strings.TrimSpace(in.What)
	if errs.Required("what", i18n.T("volunteers.what"), what) {
		errs.MaxLen("what", i18n.T("volunteers.what"), what, maxText)
	}
	if errs.Any() {
		return errs
	}
	r := &Record{CommunityID: in.CommunityID, VolunteerID: vid, ServedOn: time.UnixMilli(in.CheckIn).In(locale.Zone).Format(time.DateOnly), Minutes: minutes,
		What: what, Place: clip(in.Place, maxText), Beneficiary: clip(in.ForWhom, maxText), Source: SourceActivity, ActivityID: in.ActivityID, Status: RecordConfirmed}
	var again bool
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM vol_record WHERE community_id = ? AND activity_id = ? AND volunteer_id = ?`,
			in.CommunityID, in.ActivityID, vid).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			again = true
			return nil
		}
		if err := s.insertRecord(ctx, tx, p, r); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "volunteers.record_activity", "vol_record", r.ID, in.CommunityID, audit.Success).
			WithDetail(map[string]any{"volunteer_id": vid, "activity_id": in.ActivityID, "minutes": minutes}))
	})
	if again || db.IsUniqueViolation(err) {
		// Two check-outs at once: the other one recorded it.
		return nil
	}
	return err
}

func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

const recordCols = `r.id, r.community_id, r.volunteer_id, COALESCE(r.team_id, 0), r.served_on, r.minutes, r.what, r.place, r.beneficiary, r.source,
	COALESCE(r.activity_id, 0), r.status, r.recorded_by, r.confirmed_by, r.confirmed_at, r.created_at, v.name, COALESCE(t.name, ''), COALESCE(c.name, '')`

const recordFrom = ` FROM vol_record r JOIN vol_volunteer v ON v.community_id = r.community_id AND v.id = r.volunteer_id
	LEFT JOIN vol_team t ON t.community_id = r.community_id AND t.id = r.team_id LEFT JOIN org_unit c ON c.id = r.community_id`

func (s *Service) records(ctx context.Context, p *auth.Principal, q string, args ...any) ([]*Record, error) {
	rows, err := s.DB.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Record
	for rows.Next() {
		r := &Record{}
		if err := rows.Scan(&r.ID, &r.CommunityID, &r.VolunteerID, &r.TeamID, &r.ServedOn, &r.Minutes, &r.What, &r.Place, &r.Beneficiary, &r.Source,
			&r.ActivityID, &r.Status, &r.RecordedBy, &r.ConfirmedBy, &r.ConfirmedAt, &r.CreatedAt, &r.VolunteerName, &r.TeamName, &r.CommunityName); err != nil {
			return nil, err
		}
		r.Access = s.access(p, r.CommunityID)
		out = append(out, r)
	}
	return out, rows.Err()
}

// GetRecord returns a service record in p's scope.
func (s *Service) GetRecord(ctx context.Context, p *auth.Principal, id int64) (*Record, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	sc, args := s.scopeSQL(p, "r.community_id")
	list, err := s.records(ctx, p, `SELECT `+recordCols+recordFrom+` WHERE r.id = ? AND `+sc, append([]any{id}, args...)...)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, auth.ErrNotFound
	}
	return list[0], nil
}

// RecordFilter selects service records.
type RecordFilter struct {
	VolunteerID int64
	Status      string
	Year        string
	Limit       int
}

// ListRecords returns the service records in p's scope, newest first.
func (s *Service) ListRecords(ctx context.Context, p *auth.Principal, f RecordFilter) ([]*Record, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	sc, args := s.scopeSQL(p, "r.community_id")
	where := []string{sc}
	if f.VolunteerID != 0 {
		where, args = append(where, "r.volunteer_id = ?"), append(args, f.VolunteerID)
	}
	if f.Status != "" {
		where, args = append(where, "r.status = ?"), append(args, f.Status)
	}
	if len(f.Year) == 4 {
		where, args = append(where, "r.served_on >= ? AND r.served_on <= ?"), append(args, f.Year+"-01-01", f.Year+"-12-31")
	}
	if f.Limit <= 0 || f.Limit > 5000 {
		f.Limit = 500
	}
	return s.records(ctx, p, `SELECT `+recordCols+recordFrom+` WHERE `+strings.Join(where, " AND ")+` ORDER BY r.served_on DESC, r.id DESC LIMIT ?`,
		append(args, f.Limit)...)
}

// ConfirmRecord confirms a pending record; RefuseRecord refuses it.
func (s *Service) ConfirmRecord(ctx context.Context, p *auth.Principal, id int64) error {
	return s.decideRecord(ctx, p, id, RecordConfirmed, "volunteers.record_confirm")
}

// RefuseRecord refuses a pending record: it counts for nothing.
func (s *Service) RefuseRecord(ctx context.Context, p *auth.Principal, id int64) error {
	return s.decideRecord(ctx, p, id, RecordRefused, "volunteers.record_refuse")
}

func (s *Service) decideRecord(ctx context.Context, p *auth.Principal, id int64, to, action string) error {
	r, err := s.GetRecord(ctx, p, id)
	if err != nil {
		return err
	}
	if !r.Access.Confirm {
		return auth.ErrForbidden
	}
	if r.Status != RecordPending {
		return ErrNotPending
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE vol_record SET status = ?, confirmed_by = ?, confirmed_at = ? WHERE community_id = ? AND id = ? AND status = 'pending'`,
			to, p.UserID, s.now().UnixMilli(), r.CommunityID, r.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrNotPending
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, action, "vol_record", r.ID, r.CommunityID, audit.Success).
			WithDetail(map[string]any{"volunteer_id": r.VolunteerID, "minutes": r.Minutes}))
	})
}

// ---- totals and levels ----

// YearTotals are a volunteer's confirmed minutes by year, latest first, and
// in all. The volunteer must have been read within scope.
func (s *Service) YearTotals(ctx context.Context, v *Volunteer) ([]YearHours, int, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT SUBSTR(served_on, 1, 4), SUM(minutes) FROM vol_record WHERE community_id = ? AND volunteer_id = ? AND status = 'confirmed'
		GROUP BY SUBSTR(served_on, 1, 4) ORDER BY 1 DESC`, v.CommunityID, v.ID)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []YearHours
	total := 0
	for rows.Next() {
		var y YearHours
		if err := rows.Scan(&y.Year, &y.Minutes); err != nil {
			return nil, 0, err
		}
		total += y.Minutes
		out = append(out, y)
	}
	return out, total, rows.Err()
}

// Bands are the recognition bands (minutes for one star, two …) of the
// street community c lies in, or the default bands.
func (s *Service) Bands(ctx context.Context, c int64) ([]int, error) {
	street := c
	if u, ok := s.Org.Lookup(ctx, c); ok && u.ParentID != 0 {
		street = u.ParentID
	}
	return s.streetBands(ctx, street)
}

func (s *Service) streetBands(ctx context.Context, street int64) ([]int, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT min_minutes FROM vol_band WHERE community_id = ? ORDER BY stars`, street)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var m int
		if err := rows.Scan(&m); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	if len(out) == 0 {
		return DefaultBands, rows.Err()
	}
	return out, rows.Err()
}

// LevelOf places minutes among bands.
func LevelOf(minutes int, bands []int) Level {
	l := Level{Minutes: minutes}
	for i, b := range bands {
		if minutes >= b {
			l.Stars = i + 1
			continue
		}
		l.NextAt, l.ToNext, l.NextStar = b, b-minutes, i+1
		break
	}
	return l
}

// ToNextHours is what is left to the next band, in hours.
func (l Level) ToNextHours() string { return Hours(l.ToNext) }

// NextHours is the next band, in hours.
func (l Level) NextHours() string { return Hours(l.NextAt) }

// SetBands sets the bands of a street p holds (hours for one to five stars,
// rising); an empty list returns the street to the default.
func (s *Service) SetBands(ctx context.Context, p *auth.Principal, street int64, hours []string) error {
	if err := p.Require(PermBands); err != nil {
		return err
	}
	u, ok := s.Org.Lookup(ctx, street)
	if !ok || !p.Scope.AllowsOrgPath(u.Path) {
		return auth.ErrForbidden
	}
	errs := &i18n.Errors{}
	var bands []int
	// Trailing blanks: fewer bands than five.
	for len(hours) > 0 && strings.TrimSpace(hours[len(hours)-1]) == "" {
		hours = hours[:len(hours)-1]
	}
	for i, h := range hours {
		m, ok := parseHours(h)
		if !ok || (len(bands) > 0 && m <= bands[len(bands)-1]) {
			errs.Add("band_"+strconv.Itoa(i+1), "volunteers.err_band", "stars", i+1)
			continue
		}
		bands = append(bands, m)
	}
	if errs.Any() {
		return errs
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM vol_band WHERE community_id = ?`, street); err != nil {
			return err
		}
		for i, m := range bands {
			if _, err := tx.ExecContext(ctx, `INSERT INTO vol_band (community_id, stars, min_minutes) VALUES (?, ?, ?)`, street, i+1, m); err != nil {
				return err
			}
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "volunteers.bands", "org_unit", street, street, audit.Success).WithDetail(map[string]any{"minutes": bands}))
	})
}

// Streets are the streets whose bands p may set.
func (s *Service) Streets(ctx context.Context, p *auth.Principal) ([]int64, error) {
	if !p.Can(PermBands) {
		return nil, nil
	}
	var out []int64
	for _, c := range reached(p) {
		if u, ok := s.Org.Lookup(ctx, c); ok && u.ParentID != 0 {
			if st, ok := s.Org.Lookup(ctx, u.ParentID); ok && p.Scope.AllowsOrgPath(st.Path) && !slices.Contains(out, st.ID) {
				out = append(out, st.ID)
			}
		}
	}
	return out, nil
}

// PersonHours is a registry person's confirmed service, for the person and
// household file.
type PersonHours struct {
	VolunteerID, PersonID int64
	Name, Status          string
	Minutes               int
	Level                 Level
}

// HoursOf returns the volunteers among personIDs that p reaches, with their
// hours and level.
func (s *Service) HoursOf(ctx context.Context, p *auth.Principal, personIDs []int64) ([]PersonHours, error) {
	if len(personIDs) == 0 {
		return nil, nil
	}
	list, err := s.List(ctx, p, Filter{PersonIDs: personIDs, Limit: 100})
	if err != nil {
		return nil, err
	}
	var out []PersonHours
	for _, v := range list {
		bands, err := s.Bands(ctx, v.CommunityID)
		if err != nil {
			return nil, err
		}
		out = append(out, PersonHours{VolunteerID: v.ID, PersonID: v.PersonID, Name: v.Name, Status: v.StatusName(), Minutes: v.Minutes, Level: LevelOf(v.Minutes, bands)})
	}
	return out, nil
}

// StarsText draws the stars reached (★★★).
func (l Level) StarsText() string { return strings.Repeat("★", l.Stars) }

// TotalHours is the service in all, in hours.
func (l Level) TotalHours() string { return Hours(l.Minutes) }
