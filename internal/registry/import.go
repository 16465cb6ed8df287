package registry

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"runtime/debug"
	"slices"
	"sort"
	"strings"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/identity"
	"linli/internal/importexport"
	"linli/internal/importflow"
	"linli/internal/org"
	"linli/internal/places"
	"linli/internal/privacy"
)

// Importer loads a community's resident ledger (居民台账). One row is one person.
// People are matched by identity document (or, without one, by name, birth date
// and dwelling), so importing the same file twice changes nothing and a changed
// row updates the person. Households link by 户号, or by dwelling and head.
// Places the community does not have yet are created. A commit is one
// transaction: any bad row and nothing is written.
type Importer struct{ S *Service }

// Kind implements importflow.Importer.
func (Importer) Kind() string { return "residents" }

// Title implements importflow.Importer.
func (Importer) Title() string { return i18n.T("registry.import") }

// Perm implements importflow.Importer.
func (Importer) Perm() auth.Perm { return PermImport }

// Fields implements importflow.Importer.
func (Importer) Fields() []importexport.Field {
	return []importexport.Field{
		{Key: "name", Label: "姓名", Synonyms: []string{"居民姓名", "人员姓名"}, Required: true},
		{Key: "sex", Label: "性别"},
		{Key: "id_number", Label: "身份证号", Synonyms: []string{"公民身份号码", "身份证号码", "证件号码", "证件号", "身份证"}},
		{Key: "id_type", Label: "证件类型", Synonyms: []string{"证件种类"}},
		{Key: "birth_date", Label: "出生日期", Synonyms: []string{"出生年月", "出生年月日", "生日"}},
		{Key: "ethnicity", Label: "民族"},
		{Key: "phone", Label: "联系电话", Synonyms: []string{"手机号", "手机号码", "电话", "手机", "联系方式"}},
		{Key: "hukou_address", Label: "户籍地址", Synonyms: []string{"户籍所在地", "户口所在地", "户籍地"}},
		{Key: "address", Label: "现住址", Synonyms: []string{"居住地址", "现居住地址", "住址", "现居住地"}},
		{Key: "estate", Label: "小区", Synonyms: []string{"小区名称", "院落"}},
		{Key: "building", Label: "楼栋", Synonyms: []string{"楼号", "楼栋号", "幢", "栋"}},
		{Key: "entrance", Label: "单元", Synonyms: []string{"单元号"}},
		{Key: "room", Label: "房号", Synonyms: []string{"门牌号", "室号", "房间号", "户室号"}},
		{Key: "grid", Label: "网格", Synonyms: []string{"所属网格", "网格名称", "网格编号"}},
		{Key: "household_number", Label: "户号", Synonyms: []string{"户编号", "户籍户号"}},
		{Key: "relation", Label: "与户主关系", Synonyms: []string{"关系", "家庭关系", "与户主的关系"}},
		{Key: "residence_type", Label: "人员类型", Synonyms: []string{"人口类型", "人员类别", "人口类别", "居住类型"}},
		{Key: "political", Label: "政治面貌"},
		{Key: "education", Label: "文化程度", Synonyms: []string{"学历"}},
		{Key: "marital", Label: "婚姻状况", Synonyms: []string{"婚姻"}},
		{Key: "employer", Label: "工作单位", Synonyms: []string{"单位", "工作单位及职务"}},
		{Key: "tags", Label: "特殊人群", Synonyms: []string{"标签", "人员分组", "人群类别", "重点人群"}},
		{Key: "remark", Label: "备注"},
	}
}

// Labels written in ledgers, and the codes they stand for.
var (
	relationWords = map[string]string{
		"本人": "self", "户主": "self", "本人/户主": "self",
		"配偶": "spouse", "妻": "spouse", "夫": "spouse", "妻子": "spouse", "丈夫": "spouse",
		"子": "son", "儿子": "son", "长子": "son", "次子": "son", "三子": "son", "独生子": "son", "养子": "son", "继子": "son",
		"女": "daughter", "女儿": "daughter", "长女": "daughter", "次女": "daughter", "三女": "daughter", "独生女": "daughter", "养女": "daughter", "继女": "daughter",
		"父母": "parent", "父亲": "parent", "母亲": "parent", "父": "parent", "母": "parent", "公公": "parent", "婆婆": "parent", "岳父": "parent", "岳母": "parent",
		"祖父母": "grandparent", "祖父": "grandparent", "祖母": "grandparent", "外祖父": "grandparent", "外祖母": "grandparent",
		"孙子女": "grandchild", "孙子": "grandchild", "孙女": "grandchild", "外孙子": "grandchild", "外孙女": "grandchild", "外孙": "grandchild",
		"兄弟姐妹": "sibling", "兄": "sibling", "弟": "sibling", "姐": "sibling", "妹": "sibling", "哥哥": "sibling", "弟弟": "sibling", "姐姐": "sibling", "妹妹": "sibling",
		"其他": "other", "其它": "other", "儿媳": "other", "女婿": "other", "侄子": "other", "侄女": "other", "保姆": "other",
	}
	residenceWords = map[string]string{
		"户籍": "registered", "户籍人口": "registered", "常住": "resident", "常住人口": "resident", "常住户籍": "registered",
		"流动": "migrant", "流动人口": "migrant", "外来人口": "migrant", "暂住": "migrant", "暂住人口": "migrant",
		"人户分离": "separated", "空挂": "nominal", "空挂户": "nominal", "挂户": "nominal",
	}
	politicalWords = map[string]string{
		"中共党员": "cpc", "党员": "cpc", "中国共产党党员": "cpc", "预备党员": "cpc_probationary", "中共预备党员": "cpc_probationary",
		"共青团员": "cyl", "团员": "cyl", "民主党派": "democratic", "群众": "masses", "无党派人士": "masses",
	}
	educationWords = map[string]string{
		"文盲": "none", "半文盲": "none", "文盲或半文盲": "none", "小学": "primary", "初中": "junior", "高中": "senior", "中专": "senior", "职高": "senior", "技校": "senior", "高中/中专": "senior",
		"大专": "college", "专科": "college", "大学专科": "college", "本科": "bachelor", "大学本科": "bachelor", "大学": "bachelor", "研究生": "postgraduate", "硕士": "postgraduate", "博士": "postgraduate",
	}
	maritalWords = map[string]string{
		"未婚": "single", "已婚": "married", "有配偶": "married", "初婚": "married", "再婚": "married", "复婚": "married",
		"离婚": "divorced", "离异": "divorced", "丧偶": "widowed",
	}
	idTypeWords = map[string]string{
		"居民身份证": identity.KindIDCard, "身份证": identity.KindIDCard, "": identity.KindIDCard,
		"港澳台居民居住证": identity.KindHMTResidence, "居住证": identity.KindHMTResidence,
		"外国人永久居留身份证": identity.KindForeignPermanent, "永久居留证": identity.KindForeignPermanent,
		"护照": identity.KindPassport, "其他": identity.KindOther,
	}
	tagSplit = regexp.MustCompile(`[、,，;；/\s]+`)
)

