package app_test

import (
	"context"
	"fmt"
	"strings"

	"linli/internal/apptest"
)

// The volunteers module (志愿者): staff pages, the portal, the import and the
// JSON API.

// vlStaff read volunteers and record service; vlConfirmers confirm
// registrations and records and keep teams; vlImporters import registers.
var (
	vlStaff      = []string{"street_admin", "community_admin", "community_admin_c2", "social_worker", "grid_worker"}
	vlConfirmers = []string{"street_admin", "community_admin", "community_admin_c2", "social_worker"}
	vlImporters  = []string{"street_admin", "community_admin", "community_admin_c2"}
)

func init() {
	form := func(s string) func(*apptest.World, apptest.Where) string {
		return func(*apptest.World, apptest.Where) string { return s }
	}
	status := func(table, st string) func(p proofArgs) error {
		return func(p proofArgs) error {
			return want(p.count(`SELECT COUNT(*) FROM `+table+` WHERE id = ? AND status = ?`, p.id, st) == 1, "%s %s is not %s", table, p.id, st)
		}
	}
	member := func(w *apptest.World, wh apptest.Where) int64 {
		var id int64
		_ = w.DB.QueryRowContext(context.Background(), `SELECT id FROM vol_member WHERE team_id = ? AND left_on = ''`, w.Objects["vol_team"][wh]).Scan(&id)
		return id
	}
	addMatrix(map[string]matrixEntry{
		"GET /volunteers/assets/volunteers.css": {skip: "public stylesheet"},

		"GET /volunteers":                        {allow: vlStaff},
		"GET /volunteers/export":                 {allow: vlStaff},
		"GET /volunteers/new":                    {allow: vlStaff},
		"GET /volunteers/teams":                  {allow: vlStaff},
		"GET /volunteers/teams/export":           {allow: vlStaff},
		"GET /volunteers/teams/new":              {allow: vlConfirmers},
		"GET /volunteers/records":                {allow: vlStaff},
		"GET /volunteers/records/export":         {allow: vlStaff},
		"GET /volunteers/experts":                {allow: vlStaff},
		"GET /volunteers/experts/export":         {allow: vlStaff},
		"GET /volunteers/experts/new":            {allow: vlStaff},
		"GET /volunteers/bands":                  {allow: []string{"street_admin"}},
		"GET /volunteers/{id}":                   {allow: vlStaff, kind: "volunteer", reach: reachPartition},
		"GET /volunteers/{id}/info/edit":         {allow: vlStaff, kind: "volunteer", reach: reachPartition},
		"GET /volunteers/{id}/hours/new":         {allow: vlStaff, kind: "volunteer", reach: reachPartition},
		"GET /volunteers/{id}/team/join":         {allow: vlStaff, kind: "volunteer", reach: reachPartition},
		"GET /volunteers/{id}/status/confirm":    {allow: vlConfirmers, kind: "volunteer_pending", reach: reachPartition},
		"GET /volunteers/{id}/status/leave":      {allow: vlConfirmers, kind: "volunteer", reach: reachPartition},
		"GET /volunteers/{id}/certificate/print": {allow: vlConfirmers, kind: "volunteer", reach: reachPartition},
		"GET /volunteers/teams/{id}":             {allow: vlStaff, kind: "vol_team", reach: reachPartition},
		"GET /volunteers/teams/{id}/change":      {allow: vlConfirmers, kind: "vol_team", reach: reachPartition},
		"GET /volunteers/teams/{id}/add":         {allow: vlStaff, kind: "vol_team", reach: reachPartition},
		"GET /volunteers/teams/{id}/remove":      {allow: vlStaff, kind: "vol_team", reach: reachPartition},
		"GET /volunteers/records/{id}/accept":    {allow: vlConfirmers, kind: "vol_record", reach: reachPartition},
		"GET /volunteers/records/{id}/refuse":    {allow: vlConfirmers, kind: "vol_record", reach: reachPartition},

		"POST /volunteers/new": {allow: vlStaff, scopedBody: true, reach: reachPartition, audit: "volunteers.create", auditOther: true,
			body: func(w *apptest.World, wh apptest.Where) string {
				return fmt.Sprintf("community_id=%d&name=矩阵志愿者&phone=13900001111&skills=维修", community(w, wh))
			},
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM vol_volunteer WHERE name = '矩阵志愿者' AND community_id = ? AND phone_mask <> ''`, community(p.w, p.wh)) == 1,
					"no volunteer in the community")
			}},
		"POST /volunteers/{id}/info/edit": {allow: vlStaff, kind: "volunteer", reach: reachPartition, audit: "volunteers.update",
			body: form("name=矩阵改名&skills=矩阵新技能"),
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM vol_volunteer WHERE id = ? AND skills = '矩阵新技能'`, p.id) == 1, "the volunteer did not change")
			}},
		"POST /volunteers/{id}/hours/new": {allow: vlStaff, kind: "volunteer", reach: reachPartition, audit: "volunteers.record", auditOther: true,
			body: form("hours=1.5&what=矩阵服务&source=staff"),
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM vol_record WHERE volunteer_id = ? AND what = '矩阵服务' AND minutes = 90`, p.id) == 1, "no record of 90 minutes")
			}},
		"POST /volunteers/{id}/team/join": {allow: vlStaff, kind: "volunteer_pending", reach: reachPartition, audit: "volunteers.member_join", auditOther: true,
			body: func(w *apptest.World, wh apptest.Where) string {
				return fmt.Sprintf("team_id=%d", w.Objects["vol_team"][wh])
			},
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM vol_member WHERE volunteer_id = ? AND left_on = ''`, p.id) == 1, "the volunteer is in no team")
			}},
		"POST /volunteers/{id}/status/confirm":    {allow: vlConfirmers, kind: "volunteer_pending", reach: reachPartition, audit: "volunteers.confirm", proof: status("vol_volunteer", "confirmed")},
		"POST /volunteers/{id}/status/leave":      {allow: vlConfirmers, kind: "volunteer", reach: reachPartition, audit: "volunteers.leave", proof: status("vol_volunteer", "left")},
		"POST /volunteers/{id}/certificate/print": {allow: vlConfirmers, kind: "volunteer", reach: reachPartition, audit: "volunteers.certificate"},
		"POST /volunteers/teams/new": {allow: vlConfirmers, scopedBody: true, reach: reachPartition, audit: "volunteers.team_create", auditOther: true,
			body: func(w *apptest.World, wh apptest.Where) string {
				return fmt.Sprintf("community_id=%d&name=矩阵服务队&kind=service&target_size=20", community(w, wh))
			},
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM vol_team WHERE name = '矩阵服务队' AND community_id = ?`, community(p.w, p.wh)) == 1, "no team in the community")
			}},
		"POST /volunteers/teams/{id}/change": {allow: vlConfirmers, kind: "vol_team", reach: reachPartition, audit: "volunteers.team_update",
			body: form("name=矩阵改名队&kind=culture&target_size=30&schedule=每周一晚"),
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM vol_team WHERE id = ? AND name = '矩阵改名队' AND kind = 'culture'`, p.id) == 1, "the team did not change")
			}},
		"POST /volunteers/teams/{id}/add": {allow: vlStaff, kind: "vol_team", reach: reachPartition, audit: "volunteers.member_join",
			body: func(w *apptest.World, wh apptest.Where) string {
				return fmt.Sprintf("volunteer_id=%d", w.Objects["volunteer_pending"][wh])
			},
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM vol_member WHERE team_id = ? AND left_on = ''`, p.id) == 2, "the team has not two members")
			}},
		"POST /volunteers/teams/{id}/remove": {allow: vlStaff, kind: "vol_team", reach: reachPartition, audit: "volunteers.member_leave",
			body: func(w *apptest.World, wh apptest.Where) string { return fmt.Sprintf("member_id=%d", member(w, wh)) },
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM vol_member WHERE team_id = ? AND left_on <> ''`, p.id) == 1, "no membership ended")
			}},
		"POST /volunteers/records/{id}/accept": {allow: vlConfirmers, kind: "vol_record", reach: reachPartition, audit: "volunteers.record_confirm",
			proof: status("vol_record", "confirmed")},
		"POST /volunteers/records/{id}/refuse": {allow: vlConfirmers, kind: "vol_record", reach: reachPartition, audit: "volunteers.record_refuse",
			proof: status("vol_record", "refused")},
		"POST /volunteers/experts/new": {allow: vlStaff, scopedBody: true, reach: reachPartition, audit: "volunteers.expert_create", auditOther: true,
			body: func(w *apptest.World, wh apptest.Where) string {
				return fmt.Sprintf("community_id=%d&name=矩阵医生&phone=13800009999&field=medical&topics=慢病管理", community(w, wh))
			},
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM vol_expert WHERE name = '矩阵医生' AND community_id = ?`, community(p.w, p.wh)) == 1, "no expert in the community")
			}},
		"POST /volunteers/bands": {allow: []string{"street_admin"}, audit: "volunteers.bands", auditOther: true,
			body: func(w *apptest.World, _ apptest.Where) string {
				return fmt.Sprintf("street=%d&band_1=50&band_2=150&band_3=300&band_4=500&band_5=800", w.Street)
			},
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM vol_band WHERE community_id = ? AND stars = 1 AND min_minutes = 3000`, p.w.Street) == 1, "the street's bands are not set")
			}},

		// The portal: the fixture resident has no registry person, so their
		// registration is refused with a message; the flow is tested in
		// volunteers' own test with a resident who has one.
		"GET /portal/volunteer": {allow: []string{"resident"}},
		"POST /portal/volunteer": {allow: []string{"resident"}, body: form("skills=唱歌"),
			expect: &expected{status: 422, why: "the fixture resident has no registry person to register (volunteers' portal test registers one who has)"}},

		// The import.
		"GET /volunteers/import": {allow: vlImporters},
		"POST /volunteers/import": {allow: vlImporters, scopedBody: true, reach: reachCommunity, audit: "import.upload", body: func(w *apptest.World, wh apptest.Where) string {
			return fmt.Sprintf("community_id=%d", community(w, wh))
		}, file: ledgerFile("志愿者名册.csv", "姓名,联系电话\n矩阵志愿者,13900002222\n")},
		"GET /volunteers/import/{id}":        {allow: []string{"community_admin"}, kind: "upload_volunteers", reach: ownUpload},
		"POST /volunteers/import/{id}/check": {allow: []string{"community_admin"}, kind: "upload_volunteers", reach: ownUpload, proof: checkedAgain},
		"POST /volunteers/import/{id}/commit": {allow: []string{"community_admin"}, kind: "upload_volunteers", reach: ownUpload, audit: "volunteers.import", auditOther: true,
			proof: func(p proofArgs) error {
				if err := uploadState("committed")(p); err != nil {
					return err
				}
				return want(p.count(`SELECT COUNT(*) FROM vol_volunteer v JOIN vol_record r ON r.community_id = v.community_id AND r.volunteer_id = v.id AND r.minutes = 750
					WHERE v.skills = '矩阵导入特长' AND v.person_id IS NOT NULL`) == 1, "the register's volunteer and hours are not there")
			}},
		"GET /volunteers/import/{id}/report":   {allow: []string{"community_admin"}, kind: "upload_volunteers", reach: ownUpload},
		"POST /volunteers/import/{id}/discard": {allow: []string{"community_admin"}, kind: "upload_volunteers", reach: ownUpload, audit: "import.discard", proof: uploadGone},

		// The API.
		"GET /api/v1/volunteers":        {allow: vlStaff},
		"GET /api/v1/volunteer-experts": {allow: vlStaff},
		"GET /api/v1/volunteers/{id}":   {allow: vlStaff, kind: "volunteer", reach: reachPartition},
		"POST /api/v1/volunteers/{id}/records": {allow: vlStaff, kind: "volunteer", reach: reachPartition, audit: "volunteers.record", auditOther: true,
			body: form(`{"hours":"3","what":"矩阵接口服务"}`),
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM vol_record WHERE volunteer_id = ? AND what = '矩阵接口服务' AND minutes = 180`, p.id) == 1, "no record of 3 hours")
			}},

		// An outsider's full phone, with a reason: the page shows it (the
		// fixture outsiders' phones end 1, 2, 3 for A, B, D).
		"POST /volunteers/{id}/phone/reveal": {allow: vlConfirmers, kind: "volunteer", reach: reachPartition, body: form("reason=矩阵核对"), audit: "volunteers.reveal",
			proof: func(p proofArgs) error {
				phone := "1391234567" + map[apptest.Where]string{apptest.InA: "1", apptest.InB: "2", apptest.InD: "3"}[p.wh]
				return want(strings.Contains(p.body, phone), "the page does not show the full phone")
			}},
	})
}
