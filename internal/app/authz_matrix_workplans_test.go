package app_test

import (
	"fmt"
	"time"

	"linli/internal/apptest"
	"linli/internal/locale"
)

// Work plans and summaries (workplans): a community's leader reads and
// writes the community's own documents; the street reads its communities'
// (and writes only its own, which the fixtures do not hold: the store
// tests cover it).
var (
	wpReaders = []string{"street_admin", "community_admin", "community_admin_c2"}
	wpWriters = []string{"community_admin", "community_admin_c2"}
)

func init() {
	year := func() int { return time.Now().In(locale.Zone).Year() }
	orgQuery := func(w *apptest.World, wh apptest.Where) string { return fmt.Sprintf("?org=%d", community(w, wh)) }
	addMatrix(map[string]matrixEntry{
		"GET /workplans/assets/workplans.css": {skip: "public stylesheet"},
		"GET /workplans":                      {allow: wpReaders, scopedBody: true, reach: reachCommunity, query: orgQuery},
		"GET /api/v1/workplans":               {allow: wpReaders, scopedBody: true, reach: reachCommunity, query: orgQuery},
		"GET /workplans/new":                  {allow: wpWriters, scopedBody: true, reach: reachCommunity, query: orgQuery},
		"GET /workplans/summary":              {allow: wpWriters, scopedBody: true, reach: reachCommunity, query: orgQuery},
		"GET /workplans/{id}":                 {allow: wpReaders, kind: "work_plan", reach: reachCommunity},
		"GET /api/v1/workplans/{id}":          {allow: wpReaders, kind: "work_plan", reach: reachCommunity},
		"GET /workplans/{id}/print":           {allow: wpReaders, kind: "work_plan", reach: reachCommunity},
		"GET /workplans/{id}/export.docx":     {allow: wpReaders, kind: "work_plan", reach: reachCommunity},
		"GET /workplans/{id}/edit":            {allow: wpWriters, kind: "work_plan", reach: reachCommunity},
		"GET /workplans/{id}/tasks":           {allow: wpWriters, kind: "work_plan", reach: reachCommunity},
		"GET /workplans/{id}/month":           {allow: wpWriters, kind: "work_plan", reach: reachCommunity},
		"GET /workplans/tasks/{id}/edit":      {allow: wpWriters, kind: "work_task", reach: reachCommunity},
		"POST /workplans/new": {allow: wpWriters, scopedBody: true, reach: reachCommunity, audit: "workplans.create", auditOther: true,
			body: func(w *apptest.World, wh apptest.Where) string {
				return fmt.Sprintf("org=%d&year=%d&title=矩阵计划&doc_number=矩阵〔1〕号", community(w, wh), year()+1)
			},
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM work_plan WHERE community_id = ? AND title = '矩阵计划' AND kind = 'annual'`, community(p.w, p.wh)) == 1,
					"no annual plan in the community")
			}},
		"POST /workplans/summary": {allow: wpWriters, scopedBody: true, reach: reachCommunity, audit: "workplans.summarize", auditOther: true,
			body: func(w *apptest.World, wh apptest.Where) string {
				return fmt.Sprintf("org=%d&year=%d&confirm=1", community(w, wh), year())
			},
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM work_plan WHERE community_id = ? AND kind = 'summary' AND figures LIKE '%cases.received%'`, community(p.w, p.wh)) == 1,
					"no summary quoting the board in the community")
			}},
		"POST /workplans/{id}/edit": {allow: wpWriters, kind: "work_plan", reach: reachCommunity, audit: "workplans.edit",
			body: func(*apptest.World, apptest.Where) string {
				return "title=矩阵改名&doc_number=&state=final&heading_0=一、总体要求&text_0=矩阵正文&group=组长，矩阵组长，社区党委"
			},
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM work_plan WHERE id = ? AND title = '矩阵改名' AND state = 'final' AND sections LIKE '%矩阵正文%' AND leading_group LIKE '%矩阵组长%'`,
					p.id) == 1, "the plan was not rewritten")
			}},
		"POST /workplans/{id}/tasks": {allow: wpWriters, kind: "work_plan", reach: reachCommunity, audit: "workplans.task_add", auditOther: true,
			body: func(*apptest.World, apptest.Where) string {
				return "department=民政&content=矩阵任务&owner=李四&deadline=2030-01-31&status=todo"
			},
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM work_task WHERE plan_id = ? AND content = '矩阵任务'`, p.id) == 1, "no task on the plan")
			}},
		"POST /workplans/{id}/month": {allow: wpWriters, kind: "work_plan", reach: reachCommunity, audit: "workplans.month", auditOther: true,
			body: func(*apptest.World, apptest.Where) string { return "month=5&theme=矩阵主题" },
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM work_plan m JOIN work_task t ON t.community_id = m.community_id AND t.plan_id = m.id
					WHERE m.kind = 'monthly' AND m.month = 5 AND m.theme = '矩阵主题' AND t.content LIKE '%任务标记'`) == 1, "no May plan with the annual plan's May task")
			}},
		"POST /workplans/tasks/{id}/edit": {allow: wpWriters, kind: "work_task", reach: reachCommunity, audit: "workplans.task_edit",
			body: func(*apptest.World, apptest.Where) string {
				return "department=综治&content=矩阵改过的任务&owner=王五&deadline=&status=done"
			},
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM work_task WHERE id = ? AND status = 'done' AND done_at > 0 AND content = '矩阵改过的任务'`, p.id) == 1,
					"the task is not done")
			}},
	})
}
