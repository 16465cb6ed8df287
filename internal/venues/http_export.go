package venues

import (
	"net/http"
	"net/url"
	"time"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/importexport"
	"linli/internal/org"
	"linli/internal/web"
)

// The month's usage and the exports of every list (.xlsx).

func (s *Service) usageRoutes(srv *web.Server, h *handlers) {
	srv.Page("GET", "/venues/usage", PermRead, "", h.usagePage)
	srv.Page("GET", "/venues/usage/export", PermRead, "", h.usageExport)
}

// xlsx starts an export named title.
func xlsx(w http.ResponseWriter, p *auth.Principal, title, filter string, headers []string) (*importexport.Writer, error) {
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(title+".xlsx"))
	return importexport.NewWriter(w, importexport.Meta{Title: title, ExportedBy: p.DisplayName + "（" + p.Username + "）",
		ExportedAt: time.Now().In(web.Local), Filter: filter}, headers)
}

func yesNo(b bool) string {
	if b {
		return i18n.T("venues.yes")
	}
	return i18n.T("venues.no")
}

func (h *handlers) listExport(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	list, err := h.s.ListVenues(r.Context(), p, venueFilter(r))
	if err != nil {
		return err
	}
	headers := []string{i18n.T("venues.org"), i18n.T("venues.name"), i18n.T("venues.kind"), i18n.T("venues.capacity"), i18n.T("venues.hours"),
		i18n.T("venues.equipment"), i18n.T("venues.who"), i18n.T("venues.needs_approval"), i18n.T("venues.active")}
	xw, err := xlsx(w, p, i18n.T("venues.title"), "", headers)
	if err != nil {
		return err
	}
	for _, v := range list {
		hours := ""
		for i, wd := range Weekdays {
			if i > 0 {
				hours += "；"
			}
			hours += i18n.T("venues.weekday."+wd) + " " + v.Hours.Label(wd)
		}
		if err := xw.Write(v.CommunityName, v.Name, v.KindName(), v.Capacity, hours, v.Equipment, v.Who(), yesNo(v.NeedsApproval), yesNo(v.Active)); err != nil {
			return err
		}
	}
	return xw.Close()
}

func (h *handlers) bookingsExport(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	f := bookingFilter(r)
	f.Limit = 5000
	list, _, err := h.s.ListBookings(r.Context(), p, f)
	if err != nil {
		return err
	}
	headers := []string{i18n.T("venues.org"), i18n.T("venues.venue"), i18n.T("venues.title_field"), i18n.T("venues.time"), i18n.T("venues.hours_booked"),
		i18n.T("venues.booker_kind"), i18n.T("venues.who_booked"), i18n.T("venues.attendees"), i18n.T("venues.status"), i18n.T("venues.purpose")}
	xw, err := xlsx(w, p, i18n.T("venues.bookings_title"), f.From+"–"+f.To, headers)
	if err != nil {
		return err
	}
	for _, b := range list {
		if err := xw.Write(b.CommunityName, b.VenueName, b.Title, b.Span(), b.Hours(), b.BookerKindName(), b.Who(), b.Attendees, b.StatusName(), b.Purpose); err != nil {
			return err
		}
	}
	return xw.Close()
}

type usageData struct {
	U           *Usage
	Communities []*org.Unit
	Community   int64
}

func (h *handlers) usage(r *http.Request, p *auth.Principal) (*Usage, int64, error) {
	community := web.QueryID(r.URL.Query(), "community")
	u, err := h.s.Usage(r.Context(), p, r.URL.Query().Get("month"), community)
	return u, community, err
}

func (h *handlers) usagePage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	u, community, err := h.usage(r, p)
	if err != nil {
		return err
	}
	comms, err := h.communities(r.Context(), p)
	if err != nil {
		return err
	}
	return h.srv.Render(w, r, "venues/usage.html", web.View{Title: i18n.T("venues.usage_title", "month", u.Month), ActiveNav: "/venues",
		Data: usageData{U: u, Communities: comms, Community: community}})
}

func (h *handlers) usageExport(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	u, _, err := h.usage(r, p)
	if err != nil {
		return err
	}
	headers := []string{i18n.T("venues.org"), i18n.T("venues.venue"), i18n.T("venues.count"), i18n.T("venues.hours_booked"),
		i18n.T("venues.booker.staff"), i18n.T("venues.booker.team"), i18n.T("venues.booker.resident")}
	xw, err := xlsx(w, p, i18n.T("venues.usage_title", "month", u.Month), u.Month, headers)
	if err != nil {
		return err
	}
	for _, v := range u.Venues {
		if err := xw.Write(v.CommunityName, v.Name, v.Count, v.Hours, v.Staff, v.Team, v.Resident); err != nil {
			return err
		}
	}
	for _, b := range u.Bookers {
		name := b.Name
		if name == "" {
			name = b.KindName()
		}
		if err := xw.Write(i18n.T("venues.by_booker"), b.KindName()+"："+name, b.Count, b.Hours, "", "", ""); err != nil {
			return err
		}
	}
	if err := xw.Write(i18n.T("venues.total"), "", u.Count, u.Hours, "", "", ""); err != nil {
		return err
	}
	return xw.Close()
}
