package venues

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/locale"
	"linli/internal/org"
	"linli/internal/web"
)

//go:embed templates
var templateFS embed.FS

//go:embed static/venues.css
var cssFile []byte

// Routes registers the venue pages. A venue's own sub-pages sit one level
// deeper (/venues/{id}/weekly/new) than a booking's (/venues/bookings/{id}),
// whose paths they would otherwise share; a booking is made by posting the
// venue's week page.
func (s *Service) Routes(srv *web.Server) {
	srv.AddTemplates("venues", templateFS)
	h := &handlers{s: s, srv: srv}
	srv.AddAsset("/venues/assets/venues.css", "text/css; charset=utf-8", cssFile)

	srv.Page("GET", "/venues", PermRead, "", h.listPage)
	srv.Page("GET", "/venues/export", PermRead, "", h.listExport)
	srv.Page("GET", "/venues/new", PermManage, "", h.newPage)
	srv.Page("POST", "/venues/new", PermManage, "", h.create)
	srv.Page("GET", "/venues/day", PermRead, "", h.dayPage)
	srv.Page("GET", "/venues/{id}", PermRead, "venue", h.weekPage)
	srv.Page("POST", "/venues/{id}", PermBook, "venue", h.book)
	srv.Page("GET", "/venues/{id}/info/edit", PermManage, "venue", h.editPage)
	srv.Page("POST", "/venues/{id}/info/edit", PermManage, "venue", h.update)
	srv.Page("GET", "/venues/{id}/weekly/new", PermBook, "venue", h.seriesPage)
	srv.Page("POST", "/venues/{id}/weekly/new", PermBook, "venue", h.series)

	srv.Page("GET", "/venues/bookings", PermRead, "", h.bookingsPage)
	srv.Page("GET", "/venues/bookings/export", PermRead, "", h.bookingsExport)
	srv.Page("GET", "/venues/bookings/{id}", PermRead, "venue_booking", h.bookingPage)
	for _, op := range bookingOps {
		perm := PermManage
		if op == "cancel" {
			perm = PermBook
		}
		srv.Page("GET", "/venues/bookings/{id}/"+op, perm, "venue_booking", h.opPage(op))
		srv.Page("POST", "/venues/bookings/{id}/"+op, perm, "venue_booking", h.op(op))
	}
	s.usageRoutes(srv, h)
	s.seriesRoutes(srv, h)
	s.portalRoutes(srv, h)

	srv.AddNav(web.NavItem{Key: "venues.nav", Href: "/venues", Perm: PermRead, Order: 28})
	srv.AddNav(web.NavItem{Key: "venues.portal_nav", Href: "/portal/venues", Perm: PermPortal, Order: 28})
	s.homeRoutes(srv)
}

// bookingOps are a booking's changes, each a form on a page of its own.
var bookingOps = []string{"approve", "refuse", "cancel"}

var _ = i18n.Family("venues.op.", bookingOps...)

type handlers struct {
	s   *Service
	srv *web.Server
}

func formInt(r *http.Request, k string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue(k)))
	return n
}

// communities are the communities (and streets) whose venues p sees, for
// the filters.
func (h *handlers) communities(ctx context.Context, p *auth.Principal) ([]*org.Unit, error) {
	return h.s.Org.InScope(ctx, p, org.Community)
}

// ---- the list ----

type listData struct {
	Venues      []*Venue
	Communities []*org.Unit
	Kinds       []string
	CanManage   bool
	Pending     int
}

func venueFilter(r *http.Request) VenueFilter {
	q := r.URL.Query()
	return VenueFilter{CommunityID: web.QueryID(q, "community"), Kind: q.Get("kind"), Q: q.Get("q")}
}

func (h *handlers) listPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	list, err := h.s.ListVenues(ctx, p, venueFilter(r))
	if err != nil {
		return err
	}
	d := listData{Venues: list, Kinds: Kinds, CanManage: p.Can(PermManage)}
	if d.Communities, err = h.communities(ctx, p); err != nil {
		return err
	}
	if _, d.Pending, err = h.s.ListBookings(ctx, p, Filter{Status: StatusPending, Limit: 1}); err != nil {
		return err
	}
	return h.srv.Render(w, r, "venues/list.html", web.View{Title: i18n.T("venues.title"), ActiveNav: "/venues", Data: d})
}

// ---- a venue: new, edit ----

type venueFormData struct {
	V        *Venue
	Places   []*org.Unit
	Kinds    []string
	Weekdays []string
	Hours    Hours
}

