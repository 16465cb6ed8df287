package app_test

import (
	"context"
	"fmt"
	"time"

	"linli/internal/apptest"
	"linli/internal/locale"
)

// The indicators board (goals): the board, rankings and the API for staff,
// targets for the units below one's own, entered figures for a community's
// leaders, the street's entered indicators for the street.
var (
	glReaders = []string{"street_admin", "community_admin", "community_admin_c2", "social_worker", "grid_worker"}
	glSetters = []string{"street_admin", "community_admin", "community_admin_c2"}
)

func init() {
	year := func() int { return time.Now().In(locale.Zone).Year() }
	unitQuery := func(w *apptest.World, wh apptest.Where) string { return fmt.Sprintf("?org=%d", grid(w, wh)) }
	entered := func(w *apptest.World) int64 {
		var id int64
		_ = w.DB.QueryRowContext(context.Background(), `SELECT id FROM goal_indicator WHERE name = '医保参保率'`).Scan(&id)
		return id
	}
	addMatrix(map[string]matrixEntry{
		"GET /goals":             {allow: glReaders, scopedBody: true, query: unitQuery},
		"GET /goals/export":      {allow: glReaders, scopedBody: true, query: unitQuery},
		"GET /goals/rank":        {allow: glReaders},
		"GET /api/v1/indicators": {allow: glReaders, scopedBody: true, query: unitQuery},
		"GET /goals/targets":     {allow: glSetters},
		"GET /goals/entries":     {allow: glSetters},
		"GET /goals/indicators":  {allow: []string{"street_admin"}},

		// A grid's target is set by whoever reaches its community.
		"POST /goals/targets": {allow: glSetters, scopedBody: true, reach: reachCommunity, audit: "goals.target_set", auditOther: true,
			body: func(w *apptest.World, wh apptest.Where) string {
				return fmt.Sprintf("org=%d&year=%d&code=cases.satisfaction_rate&value=95&milestones=80,85,90,95", grid(w, wh), year())
			},
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM goal_target WHERE unit_id = ? AND code = 'cases.satisfaction_rate' AND value = 0.95 AND milestones = '0.8,0.85,0.9,0.95'`,
					grid(p.w, p.wh)) == 1, "no target of 95%% for the grid")
			}},
		"POST /goals/entries": {allow: glSetters, scopedBody: true, reach: reachCommunity, audit: "goals.entry", auditOther: true,
			body: func(w *apptest.World, wh apptest.Where) string {
				return fmt.Sprintf("org=%d&code=entered.%d&month=%d-04&numerator=45&denominator=50&value=90.0&evidence=矩阵凭证", community(w, wh), entered(w), year())
			},
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM goal_entry WHERE community_id = ? AND evidence = '矩阵凭证' AND numerator = 45 AND denominator = 50`,
					community(p.w, p.wh)) == 1, "no entry in the community")
			}},
		"POST /goals/indicators": {allow: []string{"street_admin"}, audit: "goals.define", auditOther: true,
			body: func(w *apptest.World, _ apptest.Where) string {
				return fmt.Sprintf("street_id=%d&name=矩阵指标&definition=矩阵口径&kind=count&direction=zero&unit=起", w.Street)
			},
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM goal_indicator WHERE name = '矩阵指标' AND community_id = ?`, p.w.Street) == 1, "no indicator of the street")
			}},
	})
}
