package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// phoneUserAgent is an ordinary Android phone's browser.
const phoneUserAgent = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36"

// Phone makes the page a 390×844 phone: viewport, touch and the agent (with
// its client hints) of a phone's browser.
func Phone() Step {
	return chromedp.Steps(
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: phoneUserAgent,
				UserAgentMetadata: &emulation.UserAgentMetadata{Platform: "Android", PlatformVersion: "14", Model: "Pixel 8", Mobile: true,
					Brands: []*emulation.UserAgentBrandVersion{{Brand: "Chromium", Version: "126"}}}})
			return err
		}),
	)
}

// fitsPhoneWidth fails when anything on the page is wider than the viewport.
func fitsPhoneWidth(t *testing.T, ctx context.Context, where string) {
	t.Helper()
	if w := Eval[int](t, ctx, `document.scrollingElement.scrollWidth`); w > 390 {
		wide := Eval[string](t, ctx, `[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 391).slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id).join(' ')`)
		t.Fatalf("%s: the page is %d px wide on a 390 px phone (%s)", where, w, wide)
	}
}

// smallTargets lists the elements matching css smaller than 44×44 px.
func smallTargets(t *testing.T, ctx context.Context, css string) (int, string) {
	t.Helper()
	type res struct {
		N     int    `json:"n"`
		Small string `json:"small"`
	}
	r := Eval[res](t, ctx, `(() => { const all = [...document.querySelectorAll(`+jsString(css)+`)].filter(e => e.checkVisibility());
		const small = all.filter(e => { const b = e.getBoundingClientRect(); return b.height < 43.5 || b.width < 43.5; });
		return {n: all.length, small: small.slice(0, 5).map(e => { const b = e.getBoundingClientRect(); return e.outerHTML.slice(0, 80) + ' ' + Math.round(b.width) + 'x' + Math.round(b.height); }).join(' | ')}; })()`)
	return r.N, r.Small
}

// keepsPartsTogether narrows the label matching css so that its text up to
// the last character of one part (the building, "1幢"; else the last part with
// a break inside it) would just fit on the first line, and tells whether that
// part still lies on one line: a building name must not wrap between "1" and "幢".
const keepsPartsTogether = `((css) => {
	const el = document.querySelector(css); if (!el) return 'missing ' + css;
	const node = [...el.childNodes].find(n => n.nodeType === 3 && n.textContent.trim() === el.textContent.trim());
	if (!node) return 'not one text: ' + css;
	const text = node.textContent, parts = [...text.matchAll(/\S+/g)];
	const part = parts.filter(m => /\d/.test(m[0]) && /\D/.test(m[0])).pop() || parts.filter(m => m[0].length > 1).pop();
	if (!part) return 'no part to test in ' + text;
	const start = part.index, end = part.index + part[0].length;
	const probe = document.createElement('span'); probe.style.whiteSpace = 'pre'; probe.style.font = getComputedStyle(el).font;
	probe.textContent = text.slice(0, end - 1).trimStart(); document.body.appendChild(probe);
	const w = probe.getBoundingClientRect().width; probe.remove();
	el.style.display = 'inline-block'; el.style.width = (w + 1) + 'px'; el.style.maxWidth = 'none';
	const r = document.createRange(); r.setStart(node, start); r.setEnd(node, end);
	const tops = new Set([...r.getClientRects()].filter(b => b.width > 0).map(b => Math.round(b.top)));
	el.style.display = el.style.width = el.style.maxWidth = '';
	return tops.size === 1 ? 'ok' : 'split: ' + text + ' wraps inside ' + part[0];
})`

