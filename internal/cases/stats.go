package cases

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/locale"
	"linli/internal/org"
)

// Counts are what the rates are made of, counted over the cases opened in a
// period (merged duplicates excluded). Every rate is computed from them; none
// is ever typed in.
type Counts struct {
	Received     int // 受理量: cases opened
	RespondBase  int // cases whose response is due or done
	RespondedOK  int // responded within the limit
	Closed       int // closed
	ClosedOnTime int // closed by the due time
	Judged       int // closed with an outcome (resolved or not)
	Resolved     int // resolved
	Rated        int // rated at the return visit
	Satisfied    int // 满意 or 基本满意
	Unsatisfied  int
	// Disputes: closed mediations and those that reached an agreement.
	MediationJudged, MediationOK int
	// Hazards: those under rectification or past it, and those signed off.
	HazardEngaged, HazardRectified int
	OverdueOpen                    int // open and past due now
	ClosedLate                     int // closed after the due time
}

func (c *Counts) add(o Counts) {
	c.Received += o.Received
	c.RespondBase += o.RespondBase
	c.RespondedOK += o.RespondedOK
	c.Closed += o.Closed
	c.ClosedOnTime += o.ClosedOnTime
	c.Judged += o.Judged
	c.Resolved += o.Resolved
	c.Rated += o.Rated
	c.Satisfied += o.Satisfied
	c.Unsatisfied += o.Unsatisfied
	c.MediationJudged += o.MediationJudged
	c.MediationOK += o.MediationOK
	c.HazardEngaged += o.HazardEngaged
	c.HazardRectified += o.HazardRectified
	c.OverdueOpen += o.OverdueOpen
	c.ClosedLate += o.ClosedLate
}

// Rate is n/d as a fraction, or -1 when there is nothing to divide.
func Rate(n, d int) float64 {
	if d == 0 {
		return -1
	}
	return float64(n) / float64(d)
}

// Pct renders a rate as "93.5%" ("—" when undefined).
func Pct(n, d int) string {
	r := Rate(n, d)
	if r < 0 {
		return "—"
	}
	return strconv.FormatFloat(r*100, 'f', 1, 64) + "%"
}

// ResponseRate is 响应率: responded within the limit.
func (c Counts) ResponseRate() string { return Pct(c.RespondedOK, c.RespondBase) }

// OnTimeRate is 按时办结率.
func (c Counts) OnTimeRate() string { return Pct(c.ClosedOnTime, c.Closed) }

// ResolutionRate is 解决率.
func (c Counts) ResolutionRate() string { return Pct(c.Resolved, c.Judged) }

// SatisfactionRate is 满意率 (满意 and 基本满意 over all ratings).
func (c Counts) SatisfactionRate() string { return Pct(c.Satisfied, c.Rated) }

// MediationRate is 调解成功率.
func (c Counts) MediationRate() string { return Pct(c.MediationOK, c.MediationJudged) }

// RectificationRate is 隐患整改率.
func (c Counts) RectificationRate() string { return Pct(c.HazardRectified, c.HazardEngaged) }

// StatsFilter chooses the unit, period and type of a report.
type StatsFilter struct {
	OrgID    int64  // a unit in scope; 0 = the user's own units
	From, To string // months, YYYY-MM
	Type     string
}

// StatsRow is one unit of the report, rolled up from everything under it.
type StatsRow struct {
	UnitID int64
	Name   string
	Level  string
	Depth  int
	Counts
}

// MonthRow is one month of the trend.
type MonthRow struct {
	Month string
	Counts
}

// Stats is a report.
type Stats struct {
	From, To string
	Rows     []StatsRow
	Months   []MonthRow
	Total    Counts
	// MaxMonth is the largest monthly intake, the scale of the trend bars.
	MaxMonth int
}

func parseMonth(s string) (int, bool) {
	t, err := time.Parse("2006-01", strings.TrimSpace(s))
	if err != nil {
		return 0, false
	}
	return t.Year()*100 + int(t.Month()), true
}

func fmtMonth(m int) string { return fmt.Sprintf("%04d-%02d", m/100, m%100) }

