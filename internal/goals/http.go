package goals

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/importexport"
	"linli/internal/org"
	"linli/internal/web"
)

//go:embed templates
var templateFS embed.FS

// Routes registers the board, the rankings, the target setting, the entered
// figures and the street's indicator definitions.
func (s *Service) Routes(srv *web.Server) {
	srv.AddTemplates("goals", templateFS)
	h := &handlers{s: s, srv: srv}
	srv.Page("GET", "/goals", PermRead, "", h.boardPage)
	srv.Page("GET", "/goals/export", PermRead, "", h.boardExport)
	srv.Page("GET", "/goals/rank", PermRead, "", h.rankPage)
	srv.Page("GET", "/goals/targets", PermSet, "", h.targetsPage)
	srv.Page("POST", "/goals/targets", PermSet, "", h.setTarget)
	srv.Page("GET", "/goals/entries", PermEnter, "", h.entriesPage)
	srv.Page("POST", "/goals/entries", PermEnter, "", h.enter)
	srv.Page("GET", "/goals/indicators", PermDefine, "", h.indicatorsPage)
	srv.Page("POST", "/goals/indicators", PermDefine, "", h.define)
	srv.AddNav(web.NavItem{Key: "goals.nav", Href: "/goals", Perm: PermRead, Order: 31})
}

type handlers struct {
	s   *Service
	srv *web.Server
}

// ---- the board ----

type boardData struct {
	B          *Board
	Charts     []web.Chart
	Prev, Next int
	// CanSet: p may set the targets of the units below (or of this one).
	CanSet, CanEnter, CanDefine bool
}

func (h *handlers) board(r *http.Request, p *auth.Principal) (*boardData, error) {
	ctx := r.Context()
	year := web.QueryInt(r, "year", h.s.ThisYear(), 2000, 2100)
	b, err := h.s.Board(ctx, p, web.QueryID(r.URL.Query(), "org"), year)
	if err != nil {
		return nil, err
	}
	d := &boardData{B: b, Prev: year - 1, Next: year + 1, CanDefine: p.Can(PermDefine)}
	for _, k := range b.Children {
		d.CanSet = d.CanSet || h.s.CanSet(ctx, p, k)
	}
	d.CanSet = d.CanSet || h.s.CanSet(ctx, p, b.Unit)
	d.CanEnter = p.Can(PermEnter) && (h.s.CanEnter(p, b.Unit) || len(h.s.enterable(ctx, p, b.Unit)) > 0)
	for i, row := range b.Rows {
		d.Charts = append(d.Charts, trendChart(i, row, b))
	}
	return d, nil
}

// trendChart is a row's months as a line (a stock figure has none).
func trendChart(i int, row Row, b *Board) web.Chart {
	c := web.Chart{ID: fmt.Sprintf("trend-%d", i), Kind: web.ChartLine, Title: row.Title(), Def: row.Text(), Caption: strconv.Itoa(b.Year),
		Label: i18n.T("goals.month"), Value: row.Title(), Percent: row.Ratio(), Empty: i18n.T("goals.no_trend")}
	if row.Stock {
		return c
	}
	for m, v := range row.Months {
		pt := web.Point{Label: i18n.T("goals.month_n", "n", m+1), Long: fmt.Sprintf("%04d-%02d", b.Year, m+1)}
		x, ok := v.Of(row.Rollup)
		switch {
		case !ok || (b.Month != 0 && m+1 > b.Month) || b.Month == 0:
			pt.None = true
		case row.Ratio():
			pt.Value = x * 100
		default:
			pt.Value = x
		}
		c.Points = append(c.Points, pt)
	}
	return c
}

func (h *handlers) boardPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	d, err := h.board(r, p)
	if err != nil {
		return err
	}
	return h.srv.Render(w, r, "goals/board.html", web.View{Title: i18n.T("goals.board_title", "unit", d.B.Unit.Name, "year", d.B.Year), ActiveNav: "/goals", Data: d})
}

func (h *handlers) boardExport(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	d, err := h.board(r, p)
	if err != nil {
		return err
	}
	title := i18n.T("goals.board_title", "unit", d.B.Unit.Name, "year", d.B.Year)
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(title+".xlsx"))
	xw, err := importexport.NewWriter(w, importexport.Meta{Title: title, ExportedBy: p.DisplayName + "（" + p.Username + "）", ExportedAt: time.Now().In(web.Local)},
		[]string{i18n.T("goals.indicator"), i18n.T("goals.actual"), i18n.T("goals.target"), i18n.T("goals.light"), i18n.T("goals.unit"), i18n.T("goals.definition")})
	if err != nil {
		return err
	}
	for _, row := range d.B.Rows {
		if err := xw.Write(row.Title(), row.ActualText(), row.TargetText(), i18n.T("goals.light."+row.Light), row.Unit, row.Text()); err != nil {
			return err
		}
	}
	return xw.Close()
}

