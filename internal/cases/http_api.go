package cases

import (
	"net/http"
	"time"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/web"
)

func (s *Service) apiRoutes(srv *web.Server, h *handlers) {
	srv.API("GET", "/api/v1/case-types", PermRead, "", h.apiTypes)
	srv.API("GET", "/api/v1/cases", PermRead, "", h.apiList)
	srv.API("POST", "/api/v1/cases", PermReport, "", h.apiCreate)
	srv.API("GET", "/api/v1/cases/mywork", PermRead, "", h.apiMyWork)
	srv.API("GET", "/api/v1/cases/stats", PermStats, "", h.apiStats)
	srv.API("GET", "/api/v1/cases/{id}", PermRead, "case", h.apiCase)
	srv.API("POST", "/api/v1/cases/{id}/transitions", PermWork, "case", h.apiTransition)
	srv.API("POST", "/api/v1/cases/{id}/comments", PermWork, "case", h.apiComment)
}

// CaseJSON is a case in the API.
type CaseJSON struct {
	ID           int64  `json:"id"`
	Number       string `json:"number"`
	Type         string `json:"type"`
	TypeName     string `json:"type_name"`
	Category     string `json:"category"`
	CategoryName string `json:"category_name"`
	Stage        string `json:"stage"`
	StageName    string `json:"stage_name"`
	Title        string `json:"title"`
	Description  string `json:"description"`
	Location     string `json:"location"`
	Source       string `json:"source"`
	CommunityID  int64  `json:"community_id"`
	GridID       int64  `json:"grid_id,omitempty"`
	Level        string `json:"level"`
	HolderOrgID  int64  `json:"holder_org_id"`
	HolderName   string `json:"holder_name"`
	AssigneeID   int64  `json:"assignee_id,omitempty"`
	AssigneeName string `json:"assignee_name,omitempty"`
	ReporterName string `json:"reporter_name,omitempty"`
	PhoneMasked  string `json:"reporter_phone_masked,omitempty"`
	CreatedAt    string `json:"created_at"`
	RespondDueAt string `json:"respond_due_at"`
	RespondedAt  string `json:"responded_at,omitempty"`
	DueAt        string `json:"due_at"`
	ClosedAt     string `json:"closed_at,omitempty"`
	Overdue      bool   `json:"overdue"`
	DueSoon      bool   `json:"due_soon"`
	Resolved     *bool  `json:"resolved"`
	Rating       string `json:"rating,omitempty"`
	Escalations  int    `json:"escalations"`
	Reopened     int    `json:"reopened"`
	MergedInto   int64  `json:"merged_into,omitempty"`
}

// EventJSON is a timeline entry in the API.
type EventJSON struct {
	At     string   `json:"at"`
	Actor  string   `json:"actor"`
	Kind   string   `json:"kind"`
	Action string   `json:"action,omitempty"`
	Label  string   `json:"label"`
	From   string   `json:"from_stage,omitempty"`
	To     string   `json:"to_stage,omitempty"`
	Note   string   `json:"note,omitempty"`
	Reply  string   `json:"public_reply,omitempty"`
	Lines  []string `json:"details,omitempty"`
	Public bool     `json:"public"`
	Files  []int64  `json:"file_ids,omitempty"`
}

// CaseDetailJSON is one case with its history and what the caller may do next.
type CaseDetailJSON struct {
	CaseJSON
	Actions []ActionJSON `json:"actions"`
	Events  []EventJSON  `json:"events"`
}

// ActionJSON is a transition the caller may make.
type ActionJSON struct {
	Code   string  `json:"code"`
	Name   string  `json:"name"`
	To     string  `json:"to"`
	Note   string  `json:"note,omitempty"`
	Assign string  `json:"assign,omitempty"`
	Rating bool    `json:"rating,omitempty"`
	Fields []Field `json:"fields,omitempty"`
}

func isoTime(ms int64) string {
	if ms <= 0 {
		return ""
	}
	return time.UnixMilli(ms).In(web.Local).Format(time.RFC3339)
}

