// Command bench measures Linli against the performance targets of its issues and
// prints one table. Each area (registry, cases, …) adds its suite in its own file
// with register; suites share one database per engine, built once per run.
//
//	bench/run.sh                       # every suite on SQLite and PostgreSQL
//	bench/run.sh -only cases -engines sqlite
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strings"
	"time"

	"linli/internal/app"
	"linli/internal/db"
	"linli/internal/privacy"
)

// Row is one measured figure.
type Row struct {
	Area    string // "registry", "cases"
	Measure string // "search: name, 2 characters, p95"
	Engine  string
	Value   string // "12.3 ms"
	Target  string // "≤ 20 ms"
	OK      bool
	Note    string
}

// Env is one engine's database and application.
type Env struct {
	Engine  string
	Target  string // SQLite file or PostgreSQL URL
	DB      *db.DB
	App     *app.App
	Dir     string // scratch directory for files
	Flags   *Flags
	prepped map[string]bool
}

// Once runs fn the first time key is asked for in this env (shared data sets).
func (e *Env) Once(key string, fn func() error) error {
	if e.prepped[key] {
		return nil
	}
	if err := fn(); err != nil {
		return err
	}
	e.prepped[key] = true
	return nil
}

// Flags are the command line.
type Flags struct {
	Only      string
	Engines   string
	Residents int
	Cases     int
	// Subjects and Records size the follow-ups data set.
	Subjects int
	Records  int
	Keep     string
	Reuse    bool
	// WebImportOnly (with Reuse): only the web import while others read.
	WebImportOnly bool
	// NoWebImport: leave out the import through the web (on Citus a million
	// rows take the better part of an hour on this machine).
	NoWebImport bool
}

type suite struct {
	name string
	run  func(ctx context.Context, e *Env) ([]Row, error)
}

var suites []suite

func register(name string, run func(ctx context.Context, e *Env) ([]Row, error)) {
	suites = append(suites, suite{name, run})
}

