package goals

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/locale"
	"linli/internal/org"
)

// Service keeps indicators, targets and entered figures, and computes the
// board.
type Service struct {
	DB    *db.DB
	Audit *audit.Log
	Org   *org.Service
	// Now is the clock (tests move it); nil: time.Now.
	Now func() time.Time

	sources []Source
	cache   resultCache
}

// Register adds a module's indicators (called while the app is wired).
func (s *Service) Register(src Source) { s.sources = append(s.sources, src) }

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// ThisYear is the current year in the users' zone.
func (s *Service) ThisYear() int { return s.now().In(locale.Zone).Year() }

// reaches reports whether p may see the figures of unit u: a unit inside p's
// subtrees, or one of p's grids reached one by one (as the case rates).
func reaches(p *auth.Principal, u *org.Unit) bool {
	return p.Scope.AllowsOrgPath(u.Path) || (u.Level == org.Grid && p.Scope.Allows(u.CommunityID, u.ID))
}

// leaf reports whether u is counted by the sources itself (a community or a
// grid); the units above add up their communities.
func leaf(u *org.Unit) bool { return u.Level == org.Community || u.Level == org.Grid }

// Unit returns the unit id if p reaches it, or p's own first unit for 0.
func (s *Service) Unit(ctx context.Context, p *auth.Principal, id int64) (*org.Unit, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	if id == 0 {
		for _, r := range p.Scope.Roots {
			if u, ok := s.Org.Lookup(ctx, r.ID); ok && u.Level != org.City && u.Level != org.District {
				return u, nil
			}
		}
		for _, g := range p.Scope.Grids {
			if u, ok := s.Org.Lookup(ctx, g); ok {
				return u, nil
			}
		}
		return nil, auth.ErrNotFound
	}
	u, ok := s.Org.Lookup(ctx, id)
	if !ok || u.Level == org.City || u.Level == org.District || !reaches(p, u) {
		return nil, auth.ErrNotFound
	}
	return u, nil
}

// partition is the partition key of u's rows: its community (a grid's is
// its community's), or the unit itself above the communities.
func partition(u *org.Unit) int64 {
	if u.Level == org.Grid {
		return u.CommunityID
	}
	return u.ID
}

// Children are the units directly below u that p reaches (none below a grid).
func (s *Service) Children(ctx context.Context, p *auth.Principal, u *org.Unit) ([]*org.Unit, error) {
	if u.Level == org.Grid {
		return nil, nil
	}
	kids, err := s.Org.Children(ctx, auth.System("goals"), u.ID)
	if err != nil {
		return nil, err
	}
	var out []*org.Unit
	for _, k := range kids {
		if reaches(p, k) {
			out = append(out, k)
		}
	}
	return out, nil
}

