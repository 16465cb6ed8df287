package demo

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"time"

	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/identity"
	"linli/internal/registry"
)

func init() { Register(20, "生成居民档案 / residents", demoResidents) }

// Common surnames with their rough share of the population (percent × 10).
var surnames = []struct {
	s string
	w int
}{
	{"王", 72}, {"李", 71}, {"张", 69}, {"刘", 54}, {"陈", 45}, {"杨", 31}, {"黄", 23}, {"赵", 22}, {"吴", 20}, {"周", 19},
	{"徐", 17}, {"孙", 15}, {"马", 15}, {"朱", 14}, {"胡", 13}, {"郭", 12}, {"何", 12}, {"高", 11}, {"林", 11}, {"罗", 10},
	{"郑", 10}, {"梁", 9}, {"谢", 8}, {"宋", 8}, {"唐", 8}, {"许", 7}, {"韩", 7}, {"冯", 7}, {"邓", 7}, {"曹", 7},
	{"彭", 6}, {"曾", 6}, {"肖", 6}, {"田", 6}, {"董", 5}, {"袁", 5}, {"潘", 5}, {"于", 5}, {"蒋", 5}, {"蔡", 5},
	{"余", 5}, {"杜", 5}, {"叶", 5}, {"程", 5}, {"苏", 4}, {"魏", 4}, {"吕", 4}, {"丁", 4}, {"任", 4}, {"沈", 4},
	{"姚", 4}, {"卢", 4}, {"姜", 4}, {"崔", 4}, {"钟", 4}, {"谭", 3}, {"陆", 3}, {"汪", 3}, {"范", 3}, {"金", 3},
	{"欧阳", 1}, {"诸葛", 1}, {"司马", 1},
}

var (
	maleChars   = []rune("伟强磊军勇杰涛明超刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林欢阳建国志峰亮斌晨博文东海成康")
	femaleChars = []rune("芳娜敏静丽艳娟霞秀英玲桂兰萍红琳燕梅婷雪慧颖倩洁佳欣琪月晶蕾璐思雨欣怡梦瑶丹莉")
	// Region codes of where the demo's people were born: the district itself and
	// the provinces that send most migrants to Hangzhou.
	localRegions   = []string{"330106", "330102", "330105", "330108", "330110", "330104"}
	migrantRegions = []string{"341222", "341225", "341204", "411527", "412726", "411522", "430524", "430528", "510722", "511324", "522422", "452123", "362330", "360781", "320324", "330381", "330326"}
	// Where working-age people work, and where children study (a pupil's
	// 工作单位 is their school, as the ledgers write it).
	workplaces     = []string{"浙江大学", "杭州市第一人民医院", "西湖区人民政府", "阿里巴巴", "海康威视", "农夫山泉", "个体经营", "杭州公交集团", "翠苑小学", "物业公司"}
	primarySchools = []string{"翠苑小学", "学军小学", "文三街小学"}
	middleSchools  = []string{"翠苑中学", "杭州市第十三中学", "杭州学军中学"}
)

// employerFor is a believable 工作单位 for age and sex: none before school, a
// school for pupils, work in working age, 退休 only past retirement age (men
// 60, women 50 as workers or 55 as cadres; nearly everyone a few years on).
func employerFor(r *mrand.Rand, age int, sex string) string {
	retireAt, surelyAt := 60, 63
	if sex == identity.Female {
		retireAt, surelyAt = 50, 55
	}
	switch {
	case age < 6:
		return ""
	case age < 12:
		return pick(r, primarySchools)
	case age < 18:
		if r.IntN(10) < 9 {
			return pick(r, middleSchools)
		}
		return ""
	case age >= surelyAt:
		if r.IntN(100) < 85 {
			return "退休"
		}
		return ""
	case age >= retireAt && r.IntN(2) == 0:
		return "退休"
	case r.IntN(4) == 0:
		return ""
	}
	return pick(r, workplaces)
}

// educationFor is a 文化程度 that the age allows: none recorded before
// school, the school year reached for pupils, and no degree before its age.
func educationFor(r *mrand.Rand, age int) string {
	switch {
	case age < 6:
		return ""
	case age < 12:
		return "primary"
	case age < 15:
		return "junior"
	case age < 18:
		return pick(r, []string{"junior", "senior", "senior"})
	case age < 22:
		return pick(r, []string{"junior", "senior", "college"})
	case age < 24:
		return pick(r, registry.Educations[1:6])
	case age >= 65:
		return pick(r, []string{"none", "primary", "primary", "junior", "junior", "senior", "college"})
	}
	return pick(r, registry.Educations[1:])
}

// politicalFor is a 政治面貌 that the age allows: none recorded for children,
// 共青团员 from 14 to 28, party members (中共党员, 预备党员) only from 18.
func politicalFor(r *mrand.Rand, age int) string {
	switch {
	case age < 14:
		return ""
	case age < 18:
		if r.IntN(10) < 4 {
			return "cyl"
		}
		return "masses"
	}
	n := r.IntN(100)
	switch {
	case n < 8:
		return "cpc"
	case n < 9:
		return "cpc_probationary"
	case age <= 28 && n < 35:
		return "cyl"
	}
	return "masses"
}