// The resident list on a phone: search and 筛选 first, filters folded until
// opened, compact two-line rows, 20 a page and 加载更多 appending in place;
// nothing wider than the screen; building names whole. On a desktop the table
// with its filters and pager as before.
func TestPhoneRegistryList(t *testing.T) {
	site := StartDemo(t, 300)
	ctx := Browser(t)
	Do(t, ctx, Phone(), Login(site.URL, "community_admin", DemoPassword),
		chromedp.Navigate(site.URL+"/registry?sort=name"),
		WaitSel(`#people tbody tr`),
	)
	fitsPhoneWidth(t, ctx, "/registry")
	// Search box and 筛选 on the first screen; the filters folded.
	if !Eval[bool](t, ctx, `(() => { const q = document.querySelector('#people-filter input[name=q]'), f = document.querySelector('#filter-toggle');
		return q.checkVisibility() && f.checkVisibility() && q.getBoundingClientRect().bottom < 844 && f.getBoundingClientRect().bottom < 844 &&
			f.getBoundingClientRect().height >= 43.5; })()`) {
		t.Fatal("the search box and 筛选 are not on the first screen of the phone")
	}
	if Eval[bool](t, ctx, `document.querySelector('#filter-fields select[name=sex]').checkVisibility()`) {
		t.Fatal("the filters are open before 筛选 is tapped")
	}
	// Compact rows: 20, each two lines (name; sex, age, address), the rest hidden.
	if n := Eval[int](t, ctx, `document.querySelectorAll('#people tbody tr').length`); n != 20 {
		t.Fatalf("a phone page shows %d rows, want 20", n)
	}
	if tall := Eval[string](t, ctx, `[...document.querySelectorAll('#people tbody tr')].filter(tr => tr.getBoundingClientRect().height > 100 ||
		tr.querySelector('td.c-id').checkVisibility() || !tr.querySelector('td.c-addr').checkVisibility() ||
		tr.querySelector('td.c-addr').getBoundingClientRect().top <= tr.querySelector('td.c-name').getBoundingClientRect().top).map(tr => tr.textContent.trim().slice(0, 40) + ' ' + Math.round(tr.getBoundingClientRect().height)).join(' | ')`); tall != "" {
		t.Fatalf("rows that are not compact two-line rows: %s", tall)
	}
	// The whole row is the tap target (the name's link covers it).
	if !Eval[bool](t, ctx, `(() => { const tr = document.querySelector('#people tbody tr'), b = tr.getBoundingClientRect();
		const hit = document.elementFromPoint(b.right - 8, b.bottom - 6); return !!hit && hit === tr.querySelector('td.c-name a'); })()`) {
		t.Fatal("a compact row is not one tap target")
	}
	// Addresses: broken only between their parts.
	if s := Eval[string](t, ctx, keepsPartsTogether+`('#people td.c-addr .addr')`); s != "ok" {
		t.Fatalf("address label: %s", s)
	}

	// 加载更多 with script: the next 20 appended in place, the address unchanged.
	href := Eval[string](t, ctx, `document.querySelector('#load-more a[data-load-more]').getAttribute('href')`)
	if !strings.Contains(href, "page=2") {
		t.Fatalf("加载更多 links to %q", href)
	}
	first := Eval[[]string](t, ctx, `[...document.querySelectorAll('#people td.c-name a')].map(a => a.getAttribute('href'))`)
	Do(t, ctx,
		chromedp.Click(Sel(`#load-more a[data-load-more]`)),
		WaitFor(`document.querySelectorAll('#people tbody tr').length === 40`),
	)
	both := Eval[[]string](t, ctx, `[...document.querySelectorAll('#people td.c-name a')].map(a => a.getAttribute('href'))`)
	seen := map[string]bool{}
	for _, h := range both {
		if seen[h] {
			t.Fatalf("加载更多 repeated %s", h)
		}
		seen[h] = true
	}
	if strings.Join(both[:20], ",") != strings.Join(first, ",") || strings.Contains(Eval[string](t, ctx, `location.search`), "page=") {
		t.Fatal("加载更多 did not append in place")
	}
	if h := Eval[string](t, ctx, `document.querySelector('#load-more a[data-load-more]').getAttribute('href')`); !strings.Contains(h, "page=3") || strings.Contains(h, "fragment") {
		t.Fatalf("after one 加载更多 the link is %q", h)
	}
	fitsPhoneWidth(t, ctx, "/registry after 加载更多")

	// 筛选 opens the filters; applying one filters the list and shows it as a chip.
	Do(t, ctx, chromedp.Click(Sel(`#filter-toggle`)), WaitFor(`document.querySelector('#filter-fields select[name=sex]').checkVisibility()`))
	fitsPhoneWidth(t, ctx, "/registry with the filters open")
	sameLine(t, ctx, "phone")
	Do(t, ctx,
		chromedp.SetValue(Sel(`#filter-fields select[name=sex]`), "F"),
		chromedp.Click(Sel(`#filter-fields button[type=submit]`)),
		WaitURL("sex=F"),
		WaitSel(`#people tbody tr`),
	)
	if sexes := Eval[string](t, ctx, `[...new Set([...document.querySelectorAll('#people td.c-sex')].map(td => td.textContent.trim()))].join(',')`); sexes != "女" {
		t.Fatalf("filtered by 女, the rows show %q", sexes)
	}
	if chip, count := Text(t, ctx, `#filter-chips`), Text(t, ctx, `#filter-toggle .count`); !strings.Contains(chip, "性别：女") || count != "1" {
		t.Fatalf("chips %q, count %q", chip, count)
	}
	if Eval[bool](t, ctx, `document.querySelector('#filter-fields select[name=sex]').checkVisibility()`) {
		t.Fatal("after applying a filter the filters stay open on a phone")
	}
	Do(t, ctx, chromedp.Click(Sel(`#filter-chips a.chip`)), WaitFor(`!location.search.includes('sex=') && document.readyState === 'complete'`))
	// A choice that reloads the page at once (the grid) keeps the filters open.
	Do(t, ctx, chromedp.Click(Sel(`#filter-toggle`)), WaitFor(`document.querySelector('#filter-fields select[name=grid]').checkVisibility()`),
		chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector('#filter-fields select[name=grid]'); s.value = s.options[1].value;
			s.dispatchEvent(new Event('change', {bubbles: true})); })()`),
		WaitURL("grid="), WaitSel(`#people tbody tr`),
	)
	if !Eval[bool](t, ctx, `document.querySelector('#filter-fields select[name=grid]').checkVisibility() && document.querySelector('#filter-fields select[name=grid]').value !== ''`) {
		t.Fatal("after choosing a grid the filters folded away")
	}
	if h := Eval[string](t, ctx, `[...document.querySelectorAll('#filter-chips a.chip, #load-more a')].map(a => a.getAttribute('href')).join(' ')`); strings.Contains(h, "fopen") {
		t.Fatalf("links keep the open-filters mark: %s", h)
	}

	// Without script 加载更多 is a link to the next page of 20.
	Do(t, ctx,
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
			return err
		}),
		chromedp.Navigate(site.URL+"/registry?sort=name"),
		WaitSel(`#load-more a[rel=next]`),
		chromedp.Click(Sel(`#load-more a[rel=next]`)),
		WaitURL("page=2"),
	)
	if got := Eval[[]string](t, ctx, `[...document.querySelectorAll('#people td.c-name a')].map(a => a.getAttribute('href'))`); strings.Join(got, ",") != strings.Join(both[20:], ",") {
		t.Fatalf("without script page 2 shows %v, want %v", got, both[20:])
	}
	Do(t, ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: false})
		return err
	}))

	// A desktop: the table, its filters and the pager, 50 a page.
	Do(t, ctx, chromedp.EmulateReset(), chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(site.URL+"/registry?sort=name"),
		WaitSel(`#people tbody tr`),
	)
	if !Eval[bool](t, ctx, `getComputedStyle(document.querySelector('#people thead')).display === 'table-header-group' &&
		document.querySelector('#filter-fields select[name=sex]').checkVisibility() && !document.querySelector('#filter-toggle').checkVisibility() &&
		document.querySelectorAll('#people tbody tr').length === 50 && !!document.querySelector('.pager a[rel=next]') && !document.querySelector('#load-more') &&
		getComputedStyle(document.querySelector('#people td.c-id')).display === 'table-cell'`) {
		t.Fatalf("the desktop list is not the table with its filters, 50 rows and the pager: %s", Eval[string](t, ctx, `[getComputedStyle(document.querySelector('#people thead')).display,
			document.querySelector('#filter-fields select[name=sex]').checkVisibility(), document.querySelector('#filter-toggle').checkVisibility(),
			document.querySelectorAll('#people tbody tr').length, !!document.querySelector('.pager a[rel=next]'), innerWidth, navigator.userAgent].join(' ')`))
	}
	sameLine(t, ctx, "desktop")
}

