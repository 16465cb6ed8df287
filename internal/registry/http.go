package registry

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/org"
	"linli/internal/places"
	"linli/internal/web"
)

//go:embed templates
var registryTemplates embed.FS

// Routes registers the registry's pages and JSON API. Handlers only translate
// HTTP to the service: scope, masking and audit live in the service.
func (s *Service) Routes(srv *web.Server) {
	srv.AddTemplates("registry", registryTemplates)
	h := &webHandlers{s: s, srv: srv}
	s.auditRoutes(srv)

	srv.Page("GET", "/registry", PermRead, "", h.listPage)
	srv.Page("GET", "/registry/people/new", PermWrite, "", h.personNew)
	srv.Page("POST", "/registry/people/new", PermWrite, "", h.personCreate)
	srv.Page("GET", "/registry/people/{id}", PermRead, "person", h.personPage)
	srv.Page("POST", "/registry/people/{id}/reveal", PermReveal, "person", h.personReveal)
	srv.Page("GET", "/registry/people/{id}/edit", PermWrite, "person", h.personEdit)
	srv.Page("POST", "/registry/people/{id}/edit", PermWrite, "person", h.personUpdate)
	for _, op := range personOps {
		srv.Page("GET", "/registry/people/{id}/"+op, PermWrite, "person", h.personOpPage(op))
	}
	srv.Page("POST", "/registry/people/{id}/tags", PermWrite, "person", h.personTags)
	srv.Page("POST", "/registry/people/{id}/move", PermWrite, "person", h.personMove)
	srv.Page("POST", "/registry/people/{id}/leave", PermWrite, "person", h.personLeave)

	srv.Page("GET", "/registry/households/{id}", PermRead, "household", h.householdPage)
	for _, op := range householdOps {
		srv.Page("GET", "/registry/households/{id}/"+op, PermWrite, "household", h.householdOpPage(op))
	}
	srv.Page("POST", "/registry/households/{id}/head", PermWrite, "household", h.householdHead)
	srv.Page("POST", "/registry/households/{id}/split", PermWrite, "household", h.householdSplit)
	srv.Page("POST", "/registry/households/{id}/merge", PermWrite, "household", h.householdMerge)
	srv.Page("POST", "/registry/households/{id}/move", PermWrite, "household", h.householdMove)

	srv.Page("GET", "/registry/grid", PermRead, "", h.gridPage)
	srv.Page("GET", "/registry/grid/buildings/{id}", PermRead, "building", h.gridBuilding)
	srv.Page("GET", "/registry/grid/people/{id}", PermWrite, "person", h.gridPerson)
	srv.Page("POST", "/registry/grid/people/{id}", PermWrite, "person", h.gridPersonSave)

	srv.Page("GET", "/registry/tags", PermTagAdmin, "", h.tagsPage)
	srv.Page("POST", "/registry/tags", PermTagAdmin, "", h.tagCreate)
	srv.Page("GET", "/registry/tags/{id}", PermTagAdmin, "tag", h.tagPage)
	srv.Page("POST", "/registry/tags/{id}", PermTagAdmin, "tag", h.tagUpdate)

	srv.Page("GET", "/registry/rentals", PermRead, "", h.rentalsPage)
	srv.Page("GET", "/registry/rentals/new", PermWrite, "", h.rentalNew)
	srv.Page("POST", "/registry/rentals/new", PermWrite, "", h.rentalCreate)
	srv.Page("GET", "/registry/rentals/{id}", PermRead, "rental", h.rentalPage)
	srv.Page("POST", "/registry/rentals/{id}", PermWrite, "rental", h.rentalUpdate)
	srv.Page("POST", "/registry/rentals/{id}/end", PermWrite, "rental", h.rentalEnd)
	srv.Page("POST", "/registry/rentals/{id}/tenants", PermWrite, "rental", h.rentalTenants)
	srv.Page("POST", "/registry/rentals/{id}/landlord", PermWrite, "rental", h.rentalLandlord)
	srv.Page("POST", "/registry/rentals/{id}/reveal", PermReveal, "rental", h.rentalReveal)

	h.apiRoutes()

	srv.AddNav(web.NavItem{Key: "registry.nav", Href: "/registry", Perm: PermRead, Order: 15})
	srv.AddNav(web.NavItem{Key: "registry.grid_nav", Href: "/registry/grid", Perm: PermRead, Order: 16})
	srv.AddNav(web.NavItem{Key: "registry.rentals", Href: "/registry/rentals", Perm: PermRead, Order: 17})
	srv.AddNav(web.NavItem{Key: "registry.tags_nav", Href: "/registry/tags", Perm: PermTagAdmin, Order: 85})
	srv.AddDashboard(s)
	srv.AddAction(web.Action{Key: "registry.action_find", Href: "/registry", Perm: PermRead, Order: 20})
	srv.AddAction(web.Action{Key: "registry.action_new", Href: "/registry/people/new", Perm: PermWrite, Roles: []auth.Role{auth.RoleCommunityAdmin, auth.RoleSocialWorker}, Order: 21})
	srv.AddAction(web.Action{Key: "registry.action_import", Href: "/registry/import", Perm: PermImport, Roles: []auth.Role{auth.RoleCommunityAdmin, auth.RoleSocialWorker, auth.RoleStreetAdmin}, Order: 22})
	srv.AddAction(web.Action{Key: "registry.tags_nav", Desc: "registry.admin_tags_desc", Href: "/registry/tags", Perm: PermTagAdmin, Order: 950})
}

