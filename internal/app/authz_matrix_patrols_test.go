package app_test

import (
	"context"
	"fmt"
	"time"

	"linli/internal/apptest"
)

// The patrol pages and API: my patrol today, one patrol, its end, buildings,
// correction and track points (its own worker only), the statistics and the
// daily target.

var (
	ptReaders  = []string{"street_admin", "community_admin", "community_admin_c2", "social_worker", "grid_worker"}
	ptPatrols  = []string{"community_admin", "community_admin_c2", "social_worker", "grid_worker"}
	ptStats    = []string{"street_admin", "community_admin", "community_admin_c2", "social_worker"}
	ptTargets  = []string{"street_admin", "community_admin", "community_admin_c2"}
	ptOwners   = []string{"grid_worker", "community_admin", "community_admin_c2"}
	ptOwnersOf = map[apptest.Where]string{apptest.InA: "grid_worker", apptest.InB: "community_admin", apptest.InD: "community_admin_c2"}
)

// reachOwnPatrol: a patrol is acted on by its own worker only.
func reachOwnPatrol(user string, wh apptest.Where) bool { return ptOwnersOf[wh] == user }

func init() {
	addMatrix(map[string]matrixEntry{
		"GET /patrols/assets/patrols.css": {skip: "public stylesheet"},
		"GET /patrols/assets/patrols.js":  {skip: "public script"},

		"GET /patrols":              {allow: ptReaders},
		"GET /patrols/stats":        {allow: ptStats},
		"GET /patrols/stats/export": {allow: ptStats},
		"GET /api/v1/patrols":       {allow: ptReaders},
		"GET /patrols/{id}":         {allow: ptReaders, kind: "patrol"},
		"GET /api/v1/patrols/{id}":  {allow: ptReaders, kind: "patrol"},
		"POST /patrols/start": {allow: ptPatrols, scopedBody: true, audit: "patrols.start", auditOther: true,
			body: func(w *apptest.World, wh apptest.Where) string {
				return fmt.Sprintf("grid_id=%d&track_consent=1", grid(w, wh))
			},
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM patrol WHERE grid_id = ? AND ended_at = 0 AND track_consent AND user_id = ?`, grid(p.w, p.wh), p.w.Users[p.user]) == 1,
					"no open patrol of the account in the grid")
			}},
		"POST /api/v1/patrols": {allow: ptPatrols, scopedBody: true, audit: "patrols.start", auditOther: true,
			body: func(w *apptest.World, wh apptest.Where) string { return fmt.Sprintf(`{"grid_id":%d}`, grid(w, wh)) },
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM patrol WHERE grid_id = ? AND ended_at = 0 AND user_id = ?`, grid(p.w, p.wh), p.w.Users[p.user]) == 1,
					"no open patrol of the account in the grid")
			}},
		"POST /patrols/{id}/end": {allow: ptOwners, kind: "patrol_open", reach: reachOwnPatrol, audit: "patrols.end",
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM patrol WHERE id = ? AND ended_at = started_at + 240 * 60000 AND minutes = 240`, p.id) == 1, "the patrol did not end at four hours")
			}},
		"POST /api/v1/patrols/{id}/end": {allow: ptOwners, kind: "patrol_open", reach: reachOwnPatrol, audit: "patrols.end",
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM patrol WHERE id = ? AND minutes = 240`, p.id) == 1, "the patrol did not end")
			}},
		"POST /patrols/{id}/buildings": {allow: ptOwners, kind: "patrol_open", reach: reachOwnPatrol, audit: "patrols.tick",
			body: func(w *apptest.World, wh apptest.Where) string {
				return fmt.Sprintf("building_id=%d", w.Objects["building"][wh])
			},
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM patrol_building WHERE patrol_id = ? AND building_id = ?`, p.id, p.w.Objects["building"][p.wh]) == 1, "the building is not ticked")
			}},
		"POST /api/v1/patrols/{id}/points": {allow: ptOwners, kind: "patrol_open", reach: reachOwnPatrol, audit: "patrols.points",
			body: func(w *apptest.World, wh apptest.Where) string {
				return fmt.Sprintf(`{"points":[{"at":%d,"lat":30.27,"lng":120.13,"accuracy_m":12}]}`, time.Now().UnixMilli())
			},
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM patrol_point WHERE patrol_id = ? AND seq = 1`, p.id) == 1, "no track point")
			}},
		"GET /patrols/{id}/correct": {allow: ptOwners, kind: "patrol", reach: reachOwnPatrol},
		"POST /patrols/{id}/correct": {allow: ptOwners, kind: "patrol", reach: reachOwnPatrol, audit: "patrols.correct",
			body: func(w *apptest.World, wh apptest.Where) string {
				var started int64
				if err := w.DB.QueryRowContext(context.Background(), `SELECT started_at FROM patrol WHERE id = ?`, w.Objects["patrol"][wh]).Scan(&started); err != nil {
					panic(err)
				}
				at := func(ms int64) string {
					return time.UnixMilli(ms).In(time.FixedZone("CST", 8*3600)).Format("2006-01-02T15:04")
				}
				return "started_at=" + at(started) + "&ended_at=" + at(started+60_000)
			},
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM patrol WHERE id = ? AND minutes = 1 AND updated_at >= ?`, p.id, p.copiedAt) == 1, "the patrol was not corrected")
			}},
		"GET /patrols/target": {allow: ptTargets},
		"POST /patrols/target": {allow: ptTargets, scopedBody: true, reach: reachCommunity, audit: "patrols.target", auditOther: true,
			body: func(w *apptest.World, wh apptest.Where) string {
				return fmt.Sprintf("org_id=%d&minutes=75", community(w, wh))
			},
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM patrol_target WHERE org_id = ? AND minutes = 75`, community(p.w, p.wh)) == 1, "no target of the community")
			}},
	})
}
