package demo

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"linli/internal/audit"
	"linli/internal/cases"
	"linli/internal/db"
)

func init() { Register(40, "生成诉求、纠纷、隐患和网格事件 / cases", demoCases) }

// demoTypeCounts are how many cases of each type the demo street has had over
// the last six months.
var demoTypeCounts = []struct {
	typ string
	n   int
}{{"request", 420}, {"dispute", 200}, {"hazard", 220}, {"grid_event", 320}}

// demoPaths are the steps a case of each type takes to its end, and an
// alternative ending (调解不成 for disputes).
var demoPaths = map[string][][2]string{
	"request":    {{"accept", "accepted"}, {"dispatch", "dispatched"}, {"handle", "handled"}, {"feedback", "feedback"}, {"visit", "closed"}},
	"dispute":    {{"accept", "mediating"}, {"agree", "agreed"}, {"perform_visit", "performed"}},
	"hazard":     {{"notify", "rectifying"}, {"rectified", "reinspect"}, {"pass", "closed"}},
	"grid_event": {{"register", "registered"}, {"dispatch", "dispatched"}, {"handle", "handled"}, {"verify", "verified"}, {"close", "closed"}},
}

var demoTitles = map[string]map[string][]string{
	"request": {
		"property":   {"物业不及时清运装修垃圾", "小区门禁坏了一周没人修", "物业费收支不公开"},
		"sanitation": {"垃圾分类亭异味大", "楼道堆放杂物无人清理", "下水道堵塞污水外溢"},
		"noise":      {"夜间装修噪音扰民", "广场舞音响声音过大", "空调外机噪音大"},
		"neighbour":  {"楼上漏水影响楼下", "邻居长期占用公共楼道", "邻居宠物扰民"},
		"repair":     {"楼道灯不亮", "单元门闭门器损坏", "屋顶漏水需维修"},
		"greening":   {"绿化带树木遮挡采光", "草坪被踩踏裸露"},
		"parking":    {"非机动车乱停放堵塞通道", "外来车辆占用消防通道"},
		"pets":       {"犬只未拴绳", "流浪猫聚集"},
		"consult":    {"咨询高龄津贴申领", "咨询居住证办理", "咨询低保申请条件"},
		"other":      {"建议增设休闲座椅", "反映快递柜收费问题"},
	},
	"dispute": {
		"family":    {"赡养老人费用分担纠纷", "离婚后子女探视纠纷"},
		"neighbour": {"楼上漏水赔偿纠纷", "违规搭建影响采光纠纷", "共用楼道堆物纠纷"},
		"property":  {"业主与物业服务费纠纷", "停车位使用纠纷"},
		"housing":   {"房屋租赁押金纠纷", "房屋装修损坏纠纷"},
		"labour":    {"装修工人工资拖欠纠纷"},
		"damage":    {"电动车碰撞赔偿纠纷", "宠物咬伤赔偿纠纷"},
		"contract":  {"装修合同履行纠纷"},
		"other":     {"邻里口角纠纷"},
	},
	"hazard": {
		"fire":      {"消防通道堆放杂物", "灭火器过期", "楼道消防栓无水"},
		"gas":       {"燃气软管老化", "餐饮店燃气瓶违规存放"},
		"electric":  {"楼道私拉电线", "配电箱未上锁"},
		"ebike":     {"电动车楼道充电", "电瓶入户充电"},
		"structure": {"阳台外墙开裂", "违规拆改承重墙"},
		"falling":   {"高层窗台摆放花盆", "外墙瓷砖松动"},
		"elevator":  {"电梯年检过期", "电梯运行异响"},
		"other":     {"井盖缺失"},
	},
	"grid_event": {
		"city":             {"小区门口占道堆放建筑垃圾", "墙面乱张贴小广告"},
		"facility":         {"路灯损坏", "健身器材损坏", "窨井盖松动"},
		"security":         {"地下车库监控损坏", "单元门禁失效"},
		"illegal_building": {"顶楼违章搭建", "一楼院子违规扩建"},
		"vending":          {"早市摊贩占道经营"},
		"dispute_clue":     {"邻里因停车发生争吵"},
		"other":            {"共享单车堆积"},
	},
}

var demoNotes = map[string][]string{
	"accept":        {"已受理，转网格核实", "已受理"},
	"dispatch":      {"请网格员到现场核实处理", "派物业协同处理"},
	"handle":        {"已现场处理完毕", "已协调物业整改到位", "已联系责任方处理"},
	"feedback":      {"已电话告知居民处理结果", "已上门反馈"},
	"visit":         {"居民表示认可", "回访居民"},
	"notify":        {"已下发整改通知书", "已送达整改通知"},
	"rectified":     {"责任人已整改", "已清理完毕"},
	"pass":          {"复查合格，予以销号"},
	"register":      {"经核实立案"},
	"verify":        {"现场核查属实已处理"},
	"close":         {"结案"},
	"agree":         {"双方达成调解协议"},
	"fail":          {"双方分歧较大，引导通过诉讼解决"},
	"perform_visit": {"协议已履行完毕"},
}

