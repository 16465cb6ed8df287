package volunteers

import (
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

//go:embed static/volunteers.css
var cssFile []byte

// Routes registers the volunteer pages. A volunteer's own sub-pages sit two
// levels below it (/volunteers/{id}/hours/new) and end in words the teams'
// and records' pages (/volunteers/teams/{id}/add) do not use, so that no
// path matches two patterns.
func (s *Service) Routes(srv *web.Server) {
	srv.AddTemplates("volunteers", templateFS)
	srv.AddAsset("/volunteers/assets/volunteers.css", "text/css; charset=utf-8", cssFile)
	h := &handlers{s: s, srv: srv}

	srv.Page("GET", "/volunteers", PermRead, "", h.listPage)
	srv.Page("GET", "/volunteers/export", PermRead, "", h.listExport)
	srv.Page("GET", "/volunteers/new", PermWrite, "", h.newPage)
	srv.Page("POST", "/volunteers/new", PermWrite, "", h.create)
	srv.Page("GET", "/volunteers/{id}", PermRead, "volunteer", h.volunteerPage)
	srv.Page("POST", "/volunteers/{id}/phone/reveal", PermReveal, "volunteer", h.revealPhone)
	for _, op := range volunteerOps {
		perm := PermWrite
		if op.Confirm {
			perm = PermConfirm
		}
		srv.Page("GET", "/volunteers/{id}/"+op.Path, perm, "volunteer", h.opPage(op))
		srv.Page("POST", "/volunteers/{id}/"+op.Path, perm, "volunteer", h.op(op))
	}

	srv.Page("GET", "/volunteers/teams", PermRead, "", h.teamsPage)
	srv.Page("GET", "/volunteers/teams/export", PermRead, "", h.teamsExport)
	srv.Page("GET", "/volunteers/teams/new", PermConfirm, "", h.teamNewPage)
	srv.Page("POST", "/volunteers/teams/new", PermConfirm, "", h.teamCreate)
	srv.Page("GET", "/volunteers/teams/{id}", PermRead, "vol_team", h.teamPage)
	srv.Page("GET", "/volunteers/teams/{id}/change", PermConfirm, "vol_team", h.teamEditPage)
	srv.Page("POST", "/volunteers/teams/{id}/change", PermConfirm, "vol_team", h.teamUpdate)
	srv.Page("GET", "/volunteers/teams/{id}/add", PermWrite, "vol_team", h.teamAddPage)
	srv.Page("POST", "/volunteers/teams/{id}/add", PermWrite, "vol_team", h.teamAdd)
	srv.Page("GET", "/volunteers/teams/{id}/remove", PermWrite, "vol_team", h.teamRemovePage)
	srv.Page("POST", "/volunteers/teams/{id}/remove", PermWrite, "vol_team", h.teamRemove)

	srv.Page("GET", "/volunteers/records", PermRead, "", h.recordsPage)
	srv.Page("GET", "/volunteers/records/export", PermRead, "", h.recordsExport)
	for _, op := range []string{"accept", "refuse"} {
		srv.Page("GET", "/volunteers/records/{id}/"+op, PermConfirm, "vol_record", h.recordOpPage(op))
		srv.Page("POST", "/volunteers/records/{id}/"+op, PermConfirm, "vol_record", h.recordOp(op))
	}

	srv.Page("GET", "/volunteers/experts", PermRead, "", h.expertsPage)
	srv.Page("GET", "/volunteers/experts/export", PermRead, "", h.expertsExport)
	srv.Page("GET", "/volunteers/experts/new", PermWrite, "", h.expertNewPage)
	srv.Page("POST", "/volunteers/experts/new", PermWrite, "", h.expertCreate)

	srv.Page("GET", "/volunteers/bands", PermBands, "", h.bandsPage)
	srv.Page("POST", "/volunteers/bands", PermBands, "", h.bandsSave)

	s.portalRoutes(srv, h)
	srv.AddNav(web.NavItem{Key: "volunteers.nav", Href: "/volunteers", Perm: PermRead, Order: 29})
	srv.AddNav(web.NavItem{Key: "volunteers.portal_nav", Href: "/portal/volunteer", Perm: PermPortal, Order: 29})
	srv.AddTodo(s)
}

// volunteerOp is a change of a volunteer, a form on a page of its own.
type volunteerOp struct {
	Path    string // under /volunteers/{id}/
	Key     string // its name in the catalogue: volunteers.op.<key>
	Confirm bool   // needs PermConfirm
}

var volunteerOps = []volunteerOp{
	{"info/edit", "edit", false},
	{"hours/new", "hours", false},
	{"team/join", "join", false},
	{"status/confirm", "confirm", true},
	{"status/leave", "leave", true},
	{"certificate/print", "certificate", true},
}

var _ = i18n.Family("volunteers.op.", "edit", "hours", "join", "confirm", "leave", "certificate", "accept", "refuse")

type handlers struct {
	s   *Service
	srv *web.Server
}

func formInt(r *http.Request, k string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue(k)))
	return n
}

