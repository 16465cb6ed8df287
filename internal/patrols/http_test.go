package patrols_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"linli/internal/apptest"
	"linli/internal/locale"
)

// The API and pages as a phone uses them: start (a second start answers the
// running patrol), points refused without consent, a finding reported
// through the cases form and listed on the patrol, a correction with the end
// before the start refused naming the field.
func TestPatrolHTTP(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		srv := w.Server(t)
		gw := apptest.NewClient(t, srv.URL).Login("grid_worker", apptest.Password)
		resp, body := gw.JSON("POST", "/api/v1/patrols", `{}`)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("start: %d %s", resp.StatusCode, body)
		}
		var pt struct {
			ID   int64 `json:"id"`
			Open bool  `json:"open"`
		}
		if err := json.Unmarshal([]byte(body), &pt); err != nil || !pt.Open {
			t.Fatalf("start answered %s (%v)", body, err)
		}
		resp, body = gw.JSON("POST", "/api/v1/patrols", fmt.Sprintf(`{"grid_id":%d}`, w.GridA))
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, fmt.Sprintf(`"id":%d`, pt.ID)) {
			t.Fatalf("second start: %d %s", resp.StatusCode, body)
		}
		resp, body = gw.JSON("POST", fmt.Sprintf("/api/v1/patrols/%d/points", pt.ID), `{"points":[{"lat":30.2,"lng":120.1}]}`)
		if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "未同意记录位置") {
			t.Fatalf("points without consent: %d %s", resp.StatusCode, body)
		}
		leader := apptest.NewClient(t, srv.URL).Login("community_admin", apptest.Password)
		if resp, body := leader.JSON("POST", fmt.Sprintf("/api/v1/patrols/%d/end", pt.ID), `{}`); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("a leader ended the worker's patrol: %d %s", resp.StatusCode, body)
		}

		// 上报事件: the cases form, prefilled and linked.
		resp, body = gw.Get(fmt.Sprintf("/cases/report?type=grid_event&source=patrol&grid_id=%d&location=%%E7%%94%%B2%%E6%%A5%%BC&link_kind=patrol&link_ref=%d", w.GridA, pt.ID))
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `name="link_ref" value="`+fmt.Sprint(pt.ID)) || !strings.Contains(body, `value="甲楼"`) {
			t.Fatalf("the report form: %d", resp.StatusCode)
		}
		resp, _ = gw.PostForm("/cases", url.Values{"type": {"grid_event"}, "category": {"facility"}, "title": {"巡查发现井盖松动"}, "source": {"patrol"},
			"grid_id": {fmt.Sprint(w.GridA)}, "mobile": {"1"}, "link_kind": {"patrol"}, "link_ref": {fmt.Sprint(pt.ID)}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != fmt.Sprintf("/patrols/%d", pt.ID) {
			t.Fatalf("reporting: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if _, body := leader.Get(fmt.Sprintf("/patrols/%d", pt.ID)); !strings.Contains(body, "巡查发现井盖松动") {
			t.Fatal("the patrol page does not list its finding")
		}
		// A link to a patrol out of reach is refused, and no case is made.
		other := w.Objects["patrol"][apptest.InD]
		resp, _ = gw.PostForm("/cases", url.Values{"type": {"grid_event"}, "category": {"facility"}, "title": {"越界关联"}, "grid_id": {fmt.Sprint(w.GridA)},
			"link_kind": {"patrol"}, "link_ref": {fmt.Sprint(other)}})
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("a link out of reach: %d", resp.StatusCode)
		}

		if resp, body := gw.JSON("POST", fmt.Sprintf("/api/v1/patrols/%d/end", pt.ID), `{}`); resp.StatusCode != http.StatusOK {
			t.Fatalf("end: %d %s", resp.StatusCode, body)
		}
		// The month's statistics show the worker's patrols; the export is a workbook.
		if resp, body := leader.Get("/patrols/stats"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "grid_worker姓名") {
			t.Fatalf("statistics: %d", resp.StatusCode)
		}
		resp, body = leader.Get("/patrols/stats/export")
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), "spreadsheetml") || !strings.HasPrefix(body, "PK") {
			t.Fatalf("export: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if resp, _ := gw.Get("/patrols/stats"); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("a grid worker read the statistics: %d", resp.StatusCode)
		}
		start := time.Now().In(locale.Zone)
		resp, body = gw.PostForm(fmt.Sprintf("/patrols/%d/correct", pt.ID), url.Values{"started_at": {start.Format("2006-01-02T15:04")},
			"ended_at": {start.Add(-30 * time.Minute).Format("2006-01-02T15:04")}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "结束时间须晚于开始时间") {
			t.Fatalf("end before start: %d", resp.StatusCode)
		}
	})
}