// sameLine checks that the 只看户主 checkbox sits with its words.
func sameLine(t *testing.T, ctx context.Context, where string) {
	t.Helper()
	s := Eval[string](t, ctx, `(() => { const box = document.querySelector('#people-filter input[name=head]'), label = box.closest('label');
		const text = [...label.childNodes].find(n => n.nodeType === 3 && n.textContent.trim()); const r = document.createRange(); r.selectNodeContents(text);
		const b = box.getBoundingClientRect(), w = [...r.getClientRects()].filter(x => x.width > 0)[0];
		const midB = b.top + b.height / 2, midW = w.top + w.height / 2;
		return Math.abs(midB - midW) <= 6 && w.left >= b.right - 1 && w.left - b.right <= 16 ? 'ok' : 'box ' + JSON.stringify(b) + ' words ' + JSON.stringify(w); })()`)
	if s != "ok" {
		t.Fatalf("%s: 只看户主 sits apart from its checkbox: %s", where, s)
	}
}

// The grid worker's path on a phone: grid → building → rooms by unit and
// floor → person, with one thumb: targets of 44 px, nothing wider than the
// screen, building names whole, the way back at the bottom.
func TestPhoneGridWorkerPath(t *testing.T) {
	site := StartDemo(t, 300)
	ctx := Browser(t)
	Do(t, ctx, Phone(), Login(site.URL, "grid_worker", DemoPassword),
		chromedp.Navigate(site.URL+"/registry/grid"),
		WaitSel(`#buildings a.tile`),
	)
	fitsPhoneWidth(t, ctx, "/registry/grid")
	if n, small := smallTargets(t, ctx, `#buildings a.tile, #grid-search input[type=search], #grid-search button`); n < 3 || small != "" {
		t.Fatalf("grid page: %d targets, too small: %s", n, small)
	}
	if s := Eval[string](t, ctx, keepsPartsTogether+`('#buildings a.tile b')`); s != "ok" {
		t.Fatalf("building tile: %s", s)
	}
	Do(t, ctx, chromedp.Click(Sel(`#buildings a.tile`)), WaitSel(`#rooms a.room`))
	fitsPhoneWidth(t, ctx, "a building")
	if n, small := smallTargets(t, ctx, `#rooms a.room, .dwelling .actions a, .dwelling td.g-name > a, #grid-bar a`); n < 4 || small != "" {
		t.Fatalf("building page: %d targets, too small: %s", n, small)
	}
	// The way back stays at the bottom of the screen.
	if !Eval[bool](t, ctx, `(() => { window.scrollTo(0, document.body.scrollHeight / 2); const b = document.querySelector('#grid-bar').getBoundingClientRect();
		return b.bottom <= innerHeight + 1 && b.top >= innerHeight - 120; })()`) {
		t.Fatal("the building page's bar is not at the bottom of the screen")
	}
	// Rooms by unit and floor, top floor first; a room leads to its residents.
	floors := Eval[[]string](t, ctx, `[...document.querySelector('#rooms').querySelectorAll('.floor .fl')].map(e => e.textContent.trim())`)
	if len(floors) < 2 || !strings.HasSuffix(floors[0], "层") {
		t.Fatalf("floors: %v", floors)
	}
	room := Eval[string](t, ctx, `[...document.querySelectorAll('#rooms a.room:not(.empty)')][0].getAttribute('href')`)
	Do(t, ctx, chromedp.Click(Sel(fmt.Sprintf(`#rooms a.room[href=%q]`, room))), WaitFor(`location.hash === `+jsString(room)))
	if !Eval[bool](t, ctx, `(() => { const s = document.querySelector(location.hash).getBoundingClientRect(); return s.top >= -1 && s.top < innerHeight / 2; })()`) {
		t.Fatal("a room's residents are not brought into view")
	}
	Do(t, ctx,
		chromedp.Click(Sel(room+` td.g-name > a`)),
		WaitSel(`#quick-form`),
	)
	fitsPhoneWidth(t, ctx, "a person's quick edit")
	if n, small := smallTargets(t, ctx, `#quick-form input, #quick-form select, #quick-form button, .breadcrumb a`); n < 4 || small != "" {
		t.Fatalf("person page: %d targets, too small: %s", n, small)
	}
}

