package registry_test

import (
	"context"
	"strings"
	"testing"

	"linli/internal/apptest"
	"linli/internal/registry"
)

// TestFormTakesNumbersTypedInGroups: the web form reads an ID number and a
// phone number typed in groups with spaces of any kind or hyphens, and still
// names a character that cannot be in them.
func TestFormTakesNumbersTypedInGroups(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		reg := w.App.Registry
		p := w.Principal(t, "community_admin")
		id := apptest.RegistryID("330106", 1985, 7)
		grouped := id[:6] + "\u00a0" + id[6:14] + "\u3000" + strings.ToLower(id[14:])
		pid, err := reg.CreatePerson(ctx, p, registry.PersonInput{Name: "分组号", IDNumber: grouped, Phone: "138\u00a00013-8000",
			DwellingID: w.Objects["dwelling"][apptest.InA], NewHousehold: true})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := reg.GetPerson(ctx, p, pid)
		if got.IDMask != id[:3]+strings.Repeat("*", 11)+id[14:] || got.PhoneMask != "138****8000" || got.BirthDate != "1985-03-15" {
			t.Fatalf("stored: %+v", got)
		}
		if list, _, _ := reg.ListPeople(ctx, p, registry.Filter{Q: id, AgeMin: -1, AgeMax: -1}); len(list) != 1 {
			t.Fatal("not found by the number without spaces")
		}
		_, err = reg.CreatePerson(ctx, p, registry.PersonInput{Name: "错号", IDNumber: id[:6] + "." + id[6:], DwellingID: w.Objects["dwelling"][apptest.InA], NewHousehold: true})
		fieldErr(t, err, "id_number", "无法识别的字符：第 7 位“.”")
		_, err = reg.CreatePerson(ctx, p, registry.PersonInput{Name: "错电话", Phone: "138abc12345", DwellingID: w.Objects["dwelling"][apptest.InA], NewHousehold: true})
		fieldErr(t, err, "phone", "非数字字符：第 4–6 位“abc”")
		_, err = reg.CreatePerson(ctx, p, registry.PersonInput{Name: "短电话", Phone: "1380013", DwellingID: w.Objects["dwelling"][apptest.InA], NewHousehold: true})
		fieldErr(t, err, "phone", "联系电话应为 11 位手机号")
	})
}

// TestImportNamesTheBadHeadRowAndShowsBadCharacters: members of a household
// whose head's row is bad are told to fix that row (not that their household
// has no head); a bad number shows the characters that make it bad and no
// more of its digits than a mask does.
func TestImportNamesTheBadHeadRowAndShowsBadCharacters(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		p := w.Principal(t, "community_admin")
		head := apptest.RegistryID("330106", 1960, 21)
		badCheck := head[:17] + map[bool]string{true: "1", false: "2"}[head[17] != '1']
		other := apptest.RegistryID("330106", 1961, 22)
		path := messyLedger(t, [][]any{
			{"C001", "户主错", "户主", badCheck, "男", "", "", "新苑1幢1单元101", "网格甲A", "", ""},                    // row 4
			{"C001", "成员甲", "妻子", "", "女", "1962-01-01", "", "新苑1幢1单元101", "网格甲A", "", ""},                // row 5
			{"C001", "成员乙", "儿子", "", "男", "1990-01-01", "", "新苑1幢1单元101", "网格甲A", "", ""},                // row 6
			{"", "无号主", "户主", "", "未知", "1950-01-01", "", "新苑1幢1单元102", "网格甲A", "", ""},                   // row 7: bad sex, no 户号
			{"", "无号员", "配偶", "", "女", "1951-01-01", "", "新苑1幢1单元102", "网格甲A", "", ""},                    // row 8
			{"C003", "孤成员", "妻子", "", "女", "1970-01-01", "", "新苑1幢1单元103", "网格甲A", "", ""},                // row 9: no head at all
			{"C004", "电话错", "户主", "", "男", "1970-01-01", "138abc12345", "新苑1幢1单元104", "网格甲A", "", ""},     // row 10
			{"C005", "号码错", "户主", other[:6] + "O" + other[7:], "女", "", "", "新苑1幢1单元105", "网格甲A", "", ""}, // row 11
		})
		r, _, err := w.App.Imports.RunNow(ctx, p, registry.Importer{S: w.App.Registry}, w.C1, path, false)
		if err != nil {
			t.Fatal(err)
		}
		got := map[int]string{}
		values := map[int]string{}
		for _, pr := range r.Problems {
			got[pr.Row] += pr.Reason
			values[pr.Row] += pr.Value
		}
		want := map[int]string{
			4: "校验位", 5: "户主在第 4 行，该行有错误", 6: "户主在第 4 行，该行有错误",
			7: "性别", 8: "户主在第 7 行，该行有错误", 9: "这一户没有户主",
			10: "联系电话中有非数字字符：第 4–6 位“abc”", 11: "无法识别的字符：第 7 位“O”",
		}
		if len(got) != len(want) || r.Bad != len(want) || r.Good != 0 {
			t.Errorf("%d bad, %d good, problems %v", r.Bad, r.Good, got)
		}
		for row, reason := range want {
			if !strings.Contains(got[row], reason) {
				t.Errorf("row %d: want %q, got %q", row, reason, got[row])
			}
		}
		if strings.Contains(got[5]+got[6]+got[8], "没有户主") {
			t.Errorf("members of a bad head's household told it has no head: %v", got)
		}
		if values[10] != "***「abc」*2345" {
			t.Errorf("bad phone shown as %q", values[10])
		}
		if v := values[11]; v != other[:3]+"***「O」"+strings.Repeat("*", 7)+other[14:] {
			t.Errorf("bad ID number shown as %q", v)
		}
		if strings.Contains(values[4], head[3:14]) {
			t.Errorf("bad check digit shows the number: %q", values[4])
		}
		// The groups count the members of bad heads' households as one kind.
		found := false
		for _, g := range r.Groups {
			if g.Kind == "registry.import_head_row_bad" {
				found = g.Rows == 3 && strings.Contains(g.Column, "与户主关系") && g.FirstRow == 5 && strings.Contains(g.Reason, "第 4 行")
			}
		}
		if !found {
			t.Errorf("groups: %+v", r.Groups)
		}
	})
}
