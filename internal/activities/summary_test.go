package activities_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"linli/internal/activities"
	"linli/internal/apptest"
	"linli/internal/auth"
)

// testPNG is a small real photo.
func testPNG(t *testing.T, shade uint8) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 32, 24))
	for x := 0; x < 32; x++ {
		for y := 0; y < 24; y++ {
			img.Set(x, y, color.RGBA{shade, uint8(x * 8), uint8(y * 10), 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var testPDF = []byte("%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")

type upload struct {
	field, name string
	data        []byte
}

// postSummary sends the summary form as a phone's browser does: multipart.
func postSummary(t *testing.T, c *apptest.Client, id int64, text string, remove []int, files ...upload) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("_csrf", c.CSRF)
	_ = mw.WriteField("summary", text)
	for _, r := range remove {
		_ = mw.WriteField("remove", fmt.Sprint(r))
	}
	for _, f := range files {
		fw, err := mw.CreateFormFile(f.field, f.name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(f.data)
	}
	_ = mw.Close()
	return c.Do("POST", fmt.Sprintf("/activities/%d/summary", id), &buf, mw.FormDataContentType())
}

type summaryRow struct {
	status, summary string
	files           int
}

func summaryOf(t *testing.T, w *apptest.World, id int64) summaryRow {
	t.Helper()
	var r summaryRow
	ctx := context.Background()
	if err := w.DB.QueryRowContext(ctx, `SELECT status, summary FROM activity WHERE id = ?`, id).Scan(&r.status, &r.summary); err != nil {
		t.Fatal(err)
	}
	if err := w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM activity_file WHERE activity_id = ?`, id).Scan(&r.files); err != nil {
		t.Fatal(err)
	}
	return r
}

// The summary (小结) with a photo and a PDF: stored, shown on the page with
// the participants' feedback, served with their type from their bytes (the
// photo inline, the PDF as a download) and only to those who see the
// activity; a bad file or too many photos refuse everything; an edit adds
// and removes files and says which it removed; the residents see the
// photos, not the materials; the month still counts one summary.
func TestSummaryPhotosMaterials(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		s := w.App.Activities
		srv := w.Server(t)
		leader := apptest.NewClient(t, srv.URL).Login("community_admin", apptest.Password)
		start := soon(30 * time.Minute)
		id := newActivity(t, w, "垃圾分类宣传", 30, start)
		bad := newActivity(t, w, "消防演练", 30, start)
		many := newActivity(t, w, "义诊", 30, start)
		staff := w.Principal(t, "community_admin")
		f0, err := s.Stats(ctx, staff, start.Year(), 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		// One participant's feedback.
		personA := w.Objects["person"][apptest.InA]
		if _, err := s.SignUp(ctx, staff, id, personA); err != nil {
			t.Fatal(err)
		}
		if _, err := w.DB.ExecContext(ctx, `UPDATE activity_signup SET attended_at = 1, satisfaction = 4, feedback = '希望多办' WHERE activity_id = ?`, id); err != nil {
			t.Fatal(err)
		}
		s.Now = func() time.Time { return start.Add(2 * time.Hour) }
		defer func() { s.Now = nil }()

		photo := testPNG(t, 10)
		resp, out := postSummary(t, leader, id, "发放宣传册两百份", nil, upload{"photos", "现场.jpg", photo}, upload{"materials", "讲义.pdf", testPDF})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("summary: %d %s", resp.StatusCode, out)
		}
		if got := summaryOf(t, w, id); got.status != activities.StatusSummarised || got.summary != "发放宣传册两百份" || got.files != 2 {
			t.Fatalf("after the summary: %+v", got)
		}
		_, page := leader.Get(fmt.Sprintf("/activities/%d", id))
		for _, want := range []string{`id="summary-photos"`, fmt.Sprintf(`<img src="/activities/%d/summary/files/1"`, id), fmt.Sprintf(`href="/activities/%d/summary/files/2"`, id),
			"讲义.pdf", "满意度平均 4.0 分（1 人评价）", "希望多办", "发放宣传册两百份", "修改小结"} {
			if !strings.Contains(page, want) {
				t.Errorf("the activity's page lacks %q", want)
			}
		}
		// The photo: its type from its bytes (named .jpg, a PNG), inline.
		resp, body := leader.Get(fmt.Sprintf("/activities/%d/summary/files/1", id))
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || body != string(photo) ||
			resp.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "inline") ||
			!strings.Contains(resp.Header.Get("Content-Disposition"), "%E7%8E%B0%E5%9C%BA.png") {
			t.Fatalf("photo: %d %v", resp.StatusCode, resp.Header)
		}
		resp, body = leader.Get(fmt.Sprintf("/activities/%d/summary/files/2", id))
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || body != string(testPDF) ||
			resp.Header.Get("Content-Disposition") != "attachment; filename*=UTF-8''%E8%AE%B2%E4%B9%89.pdf" {
			t.Fatalf("material: %d %v", resp.StatusCode, resp.Header)
		}
		// Another community's leader: not found, as is a file not there.
		other := apptest.NewClient(t, srv.URL).Login("community_admin_c2", apptest.Password)
		if resp, _ := other.Get(fmt.Sprintf("/activities/%d/summary/files/1", id)); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("another community's photo: %d", resp.StatusCode)
		}
		if resp, _ := leader.Get(fmt.Sprintf("/activities/%d/summary/files/9", id)); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("no such file: %d", resp.StatusCode)
		}

		// An HTML page named .jpg beside a good photo: refused, naming it;
		// nothing saved.
		resp, out = postSummary(t, leader, bad, "演练顺利", nil, upload{"photos", "好照片.png", photo},
			upload{"photos", "evil.jpg", []byte("<html><script>alert(1)</script></html>")})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(out, "evil.jpg") || !strings.Contains(out, "第 2 张照片") {
			t.Fatalf("HTML as a photo: %d %s", resp.StatusCode, out)
		}
		if got := summaryOf(t, w, bad); got.status != activities.StatusPublished || got.summary != "" || got.files != 0 {
			t.Fatalf("after a refused file: %+v", got)
		}
		// Ten photos: refused, nothing saved.
		var ten []upload
		for i := range 10 {
			ten = append(ten, upload{"photos", fmt.Sprintf("p%d.png", i), testPNG(t, uint8(i))})
		}
		resp, out = postSummary(t, leader, many, "义诊八十人", nil, ten...)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(out, "照片最多 9 张") {
			t.Fatalf("ten photos: %d %s", resp.StatusCode, out)
		}
		if got := summaryOf(t, w, many); got.status != activities.StatusPublished || got.files != 0 {
			t.Fatalf("after too many photos: %+v", got)
		}

		// An edit removes the photo (and says so) and adds another; the
		// new one takes a number never used before.
		resp, out = postSummary(t, leader, id, "发放宣传册两百份，居民踊跃", []int{1}, upload{"photos", "合影.png", testPNG(t, 99)})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("edit: %d %s", resp.StatusCode, out)
		}
		if _, page := leader.Get(resp.Header.Get("Location")); !strings.Contains(page, "删除了 1 个文件：现场.png") {
			t.Errorf("the flash does not name the removed file")
		}
		files, err := s.Files(ctx, &activities.Activity{ID: id, CommunityID: w.C1})
		if err != nil || len(files) != 2 || files[0].Seq != 3 || files[0].Name != "合影.png" || files[1].Seq != 2 {
			t.Fatalf("files after the edit: %v %+v", err, files)
		}
		if resp, _ := leader.Get(fmt.Sprintf("/activities/%d/summary/files/1", id)); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("a removed photo: %d", resp.StatusCode)
		}
		// Removing a file that is not there refuses the edit.
		if resp, out := postSummary(t, leader, id, "再改", []int{1}); resp.StatusCode != http.StatusUnprocessableEntity || summaryOf(t, w, id).summary == "再改" {
			t.Fatalf("removing a file not there: %d %s", resp.StatusCode, out)
		}

		// The API: a summary with a photo; its GET lists the files.
		b, _ := json.Marshal(map[string]any{"summary": "接口小结", "photos": []map[string]string{{"name": "a.png", "data": base64.StdEncoding.EncodeToString(photo)}}})
		resp, out = leader.JSON("POST", fmt.Sprintf("/api/v1/activities/%d/summary", many), string(b))
		if resp.StatusCode != 200 || !strings.Contains(out, fmt.Sprintf(`"url":"/activities/%d/summary/files/1"`, many)) || !strings.Contains(out, `"kind":"photo"`) {
			t.Fatalf("API summary: %d %s", resp.StatusCode, out)
		}
		if resp, out := leader.JSON("POST", fmt.Sprintf("/api/v1/activities/%d/summary", bad), `{"summary":"x","photos":[{"name":"b.png","data":"不是"}]}`); resp.StatusCode != 422 ||
			!strings.Contains(out, "b.png") {
			t.Fatalf("API bad base64: %d %s", resp.StatusCode, out)
		}
		if resp, out := leader.JSON("GET", fmt.Sprintf("/api/v1/activities/%d", id), ""); resp.StatusCode != 200 || !strings.Contains(out, `"name":"讲义.pdf"`) {
			t.Fatalf("API get: %d %s", resp.StatusCode, out)
		}

		// A resident of community 1 sees the summarised activity's photos,
		// not its materials, nor the photos of one not summarised.
		if _, err := w.App.Auth.CreateUser(ctx, auth.System("test"), auth.NewUser{Username: "sum_resident", DisplayName: "王阿姨", Password: apptest.Password,
			Roles: []auth.Role{auth.RoleResident}, PersonID: personA, MFAExempt: true}); err != nil {
			t.Fatal(err)
		}
		res := apptest.NewClient(t, srv.URL).Login("sum_resident", apptest.Password)
		if _, page := res.Get(fmt.Sprintf("/portal/activities/%d", id)); !strings.Contains(page, fmt.Sprintf(`/portal/activities/%d/photos/3`, id)) ||
			strings.Contains(page, "讲义.pdf") {
			t.Fatalf("portal page: %s", page)
		}
		if resp, _ := res.Get(fmt.Sprintf("/portal/activities/%d/photos/3", id)); resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("portal photo: %d", resp.StatusCode)
		}
		if resp, _ := res.Get(fmt.Sprintf("/portal/activities/%d/photos/2", id)); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("portal material: %d", resp.StatusCode)
		}
		if resp, _ := res.Get(fmt.Sprintf("/portal/activities/%d/photos/1", bad)); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("portal photo of an activity not summarised: %d", resp.StatusCode)
		}

		// 有小结: two activities summarised (one edited twice, with files).
		f, err := s.Stats(ctx, staff, start.Year(), 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		mi := int(start.Month()) - 1
		if f.Months[mi].Summarised != f0.Months[mi].Summarised+2 {
			t.Fatalf("summarised: %d, was %d", f.Months[mi].Summarised, f0.Months[mi].Summarised)
		}
	})
}
