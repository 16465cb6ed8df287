package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"linli/internal/apptest"
	"linli/internal/audit"
	"linli/internal/auth"
)

// rawDo sends a request with a plain net/http client (no cookies, no CSRF
// token, no Origin unless set): what a GeoReport client or a script sends.
func rawDo(t *testing.T, hc *http.Client, method, u, contentType, body string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func countRows(t *testing.T, w *apptest.World, table string) int {
	t.Helper()
	var n int
	if err := w.DB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Open311 clients POST urlencoded forms with api_key and no cookie: nothing of a
// browser's can be forged in such a request, so it needs no CSRF token. A
// request that carries the session cookie still does, and reading requests
// still takes the key.
func TestOpen311FormPostByKeyWithoutCSRFToken(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		srv := w.Server(t)
		key, err := w.App.Auth.CreateAPIToken(context.Background(), w.Principal(t, "community_admin"), "GeoReport", 0)
		if err != nil {
			t.Fatal(err)
		}
		form := url.Values{"api_key": {key}, "service_code": {"request.noise"}, "description": {"夜里广场舞音响太响"}, "address_string": {"小区甲苑广场"}}
		plain := &http.Client{}
		before := countRows(t, w, "cases")
		resp, body := rawDo(t, plain, "POST", srv.URL+"/open311/v2/requests.json", "application/x-www-form-urlencoded", form.Encode(), nil)
		var created []map[string]string
		if resp.StatusCode != 201 || json.Unmarshal([]byte(body), &created) != nil || len(created) != 1 || created[0]["service_request_id"] == "" {
			t.Fatalf("GeoReport form POST with api_key: %d %s", resp.StatusCode, body)
		}
		// The XML flavour, from a client that names its own origin.
		resp, body = rawDo(t, plain, "POST", srv.URL+"/open311/v2/requests.xml", "application/x-www-form-urlencoded", form.Encode(), map[string]string{"Origin": "https://georeport-client.example"})
		if resp.StatusCode != 201 || !strings.Contains(body, "<service_request_id>") {
			t.Fatalf("GeoReport XML form POST: %d %s", resp.StatusCode, body)
		}
		if got := countRows(t, w, "cases"); got != before+2 {
			t.Fatalf("cases: %d, want %d", got, before+2)
		}
		// A wrong key is refused by the handler, not let in.
		bad := url.Values{"api_key": {"lk_wrong"}, "service_code": {"request.noise"}, "description": {"x"}}
		if resp, body := rawDo(t, plain, "POST", srv.URL+"/open311/v2/requests.json", "application/x-www-form-urlencoded", bad.Encode(), nil); resp.StatusCode != 401 {
			t.Fatalf("wrong key: %d %s", resp.StatusCode, body)
		}

		// The same form riding on a logged-in browser's cookie, without the
		// token: a forgery, refused and audited.
		c := apptest.NewClient(t, srv.URL).Login("community_admin", apptest.Password)
		resp, body = rawDo(t, c.HTTP, "POST", srv.URL+"/open311/v2/requests.json", "application/x-www-form-urlencoded", form.Encode(), nil)
		if resp.StatusCode != 403 || !strings.Contains(body, `"csrf"`) {
			t.Fatalf("cookie-carried form POST without token: %d %s", resp.StatusCode, body)
		}
		if got := countRows(t, w, "cases"); got != before+2 {
			t.Fatal("a forged request filed a case")
		}
		if _, n, _ := audit.Search(context.Background(), w.DB.Reader(), audit.Filter{Action: "csrf_refused", ObjectID: "POST /open311/v2/requests.json"}); n != 1 {
			t.Fatalf("refused forgery audited %d times", n)
		}
		// The key-less shell routes keep their checks: a cookie-less form POST
		// to the login form still needs the pre-login token.
		if resp, _ := rawDo(t, plain, "POST", srv.URL+"/login", "application/x-www-form-urlencoded", url.Values{"username": {"community_admin"}, "password": {apptest.Password}}.Encode(), nil); resp.StatusCode != 403 {
			t.Fatalf("login form without token: %d", resp.StatusCode)
		}

		// Reading still takes the key, cookie or not.
		number := created[0]["service_request_id"]
		for _, path := range []string{"/open311/v2/requests.json", "/open311/v2/requests/" + number + ".json"} {
			if resp, body := rawDo(t, plain, "GET", srv.URL+path, "", "", nil); resp.StatusCode != 401 {
				t.Fatalf("GET %s without key: %d %s", path, resp.StatusCode, body)
			}
			if resp, body := c.Get(path); resp.StatusCode != 401 {
				t.Fatalf("GET %s with a session cookie but no key: %d %s", path, resp.StatusCode, body)
			}
			if resp, body := rawDo(t, plain, "GET", srv.URL+path+"?api_key="+url.QueryEscape(key), "", "", nil); resp.StatusCode != 200 {
				t.Fatalf("GET %s with key: %d %s", path, resp.StatusCode, body)
			}
		}
	})
}

