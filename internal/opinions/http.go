package opinions

import (
	"context"
	"embed"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/org"
	"linli/internal/web"
)

//go:embed templates
var templateFS embed.FS

//go:embed static/opinions.css
var cssFile []byte

// Routes registers the staff pages, the portal's and the digest.
func (s *Service) Routes(srv *web.Server) {
	srv.AddTemplates("opinions", templateFS)
	h := &handlers{s: s, srv: srv}
	srv.AddAsset("/opinions/assets/opinions.css", "text/css; charset=utf-8", cssFile)

	srv.Page("GET", "/opinions", PermRead, "", h.listPage)
	srv.Page("GET", "/opinions/new", PermWrite, "", h.newPage)
	srv.Page("POST", "/opinions/new", PermWrite, "", h.create)
	srv.Page("GET", "/opinions/{id}", PermRead, "op_opinion", h.opinionPage)
	srv.Page("GET", "/opinions/{id}/answer", PermWrite, "op_opinion", h.answerPage)
	srv.Page("POST", "/opinions/{id}/answer", PermWrite, "op_opinion", h.answer)
	srv.Page("GET", "/opinions/{id}/case", PermWrite, "op_opinion", h.casePage)
	srv.Page("POST", "/opinions/{id}/case", PermWrite, "op_opinion", h.toCase)
	srv.Page("GET", "/opinions/{id}/close", PermWrite, "op_opinion", h.closePage)
	srv.Page("POST", "/opinions/{id}/close", PermWrite, "op_opinion", h.close)
	srv.Page("POST", "/opinions/{id}/reveal", PermReveal, "op_opinion", h.reveal)

	// A meeting's own pages sit one level deeper than an opinion's actions
	// (/opinions/{id}/answer), whose paths they would otherwise share.
	srv.Page("GET", "/opinions/meetings", PermRead, "", h.meetingsPage)
	srv.Page("GET", "/opinions/meetings/new", PermWrite, "", h.meetingNewPage)
	srv.Page("POST", "/opinions/meetings/new", PermWrite, "", h.meetingCreate)
	srv.Page("GET", "/opinions/meetings/{id}/opinions", PermRead, "op_meeting", h.meetingPage)
	srv.Page("GET", "/opinions/meetings/{id}/add", PermWrite, "op_meeting", h.meetingAddPage)
	srv.Page("POST", "/opinions/meetings/{id}/add", PermWrite, "op_meeting", h.meetingAdd)

	s.digestRoutes(srv, h)
	s.portalRoutes(srv, h)
	srv.AddNav(web.NavItem{Key: "opinions.nav", Href: "/opinions", Perm: PermRead, Order: 27})
	srv.AddNav(web.NavItem{Key: "opinions.portal_nav", Href: "/portal/opinions", Perm: PermPortal, Order: 27})
	s.homeRoutes(srv)
}

type handlers struct {
	s   *Service
	srv *web.Server
}

// placeOption is a community (whole) or a grid a new opinion or meeting may be in.
type placeOption struct {
	Value string // "c<id>" or "g<id>"
	Name  string
}

// places are the communities p holds whole and the grids p reaches.
func (h *handlers) places(ctx context.Context, p *auth.Principal) ([]placeOption, error) {
	if !p.Can(org.PermRead) {
		return nil, nil
	}
	var out []placeOption
	comms, err := h.s.Org.InScope(ctx, p, org.Community)
	if err != nil {
		return nil, err
	}
	names := map[int64]string{}
	for _, c := range comms {
		names[c.ID] = c.Name
		if p.Scope.AllowsCommunity(c.ID) {
			out = append(out, placeOption{Value: "c" + itoa(c.ID), Name: c.Name + i18n.T("opinions.whole_community")})
		}
	}
	grids, err := h.s.Org.InScope(ctx, p, org.Grid)
	if err != nil {
		return nil, err
	}
	for _, g := range grids {
		name := g.Name
		if c := names[g.CommunityID]; c != "" {
			name = c + " · " + g.Name
		}
		out = append(out, placeOption{Value: "g" + itoa(g.ID), Name: name})
	}
	return out, nil
}

