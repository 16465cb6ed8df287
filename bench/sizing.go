package main

import (
	"context"
	"fmt"
	"sort"
)

func init() { register("sizing", benchSizing) }

// benchSizing reports, after the other suites, what each table holds and
// weighs on PostgreSQL and Citus (tables, indexes and TOAST; on Citus summed
// over the shards): the figures docs/CITUS.md sizes a province from.
func benchSizing(ctx context.Context, e *Env) ([]Row, error) {
	if e.Engine == "sqlite" {
		return nil, nil
	}
	sizeFn := "pg_total_relation_size"
	if e.DB.Citus() {
		sizeFn = "citus_total_relation_size"
	}
	rows, err := e.DB.QueryContext(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`)
	if err != nil {
		return nil, err
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return nil, err
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.Strings(tables)
	var residents int64
	if err := e.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM reg_person`).Scan(&residents); err != nil {
		return nil, err
	}
	var out []Row
	var total int64
	for _, t := range tables {
		var n, bytes int64
		if err := e.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+t).Scan(&n); err != nil {
			return out, err
		}
		if n < 1000 {
			continue // small tables: the org tree, settings, accounts
		}
		if err := e.DB.QueryRowContext(ctx, `SELECT `+sizeFn+`(?::regclass)`, t).Scan(&bytes); err != nil {
			return out, err
		}
		total += bytes
		out = append(out, Row{Area: "sizing", Measure: "table " + t, Value: fmt.Sprintf("%.1f MB, %d rows, %d B/row", float64(bytes)/1e6, n, bytes/n)})
	}
	if residents > 0 {
		out = append(out, Row{Area: "sizing", Measure: "all large tables", Value: fmt.Sprintf("%.1f MB for %d residents", float64(total)/1e6, residents)})
	}
	return out, nil
}