// communitiesUnder lists the communities under u that p reaches wholly.
func (s *Service) communitiesUnder(ctx context.Context, p *auth.Principal, u *org.Unit) ([]*org.Unit, error) {
	var out []*org.Unit
	var walk func(id int64) error
	walk = func(id int64) error {
		kids, err := s.Org.Children(ctx, auth.System("goals"), id)
		if err != nil {
			return err
		}
		for _, k := range kids {
			switch {
			case k.Level == org.Community:
				if p.Scope.AllowsCommunity(k.ID) {
					out = append(out, k)
				}
			case k.Level != org.Grid:
				if err := walk(k.ID); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return out, walk(u.ID)
}

// Defs are the indicators shown for unit u: those of the sources, then the
// entered ones of u's street. (A street's definitions are read by everyone
// under it: they hold words, no community's data.)
func (s *Service) Defs(ctx context.Context, u *org.Unit) ([]Def, error) {
	var out []Def
	for _, src := range s.sources {
		for _, d := range src.Indicators() {
			if d.CommunityOnly && u.Level == org.Grid {
				continue
			}
			out = append(out, d)
		}
	}
	st := s.Org.StreetOf(ctx, u)
	if st == nil || u.Level == org.Grid {
		return out, nil
	}
	entered, err := s.EnteredDefs(ctx, st.ID)
	return append(out, entered...), err
}

// EnteredDefs are a street's entered indicators, in the order defined.
func (s *Service) EnteredDefs(ctx context.Context, street int64) ([]Def, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT id, name, definition, kind, direction, unit FROM goal_indicator WHERE community_id = ? ORDER BY id`, street)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Def
	for rows.Next() {
		var id int64
		var d Def
		var kind, dir string
		if err := rows.Scan(&id, &d.Name, &d.Definition, &kind, &dir, &d.Unit); err != nil {
			return nil, err
		}
		d.Code, d.Direction, d.Entered, d.CommunityOnly = "entered."+strconv.FormatInt(id, 10), Direction(dir), true, true
		d.Rollup = RollupSum
		if kind == "ratio" {
			d.Rollup, d.Unit = RollupRatio, "%"
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// values are the figures of u in year: a community's or grid's from the
// sources and the entries, a street's the sum of its communities' (ratios as
// the ratio of the sums).
func (s *Service) values(ctx context.Context, p *auth.Principal, u *org.Unit, year int, defs []Def) (Result, error) {
	if leaf(u) {
		return s.leafValues(ctx, p, u, year)
	}
	comms, err := s.communitiesUnder(ctx, p, u)
	if err != nil {
		return Result{}, err
	}
	rollup := map[string]Rollup{}
	for _, d := range defs {
		rollup[d.Code] = d.Rollup
	}
	out := NewResult()
	for _, c := range comms {
		r, err := s.leafValues(ctx, p, c, year)
		if err != nil {
			return Result{}, err
		}
		addInto(out.Year, r.Year, rollup)
		for m := range out.Months {
			addInto(out.Months[m], r.Months[m], rollup)
		}
	}
	return out, nil
}

func addInto(dst, src map[string]Value, rollup map[string]Rollup) {
	for code, v := range src {
		r, ok := rollup[code]
		if !ok {
			continue
		}
		x := dst[code]
		x.add(v, r)
		dst[code] = x
	}
}

// leafValues are a community's or grid's figures: the sources' (kept a
// minute per reader) and its entered figures (read fresh).
func (s *Service) leafValues(ctx context.Context, p *auth.Principal, u *org.Unit, year int) (Result, error) {
	computed, err := s.cache.get(fmt.Sprintf("%d/%d/%d", p.UserID, u.ID, year), s.now(), func() (Result, error) {
		out := NewResult()
		for _, src := range s.sources {
			r, err := src.Compute(ctx, p, u, year)
			if errors.Is(err, auth.ErrForbidden) || errors.Is(err, auth.ErrNotFound) {
				continue
			}
			if err != nil {
				return Result{}, err
			}
			for k, v := range r.Year {
				out.Year[k] = v
			}
			for m := range r.Months {
				for k, v := range r.Months[m] {
					out.Months[m][k] = v
				}
			}
		}
		return out, nil
	})
	if err != nil {
		return Result{}, err
	}
	out := NewResult()
	for k, v := range computed.Year {
		out.Year[k] = v
	}
	for m := range computed.Months {
		for k, v := range computed.Months[m] {
			out.Months[m][k] = v
		}
	}
	if u.Level != org.Community {
		return out, nil
	}
	// Entered figures are as of their month: the year's is the latest one.
	rows, err := s.DB.QueryContext(ctx, `SELECT code, month, numerator, denominator FROM goal_entry WHERE community_id = ? AND month >= ? AND month <= ? ORDER BY code, month`,
		u.ID, fmt.Sprintf("%04d-01", year), fmt.Sprintf("%04d-12", year))
	if err != nil {
		return Result{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var code, month string
		var v Value
		if err := rows.Scan(&code, &month, &v.Num, &v.Den); err != nil {
			return Result{}, err
		}
		v.Has = true
		m, _ := strconv.Atoi(month[5:])
		if m >= 1 && m <= 12 {
			out.Months[m-1][code] = v
		}
		out.Year[code] = v
	}
	return out, rows.Err()
}

// resultCache keeps the sources' figures of a unit a minute per reader:
// computing a street's board reads every module's aggregates for each of its
// communities.
type resultCache struct {
	mu sync.Mutex
	m  map[string]cached
}

type cached struct {
	r  Result
	at time.Time
}

const cacheTTL = time.Minute

func (c *resultCache) get(key string, now time.Time, fill func() (Result, error)) (Result, error) {
	c.mu.Lock()
	if e, ok := c.m[key]; ok && now.Sub(e.at) < cacheTTL {
		c.mu.Unlock()
		return e.r, nil
	}
	c.mu.Unlock()
	r, err := fill()
	if err != nil {
		return r, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) > 4096 {
		c.m = map[string]cached{}
	}
	c.m[key] = cached{r, now}
	c.mu.Unlock()
	return r, nil
}

// Target is a unit's target for an indicator in a year, in the figure's own
// terms (a fraction for a ratio), with its milestones (12 monthly or 4
// quarterly values, cumulative as of the period's end; none when empty).
type Target struct {
	Value      float64
	Milestones []float64
}

// Milestone is the target as of month m (1–12), if there are milestones.
func (t *Target) Milestone(m int) (float64, bool) {
	switch {
	case m < 1 || m > 12:
		return 0, false
	case len(t.Milestones) == 12:
		return t.Milestones[m-1], true
	case len(t.Milestones) == 4:
		return t.Milestones[(m-1)/3], true
	}
	return 0, false
}

// Targets are unit u's targets in year, by code.
func (s *Service) Targets(ctx context.Context, u *org.Unit, year int) (map[string]*Target, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT code, value, milestones FROM goal_target WHERE community_id = ? AND unit_id = ? AND year = ?`, partition(u), u.ID, year)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]*Target{}
	for rows.Next() {
		var code, ms string
		t := &Target{}
		if err := rows.Scan(&code, &t.Value, &ms); err != nil {
			return nil, err
		}
		t.Milestones, _ = parseNumbers(ms)
		out[code] = t
	}
	return out, rows.Err()
}

// parseNumbers reads "1, 2，3" (either comma).
func parseNumbers(s string) ([]float64, bool) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "，", ","))
	if s == "" {
		return nil, true
	}
	var out []float64
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(f), "%")), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return nil, false
		}
		out = append(out, v)
	}
	return out, true
}