// parsePlace reads a place choice ("c12", "g34").
func parsePlace(v string) (community, grid int64) {
	if len(v) < 2 {
		return 0, 0
	}
	n, _ := strconv.ParseInt(v[1:], 10, 64)
	switch v[0] {
	case 'c':
		return n, 0
	case 'g':
		return 0, n
	}
	return 0, 0
}

// ---- the list ----

type listData struct {
	Opinions   []*Opinion
	Pager      web.Pager
	Categories []string
	Sources    []string
	Statuses   []string
	Grids      []*org.Unit
	CanWrite   bool
}

func (h *handlers) listPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	q := r.URL.Query()
	f := Filter{Month: strings.TrimSpace(q.Get("month")), Category: q.Get("category"), Source: q.Get("source"), Status: q.Get("status"),
		GridID: web.QueryID(q, "grid"), Q: q.Get("q"), Late: q.Get("late") == "1"}
	pg := web.NewPager(r, 50)
	f.Offset, f.Limit = pg.Offset(), pg.PerPage
	list, total, err := h.s.List(ctx, p, f)
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return i18n.NewError("bad_request", verrs.Fields[0].Msg.Key, verrs.Fields[0].Msg.Args...)
	}
	if err != nil {
		return err
	}
	pg.Total = total
	d := listData{Opinions: list, Pager: pg, Categories: Categories, Sources: Sources, Statuses: Statuses, CanWrite: p.Can(PermWrite)}
	if p.Can(org.PermRead) {
		if d.Grids, err = h.s.Org.InScope(ctx, p, org.Grid); err != nil {
			return err
		}
	}
	return h.srv.Render(w, r, "opinions/list.html", web.View{Title: i18n.T("opinions.title"), ActiveNav: "/opinions", Data: d})
}

// ---- a new opinion ----

type newData struct {
	Places     []placeOption
	Categories []string
	Sources    []string
	Meeting    *Meeting // prefilled: heard at this meeting
	Visit      *Visit   // prefilled: heard at this visit
	Today      string
}

func (h *handlers) newPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	q := r.URL.Query()
	form := url.Values{"source": {q.Get("source")}, "meeting_id": {q.Get("meeting")}, "record_id": {q.Get("record")}}
	if form.Get("meeting_id") != "" {
		form.Set("source", SourceMeeting)
	}
	if form.Get("record_id") != "" {
		form.Set("source", SourceVisit)
	}
	return h.renderNew(w, r, p, form, nil)
}

func (h *handlers) renderNew(w http.ResponseWriter, r *http.Request, p *auth.Principal, form url.Values, errs *i18n.Errors) error {
	ctx := r.Context()
	d := newData{Categories: Categories, Sources: StaffSources, Today: h.s.today()}
	var err error
	if d.Places, err = h.places(ctx, p); err != nil {
		return err
	}
	if id := web.QueryID(form, "meeting_id"); id != 0 {
		m, err := h.s.GetMeeting(ctx, p, id)
		if err != nil {
			return err
		}
		d.Meeting = m
	}
	if id := web.QueryID(form, "record_id"); id != 0 && h.s.Visits != nil {
		v, err := h.s.Visits.Record(ctx, p, id)
		if err != nil {
			return err
		}
		d.Visit = &v
	}
	return h.srv.Render(w, r, "opinions/new.html", web.View{Title: i18n.T("opinions.new"), ActiveNav: "/opinions", Data: d, Form: form, Errors: errs})
}