func (h *handlers) newPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderVenueForm(w, r, p, nil, nil)
}

func (h *handlers) renderVenueForm(w http.ResponseWriter, r *http.Request, p *auth.Principal, v *Venue, errs *i18n.Errors) error {
	d := venueFormData{V: v, Kinds: Kinds, Weekdays: Weekdays}
	title := i18n.T("venues.new")
	if v != nil {
		d.Hours = v.Hours
		title = i18n.T("venues.edit_title", "name", v.Name)
	} else {
		d.Hours = ParseHours("")
		places, err := h.s.Places(r.Context(), p)
		if err != nil {
			return err
		}
		d.Places = places
	}
	view := web.View{Title: title, ActiveNav: "/venues", Data: d, Errors: errs}
	if errs.Any() {
		view.Form = r.PostForm
	}
	return h.srv.Render(w, r, "venues/venue_form.html", view)
}

func venueInput(r *http.Request) VenueInput {
	in := VenueInput{OrgID: web.QueryID(r.PostForm, "org_id"), Name: r.PostFormValue("name"), Kind: r.PostFormValue("kind"), Capacity: formInt(r, "capacity"),
		Equipment: r.PostFormValue("equipment"), Note: r.PostFormValue("note"), BookStaff: r.PostFormValue("book_staff") == "1",
		BookTeams: r.PostFormValue("book_teams") == "1", BookResidents: r.PostFormValue("book_residents") == "1",
		NeedsApproval: r.PostFormValue("needs_approval") == "1", Active: r.PostFormValue("active") != "0"}
	for _, wd := range Weekdays {
		in.Hours[weekdayNum(wd)] = r.PostFormValue("hours_" + wd)
	}
	return in
}

func (h *handlers) create(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := h.s.CreateVenue(r.Context(), p, venueInput(r))
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return h.renderVenueForm(w, r, p, nil, verrs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/venues/"+itoa(id), i18n.T("venues.created"))
}

func (h *handlers) editPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	v, err := h.manageable(r, p)
	if err != nil {
		return err
	}
	return h.renderVenueForm(w, r, p, v, nil)
}

func (h *handlers) manageable(r *http.Request, p *auth.Principal) (*Venue, error) {
	id, err := web.PathID(r, "id")
	if err != nil {
		return nil, err
	}
	v, err := h.s.Get(r.Context(), p, id)
	if err != nil {
		return nil, err
	}
	if !v.Access.Manage {
		return nil, auth.ErrForbidden
	}
	return v, nil
}

func (h *handlers) update(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	v, err := h.manageable(r, p)
	if err != nil {
		return err
	}
	err = h.s.UpdateVenue(r.Context(), p, v.ID, venueInput(r))
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return h.renderVenueForm(w, r, p, v, verrs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/venues/"+itoa(v.ID), i18n.T("venues.saved"))
}

// ---- the week ----

// dayCol is one day of a venue's week: its hours, the bookings and the
// free stretches between them.
type dayCol struct {
	Day, Weekday string
	Today        bool
	Hours        string // "" closed
	Items        []dayItem
}

// dayItem is a booking or a free stretch of a day.
type dayItem struct {
	B          *Booking
	Busy       *Busy
	Free       bool
	From, To   string // "08:00"
	StartsAtMS int64
}

type weekData struct {
	V          *Venue
	Week       string // its Monday
	Prev, Next string
	Days       []dayCol
	Times      []string // the form's choices, every 30 minutes
	BookerKind []string
	Booking    bool // the form is shown
	Portal     bool
	Mine       []*Booking
	// Staff booking for a resident: the people found by Who (or the one
	// picked), to choose from.
	Who   string
	Found []Person
}

// weekOf returns the Monday of the week holding day ("" today).
func (s *Service) weekOf(day string) time.Time {
	t, err := time.ParseInLocation(dayLayout, day, locale.Zone)
	if err != nil {
		n := s.now().In(locale.Zone)
		t = time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, locale.Zone)
	}
	off := (int(t.Weekday()) + 6) % 7
	return t.AddDate(0, 0, -off)
}

// times are the form's choices of time.
func times() []string {
	var out []string
	for m := 0; m <= 24*60; m += 30 {
		out = append(out, fmt.Sprintf("%02d:%02d", m/60, m%60))
	}
	return out
}

