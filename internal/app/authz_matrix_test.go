package app_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"linli/internal/apptest"
	"linli/internal/db"
	"linli/internal/dbtest"
	"linli/internal/web"
)

// The authorisation matrix: every route, every role, every scope.
//
// Each route has an entry naming the accounts that may use it on objects they
// reach. The test then tries every account (and an anonymous visitor) on objects
// in grid A, grid B (same community) and grid D (another community):
//   - an account not allowed, or aiming outside its reach, is refused (401, 403,
//     404 or a redirect to the login page) and the database does not change;
//   - no GET changes the database, for anyone;
//   - no GET response contains the marker of an object outside the account's reach;
//   - an allowed account on an object it reaches gets through (not 401/403/404);
//     for writes this runs on a fresh copy of the database.
// A route registered without an entry here fails the test: adding a route forces
// a decision about who may use it.

type matrixEntry struct {
	allow []string // accounts allowed on objects they reach; "*" = every account
	// kind of object the {id} or the body targets; "" when the route is not about one object.
	kind string
	// body builds the request body aimed at place wh ("" for none); contentType is
	// derived from its first byte ('{' = JSON).
	body func(w *apptest.World, wh apptest.Where) string
	// query is appended to the path (for pages that take the target as ?parent=).
	query func(w *apptest.World, wh apptest.Where) string
	// scopedBody: the route has no {id} but its body or query targets place wh.
	scopedBody bool
	// reach overrides who reaches which place for this route's kind.
	reach func(user string, wh apptest.Where) bool
	// noLeakCheck: the page legitimately shows every object (the audit log).
	noLeakCheck bool
	// allowedRefusal is a status that still means "let through" for an allowed
	// account (a report that does not exist yet is 404 for its owner too).
	allowedRefusal int
	// skip: the route is about the caller's own session (login, logout, second
	// factor, own password) and is tested in web's own tests.
	skip string
}

var everyone = []string{"*"}

// tokenHolders may create personal API tokens: staff, not administrators.
var tokenHolders = []string{"street_admin", "community_admin", "community_admin_c2", "social_worker", "grid_worker", "volunteer"}

func grid(w *apptest.World, wh apptest.Where) int64 {
	return map[apptest.Where]int64{apptest.InA: w.GridA, apptest.InB: w.GridB, apptest.InD: w.GridD}[wh]
}

func community(w *apptest.World, wh apptest.Where) int64 {
	if wh == apptest.InD {
		return w.C2
	}
	return w.C1
}

// reachOrg: org units are also reached by the system administrator, who keeps the tree.
func reachOrg(user string, wh apptest.Where) bool {
	return user == "sys_admin" || apptest.Reaches(user, wh)
}

// reachCommunity: only accounts holding the whole community reach community-level objects.
func reachCommunity(user string, wh apptest.Where) bool {
	switch user {
	case "street_admin":
		return true
	case "community_admin":
		return wh != apptest.InD
	case "community_admin_c2":
		return wh == apptest.InD
	}
	return false
}

func reachAll(string, apptest.Where) bool { return true }

var placeWriters = []string{"street_admin", "community_admin", "community_admin_c2", "grid_worker"}
var placeReaders = []string{"street_admin", "community_admin", "community_admin_c2", "social_worker", "grid_worker", "volunteer"}
var communityWriters = []string{"street_admin", "community_admin", "community_admin_c2"}
var orgReaders = append([]string{"sys_admin"}, placeReaders...)
var orgWriters = []string{"sys_admin", "street_admin", "community_admin", "community_admin_c2"}

// matrix holds every module's entries; each module's test file adds its own
// with addMatrix in an init function.
var matrix = map[string]matrixEntry{}

func addMatrix(entries map[string]matrixEntry) {
	for k, v := range entries {
		if _, dup := matrix[k]; dup {
			panic("matrix entry twice: " + k)
		}
		matrix[k] = v
	}
}

func init() { addMatrix(foundationMatrix) }