func (h *handlers) create(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	comm, grid := parsePlace(r.PostFormValue("place"))
	in := OpinionInput{CommunityID: comm, GridID: grid, Category: r.PostFormValue("category"), Source: r.PostFormValue("source"),
		MeetingID: web.QueryID(r.PostForm, "meeting_id"), RecordID: web.QueryID(r.PostForm, "record_id"), Content: r.PostFormValue("content"),
		PersonID: web.QueryID(r.PostForm, "person_id"), RaiserName: r.PostFormValue("raiser_name"), RaiserPhone: r.PostFormValue("raiser_phone"),
		RaisedOn: r.PostFormValue("raised_on")}
	if in.Source == SourceMeeting || in.Source == SourceVisit {
		// The meeting or the visit says where.
		in.CommunityID, in.GridID = 0, 0
	}
	id, err := h.s.Create(r.Context(), p, in)
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		if f := verrs.Fields[0].Field; f == "community_id" || f == "grid_id" {
			verrs.Add("place", verrs.Fields[0].Msg.Key, verrs.Fields[0].Msg.Args...)
		}
		return h.renderNew(w, r, p, r.PostForm, verrs)
	}
	if err != nil {
		return err
	}
	if in.MeetingID != 0 && in.Source == SourceMeeting {
		return h.srv.Redirect(w, r, "/opinions/meetings/"+itoa(in.MeetingID)+"/opinions", i18n.T("opinions.saved"))
	}
	return h.srv.Redirect(w, r, "/opinions/"+itoa(id), i18n.T("opinions.saved"))
}

// ---- one opinion ----

type opinionData struct {
	O       *Opinion
	Access  Access
	Meeting *Meeting
	Phone   string // revealed
}

func (h *handlers) opinionPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	return h.renderOpinion(w, r, p, id, "")
}

func (h *handlers) renderOpinion(w http.ResponseWriter, r *http.Request, p *auth.Principal, id int64, phone string) error {
	ctx := r.Context()
	o, acc, err := h.s.Get(ctx, p, id)
	if err != nil {
		return err
	}
	d := opinionData{O: o, Access: acc, Phone: phone}
	if o.MeetingID != 0 {
		if d.Meeting, err = h.s.GetMeeting(ctx, p, o.MeetingID); err != nil && !errors.Is(err, auth.ErrNotFound) {
			return err
		}
	}
	return h.srv.Render(w, r, "opinions/opinion.html", web.View{Title: i18n.T("opinions.one") + " · " + clip(o.Content, 20), ActiveNav: "/opinions", Data: d})
}

func (h *handlers) reveal(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	phone, err := h.s.RevealPhone(r.Context(), p, id)
	if err != nil {
		return err
	}
	return h.renderOpinion(w, r, p, id, phone)
}

// actionData is an action's own page: the opinion and the form.
type actionData struct {
	O     *Opinion
	Types []CaseType
}

// actionPage shows the form of one action (answer, case, close) if the
// opinion allows it.
func (h *handlers) actionPage(w http.ResponseWriter, r *http.Request, p *auth.Principal, page string, allowed func(Access) bool, errs *i18n.Errors) error {
	ctx := r.Context()
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	o, acc, err := h.s.Get(ctx, p, id)
	if err != nil {
		return err
	}
	if !allowed(acc) {
		return i18n.NewError("conflict", "opinions.err_not_open")
	}
	d := actionData{O: o}
	form := url.Values{}
	if r.Method == http.MethodPost {
		form = r.PostForm
	}
	if page == "case" {
		if d.Types, err = h.s.CaseTypes(ctx, p); err != nil {
			return err
		}
		if r.Method != http.MethodPost {
			form.Set("title", clip(o.Content, 40))
			form.Set("kind", "request:"+caseCategoryFor(o.Category))
		}
	}
	if page == "answer" && r.Method != http.MethodPost {
		form.Set("answer", o.Answer)
	}
	return h.srv.Render(w, r, "opinions/"+page+".html", web.View{Title: i18n.T(actionTitles[page]) + " · " + clip(o.Content, 20), ActiveNav: "/opinions",
		Data: d, Form: form, Errors: errs})
}

// caseCategoryFor is the request category an opinion's category most likely is.
func caseCategoryFor(category string) string {
	return map[string]string{"environment": "sanitation", "property": "property", "traffic": "parking", "policy": "consult"}[category]
}