// DashboardCards counts people, households and rentals in scope, and the people
// of each group the user may see (a group the user may not see is not counted,
// not even as a number).
func (s *Service) DashboardCards(ctx context.Context, p *auth.Principal) ([]web.Card, error) {
	if !p.Can(PermRead) {
		return nil, nil
	}
	people, households, err := s.CountPeople(ctx, p)
	if err != nil {
		return nil, err
	}
	_, rentals, err := s.ListRentals(ctx, p, RentalFilter{Limit: 1})
	if err != nil {
		return nil, err
	}
	cards := []web.Card{
		{Label: i18n.T("registry.card_people"), Value: strconv.Itoa(people), Href: "/registry", Order: 10},
		{Label: i18n.T("registry.card_households"), Value: strconv.Itoa(households), Href: "/registry?head=1", Order: 11},
		{Label: i18n.T("registry.card_rentals"), Value: strconv.Itoa(rentals), Href: "/registry/rentals", Order: 12},
	}
	tags, err := s.VisibleTags(ctx, p)
	if err != nil {
		return nil, err
	}
	counts, err := s.TagCounts(ctx, p)
	if err != nil {
		return nil, err
	}
	for i, t := range tags {
		if n := counts[t.Code]; n > 0 && t.Active {
			cards = append(cards, web.Card{Label: t.Name, Value: strconv.Itoa(n), Href: "/registry?tag=" + url.QueryEscape(t.Code), Order: 200 + i})
		}
	}
	return cards, nil
}

type webHandlers struct {
	s   *Service
	srv *web.Server
}

// ---- small helpers ----

func queryID(v url.Values, key string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(v.Get(key)), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

func postID(r *http.Request, key string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(r.PostFormValue(key)), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

func truthy(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "on", "yes":
		return true
	}
	return false
}

// validationErrors returns the field errors inside err, if that is what it is.
func validationErrors(err error) (*i18n.Errors, bool) {
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return verrs, true
	}
	return nil, false
}

func personURL(id int64) string    { return "/registry/people/" + strconv.FormatInt(id, 10) }
func householdURL(id int64) string { return "/registry/households/" + strconv.FormatInt(id, 10) }
func rentalURL(id int64) string    { return "/registry/rentals/" + strconv.FormatInt(id, 10) }

// pageNav is a pager whose links keep the list's query. The links are built
// here, already encoded, because a query string interpolated after "?" in a
// template would be escaped as one value.
type pageNav struct {
	web.Pager
	PrevURL, NextURL template.URL
}

