package cases

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strings"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/places"
)

// Ref is something a case is linked to, as the user asking may see it.
type Ref struct {
	ID          int64
	Label       string // already masked by the module that owns it
	CommunityID int64
	GridID      int64
	Href        string
}

// LinkResolver lets a module offer its objects as link targets: people and
// households (the registry), dwellings (places). Both methods apply the
// asking user's scope and return auth.ErrNotFound for what they may not see.
type LinkResolver interface {
	Resolve(ctx context.Context, p *auth.Principal, id int64) (Ref, error)
	Search(ctx context.Context, p *auth.Principal, q string, limit int) ([]Ref, error)
}

// Link kinds Linli knows; other modules register theirs under these names.
const (
	LinkDwelling  = "dwelling"
	LinkPerson    = "person"
	LinkHousehold = "household"
	LinkPatrol    = "patrol" // a grid worker's patrol the case was found on (patrols)
)

var _ = i18n.Family("cases.link.", LinkDwelling, LinkPerson, LinkHousehold, LinkPatrol)

// RegisterLinkKind adds (or replaces) a kind of link target.
func (s *Service) RegisterLinkKind(kind string, r LinkResolver) {
	s.linkMu.Lock()
	defer s.linkMu.Unlock()
	if s.links == nil {
		s.links = map[string]LinkResolver{}
	}
	if _, ok := s.links[kind]; !ok {
		s.order = append(s.order, kind)
	}
	s.links[kind] = r
}

func (s *Service) resolver(kind string) (LinkResolver, bool) {
	s.linkMu.RLock()
	defer s.linkMu.RUnlock()
	r, ok := s.links[kind]
	return r, ok
}

// LinkKinds lists the registered kinds, people first.
func (s *Service) LinkKinds() []string {
	s.linkMu.RLock()
	defer s.linkMu.RUnlock()
	out := append([]string(nil), s.order...)
	rank := map[string]int{LinkPerson: 0, LinkHousehold: 1, LinkDwelling: 2}
	sort.SliceStable(out, func(i, j int) bool {
		ri, ok := rank[out[i]]
		if !ok {
			ri = 9
		}
		rj, ok := rank[out[j]]
		if !ok {
			rj = 9
		}
		return ri < rj
	})
	return out
}

// mayWork checks that p may change c's record (links, parties, sessions,
// documents): a worker in scope who works its type at its level, or its assignee.
func mayWork(p *auth.Principal, c *Case) error {
	if !p.Can(PermWork) {
		return auth.ErrForbidden
	}
	// c came from Get, whose visibility for a worker is the scope: it is in
	// scope. Its type is checked again against the lines (as decorated).
	if c.Type != nil && !SeesType(p, c.Type) {
		return auth.ErrNotFound
	}
	if workRank(p) < levelRank[c.Level] && (p.UserID == 0 || c.AssigneeID != p.UserID) {
		return auth.ErrForbidden
	}
	return nil
}

// LinkView is a link on the case page.
type LinkView struct {
	ID    int64
	Kind  string
	RefID int64
	Label string
	Href  string
}

// KindName is the link kind's label.
func (l LinkView) KindName() string { return i18n.T("cases.link." + l.Kind) }

