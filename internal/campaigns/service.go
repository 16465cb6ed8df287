package campaigns

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/locale"
	"linli/internal/org"
	"linli/internal/uploads"
)

// Service keeps templates and runs.
type Service struct {
	DB    *db.DB
	Audit *audit.Log
	Org   *org.Service
	// Links are the kinds of records that may be evidence (activity, case,
	// visit …), filled while the app is wired.
	Links map[string]Linker
	// Now is the clock (tests move it); nil: time.Now.
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Today is today's date in the users' zone ("2026-12-08").
func (s *Service) Today() string { return s.now().In(locale.Zone).Format(time.DateOnly) }

// ThisYear is the current year in the users' zone.
func (s *Service) ThisYear() int { return s.now().In(locale.Zone).Year() }

// LinkKinds are the registered kinds of linked evidence, sorted.
func (s *Service) LinkKinds() []string {
	out := make([]string, 0, len(s.Links))
	for k := range s.Links {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ErrState refuses a step the campaign's state does not allow.
var ErrState = i18n.NewError("conflict", "campaigns.err_state")

// ---- templates ----

// Template is a street's campaign template.
type Template struct {
	ID, StreetID int64
	Name, Kind   string
	Title        string // the title awarded on passing ("平安社区")
	Phases       []Phase
	Criteria     []Criterion
	PassScore    int
}

// Total is the sum of the criteria's points.
func (t *Template) Total() int { return total(t.Criteria) }

func total(cs []Criterion) int {
	n := 0
	for _, c := range cs {
		if !c.Veto {
			n += c.Weight
		}
	}
	return n
}

const templateCols = `id, community_id, name, kind, title, phases, criteria, pass_score`

func scanTemplate(sc interface{ Scan(...any) error }) (*Template, error) {
	t := &Template{}
	var phases, criteria string
	if err := sc.Scan(&t.ID, &t.StreetID, &t.Name, &t.Kind, &t.Title, &phases, &criteria, &t.PassScore); err != nil {
		return nil, err
	}
	_ = json.Unmarshal([]byte(phases), &t.Phases)
	_ = json.Unmarshal([]byte(criteria), &t.Criteria)
	return t, nil
}

// Templates are the templates of street. (A street's templates are read by
// everyone under it: they hold words, no community's data.)
func (s *Service) Templates(ctx context.Context, street int64) ([]*Template, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT `+templateCols+` FROM campaign_template WHERE community_id = ? ORDER BY kind, name`, street)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Template
	for rows.Next() {
		t, err := scanTemplate(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// TemplateStreets are the streets whose templates p keeps.
func (s *Service) TemplateStreets(ctx context.Context, p *auth.Principal) ([]*org.Unit, error) {
	if !p.Can(PermCheck) {
		return nil, nil
	}
	return s.Org.InScope(ctx, p, org.Street)
}

// GetTemplate is a template p keeps (the street's check permission, the
// street in scope).
func (s *Service) GetTemplate(ctx context.Context, p *auth.Principal, id int64) (*Template, error) {
	if err := p.Require(PermCheck); err != nil {
		return nil, err
	}
	t, err := scanTemplate(s.DB.QueryRowContext(ctx, `SELECT `+templateCols+` FROM campaign_template WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, auth.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	u, ok := s.Org.Lookup(ctx, t.StreetID)
	if !ok || !p.Scope.AllowsOrgPath(u.Path) {
		return nil, auth.ErrNotFound
	}
	return t, nil
}

// TemplateInput is a template as typed: phases one a line "名称｜MM-DD",
// criteria one a line "编号｜内容｜分值｜否决｜佐证要求" (否决: 是 for a
// veto item, whose points are 0).
type TemplateInput struct {
	StreetID  int64
	Name      string
	Kind      string
	Title     string
	PassScore string
	Phases    string
	Criteria  string
}

var (
	splitRE = regexp.MustCompile(`\s*[|｜]\s*`)
	mmddRE  = regexp.MustCompile(`^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$`)
)

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r", ""), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func yes(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "是", "否决", "y", "yes", "1", "true":
		return true
	}
	return false
}

// ParsePhases reads the phases of a template.
func ParsePhases(text string, errs *i18n.Errors) []Phase {
	var out []Phase
	for i, l := range lines(text) {
		f := splitRE.Split(l, -1)
		if len(f) != 2 || f[0] == "" || !mmddRE.MatchString(f[1]) || len([]rune(f[0])) > 20 {
			errs.Add("phases", "campaigns.err_phase_line", "n", i+1)
			return nil
		}
		if len(out) > 0 && f[1] < out[len(out)-1].Until {
			errs.Add("phases", "campaigns.err_phase_order", "n", i+1)
			return nil
		}
		out = append(out, Phase{Name: f[0], Until: f[1]})
	}
	if len(out) == 0 && !errs.Any() {
		errs.Add("phases", "err.required", "field", i18n.T("campaigns.phases"))
	}
	return out
}

// ParseCriteria reads the criteria of a template.
func ParseCriteria(text string, errs *i18n.Errors) []Criterion {
	var out []Criterion
	seen := map[string]bool{}
	for i, l := range lines(text) {
		f := splitRE.Split(l, -1)
		for len(f) < 5 {
			f = append(f, "")
		}
		w, err := strconv.Atoi(f[2])
		c := Criterion{Code: f[0], Text: f[1], Weight: w, Veto: yes(f[3]), Evidence: f[4]}
		if c.Veto && f[2] == "" {
			w, err = 0, nil
			c.Weight = 0
		}
		if len(f) > 5 || c.Code == "" || c.Text == "" || err != nil || w < 0 || w > 100 || (c.Veto && w != 0) || len([]rune(c.Code)) > 10 ||
			len([]rune(c.Text)) > 200 || len([]rune(c.Evidence)) > 200 {
			errs.Add("criteria", "campaigns.err_criterion_line", "n", i+1)
			return nil
		}
		if seen[c.Code] {
			errs.Add("criteria", "campaigns.err_criterion_code", "code", c.Code)
			return nil
		}
		seen[c.Code] = true
		out = append(out, c)
	}
	if len(out) == 0 && !errs.Any() {
		errs.Add("criteria", "err.required", "field", i18n.T("campaigns.criteria"))
	}
	return out
}

// PhasesText and CriteriaText write a template back as typed.
func (t *Template) PhasesText() string {
	var b strings.Builder
	for _, p := range t.Phases {
		b.WriteString(p.Name + "｜" + p.Until + "\n")
	}
	return b.String()
}

// CriteriaText writes the criteria as typed.
func (t *Template) CriteriaText() string {
	var b strings.Builder
	for _, c := range t.Criteria {
		veto := ""
		if c.Veto {
			veto = "是"
		}
		b.WriteString(c.Code + "｜" + c.Text + "｜" + strconv.Itoa(c.Weight) + "｜" + veto + "｜" + c.Evidence + "\n")
	}
	return b.String()
}

// SaveTemplate adds a template to a street (id 0) or replaces one whole.
// Runs already started keep their copy.
func (s *Service) SaveTemplate(ctx context.Context, p *auth.Principal, id int64, in TemplateInput) (int64, error) {
	if err := p.Require(PermCheck); err != nil {
		return 0, err
	}
	errs := &i18n.Errors{}
	if id != 0 {
		t, err := s.GetTemplate(ctx, p, id)
		if err != nil {
			return 0, err
		}
		in.StreetID = t.StreetID
	}
	u, ok := s.Org.Lookup(ctx, in.StreetID)
	if !ok || u.Level != org.Street {
		errs.Add("street_id", "campaigns.err_street")
		return 0, errs
	}
	if !p.Scope.AllowsOrgPath(u.Path) {
		return 0, auth.ErrNotFound
	}
	in.Name, in.Title = strings.TrimSpace(in.Name), strings.TrimSpace(in.Title)
	if errs.Required("name", i18n.T("campaigns.name"), in.Name) {
		errs.MaxLen("name", i18n.T("campaigns.name"), in.Name, 40)
	}
	errs.MaxLen("title", i18n.T("campaigns.title_awarded"), in.Title, 40)
	if in.Kind != KindCampaign && in.Kind != KindSelection {
		errs.Add("kind", "err.choice", "field", i18n.T("campaigns.kind"))
	}
	phases := ParsePhases(in.Phases, errs)
	criteria := ParseCriteria(in.Criteria, errs)
	pass, err := strconv.Atoi(strings.TrimSpace(in.PassScore))
	if err != nil || pass < 0 {
		errs.Add("pass_score", "campaigns.err_pass_score", "total", total(criteria))
	} else if len(criteria) > 0 && pass > total(criteria) {
		errs.Add("pass_score", "campaigns.err_pass_score", "total", total(criteria))
	}
	if errs.Any() {
		return 0, errs
	}
	pj, _ := json.Marshal(phases)
	cj, _ := json.Marshal(criteria)
	now := s.now().UnixMilli()
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		action := "campaigns.template_edit"
		if id == 0 {
			action = "campaigns.template_add"
			if err := tx.QueryRowContext(ctx, `INSERT INTO campaign_template (community_id, name, kind, title, phases, criteria, pass_score, updated_by, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, u.ID, in.Name, in.Kind, in.Title, string(pj), string(cj), pass, p.UserID, now).Scan(&id); err != nil {
				return err
			}
		} else if _, err := tx.ExecContext(ctx, `UPDATE campaign_template SET name = ?, kind = ?, title = ?, phases = ?, criteria = ?, pass_score = ?, updated_by = ?, updated_at = ?
			WHERE community_id = ? AND id = ?`, in.Name, in.Kind, in.Title, string(pj), string(cj), pass, p.UserID, now, u.ID, id); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, action, "campaign_template", id, u.ID, audit.Success).WithDetail(map[string]any{"name": in.Name}))
	})
	if db.IsUniqueViolation(err) {
		errs.Add("name", "campaigns.err_name_taken", "name", in.Name)
		return 0, errs
	}
	return id, err
}

// ---- runs ----

// Campaign is a community's run of a template, as p may see it.
type Campaign struct {
	ID, CommunityID, TemplateID int64
	CommunityName               string
	Name, Kind, Title           string
	Year                        int
	Phases                      []Phase
	Criteria                    []Criterion
	PassScore                   int
	State                       string
	Leaders                     []Member
	Result                      string // "", "passed", "failed"
	TitleAwarded                string
	ValidUntil, ReexamOn        string
	Progress                    Progress
	Access                      Access
}

// Access is what p may do with a campaign.
type Access struct {
	Run       bool // leading group, tasks, evidence (until accepted)
	SelfCheck bool
	Check     bool
	Accept    bool
}

// Progress is a campaign at a glance: criteria met (full points at the
// latest stage scored, a veto item passed), criteria without evidence,
// tasks past their deadline and not done.
type Progress struct {
	Criteria  int `json:"criteria"`
	Met       int `json:"met"`
	Missing   int `json:"evidence_missing"`
	TasksLate int `json:"tasks_late"`
	TasksOpen int `json:"tasks_open"`
}

// Phase is the phase the campaign is in by its dates (the first not yet
// over), or the last.
func (c *Campaign) Phase(today string) string {
	for _, ph := range c.Phases {
		if ph.Until >= today {
			return ph.Name
		}
	}
	if len(c.Phases) > 0 {
		return c.Phases[len(c.Phases)-1].Name
	}
	return ""
}

// Total is the sum of the criteria's points.
func (c *Campaign) Total() int { return total(c.Criteria) }

const campaignCols = `c.id, c.community_id, c.template_id, c.name, c.kind, c.title, c.year, c.phases, c.criteria, c.pass_score, c.state, c.leaders,
	c.result, c.title_awarded, c.valid_until, c.reexam_on`

func scanCampaign(sc interface{ Scan(...any) error }) (*Campaign, error) {
	c := &Campaign{}
	var phases, criteria, leaders string
	if err := sc.Scan(&c.ID, &c.CommunityID, &c.TemplateID, &c.Name, &c.Kind, &c.Title, &c.Year, &phases, &criteria, &c.PassScore, &c.State, &leaders,
		&c.Result, &c.TitleAwarded, &c.ValidUntil, &c.ReexamOn); err != nil {
		return nil, err
	}
	_ = json.Unmarshal([]byte(phases), &c.Phases)
	_ = json.Unmarshal([]byte(criteria), &c.Criteria)
	_ = json.Unmarshal([]byte(leaders), &c.Leaders)
	return c, nil
}

// scopeSQL restricts campaign rows to what p reaches (org.Service.Partitions:
// a community's staff their community's, a street's staff all under it).
func (s *Service) scopeSQL(ctx context.Context, p *auth.Principal, col string) (string, []any) {
	if p.Scope.All {
		return "1=1", nil
	}
	return s.DB.Dialect().IDSet(col, s.Org.Partitions(ctx, p))
}

// access is what p may do with c.
func (s *Service) access(ctx context.Context, p *auth.Principal, c *Campaign) Access {
	holds := s.Org.HoldsPartition(ctx, p, c.CommunityID)
	street := false
	if u, ok := s.Org.Lookup(ctx, c.CommunityID); ok && p.Can(PermCheck) {
		if st := s.Org.StreetOf(ctx, u); st != nil {
			street = p.Scope.AllowsOrgPath(st.Path)
		}
	}
	run := p.Can(PermRun) && holds && c.State != StateAccepted
	return Access{
		Run:       run,
		SelfCheck: run && (c.State == StateRunning || c.State == StateSelfChecked || c.State == StateFailed),
		Check:     street && (c.State == StateSelfChecked || c.State == StateChecked || c.State == StateFailed),
		Accept:    street && c.State == StateChecked,
	}
}

// Filter narrows a list.
type Filter struct {
	State string
	Year  int
}

// List are the campaigns p reaches, with their progress.
func (s *Service) List(ctx context.Context, p *auth.Principal, f Filter) ([]*Campaign, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	cond, args := s.scopeSQL(ctx, p, "c.community_id")
	q := `SELECT ` + campaignCols + ` FROM campaign c WHERE ` + cond
	if f.State != "" {
		q += ` AND c.state = ?`
		args = append(args, f.State)
	}
	if f.Year != 0 {
		q += ` AND c.year = ?`
		args = append(args, f.Year)
	}
	rows, err := s.DB.QueryContext(ctx, q+` ORDER BY c.year DESC, c.community_id, c.name LIMIT 500`, args...)
	if err != nil {
		return nil, err
	}
	var out []*Campaign
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, c := range out {
		if err := s.fill(ctx, p, c); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// fill adds a campaign's community name, progress and access.
func (s *Service) fill(ctx context.Context, p *auth.Principal, c *Campaign) error {
	if u, ok := s.Org.Lookup(ctx, c.CommunityID); ok {
		c.CommunityName = u.Name
	}
	c.Access = s.access(ctx, p, c)
	d, err := s.details(ctx, c)
	if err != nil {
		return err
	}
	c.Progress = d.progress(c, s.Today())
	return nil
}

// Get is campaign id if p reaches it.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id int64) (*Campaign, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	cond, args := s.scopeSQL(ctx, p, "c.community_id")
	c, err := scanCampaign(s.DB.QueryRowContext(ctx, `SELECT `+campaignCols+` FROM campaign c WHERE c.id = ? AND `+cond, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, auth.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return c, s.fill(ctx, p, c)
}

// Task is a campaign task.
type Task struct {
	ID, CampaignID           int64
	Title, Department, Owner string
	Deadline, Origin         string
	Criterion                string
	DoneAt                   int64
	Late                     bool
}

// Evidence is one piece of evidence (the file's bytes are read apart).
type Evidence struct {
	ID          int64
	Criterion   string
	Kind        string
	LinkKind    string
	LinkID      int64
	Title, Note string
	ContentType string
	Size        int64
	CreatedAt   int64
}

// Href is where the evidence opens.
func (e *Evidence) Href() string {
	if e.Kind == EvidenceFile {
		return "/campaigns/evidence/" + strconv.FormatInt(e.ID, 10) + "/file"
	}
	return ""
}

// Score is a criterion's score at a stage.
type Score struct {
	Stage, Criterion string
	Points           int
	VetoFailed       bool
	Note             string
}

// Details are a campaign's tasks, evidence and scores.
type Details struct {
	Tasks    []*Task
	Evidence []*Evidence
	Scores   map[string]map[string]*Score // stage → criterion → score
}

// ByCriterion is the evidence of criterion code.
func (d *Details) ByCriterion(code string) []*Evidence {
	var out []*Evidence
	for _, e := range d.Evidence {
		if e.Criterion == code {
			out = append(out, e)
		}
	}
	return out
}

// Score is criterion code's score at stage (nil: none).
func (d *Details) Score(stage, code string) *Score { return d.Scores[stage][code] }

// StageTotal is the points of a stage and whether a veto item failed there.
func (d *Details) StageTotal(stage string) (int, bool) {
	n, vetoed := 0, false
	for _, sc := range d.Scores[stage] {
		n += sc.Points
		vetoed = vetoed || sc.VetoFailed
	}
	return n, vetoed
}

func (d *Details) progress(c *Campaign, today string) Progress {
	pr := Progress{Criteria: len(c.Criteria)}
	stage := StageSelf
	if len(d.Scores[StageCheck]) > 0 {
		stage = StageCheck
	}
	for _, cr := range c.Criteria {
		if len(d.ByCriterion(cr.Code)) == 0 {
			pr.Missing++
		}
		if sc := d.Score(stage, cr.Code); sc != nil && ((cr.Veto && !sc.VetoFailed) || (!cr.Veto && sc.Points >= cr.Weight)) {
			pr.Met++
		}
	}
	for _, t := range d.Tasks {
		if t.DoneAt == 0 {
			pr.TasksOpen++
			if t.Late {
				pr.TasksLate++
			}
		}
	}
	return pr
}

// details reads c's tasks, evidence and scores (c was read within scope).
func (s *Service) details(ctx context.Context, c *Campaign) (*Details, error) {
	d := &Details{Scores: map[string]map[string]*Score{}}
	today := s.Today()
	rows, err := s.DB.QueryContext(ctx, `SELECT id, title, department, owner, deadline, origin, criterion, done_at FROM campaign_task
		WHERE community_id = ? AND campaign_id = ? ORDER BY done_at <> 0, deadline, id`, c.CommunityID, c.ID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		t := &Task{CampaignID: c.ID}
		if err := rows.Scan(&t.ID, &t.Title, &t.Department, &t.Owner, &t.Deadline, &t.Origin, &t.Criterion, &t.DoneAt); err != nil {
			rows.Close()
			return nil, err
		}
		t.Late = t.DoneAt == 0 && t.Deadline < today
		d.Tasks = append(d.Tasks, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = s.DB.QueryContext(ctx, `SELECT id, criterion, kind, link_kind, link_id, title, note, content_type, size, created_at FROM campaign_evidence
		WHERE community_id = ? AND campaign_id = ? ORDER BY id`, c.CommunityID, c.ID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		e := &Evidence{}
		if err := rows.Scan(&e.ID, &e.Criterion, &e.Kind, &e.LinkKind, &e.LinkID, &e.Title, &e.Note, &e.ContentType, &e.Size, &e.CreatedAt); err != nil {
			rows.Close()
			return nil, err
		}
		d.Evidence = append(d.Evidence, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = s.DB.QueryContext(ctx, `SELECT stage, criterion, points, veto_failed, note FROM campaign_score WHERE community_id = ? AND campaign_id = ?`, c.CommunityID, c.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		sc := &Score{}
		if err := rows.Scan(&sc.Stage, &sc.Criterion, &sc.Points, &sc.VetoFailed, &sc.Note); err != nil {
			return nil, err
		}
		if d.Scores[sc.Stage] == nil {
			d.Scores[sc.Stage] = map[string]*Score{}
		}
		d.Scores[sc.Stage][sc.Criterion] = sc
	}
	return d, rows.Err()
}

// Details are campaign id's tasks, evidence and scores, if p reaches it.
func (s *Service) Details(ctx context.Context, p *auth.Principal, id int64) (*Campaign, *Details, error) {
	c, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, nil, err
	}
	d, err := s.details(ctx, c)
	return c, d, err
}

// Communities are the communities p may start a campaign in.
func (s *Service) Communities(ctx context.Context, p *auth.Principal) ([]*org.Unit, error) {
	if !p.Can(PermRun) {
		return nil, nil
	}
	units, err := s.Org.InScope(ctx, p, org.Community)
	if err != nil {
		return nil, err
	}
	var out []*org.Unit
	for _, u := range units {
		if s.Org.HoldsPartition(ctx, p, u.ID) {
			out = append(out, u)
		}
	}
	return out, nil
}

// StartInput starts a campaign.
type StartInput struct {
	CommunityID, TemplateID int64
	Year                    int
}

// Start starts community's run of a template of its street, copying the
// template (its phases dated in the year).
func (s *Service) Start(ctx context.Context, p *auth.Principal, in StartInput) (int64, error) {
	if err := p.Require(PermRun); err != nil {
		return 0, err
	}
	errs := &i18n.Errors{}
	u, ok := s.Org.Lookup(ctx, in.CommunityID)
	if !ok || u.Level != org.Community {
		errs.Add("community_id", "campaigns.err_community")
		return 0, errs
	}
	if !s.Org.HoldsPartition(ctx, p, u.ID) {
		return 0, auth.ErrNotFound
	}
	if in.Year < 2000 || in.Year > 2100 {
		errs.Add("year", "campaigns.err_year")
	}
	st := s.Org.StreetOf(ctx, u)
	var t *Template
	if st != nil {
		var err error
		t, err = scanTemplate(s.DB.QueryRowContext(ctx, `SELECT `+templateCols+` FROM campaign_template WHERE community_id = ? AND id = ?`, st.ID, in.TemplateID))
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, err
		}
	}
	if t == nil {
		errs.Add("template_id", "campaigns.err_template")
	}
	if errs.Any() {
		return 0, errs
	}
	phases := make([]Phase, len(t.Phases))
	for i, ph := range t.Phases {
		phases[i] = Phase{Name: ph.Name, Until: strconv.Itoa(in.Year) + "-" + ph.Until}
	}
	pj, _ := json.Marshal(phases)
	cj, _ := json.Marshal(t.Criteria)
	var id int64
	now := s.now().UnixMilli()
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO campaign (community_id, template_id, name, kind, title, year, phases, criteria, pass_score, state, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, u.ID, t.ID, t.Name, t.Kind, t.Title, in.Year, string(pj), string(cj), t.PassScore, StateRunning,
			p.UserID, now, now).Scan(&id); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "campaigns.start", "campaign", id, u.ID, audit.Success).WithDetail(map[string]any{"name": t.Name + " " + strconv.Itoa(in.Year)}))
	})
	if db.IsUniqueViolation(err) {
		errs.Add("template_id", "campaigns.err_started", "name", t.Name, "year", in.Year)
		return 0, errs
	}
	return id, err
}

// writable is campaign id for a write p's access allows (ok(access)).
func (s *Service) writable(ctx context.Context, p *auth.Principal, id int64, perm auth.Perm, ok func(Access) bool) (*Campaign, error) {
	if err := p.Require(perm); err != nil {
		return nil, err
	}
	c, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if !ok(c.Access) {
		if perm == PermRun && !s.Org.HoldsPartition(ctx, p, c.CommunityID) {
			return nil, auth.ErrForbidden
		}
		return nil, ErrState
	}
	return c, nil
}

func (s *Service) touch(ctx context.Context, tx *db.Tx, c *Campaign) error {
	_, err := tx.ExecContext(ctx, `UPDATE campaign SET updated_at = ? WHERE community_id = ? AND id = ?`, s.now().UnixMilli(), c.CommunityID, c.ID)
	return err
}

// SetGroup replaces the leading group, typed one a line "组长｜姓名｜单位职务"
// (role: 组长, 副组长 or 组员).
func (s *Service) SetGroup(ctx context.Context, p *auth.Principal, id int64, text string) error {
	c, err := s.writable(ctx, p, id, PermRun, func(a Access) bool { return a.Run })
	if err != nil {
		return err
	}
	errs := &i18n.Errors{}
	roles := map[string]string{"组长": "leader", "副组长": "deputy", "组员": "member", "成员": "member"}
	var group []Member
	for i, l := range lines(text) {
		f := splitRE.Split(l, -1)
		for len(f) < 3 {
			f = append(f, "")
		}
		role, ok := roles[f[0]]
		if !ok || f[1] == "" || len(f) > 3 || len([]rune(f[1])) > 20 || len([]rune(f[2])) > 60 {
			errs.Add("group", "campaigns.err_group_line", "n", i+1)
			return errs
		}
		group = append(group, Member{Role: role, Name: f[1], Unit: f[2]})
	}
	if len(group) > 50 {
		errs.Add("group", "campaigns.err_group_size")
		return errs
	}
	gj, _ := json.Marshal(group)
	if group == nil {
		gj = []byte("[]")
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE campaign SET leaders = ?, updated_at = ? WHERE community_id = ? AND id = ?`, string(gj), s.now().UnixMilli(), c.CommunityID, c.ID); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "campaigns.group", "campaign", c.ID, c.CommunityID, audit.Success).WithDetail(map[string]any{"members": len(group)}))
	})
}

