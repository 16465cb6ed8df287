package venues

import (
	"errors"
	"net/http"
	"time"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/web"
)

// The portal: a resident sees the venues open to residents of their
// community (and its street) with the times they are free, requests a
// booking (pending where the venue needs approval), and sees and cancels
// their own. Whom another booking is for is never shown.

func (s *Service) portalRoutes(srv *web.Server, h *handlers) {
	srv.Page("GET", "/portal/venues", PermPortal, "", h.portalList)
	srv.Page("GET", "/portal/venues/{id}", PermPortal, "venue", h.portalWeek)
	srv.Page("POST", "/portal/venues/{id}", PermPortal, "venue", h.portalBook)
	srv.Page("GET", "/portal/venues/bookings/{id}/cancel", PermPortal, "venue_booking", h.portalCancelPage)
	srv.Page("POST", "/portal/venues/bookings/{id}/cancel", PermPortal, "venue_booking", h.portalCancel)
}

type portalData struct {
	Venues []*Venue
	Mine   []*Booking
	B      *Booking
}

func (h *handlers) portalList(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	venues, err := h.s.PortalVenues(ctx, p)
	if err != nil {
		return err
	}
	d := portalData{Venues: venues}
	if p.PersonID != 0 {
		if d.Mine, _, err = h.s.ListBookings(ctx, p, Filter{Limit: 50}); err != nil {
			return err
		}
	}
	return h.srv.Render(w, r, "venues/portal_list.html", web.View{Title: i18n.T("venues.portal_title"), ActiveNav: "/portal/venues", Data: d})
}

func (h *handlers) portalWeek(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderPortalWeek(w, r, p, http.StatusOK, nil)
}

func (h *handlers) renderPortalWeek(w http.ResponseWriter, r *http.Request, p *auth.Principal, status int, errs *i18n.Errors) error {
	ctx := r.Context()
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	v, err := h.s.PortalVenue(ctx, p, id)
	if err != nil {
		return err
	}
	week := r.URL.Query().Get("week")
	if week == "" && r.Method == http.MethodPost {
		week = r.PostFormValue("day")
	}
	monday := h.s.weekOf(week)
	busy, err := h.s.BusyTimes(ctx, p, v, monday.UnixMilli(), monday.AddDate(0, 0, 7).UnixMilli())
	if err != nil {
		return err
	}
	d := weekData{V: v, Week: monday.Format(dayLayout), Prev: monday.AddDate(0, 0, -7).Format(dayLayout), Next: monday.AddDate(0, 0, 7).Format(dayLayout),
		Days: h.s.buildWeek(v, monday, nil, busy), Times: times(), Booking: p.PersonID != 0, Portal: true}
	view := web.View{Title: v.Name, ActiveNav: "/portal/venues", Data: d, Errors: errs}
	if errs.Any() {
		view.Form = r.PostForm
	} else {
		q := r.URL.Query()
		view.Form = map[string][]string{"day": {q.Get("day")}, "start": {q.Get("start")}, "end": {q.Get("end")}}
	}
	return h.srv.RenderStatus(w, r, status, "venues/week.html", view)
}

func (h *handlers) portalBook(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	from, to := formTimes(r)
	if r.PostFormValue("day") == "" {
		from = time.Time{}
	}
	bid, err := h.s.PortalBook(r.Context(), p, BookInput{VenueID: id, Title: r.PostFormValue("title"), Purpose: r.PostFormValue("purpose"),
		Contact: r.PostFormValue("contact"), Attendees: formInt(r, "attendees"), StartsAt: from, EndsAt: to})
	if errs, status, ok := refusal(err); ok {
		return h.renderPortalWeek(w, r, p, status, errs)
	}
	if err != nil {
		return err
	}
	b, err := h.s.GetBooking(r.Context(), p, bid)
	if err != nil {
		return err
	}
	msg := i18n.T("venues.booked")
	if b.Status == StatusPending {
		msg = i18n.T("venues.booked_pending")
	}
	return h.srv.Redirect(w, r, "/portal/venues", msg)
}

func (h *handlers) portalCancelPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderPortalCancel(w, r, p, nil)
}

func (h *handlers) renderPortalCancel(w http.ResponseWriter, r *http.Request, p *auth.Principal, errs *i18n.Errors) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	b, err := h.s.GetBooking(r.Context(), p, id)
	if err != nil {
		return err
	}
	if err := h.s.mayDo(p, b, "cancel"); err != nil {
		return err
	}
	return h.srv.Render(w, r, "venues/portal_cancel.html", web.View{Title: i18n.T("venues.op.cancel") + "：" + b.Title, ActiveNav: "/portal/venues",
		Data: portalData{B: b}, Errors: errs})
}

func (h *handlers) portalCancel(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	err = h.s.Cancel(r.Context(), p, id, r.PostFormValue("note"))
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return h.renderPortalCancel(w, r, p, verrs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/portal/venues", i18n.T("venues.done.cancel"))
}