func caseJSON(c *Case) CaseJSON {
	j := CaseJSON{ID: c.ID, Number: c.Number(), Type: c.TypeCode, TypeName: c.TypeName(), Category: c.Category, CategoryName: c.CategoryName(),
		Stage: c.Stage, StageName: c.StageName(), Title: c.Title, Description: c.Description, Location: c.Location, Source: c.Source,
		CommunityID: c.CommunityID, GridID: c.GridID, Level: c.Level, HolderOrgID: c.HolderOrgID, HolderName: c.HolderName, AssigneeID: c.AssigneeID,
		AssigneeName: c.AssigneeName, ReporterName: c.ReporterName, PhoneMasked: c.PhoneMask, CreatedAt: isoTime(c.CreatedAt), RespondDueAt: isoTime(c.RespondDueAt),
		RespondedAt: isoTime(c.RespondedAt), DueAt: isoTime(c.DueAt), ClosedAt: isoTime(c.ClosedAt), Overdue: c.Overdue(), DueSoon: c.DueSoon(),
		Rating: c.Rating, Escalations: c.Escalations, Reopened: c.Reopened, MergedInto: c.MergedInto}
	if c.Resolved.Valid {
		b := c.Resolved.Bool
		j.Resolved = &b
	}
	return j
}

func (h *handlers) apiTypes(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	items, err := h.s.VisibleTypes(r.Context(), p)
	if err != nil {
		return err
	}
	if items == nil {
		items = []*TypeDef{}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

func (h *handlers) apiList(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	f := listFilter(r)
	f.Mine = r.URL.Query().Get("mine")
	f.Limit, f.Offset = web.QueryInt(r, "limit", 50, 1, 500), web.QueryInt(r, "offset", 0, 0, 1<<30)
	list, total, err := h.s.List(r.Context(), p, f)
	if err != nil {
		return err
	}
	items := make([]CaseJSON, 0, len(list))
	for _, c := range list {
		items = append(items, caseJSON(c))
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"total": total, "items": items})
	return nil
}

type createReq struct {
	Type          string `json:"type"`
	Category      string `json:"category"`
	Title         string `json:"title"`
	Description   string `json:"description"`
	Location      string `json:"location"`
	Source        string `json:"source"`
	CommunityID   int64  `json:"community_id"`
	GridID        int64  `json:"grid_id"`
	ReporterName  string `json:"reporter_name"`
	ReporterPhone string `json:"reporter_phone"`
}

func (h *handlers) apiCreate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var req createReq
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	id, err := h.s.Create(r.Context(), p, CreateInput{Type: req.Type, Category: req.Category, Title: req.Title, Description: req.Description, Location: req.Location,
		Source: req.Source, CommunityID: req.CommunityID, GridID: req.GridID, ReporterName: req.ReporterName, ReporterPhone: req.ReporterPhone})
	if err != nil {
		return err
	}
	return h.writeCase(w, r, p, id, http.StatusCreated)
}

func (h *handlers) writeCase(w http.ResponseWriter, r *http.Request, p *auth.Principal, id int64, status int) error {
	c, err := h.s.Get(r.Context(), p, id)
	if err != nil {
		return err
	}
	evs, err := h.s.Timeline(r.Context(), p, id)
	if err != nil {
		return err
	}
	d := CaseDetailJSON{CaseJSON: caseJSON(c), Actions: []ActionJSON{}, Events: []EventJSON{}}
	for _, tr := range c.Access.Actions {
		d.Actions = append(d.Actions, ActionJSON{Code: tr.Code, Name: tr.Name, To: tr.To, Note: tr.Note, Assign: tr.Assign, Rating: tr.Rating, Fields: tr.Fields})
	}
	for _, e := range evs {
		ej := EventJSON{At: isoTime(e.At), Actor: e.ActorName, Kind: e.Kind, Action: e.Action, Label: e.Label(), From: e.FromStage, To: e.ToStage,
			Note: e.Note, Reply: e.Reply, Lines: h.s.DetailLines(c, e, p.Can(PermRead)), Public: e.Public}
		for _, f := range e.Files {
			ej.Files = append(ej.Files, f.ID)
		}
		d.Events = append(d.Events, ej)
	}
	web.WriteJSON(w, status, d)
	return nil
}

func (h *handlers) apiCase(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	return h.writeCase(w, r, p, id, http.StatusOK)
}

