package cases_test

import (
	"context"
	"fmt"
	"html"
	"regexp"
	"slices"
	"strings"
	"testing"

	"linli/internal/apptest"
	"linli/internal/uploads"
)

// The portal's form names its fields in its errors as it labels them, and its
// upload offers, promises and takes the same types: photos, PDF, Word, Excel.
func TestPortalFormAgreesWithItself(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		srv := w.Server(t)
		res := apptest.NewClient(t, srv.URL).Login("resident", apptest.Password)
		_, page := res.Get("/portal/requests/new")
		accept := regexp.MustCompile(`<input type="file" name="files" multiple accept="([^"]*)"`).FindStringSubmatch(page)
		if len(accept) < 2 || html.UnescapeString(accept[1]) != uploads.DocumentAccept {
			t.Fatalf("the portal's upload accepts %q, not %q", accept, uploads.DocumentAccept)
		}
		// The staff's forms offer the same: the camera form photos only.
		inputs := regexp.MustCompile(`<input type="file" name="files"[^>]*>`)
		for user, path := range map[string]string{
			"community_admin": "/cases/new",
			"grid_worker":     "/cases/new",
			"street_admin":    fmt.Sprintf("/cases/%d", w.Objects["case"][apptest.InA]),
		} {
			_, staffPage := apptest.NewClient(t, srv.URL).Login(user, apptest.Password).Get(path)
			found := inputs.FindAllString(staffPage, -1)
			if len(found) == 0 {
				t.Fatalf("%s %s: no upload", user, path)
			}
			for _, in := range found {
				in = html.UnescapeString(in)
				if !strings.Contains(in, `accept="`+uploads.DocumentAccept+`"`) && !(strings.Contains(in, "capture") && strings.Contains(in, `accept="`+uploads.PhotoAccept+`"`)) {
					t.Errorf("%s %s: an upload offers other types than the server takes: %s", user, path, in)
				}
			}
		}
		for _, ext := range []string{".pdf", ".doc", ".docx", ".xls", ".xlsx", ".jpg", ".png"} {
			if !slices.Contains(strings.Split(uploads.DocumentAccept, ","), ext) {
				t.Errorf("the upload does not offer %s, which the hint promises", ext)
			}
		}
		if !strings.Contains(page, "PDF") || !strings.Contains(page, "Word") {
			t.Error("the hint does not name the documents the upload takes")
		}

		// No title: the error names the field as labelled, 反映的问题.
		fields := map[string]string{"_csrf": res.CSRF, "category": "repair", "community_id": fmt.Sprint(w.C1), "title": ""}
		body, ct := multipartBody(t, fields, nil)
		resp, page := res.Do("POST", "/portal/requests", body, ct)
		if resp.StatusCode != 422 || !strings.Contains(page, "请填写“反映的问题”") || strings.Contains(page, "标题") {
			t.Fatalf("portal without a title: %d, errors name the field otherwise", resp.StatusCode)
		}
		// A document posing as a PDF is refused by its bytes, with its name.
		fields["title"] = "楼道堆物"
		body, ct = multipartBody(t, fields, map[string][]byte{"物业回复.pdf": []byte("MZ\x90\x00 not a pdf")})
		resp, page = res.Do("POST", "/portal/requests", body, ct)
		if resp.StatusCode != 422 || !strings.Contains(page, "文件“物业回复.pdf”不是可接受的类型") {
			t.Fatalf("a program named .pdf: %d", resp.StatusCode)
		}
		// A real PDF goes in and comes back to the resident as a download.
		body, ct = multipartBody(t, fields, map[string][]byte{"物业回复.pdf": []byte("%PDF-1.4\n%%EOF\n")})
		if resp, page := res.Do("POST", "/portal/requests", body, ct); resp.StatusCode != 303 {
			t.Fatalf("portal with a PDF: %d %.300s", resp.StatusCode, page)
		}
		var file int64
		mustNil(t, w.DB.QueryRowContext(context.Background(), `SELECT f.id FROM case_file f JOIN cases c ON c.community_id = f.community_id AND c.id = f.case_id WHERE c.title = '楼道堆物'`).Scan(&file))
		resp, data := res.Get(fmt.Sprintf("/case-files/%d", file))
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") ||
			resp.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(data, "%PDF") {
			t.Fatalf("PDF served as %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
		}
	})
}
