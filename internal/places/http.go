package places

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

// Routes registers the places pages and API.
func (s *Service) Routes(srv *web.Server) {
	srv.AddTemplates("places", templateFS)
	h := &handlers{s: s, srv: srv}
	s.auditRoutes(srv)
	srv.Page("GET", "/places", PermRead, "", h.buildingsPage)
	srv.Page("GET", "/places/buildings/new", PermWrite, "", h.buildingNew)
	srv.Page("POST", "/places/buildings/grid", PermWrite, "", h.assignGrid)
	srv.Page("POST", "/places/buildings", PermWrite, "", h.buildingCreate)
	srv.Page("GET", "/places/buildings/{id}", PermRead, "building", h.buildingPage)
	srv.Page("POST", "/places/buildings/{id}", PermWrite, "building", h.buildingUpdate)
	srv.Page("POST", "/places/buildings/{id}/delete", PermWrite, "building", h.buildingDelete)
	srv.Page("POST", "/places/buildings/{id}/entrances", PermWrite, "building", h.entranceCreate)
	srv.Page("POST", "/places/buildings/{id}/dwellings", PermWrite, "building", h.dwellingCreate)
	srv.Page("POST", "/places/buildings/{id}/generate", PermWrite, "building", h.generate)
	srv.Page("POST", "/places/entrances/{id}/delete", PermWrite, "entrance", h.entranceDelete)
	srv.Page("GET", "/places/dwellings/{id}", PermRead, "dwelling", h.dwellingPage)
	srv.Page("POST", "/places/dwellings/{id}", PermWrite, "dwelling", h.dwellingUpdate)
	srv.Page("POST", "/places/dwellings/{id}/delete", PermWrite, "dwelling", h.dwellingDelete)
	srv.Page("GET", "/places/estates", PermRead, "", h.estatesPage)
	srv.Page("POST", "/places/estates", PermWrite, "", h.estateCreate)
	srv.Page("GET", "/places/estates/{id}", PermRead, "estate", h.estatePage)
	srv.Page("POST", "/places/estates/{id}", PermWrite, "estate", h.estateUpdate)
	srv.Page("POST", "/places/estates/{id}/delete", PermWrite, "estate", h.estateDelete)

	srv.API("GET", "/api/v1/estates", PermRead, "", h.apiEstates)
	srv.API("POST", "/api/v1/estates", PermWrite, "", h.apiEstateCreate)
	srv.API("GET", "/api/v1/buildings", PermRead, "", h.apiBuildings)
	srv.API("POST", "/api/v1/buildings", PermWrite, "", h.apiBuildingCreate)
	srv.API("GET", "/api/v1/buildings/{id}", PermRead, "building", h.apiBuilding)
	srv.API("PUT", "/api/v1/buildings/{id}", PermWrite, "building", h.apiBuildingUpdate)
	srv.API("DELETE", "/api/v1/buildings/{id}", PermWrite, "building", h.apiBuildingDelete)
	srv.API("GET", "/api/v1/buildings/{id}/dwellings", PermRead, "building", h.apiDwellings)
	srv.API("POST", "/api/v1/buildings/{id}/dwellings", PermWrite, "building", h.apiDwellingCreate)
	srv.API("GET", "/api/v1/dwellings/{id}", PermRead, "dwelling", h.apiDwelling)
	srv.API("PUT", "/api/v1/dwellings/{id}", PermWrite, "dwelling", h.apiDwellingUpdate)
	srv.API("DELETE", "/api/v1/dwellings/{id}", PermWrite, "dwelling", h.apiDwellingDelete)

	srv.AddNav(web.NavItem{Key: "places.nav", Href: "/places", Perm: PermRead, Order: 20})
	srv.AddDashboard(s)
	srv.AddTodo(s)
}

// DashboardCards counts buildings and dwellings in scope.
func (s *Service) DashboardCards(ctx context.Context, p *auth.Principal) ([]web.Card, error) {
	if !p.Can(PermRead) {
		return nil, nil
	}
	b, d, err := s.Counts(ctx, p)
	if err != nil {
		return nil, err
	}
	return []web.Card{
		{Label: i18n.T("places.buildings"), Value: strconv.Itoa(b), Href: "/places", Order: 20},
		{Label: i18n.T("places.dwellings"), Value: strconv.Itoa(d), Href: "/places", Order: 21},
	}, nil
}

