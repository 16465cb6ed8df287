package registry_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"linli/internal/apptest"
	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/places"
	"linli/internal/registry"
)

func fieldErr(t *testing.T, err error, field, want string) {
	t.Helper()
	var verrs *i18n.Errors
	if !errors.As(err, &verrs) || !strings.Contains(verrs.For(field), want) {
		t.Fatalf("want an error on %s containing %q, got %v", field, want, err)
	}
}

func ids(people []*registry.Person) []string {
	var out []string
	for _, p := range people {
		out = append(out, p.Name)
	}
	return out
}

func TestOneHeadOneDocumentHistoryKept(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		reg := w.App.Registry
		p := w.Principal(t, "community_admin")
		head := w.Objects["person"][apptest.InA]
		spouse := w.Objects["member"][apptest.InA]
		hp, _ := reg.GetPerson(ctx, p, head)
		hh := hp.HouseholdID

		// A second head is refused.
		_, err := reg.CreatePerson(ctx, p, registry.PersonInput{Name: "第二户主", IDNumber: apptest.RegistryID("110105", 1990, 3), DwellingID: w.Objects["dwelling"][apptest.InA], HouseholdID: hh, Relation: "self"})
		fieldErr(t, err, "relation", "已有户主")

		// One person per document: the same number again, lower-case x, or the
		// 15-digit form of the same person, anywhere in the deployment.
		_, err = reg.CreatePerson(ctx, p, registry.PersonInput{Name: "冒名", IDNumber: "11010519491231002x", DwellingID: w.Objects["dwelling"][apptest.InB], NewHousehold: true})
		if err != nil {
			t.Fatalf("first use of 11010519491231002X: %v", err)
		}
		_, err = reg.CreatePerson(ctx, w.Principal(t, "street_admin"), registry.PersonInput{Name: "又一人", IDNumber: "11010519491231002X", DwellingID: w.Objects["dwelling"][apptest.InD], NewHousehold: true})
		fieldErr(t, err, "id_number", "已在系统中登记")
		first, err := reg.CreatePerson(ctx, p, registry.PersonInput{Name: "老号码", IDNumber: "440524800101001", DwellingID: w.Objects["dwelling"][apptest.InB], NewHousehold: true})
		if err != nil {
			t.Fatal(err)
		}
		fp, _ := reg.GetPerson(ctx, p, first)
		if fp.IDMask != "440***********0011"[:3]+strings.Repeat("*", 11)+fp.IDMask[14:] || fp.BirthDate != "1980-01-01" || fp.Sex != "M" {
			t.Fatalf("15-digit number upgraded: %+v", fp)
		}
		_, err = reg.CreatePerson(ctx, p, registry.PersonInput{Name: "新号码", IDNumber: "44052419800101001" + fp.IDMask[17:], DwellingID: w.Objects["dwelling"][apptest.InB], NewHousehold: true})
		fieldErr(t, err, "id_number", "已在系统中登记")

		// The head leaves: the household needs a new head from its members.
		err = reg.Depart(ctx, p, head, registry.Leave{Kind: registry.EventMoveOut, On: "2026-03-01", Destination: "上海市"})
		fieldErr(t, err, "new_head", "新的户主")
		if err := reg.Depart(ctx, p, head, registry.Leave{Kind: registry.EventMoveOut, On: "2026-03-01", Destination: "上海市", NewHead: spouse}); err != nil {
			t.Fatal(err)
		}
		h, err := reg.GetHousehold(ctx, p, hh)
		if err != nil {
			t.Fatal(err)
		}
		heads := 0
		for _, m := range h.Members {
			if m.Status == registry.StatusActive && m.Relation == registry.RelationSelf {
				heads++
			}
		}
		if heads != 1 || h.HeadID != spouse || len(h.Members) != 2 {
			t.Fatalf("household after the head left: head %d, %d heads, %d members", h.HeadID, heads, len(h.Members))
		}
		// History is kept: the person is still there, moved out, with a closed residence.
		gone, err := reg.GetPerson(ctx, p, head)
		if err != nil || gone.Status != registry.StatusMovedOut {
			t.Fatalf("moved-out person: %+v %v", gone, err)
		}
		res, _ := reg.Residences(ctx, w.C1, head)
		if len(res) != 1 || res[0].To != "2026-03-01" {
			t.Fatalf("residences: %+v", res)
		}
		tl, _ := reg.Timeline(ctx, w.C1, 0, hh, 0)
		kinds := map[string]bool{}
		for _, e := range tl {
			kinds[e.Kind] = true
		}
		if !kinds[registry.EventMoveOut] || !kinds[registry.EventRegister] {
			t.Fatalf("timeline: %+v", tl)
		}
		// Active lists no longer show the person; "all" does.
		list, _, _ := reg.ListPeople(ctx, p, registry.Filter{Q: "居民甲户主", AgeMin: -1, AgeMax: -1})
		all, _, _ := reg.ListPeople(ctx, p, registry.Filter{Q: "居民甲户主", Status: "all", AgeMin: -1, AgeMax: -1})
		if len(list) != 0 || len(all) != 1 {
			t.Fatalf("active %v, all %v", ids(list), ids(all))
		}
		// A departed person cannot leave twice.
		if err := reg.Depart(ctx, p, head, registry.Leave{Kind: registry.EventDeath, On: "2026-04-01"}); err == nil {
			t.Fatal("a moved-out person died")
		}
	})
}

