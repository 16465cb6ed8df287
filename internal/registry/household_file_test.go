package registry_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"linli/internal/apptest"
	"linli/internal/auth"
	"linli/internal/places"
	"linli/internal/registry"
)

// The household file is the record: members, homes, timeline and the other
// modules' panels; each change is a button to a page of its own, which
// returns to the file on success and re-renders itself on a refusal.
func TestHouseholdFileAndItsChangePages(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		leader := clients(t, w, "community_admin")["community_admin"]
		pr := w.Principal(t, "community_admin")
		hh := w.Objects["household"][apptest.InA]
		head, spouse := w.Objects["person"][apptest.InA], w.Objects["member"][apptest.InA]
		file := "/registry/households/" + id(hh)

		f := page(t, leader, file, 200)
		mustContain(t, "file", f, `id="household-actions"`, `id="household-homes"`, "住址与居住记录", "小区甲苑 甲楼 甲单元 101", "变动记录",
			// The cases panel (registered through Service.Related) is shown even when empty.
			`class="panel related"`)
		for _, op := range []string{"head", "split", "merge", "move"} {
			mustContain(t, "file", f, `href="`+file+`/`+op+`"`)
		}
		mustNotContain(t, "file", f, `action="`+file+`/head"`, `action="`+file+`/split"`, `action="`+file+`/merge"`, `action="`+file+`/move"`)

		// 更换户主 on its own page: a refusal re-renders that page, with what
		// was typed and the problem; cancel goes back to the file.
		hp := page(t, leader, file+"/head", 200)
		mustContain(t, "head page", hp, `id="head-form"`, `action="`+file+`/head"`, `id="op-cancel"`, `href="`+file+`"`, "居民甲配偶")
		mustNotContain(t, "head page", hp, `id="split-form"`, `id="merge-form"`)
		_, body := post(t, leader, file+"/head", url.Values{"new_head": {id(spouse)}, "on": {"2026-06-03"}}, 422)
		mustContain(t, "head 422", body, `id="head-form"`, `value="2026-06-03"`, fmt.Sprintf(`<option value="%d" selected>`, spouse), "请填写“居民甲户主”与户主的关系", `id="op-errors"`)
		mustNotContain(t, "head 422", body, `id="household-homes"`)
		resp, _ := post(t, leader, file+"/head", url.Values{"new_head": {id(spouse)}, "relation_" + id(head): {"spouse"}, "on": {"2026-06-03"}}, 303)
		if resp.Header.Get("Location") != file {
			t.Fatalf("the change returns to %s", resp.Header.Get("Location"))
		}
		if h, _ := w.App.Registry.GetHousehold(ctx, pr, hh); h.HeadID != spouse {
			t.Fatalf("head is %d", h.HeadID)
		}
		mustContain(t, "file after", page(t, leader, file, 200), "户内变更")

		// A household only the system holds now (dissolved) offers no change.
		other := w.Objects["household"][apptest.InB]
		if err := w.App.Registry.Depart(ctx, pr, w.Objects["person"][apptest.InB], registry.Leave{Kind: registry.EventDeath, On: "2026-06-04", NewHead: w.Objects["member"][apptest.InB]}); err != nil {
			t.Fatal(err)
		}
		if err := w.App.Registry.Depart(ctx, pr, w.Objects["member"][apptest.InB], registry.Leave{Kind: registry.EventMoveOut, On: "2026-06-04"}); err != nil {
			t.Fatal(err)
		}
		if h, _ := w.App.Registry.GetHousehold(ctx, pr, other); h.Status == registry.StatusActive || h.Access.Write {
			t.Fatalf("household B: %s, write %v", h.Status, h.Access.Write)
		}
		dead := page(t, leader, "/registry/households/"+id(other), 200)
		mustNotContain(t, "dissolved file", dead, `id="household-actions"`)
		page(t, leader, "/registry/households/"+id(other)+"/head", 403)
		// Out of scope is not found, as the file is.
		page(t, clients(t, w, "community_admin_c2")["community_admin_c2"], file+"/merge", 404)
	})
}

