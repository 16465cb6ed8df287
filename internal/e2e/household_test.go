package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"linli/internal/auth"
	"linli/internal/cases"
	"linli/internal/identity"
	"linli/internal/registry"
)

// viewports are the desktop and the 390 px phone the household pages are
// tried on.
var viewports = []struct {
	name string
	w, h int64
}{{"desktop", 1280, 900}, {"phone", 390, 844}}

// noSideScroll fails when the page is wider than the screen.
func noSideScroll(t *testing.T, ctx context.Context, where string) {
	t.Helper()
	if Eval[bool](t, ctx, `document.documentElement.scrollWidth > window.innerWidth + 1`) {
		t.Fatalf("%s scrolls sideways: %v > %v", where, Eval[float64](t, ctx, `document.documentElement.scrollWidth`), Eval[float64](t, ctx, `window.innerWidth`))
	}
}

// The household file is the record first; 更换户主 is a button that opens its
// own page, whose form returns to the file showing the change. The person
// page likewise: 迁出/死亡登记 behind a button, cancel back to the person.
func TestHouseholdFileChangesBehindButtons(t *testing.T) {
	site := StartDemo(t, 200)
	ctx := Browser(t)
	c := context.Background()
	sys := auth.System("e2e")
	a := site.App
	_, dws := firstBuilding(t, site)
	Do(t, ctx, Login(site.URL, "community_admin", DemoPassword))
	for i, vp := range viewports {
		dw := dws[len(dws)-1-i]
		headName, spouseName := "欧阳春"+vp.name[:1], "欧阳秋"+vp.name[:1]
		head, err := a.Registry.CreatePerson(c, sys, registry.PersonInput{Name: headName, IDNumber: identity.MakeID("330106", born(1961, 3, 4+i), 31, identity.Male),
			DwellingID: dw.ID, NewHousehold: true, HouseholdNumber: fmt.Sprintf("H-E2E-HH%d", i), Since: "2012-01-01"})
		if err != nil {
			t.Fatal(err)
		}
		hh := mustHousehold(t, a.Registry, head)
		spouse, err := a.Registry.CreatePerson(c, sys, registry.PersonInput{Name: spouseName, IDNumber: identity.MakeID("330106", born(1963, 7, 9+i), 42, identity.Female),
			DwellingID: dw.ID, HouseholdID: hh, Relation: "spouse", Since: "2012-01-01"})
		if err != nil {
			t.Fatal(err)
		}
		file := fmt.Sprintf("/registry/households/%d", hh)
		t.Run(vp.name, func(t *testing.T) {
			Do(t, ctx, chromedp.EmulateViewport(vp.w, vp.h), chromedp.Navigate(site.URL+file), WaitSel(`#members`))
			// The record first: no change form on the file, a button for each.
			if Eval[bool](t, ctx, `!!document.querySelector('#head-form, #split-form, #merge-form, #hh-move-form')`) {
				t.Fatal("the household file still shows a change form")
			}
			for _, op := range []string{"head", "split", "merge", "move"} {
				if !Eval[bool](t, ctx, `(function(){const a=document.querySelector('#op-`+op+`'); if(!a) return false; const r=a.getBoundingClientRect(); return r.width>0 && r.right<=window.innerWidth+1})()`) {
					t.Fatalf("no visible button for %s", op)
				}
			}
			if top := Eval[float64](t, ctx, `document.querySelector('#members').getBoundingClientRect().top`); top > float64(vp.h)*1.5 {
				t.Fatalf("the members start %vpx down the page", top)
			}
			noSideScroll(t, ctx, "the household file")
			if s := Eval[string](t, ctx, keepsPartsTogether+`('dd .addr')`); s != "ok" {
				t.Fatalf("the household's address: %s", s)
			}

			// Cancel returns to the file.
			Do(t, ctx, chromedp.Click(Sel(`#op-merge`)), WaitSel(`#merge-form`), chromedp.Click(Sel(`#op-cancel`)), WaitSel(`#members`))
			if p := Eval[string](t, ctx, `location.pathname`); p != file {
				t.Fatalf("cancel went to %s", p)
			}

			// 更换户主: the button opens the form, a refusal keeps it, a success returns.
			Do(t, ctx, chromedp.Click(Sel(`#op-head`)), WaitSel(`#head-form`))
			noSideScroll(t, ctx, "the change-head page")
			pick(t, ctx, `#head-form select[name=new_head]`, spouseName)
			Eval[bool](t, ctx, `(function(){document.querySelector('#head-form').noValidate = true; return true})()`)
			Do(t, ctx, chromedp.Click(Sel(`#head-form button[type=submit]`)), WaitSel(`#op-errors`))
			if sel := Eval[string](t, ctx, `document.querySelector('#head-form select[name=new_head]').selectedOptions[0].text`); sel != spouseName {
				t.Fatalf("after the refusal the new head is %q", sel)
			}
			setVal(t, ctx, fmt.Sprintf(`#head-form select[name=relation_%d]`, head), "spouse")
			submitAndWait(t, ctx, `#head-form button[type=submit]`)
			if p := Eval[string](t, ctx, `location.pathname`); p != file {
				t.Fatalf("the change returned to %s", p)
			}
			details := Text(t, ctx, "#household-details")
			if !strings.Contains(details, spouseName) || strings.Contains(details, headName) {
				t.Fatalf("the file after the change:\n%s", details)
			}
			if tl := Text(t, ctx, "table.timeline"); !strings.Contains(tl, "户内变更") {
				t.Fatalf("the timeline lacks the change:\n%s", tl)
			}

			// The person page: the record, 迁出/死亡登记 behind a button.
			Do(t, ctx, chromedp.Navigate(site.URL+fmt.Sprintf("/registry/people/%d", head)), WaitSel(`#person-details`))
			if Eval[bool](t, ctx, `!!document.querySelector('#leave-form, #tags-form, #move-form')`) {
				t.Fatal("the person page still shows a change form")
			}
			if Eval[bool](t, ctx, `document.querySelector('#reveal').open || document.querySelector('#reveal-form').checkVisibility()`) {
				t.Fatal("the reveal form is open before it is asked for")
			}
			noSideScroll(t, ctx, "the person page")
			if s := Eval[string](t, ctx, keepsPartsTogether+`('dd .addr')`); s != "ok" {
				t.Fatalf("the person's address: %s", s)
			}
			Do(t, ctx, chromedp.Click(Sel(`#op-leave`)), WaitSel(`#leave-form`), chromedp.Click(Sel(`#op-cancel`)), WaitSel(`#person-details`))
			if p := Eval[string](t, ctx, `location.pathname`); p != fmt.Sprintf("/registry/people/%d", head) {
				t.Fatalf("cancel went to %s", p)
			}
			_ = spouse
		})
	}
}

