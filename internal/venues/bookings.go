package venues

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/locale"
)

const bookingCols = `b.id, b.community_id, b.venue_id, b.title, b.purpose, b.booker_kind, b.booker_user_id, b.booker_person_id, b.booker_name, b.team,
	b.contact, b.attendees, b.starts_at, b.ends_at, b.day, b.status, b.series_id, b.source, b.source_ref, b.decided_by, b.decided_at, b.decision_note,
	b.created_by, b.created_at, COALESCE(v.name, ''), COALESCE(c.name, ''), COALESCE(d.display_name, '')`

const bookingFrom = ` FROM venue_booking b JOIN venue v ON v.community_id = b.community_id AND v.id = b.venue_id
	LEFT JOIN org_unit c ON c.id = b.community_id LEFT JOIN auth_user d ON d.id = b.decided_by`

func scanBooking(sc interface{ Scan(...any) error }) (*Booking, error) {
	b := &Booking{}
	err := sc.Scan(&b.ID, &b.CommunityID, &b.VenueID, &b.Title, &b.Purpose, &b.BookerKind, &b.BookerUserID, &b.BookerPersonID, &b.BookerName, &b.Team,
		&b.Contact, &b.Attendees, &b.StartsAt, &b.EndsAt, &b.Day, &b.Status, &b.SeriesID, &b.Source, &b.SourceRef, &b.DecidedBy, &b.DecidedAt, &b.DecisionNote,
		&b.CreatedBy, &b.CreatedAt, &b.VenueName, &b.CommunityName, &b.DecidedByName)
	return b, err
}

// bookingAccess decides what p may do with b: a manager of its venue's
// community approves, refuses and cancels; its maker or its resident
// cancels their own.
func (s *Service) bookingAccess(ctx context.Context, p *auth.Principal, b *Booking, manage map[int64]bool) BookingAccess {
	m, ok := manage[b.CommunityID]
	if !ok {
		m = p.Can(PermManage) && s.Org.HoldsPartition(ctx, p, b.CommunityID)
		manage[b.CommunityID] = m
	}
	own := (p.UserID != 0 && b.CreatedBy == p.UserID && p.Can(PermBook)) ||
		(p.PersonID != 0 && b.BookerPersonID == p.PersonID && p.Can(PermPortal))
	live := b.Holds() && b.EndsAt > s.now().UnixMilli()
	return BookingAccess{Approve: m && b.Status == StatusPending && live, Cancel: live && (m || own)}
}

// readCond is the condition of the bookings p may read: those of venues in
// its scope for staff; a resident's own.
func (s *Service) readCond(ctx context.Context, p *auth.Principal) (string, []any, error) {
	switch {
	case p.Can(PermRead):
		sc, args := s.scopeSQL(ctx, p, "b.community_id")
		return sc, args, nil
	case p.Can(PermPortal):
		// A resident account not yet tied to its registry person has none.
		return "b.booker_person_id = ? AND b.booker_person_id <> 0", []any{p.PersonID}, nil
	}
	return "", nil, auth.ErrForbidden
}

