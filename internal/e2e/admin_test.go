package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"linli/internal/auth"
	"linli/internal/cases"
)

// The audit administrator reads the log in Chinese: operations by name, the
// case by its number, details as named rows; filters by operation and
// exports what is filtered. On a phone the rows stay readable.
func TestAuditLogInChinese(t *testing.T) {
	site := StartDemo(t, 50)
	c := context.Background()
	res, err := site.App.Auth.Login(c, "community_admin", DemoPassword, "e2e", "e2e", auth.KindWeb)
	if err != nil {
		t.Fatal(err)
	}
	leader := res.Principal
	id, err := site.App.Cases.Create(c, leader, cases.CreateInput{Type: "request", Category: "noise", Title: "审计测试诉求", GridID: firstGrid(t, site).ID, Source: "phone"})
	if err != nil {
		t.Fatal(err)
	}
	if err := site.App.Cases.Transition(c, leader, id, cases.TransitionInput{Action: "accept"}); err != nil {
		t.Fatal(err)
	}
	cs, err := site.App.Cases.Get(c, leader, id)
	if err != nil {
		t.Fatal(err)
	}
	ctx := Browser(t)
	Do(t, ctx, Login(site.URL, "audit_admin", DemoPassword),
		chromedp.Navigate(site.URL+"/admin/audit"),
		WaitSel(`#audit-log`),
	)
	text := Text(t, ctx, "main")
	for _, want := range []string{"事项流转", "登记事项", "登录", cs.Number(), "办理动作", "受理"} {
		if !strings.Contains(text, want) {
			t.Errorf("the audit log lacks %q", want)
		}
	}
	for _, raw := range []string{"case.transition", "case.create", `{"`, "community_admin（"} {
		if strings.Contains(text, raw) {
			t.Errorf("the audit log shows %q", raw)
		}
	}
	// Filter by operation, from the form.
	Do(t, ctx,
		chromedp.SetValue(Sel(`select[name=op]`), "case.transition"),
		chromedp.Click(Sel(`#audit-filters button[type=submit]`)),
		WaitURL("op=case.transition"),
		WaitSel(`#audit-log`),
	)
	names := Eval[[]string](t, ctx, `[...document.querySelectorAll("#audit-log td.audit-action")].map(td => td.textContent.trim())`)
	if len(names) != 1 || names[0] != "事项流转" {
		t.Fatalf("filtered by 事项流转: %q", names)
	}
	if obj := Text(t, ctx, "#audit-log td.audit-object"); !strings.Contains(obj, "事项") || !strings.Contains(obj, cs.Number()) {
		t.Errorf("object cell: %q", obj)
	}
	if href := Eval[string](t, ctx, `document.querySelector("#audit-export").getAttribute("href")`); !strings.Contains(href, "op=case.transition") {
		t.Errorf("the export does not keep the filter: %s", href)
	}
	// By object: the case's number.
	Do(t, ctx,
		chromedp.Navigate(site.URL+"/admin/audit"),
		WaitSel(`#audit-filters`),
		chromedp.SetValue(Sel(`select[name=object_type]`), "case"),
		chromedp.SendKeys(Sel(`input[name=object_id]`), cs.Number()),
		chromedp.Click(Sel(`#audit-filters button[type=submit]`)),
		WaitURL("object_id="),
		WaitSel(`#audit-log`),
	)
	names = Eval[[]string](t, ctx, `[...document.querySelectorAll("#audit-log td.audit-action")].map(td => td.textContent.trim())`)
	if strings.Join(names, ",") != "事项流转,登记事项" {
		t.Errorf("the case's entries: %q", names)
	}
	// The export downloads the filtered log.
	body := fetchBody(t, ctx, site.URL+"/admin/audit/export?op=case.transition", "spreadsheetml")
	if len(body) < 100 || string(body[:2]) != "PK" {
		t.Fatalf("export: %d bytes", len(body))
	}

	// On a phone the entry is a card of named lines.
	Do(t, ctx,
		chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(site.URL+"/admin/audit?op=case.transition"),
		WaitSel(`#audit-log`),
	)
	if w := Eval[float64](t, ctx, `document.documentElement.scrollWidth`); w > 400 {
		t.Errorf("the audit log is %.0f px wide on a 390 px phone", w)
	}
	if text := Text(t, ctx, "#audit-log tbody"); !strings.Contains(text, "事项流转") || !strings.Contains(text, cs.Number()) {
		t.Errorf("phone view: %q", text)
	}
}

