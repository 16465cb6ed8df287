package patrols

import (
	"context"
	"embed"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/org"
	"linli/internal/web"
)

//go:embed templates
var templateFS embed.FS

//go:embed static/patrols.css
var cssFile []byte

//go:embed static/patrols.js
var jsFile []byte

// Routes registers the patrol pages: my patrol today, one patrol and its
// correction, the month's statistics and the daily target.
func (s *Service) Routes(srv *web.Server) {
	srv.AddTemplates("patrols", templateFS)
	h := &handlers{s: s, srv: srv}
	srv.AddAsset("/patrols/assets/patrols.css", "text/css; charset=utf-8", cssFile)
	srv.AddAsset("/patrols/assets/patrols.js", "text/javascript; charset=utf-8", jsFile)

	srv.Page("GET", "/patrols", PermRead, "", h.todayPage)
	srv.Page("POST", "/patrols/start", PermPatrol, "", h.start)
	srv.Page("GET", "/patrols/{id}", PermRead, "patrol", h.patrolPage)
	srv.Page("POST", "/patrols/{id}/end", PermPatrol, "patrol", h.end)
	srv.Page("POST", "/patrols/{id}/buildings", PermPatrol, "patrol", h.tick)
	srv.Page("GET", "/patrols/{id}/correct", PermPatrol, "patrol", h.correctPage)
	srv.Page("POST", "/patrols/{id}/correct", PermPatrol, "patrol", h.correct)
	srv.Page("GET", "/patrols/target", PermTarget, "", h.targetPage)
	srv.Page("POST", "/patrols/target", PermTarget, "", h.setTarget)
	s.statsRoutes(srv, h)

	srv.AddNav(web.NavItem{Key: "patrols.nav", Href: "/patrols", Perm: PermRead, Order: 26})
	s.homeRoutes(srv)
}

type handlers struct {
	s   *Service
	srv *web.Server
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// allowGeolocation lets the patrol pages ask the phone for its position
// (the shell forbids it everywhere else); the page asks only after the
// worker ticked consent.
func allowGeolocation(w http.ResponseWriter) {
	w.Header().Set("Permissions-Policy", "geolocation=(self), microphone=(), camera=(self)")
}

// buildingRow is a building of the grid on the patrol page.
type buildingRow struct {
	ID     int64
	Label  string
	Passed bool
}

// running is the open patrol as my-patrol page draws it.
type running struct {
	*Patrol
	Elapsed   int // minutes so far
	Stale     bool
	Buildings []buildingRow
	Passed    int
	Findings  []Finding
	Report    string // the cases form for a finding, prefilled and linked
}

type todayData struct {
	CanPatrol bool
	CanStats  bool
	CanTarget bool
	Current   *running
	Grids     []*org.Unit
	Today     []*Patrol // my ended patrols today
	Minutes   int       // today's, ended
	Target    int
	Met       bool
	Recent    []*Patrol // in scope, for those who oversee
	Now       int64
}

// todayPage is my patrol today: start or end, the timer, the buildings of
// my grid to tick, 上报事件, today's minutes against the target; and, for
// those who oversee, the latest patrols in scope.
func (h *handlers) todayPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	s := h.s
	d := todayData{CanPatrol: p.Can(PermPatrol), CanStats: p.Can(PermStats), CanTarget: p.Can(PermTarget), Now: s.now().UnixMilli(), Target: DefaultTarget}
	if d.CanPatrol && p.UserID != 0 {
		cur, err := s.Current(ctx, p)
		if err != nil {
			return err
		}
		if cur != nil {
			if d.Current, err = h.running(ctx, p, cur); err != nil {
				return err
			}
		}
		if d.Grids, err = s.Grids(ctx, p); err != nil {
			return err
		}
		today := s.today()
		list, _, err := s.List(ctx, p, Filter{UserID: p.UserID, From: today, To: today, Limit: 50})
		if err != nil {
			return err
		}
		for _, pt := range list {
			if !pt.Open() {
				d.Today = append(d.Today, pt)
			}
		}
		if d.Minutes, err = s.MinutesOn(ctx, p, today); err != nil {
			return err
		}
		community := int64(0)
		if cur != nil {
			community = cur.CommunityID
		} else if len(d.Grids) > 0 {
			community = d.Grids[0].CommunityID
		}
		if community != 0 {
			if d.Target, err = s.Target(ctx, community); err != nil {
				return err
			}
		}
		d.Met = d.Minutes >= d.Target
	}
	if d.CanStats || !d.CanPatrol {
		var err error
		if d.Recent, _, err = s.List(ctx, p, Filter{Limit: 20}); err != nil {
			return err
		}
	}
	allowGeolocation(w)
	v := web.View{Title: i18n.T("patrols.today_title"), ActiveNav: "/patrols", Data: d}
	if form, errs, _, ok := h.srv.TakeRefused(w, r); ok {
		v.Form, v.Errors = form, errs
	}
	return h.srv.Render(w, r, "patrols/today.html", v)
}

