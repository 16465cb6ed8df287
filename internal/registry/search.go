package registry

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/identity"
	"linli/internal/importexport"
	"linli/internal/org"
)

// Filter selects people for lists, search, counts and exports.
type Filter struct {
	Q             string
	OrgID         int64 // any org unit: street, community or grid
	GridID        int64
	EstateID      int64
	BuildingID    int64
	DwellingID    int64
	HouseholdID   int64
	Tag           string // code or name of a tag the viewer may see
	AgeMin        int    // -1 = no bound
	AgeMax        int    // -1 = no bound
	Sex           string
	ResidenceType string
	HeadOnly      bool
	Status        string // "" = active, "all", or a status
	Sort          string // "name" (default), "age", "-age", "recent"
	Limit, Offset int
	// Brief: read only what the resident list page shows (see peopleRows);
	// the other fields stay empty.
	Brief bool
}

// NewFilter returns a filter with no age bounds.
func NewFilter() Filter { return Filter{AgeMin: -1, AgeMax: -1} }

// query is a filter turned into SQL.
type query struct {
	where []string
	args  []any
	// empty means the filter cannot match anything (e.g. an unknown ID number),
	// answered without asking the database.
	empty bool
	// searched: the search box was used; such counts are one-off, not cached.
	searched bool
	// byInitials: a word of the search can only be initials ("wj"): listed
	// in name order, its matches come closest first (see ListPeople).
	byInitials bool
}

func (q *query) add(cond string, args ...any) {
	q.where = append(q.where, cond)
	q.args = append(q.args, args...)
}

func (q *query) sql() string { return strings.Join(q.where, " AND ") }

// scope is pr's scope on the table whose columns are communityCol and gridCol.
func (s *Service) scope(pr *auth.Principal, communityCol, gridCol string) (string, []any) {
	return pr.Scope.SQL(s.DB.Dialect(), communityCol, gridCol)
}

// maxRune closes a prefix range: every string that starts with p is < p+maxRune.
const maxRune = "\U0010FFFF"

var (
	digitsRe   = regexp.MustCompile(`^(?:[0-9]{4,18}|[0-9]{3,17}[Xx])$`)
	roomOnlyRe = regexp.MustCompile(`^\d{2,5}$`)
	pinyinRe   = regexp.MustCompile(`^[a-zA-Z]{1,40}$`)
	buildingRe = regexp.MustCompile(`^(\d+)(幢|栋|号楼|座|号)$`)
	entranceRe = regexp.MustCompile(`^(\d+)单元$`)
	// "3幢201", "3幢2单元201", "12号楼1单元502室": split into parts.
	addressRe = regexp.MustCompile(`(\d+(?:幢|栋|号楼|座))|(\d+单元)|(\d{2,5}室?)`)
)

