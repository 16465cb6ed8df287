package app_test

import (
	"encoding/json"
	"strings"
	"testing"

	"linli/internal/apptest"
	"linli/internal/dbtest"
)

// Every JSON route the server registers is described in the served OpenAPI
// document, and the document names no route that does not exist.
func TestOpenAPIDescribesEveryAPIRoute(t *testing.T) {
	d := dbtest.SQLite(t, apptest.Migrations())
	w := apptest.New(t, d)
	srv := w.Server(t)
	resp, body := apptest.NewClient(t, srv.URL).Get("/api/v1/openapi.json")
	if resp.StatusCode != 200 {
		t.Fatalf("openapi.json: %d", resp.StatusCode)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("not an OpenAPI 3 document: %v", err)
	}
	registered := map[string]bool{}
	for _, rt := range w.Routes() {
		if !strings.HasPrefix(rt.Pattern, "/api/v1/") {
			continue
		}
		key := strings.ToLower(rt.Method) + " " + rt.Pattern
		registered[key] = true
		if _, ok := doc.Paths[rt.Pattern][strings.ToLower(rt.Method)]; !ok {
			t.Errorf("%s %s is not in openapi.json", rt.Method, rt.Pattern)
		}
	}
	for p, ops := range doc.Paths {
		for m := range ops {
			if !registered[m+" "+p] {
				t.Errorf("openapi.json describes %s %s, which is not a route", m, p)
			}
		}
	}
}
