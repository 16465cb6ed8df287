package demo

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"time"

	"linli/internal/db"
	"linli/internal/followups"
	"linli/internal/locale"
)

func init() { Register(50, "生成走访规则、任务和记录 / follow-ups", demoFollowups) }

// How a duty was kept over the last three months.
const (
	fuKept   = iota // on time, period after period
	fuLate          // now and then a few days late or a week skipped
	fuLapsed        // kept, then dropped some weeks ago: overdue now
	fuNever         // not yet visited since the person came under the rule
)

// fuRhythm is a rule's frequency as the demo plans visits by it.
type fuRhythm struct {
	days, firstYear int // a day rule: every n days, in the first year after since every firstYear
	weekly          bool
	months          int
}

// period is the rule's frequency in days on day t of a duty whose subject
// came under it on since.
func (r fuRhythm) period(since, t time.Time) int {
	switch {
	case r.weekly:
		return 7
	case r.months > 0:
		return r.months * 30
	case r.firstYear > 0 && t.Before(since.AddDate(1, 0, 0)):
		return r.firstYear
	}
	return r.days
}

// demoFollowups gives the demo street the duty rules a street and its
// communities set (独居老人, 帮教, 重点信访, 残疾人, weekly dispute screening of
// every grid, weekly inspection of a few high-rise buildings) and three months
// of records before today, written through the service's bulk path: most
// duties kept on time, some late, some dropped, a few new ones not yet
// visited, so that every grid worker has overdue duties and duties due this
// week.
func demoFollowups(ctx context.Context, env *Env) error {
	a := env.App
	f := a.Followups
	sys := env.System
	rng := env.Rand
	now := time.Now().In(locale.Zone)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, locale.Zone)
	tags, err := a.Registry.TagIDs(ctx)
	if err != nil {
		return err
	}
	if err := datePersonTags(ctx, env, tags, today); err != nil {
		return err
	}
	type demoRule struct {
		group  string // what its records say: the tag, or the kind
		rule   followups.Rule
		rhythm fuRhythm
	}
	street := env.Result.StreetID
	var plan []demoRule
	tagRule := func(code, name, kind string, every, first int, unit, assign, line string, escalate int, rh fuRhythm) {
		if tags[code] == 0 {
			return
		}
		plan = append(plan, demoRule{code, followups.Rule{OrgID: street, Name: name, Kind: kind, Subject: followups.SubjectTag, TagID: tags[code],
			Every: every, FirstYearEvery: first, Unit: unit, Assign: assign, Line: line, EscalateAfter: escalate}, rh})
	}
	tagRule("living_alone", "独居老人走访", followups.KindVisit, 7, 0, followups.UnitDay, followups.AssignGridWorker, "", 3, fuRhythm{days: 7})
	tagRule("released_prisoner", "刑释解教人员帮教谈话", followups.KindTalk, 30, 7, followups.UnitDay, followups.AssignLine, "governance", 3, fuRhythm{days: 30, firstYear: 7})
	tagRule("key_petitioner", "重点信访人员稳控谈话", followups.KindTalk, 30, 0, followups.UnitDay, followups.AssignLine, "governance", 3, fuRhythm{days: 30})
	// Many communities give 残疾人 to the 民政 social worker: the demo's has it.
	tagRule("disabled", "残疾人走访", followups.KindVisit, 3, 0, followups.UnitMonth, followups.AssignLine, "civil_affairs", 7, fuRhythm{months: 3})
	plan = append(plan, demoRule{followups.KindScreening, followups.Rule{OrgID: street, Name: "矛盾纠纷排查", Kind: followups.KindScreening, Subject: followups.SubjectGrid,
		Every: 1, Unit: followups.UnitWeek, Assign: followups.AssignGridWorker, EscalateAfter: 2}, fuRhythm{weekly: true}})
	// Each community inspects its tallest building in each of its first grids.
	tallest, err := tallestBuildings(ctx, a.DB)
	if err != nil {
		return err
	}
	for _, cid := range env.Result.Communities {
		var named []int64
		for _, g := range env.Result.Grids[cid] {
			if b := tallest[g]; b != 0 && len(named) < 4 {
				named = append(named, b)
			}
		}
		if len(named) == 0 {
			continue
		}
		plan = append(plan, demoRule{followups.KindInspection, followups.Rule{OrgID: cid, Name: "高层住宅消防安全检查", Kind: followups.KindInspection, Subject: followups.SubjectBuilding,
			Subjects: named, Every: 1, Unit: followups.UnitWeek, Assign: followups.AssignGridWorker, EscalateAfter: 2, Checklist: fuChecklist}, fuRhythm{weekly: true}})
	}
	rules := map[int64]demoRule{}
	for _, pr := range plan {
		id, err := f.CreateRule(ctx, sys, pr.rule)
		if err != nil {
			return fmt.Errorf("rule %s: %w", pr.rule.Name, err)
		}
		rules[id] = pr
	}

	var duties []*followups.Duty
	for {
		page, total, err := f.ListDuties(ctx, sys, followups.DutyFilter{Limit: 500, Offset: len(duties)})
		if err != nil {
			return err
		}
		duties = append(duties, page...)
		if len(page) == 0 || len(duties) >= total {
			break
		}
	}

	// Who made the contacts: the demo's accounts where they work (翠苑一区社区),
	// the system elsewhere.
	userID := func(name string) int64 {
		if u, err := a.Auth.GetUserByName(ctx, name); err == nil {
			return u.ID
		}
		return 0
	}
	gw, sw := userID("grid_worker"), userID("social_worker")
	c1 := env.Result.Communities[0]
	g1 := env.Result.Grids[c1][0]

	start := today.AddDate(0, 0, -91)
	profiles := make([]int, len(duties))
	for i, d := range duties {
		since := fuDay(d.Since, today)
		switch n := rng.IntN(100); {
		case d.Kind == followups.KindScreening && n < 88:
			profiles[i] = fuKept
		case d.Kind == followups.KindScreening && n < 95:
			profiles[i] = fuLate
		case d.Kind == followups.KindScreening:
			profiles[i] = fuLapsed
		case n < 78:
			profiles[i] = fuKept
		case n < 91:
			profiles[i] = fuLate
		case n < 97 || d.SubjectKind != followups.SubjectTag || !since.After(start):
			profiles[i] = fuLapsed
		default:
			profiles[i] = fuNever
		}
		// Someone new to the rule is often not visited yet.
		if d.SubjectKind == followups.SubjectTag && since.After(start) && rng.IntN(3) == 0 {
			profiles[i] = fuNever
		}
	}
	// Every grid worker has something overdue and something due this week: a
	// grid where nothing was dropped drops one inspection or visit, and one
	// where no weekly visit or screening is on time keeps its screening.
	byGrid := map[int64][]int{}
	for i, d := range duties {
		if d.Assign == followups.AssignGridWorker {
			byGrid[d.GridID] = append(byGrid[d.GridID], i)
		}
	}
	for _, list := range byGrid {
		dropped, week := false, false
		var droppable []int
		screening := -1
		for _, i := range list {
			p := profiles[i]
			dropped = dropped || p == fuLapsed
			switch duties[i].Kind {
			case followups.KindScreening:
				screening = i
				week = week || p == fuKept
			case followups.KindInspection:
				droppable = append([]int{i}, droppable...)
			default:
				droppable = append(droppable, i)
				week = week || p == fuKept
			}
		}
		if !dropped && len(droppable) > 0 {
			profiles[droppable[0]] = fuLapsed
		}
		if !week && screening >= 0 {
			profiles[screening] = fuKept
		}
	}

	byCommunity := map[int64][]followups.BulkRecord{}
	for i, d := range duties {
		pr, ok := rules[d.RuleID]
		if !ok {
			continue
		}
		var by int64
		switch {
		case d.CommunityID == c1 && d.Assign == followups.AssignLine:
			by = sw
		case d.GridID == g1 && d.Assign == followups.AssignGridWorker:
			by = gw
		}
		for _, day := range fuHistory(rng, pr.rhythm, d, profiles[i], start, today) {
			// In working hours, the way a worker's day goes.
			at := day.Add(time.Duration(8*60+30+rng.IntN(9*60)) * time.Minute)
			rec := fuRecord(rng, pr.group)
			rec.DutyID, rec.HappenedAt, rec.CreatedBy = d.ID, at, by
			byCommunity[d.CommunityID] = append(byCommunity[d.CommunityID], rec)
		}
	}
	written := 0
	for _, cid := range env.Result.Communities {
		n, err := f.WriteRecords(ctx, sys, cid, byCommunity[cid])
		if err != nil {
			return err
		}
		written += n
	}
	env.Say("  %d 条规则，%d 项任务，%d 条记录 / rules, duties, records", len(plan), len(duties), written)
	return demoFindings(ctx, env, duties, c1)
}