// ---- the list ----

type listData struct {
	Volunteers     []*Volunteer
	Communities    []*org.Unit
	Teams          []*Team
	Statuses       []string
	CanWrite       bool
	CanImport      bool
	CanBands       bool
	PendingRecords int
}

func volunteerFilter(r *http.Request) Filter {
	q := r.URL.Query()
	return Filter{CommunityID: web.QueryID(q, "community"), Status: q.Get("status"), TeamID: web.QueryID(q, "team"), Q: q.Get("q")}
}

func (h *handlers) listPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	list, err := h.s.List(ctx, p, volunteerFilter(r))
	if err != nil {
		return err
	}
	d := listData{Volunteers: list, Statuses: Statuses, CanWrite: p.Can(PermWrite), CanImport: p.Can(PermImport), CanBands: p.Can(PermBands)}
	if d.Communities, err = h.s.Org.InScope(ctx, p, org.Community); err != nil {
		return err
	}
	if d.Teams, err = h.s.ListTeams(ctx, p, 0, ""); err != nil {
		return err
	}
	pending, err := h.s.ListRecords(ctx, p, RecordFilter{Status: RecordPending, Limit: 500})
	if err != nil {
		return err
	}
	d.PendingRecords = len(pending)
	return h.srv.Render(w, r, "volunteers/list.html", web.View{Title: i18n.T("volunteers.title"), ActiveNav: "/volunteers", Data: d})
}

// ---- a new volunteer ----

type newData struct {
	Communities []*org.Unit
	Found       []Person
	Q           string
}

func (h *handlers) newPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderNew(w, r, p, nil)
}

func (h *handlers) renderNew(w http.ResponseWriter, r *http.Request, p *auth.Principal, errs *i18n.Errors) error {
	ctx := r.Context()
	d := newData{Q: r.URL.Query().Get("q")}
	var err error
	if d.Communities, err = h.s.Communities(ctx, p); err != nil {
		return err
	}
	if d.Q != "" {
		if d.Found, err = h.s.FindPeople(ctx, p, d.Q); err != nil {
			return err
		}
	}
	view := web.View{Title: i18n.T("volunteers.new"), ActiveNav: "/volunteers", Data: d, Errors: errs}
	if errs.Any() {
		view.Form = r.PostForm
	}
	return h.srv.Render(w, r, "volunteers/new.html", view)
}

func volunteerInput(r *http.Request) VolunteerInput {
	return VolunteerInput{CommunityID: web.QueryID(r.PostForm, "community_id"), PersonID: web.QueryID(r.PostForm, "person_id"), Name: r.PostFormValue("name"),
		Phone: r.PostFormValue("phone"), Skills: r.PostFormValue("skills"), Availability: r.PostFormValue("availability"),
		Training: r.PostFormValue("training"), Note: r.PostFormValue("note")}
}

// refused turns a refusal into its form's errors: field errors as they
// are, a conflict (already registered, not pending) as an error of the
// form.
func refused(err error) (*i18n.Errors, bool) {
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return verrs, true
	}
	var ierr *i18n.Error
	if errors.As(err, &ierr) && ierr.Code == "conflict" {
		errs := &i18n.Errors{}
		errs.Add("form", ierr.Msg.Key, ierr.Msg.Args...)
		return errs, true
	}
	return nil, false
}

