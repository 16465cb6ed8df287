package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"linli/internal/apptest"
	"linli/internal/locale"
)

// The activities module (社区活动): staff pages, the portal and the JSON API.

// acStaff read activities, sign residents up and keep rosters; acManagers
// create, publish, cancel, summarise and report them and keep the plan.
var (
	acStaff    = []string{"street_admin", "community_admin", "community_admin_c2", "social_worker", "grid_worker"}
	acManagers = []string{"street_admin", "community_admin", "community_admin_c2", "social_worker"}
	acJoin     = append(append([]string{}, acStaff...), "resident")
)

// reachActivityManager: places whose community the account holds wholly.
func reachActivityManager(user string, wh apptest.Where) bool {
	return reachCommunity(user, wh) || (user == "social_worker" && wh != apptest.InD)
}

// acPerson is a registry person every account reaching the place's
// activity reaches (community 1's activities: grid A's person).
func acPerson(w *apptest.World, wh apptest.Where) int64 {
	if wh == apptest.InD {
		return w.Objects["person"][apptest.InD]
	}
	return w.Objects["person"][apptest.InA]
}

// helperQuery names the place's volunteer, who serves at its "activity_past".
func helperQuery(w *apptest.World, wh apptest.Where) string {
	return fmt.Sprintf("?v=%d", w.Objects["volunteer"][wh])
}

func acDay(days int) string {
	return time.Now().In(locale.Zone).AddDate(0, 0, days).Format(time.DateOnly)
}