func hhmm(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// buildWeek lays out the days of the week from monday, with the held
// stretches (staff see the bookings, residents only busy times).
func (s *Service) buildWeek(v *Venue, monday time.Time, held []*Booking, busy []Busy) []dayCol {
	today := s.now().In(locale.Zone).Format(dayLayout)
	var out []dayCol
	for i := 0; i < 7; i++ {
		d := monday.AddDate(0, 0, i)
		day := d.Format(dayLayout)
		col := dayCol{Day: day, Weekday: i18n.T("venues.weekday." + itoa(int64(d.Weekday()))), Today: day == today, Hours: v.Hours[d.Weekday()]}
		open, close, ok := v.Hours.Open(d.Weekday())
		type stretch struct {
			from, to int
			b        *Booking
			busy     *Busy
		}
		var items []stretch
		minute := func(ms int64) int {
			t := time.UnixMilli(ms).In(locale.Zone)
			if t.Format(dayLayout) != day {
				if t.Before(d) {
					return 0
				}
				return 24 * 60
			}
			return t.Hour()*60 + t.Minute()
		}
		for _, b := range held {
			if dayOf(b.StartsAt) == day {
				items = append(items, stretch{minute(b.StartsAt), minute(b.EndsAt), b, nil})
			}
		}
		for i := range busy {
			if dayOf(busy[i].StartsAt) == day {
				items = append(items, stretch{minute(busy[i].StartsAt), minute(busy[i].EndsAt), nil, &busy[i]})
			}
		}
		cur := open
		for _, it := range items {
			if ok && it.from > cur {
				col.Items = append(col.Items, dayItem{Free: true, From: hhmm(cur), To: hhmm(it.from)})
			}
			col.Items = append(col.Items, dayItem{B: it.b, Busy: it.busy, From: hhmm(it.from), To: hhmm(it.to)})
			cur = max(cur, it.to)
		}
		if ok && cur < close {
			col.Items = append(col.Items, dayItem{Free: true, From: hhmm(cur), To: hhmm(close)})
		}
		out = append(out, col)
	}
	return out
}

func (h *handlers) weekPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderWeek(w, r, p, http.StatusOK, nil)
}

func (h *handlers) renderWeek(w http.ResponseWriter, r *http.Request, p *auth.Principal, status int, errs *i18n.Errors) error {
	ctx := r.Context()
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	v, err := h.s.Get(ctx, p, id)
	if err != nil {
		return err
	}
	week := r.URL.Query().Get("week")
	if week == "" && r.Method == http.MethodPost {
		week = r.PostFormValue("day")
	}
	monday := h.s.weekOf(week)
	held, err := h.s.Held(ctx, p, v, monday.UnixMilli(), monday.AddDate(0, 0, 7).UnixMilli())
	if err != nil {
		return err
	}
	d := weekData{V: v, Week: monday.Format(dayLayout), Prev: monday.AddDate(0, 0, -7).Format(dayLayout), Next: monday.AddDate(0, 0, 7).Format(dayLayout),
		Days: h.s.buildWeek(v, monday, held, nil), Times: times(), Booking: v.Access.Book}
	for _, k := range []string{BookerStaff, BookerTeam, BookerResident} {
		if (k == BookerStaff && v.BookStaff) || (k == BookerTeam && v.BookTeams) || (k == BookerResident && v.BookResidents && h.s.People != nil) {
			d.BookerKind = append(d.BookerKind, k)
		}
	}
	q := r.URL.Query()
	d.Who = strings.TrimSpace(q.Get("who"))
	if v.Access.Book && slices.Contains(d.BookerKind, BookerResident) {
		if d.Found, err = h.s.FindPeople(ctx, p, d.Who); err != nil {
			return err
		}
		// The person picked (a refused form, a link from their file) stays
		// a choice.
		if pid := web.QueryID(r.PostForm, "person_id"); pid != 0 || web.QueryID(q, "person") != 0 {
			if pid == 0 {
				pid = web.QueryID(q, "person")
			}
			if per, err := h.s.People.Person(ctx, p, pid); err == nil && !slices.ContainsFunc(d.Found, func(f Person) bool { return f.ID == pid }) {
				d.Found = append([]Person{per}, d.Found...)
			}
		}
	}
	view := web.View{Title: v.Name, ActiveNav: "/venues", Data: d, Errors: errs}
	if errs.Any() {
		view.Form = r.PostForm
	} else {
		// A tap on a free stretch opens the form on that day and time; a
		// search for a resident, on booking for them.
		view.Form = url.Values{"day": {q.Get("day")}, "start": {q.Get("start")}, "end": {q.Get("end")}}
		if len(d.Found) > 0 {
			view.Form.Set("booker_kind", BookerResident)
			if len(d.Found) == 1 {
				view.Form.Set("person_id", itoa(d.Found[0].ID))
			}
		}
	}
	return h.srv.RenderStatus(w, r, status, "venues/week.html", view)
}

