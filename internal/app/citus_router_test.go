package app_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"linli/internal/apptest"
	"linli/internal/db"
)

// On Citus, everything a grid worker or a community's staff does runs on the
// one node holding their community: every statement their requests send is a
// single-shard (router) statement. The test records the statements of each
// request and asks Citus how it would run each: any plan with more than one
// task names the statement. Street roll-ups are the opposite: one statement
// over every shard, aggregated in parallel.
func TestCommunityWorkIsSingleShard(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		if !w.DB.Citus() {
			t.Skip("a Citus plan property: runs in the Citus lane")
		}
		srv := w.Server(t)
		grid := apptest.NewClient(t, srv.URL).Login("grid_worker", apptest.Password)
		leader := apptest.NewClient(t, srv.URL).Login("community_admin", apptest.Password)
		person, household, kase := w.Objects["person"][apptest.InA], w.Objects["household"][apptest.InA], w.Objects["case"][apptest.InA]
		steps := []struct {
			name string
			do   func() int
		}{
			{"resident list", func() int { r, _ := grid.Get("/registry"); return r.StatusCode }},
			{"search by name", func() int { r, _ := grid.Get("/registry?q=" + url.QueryEscape("居民甲")); return r.StatusCode }},
			{"search by pinyin", func() int { r, _ := grid.Get("/registry?q=jumin"); return r.StatusCode }},
			{"search by initials", func() int { r, _ := grid.Get("/registry?q=jm"); return r.StatusCode }},
			{"search by ID digits", func() int { r, _ := grid.Get("/registry?q=0146"); return r.StatusCode }},
			{"person page", func() int { r, _ := grid.Get(fmt.Sprintf("/registry/people/%d", person)); return r.StatusCode }},
			{"household file", func() int { r, _ := grid.Get(fmt.Sprintf("/registry/households/%d", household)); return r.StatusCode }},
			{"rentals", func() int { r, _ := grid.Get("/registry/rentals"); return r.StatusCode }},
			// A community's staff list one of its grids: the scope condition
			// is left out there (the grid lies within it), the grid's
			// community is named instead.
			{"resident list of a grid, by the community's staff", func() int { r, _ := leader.Get(fmt.Sprintf("/registry?grid=%d", w.GridA)); return r.StatusCode }},
			{"resident list of a grid through the org filter", func() int { r, _ := leader.Get(fmt.Sprintf("/registry?org=%d", w.GridA)); return r.StatusCode }},
			{"resident list of the community", func() int { r, _ := leader.Get("/registry"); return r.StatusCode }},
			{"search by the community's staff", func() int { r, _ := leader.Get("/registry?q=" + url.QueryEscape("居民甲")); return r.StatusCode }},
			{"buildings of a grid", func() int { r, _ := leader.Get(fmt.Sprintf("/places?grid=%d", w.GridA)); return r.StatusCode }},
			{"my work", func() int { r, _ := grid.Get("/cases"); return r.StatusCode }},
			{"case page", func() int { r, _ := leader.Get(fmt.Sprintf("/cases/%d", kase)); return r.StatusCode }},
			{"case transition", func() int {
				r, _ := leader.PostForm(fmt.Sprintf("/cases/%d/transition", kase), url.Values{"action": {"accept"}})
				return r.StatusCode
			}},
			{"due list", func() int { r, _ := grid.Get("/followups"); return r.StatusCode }},
			{"duty page", func() int {
				r, _ := grid.Get(fmt.Sprintf("/followups/duties/%d", w.Objects["fu_duty"][apptest.InA]))
				return r.StatusCode
			}},
			{"follow-up record page", func() int {
				r, _ := grid.Get(fmt.Sprintf("/followups/records/%d", w.Objects["fu_record"][apptest.InA]))
				return r.StatusCode
			}},
			{"the community's duties", func() int { r, _ := leader.Get("/followups/all"); return r.StatusCode }},
			{"today's patrols", func() int { r, _ := grid.Get("/patrols"); return r.StatusCode }},
			{"patrol page", func() int {
				r, _ := grid.Get(fmt.Sprintf("/patrols/%d", w.Objects["patrol"][apptest.InA]))
				return r.StatusCode
			}},
			{"opinions", func() int { r, _ := leader.Get("/opinions"); return r.StatusCode }},
			{"venues", func() int { r, _ := leader.Get("/venues"); return r.StatusCode }},
			{"venues of a day", func() int { r, _ := leader.Get("/venues/day"); return r.StatusCode }},
			{"volunteers", func() int { r, _ := leader.Get("/volunteers"); return r.StatusCode }},
			{"volunteer teams", func() int { r, _ := leader.Get("/volunteers/teams"); return r.StatusCode }},
			{"service records to confirm", func() int { r, _ := leader.Get("/volunteers/records"); return r.StatusCode }},
			{"activities", func() int { r, _ := leader.Get("/activities"); return r.StatusCode }},
			{"activity page", func() int {
				r, _ := leader.Get(fmt.Sprintf("/activities/%d", w.Objects["activity"][apptest.InA]))
				return r.StatusCode
			}},
		}
		for _, st := range steps {
			stmts := record(w.DB, st.do)
			if len(stmts) == 0 {
				t.Fatalf("%s: no statements recorded", st.name)
			}
			for _, s := range stmts {
				if tasks := citusTasks(t, w.DB, s); len(tasks) > 0 && !allOne(tasks) {
					t.Errorf("%s: a statement runs on %v shards, not one:\n%s\nargs %v", st.name, tasks, s.q, s.args)
				}
			}
		}

		// The street's rates (the stats page): multi-shard aggregates, one task per shard.
		street := apptest.NewClient(t, srv.URL).Login("street_admin", apptest.Password)
		multi := 0
		for _, s := range record(w.DB, func() int { r, _ := street.Get("/cases/stats"); return r.StatusCode }) {
			if tasks := citusTasks(t, w.DB, s); len(tasks) > 0 && !allOne(tasks) {
				multi++
			}
		}
		// The street's own work list spans its communities: each statement
		// runs once over their shards, none in steps whose rows are gathered
		// on the coordinator (a "Distributed Subplan", ten times slower).
		for _, s := range record(w.DB, func() int { r, _ := street.Get("/cases"); return r.StatusCode }) {
			if plan := citusPlan(t, w.DB, s); strings.Contains(plan, "Distributed Subplan") {
				t.Errorf("the street's work list: a statement runs in steps gathered on the coordinator:\n%s\n%s", s.q, plan)
			}
		}
		var shard1, shard2 int64
		if err := w.DB.QueryRowContext(context.Background(), `SELECT get_shard_id_for_distribution_column('cases', CAST(? AS BIGINT)), get_shard_id_for_distribution_column('cases', CAST(? AS BIGINT))`, w.C1, w.C2).Scan(&shard1, &shard2); err != nil {
			t.Fatal(err)
		}
		if multi == 0 && shard1 != shard2 {
			t.Error("the street's report ran no multi-shard statement: is it reading one community only?")
		}
	})
}

