package e2e

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"linli/internal/auth"
	"linli/internal/identity"
	"linli/internal/org"
	"linli/internal/places"
	"linli/internal/registry"
)

// firstGrid is the grid worker's grid: the first grid of the first community.
func firstGrid(t *testing.T, site *Site) *org.Unit {
	t.Helper()
	units, err := site.App.Org.Visible(context.Background(), auth.System("e2e"))
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range units {
		if u.Level == org.Grid {
			return u
		}
	}
	t.Fatal("the demo has no grid")
	return nil
}

// firstBuilding returns the first building of the demo's first grid and its
// dwellings.
func firstBuilding(t *testing.T, site *Site) (*places.Building, []*places.Dwelling) {
	t.Helper()
	c, sys := context.Background(), auth.System("e2e")
	grid := firstGrid(t, site)
	bs, _, err := site.App.Places.ListBuildings(c, sys, places.BuildingFilter{GridID: grid.ID, Limit: 1})
	if err != nil || len(bs) == 0 {
		t.Fatalf("buildings of %s: %v", grid.Name, err)
	}
	dws, err := site.App.Places.Dwellings(c, sys, bs[0].ID)
	if err != nil || len(dws) == 0 {
		t.Fatalf("dwellings of %s: %v", bs[0].Name, err)
	}
	return bs[0], dws
}

func born(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

// fetchBase64 downloads url from the page (with the session) and returns the
// body, failing unless the status is 200 and the type contains ctype.
func fetchBody(t *testing.T, ctx context.Context, url, ctype string) []byte {
	t.Helper()
	js := fmt.Sprintf(`fetch(%q, {credentials: "same-origin"}).then(async r => {
		const b = new Uint8Array(await r.arrayBuffer()); let s = "";
		for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
		return r.status + " " + (r.headers.get("Content-Type") || "") + " " + btoa(s); })`, url)
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("fetch %s: %v", url, err)
	}
	parts := strings.SplitN(v, " ", 3)
	if len(parts) != 3 || parts[0] != "200" || !strings.Contains(parts[1], ctype) {
		t.Fatalf("fetch %s: %.200s", url, v)
	}
	b, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// xlsxText returns the text of every part of an xlsx file.
func xlsxText(t *testing.T, b []byte) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("not an xlsx file: %v", err)
	}
	var out strings.Builder
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		x, _ := io.ReadAll(rc)
		rc.Close()
		out.Write(x)
	}
	return out.String()
}