// Light is the traffic light of an actual against its target: green when
// met; amber within 10 % of it or on track against the milestone of month
// (1–12, 0 none); red otherwise. A zero-outcome indicator is red above 0.
func Light(d Def, actual float64, has bool, t *Target, month int) string {
	if d.Direction == Zero {
		if !has || actual == 0 {
			return LightGreen
		}
		return LightRed
	}
	if t == nil || !has {
		return LightNone
	}
	ms, hasMS := t.Milestone(month)
	if d.Direction == Lower {
		switch {
		case actual <= t.Value:
			return LightGreen
		case actual <= t.Value*1.1 || (hasMS && actual <= ms):
			return LightAmber
		}
		return LightRed
	}
	switch {
	case actual >= t.Value:
		return LightGreen
	case actual >= t.Value*0.9 || (hasMS && actual >= ms):
		return LightAmber
	}
	return LightRed
}

// Row is one indicator of the board.
type Row struct {
	Def
	Actual    float64
	HasActual bool
	Target    *Target
	Light     string
	Months    [12]Value
	// Href leads to the records behind the figure ("" none).
	Href string
}

// ActualText is the actual as shown ("93.5%", "1,204"; "—" without one).
func (r Row) ActualText() string {
	if !r.HasActual {
		return "—"
	}
	return Format(r.Def, r.Actual)
}

// TargetText is the target as shown ("—" without one).
func (r Row) TargetText() string {
	if r.Direction == Zero {
		return "0"
	}
	if r.Target == nil {
		return "—"
	}
	return Format(r.Def, r.Target.Value)
}