func (h *handlers) create(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := h.s.CreateVolunteer(r.Context(), p, volunteerInput(r))
	if errs, ok := refused(err); ok {
		return h.renderNew(w, r, p, errs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/volunteers/"+itoa(id), i18n.T("volunteers.created"))
}

// ---- a volunteer ----

type volunteerData struct {
	V       *Volunteer
	Years   []YearHours
	Level   Level
	Records []*Record
	Members []*Member
	Teams   []*Team
	Op      volunteerOp
	Sources []string
	Today   string
	Cert    *Certificate
	// Revealed is the full phone, on the reveal's response only;
	// RevealErrs the reveal form's errors.
	Revealed   string
	RevealErrs bool
}

func (h *handlers) load(r *http.Request, p *auth.Principal) (*volunteerData, error) {
	ctx := r.Context()
	id, err := web.PathID(r, "id")
	if err != nil {
		return nil, err
	}
	v, err := h.s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	d := &volunteerData{V: v, Sources: []string{SourceStaff, SourceLeader}, Today: h.s.today()}
	var total int
	if d.Years, total, err = h.s.YearTotals(ctx, v); err != nil {
		return nil, err
	}
	bands, err := h.s.Bands(ctx, v.CommunityID)
	if err != nil {
		return nil, err
	}
	d.Level = LevelOf(total, bands)
	return d, nil
}

func (h *handlers) volunteerPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	d, err := h.load(r, p)
	if err != nil {
		return err
	}
	return h.renderVolunteer(w, r, p, d, http.StatusOK, nil)
}

// revealPhone shows an outsider's full phone once, on this response only
// (the registry's reveal: a reason, the permission, an audit entry).
func (h *handlers) revealPhone(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	d, err := h.load(r, p)
	if err != nil {
		return err
	}
	phone, err := h.s.RevealPhone(r.Context(), p, d.V.ID, r.PostFormValue("reason"))
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		d.RevealErrs = true
		return h.renderVolunteer(w, r, p, d, http.StatusUnprocessableEntity, verrs)
	}
	if err != nil {
		return err
	}
	d.Revealed = phone
	return h.renderVolunteer(w, r, p, d, http.StatusOK, nil)
}

func (h *handlers) renderVolunteer(w http.ResponseWriter, r *http.Request, p *auth.Principal, d *volunteerData, status int, errs *i18n.Errors) error {
	var err error
	ctx := r.Context()
	if d.Records, err = h.s.ListRecords(ctx, p, RecordFilter{VolunteerID: d.V.ID, Limit: 200}); err != nil {
		return err
	}
	if d.Members, err = h.s.MembershipsOf(ctx, d.V); err != nil {
		return err
	}
	view := web.View{Title: d.V.Name, ActiveNav: "/volunteers", Data: d, Errors: errs}
	if errs.Any() {
		view.Form = r.PostForm
	}
	return h.srv.RenderStatus(w, r, status, "volunteers/volunteer.html", view)
}

func (h *handlers) opPage(op volunteerOp) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		return h.renderOp(w, r, p, op, nil)
	}
}

func (h *handlers) renderOp(w http.ResponseWriter, r *http.Request, p *auth.Principal, op volunteerOp, errs *i18n.Errors) error {
	d, err := h.load(r, p)
	if err != nil {
		return err
	}
	if (op.Confirm && !d.V.Access.Confirm) || !d.V.Access.Write && !op.Confirm {
		return auth.ErrForbidden
	}
	d.Op = op
	if op.Key == "hours" || op.Key == "join" {
		if d.Teams, err = h.s.ListTeams(r.Context(), p, d.V.CommunityID, ""); err != nil {
			return err
		}
	}
	view := web.View{Title: i18n.T("volunteers.op."+op.Key) + "：" + d.V.Name, ActiveNav: "/volunteers", Data: d, Errors: errs}
	if errs.Any() {
		view.Form = r.PostForm
	} else if op.Key == "edit" {
		view.Form = url.Values{"name": {d.V.Name}, "skills": {d.V.Skills}, "availability": {d.V.Availability}, "training": {d.V.Training}, "note": {d.V.Note}}
	}
	return h.srv.Render(w, r, "volunteers/op.html", view)
}

func (h *handlers) op(op volunteerOp) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		ctx := r.Context()
		id, err := web.PathID(r, "id")
		if err != nil {
			return err
		}
		back := "/volunteers/" + itoa(id)
		switch op.Key {
		case "edit":
			in := volunteerInput(r)
			err = h.s.UpdateVolunteer(ctx, p, id, in)
		case "hours":
			_, err = h.s.AddRecord(ctx, p, RecordInput{VolunteerID: id, TeamID: web.QueryID(r.PostForm, "team_id"), ServedOn: r.PostFormValue("served_on"),
				Hours: r.PostFormValue("hours"), What: r.PostFormValue("what"), Place: r.PostFormValue("place"), Beneficiary: r.PostFormValue("beneficiary"),
				Source: r.PostFormValue("source")})
		case "join":
			team := web.QueryID(r.PostForm, "team_id")
			if team == 0 {
				errs := &i18n.Errors{}
				errs.Add("team_id", "err.choice", "field", i18n.T("volunteers.team"))
				err = errs
			} else {
				err = h.s.AddMember(ctx, p, team, id, r.PostFormValue("joined_on"))
			}
		case "confirm":
			err = h.s.Confirm(ctx, p, id)
		case "leave":
			err = h.s.Leave(ctx, p, id)
		case "certificate":
			c, err := h.s.IssueCertificate(ctx, p, id)
			if err != nil {
				return err
			}
			return h.srv.Render(w, r, "volunteers/certificate.html", web.View{Title: i18n.T("volunteers.cert_title"), ActiveNav: "/volunteers", Data: c})
		}
		if errs, ok := refused(err); ok {
			return h.renderOp(w, r, p, op, errs)
		}
		if err != nil {
			return err
		}
		return h.srv.Redirect(w, r, back, i18n.T("volunteers.done."+op.Key))
	}
}

