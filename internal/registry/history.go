package registry

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/org"
)

// The moves below keep history: a residence is closed and another opened, a
// status changes, an event joins the timeline. Nothing about a person who left
// or died is deleted; the household file shows them as former members.

func checkDate(field, label, on string, errs *i18n.Errors) {
	if !org.ValidDate(on) {
		errs.Add(field, "err.invalid_date", "field", label)
	}
}

// personRow is the part of a person the moves need, read inside the transaction.
type personRow struct {
	id, community, grid, household, dwelling int64
	name, relation, status, residenceType    string
}

// lockPerson reads a person in scope inside tx (locking the row on PostgreSQL):
// the callers hold PermWrite, and in scope is where they may write; a person
// outside it is not found.
func (s *Service) lockPerson(ctx context.Context, tx *db.Tx, pr *auth.Principal, id int64) (*personRow, error) {
	sc, args := pr.Scope.SQL(tx.Dialect(), "p.community_id", "p.grid_id")
	where, wargs, err := lockTarget(ctx, tx, "reg_person p", id, sc, args)
	if err != nil {
		return nil, err
	}
	r := &personRow{}
	err = tx.QueryRowContext(ctx, `SELECT id, community_id, COALESCE(grid_id, 0), COALESCE(household_id, 0), COALESCE(dwelling_id, 0), name, relation, status, residence_type
		FROM reg_person p WHERE `+where, wargs...).
		Scan(&r.id, &r.community, &r.grid, &r.household, &r.dwelling, &r.name, &r.relation, &r.status, &r.residenceType)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, auth.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// checkAfterCurrent refuses a change dated before the person's current
// residence began: history must read forwards.
func checkAfterCurrent(ctx context.Context, tx *db.Tx, community, person int64, on string) error {
	var from string
	err := tx.QueryRowContext(ctx, `SELECT from_on FROM reg_residence WHERE community_id = ? AND person_id = ? AND to_on IS NULL ORDER BY from_on DESC LIMIT 1`, community, person).Scan(&from)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	if on < from {
		e := &i18n.Errors{}
		e.Add("on", "registry.date_before_current", "date", from)
		return e
	}
	return nil
}

// relocate moves a person's rows (person, name pieces, tags) to a new place
// within their community (pl.community: see transfer.go for another one).
func relocate(ctx context.Context, tx *db.Tx, person int64, pl placement) error {
	if _, err := tx.ExecContext(ctx, `UPDATE reg_person SET grid_id = ?, dwelling_id = ?, updated_at = ? WHERE community_id = ? AND id = ?`,
		nullInt(pl.grid), nullInt(pl.dwelling), db.Now(), pl.community, person); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE reg_name_gram SET grid_id = ? WHERE community_id = ? AND person_id = ?`, nullInt(pl.grid), pl.community, person); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE reg_person_tag SET grid_id = ? WHERE community_id = ? AND person_id = ?`, nullInt(pl.grid), pl.community, person)
	return err
}

// closeResidence ends the current residence on date on.
func closeResidence(ctx context.Context, tx *db.Tx, community, person int64, on string) error {
	_, err := tx.ExecContext(ctx, `UPDATE reg_residence SET to_on = ? WHERE community_id = ? AND person_id = ? AND to_on IS NULL`, on, community, person)
	return err
}

// refuseOtherCommunity is the message for a move that would part a person
// from their household's community: a household and its members are of one
// community (move the whole household, or split first).
func refuseOtherCommunity(field string) error {
	e := &i18n.Errors{}
	e.Add(field, "registry.household_other_community")
	return e
}

