package activities

import (
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

// The figures and the exports of every list (.xlsx).

func (s *Service) statsRoutes(srv *web.Server, h *handlers) {
	srv.Page("GET", "/activities/stats", PermRead, "", h.statsPage)
	srv.Page("GET", "/activities/stats/export", PermRead, "", h.statsExport)
}

// GroupTags are the registry tags whose reach the figures show.
var GroupTags = []string{"elderly"}

type statsData struct {
	F           *Figures
	Prev, Next  int
	Community   int64
	Communities []*org.Unit
}

func (h *handlers) stats(r *http.Request, p *auth.Principal) (statsData, error) {
	year := web.QueryInt(r, "year", h.s.thisYear(), 2000, 2100)
	c := web.QueryID(r.URL.Query(), "community")
	f, err := h.s.Stats(r.Context(), p, year, c, GroupTags)
	if err != nil {
		return statsData{}, err
	}
	d := statsData{F: f, Prev: year - 1, Next: year + 1, Community: c}
	d.Communities, err = h.s.Org.InScope(r.Context(), p, org.Community)
	return d, err
}

func (h *handlers) statsPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	d, err := h.stats(r, p)
	if err != nil {
		return err
	}
	return h.srv.Render(w, r, "activities/stats.html", web.View{Title: i18n.T("activities.stats_title", "year", d.F.Year), ActiveNav: "/activities", Data: d})
}

// xlsx starts an export named title.
func xlsx(w http.ResponseWriter, p *auth.Principal, title string, headers []string) (*importexport.Writer, error) {
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(title+".xlsx"))
	return importexport.NewWriter(w, importexport.Meta{Title: title, ExportedBy: p.DisplayName + "（" + p.Username + "）",
		ExportedAt: time.Now().In(web.Local)}, headers)
}

func (h *handlers) statsExport(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	d, err := h.stats(r, p)
	if err != nil {
		return err
	}
	xw, err := xlsx(w, p, i18n.T("activities.stats_title", "year", d.F.Year), []string{i18n.T("activities.month"), i18n.T("activities.n_activities"),
		i18n.T("activities.signups"), i18n.T("activities.attended_n"), i18n.T("activities.n_summarised"), i18n.T("activities.n_recorded")})
	if err != nil {
		return err
	}
	for _, m := range d.F.Months {
		if err := xw.Write(m.Month, m.Activities, m.SignUps, m.Attended, m.Summarised, m.Recorded); err != nil {
			return err
		}
	}
	return xw.Close()
}

func (h *handlers) listExport(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	f := filterOf(r)
	f.Limit = 5000
	list, _, err := h.s.List(r.Context(), p, f)
	if err != nil {
		return err
	}
	xw, err := xlsx(w, p, i18n.T("activities.title"), []string{i18n.T("activities.org"), i18n.T("activities.title_field"), i18n.T("activities.topic"),
		i18n.T("activities.format"), i18n.T("activities.time"), i18n.T("activities.place"), i18n.T("activities.organiser"), i18n.T("activities.partners"),
		i18n.T("activities.speakers"), i18n.T("activities.quota"), i18n.T("activities.accepted"), i18n.T("activities.waiting"),
		i18n.T("activities.attended_n"), i18n.T("activities.budget"), i18n.T("activities.status")})
	if err != nil {
		return err
	}
	for _, a := range list {
		if err := xw.Write(a.CommunityName, a.Title, a.TopicName(), a.FormatName(), a.Span(), a.Place, a.Organiser, a.Partners, a.Speakers, a.Quota,
			a.Accepted, a.Waiting, a.Reached(), a.Budget, a.StatusName()); err != nil {
			return err
		}
	}
	return xw.Close()
}

func (h *handlers) rosterExport(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	a, err := h.get(r, p)
	if err != nil {
		return err
	}
	list, err := h.s.Roster(r.Context(), p, a)
	if err != nil {
		return err
	}
	xw, err := xlsx(w, p, i18n.T("activities.roster_title", "title", a.Title), []string{i18n.T("activities.person"), i18n.T("activities.sign_status"),
		i18n.T("activities.position"), i18n.T("activities.source"), i18n.T("activities.attended"), i18n.T("activities.satisfaction"), i18n.T("activities.feedback")})
	if err != nil {
		return err
	}
	for _, x := range list {
		pos, att := "", ""
		if x.Position > 0 {
			pos = strconv.Itoa(x.Position)
		}
		if x.AttendedAt != 0 {
			att = time.UnixMilli(x.AttendedAt).In(web.Local).Format("2006-01-02 15:04")
		}
		if err := xw.Write(x.Name, x.StatusName(), pos, i18n.T("activities.source."+x.Source), att, x.Satisfaction, x.Feedback); err != nil {
			return err
		}
	}
	return xw.Close()
}
