package volunteers

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
)

// ---- teams and membership ----

const teamCols = `t.id, t.community_id, t.name, t.kind, COALESCE(t.leader_id, 0), t.target_size, t.schedule, t.note, t.active, t.created_at,
	COALESCE(c.name, ''), COALESCE(l.name, '')`

const teamFrom = ` FROM vol_team t LEFT JOIN org_unit c ON c.id = t.community_id
	LEFT JOIN vol_volunteer l ON l.community_id = t.community_id AND l.id = t.leader_id`

func (s *Service) teams(ctx context.Context, p *auth.Principal, q string, args ...any) ([]*Team, error) {
	rows, err := s.DB.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Team
	for rows.Next() {
		t := &Team{}
		if err := rows.Scan(&t.ID, &t.CommunityID, &t.Name, &t.Kind, &t.LeaderID, &t.TargetSize, &t.Schedule, &t.Note, &t.Active, &t.CreatedAt,
			&t.CommunityName, &t.LeaderName); err != nil {
			return nil, err
		}
		t.Access = s.access(p, t.CommunityID)
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	return out, s.attachMembers(ctx, out)
}

// attachMembers fills the teams' current member counts in one statement keyed
// by their communities (see attachMinutes).
func (s *Service) attachMembers(ctx context.Context, ts []*Team) error {
	if len(ts) == 0 {
		return nil
	}
	byID := make(map[int64]*Team, len(ts))
	var ids, comms []int64
	for _, t := range ts {
		byID[t.ID] = t
		ids = append(ids, t.ID)
		if !slices.Contains(comms, t.CommunityID) {
			comms = append(comms, t.CommunityID)
		}
	}
	cin, args := s.DB.Dialect().IDSet("community_id", comms)
	in, idArgs := s.DB.IDsIn("team_id", ids)
	rows, err := s.DB.QueryContext(ctx, `SELECT team_id, COUNT(*) FROM vol_member WHERE `+cin+` AND `+in+` AND left_on = '' GROUP BY team_id`,
		append(args, idArgs...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return err
		}
		if t := byID[id]; t != nil {
			t.Members = n
		}
	}
	return rows.Err()
}

// GetTeam returns a team in p's scope.
func (s *Service) GetTeam(ctx context.Context, p *auth.Principal, id int64) (*Team, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	sc, args := s.scopeSQL(p, "t.community_id")
	list, err := s.teams(ctx, p, `SELECT `+teamCols+teamFrom+` WHERE t.id = ? AND `+sc, append([]any{id}, args...)...)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, auth.ErrNotFound
	}
	return list[0], nil
}

// ListTeams returns the teams in p's scope (of one community if given).
func (s *Service) ListTeams(ctx context.Context, p *auth.Principal, communityID int64, kind string) ([]*Team, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	sc, args := s.scopeSQL(p, "t.community_id")
	where := []string{sc}
	if communityID != 0 {
		where, args = append(where, "t.community_id = ?"), append(args, communityID)
	}
	if kind != "" {
		where, args = append(where, "t.kind = ?"), append(args, kind)
	}
	return s.teams(ctx, p, `SELECT `+teamCols+teamFrom+` WHERE `+strings.Join(where, " AND ")+` ORDER BY c.name, t.name, t.id LIMIT 1000`, args...)
}

func (s *Service) checkTeam(ctx context.Context, p *auth.Principal, in *TeamInput, errs *i18n.Errors) {
	in.Name, in.Schedule, in.Note = strings.TrimSpace(in.Name), strings.TrimSpace(in.Schedule), strings.TrimSpace(in.Note)
	if errs.Required("name", i18n.T("volunteers.team_name"), in.Name) {
		errs.MaxLen("name", i18n.T("volunteers.team_name"), in.Name, maxName)
	}
	if !slices.Contains(TeamKinds, in.Kind) {
		errs.Add("kind", "err.choice", "field", i18n.T("volunteers.team_kind"))
	}
	if in.TargetSize < 0 || in.TargetSize > maxTarget {
		errs.Add("target_size", "err.range", "field", i18n.T("volunteers.target_size"), "min", 0, "max", maxTarget)
	}
	errs.MaxLen("schedule", i18n.T("volunteers.schedule"), in.Schedule, maxSchedule)
	errs.MaxLen("note", i18n.T("volunteers.note"), in.Note, maxNote)
	if in.LeaderID != 0 {
		if v, err := s.Get(ctx, p, in.LeaderID); err != nil || v.CommunityID != in.CommunityID || v.Status == StatusLeft {
			errs.Add("leader_id", "err.choice", "field", i18n.T("volunteers.leader"))
		}
	}
}