// GroupText writes the leading group back as typed.
func (c *Campaign) GroupText() string {
	names := map[string]string{"leader": "组长", "deputy": "副组长", "member": "组员"}
	var b strings.Builder
	for _, m := range c.Leaders {
		b.WriteString(names[m.Role] + "｜" + m.Name + "｜" + m.Unit + "\n")
	}
	return b.String()
}

// TaskInput is a planned task.
type TaskInput struct {
	Title, Department, Owner, Deadline, Criterion string
}

func (c *Campaign) criterion(code string) *Criterion {
	for i := range c.Criteria {
		if c.Criteria[i].Code == code {
			return &c.Criteria[i]
		}
	}
	return nil
}

func checkDate(errs *i18n.Errors, field, label, v string) {
	if _, err := time.Parse(time.DateOnly, v); err != nil {
		errs.Add(field, "campaigns.err_date", "field", label)
	}
}

// AddTask plans a task.
func (s *Service) AddTask(ctx context.Context, p *auth.Principal, id int64, in TaskInput) (int64, error) {
	c, err := s.writable(ctx, p, id, PermRun, func(a Access) bool { return a.Run })
	if err != nil {
		return 0, err
	}
	errs := &i18n.Errors{}
	in.Title, in.Department, in.Owner, in.Deadline = strings.TrimSpace(in.Title), strings.TrimSpace(in.Department), strings.TrimSpace(in.Owner), strings.TrimSpace(in.Deadline)
	if errs.Required("title", i18n.T("campaigns.task"), in.Title) {
		errs.MaxLen("title", i18n.T("campaigns.task"), in.Title, 100)
	}
	if errs.Required("department", i18n.T("campaigns.department"), in.Department) {
		errs.MaxLen("department", i18n.T("campaigns.department"), in.Department, 40)
	}
	if errs.Required("owner", i18n.T("campaigns.owner"), in.Owner) {
		errs.MaxLen("owner", i18n.T("campaigns.owner"), in.Owner, 20)
	}
	checkDate(errs, "deadline", i18n.T("campaigns.deadline"), in.Deadline)
	if in.Criterion != "" && c.criterion(in.Criterion) == nil {
		errs.Add("criterion", "err.choice", "field", i18n.T("campaigns.criterion"))
	}
	if errs.Any() {
		return 0, errs
	}
	var tid int64
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO campaign_task (community_id, campaign_id, title, department, owner, deadline, origin, criterion, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, c.CommunityID, c.ID, in.Title, in.Department, in.Owner, in.Deadline, OriginPlan, in.Criterion,
			p.UserID, s.now().UnixMilli()).Scan(&tid); err != nil {
			return err
		}
		if err := s.touch(ctx, tx, c); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "campaigns.task_add", "campaign_task", tid, c.CommunityID, audit.Success).WithDetail(map[string]any{"name": in.Title}))
	})
	return tid, err
}