// The new-resident form's place picker asks for each level without reloading
// the page: the name and phone typed first stay; after a refusal the chosen
// levels are still selected.
func TestNewResidentPickerKeepsTypedValues(t *testing.T) {
	site := StartDemo(t, 200)
	ctx := Browser(t)
	b, dws := firstBuilding(t, site)
	dw := dws[0]
	choose := func(t *testing.T, name string, value int64) {
		t.Helper()
		sel := `#person-form select[name=` + name + `]`
		Do(t, ctx, WaitFor(`!!document.querySelector(`+jsString(sel+` option[value="`+fmt.Sprint(value)+`"]`)+`) && !document.querySelector('#person-form[aria-busy]')`))
		ok := Eval[bool](t, ctx, `(function(){const s=document.querySelector(`+jsString(sel)+`); s.value=`+jsString(fmt.Sprint(value))+`;
			s.dispatchEvent(new Event('change', {bubbles: true})); return s.value===`+jsString(fmt.Sprint(value))+`})()`)
		if !ok {
			t.Fatalf("cannot choose %d in %s", value, name)
		}
	}
	Do(t, ctx, Login(site.URL, "community_admin", DemoPassword))
	for i, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			name, phone := fmt.Sprintf("司马新%d", i), fmt.Sprintf("1390571%04d", 100+i)
			Do(t, ctx, chromedp.EmulateViewport(vp.w, vp.h), chromedp.Navigate(site.URL+"/registry/people/new"), WaitSel(`#person-form input[name=name]`),
				chromedp.SendKeys(Sel(`#person-form input[name=name]`), name),
				chromedp.SendKeys(Sel(`#person-form input[name=phone]`), phone))
			if Eval[bool](t, ctx, `(function(){const b=document.querySelector('#person-form button[name=_pick]'); return !!b && b.getBoundingClientRect().height > 0})()`) {
				t.Fatal("with script the picker's step button is shown")
			}
			Eval[bool](t, ctx, `(function(){window.__samePage = true; return true})()`)
			if b.EstateID != 0 {
				choose(t, "pick_e", b.EstateID)
			}
			choose(t, "pick_b", b.ID)
			if dw.EntranceID != 0 {
				choose(t, "pick_u", dw.EntranceID)
			}
			choose(t, "dwelling_id", dw.ID)
			Do(t, ctx, WaitFor(`!document.querySelector('#person-form[aria-busy]')`))
			if !Eval[bool](t, ctx, `window.__samePage === true`) {
				t.Fatal("choosing a place reloaded the page")
			}
			if got := Eval[string](t, ctx, `document.querySelector('#person-form input[name=name]').value + "|" + document.querySelector('#person-form input[name=phone]').value`); got != name+"|"+phone {
				t.Fatalf("after choosing the place the form holds %q", got)
			}
			noSideScroll(t, ctx, "the new-resident form")

			// A refused submission (a bad phone) keeps every level chosen.
			Do(t, ctx, chromedp.SetValue(Sel(`#person-form input[name=phone]`), "12345"))
			Do(t, ctx, chromedp.Click(Sel(`#person-form button.primary`)), WaitSel(`#person-form .ferr`))
			for sel, want := range map[string]int64{"pick_b": b.ID, "dwelling_id": dw.ID} {
				if got := Eval[string](t, ctx, `document.querySelector('#person-form select[name=`+sel+`]').value`); got != fmt.Sprint(want) {
					t.Fatalf("after the refusal %s is %q, want %d", sel, got, want)
				}
			}
			if got := Eval[string](t, ctx, `document.querySelector('#person-form input[name=name]').value`); got != name {
				t.Fatalf("after the refusal the name is %q", got)
			}
			Do(t, ctx, chromedp.SetValue(Sel(`#person-form input[name=phone]`), phone))
			submitAndWait(t, ctx, `#person-form button.primary`)
			if d := Text(t, ctx, "#person-details"); !strings.Contains(d, dw.Address()) {
				t.Fatalf("the new resident lives at:\n%s", d)
			}
		})
	}
}