// formTimes reads the form's day, start and end.
func formTimes(r *http.Request) (from, to time.Time) {
	day := strings.TrimSpace(r.PostFormValue("day"))
	return at(day, r.PostFormValue("start")), at(day, r.PostFormValue("end"))
}

// refusal turns a service's refusal into the form's errors and status: the
// fields' problems (422) or a taken time (409), shown at the start field.
func refusal(err error) (*i18n.Errors, int, bool) {
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return verrs, http.StatusUnprocessableEntity, true
	}
	var ie *i18n.Error
	if errors.As(err, &ie) && ie.Code == "conflict" {
		return &i18n.Errors{Fields: []i18n.FieldError{{Field: "starts_at", Msg: ie.Msg}}}, http.StatusConflict, true
	}
	return nil, 0, false
}

func (h *handlers) book(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	from, to := formTimes(r)
	if r.PostFormValue("day") == "" {
		from = time.Time{}
	}
	bid, err := h.s.Book(r.Context(), p, BookInput{VenueID: id, Title: r.PostFormValue("title"), Purpose: r.PostFormValue("purpose"),
		BookerKind: r.PostFormValue("booker_kind"), Team: r.PostFormValue("team"), Contact: r.PostFormValue("contact"), Attendees: formInt(r, "attendees"),
		StartsAt: from, EndsAt: to, PersonID: web.QueryID(r.PostForm, "person_id")})
	if errs, status, ok := refusal(err); ok {
		return h.renderWeek(w, r, p, status, errs)
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
	return h.srv.Redirect(w, r, "/venues/"+itoa(id)+"?week="+b.Day, msg)
}

// ---- recurring ----

type seriesData struct {
	V          *Venue
	Times      []string
	Weekdays   []string
	BookerKind []string
	Picked     map[string]bool
}

func (h *handlers) seriesPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderSeries(w, r, p, http.StatusOK, nil)
}

func (h *handlers) renderSeries(w http.ResponseWriter, r *http.Request, p *auth.Principal, status int, errs *i18n.Errors) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	v, err := h.s.Get(r.Context(), p, id)
	if err != nil {
		return err
	}
	if !v.Access.Book {
		return auth.ErrForbidden
	}
	d := seriesData{V: v, Times: times(), Weekdays: Weekdays, Picked: map[string]bool{}}
	if v.BookStaff {
		d.BookerKind = append(d.BookerKind, BookerStaff)
	}
	if v.BookTeams {
		d.BookerKind = append(d.BookerKind, BookerTeam)
	}
	view := web.View{Title: i18n.T("venues.series_title", "name", v.Name), ActiveNav: "/venues", Data: d, Errors: errs}
	if errs.Any() {
		view.Form = r.PostForm
		for _, wd := range r.PostForm["weekdays"] {
			d.Picked[wd] = true
		}
		view.Data = d
	}
	return h.srv.RenderStatus(w, r, status, "venues/series.html", view)
}

func (h *handlers) series(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	except := strings.FieldsFunc(r.PostFormValue("except"), func(c rune) bool { return c == ',' || c == '，' || c == '、' || c == ' ' || c == '\n' || c == '\r' })
	_, n, err := h.s.BookSeries(r.Context(), p, SeriesInput{VenueID: id, Title: r.PostFormValue("title"), Purpose: r.PostFormValue("purpose"),
		BookerKind: r.PostFormValue("booker_kind"), Team: r.PostFormValue("team"), Contact: r.PostFormValue("contact"), Attendees: formInt(r, "attendees"),
		Weekdays: r.PostForm["weekdays"], From: r.PostFormValue("from"), To: r.PostFormValue("to"), StartTime: r.PostFormValue("start"),
		EndTime: r.PostFormValue("end"), Except: except})
	if errs, status, ok := refusal(err); ok {
		return h.renderSeries(w, r, p, status, errs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/venues/"+itoa(id)+"?week="+r.PostFormValue("from"), i18n.T("venues.series_done", "n", n))
}

// ---- the day of all venues ----

type dayData struct {
	Day, Prev, Next string
	Weekday         string
	Rows            []dayRow
	Communities     []*org.Unit
	Community       int64
}

type dayRow struct {
	V     *Venue
	Hours string
	Items []*Booking
}

func (h *handlers) dayPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	q := r.URL.Query()
	t, err := time.ParseInLocation(dayLayout, q.Get("date"), locale.Zone)
	if err != nil {
		n := h.s.now().In(locale.Zone)
		t = time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, locale.Zone)
	}
	day := t.Format(dayLayout)
	community := web.QueryID(q, "community")
	d := dayData{Day: day, Prev: t.AddDate(0, 0, -1).Format(dayLayout), Next: t.AddDate(0, 0, 1).Format(dayLayout), Community: community,
		Weekday: i18n.T("venues.weekday." + itoa(int64(t.Weekday())))}
	if d.Communities, err = h.communities(ctx, p); err != nil {
		return err
	}
	venues, err := h.s.ListVenues(ctx, p, VenueFilter{CommunityID: community, ActiveOnly: true})
	if err != nil {
		return err
	}
	list, err := h.s.DayBookings(ctx, p, community, day)
	if err != nil {
		return err
	}
	by := map[int64][]*Booking{}
	for _, b := range list {
		by[b.VenueID] = append(by[b.VenueID], b)
	}
	for _, v := range venues {
		d.Rows = append(d.Rows, dayRow{V: v, Hours: v.Hours[t.Weekday()], Items: by[v.ID]})
	}
	return h.srv.Render(w, r, "venues/day.html", web.View{Title: i18n.T("venues.day_title", "day", day), ActiveNav: "/venues", Data: d})
}