func newPageNav(pg web.Pager, r *http.Request) pageNav {
	link := func(page int) template.URL {
		q := url.Values{}
		for k, vs := range r.URL.Query() {
			q[k] = vs
		}
		q.Set("page", strconv.Itoa(page))
		q.Del("fragment") // a fragment's links lead to whole pages
		q.Del("fopen")
		return template.URL(r.URL.Path + "?" + q.Encode())
	}
	n := pageNav{Pager: pg}
	if pg.HasPrev() {
		n.PrevURL = link(pg.Prev())
	}
	if pg.HasNext() {
		n.NextURL = link(pg.Next())
	}
	return n
}

// Sorts offered on the list, in the order shown (see orderBy).
var listSorts = []string{"name", "age", "-age", "recent"}

var _ = i18n.Family("registry.sort.", listSorts...)

// ---- the resident list ----

type listData struct {
	Rows  template.HTML // the table's rows, see peopleRows
	Pager pageNav
	// Phone: the request came from a phone (phoneClient): 20 rows a page,
	// the filters folded and 加载更多 (More) instead of the pager.
	Phone bool
	More  template.HTML
	Chips []filterChip // the filters in use, each with a link removing it
	// The filters' choices, written by web.OptionsHTML.
	Communities    []web.Option
	Grids          []web.Option
	Estates        []web.Option
	Buildings      []web.Option
	Tags           []web.Option
	ResidenceTypes []web.Option
	Statuses       []web.Option
	Sorts          []web.Option
	ExportURL      template.URL
	// ExportFields are the list's filters, sent again by the unmasked
	// export's form (a POST: a GET never writes full values).
	ExportFields      []exportField
	CanWrite          bool
	CanImport         bool
	CanExport         bool
	CanExportUnmasked bool
}

type exportField struct{ Name, Value string }

