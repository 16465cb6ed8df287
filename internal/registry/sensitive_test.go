package registry_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"

	"linli/internal/apptest"
)

// unzipText returns the text of every part of an xlsx file.
func unzipText(t *testing.T, body string) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader([]byte(body)), int64(len(body)))
	if err != nil {
		t.Fatalf("export is not an xlsx file: %v", err)
	}
	var all strings.Builder
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		all.Write(b)
	}
	return all.String()
}

// A 网格员 without the 综治 line (and a 民政 social worker) cannot learn who is
// tagged 刑释解教 by any list, filter, count, search, page, export or API call;
// the community leader, to whom the group is open, can.
func TestNobodyOutsideTheLineLearnsWhoIsTaggedReleasedPrisoner(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		cs := clients(t, w, "grid_worker", "social_worker", "community_admin")
		tagged := w.Objects["person"][apptest.InA] // 居民甲户主, tagged 刑释解教
		hh := w.Objects["household"][apptest.InA]
		const word, code, name = "刑释解教", "released_prisoner", "居民甲户主"

		// The leader sees the group, and who is in it: the checks below are not vacuous.
		leader := cs["community_admin"]
		mustContain(t, "leader's filter", page(t, leader, "/registry?tag="+code, 200), name, "共 1 条")
		mustContain(t, "leader's person page", page(t, leader, "/registry/people/"+id(tagged), 200), word)
		mustContain(t, "leader's dashboard", page(t, leader, "/", 200), word)
		_, body := leader.Get("/api/v1/people?tag=" + url.QueryEscape(word))
		mustContain(t, "leader's API filter by name", body, `"total":1`, name)
		// A list's rows carry each person's groups, this one included for the leader.
		_, body = leader.Get("/api/v1/people?q=" + url.QueryEscape(name))
		mustContain(t, "leader's list row", body, `"code":"released_prisoner"`, `"code":"elderly"`)

		for _, user := range []string{"grid_worker", "social_worker"} {
			c := cs[user]
			where := func(what string) string { return user + ": " + what }
			// Lists, pages, the phone view, the dashboard: the group is not shown at all.
			for _, path := range []string{"/registry", "/registry?status=all", "/registry?head=1", "/registry/people/" + id(tagged), "/registry/people/" + id(tagged) + "/edit",
				"/registry/households/" + id(hh), "/registry/grid", "/registry/grid/buildings/" + id(w.Objects["building"][apptest.InA]),
				"/registry/grid/people/" + id(tagged), "/registry/people/new", "/registry/rentals", "/registry/rentals/" + id(w.Objects["rental"][apptest.InA]), "/"} {
				body := page(t, c, path, 200)
				mustNotContain(t, where(path), body, word, code)
			}
			mustContain(t, where("list"), page(t, c, "/registry", 200), name) // the person is there, the group is not
			_, body := c.Get("/api/v1/people?q=" + url.QueryEscape(name))
			mustContain(t, where("list row"), body, name, `"code":"elderly"`) // with the groups they may see

			// Filtering by the group's code or name is answered exactly as for a group
			// that does not exist, and names nobody.
			for _, tag := range []string{code, word} {
				resp, body := c.Get("/registry?tag=" + url.QueryEscape(tag))
				respNone, bodyNone := c.Get("/registry?tag=" + url.QueryEscape("no_such_group"))
				if resp.StatusCode != 404 || respNone.StatusCode != 404 || strings.ReplaceAll(body, tag, "") != strings.ReplaceAll(bodyNone, "no_such_group", "") {
					t.Fatalf("%s: filter by %s answers %d, unlike an unknown group (%d)", user, tag, resp.StatusCode, respNone.StatusCode)
				}
				mustNotContain(t, where("filter "+tag), body, name)
				resp, body = c.Get("/api/v1/people?tag=" + url.QueryEscape(tag))
				if resp.StatusCode != 404 || strings.Contains(body, name) {
					t.Fatalf("%s: API filter by %s: %d %s", user, tag, resp.StatusCode, body)
				}
			}
			// Searching for the group's name finds nobody.
			mustContain(t, where("search"), page(t, c, "/registry?q="+url.QueryEscape(word), 200), "共 0 条")
			_, body = c.Get("/api/v1/people?q=" + url.QueryEscape(word))
			mustContain(t, where("API search"), body, `"total":0`)
			// The API's person, household, list and groups.
			for _, path := range []string{"/api/v1/people", "/api/v1/people/" + id(tagged), "/api/v1/households/" + id(hh), "/api/v1/tags", fmt.Sprintf("/api/v1/people?grid=%d", w.GridA)} {
				resp, body := c.Get(path)
				if resp.StatusCode != 200 {
					t.Fatalf("%s: GET %s: %d", user, path, resp.StatusCode)
				}
				mustNotContain(t, where(path), body, word, code)
			}
			// The tag form cannot name it either.
			_, body = c.PostForm("/registry/people/"+id(tagged)+"/tags", url.Values{"tags": {code}})
			mustNotContain(t, where("tag form"), body, name+"（"+word)
		}

		// The export: the grid worker may not export at all; the social worker's
		// export neither filters by the group nor shows it.
		resp, _ := cs["grid_worker"].Get("/registry/export")
		if resp.StatusCode != 403 {
			t.Fatalf("grid worker exported: %d", resp.StatusCode)
		}
		sw := cs["social_worker"]
		for _, tag := range []string{code, word} {
			resp, body := sw.Get("/registry/export?tag=" + url.QueryEscape(tag))
			if resp.StatusCode != 404 || strings.Contains(body, name) {
				t.Fatalf("social worker exported the group %s: %d", tag, resp.StatusCode)
			}
		}
		resp, body = sw.Get("/registry/export")
		if resp.StatusCode != 200 {
			t.Fatalf("social worker's export: %d %.300s", resp.StatusCode, body)
		}
		text := unzipText(t, body)
		mustContain(t, "social worker's export", text, name, "老年人")
		mustNotContain(t, "social worker's export", text, word, code)
		resp, body = sw.Get("/registry/export?format=csv")
		if resp.StatusCode != 200 || !strings.Contains(body, name) || strings.Contains(body, word) {
			t.Fatalf("social worker's CSV export: %d", resp.StatusCode)
		}
		// The leader's export does carry it.
		resp, body = leader.Get("/registry/export?tag=" + code)
		if resp.StatusCode != 200 || !strings.Contains(unzipText(t, body), name) {
			t.Fatalf("leader's export of the group: %d", resp.StatusCode)
		}
	})
}