// ---- bookings ----

type bookingsData struct {
	Bookings  []*Booking
	Pager     web.Pager
	Venues    []*Venue
	Statuses  []string
	Kinds     []string
	CanManage bool
}

func bookingFilter(r *http.Request) Filter {
	q := r.URL.Query()
	f := Filter{VenueID: web.QueryID(q, "venue"), Status: q.Get("status"), BookerKind: q.Get("kind"), From: q.Get("from"), To: q.Get("to"), Q: q.Get("q")}
	if !validDay(f.From) {
		f.From = ""
	}
	if !validDay(f.To) {
		f.To = ""
	}
	return f
}

func (h *handlers) bookingsPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	pg := web.NewPager(r, 30)
	f := bookingFilter(r)
	f.Limit, f.Offset = pg.PerPage, pg.Offset()
	list, total, err := h.s.ListBookings(ctx, p, f)
	if err != nil {
		return err
	}
	pg.Total = total
	venues, err := h.s.ListVenues(ctx, p, VenueFilter{})
	if err != nil {
		return err
	}
	return h.srv.Render(w, r, "venues/bookings.html", web.View{Title: i18n.T("venues.bookings_title"), ActiveNav: "/venues",
		Data: bookingsData{Bookings: list, Pager: pg, Venues: venues, Statuses: Statuses, Kinds: BookerKinds, CanManage: p.Can(PermManage)}})
}

type bookingData struct {
	B      *Booking
	Op     string
	Others []*Booking // the rest of its series
}

func (h *handlers) bookingPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderBooking(w, r, p, "", http.StatusOK, nil)
}

func (h *handlers) renderBooking(w http.ResponseWriter, r *http.Request, p *auth.Principal, op string, status int, errs *i18n.Errors) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	b, err := h.s.GetBooking(r.Context(), p, id)
	if err != nil {
		return err
	}
	if err := h.s.mayDo(p, b, op); err != nil {
		return err
	}
	title := b.Title
	if op != "" {
		title = i18n.T("venues.op."+op) + "：" + b.Title
	}
	view := web.View{Title: title, ActiveNav: "/venues", Data: bookingData{B: b, Op: op}, Errors: errs}
	if errs.Any() {
		view.Form = r.PostForm
	}
	return h.srv.RenderStatus(w, r, status, "venues/booking.html", view)
}

func (h *handlers) opPage(op string) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		return h.renderBooking(w, r, p, op, http.StatusOK, nil)
	}
}

func (h *handlers) op(op string) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		id, err := web.PathID(r, "id")
		if err != nil {
			return err
		}
		note := r.PostFormValue("note")
		switch op {
		case "approve":
			err = h.s.Approve(r.Context(), p, id, note)
		case "refuse":
			err = h.s.Refuse(r.Context(), p, id, note)
		default:
			err = h.s.Cancel(r.Context(), p, id, note)
		}
		var verrs *i18n.Errors
		if errors.As(err, &verrs) {
			return h.renderBooking(w, r, p, op, http.StatusUnprocessableEntity, verrs)
		}
		if err != nil {
			return err
		}
		return h.srv.Redirect(w, r, "/venues/bookings/"+itoa(id), i18n.T("venues.done."+op))
	}
}

var _ = i18n.Family("venues.done.", bookingOps...)