func init() {
	form := func(s string) func(*apptest.World, apptest.Where) string {
		return func(*apptest.World, apptest.Where) string { return s }
	}
	status := func(st string) func(p proofArgs) error {
		return func(p proofArgs) error {
			return want(p.count(`SELECT COUNT(*) FROM activity WHERE id = ? AND status = ?`, p.id, st) == 1, "the activity is not %s", st)
		}
	}
	signed := func(p proofArgs) error {
		return want(p.count(`SELECT COUNT(*) FROM activity_signup WHERE activity_id = ? AND person_id = ? AND status = 'accepted'`, p.id, acPerson(p.w, p.wh)) == 1 &&
			p.count(`SELECT COUNT(*) FROM activity WHERE id = ? AND accepted = 1`, p.id) == 1, "the person is not signed up")
	}
	withdrawn := func(p proofArgs) error {
		return want(p.count(`SELECT COUNT(*) FROM activity_signup WHERE activity_id = ? AND status = 'cancelled'`, p.id) == 1 &&
			p.count(`SELECT COUNT(*) FROM activity WHERE id = ? AND accepted = 0`, p.id) == 1, "the sign-up is not withdrawn")
	}
	attended := func(p proofArgs) error {
		return want(p.count(`SELECT COUNT(*) FROM activity_signup WHERE activity_id = ? AND attended_at <> 0`, p.id) == 1 &&
			p.count(`SELECT COUNT(*) FROM activity WHERE id = ? AND attended = 1 AND status = 'held'`, p.id) == 1, "not checked in")
	}
	personBody := func(w *apptest.World, wh apptest.Where) string { return fmt.Sprintf("person_id=%d", acPerson(w, wh)) }
	personJSON := func(w *apptest.World, wh apptest.Where) string {
		return fmt.Sprintf(`{"person_id":%d}`, acPerson(w, wh))
	}
	addMatrix(map[string]matrixEntry{
		"GET /activities":                    {allow: acStaff},
		"GET /activities/export":             {allow: acStaff},
		"GET /activities/new":                {allow: acManagers},
		"GET /activities/plan":               {allow: acStaff},
		"GET /activities/plan/export":        {allow: acStaff},
		"GET /activities/plan/new":           {allow: acManagers},
		"GET /activities/stats":              {allow: acStaff},
		"GET /activities/stats/export":       {allow: acStaff},
		"GET /activities/{id}":               {allow: acStaff, kind: "activity", reach: reachPartition},
		"GET /activities/{id}/roster":        {allow: acStaff, kind: "activity", reach: reachPartition},
		"GET /activities/{id}/roster/export": {allow: acStaff, kind: "activity", reach: reachPartition},
		"GET /activities/{id}/qr":            {allow: acStaff, kind: "activity", reach: reachPartition},
		"GET /activities/{id}/signup":        {allow: acStaff, kind: "activity", reach: reachPartition},
		"GET /activities/{id}/walkin":        {allow: acStaff, kind: "activity", reach: reachPartition},
		"GET /activities/{id}/publish":       {allow: acManagers, kind: "activity_draft", reach: reachActivityManager},
		"GET /activities/{id}/cancel":        {allow: acManagers, kind: "activity", reach: reachActivityManager},
		"GET /activities/{id}/summary":       {allow: acManagers, kind: "activity_past", reach: reachActivityManager},
		"GET /activities/{id}/report":        {allow: acManagers, kind: "activity_summarised", reach: reachActivityManager},
		"GET /activities/plan/{id}/delete":   {allow: acManagers, kind: "activity_plan", reach: reachActivityManager},

		"POST /activities/new": {allow: acManagers, scopedBody: true, reach: reachActivityManager, audit: "activities.create", auditOther: true,
			body: func(w *apptest.World, wh apptest.Where) string {
				return fmt.Sprintf("org_id=%d&title=矩阵活动&topic=law&format=lecture&day=%s&start=14:00&end=15:30&quota=20&publish=1", community(w, wh), acDay(20))
			},
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM activity WHERE title = '矩阵活动' AND community_id = ? AND status = 'published' AND quota = 20`,
					community(p.w, p.wh)) == 1, "no published activity in the community")
			}},
		"POST /activities/{id}/publish": {allow: acManagers, kind: "activity_draft", reach: reachActivityManager, audit: "activities.publish", proof: status("published")},
		"POST /activities/{id}/cancel": {allow: acManagers, kind: "activity", reach: reachActivityManager, audit: "activities.cancel", body: form("note=天气原因改期"),
			proof: status("cancelled")},
		"POST /activities/{id}/summary": {allow: acManagers, kind: "activity_past", reach: reachActivityManager, audit: "activities.summarise",
			body: form("summary=到场三十人，发放手册"), proof: status("summarised")},
		"POST /activities/{id}/report": {allow: acManagers, kind: "activity_summarised", reach: reachActivityManager, audit: "activities.report", proof: status("reported")},
		"POST /activities/{id}/signup": {allow: acStaff, kind: "activity", reach: reachPartition, audit: "activities.signup", body: personBody, proof: signed},
		"POST /activities/{id}/walkin": {allow: acStaff, kind: "activity", reach: reachPartition, audit: "activities.walkin", body: form("count=3"),
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM activity WHERE id = ? AND walkins = 3`, p.id) == 1, "no walk-ins recorded")
			}},
		"POST /activities/{id}/roster": {allow: acStaff, kind: "activity_signed", reach: reachPartition, audit: "activities.attend",
			body: func(w *apptest.World, wh apptest.Where) string { return personBody(w, wh) + "&present=1" }, proof: attended},
		"POST /activities/{id}/qr": {allow: acStaff, kind: "activity", reach: reachPartition, audit: "activities.rotate"},
		"POST /activities/plan/new": {allow: acManagers, scopedBody: true, reach: reachActivityManager, audit: "activities.plan_add", auditOther: true,
			body: func(w *apptest.World, wh apptest.Where) string {
				return fmt.Sprintf("org_id=%d&year=%d&kind=day&month=3&day=03-12&name=矩阵植树节", community(w, wh), time.Now().Year())
			},
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM activity_plan WHERE name = '矩阵植树节' AND community_id = ?`, community(p.w, p.wh)) == 1, "no plan entry")
			}},
		"POST /activities/plan/{id}/delete": {allow: acManagers, kind: "activity_plan", reach: reachActivityManager, audit: "activities.plan_delete",
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM activity_plan WHERE id = ?`, p.id) == 0, "the plan entry is still there")
			}},

		// The volunteers serving at an activity ("activity_past" has the
		// place's volunteer).
		"GET /activities/{id}/helpers/add": {allow: acStaff, kind: "activity", reach: reachPartition},
		"POST /activities/{id}/helpers/add": {allow: acStaff, kind: "activity", reach: reachPartition, audit: "activities.helper_add",
			body: func(w *apptest.World, wh apptest.Where) string {
				return fmt.Sprintf("volunteer_id=%d&role=摄影", w.Objects["volunteer"][wh])
			},
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM activity_helper WHERE activity_id = ? AND volunteer_id = ? AND role = '摄影'`, p.id,
					p.w.Objects["volunteer"][p.wh]) == 1, "the volunteer does not serve at the activity")
			}},
		"GET /activities/{id}/helper": {allow: acStaff, kind: "activity_past", reach: reachPartition, query: helperQuery},
		"POST /activities/{id}/helper": {allow: acStaff, kind: "activity_past", reach: reachPartition, query: helperQuery, audit: "activities.helper_checkout",
			body: func(*apptest.World, apptest.Where) string {
				d := acDay(-1)
				return "check_in=" + d + "T09:00&check_out=" + d + "T11:30"
			},
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM vol_record WHERE activity_id = ? AND volunteer_id = ? AND minutes = 150 AND status = 'confirmed'`, p.id,
					p.w.Objects["volunteer"][p.wh]) == 1, "no service record of 2.5 hours")
			}},

		"GET /activities/{id}/edit": {allow: acManagers, kind: "activity", reach: reachActivityManager},
		"POST /activities/{id}/edit": {allow: acManagers, kind: "activity", reach: reachActivityManager, audit: "activities.update",
			body: func(*apptest.World, apptest.Where) string {
				return "title=矩阵改名讲座&topic=law&format=lecture&day=" + acDay(14) + "&start=10:00&end=11:30&quota=25&place=会议室"
			},
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM activity WHERE id = ? AND title = '矩阵改名讲座' AND quota = 25 AND topic = 'law'`, p.id) == 1,
					"the activity is not changed")
			}},

		// A team signed up as a group (the fixture team's one member is an
		// outsider: skipped, the summary audited).
		"GET /activities/{id}/team": {allow: acStaff, kind: "activity", reach: reachPartition},
		"POST /activities/{id}/team": {allow: acStaff, kind: "activity", reach: reachPartition, audit: "activities.team_signup",
			body: func(w *apptest.World, wh apptest.Where) string {
				return fmt.Sprintf("team_id=%d", w.Objects["vol_team"][wh])
			}},

		// The portal: the fixture resident reaches no activity (see reachNone).
		"GET /portal/activities":                {allow: []string{"resident"}},
		"GET /portal/activities/checkin":        {allow: []string{"resident"}},
		"GET /portal/activities/{id}":           {allow: []string{"resident"}, kind: "activity", reach: reachNone},
		"POST /portal/activities/{id}/signup":   {allow: []string{"resident"}, kind: "activity", reach: reachNone, audit: "activities.signup"},
		"POST /portal/activities/{id}/cancel":   {allow: []string{"resident"}, kind: "activity_signed", reach: reachNone, audit: "activities.signup_cancel"},
		"POST /portal/activities/{id}/feedback": {allow: []string{"resident"}, kind: "activity", reach: reachNone, audit: "activities.feedback", body: form("satisfaction=5")},
		"POST /portal/activities/checkin": {allow: []string{"resident"}, scopedBody: true, reach: reachNone, audit: "activities.walkin", auditOther: true,
			body: func(w *apptest.World, wh apptest.Where) string {
				var tok string
				if err := w.DB.QueryRowContext(context.Background(), `SELECT checkin_token FROM activity WHERE id = ?`, w.Objects["activity"][wh]).Scan(&tok); err != nil {
					panic(err)
				}
				return "t=" + tok
			}},

		// The API.
		"GET /api/v1/activities":              {allow: acStaff},
		"GET /api/v1/activities/{id}":         {allow: acStaff, kind: "activity", reach: reachPartition},
		"GET /api/v1/activities/{id}/signups": {allow: acStaff, kind: "activity", reach: reachPartition},
		"POST /api/v1/activities": {allow: acManagers, scopedBody: true, reach: reachActivityManager, audit: "activities.create", auditOther: true,
			body: func(w *apptest.World, wh apptest.Where) string {
				d := acDay(21)
				return fmt.Sprintf(`{"org_id":%d,"title":"矩阵接口活动","starts_at":"%sT15:00:00+08:00","ends_at":"%sT16:00:00+08:00","quota":10,"publish":true}`, community(w, wh), d, d)
			},
			proof: func(p proofArgs) error {
				var got struct{ ID int64 }
				if err := json.Unmarshal([]byte(p.body), &got); err != nil || got.ID == 0 {
					return fmt.Errorf("the answer %q names no activity", p.body)
				}
				return want(p.count(`SELECT COUNT(*) FROM activity WHERE id = ? AND title = '矩阵接口活动' AND status = 'published'`, got.ID) == 1, "activity %d is not there", got.ID)
			}},
		"POST /api/v1/activities/{id}/publish": {allow: acManagers, kind: "activity_draft", reach: reachActivityManager, audit: "activities.publish", proof: status("published")},
		"POST /api/v1/activities/{id}/cancel": {allow: acManagers, kind: "activity", reach: reachActivityManager, audit: "activities.cancel", body: form(`{"note":"矩阵接口取消"}`),
			proof: status("cancelled")},
		"POST /api/v1/activities/{id}/summary": {allow: acManagers, kind: "activity_past", reach: reachActivityManager, audit: "activities.summarise",
			body: form(`{"summary":"矩阵接口小结","photos":[{"name":"合影.png","data":"iVBORw0KGgoAAAANSUhEUiBtYXRyaXg="}]}`),
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM activity WHERE id = ? AND status = 'summarised' AND summary = '矩阵接口小结'`, p.id) == 1 &&
					p.count(`SELECT COUNT(*) FROM activity_file WHERE activity_id = ? AND kind = 'photo' AND content_type = 'image/png'`, p.id) == 1,
					"no summary with its photo")
			}},

		// The summary's files (the fixture's photo 1): staff who see the
		// activity; residents only a summarised activity of their own
		// community (the fixture resident reaches none).
		"GET /activities/{id}/summary/files/{seq}": {allow: acStaff, kind: "activity_summarised", reach: reachPartition, params: map[string]string{"seq": "1"}},
		"GET /portal/activities/{id}/photos/{seq}": {allow: []string{"resident"}, kind: "activity_summarised", reach: reachNone, params: map[string]string{"seq": "1"}},

		"POST /api/v1/activities/{id}/signups": {allow: acJoin, kind: "activity", reach: reachPartition, audit: "activities.signup", body: personJSON, proof: signed},
		"POST /api/v1/activities/{id}/signups/cancel": {allow: acJoin, kind: "activity_signed", reach: reachPartition, audit: "activities.signup_cancel",
			body: personJSON, proof: withdrawn},
	})
}
