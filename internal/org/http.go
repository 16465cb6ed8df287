package org

import (
	"context"
	"embed"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/web"
)

//go:embed templates
var templateFS embed.FS

// Routes registers the org tree's pages and API.
func (s *Service) Routes(srv *web.Server) {
	srv.AddTemplates("org", templateFS)
	s.auditRoutes(srv)
	srv.Page("GET", "/org", PermRead, "", s.treePage(srv))
	srv.Page("GET", "/org/new", PermWrite, "", s.newPage(srv))
	srv.Page("POST", "/org", PermWrite, "", s.createSubmit(srv))
	srv.Page("GET", "/org/{id}", PermRead, "org_unit", s.unitPage(srv))
	srv.Page("POST", "/org/{id}", PermWrite, "org_unit", s.updateSubmit(srv))
	srv.Page("GET", "/org/level-names", PermLevelNames, "", s.levelNamesPage(srv))
	srv.Page("POST", "/org/level-names", PermLevelNames, "", s.levelNamesSubmit(srv))
	srv.API("GET", "/api/v1/org", PermRead, "", s.apiList)
	srv.API("GET", "/api/v1/org/{id}", PermRead, "org_unit", s.apiGet)
	srv.API("POST", "/api/v1/org", PermWrite, "", s.apiCreate)
	srv.API("PUT", "/api/v1/org/{id}", PermWrite, "org_unit", s.apiUpdate)
	srv.AddNav(web.NavItem{Key: "org.tree", Href: "/org", Perm: PermRead, Order: 10})
	srv.AddDashboard(s)
	srv.AddAction(web.Action{Key: "org.tree", Desc: "org.admin_tree_desc", Href: "/org", Perm: PermWrite, Roles: []auth.Role{auth.RoleSysAdmin}, Order: 910})
	srv.AddAction(web.Action{Key: "org.level_names", Desc: "org.admin_level_names_desc", Href: "/org/level-names", Perm: PermLevelNames, Order: 911})
	srv.ScopeOptions = s.scopeOptions
}

// DashboardCards counts the communities and grids in the user's scope: a
// level only where the user reaches at least one of its units whole (a grid
// worker, who reaches grids one by one, gets no community count, not even 0).
func (s *Service) DashboardCards(ctx context.Context, p *auth.Principal) ([]web.Card, error) {
	if !p.Can(PermRead) || p.Scope.All {
		return nil, nil
	}
	names := s.LevelNames(ctx)
	var cards []web.Card
	if len(p.Scope.Communities) > 0 {
		comms, err := s.InScope(ctx, p, Community)
		if err != nil {
			return nil, err
		}
		if len(comms) > 1 {
			cards = append(cards, web.Card{Label: names[Community], Value: strconv.Itoa(len(comms)), Href: "/org", Order: 30})
		}
	}
	grids, err := s.InScope(ctx, p, Grid)
	if err != nil {
		return nil, err
	}
	if len(grids) > 0 {
		cards = append(cards, web.Card{Label: names[Grid], Value: strconv.Itoa(len(grids)), Href: "/org", Order: 31})
	}
	return cards, nil
}

func (s *Service) scopeOptions(ctx context.Context) ([]web.ScopeOption, error) {
	units, err := s.Visible(ctx, auth.System("scope-picker"))
	if err != nil {
		return nil, err
	}
	names := s.LevelNames(ctx)
	out := make([]web.ScopeOption, 0, len(units))
	for _, u := range units {
		depth := strings.Count(u.Path, "/") - 2
		out = append(out, web.ScopeOption{ID: u.ID, Level: string(u.Level), Label: strings.Repeat("　", depth) + u.Name + "（" + names[u.Level] + "）"})
	}
	return out, nil
}

// treeNode is a unit with what the viewer may do to it.
type treeNode struct {
	*Unit
	Depth     int
	LevelName string
	ChildName string
	CanAdd    bool
	CanEdit   bool
	Expired   bool
}

type treeData struct {
	Nodes    []treeNode
	CanRoot  bool
	CanNames bool
}

func (s *Service) nodes(ctx context.Context, p *auth.Principal, units []*Unit) []treeNode {
	names := s.LevelNames(ctx)
	today := today()
	out := make([]treeNode, 0, len(units))
	for _, u := range units {
		n := treeNode{Unit: u, Depth: strings.Count(u.Path, "/") - 2, LevelName: names[u.Level], Expired: !u.Active(today)}
		if child := u.Level.Child(); child != "" {
			n.ChildName = names[child]
			n.CanAdd = p.Can(PermWrite) && mayWriteUnder(p, u)
		}
		n.CanEdit = p.Can(PermWrite) && mayEdit(p, u)
		out = append(out, n)
	}
	return out
}

