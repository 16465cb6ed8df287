package registry_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"linli/internal/apptest"
	"linli/internal/identity"
	"linli/internal/importexport"
	"linli/internal/importflow"
	"linli/internal/registry"
)

// An import keeps only compact keys for what it must check across the file (a
// document seen, a dwelling, a household), not the rows: the heap it holds
// grows by little more than a hundred bytes a row. (It held about 250 bytes a
// row, a million-row ledger taking 1.2 GB.)
func TestImportHoldsLittlePerRow(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 40,000 rows")
	}
	const rows, from = 40_000, 10_000
	var b strings.Builder
	b.WriteString("户号,姓名,与户主关系,公民身份号码,联系电话,小区,楼栋,单元,房号,网格\n")
	birth := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < rows; i++ {
		hh := i / 3
		rel := "户主"
		if i%3 > 0 {
			rel = "配偶"
		}
		id := identity.MakeID("330106", birth.AddDate(0, 0, i/500), i%500, identity.Male)
		fmt.Fprintf(&b, "H%07d,张%c%c,%s,%s,139%08d,小区甲苑,%d幢,%d单元,%d,网格甲A\n", hh, '一'+rune(i%50), '二'+rune(i/50%50), rel, id, i, hh/72+1, hh/24%3+1, 101+hh%24)
	}
	path := filepath.Join(t.TempDir(), "ledger.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		im := registry.Importer{S: w.App.Registry}
		src, err := importexport.Open(path, importexport.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		m, err := src.Detect("", im.Fields())
		if err != nil {
			t.Fatal(err)
		}
		heap := func() uint64 {
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			return ms.HeapAlloc
		}
		var at, end uint64
		progress := func(n int) {
			switch n {
			case from:
				at = heap()
			case rows:
				end = heap()
			}
		}
		res, err := im.Run(ctx, w.Principal(t, "community_admin"), importflow.Request{Source: src, Mapping: m, CommunityID: w.C1, Progress: progress})
		if err != nil {
			t.Fatal(err)
		}
		if res.Bad > 0 || res.Good != rows || at == 0 || end == 0 {
			t.Fatalf("the ledger checked %d good, %d bad (%+v); heap measured at %d and %d", res.Good, res.Bad, res.Problems[:min(3, len(res.Problems))], at, end)
		}
		perRow := float64(int64(end)-int64(at)) / float64(rows-from)
		t.Logf("%.0f bytes a row", perRow)
		if perRow > 160 {
			t.Fatalf("the import holds %.0f bytes a row; a million rows would hold %.0f MB", perRow, perRow*1e6/(1<<20))
		}
	})
}