// Todos: buildings still without a grid are a to-do of those who put them in
// one, until there are none (grid workers never reach such buildings).
func (s *Service) Todos(ctx context.Context, p *auth.Principal, limit int) ([]web.TodoGroup, error) {
	if !p.Can(PermWrite) || len(p.Scope.Communities) == 0 {
		return nil, nil
	}
	n, err := s.Ungridded(ctx, p)
	if err != nil || n == 0 {
		return nil, err
	}
	return []web.TodoGroup{{Urgency: web.UrgencyWaiting, Total: 1, All: []web.Link{{Label: i18n.T("places.ungridded"), Href: "/places?grid=none"}}, Items: []web.TodoItem{{
		Title: i18n.T("places.todo_ungridded", "n", strconv.Itoa(n)), Kind: i18n.T("places.ungridded"), Href: "/places?grid=none"}}}}, nil
}

type handlers struct {
	s   *Service
	srv *web.Server
}

// pickers are the communities, grids and estates a form may offer.
type pickers struct {
	Communities []*org.Unit
	Grids       []*org.Unit
	Estates     []*Estate
}

func (h *handlers) pickers(ctx context.Context, p *auth.Principal) (pickers, error) {
	var pk pickers
	var err error
	if pk.Communities, err = h.s.Org.InScope(ctx, p, org.Community); err != nil {
		return pk, err
	}
	if pk.Grids, err = h.s.Org.InScope(ctx, p, org.Grid); err != nil {
		return pk, err
	}
	pk.Estates, err = h.s.ListEstates(ctx, p, 0)
	return pk, err
}

type buildingsData struct {
	Buildings []*Building
	Pager     web.Pager
	Pick      pickers
	CanWrite  bool
	CanImport bool
	// NoGridChoice offers the 未划分网格 filter (community staff only);
	// AssignGrids are the grids the user may put many buildings in at once.
	NoGridChoice bool
	AssignGrids  []*org.Unit
	Back         string
}

func formInt(r *http.Request, k string) int64 {
	v, _ := strconv.ParseInt(strings.TrimSpace(r.FormValue(k)), 10, 64)
	return v
}

func (h *handlers) buildingsPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderBuildings(w, r, p, r.URL.Query(), nil)
}

func (h *handlers) renderBuildings(w http.ResponseWriter, r *http.Request, p *auth.Principal, q url.Values, errs *i18n.Errors) error {
	pg := web.NewPager(r, 50)
	num := func(k string) int64 { v, _ := strconv.ParseInt(strings.TrimSpace(q.Get(k)), 10, 64); return v }
	f := BuildingFilter{CommunityID: num("community"), EstateID: num("estate"), GridID: num("grid"), NoGrid: q.Get("grid") == "none", Q: q.Get("q"), Limit: pg.PerPage, Offset: pg.Offset()}
	list, total, err := h.s.ListBuildings(r.Context(), p, f)
	if err != nil {
		return err
	}
	pg.Total = total
	pk, err := h.pickers(r.Context(), p)
	if err != nil {
		return err
	}
	d := buildingsData{Buildings: list, Pager: pg, Pick: pk, CanWrite: p.Can(PermWrite), CanImport: p.Can(PermImport), NoGridChoice: len(p.Scope.Communities) > 0, Back: q.Encode()}
	if d.AssignGrids, err = h.s.AssignGrids(r.Context(), p); err != nil {
		return err
	}
	v := web.View{Title: i18n.T("places.buildings"), ActiveNav: "/places", Data: d, Errors: errs}
	if errs.Any() {
		v.Form = r.PostForm
	}
	return h.srv.Render(w, r, "places/buildings.html", v)
}