// fuChecklist is the demo's high-rise fire safety checklist.
var fuChecklist = []string{"消防通道畅通", "灭火器在有效期", "电线无私拉乱接", "无易燃物堆放"}

// demoFindings records yesterday afternoon's inspections and screenings of
// the first community through the form's path: every checklist item
// answered (now and then a fail, always in the first inspection), screenings
// a 零报告 or the matters found (always in the first); and turns a couple of
// the findings into cases linked to their records.
func demoFindings(ctx context.Context, env *Env, duties []*followups.Duty, community int64) error {
	f := env.App.Followups
	rng := env.Rand
	sys := env.System
	failNotes := map[int]string{1: "一楼消防通道停放电动车两辆", 2: "12 层灭火器压力不足，已过有效期", 3: "楼道有私拉电线给电动车充电", 4: "地下室堆放废旧纸箱"}
	now := time.Now().In(locale.Zone)
	afternoon := time.Date(now.Year(), now.Month(), now.Day()-1, 14+rng.IntN(3), rng.IntN(60), 0, 0, locale.Zone)
	today := now.Format(time.DateOnly)
	firstInspection, firstScreening := true, true
	var findings []struct {
		rec int64
		key string
		typ string
		cat string
	}
	for _, d := range duties {
		if d.CommunityID != community || d.Status != followups.DutyActive {
			continue
		}
		// A duty the history left overdue stays so: the overdue lists
		// are the demo's realistic gaps.
		cur, _, err := f.GetDuty(ctx, sys, d.ID)
		if err != nil {
			return err
		}
		// The first inspection and screening are made whatever: the demo
		// always shows a failed item and matters found.
		first := d.Kind == followups.KindInspection && firstInspection || d.Kind == followups.KindScreening && firstScreening
		if cur.Status != followups.DutyActive || cur.DueOn < today && !first {
			continue
		}
		in := followups.RecordInput{DutyID: d.ID, Way: "onsite", HappenedAt: afternoon}
		switch d.Kind {
		case followups.KindInspection:
			failed := 0
			for i := range fuChecklist {
				a := followups.ItemAnswer{Seq: i + 1, Result: followups.ResultPass}
				if rng.IntN(100) < 18 || firstInspection && i == 1 {
					a.Result, a.Note = followups.ResultFail, failNotes[i+1]
					failed = a.Seq
				}
				in.Items = append(in.Items, a)
			}
			firstInspection = false
			in.Note = "本周消防安全检查。"
			id, _, err := f.CreateRecord(ctx, sys, in)
			if err != nil {
				return fmt.Errorf("inspection: %w", err)
			}
			if failed != 0 {
				findings = append(findings, struct {
					rec           int64
					key, typ, cat string
				}{id, fmt.Sprintf("item-%d", failed), "hazard", "fire"})
			}
		case followups.KindScreening:
			if rng.IntN(100) < 70 && !firstScreening {
				in.Found = followups.FoundNone
			} else {
				in.Found = followups.FoundSome
				in.Matters = []string{pickOf(rng, "3 幢楼上漏水引发邻里矛盾", "两户因停车位发生争执", "租户与房东因押金起争执")}
				if rng.IntN(2) == 0 {
					in.Matters = append(in.Matters, "装修噪音引发邻里口角")
				}
			}
			firstScreening = false
			id, _, err := f.CreateRecord(ctx, sys, in)
			if err != nil {
				return fmt.Errorf("screening: %w", err)
			}
			if in.Found == followups.FoundSome {
				findings = append(findings, struct {
					rec           int64
					key, typ, cat string
				}{id, "item-1", "dispute", "neighbour"})
			}
		}
	}
	made := 0
	for _, fd := range findings {
		if made == 2 {
			break
		}
		rec, err := f.GetRecord(ctx, sys, fd.rec)
		if err != nil {
			return err
		}
		fi, ok, err := f.Finding(ctx, rec, fd.key)
		if err != nil || !ok {
			return fmt.Errorf("finding %s of record %d: %v", fd.key, fd.rec, err)
		}
		types, err := f.CaseTypes(ctx, sys)
		if err != nil {
			return err
		}
		_, _, title, desc := followups.FindingCaseDraft(rec, fi, types)
		if _, _, err := f.CaseFromFinding(ctx, sys, fd.rec, fd.key, followups.CaseInput{Type: fd.typ, Category: fd.cat, Title: title, Description: desc}); err != nil {
			return fmt.Errorf("case of finding %s: %w", fd.key, err)
		}
		made++
	}
	env.Say("  %d 条检查/排查发现，%d 条转为事件 / findings, cases", len(findings), made)
	return nil
}

