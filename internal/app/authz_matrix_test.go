package app_test

import (
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"linli/internal/app"
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
//   - an allowed account on an object it reaches gets through: a GET is not
//     refused; a write (POST/PUT/PATCH/DELETE) runs on a fresh copy of the
//     database with a valid body, must answer 2xx or 303 and must prove that it
//     happened: the audit entry it records (action, by that account, on {id}),
//     and whatever its proof function checks. A write whose right answer for an
//     allowed account is not a success says so in expect, with the reason;
//   - no request, of anyone, is answered with a 5xx.
// The refusals and reads run on both engines; the allowed writes too (on
// PostgreSQL a copy is CREATE DATABASE … TEMPLATE).
// A route registered without an entry here fails the test: adding a route forces
// a decision about who may use it. Adding a module: docs/MODULES.md.

type matrixEntry struct {
	allow []string // accounts allowed on objects they reach; "*" = every account
	// kind of object the {id} or the body targets; "" when the route is not about one object.
	kind string
	// body builds the request body aimed at place wh ("" for none); contentType is
	// derived from its first byte ('{' = JSON).
	body func(w *apptest.World, wh apptest.Where) string
	// params are the other path values of the pattern ({seq}: "1").
	params map[string]string
	// query is appended to the path (for pages that take the target as ?parent=).
	query func(w *apptest.World, wh apptest.Where) string
	// scopedBody: the route has no {id} but its body or query targets place wh.
	scopedBody bool
	// reach overrides who reaches which place for this route's kind.
	reach func(user string, wh apptest.Where) bool
	// noLeakCheck: the page legitimately shows every object (the audit log).
	noLeakCheck bool
	// file, for a multipart upload: the file's name and contents, sent as
	// "file" beside the body's fields.
	file func(w *apptest.World, wh apptest.Where) (name, content string)
	// audit is the action an allowed write records; the write is proved by a
	// new audit entry with this action, by the account, successful, naming
	// the {id} of the route unless auditOther.
	audit string
	// auditOther: the audit entry names another object than the route's {id}
	// (the object created, the community imported into).
	auditOther bool
	// proof checks the write's effect where its audit entry does not tell it
	// all (or there is none); it runs after the audit check.
	proof func(p proofArgs) error
	// expect: an allowed write whose right answer is not a success, and why.
	expect *expected
	// skip: the route is about the caller's own session (login, logout, second
	// factor, own password) and is tested in web's own tests.
	skip string
	// refusedInBody: the body names its target, and the route's contract
	// answers an allowed account aiming it outside its reach with this status
	// on that field (follow-up records: 422 on duty_id) instead of a refusal.
	refusedInBody int
}

// expected is the answer an allowed write must get when success is not right.
type expected struct {
	status int
	why    string
}

// proofArgs is what a proof function reads: the copy the write ran on, the
// fixture (whose ids the copy shares) and who wrote where.
type proofArgs struct {
	t    *testing.T
	ctx  context.Context
	d    *db.DB
	a    *app.App
	w    *apptest.World
	user string
	wh   apptest.Where
	id   string // the route's {id}
	body string // the response
	// copiedAt: unix ms just before the copy was made.
	copiedAt int64
}

// count runs a COUNT(*) query on the copy.
func (p proofArgs) count(q string, args ...any) int {
	p.t.Helper()
	var n int
	if err := p.d.QueryRowContext(p.ctx, q, args...).Scan(&n); err != nil {
		p.t.Fatalf("proof query %q: %v", q, err)
	}
	return n
}

// want returns an error saying what is missing when ok is false.
func want(ok bool, format string, args ...any) error {
	if ok {
		return nil
	}
	return fmt.Errorf(format, args...)
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

// reachPartition: objects that belong to a community, not a grid (venues,
// volunteers, activities): a grid or social worker reaches those of their
// grid's community (A's and B's, both of community 1).
func reachPartition(user string, wh apptest.Where) bool {
	switch user {
	case "street_admin":
		return true
	case "community_admin", "social_worker", "grid_worker":
		return wh != apptest.InD
	case "community_admin_c2":
		return wh == apptest.InD
	}
	return false
}

// reachNone: the fixture resident has no registry person, so no venue or
// activity is open to them and they hold nothing there; the portals' flows
// are tested in the modules' own tests with a resident who has one.
func reachNone(string, apptest.Where) bool { return false }

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
	"POST /account/tokens":             {allow: tokenHolders, body: form("name=矩阵令牌&days=30"), audit: "token.create"},
	"POST /account/tokens/{id}/revoke": {allow: []string{"grid_worker"}, kind: "api_token", reach: func(u string, _ apptest.Where) bool { return u == "grid_worker" }, audit: "token.revoke"},
	"GET /api/v1/me":                   {allow: everyone},
	"GET /admin/audit":                 {allow: []string{"audit_admin"}, noLeakCheck: true},
	"GET /admin/audit/verify":          {allow: []string{"audit_admin"}},
	"GET /admin/audit/export":          {allow: []string{"audit_admin"}, noLeakCheck: true},
	"GET /api/v1/audit":                {allow: []string{"audit_admin"}, noLeakCheck: true},
	"GET /admin/security":              {allow: []string{"security_admin"}},
	"POST /admin/security": {allow: []string{"security_admin"}, body: form("idle_minutes=20&max_failures=6&lock_minutes=10"), audit: "security.policy",
		proof: func(p proofArgs) error {
			pol := p.a.Auth.Policy(p.ctx)
			return want(pol.MaxFailures == 6 && pol.Idle == 20*time.Minute, "the policy is %+v", pol)
		}},
	"GET /admin/users":     {allow: []string{"sys_admin", "security_admin"}, reach: reachAll},
	"GET /admin/users/new": {allow: []string{"sys_admin"}, reach: reachAll},
	"POST /admin/users": {allow: []string{"sys_admin"}, audit: "user.create", body: func(w *apptest.World, _ apptest.Where) string {
		return fmt.Sprintf("username=matrix_new&display_name=矩阵账号&password=Matrix-Pass-2026&roles=grid_worker&scope=%d", w.GridA)
	}, proof: func(p proofArgs) error {
		return want(p.count(`SELECT COUNT(*) FROM auth_user WHERE username = 'matrix_new'`) == 1, "no account matrix_new")
	}},
	"GET /admin/users/{id}": {allow: []string{"sys_admin", "security_admin"}, kind: "user", reach: reachAll},
	"POST /admin/users/{id}": {allow: []string{"sys_admin"}, kind: "user", reach: reachAll, audit: "user.update", body: func(w *apptest.World, _ apptest.Where) string {
		return fmt.Sprintf("display_name=改名账号&roles=grid_worker&scope=%d", w.GridB)
	}, proof: func(p proofArgs) error {
		return want(p.count(`SELECT COUNT(*) FROM auth_user WHERE display_name = '改名账号'`) == 1, "the display name did not change")
	}},
	"POST /admin/users/{id}/password": {allow: []string{"sys_admin"}, kind: "user", reach: reachAll, body: form("password=Reset-Pass-2026"), audit: "user.password"},
	"POST /admin/users/{id}/disable": {allow: []string{"sys_admin"}, kind: "user", reach: reachAll, audit: "user.disable", proof: func(p proofArgs) error {
		return want(p.count(`SELECT COUNT(*) FROM auth_user WHERE id = ? AND disabled`, p.w.Users["target_user"]) == 1, "the account is not disabled")
	}},
	"POST /admin/users/{id}/enable": {allow: []string{"sys_admin"}, kind: "user_blocked", reach: reachAll, audit: "user.enable", proof: func(p proofArgs) error {
		return want(p.count(`SELECT COUNT(*) FROM auth_user WHERE username = 'blocked_user' AND NOT disabled`) == 1, "the account is still disabled")
	}},
	"POST /admin/users/{id}/lock": {allow: []string{"sys_admin", "security_admin"}, kind: "user", reach: reachAll, audit: "user.lock", proof: func(p proofArgs) error {
		return want(p.count(`SELECT COUNT(*) FROM auth_user WHERE id = ? AND locked_until > ?`, p.w.Users["target_user"], time.Now().UnixMilli()) == 1, "the account is not locked")
	}},
	"POST /admin/users/{id}/unlock": {allow: []string{"sys_admin", "security_admin"}, kind: "user_blocked", reach: reachAll, audit: "user.unlock", proof: func(p proofArgs) error {
		return want(p.count(`SELECT COUNT(*) FROM auth_user WHERE username = 'blocked_user' AND locked_until <= ?`, time.Now().UnixMilli()) == 1, "the account is still locked")
	}},
	"POST /admin/users/{id}/mfa-reset": {allow: []string{"sys_admin", "security_admin"}, kind: "user", reach: reachAll, audit: "user.mfa_reset"},

	// The org tree.
	"GET /org":             {allow: orgReaders, reach: reachOrg},
	"GET /api/v1/org":      {allow: orgReaders, reach: reachOrg},
	"GET /org/{id}":        {allow: orgReaders, kind: "org_unit", reach: reachOrg},
	"GET /api/v1/org/{id}": {allow: orgReaders, kind: "org_unit", reach: reachOrg},
	"POST /org/{id}": {allow: orgWriters, kind: "org_unit", reach: reachOrg, audit: "org.update", body: func(_ *apptest.World, wh apptest.Where) string {
		return "name=改名网格&code=" + gridCode[wh]
	}},
	"PUT /api/v1/org/{id}": {allow: orgWriters, kind: "org_unit", reach: reachOrg, audit: "org.update", body: func(_ *apptest.World, wh apptest.Where) string {
		return fmt.Sprintf(`{"name":"改名网格","code":%q}`, gridCode[wh])
	}},
	"GET /org/new": {allow: orgWriters, scopedBody: true, reach: reachOrg, query: func(w *apptest.World, wh apptest.Where) string { return fmt.Sprintf("?parent=%d", community(w, wh)) }},
	"POST /org": {allow: orgWriters, scopedBody: true, reach: reachCommunityOrSys, audit: "org.create", body: func(w *apptest.World, wh apptest.Where) string {
		return fmt.Sprintf("parent_id=%d&level=grid&name=新网格&code=009", community(w, wh))
	}},
	"POST /api/v1/org": {allow: orgWriters, scopedBody: true, reach: reachCommunityOrSys, audit: "org.create", body: func(w *apptest.World, wh apptest.Where) string {
		return fmt.Sprintf(`{"parent_id":%d,"level":"grid","name":"新网格","code":"009"}`, community(w, wh))
	}},
	"GET /org/level-names": {allow: []string{"sys_admin"}, reach: reachAll},
	"POST /org/level-names": {allow: []string{"sys_admin"}, audit: "org.level_names",
		body: form("level_city=市&level_district=区&level_street=镇&level_community=村&level_grid=网格")},

	// Places.
	"GET /places":               {allow: placeReaders},
	"GET /places/estates":       {allow: placeReaders},
	"GET /api/v1/estates":       {allow: placeReaders},
	"GET /api/v1/buildings":     {allow: placeReaders},
	"GET /places/buildings/new": {allow: placeWriters},
	"POST /places/buildings": {allow: placeWriters, scopedBody: true, audit: "building.create", body: func(w *apptest.World, wh apptest.Where) string {
		return fmt.Sprintf("grid_id=%d&name=新楼", grid(w, wh))
	}},
	"POST /api/v1/buildings": {allow: placeWriters, scopedBody: true, audit: "building.create", body: func(w *apptest.World, wh apptest.Where) string {
		return fmt.Sprintf(`{"grid_id":%d,"name":"新楼"}`, grid(w, wh))
	}},
	"POST /places/estates": {allow: communityWriters, scopedBody: true, reach: reachCommunity, audit: "estate.create", body: func(w *apptest.World, wh apptest.Where) string {
		return fmt.Sprintf("community_id=%d&name=新小区", community(w, wh))
	}},
	"POST /api/v1/estates": {allow: communityWriters, scopedBody: true, reach: reachCommunity, audit: "estate.create", body: func(w *apptest.World, wh apptest.Where) string {
		return fmt.Sprintf(`{"community_id":%d,"name":"新小区"}`, community(w, wh))
	}},
	"GET /places/estates/{id}":             {allow: placeReaders, kind: "estate"},
	"POST /places/estates/{id}":            {allow: communityWriters, kind: "estate", reach: reachCommunity, body: form("name=改名小区"), audit: "estate.update"},
	"POST /places/estates/{id}/delete":     {allow: communityWriters, kind: "empty_estate", reach: reachCommunity, audit: "estate.delete"},
	"GET /places/buildings/{id}":           {allow: placeReaders, kind: "building"},
	"GET /api/v1/buildings/{id}":           {allow: placeReaders, kind: "building"},
	"GET /api/v1/buildings/{id}/dwellings": {allow: placeReaders, kind: "building"},
	"POST /places/buildings/{id}": {allow: placeWriters, kind: "building", audit: "building.update", body: func(w *apptest.World, wh apptest.Where) string {
		return fmt.Sprintf("grid_id=%d&estate_id=%d&name=改名楼&floors=7", grid(w, wh), w.Objects["estate"][wh])
	}},
	"PUT /api/v1/buildings/{id}": {allow: placeWriters, kind: "building", audit: "building.update", body: func(w *apptest.World, wh apptest.Where) string {
		return fmt.Sprintf(`{"grid_id":%d,"estate_id":%d,"name":"改名楼","floors":7}`, grid(w, wh), w.Objects["estate"][wh])
	}},
	"POST /places/buildings/{id}/delete":    {allow: placeWriters, kind: "empty_building", audit: "building.delete"},
	"DELETE /api/v1/buildings/{id}":         {allow: placeWriters, kind: "empty_building", audit: "building.delete"},
	"POST /places/buildings/{id}/entrances": {allow: placeWriters, kind: "building", body: form("entrance_name=9单元"), audit: "entrance.create", auditOther: true},
	"POST /places/buildings/{id}/dwellings": {allow: placeWriters, kind: "building", body: form("room=909"), audit: "dwelling.create", auditOther: true},
	"POST /api/v1/buildings/{id}/dwellings": {allow: placeWriters, kind: "building", body: form(`{"room":"909"}`), audit: "dwelling.create", auditOther: true},
	"POST /places/buildings/{id}/generate":  {allow: placeWriters, kind: "building", body: form("from_floor=1&to_floor=2&per_floor=1"), audit: "dwelling.generate"},
	"POST /places/entrances/{id}/delete":    {allow: placeWriters, kind: "empty_entrance", audit: "entrance.delete"},
	"GET /places/dwellings/{id}":            {allow: placeReaders, kind: "dwelling"},
	"GET /api/v1/dwellings/{id}":            {allow: placeReaders, kind: "dwelling"},
	"POST /places/dwellings/{id}": {allow: placeWriters, kind: "dwelling", audit: "dwelling.update", body: func(w *apptest.World, wh apptest.Where) string {
		return fmt.Sprintf("entrance_id=%d&room=102&floor=1", w.Objects["entrance"][wh])
	}},
	"PUT /api/v1/dwellings/{id}": {allow: placeWriters, kind: "dwelling", audit: "dwelling.update", body: func(w *apptest.World, wh apptest.Where) string {
		return fmt.Sprintf(`{"entrance_id":%d,"room":"102","floor":1}`, w.Objects["entrance"][wh])
	}},
	"POST /places/dwellings/{id}/delete": {allow: placeWriters, kind: "empty_dwelling", audit: "dwelling.delete"},
	"DELETE /api/v1/dwellings/{id}":      {allow: placeWriters, kind: "empty_dwelling", audit: "dwelling.delete"},

	// Ledger imports: only the account that uploaded a file sees it.
	"GET /places/import": {allow: communityWriters},
	"POST /places/import": {allow: communityWriters, scopedBody: true, reach: reachCommunity, audit: "import.upload", body: func(w *apptest.World, wh apptest.Where) string {
		return fmt.Sprintf("community_id=%d", community(w, wh))
	}, file: ledgerFile("楼栋台账.csv", "楼栋,房号\n新楼,101\n")},
	"GET /places/import/{id}":          {allow: []string{"community_admin"}, kind: "upload_places", reach: ownUpload},
	"POST /places/import/{id}/check":   {allow: []string{"community_admin"}, kind: "upload_places", reach: ownUpload, proof: checkedAgain},
	"POST /places/import/{id}/commit":  {allow: []string{"community_admin"}, kind: "upload_places", reach: ownUpload, audit: "places.import", auditOther: true, proof: uploadState("committed")},
	"GET /places/import/{id}/report":   {allow: []string{"community_admin"}, kind: "upload_places", reach: ownUpload},
	"POST /places/import/{id}/discard": {allow: []string{"community_admin"}, kind: "upload_places", reach: ownUpload, audit: "import.discard", proof: uploadGone},
}

// gridCode: the fixture grids' codes, which an edit keeps.
var gridCode = map[apptest.Where]string{apptest.InA: "001", apptest.InB: "002", apptest.InD: "001"}

// ledgerFile is a file to upload.
func ledgerFile(name, content string) func(*apptest.World, apptest.Where) (string, string) {
	return func(*apptest.World, apptest.Where) (string, string) { return name, content }
}

// checkedAgain: the check ran again on the (already checked) upload: it
// was claimed afresh after the copy was made and settled checked.
func checkedAgain(p proofArgs) error {
	var state string
	var updated int64
	if err := p.d.QueryRowContext(p.ctx, `SELECT state, updated_at FROM import_upload WHERE id = ?`, p.id).Scan(&state, &updated); err != nil {
		return err
	}
	return want(state == "checked" && updated >= p.copiedAt, "the upload is %s, updated at %d, before the copy (%d)", state, updated, p.copiedAt)
}

// uploadState: the upload's run ended in state.
func uploadState(state string) func(p proofArgs) error {
	return func(p proofArgs) error {
		var got string
		if err := p.d.QueryRowContext(p.ctx, `SELECT state FROM import_upload WHERE id = ?`, p.id).Scan(&got); err != nil {
			return err
		}
		return want(got == state, "the upload is %s, want %s", got, state)
	}
}

// uploadGone: the upload was deleted.
func uploadGone(p proofArgs) error {
	return want(p.count(`SELECT COUNT(*) FROM import_upload WHERE id = ?`, p.id) == 0, "the upload is still there")
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
	case "user", "user_blocked":
		return user == "sys_admin" || user == "security_admin"
	case "upload_places", "upload_residents":
		return user == "community_admin"
	case "api_token":
		return user == "grid_worker"
	case "fu_duty_sensitive":
		// A sensitive group's duty is marked by its rule's name, a street rule
		// every leader of the street sees (the group is opened to leaders;
		// the 综治 line too, whom no fixture account is of). Never the grid
		// worker or the 民政 social worker.
		return user == "street_admin" || user == "community_admin" || user == "community_admin_c2"
	case "fu_record_sensitive":
		// Its record: those the group is opened to, within their scope.
		return (user == "street_admin" || user == "community_admin") && apptest.Reaches(user, wh)
	case "venue", "venue_booking", "venue_series":
		// Venues have no grid: a grid worker reaches their community's.
		return reachPartition(user, wh)
	case "volunteer", "volunteer_pending", "vol_team", "vol_record":
		// Volunteers have no grid either.
		return reachPartition(user, wh)
	case "activity", "activity_draft", "activity_signed", "activity_past", "activity_summarised", "activity_plan":
		// Activities have no grid either.
		return reachPartition(user, wh)
	case "report", "report_submitted":
		// Reports are a whole community's: its leaders' and the street's.
		return reachCommunity(user, wh)
	case "report_form":
		// A street's form: words every leader under the street reads.
		return user == "street_admin" || user == "community_admin" || user == "community_admin_c2"
	case "campaign_template":
		// A street's campaign template is words every staff member under the
		// street reads in the runs copied from it; no community's data.
		return true
	case "campaign", "campaign_task", "campaign_evidence", "campaign_checkable", "campaign_checked":
		// Campaigns belong to a community, not a grid.
		return reachPartition(user, wh)
	case "sensitive_tag":
		// A sensitive group's name: only those it is opened to (the leaders here)
		// and the system administrator who defines groups may ever see it.
		return user == "street_admin" || user == "community_admin" || user == "community_admin_c2" || user == "sys_admin"
	}
	return apptest.Reaches(user, wh)
}

