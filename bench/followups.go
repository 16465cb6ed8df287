package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/followups"
	"linli/internal/locale"
	"linli/internal/registry"
)

func init() { register("followups", benchFollowups) }

// followupsData is the follow-ups data set: the street, its rules and the
// principals who keep duties.
type followupsData struct {
	w       *casesWorld
	weekly  int64 // the 独居老人 rule, changed to measure the recompute
	workers []*auth.Principal
}

// loadFollowups writes the people under duties (the registry's rows that the
// duties follow: a person and their group), the street's rules, their duties
// (through the module's own sync) and records over two years, oldest first,
// through the bulk path; then each duty's last visit, as the records left it.
func loadFollowups(ctx context.Context, e *Env, subjects, records int) (*followupsData, error) {
	a := e.App
	sys := auth.System("bench")
	w, err := setupStreetWorld(ctx, e, "走访", "330204", "fu-bench")
	if err != nil {
		return nil, err
	}
	d := &followupsData{w: w, workers: followupWorkers(w)}
	tags := map[string]int64{}
	for _, code := range []string{"living_alone", "released_prisoner", "disabled", "key_petitioner"} {
		var id int64
		if err := e.DB.QueryRowContext(ctx, `SELECT id FROM reg_tag WHERE code = ?`, code).Scan(&id); err != nil {
			return nil, fmt.Errorf("tag %s: %w", code, err)
		}
		tags[code] = id
	}
	// The mix of a street's duty subjects: mostly elderly people living
	// alone, then the disabled, petitioners and people released from prison.
	mix := []string{"living_alone", "living_alone", "living_alone", "living_alone", "living_alone", "living_alone", "disabled", "disabled", "key_petitioner", "released_prisoner"}
	r := rand.New(rand.NewPCG(7, 2026))
	surnames := []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
	given := []rune("伟强磊军勇杰涛明超刚平辉鹏华芳娜敏静丽艳娟霞秀英玲桂兰萍红")
	now := time.Now()
	nowMS := now.UnixMilli()
	per := subjects / len(w.communities)
	for _, cid := range w.communities {
		err := e.DB.InBulkTx(ctx, func(tx *db.Tx) error {
			ids, err := tx.IDs(ctx, "reg_person")
			if err != nil {
				return err
			}
			people := tx.NewBatch("reg_person", []string{"id", "community_id", "grid_id", "name", "name_pinyin", "name_initials", "status", "created_at", "updated_at"}, 500)
			tagged := tx.NewBatch("reg_person_tag", []string{"person_id", "tag_id", "community_id", "grid_id", "since", "created_at"}, 500)
			tagged.Before = people.Write
			for i := 0; i < per; i++ {
				id, err := ids.Next(ctx)
				if err != nil {
					return err
				}
				grid := w.grids[cid][r.IntN(len(w.grids[cid]))]
				name := string(surnames[r.IntN(len(surnames))]) + string(given[r.IntN(len(given))]) + string(given[r.IntN(len(given))])
				full, initials := registry.Pinyin(name)
				if err := people.Add(ctx, id, cid, grid, name, full, initials, registry.StatusActive, nowMS, nowMS); err != nil {
					return err
				}
				since := now.AddDate(0, 0, -r.IntN(5*365)).Format("2006-01-02")
				if err := tagged.Add(ctx, id, tags[mix[r.IntN(len(mix))]], cid, grid, since, nowMS); err != nil {
					return err
				}
			}
			if err := people.Flush(ctx); err != nil {
				return err
			}
			return tagged.Flush(ctx)
		})
		if err != nil {
			return nil, err
		}
	}
	rule := func(in followups.Rule) (int64, error) {
		in.OrgID = w.street
		in.EscalateAfter = 3
		return a.Followups.CreateRule(ctx, sys, in)
	}
	if d.weekly, err = rule(followups.Rule{Name: "独居老人走访", Kind: followups.KindVisit, Subject: followups.SubjectTag, TagID: tags["living_alone"],
		Every: 7, Unit: followups.UnitDay, Assign: followups.AssignGridWorker}); err != nil {
		return nil, err
	}
	for _, in := range []followups.Rule{
		{Name: "帮教谈话", Kind: followups.KindTalk, Subject: followups.SubjectTag, TagID: tags["released_prisoner"], Every: 30, FirstYearEvery: 7, Unit: followups.UnitDay, Assign: followups.AssignLine, Line: "governance"},
		{Name: "残疾人走访", Kind: followups.KindVisit, Subject: followups.SubjectTag, TagID: tags["disabled"], Every: 3, Unit: followups.UnitMonth, Assign: followups.AssignGridWorker},
		{Name: "重点信访人员走访", Kind: followups.KindVisit, Subject: followups.SubjectTag, TagID: tags["key_petitioner"], Every: 30, Unit: followups.UnitDay, Assign: followups.AssignGridWorker},
		{Name: "矛盾纠纷排查", Kind: followups.KindScreening, Subject: followups.SubjectGrid, Every: 1, Unit: followups.UnitWeek, Assign: followups.AssignGridWorker},
	} {
		if _, err := rule(in); err != nil {
			return nil, err
		}
	}
	// Two years of records, each duty's spread over its time with gaps: a
	// twentieth of the duties never visited, the rest late one time in eight.
	var duties int
	if err := e.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM fu_duty WHERE status = 'active'`).Scan(&duties); err != nil {
		return nil, err
	}
	perDuty := float64(records) / float64(duties) / 0.95
	ways := []string{"home", "home", "home", "phone", "phone", "wechat", "office"}
	notes := []string{"见到本人，身体尚可，生活能自理。", "电话问候，近况平稳。", "家中整洁，无异常情况。", "反映楼道灯不亮，已记录。", "情绪稳定，按时服药。"}
	written := 0
	for _, cid := range w.communities {
		type duty struct {
			id, rule, grid int64
			kind, subject  string
			subjectID      int64
			name           string
		}
		var list []duty
		rows, err := e.DB.QueryContext(ctx, `SELECT d.id, d.rule_id, COALESCE(d.grid_id, 0), r.kind, d.subject_kind, d.subject_id, d.subject_name
			FROM fu_duty d JOIN fu_rule r ON r.id = d.rule_id WHERE d.community_id = ? AND d.status = 'active'`, cid)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var du duty
			if err := rows.Scan(&du.id, &du.rule, &du.grid, &du.kind, &du.subject, &du.subjectID, &du.name); err != nil {
				rows.Close()
				return nil, err
			}
			list = append(list, du)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		err = e.DB.InBulkTx(ctx, func(tx *db.Tx) error {
			ids, err := tx.IDs(ctx, "fu_record")
			if err != nil {
				return err
			}
			b := tx.NewBatch("fu_record", []string{"id", "community_id", "duty_id", "rule_id", "kind", "way", "subject_kind", "subject_id", "subject_name", "grid_id",
				"happened_at", "happened_on", "due_on", "on_time", "met", "note", "fields", "needs", "location", "created_by", "created_at"}, 1000)
			for _, du := range list {
				if r.IntN(20) == 0 {
					continue
				}
				n := int(perDuty*(0.5+r.Float64())) + 1
				step := 730 * 24 * time.Hour / time.Duration(n)
				at := now.Add(-730 * 24 * time.Hour)
				for k := 0; k < n; k++ {
					at = at.Add(step/2 + time.Duration(r.Int64N(int64(step))))
					if at.After(now.Add(-time.Hour)) {
						break
					}
					id, err := ids.Next(ctx)
					if err != nil {
						return err
					}
					on := at.In(locale.Zone).Format("2006-01-02")
					onTime := r.IntN(8) != 0
					due := on
					if !onTime {
						due = at.AddDate(0, 0, -1-r.IntN(10)).In(locale.Zone).Format("2006-01-02")
					}
					if err := b.Add(ctx, id, cid, du.id, du.rule, du.kind, ways[r.IntN(len(ways))], du.subject, du.subjectID, du.name, du.grid,
						at.UnixMilli(), on, due, onTime, "本人", notes[r.IntN(len(notes))], `{"health":"良好"}`, "", "", 1, at.UnixMilli()); err != nil {
						return err
					}
					written++
				}
			}
			if err := b.Flush(ctx); err != nil {
				return err
			}
			// Each duty's last visit, as the records say; the duties have
			// been there for the two years.
			_, err = tx.ExecContext(ctx, `UPDATE fu_duty SET last_done_on = v.last, created_at = ? FROM (
				SELECT community_id, duty_id, MAX(happened_on) AS last FROM fu_record WHERE community_id = ? GROUP BY community_id, duty_id
			) v WHERE fu_duty.community_id = ? AND v.community_id = fu_duty.community_id AND v.duty_id = fu_duty.id`, now.AddDate(-2, 0, 0).UnixMilli(), cid, cid)
			return err
		})
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(os.Stderr, "   %d follow-up records\n", written)
	}
	return d, e.DB.Analyze(ctx, "reg_person", "reg_person_tag", "fu_duty", "fu_record")
}

// keptFollowups finds the data set in a database kept by -reuse; nil when
// there is none (or -reuse is off).
func keptFollowups(ctx context.Context, e *Env) (*followupsData, error) {
	if !e.Flags.Reuse {
		return nil, nil
	}
	w, err := keptStreetWorld(ctx, e, "330204", "fu-bench")
	if err != nil || w == nil {
		return nil, err
	}
	d := &followupsData{w: w, workers: followupWorkers(w)}
	if err := e.DB.QueryRowContext(ctx, `SELECT id FROM fu_rule WHERE org_id = ? AND name = '独居老人走访'`, w.street).Scan(&d.weekly); err != nil {
		return nil, fmt.Errorf("-reuse: the kept database has no 独居老人 rule: %w", err)
	}
	return d, nil
}

// followupWorkers are the principals who keep duties: grid workers and the
// 综治 line.
func followupWorkers(w *casesWorld) []*auth.Principal {
	var out []*auth.Principal
	for _, p := range w.users {
		if p.Has(auth.RoleGridWorker) || p.HasLine("governance") {
			out = append(out, p)
		}
	}
	return out
}

func benchFollowups(ctx context.Context, e *Env) ([]Row, error) {
	var d *followupsData
	var load time.Duration
	if err := e.Once("followups", func() error {
		var err error
		if d, err = keptFollowups(ctx, e); err != nil || d != nil {
			return err
		}
		start := time.Now()
		d, err = loadFollowups(ctx, e, e.Flags.Subjects, e.Flags.Records)
		load = time.Since(start)
		return err
	}); err != nil {
		return nil, err
	}
	s := e.App.Followups
	rows := []Row{{Area: "followups", Measure: fmt.Sprintf("load %d subjects, their duties and about %d records over 2 years (bulk)", e.Flags.Subjects, e.Flags.Records), Value: secs(load)}}
	if load == 0 {
		rows[0] = Row{Area: "followups", Measure: "load skipped: -reuse kept the loaded database"}
	}
	var duties, records int
	if err := e.DB.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM fu_duty WHERE status = 'active'), (SELECT COUNT(*) FROM fu_record)`).Scan(&duties, &records); err != nil {
		return rows, err
	}
	rows = append(rows, Row{Area: "followups", Measure: "active duties / records in the data set", Value: fmt.Sprintf("%d / %d", duties, records)})

	// Every due date recomputed from the last visits (the first sync after
	// the load), with writers recording visits meanwhile.
	recompute := func(label string, change func() error) error {
		var writes Latencies
		var worst atomic.Int64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var ids []int64
		rr, err := e.DB.QueryContext(ctx, `SELECT id FROM fu_duty WHERE status = 'active' AND rule_id <> ? ORDER BY id LIMIT 2000`, d.weekly)
		if err != nil {
			return err
		}
		for rr.Next() {
			var id int64
			if err := rr.Scan(&id); err != nil {
				rr.Close()
				return err
			}
			ids = append(ids, id)
		}
		rr.Close()
		if err := rr.Err(); err != nil {
			return err
		}
		for g := 0; g < 2; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				rnd := rand.New(rand.NewPCG(uint64(g), 9))
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					t0 := time.Now()
					_, _, err := s.CreateRecord(ctx, auth.System("bench"), followups.RecordInput{DutyID: ids[rnd.IntN(len(ids))], Way: "phone", Note: "电话回访"})
					took := time.Since(t0)
					if err == nil {
						writes.Add(took)
						if int64(took) > worst.Load() {
							worst.Store(int64(took))
						}
					}
					time.Sleep(20 * time.Millisecond)
				}
			}(g)
		}
		start := time.Now()
		err = change()
		took := time.Since(start)
		close(stop)
		wg.Wait()
		if err != nil {
			return err
		}
		rows = append(rows,
			Row{Area: "followups", Measure: label, Value: secs(took), Target: "≤ 30 s", OK: took <= 30*time.Second},
			Row{Area: "followups", Measure: label + ": slowest record written meanwhile", Value: ms(time.Duration(worst.Load())), Target: "≤ 1 s", OK: time.Duration(worst.Load()) <= time.Second,
				Note: fmt.Sprintf("%d records, p99 %s", writes.N(), ms(writes.P(99)))})
		return nil
	}
	if err := recompute("recompute every due date from the records (first sync after the load)", func() error { return s.SyncAll(ctx) }); err != nil {
		return rows, err
	}
	if err := recompute("change the 独居老人 rule from every 7 to every 10 days: every due date recomputed", func() error {
		in, err := s.GetRule(ctx, auth.System("bench"), d.weekly)
		if err != nil {
			return err
		}
		in.Every = 10
		return s.UpdateRule(ctx, auth.System("bench"), d.weekly, *in)
	}); err != nil {
		return rows, err
	}

	// A worker's due list as the page opens it (DueList): the three tabs'
	// counts and the first page of one, 32 workers at once.
	whens := []string{followups.WhenOverdue, followups.WhenToday, followups.WhenWeek}
	// A running server: connections open and the list's statements known
	// to each, by a round of lists from as many clients at once.
	Concurrently(32, 64, func(i int) { _, _ = s.DueList(ctx, d.workers[i%len(d.workers)], whens[i%3], 0, 50) })
	var lat Latencies
	var failed atomic.Int64
	took := Concurrently(32, 3200, func(i int) {
		p := d.workers[i%len(d.workers)]
		t0 := time.Now()
		if _, err := s.DueList(ctx, p, whens[i%3], 0, 50); err != nil {
			failed.Add(1)
		}
		lat.Add(time.Since(t0))
	})
	p99 := lat.P(99)
	rows = append(rows,
		Row{Area: "followups", Measure: fmt.Sprintf("a worker's due list (the tabs' counts + a page of 50), 32 clients, %d workers: p99", len(d.workers)), Value: ms(p99), Target: "≤ 50 ms", OK: p99 <= 50*time.Millisecond && failed.Load() == 0,
			Note: fmt.Sprintf("p50 %s, %.0f lists/s, %d failed", ms(lat.P(50)), float64(lat.N())/took.Seconds(), failed.Load())})

	// The street's rates for last month, by community, grid and rule.
	month := time.Now().In(locale.Zone).AddDate(0, -1, 0).Format("2006-01")
	var worst time.Duration
	var rates *followups.Rates
	for i := 0; i < 5; i++ {
		t0 := time.Now()
		r, err := s.Rates(ctx, d.w.streetAdmin, followups.RatesFilter{Month: month})
		if err != nil {
			return rows, err
		}
		worst = max(worst, time.Since(t0))
		rates = r
	}
	rows = append(rows, Row{Area: "followups", Measure: fmt.Sprintf("the street's rates for %s (%d duties, %d records), slowest of 5", month, rates.Total.Due, rates.Total.Records),
		Value: ms(worst), Target: "≤ 500 ms", OK: worst <= 500*time.Millisecond, Note: "走访率 " + rates.Total.VisitRate() + ", 按时走访率 " + rates.Total.OnTimeRate()})
	return rows, nil
}