// ethnicityOf accepts "汉" for "汉族".
func ethnicityOf(v string) (string, bool) {
	if valid(v, Ethnicities) {
		return v, true
	}
	if valid(v+"族", Ethnicities) {
		return v + "族", true
	}
	return "", false
}

// dwellingKey names a dwelling by its place names within the community.
type dwellingKey struct{ estate, building, entrance, room string }

func (k dwellingKey) String() string {
	return places.JoinAddress(k.estate, k.building, k.entrance, k.room)
}

// hash is the key's compact form for the run's index: a million rows keep
// 16 bytes a dwelling instead of four strings.
func (k dwellingKey) hash() [16]byte { return keyHash(k.estate, k.building, k.entrance, k.room) }

// keyHash is a 128-bit digest of parts (separated, so that "ab"+"c" differs
// from "a"+"bc"): the run's cross-file keys are kept as these.
func keyHash(parts ...string) [16]byte {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	var out [16]byte
	copy(out[:], h.Sum(nil))
	return out
}

// The community's places, loaded once per run, and what the run plans to add.
type placeIndex struct {
	grids     map[string]int64 // by name, code
	gridNames map[int64]string
	estates   map[string]int64
	buildings map[[2]string]*places.Building // {estate, name}
	entrances map[[3]string]int64            // {estate, building, name}
	dwellings map[[16]byte]*dwellingRef      // by dwellingKey.hash
	newNames  []string
	counts    map[string]int
	// Buildings without a grid: new ones (named at newNameAt in newNames) and
	// existing ones the file puts in a grid (regrid, done at the end).
	newBuildings []*places.Building
	newNameAt    map[*places.Building]int
	regrid       []*places.Building
	regridSet    map[*places.Building]bool
	newEstate    map[string]bool // estates the run creates
}

type dwellingRef struct {
	id       int64
	building *places.Building
	new      bool
}

var (
	addressParts = regexp.MustCompile(`^(.*?)(\d+(?:幢|栋|号楼|座))(?:(\d+单元))?(?:(\d+)室?)?$`)
	roomPart     = regexp.MustCompile(`^(\d+)室?$`)
	entrancePart = regexp.MustCompile(`^.+单元$`)
	tailParts    = regexp.MustCompile(`^(.*?单元)?(\d+)室?$`)
)

// parseAddress reads one address column into its parts: "翠苑一区3幢2单元201室",
// "翠苑一区 综合楼 1单元 201", or, for buildings without a number, the
// community's own estate and building names at the start ("翠苑一区综合楼201").
func (pl *placeIndex) parseAddress(s string) (dwellingKey, bool) {
	s = strings.TrimSpace(s)
	if m := addressParts.FindStringSubmatch(strings.ReplaceAll(s, " ", "")); len(m) == 5 && m[4] != "" {
		return dwellingKey{estate: m[1], building: m[2], entrance: m[3], room: m[4]}, true
	}
	if tok := strings.Fields(s); len(tok) >= 2 {
		room := roomPart.FindStringSubmatch(tok[len(tok)-1])
		if room != nil {
			k := dwellingKey{room: room[1]}
			rest := tok[:len(tok)-1]
			if len(rest) > 0 && entrancePart.MatchString(rest[len(rest)-1]) {
				k.entrance, rest = rest[len(rest)-1], rest[:len(rest)-1]
			}
			if len(rest) > 0 {
				k.building, k.estate = rest[len(rest)-1], strings.Join(rest[:len(rest)-1], "")
				return k, true
			}
		}
	}
	compact := strings.ReplaceAll(s, " ", "")
	best := [2]string{}
	for bk := range pl.buildings {
		if prefix := bk[0] + bk[1]; strings.HasPrefix(compact, prefix) && len(prefix) > len(best[0]+best[1]) {
			best = bk
		}
	}
	if best[1] != "" {
		if m := tailParts.FindStringSubmatch(strings.TrimPrefix(compact, best[0]+best[1])); m != nil {
			return dwellingKey{estate: best[0], building: best[1], entrance: m[1], room: m[2]}, true
		}
	}
	return dwellingKey{}, false
}

// Run implements importflow.Importer.
func (im Importer) Run(ctx context.Context, pr *auth.Principal, req importflow.Request) (*importflow.Result, error) {
	s := im.S
	comm, err := importflow.Community(ctx, s.Org, pr, PermImport, req.CommunityID)
	if err != nil {
		return nil, err
	}
	run := &importRun{s: s, pr: pr, comm: comm, req: req, fields: im.Fields(), res: &importflow.Result{}}
	if err := run.load(ctx); err != nil {
		return nil, err
	}
	if !req.Commit {
		if err := req.Source.Rows(req.Mapping, func(r importexport.Row) error { return run.row(ctx, nil, r) }); err != nil {
			return nil, err
		}
		run.finish()
		return run.res, nil
	}
	errBad := i18n.NewError("validation", "importflow.bad_rows", "n", 0)
	err = s.inBulkTx(ctx, func(tx *db.Tx) error {
		if err := run.prepare(ctx, tx); err != nil {
			return err
		}
		if err := req.Source.Rows(req.Mapping, func(r importexport.Row) error { return run.row(ctx, tx, r) }); err != nil {
			return err
		}
		if err := run.bulk.Flush(ctx); err != nil {
			return err
		}
		run.finish()
		if run.res.Bad > 0 || run.res.Rows == 0 {
			return errBad // roll everything back: all rows or none
		}
		run.release()
		if err := run.rebuild(ctx); err != nil {
			return err
		}
		if err := run.settleGrids(ctx, tx); err != nil {
			return err
		}
		if err := run.settleHouseholds(ctx, tx); err != nil {
			return err
		}
		detail := map[string]any{"rows": run.res.Rows}
		for _, l := range run.res.Summary {
			detail[l.Label] = l.Count
		}
		return s.Audit.Record(ctx, tx, audit.Event(pr, "registry.import", "org_unit", comm.ID, comm.ID, audit.Success).WithDetail(detail))
	})
	if err == errBad {
		return run.res, nil
	}
	if isIdentityConflict(err) {
		// A document the check found free was recorded meanwhile (another
		// import or a form): nothing was written.
		return nil, duplicateDocument("id_number")
	}
	if err != nil {
		return nil, err
	}
	run.res.Committed = true
	s.dropTagCache()
	// A large load changes the shape of the tables: refresh the planner's
	// statistics now rather than plan searches on the old ones.
	if err := s.DB.Analyze(ctx, importedTables...); err != nil {
		return nil, err
	}
	return run.res, nil
}

