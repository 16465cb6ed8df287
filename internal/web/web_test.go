package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"linli/internal/apptest"
	"linli/internal/dbtest"
	"linli/internal/registry"
)

func TestCSRFAndOriginRefuseForgedPosts(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		srv := w.Server(t)
		c := apptest.NewClient(t, srv.URL).Login("community_admin", apptest.Password)
		before := dbtest.Digest(t, w.DB, "audit_log", "audit_head", "auth_session")
		form := url.Values{"grid_id": {itoa(w.GridA)}, "name": {"伪造楼"}}

		// No token at all.
		req, _ := http.NewRequest("POST", srv.URL+"/places/buildings", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, _ := c.HTTP.Do(req)
		if resp.StatusCode != 403 {
			t.Fatalf("POST without CSRF token: %d", resp.StatusCode)
		}
		// A wrong token.
		saved := c.CSRF
		c.CSRF = "forged"
		if resp, _ := c.PostForm("/places/buildings", form); resp.StatusCode != 403 {
			t.Fatalf("POST with a wrong token: %d", resp.StatusCode)
		}
		c.CSRF = saved
		// The right token from a foreign Origin.
		form.Set("_csrf", c.CSRF)
		req, _ = http.NewRequest("POST", srv.URL+"/places/buildings", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://evil.example")
		resp, _ = c.HTTP.Do(req)
		if resp.StatusCode != 403 {
			t.Fatalf("POST from a foreign Origin: %d", resp.StatusCode)
		}
		// The right token but a foreign Referer and no Origin.
		req, _ = http.NewRequest("POST", srv.URL+"/places/buildings", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Referer", "https://evil.example/page")
		resp, _ = c.HTTP.Do(req)
		if resp.StatusCode != 403 {
			t.Fatalf("POST with a foreign Referer: %d", resp.StatusCode)
		}
		// JSON with the session cookie but without the header token.
		c.CSRF = ""
		if resp, _ := c.JSON("POST", "/api/v1/buildings", `{"grid_id":`+itoa(w.GridA)+`,"name":"伪造楼"}`); resp.StatusCode != 403 {
			t.Fatalf("cookie JSON POST without token: %d", resp.StatusCode)
		}
		c.CSRF = saved
		if after := dbtest.Digest(t, w.DB, "audit_log", "audit_head", "auth_session"); after != before {
			t.Fatal("a refused request changed data")
		}
		// The same request done right goes through.
		if resp, body := c.PostForm("/places/buildings", url.Values{"grid_id": {itoa(w.GridA)}, "name": {"真楼"}}); resp.StatusCode != 303 {
			t.Fatalf("genuine POST: %d %s", resp.StatusCode, body)
		}
	})
}

func TestSecurityHeadersAndCookies(t *testing.T) {
	d := dbtest.SQLite(t, apptest.Migrations())
	w := apptest.New(t, d)
	srv := httptest.NewTLSServer(w.App.Web)
	defer srv.Close()
	c := apptest.NewClient(t, srv.URL)
	c.HTTP.Transport = srv.Client().Transport
	resp, _ := c.Get("/login")
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Strict-Transport-Security"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("missing header %s", h)
		}
	}
	if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Errorf("CSP must forbid outside scripts: %s", resp.Header.Get("Content-Security-Policy"))
	}
	loginResp := loginRaw(t, srv, "grid_worker")
	var session *http.Cookie
	for _, ck := range loginResp.Cookies() {
		if ck.Name == "linli_session" {
			session = ck
		}
	}
	if session == nil || !session.HttpOnly || !session.Secure || session.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie flags over HTTPS: %+v", session)
	}
}

// loginRaw logs in over srv with a fresh client and returns the login response.
func loginRaw(t *testing.T, srv *httptest.Server, user string) *http.Response {
	c := apptest.NewClient(t, srv.URL)
	if srv.TLS != nil {
		c.HTTP.Transport = srv.Client().Transport
	}
	c.Get("/login")
	v := url.Values{"username": {user}, "password": {apptest.Password}, "_csrf": {preLogin(c, srv.URL)}}
	req, _ := http.NewRequest("POST", srv.URL+"/login", strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", srv.URL)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 303 {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	return resp
}

func preLogin(c *apptest.Client, base string) string {
	u, _ := url.Parse(base)
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if ck.Name == "linli_csrf" {
			return ck.Value
		}
	}
	return ""
}

