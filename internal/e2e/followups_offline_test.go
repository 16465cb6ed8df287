package e2e

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"linli/internal/app"
	"linli/internal/auth"
	"linli/internal/dbtest"
	"linli/internal/demo"
	"linli/internal/followups"
	"linli/internal/privacy"
)

// cutoff stands for the phone's lost signal on the server's side. The
// browser's network emulation must stop the phone's requests, but it is set
// per target: a service worker that Chromium stops and starts again (it does
// so on a loaded machine) is a new target without it, and the browser's own
// update check of the worker's script is no target's at all. So while the
// phone is offline every request that still arrives meets a dead connection,
// as it would in a stairwell, and is written down: a record sent (anything
// but a GET) is a fault of the page, a GET one of the harness.
type cutoff struct {
	h       http.Handler
	offline atomic.Bool
	mu      sync.Mutex
	leaked  []string
}

func (c *cutoff) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if c.offline.Load() {
		c.mu.Lock()
		c.leaked = append(c.leaked, fmt.Sprintf("%s %s (Service-Worker: %q, Sec-Fetch-Dest: %q)", r.Method, r.URL.RequestURI(),
			r.Header.Get("Service-Worker"), r.Header.Get("Sec-Fetch-Dest")))
		c.mu.Unlock()
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		http.Error(w, "offline", http.StatusServiceUnavailable)
		return
	}
	c.h.ServeHTTP(w, r)
}

// sent is what reached the server while the phone was offline and was not a
// GET, and all that reached it.
func (c *cutoff) sent() (posts, all []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, l := range c.leaked {
		if !strings.HasPrefix(l, "GET ") {
			posts = append(posts, l)
		}
	}
	return posts, append([]string(nil), c.leaked...)
}

