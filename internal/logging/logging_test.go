package logging

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRotationBoundsDiskUse(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "linli.log")
	r, err := OpenRotating(p, 1000, 3)
	if err != nil {
		t.Fatal(err)
	}
	line := strings.Repeat("x", 99) + "\n"
	for i := 0; i < 500; i++ {
		if _, err := r.Write([]byte(line)); err != nil {
			t.Fatal(err)
		}
	}
	// An oversized record is cut, not allowed to exceed the bound.
	if _, err := r.Write([]byte(strings.Repeat("y", 5000))); err != nil {
		t.Fatal(err)
	}
	r.Close()
	entries, _ := os.ReadDir(dir)
	if len(entries) != 4 {
		t.Fatalf("want current + 3 old files, got %d", len(entries))
	}
	var total int64
	for _, e := range entries {
		info, _ := e.Info()
		if info.Size() > 1000 {
			t.Fatalf("%s is %d bytes, over the 1000-byte bound", e.Name(), info.Size())
		}
		total += info.Size()
	}
	if total > 4000 {
		t.Fatalf("total %d bytes", total)
	}
}