// foundationMatrix covers the shell, the org tree, places and imports.
var foundationMatrix = map[string]matrixEntry{
	// Public and own-session routes.
	"GET /static/{path...}":    {skip: "public asset"},
	"GET /healthz":             {skip: "public health check"},
	"GET /metrics":             {skip: "public metrics, no community data"},
	"GET /login":               {skip: "login page"},
	"POST /login":              {skip: "login; tested in web"},
	"GET /login/mfa":           {skip: "own session"},
	"POST /login/mfa":          {skip: "own session"},
	"GET /login/enrol":         {skip: "own session"},
	"POST /login/enrol":        {skip: "own session"},
	"POST /logout":             {skip: "own session"},
	"GET /account/password":    {skip: "own account"},
	"POST /account/password":   {skip: "own account; tested in web"},
	"GET /api/v1/openapi.json": {skip: "public API description"},
	"POST /api/v1/session":     {skip: "API login; tested in web"},
	"DELETE /api/v1/session":   {skip: "own session"},

	"POST /api/v1/session/password": {skip: "own account; tested in web"},

	"GET /{$}":                         {allow: everyone},
	"GET /account/tokens":              {allow: tokenHolders},
	"POST /account/tokens":             {allow: tokenHolders, body: func(*apptest.World, apptest.Where) string { return "name=" }},
	"POST /account/tokens/{id}/revoke": {allow: []string{"grid_worker"}, kind: "api_token", reach: func(u string, _ apptest.Where) bool { return u == "grid_worker" }},
	"GET /api/v1/me":                   {allow: everyone},
	"GET /admin/audit":                 {allow: []string{"audit_admin"}, noLeakCheck: true},
	"GET /admin/audit/verify":          {allow: []string{"audit_admin"}},
	"GET /api/v1/audit":                {allow: []string{"audit_admin"}, noLeakCheck: true},
	"GET /admin/security":              {allow: []string{"security_admin"}},
	"POST /admin/security":             {allow: []string{"security_admin"}, body: func(*apptest.World, apptest.Where) string { return "idle_minutes=30&max_failures=5&lock_minutes=15" }},
	"GET /admin/users":                 {allow: []string{"sys_admin", "security_admin"}, reach: reachAll},
	"GET /admin/users/new":             {allow: []string{"sys_admin"}, reach: reachAll},
	"POST /admin/users":                {allow: []string{"sys_admin"}, body: func(*apptest.World, apptest.Where) string { return "username=" }},
	"GET /admin/users/{id}":            {allow: []string{"sys_admin", "security_admin"}, kind: "user", reach: reachAll},
	"POST /admin/users/{id}":           {allow: []string{"sys_admin"}, kind: "user", reach: reachAll},
	"POST /admin/users/{id}/password":  {allow: []string{"sys_admin"}, kind: "user", reach: reachAll},
	"POST /admin/users/{id}/disable":   {allow: []string{"sys_admin"}, kind: "user", reach: reachAll},
	"POST /admin/users/{id}/enable":    {allow: []string{"sys_admin"}, kind: "user", reach: reachAll},
	"POST /admin/users/{id}/lock":      {allow: []string{"sys_admin", "security_admin"}, kind: "user", reach: reachAll},
	"POST /admin/users/{id}/unlock":    {allow: []string{"sys_admin", "security_admin"}, kind: "user", reach: reachAll},
	"POST /admin/users/{id}/mfa-reset": {allow: []string{"sys_admin", "security_admin"}, kind: "user", reach: reachAll},

	// The org tree.
	"GET /org":             {allow: orgReaders, reach: reachOrg},
	"GET /api/v1/org":      {allow: orgReaders, reach: reachOrg},
	"GET /org/{id}":        {allow: orgReaders, kind: "org_unit", reach: reachOrg},
	"GET /api/v1/org/{id}": {allow: orgReaders, kind: "org_unit", reach: reachOrg},
	"POST /org/{id}":       {allow: orgWriters, kind: "org_unit", reach: reachOrg, body: func(*apptest.World, apptest.Where) string { return "name=" }},
	"PUT /api/v1/org/{id}": {allow: orgWriters, kind: "org_unit", reach: reachOrg, body: func(*apptest.World, apptest.Where) string { return `{"name":""}` }},
	"GET /org/new":         {allow: orgWriters, scopedBody: true, reach: reachOrg, query: func(w *apptest.World, wh apptest.Where) string { return fmt.Sprintf("?parent=%d", community(w, wh)) }},
	"POST /org": {allow: orgWriters, scopedBody: true, reach: reachCommunityOrSys, body: func(w *apptest.World, wh apptest.Where) string {
		return fmt.Sprintf("parent_id=%d&level=grid&name=新网格&code=009", community(w, wh))
	}},
	"POST /api/v1/org": {allow: orgWriters, scopedBody: true, reach: reachCommunityOrSys, body: func(w *apptest.World, wh apptest.Where) string {
		return fmt.Sprintf(`{"parent_id":%d,"level":"grid","name":"新网格","code":"009"}`, community(w, wh))
	}},
	"GET /org/level-names":  {allow: []string{"sys_admin"}, reach: reachAll},
	"POST /org/level-names": {allow: []string{"sys_admin"}, body: func(*apptest.World, apptest.Where) string { return "level_city=市" }},

	// Places.
	"GET /places":               {allow: placeReaders},
	"GET /places/estates":       {allow: placeReaders},
	"GET /api/v1/estates":       {allow: placeReaders},
	"GET /api/v1/buildings":     {allow: placeReaders},
	"GET /places/buildings/new": {allow: placeWriters},
	"POST /places/buildings": {allow: placeWriters, scopedBody: true, body: func(w *apptest.World, wh apptest.Where) string {
		return fmt.Sprintf("grid_id=%d&name=新楼", grid(w, wh))
	}},
	"POST /api/v1/buildings": {allow: placeWriters, scopedBody: true, body: func(w *apptest.World, wh apptest.Where) string {
		return fmt.Sprintf(`{"grid_id":%d,"name":"新楼"}`, grid(w, wh))
	}},
	"POST /places/estates": {allow: communityWriters, scopedBody: true, reach: reachCommunity, body: func(w *apptest.World, wh apptest.Where) string {
		return fmt.Sprintf("community_id=%d&name=新小区", community(w, wh))
	}},
	"POST /api/v1/estates": {allow: communityWriters, scopedBody: true, reach: reachCommunity, body: func(w *apptest.World, wh apptest.Where) string {
		return fmt.Sprintf(`{"community_id":%d,"name":"新小区"}`, community(w, wh))
	}},
	"GET /places/estates/{id}":              {allow: placeReaders, kind: "estate"},
	"POST /places/estates/{id}":             {allow: communityWriters, kind: "estate", reach: reachCommunity, body: func(*apptest.World, apptest.Where) string { return "name=改名小区" }},
	"POST /places/estates/{id}/delete":      {allow: communityWriters, kind: "estate", reach: reachCommunity},
	"GET /places/buildings/{id}":            {allow: placeReaders, kind: "building"},
	"GET /api/v1/buildings/{id}":            {allow: placeReaders, kind: "building"},
	"GET /api/v1/buildings/{id}/dwellings":  {allow: placeReaders, kind: "building"},
	"POST /places/buildings/{id}":           {allow: placeWriters, kind: "building", body: func(*apptest.World, apptest.Where) string { return "name=" }},
	"PUT /api/v1/buildings/{id}":            {allow: placeWriters, kind: "building", body: func(*apptest.World, apptest.Where) string { return `{"name":""}` }},
	"POST /places/buildings/{id}/delete":    {allow: placeWriters, kind: "empty_building"},
	"DELETE /api/v1/buildings/{id}":         {allow: placeWriters, kind: "empty_building"},
	"POST /places/buildings/{id}/entrances": {allow: placeWriters, kind: "building", body: func(*apptest.World, apptest.Where) string { return "entrance_name=9单元" }},
	"POST /places/buildings/{id}/dwellings": {allow: placeWriters, kind: "building", body: func(*apptest.World, apptest.Where) string { return "room=909" }},
	"POST /api/v1/buildings/{id}/dwellings": {allow: placeWriters, kind: "building", body: func(*apptest.World, apptest.Where) string { return `{"room":"909"}` }},
	"POST /places/buildings/{id}/generate":  {allow: placeWriters, kind: "building", body: func(*apptest.World, apptest.Where) string { return "from_floor=1&to_floor=2&per_floor=1" }},
	"POST /places/entrances/{id}/delete":    {allow: placeWriters, kind: "entrance"},
	"GET /places/dwellings/{id}":            {allow: placeReaders, kind: "dwelling"},
	"GET /api/v1/dwellings/{id}":            {allow: placeReaders, kind: "dwelling"},
	"POST /places/dwellings/{id}":           {allow: placeWriters, kind: "dwelling", body: func(*apptest.World, apptest.Where) string { return "room=" }},
	"PUT /api/v1/dwellings/{id}":            {allow: placeWriters, kind: "dwelling", body: func(*apptest.World, apptest.Where) string { return `{"room":""}` }},
	"POST /places/dwellings/{id}/delete":    {allow: placeWriters, kind: "dwelling"},
	"DELETE /api/v1/dwellings/{id}":         {allow: placeWriters, kind: "dwelling"},

	// Ledger imports: only the account that uploaded a file sees it.
	"GET /places/import": {allow: communityWriters},
	"POST /places/import": {allow: communityWriters, scopedBody: true, reach: reachCommunity, body: func(w *apptest.World, wh apptest.Where) string {
		return fmt.Sprintf("community_id=%d", community(w, wh))
	}},
	"GET /places/import/{id}":          {allow: []string{"community_admin"}, kind: "upload_places", reach: ownUpload},
	"POST /places/import/{id}/check":   {allow: []string{"community_admin"}, kind: "upload_places", reach: ownUpload},
	"POST /places/import/{id}/commit":  {allow: []string{"community_admin"}, kind: "upload_places", reach: ownUpload},
	"GET /places/import/{id}/report":   {allow: []string{"community_admin"}, kind: "upload_places", reach: ownUpload, allowedRefusal: 404},
	"POST /places/import/{id}/discard": {allow: []string{"community_admin"}, kind: "upload_places", reach: ownUpload},
}

