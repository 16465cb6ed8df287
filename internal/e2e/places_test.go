package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"linli/internal/auth"
	"linli/internal/org"
	"linli/internal/places"
)

// After a building list without grids, the community leader follows the home
// page's to-do item to the buildings without a grid, ticks them all and puts them
// in a grid in one go.
func TestAssignGridsToImportedBuildings(t *testing.T) {
	site := StartDemo(t, 300)
	ctx := Browser(t)
	bg := context.Background()
	sys := auth.System("e2e")
	units, err := site.App.Org.Visible(bg, sys)
	if err != nil {
		t.Fatal(err)
	}
	var community int64
	for _, u := range units {
		if u.Level == org.Community && u.Name == "翠苑一区社区" {
			community = u.ID
		}
	}
	path := filepath.Join(t.TempDir(), "楼栋.csv")
	os.WriteFile(path, []byte("小区,楼栋,房号\n新建苑,1幢,101\n新建苑,2幢,101\n新建苑,3幢,101\n"), 0o600)
	if r, _, err := site.App.Imports.RunNow(bg, sys, places.Importer{S: site.App.Places}, community, path, true); err != nil || !r.Committed {
		t.Fatalf("import: %+v %v", r, err)
	}

	Do(t, ctx, Login(site.URL, "community_admin", DemoPassword))
	// The waiting group lists a few items of every module; its link to the
	// buildings without a grid is always there.
	if todo := Text(t, ctx, "#todo .todo-waiting"); !strings.Contains(todo, "未划分网格的楼栋") {
		t.Fatalf("home's 待办:\n%s", todo)
	}
	Do(t, ctx,
		chromedp.Click(Sel(`#todo a[href="/places?grid=none"]`)),
		WaitSel(`#assign-grid`),
	)
	if rows := Eval[int](t, ctx, `document.querySelectorAll('#buildings input[name=building]').length`); rows != 3 {
		t.Fatalf("%d buildings without a grid listed, want 3", rows)
	}
	Do(t, ctx, chromedp.Click(Sel(`#buildings input[data-check-all]`)))
	if ticked := Eval[int](t, ctx, `document.querySelectorAll('#buildings input[name=building]:checked').length`); ticked != 3 {
		t.Fatalf("select all ticked %d", ticked)
	}
	Eval[bool](t, ctx, `(function(){document.querySelector('#assign-grid select[name=grid_id]').selectedIndex=1; return true})()`)
	grid := Eval[string](t, ctx, `document.querySelector('#assign-grid select[name=grid_id]').selectedOptions[0].text`)
	Do(t, ctx,
		chromedp.Click(Sel(`#assign-grid button[type=submit]`)),
		WaitSel(`.flash`),
	)
	if flash := Text(t, ctx, ".flash"); !strings.Contains(flash, "已将 3 栋楼划入"+grid) {
		t.Fatalf("flash: %q", flash)
	}
	if n := Eval[int](t, ctx, `document.querySelectorAll('#buildings input[name=building]').length`); n != 0 {
		t.Fatalf("%d buildings still without a grid", n)
	}
	Do(t, ctx, chromedp.Navigate(site.URL+"/"), WaitSel(`#todo`))
	if home := Text(t, ctx, "main"); strings.Contains(home, "未划分网格") {
		t.Fatalf("home still counts buildings without a grid:\n%s", home)
	}
}