// The system administrator opens 事项类型 on its first type, adds a category
// row, is told which row and field is wrong, and saves.
func TestCaseTypeEditor(t *testing.T) {
	site := StartDemo(t, 20)
	ctx := Browser(t)
	types, err := site.App.Cases.Types(context.Background())
	if err != nil || len(types) == 0 {
		t.Fatal(err)
	}
	first := types[0]
	Do(t, ctx, Login(site.URL, "sys_admin", DemoPassword),
		chromedp.Navigate(site.URL+"/admin/case-types"),
		WaitSel(`#category-rows`),
	)
	if active := Text(t, ctx, "#type-tabs a.active"); !strings.Contains(active, first.Name) {
		t.Fatalf("the first tab is not shown: %q", active)
	}
	rows := Eval[int](t, ctx, `document.querySelectorAll("#category-rows tr.category-row").length`)
	if rows != len(first.Categories) {
		t.Fatalf("%d rows for %d categories", rows, len(first.Categories))
	}
	// With JavaScript the row is added in place (the page is not reloaded);
	// without it the server draws the table again (TestTypeCategoryRows).
	Do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.samePage = true`), chromedp.Click(Sel(`#category-add`)),
		WaitFor(fmt.Sprintf(`document.querySelectorAll("#category-rows tr.category-row").length === %d`, rows+1)))
	if !Eval[bool](t, ctx, `window.samePage === true`) {
		t.Error("adding a row reloaded the page")
	}
	n := rows + 1
	setLast := func(code, name, resolve string) Step {
		return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const r = [...document.querySelectorAll("#category-rows tr.category-row")].pop();
			r.querySelector("[name=cat_code]").value = %q; r.querySelector("[name=cat_name]").value = %q; r.querySelector("[name=cat_resolve_n]").value = %q; })()`, code, name, resolve))
	}
	Do(t, ctx, setLast("elevator", "", "abc"),
		chromedp.Click(Sel(`#type-basics button.primary`)),
		WaitSel(`tr.row-errors`),
	)
	errText := Text(t, ctx, "#category-rows")
	for _, want := range []string{fmt.Sprintf("第 %d 行 名称：必须填写", n), fmt.Sprintf("第 %d 行 办结时限：应为", n)} {
		if !strings.Contains(errText, want) {
			t.Errorf("the error does not say %q:\n%s", want, errText)
		}
	}
	if got := Eval[string](t, ctx, `[...document.querySelectorAll("#category-rows tr.category-row")].pop().querySelector("[name=cat_code]").value`); got != "elevator" {
		t.Fatalf("the typed row was lost: %q", got)
	}
	Do(t, ctx, setLast("elevator", "电梯故障", "2"),
		chromedp.Click(Sel(`#type-basics button.primary`)),
		WaitURL("type="+first.Code),
		WaitSel(`#category-rows`),
	)
	if got := Eval[int](t, ctx, `document.querySelectorAll("#category-rows tr.category-row").length`); got != n {
		t.Fatalf("%d rows after saving, want %d", got, n)
	}
	saved, _ := site.App.Cases.Type(context.Background(), first.Code)
	if c, ok := saved.Category("elevator"); !ok || c.Name != "电梯故障" || c.Resolve == nil || c.Resolve.Days != 2 {
		t.Fatalf("saved category: %+v %v", c, ok)
	}
}
