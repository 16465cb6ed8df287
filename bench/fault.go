package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"linli/internal/auth"
	"linli/internal/cases"
	"linli/internal/db"
	"linli/internal/org"
	"linli/internal/web"
)

func init() { register("fault", benchFault) }

// The fault run (Citus only): 16 clients report cases in 8 communities while
// one worker is stopped and started again. Writes to the communities on the
// stopped worker must fail with a clear message and the others go on; after
// it returns nothing acknowledged is lost, nothing is half-written (Citus
// recovers the two-phase commits it left) and the audit chains verify.
//
// bench/run.sh starts the cluster and exports LINLI_CITUS_DIR, where
// scripts/citus.sh leaves a stop and a start script per node.
const (
	faultClients  = 16
	faultStopAt   = 6 * time.Second
	faultStartAt  = 16 * time.Second
	faultDuration = 26 * time.Second
)

func benchFault(ctx context.Context, e *Env) ([]Row, error) {
	if e.Engine != "citus" {
		return nil, nil
	}
	dir := os.Getenv("LINLI_CITUS_DIR")
	if dir == "" {
		return nil, errors.New("LINLI_CITUS_DIR is not set: run the fault suite through bench/run.sh -engines citus")
	}
	a := e.App
	sys := auth.System("bench")
	district, err := a.Org.Create(ctx, sys, org.Input{Level: org.District, Name: "故障测试区", Code: "330299"})
	if err != nil {
		return nil, err
	}
	street, err := a.Org.Create(ctx, sys, org.Input{ParentID: district, Level: org.Street, Name: "故障测试街道", Code: "330299001000"})
	if err != nil {
		return nil, err
	}
	type community struct {
		id, grid int64
		leader   *auth.Principal
		port     int
	}
	var comms []*community
	for c := 1; c <= 8; c++ {
		cid, err := a.Org.Create(ctx, sys, org.Input{ParentID: street, Level: org.Community, Name: fmt.Sprintf("故障%d社区", c), Code: fmt.Sprintf("330299001%03d", c)})
		if err != nil {
			return nil, err
		}
		gid, err := a.Org.Create(ctx, sys, org.Input{ParentID: cid, Level: org.Grid, Name: "第一网格", Code: "001"})
		if err != nil {
			return nil, err
		}
		var uid int64
		if err := e.DB.InTx(ctx, func(tx *db.Tx) error {
			if err := tx.QueryRowContext(ctx, `INSERT INTO auth_user (username, display_name, password_hash, password_changed_at, created_at, updated_at)
				VALUES (?, ?, 'x', 0, 0, 0) RETURNING id`, fmt.Sprintf("fault-%d", c), fmt.Sprintf("故障测试%d", c)).Scan(&uid); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO auth_user_role (user_id, role) VALUES (?, ?)`, uid, string(auth.RoleCommunityAdmin)); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO auth_user_scope (user_id, org_unit_id) VALUES (?, ?)`, uid, cid)
			return err
		}); err != nil {
			return nil, err
		}
		sc, err := a.Org.ResolveScope(ctx, []int64{cid})
		if err != nil {
			return nil, err
		}
		cm := &community{id: cid, grid: gid, leader: &auth.Principal{UserID: uid, Username: fmt.Sprintf("fault-%d", c), DisplayName: fmt.Sprintf("故障测试%d", c),
			Roles: []auth.Role{auth.RoleCommunityAdmin}, Scope: sc}}
		if err := e.DB.QueryRowContext(ctx, `SELECT nodeport FROM citus_shards WHERE table_name = 'cases'::regclass AND shardid = get_shard_id_for_distribution_column('cases', CAST(? AS BIGINT))`, cid).Scan(&cm.port); err != nil {
			return nil, fmt.Errorf("where community %d lives: %w", cid, err)
		}
		comms = append(comms, cm)
	}
	// The worker to stop: the one holding the first community.
	stopPort := comms[0].port
	node, err := nodeByPort(dir, stopPort)
	if err != nil {
		return nil, err
	}
	onStopped := 0
	for _, c := range comms {
		if c.port == stopPort {
			onStopped++
		}
	}
	if onStopped == len(comms) {
		return nil, fmt.Errorf("all 8 communities hash to one worker: nothing to compare")
	}

	// Each attempt is classed afterwards by when it ran: before the stop
	// began, while the worker was down (begun a second after it stopped,
	// ended before its start began), after it was back; attempts that
	// overlapped a stop or start are counted apart.
	type attempt struct {
		community *community
		from, to  time.Duration
		err       error
	}
	var mu sync.Mutex
	var attempts []attempt
	acked := map[int64][]int64{}
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < faultClients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := comms[i%len(comms)]
			for n := 0; time.Since(start) < faultDuration; n++ {
				from := time.Since(start)
				cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
				id, err := a.Cases.Create(cctx, c.leader, cases.CreateInput{Type: "request", Category: "property", Title: fmt.Sprintf("故障演练%d-%d", i, n),
					Source: "phone", GridID: c.grid, ReporterName: "测试", ReporterPhone: "13800138000"})
				cancel()
				mu.Lock()
				attempts = append(attempts, attempt{c, from, time.Since(start), err})
				if err == nil {
					acked[c.id] = append(acked[c.id], id)
				}
				mu.Unlock()
				if err != nil {
					time.Sleep(50 * time.Millisecond)
				}
			}
		}(i)
	}
	time.Sleep(faultStopAt)
	stopBegin := time.Since(start)
	if out, err := exec.Command("bash", filepath.Join(dir, node+".stop")).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("stop %s: %v: %s", node, err, out)
	}
	stopDone := time.Since(start)
	time.Sleep(faultStartAt - faultStopAt)
	startBegin := time.Since(start)
	if out, err := exec.Command("bash", filepath.Join(dir, node+".start")).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("start %s: %v: %s", node, err, out)
	}
	startDone := time.Since(start)
	back := time.Now()
	wg.Wait()

	// Two-phase commits the coordinator could not finish are recovered
	// (Citus does it every citus.recover_2pc_interval; here at once).
	var recovered int
	if err := e.DB.QueryRowContext(ctx, `SELECT recover_prepared_transactions()`).Scan(&recovered); err != nil {
		return nil, fmt.Errorf("recover prepared transactions: %w", err)
	}
	phaseOf := func(at attempt) int {
		switch {
		case at.to < stopBegin:
			return 0
		case at.from >= stopDone+time.Second && at.to < startBegin:
			return 1
		case at.from >= startDone:
			return 2
		}
		return 3
	}
	type tally struct {
		ok, failed int
		msg, told  string
	}
	var sums [4][2]tally // phase, on the stopped worker (1) or not (0)
	for _, at := range attempts {
		onS := 0
		if at.community.port == stopPort {
			onS = 1
		}
		t := &sums[phaseOf(at)][onS]
		if at.err == nil {
			t.ok++
			continue
		}
		t.failed++
		if t.msg == "" {
			t.msg = at.err.Error()
			if len(t.msg) > 140 {
				t.msg = t.msg[:140] + "…"
			}
			t.told = web.Classify(at.err).Message
		}
	}
	var rows []Row
	add := func(measure, value, target string, ok bool) {
		rows = append(rows, Row{Area: "fault", Measure: measure, Value: value, Target: target, OK: ok})
	}
	add("communities on the stopped worker / others", fmt.Sprintf("%d / %d", onStopped, len(comms)-onStopped), "", true)
	for ph, name := range []string{"before the stop", "while stopped", "after the restart", "overlapping the stop or the start"} {
		s, o := sums[ph][1], sums[ph][0]
		target, met := "", true
		switch ph {
		case 1:
			target, met = "all fail, with a clear message", s.ok == 0 && s.failed > 0 && strings.Contains(s.told, "稍后再试")
		case 0, 2:
			target, met = "none fail", s.failed == 0
		}
		add(name+": stopped worker's communities, written / failed", fmt.Sprintf("%d / %d", s.ok, s.failed), target, met)
		if ph != 3 {
			target, met = "none fail", o.failed == 0
		} else {
			target, met = "", true
		}
		add(name+": other communities, written / failed", fmt.Sprintf("%d / %d", o.ok, o.failed), target, met)
		if s.msg != "" {
			add(name+": error (stopped worker's communities)", s.msg, "", true)
			add(name+": what the user is told", s.told, "", true)
		}
		if o.msg != "" {
			add(name+": error (others)", o.msg, "", true)
		}
	}
	add("restart → end of run", secs(time.Since(back)), "", true)
	add("prepared transactions recovered after the run", fmt.Sprint(recovered), "", true)

	// Nothing acknowledged lost; nothing half-written.
	lost := 0
	total := 0
	for cid, ids := range acked {
		total += len(ids)
		have := map[int64]bool{}
		q, args := e.DB.IDsIn("id", ids)
		r, err := e.DB.QueryContext(ctx, `SELECT id FROM cases WHERE community_id = ? AND `+q, append([]any{cid}, args...)...)
		if err != nil {
			return rows, err
		}
		for r.Next() {
			var id int64
			if err := r.Scan(&id); err != nil {
				r.Close()
				return rows, err
			}
			have[id] = true
		}
		if err := r.Err(); err != nil {
			r.Close()
			return rows, err
		}
		r.Close()
		for _, id := range ids {
			if !have[id] {
				lost++
			}
		}
	}
	add("acknowledged cases", fmt.Sprint(total), "", true)
	add("acknowledged cases lost", fmt.Sprint(lost), "0", lost == 0)
	var half int
	if err := e.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM cases c WHERE c.title LIKE '故障演练%' AND NOT EXISTS
		(SELECT 1 FROM case_event ev WHERE ev.community_id = c.community_id AND ev.case_id = c.id)`).Scan(&half); err != nil {
		return rows, err
	}
	var stored int
	if err := e.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM cases WHERE title LIKE '故障演练%'`).Scan(&stored); err != nil {
		return rows, err
	}
	add("cases stored (acknowledged, plus any committed whose reply was lost)", fmt.Sprint(stored), fmt.Sprintf("≥ %d", total), stored >= total)
	add("cases without their timeline (half-written)", fmt.Sprint(half), "0", half == 0)
	n, brk, err := a.Audit.Verify(ctx, e.DB)
	switch {
	case err != nil:
		add("audit verify", err.Error(), "passes", false)
	case brk != nil:
		add("audit verify", brk.Error(), "passes", false)
	default:
		add("audit verify", fmt.Sprintf("%d entries intact", n), "passes", true)
	}
	return rows, nil
}

// nodeByPort finds which node of the cluster in dir listens on port
// (scripts/citus.sh writes nodeN.port beside nodeN.stop and nodeN.start).
func nodeByPort(dir string, port int) (string, error) {
	files, _ := filepath.Glob(filepath.Join(dir, "node*.port"))
	sort.Strings(files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err == nil && strings.TrimSpace(string(b)) == fmt.Sprint(port) {
			return strings.TrimSuffix(filepath.Base(f), ".port"), nil
		}
	}
	return "", fmt.Errorf("no node of %s listens on %d", dir, port)
}