func TestSplitMergeAndMove(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		reg := w.App.Registry
		p := w.Principal(t, "community_admin")
		head := w.Objects["person"][apptest.InA]
		spouse := w.Objects["member"][apptest.InA]
		hp, _ := reg.GetPerson(ctx, p, head)
		hh := hp.HouseholdID
		son, err := reg.CreatePerson(ctx, p, registry.PersonInput{Name: "居民甲儿子", IDNumber: apptest.RegistryID("110105", 1980, 5), DwellingID: w.Objects["dwelling"][apptest.InA], HouseholdID: hh, Relation: "son", Event: registry.EventBirth, Since: "1980-03-15"})
		if err != nil {
			t.Fatal(err)
		}
		// 分户: the son leaves to head his own household in another dwelling.
		other, err := w.App.Places.CreateDwelling(ctx, p, places.DwellingInput{BuildingID: w.Objects["building"][apptest.InA], Room: "602"})
		if err != nil {
			t.Fatal(err)
		}
		nh, err := reg.SplitHousehold(ctx, p, hh, registry.Split{Members: []int64{son}, NewHead: son, Number: "H-甲2", Dwelling: other, On: "2026-05-01"})
		if err != nil {
			t.Fatal(err)
		}
		sp, _ := reg.GetPerson(ctx, p, son)
		if sp.HouseholdID != nh || sp.Relation != registry.RelationSelf || sp.DwellingID != other || !strings.Contains(sp.Address, "602") {
			t.Fatalf("after split: %+v", sp)
		}
		// Splitting everybody out is refused.
		_, err = reg.SplitHousehold(ctx, p, hh, registry.Split{Members: []int64{head, spouse}, NewHead: head, On: "2026-05-01"})
		fieldErr(t, err, "members", "至少要留一人")
		// 合户: back into the parents' household, relation required.
		err = reg.MergeHouseholds(ctx, p, nh, hh, nil, "2026-06-01")
		var verrs *i18n.Errors
		if !errors.As(err, &verrs) {
			t.Fatalf("merge without relations: %v", err)
		}
		if err := reg.MergeHouseholds(ctx, p, nh, hh, map[int64]string{son: "son"}, "2026-06-01"); err != nil {
			t.Fatal(err)
		}
		h, _ := reg.GetHousehold(ctx, p, hh)
		if h.HeadID != head || len(h.Members) != 3 {
			t.Fatalf("after merge: head %d, %d members", h.HeadID, len(h.Members))
		}
		// 户内变更: the spouse heads the household; the old head becomes spouse.
		err = reg.ChangeHead(ctx, p, hh, spouse, map[int64]string{head: "spouse", son: "son"}, "2026-07-01")
		if err != nil {
			t.Fatal(err)
		}
		hp, _ = reg.GetPerson(ctx, p, head)
		if hp.Relation != "spouse" || hp.IsHead() {
			t.Fatalf("old head: %+v", hp)
		}
		// Moving the household moves those who lived with it, into grid B.
		if err := reg.MoveHousehold(ctx, p, hh, w.Objects["dwelling"][apptest.InB], "2026-08-01"); err != nil {
			t.Fatal(err)
		}
		gw := w.Principal(t, "grid_worker")
		if _, err := reg.GetPerson(ctx, gw, spouse); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("grid A's worker still sees a family that moved to grid B: %v", err)
		}
		res, _ := reg.Residences(ctx, w.C1, spouse)
		if len(res) != 2 || res[0].To != "" || res[1].To != "2026-08-01" {
			t.Fatalf("residences after move: %+v", res)
		}
	})
}

