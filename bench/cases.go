package main

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"linli/internal/auth"
	"linli/internal/cases"
	"linli/internal/db"
	"linli/internal/org"
)

func init() { register("cases", benchCases) }

// casesWorld is the street a benchmark runs in (cases, follow-ups): 8
// communities of 6 grids, a street administrator, and per community a leader
// and a 综治 social worker, per grid a grid worker.
type casesWorld struct {
	street      int64
	communities []int64
	grids       map[int64][]int64
	users       []*auth.Principal
	streetAdmin *auth.Principal
}

func setupCasesWorld(ctx context.Context, e *Env) (*casesWorld, error) {
	return setupStreetWorld(ctx, e, "案件", "330203", "case-bench")
}

// setupStreetWorld builds a benchmark's street in a district of its own
// (label 案件 → 案件测试区, 案件测试街道), so that suites' org trees and
// account names (userPrefix-N) do not meet.
func setupStreetWorld(ctx context.Context, e *Env, label, districtCode, userPrefix string) (*casesWorld, error) {
	a := e.App
	sys := auth.System("bench")
	w := &casesWorld{grids: map[int64][]int64{}}
	// A district of its own, so that other suites' org trees do not meet it.
	district, err := a.Org.Create(ctx, sys, org.Input{Level: org.District, Name: label + "测试区", Code: districtCode})
	if err != nil {
		return nil, err
	}
	if w.street, err = a.Org.Create(ctx, sys, org.Input{ParentID: district, Level: org.Street, Name: label + "测试街道", Code: districtCode + "001000"}); err != nil {
		return nil, err
	}
	principal := func(id int64, role auth.Role, lines []string, root int64) (*auth.Principal, error) {
		sc, err := a.Org.ResolveScope(ctx, []int64{root})
		if err != nil {
			return nil, err
		}
		return &auth.Principal{UserID: id, Username: fmt.Sprint("u", id), DisplayName: fmt.Sprint("用户", id), Roles: []auth.Role{role}, Lines: lines, Scope: sc}, nil
	}
	// Accounts are written directly (hashing a password for each would only
	// measure argon2); the cases module reads them for names and assignment.
	nextUser := int64(0)
	addUser := func(role auth.Role, lines string, root int64) (*auth.Principal, error) {
		var id int64
		err := a.DB.InTx(ctx, func(tx *db.Tx) error {
			nextUser++
			if err := tx.QueryRowContext(ctx, `INSERT INTO auth_user (username, display_name, password_hash, password_changed_at, lines, created_at, updated_at)
				VALUES (?, ?, 'x', 0, ?, 0, 0) RETURNING id`, fmt.Sprintf("%s-%d", userPrefix, nextUser), fmt.Sprintf("工作人员%d", nextUser), lines).Scan(&id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO auth_user_role (user_id, role) VALUES (?, ?)`, id, string(role)); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO auth_user_scope (user_id, org_unit_id) VALUES (?, ?)`, id, root)
			return err
		})
		if err != nil {
			return nil, err
		}
		var ls []string
		if lines != "" {
			ls = []string{lines}
		}
		return principal(id, role, ls, root)
	}
	for c := 1; c <= 8; c++ {
		cid, err := a.Org.Create(ctx, sys, org.Input{ParentID: w.street, Level: org.Community, Name: fmt.Sprintf("测试%d社区", c), Code: fmt.Sprintf("%s001%03d", districtCode, c)})
		if err != nil {
			return nil, err
		}
		w.communities = append(w.communities, cid)
		for g := 1; g <= 6; g++ {
			gid, err := a.Org.Create(ctx, sys, org.Input{ParentID: cid, Level: org.Grid, Name: fmt.Sprintf("第%d网格", g), Code: fmt.Sprintf("%03d", g)})
			if err != nil {
				return nil, err
			}
			w.grids[cid] = append(w.grids[cid], gid)
		}
	}
	a.Org.Invalidate()
	for _, cid := range w.communities {
		for _, spec := range []struct {
			role  auth.Role
			lines string
		}{{auth.RoleCommunityAdmin, ""}, {auth.RoleSocialWorker, "governance"}} {
			p, err := addUser(spec.role, spec.lines, cid)
			if err != nil {
				return nil, err
			}
			w.users = append(w.users, p)
		}
		for _, gid := range w.grids[cid] {
			p, err := addUser(auth.RoleGridWorker, "", gid)
			if err != nil {
				return nil, err
			}
			w.users = append(w.users, p)
		}
	}
	if w.streetAdmin, err = addUser(auth.RoleStreetAdmin, "", w.street); err != nil {
		return nil, err
	}
	w.users = append(w.users, w.streetAdmin)
	return w, nil
}

