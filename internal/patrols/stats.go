package patrols

import (
	"context"
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
)

// ---- the daily target ----

// targets reads every target set (a small reference table): org → minutes.
func (s *Service) targets(ctx context.Context) (map[int64]int, error) {
	rows, err := s.DB.Reader().QueryContext(ctx, `SELECT org_id, minutes FROM patrol_target`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}

// targetOf is a community's daily target from the targets set: its own,
// else its street's, else DefaultTarget.
func (s *Service) targetOf(ctx context.Context, set map[int64]int, communityID int64) int {
	if n, ok := set[communityID]; ok {
		return n
	}
	if c, ok := s.Org.Lookup(ctx, communityID); ok {
		if n, ok := set[c.ParentID]; ok {
			return n
		}
	}
	return DefaultTarget
}

// Target is the daily target in minutes of a community.
func (s *Service) Target(ctx context.Context, communityID int64) (int, error) {
	set, err := s.targets(ctx)
	if err != nil {
		return DefaultTarget, err
	}
	return s.targetOf(ctx, set, communityID), nil
}

// TargetRow is a street or community whose target p may set.
type TargetRow struct {
	Unit      *org.Unit
	Own       int // its own target, 0 when it has none
	Effective int // what counts for it (its own, its street's or the default)
}

// TargetRows lists the streets and communities whose target p may set.
func (s *Service) TargetRows(ctx context.Context, p *auth.Principal) ([]TargetRow, error) {
	if err := p.Require(PermTarget); err != nil {
		return nil, err
	}
	set, err := s.targets(ctx)
	if err != nil {
		return nil, err
	}
	var out []TargetRow
	for _, lvl := range []org.Level{org.Street, org.Community} {
		units, err := s.Org.InScope(ctx, p, lvl)
		if err != nil {
			return nil, err
		}
		for _, u := range units {
			if !s.maySetTarget(p, u) {
				continue
			}
			row := TargetRow{Unit: u, Own: set[u.ID], Effective: DefaultTarget}
			if lvl == org.Street {
				if n, ok := set[u.ID]; ok {
					row.Effective = n
				}
			} else {
				row.Effective = s.targetOf(ctx, set, u.ID)
			}
			out = append(out, row)
		}
	}
	return out, nil
}

func (s *Service) maySetTarget(p *auth.Principal, u *org.Unit) bool {
	switch u.Level {
	case org.Community:
		return p.Scope.AllowsCommunity(u.ID)
	case org.Street:
		return p.Scope.AllowsOrgPath(u.Path)
	}
	return false
}

// SetTarget sets the daily target of a street or community in minutes; 0
// removes its own, so that its street's (or the default) counts.
func (s *Service) SetTarget(ctx context.Context, p *auth.Principal, orgID int64, minutes int) error {
	if err := p.Require(PermTarget); err != nil {
		return err
	}
	errs := &i18n.Errors{}
	u, ok := s.Org.Lookup(ctx, orgID)
	if !ok || (u.Level != org.Street && u.Level != org.Community) {
		errs.Add("org_id", "err.choice", "field", i18n.T("patrols.target_org"))
	}
	if minutes < 0 || minutes > maxTarget {
		errs.Add("minutes", "patrols.err_target", "max", maxTarget)
	}
	if errs.Any() {
		return errs
	}
	if !s.maySetTarget(p, u) {
		return auth.ErrForbidden
	}
	community := int64(0)
	if u.Level == org.Community {
		community = u.ID
	}
	now := db.Now()
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if minutes == 0 {
			if _, err := tx.ExecContext(ctx, `DELETE FROM patrol_target WHERE org_id = ?`, u.ID); err != nil {
				return err
			}
		} else {
			res, err := tx.ExecContext(ctx, `UPDATE patrol_target SET minutes = ?, updated_at = ?, updated_by = ? WHERE org_id = ?`, minutes, now, p.UserID, u.ID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				if _, err := tx.ExecContext(ctx, `INSERT INTO patrol_target (org_id, minutes, updated_at, updated_by) VALUES (?, ?, ?, ?)`, u.ID, minutes, now, p.UserID); err != nil {
					return err
				}
			}
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "patrols.target", "org_unit", u.ID, community, audit.Success).
			WithDetail(map[string]any{"minutes": minutes}))
	})
}

