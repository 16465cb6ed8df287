package importflow_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"linli/internal/apptest"
	"linli/internal/importexport"
	"linli/internal/importflow"
)

func upload(t *testing.T, c *apptest.Client, path, community, name, body string) (*http.Response, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("_csrf", c.CSRF)
	mw.WriteField("community_id", community)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write([]byte(body))
	mw.Close()
	return c.Do("POST", path, &buf, mw.FormDataContentType())
}

// waitDone polls the upload page until no run is under way. The page must be
// the upload's own (status 200): an error page is no sign of a finished run.
// The wait is long because a loaded machine may be slow; it is not a timing
// assertion.
func waitDone(t *testing.T, c *apptest.Client, page string) string {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		resp, body := c.Get(page)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s while waiting for the run: %d\n%s", page, resp.StatusCode, mainOf(body))
		}
		if !strings.Contains(body, `id="import-running"`) {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("the run did not finish; the page says:\n%s", mainOf(body))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// mainOf is the main part of a page, for failure messages.
func mainOf(body string) string {
	if i := strings.Index(body, "<main"); i >= 0 {
		return body[i:]
	}
	return body
}

func TestUploadMapCheckCommitOverHTTP(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		srv := w.Server(t)
		c := apptest.NewClient(t, srv.URL).Login("community_admin", apptest.Password)
		comm := itoa(w.C1)
		// The grid column's header is one the detector does not know.
		csv := "楼栋台账\n楼号,房号,片区,面积\n9幢,101,网格甲A,50\n9幢,102,网格甲A,\n9幢,103,没有这个网格,\n"
		resp, _ := upload(t, c, "/places/import", comm, "ledger.csv", csv)
		if resp.StatusCode != 303 {
			t.Fatalf("upload: %d", resp.StatusCode)
		}
		page := resp.Header.Get("Location")
		_, body := c.Get(page)
		if !strings.Contains(body, `data-header="片区"`) || !strings.Contains(body, `id="mapping-form"`) {
			t.Fatal("mapping page does not show the unknown column")
		}
		col := regexp.MustCompile(`name="(col_\d+)" data-header="片区"`).FindStringSubmatch(body)[1]
		// Map 片区 to the grid and check.
		form := url.Values{col: {"grid"}, "col_0": {"building"}, "col_1": {"room"}, "col_3": {"area"}}
		if resp, _ := c.PostForm(page+"/check", form); resp.StatusCode != 303 {
			t.Fatalf("check: %d", resp.StatusCode)
		}
		body = waitDone(t, c, page)
		if !strings.Contains(body, "有问题 1 行") || !strings.Contains(body, "没有这个网格") || strings.Contains(body, `id="commit-button"`) {
			t.Fatalf("check result:\n%s", mainOf(body))
		}
		// The report is an xlsx.
		if resp, rep := c.Get(page + "/report"); resp.StatusCode != 200 || !strings.HasPrefix(rep, "PK") {
			t.Fatalf("report: %d", resp.StatusCode)
		}
		// Committing with a bad row is refused.
		if resp, _ := c.PostForm(page+"/commit", nil); resp.StatusCode != 409 {
			t.Fatalf("commit with bad rows: %d", resp.StatusCode)
		}
		// Another account, even with the permission, cannot see the upload.
		other := apptest.NewClient(t, srv.URL).Login("street_admin", apptest.Password)
		if resp, _ := other.Get(page); resp.StatusCode != 404 {
			t.Fatalf("someone else's upload: %d", resp.StatusCode)
		}

		// A clean file goes through.
		good := "楼号,房号,网格\n9幢,101,网格甲A\n9幢,102,网格甲A\n"
		resp, _ = upload(t, c, "/places/import", comm, "good.csv", good)
		page = resp.Header.Get("Location")
		c.PostForm(page+"/check", nil)
		body = waitDone(t, c, page)
		if !strings.Contains(body, `id="commit-button"`) || !strings.Contains(body, "新建楼栋：1") {
			t.Fatal("clean check must offer the commit")
		}
		c.PostForm(page+"/commit", nil)
		body = waitDone(t, c, page)
		if !strings.Contains(body, `id="import-committed"`) {
			t.Fatalf("commit did not finish; the page says:\n%s", mainOf(body))
		}
		w.App.Imports.Wait()
		var n int
		if err := w.DB.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM dwelling d JOIN building b ON b.community_id = d.community_id AND b.id = d.building_id WHERE b.name = '9幢'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Fatalf("dwellings after commit: %d", n)
		}
	})
}