// Format writes a figure of d: a ratio as a percentage to one decimal.
func Format(d Def, v float64) string {
	if d.Ratio() {
		return strconv.FormatFloat(v*100, 'f', 1, 64) + "%"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// Board is a unit's indicators for a year.
type Board struct {
	Unit     *org.Unit
	Parent   *org.Unit // nil when p does not reach it
	Year     int
	Rows     []Row
	Children []*org.Unit
	// Month is the month whose milestone the lights use (0: none, a future year).
	Month int
}

// Board computes unit orgID's board for year.
func (s *Service) Board(ctx context.Context, p *auth.Principal, orgID int64, year int) (*Board, error) {
	u, err := s.Unit(ctx, p, orgID)
	if err != nil {
		return nil, err
	}
	defs, err := s.Defs(ctx, u)
	if err != nil {
		return nil, err
	}
	res, err := s.values(ctx, p, u, year, defs)
	if err != nil {
		return nil, err
	}
	targets, err := s.Targets(ctx, u, year)
	if err != nil {
		return nil, err
	}
	b := &Board{Unit: u, Year: year}
	now := s.now().In(locale.Zone)
	switch {
	case year < now.Year():
		b.Month = 12
	case year == now.Year():
		b.Month = int(now.Month())
	}
	if pu, ok := s.Org.Lookup(ctx, u.ParentID); ok && pu.Level != org.City && pu.Level != org.District && reaches(p, pu) {
		b.Parent = pu
	}
	if b.Children, err = s.Children(ctx, p, u); err != nil {
		return nil, err
	}
	for _, d := range defs {
		v, counted := res.Year[d.Code]
		if !counted && !d.Entered {
			// Sources name every indicator they count (Has false when
			// nothing): one p may not use counts nothing for p.
			continue
		}
		row := Row{Def: d, Target: targets[d.Code]}
		row.Actual, row.HasActual = v.Of(d.Rollup)
		for m := range row.Months {
			row.Months[m] = res.Months[m][d.Code]
		}
		row.Light = Light(d, row.Actual, row.HasActual, row.Target, b.Month)
		if d.Link != nil {
			row.Href = d.Link(u, year)
		}
		b.Rows = append(b.Rows, row)
	}
	return b, nil
}

// RankRow is one unit of a ranking.
type RankRow struct {
	Unit   *org.Unit
	Value  float64
	Has    bool
	Text   string
	Target *Target
	Light  string
}

// Rank ranks the units directly below orgID by indicator code in year, best
// first (those without a figure last).
func (s *Service) Rank(ctx context.Context, p *auth.Principal, orgID int64, year int, code string) (*Board, Def, []RankRow, error) {
	u, err := s.Unit(ctx, p, orgID)
	if err != nil {
		return nil, Def{}, nil, err
	}
	defs, err := s.Defs(ctx, u)
	if err != nil {
		return nil, Def{}, nil, err
	}
	var def Def
	found := false
	for _, d := range defs {
		if d.Code == code {
			def, found = d, true
		}
	}
	if !found {
		return nil, Def{}, nil, auth.ErrNotFound
	}
	kids, err := s.Children(ctx, p, u)
	if err != nil {
		return nil, Def{}, nil, err
	}
	var out []RankRow
	for _, k := range kids {
		kdefs, err := s.Defs(ctx, k)
		if err != nil {
			return nil, Def{}, nil, err
		}
		r, err := s.values(ctx, p, k, year, kdefs)
		if err != nil {
			return nil, Def{}, nil, err
		}
		row := RankRow{Unit: k}
		row.Value, row.Has = r.Year[code].Of(def.Rollup)
		row.Text = "—"
		if row.Has {
			row.Text = Format(def, row.Value)
		}
		t, err := s.Targets(ctx, k, year)
		if err != nil {
			return nil, Def{}, nil, err
		}
		row.Target = t[code]
		row.Light = Light(def, row.Value, row.Has, row.Target, 0)
		out = append(out, row)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Has != b.Has {
			return a.Has
		}
		if def.Direction == Higher {
			return a.Value > b.Value
		}
		return a.Value < b.Value
	})
	return &Board{Unit: u, Year: year}, def, out, nil
}

// TargetInput sets a target: Value and Milestones as shown (a ratio in
// percent).
type TargetInput struct {
	OrgID      int64
	Year       int
	Code       string
	Value      string
	Milestones string
}

// CanSet reports whether p may set the targets of unit u: u is a community
// or grid and p reaches the unit above it.
func (s *Service) CanSet(ctx context.Context, p *auth.Principal, u *org.Unit) bool {
	if !p.Can(PermSet) || !leaf(u) {
		return false
	}
	parent, ok := s.Org.Lookup(ctx, u.ParentID)
	return ok && reaches(p, parent)
}

// SetTarget sets (or replaces) a unit's target for a year.
func (s *Service) SetTarget(ctx context.Context, p *auth.Principal, in TargetInput) (int64, error) {
	if err := p.Require(PermSet); err != nil {
		return 0, err
	}
	errs := &i18n.Errors{}
	u, ok := s.Org.Lookup(ctx, in.OrgID)
	if !ok || !leaf(u) {
		errs.Add("org", "goals.err_unit")
		return 0, errs
	}
	if !reaches(p, u) {
		return 0, auth.ErrNotFound
	}
	if !s.CanSet(ctx, p, u) {
		return 0, auth.ErrForbidden
	}
	if in.Year < 2000 || in.Year > 2100 {
		errs.Add("year", "goals.err_year")
	}
	defs, err := s.Defs(ctx, u)
	if err != nil {
		return 0, err
	}
	var def *Def
	for i := range defs {
		if defs[i].Code == in.Code {
			def = &defs[i]
		}
	}
	if def == nil {
		errs.Add("code", "goals.err_code")
		return 0, errs
	}
	scale := 1.0
	if def.Ratio() {
		scale = 100
	}
	var value float64
	if def.Direction != Zero {
		v, ok := parseNumbers(in.Value)
		switch {
		case strings.TrimSpace(in.Value) == "":
			errs.Add("value", "err.required", "field", i18n.T("goals.target"))
		case !ok || len(v) != 1 || (def.Ratio() && v[0] > 100):
			errs.Add("value", "goals.err_number", "field", i18n.T("goals.target"))
		default:
			value = v[0] / scale
		}
	}
	ms, ok := parseNumbers(in.Milestones)
	if !ok || (len(ms) != 0 && len(ms) != 4 && len(ms) != 12) {
		errs.Add("milestones", "goals.err_milestones")
	}
	if errs.Any() {
		return 0, errs
	}
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = strconv.FormatFloat(m/scale, 'f', -1, 64)
	}
	var id int64
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO goal_target (community_id, unit_id, year, code, value, milestones, set_by, set_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (community_id, unit_id, year, code) DO UPDATE SET value = excluded.value, milestones = excluded.milestones, set_by = excluded.set_by, set_at = excluded.set_at
			RETURNING id`, partition(u), u.ID, in.Year, in.Code, value, strings.Join(parts, ","), p.UserID, s.now().UnixMilli()).Scan(&id); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "goals.target_set", "goal_target", id, u.ID, audit.Success).
			WithDetail(map[string]any{"code": in.Code, "after": targetText(*def, in.Year, value, ms, scale)}))
	})
	return id, err
}

// targetText is a target as the audit log shows it: "2026：95.0%（80, 85, 90, 95）".
func targetText(d Def, year int, value float64, ms []float64, scale float64) string {
	out := strconv.Itoa(year) + "：" + Format(d, value)
	if len(ms) > 0 {
		parts := make([]string, len(ms))
		for i, m := range ms {
			parts[i] = Format(d, m/scale)
		}
		out += "（" + strings.Join(parts, ", ") + "）"
	}
	return out
}

// EntryInput is a community's figure of an entered indicator for a month:
// a ratio as numerator, denominator and the value shown (percent), which
// must agree; a count as its value.
type EntryInput struct {
	OrgID       int64
	Code        string
	Month       string
	Numerator   string
	Denominator string
	Value       string
	Evidence    string
}

// CanEnter reports whether p may enter the figures of community u.
func (s *Service) CanEnter(p *auth.Principal, u *org.Unit) bool {
	return p.Can(PermEnter) && u.Level == org.Community && p.Scope.AllowsCommunity(u.ID)
}

// Enter records (or corrects) a community's figure for a month.
func (s *Service) Enter(ctx context.Context, p *auth.Principal, in EntryInput) (int64, error) {
	if err := p.Require(PermEnter); err != nil {
		return 0, err
	}
	errs := &i18n.Errors{}
	u, ok := s.Org.Lookup(ctx, in.OrgID)
	if !ok || u.Level != org.Community {
		errs.Add("org", "goals.err_community")
		return 0, errs
	}
	if !reaches(p, u) {
		return 0, auth.ErrNotFound
	}
	if !s.CanEnter(p, u) {
		return 0, auth.ErrForbidden
	}
	defs, err := s.Defs(ctx, u)
	if err != nil {
		return 0, err
	}
	var def *Def
	for i := range defs {
		if defs[i].Code == in.Code && defs[i].Entered {
			def = &defs[i]
		}
	}
	if def == nil {
		errs.Add("code", "goals.err_code")
		return 0, errs
	}
	if _, err := time.Parse("2006-01", strings.TrimSpace(in.Month)); err != nil {
		errs.Add("month", "goals.err_month")
	}
	in.Evidence = strings.TrimSpace(in.Evidence)
	if errs.Required("evidence", i18n.T("goals.evidence"), in.Evidence) {
		errs.MaxLen("evidence", i18n.T("goals.evidence"), in.Evidence, 500)
	}
	num, den, value, ok := s.checkFigure(*def, in, errs)
	if !ok || errs.Any() {
		return 0, errs
	}
	var id int64
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO goal_entry (community_id, code, month, numerator, denominator, value, evidence, entered_by, entered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (community_id, code, month) DO UPDATE SET numerator = excluded.numerator, denominator = excluded.denominator, value = excluded.value,
				evidence = excluded.evidence, entered_by = excluded.entered_by, entered_at = excluded.entered_at
			RETURNING id`, u.ID, in.Code, strings.TrimSpace(in.Month), num, den, value, in.Evidence, p.UserID, s.now().UnixMilli()).Scan(&id); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "goals.entry", "goal_entry", id, u.ID, audit.Success).
			WithDetail(map[string]any{"code": in.Code, "month": in.Month, "after": Entry{Num: num, Den: den, Val: value}.Text()}))
	})
	return id, err
}