// keptStreetWorld finds a street built by setupStreetWorld in a database kept
// by -reuse, with its accounts as the principals the benchmark uses; nil when
// there is none, so the data set must be loaded.
func keptStreetWorld(ctx context.Context, e *Env, districtCode, userPrefix string) (*casesWorld, error) {
	a := e.App
	w := &casesWorld{grids: map[int64][]int64{}}
	// No such street (sql.ErrNoRows) leaves it 0: nothing kept.
	_ = e.DB.QueryRowContext(ctx, `SELECT id FROM org_unit WHERE code = ?`, districtCode+"001000").Scan(&w.street)
	if w.street == 0 {
		return nil, nil
	}
	children := func(parent int64) ([]int64, error) {
		rows, err := e.DB.QueryContext(ctx, `SELECT id FROM org_unit WHERE parent_id = ? ORDER BY code`, parent)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return nil, err
			}
			ids = append(ids, id)
		}
		return ids, rows.Err()
	}
	var err error
	if w.communities, err = children(w.street); err != nil {
		return nil, err
	}
	for _, c := range w.communities {
		if w.grids[c], err = children(c); err != nil {
			return nil, err
		}
	}
	rows, err := e.DB.QueryContext(ctx, `SELECT u.id, r.role, u.lines, s.org_unit_id FROM auth_user u JOIN auth_user_role r ON r.user_id = u.id
		JOIN auth_user_scope s ON s.user_id = u.id WHERE u.username LIKE ? ORDER BY u.id`, userPrefix+"-%")
	if err != nil {
		return nil, err
	}
	type account struct {
		id          int64
		role, lines string
		root        int64
	}
	var accounts []account
	for rows.Next() {
		var ac account
		if err := rows.Scan(&ac.id, &ac.role, &ac.lines, &ac.root); err != nil {
			rows.Close()
			return nil, err
		}
		accounts = append(accounts, ac)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, ac := range accounts {
		sc, err := a.Org.ResolveScope(ctx, []int64{ac.root})
		if err != nil {
			return nil, err
		}
		var ls []string
		if ac.lines != "" {
			ls = []string{ac.lines}
		}
		p := &auth.Principal{UserID: ac.id, Username: fmt.Sprint("u", ac.id), DisplayName: fmt.Sprint("用户", ac.id), Roles: []auth.Role{auth.Role(ac.role)}, Lines: ls, Scope: sc}
		w.users = append(w.users, p)
		if p.Has(auth.RoleStreetAdmin) {
			w.streetAdmin = p
		}
	}
	return w, nil
}