// ownUpload: a staged upload is its uploader's alone.
func ownUpload(user string, _ apptest.Where) bool { return user == "community_admin" }

// reachCommunityOrSys: creating under a community needs the whole community (or the whole tree).
func reachCommunityOrSys(user string, wh apptest.Where) bool {
	return user == "sys_admin" || reachCommunity(user, wh)
}

// matrixUsers are the accounts tried on every route, plus "" for anonymous.
var matrixUsers = []string{"", "street_admin", "community_admin", "community_admin_c2", "social_worker", "grid_worker", "volunteer", "resident", "sys_admin", "security_admin", "audit_admin"}

var places3 = []apptest.Where{apptest.InA, apptest.InB, apptest.InD}

func (e matrixEntry) allows(user string) bool {
	for _, a := range e.allow {
		if a == "*" && user != "" || a == user {
			return true
		}
	}
	return false
}

func (e matrixEntry) reaches(user string, wh apptest.Where) bool {
	if e.reach != nil {
		return e.reach(user, wh)
	}
	return apptest.Reaches(user, wh)
}

// leakReach says whether user may see the marker of an object of kind at wh.
func leakReach(user, kind string, wh apptest.Where) bool {
	switch kind {
	case "org_unit":
		// The org structure is configuration, not resident data: the security
		// administrator sees it when reviewing an account's scope.
		return reachOrg(user, wh) || user == "security_admin"
	case "user":
		return user == "sys_admin" || user == "security_admin"
	case "upload_places", "upload_residents":
		return user == "community_admin"
	case "api_token":
		return user == "grid_worker"
	case "sensitive_tag":
		// A sensitive group's name: only those it is opened to (the leaders here)
		// and the system administrator who defines groups may ever see it.
		return user == "street_admin" || user == "community_admin" || user == "community_admin_c2" || user == "sys_admin"
	}
	return apptest.Reaches(user, wh)
}

