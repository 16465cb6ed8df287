// Package apptest builds a small, fully known Linli world for tests that go
// through the whole application: a street with two communities, grids A and B in
// community 1 and grid D in community 2, places in each grid, and one account per
// role. Every fixture object has a unique marker in its name so that a test can
// tell from any response body whether an object outside the caller's scope leaked.
package apptest

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"linli/internal/app"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/dbtest"
	"linli/internal/importflow"
	"linli/internal/org"
	"linli/internal/places"
	"linli/internal/privacy"
	"linli/internal/web"
)

// Password is every fixture account's password.
const Password = "Test-Pass-2026"

// Key is the fixture master key (hex).
const Key = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

// Where says which part of the world an object lies in.
type Where int

const (
	InA Where = iota // grid A, community 1
	InB              // grid B, community 1
	InD              // grid D, community 2
)

// World is the fixture.
type World struct {
	App *app.App
	DB  *db.DB

	City, District, Street int64
	C1, C2                 int64
	GridA, GridB, GridD    int64
	// Objects by kind and place: Objects["building"][InA] is a building in grid A.
	Objects map[string]map[Where]int64
	// Markers are unique strings in the names of objects, by kind and place.
	Markers map[string]map[Where]string
	// Users are account names by role; "community_admin_c2" is community 2's leader.
	Users map[string]int64
	// Uploads are staged imports by kind ("upload_places"), owned by community_admin.
	Uploads map[string]string
}

// Roles maps fixture account names to what the matrix expects of them.
var Roles = []string{"street_admin", "community_admin", "social_worker", "grid_worker", "volunteer", "resident", "sys_admin", "security_admin", "audit_admin"}

// Migrations are those of the whole app.
func Migrations() []db.Migrations { return app.Migrations() }