func TestBrokenFilesAreRefusedAtUpload(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		srv := w.Server(t)
		c := apptest.NewClient(t, srv.URL).Login("community_admin", apptest.Password)
		var before int
		w.DB.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM import_upload`).Scan(&before)
		for name, body := range map[string]string{
			"old.xls":     "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + strings.Repeat("\x00", 600),
			"broken.xlsx": "PK\x03\x04 not really a zip",
			"empty.csv":   "",
			"photo.jpg":   "\xff\xd8\xff\xe0",
		} {
			resp, page := upload(t, c, "/places/import", itoa(w.C1), name, body)
			if resp.StatusCode != 422 || !strings.Contains(page, "class=\"ferr\"") {
				t.Errorf("%s: %d", name, resp.StatusCode)
			}
		}
		var n int
		w.DB.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM import_upload`).Scan(&n)
		if n != before {
			t.Fatalf("refused files were staged: %d new", n-before)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestProblemsGroupedByKind: a problem hitting every row shows as one line
// with its exact count (even past the problems kept), before the rows, on
// the page and in the report.
func TestProblemsGroupedByKind(t *testing.T) {
	var r importflow.Result
	for row := 2; row < importflow.MaxProblemsKept+52; row++ {
		r.AddProblem(importexport.Problem{Row: row, Column: "D 列（网格）", Reason: "第 " + strconv.Itoa(row) + " 行的网格不存在", Kind: "grid_unknown"})
		if row%1000 == 0 {
			r.AddProblem(importexport.Problem{Row: row, Column: "F 列（标签）", Reason: "找不到分组“甲”", Kind: "tag_unknown"})
			r.AddProblem(importexport.Problem{Row: row, Column: "F 列（标签）", Reason: "找不到分组“乙”", Kind: "tag_unknown"}) // same row: counted once
		}
	}
	r.AddProblem(importexport.Problem{Row: 7, Column: "C 列（身份证号）", Reason: "校验位不正确"}) // no kind: grouped by message
	r.AddProblem(importexport.Problem{Row: 8, Column: "C 列（身份证号）", Reason: "校验位不正确"})
	if len(r.Problems) != importflow.MaxProblemsKept {
		t.Fatalf("%d problems kept", len(r.Problems))
	}
	g := r.SortedGroups()
	if len(g) != 3 || g[0].Column != "D 列（网格）" || g[0].Rows != importflow.MaxProblemsKept+50 || g[0].FirstRow != 2 || g[0].Reason != "第 2 行的网格不存在" ||
		g[1].Rows != 100 || g[1].Column != "F 列（标签）" || g[2].Rows != 2 || g[2].FirstRow != 7 {
		t.Fatalf("%+v", g)
	}

	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		srv := w.Server(t)
		c := apptest.NewClient(t, srv.URL).Login("community_admin", apptest.Password)
		var csv strings.Builder
		csv.WriteString("楼号,房号,网格,面积,用途\n")
		for i := 0; i < 30; i++ {
			fmt.Fprintf(&csv, "9幢,%d,网格甲A,很大,住宅\n", 101+i)
		}
		csv.WriteString("9幢,201,网格甲A,50,仓库\n")
		resp, _ := upload(t, c, "/places/import", itoa(w.C1), "ledger.csv", csv.String())
		page := resp.Header.Get("Location")
		c.PostForm(page+"/check", nil)
		body := waitDone(t, c, page)
		groups := regexp.MustCompile(`(?s)<table class="list small" id="problem-groups">.*?</table>`).FindString(body)
		if groups == "" || !strings.Contains(groups, "D 列（面积）</td><td data-label=\"行数\">30</td>") ||
			!strings.Contains(groups, "如第 2 行：") || !strings.Contains(groups, "E 列（用途）</td><td data-label=\"行数\">1</td>") ||
			strings.Index(body, `id="problem-groups"`) > strings.Index(body, `id="problems"`) {
			t.Fatalf("groups:\n%s", mainOf(body))
		}
		resp, rep := c.Get(page + "/report")
		if resp.StatusCode != 200 {
			t.Fatal(resp.StatusCode)
		}
		f, err := excelize.OpenReader(strings.NewReader(rep))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		title, _ := f.GetCellValue("Sheet1", "A1")
		if !strings.Contains(title, "按问题类别：D 列（面积）：30 行（如第 2 行：") || !strings.Contains(title, "E 列（用途）：1 行（如第 32 行：") {
			t.Fatalf("report title: %q", title)
		}
	})
}
