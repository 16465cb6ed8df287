package cases

import (
	"context"
	"encoding/json"
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

// TransitionInput is what a step takes.
type TransitionInput struct {
	Action string
	Fields map[string]string
	// Note is the staff's 办理意见: internal, never shown to the resident (a
	// resident's own remark on their rating is theirs to read again).
	Note string
	// Reply is 给居民的回复, the only text of the step the resident and Open311
	// clients read; optional, and not taken on steps the resident does not see.
	Reply       string
	AssigneeID  int64
	HolderOrgID int64
	Rating      string
	Reopen      bool // with an unsatisfied rating: send the case back to be handled again
	Files       []Upload
	// FilesPublic shows the step's files to the resident too (never their
	// names); on internal steps they stay internal.
	FilesPublic bool
}

// MaxReply bounds a reply to the resident.
const MaxReply = 2000

// checkReply validates a reply to the resident on a step the resident sees
// (public) or not.
func checkReply(reply string, public bool, errs *i18n.Errors) {
	if reply == "" {
		return
	}
	if !public {
		errs.Add("public_reply", "cases.reply_not_here")
		return
	}
	errs.MaxLen("public_reply", i18n.T("cases.public_reply"), reply, MaxReply)
}

func hasRole(p *auth.Principal, roles []auth.Role) bool {
	for _, r := range roles {
		if p.Has(r) {
			return true
		}
	}
	return false
}

// mayMake checks who may make tr on c: the reporter for portal steps; for
// staff, a role the transition names, a level at or above the case's (or being
// its assignee), and for assignee-only steps being the assignee or a dispatcher.
func mayMake(p *auth.Principal, c *Case, tr Transition) error {
	if tr.Reporter {
		if p.Can(PermPortal) && p.UserID != 0 && c.OwnerUserID == p.UserID {
			return nil
		}
		return auth.ErrForbidden
	}
	if !p.Can(PermWork) || (!p.IsSystem && !hasRole(p, tr.Roles)) {
		return auth.ErrForbidden
	}
	// c came from Get, whose visibility for a worker is the scope (see mayWork).
	if c.Type != nil && !SeesType(p, c.Type) {
		return auth.ErrNotFound
	}
	assignee := p.UserID != 0 && c.AssigneeID == p.UserID
	if workRank(p) < levelRank[c.Level] && !assignee {
		return auth.ErrForbidden
	}
	if tr.AssigneeOnly && c.AssigneeID != 0 && !assignee && !isDispatcher(p) {
		return auth.ErrForbidden
	}
	return nil
}

// Available lists the transitions p may make on c now.
func (s *Service) Available(p *auth.Principal, c *Case) []Transition {
	if c.Type == nil || c.MergedInto != 0 {
		return nil
	}
	var out []Transition
	for _, tr := range c.Type.Transitions {
		if !contains(tr.From, c.Stage) || mayMake(p, c, tr) != nil {
			continue
		}
		if len(tr.RequiresRating) > 0 && !contains(tr.RequiresRating, c.Rating) {
			continue
		}
		out = append(out, tr)
	}
	return out
}

// Transition makes one step of a case's life.
func (s *Service) Transition(ctx context.Context, p *auth.Principal, id int64, in TransitionInput) error {
	c, err := s.Get(ctx, p, id)
	if err != nil {
		return err
	}
	t := c.Type
	if t == nil {
		return conflict("cases.type_gone")
	}
	tr, ok := t.Transition(in.Action)
	if !ok {
		e := &i18n.Errors{}
		e.Add("action", "err.choice", "field", i18n.T("cases.action"))
		return e
	}
	if err := mayMake(p, c, tr); err != nil {
		return err
	}
	if c.MergedInto != 0 || !contains(tr.From, c.Stage) {
		return conflict("cases.not_now", "action", tr.Name, "stage", c.StageName())
	}
	if len(tr.RequiresRating) > 0 && !contains(tr.RequiresRating, c.Rating) {
		return conflict("cases.not_now", "action", tr.Name, "stage", c.StageName())
	}
	errs := &i18n.Errors{}
	vals := map[string]string{}
	for _, f := range tr.Fields {
		v := strings.TrimSpace(in.Fields[f.Key])
		if f.Required && !errs.Required(f.Key, f.Label, v) {
			continue
		}
		if v == "" {
			continue
		}
		switch f.Type {
		case "select":
			found := false
			for _, o := range f.Options {
				found = found || o.Code == v
			}
			if !found {
				errs.Add(f.Key, "err.choice", "field", f.Label)
			}
		case "date":
			if _, err := time.Parse(time.DateOnly, v); err != nil {
				errs.Add(f.Key, "err.invalid_date", "field", f.Label)
			}
		}
		errs.MaxLen(f.Key, f.Label, v, 2000)
		vals[f.Key] = v
	}
	note := strings.TrimSpace(in.Note)
	if tr.Note == "required" {
		errs.Required("note", i18n.T("cases.note"), note)
	}
	errs.MaxLen("note", i18n.T("cases.note"), note, 4000)
	reply := strings.TrimSpace(in.Reply)
	checkReply(reply, !tr.Internal && !tr.Reporter, errs)
	if tr.Rating && !contains(Ratings, in.Rating) {
		errs.Add("rating", "err.choice", "field", i18n.T("cases.rating"))
	}
	var asg assignment
	if tr.Assign != "" {
		asg = s.checkAssignment(ctx, c, in.AssigneeID, in.HolderOrgID, tr.Assign == "required", errs)
	}
	assignee, holder := asg.user, asg.org
	if len(in.Files) > 0 && !tr.Photos {
		errs.Add("files", "cases.no_files_here")
	}
	files := s.checkUploads(in.Files, errs)
	cal, err := s.cal(ctx)
	if err != nil {
		return err
	}
	now := db.Now()
	var newDue int64
	if tr.Document != "" {
		doc, err := s.document(ctx, c.CommunityID, c.ID, tr.Document)
		if err != nil {
			return err
		}
		if doc == nil {
			errs.Add("document", "cases.document_missing", "doc", i18n.T("cases.doc."+tr.Document))
		} else if tr.DueFromDocument != "" {
			if due, ok := endOfWorkday(cal, doc.Content[tr.DueFromDocument]); ok && due > now {
				newDue = due
			} else {
				errs.Add("document", "cases.deadline_past", "doc", i18n.T("cases.doc."+tr.Document))
			}
		}
	}
	if tr.DueFromField != "" && vals[tr.DueFromField] != "" {
		if due, ok := endOfWorkday(cal, vals[tr.DueFromField]); ok && due > now {
			newDue = due
		} else {
			errs.Add(tr.DueFromField, "cases.deadline_past_field")
		}
	}
	if errs.Any() {
		return errs
	}

	to := tr.To
	reopen := tr.Reopens
	if tr.Rating && tr.ReopenTo != "" && in.Rating == RatingUnsatisfied && in.Reopen {
		to, reopen = tr.ReopenTo, true
	}
	set := []string{"stage = ?", "updated_at = ?", "version = version + 1"}
	args := []any{to, now}
	add := func(col string, v any) {
		set = append(set, col+" = ?")
		args = append(args, v)
	}
	if len(vals) > 0 {
		merged := map[string]string{}
		for k, v := range c.Fields {
			merged[k] = v
		}
		for k, v := range vals {
			merged[k] = v
		}
		add("fields", jsonString(merged))
	}
	if tr.Responds && c.RespondedAt == 0 {
		add("responded_at", now)
	}
	if c.FirstContactID == 0 && !p.IsSystem && p.Can(PermWork) {
		add("first_contact_id", p.UserID)
	}
	switch tr.Outcome {
	case "resolved":
		add("resolved", true)
	case "unresolved":
		add("resolved", false)
	case "field":
		add("resolved", vals["outcome"] == "resolved")
	}
	if tr.Rating && !reopen {
		add("rating", in.Rating)
		add("rated_at", now)
	}
	if holder != 0 {
		add("holder_org_id", holder)
		add("level", s.levelOf(ctx, holder))
	}
	if asg.grid != 0 {
		// The case now lies in that grid: its people see it and it counts there.
		add("grid_id", asg.grid)
	}
	switch {
	case assignee != 0:
		add("assignee_id", assignee)
	case tr.ClearAssignee || holder != 0:
		set = append(set, "assignee_id = NULL")
	}
	if t.Closed(to) {
		add("closed_at", now)
		set = append(set, "remind_at = NULL", "escalate_at = NULL")
	}
	if reopen {
		_, resolve := t.Limits(c.Category)
		due := cal.Add(time.UnixMilli(now), resolve).UnixMilli()
		set = append(set, "closed_at = NULL", "resolved = NULL", "rating = NULL", "rated_at = NULL", "reminded_at = NULL", "reopened = reopened + 1")
		add("due_at", due)
		add("escalate_at", due)
		add("remind_at", nullInt(remindAt(cal, t, now, due)))
	} else if newDue != 0 {
		set = append(set, "reminded_at = NULL")
		add("due_at", newDue)
		add("escalate_at", newDue)
		add("remind_at", nullInt(remindAt(cal, t, now, newDue)))
	}
	data := map[string]any{}
	if len(vals) > 0 {
		data["fields"] = vals
	}
	if tr.Rating {
		data["rating"] = in.Rating
	}
	if assignee != 0 {
		data["assignee_id"] = assignee
		data["assignee_name"] = i18n.T("cases.assigned_to", "name", asg.userName)
	}
	if holder != 0 {
		data["holder_org_id"] = holder
		data["holder_name"] = i18n.T("cases.held_by", "name", asg.orgName)
	}
	if reopen {
		data["reopen"] = true
	}
	if newDue != 0 {
		data["due_at"] = newDue
	}
	return s.inTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE cases SET `+strings.Join(set, ", ")+` WHERE community_id = ? AND id = ? AND version = ?`, append(args, c.CommunityID, c.ID, c.Version)...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return conflict("cases.changed")
		}
		ev, err := insertEvent(ctx, tx, event{caseID: c.ID, community: c.CommunityID, at: now, actor: p, kind: "transition", action: tr.Code,
			fromStage: c.Stage, toStage: to, note: note, reply: reply, data: data, public: !tr.Internal})
		if err != nil {
			return err
		}
		// The resident's own photos are theirs; staff files are internal unless shown on purpose.
		if err := insertFiles(ctx, tx, c.ID, c.CommunityID, ev, p, files, !tr.Internal && (tr.Reporter || in.FilesPublic)); err != nil {
			return err
		}
		if assignee != 0 && assignee != p.UserID {
			if err := insertAlerts(ctx, tx, c.ID, c.CommunityID, "assigned", []int64{assignee}, now); err != nil {
				return err
			}
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "case.transition", "case", c.ID, c.CommunityID, audit.Success).
			WithDetail(map[string]any{"action": tr.Code, "from": c.Stage, "to": to, "reopen": reopen, "public_reply": reply != ""}))
	})
}

// AssignOptions are the units and people a case may be given to.
type AssignOptions struct {
	Orgs  []OrgOption
	Users []UserOption
}

// OrgOption is a unit a case may be held by.
type OrgOption struct {
	ID    int64
	Name  string
	Level string
}

// UserOption is a staff member a case may be assigned to.
type UserOption struct {
	ID   int64
	Name string
	Role auth.Role
	Unit string
	// GridID is the grid through which they reach the case, if it is one.
	GridID int64
}

// Label is how the option reads in a picker: "刘洋（网格员·第一网格）".
func (u UserOption) Label() string {
	return u.Name + "（" + i18n.T(u.Role.LabelKey()) + "·" + u.Unit + "）"
}

// assignableRoles may be given cases.
var assignableRoles = []auth.Role{auth.RoleGridWorker, auth.RoleSocialWorker, auth.RoleCommunityAdmin, auth.RoleStreetAdmin}

// Assignable lists who may take c: its grid (or, for a case not yet placed in
// a grid, any grid of its community), its community and the street as units,
// and the staff whose scope reaches it through one of them (social workers by
// line). The auth module has no query for "accounts reaching this unit", so
// this reads its account and scope tables directly (read-only).
func (s *Service) Assignable(ctx context.Context, c *Case) (AssignOptions, error) {
	var out AssignOptions
	var chain []int64
	if c.GridID != 0 {
		chain = append(chain, c.GridID)
	} else if kids, err := s.Org.Children(ctx, auth.System("cases"), c.CommunityID); err == nil {
		for _, k := range kids {
			if k.Level == org.Grid {
				chain = append(chain, k.ID)
			}
		}
	}
	chain = append(chain, c.CommunityID)
	street := s.street(ctx, c.CommunityID)
	if street != 0 {
		chain = append(chain, street)
	}
	for _, id := range chain {
		if u, ok := s.Org.Lookup(ctx, id); ok {
			out.Orgs = append(out.Orgs, OrgOption{ID: id, Name: u.Name, Level: s.levelOf(ctx, id)})
		}
	}
	// Units above the street (a district account) reach the case too.
	if u, ok := s.Org.Lookup(ctx, street); ok && street != 0 {
		for _, a := range s.Org.Ancestors(ctx, u) {
			chain = append(chain, a.ID)
		}
	}
	roles := make([]any, len(assignableRoles))
	for i, r := range assignableRoles {
		roles[i] = string(r)
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT u.id, u.display_name, u.lines, r.role, sc.org_unit_id FROM auth_user u
		JOIN auth_user_role r ON r.user_id = u.id JOIN auth_user_scope sc ON sc.user_id = u.id
		WHERE u.disabled = FALSE AND sc.org_unit_id IN (`+db.Placeholders(len(chain))+`) AND r.role IN (`+db.Placeholders(len(roles))+`)
		ORDER BY r.role, u.display_name, u.id`, append(db.Int64Args(chain), roles...)...)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	seen := map[int64]bool{}
	for rows.Next() {
		var u UserOption
		var lines string
		var unit int64
		var role string
		if err := rows.Scan(&u.ID, &u.Name, &lines, &role, &unit); err != nil {
			return out, err
		}
		u.Role = auth.Role(role)
		if seen[u.ID] {
			continue
		}
		if u.Role == auth.RoleSocialWorker && c.Type != nil && len(c.Type.Lines) > 0 {
			fake := &auth.Principal{Roles: []auth.Role{auth.RoleSocialWorker}, Lines: strings.Split(lines, ",")}
			if !SeesType(fake, c.Type) {
				continue
			}
		}
		if o, ok := s.Org.Lookup(ctx, unit); ok {
			u.Unit = o.Name
			if o.Level == org.Grid {
				u.GridID = o.ID
			}
		}
		seen[u.ID] = true
		out.Users = append(out.Users, u)
	}
	return out, rows.Err()
}