// importRun is one pass over a ledger.
type importRun struct {
	s      *Service
	pr     *auth.Principal
	comm   *org.Unit
	req    importflow.Request
	fields []importexport.Field
	res    *importflow.Result
	pl     *placeIndex

	known       [][16]byte         // document hashes already in the deployment, sorted
	seenDocs    map[[16]byte]int32 // document hash → row, within this file
	noDoc       map[[16]byte]int64 // keyHash(name, birth, dwelling id) → person without a document
	seenNoDoc   map[noDocKey]int32 // name, birth and dwelling → row, within this file
	households  map[hhKey]*hhPlan  // by 户号, or by dwelling → plan
	tags        map[string]*Tag    // visible tags by name and code
	tagTotal    map[int64]bool
	newPeople   int
	changed     int
	unchanged   int
	newHH       int
	bulk        *BulkWriter
	dwellings   *places.DwellingBatch
	rebuild     func(context.Context) error
	touched     []int64                   // existing households the file added people to: recount
	created     []*hhPlan                 // households the file creates: their head and size are known
	badHeads    map[string]int            // household ("n:<户号>" or "d:<dwellingKey.hash>") → row of its head that was bad
	dwKeys      map[*dwellingRef][16]byte // pl.dwellings turned round, for badHeadRow
	now         int64
	today       string
	defaultGrid int64
}

// hhKey names a household in the run: by its 户号, or else by its dwelling.
type hhKey struct {
	number   string
	dwelling *dwellingRef
}

// noDocKey names a person without a document within the file.
type noDocKey struct {
	nameBirth [16]byte
	dwelling  *dwellingRef
}

// hhPlan is a household the file talks about. Its rows are kept only while it
// has no head (to report them if none comes): a million rows keep no row lists.
type hhPlan struct {
	id       int64
	number   string
	dwelling *dwellingRef
	headID   int64 // the head now (existing or set by this file)
	headRow  int   // row of the file that names the head
	rows     []int // rows of new members while the household has no head
	added    int32 // new members from this file
	hadHead  bool
	members  int
}

// isKnown tells whether a document hash is already in the deployment.
func (run *importRun) isKnown(h [16]byte) bool {
	_, ok := slices.BinarySearchFunc(run.known, h, func(a, b [16]byte) int { return bytes.Compare(a[:], b[:]) })
	return ok
}

func hash16(h string) [16]byte {
	var out [16]byte
	b, _ := hex.DecodeString(h)
	copy(out[:], b)
	return out
}