// checkFigure reads an entry's numbers: a ratio's value (in percent, to the
// precision typed, at most two decimals) must be its numerator over its
// denominator.
func (s *Service) checkFigure(d Def, in EntryInput, errs *i18n.Errors) (num, den, value float64, ok bool) {
	one := func(field, label, v string) (float64, bool) {
		v = strings.TrimSpace(v)
		if v == "" {
			errs.Add(field, "err.required", "field", label)
			return 0, false
		}
		n, good := parseNumbers(v)
		if !good || len(n) != 1 {
			errs.Add(field, "goals.err_number", "field", label)
			return 0, false
		}
		return n[0], true
	}
	if !d.Ratio() {
		v, good := one("value", i18n.T("goals.value"), in.Value)
		return v, 0, v, good
	}
	n, ok1 := one("numerator", i18n.T("goals.numerator"), in.Numerator)
	dn, ok2 := one("denominator", i18n.T("goals.denominator"), in.Denominator)
	v, ok3 := one("value", i18n.T("goals.value"), in.Value)
	if !ok1 || !ok2 || !ok3 {
		return 0, 0, 0, false
	}
	if dn == 0 {
		errs.Add("denominator", "goals.err_denominator")
		return 0, 0, 0, false
	}
	if n > dn {
		errs.Add("numerator", "goals.err_above")
		return 0, 0, 0, false
	}
	typed := strings.TrimSuffix(strings.TrimSpace(in.Value), "%")
	places := 0
	if i := strings.IndexByte(typed, '.'); i >= 0 {
		places = len(typed) - i - 1
	}
	if places > 2 {
		places = 2
	}
	calc := n / dn * 100
	p := math.Pow(10, float64(places))
	if math.Abs(math.Round(calc*p)/p-v) > 1e-9 {
		errs.Add("value", "goals.err_mismatch", "value", typed, "calc", strconv.FormatFloat(calc, 'f', places, 64))
		return 0, 0, 0, false
	}
	return n, dn, v / 100, true
}

