package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"testing"

	"linli/internal/auth"
	"linli/internal/importexport"
	"linli/internal/importflow"
)

func TestProf(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("PROF_N"))
	dir := "/tmp/perfprof"
	ctx := context.Background()
	os.Remove(dir + "/bench.db")
	e, err := openEnv(ctx, "sqlite", dir, &Flags{Residents: n})
	if err != nil {
		t.Fatal(err)
	}
	path, _, err := ledgerFile(dir, n, 0)
	if err != nil {
		t.Fatal(err)
	}
	comm, _, err := setupCommunity(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("PROF_SETUP_ONLY") != "" {
		return
	}
	im, _ := e.App.Imports.Importer("residents")
	src, _ := importexport.Open(path, importexport.Limits{})
	m, _ := src.Detect("", im.Fields())
	prog := func(r int) {
		if r%200000 == 0 {
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			fmt.Println("rows", r, "heapalloc MB", ms.HeapAlloc>>20, "sys", ms.Sys>>20)
			if r == n {
				f, _ := os.Create(dir + "/heap1m.prof")
				pprof.Lookup("heap").WriteTo(f, 0)
				f.Close()
			}
		}
	}
	res, err := im.Run(ctx, auth.System("bench"), importflow.Request{Source: src, Mapping: m, CommunityID: comm, Progress: prog})
	if err != nil || res.Bad > 0 {
		t.Fatal(err, res.Bad)
	}
}