// CreateTeam adds a team to a community p may confirm in.
func (s *Service) CreateTeam(ctx context.Context, p *auth.Principal, in TeamInput) (int64, error) {
	if err := p.Require(PermConfirm); err != nil {
		return 0, err
	}
	errs := &i18n.Errors{}
	s.community(ctx, in.CommunityID, errs)
	s.checkTeam(ctx, p, &in, errs)
	if errs.Any() {
		return 0, errs
	}
	if !reaches(p, in.CommunityID) {
		return 0, auth.ErrForbidden
	}
	now := s.now().UnixMilli()
	var id int64
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO vol_team (community_id, name, kind, leader_id, target_size, schedule, note, active, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, TRUE, ?, ?, ?) RETURNING id`, in.CommunityID, in.Name, in.Kind, nullID(in.LeaderID), in.TargetSize, in.Schedule, in.Note,
			p.UserID, now, now).Scan(&id); err != nil {
			return err
		}
		if in.LeaderID != 0 {
			if err := s.join(ctx, tx, p, in.CommunityID, id, in.LeaderID, s.today()); err != nil {
				return err
			}
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "volunteers.team_create", "vol_team", id, in.CommunityID, audit.Success).
			WithDetail(map[string]any{"name": in.Name}))
	})
	if db.IsUniqueViolation(err) {
		errs.Add("name", "volunteers.err_team_taken", "name", in.Name)
		return 0, errs
	}
	return id, err
}

// UpdateTeam changes a team (its leader joins it if not yet a member).
func (s *Service) UpdateTeam(ctx context.Context, p *auth.Principal, id int64, in TeamInput) error {
	t, err := s.GetTeam(ctx, p, id)
	if err != nil {
		return err
	}
	if !t.Access.Confirm {
		return auth.ErrForbidden
	}
	in.CommunityID = t.CommunityID
	errs := &i18n.Errors{}
	s.checkTeam(ctx, p, &in, errs)
	if errs.Any() {
		return errs
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE vol_team SET name = ?, kind = ?, leader_id = ?, target_size = ?, schedule = ?, note = ?, updated_at = ?
			WHERE community_id = ? AND id = ?`, in.Name, in.Kind, nullID(in.LeaderID), in.TargetSize, in.Schedule, in.Note, s.now().UnixMilli(), t.CommunityID, t.ID); err != nil {
			return err
		}
		if in.LeaderID != 0 {
			if err := s.join(ctx, tx, p, t.CommunityID, t.ID, in.LeaderID, s.today()); err != nil {
				return err
			}
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "volunteers.team_update", "vol_team", t.ID, t.CommunityID, audit.Success).
			WithDetail(map[string]any{"name": in.Name}))
	})
	if db.IsUniqueViolation(err) {
		errs.Add("name", "volunteers.err_team_taken", "name", in.Name)
		return errs
	}
	return err
}