// GetBooking returns a booking p may read, with what p may do with it.
func (s *Service) GetBooking(ctx context.Context, p *auth.Principal, id int64) (*Booking, error) {
	cond, args, err := s.readCond(ctx, p)
	if err != nil {
		return nil, err
	}
	b, err := scanBooking(s.DB.QueryRowContext(ctx, `SELECT `+bookingCols+bookingFrom+` WHERE b.id = ? AND `+cond, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, auth.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	b.Access = s.bookingAccess(ctx, p, b, map[int64]bool{})
	return b, nil
}

// ListBookings returns the bookings p may read that f selects, by start
// (the latest first unless From is set), and the total.
func (s *Service) ListBookings(ctx context.Context, p *auth.Principal, f Filter) ([]*Booking, int, error) {
	cond, args, err := s.readCond(ctx, p)
	if err != nil {
		return nil, 0, err
	}
	where := []string{cond}
	if f.VenueID != 0 {
		where, args = append(where, "b.venue_id = ?"), append(args, f.VenueID)
	}
	if f.Status != "" {
		where, args = append(where, "b.status = ?"), append(args, f.Status)
	}
	if f.BookerKind != "" {
		where, args = append(where, "b.booker_kind = ?"), append(args, f.BookerKind)
	}
	if f.From != "" {
		where, args = append(where, "b.day >= ?"), append(args, f.From)
	}
	if f.To != "" {
		where, args = append(where, "b.day <= ?"), append(args, f.To)
	}
	if f.PersonIDs != nil {
		c, a := s.DB.Dialect().IDSet("b.booker_person_id", f.PersonIDs)
		where, args = append(where, c), append(args, a...)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		where, args = append(where, "(b.title LIKE ? OR b.team LIKE ? OR b.booker_name LIKE ?)"), append(args, "%"+q+"%", "%"+q+"%", "%"+q+"%")
	}
	w := strings.Join(where, " AND ")
	var total int
	if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM venue_booking b WHERE `+w, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 || f.Limit > 5000 {
		f.Limit = 50
	}
	order := ` ORDER BY b.starts_at DESC, b.id DESC`
	if f.From != "" {
		order = ` ORDER BY b.starts_at, b.id`
	}
	list, err := s.bookings(ctx, p, `SELECT `+bookingCols+bookingFrom+` WHERE `+w+order+` LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	return list, total, err
}

func (s *Service) bookings(ctx context.Context, p *auth.Principal, q string, args ...any) ([]*Booking, error) {
	rows, err := s.DB.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Booking
	manage := map[int64]bool{}
	for rows.Next() {
		b, err := scanBooking(rows)
		if err != nil {
			return nil, err
		}
		if p != nil {
			b.Access = s.bookingAccess(ctx, p, b, manage)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// Held returns the bookings holding venue v between from and to (unix ms):
// the venue's week. Staff only; the portal reads Busy.
func (s *Service) Held(ctx context.Context, p *auth.Principal, v *Venue, from, to int64) ([]*Booking, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	return s.bookings(ctx, p, `SELECT `+bookingCols+bookingFrom+` WHERE b.community_id = ? AND b.venue_id = ? AND b.starts_at < ? AND b.ends_at > ?
		AND b.status IN ('pending', 'approved') ORDER BY b.starts_at, b.id`, v.CommunityID, v.ID, to, from)
}

// DayBookings returns the bookings holding any venue in p's scope on day.
func (s *Service) DayBookings(ctx context.Context, p *auth.Principal, communityID int64, day string) ([]*Booking, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	sc, args := s.scopeSQL(ctx, p, "b.community_id")
	where := "b.day = ? AND b.status IN ('pending', 'approved') AND " + sc
	args = append([]any{day}, args...)
	if communityID != 0 {
		where, args = where+" AND b.community_id = ?", append(args, communityID)
	}
	return s.bookings(ctx, p, `SELECT `+bookingCols+bookingFrom+` WHERE `+where+` ORDER BY b.venue_id, b.starts_at`, args...)
}

// ---- checks ----

// checkTimes validates a booking's start and end against the venue: on the
// 30-minute grid, the end after the start, at most MaxLength, within one day
// and its opening hours, not in the past (the program itself may write the
// past: the demo).
func (s *Service) checkTimes(p *auth.Principal, v *Venue, from, to time.Time, errs *i18n.Errors) {
	switch {
	case from.IsZero():
		errs.Add("starts_at", "err.required", "field", i18n.T("venues.starts_at"))
	case to.IsZero():
		errs.Add("ends_at", "err.required", "field", i18n.T("venues.ends_at"))
	case !to.After(from):
		errs.Add("ends_at", "venues.err_end_before_start")
	case from.Truncate(Slot) != from || to.Truncate(Slot) != to || from.Second() != 0:
		errs.Add("starts_at", "venues.err_grid")
	case to.Sub(from) > MaxLength:
		errs.Add("ends_at", "venues.err_too_long", "hours", int(MaxLength/time.Hour))
	}
	if errs.Any() {
		return
	}
	lf, lt := from.In(locale.Zone), to.In(locale.Zone)
	startMin := lf.Hour()*60 + lf.Minute()
	endMin := lt.Hour()*60 + lt.Minute()
	if lt.Format(dayLayout) != lf.Format(dayLayout) {
		if endMin == 0 && lt.Sub(lf) < 24*time.Hour {
			endMin = 24 * 60
		} else {
			errs.Add("ends_at", "venues.err_one_day")
			return
		}
	}
	open, close, ok := v.Hours.Open(lf.Weekday())
	if !ok {
		errs.Add("starts_at", "venues.err_closed_day", "day", i18n.T("venues.weekday."+itoa(int64(lf.Weekday()))))
		return
	}
	if startMin < open || endMin > close {
		errs.Add("starts_at", "venues.err_outside_hours", "hours", v.Hours[lf.Weekday()])
		return
	}
	if p.IsSystem {
		return
	}
	now := s.now()
	if from.Before(now) {
		errs.Add("starts_at", "venues.err_past")
	} else if from.Sub(now) > maxAhead*24*time.Hour {
		errs.Add("starts_at", "venues.err_far", "days", maxAhead)
	}
}

// checkBooking validates the texts, the booker and the attendees.
func checkBooking(v *Venue, title, purpose, kind, team, contact *string, attendees int, errs *i18n.Errors) {
	*title, *purpose, *team, *contact = strings.TrimSpace(*title), strings.TrimSpace(*purpose), strings.TrimSpace(*team), strings.TrimSpace(*contact)
	if errs.Required("title", i18n.T("venues.title"), *title) {
		errs.MaxLen("title", i18n.T("venues.title"), *title, maxTitle)
	}
	errs.MaxLen("purpose", i18n.T("venues.purpose"), *purpose, maxText)
	errs.MaxLen("contact", i18n.T("venues.contact"), *contact, maxContact)
	switch *kind {
	case BookerStaff:
		if !v.BookStaff {
			errs.Add("booker_kind", "venues.err_not_open_to", "who", i18n.T("venues.booker.staff"))
		}
		*team = ""
	case BookerTeam:
		if !v.BookTeams {
			errs.Add("booker_kind", "venues.err_not_open_to", "who", i18n.T("venues.booker.team"))
		}
		if errs.Required("team", i18n.T("venues.team"), *team) {
			errs.MaxLen("team", i18n.T("venues.team"), *team, maxTeam)
		}
	case BookerResident:
		if !v.BookResidents {
			errs.Add("booker_kind", "venues.err_not_open_to", "who", i18n.T("venues.booker.resident"))
		}
		*team = ""
	default:
		errs.Add("booker_kind", "err.choice", "field", i18n.T("venues.booker_kind"))
	}
	switch {
	case attendees < 0:
		errs.Add("attendees", "err.range", "field", i18n.T("venues.attendees"), "min", 0, "max", v.Capacity)
	case v.Capacity > 0 && attendees > v.Capacity:
		errs.Add("attendees", "venues.err_capacity", "n", v.Capacity)
	}
}

// ---- writing bookings ----

// slotsOf lists the slot starts from..to holds.
func slotsOf(from, to int64) []int64 {
	var out []int64
	for t := from; t < to; t += Slot.Milliseconds() {
		out = append(out, t)
	}
	return out
}

// insert writes b and the slots it holds (when it holds them); a slot held
// already fails the statement with a unique violation, which rolls the
// whole transaction back.
func insert(ctx context.Context, tx *db.Tx, b *Booking) error {
	if err := tx.QueryRowContext(ctx, `INSERT INTO venue_booking (community_id, venue_id, title, purpose, booker_kind, booker_user_id, booker_person_id,
		booker_name, team, contact, attendees, starts_at, ends_at, day, status, series_id, source, source_ref, decided_by, decided_at, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		b.CommunityID, b.VenueID, b.Title, b.Purpose, b.BookerKind, b.BookerUserID, b.BookerPersonID, b.BookerName, b.Team, b.Contact, b.Attendees,
		b.StartsAt, b.EndsAt, dayOf(b.StartsAt), b.Status, b.SeriesID, b.Source, b.SourceRef, b.DecidedBy, b.DecidedAt, b.CreatedBy, b.CreatedAt, b.CreatedAt).Scan(&b.ID); err != nil {
		return err
	}
	if !b.Holds() {
		return nil
	}
	slots := slotsOf(b.StartsAt, b.EndsAt)
	var sb strings.Builder
	args := make([]any, 0, 4*len(slots))
	sb.WriteString(`INSERT INTO venue_booking_slot (community_id, venue_id, slot_start, booking_id) VALUES `)
	for i, t := range slots {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("(?, ?, ?, ?)")
		args = append(args, b.CommunityID, b.VenueID, t, b.ID)
	}
	_, err := tx.ExecContext(ctx, sb.String(), args...)
	return err
}

// collision names the booking that holds part of from..to of venue v, as
// the 409's message: its title, whom it is for and its time.
func (s *Service) collision(ctx context.Context, v *Venue, from, to int64) error {
	var id int64
	err := s.DB.QueryRowContext(ctx, `SELECT booking_id FROM venue_booking_slot WHERE community_id = ? AND venue_id = ? AND slot_start >= ? AND slot_start < ?
		ORDER BY slot_start LIMIT 1`, v.CommunityID, v.ID, from, to).Scan(&id)
	if err != nil {
		// Released meanwhile: the time is free again, but this try lost.
		return i18n.NewError("conflict", "venues.err_taken_gone")
	}
	b, err := scanBooking(s.DB.QueryRowContext(ctx, `SELECT `+bookingCols+bookingFrom+` WHERE b.community_id = ? AND b.id = ?`, v.CommunityID, id))
	if err != nil {
		return i18n.NewError("conflict", "venues.err_taken_gone")
	}
	return i18n.NewError("conflict", "venues.err_taken", "title", b.Title, "who", b.Who(), "time", b.Span())
}

// Book books venue in.VenueID for p, as staff or for a team. It is pending
// when the venue needs approval and p may not approve it; a time already
// held is refused (409) naming the booking that holds it.
func (s *Service) Book(ctx context.Context, p *auth.Principal, in BookInput) (int64, error) {
	if err := p.Require(PermBook); err != nil {
		return 0, err
	}
	v, err := s.Get(ctx, p, in.VenueID)
	if err != nil {
		return 0, err
	}
	if !v.Active {
		return 0, ErrClosedVenue
	}
	errs := &i18n.Errors{}
	if in.BookerKind == "" {
		in.BookerKind = BookerStaff
	}
	// A resident's booking made by staff (the elderly without phones) is
	// the resident's: their file and their portal list it.
	var per Person
	if in.BookerKind == BookerResident {
		per = s.onBehalf(ctx, p, v, in.PersonID, errs)
	}
	checkBooking(v, &in.Title, &in.Purpose, &in.BookerKind, &in.Team, &in.Contact, in.Attendees, errs)
	s.checkTimes(p, v, in.StartsAt, in.EndsAt, errs)
	if errs.Any() {
		return 0, errs
	}
	now := s.now().UnixMilli()
	b := &Booking{CommunityID: v.CommunityID, VenueID: v.ID, Title: in.Title, Purpose: in.Purpose, BookerKind: in.BookerKind, BookerUserID: p.UserID,
		BookerName: p.DisplayName, Team: in.Team, Contact: in.Contact, Attendees: in.Attendees, StartsAt: in.StartsAt.UnixMilli(), EndsAt: in.EndsAt.UnixMilli(),
		Status: StatusApproved, Source: SourceManual, CreatedBy: p.UserID, CreatedAt: now}
	if in.Source != "" {
		b.Source, b.SourceRef = in.Source, in.SourceRef
	}
	if per.ID != 0 {
		b.BookerPersonID, b.BookerName = per.ID, per.Name
	}
	if v.NeedsApproval && !v.Access.Manage {
		b.Status = StatusPending
	} else {
		b.DecidedBy, b.DecidedAt = p.UserID, now
	}
	action := "venues.book"
	if b.Source == SourceActivity {
		action = "venues.reserve"
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := insert(ctx, tx, b); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, action, "venue_booking", b.ID, v.CommunityID, audit.Success).
			WithDetail(map[string]any{"venue_id": v.ID, "start": b.Span(), "status": b.Status, "person_id": b.BookerPersonID}))
	})
	if db.IsUniqueViolation(err) {
		return 0, s.collision(ctx, v, b.StartsAt, b.EndsAt)
	}
	if err != nil {
		return 0, err
	}
	return b.ID, nil
}

// Reserve is an activity reserving its venue (the activities module, through
// app): a booking whose source is the activity, made as in.By.
func (s *Service) Reserve(ctx context.Context, in ReserveInput) (int64, error) {
	if in.By == nil {
		return 0, auth.ErrForbidden
	}
	return s.Book(ctx, in.By, BookInput{VenueID: in.VenueID, Title: in.Title, BookerKind: BookerStaff, Attendees: in.Attendees,
		StartsAt: in.StartsAt, EndsAt: in.EndsAt, Source: SourceActivity, SourceRef: in.ActivityID})
}

// Release cancels what an activity reserved and still holds (its venue is
// free again); it returns how many bookings it released.
func (s *Service) Release(ctx context.Context, p *auth.Principal, activityID int64) (int, error) {
	if err := p.Require(PermBook); err != nil {
		return 0, err
	}
	sc, args := s.scopeSQL(ctx, p, "b.community_id")
	list, err := s.bookings(ctx, p, `SELECT `+bookingCols+bookingFrom+` WHERE b.source = ? AND b.source_ref = ? AND b.status IN ('pending', 'approved') AND `+sc,
		append([]any{SourceActivity, activityID}, args...)...)
	if err != nil {
		return 0, err
	}
	now := s.now().UnixMilli()
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		for _, b := range list {
			if err := s.release(ctx, tx, b, StatusCancelled, p.UserID, now, ""); err != nil {
				return err
			}
			if err := s.Audit.Record(ctx, tx, audit.Event(p, "venues.release", "venue_booking", b.ID, b.CommunityID, audit.Success).
				WithDetail(map[string]any{"ref_id": activityID})); err != nil {
				return err
			}
		}
		return nil
	})
	return len(list), err
}

// release ends b's hold: its status changes (only from a holding one) and
// its slots are deleted.
func (s *Service) release(ctx context.Context, tx *db.Tx, b *Booking, status string, by, now int64, note string) error {
	res, err := tx.ExecContext(ctx, `UPDATE venue_booking SET status = ?, decided_by = ?, decided_at = ?, decision_note = ?, updated_at = ?
		WHERE community_id = ? AND id = ? AND status IN ('pending', 'approved')`, status, by, now, note, now, b.CommunityID, b.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotHeld
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM venue_booking_slot WHERE community_id = ? AND booking_id = ?`, b.CommunityID, b.ID)
	return err
}

// Approve approves a pending booking.
func (s *Service) Approve(ctx context.Context, p *auth.Principal, id int64, note string) error {
	b, err := s.decidable(ctx, p, id, &note)
	if err != nil {
		return err
	}
	now := s.now().UnixMilli()
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE venue_booking SET status = 'approved', decided_by = ?, decided_at = ?, decision_note = ?, updated_at = ?
			WHERE community_id = ? AND id = ? AND status = 'pending'`, p.UserID, now, note, now, b.CommunityID, b.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotPending
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "venues.approve", "venue_booking", b.ID, b.CommunityID, audit.Success))
	})
}

// Refuse refuses a pending booking, with its reason: its time is free again.
func (s *Service) Refuse(ctx context.Context, p *auth.Principal, id int64, note string) error {
	b, err := s.decidable(ctx, p, id, &note)
	if err != nil {
		return err
	}
	if strings.TrimSpace(note) == "" {
		errs := &i18n.Errors{}
		errs.Add("note", "err.required", "field", i18n.T("venues.refuse_note"))
		return errs
	}
	now := s.now().UnixMilli()
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.release(ctx, tx, b, StatusRefused, p.UserID, now, note); err != nil {
			if errors.Is(err, ErrNotHeld) {
				return ErrNotPending
			}
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "venues.refuse", "venue_booking", b.ID, b.CommunityID, audit.Success).
			WithDetail(map[string]any{"reason": note}))
	})
}

func (s *Service) decidable(ctx context.Context, p *auth.Principal, id int64, note *string) (*Booking, error) {
	if err := p.Require(PermManage); err != nil {
		return nil, err
	}
	b, err := s.GetBooking(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if err := s.mayDo(p, b, "approve"); err != nil {
		return nil, err
	}
	*note = strings.TrimSpace(*note)
	if len([]rune(*note)) > maxText {
		errs := &i18n.Errors{}
		errs.MaxLen("note", i18n.T("venues.decision_note"), *note, maxText)
		return nil, errs
	}
	return b, nil
}

// Cancel cancels a booking p may cancel (its own, or any as a manager of its
// venue): its time is free again.
func (s *Service) Cancel(ctx context.Context, p *auth.Principal, id int64, note string) error {
	b, err := s.GetBooking(ctx, p, id)
	if err != nil {
		return err
	}
	if err := s.mayDo(p, b, "cancel"); err != nil {
		return err
	}
	note = strings.TrimSpace(note)
	if len([]rune(note)) > maxText {
		errs := &i18n.Errors{}
		errs.MaxLen("note", i18n.T("venues.decision_note"), note, maxText)
		return errs
	}
	now := s.now().UnixMilli()
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.release(ctx, tx, b, StatusCancelled, p.UserID, now, note); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "venues.cancel", "venue_booking", b.ID, b.CommunityID, audit.Success))
	})
}

// ---- recurring bookings ----

// Occurrences lists the days of a series: every week on the weekdays from
// from to to (inclusive), without the excepted days.
func Occurrences(weekdays []string, from, to string, except []string) ([]string, error) {
	f, err1 := time.ParseInLocation(dayLayout, from, locale.Zone)
	t, err2 := time.ParseInLocation(dayLayout, to, locale.Zone)
	if err1 != nil || err2 != nil {
		return nil, errors.New("venues: bad date")
	}
	var out []string
	for d := f; !d.After(t); d = d.AddDate(0, 0, 1) {
		day := d.Format(dayLayout)
		if slices.Contains(weekdays, itoa(int64(d.Weekday()))) && !slices.Contains(except, day) {
			out = append(out, day)
		}
		if len(out) > maxOccurrences {
			break
		}
	}
	return out, nil
}

func at(day, hhmm string) time.Time {
	t, err := time.ParseInLocation(dayLayout+" 15:04", day+" "+hhmm, locale.Zone)
	if err != nil {
		if hhmm == "24:00" {
			if d, err := time.ParseInLocation(dayLayout, day, locale.Zone); err == nil {
				return d.AddDate(0, 0, 1)
			}
		}
		return time.Time{}
	}
	return t
}

// BookSeries books a venue every week on given weekdays, all or nothing:
// when any occurrence is outside the hours or its time is held already,
// nothing is booked and the message lists those dates.
func (s *Service) BookSeries(ctx context.Context, p *auth.Principal, in SeriesInput) (seriesID int64, n int, err error) {
	if err := p.Require(PermBook); err != nil {
		return 0, 0, err
	}
	v, err := s.Get(ctx, p, in.VenueID)
	if err != nil {
		return 0, 0, err
	}
	if !v.Active {
		return 0, 0, ErrClosedVenue
	}
	errs := &i18n.Errors{}
	if in.BookerKind == "" || in.BookerKind == BookerResident {
		in.BookerKind = BookerStaff
	}
	checkBooking(v, &in.Title, &in.Purpose, &in.BookerKind, &in.Team, &in.Contact, in.Attendees, errs)
	in.From, in.To = strings.TrimSpace(in.From), strings.TrimSpace(in.To)
	var wds []string
	for _, wd := range in.Weekdays {
		if weekdayNum(wd) >= 0 && !slices.Contains(wds, wd) {
			wds = append(wds, wd)
		}
	}
	if len(wds) == 0 {
		errs.Add("weekdays", "err.required", "field", i18n.T("venues.weekdays"))
	}
	fromOK := validDay(in.From)
	if !fromOK {
		errs.Add("from", "err.invalid_date", "field", i18n.T("venues.series_from"))
	}
	if !validDay(in.To) {
		errs.Add("to", "err.invalid_date", "field", i18n.T("venues.series_to"))
	} else if fromOK && in.To < in.From {
		errs.Add("to", "err.date_order", "field", i18n.T("venues.series_to"), "other", i18n.T("venues.series_from"))
	}
	var except []string
	for _, d := range in.Except {
		if d = strings.TrimSpace(d); d == "" {
			continue
		}
		if !validDay(d) {
			errs.Add("except", "venues.err_except", "day", d)
			break
		}
		except = append(except, d)
	}
	if _, ok := parseClock(in.StartTime); !ok {
		errs.Add("start_time", "err.invalid", "field", i18n.T("venues.start_time"))
	}
	if _, ok := parseClock(in.EndTime); !ok {
		errs.Add("end_time", "err.invalid", "field", i18n.T("venues.end_time"))
	}
	if errs.Any() {
		return 0, 0, errs
	}
	days, err := Occurrences(wds, in.From, in.To, except)
	if err != nil {
		return 0, 0, err
	}
	switch {
	case len(days) == 0:
		errs.Add("weekdays", "venues.err_no_occurrence")
	case len(days) > maxOccurrences:
		errs.Add("to", "venues.err_too_many", "max", maxOccurrences)
	}
	if errs.Any() {
		return 0, 0, errs
	}
	// Each occurrence must be a valid booking; the first day that is not
	// names the problem, with the dates it concerns.
	var bad []string
	var first *i18n.Errors
	for _, d := range days {
		e := &i18n.Errors{}
		s.checkTimes(p, v, at(d, in.StartTime), at(d, in.EndTime), e)
		if e.Any() {
			bad = append(bad, d)
			if first == nil {
				first = e
			}
		}
	}
	if first != nil {
		errs.Add("start_time", "venues.err_series_days", "days", strings.Join(bad, "、"), "why", first.Error())
		return 0, 0, errs
	}
	if clash, err := s.seriesTaken(ctx, v, days, in.StartTime, in.EndTime); err != nil {
		return 0, 0, err
	} else if clash != nil {
		return 0, 0, clash
	}
	now := s.now().UnixMilli()
	status := StatusApproved
	decidedBy, decidedAt := p.UserID, now
	if v.NeedsApproval && !v.Access.Manage {
		status, decidedBy, decidedAt = StatusPending, 0, 0
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO venue_series (community_id, venue_id, weekdays, from_on, to_on, start_time, end_time, except_on, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, v.CommunityID, v.ID, strings.Join(wds, ","), in.From, in.To, in.StartTime, in.EndTime,
			strings.Join(except, ","), p.UserID, now).Scan(&seriesID); err != nil {
			return err
		}
		for _, d := range days {
			b := &Booking{CommunityID: v.CommunityID, VenueID: v.ID, Title: in.Title, Purpose: in.Purpose, BookerKind: in.BookerKind, BookerUserID: p.UserID,
				BookerName: p.DisplayName, Team: in.Team, Contact: in.Contact, Attendees: in.Attendees, StartsAt: at(d, in.StartTime).UnixMilli(),
				EndsAt: at(d, in.EndTime).UnixMilli(), Status: status, SeriesID: seriesID, Source: SourceManual, DecidedBy: decidedBy, DecidedAt: decidedAt,
				CreatedBy: p.UserID, CreatedAt: now}
			if err := insert(ctx, tx, b); err != nil {
				return err
			}
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "venues.series", "venue", v.ID, v.CommunityID, audit.Success).
			WithDetail(map[string]any{"series_id": seriesID, "created": len(days), "from": in.From, "to": in.To, "status": status}))
	})
	if db.IsUniqueViolation(err) {
		// Taken between the check and the write: name the dates now.
		if clash, terr := s.seriesTaken(ctx, v, days, in.StartTime, in.EndTime); terr == nil && clash != nil {
			return 0, 0, clash
		}
		return 0, 0, i18n.NewError("conflict", "venues.err_taken_gone")
	}
	if err != nil {
		return 0, 0, err
	}
	return seriesID, len(days), nil
}

func validDay(s string) bool {
	_, err := time.Parse(dayLayout, s)
	return err == nil
}

// seriesTaken returns the 409 listing the occurrences whose time is held
// (nil when none is).
func (s *Service) seriesTaken(ctx context.Context, v *Venue, days []string, start, end string) (*i18n.Error, error) {
	from, to := at(days[0], start).UnixMilli(), at(days[len(days)-1], end).UnixMilli()
	rows, err := s.DB.QueryContext(ctx, `SELECT slot_start FROM venue_booking_slot WHERE community_id = ? AND venue_id = ? AND slot_start >= ? AND slot_start < ?`,
		v.CommunityID, v.ID, from, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var held []int64
	for rows.Next() {
		var t int64
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		held = append(held, t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var clash []string
	for _, d := range days {
		f, t := at(d, start).UnixMilli(), at(d, end).UnixMilli()
		for _, h := range held {
			if h >= f && h < t {
				clash = append(clash, d)
				break
			}
		}
	}
	if len(clash) == 0 {
		return nil, nil
	}
	return i18n.NewError("conflict", "venues.err_series_taken", "days", strings.Join(clash, "、"), "n", len(clash)), nil
}

// ImportPast writes bookings already made (the demo, fixtures), in one
// transaction with the slots they hold; only the program itself may. A time
// held twice fails the whole import.
func (s *Service) ImportPast(ctx context.Context, p *auth.Principal, communityID int64, list []*Booking) error {
	if !p.IsSystem {
		return auth.ErrForbidden
	}
	now := s.now().UnixMilli()
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		for _, b := range list {
			b.CommunityID = communityID
			if b.Source == "" {
				b.Source = SourceManual
			}
			if b.CreatedAt == 0 {
				b.CreatedAt = now
			}
			if err := insert(ctx, tx, b); err != nil {
				return err
			}
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "venues.import", "org_unit", communityID, communityID, audit.Success).
			WithDetail(map[string]any{"created": len(list)}))
	})
}

// mayDo says why p may not change b by op ("" is just reading it): a
// booking already decided or over is a conflict, one p may not touch
// forbidden.
func (s *Service) mayDo(p *auth.Principal, b *Booking, op string) error {
	live := b.Holds() && b.EndsAt > s.now().UnixMilli()
	switch op {
	case "approve", "refuse":
		if b.Access.Approve {
			return nil
		}
		if b.Status != StatusPending || !live {
			return ErrNotPending
		}
		return auth.ErrForbidden
	case "cancel":
		if b.Access.Cancel {
			return nil
		}
		if !live {
			return ErrNotHeld
		}
		return auth.ErrForbidden
	}
	return nil
}
