package importflow_test

import (
	"net/url"
	"strings"
	"testing"

	"linli/internal/apptest"
)

// The mapping step offers the community's grids for the ledger's new
// buildings; the choice is kept with the upload, so the check and the commit
// both use it. Without a choice, new buildings have no grid (未划分网格).
func TestGridChoiceInMappingStep(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		srv := w.Server(t)
		c := apptest.NewClient(t, srv.URL).Login("community_admin", apptest.Password)
		ledger := "楼号,房号\n11幢,101\n11幢,102\n12幢,101\n"
		resp, _ := upload(t, c, "/places/import", itoa(w.C1), "无网格.csv", ledger)
		page := resp.Header.Get("Location")
		_, body := c.Get(page)
		if !strings.Contains(body, `id="grid-choice"`) || !strings.Contains(body, "网格乙B") || !strings.Contains(body, "不指定（未划分网格") || strings.Contains(body, "网格丁D") {
			t.Fatalf("mapping page does not offer community 1's grids:\n%s", mainOf(body))
		}
		mapping := url.Values{"col_0": {"building"}, "col_1": {"room"}}

		// Without a choice: checked clean, two buildings without a grid.
		if resp, _ := c.PostForm(page+"/check", mapping); resp.StatusCode != 303 {
			t.Fatalf("check: %d", resp.StatusCode)
		}
		body = waitDone(t, c, page)
		if !strings.Contains(body, "<li>新楼栋未划分网格：2</li>") || !strings.Contains(body, `id="commit-button"`) {
			t.Fatalf("check without a grid:\n%s", mainOf(body))
		}

		// A grid of another community is refused.
		bad := url.Values{"grid_id": {itoa(w.GridD)}}
		for k, v := range mapping {
			bad[k] = v
		}
		if resp, body := c.PostForm(page+"/check", bad); resp.StatusCode != 422 || !strings.Contains(body, "所选网格不属于本社区") {
			t.Fatalf("grid of another community: %d", resp.StatusCode)
		}

		// Grid B chosen: the check says nothing is left without a grid, the
		// page keeps the choice, and the commit puts the buildings there.
		chosen := url.Values{"grid_id": {itoa(w.GridB)}}
		for k, v := range mapping {
			chosen[k] = v
		}
		if resp, _ := c.PostForm(page+"/check", chosen); resp.StatusCode != 303 {
			t.Fatalf("check in grid B: %d", resp.StatusCode)
		}
		body = waitDone(t, c, page)
		if strings.Contains(body, "<li>新楼栋未划分网格") || !strings.Contains(body, `value="`+itoa(w.GridB)+`" selected`) || !strings.Contains(body, `11幢 <span class="badge ok">新楼栋</span> <span class="muted">网格乙B ·`) {
			t.Fatalf("check in grid B:\n%s", mainOf(body))
		}
		c.PostForm(page+"/commit", nil)
		body = waitDone(t, c, page)
		if !strings.Contains(body, `id="import-committed"`) {
			t.Fatalf("commit:\n%s", mainOf(body))
		}
		w.App.Imports.Wait()
		var n int
		if err := w.DB.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM dwelling d JOIN building b ON b.community_id = d.community_id AND b.id = d.building_id WHERE b.name IN ('11幢', '12幢') AND b.grid_id = ? AND d.grid_id = ?`, w.GridB, w.GridB).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 3 {
			t.Fatalf("%d dwellings in grid B, want 3", n)
		}
	})
}
