package followups_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"linli/internal/apptest"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/followups"
	"linli/internal/i18n"
	"linli/internal/registry"
)

func dutyOf(t *testing.T, w *apptest.World, rule string, subject int64) *followups.Duty {
	t.Helper()
	var id int64
	if err := w.DB.QueryRowContext(context.Background(), `SELECT d.id FROM fu_duty d JOIN fu_rule r ON r.id = d.rule_id WHERE r.name = ? AND d.subject_id = ?`, rule, subject).Scan(&id); err != nil {
		t.Fatalf("duty of %s for %d: %v", rule, subject, err)
	}
	d, _, err := w.App.Followups.GetDuty(context.Background(), auth.System("test"), id)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// A duty follows its subject: to another grid when the person moves there, to
// its end when the tag is taken off or the person moves away, and back (a
// fresh start) when the tag is given again. Records stay.
func TestDutyFollowsSubject(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		sys := auth.System("test")
		f := w.App.Followups
		var elderly int64
		if err := w.DB.QueryRowContext(ctx, `SELECT id FROM reg_tag WHERE code = 'elderly'`).Scan(&elderly); err != nil {
			t.Fatal(err)
		}
		if _, err := f.CreateRule(ctx, sys, followups.Rule{OrgID: w.C1, Name: "老年人走访", Kind: followups.KindVisit, Subject: followups.SubjectTag, TagID: elderly,
			Every: 14, Unit: followups.UnitDay, Assign: followups.AssignGridWorker}); err != nil {
			t.Fatal(err)
		}
		head := w.Objects["person"][apptest.InA]
		d := dutyOf(t, w, "老年人走访", head)
		if d.GridID != w.GridA || d.Status != followups.DutyActive || d.Since != "2020-01-01" && d.Since == "" {
			t.Fatalf("new duty: grid %d status %s since %q", d.GridID, d.Status, d.Since)
		}
		if _, _, err := f.CreateRecord(ctx, sys, followups.RecordInput{DutyID: d.ID, Way: "home", Note: "见到本人"}); err != nil {
			t.Fatal(err)
		}
		// Moved to a dwelling of grid B: the duty is grid B's worker's now.
		if err := w.App.Registry.MovePerson(ctx, sys, head, w.Objects["dwelling"][apptest.InB], 0, time.Now().Format("2006-01-02")); err != nil {
			t.Fatal(err)
		}
		if err := f.Sync(ctx, w.C1); err != nil {
			t.Fatal(err)
		}
		if d2 := dutyOf(t, w, "老年人走访", head); d2.ID != d.ID || d2.GridID != w.GridB || d2.Status != followups.DutyActive {
			t.Fatalf("after the move: %+v", d2)
		}
		// The tag taken off: the duty ends, its record stays.
		if err := w.App.Registry.SetTags(ctx, sys, head, []string{"released_prisoner"}); err != nil {
			t.Fatal(err)
		}
		if err := f.Sync(ctx, w.C1); err != nil {
			t.Fatal(err)
		}
		ended := dutyOf(t, w, "老年人走访", head)
		if ended.Status != followups.DutyEnded || ended.EndedOn == "" {
			t.Fatalf("after the tag ended: %+v", ended)
		}
		if recs, _ := f.ListRecords(ctx, sys, followups.RecordFilter{DutyID: d.ID}); len(recs) != 1 {
			t.Fatalf("records of an ended duty: %d", len(recs))
		}
		// A record for it now is refused, for the worker to resolve.
		if _, _, err := f.CreateRecord(ctx, sys, followups.RecordInput{DutyID: d.ID, Way: "phone"}); !errors.Is(err, followups.ErrSubjectGone) {
			t.Fatalf("record for an ended duty: %v", err)
		}
		// Given again (the same day: the last visit still counts): active.
		if err := w.App.Registry.SetTags(ctx, sys, head, []string{"released_prisoner", "elderly"}); err != nil {
			t.Fatal(err)
		}
		if err := f.Sync(ctx, w.C1); err != nil {
			t.Fatal(err)
		}
		if again := dutyOf(t, w, "老年人走访", head); again.Status != followups.DutyActive || again.ID != d.ID || again.GridID != w.GridB {
			t.Fatalf("given again: %+v", again)
		}
		// Moved away: ended.
		if err := w.App.Registry.Depart(ctx, sys, head, registry.Leave{Kind: registry.EventMoveOut, On: time.Now().Format("2006-01-02"), Destination: "北京市", NewHead: w.Objects["member"][apptest.InA], Relations: map[int64]string{}}); err != nil {
			t.Fatal(err)
		}
		if err := f.Sync(ctx, w.C1); err != nil {
			t.Fatal(err)
		}
		if gone := dutyOf(t, w, "老年人走访", head); gone.Status != followups.DutyEnded {
			t.Fatalf("moved away: %+v", gone)
		}
	})
}