// assignment is a validated choice of unit and person, and the grid the case
// moves into when it had none (so that the grid's people see it).
type assignment struct {
	user, org, grid int64
	userName        string
	orgName         string
}

// checkAssignment validates the chosen unit and person against Assignable.
func (s *Service) checkAssignment(ctx context.Context, c *Case, userID, orgID int64, required bool, errs *i18n.Errors) assignment {
	var a assignment
	if userID == 0 && orgID == 0 {
		if required {
			errs.Add("assignee_id", "cases.assign_required")
		}
		return a
	}
	opts, err := s.Assignable(ctx, c)
	if err != nil {
		errs.Add("assignee_id", "err.internal")
		return a
	}
	if orgID != 0 {
		for _, o := range opts.Orgs {
			if o.ID == orgID {
				a.org, a.orgName = o.ID, o.Name
				if o.Level == LevelGrid && c.GridID == 0 {
					a.grid = o.ID
				}
			}
		}
		if a.org == 0 {
			errs.Add("holder_org_id", "err.choice", "field", i18n.T("cases.holder"))
		}
	}
	if userID != 0 {
		for _, u := range opts.Users {
			if u.ID == userID {
				a.user, a.userName = u.ID, u.Name
				switch {
				case u.GridID == 0 || c.GridID != 0:
				case a.grid == 0:
					a.grid = u.GridID
				case a.grid != u.GridID:
					errs.Add("holder_org_id", "cases.assign_two_grids")
				}
			}
		}
		if a.user == 0 {
			errs.Add("assignee_id", "err.choice", "field", i18n.T("cases.assignee"))
		}
	}
	return a
}

