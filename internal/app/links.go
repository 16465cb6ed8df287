package app

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"linli/internal/activities"
	"linli/internal/auth"
	"linli/internal/campaigns"
	"linli/internal/cases"
	"linli/internal/db"
	"linli/internal/followups"
	"linli/internal/goals"
	"linli/internal/i18n"
	"linli/internal/locale"
	"linli/internal/opinions"
	"linli/internal/org"
	"linli/internal/patrols"
	"linli/internal/registry"
	"linli/internal/reports"
	"linli/internal/venues"
	"linli/internal/volunteers"
	"linli/internal/web"
	"linli/internal/workplans"
)

// The registry and the case engine do not import each other; the wiring here
// lets cases link to registry people and households, and puts a household's
// cases on its file page (一户一档).

// personTargets offers registry people as case link targets.
type personTargets struct{ r *registry.Service }

func (t personTargets) Resolve(ctx context.Context, p *auth.Principal, id int64) (cases.Ref, error) {
	per, err := t.r.GetPerson(ctx, p, id)
	if err != nil {
		return cases.Ref{}, err
	}
	return personRef(per), nil
}

func (t personTargets) Search(ctx context.Context, p *auth.Principal, q string, limit int) ([]cases.Ref, error) {
	f := registry.NewFilter()
	f.Q, f.Limit = q, limit
	people, _, err := t.r.ListPeople(ctx, p, f)
	if err != nil {
		return nil, err
	}
	out := make([]cases.Ref, 0, len(people))
	for _, per := range people {
		out = append(out, personRef(per))
	}
	return out, nil
}

func personRef(per *registry.Person) cases.Ref {
	return cases.Ref{ID: per.ID, Label: joinLabel(per.Name, per.IDMask, per.Address),
		CommunityID: per.CommunityID, GridID: per.GridID, Href: "/registry/people/" + itoa(per.ID)}
}

// householdTargets offers households, found through their members.
type householdTargets struct{ r *registry.Service }

func (t householdTargets) Resolve(ctx context.Context, p *auth.Principal, id int64) (cases.Ref, error) {
	h, err := t.r.GetHousehold(ctx, p, id)
	if err != nil {
		return cases.Ref{}, err
	}
	head := ""
	for _, m := range h.Members {
		if m.ID == h.HeadID {
			head = m.Name
		}
	}
	return householdRef(h.ID, h.Number, head, h.Address, h.CommunityID, h.GridID), nil
}

func (t householdTargets) Search(ctx context.Context, p *auth.Principal, q string, limit int) ([]cases.Ref, error) {
	f := registry.NewFilter()
	f.Q, f.Limit = q, limit*3
	people, _, err := t.r.ListPeople(ctx, p, f)
	if err != nil {
		return nil, err
	}
	var out []cases.Ref
	seen := map[int64]bool{}
	for _, per := range people {
		if per.HouseholdID == 0 || seen[per.HouseholdID] || len(out) >= limit {
			continue
		}
		seen[per.HouseholdID] = true
		ref, err := t.Resolve(ctx, p, per.HouseholdID)
		if err != nil {
			continue // outside scope or gone since: not offered
		}
		out = append(out, ref)
	}
	return out, nil
}

func householdRef(id int64, number, head, address string, community, grid int64) cases.Ref {
	parts := []string{}
	if number != "" {
		parts = append(parts, i18n.T("cases.link.household_number", "number", number))
	}
	if head != "" {
		parts = append(parts, i18n.T("cases.link.household_head", "name", head))
	}
	return cases.Ref{ID: id, Label: joinLabel(append(parts, address)...), CommunityID: community, GridID: grid, Href: "/registry/households/" + itoa(id)}
}

func joinLabel(parts ...string) string {
	var keep []string
	for _, s := range parts {
		if s = strings.TrimSpace(s); s != "" {
			keep = append(keep, s)
		}
	}
	return strings.Join(keep, " · ")
}

