package followups

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/identity"
	"linli/internal/importexport"
	"linli/internal/importflow"
	"linli/internal/locale"
	"linli/internal/privacy"
)

// Importer brings in the visit and talk ledgers a community kept before Linli
// (走访台账, 帮教谈话记录): one row is one contact with one resident. Each row
// is matched to an active person of the community (by ID number, or by a name
// no one else in the community has when the row gives none) and to that
// person's active duty that the importer may see: in a talk ledger (谈话 or 帮教
// in its headers) only a talk; otherwise a visit first, else the duty due
// earliest. A row without a way is a home visit (入户), or in a talk ledger a
// talk at the office (来访). Rows repeating a record the duty already has (same
// day, same way), or an earlier row of the file, are skipped and counted, so
// the same ledger twice adds nothing. A commit writes every record or none, in
// date order per duty, each moving the duty's due date as a record from a phone
// does, with one audit entry for the batch.
type Importer struct{ S *Service }

// Kind implements importflow.Importer.
func (Importer) Kind() string { return "followups" }

// Title implements importflow.Importer.
func (Importer) Title() string { return i18n.T("followups.import") }

// Perm implements importflow.Importer.
func (Importer) Perm() auth.Perm { return PermImport }

// Fields implements importflow.Importer.
func (Importer) Fields() []importexport.Field {
	return []importexport.Field{
		{Key: "name", Label: "姓名", Synonyms: []string{"居民姓名", "人员姓名", "对象姓名", "走访对象", "被走访人", "被访人", "谈话对象", "帮教对象", "服务对象"}, Required: true},
		{Key: "id_number", Label: "身份证号", Synonyms: []string{"公民身份号码", "身份证号码", "证件号码", "证件号", "身份证"}},
		{Key: "date", Label: "走访日期", Synonyms: []string{"谈话日期", "日期", "走访时间", "谈话时间", "时间", "回访日期", "回访时间", "访视日期", "检查日期", "排查日期"}, Required: true},
		{Key: "way", Label: "走访方式", Synonyms: []string{"方式", "谈话方式", "回访方式", "走访形式", "形式"}},
		{Key: "met", Label: "见到的人", Synonyms: []string{"接待人", "接待人员", "见面人", "在家人员", "受访人"}},
		{Key: "note", Label: "情况记录", Synonyms: []string{"走访情况", "谈话内容", "走访内容", "谈话记录", "走访记录", "情况说明", "主要内容", "基本情况", "内容", "情况"}},
		{Key: "needs", Label: "发现问题", Synonyms: []string{"需求", "发现的问题", "存在问题", "存在的问题", "问题及需求", "发现问题及需求", "困难诉求", "诉求", "反映问题"}},
		{Key: "health", Label: "身体状况", Synonyms: []string{"健康状况", "身体情况", "健康情况"}},
		{Key: "living", Label: "生活状况", Synonyms: []string{"生活情况", "家庭情况"}},
		{Key: "mood", Label: "思想动态", Synonyms: []string{"思想状况", "思想情况", "心理状况"}},
		{Key: "location", Label: "地点", Synonyms: []string{"走访地点", "谈话地点"}},
		{Key: "visitor", Label: "走访人", Synonyms: []string{"谈话人", "走访人员", "走访干部", "访问人", "记录人", "经办人"}},
		// Columns ledgers have about the person, read by no one here: named so
		// that "联系方式" is not taken for the way, nor "出生日期" for the date.
		{Key: "phone", Label: "联系电话（不导入）", Synonyms: []string{"联系方式", "电话号码", "手机号", "手机号码", "手机"}},
		{Key: "birth_date", Label: "出生日期（不导入）", Synonyms: []string{"出生年月", "出生年月日", "生日"}},
		{Key: "address", Label: "住址（不导入）", Synonyms: []string{"现住址", "家庭住址", "居住地址", "地址"}},
	}
}

// wayWords are the ways ledgers write, and the codes they stand for.
var wayWords = map[string]string{
	"入户": "home", "上门": "home", "入户走访": "home", "上门走访": "home", "家访": "home", "实地走访": "home", "走访": "home", "登门": "home", "入户谈话": "home",
	"电话": "phone", "电话回访": "phone", "电话走访": "phone", "电话联系": "phone", "电话访问": "phone", "电话谈话": "phone", "打电话": "phone",
	"微信": "wechat", "微信联系": "wechat", "微信视频": "wechat", "视频": "wechat", "视频通话": "wechat", "微信回访": "wechat",
	"来访": "office", "来社区": "office", "到社区": "office", "社区谈话": "office", "约谈": "office", "办公室": "office",
	"座谈": "meeting", "座谈会": "meeting", "集体座谈": "meeting", "集中座谈": "meeting",
	"现场": "onsite", "现场查看": "onsite", "现场检查": "onsite", "实地查看": "onsite", "实地": "onsite",
}

