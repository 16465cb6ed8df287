package calendar

import (
	"embed"
	"errors"
	"net/http"
	"strconv"
	"time"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/web"
)

//go:embed templates
var templateFS embed.FS

// Routes registers the calendar administration pages.
func (s *Service) Routes(srv *web.Server) {
	srv.AddTemplates("calendar", templateFS)
	h := &handlers{s: s, srv: srv}
	auditValues(srv)
	srv.Page("GET", "/admin/calendar", PermAdmin, "", h.page)
	srv.Page("POST", "/admin/calendar", PermAdmin, "", h.setDay)
	srv.Page("POST", "/admin/calendar/delete", PermAdmin, "", h.deleteDay)
	srv.Page("POST", "/admin/calendar/hours", PermAdmin, "", h.setHours)
	srv.AddNav(web.NavItem{Key: "calendar.nav", Href: "/admin/calendar", Perm: PermAdmin, Order: 92})
	srv.AddAction(web.Action{Key: "calendar.nav", Desc: "calendar.admin_desc", Href: "/admin/calendar", Perm: PermAdmin, Order: 930})
}

type handlers struct {
	s   *Service
	srv *web.Server
}

// Cell is one day of the year view.
type Cell struct {
	Day   int
	Date  string
	Class string // "holiday", "workday", "weekend" or ""
	Name  string
}

// Month is one month of the year view, in weeks starting on Monday.
type Month struct {
	Number int
	Weeks  [][]Cell
}

type pageData struct {
	Year       int
	Prev, Next int
	Days       []Day
	Months     []Month
	Start, End string
}

func (h *handlers) page(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.render(w, r, p, nil)
}

func (h *handlers) render(w http.ResponseWriter, r *http.Request, p *auth.Principal, errs *i18n.Errors) error {
	year := web.QueryInt(r, "year", time.Now().In(web.Local).Year(), 2000, 2100)
	if v, err := strconv.Atoi(r.PostFormValue("year")); err == nil && v >= 2000 && v <= 2100 {
		year = v
	}
	days, err := h.s.Days(r.Context(), p, year)
	if err != nil {
		return err
	}
	cal, err := h.s.Calendar(r.Context())
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, d := range days {
		names[d.Date] = d.Name
	}
	d := pageData{Year: year, Prev: year - 1, Next: year + 1, Days: days, Start: FormatClock(cal.Start), End: FormatClock(cal.End)}
	for m := 1; m <= 12; m++ {
		first := time.Date(year, time.Month(m), 1, 0, 0, 0, 0, cal.Loc)
		mo := Month{Number: m}
		week := make([]Cell, 7)
		for day := first; day.Month() == first.Month(); day = day.AddDate(0, 0, 1) {
			col := (int(day.Weekday()) + 6) % 7
			date := day.Format(time.DateOnly)
			c := Cell{Day: day.Day(), Date: date, Name: names[date]}
			switch {
			case cal.KindOf(date) == Holiday:
				c.Class = "holiday"
			case cal.KindOf(date) == Workday:
				c.Class = "workday"
			case col >= 5:
				c.Class = "weekend"
			}
			week[col] = c
			if col == 6 {
				mo.Weeks = append(mo.Weeks, week)
				week = make([]Cell, 7)
			}
		}
		if week[0].Day != 0 || week[6].Day != 0 || anyDay(week) {
			mo.Weeks = append(mo.Weeks, week)
		}
		d.Months = append(d.Months, mo)
	}
	v := web.View{Title: i18n.T("calendar.title"), ActiveNav: "/admin/calendar", Data: d, Errors: errs}
	if errs.Any() {
		v.Form = r.PostForm
	}
	return h.srv.Render(w, r, "calendar/calendar.html", v)
}

func anyDay(w []Cell) bool {
	for _, c := range w {
		if c.Day != 0 {
			return true
		}
	}
	return false
}

func (h *handlers) back(r *http.Request) string {
	if len(r.PostFormValue("date")) >= 4 {
		return "/admin/calendar?year=" + r.PostFormValue("date")[:4]
	}
	return "/admin/calendar"
}

func (h *handlers) formErr(w http.ResponseWriter, r *http.Request, p *auth.Principal, err error) error {
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return h.render(w, r, p, verrs)
	}
	return err
}

func (h *handlers) setDay(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	err := h.s.SetDay(r.Context(), p, Day{Date: r.PostFormValue("date"), Kind: r.PostFormValue("kind"), Name: r.PostFormValue("name")})
	if err != nil {
		return h.formErr(w, r, p, err)
	}
	return h.srv.Redirect(w, r, h.back(r), i18n.T("common.saved"))
}

func (h *handlers) deleteDay(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if err := h.s.DeleteDay(r.Context(), p, r.PostFormValue("date")); err != nil {
		return h.formErr(w, r, p, err)
	}
	return h.srv.Redirect(w, r, h.back(r), i18n.T("common.deleted"))
}

func (h *handlers) setHours(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if err := h.s.SetHours(r.Context(), p, r.PostFormValue("start"), r.PostFormValue("end")); err != nil {
		return h.formErr(w, r, p, err)
	}
	return h.srv.Redirect(w, r, "/admin/calendar", i18n.T("common.saved"))
}