// Links lists a case's links, labels refreshed where the user may see the target.
func (s *Service) Links(ctx context.Context, p *auth.Principal, caseID int64) ([]LinkView, error) {
	c, err := s.Get(ctx, p, caseID)
	if err != nil {
		return nil, err
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT id, kind, ref_id, label FROM case_link WHERE community_id = ? AND case_id = ? ORDER BY id`, c.CommunityID, c.ID)
	if err != nil {
		return nil, err
	}
	var out []LinkView
	for rows.Next() {
		var l LinkView
		if err := rows.Scan(&l.ID, &l.Kind, &l.RefID, &l.Label); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if r, ok := s.resolver(out[i].Kind); ok {
			if ref, err := r.Resolve(ctx, p, out[i].RefID); err == nil {
				out[i].Label, out[i].Href = ref.Label, ref.Href
			}
		}
	}
	return out, nil
}

// SearchLinks finds targets of kind for the link picker.
func (s *Service) SearchLinks(ctx context.Context, p *auth.Principal, kind, q string) ([]Ref, error) {
	r, ok := s.resolver(kind)
	if !ok {
		return nil, auth.ErrNotFound
	}
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, nil
	}
	refs, err := r.Search(ctx, p, q, 20)
	if errors.Is(err, auth.ErrForbidden) {
		return nil, nil
	}
	return refs, err
}

// AddLink links a case to a registry person, household or dwelling.
func (s *Service) AddLink(ctx context.Context, p *auth.Principal, caseID int64, kind string, refID int64) error {
	c, err := s.Get(ctx, p, caseID)
	if err != nil {
		return err
	}
	if err := mayWork(p, c); err != nil {
		return err
	}
	r, ok := s.resolver(kind)
	errs := &i18n.Errors{}
	if !ok {
		errs.Add("kind", "err.choice", "field", i18n.T("cases.link_kind"))
		return errs
	}
	ref, err := r.Resolve(ctx, p, refID)
	if err != nil {
		errs.Add("ref_id", "cases.link_target")
		return errs
	}
	now := db.Now()
	return s.inTx(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO case_link (case_id, community_id, kind, ref_id, label, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			c.ID, c.CommunityID, kind, refID, ref.Label, now, nullInt(p.UserID))
		if db.IsUniqueViolation(err) {
			return conflict("cases.link_exists")
		}
		if err != nil {
			return err
		}
		if _, err := insertEvent(ctx, tx, event{caseID: c.ID, community: c.CommunityID, at: now, actor: p, kind: "link",
			data: map[string]any{"kind": kind, "ref_id": refID, "label": i18n.T("cases.link."+kind) + " " + ref.Label}}); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "case.link", "case", c.ID, c.CommunityID, audit.Success).WithDetail(map[string]any{"kind": kind, "ref_id": refID}))
	})
}

// RemoveLink removes one link of a case.
func (s *Service) RemoveLink(ctx context.Context, p *auth.Principal, caseID, linkID int64) error {
	c, err := s.Get(ctx, p, caseID)
	if err != nil {
		return err
	}
	if err := mayWork(p, c); err != nil {
		return err
	}
	var kind, label string
	var ref int64
	err = s.DB.QueryRowContext(ctx, `SELECT kind, ref_id, label FROM case_link WHERE community_id = ? AND id = ? AND case_id = ?`, c.CommunityID, linkID, c.ID).Scan(&kind, &ref, &label)
	if errors.Is(err, sql.ErrNoRows) {
		return auth.ErrNotFound
	}
	if err != nil {
		return err
	}
	now := db.Now()
	return s.inTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM case_link WHERE community_id = ? AND id = ? AND case_id = ?`, c.CommunityID, linkID, c.ID); err != nil {
			return err
		}
		if _, err := insertEvent(ctx, tx, event{caseID: c.ID, community: c.CommunityID, at: now, actor: p, kind: "unlink",
			data: map[string]any{"kind": kind, "ref_id": ref, "label": i18n.T("cases.link."+kind) + " " + label}}); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "case.unlink", "case", c.ID, c.CommunityID, audit.Success).WithDetail(map[string]any{"kind": kind, "ref_id": ref}))
	})
}

// Summary is a case in another module's page (the household file).
type Summary struct {
	ID        int64
	Number    string
	Type      string
	Title     string
	Status    string
	Open      bool
	DueAt     int64
	Overdue   bool
	CreatedAt int64
	Href      string
}