// A community leader finds a resident by the initials of her name, opens her
// page and her household file, and reveals her ID number with a reason; a grid
// worker then updates a phone number from the phone view.
func TestRegistrySearchHouseholdRevealAndPhoneView(t *testing.T) {
	site := StartDemo(t, 300)
	ctx := Browser(t)
	c := context.Background()
	sys := auth.System("e2e")
	a := site.App
	building, dws := firstBuilding(t, site)
	dw := dws[len(dws)-1]
	headID := identity.MakeID("330106", born(1962, 5, 8), 17, identity.Female)
	head, err := a.Registry.CreatePerson(c, sys, registry.PersonInput{Name: "诸葛明月", IDNumber: headID, Phone: "13905710001", DwellingID: dw.ID,
		NewHousehold: true, HouseholdNumber: "H-E2E-1", Tags: []string{"elderly"}, Since: "2010-06-01"})
	if err != nil {
		t.Fatal(err)
	}
	spouse, err := a.Registry.CreatePerson(c, sys, registry.PersonInput{Name: "诸葛清风", IDNumber: identity.MakeID("330106", born(1960, 1, 2), 21, identity.Male),
		DwellingID: dw.ID, HouseholdID: mustHousehold(t, a.Registry, head), Relation: "spouse", Since: "2010-06-01"})
	if err != nil {
		t.Fatal(err)
	}

	// The list pages with its filter kept.
	Do(t, ctx, Login(site.URL, "community_admin", DemoPassword),
		chromedp.Navigate(site.URL+"/registry?sort=-age"),
		WaitSel(`.pager a[rel=next]`),
		chromedp.Click(Sel(`.pager a[rel=next]`)),
		WaitURL("page=2"),
	)
	if loc, pager := Eval[string](t, ctx, `location.search`), Text(t, ctx, ".pager"); !strings.Contains(loc, "sort=-age") || !strings.Contains(pager, "第 2 /") {
		t.Fatalf("second page: %s %q", loc, pager)
	}
	Do(t, ctx,
		chromedp.Navigate(site.URL+"/registry"),
		WaitSel(`#people-filter input[name=q]`),
		chromedp.SendKeys(Sel(`#people-filter input[name=q]`), "zgmy"),
		chromedp.Submit(Sel(`#people-filter input[name=q]`)),
		WaitURL("q=zgmy"),
	)
	list := Text(t, ctx, "#people tbody")
	if !strings.Contains(list, "诸葛明月") || strings.Contains(list, "诸葛清风") || strings.Contains(list, headID) || !strings.Contains(list, headID[14:]) {
		t.Fatalf("search by initials:\n%s", list)
	}

	Do(t, ctx,
		chromedp.Click(Sel(fmt.Sprintf(`#people tbody a[href="/registry/people/%d"]`, head))),
		WaitSel(`#reveal-form`),
	)
	if id := Text(t, ctx, "#id-number"); id != "330***********"+headID[14:] {
		t.Fatalf("masked ID on the person page: %q", id)
	}
	Do(t, ctx,
		// The reveal is folded under its summary: the record comes first.
		chromedp.Click(Sel(`#reveal > summary`)),
		chromedp.WaitVisible(Sel(`#reveal-form input[name=reason]`)),
		chromedp.SendKeys(Sel(`#reveal-form input[name=reason]`), "核对高龄补贴申请"),
		chromedp.Click(Sel(`#reveal-form button[type=submit]`)),
		WaitSel(`#revealed-notice`),
	)
	if id, phone := Text(t, ctx, "#id-number"), Text(t, ctx, "#phone"); id != headID || phone != "13905710001" {
		t.Fatalf("revealed %q %q", id, phone)
	}
	if loc := Eval[string](t, ctx, `location.pathname + location.search`); strings.Contains(loc, headID) || strings.Contains(loc, "reveal") && strings.Contains(loc, "?") {
		t.Fatalf("the full number went into the address: %s", loc)
	}

	Do(t, ctx,
		chromedp.Click(Sel(`#household-link`)),
		WaitSel(`#members`),
	)
	members := Text(t, ctx, "#members")
	for _, want := range []string{"诸葛明月", "诸葛清风", "本人（户主）", "配偶", "老年人", "330***********"} {
		if !strings.Contains(members, want) {
			t.Fatalf("household file lacks %q:\n%s", want, members)
		}
	}
	if strings.Contains(members, headID) {
		t.Fatal("the household file shows the revealed number")
	}
	if !Eval[bool](t, ctx, `!!document.querySelector('button[data-print]') && !!document.querySelector('.printonly') && document.querySelector('#op-head') !== null`) {
		t.Fatal("the household file has no print button or no button to its changes")
	}

	// The grid worker on a phone: grid → building → person → new phone number.
	Do(t, ctx, Logout(), Login(site.URL, "grid_worker", DemoPassword),
		chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(site.URL+"/registry/grid"),
		WaitSel(fmt.Sprintf(`a[href="/registry/grid/buildings/%d"]`, building.ID)),
		chromedp.Click(Sel(fmt.Sprintf(`a[href="/registry/grid/buildings/%d"]`, building.ID))),
		WaitSel(fmt.Sprintf(`#dwelling-%d`, dw.ID)),
	)
	if !Eval[bool](t, ctx, `getComputedStyle(document.querySelector('table.list td')).display === 'block'`) {
		t.Fatal("on a phone the lists are not cards")
	}
	Do(t, ctx,
		chromedp.Click(Sel(fmt.Sprintf(`#dwelling-%d a[href="/registry/grid/people/%d"]`, dw.ID, spouse))),
		WaitSel(`#quick-form`),
		chromedp.SendKeys(Sel(`#quick-form input[name=phone]`), "13905710002"),
		chromedp.Click(Sel(`#quick-form button[type=submit]`)),
		WaitSel(`.flash`),
	)
	if card := Text(t, ctx, fmt.Sprintf(`#dwelling-%d`, dw.ID)); !strings.Contains(card, "139****0002") {
		t.Fatalf("after the quick edit the dwelling shows:\n%s", card)
	}
}

func mustHousehold(t *testing.T, reg *registry.Service, person int64) int64 {
	t.Helper()
	p, err := reg.GetPerson(context.Background(), auth.System("e2e"), person)
	if err != nil {
		t.Fatal(err)
	}
	return p.HouseholdID
}

