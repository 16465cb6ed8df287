package calendar_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/calendar"
	"linli/internal/db"
	"linli/internal/dbtest"
	"linli/internal/i18n"
	"linli/internal/settings"
)

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

// springFestival2026 is the State Council's arrangement: 2月15日至23日放假调休，
// 2月14日（周六）、2月28日（周六）上班.
func springFestival2026() *calendar.Calendar {
	var days []calendar.Day
	for d := 15; d <= 23; d++ {
		days = append(days, calendar.Day{Date: time.Date(2026, 2, d, 0, 0, 0, 0, shanghai).Format(time.DateOnly), Kind: calendar.Holiday, Name: "春节"})
	}
	days = append(days, calendar.Day{Date: "2026-02-14", Kind: calendar.Workday}, calendar.Day{Date: "2026-02-28", Kind: calendar.Workday})
	return calendar.New(days, calendar.DefaultStart, calendar.DefaultEnd, shanghai)
}

func TestWorkingDaysAcrossSpringFestival(t *testing.T) {
	c := springFestival2026()
	fri := at("2026-02-13 10:00")
	for n, want := range map[int]string{
		1: "2026-02-14 17:30", // the make-up Saturday counts
		2: "2026-02-24 17:30", // nine days of holiday are skipped
		3: "2026-02-25 17:30",
		5: "2026-02-27 17:30",
		6: "2026-02-28 17:30", // the second make-up Saturday
		7: "2026-03-02 17:30", // then Sunday 1 March is rest again
	} {
		if got := c.AddDays(fri, n).Format("2006-01-02 15:04"); got != want {
			t.Errorf("Fri 13 Feb + %d working days = %s, want %s", n, got, want)
		}
		if back := c.WorkdaysBetween(fri, c.AddDays(fri, n)); back != n {
			t.Errorf("WorkdaysBetween inverts AddDays(%d): got %d", n, back)
		}
	}
	// A case reported during the holiday starts counting after it.
	if got := c.AddDays(at("2026-02-18 09:00"), 1).Format("2006-01-02"); got != "2026-02-24" {
		t.Errorf("from the holiday: %s", got)
	}
	// Days within the holiday are not working days; the make-up Saturday is.
	if c.IsWorkday(at("2026-02-16 12:00")) || !c.IsWorkday(at("2026-02-14 12:00")) || c.IsWorkday(at("2026-03-01 12:00")) || !c.IsWorkday(at("2026-03-02 12:00")) {
		t.Error("IsWorkday")
	}
	if n := c.WorkdaysBetween(at("2026-02-13 08:00"), at("2026-02-28 20:00")); n != 6 {
		t.Errorf("working days 14–28 Feb: %d, want 6", n)
	}
	if n := c.WorkdaysBetween(at("2026-02-28 08:00"), at("2026-02-13 20:00")); n != 0 {
		t.Errorf("backwards: %d", n)
	}
}

func TestWorkingHoursAcrossSpringFestival(t *testing.T) {
	c := springFestival2026()
	cases := []struct {
		from  string
		hours int
		want  string
	}{
		{"2026-02-13 16:30", 2, "2026-02-14 09:30"},  // one hour on Friday, one on the make-up Saturday
		{"2026-02-14 17:00", 1, "2026-02-24 09:00"},  // half an hour either side of the holiday
		{"2026-02-13 07:00", 9, "2026-02-13 17:30"},  // before opening counts from 8:30
		{"2026-02-13 20:00", 1, "2026-02-14 09:30"},  // after closing counts from the next working morning
		{"2026-02-20 11:00", 24, "2026-02-26 14:30"}, // 9 + 9 + 6 hours after the holiday
	}
	for _, tc := range cases {
		got := c.AddHours(at(tc.from), tc.hours).Format("2006-01-02 15:04")
		if got != tc.want {
			t.Errorf("%s + %dh = %s, want %s", tc.from, tc.hours, got, tc.want)
		}
		if back := c.AddMinutes(c.AddHours(at(tc.from), tc.hours), -tc.hours*60); c.WorkingMinutesBetween(back, c.AddHours(at(tc.from), tc.hours)) != tc.hours*60 {
			t.Errorf("going back %dh from %s: %s", tc.hours, tc.want, back)
		}
	}
	// Reminders count back: one working hour before Tuesday 9:00 is Saturday 17:00.
	if got := c.AddMinutes(at("2026-02-24 09:00"), -60).Format("2006-01-02 15:04"); got != "2026-02-14 17:00" {
		t.Errorf("back one hour: %s", got)
	}
	if m := c.WorkingMinutesBetween(at("2026-02-13 17:00"), at("2026-02-24 09:00")); m != 30+9*60+30 {
		t.Errorf("minutes between: %d", m)
	}
	if got := c.Add(at("2026-02-13 10:00"), calendar.Limit{Hours: 4}).Format("15:04"); got != "14:00" {
		t.Errorf("Add hours: %s", got)
	}
	if (calendar.Limit{Days: 3}).String() != "3个工作日" || !(calendar.Limit{}).IsZero() {
		t.Error("Limit.String")
	}
}

