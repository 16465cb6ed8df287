package registry

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"sync"
	"time"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/identity"
	"linli/internal/locale"
	"linli/internal/org"
	"linli/internal/places"
	"linli/internal/privacy"
)

// Service is the registry.
type Service struct {
	DB     *db.DB
	Audit  *audit.Log
	Keys   *privacy.Keys
	Org    *org.Service
	Places *places.Service
	// Related lets other modules (cases, visits) list what they hold about a
	// household's members on the household file page.
	Related []RelatedProvider

	tagMu  sync.Mutex
	tags   []*Tag
	tagsAt time.Time
	today  func() time.Time
	counts countCache
}

// RelatedProvider lists another module's items about some people and a household.
type RelatedProvider func(ctx context.Context, p *auth.Principal, householdID int64, personIDs []int64) (RelatedSection, error)

// RelatedSection is one module's panel on the household file page.
type RelatedSection struct {
	Title string
	Items []RelatedItem
	More  string // link to the full list, if any
}

// RelatedItem is one line of such a panel.
type RelatedItem struct {
	Title, Status, Date, Href string
}

// Person is a registry person as a user sees it: sensitive values masked.
type Person struct {
	ID, CommunityID, GridID, HouseholdID, DwellingID int64

	Name, NamePinyin, Sex, BirthDate, IDType, IDMask, PhoneMask string
	Relation, Ethnicity, Political, Education, Marital          string
	Employer, HukouAddress, ResidenceType, Status, Remark       string
	Extra                                                       map[string]string // not read for lists (ListPeople)
	HouseholdNumber                                             string
	HeadID                                                      int64
	Address                                                     string // dwelling address within the community
	Tags                                                        []*Tag // only those the viewer may see
	CreatedAt, UpdatedAt                                        int64
	// Access is what the viewer may do with the person, decided by the service
	// that read them (zero in lists, which are only read).
	Access auth.Access
}

// Age is the age in full years today (0 when the birth date is unknown).
func (p *Person) Age(now time.Time) int {
	if len(p.BirthDate) != 10 {
		return 0
	}
	id := identity.ID{BirthDate: p.BirthDate}
	return id.Age(now)
}

// IsHead reports whether the person heads their household.
func (p *Person) IsHead() bool { return p.HouseholdID != 0 && p.HeadID == p.ID }

// now is the clock for ages and default dates (tests may fix it).
func (s *Service) now() time.Time {
	if s.today != nil {
		return s.today()
	}
	return time.Now()
}

func (s *Service) todayISO() string { return s.now().In(shanghai).Format("2006-01-02") }

// shanghai is the users' time zone.
var shanghai = locale.Zone

// ---- tags ----

// Tag is a group residents belong to.
type Tag struct {
	ID          int64
	Code, Name  string
	Sensitivity int
	Roles       []string
	Lines       []string
	Sort        int
	Active      bool
}

// VisibleTo reports whether p may see that anyone carries this tag. Ordinary
// tags are seen by everyone who reads the registry; sensitive ones only by the
// roles and lines of work named on the tag.
func (t *Tag) VisibleTo(p *auth.Principal) bool {
	if p == nil {
		return false
	}
	if p.IsSystem || t.Sensitivity == 0 {
		return true
	}
	for _, r := range t.Roles {
		if p.Has(auth.Role(r)) {
			return true
		}
	}
	for _, l := range t.Lines {
		if p.HasLine(l) {
			return true
		}
	}
	return false
}

const tagTTL = 5 * time.Second