// build turns f into conditions on reg_person p, always inside pr's scope.
func (s *Service) build(ctx context.Context, pr *auth.Principal, f Filter) (*query, error) {
	q := &query{}
	if !s.filterWithinScope(ctx, pr, f) {
		sc, args := s.scope(pr, "p.community_id", "p.grid_id")
		q.add(sc, args...)
	}
	switch f.Status {
	case "":
		q.add("p.status = 'active'")
	case "all":
	case StatusActive, StatusMovedOut, StatusDeceased:
		q.add("p.status = ?", f.Status)
	default:
		return nil, i18n.NewError("bad_request", "err.choice", "field", i18n.T("registry.status"))
	}
	if f.OrgID != 0 {
		u, ok := s.Org.Lookup(ctx, f.OrgID)
		if !ok || !pr.Scope.SeesOrgPath(u.Path) {
			return nil, auth.ErrNotFound
		}
		switch u.Level {
		case org.Grid:
			q.add("p.community_id = "+db.OpaqueInt+" AND p.grid_id = "+db.OpaqueInt, u.CommunityID, u.ID)
		case org.Community:
			q.add("p.community_id = "+db.OpaqueInt, u.ID)
		default:
			var ids []int64
			units, err := s.Org.Visible(ctx, auth.System("filter"))
			if err != nil {
				return nil, err
			}
			for _, x := range units {
				if x.Level == org.Community && strings.HasPrefix(x.Path, u.Path) {
					ids = append(ids, x.ID)
				}
			}
			if len(ids) == 0 {
				q.empty = true
			} else {
				in, args := s.DB.IDsIn("p.community_id", ids)
				q.add(in, args...)
			}
		}
	}
	if f.GridID != 0 {
		// With the grid's community: on Citus the one shard that holds it,
		// where the grid alone would ask every shard (the scope condition is
		// left out when the grid lies within it, see filterWithinScope).
		u, ok := s.Org.Lookup(ctx, f.GridID)
		if !ok || u.Level != org.Grid {
			q.empty = true
		} else {
			q.add("p.community_id = "+db.OpaqueInt+" AND p.grid_id = "+db.OpaqueInt, u.CommunityID, u.ID)
		}
	}
	if f.DwellingID != 0 {
		q.add("p.dwelling_id = ?", f.DwellingID)
	}
	if f.BuildingID != 0 {
		q.add("(p.community_id, p.dwelling_id) IN (SELECT d.community_id, d.id FROM dwelling d WHERE d.building_id = ?)", f.BuildingID)
	}
	if f.EstateID != 0 {
		q.add("(p.community_id, p.dwelling_id) IN (SELECT d.community_id, d.id FROM dwelling d JOIN building b ON b.community_id = d.community_id AND b.id = d.building_id WHERE b.estate_id = ?)", f.EstateID)
	}
	if f.HouseholdID != 0 {
		q.add("p.household_id = ?", f.HouseholdID)
	}
	if f.Tag != "" {
		t, err := s.visibleTag(ctx, pr, f.Tag)
		if err != nil {
			return nil, err
		}
		sc, args := s.scope(pr, "t.community_id", "t.grid_id")
		q.add("(p.community_id, p.id) IN (SELECT t.community_id, t.person_id FROM reg_person_tag t WHERE t.tag_id = ? AND "+sc+")", append([]any{t.ID}, args...)...)
	}
	now := s.now().In(shanghai)
	if f.AgeMin > 0 {
		// Born on or before today minus AgeMin years.
		q.add("p.birth_date <> '' AND p.birth_date <= ?", now.AddDate(-f.AgeMin, 0, 0).Format("2006-01-02"))
	}
	if f.AgeMax >= 0 {
		// Younger than AgeMax+1: born after today minus (AgeMax+1) years.
		q.add("p.birth_date > ?", now.AddDate(-(f.AgeMax+1), 0, 0).Format("2006-01-02"))
	}
	if f.Sex != "" {
		q.add("p.sex = ?", f.Sex)
	}
	if f.ResidenceType != "" {
		if !valid(f.ResidenceType, ResidenceTypes) {
			return nil, i18n.NewError("bad_request", "err.choice", "field", i18n.T("registry.residence_type"))
		}
		q.add("p.residence_type = ?", f.ResidenceType)
	}
	if f.HeadOnly {
		q.add("p.relation = 'self'")
	}
	// Words of an address ("3幢 2单元 201", "翠苑一区 3幢") are searched together,
	// so that a bare room number next to them is a room, not an ID number's tail.
	q.searched = strings.TrimSpace(f.Q) != ""
	var words, address []string
	for _, tok := range strings.Fields(strings.NewReplacer("，", " ", ",", " ", "、", " ").Replace(importexport.NormalizeCell(f.Q))) {
		if looksLikeAddress(tok) {
			address = append(address, tok)
		} else {
			words = append(words, tok)
		}
	}
	for _, tok := range words {
		if len(address) > 0 && (roomOnlyRe.MatchString(tok) || s.hasEstate(ctx, pr, tok)) {
			address = append(address, tok)
			continue
		}
		if err := s.searchToken(ctx, pr, q, tok); err != nil {
			return nil, err
		}
	}
	if len(address) > 0 {
		if err := s.searchAddress(ctx, pr, q, strings.Join(address, " ")); err != nil {
			return nil, err
		}
	}
	return q, nil
}