// loadCases writes n cases over the last three years through the bulk path, in
// transactions of 20,000: recent ones mostly open at some stage, older ones
// closed (some late, some unresolved, rated), a few stragglers still open and
// overdue, escalated to the community or the street.
func loadCases(ctx context.Context, e *Env, w *casesWorld, n int) error {
	s := e.App.Cases
	types, err := s.Types(ctx)
	if err != nil {
		return err
	}
	gridWorker := map[int64]int64{}
	for _, p := range w.users {
		if p.Has(auth.RoleGridWorker) {
			gridWorker[p.Scope.Roots[0].ID] = p.UserID
		}
	}
	r := rand.New(rand.NewPCG(3, 2026))
	now := time.Now()
	span := 3 * 365 * 24 * time.Hour
	const batch = 20_000
	for done := 0; done < n; {
		list := make([]cases.BulkCase, 0, batch)
		for len(list) < batch && done+len(list) < n {
			i := done + len(list)
			// Spread evenly over three years, oldest first.
			created := now.Add(-span + time.Duration(float64(span)*float64(i)/float64(n)))
			t := types[r.IntN(len(types))]
			cat := t.Categories[r.IntN(len(t.Categories))]
			cid := w.communities[r.IntN(len(w.communities))]
			gid := w.grids[cid][r.IntN(len(w.grids[cid]))]
			createdMS := created.UnixMilli()
			respondDue, due, remind, err := s.Plan(ctx, t, cat.Code, createdMS)
			if err != nil {
				return err
			}
			b := cases.BulkCase{Type: t.Code, Category: cat.Code, Stage: t.Stages[0].Code, Title: cat.Name, Source: t.Sources[0], CommunityID: cid, GridID: gid,
				Level: t.InitialLevel, HolderOrgID: gid, CreatedAt: createdMS, RespondDueAt: respondDue, DueAt: due}
			if b.Level == cases.LevelCommunity {
				b.HolderOrgID = cid
			}
			age := now.Sub(created)
			open := (age < 15*24*time.Hour && r.IntN(10) < 7) || r.IntN(100) == 0
			if r.IntN(10) > 0 {
				b.RespondedAt = createdMS + int64(float64(respondDue-createdMS)*(0.1+r.Float64()))
			}
			if open {
				st := t.Stages[r.IntN(len(t.Stages))]
				for st.Kind == cases.KindClosed {
					st = t.Stages[r.IntN(len(t.Stages))]
				}
				b.Stage = st.Code
				if st.Kind == cases.KindIntake {
					b.RespondedAt = 0
				} else if r.IntN(2) == 0 {
					b.AssigneeID = gridWorker[gid]
				}
				b.RemindAt, b.EscalateAt = remind, due
				if due < now.UnixMilli() {
					b.RemindedAt, b.EscalateAt, b.Escalations = remind, 0, 2
					b.Level, b.HolderOrgID, b.AssigneeID = cases.LevelStreet, w.street, 0
					if r.IntN(2) == 0 {
						b.Level, b.HolderOrgID, b.Escalations = cases.LevelCommunity, cid, 1
					}
				}
			} else {
				for _, st := range t.Stages {
					if st.Kind == cases.KindClosed {
						b.Stage = st.Code
						break
					}
				}
				b.ClosedAt = createdMS + int64(float64(due-createdMS)*(0.2+r.Float64()*0.95))
				if b.RespondedAt == 0 || b.RespondedAt > b.ClosedAt {
					b.RespondedAt = createdMS + (b.ClosedAt-createdMS)/4
				}
				b.Resolved = sql.NullBool{Valid: true, Bool: r.IntN(10) > 0}
				if t.Code == "request" || t.Code == "dispute" {
					b.Rating = []string{cases.RatingSatisfied, cases.RatingSatisfied, cases.RatingSatisfied, cases.RatingBasic, cases.RatingUnsatisfied}[r.IntN(5)]
				}
			}
			list = append(list, b)
		}
		if err := e.DB.InTx(ctx, func(tx *db.Tx) error {
			_, err := cases.InsertBulk(ctx, tx, list)
			return err
		}); err != nil {
			return err
		}
		done += len(list)
		if done%200_000 == 0 || done == n {
			fmt.Fprintf(os.Stderr, "   %d cases\n", done)
		}
	}
	return nil
}