// NewApp builds the application on d with the fixture key.
func NewApp(d *db.DB) *app.App {
	keys, err := privacy.ParseKey(Key)
	if err != nil {
		panic(err)
	}
	return app.New(app.Options{DB: d, Keys: keys, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

// New builds the world on a migrated database.
func New(t testing.TB, d *db.DB) *World {
	t.Helper()
	ctx := context.Background()
	a := NewApp(d)
	w := &World{App: a, DB: d, Objects: map[string]map[Where]int64{}, Markers: map[string]map[Where]string{}, Users: map[string]int64{}}
	sys := auth.System("fixture")
	must := func(id int64, err error) int64 {
		t.Helper()
		if err != nil {
			t.Fatalf("fixture: %v", err)
		}
		return id
	}
	w.City = must(a.Org.Create(ctx, sys, org.Input{Level: org.City, Name: "测试市", Code: "330100"}))
	w.District = must(a.Org.Create(ctx, sys, org.Input{ParentID: w.City, Level: org.District, Name: "测试区", Code: "330106"}))
	w.Street = must(a.Org.Create(ctx, sys, org.Input{ParentID: w.District, Level: org.Street, Name: "测试街道", Code: "330106004000"}))
	w.C1 = must(a.Org.Create(ctx, sys, org.Input{ParentID: w.Street, Level: org.Community, Name: "一号社区", Code: "330106004001"}))
	w.C2 = must(a.Org.Create(ctx, sys, org.Input{ParentID: w.Street, Level: org.Community, Name: "二号社区", Code: "330106004002"}))
	w.GridA = must(a.Org.Create(ctx, sys, org.Input{ParentID: w.C1, Level: org.Grid, Name: "网格甲A", Code: "001"}))
	w.GridB = must(a.Org.Create(ctx, sys, org.Input{ParentID: w.C1, Level: org.Grid, Name: "网格乙B", Code: "002"}))
	w.GridD = must(a.Org.Create(ctx, sys, org.Input{ParentID: w.C2, Level: org.Grid, Name: "网格丁D", Code: "001"}))
	w.add("org_unit", InA, w.GridA, "网格甲A")
	w.add("org_unit", InB, w.GridB, "网格乙B")
	w.add("org_unit", InD, w.GridD, "网格丁D")

	grids := map[Where]int64{InA: w.GridA, InB: w.GridB, InD: w.GridD}
	comms := map[Where]int64{InA: w.C1, InB: w.C1, InD: w.C2}
	tags := map[Where]string{InA: "甲", InB: "乙", InD: "丁"}
	// Estate of grid A also holds a building of grid B? No: each estate lies in one
	// grid here, so that an estate's visibility follows its grid.
	for _, wh := range []Where{InA, InB, InD} {
		tag := tags[wh]
		est := must(a.Places.CreateEstate(ctx, sys, places.EstateInput{CommunityID: comms[wh], Name: "小区" + tag + "苑"}))
		w.add("estate", wh, est, "小区"+tag+"苑")
		b := must(a.Places.CreateBuilding(ctx, sys, places.BuildingInput{GridID: grids[wh], EstateID: est, Name: tag + "楼", Floors: 6}))
		w.add("building", wh, b, tag+"楼")
		en := must(a.Places.CreateEntrance(ctx, sys, b, tag+"单元"))
		w.add("entrance", wh, en, tag+"单元")
		dw := must(a.Places.CreateDwelling(ctx, sys, places.DwellingInput{BuildingID: b, EntranceID: en, Room: "101", Remark: tag + "室备注"}))
		w.add("dwelling", wh, dw, tag+"室备注")
		// A second, empty building that may be deleted.
		eb := must(a.Places.CreateBuilding(ctx, sys, places.BuildingInput{GridID: grids[wh], EstateID: est, Name: tag + "空楼", Floors: 1}))
		w.add("empty_building", wh, eb, tag+"空楼")
	}

	accounts := []struct {
		name  string
		role  auth.Role
		lines []string
		scope []int64
	}{
		{"street_admin", auth.RoleStreetAdmin, nil, []int64{w.Street}},
		{"community_admin", auth.RoleCommunityAdmin, nil, []int64{w.C1}},
		{"community_admin_c2", auth.RoleCommunityAdmin, nil, []int64{w.C2}},
		{"social_worker", auth.RoleSocialWorker, []string{"civil_affairs"}, []int64{w.C1}},
		{"grid_worker", auth.RoleGridWorker, nil, []int64{w.GridA}},
		{"volunteer", auth.RoleVolunteer, nil, []int64{w.GridA}},
		{"resident", auth.RoleResident, nil, nil},
		{"sys_admin", auth.RoleSysAdmin, nil, nil},
		{"security_admin", auth.RoleSecurityAdmin, nil, nil},
		{"audit_admin", auth.RoleAuditAdmin, nil, nil},
		{"target_user", auth.RoleGridWorker, nil, []int64{w.GridB}},
	}
	for _, acc := range accounts {
		id := must(a.Auth.CreateUser(ctx, sys, auth.NewUser{Username: acc.name, DisplayName: acc.name + "姓名", Password: Password,
			Roles: []auth.Role{acc.role}, Lines: acc.lines, Scope: acc.scope, MFAExempt: true}))
		w.Users[acc.name] = id
	}
	// The account administrators act on in the matrix; nobody logs in as it.
	w.add("user", InA, w.Users["target_user"], "target_user姓名")

	// A building list staged for import by the leader of community 1.
	leader, err := a.Auth.Login(ctx, "community_admin", Password, "fixture", "fixture", auth.KindWeb)
	if err != nil {
		t.Fatal(err)
	}
	up := must64(t)(a.Imports.Stage(ctx, leader.Principal, places.Importer{S: a.Places}, w.C1, "甲台账.csv", strings.NewReader("楼栋,房号,网格\n甲楼,102,001\n")))
	w.Uploads = map[string]string{"upload_places": up}
	w.add("upload_places", InA, 0, "甲台账.csv")

	// A personal API token of the grid worker's.
	gw, err := a.Auth.Login(ctx, "grid_worker", Password, "fixture", "fixture", auth.KindWeb)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Auth.CreateAPIToken(ctx, gw.Principal, "甲令牌", 0); err != nil {
		t.Fatal(err)
	}
	toks, _ := a.Auth.APITokens(ctx, gw.Principal)
	w.add("api_token", InA, toks[0].ID, "甲令牌")

	sort.SliceStable(builders, func(i, j int) bool { return builders[i].order < builders[j].order })
	for _, b := range builders {
		b.fn(t, w)
	}
	return w
}

type builder struct {
	order int
	fn    func(t testing.TB, w *World)
}

var builders, writeTargets []builder

// RegisterWriteTargets adds objects that the authorisation matrix's allowed
// writes use up or need beside the fixtures (an empty estate to delete, a
// second household to merge into, a dispute under mediation). They are built
// only by AddWriteTargets, which the matrix calls, so that other tests' worlds
// keep what they count on.
func RegisterWriteTargets(order int, fn func(t testing.TB, w *World)) {
	writeTargets = append(writeTargets, builder{order: order, fn: fn})
}

// AddWriteTargets builds every module's write targets into w, in order.
func (w *World) AddWriteTargets(t testing.TB) {
	t.Helper()
	sort.SliceStable(writeTargets, func(i, j int) bool { return writeTargets[i].order < writeTargets[j].order })
	for _, b := range writeTargets {
		b.fn(t, w)
	}
	w.App.Imports.Wait()
}

// Register adds a module's fixtures to every World, after the foundation's and in
// order. A module keeps its fixtures in its own file of this package (for
// example apptest/registry.go) and registers them from an init function; it
// records its objects with Add so that the matrix and leak checks know them.
func Register(order int, fn func(t testing.TB, w *World)) {
	builders = append(builders, builder{order: order, fn: fn})
}

// Add records a fixture object of kind at place wh with a marker that appears
// in its pages (and must not appear for anyone outside its reach).
func (w *World) Add(kind string, wh Where, id int64, marker string) { w.add(kind, wh, id, marker) }

// Principal logs user in and returns their principal (for store-level fixtures).
func (w *World) Principal(t testing.TB, user string) *auth.Principal {
	t.Helper()
	res, err := w.App.Auth.Login(context.Background(), user, Password, "fixture", "fixture", auth.KindWeb)
	if err != nil {
		t.Fatalf("login %s: %v", user, err)
	}
	return res.Principal
}

func must64(t testing.TB) func(string, error) string {
	return func(id string, err error) string {
		t.Helper()
		if err != nil {
			t.Fatalf("fixture: %v", err)
		}
		return id
	}
}

func (w *World) add(kind string, wh Where, id int64, marker string) {
	if w.Objects[kind] == nil {
		w.Objects[kind] = map[Where]int64{}
		w.Markers[kind] = map[Where]string{}
	}
	w.Objects[kind][wh] = id
	w.Markers[kind][wh] = marker
}

// Reaches reports whether the fixture account sees objects in place wh.
func Reaches(user string, wh Where) bool {
	switch user {
	case "street_admin":
		return true
	case "community_admin", "social_worker":
		return wh == InA || wh == InB
	case "community_admin_c2":
		return wh == InD
	case "grid_worker", "volunteer":
		return wh == InA
	}
	return false
}

// Run builds a world on each engine, as dbtest.Run does.
func Run(t *testing.T, fn func(t *testing.T, w *World)) {
	dbtest.Run(t, Migrations(), func(t *testing.T, d *db.DB) { fn(t, New(t, d)) })
}

// Server serves the world's app over HTTP for the test's duration.
func (w *World) Server(t testing.TB) *httptest.Server {
	srv := httptest.NewServer(w.App.Web)
	t.Cleanup(srv.Close)
	return srv
}

// Client is a browser-like HTTP client: it keeps cookies, follows no redirects,
// and sends the CSRF token and Origin our own pages would.
type Client struct {
	T    testing.TB
	Base string
	HTTP *http.Client
	CSRF string
}

// NewClient returns an anonymous client of srv.
func NewClient(t testing.TB, base string) *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{T: t, Base: base, HTTP: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfRe = regexp.MustCompile(`name="csrf-token" content="([^"]+)"`)

// Login logs in through the HTML form and keeps the session's CSRF token.
func (c *Client) Login(username, password string) *Client {
	c.T.Helper()
	resp, body := c.Get("/login")
	if resp.StatusCode != 200 {
		c.T.Fatalf("GET /login: %d", resp.StatusCode)
	}
	c.CSRF = csrfRe.FindStringSubmatch(body)[1]
	resp, body = c.PostForm("/login", url.Values{"username": {username}, "password": {password}})
	if resp.StatusCode != http.StatusSeeOther {
		c.T.Fatalf("login %s: status %d\n%s", username, resp.StatusCode, body)
	}
	resp, body = c.Get("/account/password")
	if resp.StatusCode == 200 {
		if m := csrfRe.FindStringSubmatch(body); m != nil {
			c.CSRF = m[1]
		}
	}
	return c
}

// Do sends a request with the session cookie, CSRF token and same-site Origin.
func (c *Client) Do(method, path string, body io.Reader, contentType string) (*http.Response, string) {
	c.T.Helper()
	req, err := http.NewRequest(method, c.Base+path, body)
	if err != nil {
		c.T.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if method != "GET" && method != "HEAD" {
		req.Header.Set("Origin", c.Base)
		if c.CSRF != "" {
			req.Header.Set("X-CSRF-Token", c.CSRF)
		}
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		c.T.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// Get fetches path.
func (c *Client) Get(path string) (*http.Response, string) { return c.Do("GET", path, nil, "") }

// PostForm posts a urlencoded form with the CSRF field.
func (c *Client) PostForm(path string, v url.Values) (*http.Response, string) {
	if v == nil {
		v = url.Values{}
	}
	if c.CSRF != "" {
		v.Set("_csrf", c.CSRF)
	} else if m := c.preLoginToken(); m != "" {
		v.Set("_csrf", m)
	}
	return c.Do("POST", path, strings.NewReader(v.Encode()), "application/x-www-form-urlencoded")
}

func (c *Client) preLoginToken() string {
	u, _ := url.Parse(c.Base)
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if ck.Name == "linli_csrf" {
			return ck.Value
		}
	}
	return ""
}

// JSON sends a JSON body.
func (c *Client) JSON(method, path, body string) (*http.Response, string) {
	return c.Do(method, path, strings.NewReader(body), "application/json")
}

// LoginAll logs every fixture account in and returns their clients.
func (w *World) LoginAll(t testing.TB, base string) map[string]*Client {
	out := map[string]*Client{}
	for name := range w.Users {
		out[name] = NewClient(t, base).Login(name, Password)
	}
	return out
}

// Routes are the app's registered routes.
func (w *World) Routes() []web.Route { return w.App.Web.Routes() }

func dateOf(year int) time.Time { return time.Date(year, 3, 15, 0, 0, 0, 0, time.UTC) }

// checkUpload runs the check of the staged upload of kind and waits for it,
// so that the upload may be committed.
func (w *World) checkUpload(t testing.TB, kind string) {
	t.Helper()
	ctx := context.Background()
	leader := w.Principal(t, "community_admin")
	u, err := w.App.Imports.Get(ctx, leader, w.Uploads[kind])
	if err != nil {
		t.Fatalf("upload %s: %v", kind, err)
	}
	if err := w.App.Imports.Start(ctx, leader, u, false); err != nil {
		t.Fatalf("check %s: %v", kind, err)
	}
	w.App.Imports.Wait()
	if u, err = w.App.Imports.Get(ctx, leader, w.Uploads[kind]); err != nil || u.State != importflow.StateChecked || u.Result == nil || u.Result.Bad > 0 {
		t.Fatalf("check %s: %+v %v", kind, u, err)
	}
}