type call struct {
	method, path, body string
	wh                 apptest.Where
	scoped             bool
}

func (e matrixEntry) calls(w *apptest.World, rt web.Route) []call {
	path := strings.ReplaceAll(rt.Pattern, "{$}", "")
	var out []call
	targets := []apptest.Where{apptest.InA}
	if e.kind != "" || e.scopedBody {
		targets = places3
	}
	for _, wh := range targets {
		p := path
		if up, ok := w.Uploads[e.kind]; ok {
			if wh != apptest.InA {
				continue
			}
			p = strings.ReplaceAll(p, "{id}", up)
		} else if e.kind != "" {
			id, ok := w.Objects[e.kind][wh]
			if !ok {
				continue
			}
			p = strings.ReplaceAll(p, "{id}", fmt.Sprint(id))
		}
		if e.query != nil {
			p += e.query(w, wh)
		}
		c := call{method: rt.Method, path: p, wh: wh, scoped: e.kind != "" || e.scopedBody}
		if e.body != nil {
			c.body = e.body(w, wh)
		}
		out = append(out, c)
	}
	return out
}

func send(c *apptest.Client, cl call) (*http.Response, string) {
	switch {
	case cl.method == "GET":
		return c.Get(cl.path)
	case strings.HasPrefix(cl.body, "{"):
		return c.JSON(cl.method, cl.path, cl.body)
	case cl.method == "POST":
		v, _ := url.ParseQuery(cl.body)
		return c.PostForm(cl.path, v)
	}
	return c.Do(cl.method, cl.path, nil, "")
}

func refused(resp *http.Response) bool {
	switch resp.StatusCode {
	case 401, 403, 404:
		return true
	case 303:
		return strings.HasPrefix(resp.Header.Get("Location"), "/login")
	}
	return false
}

