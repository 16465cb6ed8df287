// Package demo builds a realistic demo street: one 区, one 街道, three 社区 with
// 4–8 网格 each, estates, buildings, entrances and dwellings sized for the number
// of residents asked for, and one account per role.
package demo

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"math/big"
	mrand "math/rand/v2"
	"sort"
	"strings"

	"linli/internal/app"
	"linli/internal/audit"
	"linli/internal/auth"
	"linli/internal/db"
	"linli/internal/org"
	"linli/internal/places"
)

// Options shape the demo.
type Options struct {
	// Password of every demo account; generated when empty (and printed by the caller).
	Password string
	// Residents sizes the places (about 2.6 residents per dwelling).
	Residents int
	// Progress receives one line per step; may be nil.
	Progress io.Writer
	// Seed makes the generated places repeatable (tests).
	Seed uint64
}

// Account is a demo login.
type Account struct {
	Username    string
	Description string
}

// Result says what Setup did.
type Result struct {
	Created       bool
	Password      string
	PasswordShown bool // false when an existing demo kept its passwords
	Accounts      []Account
	StreetID      int64
	Communities   []int64
	Grids         map[int64][]int64 // community → grids
}

// Demo org codes: GB/T 2260 codes of 杭州市西湖区 and a 12-digit street code.
const (
	cityCode     = "330100"
	districtCode = "330106"
	streetCode   = "330106004000"
)

var communities = []struct {
	name, code string
	grids      int
	estates    []string
}{
	{"翠苑一区社区", "330106004001", 6, []string{"翠苑一区", "文华苑"}},
	{"翠苑二区社区", "330106004002", 5, []string{"翠苑二区", "嘉绿苑", "紫荆花园"}},
	{"学院路社区", "330106004003", 7, []string{"学院新村", "求智巷小区"}},
}

var gridNumerals = []string{"一", "二", "三", "四", "五", "六", "七", "八"}