// actionTitles are the action pages' titles.
var actionTitles = map[string]string{"answer": "opinions.do_answer", "case": "opinions.do_case", "close": "opinions.do_close"}

func (h *handlers) answerPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.actionPage(w, r, p, "answer", func(a Access) bool { return a.Answer }, nil)
}

func (h *handlers) casePage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.actionPage(w, r, p, "case", func(a Access) bool { return a.ToCase }, nil)
}

func (h *handlers) closePage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.actionPage(w, r, p, "close", func(a Access) bool { return a.Close }, nil)
}

func (h *handlers) answer(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.act(w, r, p, "answer", "answer", func(a Access) bool { return a.Answer }, h.s.Answer, "opinions.answered")
}

func (h *handlers) close(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.act(w, r, p, "close", "note", func(a Access) bool { return a.Close }, h.s.Close, "opinions.closed")
}

// act posts an opinion's action whose form is one text (field): done, back
// to the opinion with flash; refused, the action's page again with its
// messages.
func (h *handlers) act(w http.ResponseWriter, r *http.Request, p *auth.Principal, action, field string, may func(Access) bool,
	do func(context.Context, *auth.Principal, int64, string) error, flash string) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	err = do(r.Context(), p, id, r.PostFormValue(field))
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return h.actionPage(w, r, p, action, may, verrs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/opinions/"+itoa(id), i18n.T(flash))
}

func (h *handlers) toCase(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	typ, cat, _ := strings.Cut(r.PostFormValue("kind"), ":")
	caseID, number, err := h.s.ToCase(r.Context(), p, id, ToCaseInput{Type: typ, Category: cat, Title: r.PostFormValue("title")})
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		for _, f := range verrs.Fields {
			if f.Field == "type" || f.Field == "category" {
				verrs.Add("kind", f.Msg.Key, f.Msg.Args...)
			}
		}
		return h.actionPage(w, r, p, "case", func(a Access) bool { return a.ToCase }, verrs)
	}
	if err != nil {
		return err
	}
	_ = caseID
	return h.srv.Redirect(w, r, "/opinions/"+itoa(id), i18n.T("opinions.case_made", "number", number))
}

// ---- meetings ----

type meetingsData struct {
	Meetings []*Meeting
	CanWrite bool
}

func (h *handlers) meetingsPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	list, err := h.s.ListMeetings(r.Context(), p, 200)
	if err != nil {
		return err
	}
	return h.srv.Render(w, r, "opinions/meetings.html", web.View{Title: i18n.T("opinions.meetings"), ActiveNav: "/opinions",
		Data: meetingsData{Meetings: list, CanWrite: p.Can(PermWrite)}})
}

type meetingFormData struct {
	Places []placeOption
	Kinds  []string
	Today  string
}

func (h *handlers) renderMeetingNew(w http.ResponseWriter, r *http.Request, p *auth.Principal, form url.Values, errs *i18n.Errors) error {
	places, err := h.places(r.Context(), p)
	if err != nil {
		return err
	}
	return h.srv.Render(w, r, "opinions/meeting_new.html", web.View{Title: i18n.T("opinions.meeting_new"), ActiveNav: "/opinions",
		Data: meetingFormData{Places: places, Kinds: MeetingKinds, Today: h.s.today()}, Form: form, Errors: errs})
}

func (h *handlers) meetingNewPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderMeetingNew(w, r, p, url.Values{"kind": {"representatives"}, "held_on": {h.s.today()}}, nil)
}