func TestSearchKinds(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		reg := w.App.Registry
		p := w.Principal(t, "community_admin")
		bid, err := w.App.Places.CreateBuilding(ctx, p, places.BuildingInput{GridID: w.GridA, EstateID: w.Objects["estate"][apptest.InA], Name: "3幢"})
		if err != nil {
			t.Fatal(err)
		}
		en, _ := w.App.Places.CreateEntrance(ctx, p, bid, "2单元")
		dw, _ := w.App.Places.CreateDwelling(ctx, p, places.DwellingInput{BuildingID: bid, EntranceID: en, Room: "201"})
		zsf := apptest.RegistryID("110105", 1988, 7)
		if _, err := reg.CreatePerson(ctx, p, registry.PersonInput{Name: "张三丰", IDNumber: zsf, Phone: "13912345678", DwellingID: dw, NewHousehold: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := reg.CreatePerson(ctx, p, registry.PersonInput{Name: "张三", Phone: "+86 139 0000 5678", DwellingID: dw, CommunityID: w.C1, NewHousehold: true}); err != nil {
			t.Fatal(err)
		}
		find := func(q string) []string {
			t.Helper()
			list, total, err := reg.ListPeople(ctx, p, registry.Filter{Q: q, AgeMin: -1, AgeMax: -1})
			if err != nil {
				t.Fatalf("%q: %v", q, err)
			}
			if total != len(list) {
				t.Fatalf("%q: total %d for %d items", q, total, len(list))
			}
			return ids(list)
		}
		cases := map[string][]string{
			"张三":                 {"张三", "张三丰"}, // two characters
			"三丰":                 {"张三丰"},       // any two-character piece
			"张三丰":                {"张三丰"},       // three characters
			"张":                  {"张三", "张三丰"}, // one character: the surname
			"zs":                 {"张三", "张三丰"}, // initials
			"zsf":                {"张三丰"},
			"zhangsan":           {"张三", "张三丰"}, // full pinyin
			"zhangsanf":          {"张三丰"},
			zsf:                  {"张三丰"}, // whole ID number
			strings.ToLower(zsf): {"张三丰"},
			zsf[14:]:             {"张三丰"},       // last 4
			zsf[12:]:             {"张三丰"},       // last 6
			"13912345678":        {"张三丰"},       // whole phone
			"5678":               {"张三", "张三丰"}, // last 4 of two phones
			"3幢201":              {"张三", "张三丰"}, // address fragments
			"3幢 2单元 201":         {"张三", "张三丰"},
			"小区甲苑 3栋":            {"张三", "张三丰"},
			"甲苑":                 {"居民甲户主", "居民甲配偶", "张三", "张三丰"}, // part of an estate's name: its residents
			"张三 3幢":              {"张三", "张三丰"},
			"不存在的人":              nil,
			"999999999999999999": nil,
		}
		for q, want := range cases {
			got := find(q)
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("search %q: got %v, want %v", q, got, want)
			}
		}
		// Filters.
		gw := w.Principal(t, "grid_worker")
		list, total, _ := reg.ListPeople(ctx, gw, registry.Filter{AgeMin: -1, AgeMax: -1})
		for _, x := range list {
			if x.GridID != w.GridA {
				t.Fatalf("grid worker sees %s of grid %d", x.Name, x.GridID)
			}
		}
		if total != 4 {
			t.Fatalf("grid A has 4 people, got %d: %v", total, ids(list))
		}
		heads, _, _ := reg.ListPeople(ctx, p, registry.Filter{HeadOnly: true, GridID: w.GridA, AgeMin: -1, AgeMax: -1})
		if len(heads) != 3 {
			t.Fatalf("heads in grid A: %v", ids(heads))
		}
		old, _, _ := reg.ListPeople(ctx, p, registry.Filter{AgeMin: 70, AgeMax: -1})
		if strings.Join(ids(old), ",") != "居民甲户主,居民甲配偶,居民乙户主,居民乙配偶" {
			t.Fatalf("70 and over: %v", ids(old))
		}
		women, _, _ := reg.ListPeople(ctx, p, registry.Filter{Sex: "F", AgeMin: -1, AgeMax: -1})
		for _, x := range women {
			if x.Sex != "F" {
				t.Fatalf("sex filter: %s", x.Name)
			}
		}
		// Masked everywhere by default.
		for _, x := range list {
			if x.IDMask != "" && !regexp.MustCompile(`^\d{3}\*{11}[\dX]{4}$`).MatchString(x.IDMask) {
				t.Fatalf("mask %q", x.IDMask)
			}
		}
	})
}