// join adds a current membership unless there is one.
func (s *Service) join(ctx context.Context, tx *db.Tx, p *auth.Principal, c, team, vol int64, on string) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM vol_member WHERE community_id = ? AND team_id = ? AND volunteer_id = ? AND left_on = ''`, c, team, vol).
		Scan(&n); err != nil || n > 0 {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO vol_member (community_id, team_id, volunteer_id, joined_on, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		c, team, vol, on, p.UserID, s.now().UnixMilli())
	return err
}

// AddMember puts a volunteer in a team from a day ("" today).
func (s *Service) AddMember(ctx context.Context, p *auth.Principal, teamID, volunteerID int64, on string) error {
	t, err := s.GetTeam(ctx, p, teamID)
	if err != nil {
		return err
	}
	if !t.Access.Write {
		return auth.ErrForbidden
	}
	errs := &i18n.Errors{}
	v, err := s.Get(ctx, p, volunteerID)
	if err != nil || v.CommunityID != t.CommunityID || v.Status == StatusLeft {
		errs.Add("volunteer_id", "err.choice", "field", i18n.T("volunteers.volunteer"))
	}
	s.checkDay(errs, "joined_on", i18n.T("volunteers.joined_on"), &on)
	if errs.Any() {
		return errs
	}
	var n int
	if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM vol_member WHERE community_id = ? AND team_id = ? AND volunteer_id = ? AND left_on = ''`,
		t.CommunityID, t.ID, v.ID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		errs.Add("volunteer_id", "volunteers.err_member", "name", v.Name)
		return errs
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := s.join(ctx, tx, p, t.CommunityID, t.ID, v.ID, on); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "volunteers.member_join", "vol_team", t.ID, t.CommunityID, audit.Success).
			WithDetail(map[string]any{"volunteer_id": v.ID, "on": on}))
	})
}

// EndMember ends a current membership on a day ("" today); the row stays as
// history.
func (s *Service) EndMember(ctx context.Context, p *auth.Principal, teamID, memberID int64, on string) error {
	t, err := s.GetTeam(ctx, p, teamID)
	if err != nil {
		return err
	}
	if !t.Access.Write {
		return auth.ErrForbidden
	}
	errs := &i18n.Errors{}
	s.checkDay(errs, "left_on", i18n.T("volunteers.left_on"), &on)
	var joined string
	err = s.DB.QueryRowContext(ctx, `SELECT joined_on FROM vol_member WHERE community_id = ? AND team_id = ? AND id = ? AND left_on = ''`, t.CommunityID, t.ID, memberID).
		Scan(&joined)
	if errors.Is(err, sql.ErrNoRows) {
		return auth.ErrNotFound
	}
	if err != nil {
		return err
	}
	if !errs.Any() && on < joined {
		errs.Add("left_on", "volunteers.err_left_before", "field", i18n.T("volunteers.left_on"))
	}
	if errs.Any() {
		return errs
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE vol_member SET left_on = ? WHERE community_id = ? AND id = ? AND left_on = ''`, on, t.CommunityID, memberID); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "volunteers.member_leave", "vol_team", t.ID, t.CommunityID, audit.Success).
			WithDetail(map[string]any{"member_id": memberID, "on": on}))
	})
}

// Members are a team's memberships, current first, then history. The team
// must have been read within scope.
func (s *Service) Members(ctx context.Context, t *Team) ([]*Member, error) {
	return s.members(ctx, `m.community_id = ? AND m.team_id = ?`, t.CommunityID, t.ID)
}

// MembershipsOf are a volunteer's memberships, current first. The volunteer
// must have been read within scope.
func (s *Service) MembershipsOf(ctx context.Context, v *Volunteer) ([]*Member, error) {
	return s.members(ctx, `m.community_id = ? AND m.volunteer_id = ?`, v.CommunityID, v.ID)
}

func (s *Service) members(ctx context.Context, where string, args ...any) ([]*Member, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT m.id, m.team_id, m.volunteer_id, m.joined_on, m.left_on, t.name, v.name FROM vol_member m
		JOIN vol_team t ON t.community_id = m.community_id AND t.id = m.team_id
		JOIN vol_volunteer v ON v.community_id = m.community_id AND v.id = m.volunteer_id
		WHERE `+where+` ORDER BY CASE WHEN m.left_on = '' THEN 0 ELSE 1 END, m.joined_on DESC, m.id DESC`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Member
	for rows.Next() {
		m := &Member{}
		if err := rows.Scan(&m.ID, &m.TeamID, &m.VolunteerID, &m.JoinedOn, &m.LeftOn, &m.TeamName, &m.VolunteerName); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
