package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// A community leader logs in, sees the dashboard, adds a building, finds it in
// the list and logs out.
func TestLoginDashboardAddBuildingLogout(t *testing.T) {
	site := StartDemo(t, 300)
	ctx := Browser(t)

	Do(t, ctx, Login(site.URL, "community_admin", DemoPassword))
	dashboard := Text(t, ctx, "main")
	if !strings.Contains(dashboard, "您好，李秀英") || Eval[int](t, ctx, `document.querySelectorAll('#todo .todo-group, #overview .figures > div').length`) < 4 {
		t.Fatalf("dashboard:\n%s", dashboard)
	}
	if scope := Text(t, ctx, ".who .scope"); !strings.Contains(scope, "翠苑一区社区") {
		t.Fatalf("scope not shown: %q", scope)
	}

	Do(t, ctx,
		chromedp.Navigate(site.URL+"/places/buildings/new"),
		chromedp.WaitVisible(Sel(`#building-form`)),
		chromedp.SendKeys(Sel(`#building-form input[name=name]`), "99幢"),
		chromedp.SendKeys(Sel(`#building-form input[name=floors]`), "18"),
	)
	// Pick the first estate and the first grid offered, as a user would.
	Eval[bool](t, ctx, `(function(){const f=document.querySelector('#building-form');
		f.estate_id.selectedIndex=1; f.grid_id.selectedIndex=1; return true})()`)
	grid := Eval[string](t, ctx, `document.querySelector('#building-form select[name=grid_id]').selectedOptions[0].text`)
	Do(t, ctx,
		chromedp.Click(Sel(`#building-form button[type=submit]`)),
		WaitSel(`.flash`),
	)
	if h1 := Text(t, ctx, "h1"); !strings.Contains(h1, "99幢") {
		t.Fatalf("after saving, the building page shows %q", h1)
	}

	Do(t, ctx,
		chromedp.Navigate(site.URL+"/places"),
		chromedp.WaitVisible(Sel(`form.filters input[name=q]`)),
		chromedp.SendKeys(Sel(`form.filters input[name=q]`), "99幢"),
		chromedp.Submit(Sel(`form.filters input[name=q]`)),
		WaitURL("q="),
	)
	list := Text(t, ctx, "#buildings tbody")
	if !strings.Contains(list, "99幢") || !strings.Contains(list, grid) || strings.Count(list, "幢") != 1 {
		t.Fatalf("the search does not find the new building:\n%s", list)
	}

	Do(t, ctx, Logout())
	Do(t, ctx, chromedp.Navigate(site.URL+"/places"), WaitSel(`input[name=username]`))
	if body := Text(t, ctx, "main"); !strings.Contains(body, "登") {
		t.Fatalf("after logout the login page must show:\n%s", body)
	}
}