// ---- ranking ----

type rankData struct {
	B    *Board
	Def  Def
	Rows []RankRow
}

func (h *handlers) rankPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	year := web.QueryInt(r, "year", h.s.ThisYear(), 2000, 2100)
	b, def, rows, err := h.s.Rank(r.Context(), p, web.QueryID(r.URL.Query(), "org"), year, r.URL.Query().Get("code"))
	if errors.Is(err, auth.ErrNotFound) && r.URL.Query().Get("code") == "" {
		// No indicator chosen: the first of the board.
		var bd *Board
		if bd, err = h.s.Board(r.Context(), p, web.QueryID(r.URL.Query(), "org"), year); err == nil && len(bd.Rows) > 0 {
			b, def, rows, err = h.s.Rank(r.Context(), p, bd.Unit.ID, year, bd.Rows[0].Code)
		}
	}
	if err != nil {
		return err
	}
	if b == nil {
		return auth.ErrNotFound
	}
	return h.srv.Render(w, r, "goals/rank.html", web.View{Title: i18n.T("goals.rank_title", "unit", b.Unit.Name, "name", def.Title()), ActiveNav: "/goals",
		Data: rankData{B: b, Def: def, Rows: rows}})
}

// ---- targets ----

type targetsData struct {
	Unit  *org.Unit
	Year  int
	Units []*org.Unit // the units p may set targets for
	Defs  []Def
	Rows  []targetRow // the targets set, by unit and indicator
}

type targetRow struct{ Unit, Name, Target, Milestones string }

// settable are the units p may set targets of: u itself and the units
// below it.
func (s *Service) settable(ctx context.Context, p *auth.Principal, u *org.Unit) ([]*org.Unit, error) {
	var out []*org.Unit
	if s.CanSet(ctx, p, u) {
		out = append(out, u)
	}
	kids, err := s.Children(ctx, p, u)
	if err != nil {
		return nil, err
	}
	for _, k := range kids {
		if s.CanSet(ctx, p, k) {
			out = append(out, k)
		}
	}
	return out, nil
}

func (h *handlers) targetsPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderTargets(w, r, p, nil)
}

func (h *handlers) renderTargets(w http.ResponseWriter, r *http.Request, p *auth.Principal, errs *i18n.Errors) error {
	ctx := r.Context()
	year := web.QueryInt(r, "year", h.s.ThisYear(), 2000, 2100)
	u, err := h.s.Unit(ctx, p, web.QueryID(r.URL.Query(), "org"))
	if err != nil {
		return err
	}
	d := targetsData{Unit: u, Year: year}
	if d.Units, err = h.s.settable(ctx, p, u); err != nil {
		return err
	}
	if len(d.Units) > 0 {
		if d.Defs, err = h.s.Defs(ctx, d.Units[len(d.Units)-1]); err != nil {
			return err
		}
	}
	for _, k := range d.Units {
		set, err := h.s.Targets(ctx, k, year)
		if err != nil {
			return err
		}
		for _, def := range d.Defs {
			if t := set[def.Code]; t != nil {
				ms := make([]string, len(t.Milestones))
				for i, m := range t.Milestones {
					ms[i] = Format(def, m)
				}
				d.Rows = append(d.Rows, targetRow{Unit: k.Name, Name: def.Title(), Target: Format(def, t.Value), Milestones: strings.Join(ms, "，")})
			}
		}
	}
	view := web.View{Title: i18n.T("goals.targets_title", "unit", u.Name, "year", year), ActiveNav: "/goals", Data: d, Errors: errs}
	if errs.Any() {
		view.Form = r.PostForm
	}
	return h.srv.Render(w, r, "goals/targets.html", view)
}

func (h *handlers) setTarget(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	year, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("year")))
	orgID, _ := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("org")), 10, 64)
	_, err := h.s.SetTarget(r.Context(), p, TargetInput{OrgID: orgID, Year: year, Code: r.PostFormValue("code"), Value: r.PostFormValue("value"),
		Milestones: r.PostFormValue("milestones")})
	if errs, ok := i18n.Refused(err); ok {
		return h.renderTargets(w, r, p, errs)
	}
	if err != nil {
		return err
	}
	back := "/goals/targets?org=" + r.URL.Query().Get("org") + "&year=" + strconv.Itoa(year)
	return h.srv.Redirect(w, r, back, i18n.T("goals.target_saved"))
}

