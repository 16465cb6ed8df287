package demo_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"linli/internal/app"
	"linli/internal/apptest"
	"linli/internal/db"
	"linli/internal/dbtest"
	"linli/internal/demo"
	"linli/internal/identity"
	"linli/internal/locale"
)

// demoRow is one generated resident as stored.
type demoRow struct {
	name, sex, birth, political, employer, education, marital, relation string
	head                                                                bool
	tags                                                                map[string]bool
	age                                                                 int
}

func (r demoRow) String() string {
	var tags []string
	for t := range r.tags {
		tags = append(tags, t)
	}
	return fmt.Sprintf("%s（%s，%d 岁，%s，%s，工作单位“%s”，%s，%s，户主 %v，%s）", r.name, r.sex, r.age, r.political, r.education, r.employer, r.marital, r.relation, r.head, strings.Join(tags, "、"))
}

// Schools are the only 工作单位 a child may have (where they study).
var schools = map[string]bool{"": true, "翠苑小学": true, "学军小学": true, "文三街小学": true, "翠苑中学": true, "杭州市第十三中学": true, "杭州学军中学": true}

// The demo's people are believable: no party member, veteran, retiree, head of
// household, spouse or offender under 18; retirement at a plausible age; the
// age groups (老年人, 育龄妇女) by age and sex; education that fits the age.
func TestDemoResidentsAreBelievable(t *testing.T) {
	dbtest.Run(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := apptest.NewApp(d)
		if _, err := demo.Setup(ctx, a, demo.Options{Password: "Demo-Pass-2026", Residents: 4000, Seed: 7}); err != nil {
			t.Fatal(err)
		}
		rows := loadDemoRows(t, d)
		if len(rows) < 3500 {
			t.Fatalf("%d residents generated, want about 4000", len(rows))
		}
		counts := map[string]int{}
		bad := 0
		fail := func(r demoRow, rule string) {
			t.Helper()
			if bad++; bad <= 30 {
				t.Errorf("%s: %s", rule, r)
			}
		}
		for _, r := range rows {
			adult := r.age >= 18
			if r.political == "cpc" || r.political == "cpc_probationary" || r.tags["party_member"] {
				counts["party"]++
				if !adult {
					fail(r, "党员未满 18 岁")
				}
			}
			if r.tags["party_member"] != (r.political == "cpc" || r.political == "cpc_probationary") {
				fail(r, "党员分组与政治面貌不符")
			}
			if r.political == "cyl" && (r.age < 14 || r.age > 28) {
				fail(r, "共青团员年龄不在 14–28 岁")
			}
			if r.tags["veteran"] {
				counts["veteran"]++
				if r.age < 20 {
					fail(r, "退役军人不满 20 岁")
				}
			}
			if r.employer == "退休" {
				counts["retired"]++
				if r.sex == identity.Male && r.age < 60 || r.sex == identity.Female && r.age < 50 {
					fail(r, "退休年龄不合理")
				}
			}
			if !adult && !schools[r.employer] {
				fail(r, "未成年人有工作单位")
			}
			if r.age < 6 && r.employer != "" {
				fail(r, "学龄前儿童有工作单位或学校")
			}
			if r.head || r.relation == "self" {
				counts["heads"]++
				if !adult {
					fail(r, "未成年人是户主")
				}
			}
			if r.relation == "spouse" || r.marital == "married" || r.marital == "divorced" || r.marital == "widowed" {
				if r.sex == identity.Male && r.age < 22 || r.sex == identity.Female && r.age < 20 {
					fail(r, "未到法定婚龄却已婚（或离异、丧偶）")
				}
			}
			if r.tags["elderly"] != (r.age >= 60) {
				fail(r, "老年人分组与年龄不符")
			}
			if r.tags["childbearing_woman"] != (r.sex == identity.Female && r.age >= 15 && r.age <= 49) {
				fail(r, "育龄妇女分组与年龄、性别不符")
			}
			if r.tags["living_alone"] && !r.tags["elderly"] {
				fail(r, "独居老人不是老年人")
			}
			if r.tags["unemployed"] && (r.age < 16 || r.age >= 60 || r.employer == "退休") {
				fail(r, "失业人员不在劳动年龄")
			}
			for _, code := range []string{"key_person", "released_prisoner", "community_correction", "key_petitioner"} {
				if r.tags[code] && !adult {
					fail(r, code+" 未满 18 岁")
				}
			}
			switch {
			case r.age < 6 && r.education != "":
				fail(r, "学龄前儿童有文化程度")
			case r.age < 15 && r.education != "" && r.education != "primary" && r.education != "junior":
				fail(r, "文化程度高于年龄")
			case r.age < 18 && (r.education == "college" || r.education == "bachelor" || r.education == "postgraduate"):
				fail(r, "未成年人有大专以上学历")
			case r.age < 24 && r.education == "postgraduate":
				fail(r, "研究生学历年龄过小")
			}
		}
		// The demo still has each kind of person.
		for _, k := range []string{"party", "veteran", "retired", "heads"} {
			if counts[k] == 0 {
				t.Errorf("no %s among %d residents", k, len(rows))
			}
		}
		if bad > 0 {
			t.Errorf("%d implausible residents among %d", bad, len(rows))
		}
	})
}

func loadDemoRows(t *testing.T, d *db.DB) []demoRow {
	ctx := context.Background()
	rows, err := d.QueryContext(ctx, `SELECT p.id, p.name, p.sex, p.birth_date, p.political, p.employer, p.education, p.marital, p.relation,
		COALESCE(h.head_person_id, 0) FROM reg_person p LEFT JOIN reg_household h ON h.community_id = p.community_id AND h.id = p.household_id`)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[int64]*demoRow{}
	var order []int64
	today := time.Now().In(locale.Zone)
	for rows.Next() {
		var id, head int64
		r := &demoRow{tags: map[string]bool{}}
		if err := rows.Scan(&id, &r.name, &r.sex, &r.birth, &r.political, &r.employer, &r.education, &r.marital, &r.relation, &head); err != nil {
			t.Fatal(err)
		}
		r.head = head == id
		r.age = (&identity.ID{BirthDate: r.birth}).Age(today)
		byID[id] = r
		order = append(order, id)
	}
	rows.Close()
	tags, err := d.QueryContext(ctx, `SELECT pt.person_id, t.code FROM reg_person_tag pt JOIN reg_tag t ON t.id = pt.tag_id`)
	if err != nil {
		t.Fatal(err)
	}
	for tags.Next() {
		var id int64
		var code string
		if err := tags.Scan(&id, &code); err != nil {
			t.Fatal(err)
		}
		if r := byID[id]; r != nil {
			r.tags[code] = true
		}
	}
	tags.Close()
	out := make([]demoRow, 0, len(order))
	for _, id := range order {
		out = append(out, *byID[id])
	}
	return out
}
