package activities

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/importexport"
	"linli/internal/importflow"
	"linli/internal/locale"
)

var _ = audit.Actions("activities.action.", "activities.import")

// Importer brings in the activity ledgers (活动台账) a community kept before
// Linli, WPS-made files with merged title rows included (the importflow
// reader finds the header row and normalises full-width digits). One row is
// one past activity: held (summarised when the row has a 小结), with the
// attendance it states as its 人次 (there is no roster to count). A row
// without a time is taken as 09:00–11:00; a topic or format the street's
// active lists do not name is 其他. An activity already there (same
// community, title and start) is skipped and counted, so the same ledger twice adds nothing.
// A commit writes every row or none, with one audit entry.
type Importer struct{ S *Service }

// Kind implements importflow.Importer.
func (Importer) Kind() string { return "activities" }

// Title implements importflow.Importer.
func (Importer) Title() string { return i18n.T("activities.import") }

// Perm implements importflow.Importer.
func (Importer) Perm() auth.Perm { return PermManage }

// Fields implements importflow.Importer.
func (Importer) Fields() []importexport.Field {
	return []importexport.Field{
		{Key: "date", Label: "日期", Synonyms: []string{"活动日期", "活动时间（日期）", "举办日期", "开展日期"}, Required: true},
		{Key: "time", Label: "时间", Synonyms: []string{"活动时间", "时段", "起止时间", "开展时间"}},
		{Key: "title", Label: "标题", Synonyms: []string{"活动名称", "活动标题", "活动主题名称", "名称"}, Required: true},
		{Key: "topic", Label: "主题", Synonyms: []string{"类别", "活动类别", "活动类型", "主题类别", "类型"}},
		{Key: "format", Label: "形式", Synonyms: []string{"活动形式", "开展形式"}},
		{Key: "place", Label: "地点", Synonyms: []string{"活动地点", "举办地点", "场地"}},
		{Key: "organiser", Label: "组织者", Synonyms: []string{"组织单位", "主办单位", "主办", "组织方", "负责人"}},
		{Key: "speakers", Label: "主讲人", Synonyms: []string{"主讲", "讲师", "授课人", "主讲老师"}},
		{Key: "attendance", Label: "参加人数", Synonyms: []string{"人次", "参加人次", "参与人数", "参与人次", "参加人数（人次）", "人数"}},
		{Key: "summary", Label: "小结", Synonyms: []string{"活动小结", "活动总结", "总结", "活动效果", "备注"}},
	}
}

func importLabel(key string) string {
	for _, f := range (Importer{}).Fields() {
		if f.Key == key {
			return f.Label
		}
	}
	return key
}

// codeOf finds the code of a topic or format from its name as ledgers write
// it, among the street's active terms (a label, or a label within it:
// "法律宣传" is 法律); "" or a name no term matches is other.
func codeOf(terms []*Term, name string) string {
	name = strings.TrimSpace(name)
	if name == "" {
		return termOther
	}
	for _, t := range terms {
		if t.Label == name || t.Code == name {
			return t.Code
		}
	}
	for _, t := range terms {
		if t.Code != termOther && t.Label != "" && strings.Contains(name, t.Label) {
			return t.Code
		}
	}
	return termOther
}

// importClock reads "14:00-16:00" (also –, —, ～, 至, 到; "14:00" alone is
// two hours) into minutes of the day; "" is 09:00–11:00.
func importClock(s string) (from, to int, ok bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), "：", ":")
	if s == "" {
		return 9 * 60, 11 * 60, true
	}
	for _, sep := range []string{"–", "—", "～", "~", "至", "到"} {
		s = strings.ReplaceAll(s, sep, "-")
	}
	a, b, two := strings.Cut(s, "-")
	f, ok1 := clockMinutes(a)
	if !ok1 {
		return 0, 0, false
	}
	if !two {
		return f, min(f+120, 24*60), true
	}
	t, ok2 := clockMinutes(b)
	if !ok2 || t <= f {
		return 0, 0, false
	}
	return f, t, true
}

func clockMinutes(s string) (int, bool) {
	h, m, _ := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm := 0
	var err2 error
	if m != "" {
		mm, err2 = strconv.Atoi(m)
	}
	if err1 != nil || err2 != nil || hh < 0 || hh > 24 || mm < 0 || mm > 59 || hh*60+mm > 24*60 {
		return 0, false
	}
	return hh*60 + mm, true
}

// importCount reads an attendance: "35", "35人", "35人次".
func importCount(s string) (int, bool) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(strings.TrimSpace(s), "人次"), "人"))
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0 && n <= maxQuota
}

type importRow struct {
	title, topic, format, place, organiser, speakers, summary string
	from, to                                                  int64
	attendance                                                int
}