func TestLoginPageErrorsAndLockInChinese(t *testing.T) {
	d := dbtest.SQLite(t, apptest.Migrations())
	w := apptest.New(t, d)
	srv := w.Server(t)
	c := apptest.NewClient(t, srv.URL)
	c.Get("/login")
	for i := 0; i < 4; i++ {
		resp, body := c.PostForm("/login", url.Values{"username": {"volunteer"}, "password": {"wrong-password"}})
		if resp.StatusCode != 401 || !strings.Contains(body, "用户名或密码错误") {
			t.Fatalf("wrong password %d: %d", i, resp.StatusCode)
		}
	}
	// The fifth locks the account, and says no more than a wrong password does
	// (TestLockoutDoesNotTellWhichNamesExist): the message warns of locks.
	resp, body := c.PostForm("/login", url.Values{"username": {"volunteer"}, "password": {"wrong-password"}})
	if resp.StatusCode != 401 || !strings.Contains(body, "锁定") {
		t.Fatalf("5th wrong password: %d", resp.StatusCode)
	}
	resp, _ = c.PostForm("/login", url.Values{"username": {"volunteer"}, "password": {apptest.Password}})
	if resp.StatusCode != 401 {
		t.Fatalf("right password on a locked account: %d", resp.StatusCode)
	}
}

func TestAPISessionMeAndErrors(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		srv := w.Server(t)
		c := apptest.NewClient(t, srv.URL)
		resp, body := c.JSON("POST", "/api/v1/session", `{"username":"community_admin","password":"`+apptest.Password+`"}`)
		var tok struct{ Token string }
		if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &tok) != nil || tok.Token == "" {
			t.Fatalf("API login: %d %s", resp.StatusCode, body)
		}
		req, _ := http.NewRequest("GET", srv.URL+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+tok.Token)
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var me struct {
			Username string   `json:"username"`
			Roles    []string `json:"roles"`
			Scope    struct {
				Communities []int64 `json:"communities"`
				Label       string  `json:"label"`
			} `json:"scope"`
		}
		json.NewDecoder(r.Body).Decode(&me)
		r.Body.Close()
		if me.Username != "community_admin" || len(me.Roles) != 1 || me.Roles[0] != "community_admin" || len(me.Scope.Communities) != 1 || me.Scope.Communities[0] != w.C1 || me.Scope.Label != "一号社区" {
			t.Fatalf("me: %+v", me)
		}
		// Bearer requests need no CSRF token and are scoped like any other.
		req, _ = http.NewRequest("GET", srv.URL+"/api/v1/buildings/"+itoa(w.Objects["building"][apptest.InD]), nil)
		req.Header.Set("Authorization", "Bearer "+tok.Token)
		r, _ = http.DefaultClient.Do(req)
		r.Body.Close()
		if r.StatusCode != 404 {
			t.Fatalf("other community's building through the API: %d", r.StatusCode)
		}
		// Errors: wrong password, broken JSON, unknown field — Chinese message and a stable code.
		for _, tc := range []struct {
			body, code string
			status     int
		}{
			{`{"username":"community_admin","password":"nope"}`, "bad_credentials", 401},
			{`{"username":`, "bad_request", 400},
			{`{"user":"x"}`, "bad_request", 400},
		} {
			resp, body := apptest.NewClient(t, srv.URL).JSON("POST", "/api/v1/session", tc.body)
			var e struct {
				Error struct{ Code, Message string }
			}
			json.Unmarshal([]byte(body), &e)
			if resp.StatusCode != tc.status || e.Error.Code != tc.code || !strings.ContainsAny(e.Error.Message, "请求用户密码") || strings.Contains(body, "token") {
				t.Errorf("%s: %d %s", tc.body, resp.StatusCode, body)
			}
		}
		// A validation error names the field.
		cc := apptest.NewClient(t, srv.URL).Login("community_admin", apptest.Password)
		resp, body = cc.JSON("POST", "/api/v1/buildings", `{"grid_id":`+itoa(w.GridA)+`,"name":""}`)
		if resp.StatusCode != 422 || !strings.Contains(body, `"field":"name"`) || !strings.Contains(body, "楼栋名称") {
			t.Fatalf("validation: %d %s", resp.StatusCode, body)
		}
		// Logging out ends the token.
		req, _ = http.NewRequest("DELETE", srv.URL+"/api/v1/session", nil)
		req.Header.Set("Authorization", "Bearer "+tok.Token)
		r, _ = http.DefaultClient.Do(req)
		r.Body.Close()
		req, _ = http.NewRequest("GET", srv.URL+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+tok.Token)
		r, _ = http.DefaultClient.Do(req)
		r.Body.Close()
		if r.StatusCode != 401 {
			t.Fatalf("token after logout: %d", r.StatusCode)
		}
	})
}