// fuDay parses a day, or gives def.
func fuDay(s string, def time.Time) time.Time {
	t, err := time.ParseInLocation(time.DateOnly, s, locale.Zone)
	if err != nil {
		return def
	}
	return t
}

// fuHistory plans the days a duty was kept on between start and today
// (today excluded: the day is not over), by its rhythm and profile: the first
// within one period of start, or of the day its subject came under the rule.
func fuHistory(rng *mrand.Rand, rh fuRhythm, d *followups.Duty, profile int, start, today time.Time) []time.Time {
	if profile == fuNever {
		return nil
	}
	since := fuDay(d.Since, today)
	if rh.weekly {
		return fuWeeks(rng, d, profile, start, today)
	}
	from := start
	if since.After(start) {
		from = since.AddDate(0, 0, 1)
	}
	t := from.AddDate(0, 0, rng.IntN(rh.period(since, from)))
	stop := today
	if profile == fuLapsed {
		stop = today.AddDate(0, 0, -(2*rh.period(since, today) + rng.IntN(21)))
	}
	var out []time.Time
	for t.Before(stop) {
		out = append(out, t)
		p := rh.period(since, t)
		step := p - rng.IntN(p/4+1)
		if profile == fuLate && rng.IntN(3) == 0 {
			step = p + 1 + rng.IntN(5)
		}
		t = t.AddDate(0, 0, step)
	}
	if len(out) == 0 && profile == fuLapsed && stop.After(since) {
		out = append(out, stop)
	}
	return out
}