// /admin/calendar's month grids fit their cards, on a desktop and on a phone.
func TestCalendarMonthsFitTheirCards(t *testing.T) {
	site := StartDemo(t, 20)
	ctx := Browser(t)
	Do(t, ctx, Login(site.URL, "sys_admin", DemoPassword))
	check := func(where string) {
		t.Helper()
		Do(t, ctx, chromedp.Navigate(site.URL+"/admin/calendar?year=2026"), WaitSel(`#calendar-year table`))
		spill := Eval[string](t, ctx, `[...document.querySelectorAll('#calendar-year > .panel')].filter(p => {
			const c = p.getBoundingClientRect(), g = p.querySelector('table').getBoundingClientRect(); return g.right > c.right + 0.5 || g.left < c.left - 0.5; })
			.map(p => p.querySelector('b').textContent).join(',')`)
		if spill != "" {
			t.Fatalf("%s: month grids spill out of their card: %s", where, spill)
		}
		if n := Eval[int](t, ctx, `document.querySelectorAll('#calendar-year > .panel').length`); n != 12 {
			t.Fatalf("%s: %d months", where, n)
		}
	}
	check("desktop 1280")
	for _, w := range []int64{1024, 800} {
		Do(t, ctx, chromedp.EmulateViewport(w, 900))
		check(fmt.Sprintf("desktop %d", w))
	}
	Do(t, ctx, Phone())
	check("phone")
	fitsPhoneWidth(t, ctx, "/admin/calendar")
}

// The monthly trend on a phone: the bar's cell has no label, so no "：".
func TestPhoneStatsTrendHasNoStrayColon(t *testing.T) {
	site := StartDemo(t, 50)
	ctx := Browser(t)
	Do(t, ctx, Phone(), Login(site.URL, "community_admin", DemoPassword),
		chromedp.Navigate(site.URL+"/cases/stats"),
		WaitSel(`#stats-months`),
	)
	stray := Eval[string](t, ctx, `[...document.querySelectorAll('table.list td')].filter(td => td.checkVisibility() &&
		(getComputedStyle(td, '::before').content || '').includes('：') && !td.getAttribute('data-label')).map(td => td.outerHTML.slice(0, 80)).join(' | ')`)
	if stray != "" {
		t.Fatalf("cells without a label show a stray ：: %s", stray)
	}
	if n := Eval[int](t, ctx, `document.querySelectorAll('#stats-months progress').length`); n == 0 {
		t.Fatal("no trend bars to look at")
	}
}
