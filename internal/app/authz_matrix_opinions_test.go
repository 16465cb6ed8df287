package app_test

import (
	"encoding/json"
	"fmt"
	"strings"

	"linli/internal/apptest"
)

// The opinions module (社情民意): staff pages, meetings, the digest, the
// resident portal and the JSON API. The anonymous portal pages are public
// and tested in the module's own portal test.

// opStaff read and record opinions in their scope.
var opStaff = []string{"street_admin", "community_admin", "community_admin_c2", "social_worker", "grid_worker"}

func init() {
	form := func(s string) func(*apptest.World, apptest.Where) string {
		return func(*apptest.World, apptest.Where) string { return s }
	}
	opinionCount := func(cond string) func(p proofArgs) error {
		return func(p proofArgs) error {
			return want(p.count(`SELECT COUNT(*) FROM op_opinion WHERE `+cond) >= 1, "no opinion where %s", cond)
		}
	}
	addMatrix(map[string]matrixEntry{
		"GET /opinions/assets/opinions.css": {skip: "public stylesheet"},
		"GET /portal/opinions/say":          {skip: "public: the anonymous opinion form; tested in opinions' portal test"},
		"POST /portal/opinions/say":         {skip: "public: anonymous submission with the pre-login CSRF token; tested in opinions' portal test"},
		"GET /portal/opinions/receipt":      {skip: "public: an anonymous visitor's answer by receipt code; tested in opinions' portal test"},

		"GET /opinions":                        {allow: opStaff},
		"GET /opinions/new":                    {allow: opStaff},
		"GET /opinions/meetings":               {allow: opStaff},
		"GET /opinions/meetings/new":           {allow: opStaff},
		"GET /opinions/digest":                 {allow: opStaff},
		"GET /opinions/digest/export":          {allow: opStaff},
		"GET /api/v1/opinions":                 {allow: opStaff},
		"GET /opinions/{id}":                   {allow: opStaff, kind: "op_opinion"},
		"GET /api/v1/opinions/{id}":            {allow: opStaff, kind: "op_opinion"},
		"GET /opinions/{id}/answer":            {allow: opStaff, kind: "op_opinion"},
		"GET /opinions/{id}/case":              {allow: opStaff, kind: "op_opinion"},
		"GET /opinions/{id}/close":             {allow: opStaff, kind: "op_opinion"},
		"GET /opinions/meetings/{id}/opinions": {allow: opStaff, kind: "op_meeting"},
		"GET /opinions/meetings/{id}/add":      {allow: opStaff, kind: "op_meeting"},

		"POST /opinions/new": {allow: opStaff, scopedBody: true, audit: "opinions.create", auditOther: true,
			body: func(w *apptest.World, wh apptest.Where) string {
				return fmt.Sprintf("place=g%d&source=door&category=environment&content=矩阵来访意见&raiser_phone=13600136000", grid(w, wh))
			},
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM op_opinion WHERE content = '矩阵来访意见' AND grid_id = ? AND raiser_phone_mask <> '' AND raiser_phone IS NOT NULL`,
					grid(p.w, p.wh)) == 1, "no opinion in the grid with its phone sealed")
			}},
		"POST /api/v1/opinions": {allow: opStaff, scopedBody: true, audit: "opinions.create", auditOther: true,
			body: func(w *apptest.World, wh apptest.Where) string {
				return fmt.Sprintf(`{"grid_id":%d,"source":"phone","category":"policy","content":"矩阵电话意见"}`, grid(w, wh))
			},
			proof: func(p proofArgs) error {
				var got struct{ ID int64 }
				if err := json.Unmarshal([]byte(p.body), &got); err != nil || got.ID == 0 {
					return fmt.Errorf("the answer %q names no opinion", p.body)
				}
				return want(p.count(`SELECT COUNT(*) FROM op_opinion WHERE id = ? AND content = '矩阵电话意见' AND source = 'phone'`, got.ID) == 1, "opinion %d is not there", got.ID)
			}},
		"POST /opinions/{id}/answer": {allow: opStaff, kind: "op_opinion", body: form("answer=已联系物业清理"), audit: "opinions.answer",
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM op_opinion WHERE id = ? AND status = 'answered' AND answer = '已联系物业清理'`, p.id) == 1, "the opinion is not answered")
			}},
		"POST /api/v1/opinions/{id}/answer": {allow: opStaff, kind: "op_opinion", body: form(`{"answer":"矩阵接口答复"}`), audit: "opinions.answer",
			proof: opinionCount("answer = '矩阵接口答复' AND status = 'answered'")},
		"POST /opinions/{id}/close": {allow: opStaff, kind: "op_opinion", body: form("note=已现场处理"), audit: "opinions.close",
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM op_opinion WHERE id = ? AND status = 'closed' AND closed_at IS NOT NULL`, p.id) == 1, "the opinion is not closed")
			}},
		"POST /opinions/{id}/case": {allow: opStaff, kind: "op_opinion", body: form("kind=request:sanitation&title=矩阵转诉求"), audit: "opinions.to_case",
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM op_opinion o JOIN cases c ON c.community_id = o.community_id AND c.id = o.case_id
					JOIN case_link l ON l.community_id = c.community_id AND l.case_id = c.id AND l.kind = 'opinion' AND l.ref_id = o.id
					WHERE o.id = ? AND o.status = 'case' AND c.title = '矩阵转诉求' AND c.type = 'request'`, p.id) == 1, "no linked request of the opinion")
			}},
		"POST /opinions/{id}/reveal": {allow: opStaff, kind: "op_opinion", audit: "opinions.reveal_phone", proof: func(p proofArgs) error {
			return want(strings.Contains(p.body, "13900139000"), "the page does not show the full phone number")
		}},
		"POST /opinions/meetings/new": {allow: opStaff, scopedBody: true, audit: "opinions.meeting_create", auditOther: true,
			body: func(w *apptest.World, wh apptest.Where) string {
				return fmt.Sprintf("place=g%d&kind=forum&title=矩阵座谈会&attendees=8", grid(w, wh))
			},
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM op_meeting WHERE title = '矩阵座谈会' AND grid_id = ?`, grid(p.w, p.wh)) == 1, "no meeting in the grid")
			}},
		"POST /opinions/meetings/{id}/add": {allow: opStaff, kind: "op_meeting", audit: "opinions.create", auditOther: true,
			body: form("0.category=culture&0.content=矩阵会上意见一&2.category=jobs&2.content=矩阵会上意见二&2.raiser_name=代表乙"),
			proof: func(p proofArgs) error {
				return want(p.count(`SELECT COUNT(*) FROM op_opinion WHERE meeting_id = ? AND content LIKE '矩阵会上意见%' AND source = 'meeting'`, p.id) == 2,
					"the meeting does not have both opinions")
			}},

		// The portal: a resident's own opinions only.
		"GET /portal/opinions":     {allow: []string{"resident"}},
		"GET /portal/opinions/new": {allow: []string{"resident"}},
		"POST /portal/opinions": {allow: []string{"resident"}, audit: "opinions.portal", auditOther: true, body: func(w *apptest.World, _ apptest.Where) string {
			return fmt.Sprintf("community_id=%d&category=other&content=矩阵网上意见", w.C1)
		}, proof: func(p proofArgs) error {
			return want(p.count(`SELECT COUNT(*) FROM op_opinion WHERE content = '矩阵网上意见' AND owner_user_id = ? AND source = 'portal'`, p.w.Users["resident"]) == 1,
				"no opinion of the resident's")
		}},
		"GET /portal/opinions/{id}": {allow: []string{"resident"}, kind: "op_portal", reach: ownRequest},
	})
}
