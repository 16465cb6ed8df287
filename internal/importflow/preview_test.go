package importflow_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"linli/internal/apptest"
)

// peopleLedger is a residents ledger of n heads of household in 小区甲苑 66幢
// with the given phone prefix and political status, plus three people in a
// new estate's buildings 1幢, 10幢 and 2幢.
func peopleLedger(n int, phone, political string) string {
	var b strings.Builder
	b.WriteString("姓名,身份证号,与户主关系,小区,楼栋,房号,网格,联系电话,政治面貌\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "预览居民%02d,%s,户主,小区甲苑,66幢,%d,网格甲A,%s%04d,%s\n", i, apptest.RegistryID("330106", 1970, i), 100+i, phone, i, political)
	}
	for i, bld := range []string{"1幢", "10幢", "2幢"} {
		fmt.Fprintf(&b, "新苑居民%d,%s,户主,新苑,%s,101,网格甲A,,\n", i, apptest.RegistryID("330106", 1980, i+1), bld)
	}
	return b.String()
}

// The check lists, before the commit, who an import updates and what changes
// for each (phones masked), the first 20 with a count of the rest and the
// whole list in the report; new places come grouped by estate and building,
// each estate folded with its counts.
func TestCheckListsUpdatesAndGroupsNewPlaces(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		srv := w.Server(t)
		c := apptest.NewClient(t, srv.URL).Login("community_admin", apptest.Password)
		comm := itoa(w.C1)
		run := func(name, body string, commit bool) (string, string) {
			t.Helper()
			resp, _ := upload(t, c, "/registry/import", comm, name, body)
			if resp.StatusCode != 303 {
				t.Fatalf("upload %s: %d", name, resp.StatusCode)
			}
			page := resp.Header.Get("Location")
			c.PostForm(page+"/check", nil)
			body = waitDone(t, c, page)
			if commit {
				if !strings.Contains(body, `id="commit-button"`) {
					t.Fatalf("%s does not check clean:\n%s", name, mainOf(body))
				}
				c.PostForm(page+"/commit", nil)
				waitDone(t, c, page)
				w.App.Imports.Wait()
			}
			return page, body
		}

		// New places: by estate (natural order of buildings), folded, counted.
		_, body := run("first.csv", peopleLedger(22, "1380000", "群众"), true)
		from := func(s, mark string) string {
			t.Helper()
			i := strings.Index(s, mark)
			if i < 0 {
				t.Fatalf("no %q in:\n%s", mark, s)
			}
			return s[i:]
		}
		places := from(body, `id="new-places"`)
		places = places[:len(places)-len(from(places, "</div>"))]
		if n := strings.Count(places, `<details class="new-estate"`); n != 2 {
			t.Fatalf("new places in %d estate groups, want 2:\n%s", n, places)
		}
		xin := from(places, "<strong>新苑</strong>")
		if !strings.Contains(xin[:200], "新小区") || !strings.Contains(xin, "新建楼栋 3 幢，新建房屋 3 套") {
			t.Fatalf("the new estate's group:\n%s", xin)
		}
		if i1, i2, i10 := strings.Index(xin, "1幢"), strings.Index(xin, "2幢"), strings.Index(xin, "10幢"); !(i1 < i2 && i2 < i10) {
			t.Errorf("buildings not in natural order: %s", xin)
		}
		if !strings.Contains(places, "<strong>小区甲苑</strong>") || !strings.Contains(places, "新建楼栋 1 幢，新建房屋 22 套") {
			t.Fatalf("the existing estate's group:\n%s", places)
		}

		// The same people with new phones and political status.
		page, body := run("second.csv", peopleLedger(22, "1390000", "中共党员"), false)
		m := regexp.MustCompile(`(?s)<details class="import-changes".*?</details>`).FindString(body)
		if !strings.HasPrefix(m, `<details class="import-changes" id="import-changes">`) {
			t.Errorf("a long list of updates is not folded: %.80s", m)
		}
		for _, want := range []string{"导入将更新以下 22 人的信息", "预览居民01", "第 2 行", "联系电话：138****0001 → 139****0001",
			"政治面貌：群众 → 中共党员", "还有 2 人未列出", page + "/report"} {
			if !strings.Contains(m, want) {
				t.Errorf("the list of updates lacks %q:\n%s", want, m)
			}
		}
		if strings.Contains(m, "预览居民21") || strings.Contains(body, "13900000001") || strings.Contains(body, apptest.RegistryID("330106", 1970, 1)) {
			t.Errorf("the list shows more than 20 people or a whole number:\n%s", m)
		}
		// The report has the whole list on its own sheet.
		resp, rep := c.Get(page + "/report")
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), "%E6%A3%80%E6%9F%A5%E7%BB%93%E6%9E%9C") {
			t.Fatalf("report: %d %q", resp.StatusCode, resp.Header.Get("Content-Disposition"))
		}
		f, err := excelize.OpenReader(strings.NewReader(rep))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := f.GetRows("更新的记录")
		if err != nil || len(rows) != 2+22 || !strings.Contains(rows[2+21][1], "预览居民22") || !strings.Contains(rows[2+21][2], "联系电话：138****0022 → 139****0022") {
			t.Fatalf("report's sheet of updates: %v %q", err, rows)
		}
	})
}