// IndicatorInput defines a street's entered indicator.
type IndicatorInput struct {
	StreetID   int64
	Name       string
	Definition string
	Kind       string
	Direction  string
	Unit       string
}

// Streets are the streets p may define indicators for.
func (s *Service) Streets(ctx context.Context, p *auth.Principal) ([]*org.Unit, error) {
	if !p.Can(PermDefine) {
		return nil, nil
	}
	return s.Org.InScope(ctx, p, org.Street)
}

// Define adds an entered indicator to a street.
func (s *Service) Define(ctx context.Context, p *auth.Principal, in IndicatorInput) (int64, error) {
	if err := p.Require(PermDefine); err != nil {
		return 0, err
	}
	errs := &i18n.Errors{}
	u, ok := s.Org.Lookup(ctx, in.StreetID)
	if !ok || u.Level != org.Street {
		errs.Add("street_id", "goals.err_street")
		return 0, errs
	}
	if !p.Scope.AllowsOrgPath(u.Path) {
		return 0, auth.ErrNotFound
	}
	in.Name, in.Definition, in.Unit = strings.TrimSpace(in.Name), strings.TrimSpace(in.Definition), strings.TrimSpace(in.Unit)
	if errs.Required("name", i18n.T("goals.name"), in.Name) {
		errs.MaxLen("name", i18n.T("goals.name"), in.Name, 40)
	}
	if errs.Required("definition", i18n.T("goals.definition"), in.Definition) {
		errs.MaxLen("definition", i18n.T("goals.definition"), in.Definition, 1000)
	}
	errs.MaxLen("unit", i18n.T("goals.unit"), in.Unit, 10)
	if in.Kind != "ratio" && in.Kind != "count" {
		errs.Add("kind", "err.choice", "field", i18n.T("goals.kind"))
	}
	switch Direction(in.Direction) {
	case Higher, Lower, Zero:
	default:
		errs.Add("direction", "err.choice", "field", i18n.T("goals.direction"))
	}
	if in.Direction == string(Zero) && in.Kind != "count" {
		errs.Add("direction", "goals.err_zero_count")
	}
	if errs.Any() {
		return 0, errs
	}
	var id int64
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO goal_indicator (community_id, name, definition, kind, direction, unit, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			u.ID, in.Name, in.Definition, in.Kind, in.Direction, in.Unit, p.UserID, s.now().UnixMilli()).Scan(&id); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "goals.define", "goal_indicator", id, u.ID, audit.Success).WithDetail(map[string]any{"name": in.Name}))
	})
	if db.IsUniqueViolation(err) {
		errs.Add("name", "goals.err_name_taken", "name", in.Name)
		return 0, errs
	}
	return id, err
}

