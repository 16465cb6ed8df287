package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"linli/internal/db"
)

// The Citus lane runs the PostgreSQL half of every store test again on a
// Citus cluster (a coordinator and workers), with the tables distributed by
// community as `linli migrate` places them. scripts/test.sh runs it as a
// second pass with LINLI_TEST_LANE=citus; the SQLite half, already run, is
// skipped there.
const (
	EnvLane  = "LINLI_TEST_LANE"
	EnvCitus = "LINLI_TEST_CITUS"
	// citusTestShards keeps test databases quick to create; deployments
	// keep Citus's default of 32 shards per table.
	citusTestShards = 4
)

// CitusLane reports whether this test run is the Citus lane.
func CitusLane() bool { return os.Getenv(EnvLane) == "citus" }

// SkipSQLiteInCitusLane skips a SQLite-only test in the Citus lane (it ran in
// the first pass).
func SkipSQLiteInCitusLane(t testing.TB) {
	t.Helper()
	if CitusLane() {
		t.Skip("Citus lane: SQLite ran in the first pass")
	}
}

func citusURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvCitus)
	if u == "" {
		t.Fatalf("%s=citus but %s is not set (scripts/test.sh starts a cluster)", EnvLane, EnvCitus)
	}
	return u
}

var (
	citusNodesOnce sync.Once
	citusNodesList []db.CitusNode
	citusNodesErr  error
)

// citusNodes lists the cluster's nodes, coordinator first.
func citusNodes(t testing.TB) []db.CitusNode {
	t.Helper()
	citusNodesOnce.Do(func() {
		citusNodesList, citusNodesErr = db.CitusNodes(context.Background(), citusURL(t))
	})
	if citusNodesErr != nil {
		t.Fatal(citusNodesErr)
	}
	return citusNodesList
}

func onEachNode(t testing.TB, stmts ...string) error {
	t.Helper()
	return db.OnEachCitusNode(context.Background(), citusURL(t), citusNodes(t), stmts...)
}

func randomName(prefix string) string {
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	return prefix + hex.EncodeToString(rnd[:])
}

func createCitusDatabase(t testing.TB, name string) (string, error) {
	t.Helper()
	return db.CreateCitusDatabase(context.Background(), citusURL(t), name, citusTestShards)
}

func dropCitusDatabase(t testing.TB, name string) {
	_ = onEachNode(t, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
}

// newCitusDatabase is NewPostgresDatabase in the Citus lane.
func newCitusDatabase(t testing.TB) string {
	t.Helper()
	name := randomName("linli_t_")
	target, err := createCitusDatabase(t, name)
	t.Cleanup(func() { dropCitusDatabase(t, name) })
	if err != nil {
		t.Fatalf("create citus database: %v", err)
	}
	return target
}

// Templates: migrating a database on Citus (creating and distributing every
// table's shards) takes seconds, so the lane migrates once per set of modules
// and copies that database on every node for each test.
var (
	citusTemplatesMu sync.Mutex
	citusTemplates   = map[string]string{}
)

func citusMigrated(t testing.TB, sets []db.Migrations) *db.DB {
	t.Helper()
	var key []string
	for _, s := range sets {
		key = append(key, s.Module)
	}
	citusTemplatesMu.Lock()
	tpl, ok := citusTemplates[strings.Join(key, ",")]
	if !ok {
		tpl = randomName("linli_tpl_")
		target, err := createCitusDatabase(t, tpl)
		if err == nil {
			var d *db.DB
			d, err = db.Open(context.Background(), target)
			if err == nil {
				_, err = d.Migrate(context.Background(), sets)
				d.Close()
			}
		}
		if err != nil {
			citusTemplatesMu.Unlock()
			dropCitusDatabase(t, tpl)
			t.Fatalf("migrate citus template: %v", err)
		}
		citusTemplates[strings.Join(key, ",")] = tpl
	}
	citusTemplatesMu.Unlock()
	target, drop := citusClone(t, tpl, randomName("linli_t_"))
	d, err := db.Open(context.Background(), target)
	if err != nil {
		drop()
		t.Fatalf("open citus clone: %v", err)
	}
	t.Cleanup(func() { d.Close(); drop() })
	return d
}

// citusClone copies template into a new database on every node. Citus's
// maintenance daemon keeps a connection to each database that has the
// extension; it is ended first (a template takes no connections while it is
// copied) and comes back by itself when the database is next used.
func citusClone(t testing.TB, template, name string) (string, func()) {
	t.Helper()
	var err error
	for attempt := 0; attempt < 50; attempt++ {
		err = onEachNode(t, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '`+template+`' AND pid <> pg_backend_pid()`)
		if err == nil {
			err = onEachNode(t, `CREATE DATABASE `+name+` TEMPLATE `+template)
		}
		if err == nil {
			break
		}
		_ = onEachNode(t, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
		if !strings.Contains(err.Error(), "being accessed by other users") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("clone citus database %s: %v", template, err)
	}
	target, err := citusNodes(t)[0].URL(citusURL(t), name)
	if err != nil {
		t.Fatal(err)
	}
	return target, func() { dropCitusDatabase(t, name) }
}
