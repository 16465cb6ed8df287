package followups_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"linli/internal/apptest"
	"linli/internal/auth"
	"linli/internal/followups"
	"linli/internal/i18n"
)

// A history written in bulk leaves records and duties as CreateRecord one by
// one would: the due date each record answered, whether it was on time, and
// the duty's last and next due date. What came before the history is not in
// it: a building duty goes back to its first record, and a group's member due
// for years has the first record answer its own day. Bad records refuse the
// whole history.
func TestWriteRecords(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		f := w.App.Followups
		sys := auth.System("test")
		zone := time.FixedZone("CST", 8*3600)
		at := func(days int) time.Time {
			n := time.Now().In(zone)
			return time.Date(n.Year(), n.Month(), n.Day(), 10, 0, 0, 0, zone).AddDate(0, 0, days)
		}
		on := func(days int) string { return at(days).Format(time.DateOnly) }
		count := func() int {
			var n int
			if err := w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM fu_record`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}

		// Two duties of one rule, each with a record a month ago: one gets
		// the rest one by one, the other in bulk.
		rule, err := f.CreateRule(ctx, sys, followups.Rule{OrgID: w.C1, Name: "户主走访", Kind: followups.KindVisit, Subject: followups.SubjectPerson,
			Subjects: []int64{w.Objects["person"][apptest.InA], w.Objects["person"][apptest.InB]}, Every: 7, Unit: followups.UnitDay, Assign: followups.AssignGridWorker})
		if err != nil {
			t.Fatal(err)
		}
		one, bulk := dutyOf(t, w, "户主走访", w.Objects["person"][apptest.InA]), dutyOf(t, w, "户主走访", w.Objects["person"][apptest.InB])
		if one.RuleID != rule {
			t.Fatalf("duty of rule %d, want %d", one.RuleID, rule)
		}
		for _, id := range []int64{one.ID, bulk.ID} {
			if _, _, err := f.CreateRecord(ctx, sys, followups.RecordInput{DutyID: id, Way: "home", HappenedAt: at(-30)}); err != nil {
				t.Fatal(err)
			}
		}
		// One by one in date order (as the demo must send them), in bulk in
		// any order: the history is put in date order first.
		var history []followups.BulkRecord
		for _, d := range []int{-20, -16, -12, -5} {
			if _, _, err := f.CreateRecord(ctx, sys, followups.RecordInput{DutyID: one.ID, Way: "phone", HappenedAt: at(d), Note: "电话问候"}); err != nil {
				t.Fatal(err)
			}
		}
		for _, d := range []int{-5, -20, -12, -16} {
			history = append(history, followups.BulkRecord{DutyID: bulk.ID, Way: "phone", HappenedAt: at(d), Note: "电话问候"})
		}
		n, err := f.WriteRecords(ctx, sys, w.C1, history)
		if err != nil || n != len(history) {
			t.Fatalf("WriteRecords: %d %v", n, err)
		}
		a, _, _ := f.GetDuty(ctx, sys, one.ID)
		b, _, _ := f.GetDuty(ctx, sys, bulk.ID)
		if a.LastDoneOn != b.LastDoneOn || a.DueOn != b.DueOn || b.LastDoneOn != on(-5) || b.DueOn != on(2) {
			t.Fatalf("one by one: last %s due %s; in bulk: last %s due %s; want last %s due %s", a.LastDoneOn, a.DueOn, b.LastDoneOn, b.DueOn, on(-5), on(2))
		}
		ra, _ := f.ListRecords(ctx, sys, followups.RecordFilter{DutyID: one.ID})
		rb, _ := f.ListRecords(ctx, sys, followups.RecordFilter{DutyID: bulk.ID})
		if len(ra) != 5 || len(rb) != 5 {
			t.Fatalf("%d and %d records, want 5 each", len(ra), len(rb))
		}
		// Newest first; each answered the due date seven days after the one
		// before it (day -30's was -23: day -20 was late).
		want := []struct {
			on, due string
			onTime  bool
		}{{on(-5), on(-5), true}, {on(-12), on(-9), true}, {on(-16), on(-13), true}, {on(-20), on(-23), false}}
		for i, wnt := range want {
			for _, r := range []*followups.Record{ra[i], rb[i]} {
				if r.HappenedOn != wnt.on || r.DueOn != wnt.due || r.OnTime != wnt.onTime {
					t.Errorf("record %d of duty %d: on %s due %s on time %v; want on %s due %s on time %v", i, r.DutyID, r.HappenedOn, r.DueOn, r.OnTime, wnt.on, wnt.due, wnt.onTime)
				}
			}
		}

		// A building inspection made today, with a history of weeks: under
		// its rule since its first record, which answered its own week.
		var inspection int64
		if err := w.DB.QueryRowContext(ctx, `SELECT d.id FROM fu_duty d JOIN fu_rule r ON r.id = d.rule_id WHERE r.name = '一号社区楼道检查'`).Scan(&inspection); err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteRecords(ctx, sys, w.C1, []followups.BulkRecord{{DutyID: inspection, Way: "onsite", HappenedAt: at(-15)},
			{DutyID: inspection, Way: "onsite", HappenedAt: at(-8)}}); err != nil {
			t.Fatal(err)
		}
		d, _, _ := f.GetDuty(ctx, sys, inspection)
		sunday := func(days int) string {
			t := at(days)
			return t.AddDate(0, 0, (7-int(t.Weekday()))%7).Format(time.DateOnly)
		}
		if d.Since != on(-15) || d.LastDoneOn != on(-8) || d.DueOn != sunday(-1) {
			t.Errorf("inspection: since %s last %s due %s; want since %s last %s due %s", d.Since, d.LastDoneOn, d.DueOn, on(-15), on(-8), sunday(-1))
		}
		// The month's rates count it from its first record on.
		var made int64
		if err := w.DB.QueryRowContext(ctx, `SELECT created_at FROM fu_duty WHERE id = ?`, inspection).Scan(&made); err != nil {
			t.Fatal(err)
		}
		if made != at(-15).UnixMilli() {
			t.Errorf("inspection made at %v, want at its first record %v", time.UnixMilli(made), at(-15))
		}
		recs, _ := f.ListRecords(ctx, sys, followups.RecordFilter{DutyID: inspection})
		if len(recs) != 2 || recs[1].DueOn != sunday(-15) || !recs[1].OnTime || recs[0].DueOn != sunday(-8) || !recs[0].OnTime {
			t.Errorf("inspection records: %s", show(recs))
		}

		// A 老年人 tagged since 2020, under a rule made today.
		if _, err := f.CreateRule(ctx, sys, followups.Rule{OrgID: w.C1, Name: "老年人走访", Kind: followups.KindVisit, Subject: followups.SubjectTag,
			TagID: tagID(t, w, "elderly"), Every: 14, Unit: followups.UnitDay, Assign: followups.AssignGridWorker}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.DB.ExecContext(ctx, `UPDATE reg_person_tag SET since = '2020-01-01' WHERE tag_id = ?`, tagID(t, w, "elderly")); err != nil {
			t.Fatal(err)
		}
		if err := f.Sync(ctx, w.C1); err != nil {
			t.Fatal(err)
		}
		old := dutyOf(t, w, "老年人走访", w.Objects["person"][apptest.InA])
		// Not done yet under a rule made today: due 14 days from today, not in 2020.
		if old.Since != "2020-01-01" || old.DueOn != on(14) {
			t.Fatalf("duty of a member since 2020: since %s due %s", old.Since, old.DueOn)
		}
		if _, err := f.WriteRecords(ctx, sys, w.C1, []followups.BulkRecord{{DutyID: old.ID, Way: "home", HappenedAt: at(-20)}, {DutyID: old.ID, Way: "home", HappenedAt: at(-3)}}); err != nil {
			t.Fatal(err)
		}
		recs, _ = f.ListRecords(ctx, sys, followups.RecordFilter{DutyID: old.ID})
		// The first record answers the duty's due date (14 days from today), the
		// second is due 14 days after the first.
		if len(recs) != 2 || recs[1].DueOn != on(14) || !recs[1].OnTime || recs[0].DueOn != on(-6) || recs[0].OnTime {
			t.Errorf("records of a member since 2020: %s", show(recs))
		}
		if d, _, _ := f.GetDuty(ctx, sys, old.ID); d.Since != "2020-01-01" || d.DueOn != on(11) {
			t.Errorf("member since 2020 after the history: since %s due %s, want due %s", d.Since, d.DueOn, on(11))
		}

		// Bad records refuse the whole history, naming the field.
		before := count()
		_, err = f.WriteRecords(ctx, sys, w.C1, []followups.BulkRecord{{DutyID: bulk.ID, Way: "home", HappenedAt: at(-2)},
			{DutyID: bulk.ID, Way: "fax", HappenedAt: time.Now().Add(time.Hour), Fields: map[string]string{"shoe_size": "42"}}})
		var errs *i18n.Errors
		if !errors.As(err, &errs) || errs.For("way") == "" || errs.For("happened_at") == "" || errs.For("fields") == "" {
			t.Fatalf("bad history: %v", err)
		}
		// A duty of another community, or of a grid beyond the writer.
		other := w.Objects["fu_duty"][apptest.InD]
		if _, err := f.WriteRecords(ctx, sys, w.C1, []followups.BulkRecord{{DutyID: bulk.ID, Way: "home", HappenedAt: at(-2)}, {DutyID: other, Way: "home", HappenedAt: at(-2)}}); !errors.As(err, &errs) || errs.For("duty_id") == "" {
			t.Fatalf("another community's duty: %v", err)
		}
		gw := w.Principal(t, "grid_worker")
		if _, err := f.WriteRecords(ctx, gw, w.C1, []followups.BulkRecord{{DutyID: bulk.ID, Way: "home", HappenedAt: at(-2)}}); !errors.As(err, &errs) || errs.For("duty_id") == "" {
			t.Fatalf("grid A's worker wrote grid B's duty: %v", err)
		}
		if _, err := f.WriteRecords(ctx, w.Principal(t, "volunteer"), w.C1, []followups.BulkRecord{{DutyID: one.ID, Way: "home", HappenedAt: at(-2)}}); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("a volunteer wrote a history: %v", err)
		}
		if n := count(); n != before {
			t.Fatalf("%d records after refused histories, want %d", n, before)
		}
	})
}

func show(recs []*followups.Record) string {
	var b strings.Builder
	for _, r := range recs {
		fmt.Fprintf(&b, "[on %s due %s on time %v] ", r.HappenedOn, r.DueOn, r.OnTime)
	}
	return b.String()
}

func tagID(t *testing.T, w *apptest.World, code string) int64 {
	t.Helper()
	var id int64
	if err := w.DB.QueryRowContext(context.Background(), `SELECT id FROM reg_tag WHERE code = ?`, code).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}