// assignGrid puts the buildings ticked on the list in the chosen grid.
func (h *handlers) assignGrid(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	var ids []int64
	for _, v := range r.PostForm["building"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	back, _ := url.ParseQuery(r.PostFormValue("back"))
	grid := formInt(r, "grid_id")
	n, err := h.s.AssignGrid(r.Context(), p, ids, grid)
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		r.URL.RawQuery = back.Encode() // the list as it was
		return h.renderBuildings(w, r, p, back, verrs)
	}
	if err != nil {
		return err
	}
	name := ""
	if g, ok := h.s.Org.Lookup(r.Context(), grid); ok {
		name = g.Name
	}
	back.Del("page") // the buildings assigned may have left the list: from its start
	return h.srv.Redirect(w, r, "/places?"+back.Encode(), i18n.T("places.assigned", "n", n, "grid", name))
}

type buildingData struct {
	Building  *Building
	Entrances []*Entrance
	Dwellings []*Dwelling
	Pick      pickers
	Usages    []string
}

func (h *handlers) buildingNew(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderBuildingForm(w, r, p, nil, nil)
}

func (h *handlers) renderBuildingForm(w http.ResponseWriter, r *http.Request, p *auth.Principal, b *Building, errs *i18n.Errors) error {
	pk, err := h.pickers(r.Context(), p)
	if err != nil {
		return err
	}
	v := web.View{Title: i18n.T("places.building_new"), ActiveNav: "/places", Data: buildingData{Building: b, Pick: pk}, Errors: errs}
	if errs.Any() {
		v.Form = r.PostForm
	}
	return h.srv.Render(w, r, "places/building_form.html", v)
}

func buildingInput(r *http.Request) BuildingInput {
	floors, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("floors")))
	return BuildingInput{GridID: formInt(r, "grid_id"), EstateID: formInt(r, "estate_id"), Name: r.PostFormValue("name"), Floors: floors,
		Address: r.PostFormValue("address"), Remark: r.PostFormValue("remark")}
}

func (h *handlers) buildingCreate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := h.s.CreateBuilding(r.Context(), p, buildingInput(r))
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return h.renderBuildingForm(w, r, p, nil, verrs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/places/buildings/"+strconv.FormatInt(id, 10), i18n.T("common.saved"))
}

func (h *handlers) buildingPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	return h.renderBuilding(w, r, p, id, nil)
}

func (h *handlers) renderBuilding(w http.ResponseWriter, r *http.Request, p *auth.Principal, id int64, errs *i18n.Errors) error {
	b, err := h.s.GetBuilding(r.Context(), p, id)
	if err != nil {
		return err
	}
	ents, err := h.s.Entrances(r.Context(), p, id)
	if err != nil {
		return err
	}
	dws, err := h.s.Dwellings(r.Context(), p, id)
	if err != nil {
		return err
	}
	d := buildingData{Building: b, Entrances: ents, Dwellings: dws, Usages: Usages}
	if b.Access.Write {
		if d.Pick, err = h.pickers(r.Context(), p); err != nil {
			return err
		}
	}
	v := web.View{Title: b.Label(), ActiveNav: "/places", Data: d, Errors: errs}
	if errs.Any() {
		v.Form = r.PostForm
	}
	return h.srv.Render(w, r, "places/building.html", v)
}

// formErrOr re-renders the building page with validation errors, or passes other errors on.
func (h *handlers) formErrOr(w http.ResponseWriter, r *http.Request, p *auth.Principal, buildingID int64, err error) error {
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return h.renderBuilding(w, r, p, buildingID, verrs)
	}
	return err
}

func (h *handlers) buildingUpdate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.s.UpdateBuilding(r.Context(), p, id, buildingInput(r)); err != nil {
		return h.formErrOr(w, r, p, id, err)
	}
	return h.srv.Redirect(w, r, "/places/buildings/"+strconv.FormatInt(id, 10), i18n.T("common.saved"))
}

func (h *handlers) buildingDelete(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.s.DeleteBuilding(r.Context(), p, id); err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/places", i18n.T("common.deleted"))
}

func (h *handlers) entranceCreate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := h.s.CreateEntrance(r.Context(), p, id, r.PostFormValue("entrance_name")); err != nil {
		return h.formErrOr(w, r, p, id, err)
	}
	return h.srv.Redirect(w, r, "/places/buildings/"+strconv.FormatInt(id, 10), i18n.T("common.saved"))
}