func pick[T any](r *mrand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func surname(r *mrand.Rand) string {
	total := 0
	for _, s := range surnames {
		total += s.w
	}
	n := r.IntN(total)
	for _, s := range surnames {
		if n < s.w {
			return s.s
		}
		n -= s.w
	}
	return "王"
}

func givenName(r *mrand.Rand, sex string) string {
	pool := maleChars
	if sex == identity.Female {
		pool = femaleChars
	}
	n := string(pick(r, pool))
	if r.IntN(10) < 7 {
		n += string(pick(r, pool))
	}
	return n
}

func phone(r *mrand.Rand) string {
	prefixes := []string{"130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155", "156", "157", "158", "159", "177", "180", "181", "182", "186", "187", "188", "189", "199"}
	return pick(r, prefixes) + fmt.Sprintf("%08d", r.IntN(100000000))
}

// demoPerson is one generated person before writing.
type demoPerson struct {
	in   registry.PersonInput
	tags []string
}

// idMaker makes unique valid ID numbers.
type idMaker struct {
	used map[string]bool
	r    *mrand.Rand
}

func (m *idMaker) make(region string, birth time.Time, sex string) string {
	for {
		id := identity.MakeID(region, birth, m.r.IntN(500), sex)
		if !m.used[id] {
			m.used[id] = true
			return id
		}
	}
}

func demoResidents(ctx context.Context, env *Env) error {
	a := env.App
	want := env.Options.Residents
	if want <= 0 {
		return nil
	}
	r := env.Rand
	var regions, migrants []string
	for _, c := range localRegions {
		if _, _, ok := identity.Region(c); ok {
			regions = append(regions, c)
		}
	}
	for _, c := range migrantRegions {
		if _, _, ok := identity.Region(c); ok {
			migrants = append(migrants, c)
		}
	}
	tagIDs, err := a.Registry.TagIDs(ctx)
	if err != nil {
		return err
	}
	type dw struct{ id, community, grid int64 }
	var dwellings []dw
	rows, err := a.DB.QueryContext(ctx, `SELECT id, community_id, COALESCE(grid_id, 0) FROM dwelling ORDER BY id`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var d dw
		if err := rows.Scan(&d.id, &d.community, &d.grid); err != nil {
			rows.Close()
			return err
		}
		dwellings = append(dwellings, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(dwellings) == 0 {
		return nil
	}
	r.Shuffle(len(dwellings), func(i, j int) { dwellings[i], dwellings[j] = dwellings[j], dwellings[i] })
	ids := &idMaker{used: map[string]bool{}, r: r}
	now := time.Now()
	made, households := 0, 0
	var firstHead int64
	birth := func(age int) time.Time {
		return now.AddDate(-age, 0, -r.IntN(365))
	}
	next := 0
	for made < want {
		err := a.DB.InTx(ctx, func(tx *db.Tx) error {
			bw, err := a.Registry.NewBulkWriter(ctx, tx)
			if err != nil {
				return err
			}
			for chunk := 0; chunk < 20000 && made < want; chunk++ {
				d := dwellings[next%len(dwellings)]
				next++
				members := householdOf(r, birth, ids, regions, migrants)
				if made+len(members) > want {
					members = members[:want-made]
				}
				households++
				headID, err := bw.NextPersonID(ctx)
				if err != nil {
					return err
				}
				number := fmt.Sprintf("%d%06d", d.community%100, households)
				hh, err := bw.AddHousehold(ctx, d.community, d.grid, d.id, number, headID, len(members))
				if err != nil {
					return err
				}
				for i, m := range members {
					var tags []int64
					for _, code := range m.tags {
						tags = append(tags, tagIDs[code])
					}
					id := int64(0)
					if i == 0 {
						id = headID
					}
					since := fmt.Sprintf("%d-%02d-%02d", 1995+r.IntN(30), 1+r.IntN(12), 1+r.IntN(28))
					if id, err := identity.ParseID(m.in.IDNumber); err == nil && id.BirthDate > since {
						since = id.BirthDate // children have lived here since birth
					}
					if _, err := bw.Add(ctx, a.Registry, id, m.in, d.community, d.grid, d.id, hh, tags, since); err != nil {
						return fmt.Errorf("demo person %s: %w", m.in.Name, err)
					}
				}
				if firstHead == 0 {
					firstHead = headID
				}
				made += len(members)
				if made/100000 != (made-len(members))/100000 {
					env.Say("  … %d", made)
				}
			}
			return bw.Flush(ctx)
		})
		if err != nil {
			return err
		}
	}
	env.Say("  %d 位居民，%d 户 / residents, households", made, households)
	// Like an import, a bulk load needs the planner's statistics renewed.
	if err := a.DB.Analyze(ctx); err != nil {
		return err
	}
	// The demo resident account is the first household's head.
	if u, err := a.Auth.GetUserByName(ctx, "resident"); err == nil && firstHead != 0 {
		if err := a.Auth.UpdateUser(ctx, env.System, u.ID, auth.UserUpdate{DisplayName: u.DisplayName, Roles: u.Roles, PersonID: firstHead}); err != nil {
			return err
		}
	}
	return nil
}

// householdOf generates a household of 1–6 people: a head, often a spouse,
// children, sometimes an elderly parent; a share of households are migrants.
func householdOf(r *mrand.Rand, birth func(int) time.Time, ids *idMaker, regions, migrants []string) []demoPerson {
	sizeRoll := r.IntN(100)
	size := 1
	switch {
	case sizeRoll < 20:
		size = 1
	case sizeRoll < 50:
		size = 2
	case sizeRoll < 75:
		size = 3
	case sizeRoll < 90:
		size = 4
	case sizeRoll < 97:
		size = 5
	default:
		size = 6
	}
	migrant := r.IntN(100) < 18
	region := pick(r, regions)
	residence := "registered"
	switch {
	case migrant:
		region, residence = pick(r, migrants), "migrant"
	case r.IntN(100) < 4:
		residence = "separated"
	case r.IntN(100) < 6:
		residence = "resident"
	}
	family := surname(r)
	headAge := 25 + r.IntN(60)
	if size == 1 && r.IntN(2) == 0 {
		headAge = 60 + r.IntN(30) // many who live alone are old
	}
	headSex := identity.Male
	if r.IntN(100) < 30 {
		headSex = identity.Female
	}
	person := func(rel, sex string, age int, name string) demoPerson {
		b := birth(age)
		in := registry.PersonInput{
			Name: name, IDType: identity.KindIDCard, IDNumber: ids.make(region, b, sex), Relation: rel, ResidenceType: residence,
			Ethnicity: "汉族", Employer: employerFor(r, age, sex), Education: educationFor(r, age), Political: politicalFor(r, age),
		}
		if r.IntN(100) < 3 {
			in.Ethnicity = pick(r, registry.Ethnicities[1:10])
		}
		if age >= 16 {
			in.Phone = phone(r)
		}
		var tags []string
		switch {
		case age >= 60:
			tags = append(tags, "elderly")
			if size == 1 {
				tags = append(tags, "living_alone")
			}
		case age >= 18 && in.Employer == "" && r.IntN(100) < 12:
			tags = append(tags, "unemployed")
		}
		if in.Political == "cpc" || in.Political == "cpc_probationary" {
			tags = append(tags, "party_member")
		}
		if sex == identity.Female && age >= 15 && age <= 49 {
			tags = append(tags, "childbearing_woman")
		}
		if migrant {
			tags = append(tags, "migrant")
		}
		// Rare groups, each only at the ages it can have: veterans served
		// from 18 for two years at least (and are mostly men); the offender
		// and petitioner groups are adults.
		veteran := 0
		if age >= 20 {
			veteran = 300
			if sex == identity.Female {
				veteran = 15
			}
		}
		adult := 0
		if age >= 18 {
			adult = 1
		}
		teen := 0
		if age >= 14 {
			teen = 1
		}
		for _, rare := range []struct {
			code  string
			perMy int // per ten thousand
		}{{"veteran", veteran}, {"disabled", 200}, {"dibao", 120}, {"mental_disorder", 20 * teen}, {"key_person", 10 * adult}, {"released_prisoner", 5 * adult},
			{"community_correction", 3 * adult}, {"key_petitioner", 5 * adult}} {
			if rare.perMy > 0 && r.IntN(10000) < rare.perMy {
				tags = append(tags, rare.code)
			}
		}
		return demoPerson{in: in, tags: tags}
	}
	out := []demoPerson{person(registry.RelationSelf, headSex, headAge, family+givenName(r, headSex))}
	left := size - 1
	married := left > 0 && headAge >= 22
	switch {
	case married:
		out[0].in.Marital = "married"
	case headAge >= 70:
		out[0].in.Marital = "widowed"
	case headAge >= 35 && r.IntN(3) == 0:
		out[0].in.Marital = "divorced"
	default:
		out[0].in.Marital = "single"
	}
	if married {
		sex := identity.Female
		if headSex == identity.Female {
			sex = identity.Male
		}
		age := headAge + r.IntN(7) - 3
		sp := person("spouse", sex, age, surname(r)+givenName(r, sex))
		sp.in.Marital = "married"
		out = append(out, sp)
		left--
	}
	for left > 0 && headAge >= 45 && headAge < 75 && r.IntN(3) == 0 {
		sex := identity.Female
		if r.IntN(2) == 0 {
			sex = identity.Male
		}
		out = append(out, person("parent", sex, headAge+22+r.IntN(8), surname(r)+givenName(r, sex)))
		left--
	}
	for ; left > 0; left-- {
		sex, rel := identity.Male, "son"
		if r.IntN(2) == 0 {
			sex, rel = identity.Female, "daughter"
		}
		age := headAge - 22 - r.IntN(12)
		if age < 0 {
			age = r.IntN(5)
		}
		out = append(out, person(rel, sex, age, family+givenName(r, sex)))
	}
	return out
}
