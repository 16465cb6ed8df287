package cases

import (
	"context"
	"strings"
	"time"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/calendar"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/identity"
	"linli/internal/org"
	"linli/internal/privacy"
)

// CreateInput is what opening a case takes.
type CreateInput struct {
	Type          string
	Category      string
	Title         string
	Description   string
	Location      string
	Source        string
	CommunityID   int64
	GridID        int64
	ReporterName  string
	ReporterPhone string
	Files         []Upload
	// Links are targets linked with the case as it opens (a finding reported
	// from a patrol links the patrol); each must resolve for the reporter.
	Links []LinkRef
}

// LinkRef names a link target: a registered kind and its id.
type LinkRef struct {
	Kind  string
	RefID int64
}

// timers are a case's computed times.
type timers struct {
	respondDue, due, remind, escalate int64
}

// computeTimers applies the type's limits from opened, on the working calendar.
func computeTimers(cal *calendar.Calendar, t *TypeDef, category string, opened int64) timers {
	respond, resolve := t.Limits(category)
	at := time.UnixMilli(opened)
	tm := timers{respondDue: cal.Add(at, respond).UnixMilli(), due: cal.Add(at, resolve).UnixMilli()}
	tm.escalate = tm.due
	tm.remind = remindAt(cal, t, opened, tm.due)
	return tm
}

// remindAt is RemindHours working hours before due, or 0 when that is not after
// from (a limit shorter than the reminder window reminds at once).
func remindAt(cal *calendar.Calendar, t *TypeDef, from, due int64) int64 {
	if t.RemindHours <= 0 {
		return 0
	}
	r := cal.AddMinutes(time.UnixMilli(due), -t.RemindHours*60).UnixMilli()
	if r < from {
		r = from
	}
	return r
}

// endOfWorkday is the end of working hours on date (YYYY-MM-DD), the due time
// of a deadline given as a date.
func endOfWorkday(cal *calendar.Calendar, date string) (int64, bool) {
	d, err := time.ParseInLocation(time.DateOnly, date, cal.Loc)
	if err != nil {
		return 0, false
	}
	return d.Add(time.Duration(cal.End) * time.Minute).UnixMilli(), true
}

// validPhone normalises a mobile or landline number.
func validPhone(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", true
	}
	if m, err := identity.ParseMobile(s); err == nil {
		return m, true
	}
	if l, err := identity.ParseLandline(s); err == nil {
		return l, true
	}
	return "", false
}

// sealPhone seals a phone number for its column; the aad binds it to its place.
func (s *Service) sealPhone(phone, aad string) ([]byte, string) {
	if phone == "" || s.Keys == nil {
		return nil, ""
	}
	return s.Keys.Seal(phone, aad), privacy.MaskPhone(phone)
}

const phoneAAD = "cases.reporter_phone"

