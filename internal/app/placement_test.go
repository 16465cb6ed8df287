package app_test

import (
	"context"
	"testing"

	"linli/internal/app"
	"linli/internal/db"
	"linli/internal/dbtest"
)

// Every table a migration creates is declared with its placement on Citus
// (community, reference or lookup table): caught here on every engine, before
// a Citus deployment refuses to migrate.
func TestEveryTableHasAPlacement(t *testing.T) {
	dbtest.Run(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		missing, err := d.Undeclared(context.Background(), app.Migrations())
		if err != nil {
			t.Fatal(err)
		}
		if len(missing) > 0 {
			t.Fatalf("tables without a placement (declare them with the module's Migrations: ByCommunity, Reference or DistributedBy): %v", missing)
		}
	})
}