func (h *webHandlers) listPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	v := r.URL.Query()
	f := ParseFilter(v)
	pg := web.NewPager(r, listPageSize(r))
	f.Limit, f.Offset, f.Brief = pg.PerPage, pg.Offset(), true
	people, total, err := h.s.ListPeople(ctx, p, f)
	if err != nil {
		return err
	}
	pg.Total = total
	if v.Get("fragment") == "rows" {
		return writeRowsFragment(w, peopleRows(people, h.s.now()), len(people), newPageNav(pg, r))
	}
	unitID := func(u *org.Unit) string { return strconv.FormatInt(u.ID, 10) }
	unitName := func(u *org.Unit) string { return u.Name }
	labelled := func(prefix string) func(string) string {
		return func(s string) string { return i18n.T(prefix + s) }
	}
	same := func(s string) string { return s }
	d := listData{Rows: peopleRows(people, h.s.now()), Pager: newPageNav(pg, r),
		ResidenceTypes: web.Choices(ResidenceTypes, same, labelled("registry.residence."), v.Get("residence_type")),
		Sorts:          web.Choices(listSorts, same, labelled("registry.sort."), v.Get("sort")),
		CanWrite:       p.Can(PermWrite), CanImport: p.Can(PermImport), CanExport: p.Can(PermExport), Phone: phoneClient(r)}
	if d.Phone {
		d.More = loadMoreHTML(d.Pager)
	}
	// "Active" is the status filter's default, sent as no value at all.
	status := v.Get("status")
	for _, st := range []string{StatusActive, StatusMovedOut, StatusDeceased} {
		o := web.Option{Value: st, Label: i18n.T("registry.status." + st), Selected: st == status}
		if st == StatusActive {
			o.Value, o.Selected = "", status == "" || status == StatusActive
		}
		d.Statuses = append(d.Statuses, o)
	}
	communities, err := h.s.Org.InScope(ctx, p, org.Community)
	if err != nil {
		return err
	}
	d.Communities = web.Choices(communities, unitID, unitName, v.Get("org"))
	grids, err := h.s.Org.InScope(ctx, p, org.Grid)
	if err != nil {
		return err
	}
	// With a community chosen, offer only its grids, estates and buildings.
	var community int64
	if f.OrgID != 0 {
		if u, ok := h.s.Org.Lookup(ctx, f.OrgID); ok && u.Level == org.Community {
			community = u.ID
		}
	}
	var shownGrids []*org.Unit
	for _, g := range grids {
		if community == 0 || g.CommunityID == community {
			shownGrids = append(shownGrids, g)
		}
	}
	d.Grids = web.Choices(shownGrids, unitID, unitName, v.Get("grid"))
	estates, err := h.s.Places.EstateChoices(ctx, p, community)
	if err != nil {
		return err
	}
	d.Estates = web.Choices(estates, func(e *places.Estate) string { return strconv.FormatInt(e.ID, 10) }, func(e *places.Estate) string { return e.Name }, v.Get("estate"))
	// Buildings are offered once an estate narrows them: a grid alone may hold
	// hundreds, and listing them on every page of a grid's list would cost more
	// than the list itself. A building already chosen stays shown.
	var buildings []*places.Building
	switch {
	case f.EstateID != 0:
		if buildings, _, err = h.s.Places.ListBuildings(ctx, p, places.BuildingFilter{CommunityID: community, EstateID: f.EstateID, GridID: f.GridID, Limit: 500}); err != nil {
			return err
		}
	case f.BuildingID != 0:
		if b, err := h.s.Places.GetBuilding(ctx, p, f.BuildingID); err == nil {
			buildings = []*places.Building{b}
		}
	}
	d.Buildings = web.Choices(buildings, func(b *places.Building) string { return strconv.FormatInt(b.ID, 10) }, (*places.Building).Label, v.Get("building"))
	tags, err := h.s.VisibleTags(ctx, p)
	if err != nil {
		return err
	}
	// A tag may be asked for by code or by name (links from elsewhere use names).
	tag := v.Get("tag")
	for _, t := range tags {
		d.Tags = append(d.Tags, web.Option{Value: t.Code, Label: t.Name, Selected: t.Code == tag || t.Name == tag})
	}
	d.Chips = filterChips(v, &d)
	w.Header().Set("Vary", "User-Agent, Sec-CH-UA-Mobile")
	exp := url.Values{}
	for k, vs := range v {
		if k != "page" && k != "fragment" && k != "fopen" {
			exp[k] = vs
		}
	}
	d.ExportURL = template.URL("/registry/export?" + exp.Encode())
	if d.CanExport && p.Can(PermReveal) {
		d.CanExportUnmasked = true
		keys := make([]string, 0, len(exp))
		for k := range exp {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if k == "unmasked" || k == "reason" || k == "_csrf" {
				continue
			}
			for _, val := range exp[k] {
				d.ExportFields = append(d.ExportFields, exportField{Name: k, Value: val})
			}
		}
	}
	return h.srv.Render(w, r, "registry/list.html", web.View{Title: i18n.T("registry.people_list"), ActiveNav: "/registry", Data: d})
}

// ---- the dwelling picker ----

// dwellingPicker offers a dwelling in cascading steps (社区 → 小区 → 楼栋 → 单元 →
// 房屋) inside the form that uses it. Without script, the step button submits
// the whole form back with pickStep set: the handler re-renders it with every
// typed value and the next level's choices, and changes nothing. With script
// (app.js, data-cascade) a change of level fetches that same re-rendered form
// and swaps only the picker in, so nothing typed is touched.
type dwellingPicker struct {
	Anchor         string
	Communities    []*org.Unit
	Community      int64
	Estates        []*places.Estate
	Estate         int64
	Buildings      []*places.Building
	Building       int64
	Entrances      []*places.Entrance
	Entrance       int64
	Dwellings      []*places.Dwelling
	Dwelling       int64
	CommunityLevel bool // the user may place someone in the community without a dwelling
}

// pickStep reports whether a form was posted only to move the place picker on
// a step (the "选择" button, or app.js on a change): nothing is saved.
func pickStep(r *http.Request) bool { return r.PostFormValue("_pick") != "" }

// pickValue reads a picker level from the posted form, or from the query of a
// GET (links such as ?pick_b=).
func pickValue(r *http.Request, key string) int64 {
	if r.Method == http.MethodPost {
		return postID(r, key)
	}
	return queryID(r.URL.Query(), key)
}