// CommentInput is an entry added to a case's timeline.
type CommentInput struct {
	// Note: staff's internal 补充说明, or a resident's own words on their request.
	Note string
	// Reply: staff only, 给居民的回复 (what the resident reads).
	Reply string
	// FilesPublic: staff only, show the files to the resident too.
	FilesPublic bool
	Files       []Upload
}

// Comment adds a note (and files) to the timeline. A staff member's note is
// internal; the resident reads only the reply beside it and the files shown
// on purpose. A resident's own note on their request is theirs to read.
func (s *Service) Comment(ctx context.Context, p *auth.Principal, id int64, in CommentInput) error {
	c, err := s.Get(ctx, p, id)
	if err != nil {
		return err
	}
	// A worker read c in scope (Get); anyone else comments only on their own request.
	resident := !p.Can(PermWork)
	if resident && (!p.Can(PermPortal) || c.OwnerUserID != p.UserID) {
		return auth.ErrForbidden
	}
	note := strings.TrimSpace(in.Note)
	reply := strings.TrimSpace(in.Reply)
	errs := &i18n.Errors{}
	if note == "" && reply == "" && len(in.Files) == 0 {
		errs.Add("note", "err.required", "field", i18n.T("cases.comment"))
	}
	errs.MaxLen("note", i18n.T("cases.comment"), note, 4000)
	checkReply(reply, !resident, errs)
	checked := s.checkUploads(in.Files, errs)
	if errs.Any() {
		return errs
	}
	filesPublic := resident || in.FilesPublic
	// The entry shows on the resident's timeline when it carries something for them.
	public := resident || reply != "" || (filesPublic && len(checked) > 0)
	now := db.Now()
	return s.inTx(ctx, func(tx *db.Tx) error {
		ev, err := insertEvent(ctx, tx, event{caseID: c.ID, community: c.CommunityID, at: now, actor: p, kind: "comment", note: note, reply: reply, public: public,
			data: map[string]any{"files": len(checked)}})
		if err != nil {
			return err
		}
		if err := insertFiles(ctx, tx, c.ID, c.CommunityID, ev, p, checked, filesPublic); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE cases SET updated_at = ? WHERE community_id = ? AND id = ?`, now, c.CommunityID, c.ID); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "case.comment", "case", c.ID, c.CommunityID, audit.Success).
			WithDetail(map[string]any{"files": len(checked), "public": public, "public_reply": reply != "", "files_public": filesPublic && len(checked) > 0}))
	})
}

// Escalate sends an open case up one level by hand (提请上级): the grid to the
// community, the community to the street, with the reason on the timeline.
func (s *Service) Escalate(ctx context.Context, p *auth.Principal, id int64, reason string) error {
	if err := p.Require(PermWork); err != nil {
		return err
	}
	c, err := s.Get(ctx, p, id) // a worker reads in scope, or not at all
	if err != nil {
		return err
	}
	if workRank(p) < levelRank[c.Level] && c.AssigneeID != p.UserID {
		return auth.ErrForbidden
	}
	if !c.Open() || c.Level == LevelStreet || c.MergedInto != 0 {
		return conflict("cases.cannot_escalate")
	}
	reason = strings.TrimSpace(reason)
	errs := &i18n.Errors{}
	if errs.Required("reason", i18n.T("cases.escalate_reason"), reason) {
		errs.MaxLen("reason", i18n.T("cases.escalate_reason"), reason, 2000)
	}
	if errs.Any() {
		return errs
	}
	cal, err := s.cal(ctx)
	if err != nil {
		return err
	}
	now := db.Now()
	next := nextLevel(c.Level)
	holder := s.holderFor(ctx, next, c.CommunityID, c.GridID)
	escalateAt := c.EscalateAt
	if escalateAt == 0 || escalateAt <= now {
		escalateAt = cal.AddDays(time.UnixMilli(now), c.Type.EscalateDays).UnixMilli()
	}
	return s.inTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE cases SET level = ?, holder_org_id = ?, assignee_id = NULL, escalate_at = ?, escalations = escalations + 1,
			updated_at = ?, version = version + 1 WHERE community_id = ? AND id = ? AND version = ?`, next, holder, escalateAt, now, c.CommunityID, c.ID, c.Version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return conflict("cases.changed")
		}
		if _, err := insertEvent(ctx, tx, event{caseID: c.ID, community: c.CommunityID, at: now, actor: p, kind: "escalate", note: reason, public: true,
			data: map[string]any{"from": c.Level, "to": next, "manual": true}}); err != nil {
			return err
		}
		if err := s.alertHolder(ctx, tx, c, next, holder, "escalated", now); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "case.escalate", "case", c.ID, c.CommunityID, audit.Success).
			WithDetail(map[string]any{"from": c.Level, "to": next, "manual": true}))
	})
}