// Create opens a case. Staff open cases in their scope for the types their role
// reports; residents open requests from the portal, in their own community.
func (s *Service) Create(ctx context.Context, p *auth.Principal, in CreateInput) (int64, error) {
	resident := !p.Can(PermReport) && p.Can(PermPortal)
	if !resident {
		if err := p.Require(PermReport); err != nil {
			return 0, err
		}
	}
	t, ok := s.Type(ctx, in.Type)
	errs := &i18n.Errors{}
	if !ok {
		errs.Add("type", "err.choice", "field", i18n.T("cases.type"))
		return 0, errs
	}
	if !p.IsSystem && !reportsType(p, t, resident) {
		return 0, auth.ErrForbidden
	}
	in.Title, in.Description, in.Location, in.ReporterName = strings.TrimSpace(in.Title), strings.TrimSpace(in.Description), strings.TrimSpace(in.Location), strings.TrimSpace(in.ReporterName)
	var ownerID int64
	if resident {
		in.Source = "portal"
		ownerID = p.UserID
		if in.ReporterName == "" {
			in.ReporterName = p.DisplayName
		}
		in.CommunityID, in.GridID = s.residentPlace(ctx, p, in.CommunityID, errs)
	} else {
		if in.Source == "" {
			in.Source = defaultSource(t)
		}
		if !t.SourceOK(in.Source) || in.Source == "portal" {
			errs.Add("source", "err.choice", "field", i18n.T("cases.source"))
		}
		if in.GridID != 0 {
			g, ok := s.Org.Lookup(ctx, in.GridID)
			if !ok || g.Level != org.Grid || (in.CommunityID != 0 && g.CommunityID != in.CommunityID) {
				errs.Add("grid_id", "err.choice", "field", i18n.T("org.level.grid"))
			} else {
				in.CommunityID = g.CommunityID
			}
		}
		if c, ok := s.Org.Lookup(ctx, in.CommunityID); !ok || c.Level != org.Community {
			errs.Add("community_id", "err.choice", "field", i18n.T("org.level.community"))
		}
	}
	if _, ok := t.Category(in.Category); !ok {
		errs.Add("category", "err.choice", "field", i18n.T("cases.category"))
	}
	// Errors name a field as its form labels it: the portal asks for 反映的问题.
	titleLabel := i18n.T("cases.title")
	if resident {
		titleLabel = i18n.T("cases.portal_subject")
	}
	if errs.Required("title", titleLabel, in.Title) {
		errs.MaxLen("title", titleLabel, in.Title, 100)
	}
	errs.MaxLen("description", i18n.T("cases.description"), in.Description, 4000)
	errs.MaxLen("location", i18n.T("cases.location"), in.Location, 200)
	errs.MaxLen("reporter_name", i18n.T("cases.reporter_name"), in.ReporterName, 30)
	phone, okPhone := validPhone(in.ReporterPhone)
	if !okPhone {
		errs.Add("reporter_phone", "err.invalid", "field", i18n.T("cases.reporter_phone"))
	}
	checked := s.checkUploads(in.Files, errs)
	links := s.resolveLinks(ctx, p, in.Links, errs)
	if errs.Any() {
		return 0, errs
	}
	if !resident && !p.Scope.Allows(in.CommunityID, in.GridID) {
		return 0, auth.ErrForbidden
	}
	cal, err := s.cal(ctx)
	if err != nil {
		return 0, err
	}
	now := db.Now()
	level := t.InitialLevel
	if level == LevelGrid && in.GridID == 0 {
		level = LevelCommunity
	}
	tm := computeTimers(cal, t, in.Category, now)
	sealed, mask := s.sealPhone(phone, phoneAAD)
	var firstContact int64
	if !resident && !p.IsSystem {
		// 首接负责: the staff member who takes a request in answers for it.
		firstContact = p.UserID
	}
	var id int64
	err = s.inTx(ctx, func(tx *db.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO cases (type, category, stage, title, description, location, source, community_id, grid_id, level, holder_org_id,
			first_contact_id, created_by, owner_user_id, reporter_name, reporter_phone, reporter_phone_mask, fields, created_at, created_month, updated_at,
			respond_due_at, due_at, remind_at, escalate_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}', ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			t.Code, in.Category, t.Stages[0].Code, in.Title, in.Description, in.Location, in.Source, in.CommunityID, nullInt(in.GridID), level,
			s.holderFor(ctx, level, in.CommunityID, in.GridID), nullInt(firstContact), nullInt(p.UserID), nullInt(ownerID), in.ReporterName, sealed, mask,
			now, monthOf(now), now, tm.respondDue, tm.due, nullInt(tm.remind), tm.escalate).Scan(&id)
		if err != nil {
			return err
		}
		ev, err := insertEvent(ctx, tx, event{caseID: id, community: in.CommunityID, at: now, actor: p, kind: "create", toStage: t.Stages[0].Code, public: true,
			data: map[string]any{"source": in.Source}})
		if err != nil {
			return err
		}
		if err := insertFiles(ctx, tx, id, in.CommunityID, ev, p, checked, true); err != nil {
			return err
		}
		for i, l := range in.Links {
			if _, err := tx.ExecContext(ctx, `INSERT INTO case_link (case_id, community_id, kind, ref_id, label, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				id, in.CommunityID, l.Kind, l.RefID, links[i].Label, now, nullInt(p.UserID)); err != nil {
				return err
			}
			// The timeline says so, as for a link added later (AddLink).
			if _, err := insertEvent(ctx, tx, event{caseID: id, community: in.CommunityID, at: now, actor: p, kind: "link",
				data: map[string]any{"kind": l.Kind, "ref_id": l.RefID, "label": i18n.T("cases.link."+l.Kind) + " " + links[i].Label}}); err != nil {
				return err
			}
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "case.create", "case", id, in.CommunityID, audit.Success).
			WithDetail(map[string]any{"type": t.Code, "category": in.Category, "source": in.Source, "files": len(checked)}))
	})
	return id, err
}

// resolveLinks resolves the links a new case opens with, as the reporter
// may see them; one that does not resolve is refused on the field "link".
func (s *Service) resolveLinks(ctx context.Context, p *auth.Principal, in []LinkRef, errs *i18n.Errors) []Ref {
	out := make([]Ref, len(in))
	for i, l := range in {
		r, ok := s.resolver(l.Kind)
		if !ok {
			errs.Add("link", "cases.link_target")
			continue
		}
		ref, err := r.Resolve(ctx, p, l.RefID)
		if err != nil {
			errs.Add("link", "cases.link_target")
			continue
		}
		out[i] = ref
	}
	return out
}

func reportsType(p *auth.Principal, t *TypeDef, resident bool) bool {
	if resident {
		return t.ReportedBy(auth.RoleResident)
	}
	for _, r := range p.Roles {
		if r != auth.RoleResident && t.ReportedBy(r) {
			return SeesType(p, t)
		}
	}
	return false
}

func defaultSource(t *TypeDef) string {
	for _, s := range t.Sources {
		if s != "portal" && s != "open311" {
			return s
		}
	}
	return t.Sources[0]
}

// residentPlace is where a resident's request lands: their home when the
// registry knows it, otherwise the community they picked.
func (s *Service) residentPlace(ctx context.Context, p *auth.Principal, picked int64, errs *i18n.Errors) (int64, int64) {
	if s.ResidentHome != nil {
		if c, g, ok := s.ResidentHome(ctx, p); ok {
			return c, g
		}
	}
	if u, ok := s.Org.Lookup(ctx, picked); !ok || u.Level != org.Community {
		errs.Add("community_id", "err.choice", "field", i18n.T("cases.portal_community"))
		return 0, 0
	}
	return picked, 0
}

// event is one timeline entry to write.
type event struct {
	caseID, community int64
	at                int64
	actor             *auth.Principal
	actorName         string // when there is no principal (the worker)
	kind, action      string
	fromStage         string
	toStage           string
	note              string // the staff's own (办理意见); residents never read it
	reply             string // 给居民的回复: what the resident reads
	data              map[string]any
	public            bool
}

func insertEvent(ctx context.Context, tx *db.Tx, e event) (int64, error) {
	var actorID any
	name := e.actorName
	if e.actor != nil {
		if !e.actor.IsSystem {
			actorID = nullInt(e.actor.UserID)
		}
		if name == "" {
			name = e.actor.DisplayName
			if name == "" {
				name = e.actor.Username
			}
		}
	}
	if e.data == nil {
		e.data = map[string]any{}
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO case_event (case_id, community_id, at, actor_id, actor_name, kind, action, from_stage, to_stage, note, public_reply, data, public)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		e.caseID, e.community, e.at, actorID, name, e.kind, e.action, e.fromStage, e.toStage, e.note, e.reply, jsonString(e.data), e.public).Scan(&id)
	return id, err
}