// MovePerson moves one person to another dwelling (or out of any dwelling, within
// a community) on date on, keeping their household.
func (s *Service) MovePerson(ctx context.Context, pr *auth.Principal, id, dwellingID, communityID int64, on string) error {
	if err := pr.Require(PermWrite); err != nil {
		return err
	}
	errs := &i18n.Errors{}
	checkDate("on", i18n.T("registry.move_date"), on, errs)
	pl, err := s.place(ctx, pr, dwellingID, communityID, errs)
	if err != nil {
		return err
	}
	if errs.Any() {
		return errs
	}
	return s.inTx(ctx, func(tx *db.Tx) error {
		r, err := s.lockPerson(ctx, tx, pr, id)
		if err != nil {
			return err
		}
		if r.status != StatusActive {
			return i18n.NewError("conflict", "registry.not_active")
		}
		if r.dwelling == pl.dwelling && r.community == pl.community {
			return nil
		}
		if err := checkAfterCurrent(ctx, tx, r.community, id, on); err != nil {
			return err
		}
		from, to := s.addressOf(ctx, tx, r.community, r.dwelling), s.addressOf(ctx, tx, pl.community, pl.dwelling)
		if r.community != pl.community {
			// To another community: the person's rows go with them (transfer.go).
			if r.household != 0 {
				return refuseOtherCommunity("dwelling_id")
			}
			m, err := takePerson(ctx, tx, r.community, id)
			if err != nil {
				return err
			}
			if err := m.put(ctx, tx, pl, 0, ""); err != nil {
				return err
			}
		}
		if err := closeResidence(ctx, tx, pl.community, id, on); err != nil {
			return err
		}
		if err := insertResidence(ctx, tx, id, pl, r.residenceType, on); err != nil {
			return err
		}
		if err := relocate(ctx, tx, id, pl); err != nil {
			return err
		}
		if err := s.event(ctx, tx, pr, pl.community, id, r.household, EventMoveIn, on, i18n.T("registry.detail_moved", "from", dash(from), "to", dash(to))); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(pr, "person.move", "person", id, pl.community, audit.Success).
			WithDetail(map[string]any{"from_dwelling": r.dwelling, "to_dwelling": pl.dwelling}))
	})
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// MoveHousehold moves a household and every active member who lived with it.
func (s *Service) MoveHousehold(ctx context.Context, pr *auth.Principal, hh, dwellingID int64, on string) error {
	if err := pr.Require(PermWrite); err != nil {
		return err
	}
	errs := &i18n.Errors{}
	checkDate("on", i18n.T("registry.move_date"), on, errs)
	pl, err := s.place(ctx, pr, dwellingID, 0, errs)
	if err != nil {
		return err
	}
	if errs.Any() {
		return errs
	}
	return s.inTx(ctx, func(tx *db.Tx) error {
		h, err := s.lockHousehold(ctx, tx, pr, hh)
		if err != nil {
			return err
		}
		members, err := activeMembers(ctx, tx, h.community, hh)
		if err != nil {
			return err
		}
		for _, m := range members {
			if m.dwelling != h.dwelling {
				if pl.community != h.community {
					// 人户分离 within the old community: the household cannot
					// leave them behind in another community.
					return refuseOtherCommunity("dwelling_id")
				}
				continue // 人户分离: lives elsewhere, stays there
			}
			if err := checkAfterCurrent(ctx, tx, h.community, m.id, on); err != nil {
				return err
			}
		}
		fromAddr := s.addressOf(ctx, tx, h.community, h.dwelling)
		if pl.community != h.community {
			if err := s.transferHousehold(ctx, tx, h, pl); err != nil {
				return err
			}
		}
		for _, m := range members {
			if m.dwelling != h.dwelling {
				continue
			}
			if err := closeResidence(ctx, tx, pl.community, m.id, on); err != nil {
				return err
			}
			if err := insertResidence(ctx, tx, m.id, pl, m.residenceType, on); err != nil {
				return err
			}
			if err := relocate(ctx, tx, m.id, pl); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE reg_household SET grid_id = ?, dwelling_id = ?, updated_at = ? WHERE community_id = ? AND id = ?`, nullInt(pl.grid), pl.dwelling, db.Now(), pl.community, hh); err != nil {
			return err
		}
		detail := i18n.T("registry.detail_moved", "from", dash(fromAddr), "to", dash(s.addressOf(ctx, tx, pl.community, pl.dwelling)))
		if err := s.event(ctx, tx, pr, pl.community, 0, hh, EventMoveIn, on, detail); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(pr, "household.move", "household", hh, pl.community, audit.Success).
			WithDetail(map[string]any{"from_dwelling": h.dwelling, "to_dwelling": pl.dwelling}))
	})
}

type memberRow struct {
	id, dwelling           int64
	name, relation, status string
	residenceType          string
}

// transferHousehold moves household h and all its members, present and
// former, to pl's community (see transfer.go): those living at the
// household's dwelling live at pl's, the former members at none. The caller
// has checked that no active member lives elsewhere.
func (s *Service) transferHousehold(ctx context.Context, tx *db.Tx, h *householdRow, pl placement) error {
	ids, err := tx.Int64s(ctx, `SELECT id FROM reg_person WHERE community_id = ? AND household_id = ? ORDER BY id`, h.community, h.id)
	if err != nil {
		return err
	}
	moving := make([]*movingPerson, 0, len(ids))
	for _, id := range ids {
		m, err := takePerson(ctx, tx, h.community, id)
		if err != nil {
			return err
		}
		moving = append(moving, m)
	}
	events, err := takeRows(ctx, tx, "reg_event", eventColumns, `community_id = ? AND household_id = ?`, h.community, h.id)
	if err != nil {
		return err
	}
	house, err := takeRows(ctx, tx, "reg_household", householdColumns, `community_id = ? AND id = ?`, h.community, h.id)
	if err != nil {
		return err
	}
	if err := house.put(ctx, tx, map[string]any{"community_id": pl.community, "grid_id": nullInt(pl.grid), "dwelling_id": nullInt(pl.dwelling), "updated_at": db.Now()}); err != nil {
		return err
	}
	for _, m := range moving {
		mpl := placement{community: pl.community}
		if m.person.value("status") == StatusActive {
			mpl = pl
		}
		if err := m.put(ctx, tx, mpl, h.id, m.person.value("relation")); err != nil {
			return err
		}
	}
	return events.put(ctx, tx, map[string]any{"community_id": pl.community})
}

func activeMembers(ctx context.Context, q db.Queryer, community, hh int64) ([]memberRow, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, COALESCE(dwelling_id, 0), name, relation, status, residence_type FROM reg_person WHERE community_id = ? AND household_id = ? AND status = 'active' ORDER BY id`, community, hh)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []memberRow
	for rows.Next() {
		var m memberRow
		if err := rows.Scan(&m.id, &m.dwelling, &m.name, &m.relation, &m.status, &m.residenceType); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Leave records that a person moved out of the community (迁出) or died (死亡).
// When the head leaves a household that still has members, newHead names the
// member who heads it from now on (and relations their relation to the new head).
type Leave struct {
	Kind        string // EventMoveOut or EventDeath
	On          string
	Destination string // where to, for moves out
	Reason      string
	NewHead     int64
	Relations   map[int64]string // member → relation to the new head
}

// Depart records a move out or a death.
func (s *Service) Depart(ctx context.Context, pr *auth.Principal, id int64, l Leave) error {
	if err := pr.Require(PermWrite); err != nil {
		return err
	}
	errs := &i18n.Errors{}
	checkDate("on", i18n.T("registry.leave_date"), l.On, errs)
	if l.Kind != EventMoveOut && l.Kind != EventDeath {
		errs.Add("kind", "err.choice", "field", i18n.T("registry.event"))
	}
	if l.Kind == EventMoveOut {
		errs.MaxLen("destination", i18n.T("registry.destination"), l.Destination, 200)
	}
	errs.MaxLen("reason", i18n.T("registry.reason"), l.Reason, 200)
	if errs.Any() {
		return errs
	}
	return s.inTx(ctx, func(tx *db.Tx) error {
		r, err := s.lockPerson(ctx, tx, pr, id)
		if err != nil {
			return err
		}
		if r.status != StatusActive {
			return i18n.NewError("conflict", "registry.not_active")
		}
		if err := checkAfterCurrent(ctx, tx, r.community, id, l.On); err != nil {
			return err
		}
		if r.household != 0 {
			h, err := s.lockHousehold(ctx, tx, pr, r.household)
			if err != nil {
				return err
			}
			if h.headID == id {
				if err := s.handOver(ctx, tx, pr, h, id, l.NewHead, l.Relations); err != nil {
					return err
				}
			}
		}
		status := StatusMovedOut
		detail := i18n.T("registry.detail_moved_out", "to", dash(strings.TrimSpace(l.Destination)))
		if l.Kind == EventDeath {
			status, detail = StatusDeceased, ""
		}
		if reason := strings.TrimSpace(l.Reason); reason != "" {
			detail = strings.TrimSpace(detail + " " + i18n.T("registry.detail_reason", "reason", reason))
		}
		if _, err := tx.ExecContext(ctx, `UPDATE reg_person SET status = ?, updated_at = ? WHERE community_id = ? AND id = ?`, status, db.Now(), r.community, id); err != nil {
			return err
		}
		if err := closeResidence(ctx, tx, r.community, id, l.On); err != nil {
			return err
		}
		if r.household != 0 {
			if err := refreshHousehold(ctx, tx, r.community, r.household, false, 0); err != nil {
				return err
			}
		}
		if err := s.event(ctx, tx, pr, r.community, id, r.household, l.Kind, l.On, detail); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(pr, "person."+l.Kind, "person", id, r.community, audit.Success).WithDetail(map[string]any{"on": l.On}))
	})
}

// handOver makes newHead the head of h in place of the leaving head. A household
// whose last member leaves is closed.
func (s *Service) handOver(ctx context.Context, tx *db.Tx, pr *auth.Principal, h *householdRow, leaving, newHead int64, relations map[int64]string) error {
	members, err := activeMembers(ctx, tx, h.community, h.id)
	if err != nil {
		return err
	}
	var others []memberRow
	for _, m := range members {
		if m.id != leaving {
			others = append(others, m)
		}
	}
	if len(others) == 0 {
		_, err := tx.ExecContext(ctx, `UPDATE reg_household SET status = 'dissolved', head_person_id = NULL, updated_at = ? WHERE community_id = ? AND id = ?`, db.Now(), h.community, h.id)
		return err
	}
	errs := &i18n.Errors{}
	found := false
	for _, m := range others {
		found = found || m.id == newHead
	}
	if !found {
		errs.Add("new_head", "registry.new_head_needed")
		return errs
	}
	return s.setHead(ctx, tx, h.community, h.id, newHead, others, relations, errs)
}

// setHead makes head the household's head and gives every other member the
// relation named for them (required), so that the household always has exactly
// one 本人.
func (s *Service) setHead(ctx context.Context, tx *db.Tx, community, hh, head int64, members []memberRow, relations map[int64]string, errs *i18n.Errors) error {
	for _, m := range members {
		if m.id == head {
			continue
		}
		rel := relations[m.id]
		if rel == "" && m.relation != RelationSelf {
			rel = m.relation
		}
		if !valid(rel, Relations) || rel == RelationSelf {
			errs.Add("relation_"+itoa(m.id), "registry.relation_for", "name", m.name)
		}
	}
	if errs.Any() {
		return errs
	}
	for _, m := range members {
		rel := relations[m.id]
		if m.id == head {
			rel = RelationSelf
		} else if rel == "" {
			rel = m.relation
		}
		if _, err := tx.ExecContext(ctx, `UPDATE reg_person SET relation = ?, updated_at = ? WHERE community_id = ? AND id = ?`, rel, db.Now(), community, m.id); err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, `UPDATE reg_household SET head_person_id = ?, updated_at = ? WHERE community_id = ? AND id = ?`, head, db.Now(), community, hh)
	return err
}

// ChangeHead is 户内变更: another member heads the household from date on.
func (s *Service) ChangeHead(ctx context.Context, pr *auth.Principal, hh, newHead int64, relations map[int64]string, on string) error {
	if err := pr.Require(PermWrite); err != nil {
		return err
	}
	errs := &i18n.Errors{}
	checkDate("on", i18n.T("registry.change_date"), on, errs)
	if errs.Any() {
		return errs
	}
	return s.inTx(ctx, func(tx *db.Tx) error {
		h, err := s.lockHousehold(ctx, tx, pr, hh)
		if err != nil {
			return err
		}
		members, err := activeMembers(ctx, tx, h.community, hh)
		if err != nil {
			return err
		}
		var name string
		for _, m := range members {
			if m.id == newHead {
				name = m.name
			}
		}
		if name == "" {
			e := &i18n.Errors{}
			e.Add("new_head", "registry.new_head_needed")
			return e
		}
		if err := s.setHead(ctx, tx, h.community, hh, newHead, members, relations, &i18n.Errors{}); err != nil {
			return err
		}
		if err := s.event(ctx, tx, pr, h.community, 0, hh, EventChange, on, i18n.T("registry.detail_head", "name", name)); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(pr, "household.head", "household", hh, h.community, audit.Success).WithDetail(map[string]any{"head": newHead}))
	})
}

// Split is 分户: some members leave to form a new household headed by newHead.
type Split struct {
	Members   []int64
	NewHead   int64
	Number    string
	Dwelling  int64 // 0 = stay in the same dwelling
	Relations map[int64]string
	On        string
	// StayHead heads the old household when its head is among those leaving.
	StayHead      int64
	StayRelations map[int64]string
}

// SplitHousehold performs a 分户 and returns the new household's id.
func (s *Service) SplitHousehold(ctx context.Context, pr *auth.Principal, hh int64, sp Split) (int64, error) {
	if err := pr.Require(PermWrite); err != nil {
		return 0, err
	}
	errs := &i18n.Errors{}
	checkDate("on", i18n.T("registry.change_date"), sp.On, errs)
	if len(sp.Members) == 0 {
		errs.Add("members", "registry.split_members")
	}
	if errs.Any() {
		return 0, errs
	}
	var newID int64
	err := s.inTx(ctx, func(tx *db.Tx) error {
		h, err := s.lockHousehold(ctx, tx, pr, hh)
		if err != nil {
			return err
		}
		members, err := activeMembers(ctx, tx, h.community, hh)
		if err != nil {
			return err
		}
		leaving := map[int64]bool{}
		for _, id := range sp.Members {
			leaving[id] = true
		}
		var going, staying []memberRow
		for _, m := range members {
			if leaving[m.id] {
				going = append(going, m)
			} else {
				staying = append(staying, m)
			}
		}
		if len(going) != len(sp.Members) {
			e := &i18n.Errors{}
			e.Add("members", "registry.split_not_members")
			return e
		}
		if len(staying) == 0 {
			e := &i18n.Errors{}
			e.Add("members", "registry.split_all")
			return e
		}
		if leaving[h.headID] {
			// The old household keeps a head: one of those staying.
			if !containsMember(staying, sp.StayHead) {
				e := &i18n.Errors{}
				e.Add("stay_head", "registry.new_head_needed")
				return e
			}
			if err := s.setHead(ctx, tx, h.community, hh, sp.StayHead, staying, sp.StayRelations, &i18n.Errors{}); err != nil {
				return err
			}
		}
		if !containsMember(going, sp.NewHead) {
			e := &i18n.Errors{}
			e.Add("new_head", "registry.new_head_needed")
			return e
		}
		pl := placement{community: h.community, grid: h.grid, dwelling: h.dwelling}
		if sp.Dwelling != 0 && sp.Dwelling != h.dwelling {
			pe := &i18n.Errors{}
			if pl, err = s.place(ctx, pr, sp.Dwelling, 0, pe); err != nil {
				return err
			}
			if pe.Any() {
				return pe
			}
		}
		if pl.community != h.community {
			for _, m := range going {
				if m.dwelling != h.dwelling {
					// 人户分离: would stay behind in the old community.
					return refuseOtherCommunity("dwelling_id")
				}
			}
		}
		if newID, err = insertHousehold(ctx, tx, pl, sp.Number); err != nil {
			return err
		}
		for _, m := range going {
			if pl.community != h.community {
				// To another community: the person's rows go with them (transfer.go).
				mp, err := takePerson(ctx, tx, h.community, m.id)
				if err != nil {
					return err
				}
				if err := mp.put(ctx, tx, pl, newID, m.relation); err != nil {
					return err
				}
			} else if _, err := tx.ExecContext(ctx, `UPDATE reg_person SET household_id = ? WHERE community_id = ? AND id = ?`, newID, h.community, m.id); err != nil {
				return err
			}
			if pl.dwelling != h.dwelling && m.dwelling == h.dwelling {
				if err := closeResidence(ctx, tx, pl.community, m.id, sp.On); err != nil {
					return err
				}
				if err := insertResidence(ctx, tx, m.id, pl, m.residenceType, sp.On); err != nil {
					return err
				}
				if err := relocate(ctx, tx, m.id, pl); err != nil {
					return err
				}
			}
		}
		if err := s.setHead(ctx, tx, pl.community, newID, sp.NewHead, going, sp.Relations, &i18n.Errors{}); err != nil {
			return err
		}
		if err := refreshHousehold(ctx, tx, pl.community, newID, false, 0); err != nil {
			return err
		}
		if err := refreshHousehold(ctx, tx, h.community, hh, false, 0); err != nil {
			return err
		}
		names := memberNames(going)
		if err := s.event(ctx, tx, pr, h.community, 0, hh, EventSplit, sp.On, i18n.T("registry.detail_split_out", "names", names)); err != nil {
			return err
		}
		if err := s.event(ctx, tx, pr, pl.community, 0, newID, EventSplit, sp.On, i18n.T("registry.detail_split_in", "number", dash(h.number))); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(pr, "household.split", "household", hh, h.community, audit.Success).
			WithDetail(map[string]any{"new_household": newID, "members": sp.Members}))
	})
	return newID, err
}

func containsMember(ms []memberRow, id int64) bool {
	for _, m := range ms {
		if m.id == id {
			return true
		}
	}
	return false
}

func memberNames(ms []memberRow) string {
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = m.name
	}
	return strings.Join(names, "、")
}