// filterWithinScope reports whether f already confines the rows to one grid or
// community that lies wholly inside the user's scope, so that the scope
// condition would add nothing. Leaving it out then matters: a community
// leader's "community IN (…)" beside "grid = ?" makes the planner read every
// row of the grid instead of counting its index entries. A grid's people are
// always of the grid's community, so nothing outside the scope can slip in.
func (s *Service) filterWithinScope(ctx context.Context, pr *auth.Principal, f Filter) bool {
	if pr.Scope.All {
		return false // "1=1" costs nothing
	}
	within := func(id int64) bool {
		u, ok := s.Org.Lookup(ctx, id)
		if !ok {
			return false
		}
		switch u.Level {
		case org.Grid:
			return pr.Scope.Allows(u.CommunityID, u.ID)
		case org.Community:
			return pr.Scope.AllowsCommunity(u.ID)
		}
		return false
	}
	return (f.GridID != 0 && within(f.GridID)) || (f.OrgID != 0 && within(f.OrgID))
}

// searchToken narrows q by one word of the search box.
func (s *Service) searchToken(ctx context.Context, pr *auth.Principal, q *query, tok string) error {
	switch {
	case digitsRe.MatchString(tok):
		return s.searchDigits(ctx, pr, q, strings.ToUpper(tok))
	case pinyinRe.MatchString(tok):
		// "zs" can only be initials and "zhangs" only pinyin; asking for just
		// the one that can match lets each be answered from its own index.
		lo := strings.ToLower(tok)
		initials, full := couldBeInitials(lo), couldBePinyin(lo)
		switch {
		case initials && !full:
			q.add("p.name_initials >= ? AND p.name_initials < ?", lo, lo+"{")
			q.byInitials = true
		case full && !initials:
			q.add("p.name_pinyin >= ? AND p.name_pinyin < ?", lo, lo+"{")
		default:
			q.add("((p.name_initials >= ? AND p.name_initials < ?) OR (p.name_pinyin >= ? AND p.name_pinyin < ?))", lo, lo+"{", lo, lo+"{")
		}
		if initials {
			// Initials and pinyin begin with the same letter (see Pinyin). Saying
			// so keeps a list in name order from walking every name before "g"
			// to find the "gg"s: the planner takes matches to be spread evenly,
			// and PostgreSQL took over a second for a common pair of initials.
			q.add("p.name_pinyin >= ? AND p.name_pinyin < ?", lo[:1], string(lo[0]+1))
		}
		return nil
	}
	r := []rune(tok)
	if len(r) == 1 {
		q.add("p.name >= ? AND p.name < ?", tok, tok+maxRune)
		return nil
	}
	// A name piece: the first two characters through the index, the rest checked on the row.
	if s.hasEstate(ctx, pr, tok) {
		return s.searchAddress(ctx, pr, q, tok)
	}
	sc, args := s.scope(pr, "g.community_id", "g.grid_id")
	q.add("(p.community_id, p.id) IN (SELECT g.community_id, g.person_id FROM reg_name_gram g WHERE g.gram = ? AND "+sc+")", append([]any{string(r[:2])}, args...)...)
	if len(r) > 2 {
		q.add(`p.name LIKE ? ESCAPE '\'`, db.Contains(tok))
	}
	return nil
}

