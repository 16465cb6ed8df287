package followups

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/locale"
	"linli/internal/org"
)

// RateCounts are the counts behind the follow-up rates of a unit, a rule or a
// whole report, for one period (口径 in the catalogue, followups.def_*):
//
//   - Due: duties that were active at some time in the period (created before
//     its end, not ended before its start), in the grid they are in now;
//     Visited: those of them with at least one record in the period, in the
//     grid of the record. 走访率 = Visited / Due.
//   - Records, OnTime: the records of the period, and those made by their
//     duty's due date. 按时走访率 = OnTime / Records.
//   - Talk*: the same as Due/Visited for talk rules (帮教谈话率); Screen*: the
//     screening records and those on time (零报告按时率).
//   - Overdue: active duties overdue today.
//
// Rates are ratios of sums, never averages of percentages: a street's rate
// is its communities' counts added up.
type RateCounts struct {
	Due, Visited                int
	Records, OnTime             int
	TalkDue, TalkVisited        int
	ScreenRecords, ScreenOnTime int
	Overdue                     int
}

func (c *RateCounts) add(o RateCounts) {
	c.Due += o.Due
	c.Visited += o.Visited
	c.Records += o.Records
	c.OnTime += o.OnTime
	c.TalkDue += o.TalkDue
	c.TalkVisited += o.TalkVisited
	c.ScreenRecords += o.ScreenRecords
	c.ScreenOnTime += o.ScreenOnTime
	c.Overdue += o.Overdue
}

// pct renders n/d as "93.5%" ("—" when d is 0).
func pct(n, d int) string {
	if d == 0 {
		return "—"
	}
	return strconv.FormatFloat(float64(n)*100/float64(d), 'f', 1, 64) + "%"
}

// VisitRate is 走访率.
func (c RateCounts) VisitRate() string { return pct(c.Visited, c.Due) }

// OnTimeRate is 按时走访率.
func (c RateCounts) OnTimeRate() string { return pct(c.OnTime, c.Records) }

// TalkRate is 帮教谈话率.
func (c RateCounts) TalkRate() string { return pct(c.TalkVisited, c.TalkDue) }

// ScreeningOnTimeRate is 零报告按时率.
func (c RateCounts) ScreeningOnTimeRate() string { return pct(c.ScreenOnTime, c.ScreenRecords) }

// RateRow is one unit (community or grid) of a report.
type RateRow struct {
	UnitID int64
	Name   string
	Level  string
	Depth  int // 0 community, 1 grid
	RateCounts
}

// RuleRateRow is one rule of a report.
type RuleRateRow struct {
	RuleID int64
	Name   string
	Kind   string
	Line   string
	RateCounts
}

// Rates is a follow-up report.
type Rates struct {
	From, To string // days, inclusive
	Rows     []RateRow
	ByRule   []RuleRateRow
	Total    RateCounts
}

// RatesFilter chooses the period and unit of a report.
type RatesFilter struct {
	Month  string // YYYY-MM; "" this month
	OrgID  int64  // a community or grid in scope; 0 all the user reaches
	RuleID int64
}

