package followups_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"linli/internal/apptest"
)

// The month's rates as a page, an .xlsx and JSON: the street's leader sees
// its communities and grids with the 帮教 talk counted; the grid worker sees
// grid A alone, without the talk.
func TestRatesPages(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		now := time.Now().In(time.FixedZone("CST", 8*3600))
		if now.Day() == 1 && now.Hour() < 2 {
			t.Skip("the fixtures' records of an hour ago may lie in last month")
		}
		srv := w.Server(t)
		month := now.Format("2006-01")
		street := apptest.NewClient(t, srv.URL).Login("street_admin", apptest.Password)
		body := page(t, street, "/followups/stats?month="+month, 200, "走访统计", "一号社区", "二号社区", "网格甲A", "网格丁D", "帮教谈话", "走访率")
		if !strings.Contains(body, "100.0%") {
			t.Errorf("the street's talk rate (one talk due, one held) is not shown as 100.0%%")
		}
		resp, xlsx := street.Get("/followups/stats/export?month=" + month)
		if resp.StatusCode != 200 || !strings.HasPrefix(xlsx, "PK") || !strings.Contains(resp.Header.Get("Content-Disposition"), ".xlsx") {
			t.Fatalf("export: %d %q", resp.StatusCode, resp.Header.Get("Content-Disposition"))
		}
		resp, js := street.Get("/api/v1/followups/rates?month=" + month)
		if resp.StatusCode != 200 {
			t.Fatalf("rates API: %d %s", resp.StatusCode, js)
		}
		var out struct {
			Total struct {
				Due, Visited int
				TalkDue      int    `json:"talk_due"`
				VisitRate    string `json:"visit_rate"`
			}
			Units []struct {
				ID    int64
				Level string
			}
		}
		if err := json.Unmarshal([]byte(js), &out); err != nil {
			t.Fatal(err)
		}
		// Due: three visits, the talk, two inspections; visited: the visits and the talk.
		if out.Total.Due != 6 || out.Total.Visited != 4 || out.Total.TalkDue != 1 || out.Total.VisitRate != "66.7%" || len(out.Units) != 5 {
			t.Errorf("rates API: %+v", out)
		}
		gw := apptest.NewClient(t, srv.URL).Login("grid_worker", apptest.Password)
		mine := page(t, gw, "/followups/stats?month="+month, 200, "网格甲A")
		lacks(t, "the grid worker's rates", mine, "帮教谈话", "网格乙B", "二号社区")
		// A month that does not read: this month, with the message.
		page(t, street, "/followups/stats?month=2026-13", 422, "月份格式应为", "走访率")
		if resp, _ := street.Get("/api/v1/followups/rates?month=13-2026"); resp.StatusCode != 422 {
			t.Errorf("a bad month through the API: %d", resp.StatusCode)
		}
	})
}