func (h *handlers) entranceDelete(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	b, err := h.s.DeleteEntrance(r.Context(), p, id)
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/places/buildings/"+strconv.FormatInt(b, 10), i18n.T("common.deleted"))
}

func dwellingInput(r *http.Request) DwellingInput {
	floor, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("floor")))
	area, _ := strconv.ParseFloat(strings.TrimSpace(r.PostFormValue("area")), 64)
	return DwellingInput{EntranceID: formInt(r, "entrance_id"), Room: r.PostFormValue("room"), Floor: floor, Area: area, Usage: r.PostFormValue("usage"), Remark: r.PostFormValue("remark")}
}

func (h *handlers) dwellingCreate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	in := dwellingInput(r)
	in.BuildingID = id
	if _, err := h.s.CreateDwelling(r.Context(), p, in); err != nil {
		return h.formErrOr(w, r, p, id, err)
	}
	return h.srv.Redirect(w, r, "/places/buildings/"+strconv.FormatInt(id, 10), i18n.T("common.saved"))
}

func (h *handlers) generate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	atoi := func(k string) int { n, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue(k))); return n }
	n, err := h.s.GenerateRooms(r.Context(), p, id, atoi("from_floor"), atoi("to_floor"), atoi("per_floor"))
	if err != nil {
		return h.formErrOr(w, r, p, id, err)
	}
	return h.srv.Redirect(w, r, "/places/buildings/"+strconv.FormatInt(id, 10), i18n.T("places.generated", "n", n))
}

type dwellingData struct {
	Dwelling  *Dwelling
	Entrances []*Entrance
	Usages    []string
	Related   []web.Card
}

func (h *handlers) dwellingPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	return h.renderDwelling(w, r, p, id, nil)
}

func (h *handlers) renderDwelling(w http.ResponseWriter, r *http.Request, p *auth.Principal, id int64, errs *i18n.Errors) error {
	d, err := h.s.GetDwelling(r.Context(), p, id)
	if err != nil {
		return err
	}
	ents, err := h.s.Entrances(r.Context(), p, d.BuildingID)
	if err != nil {
		return err
	}
	v := web.View{Title: d.Address(), ActiveNav: "/places", Data: dwellingData{Dwelling: d, Entrances: ents, Usages: Usages}, Errors: errs}
	if errs.Any() {
		v.Form = r.PostForm
	}
	return h.srv.Render(w, r, "places/dwelling.html", v)
}

func (h *handlers) dwellingUpdate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	err = h.s.UpdateDwelling(r.Context(), p, id, dwellingInput(r))
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return h.renderDwelling(w, r, p, id, verrs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/places/dwellings/"+strconv.FormatInt(id, 10), i18n.T("common.saved"))
}

func (h *handlers) dwellingDelete(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	b, err := h.s.DeleteDwelling(r.Context(), p, id)
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/places/buildings/"+strconv.FormatInt(b, 10), i18n.T("common.deleted"))
}

type estatesData struct {
	Estates     []*Estate
	Communities []*org.Unit
	CanWrite    bool // may add estates (list page)
	Estate      *Estate
}

func (h *handlers) estatesPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderEstates(w, r, p, nil)
}

func (h *handlers) renderEstates(w http.ResponseWriter, r *http.Request, p *auth.Principal, errs *i18n.Errors) error {
	list, err := h.s.ListEstates(r.Context(), p, 0)
	if err != nil {
		return err
	}
	comms, err := h.s.Org.InScope(r.Context(), p, org.Community)
	if err != nil {
		return err
	}
	v := web.View{Title: i18n.T("places.estates"), ActiveNav: "/places", Data: estatesData{Estates: list, Communities: comms, CanWrite: p.Can(PermWrite) && len(comms) > 0}, Errors: errs}
	if errs.Any() {
		v.Form = r.PostForm
	}
	return h.srv.Render(w, r, "places/estates.html", v)
}

func estateInput(r *http.Request) EstateInput {
	return EstateInput{CommunityID: formInt(r, "community_id"), Name: r.PostFormValue("name"), Address: r.PostFormValue("address"), Remark: r.PostFormValue("remark")}
}

