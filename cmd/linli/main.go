// Command linli is the whole Linli platform in one binary: the web server, the
// demo, migrations, account administration, backups and audit verification.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	_ "time/tzdata" // Asia/Shanghai must work on machines without a zoneinfo database
	"unicode/utf8"

	"linli/internal/app"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/demo"
	"linli/internal/i18n"
	"linli/internal/importexport"
	"linli/internal/importflow"
	"linli/internal/logging"
	"linli/internal/org"
	"linli/internal/privacy"
	"linli/internal/registry"
	"linli/internal/web"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `linli — 邻里社区治理与服务平台 / community governance platform

Usage: linli <command> [flags]

Commands:
  serve          run the web server
  demo           create (if absent) a demo street in --data and serve it
  migrate        apply pending database migrations
  keygen         create the master key file that encrypts sensitive values
  user add       add an account            (--username --name --role --org --password)
  user passwd    set an account's password (--username --password)
  user lock      lock an account           (--username)
  user unlock    unlock an account         (--username)
  import KIND FILE
                 import a ledger (KIND: residents or places) into --community; --dry-run checks
                 only; --report OUT.xlsx writes every bad row; exit status 0 only
                 when every row is good
  export residents --out FILE
                 export the residents of --community (or all) to .xlsx or .csv,
                 masked; audited like an export from the web
  backup         write a consistent copy of an SQLite database (--out FILE)
  audit verify   check the audit log's hash chain (exit status 1 names the first broken entry)
  version        print the version

Every command takes --data DIR (default ./data) and --db (an SQLite file or a
postgres:// URL; default DIR/linli.db). Run "linli <command> -h" for its flags.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	cmd, args := os.Args[1], os.Args[2:]
	if (cmd == "user" || cmd == "audit") && len(args) > 0 {
		cmd, args = cmd+" "+args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = runServe(args)
	case "demo":
		err = runDemo(args)
	case "migrate":
		err = runMigrate(args)
	case "keygen":
		err = runKeygen(args)
	case "user add":
		err = runUserAdd(args)
	case "user passwd":
		err = runUserPasswd(args)
	case "user lock", "user unlock":
		err = runUserLock(args, cmd == "user lock")
	case "import":
		err = runImport(args)
	case "export":
		err = runExport(args)
	case "backup":
		err = runBackup(args)
	case "audit verify":
		err = runAuditVerify(args)
	case "version", "--version", "-v":
		fmt.Println("linli", version)
	case "help", "-h", "--help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "linli: unknown command %q\n\n%s", cmd, usage)
		os.Exit(2)
	}
	if err != nil {
		var ec exitCode
		if errors.As(err, &ec) {
			os.Exit(int(ec))
		}
		fmt.Fprintln(os.Stderr, "linli:", err)
		os.Exit(1)
	}
}

type exitCode int

func (e exitCode) Error() string { return "exit " + strconv.Itoa(int(e)) }

// common are the flags every command shares.
type common struct {
	data    string
	dbURL   string
	keyFile string
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.data, "data", env("LINLI_DATA", "./data"), "deployment directory (database, key, logs) [LINLI_DATA]")
	fs.StringVar(&c.dbURL, "db", env("LINLI_DB", ""), "SQLite file or postgres:// URL (default DATA/linli.db) [LINLI_DB]")
	fs.StringVar(&c.keyFile, "key-file", env("LINLI_KEY_FILE", ""), "master key file (default DATA/linli.key) [LINLI_KEY_FILE; or LINLI_KEY with the hex key]")
}

func (c *common) target() string {
	if c.dbURL != "" {
		return c.dbURL
	}
	return filepath.Join(c.data, "linli.db")
}

func (c *common) keyPath() string {
	if c.keyFile != "" {
		return c.keyFile
	}
	return filepath.Join(c.data, "linli.key")
}

// keys loads the master key; serve refuses to start without one.
func (c *common) keys() (*privacy.Keys, error) {
	if v := os.Getenv("LINLI_KEY"); v != "" {
		return privacy.ParseKey(v)
	}
	k, err := privacy.LoadKeyFile(c.keyPath())
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("no master key at %s: create one with \"linli keygen --data %s\" and back it up apart from the database (找不到密钥文件，请先运行 linli keygen 生成并单独备份)", c.keyPath(), c.data)
	}
	if err != nil {
		return nil, fmt.Errorf("master key %s: %w", c.keyPath(), err)
	}
	return k, nil
}

// open opens and migrates the database, refusing a schema newer than this binary.
func (c *common) open(ctx context.Context, migrate bool) (*db.DB, error) {
	d, err := db.Open(ctx, c.target())
	if err != nil {
		return nil, err
	}
	if migrate {
		if _, err := app.Migrate(ctx, d); err != nil {
			d.Close()
			return nil, err
		}
	} else if _, err := d.Pending(ctx, app.Migrations()); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// serveFlags are the web server's settings.
type serveFlags struct {
	common
	listen       string
	idleMinutes  int
	cookieSecure string
	trustProxy   bool
	tlsCert      string
	tlsKey       string
	logFile      string
	logMaxMB     int
	logKeep      int
	maxUploadMB  int
	maxActive    int
	debugListen  string
}

func (s *serveFlags) register(fs *flag.FlagSet) {
	s.common.register(fs)
	fs.StringVar(&s.listen, "listen", env("LINLI_LISTEN", "127.0.0.1:8080"), "address to listen on [LINLI_LISTEN]")
	idle, _ := strconv.Atoi(env("LINLI_IDLE_MINUTES", "30"))
	fs.IntVar(&s.idleMinutes, "idle-minutes", idle, "idle sessions end after this many minutes, until the security administrator sets another value [LINLI_IDLE_MINUTES]")
	fs.StringVar(&s.cookieSecure, "cookie-secure", env("LINLI_COOKIE_SECURE", "auto"), "mark cookies Secure: auto (when the request came over HTTPS), always, never [LINLI_COOKIE_SECURE]")
	fs.BoolVar(&s.trustProxy, "trust-proxy", env("LINLI_TRUST_PROXY", "") == "true", "take client address and scheme from X-Forwarded-* headers of a reverse proxy [LINLI_TRUST_PROXY=true]")
	fs.StringVar(&s.tlsCert, "tls-cert", env("LINLI_TLS_CERT", ""), "serve HTTPS with this certificate file [LINLI_TLS_CERT]")
	fs.StringVar(&s.tlsKey, "tls-key", env("LINLI_TLS_KEY", ""), "private key for --tls-cert [LINLI_TLS_KEY]")
	fs.StringVar(&s.logFile, "log-file", env("LINLI_LOG_FILE", ""), "log file (default DATA/logs/linli.log) [LINLI_LOG_FILE]")
	mb, _ := strconv.Atoi(env("LINLI_LOG_MAX_MB", "20"))
	fs.IntVar(&s.logMaxMB, "log-max-mb", mb, "rotate the log file at this size [LINLI_LOG_MAX_MB]")
	keep, _ := strconv.Atoi(env("LINLI_LOG_KEEP", "5"))
	fs.IntVar(&s.logKeep, "log-keep", keep, "old log files kept [LINLI_LOG_KEEP]")
	up, _ := strconv.Atoi(env("LINLI_MAX_UPLOAD_MB", "300"))
	fs.IntVar(&s.maxUploadMB, "max-upload-mb", up, "largest accepted upload [LINLI_MAX_UPLOAD_MB]")
	active, _ := strconv.Atoi(env("LINLI_MAX_ACTIVE", "0"))
	fs.IntVar(&s.maxActive, "max-active", active, "requests served at once, the others wait their turn in order (0: four per core) [LINLI_MAX_ACTIVE]")
	fs.StringVar(&s.debugListen, "debug-listen", env("LINLI_DEBUG_LISTEN", ""), "serve Go's profiler (/debug/pprof/) on this loopback address, e.g. 127.0.0.1:6060; off by default [LINLI_DEBUG_LISTEN]")
}

func (s *serveFlags) logger() (*slog.Logger, io.Closer, error) {
	path := s.logFile
	if path == "" {
		path = filepath.Join(s.data, "logs", "linli.log")
	}
	rf, err := logging.OpenRotating(path, int64(s.logMaxMB)<<20, s.logKeep)
	if err != nil {
		return nil, nil, err
	}
	return logging.New(rf, slog.LevelInfo), rf, nil
}

func runServe(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	var sf serveFlags
	sf.register(fs)
	_ = fs.Parse(args) // ExitOnError: a bad flag exits with the usage
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	keys, err := sf.keys()
	if err != nil {
		return err
	}
	return serve(ctx, &sf, keys, nil)
}

// serveGCPercent: a served page allocates about 150 KB, and with Go's default
// (collect when the heap has doubled) the collector took a sixth of the
// server's CPU under load. The server's live heap is tens of MB, so letting it
// triple costs little memory (measured: +10–20 MB) for a tenth more pages per
// second.
const serveGCPercent = 200

// tuneGC sets the server's garbage collection unless the administrator chose
// with GOGC (gogc: its value). It returns what serve calls when a ledger
// import starts (true) and ends (false) in this process, or nil when the
// administrator set the limits.
func tuneGC(gogc string) (importing func(bool)) {
	if gogc != "" {
		return nil
	}
	debug.SetGCPercent(serveGCPercent)
	if os.Getenv("GOMEMLIMIT") != "" {
		return nil
	}
	// A backstop, not the budget: near this soft limit the collector runs
	// more often. While an import runs the limit is tighter: three times a
	// million-row import's live heap is more than an office PC should give.
	debug.SetMemoryLimit(serveMemoryLimit)
	var mu sync.Mutex
	running := 0
	return func(start bool) {
		mu.Lock()
		defer mu.Unlock()
		if start {
			running++
		} else {
			running--
		}
		if running > 0 {
			debug.SetMemoryLimit(serveImportMemoryLimit)
		} else {
			debug.SetMemoryLimit(serveMemoryLimit)
		}
	}
}

// serveMemoryLimit is the heap size above which serve collects garbage more
// often than serveGCPercent asks (unless GOGC or GOMEMLIMIT is set). Lower,
// it slowed searches: at 224 MB their p95 doubled at 200,000 residents.
const serveMemoryLimit = 320 << 20

// serveImportMemoryLimit replaces serveMemoryLimit while an import runs. A
// web import holds what linli import holds, and the readers' SQLite page
// caches (outside Go's heap, up to 40 MB) come on top: measured at a million
// rows, 571 MB resident at 320 MB, 515 MB at 256 MB and 474 MB at 224 MB;
// 442 and 485 MB at 224 MB in two runs once the import let go of its per-row
// state before its index builds and those sorted in a smaller page cache.
const serveImportMemoryLimit = 224 << 20

// importMemoryLimit is the heap size above which linli import collects
// garbage more often (unless GOMEMLIMIT is set).
const importMemoryLimit = 256 << 20

// serve runs the server until ctx ends, then shuts down gracefully. banner, when
// set, is printed once the listener is up.
func serve(ctx context.Context, sf *serveFlags, keys *privacy.Keys, banner func(url string)) error {
	importing := tuneGC(os.Getenv("GOGC"))
	log, closer, err := sf.logger()
	if err != nil {
		return err
	}
	defer closer.Close()
	d, err := sf.open(ctx, true)
	if err != nil {
		return err
	}
	defer d.Close()
	a := app.New(app.Options{DB: d, Keys: keys, Log: log, IdleTimeout: time.Duration(sf.idleMinutes) * time.Minute,
		Web: web.Config{CookieSecure: sf.cookieSecure, TrustProxy: sf.trustProxy, Version: version, MaxUpload: int64(sf.maxUploadMB) << 20, MaxActive: sf.maxActive}})
	a.Imports.Running = importing
	workCtx, stopWork := context.WithCancel(context.Background())
	waitWork := a.Start(workCtx)
	defer func() { stopWork(); waitWork() }()
	srv := &http.Server{
		Addr:              sf.listen,
		Handler:           a.Web,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if sf.debugListen != "" {
		if err := serveProfiler(sf.debugListen, log); err != nil {
			return err
		}
	}
	errc := make(chan error, 1)
	go func() {
		if sf.tlsCert != "" {
			errc <- srv.ListenAndServeTLS(sf.tlsCert, sf.tlsKey)
		} else {
			errc <- srv.ListenAndServe()
		}
	}()
	scheme := "http"
	if sf.tlsCert != "" {
		scheme = "https"
	}
	url := scheme + "://" + displayAddr(sf.listen) + "/"
	log.Info("listening", "url", url, "database", d.Location, "dialect", d.Dialect(), "version", version)
	// Give ListenAndServe a moment to fail on a taken port before claiming success.
	select {
	case err := <-errc:
		return fmt.Errorf("listen on %s: %w", sf.listen, err)
	case <-time.After(150 * time.Millisecond):
	}
	if banner != nil {
		banner(url)
	} else {
		fmt.Printf("Linli %s listening on %s (database: %s %s)\n", version, url, d.Dialect(), d.Location)
	}
	if sf.tlsCert == "" && !strings.HasPrefix(sf.listen, "127.0.0.1") && !strings.HasPrefix(sf.listen, "localhost") {
		log.Warn("serving plain HTTP on a non-loopback address; put HTTPS in front (a reverse proxy with --trust-proxy, or --tls-cert)")
	}
	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return srv.Shutdown(shCtx)
}

// serveProfiler serves net/http/pprof on its own listener, apart from the
// application's mux, and only on a loopback address: profiles expose memory.
func serveProfiler(addr string, log *slog.Logger) error {
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
		return fmt.Errorf("--debug-listen %s: only a loopback address (127.0.0.1:PORT) is allowed", addr)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("--debug-listen %s: %w", addr, err)
	}
	log.Info("profiler listening", "addr", addr)
	go func() {
		if err := http.Serve(ln, mux); err != nil {
			log.Error("profiler stopped", "err", err)
		}
	}()
	return nil
}

func displayAddr(listen string) string {
	if strings.HasPrefix(listen, ":") {
		return "127.0.0.1" + listen
	}
	if strings.HasPrefix(listen, "0.0.0.0:") {
		return "127.0.0.1" + strings.TrimPrefix(listen, "0.0.0.0")
	}
	return listen
}

func runDemo(args []string) error {
	fs := flag.NewFlagSet("demo", flag.ExitOnError)
	var sf serveFlags
	sf.register(fs)
	password := fs.String("demo-password", env("LINLI_DEMO_PASSWORD", ""), "password of every demo account (default: generated and printed)")
	residents := fs.Int("residents", 30000, "number of demo residents (used when the demo is first created)")
	_ = fs.Parse(args) // ExitOnError: a bad flag exits with the usage
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if _, err := os.Stat(sf.keyPath()); errors.Is(err, os.ErrNotExist) && os.Getenv("LINLI_KEY") == "" {
		if err := privacy.GenerateKeyFile(sf.keyPath()); err != nil {
			return err
		}
	}
	keys, err := sf.keys()
	if err != nil {
		return err
	}
	d, err := sf.open(ctx, true)
	if err != nil {
		return err
	}
	a := app.New(app.Options{DB: d, Keys: keys, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	res, err := demo.Setup(ctx, a, demo.Options{Password: *password, Residents: *residents, Progress: os.Stdout})
	d.Close()
	if err != nil {
		return err
	}
	return serve(ctx, &sf, keys, func(url string) {
		fmt.Printf("\nLinli 演示环境 / demo is running: %s\n", url)
		fmt.Printf("Data directory: %s\n\n", sf.data)
		if res.PasswordShown {
			fmt.Printf("演示账号 (password for all: %s)\n", res.Password)
		} else {
			fmt.Println("演示账号 (passwords unchanged since the demo was created; pass --demo-password to reset them)")
		}
		for _, acc := range res.Accounts {
			fmt.Printf("  %-16s %s\n", acc.Username, acc.Description)
		}
		fmt.Println("\nPress Ctrl+C to stop.")
	})
}

func runMigrate(args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ExitOnError)
	var c common
	c.register(fs)
	_ = fs.Parse(args) // ExitOnError: a bad flag exits with the usage
	ctx := context.Background()
	d, err := db.Open(ctx, c.target())
	if err != nil {
		return err
	}
	defer d.Close()
	n, err := app.Migrate(ctx, d)
	if err != nil {
		return err
	}
	fmt.Printf("applied %d migrations to %s %s\n", n, d.Dialect(), d.Location)
	return nil
}

func runKeygen(args []string) error {
	fs := flag.NewFlagSet("keygen", flag.ExitOnError)
	var c common
	c.register(fs)
	_ = fs.Parse(args) // ExitOnError: a bad flag exits with the usage
	if err := privacy.GenerateKeyFile(c.keyPath()); err != nil {
		return err
	}
	fmt.Printf("created %s — back it up apart from the database: without it encrypted values cannot be read\n", c.keyPath())
	return nil
}

// cliApp opens the deployment for an administrative command.
func cliApp(ctx context.Context, c *common) (*app.App, func(), error) {
	keys, err := c.keys()
	if err != nil {
		return nil, nil, err
	}
	d, err := c.open(ctx, true)
	if err != nil {
		return nil, nil, err
	}
	a := app.New(app.Options{DB: d, Keys: keys, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	return a, func() { d.Close() }, nil
}

func cliPrincipal() *auth.Principal {
	name := "cli"
	if u := os.Getenv("USER"); u != "" {
		name = "cli:" + u
	}
	p := auth.System(name)
	p.IP = "local"
	return p
}

func runUserAdd(args []string) error {
	fs := flag.NewFlagSet("user add", flag.ExitOnError)
	var c common
	c.register(fs)
	username := fs.String("username", "", "login name")
	name := fs.String("name", "", "display name (姓名)")
	roles := fs.String("role", "", "role(s), comma-separated: "+rolesList())
	orgs := fs.String("org", "", "scope: org unit codes or ids, comma-separated")
	lines := fs.String("lines", "", "lines of work, comma-separated: "+strings.Join(auth.Lines, ","))
	password := fs.String("password", env("LINLI_PASSWORD", ""), "initial password (or LINLI_PASSWORD); the user must change it at first login")
	_ = fs.Parse(args) // ExitOnError: a bad flag exits with the usage
	ctx := context.Background()
	a, done, err := cliApp(ctx, &c)
	if err != nil {
		return err
	}
	defer done()
	scope, err := resolveOrgs(ctx, a, *orgs)
	if err != nil {
		return err
	}
	id, err := a.Auth.CreateUser(ctx, cliPrincipal(), auth.NewUser{Username: *username, DisplayName: *name, Password: *password,
		Roles: splitRoles(*roles), Lines: splitList(*lines), Scope: scope, MustChange: true})
	if err != nil {
		return err
	}
	fmt.Printf("created account %s (id %d)\n", *username, id)
	return nil
}

func rolesList() string {
	parts := make([]string, len(auth.AllRoles))
	for i, r := range auth.AllRoles {
		parts[i] = string(r)
	}
	return strings.Join(parts, ",")
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func splitRoles(s string) []auth.Role {
	var out []auth.Role
	for _, p := range splitList(s) {
		out = append(out, auth.Role(p))
	}
	return out
}

// resolveOrgs accepts org unit ids or official codes.
func resolveOrgs(ctx context.Context, a *app.App, list string) ([]int64, error) {
	var ids []int64
	units, err := a.Org.Visible(ctx, auth.System("cli"))
	if err != nil {
		return nil, err
	}
	for _, item := range splitList(list) {
		found := int64(0)
		for _, u := range units {
			if u.Code == item || strconv.FormatInt(u.ID, 10) == item {
				if found != 0 && u.Code == item {
					return nil, fmt.Errorf("org code %s is ambiguous (grid numbers repeat across communities); use the id", item)
				}
				found = u.ID
			}
		}
		if found == 0 {
			return nil, fmt.Errorf("no org unit with code or id %q", item)
		}
		ids = append(ids, found)
	}
	return ids, nil
}

func userByName(ctx context.Context, a *app.App, username string) (*auth.User, error) {
	if username == "" {
		return nil, errors.New("--username is required")
	}
	u, err := a.Auth.GetUserByName(ctx, username)
	if err != nil {
		return nil, fmt.Errorf("no account named %q", username)
	}
	return u, nil
}

func runUserPasswd(args []string) error {
	fs := flag.NewFlagSet("user passwd", flag.ExitOnError)
	var c common
	c.register(fs)
	username := fs.String("username", "", "login name")
	password := fs.String("password", env("LINLI_PASSWORD", ""), "new password (or LINLI_PASSWORD)")
	mustChange := fs.Bool("must-change", true, "make the user change it at next login")
	_ = fs.Parse(args) // ExitOnError: a bad flag exits with the usage
	ctx := context.Background()
	a, done, err := cliApp(ctx, &c)
	if err != nil {
		return err
	}
	defer done()
	u, err := userByName(ctx, a, *username)
	if err != nil {
		return err
	}
	if err := a.Auth.SetPassword(ctx, cliPrincipal(), u.ID, *password, *mustChange); err != nil {
		return err
	}
	fmt.Printf("password of %s changed\n", u.Username)
	return nil
}

func runUserLock(args []string, lock bool) error {
	fs := flag.NewFlagSet("user lock", flag.ExitOnError)
	var c common
	c.register(fs)
	username := fs.String("username", "", "login name")
	_ = fs.Parse(args) // ExitOnError: a bad flag exits with the usage
	ctx := context.Background()
	a, done, err := cliApp(ctx, &c)
	if err != nil {
		return err
	}
	defer done()
	u, err := userByName(ctx, a, *username)
	if err != nil {
		return err
	}
	if err := a.Auth.SetLocked(ctx, cliPrincipal(), u.ID, lock, 0); err != nil {
		return err
	}
	state := "unlocked"
	if lock {
		state = "locked"
	}
	fmt.Printf("%s %s\n", u.Username, state)
	return nil
}

func runBackup(args []string) error {
	fs := flag.NewFlagSet("backup", flag.ExitOnError)
	var c common
	c.register(fs)
	out := fs.String("out", "", "file to write the copy to (must not exist)")
	_ = fs.Parse(args) // ExitOnError: a bad flag exits with the usage
	if db.IsPostgresURL(c.target()) {
		return errors.New("this deployment runs on PostgreSQL: back it up with pg_dump (for example: pg_dump --format=custom --file=linli.dump \"$LINLI_DB\") and keep the key file with it (PostgreSQL 数据库请使用 pg_dump 备份)")
	}
	if *out == "" {
		return errors.New("--out FILE is required")
	}
	ctx := context.Background()
	d, err := c.open(ctx, false)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := db.BackupSQLite(ctx, d, *out); err != nil {
		return err
	}
	fmt.Printf("wrote a consistent copy of %s to %s; back up %s separately\n", d.Location, *out, c.keyPath())
	return nil
}

func runAuditVerify(args []string) error {
	fs := flag.NewFlagSet("audit verify", flag.ExitOnError)
	var c common
	c.register(fs)
	_ = fs.Parse(args) // ExitOnError: a bad flag exits with the usage
	ctx := context.Background()
	a, done, err := cliApp(ctx, &c)
	if err != nil {
		return err
	}
	defer done()
	chains, err := a.Audit.VerifyChains(ctx, a.DB)
	if err != nil {
		return err
	}
	// One line per chain (a community's, a street's, the administration's),
	// then the verdict.
	var n int64
	var broken []string
	for _, c := range chains {
		n += c.Entries
		name := chainName(ctx, a, c.CommunityID)
		if c.Break != nil {
			fmt.Printf("chain %d (%s): BROKEN: %s (%d checked)\n", c.CommunityID, name, c.Break.Error(), c.Entries)
			broken = append(broken, fmt.Sprintf("%s (%s)", c.Break.Error(), name))
			continue
		}
		fmt.Printf("chain %d (%s): intact (%d checked)\n", c.CommunityID, name, c.Entries)
	}
	if len(broken) > 0 {
		fmt.Printf("BROKEN: %d of %d chains: %s\n", len(broken), len(chains), strings.Join(broken, "; "))
		return exitCode(1)
	}
	fmt.Printf("audit log intact: %d entries verified in %d chains\n", n, len(chains))
	return nil
}

// chainName names an audit chain: its community's (or street's) name in the
// org tree, or the administration's.
func chainName(ctx context.Context, a *app.App, id int64) string {
	if id == 0 {
		return "administration: logins, accounts, settings"
	}
	if name := a.Org.FullName(ctx, id); name != "" {
		return name
	}
	return fmt.Sprintf("org unit %d, not in the tree", id)
}

func runImport(args []string) error {
	if len(args) < 2 || strings.HasPrefix(args[0], "-") {
		return errors.New("usage: linli import KIND FILE --community NAME-OR-CODE [--grid NAME-OR-CODE] [--dry-run] [--report OUT.xlsx]")
	}
	kind, file := args[0], args[1]
	fs := flag.NewFlagSet("import", flag.ExitOnError)
	var c common
	c.register(fs)
	community := fs.String("community", "", "the community to import into: its name, code or id")
	gridKey := fs.String("grid", "", "the grid (name or code) for new buildings whose row names none; without it they go in the community's only grid, or in none (未划分网格) until assigned on the places page")
	dryRun := fs.Bool("dry-run", false, "check every row and write nothing")
	report := fs.String("report", "", "write the row-level problems to this .xlsx")
	_ = fs.Parse(args[2:]) // ExitOnError: a bad flag exits with the usage
	ctx := context.Background()
	if os.Getenv("GOMEMLIMIT") == "" {
		// A backstop, not the budget (see serveMemoryLimit): the collector's
		// headroom over a million-row ledger's state would otherwise double it.
		debug.SetMemoryLimit(importMemoryLimit)
	}
	a, done, err := cliApp(ctx, &c)
	if err != nil {
		return err
	}
	defer done()
	im, ok := a.Imports.Importer(kind)
	if !ok {
		return fmt.Errorf("unknown import kind %q", kind)
	}
	communityID, err := resolveCommunity(ctx, a, *community)
	if err != nil {
		return err
	}
	gridID, err := resolveGrid(ctx, a, communityID, *gridKey)
	if err != nil {
		return err
	}
	start := time.Now()
	// Always check first: a commit is only tried on a clean file, and knowing the
	// size lets a large commit prepare for it.
	res, _, err := a.Imports.RunNowInGrid(ctx, cliPrincipal(), im, communityID, gridID, file, false)
	if err != nil {
		return err
	}
	if !*dryRun && res.Bad == 0 {
		if res, _, err = a.Imports.RunNowInGrid(ctx, cliPrincipal(), im, communityID, gridID, file, true, res.Rows); err != nil {
			return err
		}
	}
	mode := "checked"
	if res.Committed {
		mode = "imported"
	}
	fmt.Printf("%s %s: %d rows, %d good, %d bad (%.1fs)\n", mode, file, res.Rows, res.Good, res.Bad, time.Since(start).Seconds())
	for _, l := range res.Summary {
		fmt.Printf("  %s: %d\n", l.Label, l.Count)
		if l.Label == i18n.T("places.import_ungridded") && l.Count > 0 {
			fmt.Printf("  %s\n", i18n.T("places.import_ungridded_hint"))
		}
	}
	printProblems(os.Stdout, res)
	if *report != "" {
		f, err := os.Create(*report)
		if err != nil {
			return err
		}
		if err := importexport.WriteReportWithChanges(f, im.Title()+"："+filepath.Base(file), res.Problems, res.Changes, res.SortedGroups()...); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Printf("report written to %s\n", *report)
	}
	if res.Bad > 0 {
		if !*dryRun {
			fmt.Println("nothing was imported: fix the bad rows and run again")
		}
		return exitCode(1)
	}
	return nil
}

// maxValueRunes is how much of a bad cell the command line shows.
const maxValueRunes = 60

// printProblems lists an import's problems: first how many rows each kind of
// problem hits (one wrong column shows as one line, not hundreds), then the
// first rows, each with at most maxValueRunes characters of its cell.
func printProblems(w io.Writer, res *importflow.Result) {
	if len(res.Problems) > 1 && len(res.Groups) > 0 {
		fmt.Fprintln(w, "  problems by kind:")
		for _, g := range res.SortedGroups() {
			fmt.Fprintf(w, "    %s\n", clip(importexport.GroupLine(g), 3*maxValueRunes))
		}
		fmt.Fprintln(w, "  rows:")
	}
	for i, p := range res.Problems {
		if i == 20 {
			fmt.Fprintf(w, "  … %d more problems (see --report)\n", len(res.Problems)-20)
			break
		}
		fmt.Fprintf(w, "  row %d, %s: %s (%s)\n", p.Row, p.Column, p.Reason, clip(p.Value, maxValueRunes))
	}
}

// clip shortens s to n characters, marking the cut with "…".
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// resolveCommunity accepts a community's name, 12-digit code or id.
func resolveCommunity(ctx context.Context, a *app.App, key string) (int64, error) {
	if key == "" {
		return 0, errors.New("--community is required")
	}
	units, err := a.Org.Visible(ctx, auth.System("cli"))
	if err != nil {
		return 0, err
	}
	for _, u := range units {
		if u.Level == org.Community && (u.Name == key || u.Code == key || strconv.FormatInt(u.ID, 10) == key) {
			return u.ID, nil
		}
	}
	return 0, fmt.Errorf("no community named %q", key)
}

// resolveGrid finds a grid of the community by name or code ("" = none chosen).
func resolveGrid(ctx context.Context, a *app.App, communityID int64, key string) (int64, error) {
	key = strings.TrimSpace(key)
	if key == "" {
		return 0, nil
	}
	units, err := a.Org.Visible(ctx, auth.System("cli"))
	if err != nil {
		return 0, err
	}
	var names []string
	for _, u := range units {
		if u.Level == org.Grid && u.CommunityID == communityID {
			if u.Name == key || u.Code == key {
				return u.ID, nil
			}
			names = append(names, u.Name+"（"+u.Code+"）")
		}
	}
	community := ""
	if c, ok := a.Org.Lookup(ctx, communityID); ok {
		community = c.Name
	}
	if len(names) == 0 {
		return 0, fmt.Errorf("--grid %q: %s没有网格", key, community)
	}
	return 0, fmt.Errorf("--grid %q: %s没有这个网格，可写网格名称或编号：%s", key, community, strings.Join(names, "、"))
}

func runExport(args []string) error {
	if len(args) < 1 || args[0] != "residents" {
		return errors.New("usage: linli export residents --out FILE [--community NAME-OR-CODE] [--format xlsx|csv]")
	}
	fs := flag.NewFlagSet("export", flag.ExitOnError)
	var c common
	c.register(fs)
	out := fs.String("out", "", "file to write")
	community := fs.String("community", "", "only this community (name, code or id)")
	format := fs.String("format", "", "xlsx or csv (default: from the file name)")
	_ = fs.Parse(args[1:]) // ExitOnError: a bad flag exits with the usage
	if *out == "" {
		return errors.New("--out FILE is required")
	}
	if *format == "" {
		*format = "xlsx"
		if strings.HasSuffix(strings.ToLower(*out), ".csv") {
			*format = "csv"
		}
	}
	ctx := context.Background()
	a, done, err := cliApp(ctx, &c)
	if err != nil {
		return err
	}
	defer done()
	f := registry.NewFilter()
	if *community != "" {
		if f.OrgID, err = resolveCommunity(ctx, a, *community); err != nil {
			return err
		}
	}
	file, err := os.OpenFile(*out, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	start := time.Now()
	n, err := a.Registry.Export(ctx, cliPrincipal(), f, *format, false, "", file)
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(*out)
		return err
	}
	fmt.Printf("exported %d residents to %s (%.1fs)\n", n, *out, time.Since(start).Seconds())
	return nil
}
