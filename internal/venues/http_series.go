package venues

import (
	"errors"
	"net/http"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/web"
)

// seriesRoutes are a recurring booking's page (its occurrences, the
// cancelled ones marked) and its cancel form: one date, or every date from
// one on.
func (s *Service) seriesRoutes(srv *web.Server, h *handlers) {
	srv.Page("GET", "/venues/series/{id}", PermRead, "venue_series", h.seriesView)
	srv.Page("GET", "/venues/series/{id}/cancel", PermBook, "venue_series", h.seriesCancelPage)
	srv.Page("POST", "/venues/series/{id}/cancel", PermBook, "venue_series", h.seriesCancel)
}

type seriesViewData struct {
	S     *Series
	Now   int64
	Live  []*Booking
	Modes []string
	Form  bool
}

func (h *handlers) seriesView(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderSeriesView(w, r, p, false, http.StatusOK, nil)
}

func (h *handlers) seriesCancelPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderSeriesView(w, r, p, true, http.StatusOK, nil)
}

func (h *handlers) renderSeriesView(w http.ResponseWriter, r *http.Request, p *auth.Principal, form bool, status int, errs *i18n.Errors) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	sr, err := h.s.GetSeries(r.Context(), p, id)
	if err != nil {
		return err
	}
	now := h.s.now().UnixMilli()
	if form && !sr.Cancel {
		if len(sr.Live(now)) == 0 {
			return ErrSeriesOver
		}
		return auth.ErrForbidden
	}
	title := i18n.T("venues.series_page", "title", sr.First().Title)
	if form {
		title = i18n.T("venues.series_cancel_title", "title", sr.First().Title)
	}
	view := web.View{Title: title, ActiveNav: "/venues", Data: seriesViewData{S: sr, Now: now, Live: sr.Live(now), Modes: SeriesCancelModes, Form: form},
		Errors: errs}
	if errs.Any() {
		view.Form = r.PostForm
	} else if form {
		// A tap on one occurrence's button opens the form on its date.
		view.Form = map[string][]string{"mode": {SeriesCancelOne}, "day": {r.URL.Query().Get("day")}}
	}
	return h.srv.RenderStatus(w, r, status, "venues/series_view.html", view)
}

func (h *handlers) seriesCancel(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	n, err := h.s.CancelSeries(r.Context(), p, id, SeriesCancel{Mode: r.PostFormValue("mode"), Day: r.PostFormValue("day"), Note: r.PostFormValue("note")})
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return h.renderSeriesView(w, r, p, true, http.StatusUnprocessableEntity, verrs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/venues/series/"+itoa(id), i18n.T("venues.series_cancelled", "n", n))
}