// ledger writes a messy resident ledger as kept in a community office: two
// title rows, headers in the office's own words (one, 人员身份, that no
// synonym knows), and optionally two bad rows.
func ledger(t *testing.T, dir, name string, withBadRows bool) string {
	t.Helper()
	f := excelize.NewFile()
	sh := f.GetSheetName(0)
	rows := [][]any{
		{"翠苑一区社区居民花名册（2026年）"},
		{"填报单位：翠苑一区社区居委会", "", "", "", "", "填报日期：2026年3月"},
		{"序号", "姓 名", "公民身份号码", "性别", "手机号码", "小区名称", "楼号", "单元号", "门牌号", "所属网格", "户编号", "与户主的关系", "人员身份", "备注"},
		{1, "诸葛明月", identity.MakeID("330106", born(1962, 5, 8), 17, identity.Female), "女", "13905710001", "翠苑一区", "88幢", "1单元", "101", "第一网格", "H-88-101", "户主", "户籍", ""},
		{2, "诸葛清风", identity.MakeID("330106", born(1960, 1, 2), 21, identity.Male), "男", "", "翠苑一区", "88幢", "1单元", "101", "第一网格", "H-88-101", "丈夫", "户籍", ""},
		{3, "欧阳流云", identity.MakeID("410102", born(1995, 9, 9), 33, identity.Male), "男", "13905710003", "翠苑一区", "88幢", "1单元", "102", "第一网格", "H-88-102", "本人", "流动人口", "租住"},
	}
	if withBadRows {
		good := identity.MakeID("330106", born(1980, 2, 2), 41, identity.Male)
		wrong := good[:17] + map[bool]string{true: "0", false: "1"}[good[17] != '0']
		rows = append(rows,
			[]any{4, "号码抄错", wrong, "男", "", "翠苑一区", "88幢", "1单元", "201", "第一网格", "H-88-201", "本人", "户籍", ""},
			[]any{5, "科学计数", "3.30106E+17", "女", "", "翠苑一区", "88幢", "1单元", "202", "第一网格", "H-88-202", "本人", "户籍", ""},
		)
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sh, cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, name)
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// uploadAndCheck uploads a ledger, maps the unknown column by hand and runs the
// dry run, waiting for its result.
func uploadAndCheck(t *testing.T, ctx context.Context, site *Site, path string) {
	t.Helper()
	Do(t, ctx,
		chromedp.Navigate(site.URL+"/registry/import"),
		WaitSel(`#upload-form input[type=file]`),
		chromedp.SetUploadFiles(Sel(`#upload-form input[type=file]`), []string{path}),
		chromedp.Click(Sel(`#upload-form button[type=submit]`)),
		WaitSel(`#mapping-form`),
	)
	// The detected mapping: known words found despite the title rows; 人员身份 unknown.
	detected := Eval[map[string]string](t, ctx, `Object.fromEntries(['公民身份号码','楼号','门牌号','户编号','与户主的关系','人员身份'].map(h => {
		const s = document.querySelector('#mapping-form select[data-header="' + h + '"]'); return [h, s ? s.value : '?']; }))`)
	want := map[string]string{"公民身份号码": "id_number", "楼号": "building", "门牌号": "room", "户编号": "household_number", "与户主的关系": "relation", "人员身份": ""}
	for h, f := range want {
		if detected[h] != f {
			t.Fatalf("detected mapping of %s is %q, want %q (all: %v)", h, detected[h], f, detected)
		}
	}
	// Fix the mapping by hand: 人员身份 is the residence type.
	Do(t, ctx,
		chromedp.SetValue(Sel(`#mapping-form select[data-header="人员身份"]`), "residence_type"),
		chromedp.Click(Sel(`#check-button`)),
		WaitSel(`#import-result`),
	)
}

// The acceptance flow of the issue: import a messy ledger, fix the mapping, see
// the error report, commit, search by pinyin initials, open the household file,
// export.
func TestRegistryImportMessyLedgerSearchHouseholdExport(t *testing.T) {
	site := StartDemo(t, 300)
	ctx := Browser(t)
	dir := t.TempDir()
	Do(t, ctx, Login(site.URL, "community_admin", DemoPassword),
		chromedp.Navigate(site.URL+"/registry"),
		WaitSel(`#import-link`),
		chromedp.Click(Sel(`#import-link`)),
		WaitSel(`#upload-form`),
	)

	// First the ledger as it came, with two bad rows: the dry run names them and
	// offers the report; nothing can be committed.
	uploadAndCheck(t, ctx, site, ledger(t, dir, "花名册-原始.xlsx", true))
	problems := Text(t, ctx, "#problems")
	if !strings.Contains(problems, "校验位") || !(strings.Contains(problems, "科学计数法") || strings.Contains(problems, "存成了数字")) {
		t.Fatalf("the dry run does not explain the bad rows:\n%s", problems)
	}
	rowsNamed := Eval[string](t, ctx, `[...document.querySelectorAll('#problems tbody tr td:first-child')].map(td => td.textContent.trim()).join(',')`)
	if !strings.Contains(","+rowsNamed+",", ",7,") || !strings.Contains(","+rowsNamed+",", ",8,") {
		t.Fatalf("the bad rows (7 and 8 of the sheet) are not named: %s", rowsNamed)
	}
	href := Eval[string](t, ctx, `document.querySelector('#report-link').getAttribute('href')`)
	report := xlsxText(t, fetchBody(t, ctx, href, "spreadsheetml"))
	if !strings.Contains(report, "校验位") {
		t.Fatal("the downloaded error report does not give the reasons")
	}
	if Eval[bool](t, ctx, `document.querySelector('#commit-button') !== null`) {
		t.Fatal("a ledger with bad rows can be committed")
	}

	// The corrected ledger: same messy headers, the mapping fixed again, committed.
	uploadAndCheck(t, ctx, site, ledger(t, dir, "花名册-修正.xlsx", false))
	if n := Eval[int](t, ctx, `document.querySelectorAll('#problems tbody tr').length`); n != 0 {
		t.Fatalf("the corrected ledger still has %d problems", n)
	}
	// The commit button asks for confirmation; the user says yes.
	Eval[bool](t, ctx, `(window.confirm = () => true, true)`)
	Do(t, ctx,
		chromedp.Click(Sel(`#commit-button`)),
		WaitSel(`#import-committed`),
	)

	// Search by pinyin initials, open the household file.
	Do(t, ctx,
		chromedp.Navigate(site.URL+"/registry"),
		WaitSel(`#people-filter input[name=q]`),
		chromedp.SendKeys(Sel(`#people-filter input[name=q]`), "zgmy"),
		chromedp.Submit(Sel(`#people-filter input[name=q]`)),
		WaitURL("q=zgmy"),
	)
	list := Text(t, ctx, "#people tbody")
	if !strings.Contains(list, "诸葛明月") || !strings.Contains(list, "H-88-101") || !strings.Contains(list, "139****0001") {
		t.Fatalf("the imported resident is not found by initials:\n%s", list)
	}
	exportHref := Eval[string](t, ctx, `document.querySelector('#export-link').getAttribute('href')`)
	Do(t, ctx,
		chromedp.Click(Sel(`#people tbody td a[href^="/registry/households/"]`)),
		WaitSel(`#members`),
	)
	members := Text(t, ctx, "#members")
	for _, want := range []string{"诸葛明月", "诸葛清风", "本人（户主）", "配偶", "户籍人口"} {
		if !strings.Contains(members, want) {
			t.Fatalf("household file lacks %q:\n%s", want, members)
		}
	}
	if h1 := Text(t, ctx, "h1"); !strings.Contains(h1, "H-88-101") {
		t.Fatalf("household file title %q", h1)
	}
	// The column mapped by hand took effect.
	Do(t, ctx, chromedp.Navigate(site.URL+"/registry?q=oyly"), WaitSel(`#people`))
	if row := Text(t, ctx, "#people tbody"); !strings.Contains(row, "欧阳流云") || !strings.Contains(row, "流动人口") {
		t.Fatalf("the hand-mapped residence type was not imported:\n%s", row)
	}

	// Export the same filter: an xlsx with the resident, masked.
	if !strings.HasPrefix(exportHref, "/registry/export?") || !strings.Contains(exportHref, "q=zgmy") {
		t.Fatalf("export link %q", exportHref)
	}
	text := xlsxText(t, fetchBody(t, ctx, exportHref, "spreadsheetml"))
	headID := identity.MakeID("330106", born(1962, 5, 8), 17, identity.Female)
	if !strings.Contains(text, "诸葛明月") || strings.Contains(text, headID) || !strings.Contains(text, "330***********"+headID[14:]) || strings.Contains(text, "欧阳流云") {
		t.Fatal("the export is not the filtered, masked list")
	}
}
