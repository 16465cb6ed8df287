package patrols

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"strings"
	"time"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/locale"
	"linli/internal/org"
	"linli/internal/places"
)

// Finding is a case reported on a patrol, as the cases module shows it to
// the reader (app.go wires the cases' link kind "patrol").
type Finding struct {
	Title     string
	Status    string
	Href      string
	CreatedAt int64
}

// FindingsFunc lists the cases linked to a patrol that p may see.
type FindingsFunc func(ctx context.Context, p *auth.Principal, patrolID int64) ([]Finding, error)

// Service keeps patrols, the buildings passed, track points and targets.
type Service struct {
	DB     *db.DB
	Audit  *audit.Log
	Org    *org.Service
	Places *places.Service
	// Findings lists a patrol's reported cases (nil: none shown).
	Findings FindingsFunc
	// Now is the clock (tests fix it); nil is time.Now.
	Now func() time.Time
}

const day = time.DateOnly

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) today() string { return s.now().In(locale.Zone).Format(day) }

func dayOf(ms int64) string { return time.UnixMilli(ms).In(locale.Zone).Format(day) }

// ErrNotOwn refuses an act on another worker's patrol: only its own worker
// starts, ticks, ends and corrects it.
var ErrNotOwn = i18n.NewError("forbidden", "patrols.err_not_own")

// ErrEnded refuses to change a patrol that has ended as if it were running.
var ErrEnded = i18n.NewError("conflict", "patrols.err_ended")

// ErrNoConsent refuses track points of a patrol whose worker did not consent
// to record them: nothing of the kind is stored.
var ErrNoConsent = i18n.NewError("conflict", "patrols.err_no_consent")

const patrolCols = `t.id, t.community_id, t.grid_id, t.user_id, t.day, t.started_at, t.ended_at, t.minutes, t.track_consent, t.note, t.created_at, t.updated_at,
	COALESCE(u.display_name, ''), COALESCE(g.name, ''), COALESCE(c.name, '')`

const patrolFrom = ` FROM patrol t LEFT JOIN auth_user u ON u.id = t.user_id LEFT JOIN org_unit g ON g.id = t.grid_id LEFT JOIN org_unit c ON c.id = t.community_id`

func scanPatrol(sc interface{ Scan(...any) error }) (*Patrol, error) {
	pt := &Patrol{}
	err := sc.Scan(&pt.ID, &pt.CommunityID, &pt.GridID, &pt.UserID, &pt.Day, &pt.StartedAt, &pt.EndedAt, &pt.Minutes, &pt.TrackConsent, &pt.Note,
		&pt.CreatedAt, &pt.UpdatedAt, &pt.UserName, &pt.GridName, &pt.CommunityName)
	return pt, err
}

// access decides what p may do with pt.
func (s *Service) access(p *auth.Principal, pt *Patrol) Access {
	own := p.UserID != 0 && p.UserID == pt.UserID && p.Can(PermPatrol) && p.Scope.Allows(pt.CommunityID, pt.GridID)
	return Access{End: own && pt.Open(), Tick: own && pt.Open(), Points: own && pt.Open() && pt.TrackConsent,
		Correct: own && !pt.Open() && pt.Day == s.today()}
}

