package followups

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/importexport"
	"linli/internal/web"
)

// statsRoutes: the month's rates (走访率 …) by community, grid and rule, as a
// page, an .xlsx and JSON.
func (s *Service) statsRoutes(srv *web.Server, h *handlers) {
	srv.Page("GET", "/followups/stats", PermRead, "", h.statsPage)
	srv.Page("GET", "/followups/stats/export", PermRead, "", h.statsExport)
	srv.API("GET", "/api/v1/followups/rates", PermRead, "", h.apiRates)
}

func ratesFilter(r *http.Request) RatesFilter {
	return RatesFilter{Month: r.URL.Query().Get("month"), OrgID: queryInt(r, "org"), RuleID: queryInt(r, "rule")}
}

type statsData struct {
	Rates  *Rates
	Filter RatesFilter
	Month  string
	Query  string
}

func (h *handlers) statsPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	f := ratesFilter(r)
	rates, err := h.s.Rates(ctx, p, f)
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		// A month that does not read: this month, with the message.
		f.Month = ""
		rates, err = h.s.Rates(ctx, p, f)
	}
	if err != nil {
		return err
	}
	d := statsData{Rates: rates, Filter: f, Month: rates.From[:7], Query: r.URL.RawQuery}
	return h.srv.Render(w, r, "followups/stats.html", web.View{Title: i18n.T("followups.stats_title"), ActiveNav: "/followups", Data: d, Errors: verrs})
}

func (h *handlers) statsExport(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	rates, err := h.s.Rates(r.Context(), p, ratesFilter(r))
	if err != nil {
		return err
	}
	headers := []string{i18n.T("followups.stats_unit"), i18n.T("followups.stats_due"), i18n.T("followups.stats_visited"), i18n.T("followups.visit_rate"),
		i18n.T("followups.stats_records"), i18n.T("followups.stats_on_time"), i18n.T("followups.on_time_rate"), i18n.T("followups.talk_rate"),
		i18n.T("followups.screening_on_time_rate"), i18n.T("followups.stats_overdue")}
	month := rates.From[:7]
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(i18n.T("followups.stats_file", "month", month)+".xlsx"))
	xw, err := importexport.NewWriter(w, importexport.Meta{Title: i18n.T("followups.stats_title"), ExportedBy: p.DisplayName + "（" + p.Username + "）",
		ExportedAt: time.Now().In(web.Local), Masked: true, Filter: month}, headers)
	if err != nil {
		return err
	}
	write := func(label string, c RateCounts) error {
		return xw.Write(label, c.Due, c.Visited, c.VisitRate(), c.Records, c.OnTime, c.OnTimeRate(), c.TalkRate(), c.ScreeningOnTimeRate(), c.Overdue)
	}
	for _, row := range rates.Rows {
		if err := write(strings.Repeat("　", row.Depth)+row.Name, row.RateCounts); err != nil {
			return err
		}
	}
	for _, row := range rates.ByRule {
		if err := write(i18n.T("followups.stats_rule_row", "rule", row.Name), row.RateCounts); err != nil {
			return err
		}
	}
	if err := write(i18n.T("followups.stats_total"), rates.Total); err != nil {
		return err
	}
	return xw.Close()
}

// rateJSON is one line of GET /api/v1/followups/rates: the counts and the
// rates they make ("" when a rate has no base).
type rateJSON struct {
	ID                  int64  `json:"id,omitempty"`
	Name                string `json:"name"`
	Level               string `json:"level,omitempty"`
	Due                 int    `json:"due"`
	Visited             int    `json:"visited"`
	Records             int    `json:"records"`
	OnTime              int    `json:"on_time"`
	TalkDue             int    `json:"talk_due"`
	TalkVisited         int    `json:"talk_visited"`
	ScreenRecords       int    `json:"screening_records"`
	ScreenOnTime        int    `json:"screening_on_time"`
	Overdue             int    `json:"overdue"`
	VisitRate           string `json:"visit_rate"`
	OnTimeRate          string `json:"on_time_rate"`
	TalkRate            string `json:"talk_rate"`
	ScreeningOnTimeRate string `json:"screening_on_time_rate"`
}

func toRateJSON(id int64, name, level string, c RateCounts) rateJSON {
	rate := func(s string) string {
		if s == "—" {
			return ""
		}
		return s
	}
	return rateJSON{ID: id, Name: name, Level: level, Due: c.Due, Visited: c.Visited, Records: c.Records, OnTime: c.OnTime, TalkDue: c.TalkDue,
		TalkVisited: c.TalkVisited, ScreenRecords: c.ScreenRecords, ScreenOnTime: c.ScreenOnTime, Overdue: c.Overdue,
		VisitRate: rate(c.VisitRate()), OnTimeRate: rate(c.OnTimeRate()), TalkRate: rate(c.TalkRate()), ScreeningOnTimeRate: rate(c.ScreeningOnTimeRate())}
}

func (h *handlers) apiRates(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	rates, err := h.s.Rates(r.Context(), p, ratesFilter(r))
	if err != nil {
		return err
	}
	out := struct {
		From   string     `json:"from"`
		To     string     `json:"to"`
		Total  rateJSON   `json:"total"`
		Units  []rateJSON `json:"units"`
		ByRule []rateJSON `json:"rules"`
	}{From: rates.From, To: rates.To, Total: toRateJSON(0, i18n.T("followups.stats_total"), "", rates.Total), Units: []rateJSON{}, ByRule: []rateJSON{}}
	for _, row := range rates.Rows {
		out.Units = append(out.Units, toRateJSON(row.UnitID, row.Name, row.Level, row.RateCounts))
	}
	for _, row := range rates.ByRule {
		out.ByRule = append(out.ByRule, toRateJSON(row.RuleID, row.Name, "", row.RateCounts))
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}