func nextLevel(l string) string {
	switch l {
	case LevelGrid:
		return LevelCommunity
	}
	return LevelStreet
}

// Merge closes a duplicate into the case it repeats: the duplicate keeps its
// history, says where it went, leaves the rates, and hands its links on.
func (s *Service) Merge(ctx context.Context, p *auth.Principal, id int64, into string, note string) error {
	if err := p.Require(PermMerge); err != nil {
		return err
	}
	// PermMerge's roles all work cases: Get reads both cases in their scope.
	dup, err := s.Get(ctx, p, id)
	if err != nil {
		return err
	}
	errs := &i18n.Errors{}
	targetID, ok := ParseNumber(into)
	var target *Case
	if ok {
		target, err = s.Get(ctx, p, targetID)
	}
	if !ok || err != nil || target.ID == dup.ID || target.TypeCode != dup.TypeCode || target.MergedInto != 0 {
		errs.Add("into", "cases.merge_target")
		return errs
	}
	if target.CommunityID != dup.CommunityID {
		// A case keeps its community for life, and its rows live with it
		// (cases_merged_into_fkey): duplicates merge within a community.
		errs.Add("into", "cases.merge_other_community", "number", target.Number(), "community", target.CommunityName)
		return errs
	}
	if !dup.Open() || dup.MergedInto != 0 {
		return conflict("cases.merge_closed")
	}
	note = strings.TrimSpace(note)
	errs.MaxLen("note", i18n.T("cases.note"), note, 2000)
	if errs.Any() {
		return errs
	}
	now := db.Now()
	return s.inTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE cases SET merged_into = ?, closed_at = ?, resolved = NULL, remind_at = NULL, escalate_at = NULL, updated_at = ?, version = version + 1
			WHERE community_id = ? AND id = ? AND version = ? AND merged_into IS NULL`, target.ID, now, now, dup.CommunityID, dup.ID, dup.Version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return conflict("cases.changed")
		}
		// Both cases lie in one community: the links are copied within it.
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_link (case_id, community_id, kind, ref_id, label, created_at, created_by)
			SELECT ?, l.community_id, l.kind, l.ref_id, l.label, ?, ? FROM case_link l WHERE l.community_id = ? AND l.case_id = ?
			AND NOT EXISTS (SELECT 1 FROM case_link x WHERE x.community_id = l.community_id AND x.case_id = ? AND x.kind = l.kind AND x.ref_id = l.ref_id)`,
			target.ID, now, nullInt(p.UserID), dup.CommunityID, dup.ID, target.ID); err != nil {
			return err
		}
		if _, err := insertEvent(ctx, tx, event{caseID: dup.ID, community: dup.CommunityID, at: now, actor: p, kind: "merge", note: note, public: true,
			data: map[string]any{"into": target.ID, "number": target.Number()}}); err != nil {
			return err
		}
		if _, err := insertEvent(ctx, tx, event{caseID: target.ID, community: target.CommunityID, at: now, actor: p, kind: "merged", note: note,
			data: map[string]any{"from": dup.ID, "number": dup.Number()}}); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "case.merge", "case", dup.ID, dup.CommunityID, audit.Success).
			WithDetail(map[string]any{"into": target.ID}))
	})
}