// startDemoBehind is StartDemo with the server behind a cutoff.
func startDemoBehind(t *testing.T, residents int) (*Site, *cutoff) {
	t.Helper()
	d := dbtest.SQLite(t, app.Migrations())
	keys, err := privacy.NewKeys(make([]byte, privacy.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	a := app.New(app.Options{DB: d, Keys: keys, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if _, err := demo.Setup(context.Background(), a, demo.Options{Password: DemoPassword, Residents: residents, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	c := &cutoff{h: a.Web}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	return &Site{App: a, URL: srv.URL}, c
}

// offlineStep switches one target's network off or on.
func offlineStep(off bool) Step {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if err := t.Call(ctx, "Network.enable", map[string]any{}, nil); err != nil {
			return err
		}
		if err := t.Call(ctx, "Network.emulateNetworkConditionsByRule", map[string]any{"offline": off, "emulateOfflineServiceWorker": off,
			"matchedNetworkConditions": []map[string]any{{"urlPattern": "", "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}}}, nil); err != nil {
			return fmt.Errorf("Network.emulateNetworkConditionsByRule: %w", err)
		}
		return nil
	})
}

// setOffline switches the phone's network off or on: the page's, with
// navigator.onLine, and its service worker's, whose requests are its own
// (the page's emulation does not stop them).
func setOffline(t *testing.T, b context.Context, off bool) {
	t.Helper()
	targets, err := chromedp.Targets(b)
	if err != nil {
		t.Fatal(err)
	}
	workers := 0
	// The worker first: back online, the page's "online" sends at once.
	for _, info := range targets {
		if info.Type != "service_worker" {
			continue
		}
		workers++
		wctx, _ := chromedp.NewContext(b, chromedp.WithTargetID(info.TargetID))
		Do(t, wctx, offlineStep(off))
	}
	if workers == 0 {
		t.Fatal("no service worker is running")
	}
	Do(t, b, offlineStep(off), chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		return tg.Call(ctx, "Network.emulateNetworkConditions", map[string]any{"offline": off, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}, nil)
	}))
	if on := Eval[bool](t, b, `navigator.onLine`); on == off {
		t.Fatalf("navigator.onLine is %v with the network off: %v", on, off)
	}
}

// bigPhoto writes a 2400×1800 JPEG, bigger than the 1600 px the phone keeps.
func bigPhoto(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 2400, 1800))
	for x := 0; x < 2400; x++ {
		for y := 0; y < 1800; y++ {
			img.Set(x, y, color.RGBA{uint8(x / 10), uint8(y / 8), 120, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "楼道.jpg")
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// A grid worker on a phone: the due list, loaded with signal, keeps its
// duties' pages and forms on the phone; in a stairwell without signal two
// visits are recorded with a photo each from those forms and wait on the
// phone (待上传 2 条); with signal again they are sent, once each, their
// photos no wider than 1600 px. A visit kept on the phone for a duty that
// ended meanwhile is refused and stays under 未能上传 with the reason.
func TestPhoneFollowUpOffline(t *testing.T) {
	site, cut := startDemoBehind(t, 120)
	ctx := context.Background()
	f := site.App.Followups
	res, err := site.App.Auth.Login(ctx, "grid_worker", DemoPassword, "e2e", "e2e", auth.KindWeb)
	if err != nil {
		t.Fatal(err)
	}
	grid, ok := site.App.Org.Lookup(ctx, res.Principal.Scope.Grids[0])
	if !ok {
		t.Fatal("the grid worker's grid")
	}
	sys := auth.System("e2e")
	var elderly int64
	if err := site.App.DB.QueryRowContext(ctx, `SELECT id FROM reg_tag WHERE code = 'elderly'`).Scan(&elderly); err != nil {
		t.Fatal(err)
	}
	visits, err := f.CreateRule(ctx, sys, followups.Rule{OrgID: grid.CommunityID, Name: "老年人每周走访", Kind: followups.KindVisit, Subject: followups.SubjectTag,
		TagID: elderly, Every: 7, Unit: followups.UnitDay, Assign: followups.AssignGridWorker})
	if err != nil {
		t.Fatal(err)
	}
	patrol, err := f.CreateRule(ctx, sys, followups.Rule{OrgID: grid.CommunityID, Name: "网格每周巡查", Kind: followups.KindInspection, Subject: followups.SubjectGrid,
		Every: 1, Unit: followups.UnitWeek, Assign: followups.AssignGridWorker})
	if err != nil {
		t.Fatal(err)
	}
	f.Now = func() time.Time { return time.Now().AddDate(0, 0, 21) }
	dutiesOf := func(rule int64) []int64 {
		rows, err := site.App.DB.QueryContext(ctx, `SELECT id FROM fu_duty WHERE rule_id = ? AND grid_id = ? AND status = 'active' ORDER BY id`, rule, grid.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			out = append(out, id)
		}
		return out
	}
	people, grids := dutiesOf(visits), dutiesOf(patrol)
	if len(people) < 3 || len(grids) != 1 {
		t.Fatalf("the grid has %d visit duties and %d patrol duties; the test needs 3 and 1", len(people), len(grids))
	}
	count := func(duty int64) (records, photos int) {
		if err := site.App.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM fu_record WHERE duty_id = ?`, duty).Scan(&records); err != nil {
			t.Fatal(err)
		}
		if err := site.App.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM fu_record_photo p JOIN fu_record r ON r.community_id = p.community_id AND r.id = p.record_id
			WHERE r.duty_id = ?`, duty).Scan(&photos); err != nil {
			t.Fatal(err)
		}
		return
	}
	photo := bigPhoto(t)
	precached := func() Step {
		return WaitFor(`document.documentElement.getAttribute('data-fu-precached') !== null`)
	}
	fill := func(b context.Context, duty int64, note string, withPhoto bool) {
		t.Helper()
		if _, err := chromedp.Run(b, chromedp.Steps(chromedp.Navigate(fmt.Sprintf("%s/followups/duties/%d/record", site.URL, duty)), WaitSel(`#record-form`))); err != nil {
			t.Fatalf("the record form of duty %d: %v; at %s: %.300s", duty, err, Eval[string](t, b, `location.href`), Eval[string](t, b, `document.body.innerHTML`))
		}
		steps := []Step{
			chromedp.Click(Sel(`#ways label:nth-child(1)`)),
			chromedp.SendKeys(Sel(`#record-form textarea[name=note]`), note),
		}
		if withPhoto {
			steps = append(steps, chromedp.SetUploadFiles(Sel(`#record-form input[name=photos]`), []string{photo}))
		}
		steps = append(steps, chromedp.Click(Sel(`#record-form button[type=submit]`)), WaitSel(`#duties, #duties-none`), WaitSel(`.flash`))
		if _, err := chromedp.Run(b, chromedp.Steps(steps...)); err != nil {
			t.Fatalf("saving the record of duty %d: %v; at %s: %.300s", duty, err, Eval[string](t, b, `location.href`), Eval[string](t, b, `document.body.innerText`))
		}
	}

	b := Browser(t)
	Do(t, b, Phone(), Login(site.URL, "grid_worker", DemoPassword))
	// With signal: the due list, which the worker keeps on the phone.
	Do(t, b, chromedp.Navigate(site.URL+"/followups"), WaitSel(`#duties a.fu-row`), precached())
	for _, d := range append([]int64{people[0], people[1], people[2]}, grids[0]) {
		if n := Eval[int](t, b, fmt.Sprintf(`document.querySelectorAll('#duties a[href="/followups/duties/%d"]').length`, d)); n != 1 {
			t.Fatalf("duty %d is not on the due list", d)
		}
	}
	// A visit recorded with signal goes at once.
	fill(b, people[0], "有信号时走访", false)
	Do(t, b, precached())
	if s := Text(t, b, `.flash`); s != "已记录走访" {
		t.Fatalf("after saving with signal: %q", s)
	}
	if n, _ := count(people[0]); n != 1 {
		t.Fatalf("the visit recorded with signal: %d records", n)
	}
	if Eval[bool](t, b, `!document.getElementById('fu-pending').hidden`) {
		t.Fatal("待上传 shows with nothing waiting")
	}

	// No signal: the forms open from the phone, the visits wait on it.
	setOffline(t, b, true)
	cut.offline.Store(true)
	fill(b, people[1], "离线走访一", true)
	if s := Text(t, b, `.flash`); !strings.Contains(s, "有信号时自动上传") {
		t.Fatalf("after saving without signal: %q", s)
	}
	if s := Text(t, b, `#fu-banner`); !strings.Contains(s, "离线") {
		t.Fatalf("the due list from the phone shows no 离线 banner: %q", s)
	}
	fill(b, people[2], "离线走访二", true)
	pending := func(where, want string) {
		t.Helper()
		if _, err := chromedp.Run(b, WaitFor(`document.getElementById('fu-pending').innerText === `+jsString(want))); err != nil {
			t.Fatalf("%s says %q, want %q", where, Eval[string](t, b, `document.getElementById('fu-pending').innerText`), want)
		}
	}
	pending("the due list without signal", "待上传 2 条")
	Do(t, b, chromedp.Navigate(fmt.Sprintf("%s/followups/duties/%d", site.URL, people[1])), WaitSel(`#fu-pending`))
	pending("a duty's page without signal", "待上传 2 条")
	if posts, all := cut.sent(); len(posts) != 0 {
		t.Fatalf("the phone sent while offline: %q", posts)
	} else if len(all) != 0 {
		t.Logf("reached the server while the phone was offline, refused as by a dead signal: %q", all)
	}
	for _, d := range people[1:3] {
		if n, _ := count(d); n != 0 {
			t.Fatalf("duty %d has %d records before the phone is online", d, n)
		}
	}

	// Signal again: each waiting visit is sent once, with its photo made
	// small on the phone.
	cut.offline.Store(false)
	setOffline(t, b, false)
	// Sent at once as a rule; a send that stalls in the switch (Chromium
	// may hold a request while its service worker restarts) is given up
	// after the page's minute and sent again: allow for that.
	if _, err := chromedp.Run(b, WaitForUpTo(`document.getElementById('fu-offline').getAttribute('data-pending') === '0'`, 75*time.Second)); err != nil {
		t.Fatalf("back online: %v; the page still says %q", err, Text(t, b, `#fu-pending`))
	}
	if s := Eval[bool](t, b, `document.getElementById('fu-pending').hidden`); !s {
		t.Fatal("待上传 still shows after sending")
	}
	for i, d := range people[1:3] {
		n, p := count(d)
		if n != 1 || p != 1 {
			t.Fatalf("duty %d after sending: %d records, %d photos; want 1 and 1", d, n, p)
		}
		var note string
		var data []byte
		if err := site.App.DB.QueryRowContext(ctx, `SELECT r.note, p.data FROM fu_record r JOIN fu_record_photo p ON p.community_id = r.community_id AND p.record_id = r.id
			WHERE r.duty_id = ?`, d).Scan(&note, &data); err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("离线走访%s", []string{"一", "二"}[i]); note != want {
			t.Fatalf("duty %d's record says %q, want %q", d, note, want)
		}
		cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil || format != "jpeg" || cfg.Width > 1600 || cfg.Height > 1600 || cfg.Width < 1000 {
			t.Fatalf("duty %d's photo: %s %dx%d (%v), want a JPEG of at most 1600 px", d, format, cfg.Width, cfg.Height, err)
		}
	}

	// A visit kept on the phone while its duty ended: refused, kept with the
	// server's reason until the worker deletes it.
	Do(t, b, chromedp.Navigate(site.URL+"/followups"), WaitSel(`#duties a.fu-row`), precached())
	setOffline(t, b, true)
	cut.offline.Store(true)
	fill(b, grids[0], "离线巡查", false)
	pending("the due list with the patrol waiting", "待上传 1 条")
	if posts, _ := cut.sent(); len(posts) != 0 {
		t.Fatalf("the phone sent while offline: %q", posts)
	}
	rule, err := f.GetRule(ctx, sys, patrol)
	if err != nil {
		t.Fatal(err)
	}
	rule.Active = false
	cut.offline.Store(false)
	if err := f.UpdateRule(ctx, sys, patrol, *rule); err != nil {
		t.Fatal(err)
	}
	setOffline(t, b, false)
	Do(t, b, WaitForUpTo(`!document.getElementById('fu-refused').hidden`, 75*time.Second))
	if s := Text(t, b, `#fu-refused`); !strings.Contains(s, "未能上传") || !strings.Contains(s, "这项走访任务已结束") || !strings.Contains(s, "离线巡查") {
		t.Fatalf("未能上传 shows %q", s)
	}
	if n, _ := count(grids[0]); n != 0 {
		t.Fatal("the refused visit was saved")
	}
	if s := Eval[bool](t, b, `document.getElementById('fu-pending').hidden`); !s {
		t.Fatal("a refused visit still counts as waiting")
	}
	// Deleted by the worker, it is gone.
	Eval[bool](t, b, `(window.confirm = () => true, true)`)
	Do(t, b, chromedp.Click(Sel(`#fu-refused button`)), WaitFor(`document.getElementById('fu-refused').hidden`))

	// Logging out from any page, here the home page, takes the kept pages
	// off the phone: the next person to pick it up finds no resident there.
	caches := func(cond string) Step {
		return WaitFor(`(caches.keys().then(k => { window.__caches = k.length; }), window.__caches !== undefined && window.__caches ` + cond + `)`)
	}
	Do(t, b, chromedp.Navigate(site.URL+"/"), WaitSel(`header.topbar`), caches("> 0"))
	Do(t, b, Logout(), caches("=== 0"))
}
