package importflow

import (
	"context"
	"embed"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/importexport"
	"linli/internal/web"
)

//go:embed templates
var templateFS embed.FS

// CommunityOption is a community offered as the import's target.
type CommunityOption struct {
	ID   int64
	Name string
}

// Routes registers the import pages of im under prefix (e.g. "/places/import").
func (s *Service) Routes(srv *web.Server, im Importer, prefix string) {
	s.Register(im)
	srv.AddTemplates("importflow", templateFS)
	h := &flowHandlers{s: s, srv: srv, im: im, prefix: prefix}
	srv.AddAuditValues("import.", func(_ context.Context, _ audit.Entry, key, v string) (string, bool) {
		if key == "kind" && v == im.Kind() {
			return im.Title(), true
		}
		return "", false
	})
	kind := "upload_" + im.Kind()
	srv.Page("GET", prefix, im.Perm(), "", h.uploadForm)
	srv.Page("POST", prefix, im.Perm(), "", h.upload)
	srv.Page("GET", prefix+"/{id}", im.Perm(), kind, h.show)
	srv.Page("POST", prefix+"/{id}/check", im.Perm(), kind, h.check)
	srv.Page("POST", prefix+"/{id}/commit", im.Perm(), kind, h.commit)
	srv.Page("GET", prefix+"/{id}/report", im.Perm(), kind, h.report)
	srv.Page("POST", prefix+"/{id}/discard", im.Perm(), kind, h.discard)
}

type flowHandlers struct {
	s      *Service
	srv    *web.Server
	im     Importer
	prefix string
}

type uploadData struct {
	Prefix      string
	Recent      []*Upload
	Communities []CommunityOption
	Fields      []importexport.Field
	Max         string
}

func (h *flowHandlers) uploadForm(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return h.renderUpload(w, r, p, nil)
}

func (h *flowHandlers) renderUpload(w http.ResponseWriter, r *http.Request, p *auth.Principal, errs *i18n.Errors) error {
	var comms []CommunityOption
	if h.s.Communities != nil {
		var err error
		if comms, err = h.s.Communities(r.Context(), p); err != nil {
			return err
		}
	}
	recent, err := h.s.Recent(r.Context(), p, h.im.Kind())
	if err != nil {
		return err
	}
	v := web.View{Title: h.im.Title(), Data: uploadData{Prefix: h.prefix, Recent: recent, Communities: comms, Fields: h.im.Fields(), Max: web.HumanBytes(h.s.limits().MaxFileBytes)}, Errors: errs}
	if errs.Any() {
		v.Form = r.PostForm
	}
	return h.srv.Render(w, r, "importflow/upload.html", v)
}

func (h *flowHandlers) upload(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	community, _ := strconv.ParseInt(r.FormValue("community_id"), 10, 64)
	if !p.Scope.AllowsCommunity(community) {
		return auth.ErrForbidden
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		return h.renderUpload(w, r, p, fieldErr("file", "importflow.no_file"))
	}
	defer f.Close()
	id, err := h.s.Stage(r.Context(), p, h.im, community, hdr.Filename, f)
	var ie *i18n.Error
	if errors.As(err, &ie) && ie.Code != "forbidden" && ie.Code != "not_found" {
		e := &i18n.Errors{}
		e.Fields = append(e.Fields, i18n.FieldError{Field: "file", Msg: ie.Msg})
		return h.renderUpload(w, r, p, e)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, h.prefix+"/"+id, http.StatusSeeOther)
	return nil
}

func hasField(fields []importexport.Field, key string) bool {
	for _, f := range fields {
		if f.Key == key {
			return true
		}
	}
	return false
}

func fieldErr(field, key string, kv ...any) *i18n.Errors {
	e := &i18n.Errors{}
	e.Add(field, key, kv...)
	return e
}

type columnView struct {
	Index  int
	Letter string
	Header string
	Field  string
}

type showData struct {
	Prefix    string
	Upload    *Upload
	Columns   []columnView
	Fields    []importexport.Field
	Missing   []string
	Problems  []importexport.Problem
	Groups    []importexport.ProblemGroup
	MoreProbs int
	Places    []string
	MorePlace int
	// PlaceTree is the new places by estate (at most estatesShown);
	// PlacesOpen unfolds them when there are few.
	PlaceTree   []NewEstate
	MoreEstates int
	PlacesOpen  bool
	// Changes are the first updated records the page lists (the report has
	// the rest); MoreChanges how many it does not.
	Changes     []importexport.Change
	MoreChanges int
	CanCommit   bool
	Community   string
	// Grids of the community, offered for new buildings whose row names none;
	// Grid is the one chosen (or the only one).
	Grids []CommunityOption
	Grid  int64
}

