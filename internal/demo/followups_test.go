package demo_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"linli/internal/app"
	"linli/internal/apptest"
	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/dbtest"
	"linli/internal/demo"
	"linli/internal/followups"
	"linli/internal/locale"
	"linli/internal/web"
)

// The demo street has follow-up rules, their duties and three months of
// records kept in order; the demo grid worker has duties overdue and due this
// week, and the 综治/民政 social worker has the sensitive groups' talks.
func TestDemoFollowups(t *testing.T) {
	dbtest.Run(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := apptest.NewApp(d)
		const password = "Demo-Pass-2026"
		res, err := demo.Setup(ctx, a, demo.Options{Password: password, Residents: 2500, Seed: 11})
		if err != nil {
			t.Fatal(err)
		}
		g1 := res.Grids[res.Communities[0]][0] // the demo grid worker's
		f := a.Followups
		sys := auth.System("test")
		rules, err := f.ListRules(ctx, sys)
		if err != nil {
			t.Fatal(err)
		}
		byName := map[string]int64{}
		for _, r := range rules {
			byName[r.Name] = r.ID
		}
		for _, name := range []string{"独居老人走访", "刑释解教人员帮教谈话", "重点信访人员稳控谈话", "残疾人走访", "矛盾纠纷排查", "高层住宅消防安全检查"} {
			if byName[name] == 0 {
				t.Errorf("no rule %s among %d", name, len(rules))
			}
		}
		// Every grid is screened; 独居老人 have their visits.
		for name, atLeast := range map[string]int{"矛盾纠纷排查": 18, "独居老人走访": 50} {
			if _, n, err := f.ListDuties(ctx, sys, followups.DutyFilter{RuleID: byName[name], Limit: 1}); err != nil || n < atLeast {
				t.Errorf("%s: %d duties (%v), want at least %d", name, n, err, atLeast)
			}
		}
		var records, late, zero int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN on_time THEN 0 ELSE 1 END), 0), COALESCE(SUM(CASE WHEN note LIKE '零报告%' THEN 1 ELSE 0 END), 0) FROM fu_record`).Scan(&records, &late, &zero); err != nil {
			t.Fatal(err)
		}
		if records < 500 || late == 0 || late > records/5 || zero == 0 {
			t.Errorf("%d records, %d late, %d 零报告: want hundreds, some (not most) late, some 零报告", records, late, zero)
		}
		// Inspections answer their checklists (some fail), screenings are
		// 零报告 or name matters found; findings made cases link back.
		var fails, zeros, matters, links int
		if err := d.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM fu_record_item WHERE result = 'fail'), (SELECT COUNT(*) FROM fu_record WHERE zero_report),
			(SELECT COUNT(*) FROM fu_record_item WHERE result = 'found'), (SELECT COUNT(*) FROM case_link WHERE kind = 'fu_record')`).Scan(&fails, &zeros, &matters, &links); err != nil {
			t.Fatal(err)
		}
		if fails == 0 || zeros == 0 || matters == 0 || links != 2 {
			t.Errorf("%d failed items, %d 零报告, %d matters found, %d cases from findings", fails, zeros, matters, links)
		}
		// Within the last three months (and a dropped duty's last visit
		// before), never in the future.
		today := time.Now().In(locale.Zone).Format(time.DateOnly)
		var first, last string
		if err := d.QueryRowContext(ctx, `SELECT MIN(happened_on), MAX(happened_on) FROM fu_record`).Scan(&first, &last); err != nil {
			t.Fatal(err)
		}
		if last >= today || first < time.Now().In(locale.Zone).AddDate(0, -8, 0).Format(time.DateOnly) {
			t.Errorf("records from %s to %s (today %s)", first, last, today)
		}
		// Each duty stands where its latest record left it.
		var off int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM fu_duty d WHERE d.last_done_on <> COALESCE((SELECT MAX(r.happened_on) FROM fu_record r
			WHERE r.community_id = d.community_id AND r.duty_id = d.id), '')`).Scan(&off); err != nil {
			t.Fatal(err)
		}
		if off != 0 {
			t.Errorf("%d duties whose last visit is not their latest record", off)
		}

		// Last month's rates are those of a street that mostly keeps its
		// duties: most duties visited, most records on time.
		lastMonth := time.Now().In(locale.Zone).AddDate(0, 0, -time.Now().In(locale.Zone).Day()).Format("2006-01")
		rates, err := f.Rates(ctx, sys, followups.RatesFilter{Month: lastMonth})
		if err != nil {
			t.Fatal(err)
		}
		if c := rates.Total; c.Due == 0 || c.Visited*10 < c.Due*7 || c.Visited == c.Due || c.OnTime*10 < c.Records*8 || c.ScreenRecords == 0 {
			t.Errorf("%s: %d duties, %d visited (%s); %d records, %d on time (%s); %d screenings", lastMonth, c.Due, c.Visited, c.VisitRate(), c.Records, c.OnTime, c.OnTimeRate(), c.ScreenRecords)
		}

		// The audit log names the histories written, in Chinese.
		rows, err := d.QueryContext(ctx, `SELECT action, detail FROM audit_log WHERE action = 'followups.record'`)
		if err != nil {
			t.Fatal(err)
		}
		entries := 0
		for rows.Next() {
			var action, detail string
			if err := rows.Scan(&action, &detail); err != nil {
				t.Fatal(err)
			}
			entries++
			if _, ok := audit.ActionKey(action); !ok {
				t.Errorf("audit action %s not declared", action)
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(detail), &m); err != nil {
				t.Errorf("%s: detail %s: %v", action, detail, err)
			}
			for k := range m {
				if !web.AuditFieldNamed(k) {
					t.Errorf("%s: detail key %s has no Chinese name", action, k)
				}
			}
		}
		rows.Close()
		if entries == 0 {
			t.Error("the follow-up histories left no audit entry")
		}

		login := func(user string) *auth.Principal {
			res, err := a.Auth.Login(ctx, user, password, "127.0.0.1", "test", auth.KindWeb)
			if err != nil {
				t.Fatalf("login %s: %v", user, err)
			}
			return res.Principal
		}
		gw := login("grid_worker")
		for _, when := range []string{followups.WhenOverdue, followups.WhenWeek} {
			list, n, err := f.ListDuties(ctx, gw, followups.DutyFilter{Own: true, When: when})
			if err != nil || n == 0 {
				t.Errorf("grid worker's %s list: %d (%v)", when, n, err)
			}
			for _, du := range list {
				if du.Assign != followups.AssignGridWorker || du.GridID != g1 {
					t.Errorf("grid worker's %s list has %s of grid %d", when, du.RuleName, du.GridID)
				}
			}
		}
		// The grid worker's own visits are among the latest of their grid
		// (yesterday's inspections and screenings were the system's).
		recs, err := f.ListRecords(ctx, gw, followups.RecordFilter{Limit: 20})
		own := 0
		for _, r := range recs {
			if r.CreatedBy == gw.UserID {
				own++
			}
		}
		if err != nil || own == 0 {
			t.Errorf("grid worker's records: %d, %d their own (%v)", len(recs), own, err)
		}
		sw := login("social_worker")
		if _, n, err := f.ListDuties(ctx, sw, followups.DutyFilter{Own: true}); err != nil || n == 0 {
			t.Errorf("social worker's own duties: %d (%v)", n, err)
		}
	})
}