// Entry is an entered figure as listed.
type Entry struct {
	Code, Month   string
	Num, Den, Val float64
	Evidence      string
}

// Text is the figure as entered: "912 / 950 = 96.0%", or the count.
func (e Entry) Text() string {
	if e.Den > 0 {
		return strconv.FormatFloat(e.Num, 'f', -1, 64) + " / " + strconv.FormatFloat(e.Den, 'f', -1, 64) + " = " + strconv.FormatFloat(e.Val*100, 'f', 1, 64) + "%"
	}
	return strconv.FormatFloat(e.Val, 'f', -1, 64)
}

// Entries are community u's entered figures of year, latest first.
func (s *Service) Entries(ctx context.Context, p *auth.Principal, u *org.Unit, year int) ([]Entry, error) {
	if u.Level != org.Community || !p.Scope.AllowsCommunity(u.ID) {
		return nil, nil
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT code, month, numerator, denominator, value, evidence FROM goal_entry WHERE community_id = ? AND month >= ? AND month <= ?
		ORDER BY month DESC, code`, u.ID, fmt.Sprintf("%04d-01", year), fmt.Sprintf("%04d-12", year))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		if err := rows.Scan(&e.Code, &e.Month, &e.Num, &e.Den, &e.Val, &e.Evidence); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