type call struct {
	method, path, body string
	fileName, file     string
	id                 string // the {id} of the path, "" when none
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
		p, id := path, ""
		if up, ok := w.Uploads[e.kind]; ok {
			if wh != apptest.InA {
				continue
			}
			id = up
		} else if e.kind != "" {
			n, ok := w.Objects[e.kind][wh]
			if !ok {
				continue
			}
			id = fmt.Sprint(n)
		}
		if id != "" {
			p = strings.ReplaceAll(p, "{id}", id)
		}
		for k, v := range e.params {
			p = strings.ReplaceAll(p, "{"+k+"}", v)
		}
		if e.query != nil {
			p += e.query(w, wh)
		}
		c := call{method: rt.Method, path: p, id: id, wh: wh, scoped: e.kind != "" || e.scopedBody}
		if e.body != nil {
			c.body = e.body(w, wh)
		}
		if e.file != nil {
			c.fileName, c.file = e.file(w, wh)
		}
		out = append(out, c)
	}
	return out
}

func send(c *apptest.Client, cl call) (*http.Response, string) {
	switch {
	case cl.method == "GET":
		return c.Get(cl.path)
	case cl.fileName != "":
		var buf strings.Builder
		mw := multipart.NewWriter(&buf)
		v, _ := url.ParseQuery(cl.body)
		v.Set("_csrf", c.CSRF)
		for k, vals := range v {
			for _, x := range vals {
				_ = mw.WriteField(k, x)
			}
		}
		fw, _ := mw.CreateFormFile("file", cl.fileName)
		_, _ = fw.Write([]byte(cl.file))
		_ = mw.Close()
		return c.Do(cl.method, cl.path, strings.NewReader(buf.String()), mw.FormDataContentType())
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

// succeeded: a write answered with success (a redirect elsewhere than the login).
func succeeded(resp *http.Response) bool {
	return resp.StatusCode >= 200 && resp.StatusCode < 300 || resp.StatusCode == 303 && !refused(resp)
}

var volatileTables = []string{"audit_log", "audit_head", "auth_session"}

type allowedWrite struct {
	route string // method and pattern
	user  string
	cl    call
	e     matrixEntry
}

func TestAuthorisationMatrix(t *testing.T) {
	dbtest.Run(t, apptest.Migrations(), func(t *testing.T, d *db.DB) {
		w := apptest.New(t, d)
		w.AddWriteTargets(t)
		srv := w.Server(t)
		clients := w.LoginAll(t, srv.URL)
		clients[""] = apptest.NewClient(t, srv.URL)
		routes := w.Routes()

		seen := map[string]bool{}
		for _, rt := range routes {
			key := rt.Method + " " + rt.Pattern
			seen[key] = true
			if _, ok := matrix[key]; !ok {
				t.Errorf("route %s is not in the authorisation matrix (docs/MODULES.md)", key)
			}
		}
		for key, e := range matrix {
			if !seen[key] {
				t.Errorf("matrix entry %s names no registered route", key)
			}
			if _, ok := w.Objects[e.kind]; e.kind != "" && !ok && w.Uploads[e.kind] == "" {
				t.Errorf("matrix entry %s targets %q, which no apptest fixture records: the route would go untried (docs/MODULES.md)", key, e.kind)
			}
		}

		var writes []allowedWrite
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
						writes = append(writes, allowedWrite{rt.Method + " " + rt.Pattern, user, cl, e})
						continue
					}
					resp, body := send(clients[user], cl)
					label := fmt.Sprintf("%s %s as %q", cl.method, cl.path, user)
					if resp.StatusCode >= 500 {
						t.Errorf("%s: status %d\n%.300s", label, resp.StatusCode, body)
					}
					if ok && refused(resp) {
						t.Errorf("%s: refused with %d, want allowed", label, resp.StatusCode)
					}
					if !ok && !refused(resp) && !(e.refusedInBody != 0 && e.allows(user) && resp.StatusCode == e.refusedInBody) {
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

		// Allowed writes, each on a fresh copy of the world. A copy costs a
		// PostgreSQL server about a second (CREATE DATABASE … TEMPLATE), so
		// there every route's first allowed write runs, unless
		// LINLI_MATRIX_ALL_WRITES is set; every one of them runs on SQLite.
		if d.Dialect() == db.Postgres && os.Getenv(envAllWrites) == "" {
			writes = onePerRoute(writes)
		}
		w.App.Imports.Wait()
		since := markAudit(t, d)
		snap := dbtest.TakeSnapshot(t, d)
		for _, wr := range writes {
			checkWrite(t, w, snap, clients[wr.user], wr, since)
		}
		t.Logf("matrix: %d routes, %d allowed writes proved on copies", len(routes), len(writes))
	})
}

// envAllWrites, when set, runs every allowed write on PostgreSQL too.
const envAllWrites = "LINLI_MATRIX_ALL_WRITES"

// onePerRoute keeps the first allowed write of each route: what is the
// engine's own in a write is its SQL, which is the route's; the accounts'
// scopes were tried on this engine by the refusals and reads.
func onePerRoute(writes []allowedWrite) []allowedWrite {
	seen := map[string]bool{}
	var out []allowedWrite
	for _, wr := range writes {
		if !seen[wr.route] {
			seen[wr.route] = true
			out = append(out, wr)
		}
	}
	return out
}

// checkWrite runs one allowed write on a copy of the snapshot and proves it.
func checkWrite(t *testing.T, w *apptest.World, snap *dbtest.Snapshot, client *apptest.Client, wr allowedWrite, since auditMark) {
	t.Helper()
	copiedAt := time.Now().UnixMilli()
	d, release := snap.Clone(t)
	defer release()
	a := apptest.NewApp(d)
	s2 := httptest.NewServer(a.Web)
	defer s2.Close()
	c := apptest.NewClient(t, s2.URL)
	c.CSRF = client.CSRF
	base, _ := url.Parse(client.Base)
	copyURL, _ := url.Parse(s2.URL)
	c.HTTP.Jar.SetCookies(copyURL, client.HTTP.Jar.Cookies(base))
	resp, body := send(c, wr.cl)
	a.Imports.Wait()
	label := fmt.Sprintf("%s %s as %q", wr.cl.method, wr.cl.path, wr.user)
	if wr.e.expect != nil {
		if resp.StatusCode != wr.e.expect.status {
			t.Errorf("%s: status %d, want %d (%s)\n%.300s", label, resp.StatusCode, wr.e.expect.status, wr.e.expect.why, body)
		}
		return
	}
	if !succeeded(resp) {
		t.Errorf("%s: status %d, want a success\n%.600s", label, resp.StatusCode, errorText(body))
		return
	}
	ctx := context.Background()
	if wr.e.audit != "" {
		cond, args := since.after()
		q := `SELECT COUNT(*) FROM audit_log WHERE ` + cond + ` AND action = ? AND actor_id = ? AND outcome = 'success'`
		args = append(args, wr.e.audit, w.Users[wr.user])
		if wr.cl.id != "" && !wr.e.auditOther {
			q += ` AND object_id = ?`
			args = append(args, wr.cl.id)
		}
		var n int
		if err := d.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Errorf("%s: answered %d but recorded no %q audit entry%s: the write did not happen", label, resp.StatusCode, wr.e.audit,
				map[bool]string{true: " on " + wr.cl.id}[wr.cl.id != "" && !wr.e.auditOther])
		}
	}
	checkAuditNamed(t, d, since, label)
	if wr.e.proof != nil {
		if err := wr.e.proof(proofArgs{t: t, ctx: ctx, d: d, a: a, w: w, user: wr.user, wh: wr.cl.wh, id: wr.cl.id, body: body, copiedAt: copiedAt}); err != nil {
			t.Errorf("%s: answered %d but %v", label, resp.StatusCode, err)
		}
	}
}

// errorText keeps what a failed write's page says about the failure: its
// field errors and flash, without the page around them.
func errorText(body string) string {
	if i := strings.Index(body, `class="field-error`); i >= 0 {
		return body[i:]
	}
	if i := strings.Index(body, "<main"); i >= 0 {
		return body[i:]
	}
	return body
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

// Every write open to someone proves itself: by its audit entry, a proof
// function, or an expected answer with its reason; and the expected answers
// stay few.
func TestMatrixWritesAreProved(t *testing.T) {
	expects := 0
	for k, e := range matrix {
		if strings.HasPrefix(k, "GET ") || len(e.allow) == 0 || e.skip != "" {
			continue
		}
		switch {
		case e.expect != nil:
			expects++
			if e.expect.why == "" || e.expect.status == 0 {
				t.Errorf("%s: an expected answer needs its status and its reason", k)
			}
		case e.audit == "" && e.proof == nil:
			t.Errorf("%s: an allowed write needs an audit action or a proof (docs/MODULES.md)", k)
		}
	}
	if expects > 3 {
		t.Errorf("%d writes expect a refusal for allowed accounts: make their bodies valid", expects)
	}
}