func main() {
	if len(os.Args) > 2 && os.Args[1] == peakArg {
		os.Exit(runForPeak(os.Args[2:]))
	}
	f := &Flags{}
	flag.StringVar(&f.Only, "only", "", "run only suites whose name contains this")
	flag.StringVar(&f.Engines, "engines", "sqlite,postgres", "engines to measure: sqlite, postgres, citus (a coordinator and two workers on this machine)")
	flag.IntVar(&f.Residents, "residents", 1_000_000, "residents in the registry data set")
	flag.IntVar(&f.Cases, "cases", 1_000_000, "cases in the cases data set")
	flag.IntVar(&f.Subjects, "subjects", 150_000, "people under follow-up duties in the follow-ups data set")
	flag.IntVar(&f.Records, "records", 3_000_000, "follow-up records (two years) in the follow-ups data set")
	flag.StringVar(&f.Keep, "dir", "", "scratch directory (default: a new temporary one, removed at the end)")
	flag.BoolVar(&f.Reuse, "reuse", false, "keep the databases of an earlier run with the same -dir and skip loading what they hold (for tuning; the published table comes from a run without it)")
	flag.BoolVar(&f.WebImportOnly, "web-import-only", false, "with -reuse: measure only the import through the web while others read")
	flag.BoolVar(&f.NoWebImport, "no-web-import", false, "leave out the import through the web while others read")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()
	if *cpuProfile != "" {
		pf, err := os.Create(*cpuProfile)
		if err != nil {
			fatal(err)
		}
		if err := pprof.StartCPUProfile(pf); err != nil {
			fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	sort.SliceStable(suites, func(i, j int) bool { return suites[i].name < suites[j].name })
	dir := f.Keep
	if dir == "" {
		d, err := os.MkdirTemp("", "linli-bench-")
		if err != nil {
			fatal(err)
		}
		defer os.RemoveAll(d)
		dir = d
	}
	var rows []Row
	ctx := context.Background()
	for _, engine := range strings.Split(f.Engines, ",") {
		env, err := openEnv(ctx, engine, dir, f)
		if err != nil {
			fmt.Fprintf(os.Stderr, "!! %s skipped: %v\n", engine, err)
			continue
		}
		for _, s := range suites {
			if f.Only != "" && !strings.Contains(s.name, f.Only) {
				continue
			}
			fmt.Fprintf(os.Stderr, "== %s on %s\n", s.name, engine)
			start := time.Now()
			r, err := s.run(ctx, env)
			if err != nil {
				fmt.Fprintf(os.Stderr, "!! %s on %s failed: %v\n", s.name, engine, err)
				rows = append(rows, Row{Area: s.name, Measure: "suite failed", Engine: engine, Value: err.Error()})
			}
			for i := range r {
				r[i].Engine = engine
			}
			rows = append(rows, r...)
			printTable(os.Stderr, r) // as each suite ends, so that a cut-off run keeps what it measured
			fmt.Fprintf(os.Stderr, "   done in %s\n", time.Since(start).Round(time.Second))
		}
		env.DB.Close()
	}
	ratioToPostgres(rows)
	printTable(os.Stdout, rows)
}

// ratioToPostgres notes on each citus figure its ratio to the same figure on
// single PostgreSQL in this run.
func ratioToPostgres(rows []Row) {
	pg := map[string]float64{}
	for _, r := range rows {
		if v, ok := seconds(r.Value); ok && r.Engine == "postgres" {
			pg[r.Area+"|"+r.Measure] = v
		}
	}
	for i, r := range rows {
		v, ok := seconds(r.Value)
		base, found := pg[r.Area+"|"+r.Measure]
		if r.Engine != "citus" || !ok || !found || base == 0 {
			continue
		}
		ratio := fmt.Sprintf("%.2f× PostgreSQL", v/base)
		if rows[i].Note != "" {
			ratio = rows[i].Note + "; " + ratio
		}
		rows[i].Note = ratio
	}
}

// seconds reads a figure written by ms or secs.
func seconds(v string) (float64, bool) {
	var f float64
	var unit string
	if _, err := fmt.Sscanf(v, "%g %s", &f, &unit); err != nil {
		return 0, false
	}
	switch unit {
	case "ms":
		return f / 1000, true
	case "s":
		return f, true
	}
	return 0, false
}

func openEnv(ctx context.Context, engine, dir string, f *Flags) (*Env, error) {
	var target string
	switch engine {
	case "sqlite":
		target = filepath.Join(dir, "bench.db")
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if f.Reuse {
				break
			}
			os.Remove(target + suffix) // each run starts from an empty database
		}
	case "postgres":
		admin := os.Getenv("LINLI_TEST_POSTGRES")
		if admin == "" {
			return nil, fmt.Errorf("LINLI_TEST_POSTGRES is not set")
		}
		u, err := freshPostgres(ctx, admin, f.Reuse)
		if err != nil {
			return nil, err
		}
		target = u
	case "citus":
		admin := os.Getenv("LINLI_TEST_CITUS")
		if admin == "" {
			return nil, fmt.Errorf("LINLI_TEST_CITUS is not set (bench/run.sh -engines …,citus starts a cluster)")
		}
		if f.Reuse {
			return nil, fmt.Errorf("-reuse is not supported on citus")
		}
		var b [4]byte
		_, _ = rand.Read(b[:])
		// Citus's default of 32 shards per table, as a deployment has.
		u, err := db.CreateCitusDatabase(ctx, admin, "linli_bench_"+hex.EncodeToString(b[:]), 0)
		if err != nil {
			return nil, err
		}
		target = u
	default:
		return nil, fmt.Errorf("unknown engine %q", engine)
	}
	d, err := db.Open(ctx, target)
	if err != nil {
		return nil, err
	}
	if _, err := app.Migrate(ctx, d); err != nil {
		return nil, err
	}
	keys, _ := privacy.NewKeys(make([]byte, privacy.KeySize))
	a := app.New(app.Options{DB: d, Keys: keys, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), TempDir: dir})
	return &Env{Engine: engine, Target: target, DB: d, App: a, Dir: dir, Flags: f, prepped: map[string]bool{}}, nil
}

func printTable(w io.Writer, rows []Row) {
	fmt.Fprintln(w, "| area | measure | engine | measured | target | met |")
	fmt.Fprintln(w, "| --- | --- | --- | --- | --- | --- |")
	for _, r := range rows {
		met := ""
		if r.Target != "" {
			met = "no"
			if r.OK {
				met = "yes"
			}
		}
		value := r.Value
		if r.Note != "" {
			value += " (" + r.Note + ")"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", r.Area, r.Measure, r.Engine, value, r.Target, met)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}
