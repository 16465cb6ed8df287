package followups

import (
	"context"
	"strconv"
	"time"

	"linli/internal/auth"
	"linli/internal/i18n"
)

// What the pages and the home page read of the service besides its lists:
// the service's day (its clock, which tests fix) and labels built the same
// way wherever a rule or a duty is shown.

// Today is the service's current day in the users' time zone.
func (s *Service) Today() string { return s.today() }

// NowTime is the service's clock (the default time of a new record).
func (s *Service) NowTime() time.Time { return s.now() }

// TagChoice is a registry tag a rule may be about, as the rule form offers it.
type TagChoice struct {
	ID   int64
	Name string
}

// TagChoicesFunc lists the tags p may see (wired in app.go from the registry).
type TagChoicesFunc func(ctx context.Context, p *auth.Principal) ([]TagChoice, error)

// OverdueDays is how many days past its due date an active duty is on today
// (0 when it is not overdue).
func (d *Duty) OverdueDays(today string) int {
	if !d.Overdue(today) {
		return 0
	}
	return daysBetween(d.DueOn, today)
}

// daysBetween counts the days from a to b (both YYYY-MM-DD); 0 when either
// is not a date.
func daysBetween(a, b string) int {
	ta, err1 := time.Parse(day, a)
	tb, err2 := time.Parse(day, b)
	if err1 != nil || err2 != nil {
		return 0
	}
	return int(tb.Sub(ta).Hours() / 24)
}

// FrequencyText says how often a rule asks for contact: 每 1 个月一次, with
// the first year's frequency of a tag rule after it.
func (r *Rule) FrequencyText() string {
	out := i18n.T("followups.every_text", "n", strconv.Itoa(r.Every), "unit", i18n.T("followups.unit."+r.Unit))
	if r.FirstYearEvery > 0 {
		out += i18n.T("followups.first_year_text", "n", strconv.Itoa(r.FirstYearEvery), "unit", i18n.T("followups.unit."+r.Unit))
	}
	return out
}

// SubjectText says what a rule is about: 某类人群：高龄老人.
func (r *Rule) SubjectText() string {
	out := i18n.T("followups.subject." + r.Subject)
	if r.Subject == SubjectTag && r.TagName != "" {
		out += "：" + r.TagName
	}
	return out
}

// AssignText says whom a rule's duties fall to: 条线社工：综治.
func (r *Rule) AssignText() string {
	out := i18n.T("followups.assign." + r.Assign)
	switch r.Assign {
	case AssignLine:
		out += "：" + i18n.T("line."+r.Line)
	case AssignUsers:
		out += i18n.T("followups.users_count", "n", strconv.Itoa(len(r.Users)))
	}
	return out
}

// ListTab lists the duties of one tab of the pages and one group of the home
// page, so that a group's count and the list behind its link agree: with
// f.When WhenWeek, the duties due after today within the week (today's are
// their own tab, WhenToday); WhenEscalated, ListEscalated; otherwise as
// ListDuties.
func (s *Service) ListTab(ctx context.Context, p *auth.Principal, f DutyFilter) ([]*Duty, int, error) {
	switch f.When {
	case WhenEscalated:
		return s.ListEscalated(ctx, p, f)
	case WhenWeek:
		// The week's list is in due order, today's first: after them come
		// the later ones.
		tf := f
		tf.When, tf.Offset, tf.Limit = WhenToday, 0, 1
		_, today, err := s.ListDuties(ctx, p, tf)
		if err != nil {
			return nil, 0, err
		}
		wf := f
		wf.Offset = today + max(f.Offset, 0)
		list, week, err := s.ListDuties(ctx, p, wf)
		return list, max(week-today, 0), err
	}
	return s.ListDuties(ctx, p, f)
}