// allTags returns every tag, cached briefly (several instances pick up changes
// within the TTL; writes here drop the cache at once).
func (s *Service) allTags(ctx context.Context) ([]*Tag, error) {
	s.tagMu.Lock()
	defer s.tagMu.Unlock()
	if s.tags != nil && time.Since(s.tagsAt) < tagTTL {
		return s.tags, nil
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT id, code, name, sensitivity, roles, lines, sort, active FROM reg_tag ORDER BY sort, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Tag
	for rows.Next() {
		t := &Tag{}
		var roles, lines string
		if err := rows.Scan(&t.ID, &t.Code, &t.Name, &t.Sensitivity, &roles, &lines, &t.Sort, &t.Active); err != nil {
			return nil, err
		}
		t.Roles, t.Lines = splitList(roles), splitList(lines)
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	s.tags, s.tagsAt = out, time.Now()
	return out, nil
}

func (s *Service) dropTagCache() {
	s.tagMu.Lock()
	s.tags = nil
	s.tagMu.Unlock()
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// TagByID returns a tag's definition (not who carries it), for modules whose
// rules name a tag and decide with Tag.VisibleTo who may see their rows.
func (s *Service) TagByID(ctx context.Context, id int64) (*Tag, bool) {
	all, err := s.allTags(ctx)
	if err != nil {
		return nil, false
	}
	for _, t := range all {
		if t.ID == id {
			return t, true
		}
	}
	return nil, false
}

// VisibleTags are the tags p may see, in display order.
func (s *Service) VisibleTags(ctx context.Context, p *auth.Principal) ([]*Tag, error) {
	all, err := s.allTags(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Tag
	for _, t := range all {
		if t.VisibleTo(p) {
			out = append(out, t)
		}
	}
	return out, nil
}

// visibleTag finds a tag by code (or name) that p may see. A tag p may not see
// is reported exactly like one that does not exist.
func (s *Service) visibleTag(ctx context.Context, p *auth.Principal, key string) (*Tag, error) {
	all, err := s.allTags(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range all {
		if (t.Code == key || t.Name == key) && t.VisibleTo(p) {
			return t, nil
		}
	}
	return nil, i18n.NewError("not_found", "registry.tag_unknown", "tag", key)
}

// ---- reading people ----

const personColumns = `p.id, p.community_id, COALESCE(p.grid_id, 0), COALESCE(p.household_id, 0), COALESCE(p.dwelling_id, 0),
	p.name, p.name_pinyin, p.sex, p.birth_date, p.id_type, p.id_mask, p.phone_mask, p.relation, p.ethnicity, p.political, p.education, p.marital,
	p.employer, p.hukou_address, p.residence_type, p.status, p.remark, p.created_at, p.updated_at,
	COALESCE(h.number, ''), COALESCE(h.head_person_id, 0)`

const personFrom = `
	FROM reg_person p
	LEFT JOIN reg_household h ON h.community_id = p.community_id AND h.id = p.household_id`

// personSelect reads people whole, with their addresses, for scanPerson.
const personSelect = `SELECT ` + personColumns + `, p.extra,
	COALESCE(e.name, ''), COALESCE(b.name, ''), COALESCE(en.name, ''), COALESCE(d.room, '')` + personFrom + `
	LEFT JOIN dwelling d ON d.community_id = p.community_id AND d.id = p.dwelling_id
	LEFT JOIN building b ON b.community_id = d.community_id AND b.id = d.building_id
	LEFT JOIN estate e ON e.community_id = b.community_id AND e.id = b.estate_id
	LEFT JOIN entrance en ON en.community_id = d.community_id AND en.id = d.entrance_id`

// personListSelect reads people for lists, for scanPersonColumns: without the
// extra attributes (no list shows them; decoding them was a tenth of a list
// page) and without addresses, which come from places.DwellingAddresses; each
// row carries the revision of places that call needs, which saves a round trip.
// (Tags are not folded in likewise: a correlated subquery per row cost
// PostgreSQL more than the separate query of attachTags.)
const personListSelect = `SELECT ` + personColumns + `, ` + places.RevisionColumn + personFrom

// personBriefSelect reads what the resident list page shows, for
// scanBriefPerson: half the columns, and half the work of reading them.
const personBriefSelect = `SELECT p.id, p.community_id, COALESCE(p.household_id, 0), COALESCE(p.dwelling_id, 0), p.name, p.sex, p.birth_date,
	p.id_mask, p.phone_mask, p.relation, p.residence_type, p.status, COALESCE(h.number, ''), ` + places.RevisionColumn + personFrom

func scanBriefPerson(sc interface{ Scan(...any) error }, more ...any) (*Person, error) {
	p := &Person{}
	err := sc.Scan(append([]any{&p.ID, &p.CommunityID, &p.HouseholdID, &p.DwellingID, &p.Name, &p.Sex, &p.BirthDate,
		&p.IDMask, &p.PhoneMask, &p.Relation, &p.ResidenceType, &p.Status, &p.HouseholdNumber}, more...)...)
	if err != nil {
		return nil, err
	}
	return p, nil
}

func scanPerson(sc interface{ Scan(...any) error }) (*Person, error) {
	var extra, est, bld, ent, room string
	p, err := scanPersonColumns(sc, &extra, &est, &bld, &ent, &room)
	if err != nil {
		return nil, err
	}
	if extra != "" {
		_ = json.Unmarshal([]byte(extra), &p.Extra)
	}
	p.Address = places.JoinAddress(est, bld, ent, room)
	return p, nil
}

func scanPersonColumns(sc interface{ Scan(...any) error }, more ...any) (*Person, error) {
	p := &Person{}
	err := sc.Scan(append([]any{&p.ID, &p.CommunityID, &p.GridID, &p.HouseholdID, &p.DwellingID,
		&p.Name, &p.NamePinyin, &p.Sex, &p.BirthDate, &p.IDType, &p.IDMask, &p.PhoneMask, &p.Relation, &p.Ethnicity, &p.Political, &p.Education, &p.Marital,
		&p.Employer, &p.HukouAddress, &p.ResidenceType, &p.Status, &p.Remark, &p.CreatedAt, &p.UpdatedAt,
		&p.HouseholdNumber, &p.HeadID}, more...)...)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// attachAddresses fills the address of listed people from the places cache;
// placeRev is the revision of places their rows were read at.
func (s *Service) attachAddresses(ctx context.Context, q db.Queryer, placeRev int64, people []*Person) error {
	ids := make([]int64, 0, len(people))
	var communities []int64
	seen := map[int64]bool{}
	for _, p := range people {
		if p.DwellingID != 0 {
			ids = append(ids, p.DwellingID)
			if !seen[p.CommunityID] {
				seen[p.CommunityID] = true
				communities = append(communities, p.CommunityID)
			}
		}
	}
	addr, err := s.Places.DwellingAddresses(ctx, q, placeRev, communities, ids)
	if err != nil {
		return err
	}
	for _, p := range people {
		p.Address = addr[p.DwellingID]
	}
	return nil
}

// access is what pr may do with a registry row of community and grid: write it
// with PermWrite and see its full documents with PermReveal, both in scope.
func access(pr *auth.Principal, community, grid int64) auth.Access {
	return pr.AccessTo(PermWrite, PermReveal, community, grid)
}

// AccessAt is what pr may do with the registry's rows at a place: a building
// page offers to add people there when Write; at a community without a grid
// (grid 0) Write needs the whole community, as place does for a person
// without a dwelling.
func (s *Service) AccessAt(pr *auth.Principal, community, grid int64) auth.Access {
	return access(pr, community, grid)
}

// GetPerson returns a person in p's scope, with what p may do with them.
func (s *Service) GetPerson(ctx context.Context, pr *auth.Principal, id int64) (*Person, error) {
	if err := pr.Require(PermRead); err != nil {
		return nil, err
	}
	return s.getPerson(ctx, s.DB.Reader(), pr, id)
}

func (s *Service) getPerson(ctx context.Context, q db.Queryer, pr *auth.Principal, id int64) (*Person, error) {
	sc, args := pr.Scope.SQL(q.Dialect(), "p.community_id", "p.grid_id")
	person, err := scanPerson(q.QueryRowContext(ctx, personSelect+` WHERE p.id = ? AND `+sc, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, auth.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if err := s.attachTags(ctx, q, pr, []*Person{person}); err != nil {
		return nil, err
	}
	person.Access = access(pr, person.CommunityID, person.GridID)
	return person, nil
}

// attachTags fills each person's tags with those the viewer may see.
func (s *Service) attachTags(ctx context.Context, q db.Queryer, pr *auth.Principal, people []*Person) error {
	if len(people) == 0 {
		return nil
	}
	visible, err := s.VisibleTags(ctx, pr)
	if err != nil {
		return err
	}
	return s.attachVisibleTags(ctx, q, visible, people)
}

// attachVisibleTags is attachTags with the viewer's tags already read (inside
// a unit of db.Read, which must not reach for a second connection).
func (s *Service) attachVisibleTags(ctx context.Context, q db.Queryer, visible []*Tag, people []*Person) error {
	byID := map[int64]*Tag{}
	for _, t := range visible {
		byID[t.ID] = t
	}
	idx := map[int64]*Person{}
	ids := make([]int64, 0, len(people))
	var comms []int64
	seen := map[int64]bool{}
	for _, p := range people {
		idx[p.ID] = p
		ids = append(ids, p.ID)
		if !seen[p.CommunityID] {
			seen[p.CommunityID] = true
			comms = append(comms, p.CommunityID)
		}
	}
	// The tags' key starts with the community: the people's communities
	// (one, mostly) lead to their rows, on one node on Citus.
	in, args := s.DB.IDsIn("person_id", ids)
	cin, cargs := s.DB.IDsIn("community_id", comms)
	rows, err := q.QueryContext(ctx, `SELECT person_id, tag_id FROM reg_person_tag WHERE `+cin+` AND `+in, append(cargs, args...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var pid, tid int64
		if err := rows.Scan(&pid, &tid); err != nil {
			return err
		}
		if t, ok := byID[tid]; ok {
			idx[pid].Tags = append(idx[pid].Tags, t)
		}
	}
	for _, p := range people {
		sort.Slice(p.Tags, func(i, j int) bool { return p.Tags[i].Sort < p.Tags[j].Sort })
	}
	return rows.Err()
}

// Reveal shows the full ID number and phone of a person to someone allowed to
// see them, and records that they did.
func (s *Service) Reveal(ctx context.Context, pr *auth.Principal, id int64, reason string) (idNumber, phone string, err error) {
	if err := pr.Require(PermReveal); err != nil {
		return "", "", err
	}
	var comm, grid int64
	var idEnc, phoneEnc []byte
	sc, args := s.scope(pr, "p.community_id", "p.grid_id")
	err = s.DB.QueryRowContext(ctx, `SELECT community_id, COALESCE(grid_id, 0), id_enc, phone_enc FROM reg_person p WHERE id = ? AND `+sc, append([]any{id}, args...)...).
		Scan(&comm, &grid, &idEnc, &phoneEnc)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", auth.ErrNotFound
	}
	if err != nil {
		return "", "", err
	}
	if idNumber, err = s.Keys.Open(idEnc, "reg_person.id_number"); err != nil {
		return "", "", err
	}
	if phone, err = s.Keys.Open(phoneEnc, "reg_person.phone"); err != nil {
		return "", "", err
	}
	err = s.Audit.RecordAlone(ctx, s.DB, audit.Event(pr, "person.reveal", "person", id, comm, audit.Success).
		WithDetail(map[string]string{"fields": "id_number,phone", "reason": truncate(reason, 200)}))
	return idNumber, phone, err
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}