// After login only a path of this site is followed: one "/" and then neither
// "/" nor "\", and no control character anywhere.
func TestLoginRedirectStaysOnSite(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		srv := w.Server(t)
		for _, tc := range []struct{ next, want string }{
			{"/\t/evil.example/path", "/"},
			{"/\n/evil.example", "/"},
			{"/\r\n/evil.example", "/"},
			{"/%09/evil.example", "/%09/evil.example"}, // an escaped tab is just text in a path
			{"//evil.example", "/"},
			{"/\\evil.example", "/"},
			{"\\/evil.example", "/"},
			{"https://evil.example/", "/"},
			{"evil.example", "/"},
			{"/registry?q=zs\x00", "/"},
			{"/registry/people?q=\x7f", "/"},
			{"", "/"},
			{"/", "/"},
			{"/registry?q=zs&page=2", "/registry?q=zs&page=2"},
			{"/cases/12", "/cases/12"},
		} {
			next, want := tc.next, tc.want
			c := apptest.NewClient(t, srv.URL)
			c.Get("/login")
			resp, body := c.PostForm("/login", url.Values{"username": {"grid_worker"}, "password": {apptest.Password}, "next": {next}})
			if resp.StatusCode != 303 || resp.Header.Get("Location") != want {
				t.Errorf("next=%q: %d Location %q, want %q\n%.300s", next, resp.StatusCode, resp.Header.Get("Location"), want, body)
			}
		}
	})
}

// loginError is the message a login page shows.
var loginError = regexp.MustCompile(`(?s)<div class="errors" role="alert">(.*?)</div>`)