// wayOf reads a ledger's way: a word of wayWords, a way's name in the
// catalogue, or its code.
func wayOf(v string) (string, bool) {
	v = strings.ReplaceAll(v, " ", "")
	if w, ok := wayWords[v]; ok {
		return w, true
	}
	for _, w := range Ways {
		if v == w || v == i18n.T("followups.way."+w) {
			return w, true
		}
	}
	return "", false
}

// minImportYear: an earlier year in a date column is a typo (0226, 1026), not
// a visit.
const minImportYear = "2000"

// ledgerRow is a row read and checked.
type ledgerRow struct {
	name, idNumber                 string // idNumber normalised, "" when the row has none
	on                             string
	way                            string // "" when the row says none
	met, note, needs, location, by string
	fields                         map[string]string
	duty                           *Duty
}

// readRow checks a row's own values (not yet whom it is about); problem is
// called for each bad cell.
func readRow(r importexport.Row, today, byLabel string, problem func(key, value string, msg i18n.Msg)) ledgerRow {
	v := r.Values
	lr := ledgerRow{name: v["name"], met: v["met"], note: v["note"], needs: v["needs"], location: v["location"], by: v["visitor"], fields: map[string]string{}}
	if x := v["id_number"]; x != "" {
		id, err := identity.ParseID(x)
		if err != nil {
			// A number of Hong Kong, Macao or Taiwan residents is kept the
			// same way.
			if hmt, herr := identity.ParseHMTResidence(x); herr == nil {
				id, err = hmt, nil
			}
		}
		if err != nil {
			msg := i18n.M("err.invalid", "field", fieldLabel("id_number"))
			if ie, ok := err.(*i18n.Error); ok {
				msg = ie.Msg
			}
			problem("id_number", privacy.MaskIDNumber(x), msg)
		} else {
			lr.idNumber = id.Number
		}
	}
	if lr.name == "" && v["id_number"] == "" {
		problem("name", "", i18n.M("err.required", "field", fieldLabel("name")))
	}
	if utf8.RuneCountInString(lr.name) > 30 {
		problem("name", lr.name, i18n.M("err.too_long", "field", fieldLabel("name"), "max", 30))
	}
	if x := v["date"]; x == "" {
		problem("date", "", i18n.M("err.required", "field", fieldLabel("date")))
	} else {
		on, ok := r.ParseDate(x) // a serial number in the workbook's date system
		switch {
		case !ok:
			problem("date", x, i18n.M("followups.import_date"))
		case on > today:
			problem("date", x, i18n.M("followups.import_future"))
		case on < minImportYear:
			problem("date", x, i18n.M("followups.import_too_old"))
		default:
			lr.on = on
		}
	}
	if x := v["way"]; x != "" {
		w, ok := wayOf(x)
		if !ok {
			problem("way", x, i18n.M("followups.import_way"))
		}
		lr.way = w
	}
	for _, f := range []struct {
		key string
		max int
	}{{"met", 100}, {"needs", maxNote}, {"location", 200}, {"visitor", 30}} {
		if utf8.RuneCountInString(v[f.key]) > f.max {
			problem(f.key, v[f.key], i18n.M("err.too_long", "field", fieldLabel(f.key), "max", f.max))
		}
	}
	if lr.by != "" {
		// Linli records who entered a record; who made the visit is told in
		// its note.
		by := byLabel + "：" + lr.by
		if lr.note == "" {
			lr.note = by
		} else {
			lr.note += "；" + by
		}
	}
	if utf8.RuneCountInString(lr.note) > maxNote {
		problem("note", v["note"], i18n.M("err.too_long", "field", fieldLabel("note"), "max", maxNote))
	}
	for _, key := range RecordFields {
		x := v[key]
		switch {
		case utf8.RuneCountInString(x) > 200:
			problem(key, x, i18n.M("err.too_long", "field", fieldLabel(key), "max", 200))
		case x != "":
			lr.fields[key] = x
		}
	}
	return lr
}

// nameKey is a name as compared: ledgers pad two-character Chinese names to
// the width of three ("王  芳"), which the registry writes "王芳".
func nameKey(s string) string {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return strings.ReplaceAll(s, " ", "")
		}
	}
	return s
}

func fieldLabel(key string) string {
	for _, f := range (Importer{}).Fields() {
		if f.Key == key {
			return f.Label
		}
	}
	return key
}

// talkLedger tells a talk ledger (帮教谈话记录) by its headers.
func talkLedger(m *importexport.Mapping) bool {
	for _, c := range m.Columns {
		if c.Field != "" && (strings.Contains(c.Header, "谈话") || strings.Contains(c.Header, "帮教")) {
			return true
		}
	}
	return false
}