// The person page is the record; groups, moves and 迁出/死亡 are buttons to
// pages of their own.
func TestPersonPageAndItsChangePages(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		leader := clients(t, w, "community_admin")["community_admin"]
		member := w.Objects["member"][apptest.InA]
		pp := "/registry/people/" + id(member)

		p := page(t, leader, pp, 200)
		mustContain(t, "person", p, `id="person-actions"`, `href="`+pp+`/tags"`, `href="`+pp+`/move"`, `href="`+pp+`/leave"`, `id="residences"`, `class="panel related"`,
			// Reveal stays, folded: a summary opens its form.
			`<details class="panel noprint" id="reveal">`)
		mustNotContain(t, "person", p, `id="leave-form"`, `id="tags-form"`, `id="move-form"`)

		for op, form := range map[string]string{"tags": "tags-form", "move": "move-form", "leave": "leave-form"} {
			mustContain(t, op, page(t, leader, pp+"/"+op, 200), `id="`+form+`"`, `href="`+pp+`"`)
		}
		// A refused 迁出 re-renders its page with what was typed.
		_, body := post(t, leader, pp+"/leave", url.Values{"kind": {"move_out"}, "on": {"2026-13-01"}, "destination": {"杭州市西湖区"}}, 422)
		mustContain(t, "leave 422", body, `id="leave-form"`, `value="杭州市西湖区"`, `id="op-errors"`)
		mustNotContain(t, "leave 422", body, `id="residences"`)
		// A refused reveal stays on the person page, its form open.
		_, body = post(t, leader, pp+"/reveal", url.Values{"reason": {""}}, 422)
		mustContain(t, "reveal 422", body, `id="reveal" open`, `id="residences"`)
	})
}