func (s *Service) treePage(srv *web.Server) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		units, err := s.Visible(r.Context(), p)
		if err != nil {
			return err
		}
		return srv.Render(w, r, "org/tree.html", web.View{Title: i18n.T("org.tree"), ActiveNav: "/org",
			Data: treeData{Nodes: s.nodes(r.Context(), p, units), CanRoot: p.Can(PermWrite) && p.Scope.All, CanNames: p.Can(PermLevelNames)}})
	}
}

type unitData struct {
	Node      treeNode
	Ancestors []*Unit
	Children  []treeNode
	Parent    *Unit
	Level     Level
	LevelName string
	IsNew     bool
}

func (s *Service) unitPage(srv *web.Server) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		id, err := web.PathID(r, "id")
		if err != nil {
			return err
		}
		u, err := s.Get(r.Context(), p, id)
		if err != nil {
			return err
		}
		return s.renderUnit(srv, w, r, p, u, nil)
	}
}

func (s *Service) renderUnit(srv *web.Server, w http.ResponseWriter, r *http.Request, p *auth.Principal, u *Unit, errs *i18n.Errors) error {
	kids, err := s.Children(r.Context(), p, u.ID)
	if err != nil {
		return err
	}
	node := s.nodes(r.Context(), p, []*Unit{u})[0]
	d := unitData{Node: node, Ancestors: s.Ancestors(r.Context(), u), Children: s.nodes(r.Context(), p, kids), Level: u.Level, LevelName: node.LevelName}
	v := web.View{Title: u.Name, ActiveNav: "/org", Data: d, Errors: errs}
	if errs.Any() {
		v.Form = r.PostForm
	}
	return srv.Render(w, r, "org/unit.html", v)
}

func (s *Service) newPage(srv *web.Server) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		parentID, _ := strconv.ParseInt(r.URL.Query().Get("parent"), 10, 64)
		return s.renderNew(srv, w, r, p, parentID, nil)
	}
}

func (s *Service) renderNew(srv *web.Server, w http.ResponseWriter, r *http.Request, p *auth.Principal, parentID int64, errs *i18n.Errors) error {
	names := s.LevelNames(r.Context())
	d := unitData{IsNew: true}
	if parentID != 0 {
		parent, err := s.Get(r.Context(), p, parentID)
		if err != nil {
			return err
		}
		if !mayWriteUnder(p, parent) || parent.Level.Child() == "" {
			return auth.ErrForbidden
		}
		d.Parent = parent
		d.Ancestors = append(s.Ancestors(r.Context(), parent), parent)
		d.Level = parent.Level.Child()
	} else {
		if !p.Scope.All {
			return auth.ErrForbidden
		}
		d.Level = Level(r.FormValue("level"))
		if d.Level != City && d.Level != District {
			d.Level = District
		}
	}
	d.LevelName = names[d.Level]
	v := web.View{Title: i18n.T("org.unit_new", "level", d.LevelName), ActiveNav: "/org", Data: d, Errors: errs}
	if errs.Any() {
		v.Form = r.PostForm
	}
	return srv.Render(w, r, "org/form.html", v)
}

func formInput(r *http.Request) Input {
	sortN, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("sort")))
	parent, _ := strconv.ParseInt(r.PostFormValue("parent_id"), 10, 64)
	return Input{
		ParentID: parent, Level: Level(r.PostFormValue("level")), Name: r.PostFormValue("name"), Code: r.PostFormValue("code"),
		Sort: sortN, ValidFrom: strings.TrimSpace(r.PostFormValue("valid_from")), ValidTo: strings.TrimSpace(r.PostFormValue("valid_to")), Remark: r.PostFormValue("remark"),
	}
}

func (s *Service) createSubmit(srv *web.Server) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		in := formInput(r)
		id, err := s.Create(r.Context(), p, in)
		var verrs *i18n.Errors
		if errors.As(err, &verrs) {
			return s.renderNew(srv, w, r, p, in.ParentID, verrs)
		}
		if err != nil {
			return err
		}
		return srv.Redirect(w, r, "/org/"+strconv.FormatInt(id, 10), i18n.T("common.saved"))
	}
}