// fuWeeks plans a weekly screening or inspection: one on a working day of
// every week before this one (an inspection sometimes this week already), a
// week skipped now and then by a late duty, none in the last weeks of a
// dropped one.
func fuWeeks(rng *mrand.Rand, d *followups.Duty, profile int, start, today time.Time) []time.Time {
	monday := func(t time.Time) time.Time { return t.AddDate(0, 0, -(int(t.Weekday())+6)%7) }
	this := monday(today)
	last := this
	if profile == fuLapsed {
		last = this.AddDate(0, 0, -7*(2+rng.IntN(3)))
	}
	var out []time.Time
	for m := monday(start); m.Before(last); m = m.AddDate(0, 0, 7) {
		if profile == fuLate && rng.IntN(6) == 0 {
			continue
		}
		day := m.AddDate(0, 0, rng.IntN(5))
		if rng.IntN(10) == 0 {
			day = m.AddDate(0, 0, 5) // a Saturday
		}
		out = append(out, day)
	}
	if profile == fuKept && d.Kind == followups.KindInspection && rng.IntN(2) == 0 {
		if day := this.AddDate(0, 0, rng.IntN(5)); day.Before(today) {
			out = append(out, day)
		}
	}
	return out
}

func pickOf(rng *mrand.Rand, list ...string) string { return list[rng.IntN(len(list))] }