// householdCases is the cases panel on the household file page: cases linked
// to the household or to any member (including those where one is a party).
func householdCases(c *cases.Service) registry.RelatedProvider {
	return func(ctx context.Context, p *auth.Principal, householdID int64, personIDs []int64) (registry.RelatedSection, error) {
		sec := registry.RelatedSection{Title: i18n.T("cases.related_title")}
		byHousehold, err := c.RelatedTo(ctx, p, cases.LinkHousehold, []int64{householdID})
		if err != nil {
			return sec, err
		}
		byPeople, err := c.RelatedTo(ctx, p, cases.LinkPerson, personIDs)
		if err != nil {
			return sec, err
		}
		all := slices.Concat(byHousehold, byPeople)
		sort.SliceStable(all, func(i, j int) bool { return all[i].CreatedAt > all[j].CreatedAt })
		seen := map[int64]bool{}
		for _, s := range all {
			if seen[s.ID] {
				continue
			}
			seen[s.ID] = true
			status := s.Status
			if s.Overdue {
				status += " · " + i18n.T("cases.overdue")
			}
			sec.Items = append(sec.Items, registry.RelatedItem{Title: s.Number + " " + s.Type + "：" + s.Title, Status: status,
				Date: formatDay(s.CreatedAt), Href: s.Href})
		}
		return sec, nil
	}
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

func formatDay(ms int64) string { return time.UnixMilli(ms).In(web.Local).Format("2006-01-02") }

// dwellingUsers refuses to delete a dwelling that registry rows still refer
// to (places.Service.DwellingUsers): its residents, households and rentals,
// counted inside the deleting transaction on the dwelling's community (one
// shard on Citus, where the foreign key's error, the last guard, reads
// otherwise than on PostgreSQL).
func dwellingUsers(ctx context.Context, tx *db.Tx, communityID, dwellingID int64) error {
	for _, c := range []struct{ what, q string }{
		{"places.dwelling_people", `SELECT COUNT(*) FROM reg_person WHERE community_id = ? AND dwelling_id = ?`},
		{"places.dwelling_households", `SELECT COUNT(*) FROM reg_household WHERE community_id = ? AND dwelling_id = ?`},
		{"places.dwelling_rentals", `SELECT COUNT(*) FROM reg_rental WHERE community_id = ? AND dwelling_id = ?`},
	} {
		var n int
		if err := tx.QueryRowContext(ctx, c.q, communityID, dwellingID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return i18n.NewError("conflict", "err.in_use", "what", i18n.T(c.what, "n", n))
		}
	}
	return nil
}

// followupSubjects tells follow-ups who their subjects are now: the people of
// a community carrying a tag, named people and buildings (read on the
// community's own rows, one shard on Citus).
type followupSubjects struct {
	db *db.DB
	r  *registry.Service
}

func (f followupSubjects) TaggedPeople(ctx context.Context, communityID, tagID int64) ([]followups.Subject, error) {
	rows, err := f.db.QueryContext(ctx, `SELECT p.id, p.name, COALESCE(p.grid_id, 0), COALESCE(p.household_id, 0), t.since, t.created_at
		FROM reg_person_tag t JOIN reg_person p ON p.community_id = t.community_id AND p.id = t.person_id
		WHERE t.community_id = ? AND t.tag_id = ? AND p.status = 'active'`, communityID, tagID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []followups.Subject
	for rows.Next() {
		sb := followups.Subject{Kind: followups.SubjectTag}
		var created int64
		if err := rows.Scan(&sb.ID, &sb.Name, &sb.GridID, &sb.HouseholdID, &sb.Since, &created); err != nil {
			return nil, err
		}
		// A tag given without a date counts from the day it was recorded.
		if _, err := time.Parse(time.DateOnly, sb.Since); err != nil {
			sb.Since = formatDay(created)
		}
		out = append(out, sb)
	}
	return out, rows.Err()
}

func (f followupSubjects) People(ctx context.Context, communityID int64, ids []int64) ([]followups.Subject, error) {
	in, args := f.db.Dialect().IDSet("id", ids)
	return f.people(ctx, in, append([]any{communityID}, args...))
}

// people reads the community's active people (the first argument) that cond
// also selects, as follow-up subjects.
func (f followupSubjects) people(ctx context.Context, cond string, args []any) ([]followups.Subject, error) {
	rows, err := f.db.QueryContext(ctx, `SELECT id, name, COALESCE(grid_id, 0), COALESCE(household_id, 0) FROM reg_person
		WHERE community_id = ? AND status = 'active' AND `+cond, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []followups.Subject
	for rows.Next() {
		sb := followups.Subject{Kind: followups.SubjectPerson}
		if err := rows.Scan(&sb.ID, &sb.Name, &sb.GridID, &sb.HouseholdID); err != nil {
			return nil, err
		}
		out = append(out, sb)
	}
	return out, rows.Err()
}

func (f followupSubjects) Buildings(ctx context.Context, communityID int64, ids []int64) ([]followups.Subject, error) {
	in, args := f.db.Dialect().IDSet("b.id", ids)
	rows, err := f.db.QueryContext(ctx, `SELECT b.id, COALESCE(e.name, ''), b.name, COALESCE(b.grid_id, 0) FROM building b
		LEFT JOIN estate e ON e.community_id = b.community_id AND e.id = b.estate_id
		WHERE b.community_id = ? AND `+in, append([]any{communityID}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []followups.Subject
	for rows.Next() {
		sb := followups.Subject{Kind: followups.SubjectBuilding}
		var estate, name string
		if err := rows.Scan(&sb.ID, &estate, &name, &sb.GridID); err != nil {
			return nil, err
		}
		sb.Name = estate + name
		out = append(out, sb)
	}
	return out, rows.Err()
}

func (f followupSubjects) Tag(ctx context.Context, tagID int64) (followups.Tag, bool) {
	t, ok := f.r.TagByID(ctx, tagID)
	if !ok {
		return followups.Tag{}, false
	}
	return followups.Tag{ID: t.ID, Name: t.Name, VisibleTo: t.VisibleTo}, true
}

func (f followupSubjects) PersonByIDNumber(ctx context.Context, communityID int64, idNumber string) (followups.Subject, bool, error) {
	// The registry's own search by a whole ID number (its keyed hash through
	// reg_identity), limited to the community and its active people.
	found, _, err := f.r.ListPeople(ctx, auth.System("followups"), registry.Filter{Q: idNumber, OrgID: communityID, AgeMin: -1, AgeMax: -1, Brief: true, Limit: 2})
	if err != nil || len(found) != 1 || found[0].CommunityID != communityID {
		return followups.Subject{}, false, err
	}
	list, err := f.People(ctx, communityID, []int64{found[0].ID})
	if err != nil || len(list) != 1 {
		return followups.Subject{}, false, err
	}
	return list[0], true, nil
}

func (f followupSubjects) PeopleNamed(ctx context.Context, communityID int64, name string) ([]followups.Subject, error) {
	return f.people(ctx, `name = ? ORDER BY id LIMIT 10`, []any{communityID, name})
}

// followupTags offers the registry tags p may see to the follow-up rule form.
func followupTags(r *registry.Service) followups.TagChoicesFunc {
	return func(ctx context.Context, p *auth.Principal) ([]followups.TagChoice, error) {
		tags, err := r.VisibleTags(ctx, p)
		if err != nil {
			return nil, err
		}
		var out []followups.TagChoice
		for _, t := range tags {
			if t.Active {
				out = append(out, followups.TagChoice{ID: t.ID, Name: t.Name})
			}
		}
		return out, nil
	}
}

// householdFollowups is the 走访记录 panel of the household file and the
// person page: the visits, talks and inspections recorded about the
// household's members (or the person), newest first, each to its duty. Those
// who do not read follow-ups get no panel; records of a sensitive group show
// only to those who may see the group (ListRecords).
func householdFollowups(f *followups.Service) registry.RelatedProvider {
	return personPanel(followups.PermRead, "followups.related_title", func(ctx context.Context, p *auth.Principal, householdID int64, personIDs []int64) ([]registry.RelatedItem, error) {
		var items []registry.RelatedItem
		recs, err := f.ListRecords(ctx, p, followups.RecordFilter{HouseholdID: householdID, PersonIDs: personIDs, Limit: 20})
		if err != nil {
			return nil, err
		}
		for _, rec := range recs {
			title := i18n.T("followups.way."+rec.Way) + i18n.T("followups.kind."+rec.Kind)
			if rec.SubjectName != "" && householdID != 0 {
				title = rec.SubjectName + " " + title
			}
			if note := clipText(rec.Note, 40); note != "" {
				title += "：" + note
			}
			status := i18n.T("followups.on_time")
			if !rec.OnTime {
				status = i18n.T("followups.late")
			}
			item := registry.RelatedItem{Title: title, Status: status, Date: rec.HappenedOn}
			if rec.DutyID != 0 {
				item.Href = "/followups/duties/" + itoa(rec.DutyID)
			}
			items = append(items, item)
		}
		return items, nil
	})
}

// personPanel is a module's panel of the household file and the person page
// (householdID 0): nothing for those who may not read the module, else its
// section titled titleKey with the items the module gives, within the
// reader's scope.
func personPanel(perm auth.Perm, titleKey string, items func(ctx context.Context, p *auth.Principal, householdID int64, personIDs []int64) ([]registry.RelatedItem, error)) registry.RelatedProvider {
	return func(ctx context.Context, p *auth.Principal, householdID int64, personIDs []int64) (registry.RelatedSection, error) {
		if !p.Can(perm) {
			return registry.RelatedSection{}, nil
		}
		list, err := items(ctx, p, householdID, personIDs)
		return registry.RelatedSection{Title: i18n.T(titleKey), Items: list}, err
	}
}

// clipText cuts s after n characters, marking the cut.
func clipText(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// Follow-ups and cases: a finding of a visit, inspection or screening record
// (a failed item, a matter found, the needs told) is opened as a case linked
// to the record (link kind "fu_record"); the case page shows the record, the
// record page the cases made from it.

// linkFollowupRecord is the case link kind of a follow-up record.
const linkFollowupRecord = "fu_record"

// findingCaseTypes are the case types a finding may become.
var findingCaseTypes = []string{"hazard", "dispute", "request", "grid_event"}

// followupCases opens cases for follow-ups.
type followupCases struct{ c *cases.Service }

func (f followupCases) Types(ctx context.Context, p *auth.Principal) ([]followups.CaseType, error) {
	types, err := f.c.ReportableTypes(ctx, p)
	if err != nil {
		return nil, err
	}
	var out []followups.CaseType
	for _, t := range types {
		if !slices.Contains(findingCaseTypes, t.Code) {
			continue
		}
		ct := followups.CaseType{Code: t.Code, Name: t.Name}
		for _, c := range t.Categories {
			ct.Categories = append(ct.Categories, followups.CaseCategory{Code: c.Code, Name: c.Name})
		}
		out = append(out, ct)
	}
	return out, nil
}

// findingSources: the case's source, the first of these its type takes (an
// inspection's hazard comes from 检查, other findings from 巡查); a type
// taking none (a request) gets its own default.
func findingSources(kind string) []string {
	if kind == followups.KindInspection {
		return []string{"inspection", "patrol"}
	}
	return []string{"patrol", "inspection"}
}

func (f followupCases) Open(ctx context.Context, p *auth.Principal, in followups.CaseInput) (int64, error) {
	if !slices.Contains(findingCaseTypes, in.Type) {
		errs := &i18n.Errors{}
		errs.Add("type", "err.choice", "field", i18n.T("cases.type"))
		return 0, errs
	}
	source := ""
	if t, ok := f.c.Type(ctx, in.Type); ok {
		for _, s := range findingSources(in.RecordKind) {
			if t.SourceOK(s) {
				source = s
				break
			}
		}
	}
	// The link says where the case came from and opens with it, in the
	// case's own transaction, whether or not the reporter works cases at the
	// case's level (a grid worker's request is the community's).
	return f.c.Create(ctx, p, cases.CreateInput{Type: in.Type, Category: in.Category, Title: in.Title, Description: in.Description,
		Location: in.Location, Source: source, CommunityID: in.CommunityID, GridID: in.GridID,
		Links: []cases.LinkRef{{Kind: linkFollowupRecord, RefID: in.RecordID}}})
}

func (f followupCases) Linked(ctx context.Context, p *auth.Principal, recordID int64) ([]followups.CaseRef, error) {
	list, err := f.c.RelatedTo(ctx, p, linkFollowupRecord, []int64{recordID})
	if err != nil {
		return nil, err
	}
	out := make([]followups.CaseRef, 0, len(list))
	for _, c := range list {
		out = append(out, followups.CaseRef{ID: c.ID, Number: c.Number, Type: c.Type, Title: c.Title, Status: c.Status, Href: c.Href})
	}
	return out, nil
}

// followupRecordTargets offers follow-up records as case link targets (the
// case page's 走访记录); they are linked from the record page, not searched.
type followupRecordTargets struct{ f *followups.Service }

func (t followupRecordTargets) Resolve(ctx context.Context, p *auth.Principal, id int64) (cases.Ref, error) {
	rec, err := t.f.GetRecord(ctx, p, id)
	if err != nil {
		return cases.Ref{}, err
	}
	return cases.Ref{ID: rec.ID, Label: rec.HappenedOn + " " + i18n.T("followups.kind."+rec.Kind) + " " + rec.SubjectName,
		CommunityID: rec.CommunityID, GridID: rec.GridID, Href: "/followups/records/" + itoa(rec.ID)}, nil
}

func (t followupRecordTargets) Search(context.Context, *auth.Principal, string, int) ([]cases.Ref, error) {
	return nil, nil
}

// patrolTargets offers patrols as case link targets: a grid event reported
// on a patrol is linked to it, so that the case page shows the patrol.
// Found by day ("2026-12-07") or by the worker's name, within the scope.
type patrolTargets struct{ s *patrols.Service }

func (t patrolTargets) Resolve(ctx context.Context, p *auth.Principal, id int64) (cases.Ref, error) {
	pt, err := t.s.Get(ctx, p, id)
	if err != nil {
		return cases.Ref{}, err
	}
	return patrolRef(pt), nil
}

func (t patrolTargets) Search(ctx context.Context, p *auth.Principal, q string, limit int) ([]cases.Ref, error) {
	if !p.Can(patrols.PermRead) {
		return nil, nil
	}
	f := patrols.Filter{Limit: 200}
	if _, err := time.Parse(time.DateOnly, q); err == nil {
		f.From, f.To = q, q
	} else {
		f.From = time.Now().In(web.Local).AddDate(0, 0, -30).Format(time.DateOnly)
	}
	list, _, err := t.s.List(ctx, p, f)
	if err != nil {
		return nil, err
	}
	var out []cases.Ref
	for _, pt := range list {
		if f.To == "" && !strings.Contains(pt.UserName, q) {
			continue
		}
		if out = append(out, patrolRef(pt)); len(out) >= limit {
			break
		}
	}
	return out, nil
}

func patrolRef(pt *patrols.Patrol) cases.Ref {
	return cases.Ref{ID: pt.ID, Label: joinLabel(pt.UserName, pt.GridName, pt.Day+" "+pt.Span()), CommunityID: pt.CommunityID, GridID: pt.GridID,
		Href: "/patrols/" + itoa(pt.ID)}
}

// patrolFindings lists the cases linked to a patrol that p may see, for the
// patrol's page.
func patrolFindings(c *cases.Service) patrols.FindingsFunc {
	return func(ctx context.Context, p *auth.Principal, patrolID int64) ([]patrols.Finding, error) {
		list, err := c.RelatedTo(ctx, p, cases.LinkPatrol, []int64{patrolID})
		if err != nil {
			return nil, err
		}
		out := make([]patrols.Finding, 0, len(list))
		for _, s := range list {
			out = append(out, patrols.Finding{Title: s.Number + " " + s.Type + "：" + s.Title, Status: s.Status, Href: s.Href, CreatedAt: s.CreatedAt})
		}
		return out, nil
	}
}

// linkOpinion is the case link kind of an opinion (社情民意) turned into a case.
const linkOpinion = "opinion"

// opinionCases lets an opinion become a case: filed through the case engine
// by the user (its own rules on who files what), then linked back.
type opinionCases struct{ c *cases.Service }

func (o opinionCases) Types(ctx context.Context, p *auth.Principal) ([]opinions.CaseType, error) {
	types, err := o.c.ReportableTypes(ctx, p)
	if err != nil {
		return nil, err
	}
	var out []opinions.CaseType
	for _, t := range types {
		ct := opinions.CaseType{Code: t.Code, Name: t.Name}
		for _, c := range t.Categories {
			ct.Categories = append(ct.Categories, opinions.Choice{Code: c.Code, Name: c.Name})
		}
		out = append(out, ct)
	}
	return out, nil
}

func (o opinionCases) Open(ctx context.Context, p *auth.Principal, in opinions.CaseInput) (int64, string, error) {
	// The link opens with the case, in its transaction: one who may file a
	// case but not work it (a grid worker, a community's request) links it too.
	id, err := o.c.Create(ctx, p, cases.CreateInput{Type: in.Type, Category: in.Category, Title: in.Title, Description: in.Description,
		CommunityID: in.CommunityID, GridID: in.GridID, ReporterName: in.ReporterName, ReporterPhone: in.ReporterPhone,
		Links: []cases.LinkRef{{Kind: linkOpinion, RefID: in.OpinionID}}})
	if err != nil {
		return 0, "", err
	}
	c, err := o.c.Get(ctx, auth.System("opinions"), id)
	if err != nil {
		return 0, "", err
	}
	return id, c.Number(), nil
}

// opinionTargets offers opinions as case link targets.
type opinionTargets struct{ o *opinions.Service }

func (t opinionTargets) Resolve(ctx context.Context, p *auth.Principal, id int64) (cases.Ref, error) {
	op, _, err := t.o.Get(ctx, p, id)
	if err != nil {
		return cases.Ref{}, err
	}
	return opinionRef(op), nil
}

func (t opinionTargets) Search(ctx context.Context, p *auth.Principal, q string, limit int) ([]cases.Ref, error) {
	list, _, err := t.o.List(ctx, p, opinions.Filter{Q: q, Limit: limit})
	if err != nil {
		return nil, err
	}
	out := make([]cases.Ref, 0, len(list))
	for _, op := range list {
		out = append(out, opinionRef(op))
	}
	return out, nil
}

func opinionRef(op *opinions.Opinion) cases.Ref {
	return cases.Ref{ID: op.ID, Label: joinLabel(op.RaisedOn, op.CategoryName(), clipText(op.Content, 30)), CommunityID: op.CommunityID, GridID: op.GridID,
		Href: "/opinions/" + itoa(op.ID)}
}

// opinionVisits finds the follow-up record an opinion was heard at, through
// follow-ups' own list (its scope and sensitive-group rule): the record's
// duty is looked up by id, and the record counts only if the list shows it.
type opinionVisits struct {
	db *db.DB
	f  *followups.Service
}

func (v opinionVisits) Record(ctx context.Context, p *auth.Principal, id int64) (opinions.Visit, error) {
	var duty int64
	err := v.db.QueryRowContext(ctx, `SELECT COALESCE(duty_id, 0) FROM fu_record WHERE id = ?`, id).Scan(&duty)
	if errors.Is(err, sql.ErrNoRows) || duty == 0 {
		return opinions.Visit{}, auth.ErrNotFound
	}
	if err != nil {
		return opinions.Visit{}, err
	}
	recs, err := v.f.ListRecords(ctx, p, followups.RecordFilter{DutyID: duty, Limit: 500})
	if err != nil {
		return opinions.Visit{}, err
	}
	for _, rec := range recs {
		if rec.ID != id {
			continue
		}
		out := opinions.Visit{ID: rec.ID, CommunityID: rec.CommunityID, GridID: rec.GridID, Subject: rec.SubjectName, On: rec.HappenedOn}
		if rec.SubjectKind == followups.SubjectPerson || rec.SubjectKind == followups.SubjectTag {
			out.PersonID = rec.SubjectID
		}
		return out, nil
	}
	return opinions.Visit{}, auth.ErrNotFound
}

// opinionPeople names the registry person who raised an opinion.
type opinionPeople struct{ r *registry.Service }

func (o opinionPeople) Person(ctx context.Context, p *auth.Principal, id int64) (opinions.Person, error) {
	per, err := o.r.GetPerson(ctx, p, id)
	if err != nil {
		return opinions.Person{}, err
	}
	return opinions.Person{ID: per.ID, CommunityID: per.CommunityID, GridID: per.GridID, Name: per.Name}, nil
}

// residentCommunity finds a resident account's community, for the venues'
// and activities' portals, through the registry (the resident's own registry
// person).
func residentCommunity(r *registry.Service) func(ctx context.Context, p *auth.Principal) (int64, bool) {
	return func(ctx context.Context, p *auth.Principal) (int64, bool) {
		c, _, ok := r.ResidentHome(ctx, p)
		return c, ok
	}
}

// personVenueBookings is the 场地预约 panel of the household file and the
// person page: the venues the members (or the person) booked on the portal
// or staff booked for them,
// latest first. Those who do not read venues get no panel.
func personVenueBookings(v *venues.Service) registry.RelatedProvider {
	return personPanel(venues.PermRead, "venues.related_title", func(ctx context.Context, p *auth.Principal, householdID int64, personIDs []int64) ([]registry.RelatedItem, error) {
		var items []registry.RelatedItem
		if len(personIDs) == 0 {
			return nil, nil
		}
		list, _, err := v.ListBookings(ctx, p, venues.Filter{PersonIDs: personIDs, Limit: 20})
		if err != nil {
			return nil, err
		}
		for _, b := range list {
			items = append(items, registry.RelatedItem{Title: b.VenueName + "：" + b.Title + "（" + b.Who() + "）", Status: b.StatusName(),
				Date: b.Day, Href: "/venues/bookings/" + itoa(b.ID)})
		}
		return items, nil
	})
}

// volunteerPeople reads the registry people volunteers are, as p may see
// them: the masked ID number only.
type volunteerPeople struct{ r *registry.Service }

func (v volunteerPeople) Person(ctx context.Context, p *auth.Principal, id int64) (volunteers.Person, error) {
	per, err := v.r.GetPerson(ctx, p, id)
	if err != nil {
		return volunteers.Person{}, err
	}
	return volunteers.Person{ID: per.ID, CommunityID: per.CommunityID, GridID: per.GridID, Name: per.Name, IDMask: per.IDMask}, nil
}

func (v volunteerPeople) Find(ctx context.Context, p *auth.Principal, q string) ([]volunteers.Person, error) {
	f := registry.NewFilter()
	f.Q, f.Limit = q, 10
	list, _, err := v.r.ListPeople(ctx, p, f)
	if err != nil {
		return nil, err
	}
	out := make([]volunteers.Person, 0, len(list))
	for _, per := range list {
		out = append(out, volunteers.Person{ID: per.ID, CommunityID: per.CommunityID, GridID: per.GridID, Name: per.Name, IDMask: per.IDMask})
	}
	return out, nil
}

// personVolunteerHours is the 志愿服务 panel of the household file and the
// person page: the members (or the person) who volunteer, with their
// confirmed hours and level. Those who do not read volunteers get no panel.
func personVolunteerHours(v *volunteers.Service) registry.RelatedProvider {
	return personPanel(volunteers.PermRead, "volunteers.related_title", func(ctx context.Context, p *auth.Principal, householdID int64, personIDs []int64) ([]registry.RelatedItem, error) {
		var items []registry.RelatedItem
		list, err := v.HoursOf(ctx, p, personIDs)
		if err != nil {
			return nil, err
		}
		for _, h := range list {
			item := registry.RelatedItem{Title: i18n.T("volunteers.related_item", "name", h.Name, "n", volunteers.Hours(h.Minutes)), Status: h.Status,
				Href: "/volunteers/" + itoa(h.VolunteerID)}
			if h.Level.Stars > 0 {
				item.Status += " · " + i18n.T("volunteers.n_stars", "n", h.Level.Stars)
			}
			items = append(items, item)
		}
		return items, nil
	})
}

// activityPeople finds registry people for activities: for staff within
// their scope, for a resident their own person (read as the system: a
// resident does not read the registry).
type activityPeople struct{ r *registry.Service }

func (a activityPeople) Person(ctx context.Context, p *auth.Principal, id int64) (activities.Person, error) {
	reader := p
	if p.PersonID != 0 && p.PersonID == id && p.Can(activities.PermPortal) {
		reader = auth.System("activities")
	}
	per, err := a.r.GetPerson(ctx, reader, id)
	if err != nil {
		return activities.Person{}, err
	}
	out := activities.Person{ID: per.ID, CommunityID: per.CommunityID, Name: per.Name}
	for _, t := range per.Tags {
		out.Tags = append(out.Tags, t.Code)
	}
	return out, nil
}

// activityVenues reserves an activity's venue through the venues module.
type activityVenues struct{ v *venues.Service }

func (a activityVenues) Reserve(ctx context.Context, p *auth.Principal, venueID int64, title string, attendees int, from, to time.Time, activityID int64) error {
	_, err := a.v.Reserve(ctx, venues.ReserveInput{By: p, VenueID: venueID, Title: title, Attendees: attendees, StartsAt: from, EndsAt: to, ActivityID: activityID})
	return err
}

func (a activityVenues) Release(ctx context.Context, p *auth.Principal, activityID int64) error {
	_, err := a.v.Release(ctx, p, activityID)
	return err
}

func (a activityVenues) Choices(ctx context.Context, p *auth.Principal) ([]activities.VenueChoice, error) {
	if !p.Can(venues.PermBook) {
		return nil, nil
	}
	list, err := a.v.ListVenues(ctx, p, venues.VenueFilter{ActiveOnly: true})
	if err != nil {
		return nil, err
	}
	var out []activities.VenueChoice
	for _, v := range list {
		if v.Access.Book {
			out = append(out, activities.VenueChoice{ID: v.ID, Label: v.Name + "（" + v.CommunityName + "）"})
		}
	}
	return out, nil
}

// personActivities is the 活动 panel of the household file and the person
// page: the activities the members (or the person) signed up for or
// attended, latest first.
func personActivities(s *activities.Service) registry.RelatedProvider {
	return personPanel(activities.PermRead, "activities.related_title", func(ctx context.Context, p *auth.Principal, householdID int64, personIDs []int64) ([]registry.RelatedItem, error) {
		var items []registry.RelatedItem
		list, err := s.PersonSignUps(ctx, p, personIDs, 20)
		if err != nil {
			return nil, err
		}
		for _, x := range list {
			status := x.StatusName()
			if x.AttendedAt != 0 {
				status = i18n.T("activities.attended")
			}
			items = append(items, registry.RelatedItem{Title: x.Activity.Title + "（" + x.Name + "）", Status: status,
				Date: time.UnixMilli(x.Activity.StartsAt).In(locale.Zone).Format(time.DateOnly), Href: "/activities/" + itoa(x.ActivityID)})
		}
		return items, nil
	})
}

// The indicators board (goals) counts nothing itself: each module's figures
// reach it through one goals.Source here, over that module's own read methods
// and scope. The case figures are cases.Stats itself, so that the board and
// /api/v1/cases/stats cannot differ.

func yearRange(year int) (string, string) {
	return fmt.Sprintf("%04d-01", year), fmt.Sprintf("%04d-12", year)
}

// unitFilter is the query that narrows a module's list to unit u ("" above a community).
func unitFilter(u *org.Unit) string {
	switch u.Level {
	case org.Grid:
		return "&community=" + itoa(u.CommunityID) + "&grid=" + itoa(u.ID)
	case org.Community:
		return "&community=" + itoa(u.ID)
	}
	return ""
}

type goalCases struct{ c *cases.Service }

func (goalCases) Indicators() []goals.Def {
	list := func(status string) func(u *org.Unit, year int) string {
		return func(u *org.Unit, year int) string {
			return fmt.Sprintf("/cases?status=%s&from=%04d-01-01&to=%04d-12-31", status, year, year) + unitFilter(u)
		}
	}
	ratio := func(code, name, def string, link func(*org.Unit, int) string) goals.Def {
		return goals.Def{Code: code, Name: name, Definition: def, Unit: "%", Direction: goals.Higher, Rollup: goals.RollupRatio, Link: link}
	}
	return []goals.Def{
		{Code: "cases.received", Name: "goals.ind.cases.received", Definition: "cases.stats_def.received", Unit: "件", Direction: goals.Higher, Rollup: goals.RollupSum,
			Link: list("")},
		ratio("cases.response_rate", "goals.ind.cases.response_rate", "cases.stats_def.response", nil),
		ratio("cases.on_time_rate", "goals.ind.cases.on_time_rate", "cases.stats_def.ontime", list("late")),
		ratio("cases.satisfaction_rate", "goals.ind.cases.satisfaction_rate", "cases.stats_def.satisfaction", nil),
		ratio("cases.mediation_rate", "goals.ind.cases.mediation_rate", "cases.stats_def.mediation", nil),
		ratio("cases.rectification_rate", "goals.ind.cases.rectification_rate", "cases.stats_def.rectification", nil),
	}
}

func putCaseCounts(m map[string]goals.Value, c cases.Counts) {
	m["cases.received"] = goals.Count(float64(c.Received))
	m["cases.response_rate"] = goals.Ratio(float64(c.RespondedOK), float64(c.RespondBase))
	m["cases.on_time_rate"] = goals.Ratio(float64(c.ClosedOnTime), float64(c.Closed))
	m["cases.satisfaction_rate"] = goals.Ratio(float64(c.Satisfied), float64(c.Rated))
	m["cases.mediation_rate"] = goals.Ratio(float64(c.MediationOK), float64(c.MediationJudged))
	m["cases.rectification_rate"] = goals.Ratio(float64(c.HazardRectified), float64(c.HazardEngaged))
}

func (g goalCases) Compute(ctx context.Context, p *auth.Principal, u *org.Unit, year int) (goals.Result, error) {
	from, to := yearRange(year)
	st, err := g.c.Stats(ctx, p, cases.StatsFilter{OrgID: u.ID, From: from, To: to})
	if err != nil {
		return goals.Result{}, err
	}
	r := goals.NewResult()
	putCaseCounts(r.Year, st.Total)
	for _, m := range st.Months {
		if mi, err := strconv.Atoi(m.Month[5:]); err == nil && mi >= 1 && mi <= 12 {
			putCaseCounts(r.Months[mi-1], m.Counts)
		}
	}
	return r, nil
}

// goalVisits: the follow-up rates of each month of the year; the year's is
// the ratio of the months' sums (duty-months visited over duty-months due).
type goalVisits struct{ f *followups.Service }

func (goalVisits) Indicators() []goals.Def {
	overdue := func(u *org.Unit, _ int) string {
		if u.Level == org.Grid {
			return "/followups/all?when=overdue&grid=" + itoa(u.ID)
		}
		return "/followups/all?when=overdue"
	}
	return []goals.Def{
		{Code: "followups.visit_rate", Name: "goals.ind.followups.visit_rate", Definition: "goals.def.followups.visit_rate", Unit: "%", Direction: goals.Higher,
			Rollup: goals.RollupRatio, Link: overdue},
		{Code: "followups.on_time_rate", Name: "goals.ind.followups.on_time_rate", Definition: "goals.def.followups.on_time_rate", Unit: "%",
			Direction: goals.Higher, Rollup: goals.RollupRatio},
		{Code: "followups.talk_rate", Name: "goals.ind.followups.talk_rate", Definition: "goals.def.followups.talk_rate", Unit: "%", Direction: goals.Higher,
			Rollup: goals.RollupRatio},
	}
}

func (g goalVisits) Compute(ctx context.Context, p *auth.Principal, u *org.Unit, year int) (goals.Result, error) {
	r := goals.NewResult()
	var total followups.RateCounts
	now := time.Now().In(locale.Zone)
	for m := 1; m <= 12; m++ {
		if year > now.Year() || (year == now.Year() && m > int(now.Month())) {
			break
		}
		rates, err := g.f.Rates(ctx, p, followups.RatesFilter{Month: fmt.Sprintf("%04d-%02d", year, m), OrgID: u.ID})
		if err != nil {
			return goals.Result{}, err
		}
		c := rates.Total
		putVisitCounts(r.Months[m-1], c)
		total.Due += c.Due
		total.Visited += c.Visited
		total.Records += c.Records
		total.OnTime += c.OnTime
		total.TalkDue += c.TalkDue
		total.TalkVisited += c.TalkVisited
	}
	putVisitCounts(r.Year, total)
	return r, nil
}

// putVisitCounts: the talk rate only where the reader has talk duties (as
// the follow-ups' own rates page): its name tells of a sensitive group.
func putVisitCounts(m map[string]goals.Value, c followups.RateCounts) {
	m["followups.visit_rate"] = goals.Ratio(float64(c.Visited), float64(c.Due))
	m["followups.on_time_rate"] = goals.Ratio(float64(c.OnTime), float64(c.Records))
	if c.TalkDue > 0 {
		m["followups.talk_rate"] = goals.Ratio(float64(c.TalkVisited), float64(c.TalkDue))
	}
}

// goalRegistry: people and households registered now (stock figures).
type goalRegistry struct{ r *registry.Service }

func (goalRegistry) Indicators() []goals.Def {
	return []goals.Def{
		{Code: "registry.people", Name: "goals.ind.registry.people", Definition: "goals.def.registry.people", Unit: "人", Direction: goals.Higher,
			Rollup: goals.RollupSum, Stock: true},
		{Code: "registry.households", Name: "goals.ind.registry.households", Definition: "goals.def.registry.households", Unit: "户", Direction: goals.Higher,
			Rollup: goals.RollupSum, Stock: true},
	}
}

func (g goalRegistry) Compute(ctx context.Context, p *auth.Principal, u *org.Unit, _ int) (goals.Result, error) {
	comm, grid := u.ID, int64(0)
	if u.Level == org.Grid {
		comm, grid = u.CommunityID, u.ID
	}
	people, households, err := g.r.CountIn(ctx, p, comm, grid)
	if err != nil {
		return goals.Result{}, err
	}
	r := goals.NewResult()
	r.Year["registry.people"] = goals.Count(float64(people))
	r.Year["registry.households"] = goals.Count(float64(households))
	return r, nil
}

// goalActivities: activities held, attendance and the share of residents
// reached (受教育居民率), a community's (no grid figure).
type goalActivities struct {
	a *activities.Service
	r *registry.Service
}

func (goalActivities) Indicators() []goals.Def {
	return []goals.Def{
		{Code: "activities.count", Name: "goals.ind.activities.count", Definition: "goals.def.activities.count", Unit: "场", Direction: goals.Higher,
			Rollup: goals.RollupSum, CommunityOnly: true},
		{Code: "activities.attended", Name: "goals.ind.activities.attended", Definition: "activities.attended_def", Unit: "人次", Direction: goals.Higher,
			Rollup: goals.RollupSum, CommunityOnly: true},
		// Distinct residents over the year: no month adds up to it, so the
		// figure is the year's (to date), as a stock.
		{Code: "activities.reach_rate", Name: "goals.ind.activities.reach_rate", Definition: "goals.def.activities.reach_rate", Unit: "%",
			Direction: goals.Higher, Rollup: goals.RollupRatio, Stock: true, CommunityOnly: true},
	}
}

func (g goalActivities) Compute(ctx context.Context, p *auth.Principal, u *org.Unit, year int) (goals.Result, error) {
	r := goals.NewResult()
	if u.Level != org.Community {
		return r, nil
	}
	f, err := g.a.Stats(ctx, p, year, u.ID, nil)
	if err != nil {
		return goals.Result{}, err
	}
	people, _, err := g.r.CountIn(ctx, p, u.ID, 0)
	if err != nil {
		return goals.Result{}, err
	}
	var n, att int
	for i, m := range f.Months {
		if i < 12 {
			r.Months[i]["activities.count"] = goals.Count(float64(m.Activities))
			r.Months[i]["activities.attended"] = goals.Count(float64(m.Attended))
		}
		n += m.Activities
		att += m.Attended
	}
	r.Year["activities.count"] = goals.Count(float64(n))
	r.Year["activities.attended"] = goals.Count(float64(att))
	r.Year["activities.reach_rate"] = goals.Ratio(float64(f.Reached), float64(people))
	return r, nil
}

// goalVolunteers: registered volunteers, their share of the residents and
// the hours served, a community's.
type goalVolunteers struct {
	v *volunteers.Service
	r *registry.Service
}

func (goalVolunteers) Indicators() []goals.Def {
	return []goals.Def{
		{Code: "volunteers.registered", Name: "goals.ind.volunteers.registered", Definition: "goals.def.volunteers.registered", Unit: "人",
			Direction: goals.Higher, Rollup: goals.RollupSum, Stock: true, CommunityOnly: true},
		{Code: "volunteers.share", Name: "goals.ind.volunteers.share", Definition: "goals.def.volunteers.share", Unit: "%",
			Direction: goals.Higher, Rollup: goals.RollupRatio, Stock: true, CommunityOnly: true},
		{Code: "volunteers.hours", Name: "goals.ind.volunteers.hours", Definition: "goals.def.volunteers.hours", Unit: "小时",
			Direction: goals.Higher, Rollup: goals.RollupSum, CommunityOnly: true},
	}
}

func (g goalVolunteers) Compute(ctx context.Context, p *auth.Principal, u *org.Unit, year int) (goals.Result, error) {
	r := goals.NewResult()
	if u.Level != org.Community {
		return r, nil
	}
	f, err := g.v.FiguresIn(ctx, p, u.ID, year)
	if err != nil {
		return goals.Result{}, err
	}
	people, _, err := g.r.CountIn(ctx, p, u.ID, 0)
	if err != nil {
		return goals.Result{}, err
	}
	total := 0
	for i, m := range f.Minutes {
		r.Months[i]["volunteers.hours"] = goals.Count(float64(m) / 60)
		total += m
	}
	r.Year["volunteers.registered"] = goals.Count(float64(f.Registered))
	r.Year["volunteers.share"] = goals.Ratio(float64(f.Registered), float64(people))
	r.Year["volunteers.hours"] = goals.Count(float64(total) / 60)
	return r, nil
}

// venuePeople finds the residents staff book a venue for (the elderly
// without phones), within the staff's scope: the masked ID number only.
type venuePeople struct{ r *registry.Service }

func (v venuePeople) Person(ctx context.Context, p *auth.Principal, id int64) (venues.Person, error) {
	per, err := v.r.GetPerson(ctx, p, id)
	if err != nil {
		return venues.Person{}, err
	}
	return venues.Person{ID: per.ID, CommunityID: per.CommunityID, Name: per.Name, IDMask: per.IDMask}, nil
}

func (v venuePeople) Find(ctx context.Context, p *auth.Principal, q string) ([]venues.Person, error) {
	f := registry.NewFilter()
	f.Q, f.Limit = q, 10
	list, _, err := v.r.ListPeople(ctx, p, f)
	if err != nil {
		return nil, err
	}
	out := make([]venues.Person, 0, len(list))
	for _, per := range list {
		out = append(out, venues.Person{ID: per.ID, CommunityID: per.CommunityID, Name: per.Name, IDMask: per.IDMask})
	}
	return out, nil
}

// activityVolunteers are the volunteers who serve at activities, through
// the volunteers module: those of the activity's community p may see, and
// their service hours recorded from a check-out.
type activityVolunteers struct{ v *volunteers.Service }

func (a activityVolunteers) Choices(ctx context.Context, p *auth.Principal, c int64) ([]activities.VolunteerChoice, error) {
	if !p.Can(volunteers.PermRead) {
		return nil, nil
	}
	list, err := a.v.List(ctx, p, volunteers.Filter{CommunityID: c})
	if err != nil {
		return nil, err
	}
	var out []activities.VolunteerChoice
	for _, v := range list {
		if v.Status != volunteers.StatusLeft {
			out = append(out, activities.VolunteerChoice{ID: v.ID, Name: v.Name, PersonID: v.PersonID})
		}
	}
	return out, nil
}

func (a activityVolunteers) Volunteer(ctx context.Context, p *auth.Principal, c, id int64) (activities.VolunteerChoice, error) {
	if !p.Can(volunteers.PermRead) {
		return activities.VolunteerChoice{}, auth.ErrNotFound
	}
	v, err := a.v.Get(ctx, p, id)
	if err != nil {
		return activities.VolunteerChoice{}, err
	}
	if v.CommunityID != c || v.Status == volunteers.StatusLeft {
		return activities.VolunteerChoice{}, auth.ErrNotFound
	}
	return activities.VolunteerChoice{ID: v.ID, Name: v.Name, PersonID: v.PersonID}, nil
}

func (a activityVolunteers) RecordHours(ctx context.Context, p *auth.Principal, in activities.HoursInput) error {
	return a.v.RecordFromActivity(ctx, volunteers.ActivityInput{By: p, CommunityID: in.CommunityID, ActivityID: in.ActivityID, VolunteerID: in.VolunteerID,
		CheckIn: in.CheckIn, CheckOut: in.CheckOut, What: in.What, Place: in.Place, ForWhom: in.ForWhom})
}

// activitySpeakers suggests an activity's speakers from the volunteers
// module's expert pool: each as its name and field ("王医生（医疗）").
type activitySpeakers struct{ v *volunteers.Service }

func (a activitySpeakers) Suggest(ctx context.Context, p *auth.Principal, q string) ([]string, error) {
	if !p.Can(volunteers.PermRead) {
		return nil, nil
	}
	list, err := a.v.Experts(ctx, p, volunteers.ExpertQuery{Q: q})
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(list))
	for _, e := range list {
		out = append(out, e.Name+"（"+e.FieldName()+"）")
	}
	return out, nil
}

// TeamChoices are the active volunteer teams of community c p may see, for
// an activity's group sign-up.
func (a activityVolunteers) TeamChoices(ctx context.Context, p *auth.Principal, c int64) ([]activities.TeamChoice, error) {
	if !p.Can(volunteers.PermRead) {
		return nil, nil
	}
	list, err := a.v.ListTeams(ctx, p, c, "")
	if err != nil {
		return nil, err
	}
	var out []activities.TeamChoice
	for _, t := range list {
		if t.Active && t.CommunityID == c {
			out = append(out, activities.TeamChoice{ID: t.ID, Name: t.Name, Members: t.Members})
		}
	}
	return out, nil
}

// TeamMembers are a team's current members (those who left it or left
// volunteering are not).
func (a activityVolunteers) TeamMembers(ctx context.Context, p *auth.Principal, c, teamID int64) ([]activities.VolunteerChoice, error) {
	if !p.Can(volunteers.PermRead) {
		return nil, auth.ErrNotFound
	}
	t, err := a.v.GetTeam(ctx, p, teamID)
	if err != nil {
		return nil, err
	}
	if t.CommunityID != c {
		return nil, auth.ErrNotFound
	}
	list, err := a.v.List(ctx, p, volunteers.Filter{CommunityID: c, TeamID: teamID})
	if err != nil {
		return nil, err
	}
	var out []activities.VolunteerChoice
	for _, v := range list {
		if v.Status != volunteers.StatusLeft {
			out = append(out, activities.VolunteerChoice{ID: v.ID, Name: v.Name, PersonID: v.PersonID})
		}
	}
	return out, nil
}

// reportFigures: the reports (报表) fill themselves from the indicators'
// figures (goals), summed over the months of their period.
type reportFigures struct{ g *goals.Service }

func (f reportFigures) Indicators(ctx context.Context, p *auth.Principal, orgID int64) ([]reports.Indicator, error) {
	defs, err := f.g.DefsOf(ctx, p, orgID)
	if err != nil {
		return nil, err
	}
	out := make([]reports.Indicator, 0, len(defs))
	for _, d := range defs {
		out = append(out, reports.Indicator{Code: d.Code, Name: d.Title(), Unit: d.Unit, Ratio: d.Ratio()})
	}
	return out, nil
}

func (f reportFigures) Values(ctx context.Context, p *auth.Principal, orgID int64, year int, months []int) (map[string]reports.Figure, error) {
	defs, vals, err := f.g.PeriodValues(ctx, p, orgID, year, months)
	if err != nil {
		return nil, err
	}
	out := map[string]reports.Figure{}
	for _, d := range defs {
		v := vals[d.Code]
		out[d.Code] = reports.Figure{Num: v.Num, Den: v.Den, Has: v.Has, Ratio: d.Ratio()}
	}
	return out, nil
}

// campaignActivities, campaignCases and campaignVisits offer records as a
// campaign's evidence ("the evidence is the work itself"), each read through
// its own module within the linking user's scope.
type campaignActivities struct{ a *activities.Service }

func (t campaignActivities) Resolve(ctx context.Context, p *auth.Principal, id int64) (campaigns.LinkRef, error) {
	ac, err := t.a.Get(ctx, p, id)
	if err != nil {
		return campaigns.LinkRef{}, err
	}
	return campaigns.LinkRef{Title: ac.Title, Href: "/activities/" + itoa(ac.ID), CommunityID: ac.CommunityID}, nil
}

type campaignCases struct{ c *cases.Service }

func (t campaignCases) Resolve(ctx context.Context, p *auth.Principal, id int64) (campaigns.LinkRef, error) {
	c, err := t.c.Get(ctx, p, id)
	if err != nil {
		return campaigns.LinkRef{}, err
	}
	return campaigns.LinkRef{Title: c.Title, Href: "/cases/" + itoa(c.ID), CommunityID: c.CommunityID}, nil
}

type campaignVisits struct{ f *followups.Service }

func (t campaignVisits) Resolve(ctx context.Context, p *auth.Principal, id int64) (campaigns.LinkRef, error) {
	rec, err := t.f.GetRecord(ctx, p, id)
	if err != nil {
		return campaigns.LinkRef{}, err
	}
	return campaigns.LinkRef{Title: rec.HappenedOn + " " + i18n.T("followups.kind."+rec.Kind), Href: "/followups/records/" + itoa(rec.ID),
		CommunityID: rec.CommunityID}, nil
}

// workplanBoard: the year-end summary (workplans) quotes the indicators
// board's figures of the same unit and year, each as the board shows it and
// linked to the board that computes it.
type workplanBoard struct{ g *goals.Service }

func (b workplanBoard) Figures(ctx context.Context, p *auth.Principal, orgID int64, year int) ([]workplans.Figure, error) {
	bd, err := b.g.Board(ctx, p, orgID, year)
	if err != nil {
		return nil, err
	}
	href := fmt.Sprintf("/goals?org=%d&year=%d", bd.Unit.ID, year)
	out := make([]workplans.Figure, 0, len(bd.Rows))
	for _, r := range bd.Rows {
		f := workplans.Figure{Code: r.Code, Name: r.Title(), Unit: r.Unit, Text: r.ActualText(), Percent: r.Ratio(), Has: r.HasActual, Href: href}
		if r.Target != nil || r.Direction == goals.Zero {
			f.Target = r.TargetText()
		}
		out = append(out, f)
	}
	return out, nil
}
