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

// Ways of cancelling part of a recurring booking.
const (
	SeriesCancelOne  = "one"  // one occurrence: an exception, the rest kept
	SeriesCancelFrom = "from" // every occurrence from a date on
)

// SeriesCancelModes lists them in display order.
var SeriesCancelModes = []string{SeriesCancelOne, SeriesCancelFrom}

var _ = i18n.Family("venues.series_mode.", SeriesCancelModes...)

// Series is a recurring booking with its occurrences, the cancelled ones
// included (they are its history and its exceptions).
type Series struct {
	ID, CommunityID, VenueID int64
	Weekdays                 []string
	From, To                 string
	StartTime, EndTime       string
	Except                   []string
	CreatedBy                int64
	CreatedAt                int64

	VenueName   string
	Occurrences []*Booking
	// Cancel: p may cancel occurrences still to come.
	Cancel bool
}

// First is the occurrence that names the series (its title, whom it is for).
func (s *Series) First() *Booking {
	if len(s.Occurrences) == 0 {
		return &Booking{}
	}
	return s.Occurrences[0]
}

// WeekdayNames are its weekdays as people read them: 周二、周四.
func (s *Series) WeekdayNames() string {
	var out []string
	for _, wd := range Weekdays {
		if slices.Contains(s.Weekdays, wd) {
			out = append(out, i18n.T("venues.weekday."+wd))
		}
	}
	return strings.Join(out, "、")
}

// Live are the occurrences still to come that hold their time.
func (s *Series) Live(now int64) []*Booking {
	var out []*Booking
	for _, b := range s.Occurrences {
		if b.Holds() && b.EndsAt > now {
			out = append(out, b)
		}
	}
	return out
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// GetSeries returns a recurring booking of a venue in p's scope, with its
// occurrences and whether p may cancel them (a manager of the venue, or the
// one who booked the series).
func (s *Service) GetSeries(ctx context.Context, p *auth.Principal, id int64) (*Series, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	sc, args := s.scopeSQL(ctx, p, "x.community_id")
	sr := &Series{}
	var wds, except string
	err := s.DB.QueryRowContext(ctx, `SELECT x.id, x.community_id, x.venue_id, x.weekdays, x.from_on, x.to_on, x.start_time, x.end_time, x.except_on,
		x.created_by, x.created_at, v.name FROM venue_series x JOIN venue v ON v.community_id = x.community_id AND v.id = x.venue_id
		WHERE x.id = ? AND `+sc, append([]any{id}, args...)...).Scan(&sr.ID, &sr.CommunityID, &sr.VenueID, &wds, &sr.From, &sr.To, &sr.StartTime,
		&sr.EndTime, &except, &sr.CreatedBy, &sr.CreatedAt, &sr.VenueName)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, auth.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	sr.Weekdays, sr.Except = splitList(wds), splitList(except)
	if sr.Occurrences, err = s.bookings(ctx, p, `SELECT `+bookingCols+bookingFrom+` WHERE b.community_id = ? AND b.series_id = ? ORDER BY b.starts_at, b.id`,
		sr.CommunityID, sr.ID); err != nil {
		return nil, err
	}
	manage := p.Can(PermManage) && s.Org.HoldsPartition(ctx, p, sr.CommunityID)
	own := p.UserID != 0 && sr.CreatedBy == p.UserID && p.Can(PermBook)
	sr.Cancel = (manage || own) && len(sr.Live(s.now().UnixMilli())) > 0
	return sr, nil
}

// SeriesCancel is cancelling part of a series: one occurrence (Day) or
// every occurrence from Day on.
type SeriesCancel struct {
	Mode string
	Day  string
	Note string
}

// ErrSeriesOver refuses to cancel a series with nothing left to cancel.
var ErrSeriesOver = i18n.NewError("conflict", "venues.err_series_over")

// CancelSeries cancels one occurrence of series id (an exception: its time
// is free at once, the rest of the series kept) or every occurrence from a
// day on (the series ends there; occurrences already over stay as its
// history). It returns how many occurrences it cancelled.
func (s *Service) CancelSeries(ctx context.Context, p *auth.Principal, id int64, in SeriesCancel) (int, error) {
	if err := p.Require(PermBook); err != nil {
		return 0, err
	}
	sr, err := s.GetSeries(ctx, p, id)
	if err != nil {
		return 0, err
	}
	now := s.now().UnixMilli()
	live := sr.Live(now)
	if !sr.Cancel {
		if len(live) == 0 {
			return 0, ErrSeriesOver
		}
		return 0, auth.ErrForbidden
	}
	errs := &i18n.Errors{}
	in.Day, in.Note = strings.TrimSpace(in.Day), strings.TrimSpace(in.Note)
	if !slices.Contains(SeriesCancelModes, in.Mode) {
		errs.Add("mode", "err.choice", "field", i18n.T("venues.series_mode"))
	}
	if in.Day == "" {
		errs.Add("day", "err.required", "field", i18n.T("venues.series_cancel_day"))
	} else if !validDay(in.Day) {
		errs.Add("day", "err.invalid_date", "field", i18n.T("venues.series_cancel_day"))
	}
	errs.MaxLen("note", i18n.T("venues.decision_note"), in.Note, maxText)
	if errs.Any() {
		return 0, errs
	}
	var picked []*Booking
	for _, b := range live {
		if (in.Mode == SeriesCancelOne && b.Day == in.Day) || (in.Mode == SeriesCancelFrom && b.Day >= in.Day) {
			picked = append(picked, b)
		}
	}
	if len(picked) == 0 {
		errs.Add("day", "venues.err_series_no_day", "day", in.Day)
		return 0, errs
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		for _, b := range picked {
			if err := s.release(ctx, tx, b, StatusCancelled, p.UserID, now, in.Note); err != nil {
				return err
			}
		}
		// The series keeps what was cancelled: an excepted day, or an
		// earlier end (never before its start: then every occurrence is
		// cancelled and still listed).
		if in.Mode == SeriesCancelOne {
			except := append(slices.Clone(sr.Except), in.Day)
			slices.Sort(except)
			if _, err := tx.ExecContext(ctx, `UPDATE venue_series SET except_on = ? WHERE community_id = ? AND id = ?`,
				strings.Join(slices.Compact(except), ","), sr.CommunityID, sr.ID); err != nil {
				return err
			}
		} else if end := dayBefore(in.Day); end >= sr.From && end < sr.To {
			if _, err := tx.ExecContext(ctx, `UPDATE venue_series SET to_on = ? WHERE community_id = ? AND id = ?`, end, sr.CommunityID, sr.ID); err != nil {
				return err
			}
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "venues.series_cancel", "venue_series", sr.ID, sr.CommunityID, audit.Success).
			WithDetail(map[string]any{"mode": in.Mode, "on": in.Day, "cancelled": len(picked), "venue_id": sr.VenueID}))
	})
	if err != nil {
		// ErrNotHeld: an occurrence was cancelled meanwhile; nothing changed.
		return 0, err
	}
	return len(picked), nil
}

func dayBefore(day string) string {
	t, err := time.ParseInLocation(dayLayout, day, locale.Zone)
	if err != nil {
		return ""
	}
	return t.AddDate(0, 0, -1).Format(dayLayout)
}