// taskCampaign is the campaign of task id, if p reaches it.
func (s *Service) taskCampaign(ctx context.Context, p *auth.Principal, taskID int64) (*Task, int64, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, 0, err
	}
	cond, args := s.scopeSQL(ctx, p, "community_id")
	t := &Task{ID: taskID}
	err := s.DB.QueryRowContext(ctx, `SELECT campaign_id, title, done_at FROM campaign_task WHERE id = ? AND `+cond, append([]any{taskID}, args...)...).Scan(&t.CampaignID, &t.Title, &t.DoneAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, auth.ErrNotFound
	}
	return t, t.CampaignID, err
}

// DoneTask marks a task done (a rectification done closes its finding).
func (s *Service) DoneTask(ctx context.Context, p *auth.Principal, taskID int64) (int64, error) {
	t, cid, err := s.taskCampaign(ctx, p, taskID)
	if err != nil {
		return 0, err
	}
	c, err := s.writable(ctx, p, cid, PermRun, func(a Access) bool { return a.Run })
	if err != nil {
		return 0, err
	}
	if t.DoneAt != 0 {
		return c.ID, nil
	}
	return c.ID, s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE campaign_task SET done_at = ? WHERE community_id = ? AND id = ? AND done_at = 0`, s.now().UnixMilli(), c.CommunityID, taskID); err != nil {
			return err
		}
		if err := s.touch(ctx, tx, c); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "campaigns.task_done", "campaign_task", taskID, c.CommunityID, audit.Success).WithDetail(map[string]any{"name": t.Title}))
	})
}

// EvidenceInput attaches evidence to a criterion: a link (LinkKind, LinkID)
// to a record p may see in the campaign's community, or a file.
type EvidenceInput struct {
	Criterion string
	LinkKind  string
	LinkID    int64
	Note      string
	File      *uploads.File
}

// AddEvidence attaches evidence.
func (s *Service) AddEvidence(ctx context.Context, p *auth.Principal, id int64, in EvidenceInput) (int64, error) {
	c, err := s.writable(ctx, p, id, PermRun, func(a Access) bool { return a.Run })
	if err != nil {
		return 0, err
	}
	errs := &i18n.Errors{}
	if c.criterion(in.Criterion) == nil {
		errs.Add("criterion", "err.choice", "field", i18n.T("campaigns.criterion"))
	}
	in.Note = strings.TrimSpace(in.Note)
	errs.MaxLen("note", i18n.T("campaigns.note"), in.Note, 200)
	ev := Evidence{Criterion: in.Criterion, Note: in.Note}
	var data []byte
	switch {
	case in.File != nil:
		f, ok := checkFile(*in.File, errs)
		if ok {
			ev.Kind, ev.Title, ev.ContentType, ev.Size, data = EvidenceFile, f.Name, f.ContentType, int64(len(f.Data)), f.Data
		}
	case in.LinkKind != "":
		l, ok := s.Links[in.LinkKind]
		if !ok {
			errs.Add("link_kind", "err.choice", "field", i18n.T("campaigns.link_kind"))
			break
		}
		ref, err := l.Resolve(ctx, p, in.LinkID)
		if errors.Is(err, auth.ErrNotFound) || errors.Is(err, auth.ErrForbidden) || (err == nil && ref.CommunityID != c.CommunityID) {
			errs.Add("link_id", "campaigns.err_link")
			break
		}
		if err != nil {
			return 0, err
		}
		ev.Kind, ev.LinkKind, ev.LinkID, ev.Title = EvidenceLink, in.LinkKind, in.LinkID, ref.Title
	default:
		errs.Add("link_id", "campaigns.err_evidence_none")
	}
	if errs.Any() {
		return 0, errs
	}
	var eid int64
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO campaign_evidence (community_id, campaign_id, criterion, kind, link_kind, link_id, title, note, content_type, size, data, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, c.CommunityID, c.ID, ev.Criterion, ev.Kind, ev.LinkKind, ev.LinkID, ev.Title, ev.Note, ev.ContentType,
			ev.Size, data, p.UserID, s.now().UnixMilli()).Scan(&eid); err != nil {
			return err
		}
		if err := s.touch(ctx, tx, c); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "campaigns.evidence", "campaign_evidence", eid, c.CommunityID, audit.Success).
			WithDetail(map[string]any{"code": ev.Criterion, "name": ev.Title}))
	})
	return eid, err
}

// EvidenceHref is where linked evidence opens (its module's page), read at
// show time through the module, so that p's scope still applies ("" when p
// may no longer see it).
func (s *Service) EvidenceHref(ctx context.Context, p *auth.Principal, e *Evidence) string {
	if e.Kind == EvidenceFile {
		return e.Href()
	}
	l, ok := s.Links[e.LinkKind]
	if !ok {
		return ""
	}
	ref, err := l.Resolve(ctx, p, e.LinkID)
	if err != nil {
		return ""
	}
	return ref.Href
}

// File is an evidence file to serve.
type File struct {
	Name, ContentType string
	Data              []byte
}

// EvidenceFile is the file of evidence id, if p reaches its campaign.
func (s *Service) EvidenceFile(ctx context.Context, p *auth.Principal, id int64) (*File, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	cond, args := s.scopeSQL(ctx, p, "community_id")
	f := &File{}
	err := s.DB.QueryRowContext(ctx, `SELECT title, content_type, data FROM campaign_evidence WHERE id = ? AND kind = 'file' AND `+cond, append([]any{id}, args...)...).
		Scan(&f.Name, &f.ContentType, &f.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, auth.ErrNotFound
	}
	return f, err
}

// ScoreInput is one criterion's score as typed.
type ScoreInput struct {
	Criterion  string
	Points     string
	VetoFailed bool
	Note       string
}

// checkScores reads a stage's scores: every criterion once, points 0..weight
// (a veto item: pass or fail, no points).
func checkScores(c *Campaign, in []ScoreInput, errs *i18n.Errors) []Score {
	byCode := map[string]ScoreInput{}
	for _, x := range in {
		byCode[x.Criterion] = x
	}
	var out []Score
	for _, cr := range c.Criteria {
		x, ok := byCode[cr.Code]
		field := "points_" + cr.Code
		if !ok {
			errs.Add(field, "campaigns.err_points", "code", cr.Code, "max", cr.Weight)
			continue
		}
		sc := Score{Criterion: cr.Code, Note: strings.TrimSpace(x.Note)}
		errs.MaxLen("note_"+cr.Code, i18n.T("campaigns.note"), sc.Note, 200)
		if cr.Veto {
			sc.VetoFailed = x.VetoFailed
		} else {
			n, err := strconv.Atoi(strings.TrimSpace(x.Points))
			if err != nil || n < 0 || n > cr.Weight {
				errs.Add(field, "campaigns.err_points", "code", cr.Code, "max", cr.Weight)
				continue
			}
			sc.Points = n
		}
		out = append(out, sc)
	}
	return out
}

func (s *Service) saveScores(ctx context.Context, tx *db.Tx, p *auth.Principal, c *Campaign, stage string, scores []Score) error {
	now := s.now().UnixMilli()
	for _, sc := range scores {
		if _, err := tx.ExecContext(ctx, `INSERT INTO campaign_score (community_id, campaign_id, stage, criterion, points, veto_failed, note, scored_by, scored_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (community_id, campaign_id, stage, criterion) DO UPDATE SET points = excluded.points, veto_failed = excluded.veto_failed, note = excluded.note,
				scored_by = excluded.scored_by, scored_at = excluded.scored_at`, c.CommunityID, c.ID, stage, sc.Criterion, sc.Points, sc.VetoFailed, sc.Note, p.UserID, now); err != nil {
			return err
		}
	}
	return nil
}

func sum(scores []Score) (int, bool) {
	n, vetoed := 0, false
	for _, sc := range scores {
		n += sc.Points
		vetoed = vetoed || sc.VetoFailed
	}
	return n, vetoed
}

// SelfCheck records the community's self-check of every criterion and
// hands the campaign to the street (again after a failed acceptance).
func (s *Service) SelfCheck(ctx context.Context, p *auth.Principal, id int64, in []ScoreInput) error {
	c, err := s.writable(ctx, p, id, PermRun, func(a Access) bool { return a.SelfCheck })
	if err != nil {
		return err
	}
	errs := &i18n.Errors{}
	scores := checkScores(c, in, errs)
	if errs.Any() {
		return errs
	}
	n, vetoed := sum(scores)
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.saveScores(ctx, tx, p, c, StageSelf, scores); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE campaign SET state = ?, updated_at = ? WHERE community_id = ? AND id = ?`, StateSelfChecked, s.now().UnixMilli(), c.CommunityID, c.ID); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "campaigns.self_check", "campaign", c.ID, c.CommunityID, audit.Success).
			WithDetail(map[string]any{"after": scoreText(n, vetoed)}))
	})
}