// load reads what the community already has, so that rows need no lookups.
func (run *importRun) load(ctx context.Context) error {
	s, cid := run.s, run.comm.ID
	run.now, run.today = db.Now(), s.todayISO()
	pl := &placeIndex{grids: map[string]int64{}, gridNames: map[int64]string{}, estates: map[string]int64{}, buildings: map[[2]string]*places.Building{},
		entrances: map[[3]string]int64{}, dwellings: map[[16]byte]*dwellingRef{}, counts: map[string]int{}}
	run.pl = pl
	units, err := s.Org.Visible(ctx, auth.System("import"))
	if err != nil {
		return err
	}
	var grids []int64
	for _, u := range units {
		if u.Level == org.Grid && u.CommunityID == cid {
			pl.grids[u.Name], pl.grids[u.Code] = u.ID, u.ID
			pl.gridNames[u.ID] = u.Name
			grids = append(grids, u.ID)
		}
	}
	if len(grids) == 1 {
		run.defaultGrid = grids[0] // a community of one grid needs no grid column
	}
	if g := run.req.GridID; g != 0 {
		if pl.gridNames[g] == "" {
			return i18n.NewError("validation", "places.import_grid_other", "community", run.comm.Name)
		}
		run.defaultGrid = g // the grid chosen for the import's new buildings
	}
	pl.newNameAt, pl.regridSet = map[*places.Building]int{}, map[*places.Building]bool{}
	q := s.DB.Reader()
	rows, err := q.QueryContext(ctx, `SELECT id, name FROM estate WHERE community_id = ?`, cid)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		var n string
		if err := rows.Scan(&id, &n); err != nil {
			rows.Close()
			return err
		}
		pl.estates[n] = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	estateName := map[int64]string{}
	for n, id := range pl.estates {
		estateName[id] = n
	}
	buildingByID := map[int64]*places.Building{}
	rows, err = q.QueryContext(ctx, `SELECT id, COALESCE(estate_id, 0), name, COALESCE(grid_id, 0) FROM building WHERE community_id = ?`, cid)
	if err != nil {
		return err
	}
	for rows.Next() {
		b := &places.Building{CommunityID: cid}
		if err := rows.Scan(&b.ID, &b.EstateID, &b.Name, &b.GridID); err != nil {
			rows.Close()
			return err
		}
		b.EstateName = estateName[b.EstateID]
		pl.buildings[[2]string{b.EstateName, b.Name}] = b
		buildingByID[b.ID] = b
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	entranceName := map[int64]string{}
	rows, err = q.QueryContext(ctx, `SELECT id, building_id, name FROM entrance WHERE community_id = ?`, cid)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id, bid int64
		var n string
		if err := rows.Scan(&id, &bid, &n); err != nil {
			rows.Close()
			return err
		}
		b := buildingByID[bid]
		pl.entrances[[3]string{b.EstateName, b.Name, n}] = id
		entranceName[id] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = q.QueryContext(ctx, `SELECT id, building_id, COALESCE(entrance_id, 0), room FROM dwelling WHERE community_id = ?`, cid)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id, bid, eid int64
		var room string
		if err := rows.Scan(&id, &bid, &eid, &room); err != nil {
			rows.Close()
			return err
		}
		b := buildingByID[bid]
		k := dwellingKey{b.EstateName, b.Name, entranceName[eid], room}
		pl.dwellings[k.hash()] = &dwellingRef{id: id, building: b}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	// Every document hash of the deployment: uniqueness is deployment-wide.
	// A commit knows its size from the check: no growing (and copying) the
	// biggest map a million times over.
	run.known, run.seenDocs = nil, make(map[[16]byte]int32, run.req.ExpectedRows)
	rows, err = q.QueryContext(ctx, `SELECT id_hash FROM reg_identity`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			rows.Close()
			return err
		}
		run.known = append(run.known, hash16(h))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	slices.SortFunc(run.known, func(a, b [16]byte) int { return bytes.Compare(a[:], b[:]) })
	run.noDoc, run.seenNoDoc = map[[16]byte]int64{}, map[noDocKey]int32{}
	rows, err = q.QueryContext(ctx, `SELECT id, name, birth_date, COALESCE(dwelling_id, 0) FROM reg_person WHERE community_id = ? AND id_hash IS NULL`, cid)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id, d int64
		var n, b string
		if err := rows.Scan(&id, &n, &b, &d); err != nil {
			rows.Close()
			return err
		}
		run.noDoc[keyHash(n, b, itoa(d))] = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	run.households = map[hhKey]*hhPlan{}
	rows, err = q.QueryContext(ctx, `SELECT id, number, COALESCE(dwelling_id, 0), COALESCE(head_person_id, 0), members FROM reg_household WHERE community_id = ? AND status = 'active'`, cid)
	if err != nil {
		return err
	}
	dwellingByID := map[int64]*dwellingRef{}
	for _, d := range pl.dwellings {
		dwellingByID[d.id] = d
	}
	byDwelling := map[int64]int{}
	type hhRow struct {
		id, dwelling, head int64
		number             string
		members            int
	}
	var hhs []hhRow
	for rows.Next() {
		var h hhRow
		if err := rows.Scan(&h.id, &h.number, &h.dwelling, &h.head, &h.members); err != nil {
			rows.Close()
			return err
		}
		hhs = append(hhs, h)
		byDwelling[h.dwelling]++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, h := range hhs {
		p := &hhPlan{id: h.id, number: h.number, dwelling: dwellingByID[h.dwelling], headID: h.head, hadHead: h.head != 0, members: h.members}
		if h.number != "" {
			run.households[hhKey{number: h.number}] = p
		}
		// Linking by dwelling works only where the dwelling has one household.
		if dw := dwellingByID[h.dwelling]; dw != nil && byDwelling[h.dwelling] == 1 {
			run.households[hhKey{dwelling: dw}] = p
		}
	}
	tags, err := run.s.VisibleTags(ctx, run.pr)
	if err != nil {
		return err
	}
	run.tags = map[string]*Tag{}
	for _, t := range tags {
		if t.Active {
			run.tags[t.Name], run.tags[t.Code] = t, t
		}
	}
	run.tagTotal = map[int64]bool{}
	return nil
}

// bulkThreshold: below this many rows a commit keeps the indexes as they are.
const bulkThreshold = 50000

// prepare readies the batched writers a commit feeds a million rows through and,
// for a commit that will at least double the registry, sets the indexes aside.
func (run *importRun) prepare(ctx context.Context, tx *db.Tx) error {
	var err error
	if run.bulk, err = run.s.NewBulkWriter(ctx, tx); err != nil {
		return err
	}
	if run.dwellings, err = places.NewDwellingBatch(ctx, tx); err != nil {
		return err
	}
	run.bulk.DependsOn(run.dwellings.Batch)
	run.rebuild = func(context.Context) error { return nil }
	if run.req.ExpectedRows >= bulkThreshold {
		var have int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM reg_person`).Scan(&have); err != nil {
			return err
		}
		if run.req.ExpectedRows >= have {
			run.rebuild, err = tx.BulkIndexes(ctx, "reg_person", "reg_residence", "reg_person_tag", "reg_household", "reg_name_gram", "dwelling")
		}
	}
	return err
}

// rowData is one ledger row, checked and normalised.
type rowData struct {
	in       PersonInput
	idf      identityFields
	key      dwellingKey
	gridName string
	hhNumber string
	relation string
	tags     []*Tag
	extras   map[string]string
	hasDoc   bool
	docHash  [16]byte
}

func (run *importRun) col(key string) string {
	return importflow.ColumnLabel(run.req.Mapping, run.fields, key)
}

// statisticsAt are the row counts at which a commit refreshes the planner's
// statistics of the tables it fills (see db.Tx.AnalyzeInTx).
var statisticsAt = map[int]bool{5_000: true, 50_000: true, 250_000: true}

// importedTables are the tables a residents import fills.
var importedTables = []string{"reg_person", "reg_name_gram", "reg_household", "reg_person_tag", "reg_residence", "estate", "building", "entrance", "dwelling"}

// row checks one row and, in a commit (tx != nil), writes it.
func (run *importRun) row(ctx context.Context, tx *db.Tx, r importexport.Row) error {
	run.res.Rows++
	// Not on Citus: there ANALYZE runs on the shards in parallel as a utility
	// command, after which the transaction may not read the reference tables
	// those shards refer to (the audit entry reads org_unit), and Citus
	// refuses the commit.
	if tx != nil && statisticsAt[run.res.Rows] && !tx.DB().Citus() {
		if err := run.bulk.Flush(ctx); err != nil {
			return err
		}
		if err := tx.AnalyzeInTx(ctx, importedTables...); err != nil {
			return err
		}
	}
	if run.req.Progress != nil && run.res.Rows%2000 == 0 {
		run.req.Progress(run.res.Rows)
	}
	bad := false
	problem := func(key, value, reasonKey string, kv ...any) {
		bad = true
		run.res.AddProblem(importexport.Problem{Row: r.Num, Column: run.col(key), Value: value, Reason: i18n.T(reasonKey, kv...), Kind: reasonKey})
	}
	v := r.Values
	d := rowData{extras: r.Extras}
	d.in.Name = v["name"]
	if d.in.Name == "" {
		problem("name", "", "err.required", "field", "姓名")
	} else if len([]rune(d.in.Name)) > 30 {
		problem("name", d.in.Name, "err.too_long", "field", "姓名", "max", 30)
	}
	if x := v["sex"]; x != "" {
		sx, ok := importexport.ParseSex(x)
		if !ok {
			problem("sex", x, "registry.import_sex")
		}
		d.in.Sex = sx
	}
	if x := v["birth_date"]; x != "" {
		bd, ok := r.ParseDate(x) // a serial number in the workbook's date system
		if !ok {
			problem("birth_date", x, "err.invalid_date", "field", "出生日期")
		}
		d.in.BirthDate = bd
	}
	idType, ok := idTypeWords[v["id_type"]]
	if !ok {
		if valid(v["id_type"], identity.Kinds) {
			idType = v["id_type"]
		} else {
			problem("id_type", v["id_type"], "registry.import_id_type")
		}
	}
	d.in.IDType = idType
	if x := v["id_number"]; x != "" {
		if importexport.ScientificNumber(x) {
			problem("id_number", x, "registry.import_scientific")
		} else {
			d.in.IDNumber = x
		}
	}
	d.in.Phone = v["phone"]
	errs := &i18n.Errors{}
	d.idf = run.s.checkIdentity(&d.in, errs)
	for _, fe := range errs.Fields {
		value := v[fe.Field]
		switch fe.Field {
		case "id_number":
			if idType == identity.KindIDCard || idType == identity.KindHMTResidence {
				value = maskBadNumber(value, idNumberChar, privacy.MaskIDNumber)
			} else {
				value = privacy.MaskIDNumber(value)
			}
		case "phone":
			value = maskBadNumber(value, phoneChar, privacy.MaskPhone)
		}
		key := fe.Field
		if key == "sex" || key == "birth_date" {
			if v[key] == "" {
				key = "id_number"
			}
		}
		bad = true
		run.res.AddProblem(importexport.Problem{Row: r.Num, Column: run.col(key), Value: value, Reason: fe.Msg.String(), Kind: fe.Msg.Key})
	}
	pick := func(key string, words map[string]string, codes []string, reason string) string {
		x := v[key]
		if x == "" {
			return ""
		}
		if c, ok := words[x]; ok {
			return c
		}
		if valid(x, codes) {
			return x
		}
		problem(key, x, reason)
		return ""
	}
	d.relation = pick("relation", relationWords, Relations, "registry.import_relation")
	d.in.ResidenceType = pick("residence_type", residenceWords, ResidenceTypes, "registry.import_residence")
	if d.in.ResidenceType == "" {
		d.in.ResidenceType = "registered"
	}
	d.in.Political = pick("political", politicalWords, Politicals, "registry.import_political")
	d.in.Education = pick("education", educationWords, Educations, "registry.import_education")
	d.in.Marital = pick("marital", maritalWords, Maritals, "registry.import_marital")
	if x := v["ethnicity"]; x != "" {
		e, ok := ethnicityOf(x)
		if !ok {
			problem("ethnicity", x, "registry.import_ethnicity")
		}
		d.in.Ethnicity = e
	}
	for key, max := range map[string]int{"employer": 100, "hukou_address": 200, "remark": 500, "household_number": 40} {
		if len([]rune(v[key])) > max {
			problem(key, v[key], "err.too_long", "field", fieldLabel(run.fields, key), "max", max)
		}
	}
	d.in.Employer, d.in.HukouAddress, d.in.Remark = v["employer"], v["hukou_address"], v["remark"]
	d.hhNumber = v["household_number"]
	for _, name := range tagSplit.Split(v["tags"], -1) {
		if name == "" {
			continue
		}
		t, ok := run.tags[name]
		if !ok {
			problem("tags", name, "registry.tag_unknown", "tag", name)
			continue
		}
		d.tags = append(d.tags, t)
	}
	// The address: separate columns, or one column to take apart.
	d.key = dwellingKey{estate: v["estate"], building: v["building"], entrance: v["entrance"], room: v["room"]}
	if d.key.building == "" && d.key.room == "" && v["address"] != "" {
		k, ok := run.pl.parseAddress(v["address"])
		if !ok {
			problem("address", v["address"], "registry.import_address_parse")
		}
		d.key = k
	}
	if d.key.building == "" || d.key.room == "" {
		if v["address"] == "" || d.key.building != "" || d.key.room != "" {
			problem("room", d.key.String(), "registry.import_no_address")
		}
	}
	d.gridName = v["grid"]
	if d.gridName != "" {
		if _, ok := run.pl.grids[d.gridName]; !ok {
			problem("grid", d.gridName, "places.import_grid_unknown", "community", run.comm.Name)
		}
	}
	// One person per document, in the file and in the deployment.
	if d.idf.idHash != "" {
		d.hasDoc, d.docHash = true, hash16(d.idf.idHash)
		if first, dup := run.seenDocs[d.docHash]; dup {
			problem("id_number", privacy.MaskIDNumber(d.idf.idNumber), "registry.import_dup_in_file", "row", first)
		} else {
			run.seenDocs[d.docHash] = int32(r.Num)
		}
	}
	if bad {
		run.res.Bad++
		run.noteBadHead(r.Num, &d)
		return nil
	}
	return run.place(ctx, tx, r, &d)
}

// noteBadHead remembers the row of a household's head that could not be
// taken, so that the household's other members are told to fix that row
// rather than that their household has no head.
func (run *importRun) noteBadHead(row int, d *rowData) {
	if d.relation != RelationSelf {
		return
	}
	if run.badHeads == nil {
		run.badHeads = map[string]int{}
	}
	k := "n:" + d.hhNumber
	if d.hhNumber == "" {
		h := d.key.hash()
		k = "d:" + string(h[:])
	}
	if _, ok := run.badHeads[k]; !ok {
		run.badHeads[k] = row
	}
}

// badHeadRow returns the row of h's head that could not be taken, or 0.
func (run *importRun) badHeadRow(h *hhPlan) int {
	if h.number != "" {
		return run.badHeads["n:"+h.number]
	}
	if dw := h.dwelling; dw != nil && len(run.badHeads) > 0 {
		if run.dwKeys == nil { // the index kept by key only: turn it round once
			run.dwKeys = make(map[*dwellingRef][16]byte, len(run.pl.dwellings))
			for k, d := range run.pl.dwellings {
				run.dwKeys[d] = k
			}
		}
		if k, ok := run.dwKeys[dw]; ok {
			return run.badHeads["d:"+string(k[:])]
		}
	}
	return 0
}

// idNumberChar and phoneChar are the characters an ID or phone number may
// hold besides digits; maskBadNumber shows the others.
func idNumberChar(r rune) bool { return r == 'X' || r == 'x' || identity.IsNumberSeparator(r) }

func phoneChar(r rune) bool {
	return identity.IsNumberSeparator(r) || strings.ContainsRune("+()（）转#,，", r)
}

// maskBadNumber masks an ID or phone number that failed its check so that the
// report shows what makes it bad without giving a number away: digits are
// masked as privacy's masks do (at most the first 3 and last 4, never more
// than half of them), and characters that no such number has stay where they
// stand, marked with 「」: "138abc12345" → "***「abc」*2345". A value without
// such characters gets the usual mask.
func maskBadNumber(value string, allowed func(rune) bool, mask func(string) string) string {
	digits, foreign := 0, false
	for _, r := range value {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case !allowed(r):
			foreign = true
		}
	}
	if !foreign {
		return mask(value)
	}
	head, tail := 3, 4
	for head+tail > digits/2 && (head > 0 || tail > 0) {
		if head > 0 {
			head--
		} else {
			tail--
		}
	}
	var b strings.Builder
	seen, open := 0, false
	for _, r := range value {
		isDigit := r >= '0' && r <= '9'
		if bad := !isDigit && !allowed(r); bad != open {
			if bad {
				b.WriteString("「")
			} else {
				b.WriteString("」")
			}
			open = bad
		}
		if isDigit {
			seen++
			if seen > head && seen <= digits-tail {
				r = '*'
			}
		}
		b.WriteRune(r)
	}
	if open {
		b.WriteString("」")
	}
	return b.String()
}

func fieldLabel(fields []importexport.Field, key string) string {
	for _, f := range fields {
		if f.Key == key {
			return f.Label
		}
	}
	return key
}

// place resolves the row's dwelling (planning or creating it) and household,
// then records the person.
func (run *importRun) place(ctx context.Context, tx *db.Tx, r importexport.Row, d *rowData) error {
	bad := func(key, value, reason string, kv ...any) error {
		run.res.Bad++
		run.noteBadHead(r.Num, d)
		run.res.AddProblem(importexport.Problem{Row: r.Num, Column: run.col(key), Value: value, Reason: i18n.T(reason, kv...), Kind: reason})
		return nil
	}
	dw, err := run.dwelling(ctx, tx, d)
	if err != nil {
		return err
	}
	if d.gridName != "" {
		b, grid := dw.building, run.pl.grids[d.gridName]
		switch {
		case b.GridID == 0:
			run.setGrid(b, grid)
		case b.GridID != grid:
			return bad("grid", d.gridName, "places.import_grid_conflict", "building", strings.TrimSpace(d.key.estate+" "+d.key.building), "grid", run.pl.gridNames[b.GridID])
		}
	}
	// Existing person?
	var existing int64
	if d.hasDoc {
		if run.isKnown(d.docHash) {
			var comm int64
			q := db.Queryer(run.s.DB.Reader())
			if tx != nil {
				q = tx
			}
			if err := q.QueryRowContext(ctx, `SELECT person_id, community_id FROM reg_identity WHERE id_hash = ?`, d.idf.idHash).Scan(&existing, &comm); err != nil {
				return err
			}
			if comm != run.comm.ID {
				return bad("id_number", privacy.MaskIDNumber(d.idf.idNumber), "registry.import_other_community")
			}
		}
	} else if dw.id != 0 {
		existing = run.noDoc[keyHash(d.in.Name, d.idf.birth, itoa(dw.id))]
	}
	if !d.hasDoc {
		k := noDocKey{keyHash(d.in.Name, d.idf.birth), dw}
		if first, dup := run.seenNoDoc[k]; dup {
			return bad("name", d.in.Name, "registry.import_dup_person", "row", first)
		}
		run.seenNoDoc[k] = int32(r.Num)
	}
	if existing != 0 {
		return run.update(ctx, tx, r, d, dw, existing)
	}
	// A new person joins a household: by 户号, or the one household at the dwelling.
	hkey := hhKey{dwelling: dw}
	if d.hhNumber != "" {
		hkey = hhKey{number: d.hhNumber}
	}
	h := run.households[hkey]
	if h == nil {
		// The number is cut from the row's text: keep a copy, not the row.
		h = &hhPlan{number: strings.Clone(d.hhNumber), dwelling: dw}
		hkey.number = h.number
		run.households[hkey] = h
		run.newHH++
	}
	rel := d.relation
	if rel == RelationSelf {
		if h.headRow != 0 {
			return bad("relation", v0(r, "relation"), "registry.import_two_heads", "row", h.headRow)
		}
		if h.headID != 0 {
			return bad("relation", v0(r, "relation"), "registry.import_head_exists")
		}
		h.headRow = r.Num
	}
	if h.headRow == 0 && h.headID == 0 {
		h.rows = append(h.rows, r.Num)
	} else {
		h.rows = nil
	}
	h.added++
	run.newPeople++
	run.res.Good++
	if tx == nil {
		return nil
	}
	// Commit: write the household (first time), the person and their pieces.
	if h.id == 0 {
		// Head and member count are settled once every row is in.
		id, err := run.bulk.Household(ctx, placement{community: run.comm.ID, grid: dw.building.GridID, dwelling: dw.id}, h.number, 0, 0)
		if err != nil {
			return err
		}
		h.id = id
		run.created = append(run.created, h)
	} else if h.added == 1 {
		run.touched = append(run.touched, h.id)
	}
	pl := placement{community: run.comm.ID, grid: dw.building.GridID, dwelling: dw.id}
	d.in.Relation = rel
	id, err := run.insert(ctx, d, pl, h.id)
	if err != nil {
		return err
	}
	if rel == RelationSelf {
		h.headID = id
	}
	return nil
}

// dwelling finds or plans (and in a commit creates) the row's dwelling. A new
// building goes in the row's grid, the import's (Request.GridID), the
// community's only one, or none (未划分网格).
func (run *importRun) dwelling(ctx context.Context, tx *db.Tx, d *rowData) (*dwellingRef, error) {
	pl := run.pl
	if dw, ok := pl.dwellings[d.key.hash()]; ok {
		if tx != nil && dw.id == 0 {
			if err := run.createDwelling(ctx, d.key, dw); err != nil {
				return nil, err
			}
		}
		return dw, nil
	}
	bk := [2]string{d.key.estate, d.key.building}
	b := pl.buildings[bk]
	if b == nil {
		grid := run.defaultGrid
		if d.gridName != "" {
			grid = pl.grids[d.gridName]
		}
		b = &places.Building{CommunityID: run.comm.ID, GridID: grid, EstateName: d.key.estate, Name: d.key.building}
		pl.buildings[bk] = b
		if d.key.estate != "" {
			if _, ok := pl.estates[d.key.estate]; !ok {
				pl.estates[d.key.estate] = 0
				if pl.newEstate == nil {
					pl.newEstate = map[string]bool{}
				}
				pl.newEstate[d.key.estate] = true
				pl.counts["estates"]++
				pl.newNames = append(pl.newNames, i18n.T("places.estate")+" "+d.key.estate)
			}
		}
		pl.counts["buildings"]++
		pl.newBuildings = append(pl.newBuildings, b)
		pl.newNameAt[b] = len(pl.newNames)
		pl.newNames = append(pl.newNames, strings.TrimSpace(d.key.estate+" "+d.key.building)+"（"+places.GridLabel(pl.gridNames[grid])+"）")
	}
	dw := &dwellingRef{building: b, new: true}
	pl.dwellings[d.key.hash()] = dw
	pl.counts["dwellings"]++
	if tx != nil {
		if err := run.createDwelling(ctx, d.key, dw); err != nil {
			return nil, err
		}
	}
	return dw, nil
}

// setGrid puts building b, which has no grid, in grid: a new one takes it at
// once (rows already written with it follow in settleGrids), an existing one
// is moved with its dwellings and residents at the end of the run.
func (run *importRun) setGrid(b *places.Building, grid int64) {
	pl := run.pl
	b.GridID = grid
	if i, ok := pl.newNameAt[b]; ok {
		pl.newNames[i] = strings.TrimSpace(b.EstateName+" "+b.Name) + "（" + pl.gridNames[grid] + "）"
	}
	if !pl.regridSet[b] {
		pl.regridSet[b] = true
		pl.regrid = append(pl.regrid, b)
	}
}

// settleGrids, in a commit once every row is written, moves the buildings
// setGrid put in a grid, with their dwellings and residents.
func (run *importRun) settleGrids(ctx context.Context, tx *db.Tx) error {
	for _, b := range run.pl.regrid {
		if err := run.s.Places.SetBuildingGridTx(ctx, tx, b.ID, b.GridID); err != nil {
			return err
		}
	}
	return nil
}

// gridLines are the summary's lines about grids.
func (run *importRun) gridLines() []importflow.Line {
	ungridded, regridded := 0, 0
	for _, b := range run.pl.newBuildings {
		if b.GridID == 0 {
			ungridded++
		}
	}
	for _, b := range run.pl.regrid {
		if _, isNew := run.pl.newNameAt[b]; !isNew {
			regridded++
		}
	}
	return places.GridLines(ungridded, regridded)
}

// createDwelling writes a planned dwelling (and its estate, building, entrance).
func (run *importRun) createDwelling(ctx context.Context, k dwellingKey, dw *dwellingRef) error {
	pl := run.pl
	b := dw.building
	if b.ID == 0 {
		if k.estate != "" && pl.estates[k.estate] == 0 {
			id, err := run.dwellings.AddEstate(ctx, places.EstateInput{CommunityID: run.comm.ID, Name: k.estate})
			if err != nil {
				return err
			}
			pl.estates[k.estate] = id
		}
		b.EstateID = pl.estates[k.estate]
		id, err := run.dwellings.AddBuilding(ctx, places.BuildingInput{CommunityID: run.comm.ID, GridID: b.GridID, EstateID: b.EstateID, Name: b.Name})
		if err != nil {
			return err
		}
		b.ID = id
	}
	var entrance int64
	if k.entrance != "" {
		ek := [3]string{k.estate, k.building, k.entrance}
		entrance = pl.entrances[ek]
		if entrance == 0 {
			id, err := run.dwellings.AddEntrance(ctx, run.comm.ID, b.ID, k.entrance)
			if err != nil {
				return err
			}
			entrance = id
			pl.entrances[ek] = id
		}
	}
	id, err := run.dwellings.Add(ctx, b, places.DwellingInput{BuildingID: b.ID, EntranceID: entrance, Room: k.room, Floor: places.FloorOf(k.room), Usage: "residential"})
	if err != nil {
		return err
	}
	dw.id = id
	return nil
}

// insert queues a new person and their pieces.
func (run *importRun) insert(ctx context.Context, d *rowData, pl placement, hh int64) (int64, error) {
	tags := make([]int64, len(d.tags))
	for i, t := range d.tags {
		tags[i] = t.ID
	}
	return run.bulk.Person(ctx, 0, &d.in, d.idf, pl, hh, d.extras, tags, run.today)
}

// update applies a changed row to the person it matched; an unchanged row does
// nothing at all.
func (run *importRun) update(ctx context.Context, tx *db.Tx, r importexport.Row, d *rowData, dw *dwellingRef, id int64) error {
	q := db.Queryer(run.s.DB.Reader())
	if tx != nil {
		q = tx
	}
	cur, err := run.s.getPerson(ctx, q, auth.System("import"), id)
	if err != nil {
		return err
	}
	f := d.idf
	set := map[string]any{}
	// What changes, for the check's list of updated people (who and what,
	// before the commit): coded values by their labels, phones masked.
	var changes []importexport.FieldChange
	codeLabels := map[string]string{"sex": "registry.sex.", "political": "registry.political.", "education": "registry.education.",
		"marital": "registry.marital.", "residence_type": "registry.residence."}
	note := func(col, old, neu string) {
		if prefix, ok := codeLabels[col]; ok {
			old, neu = label(prefix, old), label(prefix, neu)
		}
		changes = append(changes, importexport.FieldChange{Field: i18n.T("registry." + col), Old: old, New: neu})
	}
	cmp := func(col, old, neu string) {
		if neu != "" && neu != old {
			set[col] = neu
			note(col, old, neu)
		}
	}
	cmp("name", cur.Name, d.in.Name)
	cmp("sex", cur.Sex, f.sex)
	cmp("birth_date", cur.BirthDate, f.birth)
	cmp("ethnicity", cur.Ethnicity, d.in.Ethnicity)
	cmp("political", cur.Political, d.in.Political)
	cmp("education", cur.Education, d.in.Education)
	cmp("marital", cur.Marital, d.in.Marital)
	cmp("employer", cur.Employer, d.in.Employer)
	cmp("hukou_address", cur.HukouAddress, d.in.HukouAddress)
	cmp("remark", cur.Remark, d.in.Remark)
	if v := d.in.ResidenceType; v != "" && v != cur.ResidenceType && (d.in.ResidenceType != "registered" || r.Values["residence_type"] != "") {
		set["residence_type"] = v
		note("residence_type", cur.ResidenceType, v)
	}
	if f.phoneMask != "" && f.phoneMask != cur.PhoneMask {
		set["phone_enc"], set["phone_hash"], set["phone_mask"], set["phone_tail"] = f.phoneEnc, f.phoneHash, f.phoneMask, f.phoneTail
		changes = append(changes, importexport.FieldChange{Field: i18n.T("registry.phone"), Old: cur.PhoneMask, New: f.phoneMask})
	} else if f.phoneMask != "" {
		// Same mask may hide a different number: compare the keyed hashes.
		var h string
		_ = q.QueryRowContext(ctx, `SELECT COALESCE(phone_hash, '') FROM reg_person WHERE community_id = ? AND id = ?`, cur.CommunityID, id).Scan(&h)
		if h != f.phoneHash {
			set["phone_enc"], set["phone_hash"], set["phone_mask"], set["phone_tail"] = f.phoneEnc, f.phoneHash, f.phoneMask, f.phoneTail
			changes = append(changes, importexport.FieldChange{Field: i18n.T("registry.phone"), Old: cur.PhoneMask, New: i18n.T("registry.import_other_number", "mask", f.phoneMask)})
		}
	}
	if len(d.extras) > 0 {
		merged := map[string]string{}
		for k, v := range cur.Extra {
			merged[k] = v
		}
		changedExtra := false
		for k, v := range d.extras {
			if merged[k] != v {
				merged[k], changedExtra = v, true
			}
		}
		if changedExtra {
			set["extra"] = extraJSON(merged)
			keys := make([]string, 0, len(d.extras))
			for k := range d.extras {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if cur.Extra[k] != d.extras[k] {
					changes = append(changes, importexport.FieldChange{Field: k, Old: cur.Extra[k], New: d.extras[k]})
				}
			}
		}
	}
	var addTags []*Tag
	have := map[int64]bool{}
	for _, t := range cur.Tags {
		have[t.ID] = true
	}
	for _, t := range d.tags {
		if !have[t.ID] {
			addTags = append(addTags, t)
		}
	}
	moved := dw.id != cur.DwellingID || dw.id == 0
	run.res.Good++
	if len(set) == 0 && len(addTags) == 0 && !moved {
		run.unchanged++
		return nil
	}
	run.changed++
	if len(run.res.Changes) < importflow.MaxChangesKept {
		if moved {
			changes = append(changes, importexport.FieldChange{Field: i18n.T("registry.address"), Old: cur.Address, New: d.key.String()})
		}
		if len(addTags) > 0 {
			names := make([]string, len(addTags))
			for i, t := range addTags {
				names[i] = t.Name
			}
			changes = append(changes, importexport.FieldChange{Field: i18n.T("registry.import_tags_added"), New: strings.Join(names, "、")})
		}
		who := cur.Name
		if cur.IDMask != "" {
			who += "（" + cur.IDMask + "）"
		}
		run.res.AddChange(importexport.Change{Row: r.Num, Who: who, Fields: changes})
	} else {
		run.res.Changed++
	}
	if tx == nil {
		return nil
	}
	if moved {
		// The ledger puts the person somewhere else: a move, with its history.
		pl := placement{community: run.comm.ID, grid: dw.building.GridID, dwelling: dw.id}
		if err := closeResidence(ctx, tx, pl.community, id, run.today); err != nil {
			return err
		}
		if err := insertResidence(ctx, tx, id, pl, cur.ResidenceType, run.today); err != nil {
			return err
		}
		if err := relocate(ctx, tx, id, pl); err != nil {
			return err
		}
	}
	if n, ok := set["name"].(string); ok {
		full, initials := Pinyin(n)
		set["name_pinyin"], set["name_initials"] = full, initials
		if _, err := tx.ExecContext(ctx, `DELETE FROM reg_name_gram WHERE community_id = ? AND person_id = ?`, cur.CommunityID, id); err != nil {
			return err
		}
		if err := insertGrams(ctx, tx, id, n, placement{community: cur.CommunityID, grid: cur.GridID}); err != nil {
			return err
		}
	}
	if len(set) > 0 {
		cols := make([]string, 0, len(set))
		for c := range set {
			cols = append(cols, c)
		}
		sort.Strings(cols)
		args := make([]any, 0, len(cols)+2)
		parts := make([]string, 0, len(cols)+1)
		for _, c := range cols {
			parts = append(parts, c+" = ?")
			args = append(args, set[c])
		}
		parts = append(parts, "updated_at = ?")
		args = append(args, run.now, cur.CommunityID, id)
		if _, err := tx.ExecContext(ctx, `UPDATE reg_person SET `+strings.Join(parts, ", ")+` WHERE community_id = ? AND id = ?`, args...); err != nil {
			return err
		}
	}
	for _, t := range addTags {
		if err := insertPersonTag(ctx, tx, id, t.ID, placement{community: cur.CommunityID, grid: cur.GridID}); err != nil {
			return err
		}
	}
	return run.s.event(ctx, tx, run.pr, cur.CommunityID, id, cur.HouseholdID, EventImport, run.today, i18n.T("registry.detail_import_update"))
}

// settleHouseholds records the head and member count of every household the
// file added people to, set-based, once all rows are in. Households left
// without a head are reported by finish (and the commit rolls back).
func (run *importRun) settleHouseholds(ctx context.Context, tx *db.Tx) error {
	if tx == nil {
		return nil
	}
	// New households: the file named their head and members, so they are
	// written from memory (one statement per 500, no lookups); a household
	// left without a head keeps none and is reported by finish.
	const per = 500
	for i := 0; i < len(run.created); i += per {
		chunk := run.created[i:min(i+per, len(run.created))]
		var b strings.Builder
		args := make([]any, 1, 3*len(chunk)+2)
		args[0] = run.now // updated_at, the statement's first parameter
		for j, h := range chunk {
			if j > 0 {
				b.WriteString(" UNION ALL ")
			}
			b.WriteString("SELECT CAST(? AS BIGINT) AS id, CAST(? AS BIGINT) AS head, CAST(? AS INTEGER) AS members")
			args = append(args, h.id, nullInt(h.headID), h.added)
		}
		args = append(args, run.comm.ID)
		if _, err := tx.ExecContext(ctx, `UPDATE reg_household SET head_person_id = v.head, members = v.members, updated_at = ?
			FROM (`+b.String()+`) AS v WHERE reg_household.id = v.id AND reg_household.community_id = ?`, args...); err != nil {
			return err
		}
	}
	// Existing households the file added people to: counted again.
	for i := 0; i < len(run.touched); i += per {
		chunk := run.touched[i:min(i+per, len(run.touched))]
		in, inArgs := tx.Dialect().IDSet("id", chunk)
		if _, err := tx.ExecContext(ctx, `UPDATE reg_household SET
			head_person_id = COALESCE((SELECT p.id FROM reg_person p WHERE p.community_id = reg_household.community_id AND p.household_id = reg_household.id AND p.relation = 'self' AND p.status = 'active' ORDER BY p.id LIMIT 1), head_person_id),
			members = (SELECT COUNT(*) FROM reg_person p WHERE p.community_id = reg_household.community_id AND p.household_id = reg_household.id AND p.status = 'active'),
			updated_at = ?
			WHERE community_id = ? AND `+in, append([]any{run.now, run.comm.ID}, inArgs...)...); err != nil {
			return err
		}
	}
	return nil
}

// release drops what only the rows and finish read, before the rest of the
// commit: SQLite's index builds then sort outside Go's heap, and a web import
// of a million rows stayed near 500 MB while this state (half of the heap)
// was kept to the end. What settleGrids and settleHouseholds need stays.
func (run *importRun) release() {
	run.known, run.seenDocs, run.noDoc, run.seenNoDoc = nil, nil, nil, nil
	run.households, run.badHeads, run.dwKeys, run.tags = nil, nil, nil, nil
	run.pl = &placeIndex{regrid: run.pl.regrid}
	debug.FreeOSMemory()
}

// finish reports households without a head and writes the summary.
func (run *importRun) finish() {
	done := map[*hhPlan]bool{}
	var headless []*hhPlan
	for _, h := range run.households {
		if done[h] || len(h.rows) == 0 {
			continue
		}
		done[h] = true
		if h.headID == 0 && h.headRow == 0 {
			headless = append(headless, h)
		}
	}
	// In the file's order, so that counts by kind give the first row.
	sort.Slice(headless, func(i, j int) bool { return headless[i].rows[0] < headless[j].rows[0] })
	for _, h := range headless {
		// Members of a household no row and no record gives a head: one
		// problem per row, naming the head's row when that row was bad.
		reason, kind := i18n.T("registry.import_no_head"), "registry.import_no_head"
		if hr := run.badHeadRow(h); hr != 0 {
			reason, kind = i18n.T("registry.import_head_row_bad", "row", hr), "registry.import_head_row_bad"
		}
		for _, row := range h.rows {
			run.res.Bad++
			run.res.Good--
			run.res.AddProblem(importexport.Problem{Row: row, Column: run.col("relation"), Value: "", Reason: reason, Kind: kind})
		}
	}
	sort.Slice(run.res.Problems, func(i, j int) bool { return run.res.Problems[i].Row < run.res.Problems[j].Row })
	pl := run.pl
	run.res.Summary = []importflow.Line{
		{Label: i18n.T("registry.import_new_people"), Count: run.newPeople},
		{Label: i18n.T("registry.import_updated_people"), Count: run.changed},
		{Label: i18n.T("registry.import_unchanged_people"), Count: run.unchanged},
		{Label: i18n.T("registry.import_new_households"), Count: run.newHH},
		{Label: i18n.T("places.import_new_estates"), Count: pl.counts["estates"]},
		{Label: i18n.T("places.import_new_buildings"), Count: pl.counts["buildings"]},
		{Label: i18n.T("places.import_new_dwellings"), Count: pl.counts["dwellings"]},
	}
	run.res.Summary = append(run.res.Summary, run.gridLines()...)
	run.res.NewPlaces = pl.newNames
	run.res.PlaceTree = run.placeTree()
}

// placeTree lists the buildings the run creates or adds dwellings to, with
// their new dwellings, for the check page's grouped list.
func (run *importRun) placeTree() []importflow.NewEstate {
	pl := run.pl
	count := map[*places.Building]int{}
	var order []*places.Building
	for _, dw := range pl.dwellings {
		if dw.new {
			if count[dw.building] == 0 {
				order = append(order, dw.building)
			}
			count[dw.building]++
		}
	}
	list := make([]importflow.NewPlace, 0, len(order))
	for _, b := range order {
		_, isNew := pl.newNameAt[b]
		list = append(list, importflow.NewPlace{Estate: b.EstateName, EstateNew: pl.newEstate[b.EstateName], Building: b.Name, BuildingNew: isNew,
			Grid: places.GridLabel(pl.gridNames[b.GridID]), Dwellings: count[b]})
	}
	return importflow.GroupPlaces(list)
}

func v0(r importexport.Row, key string) string { return r.Values[key] }
