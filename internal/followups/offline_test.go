package followups_test

import (
	"strconv"
	"strings"
	"testing"

	"linli/internal/apptest"
)

// The service worker and the pages' script are served to anyone (the login
// page is no place to fetch them from), as JavaScript that phones check for a
// new version at every visit; the worker may take the due list itself.
func TestOfflineScriptsAreServed(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		srv := w.Server(t)
		anon := apptest.NewClient(t, srv.URL)
		for _, c := range []struct{ path, want string }{
			{"/followups/sw.js", "addEventListener('fetch'"},
			{"/followups/assets/followups-offline.js", "indexedDB.open('linli-followups'"},
		} {
			resp, body := anon.Get(c.path)
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") ||
				resp.Header.Get("Cache-Control") != "no-cache" || !strings.Contains(body, c.want) {
				t.Fatalf("GET %s: %d %v", c.path, resp.StatusCode, resp.Header)
			}
		}
		if resp, _ := anon.Get("/followups/sw.js"); resp.Header.Get("Service-Worker-Allowed") != "/followups" {
			t.Fatalf("the worker's scope: %q", resp.Header.Get("Service-Worker-Allowed"))
		}
		// Every follow-up page a worker uses offline carries the script, the
		// queue's place and the account it belongs to.
		gw := apptest.NewClient(t, srv.URL).Login("grid_worker", apptest.Password)
		duty := w.Objects["fu_duty"][apptest.InA]
		for _, path := range []string{"/followups", "/followups/all", "/followups/duties/" + strconv.FormatInt(duty, 10), "/followups/duties/" + strconv.FormatInt(duty, 10) + "/record"} {
			page(t, gw, path, 200, `<script src="/followups/assets/followups-offline.js" defer></script>`, `id="fu-offline"`,
				`data-user="`+strconv.FormatInt(w.Users["grid_worker"], 10)+`"`, `data-msg-pending="待上传 {n} 条"`)
		}
	})
}