// Stats computes the rates for a unit and period, one aggregate query over the
// case rows, rolled up the org tree in memory.
func (s *Service) Stats(ctx context.Context, p *auth.Principal, f StatsFilter) (*Stats, error) {
	if err := p.Require(PermStats); err != nil {
		return nil, err
	}
	now := time.Now().In(locale.Zone)
	from, ok1 := parseMonth(f.From)
	to, ok2 := parseMonth(f.To)
	if !ok1 {
		from = now.Year()*100 + 1
	}
	if !ok2 {
		to = now.Year()*100 + int(now.Month())
	}
	if to < from {
		from, to = to, from
	}
	if (to/100-from/100)*12+(to%100-from%100) > 120 {
		e := &i18n.Errors{}
		e.Add("from", "cases.stats_period")
		return nil, e
	}
	vis, args, err := s.visibility(ctx, p)
	if err != nil {
		return nil, err
	}
	roots, err := s.statsRoots(ctx, p, f.OrgID)
	if err != nil {
		return nil, err
	}
	where := []string{vis, "c.merged_into IS NULL", "c.created_month >= ?", "c.created_month <= ?"}
	args = append(args, from, to)
	if f.Type != "" {
		where = append(where, "c.type = ?")
		args = append(args, f.Type)
	}
	if f.OrgID != 0 {
		u := roots[0]
		switch u.Level {
		case org.Grid:
			where = append(where, "c.grid_id = ?")
			args = append(args, u.ID)
		case org.Community:
			where = append(where, "c.community_id = ?")
			args = append(args, u.ID)
		default:
			comms := s.communitiesUnder(ctx, p, u)
			if len(comms) == 0 {
				where = append(where, "1=0")
			} else {
				in, inArgs := s.DB.IDsIn("c.community_id", comms)
				where = append(where, in)
				args = append(args, inArgs...)
			}
		}
	}
	nowMS := db.Now()
	// Grouped in the order of the cases_stats index, so that SQLite aggregates
	// as it reads the index instead of sorting a year of cases first.
	q := `SELECT c.community_id, COALESCE(c.grid_id, 0), c.created_month, c.type, COUNT(*),
		SUM(CASE WHEN c.responded_at IS NOT NULL OR c.respond_due_at < ? THEN 1 ELSE 0 END),
		SUM(CASE WHEN c.responded_at IS NOT NULL AND c.responded_at <= c.respond_due_at THEN 1 ELSE 0 END),
		COUNT(c.closed_at),
		SUM(CASE WHEN c.closed_at IS NOT NULL AND c.closed_at <= c.due_at THEN 1 ELSE 0 END),
		SUM(CASE WHEN c.closed_at IS NOT NULL AND c.resolved IS NOT NULL THEN 1 ELSE 0 END),
		SUM(CASE WHEN c.closed_at IS NOT NULL AND c.resolved THEN 1 ELSE 0 END),
		COUNT(c.rating),
		SUM(CASE WHEN c.rating = 'satisfied' OR c.rating = 'basic' THEN 1 ELSE 0 END),
		SUM(CASE WHEN c.rating = 'unsatisfied' THEN 1 ELSE 0 END),
		SUM(CASE WHEN c.responded_at IS NOT NULL AND NOT (c.closed_at IS NOT NULL AND c.resolved IS NULL) THEN 1 ELSE 0 END),
		SUM(CASE WHEN c.closed_at IS NULL AND c.due_at <= ? THEN 1 ELSE 0 END),
		SUM(CASE WHEN c.closed_at IS NOT NULL AND c.closed_at > c.due_at THEN 1 ELSE 0 END)
		FROM cases c WHERE ` + strings.Join(where, " AND ") + ` GROUP BY c.community_id, c.created_month, c.grid_id, c.type`
	rows, err := s.DB.QueryContext(ctx, q, append([]any{nowMS, nowMS}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type key struct{ community, grid int64 }
	byPlace := map[key]*Counts{}
	byMonth := map[int]*Counts{}
	types, _ := s.Types(ctx)
	rateOf := map[string]string{}
	for _, t := range types {
		rateOf[t.Code] = t.SuccessRate
	}
	for rows.Next() {
		var comm, grid int64
		var month int
		var typ string
		var c Counts
		var engaged int
		if err := rows.Scan(&comm, &grid, &month, &typ, &c.Received, &c.RespondBase, &c.RespondedOK, &c.Closed, &c.ClosedOnTime, &c.Judged, &c.Resolved,
			&c.Rated, &c.Satisfied, &c.Unsatisfied, &engaged, &c.OverdueOpen, &c.ClosedLate); err != nil {
			return nil, err
		}
		switch rateOf[typ] {
		case "mediation":
			c.MediationJudged, c.MediationOK = c.Judged, c.Resolved
		case "rectification":
			c.HazardEngaged, c.HazardRectified = engaged, c.Resolved
		}
		k := key{comm, grid}
		if byPlace[k] == nil {
			byPlace[k] = &Counts{}
		}
		byPlace[k].add(c)
		if byMonth[month] == nil {
			byMonth[month] = &Counts{}
		}
		byMonth[month].add(c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	st := &Stats{From: fmtMonth(from), To: fmtMonth(to)}
	// Units: each root and everything under it down to the grids.
	sumUnder := func(u *org.Unit) Counts {
		var c Counts
		for k, v := range byPlace {
			switch u.Level {
			case org.Grid:
				if k.grid == u.ID {
					c.add(*v)
				}
			case org.Community:
				if k.community == u.ID {
					c.add(*v)
				}
			default:
				if cu, ok := s.Org.Lookup(ctx, k.community); ok && strings.HasPrefix(cu.Path, u.Path) {
					c.add(*v)
				}
			}
		}
		return c
	}
	var walk func(u *org.Unit, depth int)
	walk = func(u *org.Unit, depth int) {
		row := StatsRow{UnitID: u.ID, Name: u.Name, Level: string(u.Level), Depth: depth, Counts: sumUnder(u)}
		st.Rows = append(st.Rows, row)
		if u.Level == org.Grid {
			return
		}
		kids, err := s.Org.Children(ctx, auth.System("cases-stats"), u.ID)
		if err != nil {
			return
		}
		for _, k := range kids {
			if !statsReaches(p, k) {
				continue
			}
			walk(k, depth+1)
		}
		if u.Level == org.Community {
			if v := byPlace[key{u.ID, 0}]; v != nil && v.Received > 0 {
				st.Rows = append(st.Rows, StatsRow{UnitID: 0, Name: i18n.T("cases.stats_no_grid"), Level: "", Depth: depth + 1, Counts: *v})
			}
		}
	}
	for _, r := range roots {
		at := len(st.Rows)
		walk(r, 0)
		st.Total.add(st.Rows[at].Counts)
	}
	months := make([]int, 0, len(byMonth))
	for m := range byMonth {
		months = append(months, m)
	}
	sort.Ints(months)
	for _, m := range months {
		st.Months = append(st.Months, MonthRow{Month: fmtMonth(m), Counts: *byMonth[m]})
		st.MaxMonth = max(st.MaxMonth, byMonth[m].Received)
	}
	return st, nil
}

// statsReaches reports whether p may see the rates of unit u: a unit inside
// p's subtrees, or one of p's grids reached one by one.
func statsReaches(p *auth.Principal, u *org.Unit) bool {
	return p.Scope.AllowsOrgPath(u.Path) || (u.Level == org.Grid && p.Scope.Allows(u.CommunityID, u.ID))
}

// StatsUnits are the units the rates page offers p to choose from: those
// statsReaches lets p see, below the district (none without org.PermRead,
// the right to see the tree).
func (s *Service) StatsUnits(ctx context.Context, p *auth.Principal) ([]*org.Unit, error) {
	if !p.Can(org.PermRead) {
		return nil, nil
	}
	all, err := s.Org.Visible(ctx, p)
	if err != nil {
		return nil, err
	}
	var out []*org.Unit
	for _, u := range all {
		if u.Level != org.City && u.Level != org.District && statsReaches(p, u) {
			out = append(out, u)
		}
	}
	return out, nil
}

// statsRoots are the units a report covers: the chosen one (in scope), or the
// user's own units.
func (s *Service) statsRoots(ctx context.Context, p *auth.Principal, orgID int64) ([]*org.Unit, error) {
	if orgID != 0 {
		u, ok := s.Org.Lookup(ctx, orgID)
		if !ok || !statsReaches(p, u) {
			return nil, auth.ErrNotFound
		}
		return []*org.Unit{u}, nil
	}
	var out []*org.Unit
	for _, r := range p.Scope.Roots {
		if u, ok := s.Org.Lookup(ctx, r.ID); ok {
			out = append(out, u)
		}
	}
	if len(out) == 0 && p.Scope.All {
		units, err := s.Org.Children(ctx, auth.System("cases-stats"), 0)
		if err != nil {
			return nil, err
		}
		out = units
	}
	return out, nil
}

// communitiesUnder lists the communities in scope under a unit above them.
func (s *Service) communitiesUnder(ctx context.Context, p *auth.Principal, u *org.Unit) []int64 {
	var out []int64
	var walk func(id int64)
	walk = func(id int64) {
		kids, err := s.Org.Children(ctx, auth.System("cases-stats"), id)
		if err != nil {
			return
		}
		for _, k := range kids {
			switch {
			case k.Level == org.Community:
				if p.Scope.AllowsCommunity(k.ID) {
					out = append(out, k.ID)
				}
			case k.Level != org.Grid:
				walk(k.ID)
			}
		}
	}
	walk(u.ID)
	return out
}