// A locked account answers exactly like a name that is no account, on the web
// and through the API; the lock holds and is audited.
func TestLockoutDoesNotTellWhichNamesExist(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		srv := w.Server(t)
		c := apptest.NewClient(t, srv.URL)
		c.Get("/login")
		answer := func(user, pw string) (int, string) {
			t.Helper()
			resp, body := c.PostForm("/login", url.Values{"username": {user}, "password": {pw}})
			m := loginError.FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("login %s: %d, no error shown\n%.2000s", user, resp.StatusCode, body)
			}
			return resp.StatusCode, m[1]
		}
		for i := 0; i < 7; i++ {
			st1, msg1 := answer("volunteer", "wrong-password")
			st2, msg2 := answer("no_such_user", "wrong-password")
			if st1 != st2 || msg1 != msg2 || st1 != 401 || !strings.Contains(msg1, "用户名或密码错误") {
				t.Fatalf("attempt %d: real account %d %q, made-up name %d %q", i+1, st1, msg1, st2, msg2)
			}
		}
		// The lock is real: the right password does not open the account, and
		// the answer is still the same.
		st1, msg1 := answer("volunteer", apptest.Password)
		st2, msg2 := answer("no_such_user", apptest.Password)
		if st1 != st2 || msg1 != msg2 {
			t.Fatalf("right password on the locked account: %d %q vs %d %q", st1, msg1, st2, msg2)
		}
		u, _ := w.App.Auth.GetUserByName(ctx, "volunteer")
		if !u.Locked(time.Now().UnixMilli()) {
			t.Fatal("the account is not locked")
		}
		if _, n, _ := audit.Search(ctx, w.DB.Reader(), audit.Filter{Action: "login_failed", Actor: "volunteer"}); n < 6 {
			t.Fatalf("failed logins audited: %d", n)
		}
		entries, _, _ := audit.Search(ctx, w.DB.Reader(), audit.Filter{Action: "login_failed", Actor: "volunteer", Limit: 100})
		locked := false
		for _, e := range entries {
			locked = locked || strings.Contains(e.Detail, "account locked after 5 failures")
		}
		if !locked {
			t.Fatal("the lock is not in the audit log")
		}

		// The API: byte-for-byte the same answer.
		api := func(user, pw string) (int, string) {
			resp, body := apptest.NewClient(t, srv.URL).JSON("POST", "/api/v1/session", `{"username":"`+user+`","password":"`+pw+`"}`)
			return resp.StatusCode, body
		}
		for i := 0; i < 6; i++ {
			st1, b1 := api("grid_worker", "nope")
			st2, b2 := api("made_up_name", "nope")
			if st1 != 401 || st1 != st2 || b1 != b2 || !strings.Contains(b1, `"code":"bad_credentials"`) {
				t.Fatalf("API attempt %d: %d %s vs %d %s", i+1, st1, b1, st2, b2)
			}
		}
		st1, b1 := api("grid_worker", apptest.Password)
		st2, b2 := api("made_up_name", apptest.Password)
		if st1 != st2 || b1 != b2 || strings.Contains(b1, "token") {
			t.Fatalf("API right password on the locked account: %d %s vs %d %s", st1, b1, st2, b2)
		}
		if u, _ := w.App.Auth.GetUserByName(ctx, "grid_worker"); !u.Locked(time.Now().UnixMilli()) {
			t.Fatal("the API failures did not lock the account")
		}
	})
}

// enrolAdmin makes a security administrator with an authenticator and returns
// its TOTP secret.
func enrolAdmin(t *testing.T, w *apptest.World, username string) string {
	t.Helper()
	ctx := context.Background()
	a := w.App.Auth
	if _, err := a.CreateUser(ctx, auth.System("test"), auth.NewUser{Username: username, DisplayName: "安全员", Password: apptest.Password, Roles: []auth.Role{auth.RoleSecurityAdmin}}); err != nil {
		t.Fatal(err)
	}
	res, err := a.Login(ctx, username, apptest.Password, "ip", "ua", auth.KindWeb)
	if err != nil {
		t.Fatal(err)
	}
	secret, _, err := a.BeginEnrol(ctx, res.Principal)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := auth.TOTPCode(secret, time.Now())
	if err := a.ConfirmEnrol(ctx, res.Token, res.Principal, code); err != nil {
		t.Fatal(err)
	}
	if err := a.Logout(ctx, res.Token, res.Principal); err != nil {
		t.Fatal(err)
	}
	// The enrolment used this step's code; the tests below need a fresh one.
	if _, err := w.DB.ExecContext(ctx, `UPDATE auth_user SET totp_last_step = 0 WHERE username = ?`, username); err != nil {
		t.Fatal(err)
	}
	return secret
}

// wrongCode is a code the authenticator does not show now, nor half a minute
// either side.
func wrongCode(secret string) string {
	now := time.Now()
	near := map[string]bool{}
	for _, d := range []time.Duration{-30 * time.Second, 0, 30 * time.Second} {
		c, _ := auth.TOTPCode(secret, now.Add(d))
		near[c] = true
	}
	for n := 0; ; n++ {
		c := strings.Repeat(string(rune('0'+n%10)), 6)
		if !near[c] {
			return c
		}
	}
}