var _ = i18n.Family("volunteers.done.", "edit", "hours", "join", "confirm", "leave", "accept", "refuse")

// ---- records ----

type recordsData struct {
	Records  []*Record
	Statuses []string
	R        *Record
	Op       string
}

func recordFilter(r *http.Request) RecordFilter {
	q := r.URL.Query()
	f := RecordFilter{Status: q.Get("status"), Year: q.Get("year")}
	if !q.Has("status") {
		f.Status = RecordPending
	}
	return f
}

func (h *handlers) recordsPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	list, err := h.s.ListRecords(r.Context(), p, recordFilter(r))
	if err != nil {
		return err
	}
	return h.srv.Render(w, r, "volunteers/records.html", web.View{Title: i18n.T("volunteers.records_title"), ActiveNav: "/volunteers",
		Data: recordsData{Records: list, Statuses: RecordStatuses}})
}

func (h *handlers) recordOpPage(op string) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		return h.renderRecordOp(w, r, p, op, nil)
	}
}

func (h *handlers) renderRecordOp(w http.ResponseWriter, r *http.Request, p *auth.Principal, op string, errs *i18n.Errors) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	rec, err := h.s.GetRecord(r.Context(), p, id)
	if err != nil {
		return err
	}
	if !rec.Access.Confirm {
		return auth.ErrForbidden
	}
	return h.srv.Render(w, r, "volunteers/record_op.html", web.View{Title: i18n.T("volunteers.op."+op) + "：" + rec.VolunteerName, ActiveNav: "/volunteers",
		Data: recordsData{R: rec, Op: op}, Errors: errs})
}

func (h *handlers) recordOp(op string) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		id, err := web.PathID(r, "id")
		if err != nil {
			return err
		}
		if op == "accept" {
			err = h.s.ConfirmRecord(r.Context(), p, id)
		} else {
			err = h.s.RefuseRecord(r.Context(), p, id)
		}
		if errs, ok := refused(err); ok {
			return h.renderRecordOp(w, r, p, op, errs)
		}
		if err != nil {
			return err
		}
		return h.srv.Redirect(w, r, "/volunteers/records", i18n.T("volunteers.done."+op))
	}
}

// ---- bands ----

type bandsData struct {
	Streets []*org.Unit
	Street  *org.Unit
	Hours   []string
	Default bool
}

func (h *handlers) bandsPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderBands(w, r, p, nil)
}

func (h *handlers) renderBands(w http.ResponseWriter, r *http.Request, p *auth.Principal, errs *i18n.Errors) error {
	ctx := r.Context()
	ids, err := h.s.Streets(ctx, p)
	if err != nil {
		return err
	}
	d := bandsData{}
	want := web.QueryID(r.URL.Query(), "street")
	if r.Method == http.MethodPost {
		want = web.QueryID(r.PostForm, "street")
	}
	for _, id := range ids {
		if u, ok := h.s.Org.Lookup(ctx, id); ok {
			d.Streets = append(d.Streets, u)
			if d.Street == nil || u.ID == want {
				d.Street = u
			}
		}
	}
	if d.Street == nil {
		return auth.ErrForbidden
	}
	bands, err := h.s.streetBands(ctx, d.Street.ID)
	if err != nil {
		return err
	}
	for _, m := range bands {
		d.Hours = append(d.Hours, Hours(m))
	}
	for len(d.Hours) < len(DefaultBands) {
		d.Hours = append(d.Hours, "")
	}
	view := web.View{Title: i18n.T("volunteers.bands_title"), ActiveNav: "/volunteers", Data: d, Errors: errs}
	if errs.Any() {
		view.Form = r.PostForm
	}
	return h.srv.Render(w, r, "volunteers/bands.html", view)
}

func (h *handlers) bandsSave(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var hours []string
	for i := 1; i <= len(DefaultBands); i++ {
		hours = append(hours, r.PostFormValue("band_"+strconv.Itoa(i)))
	}
	street := web.QueryID(r.PostForm, "street")
	err := h.s.SetBands(r.Context(), p, street, hours)
	if errs, ok := refused(err); ok {
		return h.renderBands(w, r, p, errs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/volunteers/bands?street="+itoa(street), i18n.T("volunteers.bands_saved"))
}
