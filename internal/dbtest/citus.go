package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
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

type citusNode struct {
	host string
	port int
}

// node's admin URL: the coordinator's with another host and port.
func (n citusNode) url(t testing.TB, dbname string) string {
	u, err := url.Parse(citusURL(t))
	if err != nil {
		t.Fatalf("parse %s: %v", EnvCitus, err)
	}
	u.Host = fmt.Sprintf("%s:%d", n.host, n.port)
	u.Path = "/" + dbname
	return u.String()
}

var (
	citusNodesOnce sync.Once
	citusNodesList []citusNode
	citusNodesErr  error
)

// citusNodes lists the cluster's nodes, coordinator first, as the
// coordinator's maintenance database knows them.
func citusNodes(t testing.TB) []citusNode {
	t.Helper()
	citusNodesOnce.Do(func() {
		a, err := sql.Open("pgx", citusURL(t))
		if err != nil {
			citusNodesErr = err
			return
		}
		defer a.Close()
		rows, err := a.Query(`SELECT nodename, nodeport FROM pg_dist_node WHERE isactive ORDER BY groupid, nodeid`)
		if err != nil {
			citusNodesErr = fmt.Errorf("%s is not a Citus coordinator with its nodes added: %w", EnvCitus, err)
			return
		}
		defer rows.Close()
		for rows.Next() {
			var n citusNode
			if err := rows.Scan(&n.host, &n.port); err != nil {
				citusNodesErr = err
				return
			}
			citusNodesList = append(citusNodesList, n)
		}
		if err := rows.Err(); err != nil {
			citusNodesErr = err
			return
		}
		if len(citusNodesList) < 2 {
			citusNodesErr = fmt.Errorf("%s: the coordinator knows %d nodes; add the coordinator (citus_set_coordinator_host) and workers", EnvCitus, len(citusNodesList))
		}
	})
	if citusNodesErr != nil {
		t.Fatal(citusNodesErr)
	}
	return citusNodesList
}

// onEachNode runs statements on every node's maintenance database, without
// Citus's own propagation of CREATE/DROP DATABASE (the lane creates each
// node's database itself, which also lets a database be a template).
func onEachNode(t testing.TB, stmts ...string) error {
	t.Helper()
	for _, n := range citusNodes(t) {
		a, err := sql.Open("pgx", n.url(t, "postgres"))
		if err != nil {
			return err
		}
		err = func() error {
			defer a.Close()
			c, err := a.Conn(context.Background())
			if err != nil {
				return err
			}
			defer c.Close()
			if _, err := c.ExecContext(context.Background(), `SET citus.enable_create_database_propagation = off`); err != nil {
				return err
			}
			for _, s := range stmts {
				if _, err := c.ExecContext(context.Background(), s); err != nil {
					return fmt.Errorf("node %s:%d: %s: %w", n.host, n.port, s, err)
				}
			}
			return nil
		}()
		if err != nil {
			return err
		}
	}
	return nil
}

func randomName(prefix string) string {
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	return prefix + hex.EncodeToString(rnd[:])
}

// createCitusDatabase makes an empty database on every node with the citus
// extension, and tells its coordinator copy where the nodes are.
func createCitusDatabase(t testing.TB, name string) (string, error) {
	t.Helper()
	nodes := citusNodes(t)
	if err := onEachNode(t, `CREATE DATABASE `+name+` ENCODING 'UTF8' TEMPLATE template0`); err != nil {
		return "", err
	}
	for _, n := range nodes {
		if err := execOn(n.url(t, name), `CREATE EXTENSION citus`); err != nil {
			return "", err
		}
	}
	stmts := []string{
		fmt.Sprintf(`SELECT citus_set_coordinator_host('%s', %d)`, nodes[0].host, nodes[0].port),
		fmt.Sprintf(`ALTER DATABASE %s SET citus.shard_count = %d`, name, citusTestShards),
	}
	for _, n := range nodes[1:] {
		stmts = append(stmts, fmt.Sprintf(`SELECT citus_add_node('%s', %d)`, n.host, n.port))
	}
	if err := execOn(nodes[0].url(t, name), stmts...); err != nil {
		return "", err
	}
	return nodes[0].url(t, name), nil
}

func execOn(target string, stmts ...string) error {
	c, err := sql.Open("pgx", target)
	if err != nil {
		return err
	}
	defer c.Close()
	for _, s := range stmts {
		if _, err := c.Exec(s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
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
	return citusNodes(t)[0].url(t, name), func() { dropCitusDatabase(t, name) }
}