// A record fulfils its duty and sets the next due date; the same idempotency
// key from the same account gives the same record; a record of an earlier day
// sent late does not move the due date back.
func TestRecordSetsNextDueOnce(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		f := w.App.Followups
		gw := w.Principal(t, "grid_worker")
		duty := w.Objects["fu_duty"][apptest.InA] // monthly, the fixture visited it an hour ago
		now := time.Now()
		in := followups.RecordInput{DutyID: duty, Way: "phone", Note: "电话问候", IdempotencyKey: "phone-1-abc", HappenedAt: now,
			Fields: map[string]string{"health": "良好"}}
		id, again, err := f.CreateRecord(ctx, gw, in)
		if err != nil || again {
			t.Fatalf("first: %d %v %v", id, again, err)
		}
		id2, again, err := f.CreateRecord(ctx, gw, in)
		if err != nil || !again || id2 != id {
			t.Fatalf("same key again: %d (first %d) again=%v %v", id2, id, again, err)
		}
		var n int
		w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM fu_record WHERE duty_id = ?`, duty).Scan(&n)
		if n != 2 { // the fixture's and this one
			t.Fatalf("%d records, want 2", n)
		}
		d, _, _ := f.GetDuty(ctx, gw, duty)
		today := now.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
		if d.LastDoneOn != today || d.DueOn <= today {
			t.Fatalf("after today's record: last %s due %s", d.LastDoneOn, d.DueOn)
		}
		due := d.DueOn
		// Another account's same key is its own record.
		leader := w.Principal(t, "community_admin")
		if id3, again, err := f.CreateRecord(ctx, leader, in); err != nil || again || id3 == id {
			t.Fatalf("another account's key: %d %v %v", id3, again, err)
		}
		// A record of last week, sent late from a phone: kept, due date unchanged.
		late := in
		late.IdempotencyKey, late.HappenedAt = "phone-1-late", now.AddDate(0, 0, -7)
		if _, _, err := f.CreateRecord(ctx, gw, late); err != nil {
			t.Fatal(err)
		}
		if d, _, _ := f.GetDuty(ctx, gw, duty); d.DueOn != due {
			t.Fatalf("a late record moved the due date %s → %s", due, d.DueOn)
		}
		// Bad input names its fields and writes nothing.
		_, _, err = f.CreateRecord(ctx, gw, followups.RecordInput{DutyID: duty, Way: "fax", HappenedAt: now.Add(time.Hour), Fields: map[string]string{"shoe_size": "42"}})
		var errs *i18n.Errors
		if !errors.As(err, &errs) || errs.For("way") == "" || errs.For("happened_at") == "" || errs.For("fields") == "" {
			t.Fatalf("bad record: %v", err)
		}
		w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM fu_record WHERE duty_id = ?`, duty).Scan(&n)
		if n != 4 {
			t.Fatalf("%d records after a refused one, want 4", n)
		}
		// Another grid's duty is not found for the grid worker.
		if _, _, err := f.CreateRecord(ctx, gw, followups.RecordInput{DutyID: w.Objects["fu_duty"][apptest.InB], Way: "home"}); !errors.As(err, &errs) || errs.For("duty_id") == "" {
			t.Fatalf("record for another grid's duty: %v", err)
		}
	})
}