// RevealPhone shows a reporter's full phone number, audited.
func (s *Service) RevealPhone(ctx context.Context, p *auth.Principal, id int64) (string, error) {
	if err := p.Require(PermReveal); err != nil {
		return "", err
	}
	c, err := s.Get(ctx, p, id)
	if err != nil {
		return "", err
	}
	var sealed []byte
	if err := s.DB.QueryRowContext(ctx, `SELECT reporter_phone FROM cases WHERE community_id = ? AND id = ?`, c.CommunityID, c.ID).Scan(&sealed); err != nil {
		return "", err
	}
	if len(sealed) == 0 {
		return "", nil
	}
	phone, err := s.Keys.Open(sealed, phoneAAD)
	if err != nil {
		return "", err
	}
	err = s.inTx(ctx, func(tx *db.Tx) error {
		return s.Audit.Record(ctx, tx, audit.Event(p, "case.reveal_phone", "case", c.ID, c.CommunityID, audit.Success))
	})
	return phone, err
}

// ---- timeline ----

// Event is a timeline entry.
type Event struct {
	ID        int64
	At        int64
	ActorID   int64
	ActorName string
	Kind      string
	Action    string
	FromStage string
	ToStage   string
	// Note is the staff's internal note (办理意见), or the resident's own words
	// when ByReporter. The resident's view carries it only for their own entries.
	Note string
	// Reply is 给居民的回复.
	Reply string
	// ByReporter: written by the case's resident (their comment or rating).
	ByReporter bool
	Data       map[string]any
	Public     bool
	Files      []*File

	label string
}

