package db

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// Distribution on Citus. Every table a module's migrations create is declared
// with how Citus places it (see docs/ARCHITECTURE.md, "Distribution"):
//
//   - community tables are distributed by community_id and co-located, so that
//     everything about one community (its people, households, places, cases)
//     lives on one node and joins on (community_id, id) stay there;
//   - reference tables (the org tree, accounts, settings, the calendar, types)
//     are small and shared: Citus copies them to every node;
//   - lookup tables keep a rule that holds across communities (one person per
//     identity document) and are distributed by their own key.
//
// On SQLite and plain PostgreSQL the declarations change nothing; the keys they
// imply (community_id first in every key of a community table) are in the
// migrations of every engine alike.

// Placement is how Citus places one table.
type Placement struct {
	Table string
	// Column is the distribution column ("" for a reference table).
	Column string
	// Colocated: with the community tables (community_id); false for a lookup
	// table distributed by its own key.
	Colocated bool
}

// CommunityColumn is the distribution column of every community table.
const CommunityColumn = "community_id"

// Reference declares small shared tables, copied to every node.
func (m Migrations) Reference(tables ...string) Migrations {
	for _, t := range tables {
		m.Placements = append(m.Placements, Placement{Table: t})
	}
	return m
}

// ByCommunity declares community tables, distributed by community_id and
// co-located, in the order their foreign keys need (parents first).
func (m Migrations) ByCommunity(tables ...string) Migrations {
	for _, t := range tables {
		m.Placements = append(m.Placements, Placement{Table: t, Column: CommunityColumn, Colocated: true})
	}
	return m
}

// DistributedBy declares a lookup table distributed by its own column.
func (m Migrations) DistributedBy(table, column string) Migrations {
	m.Placements = append(m.Placements, Placement{Table: table, Column: column})
	return m
}

// Citus reports whether the database is a Citus coordinator (the citus
// extension is installed in it).
func (d *DB) Citus() bool { return d.citus }