// Get returns a patrol in p's scope with what p may do with it.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id int64) (*Patrol, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	sc, args := p.Scope.SQL(s.DB.Dialect(), "t.community_id", "t.grid_id")
	pt, err := scanPatrol(s.DB.QueryRowContext(ctx, `SELECT `+patrolCols+patrolFrom+` WHERE t.id = ? AND `+sc, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, auth.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM patrol_point WHERE community_id = ? AND patrol_id = ?`, pt.CommunityID, pt.ID).Scan(&pt.Points); err != nil {
		return nil, err
	}
	pt.Access = s.access(p, pt)
	return pt, nil
}

// List returns patrols in p's scope, newest first, and the total matching.
func (s *Service) List(ctx context.Context, p *auth.Principal, f Filter) ([]*Patrol, int, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, 0, err
	}
	sc, args := p.Scope.SQL(s.DB.Dialect(), "t.community_id", "t.grid_id")
	where := []string{sc}
	if f.UserID != 0 {
		where, args = append(where, "t.user_id = ?"), append(args, f.UserID)
	}
	if f.GridID != 0 {
		where, args = append(where, "t.grid_id = ?"), append(args, f.GridID)
	}
	if f.From != "" {
		where, args = append(where, "t.day >= ?"), append(args, f.From)
	}
	if f.To != "" {
		where, args = append(where, "t.day <= ?"), append(args, f.To)
	}
	cond := strings.Join(where, " AND ")
	var total int
	if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM patrol t WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT `+patrolCols+patrolFrom+` WHERE `+cond+` ORDER BY t.started_at DESC, t.id DESC LIMIT ? OFFSET ?`,
		append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*Patrol
	for rows.Next() {
		pt, err := scanPatrol(rows)
		if err != nil {
			return nil, 0, err
		}
		pt.Access = s.access(p, pt)
		out = append(out, pt)
	}
	return out, total, rows.Err()
}

// Current is p's own open patrol in scope, or nil.
func (s *Service) Current(ctx context.Context, p *auth.Principal) (*Patrol, error) {
	if !p.Can(PermPatrol) || p.UserID == 0 {
		return nil, nil
	}
	sc, args := p.Scope.SQL(s.DB.Dialect(), "t.community_id", "t.grid_id")
	pt, err := scanPatrol(s.DB.QueryRowContext(ctx, `SELECT `+patrolCols+patrolFrom+` WHERE t.user_id = ? AND t.ended_at = 0 AND `+sc+` ORDER BY t.started_at DESC LIMIT 1`,
		append([]any{p.UserID}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	pt.Access = s.access(p, pt)
	return pt, nil
}

// MinutesOn is what p patrolled on day (ended patrols; a running one is not
// counted until it ends).
func (s *Service) MinutesOn(ctx context.Context, p *auth.Principal, on string) (int, error) {
	if p.UserID == 0 {
		return 0, nil
	}
	sc, args := p.Scope.SQL(s.DB.Dialect(), "t.community_id", "t.grid_id")
	var n int
	err := s.DB.QueryRowContext(ctx, `SELECT COALESCE(SUM(t.minutes), 0) FROM patrol t WHERE t.user_id = ? AND t.day = ? AND t.ended_at > 0 AND `+sc,
		append([]any{p.UserID, on}, args...)...).Scan(&n)
	return n, err
}

// Grids are the grids p may patrol: those in p's scope.
func (s *Service) Grids(ctx context.Context, p *auth.Principal) ([]*org.Unit, error) {
	if !p.Can(PermPatrol) {
		return nil, nil
	}
	return s.Org.InScope(ctx, p, org.Grid)
}

// GridBuildings are the buildings of a grid, for ticking on a patrol.
func (s *Service) GridBuildings(ctx context.Context, p *auth.Principal, gridID int64) ([]*places.Building, error) {
	list, _, err := s.Places.ListBuildings(ctx, p, places.BuildingFilter{GridID: gridID, Limit: 500})
	if errors.Is(err, auth.ErrForbidden) {
		return nil, nil
	}
	return list, err
}

// Passed lists the buildings ticked on a patrol, in the order passed.
func (s *Service) Passed(ctx context.Context, p *auth.Principal, pt *Patrol) ([]Passed, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT pb.building_id, pb.passed_at, COALESCE(e.name, ''), COALESCE(b.name, '')
		FROM patrol_building pb
		LEFT JOIN building b ON b.community_id = pb.community_id AND b.id = pb.building_id
		LEFT JOIN estate e ON e.community_id = b.community_id AND e.id = b.estate_id
		WHERE pb.community_id = ? AND pb.patrol_id = ? ORDER BY pb.passed_at, pb.building_id`, pt.CommunityID, pt.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Passed
	for rows.Next() {
		var ps Passed
		var estate, name string
		if err := rows.Scan(&ps.BuildingID, &ps.PassedAt, &estate, &name); err != nil {
			return nil, err
		}
		ps.Label = strings.TrimSpace(estate + " " + name)
		out = append(out, ps)
	}
	return out, rows.Err()
}

// Points lists a patrol's track points in order.
func (s *Service) Points(ctx context.Context, pt *Patrol) ([]Point, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT seq, at, lat, lng, accuracy_m FROM patrol_point WHERE community_id = ? AND patrol_id = ? ORDER BY seq`, pt.CommunityID, pt.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Point
	for rows.Next() {
		var pp Point
		if err := rows.Scan(&pp.Seq, &pp.At, &pp.Lat, &pp.Lng, &pp.AccuracyM); err != nil {
			return nil, err
		}
		out = append(out, pp)
	}
	return out, rows.Err()
}

// ---- writes ----

// endAt is when an open patrol ends if ended at now: at most MaxOpen after
// its start (a patrol left open does not count the night).
func endAt(startedAt, now int64) int64 {
	return min(now, startedAt+MaxOpen*60_000)
}

func minutesBetween(from, to int64) int { return int((to - from) / 60_000) }

// Start starts a patrol for p. When p already has one open that has not run
// past MaxOpen, that one is returned (again is true) and nothing is written;
// one left open longer is ended at MaxOpen first.
func (s *Service) Start(ctx context.Context, p *auth.Principal, in StartInput) (id int64, again bool, err error) {
	if err := p.Require(PermPatrol); err != nil {
		return 0, false, err
	}
	if p.UserID == 0 {
		return 0, false, auth.ErrForbidden
	}
	errs := &i18n.Errors{}
	in.Note = strings.TrimSpace(in.Note)
	errs.MaxLen("note", i18n.T("patrols.note"), in.Note, maxNote)
	if in.GridID == 0 {
		grids, err := s.Grids(ctx, p)
		if err != nil {
			return 0, false, err
		}
		if len(grids) != 1 {
			errs.Add("grid_id", "patrols.err_grid")
			return 0, false, errs.Err()
		}
		in.GridID = grids[0].ID
	}
	g, ok := s.Org.Lookup(ctx, in.GridID)
	if !ok || g.Level != org.Grid {
		errs.Add("grid_id", "err.choice", "field", i18n.T("org.level.grid"))
	}
	if errs.Any() {
		return 0, false, errs.Err()
	}
	if !p.Scope.Allows(g.CommunityID, g.ID) {
		return 0, false, auth.ErrForbidden
	}
	now := s.now().UnixMilli()
	// Open patrols of the worker within their scope (on Citus, the nodes of
	// their communities; a patrol outside it they could not end anyway).
	sc, scArgs := p.Scope.SQL(s.DB.Dialect(), "community_id", "grid_id")
	rows, err := s.DB.QueryContext(ctx, `SELECT id, community_id, started_at FROM patrol WHERE user_id = ? AND ended_at = 0 AND `+sc,
		append([]any{p.UserID}, scArgs...)...)
	if err != nil {
		return 0, false, err
	}
	type open struct{ id, community, started int64 }
	var stale []open
	for rows.Next() {
		var o open
		if err := rows.Scan(&o.id, &o.community, &o.started); err != nil {
			rows.Close()
			return 0, false, err
		}
		if now-o.started <= MaxOpen*60_000 {
			rows.Close()
			return o.id, true, nil
		}
		stale = append(stale, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, false, err
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		for _, o := range stale {
			end := endAt(o.started, now)
			if _, err := tx.ExecContext(ctx, `UPDATE patrol SET ended_at = ?, minutes = ?, updated_at = ? WHERE community_id = ? AND id = ? AND ended_at = 0`,
				end, minutesBetween(o.started, end), now, o.community, o.id); err != nil {
				return err
			}
			if err := s.Audit.Record(ctx, tx, audit.Event(p, "patrols.end", "patrol", o.id, o.community, audit.Success).
				WithDetail(map[string]any{"minutes": minutesBetween(o.started, end), "capped": true})); err != nil {
				return err
			}
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO patrol (community_id, grid_id, user_id, day, started_at, track_consent, note, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, g.CommunityID, g.ID, p.UserID, dayOf(now), now, in.TrackConsent, in.Note, now, now).Scan(&id); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "patrols.start", "patrol", id, g.CommunityID, audit.Success).
			WithDetail(map[string]any{"grid_id": g.ID, "track_consent": in.TrackConsent}))
	})
	if db.IsUniqueViolation(err) {
		// Started twice at once (a double tap): the other start made it.
		if pt, cerr := s.Current(ctx, p); cerr == nil && pt != nil {
			return pt.ID, true, nil
		}
	}
	if err != nil {
		return 0, false, err
	}
	return id, false, nil
}

// own reads a patrol of p's own for a write: another's is ErrNotOwn, one
// outside the scope not found.
func (s *Service) own(ctx context.Context, p *auth.Principal, id int64) (*Patrol, error) {
	if err := p.Require(PermPatrol); err != nil {
		return nil, err
	}
	pt, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if pt.UserID != p.UserID || p.UserID == 0 {
		return nil, ErrNotOwn
	}
	return pt, nil
}

// End ends p's open patrol: its minutes are from start to now, at most
// MaxOpen.
func (s *Service) End(ctx context.Context, p *auth.Principal, id int64) (*Patrol, error) {
	pt, err := s.own(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if !pt.Open() {
		return nil, ErrEnded
	}
	now := s.now().UnixMilli()
	end := endAt(pt.StartedAt, now)
	mins := minutesBetween(pt.StartedAt, end)
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE patrol SET ended_at = ?, minutes = ?, updated_at = ? WHERE community_id = ? AND id = ? AND ended_at = 0`,
			end, mins, now, pt.CommunityID, pt.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrEnded // ended meanwhile (another tab)
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "patrols.end", "patrol", pt.ID, pt.CommunityID, audit.Success).
			WithDetail(map[string]any{"minutes": mins, "capped": end < now}))
	})
	if err != nil {
		return nil, err
	}
	pt.EndedAt, pt.Minutes = end, mins
	return pt, nil
}

// Tick records a building of the patrol's community as passed. A building
// ticked before on the same patrol stays as it was.
func (s *Service) Tick(ctx context.Context, p *auth.Principal, id, buildingID int64) error {
	pt, err := s.own(ctx, p, id)
	if err != nil {
		return err
	}
	if !pt.Open() {
		return ErrEnded
	}
	errs := &i18n.Errors{}
	b, err := s.Places.GetBuilding(ctx, p, buildingID)
	if err != nil || b.CommunityID != pt.CommunityID {
		errs.Add("building_id", "err.choice", "field", i18n.T("patrols.building"))
		return errs
	}
	now := s.now().UnixMilli()
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO patrol_building (community_id, patrol_id, building_id, passed_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			pt.CommunityID, pt.ID, b.ID, now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "patrols.tick", "patrol", pt.ID, pt.CommunityID, audit.Success).
			WithDetail(map[string]any{"building_id": b.ID}))
	})
}

// AddPoints stores track points the phone sent for p's own patrol, only
// when p consented to the track at its start. Points are kept in the order
// sent; each must fall within the patrol (a minute's slack for clocks).
func (s *Service) AddPoints(ctx context.Context, p *auth.Principal, id int64, pts []Point) (int, error) {
	pt, err := s.own(ctx, p, id)
	if err != nil {
		return 0, err
	}
	if !pt.TrackConsent {
		return 0, ErrNoConsent
	}
	errs := &i18n.Errors{}
	if len(pts) == 0 {
		errs.Add("points", "patrols.err_points_none")
		return 0, errs
	}
	if len(pts) > maxPointsPerReq {
		errs.Add("points", "patrols.err_points_many", "max", maxPointsPerReq)
		return 0, errs
	}
	now := s.now().UnixMilli()
	until := pt.EndedAt
	if pt.Open() {
		until = now
	}
	for i := range pts {
		pp := &pts[i]
		if pp.At == 0 {
			pp.At = now
		}
		switch {
		case math.IsNaN(pp.Lat) || pp.Lat < -90 || pp.Lat > 90 || math.IsNaN(pp.Lng) || pp.Lng < -180 || pp.Lng > 180 || (pp.Lat == 0 && pp.Lng == 0):
			errs.Add("points", "patrols.err_point_place", "n", i+1)
		case pp.AccuracyM < 0 || math.IsNaN(pp.AccuracyM) || pp.AccuracyM > 100_000:
			errs.Add("points", "patrols.err_point_accuracy", "n", i+1)
		case pp.At < pt.StartedAt-60_000 || pp.At > until+60_000:
			errs.Add("points", "patrols.err_point_time", "n", i+1)
		}
		if errs.Any() {
			return 0, errs
		}
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		var last, count int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0), COUNT(*) FROM patrol_point WHERE community_id = ? AND patrol_id = ?`,
			pt.CommunityID, pt.ID).Scan(&last, &count); err != nil {
			return err
		}
		if count+len(pts) > maxPoints {
			errs.Add("points", "patrols.err_points_full", "max", maxPoints)
			return errs
		}
		for i, pp := range pts {
			if _, err := tx.ExecContext(ctx, `INSERT INTO patrol_point (community_id, patrol_id, seq, at, lat, lng, accuracy_m) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				pt.CommunityID, pt.ID, last+i+1, pp.At, pp.Lat, pp.Lng, pp.AccuracyM); err != nil {
				return err
			}
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "patrols.points", "patrol", pt.ID, pt.CommunityID, audit.Success).
			WithDetail(map[string]any{"points": len(pts)}))
	})
	if err != nil {
		return 0, err
	}
	return len(pts), nil
}

// Correct sets the start and end of p's own ended patrol, on the day it
// started and only that day (a forgotten end, a start tapped late).
func (s *Service) Correct(ctx context.Context, p *auth.Principal, id int64, start, end time.Time) error {
	pt, err := s.own(ctx, p, id)
	if err != nil {
		return err
	}
	if pt.Open() {
		return i18n.NewError("conflict", "patrols.err_correct_open")
	}
	if pt.Day != s.today() {
		return i18n.NewError("conflict", "patrols.err_correct_day")
	}
	errs := &i18n.Errors{}
	now := s.now()
	switch {
	case start.IsZero():
		errs.Add("started_at", "err.required", "field", i18n.T("patrols.started_at"))
	case start.In(locale.Zone).Format(day) != pt.Day:
		errs.Add("started_at", "patrols.err_same_day")
	}
	switch {
	case end.IsZero():
		errs.Add("ended_at", "err.required", "field", i18n.T("patrols.ended_at"))
	case end.After(now):
		errs.Add("ended_at", "patrols.err_future")
	case !start.IsZero() && !end.After(start):
		errs.Add("ended_at", "patrols.err_end_before_start")
	case !start.IsZero() && end.Sub(start) > MaxOpen*time.Minute:
		errs.Add("ended_at", "patrols.err_too_long", "hours", MaxOpen/60)
	}
	if errs.Any() {
		return errs
	}
	from, to := start.UnixMilli(), end.UnixMilli()
	mins := minutesBetween(from, to)
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE patrol SET started_at = ?, ended_at = ?, minutes = ?, updated_at = ? WHERE community_id = ? AND id = ?`,
			from, to, mins, now.UnixMilli(), pt.CommunityID, pt.ID); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "patrols.correct", "patrol", pt.ID, pt.CommunityID, audit.Success).
			WithDetail(map[string]any{"from": clock(pt.StartedAt) + "–" + clock(pt.EndedAt), "to": clock(from) + "–" + clock(to), "minutes": mins}))
	})
}

