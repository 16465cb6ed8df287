package app_test

import (
	"fmt"
	"net/url"

	"linli/internal/apptest"
)

// Campaigns (创建): every staff member of a community reads its campaigns
// (they belong to the community, not a grid); those who hold the whole
// community run them; the street keeps the templates, checks and accepts.
var (
	cmReaders = []string{"street_admin", "community_admin", "community_admin_c2", "social_worker", "grid_worker"}
	cmRunners = []string{"street_admin", "community_admin", "community_admin_c2"}
	cmStreet  = []string{"street_admin"}
)

func init() {
	form := func(v url.Values) func(*apptest.World, apptest.Where) string {
		return func(*apptest.World, apptest.Where) string { return v.Encode() }
	}
	scoreBody := func(veto string, extra url.Values) func(*apptest.World, apptest.Where) string {
		v := url.Values{"code": {"A1", "A2", "V1"}, "points_A1": {"60"}, "points_A2": {"40"}, "veto_V1": {veto}, "note_A1": {"矩阵评分"}}
		for k, x := range extra {
			v[k] = x
		}
		return form(v)
	}
	template := url.Values{"name": {"矩阵模板"}, "kind": {"campaign"}, "title": {"矩阵称号"}, "pass_score": {"50"}, "phases": {"动员部署｜03-31\n总结｜12-31"},
		"criteria": {"M1｜矩阵细则｜100｜｜照片\nMV｜矩阵否决项｜｜是｜证明"}}
	addMatrix(map[string]matrixEntry{
		"GET /campaigns":                     {allow: cmReaders},
		"GET /api/v1/campaigns":              {allow: cmReaders},
		"GET /campaigns/{id}":                {allow: cmReaders, kind: "campaign", reach: reachPartition},
		"GET /api/v1/campaigns/{id}":         {allow: cmReaders, kind: "campaign", reach: reachPartition},
		"GET /campaigns/evidence/{id}/file":  {allow: cmReaders, kind: "campaign_evidence", reach: reachPartition},
		"GET /campaigns/new":                 {allow: cmRunners},
		"GET /campaigns/templates":           {allow: cmStreet},
		"GET /campaigns/templates/{id}/edit": {allow: cmStreet, kind: "campaign_template", reach: reachAll},
		"GET /campaigns/{id}/group":          {allow: cmRunners, kind: "campaign", reach: reachCommunity},
		"GET /campaigns/{id}/tasks":          {allow: cmRunners, kind: "campaign", reach: reachCommunity},
		"GET /campaigns/{id}/evidence":       {allow: cmRunners, kind: "campaign", reach: reachCommunity},
		"GET /campaigns/{id}/self":           {allow: cmRunners, kind: "campaign", reach: reachCommunity},
		"GET /campaigns/{id}/check":          {allow: cmStreet, kind: "campaign_checkable", reach: reachCommunity},
		"GET /campaigns/{id}/accept":         {allow: cmStreet, kind: "campaign_checked", reach: reachCommunity},

		"POST /campaigns/new": {allow: cmRunners, scopedBody: true, reach: reachCommunity, audit: "campaigns.start", auditOther: true,
			body: func(w *apptest.World, wh apptest.Where) string {
				return fmt.Sprintf("template=%d:%d&year=2040", community(w, wh), w.Objects["campaign_template"][apptest.InA])
			},
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM campaign WHERE community_id = ? AND year = 2040 AND state = 'running'`, community(p.w, p.wh)) == 1,
					"no campaign of 2040 in the community")
			}},
		"POST /campaigns/templates": {allow: cmStreet, audit: "campaigns.template_add", auditOther: true,
			body: func(w *apptest.World, _ apptest.Where) string {
				v := url.Values{"street_id": {fmt.Sprint(w.Street)}}
				for k, x := range template {
					v[k] = x
				}
				return v.Encode()
			},
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM campaign_template WHERE community_id = ? AND name = '矩阵模板' AND pass_score = 50`, p.w.Street) == 1,
					"no template of the street")
			}},
		"POST /campaigns/templates/{id}/edit": {allow: cmStreet, kind: "campaign_template", reach: reachAll, audit: "campaigns.template_edit", body: form(template),
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM campaign_template WHERE id = ? AND name = '矩阵模板'`, p.id) == 1, "the template was not replaced")
			}},
		"POST /campaigns/{id}/group": {allow: cmRunners, kind: "campaign", reach: reachCommunity, audit: "campaigns.group",
			body: form(url.Values{"group": {"组长｜矩阵组长｜书记\n组员｜矩阵组员｜"}}),
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM campaign WHERE id = ? AND leaders LIKE '%矩阵组员%'`, p.id) == 1, "the leading group was not saved")
			}},
		"POST /campaigns/{id}/tasks": {allow: cmRunners, kind: "campaign", reach: reachCommunity, audit: "campaigns.task_add", auditOther: true,
			body: form(url.Values{"title": {"矩阵任务"}, "department": {"综治办"}, "owner": {"张三"}, "deadline": {"2040-01-31"}, "criterion": {"A1"}}),
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM campaign_task WHERE campaign_id = ? AND title = '矩阵任务' AND origin = 'plan'`, p.id) == 1, "no task")
			}},
		"POST /campaigns/tasks/{id}/done": {allow: cmRunners, kind: "campaign_task", reach: reachCommunity, audit: "campaigns.task_done",
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM campaign_task WHERE id = ? AND done_at > 0`, p.id) == 1, "the task is not done")
			}},
		"POST /campaigns/{id}/evidence": {allow: cmRunners, kind: "campaign", reach: reachCommunity, audit: "campaigns.evidence", auditOther: true,
			body: form(url.Values{"criterion": {"A2"}, "note": {"矩阵佐证"}}),
			file: func(*apptest.World, apptest.Where) (string, string) {
				return "矩阵.png", string(apptest.CampaignPhoto)
			},
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM campaign_evidence WHERE campaign_id = ? AND note = '矩阵佐证' AND content_type = 'image/png' AND kind = 'file'`, p.id) == 1,
					"no photo as evidence")
			}},
		"POST /campaigns/{id}/self": {allow: cmRunners, kind: "campaign", reach: reachCommunity, audit: "campaigns.self_check", body: scoreBody("pass", nil),
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM campaign c JOIN campaign_score s ON s.community_id = c.community_id AND s.campaign_id = c.id
					WHERE c.id = ? AND c.state = 'self_checked' AND s.stage = 'self'`, p.id) == 3, "no self-check of the three criteria")
			}},
		"POST /campaigns/{id}/check": {allow: cmStreet, kind: "campaign_checkable", reach: reachCommunity, audit: "campaigns.check",
			body: scoreBody("fail", url.Values{"findings": {"V1｜矩阵问题｜2040-06-30"}}),
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM campaign_task WHERE campaign_id = ? AND origin = 'rectification' AND title = '矩阵问题' AND deadline = '2040-06-30'`, p.id) == 1 &&
					p.count(`SELECT COUNT(*) FROM campaign_score WHERE campaign_id = ? AND stage = 'check' AND veto_failed = TRUE`, p.id) == 1,
					"the finding is no rectification task, or the veto item's failure was not kept")
			}},
		"POST /campaigns/{id}/accept": {allow: cmStreet, kind: "campaign_checked", reach: reachCommunity, audit: "campaigns.accept",
			body: form(url.Values{"title": {"矩阵称号"}, "valid_until": {"2040-12-31"}, "reexam_on": {"2039-12-31"}}),
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM campaign WHERE id = ? AND state = 'accepted' AND title_awarded = '矩阵称号'`, p.id) == 1, "not accepted with its title")
			}},
	})
}
