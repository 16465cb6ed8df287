package cases

import (
	"context"
	"strings"
	"time"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
)

// The worker keeps the clocks: it reminds the holder of a case before the due
// time and escalates an overdue case one level up (grid → community → street),
// and at the street it records the case as overdue once.
//
// Several instances of serve may run it against one PostgreSQL. Each piece of
// work is claimed with a conditional UPDATE of the one case (community_id and
// id: a single shard on Citus) that names the timer value the instance saw
// (reminded_at IS NULL AND remind_at = v; escalate_at = v), in the
// same transaction as the timeline entry, the alerts and the audit entry: the
// second instance's UPDATE finds the row changed (PostgreSQL re-checks the
// condition after the first commits) and does nothing. State lives only in the
// rows, so a restart loses nothing and repeats nothing.

// DefaultTick is how often the worker looks for due work.
const DefaultTick = 30 * time.Second

// RunWorker sweeps until ctx ends.
func (s *Service) RunWorker(ctx context.Context) {
	tick := s.Tick
	if tick <= 0 {
		tick = DefaultTick
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		if _, _, err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
			s.logWarn("cases worker", "err", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// sweepBatch bounds one pass; the next tick takes the rest.
const sweepBatch = 200

// Sweep sends due reminders and escalates overdue cases, returning how many of
// each this instance did.
func (s *Service) Sweep(ctx context.Context) (reminded, escalated int, err error) {
	now := db.Now()
	type due struct{ community, id, at int64 }
	read := func(q string) ([]due, error) {
		rows, err := s.DB.QueryContext(ctx, q, now, sweepBatch)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []due
		for rows.Next() {
			var d due
			if err := rows.Scan(&d.community, &d.id, &d.at); err != nil {
				return nil, err
			}
			out = append(out, d)
		}
		return out, rows.Err()
	}
	reminders, err := read(`SELECT community_id, id, remind_at FROM cases WHERE reminded_at IS NULL AND remind_at IS NOT NULL AND remind_at <= ? ORDER BY remind_at LIMIT ?`)
	if err != nil {
		return 0, 0, err
	}
	for _, d := range reminders {
		ok, err := s.remindOne(ctx, d.community, d.id, d.at, now)
		if err != nil {
			return reminded, escalated, err
		}
		if ok {
			reminded++
		}
	}
	overdue, err := read(`SELECT community_id, id, escalate_at FROM cases WHERE escalate_at IS NOT NULL AND escalate_at <= ? ORDER BY escalate_at LIMIT ?`)
	if err != nil {
		return reminded, 0, err
	}
	for _, d := range overdue {
		ok, err := s.escalateOne(ctx, d.community, d.id, d.at, now)
		if err != nil {
			return reminded, escalated, err
		}
		if ok {
			escalated++
		}
	}
	return reminded, escalated, nil
}

var worker = auth.System("cases-worker")

func (s *Service) remindOne(ctx context.Context, community, id, at, now int64) (bool, error) {
	done := false
	err := s.inTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE cases SET reminded_at = ? WHERE community_id = ? AND id = ? AND reminded_at IS NULL AND remind_at = ? AND closed_at IS NULL`, now, community, id, at)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		c, err := loadTx(ctx, tx, community, id)
		if err != nil {
			return err
		}
		c.Type, _ = s.Type(ctx, c.TypeCode)
		if _, err := insertEvent(ctx, tx, event{caseID: id, community: c.CommunityID, at: now, actor: worker, actorName: "系统", kind: "remind",
			data: map[string]any{"due_at": c.DueAt}}); err != nil {
			return err
		}
		if err := s.alertHolder(ctx, tx, c, c.Level, c.HolderOrgID, "remind", now); err != nil {
			return err
		}
		done = true
		return s.Audit.Record(ctx, tx, audit.Event(worker, "case.remind", "case", id, c.CommunityID, audit.Success))
	})
	return done, err
}

func (s *Service) escalateOne(ctx context.Context, community, id, at, now int64) (bool, error) {
	cal, err := s.cal(ctx)
	if err != nil {
		return false, err
	}
	done := false
	err = s.inTx(ctx, func(tx *db.Tx) error {
		c, err := loadTx(ctx, tx, community, id)
		if err != nil {
			return err
		}
		if c.EscalateAt != at || c.ClosedAt != 0 {
			return nil
		}
		c.Type, _ = s.Type(ctx, c.TypeCode)
		days := 2
		if c.Type != nil {
			days = c.Type.EscalateDays
		}
		if c.Level == LevelStreet {
			// The top: "疑难问题不出街道". Record the case as overdue there, once.
			res, err := tx.ExecContext(ctx, `UPDATE cases SET escalate_at = NULL WHERE community_id = ? AND id = ? AND escalate_at = ? AND closed_at IS NULL`, community, id, at)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil
			}
			if _, err := insertEvent(ctx, tx, event{caseID: id, community: c.CommunityID, at: now, actor: worker, actorName: "系统", kind: "overdue",
				data: map[string]any{"level": c.Level}}); err != nil {
				return err
			}
			if err := s.alertHolder(ctx, tx, c, c.Level, c.HolderOrgID, "overdue", now); err != nil {
				return err
			}
			done = true
			return s.Audit.Record(ctx, tx, audit.Event(worker, "case.overdue", "case", id, c.CommunityID, audit.Success))
		}
		next := nextLevel(c.Level)
		holder := s.holderFor(ctx, next, c.CommunityID, c.GridID)
		nextAt := cal.AddDays(time.UnixMilli(now), days).UnixMilli()
		res, err := tx.ExecContext(ctx, `UPDATE cases SET level = ?, holder_org_id = ?, assignee_id = NULL, escalate_at = ?, escalations = escalations + 1,
			updated_at = ?, version = version + 1 WHERE community_id = ? AND id = ? AND escalate_at = ? AND closed_at IS NULL`, next, holder, nextAt, now, community, id, at)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		if _, err := insertEvent(ctx, tx, event{caseID: id, community: c.CommunityID, at: now, actor: worker, actorName: "系统", kind: "escalate", public: true,
			data: map[string]any{"from": c.Level, "to": next}}); err != nil {
			return err
		}
		c.AssigneeID = 0
		if err := s.alertHolder(ctx, tx, c, next, holder, "escalated", now); err != nil {
			return err
		}
		done = true
		return s.Audit.Record(ctx, tx, audit.Event(worker, "case.escalate", "case", id, c.CommunityID, audit.Success).
			WithDetail(map[string]any{"from": c.Level, "to": next}))
	})
	return done, err
}

// rolesAt are the roles told about a case held at a level.
var rolesAt = map[string][]auth.Role{
	LevelGrid:      {auth.RoleGridWorker},
	LevelCommunity: {auth.RoleCommunityAdmin, auth.RoleSocialWorker},
	LevelStreet:    {auth.RoleStreetAdmin},
}

// Alert kinds, labelled on the my-work page.
var _ = i18n.Family("cases.alert.", "remind", "escalated", "overdue", "assigned")

// alertHolder tells the case's assignee, or else the staff of the holding unit
// who work this type, about it.
func (s *Service) alertHolder(ctx context.Context, tx *db.Tx, c *Case, level string, holder int64, kind string, now int64) error {
	if c.AssigneeID != 0 {
		return insertAlerts(ctx, tx, c.ID, c.CommunityID, kind, []int64{c.AssigneeID}, now)
	}
	roles := rolesAt[level]
	args := []any{holder}
	for _, r := range roles {
		args = append(args, string(r))
	}
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT u.id, u.lines, r.role FROM auth_user u JOIN auth_user_role r ON r.user_id = u.id
		JOIN auth_user_scope sc ON sc.user_id = u.id WHERE sc.org_unit_id = ? AND r.role IN (`+db.Placeholders(len(roles))+`) AND u.disabled = FALSE`, args...)
	if err != nil {
		return err
	}
	var users []int64
	seen := map[int64]bool{}
	for rows.Next() {
		var id int64
		var lines, role string
		if err := rows.Scan(&id, &lines, &role); err != nil {
			rows.Close()
			return err
		}
		if auth.Role(role) == auth.RoleSocialWorker && c.Type != nil && !SeesType(&auth.Principal{Roles: []auth.Role{auth.RoleSocialWorker}, Lines: strings.Split(lines, ",")}, c.Type) {
			continue
		}
		if !seen[id] {
			seen[id] = true
			users = append(users, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	return insertAlerts(ctx, tx, c.ID, c.CommunityID, kind, users, now)
}

func insertAlerts(ctx context.Context, tx *db.Tx, caseID, community int64, kind string, users []int64, now int64) error {
	for _, u := range users {
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_alert (case_id, community_id, user_id, kind, at) VALUES (?, ?, ?, ?, ?)`, caseID, community, u, kind, now); err != nil {
			return err
		}
	}
	return nil
}

// Alert is a reminder or notice for one user.
type Alert struct {
	ID     int64
	CaseID int64
	Number string
	Title  string
	Kind   string
	At     int64
	Read   bool
}

// Alerts lists p's newest alerts about cases p still reaches.
func (s *Service) Alerts(ctx context.Context, p *auth.Principal, limit int) ([]*Alert, int, error) {
	if !p.Can(PermWork) {
		return nil, 0, nil
	}
	vis, visArgs, err := s.visibility(ctx, p)
	if err != nil {
		return nil, 0, err
	}
	var unread int
	if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM case_alert a JOIN cases c ON c.community_id = a.community_id AND c.id = a.case_id WHERE a.user_id = ? AND a.read_at IS NULL AND `+vis, append([]any{p.UserID}, visArgs...)...).Scan(&unread); err != nil {
		return nil, 0, err
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT a.id, a.case_id, c.type, c.created_at, c.title, a.kind, a.at, a.read_at IS NOT NULL FROM case_alert a JOIN cases c ON c.community_id = a.community_id AND c.id = a.case_id
		WHERE a.user_id = ? AND `+vis+` ORDER BY a.at DESC, a.id DESC LIMIT ?`, append(append([]any{p.UserID}, visArgs...), limit)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*Alert
	for rows.Next() {
		a := &Alert{}
		var typ string
		var created int64
		if err := rows.Scan(&a.ID, &a.CaseID, &typ, &created, &a.Title, &a.Kind, &a.At, &a.Read); err != nil {
			return nil, 0, err
		}
		prefix := "AJ"
		if t, ok := s.Type(ctx, typ); ok {
			prefix = t.Prefix
		}
		a.Number = FormatNumber(prefix, created, a.CaseID)
		out = append(out, a)
	}
	return out, unread, rows.Err()
}

// MarkAlertsRead marks all of p's alerts read.
func (s *Service) MarkAlertsRead(ctx context.Context, p *auth.Principal) error {
	if err := p.Require(PermWork); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE case_alert SET read_at = ? WHERE user_id = ? AND read_at IS NULL`, db.Now(), p.UserID); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "case.alerts_read", "user", p.UserID, 0, audit.Success))
	})
}