// The cascading place picker: a step posts the whole form back and gets it
// re-rendered with every typed value and the next level's choices; nothing
// is saved. After a refusal every chosen level is still selected.
func TestPlacePickerKeepsWhatWasTyped(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		leader := clients(t, w, "community_admin")["community_admin"]
		pr := w.Principal(t, "community_admin")
		sys := auth.System("test")
		b, est, en, dw := w.Objects["building"][apptest.InA], w.Objects["estate"][apptest.InA], w.Objects["entrance"][apptest.InA], w.Objects["dwelling"][apptest.InA]
		en2, err := w.App.Places.CreateEntrance(ctx, sys, b, "丙单元")
		if err != nil {
			t.Fatal(err)
		}
		dw2, err := w.App.Places.CreateDwelling(ctx, sys, places.DwellingInput{BuildingID: b, EntranceID: en2, Room: "502"})
		if err != nil {
			t.Fatal(err)
		}
		count := func() int {
			var n int
			if err := w.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM reg_person`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := count()
		typed := url.Values{"name": {"王小明"}, "phone": {"13912340000"}, "employer": {"邻里科技"}, "remark": {"先选楼"}}
		with := func(kv ...string) url.Values {
			v := url.Values{}
			for k, vs := range typed {
				v[k] = vs
			}
			for i := 0; i+1 < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return v
		}

		// The estate is chosen: its buildings are offered, the typed values kept.
		_, body := post(t, leader, "/registry/people/new", with("_pick", "1", "pick_e", id(est), "pick_b", "", "dwelling_id", ""), 200)
		mustContain(t, "estate step", body, `value="王小明"`, `value="13912340000"`, `value="邻里科技"`, "先选楼", fmt.Sprintf(`<option value="%d" selected>小区甲苑</option>`, est),
			fmt.Sprintf(`<option value="%d">小区甲苑 甲楼</option>`, b))
		// The building: its entrances and dwellings.
		_, body = post(t, leader, "/registry/people/new", with("_pick", "1", "pick_e", id(est), "pick_b", id(b), "dwelling_id", ""), 200)
		mustContain(t, "building step", body, `value="王小明"`, fmt.Sprintf(`<option value="%d" selected>`, b), fmt.Sprintf(`<option value="%d">甲单元</option>`, en),
			fmt.Sprintf(`<option value="%d">丙单元</option>`, en2), "小区甲苑 甲楼 甲单元 101", "小区甲苑 甲楼 丙单元 502")
		// The entrance narrows the dwellings; a dwelling of another entrance is dropped.
		_, body = post(t, leader, "/registry/people/new", with("_pick", "1", "pick_e", id(est), "pick_b", id(b), "pick_u", id(en2), "dwelling_id", id(dw)), 200)
		mustContain(t, "entrance step", body, fmt.Sprintf(`<option value="%d" selected>丙单元</option>`, en2), fmt.Sprintf(`<option value="%d">小区甲苑 甲楼 丙单元 502</option>`, dw2))
		mustNotContain(t, "entrance step", body, "甲单元 101")
		// The dwelling: the households living there are offered to join.
		_, body = post(t, leader, "/registry/people/new", with("_pick", "1", "pick_e", id(est), "pick_b", id(b), "pick_u", id(en), "dwelling_id", id(dw)), 200)
		mustContain(t, "dwelling step", body, fmt.Sprintf(`<option value="%d" selected>小区甲苑 甲楼 甲单元 101</option>`, dw), "加入户号 H-甲", `value="王小明"`)
		if n := count(); n != before {
			t.Fatalf("a step of the picker saved something: %d people, were %d", n, before)
		}

		// A refused submission keeps every level chosen.
		bad := with("pick_e", id(est), "pick_b", id(b), "pick_u", id(en2), "dwelling_id", id(dw2), "phone", "12345")
		_, body = post(t, leader, "/registry/people/new", bad, 422)
		mustContain(t, "refused", body, "联系电话应为", `value="王小明"`, fmt.Sprintf(`<option value="%d" selected>小区甲苑</option>`, est), fmt.Sprintf(`<option value="%d" selected>`, b),
			fmt.Sprintf(`<option value="%d" selected>丙单元</option>`, en2), fmt.Sprintf(`<option value="%d" selected>小区甲苑 甲楼 丙单元 502</option>`, dw2))
		// And the form without the step saves, at the dwelling chosen.
		good := with("pick_e", id(est), "pick_b", id(b), "pick_u", id(en2), "dwelling_id", id(dw2))
		post(t, leader, "/registry/people/new", good, 303)
		if n := count(); n != before+1 {
			t.Fatalf("%d people after saving, were %d", n, before)
		}

		// The other pickers take steps the same way: a person's move and a household's.
		member := w.Objects["member"][apptest.InA]
		_, body = post(t, leader, "/registry/people/"+id(member)+"/move", url.Values{"_pick": {"1"}, "pick_b": {id(b)}, "pick_u": {id(en2)}, "on": {"2026-02-03"}}, 200)
		mustContain(t, "move step", body, `id="move-form"`, `value="2026-02-03"`, "丙单元 502")
		hh := w.Objects["household"][apptest.InA]
		_, body = post(t, leader, "/registry/households/"+id(hh)+"/move", url.Values{"_pick": {"1"}, "pick_b": {id(b)}, "on": {"2026-02-04"}}, 200)
		mustContain(t, "household move step", body, `id="hh-move-form"`, `value="2026-02-04"`, "丙单元 502")
		if got, _ := w.App.Registry.GetPerson(ctx, pr, member); got.DwellingID != dw {
			t.Fatalf("a step moved the member to %d", got.DwellingID)
		}
		// The rental form too.
		_, body = post(t, leader, "/registry/rentals/new", url.Values{"_pick": {"1"}, "pick_b": {id(b)}, "dwelling_id": {id(dw)}, "landlord_name": {"房东赵"}}, 200)
		mustContain(t, "rental step", body, `value="房东赵"`, "居民甲户主", `name="tenants"`)
	})
}

// A refused submission echoes at most the field's limit: a 5 MB name comes
// back as its first 30 characters, on a small page that names the field.
func TestRefusedFormEchoesAtMostTheLimit(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		leader := clients(t, w, "community_admin")["community_admin"]
		normal := page(t, leader, "/registry/people/new", 200)
		huge := strings.Repeat("x", 5<<20) // 5 MB
		_, body := post(t, leader, "/registry/people/new", url.Values{"dwelling_id": {id(w.Objects["dwelling"][apptest.InA])}, "name": {huge}, "employer": {"某单位"}}, 422)
		if len(body) > len(normal)+30+4096 {
			t.Fatalf("the refused page is %d bytes (the form alone is %d)", len(body), len(normal))
		}
		mustContain(t, "422", body, "“姓名”不能超过 30 个字", `value="`+strings.Repeat("x", 30)+`"`, `value="某单位"`)
		mustNotContain(t, "422", body, strings.Repeat("x", 31))
		// A body past the bound of a form is refused whole.
		resp, _ := leader.PostForm("/registry/people/new", url.Values{"name": {strings.Repeat("x", 11<<20)}})
		if resp.StatusCode != 413 {
			t.Fatalf("an 11 MB form: %d", resp.StatusCode)
		}
	})
}
