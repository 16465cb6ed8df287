package cases_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"linli/internal/apptest"
)

// The case-type page opens on its first tab, and categories are edited as
// rows: a row is added or removed without JavaScript, each problem is named
// by its row and field, nothing is saved while one remains, and a valid
// table is saved with its limits.
func TestTypeCategoryRows(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		srv := w.Server(t)
		sys := apptest.NewClient(t, srv.URL).Login("sys_admin", apptest.Password)
		types, err := w.App.Cases.Types(ctx)
		if err != nil || len(types) == 0 {
			t.Fatal(types, err)
		}
		first := types[0]
		resp, body := sys.Get("/admin/case-types")
		if resp.StatusCode != 200 || !strings.Contains(body, `id="type-basics"`) || !strings.Contains(body, `name="type" value="`+first.Code+`"`) {
			t.Fatalf("the first tab is not shown at once: %d\n%.2000s", resp.StatusCode, body)
		}
		if strings.Contains(body, "|") && strings.Contains(body, first.Categories[0].Code+"|") {
			t.Fatal("categories still shown as code|name text")
		}
		if n := strings.Count(body, `name="cat_code"`); n != len(first.Categories) {
			t.Fatalf("%d category rows for %d categories", n, len(first.Categories))
		}

		form := func(rows [][4]string, extra ...string) url.Values {
			v := url.Values{"type": {"request"}, "mode": {"basics"}, "respond_n": {"4"}, "respond_unit": {"h"}, "resolve_n": {"3"}, "resolve_unit": {"d"},
				"remind_hours": {"4"}, "escalate_days": {"1"}}
			for _, r := range rows {
				v.Add("cat_code", r[0])
				v.Add("cat_name", r[1])
				v.Add("cat_resolve_n", r[2])
				v.Add("cat_resolve_unit", "d")
				v.Add("cat_respond_n", r[3])
				v.Add("cat_respond_unit", "h")
			}
			for i := 0; i+1 < len(extra); i += 2 {
				v.Set(extra[i], extra[i+1])
			}
			return v
		}
		req, _ := w.App.Cases.Type(ctx, "request")
		var rows [][4]string
		for _, c := range req.Categories {
			rows = append(rows, [4]string{c.Code, c.Name, "", ""})
		}
		// 添加一行: the table again with one blank row more, nothing saved.
		resp, body = sys.PostForm("/admin/case-types", form(rows, "add", "1"))
		if resp.StatusCode != 200 || strings.Count(body, `name="cat_code"`) != len(rows)+1 {
			t.Fatalf("add a row: %d, %d rows", resp.StatusCode, strings.Count(body, `name="cat_code"`))
		}
		// 删除此行: the row is gone from the table, nothing saved.
		resp, body = sys.PostForm("/admin/case-types", form(rows, "remove", "1"))
		if resp.StatusCode != 200 || strings.Count(body, `name="cat_code"`) != len(rows)-1 || strings.Contains(body, `value="`+rows[0][0]+`"`) {
			t.Fatalf("remove a row: %d", resp.StatusCode)
		}
		// Problems named by row and field; nothing saved.
		bad := append(append([][4]string{}, rows...), [4]string{"Elevator", "电梯故障", "2", ""}, [4]string{"lift", "", "abc", "5000"}, [4]string{"", "", "", ""})
		resp, body = sys.PostForm("/admin/case-types", form(bad))
		n := len(rows)
		for _, want := range []string{
			"第 " + strconv.Itoa(n+1) + " 行 代码：只能用小写英文字母",
			"第 " + strconv.Itoa(n+2) + " 行 名称：必须填写",
			"第 " + strconv.Itoa(n+2) + " 行 办结时限：应为",
			"第 " + strconv.Itoa(n+2) + " 行 响应时限：应为",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the page does not say %q (%d)", want, resp.StatusCode)
			}
		}
		if resp.StatusCode != 422 || !strings.Contains(body, `value="Elevator"`) || !strings.Contains(body, `value="abc"`) {
			t.Fatalf("the refused table is not shown as typed: %d", resp.StatusCode)
		}
		if got, _ := w.App.Cases.Type(ctx, "request"); len(got.Categories) != len(req.Categories) {
			t.Fatal("a refused table was saved")
		}
		// A duplicate code names the row it repeats.
		resp, body = sys.PostForm("/admin/case-types", form(append(append([][4]string{}, rows...), [4]string{rows[0][0], "重复", "", ""})))
		if resp.StatusCode != 422 || !strings.Contains(body, "与第 1 行重复") {
			t.Fatalf("duplicate code: %d", resp.StatusCode)
		}
		// A valid table (with a blank row, left out) is saved with its limits.
		good := append(append([][4]string{}, rows...), [4]string{"elevator", "电梯故障", "2", "2"}, [4]string{"", "", "", ""})
		resp, _ = sys.PostForm("/admin/case-types", form(good))
		if resp.StatusCode != 303 {
			t.Fatalf("save: %d", resp.StatusCode)
		}
		got, _ := w.App.Cases.Type(ctx, "request")
		if len(got.Categories) != len(rows)+1 || got.Respond.Hours != 4 || got.Resolve.Days != 3 {
			t.Fatalf("saved: %+v respond %+v resolve %+v", got.Categories, got.Respond, got.Resolve)
		}
		if respond, resolve := got.Limits("elevator"); resolve.Days != 2 || respond.Hours != 2 {
			t.Fatalf("elevator limits: %+v %+v", respond, resolve)
		}
		// The saved table shows the limits as number and unit.
		_, body = sys.Get("/admin/case-types?type=request")
		if !strings.Contains(body, `value="elevator"`) || !strings.Contains(body, `name="cat_resolve_n" value="2"`) {
			t.Fatal("the saved category is not in the table")
		}
	})
}