// Duties of a sensitive group (帮教) exist only for those who may see the
// group: a grid worker sees neither the duty nor its records nor counts; the
// 综治 line's social worker has it on their own due list; a leader sees it in
// the overview.
func TestSensitiveDutiesByLine(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		f := w.App.Followups
		sensitive := w.Objects["fu_duty_sensitive"][apptest.InA]
		gw := w.Principal(t, "grid_worker")
		all, total, err := f.ListDuties(ctx, gw, followups.DutyFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range all {
			if d.ID == sensitive || d.RuleName == "帮教谈话" {
				t.Fatalf("grid worker sees the 帮教 duty")
			}
		}
		if total != len(all) {
			t.Fatalf("total %d for %d", total, len(all))
		}
		if _, _, err := f.GetDuty(ctx, gw, sensitive); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("grid worker reads the 帮教 duty: %v", err)
		}
		recs, err := f.ListRecords(ctx, gw, followups.RecordFilter{PersonIDs: []int64{w.Objects["person"][apptest.InA]}})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if r.Kind == followups.KindTalk {
				t.Fatalf("grid worker sees a 帮教 record: %+v", r)
			}
		}
		if len(recs) == 0 {
			t.Fatal("grid worker sees none of the person's visits")
		}
		// Own lists: the grid worker has the grid's duties, not the line's.
		own, _, _ := f.ListDuties(ctx, gw, followups.DutyFilter{Own: true})
		if len(own) == 0 {
			t.Fatal("grid worker has no own duties")
		}
		// The 综治 line's social worker of community 1.
		sys := auth.System("test")
		if _, err := w.App.Auth.CreateUser(ctx, sys, auth.NewUser{Username: "zongzhi", DisplayName: "综治社工", Password: apptest.Password,
			Roles: []auth.Role{auth.RoleSocialWorker}, Lines: []string{"governance"}, Scope: []int64{w.C1}, MFAExempt: true}); err != nil {
			t.Fatal(err)
		}
		line := w.Principal(t, "zongzhi")
		mine, _, _ := f.ListDuties(ctx, line, followups.DutyFilter{Own: true})
		if len(mine) != 1 || mine[0].ID != sensitive {
			t.Fatalf("the 综治 worker's own duties: %+v", mine)
		}
		// The civil-affairs social worker neither owns nor sees it.
		civil := w.Principal(t, "social_worker")
		if _, _, err := f.GetDuty(ctx, civil, sensitive); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("civil affairs reads the 帮教 duty: %v", err)
		}
		leader := w.Principal(t, "community_admin")
		if _, _, err := f.GetDuty(ctx, leader, sensitive); err != nil {
			t.Fatalf("leader: %v", err)
		}
		// Community 2's leader does not reach grid A.
		if _, _, err := f.GetDuty(ctx, w.Principal(t, "community_admin_c2"), w.Objects["fu_duty"][apptest.InA]); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("other community's leader: %v", err)
		}
	})
}