// ---- entered figures ----

// enterable are the communities at or below u whose figures p may enter.
func (s *Service) enterable(ctx context.Context, p *auth.Principal, u *org.Unit) []*org.Unit {
	if u.Level == org.Community {
		if s.CanEnter(p, u) {
			return []*org.Unit{u}
		}
		return nil
	}
	if u.Level == org.Grid {
		return nil
	}
	comms, _ := s.communitiesUnder(ctx, p, u)
	var out []*org.Unit
	for _, c := range comms {
		if s.CanEnter(p, c) {
			out = append(out, c)
		}
	}
	return out
}

type entriesData struct {
	Unit        *org.Unit
	Year        int
	Communities []*org.Unit
	Defs        []Def
	Names       map[string]string
	Entries     map[int64][]Entry
}

func (h *handlers) entriesPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderEntries(w, r, p, nil)
}

func (h *handlers) renderEntries(w http.ResponseWriter, r *http.Request, p *auth.Principal, errs *i18n.Errors) error {
	ctx := r.Context()
	year := web.QueryInt(r, "year", h.s.ThisYear(), 2000, 2100)
	u, err := h.s.Unit(ctx, p, web.QueryID(r.URL.Query(), "org"))
	if err != nil {
		return err
	}
	d := entriesData{Unit: u, Year: year, Communities: h.s.enterable(ctx, p, u), Names: map[string]string{}, Entries: map[int64][]Entry{}}
	if st := h.s.Org.StreetOf(ctx, u); st != nil {
		if d.Defs, err = h.s.EnteredDefs(ctx, st.ID); err != nil {
			return err
		}
	}
	for _, def := range d.Defs {
		d.Names[def.Code] = def.Name
	}
	for _, c := range d.Communities {
		if d.Entries[c.ID], err = h.s.Entries(ctx, p, c, year); err != nil {
			return err
		}
	}
	view := web.View{Title: i18n.T("goals.entries_title", "unit", u.Name, "year", year), ActiveNav: "/goals", Data: d, Errors: errs}
	if errs.Any() {
		view.Form = r.PostForm
	}
	return h.srv.Render(w, r, "goals/entries.html", view)
}

func (h *handlers) enter(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	orgID, _ := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("org")), 10, 64)
	_, err := h.s.Enter(r.Context(), p, EntryInput{OrgID: orgID, Code: r.PostFormValue("code"), Month: r.PostFormValue("month"),
		Numerator: r.PostFormValue("numerator"), Denominator: r.PostFormValue("denominator"), Value: r.PostFormValue("value"), Evidence: r.PostFormValue("evidence")})
	if errs, ok := i18n.Refused(err); ok {
		return h.renderEntries(w, r, p, errs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/goals/entries?org="+r.URL.Query().Get("org")+"&year="+r.URL.Query().Get("year"), i18n.T("goals.entry_saved"))
}

// ---- the street's entered indicators ----

type indicatorsData struct {
	Streets    []*org.Unit
	Defs       map[int64][]Def
	Kinds      []string
	Directions []Direction
}

func (h *handlers) indicatorsPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderIndicators(w, r, p, nil)
}

func (h *handlers) renderIndicators(w http.ResponseWriter, r *http.Request, p *auth.Principal, errs *i18n.Errors) error {
	ctx := r.Context()
	d := indicatorsData{Defs: map[int64][]Def{}, Kinds: Kinds, Directions: Directions}
	var err error
	if d.Streets, err = h.s.Streets(ctx, p); err != nil {
		return err
	}
	for _, st := range d.Streets {
		if d.Defs[st.ID], err = h.s.EnteredDefs(ctx, st.ID); err != nil {
			return err
		}
	}
	view := web.View{Title: i18n.T("goals.indicators_title"), ActiveNav: "/goals", Data: d, Errors: errs}
	if errs.Any() {
		view.Form = r.PostForm
	}
	return h.srv.Render(w, r, "goals/indicators.html", view)
}

func (h *handlers) define(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	street, _ := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("street_id")), 10, 64)
	_, err := h.s.Define(r.Context(), p, IndicatorInput{StreetID: street, Name: r.PostFormValue("name"), Definition: r.PostFormValue("definition"),
		Kind: r.PostFormValue("kind"), Direction: r.PostFormValue("direction"), Unit: r.PostFormValue("unit")})
	if errs, ok := i18n.Refused(err); ok {
		return h.renderIndicators(w, r, p, errs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/goals/indicators", i18n.T("goals.defined"))
}