// MergeHouseholds is 合户: every active member of from joins into, with the
// relation to into's head given for each; from is closed.
func (s *Service) MergeHouseholds(ctx context.Context, pr *auth.Principal, from, into int64, relations map[int64]string, on string) error {
	if err := pr.Require(PermWrite); err != nil {
		return err
	}
	errs := &i18n.Errors{}
	checkDate("on", i18n.T("registry.change_date"), on, errs)
	if from == into {
		errs.Add("into", "registry.merge_self")
	}
	if errs.Any() {
		return errs
	}
	return s.inTx(ctx, func(tx *db.Tx) error {
		hf, err := s.lockHousehold(ctx, tx, pr, from)
		if err != nil {
			return err
		}
		hi, err := s.lockHousehold(ctx, tx, pr, into)
		if err != nil {
			return err
		}
		if hi.status != "active" || hf.status != "active" {
			return i18n.NewError("conflict", "registry.household_closed")
		}
		if hi.community != hf.community {
			// Its members would live in one community, their household in another.
			return refuseOtherCommunity("into")
		}
		coming, err := activeMembers(ctx, tx, hf.community, from)
		if err != nil {
			return err
		}
		e := &i18n.Errors{}
		for _, m := range coming {
			rel := relations[m.id]
			if !valid(rel, Relations) || rel == RelationSelf {
				e.Add("relation_"+itoa(m.id), "registry.relation_for", "name", m.name)
			}
		}
		if e.Any() {
			return e
		}
		for _, m := range coming {
			if _, err := tx.ExecContext(ctx, `UPDATE reg_person SET household_id = ?, relation = ?, updated_at = ? WHERE community_id = ? AND id = ?`, into, relations[m.id], db.Now(), hf.community, m.id); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE reg_household SET status = 'dissolved', head_person_id = NULL, members = 0, updated_at = ? WHERE community_id = ? AND id = ?`, db.Now(), hf.community, from); err != nil {
			return err
		}
		if err := refreshHousehold(ctx, tx, hi.community, into, false, 0); err != nil {
			return err
		}
		names := memberNames(coming)
		if err := s.event(ctx, tx, pr, hi.community, 0, into, EventMerge, on, i18n.T("registry.detail_merged_in", "names", names, "number", dash(hf.number))); err != nil {
			return err
		}
		if err := s.event(ctx, tx, pr, hf.community, 0, from, EventMerge, on, i18n.T("registry.detail_merged_out", "number", dash(hi.number))); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(pr, "household.merge", "household", into, hi.community, audit.Success).WithDetail(map[string]any{"from": from}))
	})
}

// ---- reading households and timelines ----

// Household is a household file (一户一档).
type Household struct {
	ID, CommunityID, GridID, DwellingID, HeadID int64
	Number, Status, Address                     string
	Members                                     []*Person // active first, then former
	CreatedAt                                   int64
	// Access is what the viewer may do with the household file: Write only
	// while the household is active. Each member carries their own Access,
	// which is nothing for one living outside the viewer's scope.
	Access auth.Access
}

// GetHousehold returns a household in scope with its members.
func (s *Service) GetHousehold(ctx context.Context, pr *auth.Principal, id int64) (*Household, error) {
	if err := pr.Require(PermRead); err != nil {
		return nil, err
	}
	h := &Household{}
	sc, args := s.scope(pr, "h.community_id", "h.grid_id")
	err := s.DB.QueryRowContext(ctx, `SELECT id, community_id, COALESCE(grid_id, 0), COALESCE(dwelling_id, 0), COALESCE(head_person_id, 0), number, status, created_at
		FROM reg_household h WHERE id = ? AND `+sc, append([]any{id}, args...)...).
		Scan(&h.ID, &h.CommunityID, &h.GridID, &h.DwellingID, &h.HeadID, &h.Number, &h.Status, &h.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, auth.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	h.Address = s.addressOf(ctx, s.DB.Reader(), h.CommunityID, h.DwellingID)
	h.Access = access(pr, h.CommunityID, h.GridID)
	h.Access.Write = h.Access.Write && h.Status == "active"
	// Members are shown even where one lives outside the viewer's grid (人户分离):
	// the household file is one file; each member's own page is still scoped.
	rows, err := s.DB.QueryContext(ctx, personSelect+` WHERE p.community_id = ? AND p.household_id = ? ORDER BY CASE WHEN p.status = 'active' THEN 0 ELSE 1 END, CASE WHEN p.relation = 'self' THEN 0 ELSE 1 END, p.birth_date, p.id`, h.CommunityID, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		m, err := scanPerson(rows)
		if err != nil {
			return nil, err
		}
		m.Access = access(pr, m.CommunityID, m.GridID)
		h.Members = append(h.Members, m)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return h, s.attachTags(ctx, s.DB.Reader(), pr, h.Members)
}

// Event is one line of a timeline.
type Event struct {
	ID, PersonID, HouseholdID int64
	Kind, On, Detail          string
	ActorName                 string
	PersonName                string
	CreatedAt                 int64
}

// Timeline returns the events of a person or of a household and its members,
// newest first; community is the person's or household's (their events are
// kept in it, see transfer.go). The caller has already loaded the person or
// household in scope.
func (s *Service) Timeline(ctx context.Context, community, personID, householdID int64, limit int) ([]Event, error) {
	if limit <= 0 {
		limit = 200
	}
	where := `e.community_id = ? AND e.person_id = ?`
	args := []any{community, personID}
	if householdID != 0 {
		where = `e.community_id = ? AND (e.household_id = ? OR e.person_id IN (SELECT id FROM reg_person WHERE community_id = ? AND household_id = ?))`
		args = []any{community, householdID, community, householdID}
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT e.id, COALESCE(e.person_id, 0), COALESCE(e.household_id, 0), e.kind, e.on_date, e.detail, e.actor_name, COALESCE(p.name, ''), e.created_at
		FROM reg_event e LEFT JOIN reg_person p ON p.community_id = e.community_id AND p.id = e.person_id WHERE `+where+` ORDER BY e.on_date DESC, e.id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var ev Event
		if err := rows.Scan(&ev.ID, &ev.PersonID, &ev.HouseholdID, &ev.Kind, &ev.On, &ev.Detail, &ev.ActorName, &ev.PersonName, &ev.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, rows.Err()
}

// Residence is one line of a person's residence history.
type Residence struct {
	Type, From, To, Address string
}

// Residences returns a person's residence history, newest first; community
// is the person's (their residences are kept in it, see transfer.go).
func (s *Service) Residences(ctx context.Context, community, personID int64) ([]Residence, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT r.type, r.from_on, COALESCE(r.to_on, ''), COALESCE(r.dwelling_id, 0) FROM reg_residence r WHERE r.community_id = ? AND r.person_id = ? ORDER BY r.from_on DESC, r.id DESC`, community, personID)
	if err != nil {
		return nil, err
	}
	var out []Residence
	var dwellings []int64
	for rows.Next() {
		var r Residence
		var d int64
		if err := rows.Scan(&r.Type, &r.From, &r.To, &d); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, r)
		dwellings = append(dwellings, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i, d := range dwellings {
		// Mostly a dwelling of the person's community; one they lived in
		// before moving from another community is found by its id alone.
		if out[i].Address = s.addressOf(ctx, s.DB.Reader(), community, d); out[i].Address == "" {
			out[i].Address = s.addressOf(ctx, s.DB.Reader(), 0, d)
		}
	}
	return out, nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