// Run implements importflow.Importer.
func (im Importer) Run(ctx context.Context, p *auth.Principal, req importflow.Request) (*importflow.Result, error) {
	s := im.S
	if _, err := importflow.Community(ctx, s.Org, p, PermManage, req.CommunityID); err != nil {
		return nil, err
	}
	fields := im.Fields()
	res := &importflow.Result{}
	col := func(key string) string { return importflow.ColumnLabel(req.Mapping, fields, key) }
	now := s.now()
	today := now.In(locale.Zone).Format(time.DateOnly)
	// What is there already: title and start.
	existing := map[string]bool{}
	rows, err := s.DB.QueryContext(ctx, `SELECT title, starts_at FROM activity WHERE community_id = ?`, req.CommunityID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var title string
		var at int64
		if err := rows.Scan(&title, &at); err != nil {
			rows.Close()
			return nil, err
		}
		existing[fmt.Sprint(title, "\x00", at)] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	terms, err := s.termsOf(ctx, req.CommunityID)
	if err != nil {
		return nil, err
	}
	topics, formats := terms.Active(KindTopic), terms.Active(KindFormat)
	var plan []*importRow
	skipped, attendance := 0, 0
	err = req.Source.Rows(req.Mapping, func(r importexport.Row) error {
		res.Rows++
		bad := false
		problem := func(key, value string, msg i18n.Msg) {
			bad = true
			res.AddProblem(importexport.Problem{Row: r.Num, Column: col(key), Value: value, Reason: msg.String(), Kind: msg.Key})
		}
		v := r.Values
		ir := &importRow{title: strings.TrimSpace(v["title"]), topic: codeOf(topics, v["topic"]),
			format: codeOf(formats, v["format"]), place: strings.TrimSpace(v["place"]), organiser: strings.TrimSpace(v["organiser"]),
			speakers: strings.TrimSpace(v["speakers"]), summary: strings.TrimSpace(v["summary"])}
		if ir.title == "" {
			problem("title", "", i18n.M("err.required", "field", importLabel("title")))
		} else if utf8.RuneCountInString(ir.title) > maxTitle {
			problem("title", ir.title, i18n.M("err.too_long", "field", importLabel("title"), "max", maxTitle))
		}
		for _, k := range []string{"place", "organiser", "speakers"} {
			if utf8.RuneCountInString(v[k]) > maxShort {
				problem(k, v[k], i18n.M("err.too_long", "field", importLabel(k), "max", maxShort))
			}
		}
		if utf8.RuneCountInString(ir.summary) > maxText {
			problem("summary", "", i18n.M("err.too_long", "field", importLabel("summary"), "max", maxText))
		}
		day, dayOK := "", false
		if x := strings.TrimSpace(v["date"]); x == "" {
			problem("date", "", i18n.M("err.required", "field", importLabel("date")))
		} else if day, dayOK = r.ParseDate(x); !dayOK || day > today {
			problem("date", x, i18n.M("activities.import_date"))
			dayOK = false
		}
		f, t, clockOK := importClock(v["time"])
		if !clockOK {
			problem("time", v["time"], i18n.M("activities.import_time"))
		}
		if x := strings.TrimSpace(v["attendance"]); x != "" {
			n, ok := importCount(x)
			if !ok {
				problem("attendance", x, i18n.M("activities.import_count"))
			}
			ir.attendance = n
		}
		if dayOK && clockOK {
			d, _ := time.ParseInLocation(time.DateOnly, day, locale.Zone)
			ir.from = d.Add(time.Duration(f) * time.Minute).UnixMilli()
			ir.to = d.Add(time.Duration(t) * time.Minute).UnixMilli()
		}
		if bad {
			res.Bad++
			return nil
		}
		res.Good++
		key := fmt.Sprint(ir.title, "\x00", ir.from)
		if existing[key] {
			skipped++
			return nil
		}
		existing[key] = true
		attendance += ir.attendance
		plan = append(plan, ir)
		return nil
	})
	if err != nil {
		return nil, err
	}
	res.Summary = []importflow.Line{
		{Label: i18n.T("activities.import_new"), Count: len(plan)},
		{Label: i18n.T("activities.import_attendance"), Count: attendance},
		{Label: i18n.T("activities.import_skipped"), Count: skipped},
	}
	if !req.Commit || res.Bad > 0 || res.Rows == 0 {
		return res, nil
	}
	ms := now.UnixMilli()
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		for _, ir := range plan {
			status, summaryAt, summaryBy := StatusHeld, int64(0), int64(0)
			if ir.summary != "" {
				status, summaryAt, summaryBy = StatusSummarised, ms, p.UserID
			}
			// The stated attendance is 人次 without names: walk-ins.
			if _, err := tx.ExecContext(ctx, `INSERT INTO activity (community_id, title, topic, format, organiser, speakers, place, starts_at, ends_at, month,
				status, walkins, summary, summary_at, summary_by, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				req.CommunityID, ir.title, ir.topic, ir.format, ir.organiser, ir.speakers, ir.place, ir.from, ir.to, monthOf(ir.from), status, ir.attendance,
				ir.summary, summaryAt, summaryBy, p.UserID, ms, ms); err != nil {
				return err
			}
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "activities.import", "org_unit", req.CommunityID, req.CommunityID, audit.Success).
			WithDetail(map[string]any{"created": len(plan), "skipped": skipped}))
	})
	if err != nil {
		return nil, err
	}
	res.Committed = true
	return res, nil
}