// Wrong second-factor codes count like wrong passwords: the fifth in a row
// locks the account (audited), after which the right code no longer works.
func TestWrongSecondFactorCodesLockTheAccount(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		srv := w.Server(t)

		// The web: one login, then codes on the second-factor page.
		secret := enrolAdmin(t, w, "sec_web")
		c := apptest.NewClient(t, srv.URL)
		c.Get("/login")
		resp, _ := c.PostForm("/login", url.Values{"username": {"sec_web"}, "password": {apptest.Password}})
		if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/login/mfa") {
			t.Fatalf("password step: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		_, page := c.Get("/login/mfa")
		c.CSRF = regexp.MustCompile(`name="csrf-token" content="([^"]+)"`).FindStringSubmatch(page)[1]
		bad := wrongCode(secret)
		for i := 1; i <= 4; i++ {
			resp, body := c.PostForm("/login/mfa", url.Values{"code": {bad}})
			if resp.StatusCode != 401 || !strings.Contains(body, "动态验证码不正确") {
				t.Fatalf("wrong code %d: %d", i, resp.StatusCode)
			}
		}
		resp, body := c.PostForm("/login/mfa", url.Values{"code": {bad}})
		if resp.StatusCode != 423 || !strings.Contains(body, "动态验证码连续输错次数过多，账号已锁定") {
			t.Fatalf("fifth wrong code: %d\n%.2000s", resp.StatusCode, body)
		}
		good, _ := auth.TOTPCode(secret, time.Now())
		resp, _ = c.PostForm("/login/mfa", url.Values{"code": {good}})
		if resp.StatusCode == 303 && resp.Header.Get("Location") == "/" {
			t.Fatal("the right code logged in after the lock")
		}
		if resp, _ := c.Get("/admin/security"); resp.StatusCode == 200 {
			t.Fatal("the locked session reaches the admin pages")
		}
		if u, _ := w.App.Auth.GetUserByName(ctx, "sec_web"); !u.Locked(time.Now().UnixMilli()) {
			t.Fatal("sec_web is not locked")
		}
		entries, _, _ := audit.Search(ctx, w.DB.Reader(), audit.Filter{Action: "login_failed", Actor: "sec_web", Limit: 100})
		wrong, locked := 0, false
		for _, e := range entries {
			if strings.HasPrefix(e.Detail, "wrong second factor") {
				wrong++
			}
			locked = locked || e.Detail == "wrong second factor; account locked after 5 failures"
		}
		if wrong != 5 || !locked {
			t.Fatalf("audit: %d wrong codes, lock recorded %v", wrong, locked)
		}

		// The API: each try gives the right password and a wrong code, which
		// must not start the count again.
		secret = enrolAdmin(t, w, "sec_api")
		bad = wrongCode(secret)
		login := func(code string) (int, string) {
			resp, body := rawDo(t, &http.Client{}, "POST", srv.URL+"/api/v1/session", "application/json", `{"username":"sec_api","password":"`+apptest.Password+`","totp":"`+code+`"}`, nil)
			return resp.StatusCode, body
		}
		for i := 1; i <= 4; i++ {
			if st, body := login(bad); st != 401 || !strings.Contains(body, `"code":"mfa_wrong"`) {
				t.Fatalf("API wrong code %d: %d %s", i, st, body)
			}
		}
		if st, body := login(bad); st != 423 || !strings.Contains(body, `"code":"locked"`) || strings.Contains(body, "token") {
			t.Fatalf("API fifth wrong code: %d %s", st, body)
		}
		good, _ = auth.TOTPCode(secret, time.Now())
		if st, body := login(good); st != 401 || strings.Contains(body, "token") {
			t.Fatalf("API right code after the lock: %d %s", st, body)
		}
		var sessions int
		w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM auth_session s JOIN auth_user u ON u.id = s.user_id WHERE u.username = 'sec_api'`).Scan(&sessions)
		if sessions != 0 {
			t.Fatalf("sessions left for the locked account: %d", sessions)
		}
	})
}

// An account that must change its initial password can, through the API, do
// nothing but change it (and log out); the answer says so.
func TestMustChangePasswordHoldsForTheAPI(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		srv := w.Server(t)
		key, err := w.App.Auth.CreateAPIToken(ctx, w.Principal(t, "social_worker"), "脚本", 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.DB.ExecContext(ctx, `UPDATE auth_user SET must_change_password = TRUE WHERE username = 'social_worker'`); err != nil {
			t.Fatal(err)
		}
		plain := &http.Client{}
		resp, body := rawDo(t, plain, "POST", srv.URL+"/api/v1/session", "application/json", `{"username":"social_worker","password":"`+apptest.Password+`"}`, nil)
		var login struct {
			Token      string `json:"token"`
			MustChange bool   `json:"must_change_password"`
		}
		if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &login) != nil || login.Token == "" || !login.MustChange {
			t.Fatalf("API login: %d %s", resp.StatusCode, body)
		}
		bearer := func(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }
		for _, tok := range []string{login.Token, key} {
			for _, path := range []string{"/api/v1/people", "/api/v1/people/" + itoa(w.Objects["person"][apptest.InA]), "/api/v1/me"} {
				resp, body := rawDo(t, plain, "GET", srv.URL+path, "", "", bearer(tok))
				if resp.StatusCode != 403 || !strings.Contains(body, `"code":"password_change_required"`) || !strings.Contains(body, "修改初始密码") || strings.Contains(body, "居民甲") {
					t.Fatalf("GET %s before the change: %d %s", path, resp.StatusCode, body)
				}
			}
		}
		// A key-authenticated route outside the shell's session check grants nothing either.
		if resp, body := rawDo(t, plain, "GET", srv.URL+"/open311/v2/requests.json?api_key="+url.QueryEscape(key), "", "", nil); resp.StatusCode == 200 {
			t.Fatalf("Open311 with the key of an account that must change its password: %s", body)
		}
		change := func(oldPW, newPW string) (int, string) {
			resp, body := rawDo(t, plain, "POST", srv.URL+"/api/v1/session/password", "application/json", `{"old_password":"`+oldPW+`","new_password":"`+newPW+`"}`, bearer(login.Token))
			return resp.StatusCode, body
		}
		if st, body := change("wrong", "Sturdy-Lamp-4821"); st != 422 || !strings.Contains(body, `"field":"old_password"`) {
			t.Fatalf("wrong old password: %d %s", st, body)
		}
		if st, body := change(apptest.Password, "Qwer1234"); st != 422 || !strings.Contains(body, `"field":"new_password"`) || !strings.Contains(body, "密码过于常见") {
			t.Fatalf("common new password: %d %s", st, body)
		}
		if st, body := change(apptest.Password, "Sturdy-Lamp-4821"); st != 204 {
			t.Fatalf("change: %d %s", st, body)
		}
		if resp, body := rawDo(t, plain, "GET", srv.URL+"/api/v1/people", "", "", bearer(login.Token)); resp.StatusCode != 200 || !strings.Contains(body, "居民甲") {
			t.Fatalf("after the change: %d %s", resp.StatusCode, body)
		}
		if resp, _ := rawDo(t, plain, "GET", srv.URL+"/api/v1/me", "", "", bearer(key)); resp.StatusCode != 200 {
			t.Fatalf("API token after the change: %d", resp.StatusCode)
		}
	})
}

// A security administrator who logs in without an authenticator is sent to
// enrol one, and the page shows the code to scan as an image (html/template
// turns a data: URL given as a string into "#ZgotmplZ").
func TestEnrolPageShowsTheCode(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		if _, err := w.App.Auth.CreateUser(ctx, auth.System("test"), auth.NewUser{Username: "sec_enrol", DisplayName: "安全员", Password: apptest.Password,
			Roles: []auth.Role{auth.RoleSecurityAdmin}}); err != nil {
			t.Fatal(err)
		}
		srv := w.Server(t)
		c := apptest.NewClient(t, srv.URL)
		resp, _ := c.Get("/login")
		if resp.StatusCode != 200 {
			t.Fatalf("GET /login: %d", resp.StatusCode)
		}
		resp, body := c.PostForm("/login", url.Values{"username": {"sec_enrol"}, "password": {apptest.Password}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login/enrol" {
			t.Fatalf("login: %d → %q\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
		}
		resp, body = c.Get("/login/enrol")
		if resp.StatusCode != 200 {
			t.Fatalf("GET /login/enrol: %d", resp.StatusCode)
		}
		if !strings.Contains(body, `src="data:image/png;base64,`) || strings.Contains(body, "ZgotmplZ") {
			t.Fatalf("the enrolment page shows no code to scan:\n%s", body)
		}
	})
}
