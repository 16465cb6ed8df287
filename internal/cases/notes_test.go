package cases_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"linli/internal/apptest"
	"linli/internal/cases"
	"linli/internal/db"
	"linli/internal/i18n"
)

// secret is in every internal note, staff file name, escalation reason and
// merge note below: it must reach no page or answer a resident or an Open311
// client reads.
const secret = "NB内部7Q3Z"

// Staff notes stay in the office. A resident's request moves through every
// kind of step with internal notes and replies to the resident; the resident's
// pages, the API as the resident and every Open311 answer carry the replies,
// the resident's own words, and none of the notes.
func TestInternalNotesStayInternal(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Cases
		srv := w.Server(t)
		leader := w.Principal(t, "community_admin")
		gw := w.Principal(t, "grid_worker")
		resident := w.Principal(t, "resident")
		leaderC := apptest.NewClient(t, srv.URL).Login("community_admin", apptest.Password)
		gwC := apptest.NewClient(t, srv.URL).Login("grid_worker", apptest.Password)
		resC := apptest.NewClient(t, srv.URL).Login("resident", apptest.Password)
		own := w.Objects["case_own"][apptest.InA]
		path := fmt.Sprintf("/cases/%d", own)
		replies := []string{"R1您的诉求已受理", "R2已安排工作人员上门查看", "R3楼道灯已更换", "R4灯具已订购", "R5已修好，请您评价"}

		// 受理 from the staff page: an internal note and a reply.
		resp, body := leaderC.PostForm(path+"/transition", url.Values{"action": {"accept"}, "note": {"受理。" + secret + " 先核实是否物业责任"}, "public_reply": {replies[0]}})
		if resp.StatusCode != 303 {
			t.Fatalf("accept: %d %.300s", resp.StatusCode, body)
		}
		// The forms say which text is which.
		if _, body := leaderC.Get(path); !strings.Contains(body, "办理意见（内部意见，居民看不到）") || !strings.Contains(body, `name="public_reply"`) ||
			!strings.Contains(body, "只有这段文字会显示给居民") || !strings.Contains(body, "补充说明（内部，居民看不到）") {
			t.Error("the staff forms do not tell the internal note from the reply")
		}
		// Too long a reply is refused, naming the field; nothing is saved.
		resp, _ = leaderC.PostForm(path+"/transition", url.Values{"action": {"dispatch"}, "assignee_id": {fmt.Sprint(w.Users["grid_worker"])},
			"public_reply": {strings.Repeat("长", cases.MaxReply+1)}})
		if resp.StatusCode != 303 {
			t.Fatalf("over-long reply: %d", resp.StatusCode)
		}
		if _, body = leaderC.Get(path); !strings.Contains(body, "“给居民的回复”不能超过 2000 个字") {
			t.Fatal("the case page does not name the over-long reply")
		}
		if c := stage(t, s, leader, own); c.Stage != "accepted" {
			t.Fatalf("half-saved: %s", c.Stage)
		}
		step(t, s, leader, own, cases.TransitionInput{Action: "dispatch", AssigneeID: w.Users["grid_worker"], Note: "请网格员刘洋今天下午到现场核实 " + secret, Reply: replies[1]})
		// A step the resident does not see takes no reply.
		var verrs *i18n.Errors
		if err := s.Transition(ctx, gw, own, cases.TransitionInput{Action: "return", Note: secret, Reply: "不该出现"}); !errors.As(err, &verrs) || verrs.For("public_reply") == "" {
			t.Fatalf("reply on an internal step: %v", err)
		}
		step(t, s, gw, own, cases.TransitionInput{Action: "return", Note: "不归网格管 " + secret})
		step(t, s, leader, own, cases.TransitionInput{Action: "return_reject", Note: "还是你去 " + secret})
		// 处置完成 from the page with a photo shown to the resident (its name is staff text).
		mp, ct := multipartBody(t, map[string]string{"_csrf": gwC.CSRF, "action": "handle", "f_outcome": "resolved", "note": "换了灯泡 " + secret,
			"public_reply": replies[2], "files_public": "1"}, map[string][]byte{"刘洋" + secret + ".png": apptest.TinyPNG})
		if resp, body := gwC.Do("POST", path+"/transition", mp, ct); resp.StatusCode != 303 {
			t.Fatalf("handle: %d %.300s", resp.StatusCode, body)
		}
		// A staff comment with a reply and an internal photo.
		mp, ct = multipartBody(t, map[string]string{"_csrf": leaderC.CSRF, "note": "物业推诿 " + secret, "public_reply": replies[3]},
			map[string][]byte{"内部" + secret + ".png": apptest.TinyPNG})
		if resp, body := leaderC.Do("POST", path+"/comment", mp, ct); resp.StatusCode != 303 {
			t.Fatalf("comment: %d %.300s", resp.StatusCode, body)
		}
		// A staff comment with nothing for the resident stays off their timeline.
		mustNil(t, s.Comment(ctx, leader, own, cases.CommentInput{Note: "只给同事看 " + secret}))
		step(t, s, leader, own, cases.TransitionInput{Action: "feedback", Fields: map[string]string{"channel": "portal"}, Note: "已电话告知 " + secret, Reply: replies[4]})
		mustNil(t, s.Escalate(ctx, leader, own, "居民情绪激动 "+secret))
		// The resident adds their own words and photo.
		mp, ct = multipartBody(t, map[string]string{"_csrf": resC.CSRF, "note": "居民自己的话：灯还是闪"}, map[string][]byte{"我拍的.png": apptest.TinyPNG})
		if resp, body := resC.Do("POST", fmt.Sprintf("/portal/requests/%d/comment", own), mp, ct); resp.StatusCode != 303 {
			t.Fatalf("resident comment: %d %.300s", resp.StatusCode, body)
		}
		// A duplicate of theirs is merged into it with a note.
		dup, err := s.Create(ctx, resident, cases.CreateInput{Type: "request", Category: "repair", Title: "楼道灯又坏了", CommunityID: w.C1})
		mustNil(t, err)
		mustNil(t, s.Merge(ctx, leader, dup, fmt.Sprint(own), "重复反映 "+secret))
		// An entry written before replies existed (bulk path, no reply) keeps its note internal.
		old := cases.BulkCase{Type: "request", Category: "repair", Stage: "accepted", Title: "旧诉求", Source: "portal", CommunityID: w.C1, Level: cases.LevelCommunity,
			HolderOrgID: w.C1, OwnerUserID: w.Users["resident"], CreatedAt: db.Now(), RespondDueAt: db.Now(), DueAt: db.Now() + 86_400_000, EscalateAt: db.Now() + 86_400_000,
			Events: []cases.BulkEvent{{At: db.Now(), ActorName: "李秀英", Kind: "transition", Action: "accept", From: "new", To: "accepted", Note: "旧意见 " + secret, Public: true}}}
		var oldIDs []int64
		mustNil(t, w.DB.InTx(ctx, func(tx *db.Tx) error {
			var err error
			oldIDs, err = cases.InsertBulk(ctx, tx, []cases.BulkCase{old})
			return err
		}))
		// The resident rates, with a remark.
		if resp, body := resC.PostForm(fmt.Sprintf("/portal/requests/%d/rate", own), url.Values{"rating": {"satisfied"}, "note": {"谢谢社区"}}); resp.StatusCode != 303 {
			t.Fatalf("rate: %d %.300s", resp.StatusCode, body)
		}

		// Everything a resident can read.
		var files []int64
		rows, err := w.DB.QueryContext(ctx, `SELECT id FROM case_file WHERE case_id = ? ORDER BY id`, own)
		mustNil(t, err)
		for rows.Next() {
			var id int64
			mustNil(t, rows.Scan(&id))
			files = append(files, id)
		}
		rows.Close()
		if len(files) != 3 {
			t.Fatalf("files: %v", files)
		}
		detail := ""
		for _, p := range []string{"/", "/portal/requests", "/portal/requests?q=" + url.QueryEscape("楼道"), fmt.Sprintf("/portal/requests/%d", own),
			fmt.Sprintf("/portal/requests/%d", dup), fmt.Sprintf("/portal/requests/%d", oldIDs[0]), "/api/v1/cases", fmt.Sprintf("/api/v1/cases/%d", own)} {
			resp, body := resC.Get(p)
			if strings.Contains(body, secret) {
				t.Errorf("the resident reads an internal note at %s (%d)", p, resp.StatusCode)
			}
			if p == fmt.Sprintf("/portal/requests/%d", own) {
				detail = body
			}
		}
		for _, want := range append(replies, "居民自己的话：灯还是闪", "我拍的.png", "谢谢社区", "照片-", "已办结") {
			if !strings.Contains(detail, want) {
				t.Errorf("the resident's page lacks %q", want)
			}
		}
		if strings.Contains(detail, "不该出现") || strings.Contains(detail, "退单") {
			t.Error("the resident sees an internal step")
		}
		for i, f := range files {
			resp, body := resC.Get(fmt.Sprintf("/case-files/%d", f))
			disp := resp.Header.Get("Content-Disposition")
			switch i {
			case 0: // the handler's photo, shown on purpose, under a neutral name
				if resp.StatusCode != 200 || strings.Contains(disp, url.PathEscape(secret)) || !strings.Contains(disp, url.PathEscape("照片-")) {
					t.Errorf("shown staff photo: %d %q", resp.StatusCode, disp)
				}
			case 1: // the comment's photo stays internal
				if resp.StatusCode != 404 || strings.Contains(body, secret) {
					t.Errorf("internal staff photo: %d", resp.StatusCode)
				}
			case 2: // the resident's own photo keeps its name
				if resp.StatusCode != 200 || !strings.Contains(disp, url.PathEscape("我拍的.png")) {
					t.Errorf("own photo: %d %q", resp.StatusCode, disp)
				}
			}
		}

		// Open311 answers carry only the latest reply.
		token, err := w.App.Auth.CreateAPIToken(ctx, leader, "open311", 0)
		mustNil(t, err)
		number := stage(t, s, leader, own).Number()
		anon := apptest.NewClient(t, srv.URL)
		for _, p := range []string{"/open311/v2/requests.json", "/open311/v2/requests.xml", "/open311/v2/requests.json?service_request_id=" + number,
			"/open311/v2/requests/" + number + ".json", "/open311/v2/requests/" + number + ".xml", "/open311/v2/requests.json?service_request_id=" + fmt.Sprint(dup)} {
			sep := "?"
			if strings.Contains(p, "?") {
				sep = "&"
			}
			resp, body := anon.Get(p + sep + "api_key=" + token)
			if resp.StatusCode != 200 || strings.Contains(body, secret) {
				t.Errorf("Open311 %s: %d, internal note: %v", p, resp.StatusCode, strings.Contains(body, secret))
			}
			if strings.HasSuffix(p, number+".json") && !strings.Contains(body, `"status_notes":"`+replies[4]+`"`) {
				t.Errorf("status_notes is not the latest reply: %s", body)
			}
			if strings.HasSuffix(p, number+".xml") && !strings.Contains(body, "<status_notes>"+replies[4]+"</status_notes>") {
				t.Errorf("status_notes (xml): %s", body)
			}
		}

		// Staff read both, told apart; the API carries both.
		_, body = leaderC.Get(path)
		for _, want := range []string{secret, replies[0], "内部意见", "给居民的回复", "居民留言"} {
			if !strings.Contains(body, want) {
				t.Errorf("the staff page lacks %q", want)
			}
		}
		_, body = leaderC.Get(fmt.Sprintf("/api/v1/cases/%d", own))
		if !strings.Contains(body, secret) || !strings.Contains(body, `"public_reply":"`+replies[1]+`"`) {
			t.Errorf("the staff API: %.600s", body)
		}
		// The JSON API takes a reply and refuses the retired "public" flag.
		resp, body = leaderC.JSON("POST", fmt.Sprintf("/api/v1/cases/%d/comments", own), `{"note":"内部","public":true}`)
		if resp.StatusCode != 422 || !strings.Contains(body, "public_reply") {
			t.Errorf("public:true: %d %s", resp.StatusCode, body)
		}
		resp, body = leaderC.JSON("POST", fmt.Sprintf("/api/v1/cases/%d/comments", own), `{"note":"内部`+secret+`","public_reply":"R6已回访"}`)
		if resp.StatusCode != 200 || !strings.Contains(body, `"public_reply":"R6已回访"`) {
			t.Errorf("API comment: %d %.300s", resp.StatusCode, body)
		}
		if _, body := resC.Get(fmt.Sprintf("/portal/requests/%d", own)); !strings.Contains(body, "R6已回访") || strings.Contains(body, secret) {
			t.Error("the API's reply is not on the portal, or its note is")
		}
		// The reply rides in the step's audited transaction.
		var n int
		mustNil(t, w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'case.transition' AND object_id = ? AND detail LIKE ?`,
			fmt.Sprint(own), `%"public_reply":true%`).Scan(&n))
		if n != 4 {
			t.Errorf("%d audited steps with a reply, want 4", n)
		}
	})
}
