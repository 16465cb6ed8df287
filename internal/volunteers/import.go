package volunteers

import (
	"context"
	"strings"
	"unicode/utf8"

	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/i18n"
	"linli/internal/identity"
	"linli/internal/importexport"
	"linli/internal/importflow"
	"linli/internal/privacy"
)

// Importer brings in the volunteer registers a community kept before Linli
// (志愿者花名册), WPS-made files with merged title rows included (the
// importflow reader finds the header row). One row is one volunteer: a
// registry person of the community when the row gives an ID number, else an
// outsider with a phone. A team the row names is joined (and made, when the
// community has none of that name); hours served before, when given, become
// one confirmed record of the import. A person already a volunteer (an outsider: one of
// the same name), or named twice, is skipped and counted, so the same register twice adds
// nothing. A commit writes every row or none, with one audit entry.
type Importer struct{ S *Service }

// Kind implements importflow.Importer.
func (Importer) Kind() string { return "volunteers" }

// Title implements importflow.Importer.
func (Importer) Title() string { return i18n.T("volunteers.import") }

// Perm implements importflow.Importer.
func (Importer) Perm() auth.Perm { return PermImport }

// Fields implements importflow.Importer.
func (Importer) Fields() []importexport.Field {
	return []importexport.Field{
		{Key: "name", Label: "姓名", Synonyms: []string{"志愿者姓名", "队员姓名", "人员姓名"}, Required: true},
		{Key: "id_number", Label: "身份证号", Synonyms: []string{"公民身份号码", "身份证号码", "证件号码", "证件号", "身份证"}},
		{Key: "phone", Label: "联系电话", Synonyms: []string{"联系方式", "电话", "电话号码", "手机号", "手机号码", "手机"}},
		{Key: "skills", Label: "技能特长", Synonyms: []string{"特长", "专业特长", "技能", "服务特长"}},
		{Key: "availability", Label: "可服务时间", Synonyms: []string{"服务时间", "空闲时间", "可参加时间"}},
		{Key: "training", Label: "培训情况", Synonyms: []string{"参加培训", "培训", "培训经历"}},
		{Key: "team", Label: "所属队伍", Synonyms: []string{"队伍", "服务队", "所在队伍", "志愿服务队"}},
		{Key: "hours", Label: "累计服务时长", Synonyms: []string{"服务时长", "累计时长", "服务小时数", "时长（小时）", "累计服务时长（小时）"}},
		{Key: "joined_on", Label: "登记日期", Synonyms: []string{"注册日期", "加入日期", "入队时间", "登记时间", "注册时间"}},
	}
}

func fieldLabel(key string) string {
	for _, f := range (Importer{}).Fields() {
		if f.Key == key {
			return f.Label
		}
	}
	return key
}

// teamKindOf guesses a new team's kind from its name.
func teamKindOf(name string) string {
	switch {
	case strings.Contains(name, "巡逻") || strings.Contains(name, "治安") || strings.Contains(name, "平安"):
		return "patrol"
	case strings.ContainsAny(name, "舞歌唱乐") || strings.Contains(name, "文体") || strings.Contains(name, "太极") || strings.Contains(name, "合唱"):
		return "culture"
	}
	return "service"
}

type importRow struct {
	in       VolunteerInput
	grid     int64
	team     string
	minutes  int
	joinedOn string
}