// Rates computes the follow-up rates of a month for the units p reaches (by
// community and grid) and by rule, within scope and the rules p may see: two
// aggregate statements over the duties (active; ended in the month) and one
// over the month's records, each grouped by community (one shard each on
// Citus) and each read from an index alone.
func (s *Service) Rates(ctx context.Context, p *auth.Principal, f RatesFilter) (*Rates, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	now := s.now().In(locale.Zone)
	month := strings.TrimSpace(f.Month)
	if month == "" {
		month = now.Format("2006-01")
	}
	start, err := time.ParseInLocation("2006-01", month, locale.Zone)
	if err != nil {
		errs := &i18n.Errors{}
		errs.Add("month", "followups.err_month")
		return nil, errs.Err()
	}
	end := start.AddDate(0, 1, 0)
	res := &Rates{From: start.Format(day), To: end.AddDate(0, 0, -1).Format(day)}
	visible, _, err := s.visibleRules(ctx, p)
	if err != nil {
		return nil, err
	}
	rulesByID := map[int64]*Rule{}
	var ids []int64
	for _, r := range visible {
		if f.RuleID == 0 || r.ID == f.RuleID {
			rulesByID[r.ID] = r
			ids = append(ids, r.ID)
		}
	}
	if len(ids) == 0 {
		return res, nil
	}
	d := s.DB.Dialect()
	where := func(alias string) (string, []any) {
		sc, args := p.Scope.SQL(d, alias+".community_id", alias+".grid_id")
		rc, rargs := d.IDSet(alias+".rule_id", ids)
		w := sc + " AND " + rc
		args = append(args, rargs...)
		if f.OrgID != 0 {
			u, ok := s.Org.Lookup(ctx, f.OrgID)
			switch {
			case ok && u.Level == org.Grid:
				w += " AND " + alias + ".community_id = ? AND " + alias + ".grid_id = ?"
				args = append(args, u.CommunityID, u.ID)
			case ok && u.Level == org.Community:
				w += " AND " + alias + ".community_id = ?"
				args = append(args, u.ID)
			default:
				w += " AND 1=0"
			}
		}
		return w, args
	}
	type key struct{ community, grid, rule int64 }
	counts := map[key]*RateCounts{}
	get := func(k key) *RateCounts {
		c := counts[k]
		if c == nil {
			c = &RateCounts{}
			counts[k] = c
		}
		return c
	}
	today := now.Format(day)
	dw, dargs := where("d")
	// Duties active in the month: those active now and not created after it,
	// and those ended in it or since (few). Both read the due index alone.
	for _, part := range []struct {
		cond string
		args []any
	}{
		{`d.status = 'active'`, nil},
		{`d.status = 'ended' AND d.ended_on >= ?`, []any{res.From}},
	} {
		args := append([]any{today}, dargs...)
		args = append(append(args, part.args...), end.UnixMilli())
		rows, err := s.DB.QueryContext(ctx, `SELECT d.community_id, COALESCE(d.grid_id, 0), d.rule_id, COUNT(*),
				SUM(CASE WHEN d.status = 'active' AND d.due_on < ? THEN 1 ELSE 0 END)
			FROM fu_duty d WHERE `+dw+` AND `+part.cond+` AND d.created_at < ?
			GROUP BY d.community_id, d.grid_id, d.rule_id`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var k key
			var due, overdue int
			if err := rows.Scan(&k.community, &k.grid, &k.rule, &due, &overdue); err != nil {
				rows.Close()
				return nil, err
			}
			c := get(k)
			c.Due += due
			c.Overdue += overdue
			if rulesByID[k.rule].Kind == KindTalk {
				c.TalkDue += due
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	rw, rargs := where("r")
	// The month's records, and the duties they visited, where each record was
	// made (a person who moved since counts as visited in the grid of the
	// visit): the month's range of the records' month index alone.
	rows, err := s.DB.QueryContext(ctx, `SELECT r.community_id, COALESCE(r.grid_id, 0), r.rule_id, COUNT(DISTINCT r.duty_id), COUNT(*),
			SUM(CASE WHEN r.on_time THEN 1 ELSE 0 END)
		FROM fu_record r WHERE `+rw+` AND r.happened_on >= ? AND r.happened_on <= ?
		GROUP BY r.community_id, r.grid_id, r.rule_id`, append(rargs, res.From, res.To)...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var k key
		var visited, n, onTime int
		if err := rows.Scan(&k.community, &k.grid, &k.rule, &visited, &n, &onTime); err != nil {
			rows.Close()
			return nil, err
		}
		c := get(k)
		c.Visited += visited
		c.Records += n
		c.OnTime += onTime
		if rulesByID[k.rule].Kind == KindTalk {
			c.TalkVisited += visited
		}
		if rulesByID[k.rule].Kind == KindScreening {
			c.ScreenRecords += n
			c.ScreenOnTime += onTime
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Roll up: communities, their grids under them, and rules.
	byCommunity := map[int64]*RateRow{}
	byGrid := map[[2]int64]*RateRow{} // by community and grid: "no grid" is per community
	byRule := map[int64]*RuleRateRow{}
	for k, c := range counts {
		res.Total.add(*c)
		cr := byCommunity[k.community]
		if cr == nil {
			cr = &RateRow{UnitID: k.community, Level: string(org.Community)}
			if u, ok := s.Org.Lookup(ctx, k.community); ok {
				cr.Name = u.Name
			}
			byCommunity[k.community] = cr
		}
		cr.add(*c)
		gk := [2]int64{k.community, k.grid}
		gr := byGrid[gk]
		if gr == nil {
			gr = &RateRow{UnitID: k.grid, Level: string(org.Grid), Depth: 1, Name: i18n.T("followups.no_grid")}
			if u, ok := s.Org.Lookup(ctx, k.grid); ok {
				gr.Name = u.Name
			}
			byGrid[gk] = gr
		}
		gr.add(*c)
		rr := byRule[k.rule]
		if rr == nil {
			r := rulesByID[k.rule]
			rr = &RuleRateRow{RuleID: r.ID, Name: r.Name, Kind: r.Kind, Line: r.Line}
			byRule[k.rule] = rr
		}
		rr.add(*c)
	}
	gridsOf := map[int64][]*RateRow{}
	for k := range counts {
		g := byGrid[[2]int64{k.community, k.grid}]
		list := gridsOf[k.community]
		seen := false
		for _, x := range list {
			seen = seen || x == g
		}
		if !seen {
			gridsOf[k.community] = append(list, g)
		}
	}
	var comms []*RateRow
	for _, c := range byCommunity {
		comms = append(comms, c)
	}
	sort.Slice(comms, func(i, j int) bool { return comms[i].UnitID < comms[j].UnitID })
	for _, c := range comms {
		res.Rows = append(res.Rows, *c)
		grids := gridsOf[c.UnitID]
		sort.Slice(grids, func(i, j int) bool { return grids[i].UnitID < grids[j].UnitID })
		for _, g := range grids {
			res.Rows = append(res.Rows, *g)
		}
	}
	for _, r := range byRule {
		res.ByRule = append(res.ByRule, *r)
	}
	sort.Slice(res.ByRule, func(i, j int) bool { return res.ByRule[i].RuleID < res.ByRule[j].RuleID })
	return res, nil
}