// pickDuty chooses the duty a row of a person is about: of the wanted kind
// if the person has one (the earliest due), else, unless the ledger is of
// that kind only, the one due earliest.
func pickDuty(duties []*Duty, want string, only bool) *Duty {
	var best, bestKind *Duty
	for _, d := range duties {
		if best == nil || d.DueOn < best.DueOn || d.DueOn == best.DueOn && d.ID < best.ID {
			best = d
		}
		if d.Kind == want && (bestKind == nil || d.DueOn < bestKind.DueOn || d.DueOn == bestKind.DueOn && d.ID < bestKind.ID) {
			bestKind = d
		}
	}
	if bestKind != nil || only {
		return bestKind
	}
	return best
}

type recordKey struct {
	duty    int64
	on, way string
}

// Run implements importflow.Importer.
func (im Importer) Run(ctx context.Context, p *auth.Principal, req importflow.Request) (*importflow.Result, error) {
	s := im.S
	comm, err := importflow.Community(ctx, s.Org, p, PermImport, req.CommunityID)
	if err != nil {
		return nil, err
	}
	// Duties in step with the registry first: a person given a tag a minute
	// ago has their duty (Sync writes only what changed, usually nothing).
	if err := s.Sync(ctx, req.CommunityID); err != nil {
		return nil, err
	}
	duties, err := s.personDuties(ctx, p, req.CommunityID)
	if err != nil {
		return nil, err
	}
	fields := im.Fields()
	res := &importflow.Result{}
	col := func(key string) string { return importflow.ColumnLabel(req.Mapping, fields, key) }
	talk := talkLedger(req.Mapping)
	want, defaultWay := KindVisit, "home"
	if talk {
		want, defaultWay = KindTalk, "office"
	}
	today := s.today()
	byLabel := fieldLabel("visitor")
	for _, c := range req.Mapping.Columns {
		if c.Field == "visitor" {
			byLabel = c.Header
		}
	}
	byID := map[string]*Subject{} // normalised ID number → person (nil: none)
	byName := map[string][]Subject{}
	var plan []*ledgerRow
	err = req.Source.Rows(req.Mapping, func(r importexport.Row) error {
		res.Rows++
		if req.Progress != nil && res.Rows%1000 == 0 {
			req.Progress(res.Rows)
		}
		bad := false
		problem := func(key, value string, msg i18n.Msg) {
			bad = true
			res.AddProblem(importexport.Problem{Row: r.Num, Column: col(key), Value: value, Reason: msg.String(), Kind: msg.Key})
		}
		lr := readRow(r, today, byLabel, problem)
		if bad {
			res.Bad++
			return nil
		}
		// Whom the row is about.
		var person *Subject
		if lr.idNumber != "" {
			sb, seen := byID[lr.idNumber]
			if !seen {
				found, ok, err := s.Registry.PersonByIDNumber(ctx, req.CommunityID, lr.idNumber)
				if err != nil {
					return err
				}
				if ok {
					sb = &found
				}
				byID[lr.idNumber] = sb
			}
			masked := privacy.MaskIDNumber(lr.idNumber)
			switch {
			case sb == nil:
				problem("id_number", masked, i18n.M("followups.import_no_person", "community", comm.Name))
			case lr.name != "" && nameKey(lr.name) != nameKey(sb.Name):
				problem("name", lr.name, i18n.M("followups.import_name_mismatch"))
			default:
				person = sb
			}
		} else {
			name := nameKey(lr.name)
			list, seen := byName[name]
			if !seen {
				found, err := s.Registry.PeopleNamed(ctx, req.CommunityID, name)
				if err != nil {
					return err
				}
				list, byName[name] = found, found
			}
			switch len(list) {
			case 0:
				problem("name", lr.name, i18n.M("followups.import_no_name", "community", comm.Name))
			case 1:
				person = &list[0]
			default:
				problem("name", lr.name, i18n.M("followups.import_name_many", "n", len(list)))
			}
		}
		if person != nil {
			lr.duty = pickDuty(duties[person.ID], want, talk)
			switch {
			case lr.duty == nil && talk && len(duties[person.ID]) > 0:
				problem("name", lr.name, i18n.M("followups.import_no_talk"))
			case lr.duty == nil:
				problem("name", lr.name, i18n.M("followups.import_no_duty"))
			}
		}
		if bad {
			res.Bad++
			return nil
		}
		res.Good++
		if lr.way == "" {
			lr.way = defaultWay
		}
		plan = append(plan, &lr)
		return nil
	})
	if err != nil {
		return nil, err
	}

	// What the duties have already: a ledger imported again adds nothing.
	ids := map[int64]bool{}
	for _, lr := range plan {
		ids[lr.duty.ID] = true
	}
	have, err := s.recordKeys(ctx, req.CommunityID, ids)
	if err != nil {
		return nil, err
	}
	// In date order per duty, so that each record is on time or late against
	// the due date the one before it set.
	sort.SliceStable(plan, func(i, j int) bool {
		a, b := plan[i], plan[j]
		if a.duty.ID != b.duty.ID {
			return a.duty.ID < b.duty.ID
		}
		return a.on < b.on
	})
	var writes []*ledgerRow
	people := map[int64]bool{}
	skipped := 0
	for _, lr := range plan {
		k := recordKey{lr.duty.ID, lr.on, lr.way}
		if have[k] {
			skipped++
			continue
		}
		have[k] = true
		writes = append(writes, lr)
		people[lr.duty.SubjectID] = true
	}
	res.Summary = []importflow.Line{
		{Label: i18n.T("followups.import_new"), Count: len(writes)},
		{Label: i18n.T("followups.import_people"), Count: len(people)},
		{Label: i18n.T("followups.import_skipped"), Count: skipped},
	}
	if !req.Commit || res.Bad > 0 || res.Rows == 0 {
		return res, nil
	}
	cal, err := s.Calendar.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	rules := map[int64]*Rule{}
	all, err := s.allRules(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range all {
		rules[r.ID] = r
	}
	now := s.now()
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		for i, lr := range writes {
			r := rules[lr.duty.RuleID]
			note := lr.note
			if r.Kind == KindScreening && note == "" {
				note = i18n.T("followups.zero_report")
			}
			fieldsJSON, _ := json.Marshal(lr.fields)
			// A ledger gives the day: the record is at noon of it (or now,
			// for a visit of this morning).
			t, _ := time.ParseInLocation(day, lr.on, locale.Zone)
			at := t.Add(12 * time.Hour)
			if at.After(now) {
				at = now
			}
			if _, err := writeRecord(ctx, tx, cal, lr.duty, r, newRecord{way: lr.way, at: at, on: lr.on, met: lr.met, note: note,
				fields: string(fieldsJSON), needs: lr.needs, location: lr.location, by: p.UserID}); err != nil {
				return err
			}
			if req.Progress != nil && (i+1)%1000 == 0 {
				req.Progress(res.Rows)
			}
		}
		// The summary's own words name its figures in the audit log, as
		// the other ledger imports do.
		detail := map[string]any{"rows": res.Rows}
		for _, l := range res.Summary {
			detail[l.Label] = l.Count
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "followups.import", "org_unit", req.CommunityID, req.CommunityID, audit.Success).WithDetail(detail))
	})
	if err != nil {
		return nil, err
	}
	res.Committed = true
	return res, nil
}