// Run implements importflow.Importer.
func (im Importer) Run(ctx context.Context, p *auth.Principal, req importflow.Request) (*importflow.Result, error) {
	s := im.S
	comm, err := importflow.Community(ctx, s.Org, p, PermImport, req.CommunityID)
	if err != nil {
		return nil, err
	}
	fields := im.Fields()
	res := &importflow.Result{}
	col := func(key string) string { return importflow.ColumnLabel(req.Mapping, fields, key) }
	today := s.today()
	// Who is a volunteer already: registry people by id, outsiders by name.
	existing, outsiders := map[int64]bool{}, map[string]bool{}
	rows, err := s.DB.QueryContext(ctx, `SELECT COALESCE(person_id, 0), name FROM vol_volunteer WHERE community_id = ?`, req.CommunityID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			rows.Close()
			return nil, err
		}
		if id != 0 {
			existing[id] = true
		} else {
			outsiders[name] = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	teams, err := s.ListTeams(ctx, p, req.CommunityID, "")
	if err != nil {
		return nil, err
	}
	teamIDs := map[string]int64{}
	for _, t := range teams {
		teamIDs[t.Name] = t.ID
	}
	newTeams := map[string]bool{}
	var plan []*importRow
	skipped := 0
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
		v := r.Values
		ir := &importRow{in: VolunteerInput{CommunityID: req.CommunityID, Name: strings.Join(strings.Fields(v["name"]), ""), Phone: v["phone"],
			Skills: v["skills"], Availability: v["availability"], Training: v["training"]}, team: strings.TrimSpace(v["team"])}
		if ir.in.Name == "" {
			problem("name", "", i18n.M("err.required", "field", fieldLabel("name")))
		}
		for _, k := range []string{"skills", "availability", "training"} {
			if utf8.RuneCountInString(v[k]) > maxText {
				problem(k, v[k], i18n.M("err.too_long", "field", fieldLabel(k), "max", maxText))
			}
		}
		if utf8.RuneCountInString(ir.team) > maxName {
			problem("team", ir.team, i18n.M("err.too_long", "field", fieldLabel("team"), "max", maxName))
		}
		if x := strings.TrimSpace(v["hours"]); x != "" {
			m, ok := parseHours(x)
			if !ok || m > 100000*60 {
				problem("hours", x, i18n.M("volunteers.import_hours"))
			}
			ir.minutes = m
		}
		ir.joinedOn = today
		if x := strings.TrimSpace(v["joined_on"]); x != "" {
			on, ok := r.ParseDate(x)
			if !ok || on > today {
				problem("joined_on", x, i18n.M("volunteers.import_date"))
			}
			ir.joinedOn = on
		}
		if x := strings.TrimSpace(v["phone"]); x != "" {
			errs := &i18n.Errors{}
			checkPhone(errs, "phone", &ir.in.Phone)
			if errs.Any() {
				problem("phone", privacy.MaskPhone(x), i18n.M("err.invalid", "field", fieldLabel("phone")))
			}
		}
		if x := strings.TrimSpace(v["id_number"]); x != "" {
			id, err := identity.ParseID(x)
			if err != nil {
				problem("id_number", privacy.MaskIDNumber(x), i18n.M("err.invalid", "field", fieldLabel("id_number")))
			} else {
				var found []Person
				if s.People != nil {
					if found, err = s.People.Find(ctx, p, id.Number); err != nil {
						return err
					}
				}
				var per *Person
				for i := range found {
					if found[i].CommunityID == req.CommunityID {
						per = &found[i]
					}
				}
				switch {
				case per == nil:
					problem("id_number", privacy.MaskIDNumber(x), i18n.M("volunteers.import_no_person", "community", comm.Name))
				case ir.in.Name != "" && per.Name != ir.in.Name:
					problem("name", ir.in.Name, i18n.M("volunteers.import_name_mismatch"))
				default:
					ir.in.PersonID, ir.in.Name, ir.grid, ir.in.Phone = per.ID, per.Name, per.GridID, ""
				}
			}
		} else if ir.in.Phone == "" && strings.TrimSpace(v["phone"]) == "" {
			problem("phone", "", i18n.M("volunteers.import_no_contact"))
		}
		if bad {
			res.Bad++
			return nil
		}
		res.Good++
		if (ir.in.PersonID != 0 && existing[ir.in.PersonID]) || (ir.in.PersonID == 0 && outsiders[ir.in.Name]) {
			skipped++
			return nil
		}
		if ir.in.PersonID != 0 {
			existing[ir.in.PersonID] = true
		} else {
			outsiders[ir.in.Name] = true
		}
		if ir.team != "" && teamIDs[ir.team] == 0 {
			newTeams[ir.team] = true
		}
		plan = append(plan, ir)
		return nil
	})
	if err != nil {
		return nil, err
	}
	res.Summary = []importflow.Line{
		{Label: i18n.T("volunteers.import_new"), Count: len(plan)},
		{Label: i18n.T("volunteers.import_new_teams"), Count: len(newTeams)},
		{Label: i18n.T("volunteers.import_skipped"), Count: skipped},
	}
	if !req.Commit || res.Bad > 0 || res.Rows == 0 {
		return res, nil
	}
	now := s.now().UnixMilli()
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		for name := range newTeams {
			var id int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO vol_team (community_id, name, kind, target_size, active, created_by, created_at, updated_at)
				VALUES (?, ?, ?, 0, TRUE, ?, ?, ?) RETURNING id`, req.CommunityID, name, teamKindOf(name), p.UserID, now, now).Scan(&id); err != nil {
				return err
			}
			teamIDs[name] = id
		}
		for _, ir := range plan {
			sealed, mask := s.sealPhone(ir.in.Phone)
			var id int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO vol_volunteer (community_id, grid_id, person_id, name, phone, phone_mask, skills, availability, training,
				note, status, source, confirmed_by, confirmed_at, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '', 'confirmed', 'import', ?, ?, ?, ?, ?)
				RETURNING id`, req.CommunityID, nullID(ir.grid), nullID(ir.in.PersonID), ir.in.Name, sealed, mask, ir.in.Skills, ir.in.Availability, ir.in.Training,
				p.UserID, now, p.UserID, now, now).Scan(&id); err != nil {
				return err
			}
			if ir.team != "" {
				if err := s.join(ctx, tx, p, req.CommunityID, teamIDs[ir.team], id, ir.joinedOn); err != nil {
					return err
				}
			}
			if ir.minutes > 0 {
				r := &Record{CommunityID: req.CommunityID, VolunteerID: id, ServedOn: ir.joinedOn, Minutes: ir.minutes, What: i18n.T("volunteers.import_what"),
					Source: SourceImport, Status: RecordConfirmed}
				if err := s.insertRecord(ctx, tx, p, r); err != nil {
					return err
				}
			}
		}
		return s.Audit.Record(ctx, tx, audit.Event(p, "volunteers.import", "org_unit", req.CommunityID, req.CommunityID, audit.Success).
			WithDetail(map[string]any{"created": len(plan), "teams": len(newTeams), "skipped": skipped}))
	})
	if db.IsUniqueViolation(err) {
		// A volunteer registered meanwhile: the check is run again.
		return nil, i18n.NewError("conflict", "volunteers.err_already")
	}
	if err != nil {
		return nil, err
	}
	res.Committed = true
	return res, nil
}