// Label says what happened, in words.
func (e *Event) Label() string { return e.label }

// publicKinds are the entries a resident's view may hold (when marked
// public); links, parties, mediation records, documents and reminders never.
var publicKinds = map[string]bool{"create": true, "transition": true, "comment": true, "escalate": true, "merge": true}

// Timeline returns a case's history, oldest first: staff read every entry
// with its notes; anyone else gets the resident's view (PublicTimeline).
func (s *Service) Timeline(ctx context.Context, p *auth.Principal, id int64) ([]*Event, error) {
	if !p.Can(PermRead) {
		return s.PublicTimeline(ctx, p, id)
	}
	c, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	return s.timeline(ctx, p, c, false)
}

// PublicTimeline is a case's history as its resident reads it, whoever asks:
// the steps shown to the public, each with its label, time and reply to the
// resident. No internal note, field value, staff name or staff file name is
// in it; the resident's own words and file names are.
func (s *Service) PublicTimeline(ctx context.Context, p *auth.Principal, id int64) ([]*Event, error) {
	c, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	return s.timeline(ctx, p, c, true)
}

func (s *Service) timeline(ctx context.Context, p *auth.Principal, c *Case, public bool) ([]*Event, error) {
	q := `SELECT id, at, COALESCE(actor_id, 0), actor_name, kind, action, from_stage, to_stage, note, public_reply, data, public FROM case_event WHERE community_id = ? AND case_id = ?`
	if public {
		q += ` AND public = TRUE`
	}
	rows, err := s.DB.QueryContext(ctx, q+` ORDER BY id`, c.CommunityID, c.ID)
	if err != nil {
		return nil, err
	}
	var out []*Event
	byID := map[int64]*Event{}
	for rows.Next() {
		e := &Event{}
		var data string
		if err := rows.Scan(&e.ID, &e.At, &e.ActorID, &e.ActorName, &e.Kind, &e.Action, &e.FromStage, &e.ToStage, &e.Note, &e.Reply, &data, &e.Public); err != nil {
			rows.Close()
			return nil, err
		}
		_ = json.Unmarshal([]byte(data), &e.Data)
		e.ByReporter = e.ActorID != 0 && e.ActorID == c.OwnerUserID
		if public && !publicKinds[e.Kind] {
			continue
		}
		e.label = s.eventLabel(ctx, c, e)
		if public {
			// Residents see what happened and what the office told them: not
			// who at the office did it, nor what staff wrote for each other.
			if own := p.UserID != 0 && e.ActorID == p.UserID; !own {
				e.Note, e.ActorName, e.ActorID = "", "", 0
			}
			e.Data = nil
		}
		out = append(out, e)
		byID[e.ID] = e
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	files, err := s.files(ctx, c.CommunityID, c.ID, public, p.UserID)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if e := byID[f.EventID]; e != nil {
			e.Files = append(e.Files, f)
		}
	}
	return out, nil
}