// A search by initials lists, in name order, the names whose initials are
// exactly those typed first, then longer ones, each in pinyin order; its
// pages and count agree.
func TestInitialsSearchListsClosestFirst(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		reg := w.App.Registry
		p := w.Principal(t, "community_admin")
		for _, name := range []string{"张三丰", "张思", "周顺", "张松涛"} {
			if _, err := reg.CreatePerson(ctx, p, registry.PersonInput{Name: name, CommunityID: w.C1, NewHousehold: true}); err != nil {
				t.Fatal(err)
			}
		}
		page := func(f registry.Filter) ([]string, int) {
			t.Helper()
			f.Q, f.AgeMin, f.AgeMax = "zs", -1, -1
			list, total, err := reg.ListPeople(ctx, p, f)
			if err != nil {
				t.Fatal(err)
			}
			return ids(list), total
		}
		// By pinyin alone 张三丰 (zhang san feng) would come before 张思 (zhang si).
		want := "张思,周顺,张三丰,张松涛"
		if got, total := page(registry.Filter{}); strings.Join(got, ",") != want || total != 4 {
			t.Fatalf("zs: %v (total %d), want %s (4)", got, total, want)
		}
		if got, total := page(registry.Filter{Sort: "name", Limit: 2, Offset: 2}); strings.Join(got, ",") != "张三丰,张松涛" || total != 4 {
			t.Fatalf("zs, second page of two: %v (total %d)", got, total)
		}
		if got, total := page(registry.Filter{Limit: 2, Offset: 6}); len(got) != 0 || total != 4 {
			t.Fatalf("zs, past the end: %v (total %d), want none of 4", got, total)
		}
		if got, _ := page(registry.Filter{Status: "all"}); strings.Join(got, ",") != want {
			t.Fatalf("zs, every status: %v, want %s", got, want)
		}
		// Another sort keeps its own order.
		if got, _ := page(registry.Filter{Sort: "recent"}); strings.Join(got, ",") != "张松涛,周顺,张思,张三丰" {
			t.Fatalf("zs, most recent first: %v", got)
		}
	})
}

func TestSensitiveGroupsAreInvisible(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		reg := w.App.Registry
		gw := w.Principal(t, "grid_worker")         // no 综治 line
		sw := w.Principal(t, "social_worker")       // 民政 only
		leader := w.Principal(t, "community_admin") // sees sensitive groups
		head := w.Objects["person"][apptest.InA]

		for _, pr := range []*auth.Principal{gw, sw} {
			tags, _ := reg.VisibleTags(ctx, pr)
			for _, tg := range tags {
				if tg.Code == "released_prisoner" {
					t.Fatalf("%s sees the group", pr.Username)
				}
			}
			if _, _, err := reg.ListPeople(ctx, pr, registry.Filter{Tag: "released_prisoner", AgeMin: -1, AgeMax: -1}); err == nil || !strings.Contains(err.Error(), "找不到分组") {
				t.Fatalf("%s filtered by the hidden group: %v", pr.Username, err)
			}
			if _, _, err := reg.ListPeople(ctx, pr, registry.Filter{Tag: "刑释解教", AgeMin: -1, AgeMax: -1}); err == nil {
				t.Fatalf("%s filtered by the hidden group's name", pr.Username)
			}
			counts, _ := reg.TagCounts(ctx, pr)
			if _, ok := counts["released_prisoner"]; ok {
				t.Fatalf("%s counted the hidden group", pr.Username)
			}
			if counts["elderly"] != 1 {
				t.Fatalf("%s: ordinary group counts %v", pr.Username, counts)
			}
			person, _ := reg.GetPerson(ctx, pr, head)
			for _, tg := range person.Tags {
				if tg.Code == "released_prisoner" {
					t.Fatalf("%s sees the group on the person", pr.Username)
				}
			}
		}
		// Setting the groups one sees keeps the ones one does not.
		if err := reg.SetTags(ctx, gw, head, []string{"living_alone"}); err != nil {
			t.Fatal(err)
		}
		person, _ := reg.GetPerson(ctx, leader, head)
		var codes []string
		for _, tg := range person.Tags {
			codes = append(codes, tg.Code)
		}
		if strings.Join(codes, ",") != "living_alone,released_prisoner" {
			t.Fatalf("after the grid worker's edit: %v", codes)
		}
		counts, _ := reg.TagCounts(ctx, leader)
		if counts["released_prisoner"] != 1 {
			t.Fatalf("leader's counts: %v", counts)
		}
		list, _, err := reg.ListPeople(ctx, leader, registry.Filter{Tag: "released_prisoner", AgeMin: -1, AgeMax: -1})
		if err != nil || len(list) != 1 {
			t.Fatalf("leader's filter: %v %v", ids(list), err)
		}
		// A grid worker cannot even name the group when tagging.
		if err := reg.SetTags(ctx, gw, head, []string{"released_prisoner"}); err == nil {
			t.Fatal("grid worker set a hidden group")
		}
	})
}