// Setup creates the demo if the deployment has no org tree yet, and makes sure
// every demo account exists. With a password given, existing demo accounts take it.
func Setup(ctx context.Context, a *app.App, opts Options) (*Result, error) {
	if opts.Residents <= 0 {
		opts.Residents = 30000
	}
	say := func(format string, args ...any) {
		if opts.Progress != nil {
			fmt.Fprintf(opts.Progress, format+"\n", args...)
		}
	}
	sys := auth.System("demo")
	res := &Result{Grids: map[int64][]int64{}}
	var n int
	if err := a.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM org_unit`).Scan(&n); err != nil {
		return nil, err
	}
	if n == 0 {
		say("创建演示街道 / creating the demo street …")
		if err := buildOrg(ctx, a, sys, res); err != nil {
			return nil, err
		}
		say("创建小区、楼栋和房屋 / creating estates, buildings and dwellings …")
		if err := buildPlaces(ctx, a, sys, res, opts); err != nil {
			return nil, err
		}
		res.Created = true
	} else if err := findOrg(ctx, a, res); err != nil {
		return nil, err
	}
	res.Password = opts.Password
	res.PasswordShown = true
	if err := ensureAccounts(ctx, a, sys, res, opts.Password); err != nil {
		return nil, err
	}
	if res.Created {
		sort.SliceStable(steps, func(i, j int) bool { return steps[i].order < steps[j].order })
		env := &Env{App: a, System: sys, Result: res, Options: opts, Say: say, Rand: mrand.New(mrand.NewPCG(opts.Seed+7, 11))}
		for _, st := range steps {
			say("%s", st.label)
			if err := st.fn(ctx, env); err != nil {
				return nil, fmt.Errorf("demo %s: %w", st.label, err)
			}
		}
	}
	return res, nil
}

// Env is what a module's demo step works with.
type Env struct {
	App     *app.App
	System  *auth.Principal
	Result  *Result
	Options Options
	Say     func(format string, args ...any)
	Rand    *mrand.Rand
}

type step struct {
	order int
	label string
	fn    func(ctx context.Context, env *Env) error
}

var steps []step

// Register adds a module's demo data, run in order after the org tree, the places
// and the accounts exist, once, when the demo is first created. A module keeps its
// step in its own file of this package (demo/registry.go) and registers it from an
// init function.
func Register(order int, label string, fn func(ctx context.Context, env *Env) error) {
	steps = append(steps, step{order: order, label: label, fn: fn})
}

func buildOrg(ctx context.Context, a *app.App, sys *auth.Principal, res *Result) error {
	cityID, err := a.Org.Create(ctx, sys, org.Input{Level: org.City, Name: "杭州市", Code: cityCode, ValidFrom: "2000-01-01"})
	if err != nil {
		return err
	}
	districtID, err := a.Org.Create(ctx, sys, org.Input{ParentID: cityID, Level: org.District, Name: "西湖区", Code: districtCode, ValidFrom: "2000-01-01"})
	if err != nil {
		return err
	}
	res.StreetID, err = a.Org.Create(ctx, sys, org.Input{ParentID: districtID, Level: org.Street, Name: "翠苑街道", Code: streetCode, ValidFrom: "2000-01-01"})
	if err != nil {
		return err
	}
	for i, c := range communities {
		cid, err := a.Org.Create(ctx, sys, org.Input{ParentID: res.StreetID, Level: org.Community, Name: c.name, Code: c.code, Sort: i, ValidFrom: "2005-06-01"})
		if err != nil {
			return err
		}
		res.Communities = append(res.Communities, cid)
		for g := 0; g < c.grids; g++ {
			gid, err := a.Org.Create(ctx, sys, org.Input{ParentID: cid, Level: org.Grid, Name: "第" + gridNumerals[g] + "网格", Code: fmt.Sprintf("%03d", g+1), Sort: g, ValidFrom: "2015-03-01"})
			if err != nil {
				return err
			}
			res.Grids[cid] = append(res.Grids[cid], gid)
		}
	}
	return nil
}

// findOrg reloads the ids of an existing demo.
func findOrg(ctx context.Context, a *app.App, res *Result) error {
	units, err := a.Org.Visible(ctx, auth.System("demo"))
	if err != nil {
		return err
	}
	for _, u := range units {
		switch u.Level {
		case org.Street:
			if res.StreetID == 0 {
				res.StreetID = u.ID
			}
		case org.Community:
			res.Communities = append(res.Communities, u.ID)
		case org.Grid:
			res.Grids[u.CommunityID] = append(res.Grids[u.CommunityID], u.ID)
		}
	}
	if res.StreetID == 0 || len(res.Communities) == 0 {
		return fmt.Errorf("the deployment has an org tree that is not the demo's: use linli serve")
	}
	return nil
}

// buildPlaces lays out estates and buildings so that there are about
// residents/2.6 dwellings, spread over the communities and their grids. Buildings
// are written in one transaction per community with a single audit entry, as an
// import would be.
func buildPlaces(ctx context.Context, a *app.App, sys *auth.Principal, res *Result, opts Options) error {
	rng := mrand.New(mrand.NewPCG(opts.Seed+1, 2026))
	dwellingsWanted := opts.Residents*10/26 + 1
	perCommunity := dwellingsWanted/len(res.Communities) + 1
	for ci, cid := range res.Communities {
		c := communities[ci%len(communities)]
		grids := res.Grids[cid]
		err := a.DB.InTx(ctx, func(tx *db.Tx) error {
			estateIDs := make([]int64, len(c.estates))
			for i, name := range c.estates {
				id, err := places.InsertEstateTx(ctx, tx, places.EstateInput{CommunityID: cid, Name: name, Address: "杭州市西湖区" + name})
				if err != nil {
					return err
				}
				estateIDs[i] = id
			}
			made := 0
			// Buildings go to grids in contiguous runs, as grids are drawn on a map.
			estBuildings := perCommunity/50 + 1
			for b := 0; made < perCommunity; b++ {
				estate := b % len(estateIDs)
				grid := grids[min(b*len(grids)/estBuildings, len(grids)-1)]
				floors := 6 + rng.IntN(13) // 6–18
				entrances := 1 + rng.IntN(3)
				perFloor := 2
				if floors <= 7 {
					perFloor = 2 + rng.IntN(2)
				}
				name := fmt.Sprintf("%d幢", b/len(estateIDs)+1)
				bid, err := places.InsertBuildingTx(ctx, tx, places.BuildingInput{CommunityID: cid, GridID: grid, EstateID: estateIDs[estate], Name: name, Floors: floors})
				if err != nil {
					return err
				}
				bld := &places.Building{ID: bid, CommunityID: cid, GridID: grid}
				for e := 1; e <= entrances; e++ {
					eid, err := places.InsertEntranceTx(ctx, tx, cid, bid, fmt.Sprintf("%d单元", e))
					if err != nil {
						return err
					}
					for f := 1; f <= floors; f++ {
						for r := 1; r <= perFloor; r++ {
							if _, err := places.InsertDwellingTx(ctx, tx, bld, places.DwellingInput{BuildingID: bid, EntranceID: eid, Room: fmt.Sprintf("%d%02d", f, r), Floor: f,
								Area: float64(55 + rng.IntN(90)), Usage: "residential"}); err != nil {
								return err
							}
							made++
						}
					}
				}
			}
			return a.Audit.Record(ctx, tx, auditEntry(sys, "demo.places", cid, made))
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func auditEntry(sys *auth.Principal, action string, community int64, n int) audit.Entry {
	return audit.Event(sys, action, "org_unit", community, community, audit.Success).WithDetail(map[string]int{"dwellings": n})
}

// demoAccounts are the nine accounts of the issue, with what each is for.
func demoAccounts(res *Result) []struct {
	username, name string
	role           auth.Role
	lines          []string
	scope          []int64
	desc           string
} {
	c1 := res.Communities[0]
	g1 := res.Grids[c1][0]
	return []struct {
		username, name string
		role           auth.Role
		lines          []string
		scope          []int64
		desc           string
	}{
		{"street_admin", "王建国", auth.RoleStreetAdmin, nil, []int64{res.StreetID}, "街道管理员：全街道"},
		{"community_admin", "李秀英", auth.RoleCommunityAdmin, nil, []int64{c1}, "社区书记/主任：翠苑一区社区"},
		{"social_worker", "张敏", auth.RoleSocialWorker, []string{"civil_affairs", "governance"}, []int64{c1}, "社工（民政、综治）：翠苑一区社区"},
		{"grid_worker", "刘洋", auth.RoleGridWorker, nil, []int64{g1}, "网格员：翠苑一区社区第一网格"},
		{"volunteer", "陈桂兰", auth.RoleVolunteer, nil, []int64{g1}, "楼栋长/志愿者：翠苑一区社区第一网格"},
		{"resident", "赵磊", auth.RoleResident, nil, nil, "居民"},
		{"sys_admin", "系统管理员", auth.RoleSysAdmin, nil, nil, "系统管理员（演示账号免二次验证）"},
		{"security_admin", "安全管理员", auth.RoleSecurityAdmin, nil, nil, "安全管理员（演示账号免二次验证）"},
		{"audit_admin", "审计管理员", auth.RoleAuditAdmin, nil, nil, "审计管理员（演示账号免二次验证）"},
	}
}

func ensureAccounts(ctx context.Context, a *app.App, sys *auth.Principal, res *Result, password string) error {
	generated := password == ""
	for _, acc := range demoAccounts(res) {
		res.Accounts = append(res.Accounts, Account{Username: acc.username, Description: acc.desc})
		existing, err := a.Auth.GetUserByName(ctx, acc.username)
		if err == nil {
			if !generated {
				if err := a.Auth.SetPassword(ctx, sys, existing.ID, password, false); err != nil {
					return fmt.Errorf("%s: %w", acc.username, err)
				}
			}
			continue
		}
		if password == "" {
			password = generatePassword()
		}
		if _, err := a.Auth.CreateUser(ctx, sys, auth.NewUser{Username: acc.username, DisplayName: acc.name, Password: password,
			Roles: []auth.Role{acc.role}, Lines: acc.lines, Scope: acc.scope, MFAExempt: true}); err != nil {
			return fmt.Errorf("%s: %w", acc.username, err)
		}
	}
	if generated && password == "" {
		res.PasswordShown = false
	}
	res.Password = password
	return nil
}

// generatePassword makes a password that meets the policy and reads out well.
func generatePassword() string {
	const letters = "abcdefghjkmnpqrstuvwxyz"
	var b strings.Builder
	b.WriteString("Linli-")
	for i := 0; i < 5; i++ {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(letters))))
		b.WriteByte(letters[n.Int64()])
	}
	n, _ := rand.Int(rand.Reader, big.NewInt(9000))
	fmt.Fprintf(&b, "-%d", 1000+n.Int64())
	return b.String()
}