func (h *flowHandlers) load(r *http.Request, p *auth.Principal) (*Upload, error) {
	u, err := h.s.Get(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if u.Kind != h.im.Kind() {
		return nil, auth.ErrNotFound
	}
	return u, nil
}

func (h *flowHandlers) show(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	u, err := h.load(r, p)
	if err != nil {
		return err
	}
	return h.renderShow(w, r, p, u, nil)
}

// changesShown is how many updated records the check page lists,
// estatesShown how many estates of new places.
const (
	changesShown = 20
	estatesShown = 100
)

func (h *flowHandlers) renderShow(w http.ResponseWriter, r *http.Request, p *auth.Principal, u *Upload, errs *i18n.Errors) error {
	d := showData{Prefix: h.prefix, Upload: u, Fields: h.im.Fields()}
	if u.State != StateCommitted && !u.Running() && h.s.Grids != nil && hasField(d.Fields, "grid") {
		grids, err := h.s.Grids(r.Context(), u.CommunityID)
		if err != nil {
			return err
		}
		d.Grids, d.Grid = grids, u.GridID
		if d.Grid == 0 && len(grids) == 1 {
			d.Grid = grids[0].ID
		}
	}
	if h.s.Communities != nil {
		comms, _ := h.s.Communities(r.Context(), p)
		for _, c := range comms {
			if c.ID == u.CommunityID {
				d.Community = c.Name
			}
		}
	}
	// While a run goes on the page shows only its progress (and refreshes
	// every two seconds): no need to unpack the file for the mapping.
	if u.State != StateCommitted && !u.Running() {
		m, _, cleanup, err := h.s.Mapping(r.Context(), u, h.im)
		if err != nil {
			return err
		}
		cleanup()
		for _, c := range m.Columns {
			d.Columns = append(d.Columns, columnView{Index: c.Index, Letter: importexport.ColumnName(c.Index), Header: c.Header, Field: c.Field})
		}
		for _, key := range m.Missing {
			for _, f := range d.Fields {
				if f.Key == key {
					d.Missing = append(d.Missing, f.Label)
				}
			}
		}
	}
	if res := u.Result; res != nil {
		d.Problems = res.Problems
		if len(res.Problems) > 1 {
			d.Groups = res.SortedGroups()
		}
		if len(d.Problems) > 200 {
			d.MoreProbs = res.Bad - 200
			d.Problems = d.Problems[:200]
		}
		d.Changes = res.Changes
		if len(d.Changes) > changesShown {
			d.Changes = d.Changes[:changesShown]
		}
		d.MoreChanges = res.Changed - len(d.Changes)
		d.PlaceTree = res.PlaceTree
		if len(d.PlaceTree) > estatesShown {
			d.MoreEstates = len(d.PlaceTree) - estatesShown
			d.PlaceTree = d.PlaceTree[:estatesShown]
		}
		d.PlacesOpen = len(d.PlaceTree) == 1
		d.Places = res.NewPlaces
		if len(d.Places) > 100 {
			d.MorePlace = len(d.Places) - 100
			d.Places = d.Places[:100]
		}
		d.CanCommit = u.State == StateChecked && res.Bad == 0 && res.Rows > 0
	}
	v := web.View{Title: h.im.Title(), Data: d, Errors: errs}
	return h.srv.Render(w, r, "importflow/show.html", v)
}

// check saves the mapping the user set and starts a dry run.
func (h *flowHandlers) check(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	u, err := h.load(r, p)
	if err != nil {
		return err
	}
	assignments := map[int]string{}
	for key, vals := range r.PostForm {
		if idx, ok := strings.CutPrefix(key, "col_"); ok {
			if n, err := strconv.Atoi(idx); err == nil && len(vals) > 0 {
				assignments[n] = vals[0]
			}
		}
	}
	if _, ok := r.PostForm["grid_id"]; ok {
		grid, _ := strconv.ParseInt(r.PostFormValue("grid_id"), 10, 64)
		if err := h.s.SetGrid(r.Context(), p, u, grid); err != nil {
			var ie *i18n.Error
			if errors.As(err, &ie) {
				return h.renderShow(w, r, p, u, fieldErr("grid_id", "importflow.grid_unknown"))
			}
			return err
		}
		if u, err = h.load(r, p); err != nil {
			return err
		}
	}
	if len(assignments) > 0 {
		if err := h.s.SetMapping(r.Context(), p, u, h.im, assignments); err != nil {
			var ie *i18n.Error
			if errors.As(err, &ie) {
				e := &i18n.Errors{}
				e.Fields = append(e.Fields, i18n.FieldError{Field: "mapping", Msg: ie.Msg})
				return h.renderShow(w, r, p, u, e)
			}
			return err
		}
		if u, err = h.load(r, p); err != nil {
			return err
		}
	}
	if err := h.s.Start(r.Context(), p, u, false); err != nil {
		return err
	}
	http.Redirect(w, r, h.prefix+"/"+u.ID, http.StatusSeeOther)
	return nil
}

func (h *flowHandlers) commit(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	u, err := h.load(r, p)
	if err != nil {
		return err
	}
	if err := h.s.Start(r.Context(), p, u, true); err != nil {
		return err
	}
	http.Redirect(w, r, h.prefix+"/"+u.ID, http.StatusSeeOther)
	return nil
}

func (h *flowHandlers) discard(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	u, err := h.load(r, p)
	if err != nil {
		return err
	}
	if err := h.s.Discard(r.Context(), p, u); err != nil {
		return err
	}
	return h.srv.Redirect(w, r, h.prefix, i18n.T("importflow.discarded"))
}

func (h *flowHandlers) report(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	u, err := h.load(r, p)
	if err != nil {
		return err
	}
	if u.Result == nil {
		return i18n.NewError("not_found", "importflow.no_report")
	}
	name := strings.TrimSuffix(u.Filename, ".xlsx")
	suffix := "-错误报告.xlsx"
	if len(u.Result.Problems) == 0 {
		suffix = "-检查结果.xlsx" // only the records it updates
	}
	name = strings.TrimSuffix(name, ".csv") + suffix
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	return importexport.WriteReportWithChanges(w, h.im.Title()+"："+u.Filename, u.Result.Problems, u.Result.Changes, u.Result.SortedGroups()...)
}