func TestClock(t *testing.T) {
	if m, err := calendar.ParseClock("8:30"); err != nil || m != 510 {
		t.Fatal(m, err)
	}
	for _, bad := range []string{"", "8", "25:00", "8:60", "a:b"} {
		if _, err := calendar.ParseClock(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if calendar.FormatClock(1050) != "17:30" {
		t.Fatal(calendar.FormatClock(1050))
	}
}

func TestServiceOnBothEngines(t *testing.T) {
	sets := []db.Migrations{settings.Migrations, audit.Migrations, calendar.Migrations}
	dbtest.Run(t, sets, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := &calendar.Service{DB: d, Audit: audit.New([]byte("k")), Loc: shanghai}
		c, err := s.Calendar(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// The 2025 arrangement is pre-filled: 1月26日（周日）上班, 2月4日 still off.
		if !c.IsWorkday(at("2025-01-26 10:00")) || c.IsWorkday(at("2025-02-04 10:00")) || !c.IsWorkday(at("2025-02-05 10:00")) {
			t.Fatal("2025 Spring Festival not pre-filled")
		}
		if got := c.AddDays(at("2025-01-24 10:00"), 3).Format(time.DateOnly); got != "2025-02-05" {
			t.Fatalf("2025: %s", got)
		}
		// And 2026's.
		if got := c.AddDays(at("2026-02-13 10:00"), 2).Format(time.DateOnly); got != "2026-02-24" {
			t.Fatalf("2026: %s", got)
		}
		admin := &auth.Principal{UserID: 1, Username: "sys", Roles: []auth.Role{auth.RoleSysAdmin}, Scope: auth.NewScope(true, nil, nil, nil)}
		staff := &auth.Principal{UserID: 2, Username: "w", Roles: []auth.Role{auth.RoleCommunityAdmin}}
		if err := s.SetDay(ctx, staff, calendar.Day{Date: "2027-01-01", Kind: calendar.Holiday}); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("staff may not edit: %v", err)
		}
		var verrs *i18n.Errors
		if err := s.SetDay(ctx, admin, calendar.Day{Date: "2027-02-30", Kind: "x"}); !errors.As(err, &verrs) || verrs.For("date") == "" || verrs.For("kind") == "" {
			t.Fatalf("bad day accepted: %v", err)
		}
		// A Wednesday off: the snapshot changes at once on this instance.
		if err := s.SetDay(ctx, admin, calendar.Day{Date: "2027-01-06", Kind: calendar.Holiday, Name: "测试"}); err != nil {
			t.Fatal(err)
		}
		c, _ = s.Calendar(ctx)
		if c.IsWorkday(at("2027-01-06 10:00")) {
			t.Fatal("holiday not applied")
		}
		// Changing it again updates the same row; deleting returns to the weekly rule.
		if err := s.SetDay(ctx, admin, calendar.Day{Date: "2027-01-06", Kind: calendar.Workday}); err != nil {
			t.Fatal(err)
		}
		days, _ := s.Days(ctx, admin, 2027)
		if len(days) != 1 || days[0].Kind != calendar.Workday {
			t.Fatalf("days: %+v", days)
		}
		if err := s.DeleteDay(ctx, admin, "2027-01-06"); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteDay(ctx, admin, "2027-01-06"); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("second delete: %v", err)
		}
		if err := s.SetHours(ctx, admin, "9:00", "8:00"); !errors.As(err, &verrs) {
			t.Fatalf("hours out of order accepted: %v", err)
		}
		if err := s.SetHours(ctx, admin, "9:00", "17:00"); err != nil {
			t.Fatal(err)
		}
		c, _ = s.Calendar(ctx)
		if c.Start != 540 || c.End != 1020 {
			t.Fatalf("hours: %d %d", c.Start, c.End)
		}
		var n int
		d.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action LIKE 'calendar.%'`).Scan(&n)
		if n != 4 {
			t.Fatalf("audit entries: %d", n)
		}
	})
}
