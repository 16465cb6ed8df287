package patrols

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/importexport"
	"linli/internal/org"
	"linli/internal/web"
)

// statsRoutes: the month's minutes per worker and day, with roll-ups by grid
// and community, as a page and an .xlsx.
func (s *Service) statsRoutes(srv *web.Server, h *handlers) {
	srv.Page("GET", "/patrols/stats", PermStats, "", h.statsPage)
	srv.Page("GET", "/patrols/stats/export", PermStats, "", h.statsExport)
}

func statsFilter(r *http.Request) StatsFilter {
	org, _ := strconv.ParseInt(r.URL.Query().Get("org"), 10, 64)
	return StatsFilter{Month: r.URL.Query().Get("month"), OrgID: org}
}

type statsData struct {
	Stats  *Stats
	Filter StatsFilter
	Units  []*org.Unit // communities and grids to narrow to
	Query  string
}

func (h *handlers) statsPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	f := statsFilter(r)
	st, err := h.s.Stats(ctx, p, f)
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		// A month that does not read: this month, with the message.
		f.Month = ""
		st, err = h.s.Stats(ctx, p, f)
	}
	if err != nil {
		return err
	}
	d := statsData{Stats: st, Filter: f, Query: r.URL.RawQuery}
	for _, lvl := range []org.Level{org.Community, org.Grid} {
		units, err := h.s.Org.InScope(ctx, p, lvl)
		if err != nil {
			return err
		}
		d.Units = append(d.Units, units...)
	}
	return h.srv.Render(w, r, "patrols/stats.html", web.View{Title: i18n.T("patrols.stats_title"), ActiveNav: "/patrols", Data: d, Errors: verrs})
}

// statsExport writes the month as one row per worker and day (minutes,
// target, met), then the grids' and communities' roll-ups.
func (h *handlers) statsExport(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	st, err := h.s.Stats(r.Context(), p, statsFilter(r))
	if err != nil {
		return err
	}
	headers := []string{i18n.T("patrols.community"), i18n.T("patrols.grid"), i18n.T("patrols.worker"), i18n.T("patrols.day"),
		i18n.T("patrols.minutes"), i18n.T("patrols.target"), i18n.T("patrols.met")}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(i18n.T("patrols.stats_file", "month", st.Month)+".xlsx"))
	xw, err := importexport.NewWriter(w, importexport.Meta{Title: i18n.T("patrols.stats_title"), ExportedBy: p.DisplayName + "（" + p.Username + "）",
		ExportedAt: time.Now().In(web.Local), Masked: true, Filter: st.Month}, headers)
	if err != nil {
		return err
	}
	yes, no := i18n.T("patrols.met_yes"), i18n.T("patrols.met_no")
	for _, wr := range st.Workers {
		for _, d := range wr.Days {
			met := no
			if d.Met {
				met = yes
			}
			if err := xw.Write(wr.CommunityName, wr.GridNames, wr.Name, d.Day, d.Minutes, wr.Target, met); err != nil {
				return err
			}
		}
	}
	for _, g := range st.Grids {
		if err := xw.Write(i18n.T("patrols.rollup_grid"), g.Name, i18n.T("patrols.rollup_workers", "n", g.Workers), i18n.T("patrols.patrol_days")+" "+strconv.Itoa(g.PatrolDays),
			g.Minutes, "", i18n.T("patrols.met_days")+" "+strconv.Itoa(g.MetDays)); err != nil {
			return err
		}
	}
	for _, c := range st.Communities {
		if err := xw.Write(c.Name, i18n.T("patrols.rollup_community"), i18n.T("patrols.rollup_workers", "n", c.Workers), i18n.T("patrols.patrol_days")+" "+strconv.Itoa(c.PatrolDays),
			c.Minutes, "", i18n.T("patrols.met_days")+" "+strconv.Itoa(c.MetDays)); err != nil {
			return err
		}
	}
	return xw.Close()
}