func (h *handlers) meetingCreate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	comm, grid := parsePlace(r.PostFormValue("place"))
	errs := &i18n.Errors{}
	n := 0
	if v := strings.TrimSpace(r.PostFormValue("attendees")); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			errs.Add("attendees", "err.number", "field", i18n.T("opinions.attendees"))
			return h.renderMeetingNew(w, r, p, r.PostForm, errs)
		}
	}
	id, err := h.s.CreateMeeting(r.Context(), p, MeetingInput{CommunityID: comm, GridID: grid, Kind: r.PostFormValue("kind"), Title: r.PostFormValue("title"),
		HeldOn: r.PostFormValue("held_on"), Place: r.PostFormValue("place_name"), Attendees: n, Note: r.PostFormValue("note")})
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		for _, f := range verrs.Fields {
			if f.Field == "community_id" || f.Field == "grid_id" {
				verrs.Add("place", f.Msg.Key, f.Msg.Args...)
			}
		}
		return h.renderMeetingNew(w, r, p, r.PostForm, verrs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/opinions/meetings/"+itoa(id)+"/add", i18n.T("opinions.meeting_saved"))
}

type meetingData struct {
	M          *Meeting
	Opinions   []*Opinion
	CanWrite   bool
	Categories []string
	Rows       []int
}

func (h *handlers) meetingPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	m, err := h.s.GetMeeting(ctx, p, id)
	if err != nil {
		return err
	}
	list, _, err := h.s.List(ctx, p, Filter{MeetingID: m.ID, Limit: 500})
	if err != nil {
		return err
	}
	return h.srv.Render(w, r, "opinions/meeting.html", web.View{Title: m.Title, ActiveNav: "/opinions",
		Data: meetingData{M: m, Opinions: list, CanWrite: p.Can(PermWrite)}})
}

// addRows is how many opinions the meeting's form takes at once.
const addRows = 5

func (h *handlers) renderMeetingAdd(w http.ResponseWriter, r *http.Request, p *auth.Principal, form url.Values, errs *i18n.Errors) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	m, err := h.s.GetMeeting(r.Context(), p, id)
	if err != nil {
		return err
	}
	d := meetingData{M: m, Categories: Categories}
	for i := range addRows {
		d.Rows = append(d.Rows, i)
	}
	return h.srv.Render(w, r, "opinions/meeting_add.html", web.View{Title: i18n.T("opinions.meeting_add") + " · " + m.Title, ActiveNav: "/opinions",
		Data: d, Form: form, Errors: errs})
}

func (h *handlers) meetingAddPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderMeetingAdd(w, r, p, nil, nil)
}

// meetingAdd records the opinions of the filled rows of the form at once;
// rows left empty are not opinions.
func (h *handlers) meetingAdd(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	m, err := h.s.GetMeeting(r.Context(), p, id)
	if err != nil {
		return err
	}
	var list []OpinionInput
	var rows []int
	for i := range addRows {
		k := strconv.Itoa(i) + "."
		content, name := r.PostFormValue(k+"content"), r.PostFormValue(k+"raiser_name")
		if strings.TrimSpace(content) == "" && strings.TrimSpace(name) == "" {
			continue
		}
		list = append(list, OpinionInput{Source: SourceMeeting, MeetingID: m.ID, Category: r.PostFormValue(k + "category"), Content: content, RaiserName: name})
		rows = append(rows, i)
	}
	if len(list) == 0 {
		errs := &i18n.Errors{}
		errs.Add("0.content", "err.required", "field", i18n.T("opinions.content"))
		return h.renderMeetingAdd(w, r, p, r.PostForm, errs)
	}
	_, err = h.s.CreateMany(r.Context(), p, list)
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		// The service numbers the rows it was given; the form numbers all.
		out := &i18n.Errors{}
		for _, f := range verrs.Fields {
			field := f.Field
			if len(list) == 1 {
				field = "0." + field
			}
			if i, rest, ok := strings.Cut(field, "."); ok {
				if n, err := strconv.Atoi(i); err == nil && n < len(rows) {
					field = strconv.Itoa(rows[n]) + "." + rest
				}
			}
			out.Fields = append(out.Fields, i18n.FieldError{Field: field, Msg: f.Msg})
		}
		return h.renderMeetingAdd(w, r, p, r.PostForm, out)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/opinions/meetings/"+itoa(m.ID)+"/opinions", i18n.T("opinions.added", "n", len(list)))
}