// running fills the open patrol's page part.
func (h *handlers) running(ctx context.Context, p *auth.Principal, pt *Patrol) (*running, error) {
	now := h.s.now().UnixMilli()
	rn := &running{Patrol: pt, Elapsed: minutesBetween(pt.StartedAt, endAt(pt.StartedAt, now)), Stale: pt.Stale(now)}
	passed, err := h.s.Passed(ctx, p, pt)
	if err != nil {
		return nil, err
	}
	done := map[int64]bool{}
	last := ""
	for _, ps := range passed {
		done[ps.BuildingID] = true
		last = ps.Label
	}
	rn.Passed = len(passed)
	list, err := h.s.GridBuildings(ctx, p, pt.GridID)
	if err != nil {
		return nil, err
	}
	for _, b := range list {
		rn.Buildings = append(rn.Buildings, buildingRow{ID: b.ID, Label: b.Label(), Passed: done[b.ID]})
	}
	if rn.Findings, err = h.findings(ctx, p, pt.ID); err != nil {
		return nil, err
	}
	q := url.Values{"type": {"grid_event"}, "source": {"patrol"}, "grid_id": {itoa(pt.GridID)}, "link_kind": {"patrol"}, "link_ref": {itoa(pt.ID)}}
	if last != "" {
		q.Set("location", last)
	}
	rn.Report = "/cases/report?" + q.Encode()
	return rn, nil
}

func (h *handlers) findings(ctx context.Context, p *auth.Principal, id int64) ([]Finding, error) {
	if h.s.Findings == nil {
		return nil, nil
	}
	list, err := h.s.Findings(ctx, p, id)
	if errors.Is(err, auth.ErrForbidden) {
		return nil, nil
	}
	return list, err
}

func formInt(r *http.Request, k string) int64 {
	v, _ := strconv.ParseInt(strings.TrimSpace(r.PostFormValue(k)), 10, 64)
	return v
}

func (h *handlers) start(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	in := StartInput{GridID: formInt(r, "grid_id"), TrackConsent: r.PostFormValue("track_consent") == "1", Note: r.PostFormValue("note")}
	_, again, err := h.s.Start(r.Context(), p, in)
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return h.srv.RedirectRefused(w, r, "/patrols", r.PostForm, verrs, "")
	}
	if err != nil {
		return err
	}
	if again {
		return h.srv.Redirect(w, r, "/patrols", i18n.T("patrols.already_on"))
	}
	return h.srv.Redirect(w, r, "/patrols", i18n.T("patrols.started"))
}

func (h *handlers) end(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	pt, err := h.s.End(r.Context(), p, id)
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/patrols", i18n.T("patrols.ended", "n", pt.Minutes))
}

func (h *handlers) tick(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	err = h.s.Tick(r.Context(), p, id, formInt(r, "building_id"))
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return h.srv.RedirectRefused(w, r, "/patrols", r.PostForm, verrs, "")
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/patrols#buildings", "")
}

type patrolData struct {
	Patrol   *Patrol
	Passed   []Passed
	Points   []Point
	Findings []Finding
	Stale    bool
	Elapsed  int
}