// Finding is a check finding: what to rectify, under which criterion, by when.
type Finding struct {
	Criterion, Text, Deadline string
}

// ParseFindings reads findings typed one a line "编号｜问题｜整改期限".
func ParseFindings(c *Campaign, text string, errs *i18n.Errors) []Finding {
	var out []Finding
	for i, l := range lines(text) {
		f := splitRE.Split(l, -1)
		if len(f) != 3 || c.criterion(f[0]) == nil || f[1] == "" || len([]rune(f[1])) > 100 {
			errs.Add("findings", "campaigns.err_finding_line", "n", i+1)
			return nil
		}
		if _, err := time.Parse(time.DateOnly, f[2]); err != nil {
			errs.Add("findings", "campaigns.err_finding_line", "n", i+1)
			return nil
		}
		out = append(out, Finding{Criterion: f[0], Text: f[1], Deadline: f[2]})
	}
	return out
}

// CheckInput is the street's check: a score per criterion and findings.
type CheckInput struct {
	Scores   []ScoreInput
	Findings string
}

// Check records the street's check; each finding becomes a rectification
// task of the community with its deadline.
func (s *Service) Check(ctx context.Context, p *auth.Principal, id int64, in CheckInput) error {
	c, err := s.writable(ctx, p, id, PermCheck, func(a Access) bool { return a.Check })
	if err != nil {
		return err
	}
	errs := &i18n.Errors{}
	scores := checkScores(c, in.Scores, errs)
	findings := ParseFindings(c, in.Findings, errs)
	if errs.Any() {
		return errs
	}
	n, vetoed := sum(scores)
	now := s.now().UnixMilli()
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.saveScores(ctx, tx, p, c, StageCheck, scores); err != nil {
			return err
		}
		for _, f := range findings {
			if _, err := tx.ExecContext(ctx, `INSERT INTO campaign_task (community_id, campaign_id, title, department, owner, deadline, origin, criterion, created_by, created_at)
				VALUES (?, ?, ?, '', '', ?, ?, ?, ?, ?)`, c.CommunityID, c.ID, f.Text, f.Deadline, OriginRectification, f.Criterion, p.UserID, now); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE campaign SET state = ?, result = '', updated_at = ? WHERE community_id = ? AND id = ?`, StateChecked, now, c.CommunityID, c.ID); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "campaigns.check", "campaign", c.ID, c.CommunityID, audit.Success).
			WithDetail(map[string]any{"after": scoreText(n, vetoed), "items": len(findings)}))
	})
}

// AcceptInput is the acceptance: the title awarded and its dates (for a
// campaign that passes).
type AcceptInput struct {
	Title, ValidUntil, ReexamOn string
}

// Result is whether the check passes: the total reaches the pass score and
// no veto item failed — a failed veto item fails whatever the score.
func Result(c *Campaign, d *Details) (passed bool, points int, vetoed bool) {
	points, vetoed = d.StageTotal(StageCheck)
	return points >= c.PassScore && !vetoed, points, vetoed
}

// Accept decides the acceptance from the street's check: accepted with its
// title and dates, or failed (rectify, then check again).
func (s *Service) Accept(ctx context.Context, p *auth.Principal, id int64, in AcceptInput) (bool, error) {
	c, err := s.writable(ctx, p, id, PermCheck, func(a Access) bool { return a.Accept })
	if err != nil {
		return false, err
	}
	d, err := s.details(ctx, c)
	if err != nil {
		return false, err
	}
	passed, points, vetoed := Result(c, d)
	errs := &i18n.Errors{}
	in.Title, in.ValidUntil, in.ReexamOn = strings.TrimSpace(in.Title), strings.TrimSpace(in.ValidUntil), strings.TrimSpace(in.ReexamOn)
	if passed {
		if errs.Required("title", i18n.T("campaigns.title_awarded"), in.Title) {
			errs.MaxLen("title", i18n.T("campaigns.title_awarded"), in.Title, 40)
		}
		checkDate(errs, "valid_until", i18n.T("campaigns.valid_until"), in.ValidUntil)
		checkDate(errs, "reexam_on", i18n.T("campaigns.reexam_on"), in.ReexamOn)
		if !errs.Any() && in.ReexamOn > in.ValidUntil {
			errs.Add("reexam_on", "campaigns.err_reexam")
		}
	} else {
		in = AcceptInput{}
	}
	if errs.Any() {
		return false, errs
	}
	state, result := StateFailed, "failed"
	if passed {
		state, result = StateAccepted, "passed"
	}
	return passed, s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE campaign SET state = ?, result = ?, title_awarded = ?, valid_until = ?, reexam_on = ?, updated_at = ? WHERE community_id = ? AND id = ?`,
			state, result, in.Title, in.ValidUntil, in.ReexamOn, s.now().UnixMilli(), c.CommunityID, c.ID); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "campaigns.accept", "campaign", c.ID, c.CommunityID, audit.Success).
			WithDetail(map[string]any{"status": i18n.T("campaigns.state." + state), "after": scoreText(points, vetoed), "name": in.Title}))
	})
}

// scoreText is a stage's total as the audit log shows it: "100 分，一票否决项未通过".
func scoreText(points int, vetoed bool) string {
	out := i18n.T("campaigns.points_n", "n", points)
	if vetoed {
		out += "，" + i18n.T("campaigns.veto_failed")
	}
	return out
}