// RelatedTo lists the cases p may see that are linked to any of ids of kind
// (for people also those where they are a party), newest first.
func (s *Service) RelatedTo(ctx context.Context, p *auth.Principal, kind string, ids []int64) ([]Summary, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	if !p.Can(PermRead) {
		return nil, nil
	}
	vis, visArgs, err := s.visibility(ctx, p)
	if err != nil {
		return nil, err
	}
	// A case's rows are keyed by (community_id, case_id): the cases are
	// picked by that key. The links and parties are read only in the
	// communities p reaches (the cases visibility lets through lie there): on
	// Citus, the nodes holding them, not every node.
	linkScope, partyScope, scopeArgs := "", "", []any(nil)
	if comms, ok := scopeCommunities(p.Scope); ok {
		linkScope, scopeArgs = s.DB.Dialect().IDSet("l.community_id", comms)
		partyScope = strings.Replace(linkScope, "l.community_id", "pt.community_id", 1) + " AND "
		linkScope += " AND "
	}
	refIn, refArgs := s.DB.IDsIn("l.ref_id", ids)
	cond := `(c.community_id, c.id) IN (SELECT l.community_id, l.case_id FROM case_link l WHERE ` + linkScope + `l.kind = ? AND ` + refIn + `)`
	args := append(append(append([]any{}, scopeArgs...), kind), refArgs...)
	if kind == LinkPerson {
		partyIn, partyArgs := s.DB.IDsIn("pt.person_id", ids)
		cond = `(` + cond + ` OR (c.community_id, c.id) IN (SELECT pt.community_id, pt.case_id FROM case_party pt WHERE ` + partyScope + partyIn + `))`
		args = append(append(args, scopeArgs...), partyArgs...)
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT `+caseCols+` FROM cases c WHERE `+cond+` AND `+vis+` ORDER BY c.created_at DESC, c.id DESC LIMIT 100`, append(args, visArgs...)...)
	if err != nil {
		return nil, err
	}
	var list []*Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		list = append(list, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := s.decorate(ctx, list); err != nil {
		return nil, err
	}
	out := make([]Summary, 0, len(list))
	for _, c := range list {
		out = append(out, Summary{ID: c.ID, Number: c.Number(), Type: c.TypeName(), Title: c.Title, Status: c.StageName(), Open: c.Open(),
			DueAt: c.DueAt, Overdue: c.Overdue(), CreatedAt: c.CreatedAt, Href: "/cases/" + itoa(c.ID)})
	}
	return out, nil
}

// scopeCommunities are the communities sc reaches, wholly or through some of
// their grids, and whether they are known (not for the whole deployment, nor
// for grids whose communities the scope was not told).
func scopeCommunities(sc auth.Scope) ([]int64, bool) {
	if sc.All || (len(sc.Grids) > 0 && len(sc.GridCommunities) == 0) {
		return nil, false
	}
	return append(append([]int64{}, sc.Communities...), sc.GridCommunities...), true
}

// ---- dwellings (places) ----

// dwellingResolver offers places' dwellings as link targets.
type dwellingResolver struct{ s *Service }

// DwellingResolver returns the resolver for dwellings.
func (s *Service) DwellingResolver() LinkResolver { return dwellingResolver{s} }

func (r dwellingResolver) Resolve(ctx context.Context, p *auth.Principal, id int64) (Ref, error) {
	d, err := r.s.Places.GetDwelling(ctx, p, id)
	if err != nil {
		return Ref{}, err
	}
	return Ref{ID: d.ID, Label: d.Address(), CommunityID: d.CommunityID, GridID: d.GridID, Href: "/places/dwellings/" + itoa(d.ID)}, nil
}

// Search matches every word of q against the estate, building, entrance or
// room ("翠苑一区 3幢 301"). places has no dwelling search of its own; this
// reads its tables with the same scope condition places uses.
func (r dwellingResolver) Search(ctx context.Context, p *auth.Principal, q string, limit int) ([]Ref, error) {
	if err := p.Require(places.PermRead); err != nil {
		return nil, err
	}
	sc, args := p.Scope.SQL(r.s.DB.Dialect(), "d.community_id", "d.grid_id")
	where := []string{sc}
	for _, w := range strings.Fields(q) {
		if len(where) > 6 {
			break
		}
		where = append(where, `(COALESCE(e.name, '') LIKE ? ESCAPE '\' OR b.name LIKE ? ESCAPE '\' OR COALESCE(en.name, '') LIKE ? ESCAPE '\' OR d.room LIKE ? ESCAPE '\')`)
		pat := db.Contains(w)
		args = append(args, pat, pat, pat, pat)
	}
	rows, err := r.s.DB.QueryContext(ctx, `SELECT d.id, d.community_id, COALESCE(d.grid_id, 0), COALESCE(e.name, ''), b.name, COALESCE(en.name, ''), d.room
		FROM dwelling d JOIN building b ON b.community_id = d.community_id AND b.id = d.building_id
		LEFT JOIN estate e ON e.community_id = b.community_id AND e.id = b.estate_id
		LEFT JOIN entrance en ON en.community_id = d.community_id AND en.id = d.entrance_id
		WHERE `+strings.Join(where, " AND ")+` ORDER BY b.sort_key, d.sort_key LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Ref
	for rows.Next() {
		var ref Ref
		var est, bld, ent, room string
		if err := rows.Scan(&ref.ID, &ref.CommunityID, &ref.GridID, &est, &bld, &ent, &room); err != nil {
			return nil, err
		}
		d := places.Dwelling{EstateName: est, BuildingName: bld, EntranceName: ent, Room: room}
		ref.Label = d.Address()
		ref.Href = "/places/dwellings/" + itoa(ref.ID)
		out = append(out, ref)
	}
	return out, rows.Err()
}

// ---- parties (disputes) ----

// Party roles.
var PartyRoles = []string{"applicant", "respondent", "party"}

var _ = i18n.Family("cases.party_role.", PartyRoles...)

// Party is one party of a dispute.
type Party struct {
	ID        int64
	Role      string
	PersonID  int64
	Name      string
	PhoneMask string
	Address   string
	Remark    string
	Href      string
}

// RoleName is the party role's label.
func (pt Party) RoleName() string { return i18n.T("cases.party_role." + pt.Role) }

// PartyInput adds a party: a registry person (PersonID) or an outsider by name.
type PartyInput struct {
	Role     string
	PersonID int64
	Name     string
	Phone    string
	Address  string
	Remark   string
}

const partyPhoneAAD = "cases.party_phone"

// Parties lists a dispute's parties.
func (s *Service) Parties(ctx context.Context, p *auth.Principal, caseID int64) ([]Party, error) {
	c, err := s.Get(ctx, p, caseID)
	if err != nil {
		return nil, err
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT id, role, COALESCE(person_id, 0), name, phone_mask, address, remark FROM case_party WHERE community_id = ? AND case_id = ? ORDER BY id`, c.CommunityID, c.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Party
	for rows.Next() {
		var pt Party
		if err := rows.Scan(&pt.ID, &pt.Role, &pt.PersonID, &pt.Name, &pt.PhoneMask, &pt.Address, &pt.Remark); err != nil {
			return nil, err
		}
		out = append(out, pt)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if r, ok := s.resolver(LinkPerson); ok {
		for i := range out {
			if out[i].PersonID != 0 {
				if ref, err := r.Resolve(ctx, p, out[i].PersonID); err == nil {
					out[i].Href = ref.Href
				}
			}
		}
	}
	return out, nil
}

// AddParty adds a party to a dispute.
func (s *Service) AddParty(ctx context.Context, p *auth.Principal, caseID int64, in PartyInput) error {
	c, err := s.Get(ctx, p, caseID)
	if err != nil {
		return err
	}
	if err := mayWork(p, c); err != nil {
		return err
	}
	if c.Type == nil || !c.Type.Parties {
		return conflict("cases.no_parties")
	}
	in.Name, in.Address, in.Remark = strings.TrimSpace(in.Name), strings.TrimSpace(in.Address), strings.TrimSpace(in.Remark)
	errs := &i18n.Errors{}
	if !contains(PartyRoles, in.Role) {
		errs.Add("role", "err.choice", "field", i18n.T("cases.party_role"))
	}
	if in.PersonID != 0 {
		r, ok := s.resolver(LinkPerson)
		if !ok {
			errs.Add("person_id", "cases.link_target")
		} else if ref, err := r.Resolve(ctx, p, in.PersonID); err != nil {
			errs.Add("person_id", "cases.link_target")
		} else {
			in.Name = ref.Label
		}
	} else if errs.Required("name", i18n.T("cases.party_name"), in.Name) {
		errs.MaxLen("name", i18n.T("cases.party_name"), in.Name, 50)
	}
	errs.MaxLen("address", i18n.T("cases.party_address"), in.Address, 200)
	errs.MaxLen("remark", i18n.T("common.remark"), in.Remark, 500)
	phone, ok := validPhone(in.Phone)
	if !ok {
		errs.Add("phone", "err.invalid", "field", i18n.T("cases.party_phone"))
	}
	if errs.Any() {
		return errs
	}
	sealed, mask := s.sealPhone(phone, partyPhoneAAD)
	now := db.Now()
	return s.inTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_party (case_id, community_id, role, person_id, name, phone, phone_mask, address, remark, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, c.CommunityID, in.Role, nullInt(in.PersonID), in.Name, sealed, mask, in.Address, in.Remark, now); err != nil {
			return err
		}
		if _, err := insertEvent(ctx, tx, event{caseID: c.ID, community: c.CommunityID, at: now, actor: p, kind: "party",
			data: map[string]any{"label": i18n.T("cases.party_role."+in.Role) + " " + in.Name}}); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "case.party_add", "case", c.ID, c.CommunityID, audit.Success).WithDetail(map[string]any{"role": in.Role, "person_id": in.PersonID}))
	})
}

// RemoveParty removes a party from a dispute.
func (s *Service) RemoveParty(ctx context.Context, p *auth.Principal, caseID, partyID int64) error {
	c, err := s.Get(ctx, p, caseID)
	if err != nil {
		return err
	}
	if err := mayWork(p, c); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM case_party WHERE community_id = ? AND id = ? AND case_id = ?`, c.CommunityID, partyID, c.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return auth.ErrNotFound
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "case.party_remove", "case", c.ID, c.CommunityID, audit.Success).WithDetail(map[string]any{"party_id": partyID}))
	})
}
