package calendar

import (
	"context"
	"embed"
	"strings"
	"sync"
	"time"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/settings"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations are the calendar's schema (after settings').
var Migrations = db.NewMigrations("calendar", migrationFS).
	Reference("work_calendar")

// PermAdmin lets the system administrator keep the calendar: holidays are
// configuration, not resident data.
var PermAdmin = auth.Define("calendar.admin", auth.RoleSysAdmin)

// Setting keys of the working hours.
const (
	SettingStart = "calendar.work_start"
	SettingEnd   = "calendar.work_end"
)

// Service keeps the calendar and hands out snapshots.
type Service struct {
	DB    *db.DB
	Audit *audit.Log
	// Loc is the zone working hours are in (Asia/Shanghai).
	Loc *time.Location

	mu     sync.Mutex
	snap   *Calendar
	loaded time.Time
}

// snapshotTTL: other instances on the same PostgreSQL see an edit within this.
const snapshotTTL = 10 * time.Second

// Calendar returns the current snapshot.
func (s *Service) Calendar(ctx context.Context) (*Calendar, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.snap != nil && time.Since(s.loaded) < snapshotTTL {
		return s.snap, nil
	}
	days, err := s.days(ctx, "")
	if err != nil {
		return nil, err
	}
	start, end := DefaultStart, DefaultEnd
	if v, err := settings.Get(ctx, s.DB, SettingStart, ""); err == nil && v != "" {
		if m, err := ParseClock(v); err == nil {
			start = m
		}
	}
	if v, err := settings.Get(ctx, s.DB, SettingEnd, ""); err == nil && v != "" {
		if m, err := ParseClock(v); err == nil {
			end = m
		}
	}
	s.snap = New(days, start, end, s.Loc)
	s.loaded = time.Now()
	return s.snap, nil
}

// Invalidate drops the snapshot (after writes, and in tests).
func (s *Service) Invalidate() {
	s.mu.Lock()
	s.snap = nil
	s.mu.Unlock()
}

func (s *Service) days(ctx context.Context, year string) ([]Day, error) {
	q := `SELECT cal_date, kind, name FROM work_calendar`
	var args []any
	if year != "" {
		q += ` WHERE cal_date >= ? AND cal_date <= ?`
		args = append(args, year+"-01-01", year+"-12-31")
	}
	rows, err := s.DB.QueryContext(ctx, q+` ORDER BY cal_date`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Day
	for rows.Next() {
		var d Day
		if err := rows.Scan(&d.Date, &d.Kind, &d.Name); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Days lists the exception days of a year.
func (s *Service) Days(ctx context.Context, p *auth.Principal, year int) ([]Day, error) {
	if err := p.Require(PermAdmin); err != nil {
		return nil, err
	}
	return s.days(ctx, itoa4(year))
}

func itoa4(y int) string {
	b := []byte("0000")
	for i := 3; i >= 0; i-- {
		b[i] = byte('0' + y%10)
		y /= 10
	}
	return string(b)
}

// ValidDate reports whether s is a real YYYY-MM-DD date.
func ValidDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil && len(s) == 10
}

// SetDay adds or changes an exception day.
func (s *Service) SetDay(ctx context.Context, p *auth.Principal, d Day) error {
	if err := p.Require(PermAdmin); err != nil {
		return err
	}
	d.Date, d.Name = strings.TrimSpace(d.Date), strings.TrimSpace(d.Name)
	errs := &i18n.Errors{}
	if errs.Required("date", i18n.T("calendar.date"), d.Date) && !ValidDate(d.Date) {
		errs.Add("date", "err.invalid_date", "field", i18n.T("calendar.date"))
	}
	if d.Kind != Holiday && d.Kind != Workday {
		errs.Add("kind", "err.choice", "field", i18n.T("calendar.kind"))
	}
	errs.MaxLen("name", i18n.T("calendar.name"), d.Name, 30)
	if errs.Any() {
		return errs
	}
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE work_calendar SET kind = ?, name = ?, updated_at = ?, updated_by = ? WHERE cal_date = ?`, d.Kind, d.Name, db.Now(), p.UserID, d.Date)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO work_calendar (cal_date, kind, name, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)`, d.Date, d.Kind, d.Name, db.Now(), p.UserID); err != nil {
				return err
			}
		}
		tx.AfterCommit(s.Invalidate)
		return s.Audit.Record(ctx, tx, audit.Event(p, "calendar.set", "calendar_day", d.Date, 0, audit.Success).WithDetail(map[string]string{"kind": d.Kind, "name": d.Name}))
	})
	return err
}

// DeleteDay returns a date to the weekly rule.
func (s *Service) DeleteDay(ctx context.Context, p *auth.Principal, date string) error {
	if err := p.Require(PermAdmin); err != nil {
		return err
	}
	if !ValidDate(date) {
		e := &i18n.Errors{}
		e.Add("date", "err.invalid_date", "field", i18n.T("calendar.date"))
		return e
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM work_calendar WHERE cal_date = ?`, date)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return auth.ErrNotFound
		}
		tx.AfterCommit(s.Invalidate)
		return s.Audit.Record(ctx, tx, audit.Event(p, "calendar.delete", "calendar_day", date, 0, audit.Success))
	})
}

// SetHours changes the working hours ("08:30", "17:30").
func (s *Service) SetHours(ctx context.Context, p *auth.Principal, start, end string) error {
	if err := p.Require(PermAdmin); err != nil {
		return err
	}
	errs := &i18n.Errors{}
	sm, err1 := ParseClock(start)
	em, err2 := ParseClock(end)
	if err1 != nil {
		errs.Add("start", "err.invalid", "field", i18n.T("calendar.work_start"))
	}
	if err2 != nil {
		errs.Add("end", "err.invalid", "field", i18n.T("calendar.work_end"))
	}
	if err1 == nil && err2 == nil && em <= sm {
		errs.Add("end", "calendar.hours_order")
	}
	if errs.Any() {
		return errs
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := settings.Set(ctx, tx, SettingStart, FormatClock(sm), p.UserID); err != nil {
			return err
		}
		if err := settings.Set(ctx, tx, SettingEnd, FormatClock(em), p.UserID); err != nil {
			return err
		}
		tx.AfterCommit(s.Invalidate)
		return s.Audit.Record(ctx, tx, audit.Event(p, "calendar.hours", "setting", "calendar", 0, audit.Success).
			WithDetail(map[string]string{"start": FormatClock(sm), "end": FormatClock(em)}))
	})
}