func (h *handlers) estateCreate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	_, err := h.s.CreateEstate(r.Context(), p, estateInput(r))
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return h.renderEstates(w, r, p, verrs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/places/estates", i18n.T("common.saved"))
}

func (h *handlers) estatePage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	return h.renderEstate(w, r, p, id, nil)
}

func (h *handlers) renderEstate(w http.ResponseWriter, r *http.Request, p *auth.Principal, id int64, errs *i18n.Errors) error {
	e, err := h.s.GetEstate(r.Context(), p, id)
	if err != nil {
		return err
	}
	v := web.View{Title: e.Name, ActiveNav: "/places", Data: estatesData{Estate: e}, Errors: errs}
	if errs.Any() {
		v.Form = r.PostForm
	}
	return h.srv.Render(w, r, "places/estate.html", v)
}

func (h *handlers) estateUpdate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	err = h.s.UpdateEstate(r.Context(), p, id, estateInput(r))
	var verrs *i18n.Errors
	if errors.As(err, &verrs) {
		return h.renderEstate(w, r, p, id, verrs)
	}
	if err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/places/estates/"+strconv.FormatInt(id, 10), i18n.T("common.saved"))
}

func (h *handlers) estateDelete(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.s.DeleteEstate(r.Context(), p, id); err != nil {
		return err
	}
	return h.srv.Redirect(w, r, "/places/estates", i18n.T("common.deleted"))
}

// ---- JSON ----

// EstateJSON is an estate in the API.
type EstateJSON struct {
	ID          int64  `json:"id"`
	CommunityID int64  `json:"community_id"`
	Name        string `json:"name"`
	Address     string `json:"address"`
	Remark      string `json:"remark"`
	Buildings   int    `json:"buildings"`
}

// BuildingJSON is a building in the API.
type BuildingJSON struct {
	ID          int64  `json:"id"`
	CommunityID int64  `json:"community_id"`
	GridID      int64  `json:"grid_id"`
	GridName    string `json:"grid_name"`
	EstateID    int64  `json:"estate_id,omitempty"`
	EstateName  string `json:"estate_name,omitempty"`
	Name        string `json:"name"`
	Floors      int    `json:"floors"`
	Address     string `json:"address"`
	Remark      string `json:"remark"`
	Dwellings   int    `json:"dwellings"`
}

// DwellingJSON is a dwelling in the API.
type DwellingJSON struct {
	ID         int64   `json:"id"`
	BuildingID int64   `json:"building_id"`
	EntranceID int64   `json:"entrance_id,omitempty"`
	GridID     int64   `json:"grid_id"`
	Room       string  `json:"room"`
	Floor      int     `json:"floor"`
	Area       float64 `json:"area"`
	Usage      string  `json:"usage"`
	Remark     string  `json:"remark"`
	Address    string  `json:"address"`
}

func estateJSON(e *Estate) EstateJSON {
	return EstateJSON{ID: e.ID, CommunityID: e.CommunityID, Name: e.Name, Address: e.Address, Remark: e.Remark, Buildings: e.Buildings}
}

func buildingJSON(b *Building) BuildingJSON {
	return BuildingJSON{ID: b.ID, CommunityID: b.CommunityID, GridID: b.GridID, GridName: b.GridName, EstateID: b.EstateID, EstateName: b.EstateName,
		Name: b.Name, Floors: b.Floors, Address: b.Address, Remark: b.Remark, Dwellings: b.Dwellings}
}

func dwellingJSON(d *Dwelling) DwellingJSON {
	return DwellingJSON{ID: d.ID, BuildingID: d.BuildingID, EntranceID: d.EntranceID, GridID: d.GridID, Room: d.Room, Floor: d.Floor, Area: d.Area, Usage: d.Usage, Remark: d.Remark, Address: d.Address()}
}

func (h *handlers) apiEstates(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	list, err := h.s.ListEstates(r.Context(), p, formInt(r, "community"))
	if err != nil {
		return err
	}
	items := make([]EstateJSON, 0, len(list))
	for _, e := range list {
		items = append(items, estateJSON(e))
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"total": len(items), "items": items})
	return nil
}