// searchDigits finds a whole ID number or phone by its keyed hash, or the
// people whose ID number or phone ends in the digits given (4 or more).
func (s *Service) searchDigits(ctx context.Context, pr *auth.Principal, q *query, d string) error {
	if len(d) == 18 || len(d) == 15 {
		norm := d
		if id, err := identityParse(d); err == nil {
			norm = id
		}
		// The document's person through reg_identity (one row, wherever they
		// live), then by their key: reg_person's index of documents is by
		// community.
		var comm, person int64
		err := s.DB.QueryRowContext(ctx, `SELECT community_id, person_id FROM reg_identity WHERE id_hash = ?`, s.Keys.Lookup("doc", norm)).Scan(&comm, &person)
		if errors.Is(err, sql.ErrNoRows) {
			q.empty = true
			return nil
		}
		if err != nil {
			return err
		}
		q.add("p.community_id = ? AND p.id = ?", comm, person)
		return nil
	}
	if len(d) == 4 {
		q.add("(p.id_tail = ? OR p.phone_tail = ?)", d, d)
		return nil
	}
	ids, err := s.suffixCandidates(ctx, pr, d)
	if err != nil {
		return err
	}
	if len(d) == 11 && d[0] == '1' {
		// A whole mobile number, found through its keyed hash.
		sc, args := s.scope(pr, "p.community_id", "p.grid_id")
		rows, err := s.DB.QueryContext(ctx, `SELECT p.id FROM reg_person p WHERE p.phone_hash = ? AND `+sc, append([]any{s.Keys.Lookup("phone", d)}, args...)...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	if len(ids) == 0 {
		q.empty = true
		return nil
	}
	in, args := s.DB.IDsIn("p.id", ids)
	q.add(in, args...)
	return nil
}

// suffixCandidates finds the people whose ID number or phone ends in d (more
// than 4 characters): the last 4 go through the index, the rest are checked on
// the decrypted values of those few candidates.
func (s *Service) suffixCandidates(ctx context.Context, pr *auth.Principal, d string) ([]int64, error) {
	last4 := d[len(d)-4:]
	sc, args := s.scope(pr, "p.community_id", "p.grid_id")
	rows, err := s.DB.QueryContext(ctx, `SELECT p.id, p.id_enc, p.phone_enc, p.id_tail, p.phone_tail FROM reg_person p WHERE (p.id_tail = ? OR p.phone_tail = ?) AND `+sc+` LIMIT 20000`, append([]any{last4, last4}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		var idEnc, phoneEnc []byte
		var idTail, phoneTail string
		if err := rows.Scan(&id, &idEnc, &phoneEnc, &idTail, &phoneTail); err != nil {
			return nil, err
		}
		if idTail == last4 {
			if v, err := s.Keys.Open(idEnc, "reg_person.id_number"); err == nil && strings.HasSuffix(v, d) {
				ids = append(ids, id)
				continue
			}
		}
		if phoneTail == last4 {
			if v, err := s.Keys.Open(phoneEnc, "reg_person.phone"); err == nil && strings.HasSuffix(v, d) {
				ids = append(ids, id)
			}
		}
	}
	return ids, rows.Err()
}

// identityParse canonicalises a citizen ID number (15 digits become 18).
func identityParse(d string) (string, error) {
	id, err := identity.ParseID(d)
	if err != nil {
		return "", err
	}
	return id.Number, nil
}

func looksLikeAddress(tok string) bool {
	if buildingRe.MatchString(tok) || entranceRe.MatchString(tok) {
		return true
	}
	hasDigit, hasHan := false, false
	for _, r := range tok {
		hasDigit = hasDigit || unicode.IsDigit(r)
		hasHan = hasHan || unicode.Is(unicode.Han, r)
	}
	return hasDigit && hasHan
}

// hasEstate reports whether tok is part of an estate name in scope, so that
// "翠苑" searches the estate, not a person called 翠苑. The estates of a scope
// are the ones the resident list offers as a filter, kept in memory
// (places.EstateChoices): a name search then costs no extra trip to the
// database, which on Citus is a millisecond through the coordinator.
func (s *Service) hasEstate(ctx context.Context, pr *auth.Principal, tok string) bool {
	estates, err := s.Places.EstateChoices(ctx, pr, 0)
	if err != nil {
		return false // searched as a name: the list itself is still in scope
	}
	for _, e := range estates {
		if strings.Contains(e.Name, tok) {
			return true
		}
	}
	return false
}

// searchAddress narrows to people living at an address fragment: an estate
// name part, a building (3幢), an entrance (2单元), a room (201), or several.
func (s *Service) searchAddress(ctx context.Context, pr *auth.Principal, q *query, tok string) error {
	var conds []string
	var args []any
	rest := tok
	for _, m := range addressRe.FindAllStringSubmatch(tok, -1) {
		switch {
		case m[1] != "":
			n := buildingRe.FindStringSubmatch(m[1])[1]
			// 3幢, 3栋, 3号楼 and 3座 name the same building in different ledgers.
			conds = append(conds, "b.name IN (?, ?, ?, ?, ?)")
			args = append(args, n+"幢", n+"栋", n+"号楼", n+"座", n+"号")
		case m[2] != "":
			conds = append(conds, "en.name = ?")
			args = append(args, m[2])
		case m[3] != "":
			conds = append(conds, "d.room = ?")
			args = append(args, strings.TrimSuffix(m[3], "室"))
		}
		rest = strings.Replace(rest, m[0], " ", 1)
	}
	for _, part := range strings.Fields(rest) {
		conds = append(conds, `e.name LIKE ? ESCAPE '\'`)
		args = append(args, db.Contains(part))
	}
	if len(conds) == 0 {
		q.empty = true
		return nil
	}
	sc, scArgs := s.scope(pr, "d.community_id", "d.grid_id")
	q.add("(p.community_id, p.dwelling_id) IN (SELECT d.community_id, d.id FROM dwelling d JOIN building b ON b.community_id = d.community_id AND b.id = d.building_id LEFT JOIN estate e ON e.community_id = b.community_id AND e.id = b.estate_id LEFT JOIN entrance en ON en.community_id = d.community_id AND en.id = d.entrance_id WHERE "+
		sc+" AND "+strings.Join(conds, " AND ")+")", append(scArgs, args...)...)
	return nil
}

// searchSortMax is the most matches a search gathers before sorting them
// (see ListPeople); past it the list's own order decides the plan.
const searchSortMax = 20000

// sortColumns are the columns orderBy sorts on (only those, so that an index
// may still cover a search's matches).
func sortColumns(sort string) string {
	switch sort {
	case "age", "-age":
		return "p.id, p.birth_date"
	case "recent":
		return "p.id, p.updated_at"
	}
	return "p.id, p.name_pinyin"
}

func orderBy(sort string) string {
	switch sort {
	case "age":
		return "p.birth_date DESC, p.id"
	case "-age":
		return "p.birth_date, p.id"
	case "recent":
		return "p.updated_at DESC, p.id DESC"
	}
	return "p.name_pinyin, p.id"
}

// ListPeople returns a page of people matching f and how many match in all.
func (s *Service) ListPeople(ctx context.Context, pr *auth.Principal, f Filter) ([]*Person, int, error) {
	if err := pr.Require(PermRead); err != nil {
		return nil, 0, err
	}
	q, err := s.build(ctx, pr, f)
	if err != nil {
		return nil, 0, err
	}
	if q.empty {
		return nil, 0, nil
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	order := orderBy(f.Sort)
	limit, limitArgs := s.DB.Page(f.Limit, f.Offset)
	total := -1
	byInitials := q.byInitials && order == orderBy("")
	if !byInitials && !q.searched {
		// The plain list's count, kept a while (countPeople): asked before
		// the page's unit of the read queue, which must not wait for it.
		if total, err = s.countPeople(ctx, q); err != nil {
			return nil, 0, err
		}
		if total == 0 || f.Offset >= total {
			return nil, total, nil
		}
	}
	visible, err := s.VisibleTags(ctx, pr)
	if err != nil {
		return nil, 0, err
	}
	var out []*Person
	// The page's statements as one unit of the read queue (db.Read): under
	// load, lists are served in the order they were asked for.
	err = s.DB.Read(ctx, func(rq db.Queryer) error {
		var ids []int64
		var err error
		switch {
		case byInitials:
			// Initials in name order: those exactly as typed first, then longer
			// ones, each in pinyin order ("wj": 王杰 before 王佳慧). Within a
			// community that is the order of reg_person_community_initials, so
			// the page is the index's first entries and the count its range:
			// one statement, with no sort of ten thousand matches.
			order = "p.name_initials, p.name_pinyin, p.id"
			total, ids, err = countAndPage(ctx, rq, f.Offset, `SELECT (SELECT COUNT(*) FROM reg_person p WHERE `+q.sql()+`), p.id FROM reg_person p WHERE `+q.sql()+` ORDER BY `+order+limit,
				append(append(append([]any{}, q.args...), q.args...), limitArgs...))
			if err != nil {
				return err
			}
		case q.searched:
			// A search's matches, few as a rule, are gathered first (at most
			// searchSortMax and one), then counted and sorted, in one statement:
			// on Citus each statement is a trip through the coordinator. Left to
			// itself, the planner may walk the whole list in name order hoping to
			// meet fifty matches early: PostgreSQL does so for rare initials, and
			// reads a community's million rows to find three.
			total, ids, err = countAndPage(ctx, rq, f.Offset, `WITH m AS MATERIALIZED (SELECT `+sortColumns(f.Sort)+` FROM reg_person p WHERE `+q.sql()+` LIMIT `+strconv.Itoa(searchSortMax+1)+`)
			SELECT (SELECT COUNT(*) FROM m), p.id FROM m p ORDER BY `+order+limit, append(append([]any{}, q.args...), limitArgs...))
			if err != nil {
				return err
			}
			if total > searchSortMax {
				ids, total = nil, -1 // too many to sort apart: counted and paged below
			}
		}
		if total < 0 {
			// Too many to sort apart, or a page past the end: counted alone.
			if err := rq.QueryRowContext(ctx, `SELECT COUNT(*) FROM reg_person p WHERE `+q.sql(), q.args...).Scan(&total); err != nil {
				return err
			}
		}
		if total == 0 || f.Offset >= total {
			return nil
		}
		// The page's ids first, from the indexes alone where they suffice; then
		// the rows shown, by id. Two statements, not one with a subquery: it is as
		// fast, and PostgreSQL, which plans each statement on each connection
		// (anew for its first executions, and a page's statement is one of many,
		// see db.Page), plans these two in a fifth of the time: a server used to
		// spend its first second planning lists.
		if ids == nil {
			if ids, err = int64s(rq.QueryContext(ctx, `SELECT p.id FROM reg_person p WHERE `+q.sql()+` ORDER BY `+order+limit, append(q.args, limitArgs...)...)); err != nil {
				return err
			}
		}
		if len(ids) == 0 {
			return nil
		}
		// In scope again: someone moved out of it between the two is left out.
		in, args := s.DB.IDsIn("p.id", ids)
		sel, scan := personListSelect, scanPersonColumns
		if f.Brief {
			sel, scan = personBriefSelect, scanBriefPerson
		}
		sc, scArgs := s.scope(pr, "p.community_id", "p.grid_id")
		rows, err := rq.QueryContext(ctx, sel+` WHERE `+in+` AND `+sc, append(args, scArgs...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		byID := make(map[int64]*Person, len(ids))
		var placeRev int64
		for rows.Next() {
			p, err := scan(rows, &placeRev)
			if err != nil {
				return err
			}
			byID[p.ID] = p
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		out = make([]*Person, 0, len(ids))
		for _, id := range ids {
			if p := byID[id]; p != nil {
				out = append(out, p)
			}
		}
		if err := s.attachAddresses(ctx, rq, placeRev, out); err != nil {
			return err
		}
		return s.attachVisibleTags(ctx, rq, visible, out)
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// int64s reads a one-column query of integers.
func int64s(rows *sql.Rows, err error) ([]int64, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// countAndPage runs a statement whose rows are (count of all matches, id of
// one on the page) for the page at offset. An empty first page means nothing
// matches (total 0); an empty later one carries no count (total -1).
func countAndPage(ctx context.Context, q db.Queryer, offset int, stmt string, args []any) (total int, ids []int64, err error) {
	total = -1
	if offset == 0 {
		total = 0
	}
	rows, err := q.QueryContext(ctx, stmt, args...)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&total, &id); err != nil {
			return 0, nil, err
		}
		ids = append(ids, id)
	}
	return total, ids, rows.Err()
}

// EachPerson streams every person matching f in list order (exports). It reads
// in pages keyed on the sort position, so memory stays flat for a million rows.
func (s *Service) EachPerson(ctx context.Context, pr *auth.Principal, f Filter, fn func(p *Person) error) error {
	if err := pr.Require(PermRead); err != nil {
		return err
	}
	q, err := s.build(ctx, pr, f)
	if err != nil {
		return err
	}
	if q.empty {
		return nil
	}
	const page = 2000
	lastKey, lastID := "", int64(0)
	for {
		cond := q.sql() + ` AND (p.name_pinyin > ? OR (p.name_pinyin = ? AND p.id > ?))`
		rows, err := s.DB.QueryContext(ctx, personSelect+` WHERE `+cond+` ORDER BY p.name_pinyin, p.id LIMIT ?`, append(append([]any{}, q.args...), lastKey, lastKey, lastID, page)...)
		if err != nil {
			return err
		}
		var batch []*Person
		for rows.Next() {
			p, err := scanPerson(rows)
			if err != nil {
				rows.Close()
				return err
			}
			batch = append(batch, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(batch) == 0 {
			return nil
		}
		if err := s.attachTags(ctx, s.DB.Reader(), pr, batch); err != nil {
			return err
		}
		for _, p := range batch {
			if err := fn(p); err != nil {
				return err
			}
		}
		last := batch[len(batch)-1]
		lastKey, lastID = last.NamePinyin, last.ID
		if len(batch) < page {
			return nil
		}
	}
}

// TagCounts counts people per visible tag in pr's scope (sensitive tags pr may
// not see are not counted, not even as a number).
func (s *Service) TagCounts(ctx context.Context, pr *auth.Principal) (map[string]int, error) {
	tags, err := s.VisibleTags(ctx, pr)
	if err != nil || len(tags) == 0 {
		return map[string]int{}, err
	}
	ids := make([]int64, len(tags))
	for i, t := range tags {
		ids[i] = t.ID
	}
	sc, args := s.scope(pr, "t.community_id", "t.grid_id")
	in, inArgs := s.DB.IDsIn("t.tag_id", ids)
	rows, err := s.DB.QueryContext(ctx, `SELECT t.tag_id, COUNT(*) FROM reg_person_tag t JOIN reg_person p ON p.community_id = t.community_id AND p.id = t.person_id
		WHERE `+in+` AND p.status = 'active' AND `+sc+` GROUP BY t.tag_id`, append(inArgs, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byID := map[int64]string{}
	for _, t := range tags {
		byID[t.ID] = t.Code
	}
	out := map[string]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[byID[id]] = n
	}
	return out, rows.Err()
}

// CountPeople counts active people in scope.
func (s *Service) CountPeople(ctx context.Context, pr *auth.Principal) (people, households int, err error) {
	q := &query{}
	q.add("p.status = 'active'")
	sc, args := s.scope(pr, "p.community_id", "p.grid_id")
	q.add(sc, args...)
	if people, err = s.countPeople(ctx, q); err != nil {
		return 0, 0, err
	}
	sc, args = s.scope(pr, "h.community_id", "h.grid_id")
	err = s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM reg_household h WHERE h.status = 'active' AND `+sc, args...).Scan(&households)
	return people, households, err
}

// ParseAge reads an age bound from a form or query ("" = none).
func ParseAge(v string) int {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 || n > 150 {
		return -1
	}
	return n
}