func (d *DB) detectCitus(ctx context.Context) error {
	if d.engine != Postgres {
		return nil
	}
	var n int
	if err := d.w.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_extension WHERE extname = 'citus'`).Scan(&n); err != nil {
		return fmt.Errorf("detect citus: %w", err)
	}
	d.citus = n > 0
	return nil
}

// citusMigrationSettings go first in every migration's transaction on Citus.
// A table is created local and distributed after its module's migrations
// (distribute): a foreign key from it to a reference table must not turn it
// into a "Citus local table" first, which could not be distributed after; and
// DDL on distributed tables inside a transaction runs its shards one
// connection at a time, so that the rest of the transaction can see them.
var citusMigrationSettings = []string{
	`SET LOCAL citus.enable_local_reference_table_foreign_keys = off`,
	`SET LOCAL citus.multi_shard_modify_mode = 'sequential'`,
}

// distribute places every declared table not yet placed, in declaration order
// (reference tables of earlier modules before the community tables that refer
// to them), and refuses a table no module declared: on Citus a table left
// local would silently hold every community's rows on the coordinator.
func (d *DB) distribute(ctx context.Context, sets []Migrations) error {
	if !d.citus {
		return nil
	}
	return d.InTx(ctx, func(tx *Tx) error {
		for _, s := range citusMigrationSettings {
			if _, err := tx.ExecContext(ctx, s); err != nil {
				return err
			}
		}
		placed := map[string]bool{}
		rows, err := tx.QueryContext(ctx, `SELECT logicalrelid::regclass::text FROM pg_dist_partition`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var t string
			if err := rows.Scan(&t); err != nil {
				rows.Close()
				return err
			}
			placed[t] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		existing, err := publicTables(ctx, tx)
		if err != nil {
			return err
		}
		declared := map[string]bool{"schema_migrations": true}
		for _, s := range sets {
			for _, p := range s.Placements {
				declared[p.Table] = true
				if placed[p.Table] || !existing[p.Table] {
					continue
				}
				var q string
				var args []any
				switch {
				case p.Column == "":
					q, args = `SELECT create_reference_table(?)`, []any{p.Table}
				case p.Colocated:
					q, args = `SELECT create_distributed_table(?, ?, colocate_with => 'default')`, []any{p.Table, p.Column}
				default:
					q, args = `SELECT create_distributed_table(?, ?, colocate_with => 'none')`, []any{p.Table, p.Column}
				}
				if _, err := tx.ExecContext(ctx, q, args...); err != nil {
					return fmt.Errorf("citus: place %s (%s): %w", p.Table, s.Module, err)
				}
			}
		}
		var undeclared []string
		for t := range existing {
			if !declared[t] {
				undeclared = append(undeclared, t)
			}
		}
		if len(undeclared) > 0 {
			sort.Strings(undeclared)
			return fmt.Errorf("citus: tables no module declares a placement for: %s", strings.Join(undeclared, ", "))
		}
		// schema_migrations is read and written by every instance at start:
		// a reference table, so that no node's copy is stale.
		if !placed["schema_migrations"] {
			if _, err := tx.ExecContext(ctx, `SELECT create_reference_table('schema_migrations')`); err != nil {
				return fmt.Errorf("citus: place schema_migrations: %w", err)
			}
		}
		return nil
	})
}

func publicTables(ctx context.Context, q Queryer) (map[string]bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out[t] = true
	}
	return out, rows.Err()
}

// Undeclared lists the database's tables that no set declares a placement for
// (a test on every engine, so that a new table is declared before Citus meets it).
func (d *DB) Undeclared(ctx context.Context, sets []Migrations) ([]string, error) {
	// Base tables only: Citus adds views of its own (citus_tables …).
	var tables map[string]bool
	if d.engine == Postgres {
		t, err := publicTables(ctx, d)
		if err != nil {
			return nil, err
		}
		tables = t
	} else {
		s, err := d.ReadSchema(ctx)
		if err != nil {
			return nil, err
		}
		tables = map[string]bool{}
		for t := range s.Tables {
			tables[t] = true
		}
	}
	delete(tables, "schema_migrations")
	declared := map[string]bool{}
	for _, set := range sets {
		for _, p := range set.Placements {
			declared[p.Table] = true
		}
	}
	var out []string
	for t := range tables {
		if !declared[t] {
			out = append(out, t)
		}
	}
	sort.Strings(out)
	return out, nil
}

// CitusNode is one node of a Citus cluster.
type CitusNode struct {
	Host string
	Port int
}

// URL is admin's URL with the node's host and port and database dbname.
func (n CitusNode) URL(admin, dbname string) (string, error) {
	u, err := url.Parse(admin)
	if err != nil {
		return "", err
	}
	u.Host = fmt.Sprintf("%s:%d", n.Host, n.Port)
	u.Path = "/" + dbname
	return u.String(), nil
}

// CitusNodes lists the active nodes of the cluster whose coordinator's
// maintenance database admin names, coordinator first.
func CitusNodes(ctx context.Context, admin string) ([]CitusNode, error) {
	a, err := sql.Open("pgx", admin)
	if err != nil {
		return nil, err
	}
	defer a.Close()
	rows, err := a.QueryContext(ctx, `SELECT nodename, nodeport FROM pg_dist_node WHERE isactive ORDER BY groupid, nodeid`)
	if err != nil {
		return nil, fmt.Errorf("%s is not a Citus coordinator with its nodes added: %w", RedactURL(admin), err)
	}
	defer rows.Close()
	var out []CitusNode
	for rows.Next() {
		var n CitusNode
		if err := rows.Scan(&n.Host, &n.Port); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) < 2 {
		return nil, fmt.Errorf("%s: the coordinator knows %d nodes; name it (citus_set_coordinator_host) and add workers (citus_add_node)", RedactURL(admin), len(out))
	}
	return out, nil
}

// OnEachCitusNode runs statements on every node's maintenance database,
// without Citus's own propagation of CREATE and DROP DATABASE (a database
// made so on each node may also serve as a template).
func OnEachCitusNode(ctx context.Context, admin string, nodes []CitusNode, stmts ...string) error {
	for _, n := range nodes {
		target, err := n.URL(admin, "postgres")
		if err != nil {
			return err
		}
		if err := execOnOne(ctx, target, append([]string{`SET citus.enable_create_database_propagation = off`}, stmts...)...); err != nil {
			return fmt.Errorf("node %s:%d: %w", n.Host, n.Port, err)
		}
	}
	return nil
}

// execOnOne runs statements in order on one connection (SET then applies to
// those after it).
func execOnOne(ctx context.Context, target string, stmts ...string) error {
	a, err := sql.Open("pgx", target)
	if err != nil {
		return err
	}
	defer a.Close()
	c, err := a.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	for _, s := range stmts {
		if _, err := c.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

// CreateCitusDatabase makes an empty database named name on every node of the
// cluster, with the citus extension in each and the nodes known to its
// coordinator copy, and returns its URL on the coordinator. shards > 0 sets
// the database's citus.shard_count (tables placed later get that many).
func CreateCitusDatabase(ctx context.Context, admin, name string, shards int) (string, error) {
	nodes, err := CitusNodes(ctx, admin)
	if err != nil {
		return "", err
	}
	if err := OnEachCitusNode(ctx, admin, nodes, `CREATE DATABASE `+name+` ENCODING 'UTF8' TEMPLATE template0`); err != nil {
		return "", err
	}
	for _, n := range nodes {
		target, err := n.URL(admin, name)
		if err != nil {
			return "", err
		}
		if err := execOnOne(ctx, target, `CREATE EXTENSION citus`); err != nil {
			return "", err
		}
	}
	stmts := []string{fmt.Sprintf(`SELECT citus_set_coordinator_host('%s', %d)`, nodes[0].Host, nodes[0].Port)}
	if shards > 0 {
		stmts = append(stmts, fmt.Sprintf(`ALTER DATABASE %s SET citus.shard_count = %d`, name, shards))
	}
	for _, n := range nodes[1:] {
		stmts = append(stmts, fmt.Sprintf(`SELECT citus_add_node('%s', %d)`, n.Host, n.Port))
	}
	target, err := nodes[0].URL(admin, name)
	if err != nil {
		return "", err
	}
	if err := execOnOne(ctx, target, stmts...); err != nil {
		return "", err
	}
	return target, nil
}

// DropCitusDatabase drops name on every node.
func DropCitusDatabase(ctx context.Context, admin, name string) error {
	nodes, err := CitusNodes(ctx, admin)
	if err != nil {
		return err
	}
	return OnEachCitusNode(ctx, admin, nodes, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
}