// picker builds the picker from the levels posted or asked for (pick_c,
// pick_e, pick_b, pick_u, dwelling_id) or from a dwelling already chosen
// (a link from a dwelling, the person's current home). A level that does not
// belong to the one above it is dropped, with everything below it.
func (h *webHandlers) picker(ctx context.Context, p *auth.Principal, r *http.Request, anchor string, dwelling int64) (dwellingPicker, error) {
	pk := dwellingPicker{Anchor: anchor, Community: pickValue(r, "pick_c"), Estate: pickValue(r, "pick_e"), Building: pickValue(r, "pick_b"), Entrance: pickValue(r, "pick_u")}
	if r.Method == http.MethodPost && r.PostForm.Has("pick_b") {
		// The form carries its own levels: the dwelling posted counts only
		// inside the building chosen.
		dwelling = postID(r, "dwelling_id")
	} else if dwelling != 0 {
		if d, err := h.s.Places.GetDwelling(ctx, p, dwelling); err == nil {
			pk.Community, pk.Building, pk.Entrance = d.CommunityID, d.BuildingID, d.EntranceID
			if b, err := h.s.Places.GetBuilding(ctx, p, d.BuildingID); err == nil {
				pk.Estate = b.EstateID
			}
		} else {
			dwelling = 0
		}
	}
	var err error
	if pk.Communities, err = h.s.Org.InScope(ctx, p, org.Community); err != nil {
		return pk, err
	}
	switch {
	case len(pk.Communities) == 1:
		pk.Community = pk.Communities[0].ID
	case len(pk.Communities) > 1 && !slices.ContainsFunc(pk.Communities, func(u *org.Unit) bool { return u.ID == pk.Community }):
		pk.Community = 0
	}
	// A grid worker reaches no whole community: the places of their grids
	// are offered (the lists are scoped) and the community is the dwelling's.
	if len(pk.Communities) > 1 && pk.Community == 0 {
		pk.Estate, pk.Building = 0, 0
	} else {
		if pk.Estates, err = h.s.Places.EstateChoices(ctx, p, pk.Community); err != nil {
			return pk, err
		}
		if !slices.ContainsFunc(pk.Estates, func(e *places.Estate) bool { return e.ID == pk.Estate }) {
			pk.Estate = 0
		}
		if pk.Buildings, _, err = h.s.Places.ListBuildings(ctx, p, places.BuildingFilter{CommunityID: pk.Community, EstateID: pk.Estate, Limit: 500}); err != nil {
			return pk, err
		}
	}
	if !slices.ContainsFunc(pk.Buildings, func(b *places.Building) bool { return b.ID == pk.Building }) {
		pk.Building = 0
	}
	pk.Dwelling = 0
	if pk.Building != 0 {
		if pk.Entrances, err = h.s.Places.Entrances(ctx, p, pk.Building); err != nil {
			return pk, err
		}
		if !slices.ContainsFunc(pk.Entrances, func(e *places.Entrance) bool { return e.ID == pk.Entrance }) {
			pk.Entrance = 0
		}
		ds, err := h.s.Places.Dwellings(ctx, p, pk.Building)
		if err != nil && !errors.Is(err, auth.ErrNotFound) {
			return pk, err
		}
		if pk.Community == 0 && len(ds) > 0 {
			pk.Community = ds[0].CommunityID
		}
		for _, d := range ds {
			if pk.Entrance == 0 || d.EntranceID == pk.Entrance {
				pk.Dwellings = append(pk.Dwellings, d)
				if d.ID == dwelling {
					pk.Dwelling = d.ID
				}
			}
		}
	} else {
		pk.Entrance = 0
	}
	pk.CommunityLevel = pk.Community != 0 && h.s.AccessAt(p, pk.Community, 0).Write
	return pk, nil
}

// checkDwelling refuses a dwelling the user cannot reach as not found, before
// any validation, so that an address outside the scope reveals nothing.
func (h *webHandlers) checkDwelling(ctx context.Context, p *auth.Principal, id int64) error {
	if id == 0 {
		return nil
	}
	_, err := h.s.Places.GetDwelling(ctx, p, id)
	return err
}

// today is the default date of the forms.
func (h *webHandlers) today() string { return h.s.todayISO() }