// personDuties are the community's active duties about people that p may
// see, by person.
func (s *Service) personDuties(ctx context.Context, p *auth.Principal, communityID int64) (map[int64][]*Duty, error) {
	visible, _, err := s.visibleRules(ctx, p)
	if err != nil || len(visible) == 0 {
		return nil, err
	}
	d := s.DB.Dialect()
	sc, args := p.Scope.SQL(d, "d.community_id", "d.grid_id")
	rc, rargs := d.IDSet("d.rule_id", ruleIDs(visible))
	rows, err := s.DB.QueryContext(ctx, `SELECT `+dutyCols+` FROM fu_duty d WHERE d.community_id = ? AND d.status = 'active' AND d.subject_kind IN ('person', 'tag') AND `+sc+` AND `+rc,
		append(append([]any{communityID}, args...), rargs...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []*Duty
	for rows.Next() {
		du, err := scanDuty(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, du)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	s.fill(ctx, visible, list)
	out := map[int64][]*Duty{}
	for _, du := range list {
		out[du.SubjectID] = append(out[du.SubjectID], du)
	}
	return out, nil
}

// recordKeys are the day and way of every record of the duties.
func (s *Service) recordKeys(ctx context.Context, communityID int64, duties map[int64]bool) (map[recordKey]bool, error) {
	out := map[recordKey]bool{}
	if len(duties) == 0 {
		return out, nil
	}
	ids := make([]int64, 0, len(duties))
	for id := range duties {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	in, args := s.DB.Dialect().IDSet("duty_id", ids)
	rows, err := s.DB.QueryContext(ctx, `SELECT duty_id, happened_on, way FROM fu_record WHERE community_id = ? AND `+in, append([]any{communityID}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k recordKey
		if err := rows.Scan(&k.duty, &k.on, &k.way); err != nil {
			return nil, err
		}
		out[k] = true
	}
	return out, rows.Err()
}