// fuRecord writes what a worker notes of one contact, by the group (tag code)
// or the kind of the duty.
func fuRecord(rng *mrand.Rand, group string) followups.BulkRecord {
	var r followups.BulkRecord
	chance := func(pct int) bool { return rng.IntN(100) < pct }
	switch group {
	case followups.KindScreening:
		r.Way = "onsite"
		if chance(22) {
			r.Note = pickOf(rng, "排查发现楼上漏水引发邻里矛盾一起，已现场调解。", "发现两户因停车位发生争执，已告知物业协调处理。",
				"一户家庭因赡养问题有矛盾苗头，已上报社区调委会。", "发现租户与房东因押金起争执，已引导双方协商。", "装修噪音引发邻里口角，已上门劝解。")
		} // otherwise a 零报告 (the service writes it)
	case followups.KindInspection:
		r.Way = "onsite"
		r.Note = pickOf(rng, "消防通道畅通，灭火器在有效期内。", "消防通道畅通，灭火器在有效期内。", "消防栓水压正常，应急照明完好。",
			"发现楼道堆放纸箱杂物，已督促清理。", "发现一户电动车楼道充电，已劝导整改。", "单元门禁损坏，已通知物业维修。")
	case "released_prisoner":
		r.Way = pickOf(rng, "office", "office", "home", "home", "phone")
		r.Met = pickOf(rng, "本人", "本人", "本人及其母亲")
		r.Fields = map[string]string{
			"health": pickOf(rng, "身体健康", "身体良好"),
			"living": pickOf(rng, "在物流公司上班，收入稳定", "暂无固定工作，靠打零工维持生活", "与母亲同住，家庭关系和睦", "已找到保安工作，适应良好"),
			"mood":   pickOf(rng, "思想稳定，遵纪守法", "对就业前景有顾虑，已做疏导", "配合帮教，态度端正", "情绪平稳，与家人关系改善"),
		}
		r.Note = pickOf(rng, "了解近期工作和生活情况，开展法治教育。", "告知就业帮扶政策，推荐参加技能培训。", "与其家属沟通，共同做好帮教。", "提醒遵纪守法，按时报告个人动态。")
		if chance(8) {
			r.Needs = pickOf(rng, "希望社区帮助介绍工作", "申请临时救助")
		}
	case "key_petitioner":
		r.Way = pickOf(rng, "home", "home", "office", "phone")
		r.Met = "本人"
		r.Fields = map[string]string{
			"health": pickOf(rng, "身体良好", "患高血压，按时服药"),
			"living": pickOf(rng, "生活正常", "退休在家，生活稳定"),
			"mood":   pickOf(rng, "情绪平稳，对处理结果基本认可", "对拆迁补偿仍有异议，已耐心解释", "情绪一度激动，经劝导后平复", "近期无上访意向"),
		}
		r.Note = pickOf(rng, "就其反映的问题沟通解释，宣传依法逐级信访。", "了解诉求办理进展，表示会持续跟进。", "重要节点前上门走访，掌握思想动态。")
		if chance(10) {
			r.Needs = "希望有关部门给予书面答复"
		}
	case "disabled":
		r.Way = pickOf(rng, "home", "home", "home", "phone")
		r.Met = pickOf(rng, "本人", "本人及家属", "家属（本人外出康复）")
		r.Fields = map[string]string{
			"health": pickOf(rng, "肢体残疾，行动需轮椅", "视力残疾，生活基本自理", "听力残疾，佩戴助听器", "智力残疾，由家属照料"),
			"living": pickOf(rng, "家属照料，生活有保障", "已享受残疾人两项补贴", "在辅助性就业机构上班", "坚持居家康复训练"),
			"mood":   pickOf(rng, "情绪稳定", "积极乐观", "对康复有信心"),
		}
		r.Note = pickOf(rng, "了解康复和补贴落实情况。", "告知辅助器具适配政策。", "查看无障碍设施使用情况。")
		if chance(12) {
			r.Needs = pickOf(rng, "申请适配轮椅", "希望参加居家康复服务", "咨询残疾人就业补贴")
		}
	default: // living_alone
		switch n := rng.IntN(100); {
		case n < 65:
			r.Way = "home"
		case n < 95:
			r.Way = "phone"
		default:
			r.Way = "wechat"
		}
		r.Met = "本人"
		if r.Way == "home" && chance(10) {
			r.Met = pickOf(rng, "本人及女儿", "本人及前来探望的儿子")
		}
		r.Fields = map[string]string{
			"health": pickOf(rng, "身体健康", "身体良好", "血压偏高，按时服药", "患糖尿病，血糖控制平稳", "腿脚不便，行走需拐杖",
				"近日感冒，已到社区卫生服务中心就诊", "听力下降，交流需大声"),
			"living": pickOf(rng, "生活能自理，家中整洁", "生活基本自理，子女每周来探望", "在社区老年食堂助餐", "水电燃气使用正常",
				"请了钟点工每周打扫两次", "生活自理，常去菜场买菜"),
			"mood": pickOf(rng, "情绪稳定", "精神状态好，乐观开朗", "略感孤独，希望有人常来聊天", "情绪平稳，常去老年活动室下棋",
				"思念子女，情绪稍低落，已安慰开导"),
		}
		switch r.Way {
		case "home":
			r.Note = pickOf(rng, "入户查看燃气、电器使用安全，提醒出门关好门窗。", "提醒防范电信诈骗和保健品推销。", "帮助更换了厨房灯泡。",
				"告知高龄津贴、居家养老服务补贴的申领办法。", "检查一键呼叫设备，使用正常。", "天气变化，提醒注意冷暖、按时服药。", "陪同聊天半小时，老人精神不错。")
			if chance(5) {
				r.Met = ""
				r.Fields = nil
				r.Note = "敲门无人应答，电话联系本人，在女儿家小住，一切安好。"
			}
		case "phone":
			r.Note = pickOf(rng, "电话问候，老人表示一切都好。", "电话联系，提醒近期天气变化注意添衣。", "电话询问身体状况，无异常。")
			delete(r.Fields, "living")
		default:
			r.Note = "微信视频问候，老人状态良好。"
		}
		if chance(6) {
			r.Needs = pickOf(rng, "希望申请助餐服务", "卫生间需要加装扶手", "希望有志愿者帮助打扫卫生", "需要代购常用药品")
		}
	}
	return r
}