type estateReq struct {
	CommunityID int64  `json:"community_id"`
	Name        string `json:"name"`
	Address     string `json:"address"`
	Remark      string `json:"remark"`
}

func (h *handlers) apiEstateCreate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var req estateReq
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	id, err := h.s.CreateEstate(r.Context(), p, EstateInput(req))
	if err != nil {
		return err
	}
	e, err := h.s.GetEstate(r.Context(), p, id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, estateJSON(e))
	return nil
}

func (h *handlers) apiBuildings(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	f := BuildingFilter{CommunityID: formInt(r, "community"), EstateID: formInt(r, "estate"), GridID: formInt(r, "grid"), Q: r.URL.Query().Get("q"),
		Limit: web.QueryInt(r, "limit", 50, 1, 500), Offset: web.QueryInt(r, "offset", 0, 0, 1<<30)}
	list, total, err := h.s.ListBuildings(r.Context(), p, f)
	if err != nil {
		return err
	}
	items := make([]BuildingJSON, 0, len(list))
	for _, b := range list {
		items = append(items, buildingJSON(b))
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"total": total, "items": items})
	return nil
}

type buildingReq struct {
	GridID   int64  `json:"grid_id"`
	EstateID int64  `json:"estate_id"`
	Name     string `json:"name"`
	Floors   int    `json:"floors"`
	Address  string `json:"address"`
	Remark   string `json:"remark"`
}

func (q buildingReq) input() BuildingInput {
	return BuildingInput{GridID: q.GridID, EstateID: q.EstateID, Name: q.Name, Floors: q.Floors, Address: q.Address, Remark: q.Remark}
}

func (h *handlers) apiBuildingCreate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var req buildingReq
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	id, err := h.s.CreateBuilding(r.Context(), p, req.input())
	if err != nil {
		return err
	}
	b, err := h.s.GetBuilding(r.Context(), p, id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, buildingJSON(b))
	return nil
}

func (h *handlers) apiBuilding(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	b, err := h.s.GetBuilding(r.Context(), p, id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, buildingJSON(b))
	return nil
}

func (h *handlers) apiBuildingUpdate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	var req buildingReq
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	if err := h.s.UpdateBuilding(r.Context(), p, id, req.input()); err != nil {
		return err
	}
	b, err := h.s.GetBuilding(r.Context(), p, id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, buildingJSON(b))
	return nil
}

func (h *handlers) apiBuildingDelete(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.s.DeleteBuilding(r.Context(), p, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *handlers) apiDwellings(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	list, err := h.s.Dwellings(r.Context(), p, id)
	if err != nil {
		return err
	}
	items := make([]DwellingJSON, 0, len(list))
	for _, d := range list {
		items = append(items, dwellingJSON(d))
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"total": len(items), "items": items})
	return nil
}

type dwellingReq struct {
	EntranceID int64   `json:"entrance_id"`
	Room       string  `json:"room"`
	Floor      int     `json:"floor"`
	Area       float64 `json:"area"`
	Usage      string  `json:"usage"`
	Remark     string  `json:"remark"`
}

func (q dwellingReq) input(building int64) DwellingInput {
	return DwellingInput{BuildingID: building, EntranceID: q.EntranceID, Room: q.Room, Floor: q.Floor, Area: q.Area, Usage: q.Usage, Remark: q.Remark}
}

func (h *handlers) apiDwellingCreate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	bid, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	var req dwellingReq
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	id, err := h.s.CreateDwelling(r.Context(), p, req.input(bid))
	if err != nil {
		return err
	}
	d, err := h.s.GetDwelling(r.Context(), p, id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, dwellingJSON(d))
	return nil
}

func (h *handlers) apiDwelling(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	d, err := h.s.GetDwelling(r.Context(), p, id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, dwellingJSON(d))
	return nil
}

func (h *handlers) apiDwellingUpdate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	var req dwellingReq
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	if err := h.s.UpdateDwelling(r.Context(), p, id, req.input(0)); err != nil {
		return err
	}
	d, err := h.s.GetDwelling(r.Context(), p, id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, dwellingJSON(d))
	return nil
}

func (h *handlers) apiDwellingDelete(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := h.s.DeleteDwelling(r.Context(), p, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