// A refused case step comes back by post/redirect/get: the address is the
// case's, the form is open with the problem, and a refresh does not post again.
func TestCaseStepRefusalIsPostRedirectGet(t *testing.T) {
	site := StartDemo(t, 100)
	ctx := Browser(t)
	c := context.Background()
	grid := firstGrid(t, site)
	id, err := site.App.Cases.Create(c, auth.System("e2e"), cases.CreateInput{Type: "request", Category: "property", Title: "楼道灯不亮", Description: "三楼楼道灯坏了一周",
		Source: "phone", CommunityID: grid.CommunityID, GridID: grid.ID, ReporterName: "住户", ReporterPhone: "13905719999"})
	if err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/cases/%d", id)
	events := func() int {
		tl, err := site.App.Cases.Timeline(c, auth.System("e2e"), id)
		if err != nil {
			t.Fatal(err)
		}
		return len(tl)
	}
	Do(t, ctx, Login(site.URL, "community_admin", DemoPassword))
	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			before := events()
			Do(t, ctx, chromedp.EmulateViewport(vp.w, vp.h), chromedp.Navigate(site.URL+path), WaitSel(`#step-reject`),
				chromedp.Click(Sel(`#step-reject > summary`)), chromedp.WaitVisible(Sel(`#step-reject form`)))
			// The browser would ask for the note itself; the server's answer is the one tried.
			Eval[bool](t, ctx, `(function(){const f=document.querySelector('#step-reject form'); f.noValidate=true; const r=f.querySelector('[name=public_reply]'); if (r) r.value='正在核实'; return true})()`)
			Do(t, ctx, chromedp.Click(Sel(`#step-reject button[type=submit]`)), WaitFor(`location.pathname === `+jsString(path)+` && document.readyState === "complete" && !!document.querySelector('#step-reject[open] .ferr')`))
			if got := Eval[string](t, ctx, `location.pathname`); strings.HasSuffix(got, "/transition") {
				t.Fatalf("the refused step stays on %s", got)
			}
			if Eval[bool](t, ctx, `!!document.querySelector('#step-reject [name=public_reply]')`) {
				if v := Eval[string](t, ctx, `document.querySelector('#step-reject [name=public_reply]').value`); v != "正在核实" {
					t.Fatalf("the typed reply came back as %q", v)
				}
			}
			// A refresh loads the page again: no form is posted, nothing is recorded.
			Do(t, ctx, chromedp.Reload(), WaitSel(`#steps`))
			if Eval[bool](t, ctx, `!!document.querySelector('#step-reject[open]')`) {
				t.Fatal("the refused form came back on a refresh")
			}
			if n := events(); n != before {
				t.Fatalf("the refusal or the refresh recorded %d events", n-before)
			}
		})
	}
}
