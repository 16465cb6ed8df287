package app_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// webLayerPackages may import the web layer throughout: the shell itself, the
// wiring, and the test harnesses.
var webLayerPackages = map[string]bool{"web": true, "app": true, "apptest": true, "e2e": true}

// A module's services and stores do not import the web layer: its HTTP
// handlers live in http*.go files and only translate. Time zones and sizes
// come from internal/locale.
func TestServicesDoNotImportWeb(t *testing.T) {
	dirs, err := os.ReadDir("..")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, d := range dirs {
		if !d.IsDir() || webLayerPackages[d.Name()] {
			continue
		}
		files, _ := filepath.Glob(filepath.Join("..", d.Name(), "*.go"))
		for _, f := range files {
			base := filepath.Base(f)
			if strings.HasPrefix(base, "http") || strings.HasSuffix(base, "_test.go") {
				continue
			}
			parsed, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			checked++
			for _, imp := range parsed.Imports {
				if path, _ := strconv.Unquote(imp.Path.Value); path == "linli/internal/web" {
					t.Errorf("%s imports the web layer: move its handlers to an http*.go file, or use internal/locale", f)
				}
			}
		}
	}
	if checked < 50 {
		t.Fatalf("only %d files checked: the walk is broken", checked)
	}
}