var volatileTables = []string{"audit_log", "audit_head", "auth_session"}

func TestAuthorisationMatrix(t *testing.T) {
	dbtest.Run(t, apptest.Migrations(), func(t *testing.T, d *db.DB) {
		w := apptest.New(t, d)
		srv := w.Server(t)
		clients := w.LoginAll(t, srv.URL)
		clients[""] = apptest.NewClient(t, srv.URL)
		routes := w.Routes()

		seen := map[string]bool{}
		for _, rt := range routes {
			key := rt.Method + " " + rt.Pattern
			seen[key] = true
			if _, ok := matrix[key]; !ok {
				t.Errorf("route %s is not in the authorisation matrix", key)
			}
		}
		for key := range matrix {
			if !seen[key] {
				t.Errorf("matrix entry %s names no registered route", key)
			}
		}

		var writes []struct {
			user string
			cl   call
			e    matrixEntry
		}
		before := dbtest.Digest(t, d, volatileTables...)
		for _, rt := range routes {
			e := matrix[rt.Method+" "+rt.Pattern]
			if e.skip != "" {
				continue
			}
			for _, cl := range e.calls(w, rt) {
				for _, user := range matrixUsers {
					ok := e.allows(user) && (!cl.scoped || e.reaches(user, cl.wh))
					if ok && cl.method != "GET" {
						writes = append(writes, struct {
							user string
							cl   call
							e    matrixEntry
						}{user, cl, e})
						continue
					}
					resp, body := send(clients[user], cl)
					label := fmt.Sprintf("%s %s as %q", cl.method, cl.path, user)
					if ok && refused(resp) && resp.StatusCode != e.allowedRefusal {
						t.Errorf("%s: refused with %d, want allowed", label, resp.StatusCode)
					}
					if !ok && !refused(resp) {
						t.Errorf("%s: status %d, want refused\n%.300s", label, resp.StatusCode, body)
					}
					if ok && cl.method == "GET" && !e.noLeakCheck {
						for kind, byPlace := range w.Markers {
							for wh, marker := range byPlace {
								if !leakReach(user, kind, wh) && strings.Contains(body, marker) {
									t.Errorf("%s: response shows %s %q outside the account's reach", label, kind, marker)
								}
							}
						}
					}
				}
			}
			if after := dbtest.Digest(t, d, volatileTables...); after != before {
				t.Fatalf("refused or read-only requests to %s %s changed the database", rt.Method, rt.Pattern)
			}
		}

		// Allowed writes, each on a fresh copy of the world (SQLite file copies;
		// on PostgreSQL the refusals above are the point).
		if d.Dialect() != db.SQLite {
			return
		}
		template := snapshot(t, d)
		for _, wr := range writes {
			copyDB := restore(t, template)
			a := apptest.NewApp(copyDB)
			s2 := httptest.NewServer(a.Web)
			c := *clients[wr.user]
			c.Base = s2.URL
			resp, body := send(&c, wr.cl)
			if refused(resp) && resp.StatusCode != wr.e.allowedRefusal {
				t.Errorf("%s %s as %q: refused with %d, want allowed\n%.300s", wr.cl.method, wr.cl.path, wr.user, resp.StatusCode, body)
			}
			s2.Close()
			copyDB.Close()
		}
		t.Logf("matrix: %d routes, %d allowed writes checked on copies", len(routes), len(writes))
	})
}

// snapshot checkpoints the SQLite database and copies its file.
func snapshot(t *testing.T, d *db.DB) string {
	if _, err := d.ExecContext(context.Background(), `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "template.db")
	copyFile(t, d.Location, dst)
	return dst
}

func restore(t *testing.T, template string) *db.DB {
	dst := filepath.Join(t.TempDir(), fmt.Sprintf("copy-%d.db", len(t.Name())+randN()))
	copyFile(t, template, dst)
	d, err := db.Open(context.Background(), dst)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

var counter int

func randN() int { counter++; return counter }

func copyFile(t *testing.T, src, dst string) {
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	out.Close()
}

// TestMatrixCoversEveryRole keeps the matrix honest about who it names.
func TestMatrixCoversEveryRole(t *testing.T) {
	known := map[string]bool{"*": true}
	for _, u := range matrixUsers {
		known[u] = true
	}
	var keys []string
	for k := range matrix {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, a := range matrix[k].allow {
			if !known[a] {
				t.Errorf("%s names unknown account %q", k, a)
			}
		}
	}
}