func clock(ms int64) string { return time.UnixMilli(ms).In(locale.Zone).Format("15:04") }

// ImportPast writes patrols already walked (the demo, fixtures), in one
// transaction; only the program itself may.
func (s *Service) ImportPast(ctx context.Context, p *auth.Principal, list []Past) ([]int64, error) {
	if !p.IsSystem {
		return nil, auth.ErrForbidden
	}
	grids := map[int64]*org.Unit{}
	for _, ps := range list {
		if grids[ps.GridID] == nil {
			g, ok := s.Org.Lookup(ctx, ps.GridID)
			if !ok || g.Level != org.Grid {
				return nil, i18n.NewError("bad_request", "err.choice", "field", i18n.T("org.level.grid"))
			}
			grids[ps.GridID] = g
		}
	}
	ids := make([]int64, 0, len(list))
	now := s.now().UnixMilli()
	var community int64
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		for _, ps := range list {
			g := grids[ps.GridID]
			community = g.CommunityID
			mins := 0
			if ps.EndedAt > 0 {
				mins = minutesBetween(ps.StartedAt, ps.EndedAt)
			}
			var id int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO patrol (community_id, grid_id, user_id, day, started_at, ended_at, minutes, track_consent, note, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, g.CommunityID, g.ID, ps.UserID, dayOf(ps.StartedAt), ps.StartedAt, ps.EndedAt, mins,
				ps.TrackConsent, ps.Note, now, now).Scan(&id); err != nil {
				return err
			}
			for i, b := range ps.Buildings {
				if _, err := tx.ExecContext(ctx, `INSERT INTO patrol_building (community_id, patrol_id, building_id, passed_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
					g.CommunityID, id, b, ps.StartedAt+int64(i+1)*5*60_000); err != nil {
					return err
				}
			}
			ids = append(ids, id)
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "patrols.import", "org_unit", community, community, audit.Success).
			WithDetail(map[string]any{"created": len(list)}))
	})
	return ids, err
}