type transitionReq struct {
	Action      string            `json:"action"`
	Fields      map[string]string `json:"fields"`
	Note        string            `json:"note"`
	Reply       string            `json:"public_reply"`
	AssigneeID  int64             `json:"assignee_id"`
	HolderOrgID int64             `json:"holder_org_id"`
	Rating      string            `json:"rating"`
	Reopen      bool              `json:"reopen"`
}

func (h *handlers) apiTransition(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	var req transitionReq
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	if err := h.s.Transition(r.Context(), p, id, TransitionInput{Action: req.Action, Fields: req.Fields, Note: req.Note, Reply: req.Reply, AssigneeID: req.AssigneeID,
		HolderOrgID: req.HolderOrgID, Rating: req.Rating, Reopen: req.Reopen}); err != nil {
		return err
	}
	return h.writeCase(w, r, p, id, http.StatusOK)
}

type commentReq struct {
	Note  string `json:"note"`
	Reply string `json:"public_reply"`
	// Public once showed the note to the resident; notes are internal now,
	// and true is refused rather than quietly ignored.
	Public bool `json:"public"`
}

func (h *handlers) apiComment(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	var req commentReq
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	if req.Public {
		errs := &i18n.Errors{}
		errs.Add("public", "cases.public_gone")
		return errs
	}
	if err := h.s.Comment(r.Context(), p, id, CommentInput{Note: req.Note, Reply: req.Reply}); err != nil {
		return err
	}
	return h.writeCase(w, r, p, id, http.StatusOK)
}

func (h *handlers) apiMyWork(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	c, err := h.s.MyWork(r.Context(), p)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]int{"intake": c.Intake, "todo": c.Todo, "due_soon": c.DueSoon, "today": c.Today, "overdue": c.Overdue, "first": c.First})
	return nil
}

// CountsJSON are a unit's or month's figures in the API.
type CountsJSON struct {
	Received          int     `json:"received"`
	ResponseRate      float64 `json:"response_rate"`
	OnTimeRate        float64 `json:"on_time_rate"`
	ResolutionRate    float64 `json:"resolution_rate"`
	SatisfactionRate  float64 `json:"satisfaction_rate"`
	MediationRate     float64 `json:"mediation_success_rate"`
	RectificationRate float64 `json:"rectification_rate"`
	Closed            int     `json:"closed"`
	OverdueOpen       int     `json:"overdue_open"`
	ClosedLate        int     `json:"closed_late"`
}

func countsJSON(c Counts) CountsJSON {
	return CountsJSON{Received: c.Received, ResponseRate: Rate(c.RespondedOK, c.RespondBase), OnTimeRate: Rate(c.ClosedOnTime, c.Closed),
		ResolutionRate: Rate(c.Resolved, c.Judged), SatisfactionRate: Rate(c.Satisfied, c.Rated), MediationRate: Rate(c.MediationOK, c.MediationJudged),
		RectificationRate: Rate(c.HazardRectified, c.HazardEngaged), Closed: c.Closed, OverdueOpen: c.OverdueOpen, ClosedLate: c.ClosedLate}
}

func (h *handlers) apiStats(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	st, err := h.s.Stats(r.Context(), p, statsFilter(r))
	if err != nil {
		return err
	}
	type rowJSON struct {
		UnitID int64  `json:"unit_id"`
		Name   string `json:"name"`
		Level  string `json:"level"`
		Depth  int    `json:"depth"`
		CountsJSON
	}
	type monthJSON struct {
		Month string `json:"month"`
		CountsJSON
	}
	out := struct {
		From   string      `json:"from"`
		To     string      `json:"to"`
		Total  CountsJSON  `json:"total"`
		Rows   []rowJSON   `json:"rows"`
		Months []monthJSON `json:"months"`
	}{From: st.From, To: st.To, Total: countsJSON(st.Total), Rows: []rowJSON{}, Months: []monthJSON{}}
	for _, row := range st.Rows {
		out.Rows = append(out.Rows, rowJSON{UnitID: row.UnitID, Name: row.Name, Level: row.Level, Depth: row.Depth, CountsJSON: countsJSON(row.Counts)})
	}
	for _, m := range st.Months {
		out.Months = append(out.Months, monthJSON{Month: m.Month, CountsJSON: countsJSON(m.Counts)})
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}
