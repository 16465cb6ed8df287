package app_test

import (
	"context"
	"strings"
	"testing"

	"linli/internal/app"
	"linli/internal/dbtest"
)

// intendedDifferences are the places where the two schemas differ on purpose,
// as "table: line" of Table.Describe, each side named. Anything else that
// differs fails the test.
var intendedDifferences = map[string]string{
	// The resident search indexes (registry 0002_search_indexes): PostgreSQL's
	// carry the id (and the scope) so that a list page's ids come from the
	// index alone (index-only scans, see ARCHITECTURE "Performance notes");
	// SQLite's rows carry the rowid anyway, and every index costs its import.
	"reg_person: index reg_person_community (community_id, status, name_pinyin)":                            "sqlite",
	"reg_person: index reg_person_grid (community_id, grid_id, status, name_pinyin)":                        "sqlite",
	"reg_person: index reg_person_initials (name_initials, status, community_id, grid_id, name_pinyin)":     "sqlite",
	"reg_person: index reg_person_pinyin (name_pinyin)":                                                     "sqlite",
	"reg_person: index reg_person_community (community_id, status, name_pinyin, id)":                        "postgres",
	"reg_person: index reg_person_grid (community_id, grid_id, status, name_pinyin, id)":                    "postgres",
	"reg_person: index reg_person_initials (name_initials, status, community_id, grid_id, name_pinyin, id)": "postgres",
	"reg_person: index reg_person_pinyin (name_pinyin, id, status, community_id, grid_id)":                  "postgres",
}

// Both dialects' migrations, applied to fresh databases, must give the same
// tables, columns (type family, NOT NULL, default), primary keys, unique
// constraints and indexes, but for the differences listed above.
func TestSchemasOfBothEnginesAgree(t *testing.T) {
	ctx := context.Background()
	lite, err := dbtest.SQLite(t, app.Migrations()).ReadSchema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := dbtest.Postgres(t, app.Migrations()).ReadSchema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	lines := func(s map[string]bool, name string, table interface{ Describe() []string }) {
		for _, l := range table.Describe() {
			s[name+": "+l] = true
		}
	}
	sqliteLines, pgLines := map[string]bool{}, map[string]bool{}
	for name, tb := range lite.Tables {
		lines(sqliteLines, name, tb)
	}
	for name, tb := range pg.Tables {
		lines(pgLines, name, tb)
	}
	for l := range sqliteLines {
		if _, ok := pgLines[l]; !ok {
			if intendedDifferences[l] == "sqlite" {
				seen[l] = true
				continue
			}
			t.Errorf("only on SQLite: %s", l)
		}
	}
	for l := range pgLines {
		if _, ok := sqliteLines[l]; !ok {
			if intendedDifferences[l] == "postgres" {
				seen[l] = true
				continue
			}
			if table, _, _ := strings.Cut(l, ":"); l == table+": index "+table+"_id (id)" && pg.Tables[table] != nil && strings.Join(pg.Tables[table].PrimaryKey, ",") == "community_id,id" {
				// A community table read by its id alone: SQLite's rowid
				// finds the row; PostgreSQL's key starts with community_id.
				continue
			}
			t.Errorf("only on PostgreSQL: %s", l)
		}
	}
	for l, side := range intendedDifferences {
		if !seen[l] {
			t.Errorf("listed as only on %s but not found there (remove it from intendedDifferences): %s", side, l)
		}
	}
	if !strings.Contains(strings.Join(lite.Tables["reg_person"].Describe(), "\n"), "column community_id integer NOT NULL") {
		t.Fatal("the schema reader missed reg_person.community_id")
	}
}