// tallestBuildings finds the tallest building of each grid (the lowest id of
// the tallest, for a repeatable demo).
func tallestBuildings(ctx context.Context, d *db.DB) (map[int64]int64, error) {
	rows, err := d.QueryContext(ctx, `SELECT id, COALESCE(grid_id, 0), floors FROM building ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]int64{}
	floors := map[int64]int{}
	for rows.Next() {
		var id, grid int64
		var n int
		if err := rows.Scan(&id, &grid, &n); err != nil {
			return nil, err
		}
		if grid != 0 && (out[grid] == 0 || n > floors[grid]) {
			out[grid], floors[grid] = id, n
		}
	}
	return out, rows.Err()
}

// datePersonTags dates the groups a follow-up rule is about: the registry's
// demo gives groups without a day (as its bulk load does), which would make
// every duty start today. A 独居老人 has lived alone for years (from sixty at
// the earliest), some only since last month; some 刑释解教 were released
// within the year (talked with weekly then); 残疾 and 重点信访 go back years.
func datePersonTags(ctx context.Context, env *Env, tags map[string]int64, today time.Time) error {
	a, rng := env.App, env.Rand
	codes := map[int64]string{}
	var ids []int64
	for _, c := range []string{"living_alone", "released_prisoner", "key_petitioner", "disabled"} {
		if id := tags[c]; id != 0 {
			codes[id] = c
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	in, args := a.DB.Dialect().IDSet("t.tag_id", ids)
	rows, err := a.DB.QueryContext(ctx, `SELECT t.community_id, t.person_id, t.tag_id, p.birth_date FROM reg_person_tag t
		JOIN reg_person p ON p.community_id = t.community_id AND p.id = t.person_id
		WHERE `+in+` ORDER BY t.community_id, t.person_id, t.tag_id`, args...)
	if err != nil {
		return err
	}
	type row struct {
		community, person, tag int64
		since                  string
	}
	var list []row
	for rows.Next() {
		var r row
		var birth string
		if err := rows.Scan(&r.community, &r.person, &r.tag, &birth); err != nil {
			rows.Close()
			return err
		}
		var ago int
		switch codes[r.tag] {
		case "living_alone":
			ago = 180 + rng.IntN(2800)
			if rng.IntN(10) == 0 {
				ago = 10 + rng.IntN(70)
			}
		case "released_prisoner":
			ago = 400 + rng.IntN(2000)
			if rng.IntN(5) < 2 {
				ago = 30 + rng.IntN(300)
			}
		case "key_petitioner":
			ago = 200 + rng.IntN(1600)
		default:
			ago = 365 + rng.IntN(6500)
		}
		since := today.AddDate(0, 0, -ago)
		if b, err := time.ParseInLocation(time.DateOnly, birth, locale.Zone); err == nil {
			earliest := b
			if codes[r.tag] == "living_alone" {
				earliest = b.AddDate(60, 0, 0)
			}
			if since.Before(earliest) {
				since = earliest
			}
		}
		r.since = since.Format(time.DateOnly)
		list = append(list, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	// One community per transaction (one shard each on Citus).
	for len(list) > 0 {
		n := 1
		for n < len(list) && list[n].community == list[0].community {
			n++
		}
		err := a.DB.InTx(ctx, func(tx *db.Tx) error {
			for _, r := range list[:n] {
				if _, err := tx.ExecContext(ctx, `UPDATE reg_person_tag SET since = ? WHERE community_id = ? AND person_id = ? AND tag_id = ?`,
					r.since, r.community, r.person, r.tag); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		list = list[n:]
	}
	return nil
}