func TestRevealIsPermittedAndAudited(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		reg := w.App.Registry
		head := w.Objects["person"][apptest.InA]
		if _, _, err := reg.Reveal(ctx, w.Principal(t, "grid_worker"), head, "x"); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("grid worker revealed: %v", err)
		}
		if _, _, err := reg.Reveal(ctx, w.Principal(t, "community_admin_c2"), head, "x"); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("other community revealed: %v", err)
		}
		id, phone, err := reg.Reveal(ctx, w.Principal(t, "community_admin"), head, "核对低保申请")
		if err != nil || len(id) != 18 || phone != "13800138001" {
			t.Fatalf("reveal: %q %q %v", id, phone, err)
		}
		entries, _, _ := audit.Search(ctx, w.DB.Reader(), audit.Filter{Action: "person.reveal"})
		if len(entries) != 1 || entries[0].ActorName != "community_admin" || !strings.Contains(entries[0].Detail, "核对低保申请") || strings.Contains(entries[0].Detail, id) {
			t.Fatalf("audit of the reveal: %+v", entries)
		}
		// The database holds no ID number in clear.
		var n int
		w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM reg_person WHERE id_mask = ? OR hukou_address = ? OR extra LIKE ?`, id, id, "%"+id+"%").Scan(&n)
		if n != 0 {
			t.Fatal("an ID number is stored in clear")
		}
	})
}

func TestGridWorkerCannotWriteOutsideGrid(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		reg := w.App.Registry
		gw := w.Principal(t, "grid_worker")
		_, err := reg.CreatePerson(ctx, gw, registry.PersonInput{Name: "越界", DwellingID: w.Objects["dwelling"][apptest.InB], NewHousehold: true})
		fieldErr(t, err, "dwelling_id", "找不到该房屋")
		_, err = reg.CreatePerson(ctx, gw, registry.PersonInput{Name: "无房", CommunityID: w.C1, NewHousehold: true})
		if !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("grid worker placed someone at community level: %v", err)
		}
		bp, _ := reg.GetPerson(ctx, w.Principal(t, "community_admin"), w.Objects["person"][apptest.InB])
		if _, err := reg.CreatePerson(ctx, gw, registry.PersonInput{Name: "入户", DwellingID: w.Objects["dwelling"][apptest.InA], HouseholdID: bp.HouseholdID, Relation: "son"}); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("joined grid B's household: %v", err)
		}
		if err := reg.Depart(ctx, gw, w.Objects["person"][apptest.InB], registry.Leave{Kind: registry.EventDeath, On: "2026-01-01"}); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("recorded a death in grid B: %v", err)
		}
		// Bad input names the field in Chinese.
		_, err = reg.CreatePerson(ctx, gw, registry.PersonInput{Name: "", IDNumber: "110105194912310021", Phone: "12345", DwellingID: w.Objects["dwelling"][apptest.InA], NewHousehold: true, Sex: "F"})
		var verrs *i18n.Errors
		if !errors.As(err, &verrs) || verrs.For("name") == "" || !strings.Contains(verrs.For("id_number"), "校验") || verrs.For("phone") == "" {
			t.Fatalf("bad input: %v", err)
		}
	})
}
