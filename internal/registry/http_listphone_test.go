package registry_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"linli/internal/apptest"
	"linli/internal/auth"
	"linli/internal/registry"
)

const (
	phoneUA   = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36"
	desktopUA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
)

// getWith fetches path with the client's session and the given headers.
func getWith(t *testing.T, c *apptest.Client, path string, headers map[string]string) string {
	t.Helper()
	req, err := http.NewRequest("GET", c.Base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d\n%.2000s", path, resp.StatusCode, b)
	}
	return string(b)
}

var rowLink = regexp.MustCompile(`<td class="c-name" data-label="[^"]*"><a href="/registry/people/(\d+)">`)

func rowIDs(body string) []string {
	var out []string
	for _, m := range rowLink.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// On a phone the resident list pages by 20 with 加载更多, whose fragment
// (fragment=rows) carries only the next rows, read as the page reads them:
// same filter, order, scope and paging as the whole page; elsewhere by 50
// with the pager and the filters open.
func TestPhoneListPagesByTwentyWithFragments(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		sys := auth.System("test")
		for i := 0; i < 45; i++ {
			if _, err := w.App.Registry.CreatePerson(ctx, sys, registry.PersonInput{Name: fmt.Sprintf("翻页居民%02d", i), IDNumber: apptest.RegistryID("110105", 1950+i, 100+i),
				DwellingID: w.Objects["dwelling"][apptest.InA], NewHousehold: true, Since: "2026-01-01"}); err != nil {
				t.Fatal(err)
			}
		}
		cs := clients(t, w, "community_admin", "grid_worker")
		leader, gw := cs["community_admin"], cs["grid_worker"]
		list := "/registry?grid=" + id(w.GridA) + "&sort=name"
		phone := map[string]string{"User-Agent": phoneUA}

		desk := getWith(t, leader, list, map[string]string{"User-Agent": desktopUA})
		all := rowIDs(desk)
		if len(all) != 47 { // 45 and the fixture's household of two
			t.Fatalf("desktop page shows %d rows, want all 47 (50 a page)", len(all))
		}
		mustContain(t, "desktop list", desk, `id="filter-box" open>`, `<div class="pager">`)
		mustNotContain(t, "desktop list", desk, `id="load-more"`)

		// The same desktop browser asking the client hint way counts as a desktop,
		// even with "Mobile" in a made-up agent.
		if n := len(rowIDs(getWith(t, leader, list, map[string]string{"User-Agent": phoneUA, "Sec-CH-UA-Mobile": "?0"}))); n != 47 {
			t.Fatalf("Sec-CH-UA-Mobile ?0 gave %d rows", n)
		}

		first := getWith(t, leader, list, phone)
		if got := rowIDs(first); strings.Join(got, ",") != strings.Join(all[:20], ",") {
			t.Fatalf("phone page 1 is not the first 20 of the list:\n%v\n%v", got, all[:20])
		}
		mustContain(t, "phone list", first, `id="filter-box">`, `id="load-more"`, `data-load-more="people"`, "加载更多", "共 47 条")
		mustNotContain(t, "phone list", first, `id="filter-box" open`, `<div class="pager">`)
		if n := len(rowIDs(getWith(t, leader, list, map[string]string{"Sec-CH-UA-Mobile": "?1"}))); n != 20 {
			t.Fatalf("Sec-CH-UA-Mobile ?1 gave %d rows", n)
		}

		// 加载更多's fragments: rows 21–40, then 41–47 and no link further.
		next := regexp.MustCompile(`href="([^"]+)" rel="next" data-load-more`)
		m := next.FindStringSubmatch(first)
		if len(m) < 2 || !strings.Contains(m[1], "page=2") || strings.Contains(m[1], "fragment") {
			t.Fatalf("load-more link: %v", m)
		}
		frag2 := getWith(t, leader, strings.ReplaceAll(m[1], "&amp;", "&")+"&fragment=rows", phone)
		if strings.Contains(frag2, "<html") || strings.Contains(frag2, "filter-box") || !strings.HasPrefix(frag2, "<table><tbody>") {
			t.Fatalf("the fragment is more than rows and the foot:\n%.1500s", frag2)
		}
		if got := rowIDs(frag2); strings.Join(got, ",") != strings.Join(all[20:40], ",") {
			t.Fatalf("fragment of page 2: %v, want %v", got, all[20:40])
		}
		m = next.FindStringSubmatch(frag2)
		if len(m) < 2 || !strings.Contains(m[1], "page=3") || strings.Contains(m[1], "fragment") {
			t.Fatalf("the fragment's link to page 3: %v\n%s", m, frag2)
		}
		frag3 := getWith(t, leader, strings.ReplaceAll(m[1], "&amp;", "&")+"&fragment=rows", phone)
		if got := rowIDs(frag3); strings.Join(got, ",") != strings.Join(all[40:], ",") || next.MatchString(frag3) {
			t.Fatalf("last fragment: %v (want %v), link further: %v", got, all[40:], next.MatchString(frag3))
		}
		// Past the end: no rows, not even the "nobody found" line.
		if f := getWith(t, leader, list+"&page=9&fragment=rows", phone); len(rowIDs(f)) != 0 || strings.Contains(f, "没有找到") {
			t.Fatalf("fragment past the end:\n%s", f)
		}

		// Scope as on the page: the grid worker of A asking for grid B's rows gets none,
		// and her own fragment holds only her grid's people.
		if f := getWith(t, gw, "/registry?grid="+id(w.GridB)+"&fragment=rows", phone); len(rowIDs(f)) != 0 || strings.Contains(f, "居民乙") {
			t.Fatalf("grid B's rows reached grid A's worker:\n%s", f)
		}
		own := getWith(t, gw, "/registry?sort=name&page=3&fragment=rows", phone)
		if got := rowIDs(own); strings.Join(got, ",") != strings.Join(all[40:], ",") {
			t.Fatalf("the grid worker's third page: %v, want %v", got, all[40:])
		}

		// Filters in use show as chips that remove them, and as a count on 筛选.
		f := getWith(t, leader, list+"&sex=F&head=1", phone)
		mustContain(t, "phone list with filters", f, `<span class="count">3</span>`, "性别：女", "只看户主", "网格：")
		chip := regexp.MustCompile(`<a class="chip" href="([^"]+)"[^>]*>性别：女`).FindStringSubmatch(f)
		if len(chip) < 2 || strings.Contains(chip[1], "sex=") || !strings.Contains(chip[1], "head=1") {
			t.Fatalf("the 性别 chip's link: %v", chip)
		}
	})
}

// The grid worker's building page: rooms as tiles by floor, each leading to
// its residents on the page; a search of her grid on the grid page; nothing
// of another grid.
func TestGridPathPages(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		gw := clients(t, w, "grid_worker")["grid_worker"]
		grid := page(t, gw, "/registry/grid", 200)
		mustContain(t, "grid page", grid, `id="grid-search"`, `name="grid" value="`+id(w.GridA)+`"`,
			`class="tile" href="/registry/grid/buildings/`+id(w.Objects["building"][apptest.InA])+`"`)
		mustNotContain(t, "grid page", grid, `/registry/grid/buildings/`+id(w.Objects["building"][apptest.InB])+`"`)
		b := page(t, gw, "/registry/grid/buildings/"+id(w.Objects["building"][apptest.InA]), 200)
		dw := id(w.Objects["dwelling"][apptest.InA])
		mustContain(t, "building page", b, `id="rooms"`, `href="#dwelling-`+dw+`"`, `id="dwelling-`+dw+`"`, "2 人", `id="grid-bar"`, `href="#rooms"`)
		page(t, gw, "/registry/grid/buildings/"+id(w.Objects["building"][apptest.InB]), 404)
	})
}