// Due lists: overdue, today and this week hold what their names say, for the
// caller's own duties.
func TestDueLists(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		f := w.App.Followups
		zone := time.FixedZone("CST", 8*3600)
		today := time.Now().In(zone).Format("2006-01-02")
		set := func(id int64, due string) {
			if _, err := w.DB.ExecContext(ctx, `UPDATE fu_duty SET due_on = ? WHERE id = ?`, due, id); err != nil {
				t.Fatal(err)
			}
		}
		day := func(n int) string { return time.Now().In(zone).AddDate(0, 0, n).Format("2006-01-02") }
		gw := w.Principal(t, "grid_worker")
		// Grid A's duties: the person visit and the building inspection.
		visit := w.Objects["fu_duty"][apptest.InA]
		var inspection int64
		w.DB.QueryRowContext(ctx, `SELECT d.id FROM fu_duty d JOIN fu_rule r ON r.id = d.rule_id WHERE r.name = '一号社区楼道检查'`).Scan(&inspection)
		for _, c := range []struct {
			visit, inspection    string
			overdue, today, week int
		}{
			{day(-3), day(0), 1, 1, 1},
			{day(2), day(6), 0, 0, 2},
			{day(7), day(-1), 1, 0, 0},
			{day(0), day(3), 0, 1, 2},
		} {
			set(visit, c.visit)
			set(inspection, c.inspection)
			// The tabs' counts agree with the lists (the week's tab without today's).
			if o, td, wk, err := f.DueCounts(ctx, gw); err != nil || o != c.overdue || td != c.today || wk != c.week-c.today {
				t.Errorf("visit due %s, inspection due %s: counts %d/%d/%d (%v), want %d/%d/%d", c.visit, c.inspection, o, td, wk, err, c.overdue, c.today, c.week-c.today)
			}
			for when, want := range map[string]int{followups.WhenOverdue: c.overdue, followups.WhenToday: c.today, followups.WhenWeek: c.week} {
				list, total, err := f.ListDuties(ctx, gw, followups.DutyFilter{Own: true, When: when})
				if err != nil {
					t.Fatal(err)
				}
				if total != want || len(list) != want {
					t.Errorf("visit due %s, inspection due %s (today %s): %s has %d (%d listed), want %d", c.visit, c.inspection, today, when, total, len(list), want)
				}
				for i := 1; i < len(list); i++ {
					if list[i-1].DueOn > list[i].DueOn {
						t.Errorf("%s not in due order", when)
					}
				}
			}
			// The page's DueList: the same counts, each tab's duties (the
			// week's without today's), and with no tab asked for, the first
			// that holds any.
			tabs := map[string]int{followups.WhenOverdue: c.overdue, followups.WhenToday: c.today, followups.WhenWeek: c.week - c.today}
			first := followups.WhenToday
			for _, when := range []string{followups.WhenWeek, followups.WhenToday, followups.WhenOverdue} {
				if tabs[when] > 0 {
					first = when
				}
			}
			for _, when := range []string{"", followups.WhenOverdue, followups.WhenToday, followups.WhenWeek} {
				dl, err := f.DueList(ctx, gw, when, 0, 50)
				if err != nil {
					t.Fatal(err)
				}
				if dl.Overdue != c.overdue || dl.Today != c.today || dl.Week != c.week-c.today {
					t.Errorf("DueList(%q): counts %d/%d/%d, want %d/%d/%d", when, dl.Overdue, dl.Today, dl.Week, c.overdue, c.today, c.week-c.today)
				}
				if when == "" && dl.When != first {
					t.Errorf("visit due %s, inspection due %s: DueList opens on %q, want %q", c.visit, c.inspection, dl.When, first)
				}
				if len(dl.Duties) != dl.Count(dl.When) {
					t.Errorf("DueList(%q): tab %s lists %d, counts %d", when, dl.When, len(dl.Duties), dl.Count(dl.When))
				}
				for i, d := range dl.Duties {
					in := map[string]bool{followups.WhenOverdue: d.DueOn < today, followups.WhenToday: d.DueOn == today, followups.WhenWeek: d.DueOn > today && d.DueOn <= day(6)}[dl.When]
					if !in || d.RuleName == "" {
						t.Errorf("DueList(%q): tab %s lists a duty due %s (rule %q)", when, dl.When, d.DueOn, d.RuleName)
					}
					if i > 0 && dl.Duties[i-1].DueOn > d.DueOn {
						t.Errorf("DueList(%q) not in due order", when)
					}
				}
			}
		}
		// A page further on: the second of the week's two.
		set(visit, day(2))
		set(inspection, day(6))
		dl, err := f.DueList(ctx, gw, followups.WhenWeek, 1, 1)
		if err != nil || len(dl.Duties) != 1 || dl.Duties[0].ID != inspection || dl.Week != 2 {
			t.Fatalf("the week's second page: %+v, %v", dl, err)
		}
		if _, _, err := f.ListDuties(ctx, gw, followups.DutyFilter{When: "someday"}); err == nil {
			t.Fatal("unknown when accepted")
		}
		if _, err := f.DueList(ctx, gw, "someday", 0, 50); err == nil {
			t.Fatal("unknown when accepted by DueList")
		}
	})
}

