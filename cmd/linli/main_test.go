package main

import (
	"bufio"
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"linli/internal/apptest"
	"linli/internal/db"
	"linli/internal/dbtest"
)

// The command line is tested by building the real binary and running it.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "linli-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "linli")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		panic("build linli: " + err.Error() + "\n" + string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func run(t *testing.T, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), code
}

// deployment makes a data directory with a key, an org tree and an admin account.
func deployment(t *testing.T) string {
	data := t.TempDir()
	if out, code := run(t, nil, "keygen", "--data", data); code != 0 {
		t.Fatalf("keygen: %s", out)
	}
	if out, code := run(t, nil, "migrate", "--data", data); code != 0 || !strings.Contains(out, "applied") {
		t.Fatalf("migrate: %d %s", code, out)
	}
	out, code := run(t, []string{"LINLI_PASSWORD=Strong-Pass-2026"}, "user", "add", "--data", data, "--username", "admin", "--name", "管理员", "--role", "sys_admin")
	if code != 0 {
		t.Fatalf("user add: %s", out)
	}
	return data
}

func TestAuditVerifyNamesTheTamperedEntry(t *testing.T) {
	data := deployment(t)
	run(t, nil, "user", "lock", "--data", data, "--username", "admin")
	run(t, nil, "user", "unlock", "--data", data, "--username", "admin")
	out, code := run(t, nil, "audit", "verify", "--data", data)
	if code != 0 || !strings.Contains(out, "intact") {
		t.Fatalf("fresh chain: %d %s", code, out)
	}
	// Change one audit row by hand, as someone with database access might.
	db, err := sql.Open("sqlite", filepath.Join(data, "linli.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE audit_log SET actor_name = 'someone-else' WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	out, code = run(t, nil, "audit", "verify", "--data", data)
	if code == 0 || !strings.Contains(out, "audit entry 2") {
		t.Fatalf("tampered chain must fail naming entry 2: %d %s", code, out)
	}
}

// Each community's entries form a chain of their own: audit verify reports
// every chain by its name, and an entry edited in one community's chain is
// named there, with that community, while the other chains hold.
func TestAuditVerifyNamesTheTamperedCommunity(t *testing.T) {
	data := deployment(t)
	file := filepath.Join(data, "linli.db")
	sdb, err := sql.Open("sqlite", file)
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	for _, q := range []string{
		`INSERT INTO org_unit (id, parent_id, level, name, code, path, community_id, valid_from, created_at, updated_at) VALUES (1, NULL, 'street', '西湖街道', '330106004', '/1/', NULL, '2020-01-01', 0, 0)`,
		`INSERT INTO org_unit (id, parent_id, level, name, code, path, community_id, valid_from, created_at, updated_at) VALUES (2, 1, 'community', '一号社区', '001', '/1/2/', 2, '2020-01-01', 0, 0)`,
		`INSERT INTO org_unit (id, parent_id, level, name, code, path, community_id, valid_from, created_at, updated_at) VALUES (3, 1, 'community', '二号社区', '002', '/1/3/', 3, '2020-01-01', 0, 0)`,
	} {
		if _, err := sdb.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	ledger := filepath.Join(t.TempDir(), "楼栋.csv")
	os.WriteFile(ledger, []byte("楼栋,房号\n7幢,101\n7幢,102\n"), 0o600)
	for _, c := range []string{"一号社区", "二号社区"} {
		if out, code := run(t, nil, "import", "places", ledger, "--data", data, "--community", c); code != 0 {
			t.Fatalf("import into %s: %d %s", c, code, out)
		}
	}
	out, code := run(t, nil, "audit", "verify", "--data", data)
	if code != 0 || !strings.Contains(out, "in 3 chains") || !strings.Contains(out, "chain 2 (西湖街道 / 一号社区): intact (1 checked)") || !strings.Contains(out, "chain 0 (administration") {
		t.Fatalf("intact chains: %d %s", code, out)
	}
	if _, err := sdb.Exec(`UPDATE audit_log SET detail = '{}' WHERE community_id = 3 AND seq = 1`); err != nil {
		t.Fatal(err)
	}
	out, code = run(t, nil, "audit", "verify", "--data", data)
	if code == 0 || !strings.Contains(out, "chain 3 (西湖街道 / 二号社区): BROKEN: audit entry 1 of chain 3") || !strings.Contains(out, "chain 2 (西湖街道 / 一号社区): intact (1 checked)") || !strings.Contains(out, "BROKEN: 1 of 3 chains") {
		t.Fatalf("tampered community chain must be named: %d %s", code, out)
	}
}

func TestBackupRestoresAndPostgresIsPointedToPgDump(t *testing.T) {
	data := deployment(t)
	dst := filepath.Join(t.TempDir(), "copy.db")
	out, code := run(t, nil, "backup", "--data", data, "--out", dst)
	if code != 0 {
		t.Fatalf("backup: %s", out)
	}
	// The copy is a working deployment with the same key: its audit chain verifies.
	copyDir := t.TempDir()
	os.Rename(dst, filepath.Join(copyDir, "linli.db"))
	key, _ := os.ReadFile(filepath.Join(data, "linli.key"))
	os.WriteFile(filepath.Join(copyDir, "linli.key"), key, 0o600)
	out, code = run(t, nil, "audit", "verify", "--data", copyDir)
	if code != 0 || !strings.Contains(out, "intact") {
		t.Fatalf("restored copy: %d %s", code, out)
	}
	// Refuses to overwrite.
	if _, code := run(t, nil, "backup", "--data", data, "--out", filepath.Join(copyDir, "linli.db")); code == 0 {
		t.Fatal("backup overwrote a file")
	}
	out, code = run(t, nil, "backup", "--db", "postgres://u@127.0.0.1:1/x", "--out", "x")
	if code == 0 || !strings.Contains(out, "pg_dump") {
		t.Fatalf("postgres backup: %s", out)
	}
}

func TestRefusesNewerSchemaAndMissingKey(t *testing.T) {
	data := deployment(t)
	db, _ := sql.Open("sqlite", filepath.Join(data, "linli.db"))
	if _, err := db.Exec(`INSERT INTO schema_migrations (module, version, name, applied_at) VALUES ('org', 999, '0999_future.sql', 0)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	out, code := run(t, nil, "serve", "--data", data, "--listen", "127.0.0.1:0")
	if code == 0 || !strings.Contains(out, "newer") {
		t.Fatalf("serve on a newer schema: %d %s", code, out)
	}
	empty := t.TempDir()
	out, code = run(t, nil, "serve", "--data", empty, "--listen", "127.0.0.1:0")
	if code == 0 || !strings.Contains(out, "keygen") {
		t.Fatalf("serve without a key: %d %s", code, out)
	}
}

func TestUserCommandsValidate(t *testing.T) {
	data := deployment(t)
	out, code := run(t, []string{"LINLI_PASSWORD=weak"}, "user", "add", "--data", data, "--username", "bob", "--name", "鲍勃", "--role", "audit_admin")
	if code == 0 || !strings.Contains(out, "8 位") {
		t.Fatalf("weak password: %s", out)
	}
	out, code = run(t, []string{"LINLI_PASSWORD=Good-Pass-2026"}, "user", "add", "--data", data, "--username", "bob", "--name", "鲍勃", "--role", "audit_admin,sys_admin")
	if code == 0 || !strings.Contains(out, "三员分立") {
		t.Fatalf("combined admin roles: %s", out)
	}
	out, code = run(t, []string{"LINLI_PASSWORD=Good-Pass-2026"}, "user", "passwd", "--data", data, "--username", "nobody")
	if code == 0 || !strings.Contains(out, "no account") {
		t.Fatalf("passwd unknown: %s", out)
	}
	if out, code := run(t, nil, "version"); code != 0 || !strings.HasPrefix(out, "linli ") {
		t.Fatalf("version: %s", out)
	}
	if _, code := run(t, nil, "frobnicate"); code != 2 {
		t.Fatalf("unknown command exit %d", code)
	}
}

func TestMigrateOnPostgres(t *testing.T) {
	url := dbtest.NewPostgresDatabase(t)
	out, code := run(t, nil, "migrate", "--db", url)
	if code != 0 || !strings.Contains(out, "postgres") {
		t.Fatalf("migrate postgres: %d %s", code, out)
	}
	// Idempotent.
	out, code = run(t, nil, "migrate", "--db", url)
	if code != 0 || !strings.Contains(out, "applied 0") {
		t.Fatalf("second migrate: %s", out)
	}
}

// startDemo runs "linli demo" on a free port and returns its address and banner.
func startDemo(t *testing.T, args ...string) (*exec.Cmd, string, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(binary, append([]string{"demo", "--listen", addr}, args...)...)
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		io.Copy(io.Discard, stdout)
	}()
	var banner strings.Builder
	timeout := time.After(60 * time.Second)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("demo exited:\n%s", banner.String())
			}
			banner.WriteString(line + "\n")
			if strings.Contains(line, "Ctrl+C") {
				go func() {
					for range lines {
					}
				}()
				return cmd, addr, banner.String()
			}
		case <-timeout:
			t.Fatalf("demo did not come up in 60 s:\n%s", banner.String())
		}
	}
}

// The README's demo command: a fresh directory becomes a served demo street,
// and a community account logs in through the API and the HTML form.
func TestDemoServesAndCommunityAccountLogsIn(t *testing.T) {
	data := t.TempDir()
	cmd, addr, banner := startDemo(t, "--data", data, "--demo-password", "Demo-Pass-2026", "--residents", "500")
	for _, want := range []string{"http://" + addr + "/", "community_admin", "grid_worker", "audit_admin", "Demo-Pass-2026"} {
		if !strings.Contains(banner, want) {
			t.Fatalf("banner lacks %q:\n%s", want, banner)
		}
	}
	base := "http://" + addr
	resp, err := http.Post(base+"/api/v1/session", "application/json", strings.NewReader(`{"username":"community_admin","password":"Demo-Pass-2026"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"token"`) {
		t.Fatalf("API login: %d %s", resp.StatusCode, body)
	}
	c := apptest.NewClient(t, base).Login("community_admin", "Demo-Pass-2026")
	r, page := c.Get("/")
	if r.StatusCode != 200 || !strings.Contains(page, "翠苑一区社区") {
		t.Fatalf("dashboard: %d", r.StatusCode)
	}
	// A graceful stop on SIGTERM.
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("demo did not stop cleanly: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("demo did not stop within 20 s of SIGTERM")
	}
	// Running it again reuses the deployment and keeps the passwords.
	_, _, banner = startDemo(t, "--data", data, "--residents", "500")
	if !strings.Contains(banner, "passwords unchanged") || strings.Contains(banner, "Demo-Pass-2026") {
		t.Fatalf("second run:\n%s", banner)
	}
}

// The profiler listens only on a loopback address and serves /debug/pprof/.
func TestProfilerOnlyOnLoopback(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, addr := range []string{"0.0.0.0:0", "192.0.2.1:6060", ":6060", "nonsense"} {
		if err := serveProfiler(addr, log); err == nil || !strings.Contains(err.Error(), "loopback") && !strings.Contains(err.Error(), "debug-listen") {
			t.Errorf("%s: %v", addr, err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	if err := serveProfiler(addr, log); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + addr + "/debug/pprof/")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("profiler index: %v %v", resp, err)
	}
	resp.Body.Close()
}

// serve collects garbage less often than Go's default, unless GOGC says otherwise.
func TestServeTunesGCUnlessGOGCIsSet(t *testing.T) {
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)
	oldLimit := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(oldLimit)
	t.Setenv("GOMEMLIMIT", "")
	importing := tuneGC("")
	if got := debug.SetGCPercent(100); got != serveGCPercent {
		t.Fatalf("GC percent %d, want %d", got, serveGCPercent)
	}
	// Three times an import's heap is bounded by a soft limit, tighter while
	// imports run (two at once here), and the serving one again after the last.
	if got := debug.SetMemoryLimit(-1); got != serveMemoryLimit {
		t.Fatalf("memory limit %d, want %d", got, serveMemoryLimit)
	}
	importing(true)
	importing(true)
	importing(false)
	if got := debug.SetMemoryLimit(-1); got != serveImportMemoryLimit {
		t.Fatalf("memory limit %d while an import runs, want %d", got, serveImportMemoryLimit)
	}
	importing(false)
	if got := debug.SetMemoryLimit(-1); got != serveMemoryLimit {
		t.Fatalf("memory limit %d after the imports, want %d", got, serveMemoryLimit)
	}
	t.Setenv("GOMEMLIMIT", "300MiB")
	if tuneGC("") != nil {
		t.Fatal("GOMEMLIMIT set: serve must leave the limit to it")
	}
	debug.SetGCPercent(100)
	if tuneGC("50") != nil { // GOGC was read by the runtime at start; it stays as it is
		t.Fatal("GOGC set: serve must leave the collector to it")
	}
	if got := debug.SetGCPercent(100); got != 100 {
		t.Fatalf("GC percent %d after GOGC=50, want it left alone", got)
	}
}

// linli import --grid puts a ledger's new buildings in a grid of the
// community, named or numbered; without it they have none (counted once); an
// unknown grid is refused in Chinese, naming the community's grids.
func TestImportGridFlag(t *testing.T) {
	data := deployment(t)
	d, err := db.Open(context.Background(), filepath.Join(data, "linli.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	w := apptest.New(t, d)
	ledger := filepath.Join(t.TempDir(), "楼栋.csv")
	os.WriteFile(ledger, []byte("楼栋,房号\n7幢,101\n7幢,102\n"), 0o600)
	args := func(extra ...string) []string {
		return append([]string{"import", "places", ledger, "--data", data, "--community", "330106004001"}, extra...)
	}
	out, code := run(t, nil, args("--grid", "网格丙C", "--dry-run")...)
	if code == 0 || !strings.Contains(out, "一号社区没有这个网格") || !strings.Contains(out, "网格乙B（002）") {
		t.Fatalf("unknown grid: %d %s", code, out)
	}
	if out, code := run(t, nil, args("--dry-run")...); code != 0 || !strings.Contains(out, "新楼栋未划分网格: 1") || !strings.Contains(out, "划入网格") {
		t.Fatalf("without --grid: %d %s", code, out)
	}
	if out, code := run(t, nil, args("--grid", "002", "--dry-run")...); code != 0 || strings.Contains(out, "未划分网格") {
		t.Fatalf("--grid 002: %d %s", code, out)
	}
	if out, code := run(t, nil, args("--grid", "网格乙B")...); code != 0 || !strings.Contains(out, "imported") {
		t.Fatalf("import: %d %s", code, out)
	}
	var n int
	d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM dwelling d JOIN building b ON b.id = d.building_id WHERE b.name = '7幢' AND b.grid_id = ? AND d.grid_id = ?`, w.GridB, w.GridB).Scan(&n)
	if n != 2 {
		t.Fatalf("%d dwellings in grid B, want 2", n)
	}
}