func TestAPILockedAccountGetsNoToken(t *testing.T) {
	d := dbtest.SQLite(t, apptest.Migrations())
	w := apptest.New(t, d)
	srv := w.Server(t)
	for i := 0; i < 5; i++ {
		apptest.NewClient(t, srv.URL).JSON("POST", "/api/v1/session", `{"username":"volunteer","password":"nope"}`)
	}
	resp, body := apptest.NewClient(t, srv.URL).JSON("POST", "/api/v1/session", `{"username":"volunteer","password":"`+apptest.Password+`"}`)
	if resp.StatusCode != 401 || strings.Contains(body, "token") || !strings.Contains(body, `"code":"bad_credentials"`) {
		t.Fatalf("locked: %d %s", resp.StatusCode, body)
	}
}

func TestLogoutAndMustChangePassword(t *testing.T) {
	d := dbtest.SQLite(t, apptest.Migrations())
	w := apptest.New(t, d)
	srv := w.Server(t)
	c := apptest.NewClient(t, srv.URL).Login("grid_worker", apptest.Password)
	if resp, _ := c.PostForm("/logout", nil); resp.StatusCode != 303 {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	if resp, _ := c.Get("/places"); resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Fatalf("after logout: %d", resp.StatusCode)
	}
	// An account created with a temporary password must change it first.
	if _, err := w.DB.ExecContext(t.Context(), `UPDATE auth_user SET must_change_password = TRUE WHERE username = 'volunteer'`); err != nil {
		t.Fatal(err)
	}
	v := apptest.NewClient(t, srv.URL).Login("volunteer", apptest.Password)
	if resp, _ := v.Get("/places"); resp.StatusCode != 303 || resp.Header.Get("Location") != "/account/password" {
		t.Fatalf("must change: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := v.PostForm("/account/password", url.Values{"old_password": {apptest.Password}, "password": {"weak"}, "password_again": {"weak"}})
	if resp.StatusCode != 422 || !strings.Contains(body, "至少 8 位") {
		t.Fatalf("weak new password: %d", resp.StatusCode)
	}
	resp, _ = v.PostForm("/account/password", url.Values{"old_password": {apptest.Password}, "password": {"New-Pass-2027"}, "password_again": {"New-Pass-2027"}})
	if resp.StatusCode != 303 {
		t.Fatalf("change: %d", resp.StatusCode)
	}
	if resp, _ := v.Get("/places"); resp.StatusCode != 200 {
		t.Fatalf("after changing: %d", resp.StatusCode)
	}
}

func TestUploadLimitHealthAndMetrics(t *testing.T) {
	d := dbtest.SQLite(t, apptest.Migrations())
	w := apptest.New(t, d)
	w.App.Web.Cfg.MaxUpload = 1 << 10
	srv := w.Server(t)
	c := apptest.NewClient(t, srv.URL).Login("community_admin", apptest.Password)
	resp, body := c.PostForm("/places/buildings", url.Values{"name": {strings.Repeat("楼", 2000)}})
	if resp.StatusCode != 413 || !strings.Contains(body, "太大") {
		t.Fatalf("huge body: %d", resp.StatusCode)
	}
	resp, body = c.Get("/healthz")
	if resp.StatusCode != 200 || !strings.Contains(body, `"status":"ok"`) {
		t.Fatalf("healthz: %d %s", resp.StatusCode, body)
	}
	resp, body = c.Get("/metrics")
	if resp.StatusCode != 200 || !strings.Contains(body, `linli_http_requests_total{route="POST /places/buildings",status="413"} 1`) ||
		!strings.Contains(body, "\nlinli_http_requests_running 1\n") || !strings.Contains(body, "\nlinli_http_requests_waiting 0\n") {
		t.Fatalf("metrics:\n%s", body)
	}
	resp, body = c.Get("/no/such/page")
	if resp.StatusCode != 404 || !strings.Contains(body, "找不到") {
		t.Fatalf("404 page: %d", resp.StatusCode)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestPersonalAPITokens(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		srv := w.Server(t)
		c := apptest.NewClient(t, srv.URL).Login("community_admin", apptest.Password)
		resp, body := c.PostForm("/account/tokens", url.Values{"name": {"Open311 对接"}, "days": {"30"}})
		tok := regexp.MustCompile(`<code>(lk_[A-Za-z0-9_-]+)</code>`).FindStringSubmatch(body)
		if resp.StatusCode != 200 || tok == nil {
			t.Fatalf("create token: %d", resp.StatusCode)
		}
		bearer := func(path string) int {
			req, _ := http.NewRequest("GET", srv.URL+path, nil)
			req.Header.Set("Authorization", "Bearer "+tok[1])
			r, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			r.Body.Close()
			return r.StatusCode
		}
		if got := bearer("/api/v1/me"); got != 200 {
			t.Fatalf("token use: %d", got)
		}
		// The token carries the owner's scope, no more.
		if got := bearer("/api/v1/buildings/" + itoa(w.Objects["building"][apptest.InD])); got != 404 {
			t.Fatalf("token outside scope: %d", got)
		}
		// The list never shows the token again, only its prefix.
		_, body = c.Get("/account/tokens")
		if strings.Contains(body, tok[1]) || !strings.Contains(body, tok[1][:9]) {
			t.Fatal("token list must show the prefix only")
		}
		id := regexp.MustCompile(`/account/tokens/(\d+)/revoke`).FindStringSubmatch(body)[1]
		if resp, _ := c.PostForm("/account/tokens/"+id+"/revoke", nil); resp.StatusCode != 303 {
			t.Fatalf("revoke: %d", resp.StatusCode)
		}
		if got := bearer("/api/v1/me"); got != 401 {
			t.Fatalf("revoked token: %d", got)
		}
		// Administrators, who must pass a second factor, get no tokens.
		if _, err := w.App.Auth.CreateAPIToken(t.Context(), w.Principal(t, "sys_admin"), "x", 0); err == nil {
			t.Fatal("an administrator created an API token")
		}
	})
}

// The main navigation offers each user the pages their roles open, the current
// one marked, and its labels from the catalogue.
func TestNavigationFollowsRoles(t *testing.T) {
	d := dbtest.SQLite(t, apptest.Migrations())
	w := apptest.New(t, d)
	srv := w.Server(t)
	nav := regexp.MustCompile(`(?s)<nav id="mainnav" class="mainnav">(.*?)</nav>`)
	links := func(user, path string) string {
		t.Helper()
		resp, body := apptest.NewClient(t, srv.URL).Login(user, apptest.Password).Get(path)
		if resp.StatusCode != 200 {
			t.Fatalf("%s %s: %d", user, path, resp.StatusCode)
		}
		m := nav.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("%s %s: no navigation", user, path)
		}
		return m[1]
	}
	admin := links("sys_admin", "/admin/users")
	if !strings.Contains(admin, `<a href="/admin/users" class="active">`) || strings.Count(admin, `class="active"`) != 1 {
		t.Fatalf("sys_admin on the accounts page:\n%s", admin)
	}
	grid := links("grid_worker", "/registry")
	if strings.Contains(grid, "/admin/users") || !strings.Contains(grid, `<a href="/registry" class="active">居民`) {
		t.Fatalf("grid worker on the resident list:\n%s", grid)
	}
}

// TestImportFallbackMetric: a ledger whose reading the fast xlsx reader
// hands to excelize (a Strict Open XML workbook), staged for import, counts
// once in /metrics under its reason.
func TestImportFallbackMetric(t *testing.T) {
	d := dbtest.SQLite(t, apptest.Migrations())
	w := apptest.New(t, d)
	srv := w.Server(t)
	c := apptest.NewClient(t, srv.URL).Login("community_admin", apptest.Password)
	line := regexp.MustCompile(`(?m)^linli_import_excelize_fallbacks_total\{reason="workbook"\} (\d+)$`)
	count := func() int {
		resp, body := c.Get("/metrics")
		m := line.FindStringSubmatch(body)
		if resp.StatusCode != 200 || m == nil || !strings.Contains(body, "\n# TYPE linli_import_excelize_fallbacks_total counter\n") ||
			!strings.Contains(body, "\nlinli_import_excelize_fallbacks_total{reason=\"sheet\"} ") {
			t.Fatalf("metrics:\n%s", body)
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	before := count()
	data, err := os.ReadFile("../importexport/testdata/corpus/gen-excel-strict.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.App.Imports.Stage(context.Background(), w.Principal(t, "community_admin"), registry.Importer{S: w.App.Registry},
		w.C1, "严格格式花名册.xlsx", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	if after := count(); after != before+1 {
		t.Fatalf("fallbacks for reason workbook: %d before staging, %d after", before, after)
	}
}