// demoReplies are what the office tells the resident (给居民的回复) on the
// steps of a request; the notes above stay internal.
var demoReplies = map[string][]string{
	"accept":   {"您的诉求已受理，我们会尽快安排处理。", "已受理，社区将在时限内办理。"},
	"handle":   {"问题已处理，请您留意。", "已安排维修，现已恢复正常。"},
	"feedback": {"您反映的问题已处理完毕，欢迎对办理结果进行评价。"},
	"close":    {"您的诉求已办结，感谢您的反映。"},
}

// demoReply is the reply on a request's step, if any; it draws no random
// numbers, so that the rest of the demo stays as it was.
func demoReply(typ, action string, k int) string {
	list := demoReplies[action]
	if typ != "request" || len(list) == 0 {
		return ""
	}
	return list[k%len(list)]
}

var demoSurnames = []string{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林"}

// demoCases writes a realistic history of cases through the bulk path: most
// older ones closed (some late, some rated unsatisfied), recent ones at every
// stage, some overdue and escalated, with their timelines, dispute parties,
// agreements and rectification notices.
func demoCases(ctx context.Context, env *Env) error {
	a := env.App
	s := a.Cases
	rng := env.Rand
	cal, err := a.Calendar.Calendar(ctx)
	if err != nil {
		return err
	}
	userID := func(name string) int64 {
		u, err := a.Auth.GetUserByName(ctx, name)
		if err != nil {
			return 0
		}
		return u.ID
	}
	leader, gw, resident := userID("community_admin"), userID("grid_worker"), userID("resident")
	c1 := env.Result.Communities[0]
	g1 := env.Result.Grids[c1][0]
	now := time.Now()
	nowMS := now.UnixMilli()
	pick := func(list []string) string { return list[rng.IntN(len(list))] }

	type extra struct {
		parties   bool
		agreement bool
		notice    bool
	}
	var list []cases.BulkCase
	var extras []extra
	for _, tc := range demoTypeCounts {
		t, ok := s.Type(ctx, tc.typ)
		if !ok {
			return fmt.Errorf("case type %s missing", tc.typ)
		}
		path := demoPaths[tc.typ]
		for i := 0; i < tc.n; i++ {
			// Older cases are fewer: the platform's use grew over the months.
			ageDays := 180 * (1 - rng.Float64()*rng.Float64())
			if i%7 == 0 {
				ageDays = rng.Float64() * 12
			}
			created := now.Add(-time.Duration(ageDays * float64(24*time.Hour)))
			for !cal.IsWorkday(created) && rng.IntN(3) > 0 {
				created = created.Add(24 * time.Hour)
			}
			if created.After(now) {
				created = now.Add(-time.Hour)
			}
			cid := env.Result.Communities[rng.IntN(len(env.Result.Communities))]
			if i%4 == 0 {
				cid = c1 // the demo leader's community has the most to show
			}
			grids := env.Result.Grids[cid]
			gid := grids[rng.IntN(len(grids))]
			if cid == c1 && i%3 == 0 {
				gid = g1
			}
			cat := t.Categories[rng.IntN(len(t.Categories))]
			titles := demoTitles[tc.typ][cat.Code]
			if len(titles) == 0 {
				titles = []string{cat.Name}
			}
			createdMS := created.UnixMilli()
			respondDue, due, remind, err := s.Plan(ctx, t, cat.Code, createdMS)
			if err != nil {
				return err
			}
			b := cases.BulkCase{Type: t.Code, Category: cat.Code, Stage: t.Stages[0].Code, Title: pick(titles), Description: pick(titles) + "，请尽快处理。",
				Location: demoLocation(rng.IntN(100), cid, env), CommunityID: cid, GridID: gid, Level: t.InitialLevel, CreatedAt: createdMS,
				RespondDueAt: respondDue, DueAt: due, Fields: map[string]string{}}
			switch t.Code {
			case "request":
				b.Source = pick([]string{"phone", "phone", "walk_in", "hotline", "portal"})
				b.ReporterName = pick(demoSurnames) + pick([]string{"先生", "女士", "阿姨", "大爷"})
				if cid == c1 {
					b.FirstContactID = leader
				}
			case "dispute":
				b.Source = pick([]string{"patrol", "application", "application", "referral"})
			default:
				b.Source = pick([]string{"patrol", "patrol", "report"})
			}
			b.HolderOrgID = gid
			if b.Level == cases.LevelCommunity {
				b.HolderOrgID = cid
			}
			// How far it got: older cases finished, recent ones anywhere.
			steps := len(path)
			if ageDays < 25 || rng.IntN(25) == 0 {
				steps = rng.IntN(len(path) + 1)
			}
			span := float64(due - createdMS)
			closeAt := createdMS + int64(span*(0.25+rng.Float64()*0.95))
			responded := createdMS + int64(float64(respondDue-createdMS)*(0.05+rng.Float64()*1.15))
			if closeAt > nowMS {
				closeAt = nowMS - 60_000
			}
			if responded > closeAt {
				responded = createdMS + (closeAt-createdMS)/3
			}
			b.Events = append(b.Events, cases.BulkEvent{At: createdMS, ActorName: "登记", Kind: "create", To: b.Stage, Public: true})
			failDispute := t.Code == "dispute" && rng.IntN(7) == 0
			stage := b.Stage
			for k := 0; k < steps; k++ {
				action, to := path[k][0], path[k][1]
				if failDispute && k == 1 {
					action, to = "fail", "failed"
				}
				at := responded
				if steps > 1 && k > 0 {
					at = responded + (closeAt-responded)*int64(k)/int64(max(steps-1, 1))
				}
				if at > nowMS {
					at = nowMS - int64(steps-k)*60_000
				}
				tr, _ := t.Transition(action)
				b.Events = append(b.Events, cases.BulkEvent{At: at, ActorName: pick([]string{"李秀英", "张敏", "刘洋"}), Kind: "transition", Action: action, From: stage, To: to,
					Note: pick(demoNotes[action]), PublicReply: demoReply(t.Code, action, len(b.Events)), Public: !tr.Internal})
				if tr.Responds && b.RespondedAt == 0 {
					b.RespondedAt = at
				}
				switch action {
				case "dispatch":
					b.HolderOrgID, b.Level = gid, cases.LevelGrid
					if gid == g1 {
						b.AssigneeID = gw
					}
				case "handle":
					ok := rng.IntN(10) > 0
					b.Resolved = sql.NullBool{Valid: true, Bool: ok}
					b.Fields["outcome"] = map[bool]string{true: "resolved", false: "unresolved"}[ok]
				case "agree", "pass":
					b.Resolved = sql.NullBool{Valid: true, Bool: true}
				case "fail":
					b.Resolved = sql.NullBool{Valid: true, Bool: false}
					b.Fields["referral"] = pick([]string{"litigation", "arbitration", "administrative"})
				case "feedback":
					b.Fields["channel"] = pick([]string{"phone", "visit", "portal"})
				case "visit", "perform_visit":
					r := rng.IntN(20)
					b.Rating = cases.RatingSatisfied
					if r >= 14 {
						b.Rating = cases.RatingBasic
					}
					if r >= 18 {
						b.Rating = cases.RatingUnsatisfied
					}
					if action == "perform_visit" {
						b.Fields["performance"] = "performed"
					}
				}
				stage = to
				if failDispute && k == 1 {
					break
				}
			}
			b.Stage = stage
			if t.Closed(stage) {
				b.ClosedAt = b.Events[len(b.Events)-1].At
			} else if nowMS >= due {
				// Overdue and still open: it went up a level (and maybe another).
				up := map[string]string{cases.LevelGrid: cases.LevelCommunity, cases.LevelCommunity: cases.LevelStreet}
				next := up[b.Level]
				if next == "" {
					next = cases.LevelStreet
				}
				b.Events = append(b.Events, cases.BulkEvent{At: due + 1000, ActorName: "系统", Kind: "escalate", Public: true, Data: map[string]any{"from": b.Level, "to": next}})
				b.Level, b.Escalations, b.AssigneeID = next, 1, 0
				b.HolderOrgID = cid
				if next == cases.LevelStreet {
					b.HolderOrgID = env.Result.StreetID
				}
				esc, err := s.AddWorkingDays(ctx, due, t.EscalateDays)
				if err != nil {
					return err
				}
				b.EscalateAt = esc
				if esc < nowMS {
					b.Level, b.Escalations, b.HolderOrgID, b.EscalateAt = cases.LevelStreet, b.Escalations+1, env.Result.StreetID, 0
					b.Events = append(b.Events, cases.BulkEvent{At: esc + 1000, ActorName: "系统", Kind: "escalate", Public: true, Data: map[string]any{"from": next, "to": cases.LevelStreet}})
				}
				b.RemindAt, b.RemindedAt = remind, remind
			} else {
				b.RemindAt, b.EscalateAt = remind, due
				if remind != 0 && remind < nowMS {
					b.RemindedAt = remind
					b.Events = append(b.Events, cases.BulkEvent{At: remind, ActorName: "系统", Kind: "remind"})
				}
			}
			list = append(list, b)
			extras = append(extras, extra{parties: t.Code == "dispute", agreement: t.Code == "dispute" && (stage == "agreed" || stage == "performed"),
				notice: t.Code == "hazard" && stage != "found"})
		}
	}
	// A resident's own requests, one of them waiting for their rating.
	if resident != 0 {
		t, _ := s.Type(ctx, "request")
		for i, st := range []string{"feedback", "dispatched", "new"} {
			created := now.Add(-time.Duration(3-i) * 48 * time.Hour).UnixMilli()
			respondDue, due, remind, err := s.Plan(ctx, t, "repair", created)
			if err != nil {
				return err
			}
			b := cases.BulkCase{Type: "request", Category: "repair", Stage: "new", Title: []string{"楼道灯不亮", "单元门闭门器损坏", "屋顶漏水需维修"}[i], Source: "portal",
				CommunityID: c1, GridID: g1, Level: cases.LevelCommunity, HolderOrgID: c1, OwnerUserID: resident, ReporterName: "赵磊", CreatedAt: created,
				RespondDueAt: respondDue, DueAt: due, RemindAt: remind, EscalateAt: due, Fields: map[string]string{}}
			b.Events = append(b.Events, cases.BulkEvent{At: created, ActorName: "赵磊", Kind: "create", To: "new", Public: true})
			at := created
			for _, step := range demoPaths["request"] {
				if b.Stage == st {
					break
				}
				at += 3 * 3600_000
				b.Events = append(b.Events, cases.BulkEvent{At: at, ActorName: "李秀英", Kind: "transition", Action: step[0], From: b.Stage, To: step[1], Note: pick(demoNotes[step[0]]),
					PublicReply: demoReply("request", step[0], i), Public: true})
				if step[0] == "accept" {
					b.RespondedAt, b.FirstContactID = at, leader
				}
				if step[0] == "dispatch" {
					b.HolderOrgID, b.Level, b.AssigneeID = g1, cases.LevelGrid, gw
				}
				if step[0] == "handle" {
					b.Resolved = sql.NullBool{Valid: true, Bool: true}
					b.Fields["outcome"] = "resolved"
				}
				b.Stage = step[1]
			}
			list = append(list, b)
			extras = append(extras, extra{})
		}
	}
	return a.DB.InTx(ctx, func(tx *db.Tx) error {
		ids, err := cases.InsertBulk(ctx, tx, list)
		if err != nil {
			return err
		}
		for i, x := range extras {
			c := list[i]
			at := c.CreatedAt
			if x.parties {
				for _, role := range []string{"applicant", "respondent"} {
					if err := cases.InsertPartyTx(ctx, tx, ids[i], c.CommunityID, role, pick(demoSurnames)+pick([]string{"建华", "丽娟", "志强", "秀兰", "国平"}), c.Location, at); err != nil {
						return err
					}
				}
			}
			day := func(ms int64) string { return time.UnixMilli(ms).In(cal.Loc).Format(time.DateOnly) }
			if x.agreement {
				if err := cases.InsertDocumentTx(ctx, tx, ids[i], c.CommunityID, cases.DocAgreement, map[string]string{
					"number": fmt.Sprintf("%s调字第%d号", day(at)[:4], ids[i]), "committee": "人民调解委员会", "facts": c.Description,
					"terms": "一、被申请人赔偿申请人损失人民币捌佰元整；\n二、双方今后和睦相处，不再就此事发生争执。", "performance": "一次性现金支付",
					"perform_by": day(c.DueAt), "mediators": "张敏", "made_on": day(at), "place": "社区调解室"}, at); err != nil {
					return err
				}
			}
			if x.notice {
				if err := cases.InsertDocumentTx(ctx, tx, ids[i], c.CommunityID, cases.DocNotice, map[string]string{
					"target": c.Location + "业主", "address": c.Location, "problems": c.Title,
					"requirements": "请立即清理整改，消除隐患。", "deadline": day(c.DueAt), "issuer": "社区居民委员会", "issued_on": day(at)}, at); err != nil {
					return err
				}
			}
		}
		env.Say("  %d 件事项", len(ids))
		return a.Audit.Record(ctx, tx, audit.Event(env.System, "demo.cases", "org_unit", env.Result.StreetID, env.Result.StreetID, audit.Success).
			WithDetail(map[string]int{"cases": len(ids)}))
	})
}

// demoLocation names a spot in one of the community's estates.
func demoLocation(n int, cid int64, env *Env) string {
	idx := 0
	for i, c := range env.Result.Communities {
		if c == cid {
			idx = i
		}
	}
	estates := communities[idx%len(communities)].estates
	return fmt.Sprintf("%s %d幢", estates[n%len(estates)], n%12+1)
}