func (h *handlers) patrolPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	pt, err := h.s.Get(ctx, p, id)
	if err != nil {
		return err
	}
	now := h.s.now().UnixMilli()
	d := patrolData{Patrol: pt, Stale: pt.Stale(now), Elapsed: minutesBetween(pt.StartedAt, endAt(pt.StartedAt, now))}
	if d.Passed, err = h.s.Passed(ctx, p, pt); err != nil {
		return err
	}
	if d.Findings, err = h.findings(ctx, p, pt.ID); err != nil {
		return err
	}
	title := i18n.T("patrols.patrol_title", "name", pt.UserName, "day", pt.Day)
	return h.srv.Render(w, r, "patrols/patrol.html", web.View{Title: title, ActiveNav: "/patrols", Data: d})
}

// ---- correction ----

const localMinute = "2006-01-02T15:04"

type correctData struct {
	Patrol     *Patrol
	Start, End string // datetime-local
}

func (h *handlers) correctPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderCorrect(w, r, p, nil)
}

func (h *handlers) renderCorrect(w http.ResponseWriter, r *http.Request, p *auth.Principal, errs *i18n.Errors) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	pt, err := h.s.own(r.Context(), p, id)
	if err != nil {
		return err
	}
	if !pt.Access.Correct {
		return i18n.NewError("conflict", "patrols.err_correct_day")
	}
	d := correctData{Patrol: pt, Start: time.UnixMilli(pt.StartedAt).In(web.Local).Format(localMinute), End: time.UnixMilli(pt.EndedAt).In(web.Local).Format(localMinute)}
	v := web.View{Title: i18n.T("patrols.correct_title"), ActiveNav: "/patrols", Data: d, Errors: errs}
	status := http.StatusOK
	if errs.Any() {
		v.Form, status = r.PostForm, http.StatusUnprocessableEntity
	}
	return h.srv.RenderStatus(w, r, status, "patrols/correct.html", v)
}

func parseLocal(s string) time.Time {
	t, err := time.ParseInLocation(localMinute, strings.TrimSpace(s), web.Local)
	if err != nil {
		return time.Time{}
	}
	return t
}

func (h *handlers) correct(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	err = h.s.Correct(r.Context(), p, id, parseLocal(r.PostFormValue("started_at")), parseLocal(r.PostFormValue("ended_at")))
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return h.renderCorrect(w, r, p, verrs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/patrols/"+itoa(id), i18n.T("patrols.corrected"))
}

// ---- the daily target ----

type targetData struct {
	Rows    []TargetRow
	Default int
	Max     int
}

func (h *handlers) targetPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderTarget(w, r, p, nil)
}

func (h *handlers) renderTarget(w http.ResponseWriter, r *http.Request, p *auth.Principal, errs *i18n.Errors) error {
	rows, err := h.s.TargetRows(r.Context(), p)
	if err != nil {
		return err
	}
	v := web.View{Title: i18n.T("patrols.target_title"), ActiveNav: "/patrols", Data: targetData{Rows: rows, Default: DefaultTarget, Max: maxTarget}, Errors: errs}
	status := http.StatusOK
	if errs.Any() {
		v.Form, status = r.PostForm, http.StatusUnprocessableEntity
	}
	return h.srv.RenderStatus(w, r, status, "patrols/target.html", v)
}

func (h *handlers) setTarget(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	raw := strings.TrimSpace(r.PostFormValue("minutes"))
	minutes, err := strconv.Atoi(raw)
	if raw == "" {
		minutes, err = 0, nil
	}
	if err != nil {
		errs := &i18n.Errors{}
		errs.Add("minutes", "err.invalid", "field", i18n.T("patrols.target_minutes"))
		return h.renderTarget(w, r, p, errs)
	}
	err = h.s.SetTarget(r.Context(), p, formInt(r, "org_id"), minutes)
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return h.renderTarget(w, r, p, verrs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/patrols/target", i18n.T("patrols.target_saved"))
}