func benchCases(ctx context.Context, e *Env) ([]Row, error) {
	n := e.Flags.Cases
	var w *casesWorld
	var load time.Duration
	if e.Flags.Reuse {
		return nil, fmt.Errorf("-reuse keeps only the registry's data set; run the cases suite without it")
	}
	if err := e.Once("cases", func() error {
		var err error
		if w, err = setupCasesWorld(ctx, e); err != nil {
			return err
		}
		start := time.Now()
		if err := loadCases(ctx, e, w, n); err != nil {
			return err
		}
		load = time.Since(start)
		// A deployment that grew to a million cases has had its planner
		// statistics refreshed by the daily worker, and its tables vacuumed
		// along the way; a bulk-loaded one has not.
		return e.DB.Analyze(ctx, cases.BulkTables...)
	}); err != nil {
		return nil, err
	}
	s := e.App.Cases
	rows := []Row{{Area: "cases", Measure: fmt.Sprintf("load %d cases over 3 years (bulk)", n), Value: secs(load)}}
	var open int
	if err := e.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM cases WHERE closed_at IS NULL`).Scan(&open); err != nil {
		return rows, err
	}
	rows = append(rows, Row{Area: "cases", Measure: "open cases in the data set", Value: fmt.Sprint(open)})

	// The my-work page as each kind of user opens it: the bucket counts, the
	// first page of a bucket, and their alerts.
	buckets := []string{cases.MineTodo, cases.MineIntake, cases.MineDueSoon, cases.MineOverdue}
	r := rand.New(rand.NewPCG(5, 5))
	// All users together, as the target reads; and apart, the community and
	// grid users (on Citus one shard each) from the street administrator, whose
	// lists span the street's communities (on Citus several shards) and who is
	// one in 65 of the samples, so about the slowest 1.5 %: the overall p99.
	var lat, local, street Latencies
	for i := 0; i < 1500; i++ {
		p := w.users[r.IntN(len(w.users))]
		bucket := buckets[r.IntN(len(buckets))]
		start := time.Now()
		if _, err := s.MyWork(ctx, p); err != nil {
			return rows, err
		}
		if _, _, err := s.List(ctx, p, cases.Filter{Mine: bucket, Limit: 30}); err != nil {
			return rows, err
		}
		if _, _, err := s.Alerts(ctx, p, 8); err != nil {
			return rows, err
		}
		took := time.Since(start)
		lat.Add(took)
		if p == w.streetAdmin {
			street.Add(took)
		} else {
			local.Add(took)
		}
	}
	p99 := lat.P(99)
	rows = append(rows,
		Row{Area: "cases", Measure: fmt.Sprintf("my-work list (counts + page + alerts), %d users, p50", len(w.users)), Value: ms(lat.P(50))},
		Row{Area: "cases", Measure: fmt.Sprintf("my-work list (counts + page + alerts), %d users, p99", len(w.users)), Value: ms(p99), Target: "≤ 50 ms", OK: p99 <= 50*time.Millisecond},
		Row{Area: "cases", Measure: fmt.Sprintf("my-work list, the %d community and grid users: p99", len(w.users)-1), Value: ms(local.P(99)), Note: fmt.Sprintf("%d samples", local.N())},
		Row{Area: "cases", Measure: "my-work list, the street administrator: p50 / p99", Value: ms(street.P(50)) + " / " + ms(street.P(99)), Note: fmt.Sprintf("%d samples", street.N())},
	)

	// The street's rates for the last full year, rolled up to its 8 communities
	// and 48 grids, with the monthly trend.
	year := time.Now().Year() - 1
	f := cases.StatsFilter{From: fmt.Sprintf("%d-01", year), To: fmt.Sprintf("%d-12", year)}
	var worst time.Duration
	var received int
	for i := 0; i < 5; i++ {
		start := time.Now()
		st, err := s.Stats(ctx, w.streetAdmin, f)
		if err != nil {
			return rows, err
		}
		worst = max(worst, time.Since(start))
		received = st.Total.Received
	}
	rows = append(rows, Row{Area: "cases", Measure: fmt.Sprintf("rates of the street for %d (%d cases), slowest of 5", year, received), Value: ms(worst), Target: "≤ 500 ms", OK: worst <= 500*time.Millisecond})

	// For reference: the full list's first page for the street (counts every case).
	start := time.Now()
	if _, _, err := s.List(ctx, w.streetAdmin, cases.Filter{Limit: 50}); err != nil {
		return rows, err
	}
	rows = append(rows, Row{Area: "cases", Measure: "all cases of the street, first page with total", Value: ms(time.Since(start))})
	return rows, nil
}