// A rule change that rewrites many duties leaves fu_duty vacuumed on
// PostgreSQL (its pages all-visible again, so the due lists count from the
// index alone); one that rewrites few does not.
func TestRecomputeSettlesTheDuties(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		if w.DB.Dialect() != db.Postgres || w.DB.Citus() {
			t.Skip("the visibility map and its statistics are PostgreSQL's (on Citus they are the shards')")
		}
		ctx := context.Background()
		f := w.App.Followups
		sys := auth.System("test")
		vacuums := func() int {
			var n int
			if err := w.DB.QueryRowContext(ctx, `SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'fu_duty'`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		var id int64
		w.DB.QueryRowContext(ctx, `SELECT id FROM fu_rule WHERE name = '重点对象走访'`).Scan(&id)
		change := func() {
			ru, err := f.GetRule(ctx, sys, id)
			if err != nil {
				t.Fatal(err)
			}
			ru.Every++
			if err := f.UpdateRule(ctx, sys, id, *ru); err != nil {
				t.Fatal(err)
			}
		}
		before := vacuums()
		change() // rewrites the rule's few duties: under the bar
		if got := vacuums(); got != before {
			t.Fatalf("a small recompute vacuumed fu_duty (%d → %d)", before, got)
		}
		defer followups.SetSettleAfter(1)()
		change()
		if got := vacuums(); got != before+1 {
			t.Fatalf("a recompute over the bar: fu_duty vacuumed %d times, want %d", got, before+1)
		}
	})
}

// A community may tighten its street's rule, not loosen it; rules are kept
// only by those who keep the unit.
func TestRuleBounds(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		f := w.App.Followups
		leader := w.Principal(t, "community_admin")
		var street int64
		w.DB.QueryRowContext(ctx, `SELECT id FROM fu_rule WHERE name = '重点对象走访'`).Scan(&street)
		heads := []int64{w.Objects["person"][apptest.InA]}
		looser := followups.Rule{OrgID: w.C1, ParentID: street, Name: "重点对象走访（社区）", Kind: followups.KindVisit, Subject: followups.SubjectPerson,
			Subjects: heads, Every: 2, Unit: followups.UnitMonth, Assign: followups.AssignGridWorker}
		_, err := f.CreateRule(ctx, leader, looser)
		var errs *i18n.Errors
		if !errors.As(err, &errs) || errs.For("every") == "" {
			t.Fatalf("looser rule: %v", err)
		}
		tighter := looser
		tighter.Every, tighter.Unit = 2, followups.UnitWeek
		id, err := f.CreateRule(ctx, leader, tighter)
		if err != nil {
			t.Fatal(err)
		}
		// The community's rule replaces the street's in community 1 only.
		d := dutyOf(t, w, "重点对象走访（社区）", heads[0])
		if d.Status != followups.DutyActive {
			t.Fatalf("tighter duty: %+v", d)
		}
		if old := dutyOf(t, w, "重点对象走访", heads[0]); old.Status != followups.DutyEnded {
			t.Fatalf("the street's duty in community 1 goes on: %+v", old)
		}
		if dD := dutyOf(t, w, "重点对象走访", w.Objects["person"][apptest.InD]); dD.Status != followups.DutyActive {
			t.Fatalf("community 2 lost the street's duty: %+v", dD)
		}
		// Another community's leader cannot keep it; a grid worker cannot keep rules.
		if err := f.UpdateRule(ctx, w.Principal(t, "community_admin_c2"), id, tighter); !errors.Is(err, auth.ErrNotFound) && !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("other leader: %v", err)
		}
		if _, err := f.CreateRule(ctx, w.Principal(t, "grid_worker"), tighter); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("grid worker: %v", err)
		}
		// Changing the frequency recomputes the due date from the last record.
		d0 := dutyOf(t, w, "重点对象走访", w.Objects["person"][apptest.InD])
		street0, _ := f.GetRule(ctx, auth.System("test"), street)
		street0.Every, street0.Unit, street0.Active = 10, followups.UnitDay, true
		if err := f.UpdateRule(ctx, w.Principal(t, "street_admin"), street, *street0); err != nil {
			t.Fatal(err)
		}
		d1 := dutyOf(t, w, "重点对象走访", w.Objects["person"][apptest.InD])
		want, _ := time.Parse("2006-01-02", d0.LastDoneOn)
		if d1.DueOn != want.AddDate(0, 0, 10).Format("2006-01-02") {
			t.Fatalf("after the change to every 10 days: due %s (last %s)", d1.DueOn, d0.LastDoneOn)
		}
	})
}