// The timeline kinds eventLabel labels by key: a transition is labelled by its
// own name, escalations and assignments by keys of their own.
var _ = i18n.Family("cases.event.", "create", "comment", "overdue", "remind", "link", "unlink", "merge", "merged", "party", "session", "document")

func (s *Service) eventLabel(ctx context.Context, c *Case, e *Event) string {
	t := c.Type
	switch e.Kind {
	case "transition":
		name := e.Action
		if t != nil {
			if tr, ok := t.Transition(e.Action); ok {
				name = tr.Name
			}
		}
		if r, ok := e.Data["rating"].(string); ok && r != "" {
			name += "（" + i18n.T("cases.rating."+r) + "）"
		}
		if e.Data["reopen"] == true {
			name += " · " + i18n.T("cases.reopened")
		}
		return name
	case "escalate":
		to, _ := e.Data["to"].(string)
		key := "cases.event.escalate_auto"
		if e.Data["manual"] == true {
			key = "cases.event.escalate"
		}
		return i18n.T(key, "level", i18n.T("cases.level."+to))
	case "merge", "merged":
		n, _ := e.Data["number"].(string)
		return i18n.T("cases.event."+e.Kind, "number", n)
	case "link", "unlink", "party", "session", "document":
		l, _ := e.Data["label"].(string)
		return i18n.T("cases.event."+e.Kind, "label", l)
	case "assigned":
		return i18n.T("cases.event.assigned")
	}
	return i18n.T("cases.event." + e.Kind)
}

// DetailLines renders an event's field values for the timeline. Residents
// (staff false) get none: field values are the staff's words.
func (s *Service) DetailLines(c *Case, e *Event, staff bool) []string {
	var out []string
	if c.Type == nil || !staff {
		return out
	}
	if fv, ok := e.Data["fields"].(map[string]any); ok {
		if tr, ok := c.Type.Transition(e.Action); ok {
			for _, f := range tr.Fields {
				if v, ok := fv[f.Key].(string); ok && v != "" {
					if f.Type == "select" {
						v = f.OptionName(v)
					}
					out = append(out, f.Label+"："+v)
				}
			}
		}
	}
	if due, ok := e.Data["due_at"].(float64); ok {
		out = append(out, i18n.T("cases.new_due", "due", time.UnixMilli(int64(due)).In(locale.Zone).Format("2006-01-02 15:04")))
	}
	for _, k := range []string{"assignee_name", "holder_name"} {
		if v, ok := e.Data[k].(string); ok && v != "" && (staff || k != "assignee_name") {
			out = append(out, v)
		}
	}
	return out
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