// ---- the month's statistics ----

// StatsFilter selects the month and the part of the scope.
type StatsFilter struct {
	Month string // YYYY-MM; "" this month
	OrgID int64  // a street, community or grid in scope; 0 the whole scope
}

// DayMinutes is one worker's day: minutes patrolled against the target.
type DayMinutes struct {
	Day     string
	Minutes int
	Met     bool
}

// WorkerRow is one worker's month in one community.
type WorkerRow struct {
	UserID        int64
	Name          string
	CommunityID   int64
	CommunityName string
	GridNames     string
	Target        int
	Days          []DayMinutes // every day of the month up to today, in order
	PatrolDays    int          // days with any patrol
	MetDays       int          // days at or above the target
	Minutes       int
}

// RollRow is a grid's or community's month: worker-days patrolled and met.
type RollRow struct {
	ID         int64
	Name       string
	Workers    int
	PatrolDays int // worker-days with any patrol
	MetDays    int // worker-days at or above the target
	Minutes    int
}

// Stats is a month of patrols in scope.
type Stats struct {
	Month       string
	From, To    string   // the days counted: the month, up to today
	Days        []string // From … To
	Workers     []WorkerRow
	Grids       []RollRow
	Communities []RollRow
}

// Stats counts the month's ended patrols in p's scope per worker and day,
// each day held against its community's target, with roll-ups by grid and
// community. A day counts to the day a patrol started.
func (s *Service) Stats(ctx context.Context, p *auth.Principal, f StatsFilter) (*Stats, error) {
	if err := p.Require(PermStats); err != nil {
		return nil, err
	}
	now := s.now().In(locale.Zone)
	if f.Month == "" {
		f.Month = now.Format("2006-01")
	}
	first, err := time.ParseInLocation("2006-01", f.Month, locale.Zone)
	if err != nil {
		errs := &i18n.Errors{}
		errs.Add("month", "err.invalid", "field", i18n.T("patrols.month"))
		return nil, errs
	}
	last := first.AddDate(0, 1, -1)
	if today := now.Format(day); last.Format(day) > today {
		last, _ = time.ParseInLocation(day, today, locale.Zone)
	}
	st := &Stats{Month: f.Month, From: first.Format(day), To: last.Format(day)}
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		st.Days = append(st.Days, d.Format(day))
	}
	sc, args := p.Scope.SQL(s.DB.Dialect(), "t.community_id", "t.grid_id")
	where := []string{sc, "t.day >= ?", "t.day <= ?", "t.ended_at > 0"}
	args = append(args, st.From, st.To)
	if f.OrgID != 0 {
		u, ok := s.Org.Lookup(ctx, f.OrgID)
		if !ok {
			return nil, auth.ErrNotFound
		}
		switch u.Level {
		case org.Grid:
			where, args = append(where, "t.grid_id = ?"), append(args, u.ID)
		case org.Community:
			where, args = append(where, "t.community_id = ?"), append(args, u.ID)
		default:
			ids, err := s.communitiesUnder(ctx, p, u)
			if err != nil {
				return nil, err
			}
			c, a := s.DB.Dialect().IDSet("t.community_id", ids)
			where, args = append(where, c), append(args, a...)
		}
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT t.user_id, COALESCE(u.display_name, ''), t.community_id, COALESCE(c.name, ''), t.grid_id, COALESCE(g.name, ''), t.day, SUM(t.minutes)
		`+patrolFrom+` WHERE `+strings.Join(where, " AND ")+`
		GROUP BY t.user_id, u.display_name, t.community_id, c.name, t.grid_id, g.name, t.day`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type key struct{ user, community int64 }
	type cell struct {
		grid int64
		day  string
		mins int
	}
	workers := map[key]*WorkerRow{}
	byDay := map[key]map[string]int{}
	cells := map[key][]cell{}
	gridNames := map[int64]string{}
	commNames := map[int64]string{}
	for rows.Next() {
		var k key
		var name, cname, gname, d string
		var grid int64
		var mins int
		if err := rows.Scan(&k.user, &name, &k.community, &cname, &grid, &gname, &d, &mins); err != nil {
			return nil, err
		}
		w := workers[k]
		if w == nil {
			w = &WorkerRow{UserID: k.user, Name: name, CommunityID: k.community, CommunityName: cname}
			workers[k], byDay[k] = w, map[string]int{}
		}
		if !strings.Contains(" "+w.GridNames+" ", " "+gname+" ") {
			w.GridNames = strings.TrimSpace(w.GridNames + " " + gname)
		}
		byDay[k][d] += mins
		cells[k] = append(cells[k], cell{grid, d, mins})
		gridNames[grid], commNames[k.community] = gname, cname
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	set, err := s.targets(ctx)
	if err != nil {
		return nil, err
	}
	grids := map[int64]*RollRow{}
	comms := map[int64]*RollRow{}
	gridWorkers := map[int64]map[int64]bool{}
	for k, w := range workers {
		w.Target = s.targetOf(ctx, set, k.community)
		for _, d := range st.Days {
			m := byDay[k][d]
			dm := DayMinutes{Day: d, Minutes: m, Met: m > 0 && m >= w.Target}
			w.Days = append(w.Days, dm)
			w.Minutes += m
			if m > 0 {
				w.PatrolDays++
			}
			if dm.Met {
				w.MetDays++
			}
		}
		c := comms[k.community]
		if c == nil {
			c = &RollRow{ID: k.community, Name: commNames[k.community]}
			comms[k.community] = c
		}
		c.Workers++
		c.PatrolDays += w.PatrolDays
		c.MetDays += w.MetDays
		c.Minutes += w.Minutes
		// A grid's worker-days: the worker's minutes in that grid that day.
		inGrid := map[int64]map[string]int{}
		for _, cl := range cells[k] {
			if inGrid[cl.grid] == nil {
				inGrid[cl.grid] = map[string]int{}
			}
			inGrid[cl.grid][cl.day] += cl.mins
		}
		for g, days := range inGrid {
			r := grids[g]
			if r == nil {
				r = &RollRow{ID: g, Name: commNames[k.community] + " " + gridNames[g]}
				grids[g], gridWorkers[g] = r, map[int64]bool{}
			}
			if !gridWorkers[g][k.user] {
				gridWorkers[g][k.user] = true
				r.Workers++
			}
			for _, m := range days {
				r.Minutes += m
				if m > 0 {
					r.PatrolDays++
				}
				if m > 0 && m >= w.Target {
					r.MetDays++
				}
			}
		}
	}
	for _, w := range workers {
		st.Workers = append(st.Workers, *w)
	}
	sort.Slice(st.Workers, func(i, j int) bool {
		a, b := st.Workers[i], st.Workers[j]
		if a.CommunityName != b.CommunityName {
			return a.CommunityName < b.CommunityName
		}
		if a.GridNames != b.GridNames {
			return a.GridNames < b.GridNames
		}
		return a.UserID < b.UserID
	})
	for _, r := range grids {
		st.Grids = append(st.Grids, *r)
	}
	sort.Slice(st.Grids, func(i, j int) bool { return st.Grids[i].Name < st.Grids[j].Name })
	for _, r := range comms {
		st.Communities = append(st.Communities, *r)
	}
	sort.Slice(st.Communities, func(i, j int) bool { return st.Communities[i].Name < st.Communities[j].Name })
	return st, nil
}

// communitiesUnder are the communities in p's scope under a street (or
// higher unit) u.
func (s *Service) communitiesUnder(ctx context.Context, p *auth.Principal, u *org.Unit) ([]int64, error) {
	units, err := s.Org.InScope(ctx, p, org.Community)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, c := range units {
		if strings.HasPrefix(c.Path, u.Path) {
			ids = append(ids, c.ID)
		}
	}
	return ids, nil
}

// Rate is met over patrolled days, as a percentage ("—" without any).
func (r RollRow) Rate() string {
	if r.PatrolDays == 0 {
		return "—"
	}
	return strconv.Itoa(r.MetDays*100/r.PatrolDays) + "%"
}