func (s *Service) updateSubmit(srv *web.Server) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		id, err := web.PathID(r, "id")
		if err != nil {
			return err
		}
		err = s.Update(r.Context(), p, id, formInput(r))
		var verrs *i18n.Errors
		if errors.As(err, &verrs) {
			u, gerr := s.Get(r.Context(), p, id)
			if gerr != nil {
				return gerr
			}
			return s.renderUnit(srv, w, r, p, u, verrs)
		}
		if err != nil {
			return err
		}
		return srv.Redirect(w, r, "/org/"+strconv.FormatInt(id, 10), i18n.T("common.saved"))
	}
}

type levelNamesData struct {
	Levels []Level
	Names  map[Level]string
}

func (s *Service) levelNamesPage(srv *web.Server) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		return srv.Render(w, r, "org/level_names.html", web.View{Title: i18n.T("org.level_names"), ActiveNav: "/org",
			Data: levelNamesData{Levels: Levels, Names: s.LevelNames(r.Context())}})
	}
}

func (s *Service) levelNamesSubmit(srv *web.Server) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		names := map[Level]string{}
		for _, l := range Levels {
			names[l] = r.PostFormValue("level_" + string(l))
		}
		err := s.SetLevelNames(r.Context(), p, names)
		var verrs *i18n.Errors
		if errors.As(err, &verrs) {
			return srv.Render(w, r, "org/level_names.html", web.View{Title: i18n.T("org.level_names"), ActiveNav: "/org", Errors: verrs,
				Data: levelNamesData{Levels: Levels, Names: names}})
		}
		if err != nil {
			return err
		}
		return srv.Redirect(w, r, "/org", i18n.T("org.level_names_saved"))
	}
}

// UnitJSON is an org unit in the API.
type UnitJSON struct {
	ID          int64  `json:"id"`
	ParentID    int64  `json:"parent_id,omitempty"`
	Level       string `json:"level"`
	LevelName   string `json:"level_name"`
	Name        string `json:"name"`
	Code        string `json:"code"`
	CommunityID int64  `json:"community_id,omitempty"`
	Sort        int    `json:"sort"`
	ValidFrom   string `json:"valid_from"`
	ValidTo     string `json:"valid_to,omitempty"`
	Remark      string `json:"remark,omitempty"`
	InScope     bool   `json:"in_scope"`
}

func (s *Service) toJSON(ctx context.Context, p *auth.Principal, u *Unit) UnitJSON {
	return UnitJSON{ID: u.ID, ParentID: u.ParentID, Level: string(u.Level), LevelName: s.LevelNames(ctx)[u.Level], Name: u.Name, Code: u.Code,
		CommunityID: u.CommunityID, Sort: u.Sort, ValidFrom: u.ValidFrom, ValidTo: u.ValidTo, Remark: u.Remark, InScope: p.Scope.AllowsOrgPath(u.Path)}
}

func (s *Service) apiList(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	units, err := s.Visible(r.Context(), p)
	if err != nil {
		return err
	}
	level := r.URL.Query().Get("level")
	items := make([]UnitJSON, 0, len(units))
	for _, u := range units {
		if level == "" || string(u.Level) == level {
			items = append(items, s.toJSON(r.Context(), p, u))
		}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"total": len(items), "items": items})
	return nil
}

func (s *Service) apiGet(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.Get(r.Context(), p, id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, s.toJSON(r.Context(), p, u))
	return nil
}

type unitReq struct {
	ParentID  int64  `json:"parent_id"`
	Level     string `json:"level"`
	Name      string `json:"name"`
	Code      string `json:"code"`
	Sort      int    `json:"sort"`
	ValidFrom string `json:"valid_from"`
	ValidTo   string `json:"valid_to"`
	Remark    string `json:"remark"`
}

func (q unitReq) input() Input {
	return Input{ParentID: q.ParentID, Level: Level(q.Level), Name: q.Name, Code: q.Code, Sort: q.Sort, ValidFrom: q.ValidFrom, ValidTo: q.ValidTo, Remark: q.Remark}
}

func (s *Service) apiCreate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var req unitReq
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	id, err := s.Create(r.Context(), p, req.input())
	if err != nil {
		return err
	}
	u, err := s.Get(r.Context(), p, id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, s.toJSON(r.Context(), p, u))
	return nil
}

func (s *Service) apiUpdate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	var req unitReq
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	if err := s.Update(r.Context(), p, id, req.input()); err != nil {
		return err
	}
	u, err := s.Get(r.Context(), p, id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, s.toJSON(r.Context(), p, u))
	return nil
}