type statement struct {
	q    string
	args []any
}

var communityTable = regexp.MustCompile(`\b(reg_[a-z_]+|estate|building|entrance|dwelling|cases|case_[a-z_]+|import_upload[a-z_]*|audit_log|audit_head|fu_(?:duty|record)[a-z_]*|patrol|patrol_(?:building|point)|op_[a-z_]+|venue(?:_[a-z_]+)?|vol_(?:volunteer|team|member|record|expert)|activity(?:_[a-z_]+)?)\b`)

// record runs do and returns the statements it sent that read or write
// community tables.
func record(d *db.DB, do func() int) []statement {
	var mu sync.Mutex
	var out []statement
	d.SetTrace(func(q string, args []any) {
		head := strings.ToUpper(strings.TrimSpace(q))
		if !(strings.HasPrefix(head, "SELECT") || strings.HasPrefix(head, "WITH") || strings.HasPrefix(head, "INSERT") ||
			strings.HasPrefix(head, "UPDATE") || strings.HasPrefix(head, "DELETE")) || !communityTable.MatchString(q) {
			return
		}
		mu.Lock()
		out = append(out, statement{q, append([]any(nil), args...)})
		mu.Unlock()
	})
	defer d.SetTrace(nil)
	do()
	return out
}

var taskCount = regexp.MustCompile(`Task Count: (\d+)`)

// citusTasks returns the task counts of the statement's distributed plan.
func citusTasks(t *testing.T, d *db.DB, s statement) []string {
	t.Helper()
	var tasks []string
	for _, m := range taskCount.FindAllStringSubmatch(citusPlan(t, d, s), -1) {
		tasks = append(tasks, m[1])
	}
	return tasks
}

// citusPlan is the statement's plan as EXPLAIN prints it.
func citusPlan(t *testing.T, d *db.DB, s statement) string {
	t.Helper()
	rows, err := d.Raw().QueryContext(context.Background(), "EXPLAIN "+d.Rebind(s.q), s.args...)
	if err != nil {
		t.Errorf("EXPLAIN %s: %v", s.q, err)
		return ""
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

func allOne(tasks []string) bool {
	for _, n := range tasks {
		if n != "1" {
			return false
		}
	}
	return true
}