// The month's rates, counted by hand from the fixtures: the street rule's
// three visits (A, B, D) and the 帮教 talk (A), each recorded once today; the
// weekly building inspections of A and D, not done; then one late visit in B
// and D's inspection ended last month.
func TestRatesHandCounted(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		f := w.App.Followups
		zone := time.FixedZone("CST", 8*3600)
		now := time.Now().In(zone)
		if now.Day() == 1 && now.Hour() < 2 {
			t.Skip("the fixtures' records of an hour ago may lie in last month")
		}
		month := now.Format("2006-01")
		first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, zone)
		// B's visit was due three days ago; recording it now is late.
		b := w.Objects["fu_duty"][apptest.InB]
		if _, err := w.DB.ExecContext(ctx, `UPDATE fu_duty SET due_on = ? WHERE id = ?`, now.AddDate(0, 0, -3).Format("2006-01-02"), b); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.CreateRecord(ctx, auth.System("test"), followups.RecordInput{DutyID: b, Way: "home", HappenedAt: now.Add(-time.Minute)}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.DB.ExecContext(ctx, `UPDATE fu_duty SET status = 'ended', ended_on = ? WHERE rule_id = (SELECT id FROM fu_rule WHERE name = '二号社区楼道检查')`,
			first.AddDate(0, 0, -1).Format("2006-01-02")); err != nil {
			t.Fatal(err)
		}
		check := func(user string, want followups.RateCounts, rows int) *followups.Rates {
			t.Helper()
			r, err := f.Rates(ctx, w.Principal(t, user), followups.RatesFilter{Month: month})
			if err != nil {
				t.Fatal(err)
			}
			if r.Total != want {
				t.Errorf("%s: total %+v, want %+v", user, r.Total, want)
			}
			if len(r.Rows) != rows {
				t.Errorf("%s: %d rows, want %d: %+v", user, len(r.Rows), rows, r.Rows)
			}
			return r
		}
		// Street: due A, B, D visits + 帮教 + A's inspection (D's ended before the month) = 5;
		// visited 4; records 5 (B twice), on time 4; talk 1 of 1.
		street := check("street_admin", followups.RateCounts{Due: 5, Visited: 4, Records: 5, OnTime: 4, TalkDue: 1, TalkVisited: 1}, 5)
		if street.Total.VisitRate() != "80.0%" || street.Total.OnTimeRate() != "80.0%" {
			t.Errorf("street rates %s %s", street.Total.VisitRate(), street.Total.OnTimeRate())
		}
		// Community 1 first (rows: C1, grid A, grid B, C2, grid D), its counts the sum of its grids'.
		c1, ga, gb := street.Rows[0], street.Rows[1], street.Rows[2]
		if c1.UnitID != w.C1 || ga.UnitID != w.GridA || gb.UnitID != w.GridB || c1.Due != ga.Due+gb.Due || c1.Records != ga.Records+gb.Records {
			t.Errorf("community 1 rows: %+v", street.Rows[:3])
		}
		if ga.Due != 3 || ga.Visited != 2 || gb.Due != 1 || gb.OnTime != 1 || gb.Records != 2 {
			t.Errorf("grids A, B: %+v %+v", ga.RateCounts, gb.RateCounts)
		}
		// The grid worker: A's visit and inspection, never the 帮教 talk.
		check("grid_worker", followups.RateCounts{Due: 2, Visited: 1, Records: 1, OnTime: 1}, 2)
		// Community 2's leader: D's visit only.
		check("community_admin_c2", followups.RateCounts{Due: 1, Visited: 1, Records: 1, OnTime: 1}, 2)
		if _, err := f.Rates(ctx, w.Principal(t, "street_admin"), followups.RatesFilter{Month: "2026-13"}); err == nil {
			t.Error("a month 13 accepted")
		}
	})
}
