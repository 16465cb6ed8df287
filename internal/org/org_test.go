package org_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"linli/internal/apptest"
	"linli/internal/auth"
	"linli/internal/i18n"
	"linli/internal/org"
)

func fieldErr(t *testing.T, err error, field string) string {
	t.Helper()
	var verrs *i18n.Errors
	if !errors.As(err, &verrs) || verrs.For(field) == "" {
		t.Fatalf("want an error on %q, got %v", field, err)
	}
	return verrs.For(field)
}

func TestCodesFollowTheStandards(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		sys := auth.System("t")
		o := w.App.Org
		cases := []struct {
			in    org.Input
			field string
			want  string
		}{
			{org.Input{ParentID: w.Street, Level: org.Community, Name: "x", Code: "3301060040"}, "code", "12 位"},
			{org.Input{ParentID: w.Street, Level: org.Community, Name: "x", Code: "330106005001"}, "code", "330106004"},
			{org.Input{ParentID: w.Street, Level: org.Community, Name: "x", Code: "330106004000"}, "code", "末 3 位"},
			{org.Input{ParentID: w.District, Level: org.Street, Name: "x", Code: "330107004000"}, "code", "330106"},
			{org.Input{ParentID: w.C1, Level: org.Grid, Name: "x", Code: "1"}, "code", "3 位"},
			{org.Input{ParentID: w.C1, Level: org.Community, Name: "x", Code: "330106004009"}, "level", "网格"},
			{org.Input{ParentID: w.C1, Level: org.Grid, Name: "", Code: "005"}, "name", "名称"},
			{org.Input{ParentID: w.C1, Level: org.Grid, Name: "x", Code: "005", ValidFrom: "2024-02-30"}, "valid_from", "有效日期"},
			{org.Input{ParentID: w.C1, Level: org.Grid, Name: "x", Code: "005", ValidFrom: "2024-02-01", ValidTo: "2024-01-01"}, "valid_to", "不能早于"},
			{org.Input{ParentID: w.C1, Level: org.Grid, Name: "x", Code: "001"}, "code", "已存在"},
			{org.Input{Level: org.Street, Name: "x", Code: "330106009000"}, "parent_id", "顶级"},
		}
		for _, c := range cases {
			_, err := o.Create(ctx, sys, c.in)
			if msg := fieldErr(t, err, c.field); !strings.Contains(msg, c.want) {
				t.Errorf("%+v: %q lacks %q", c.in, msg, c.want)
			}
		}
		id, err := o.Create(ctx, sys, org.Input{ParentID: w.C1, Level: org.Grid, Name: "第三网格", Code: "003"})
		if err != nil {
			t.Fatal(err)
		}
		u, _ := o.Lookup(ctx, id)
		if u.CommunityID != w.C1 || !strings.HasSuffix(u.Path, "/"+itoa(id)+"/") || u.ValidFrom == "" {
			t.Fatalf("new grid: %+v", u)
		}
	})
}

func TestScopeResolution(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		o := w.App.Org
		sc, err := o.ResolveScope(ctx, []int64{w.Street})
		if err != nil || len(sc.Communities) != 2 || len(sc.Grids) != 0 || !sc.Allows(w.C2, w.GridD) {
			t.Fatalf("street: %+v %v", sc, err)
		}
		sc, _ = o.ResolveScope(ctx, []int64{w.GridA, w.GridD})
		if len(sc.Communities) != 0 || len(sc.Grids) != 2 || sc.Allows(w.C1, w.GridB) || !sc.Allows(w.C2, w.GridD) || sc.AllowsCommunity(w.C1) {
			t.Fatalf("grids: %+v", sc)
		}
		// The grids' rows are named with their communities too (one node per
		// community on Citus).
		if got, args := sc.SQL(w.DB.Dialect(), "t.community_id", "t.grid_id"); !strings.HasPrefix(got, "(t.community_id IN (") || !strings.Contains(got, " AND t.grid_id IN (") ||
			fmt.Sprint(args...) != fmt.Sprint(w.C1, w.C2, w.GridA, w.GridD) {
			t.Fatalf("SQL: %s %v", got, args)
		}
		// A grid whose whole community is reached adds nothing.
		sc, _ = o.ResolveScope(ctx, []int64{w.C1, w.GridA})
		if len(sc.Communities) != 1 || len(sc.Grids) != 0 {
			t.Fatalf("community + its grid: %+v", sc)
		}
		if got, args := (auth.Scope{}).SQL(w.DB.Dialect(), "c", "g"); got != "1=0" || len(args) != 0 {
			t.Fatalf("empty scope must match nothing: %s", got)
		}
	})
}

func TestWritesStayInsideTheSubtree(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		o := w.App.Org
		res, err := w.App.Auth.Login(ctx, "community_admin", apptest.Password, "ip", "ua", auth.KindWeb)
		if err != nil {
			t.Fatal(err)
		}
		p := res.Principal
		if _, err := o.Create(ctx, p, org.Input{ParentID: w.C1, Level: org.Grid, Name: "新网格", Code: "007"}); err != nil {
			t.Fatalf("own community: %v", err)
		}
		if _, err := o.Create(ctx, p, org.Input{ParentID: w.C2, Level: org.Grid, Name: "新网格", Code: "007"}); !errors.Is(err, auth.ErrNotFound) {
			t.Fatalf("other community: %v", err)
		}
		// The community leader edits its grids, not its own community.
		if err := o.Update(ctx, p, w.C1, org.Input{Name: "改名", Code: "330106004001"}); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("own root: %v", err)
		}
		if err := o.Update(ctx, p, w.GridA, org.Input{Name: "甲网格新名", Code: "001", ValidFrom: "2020-01-01"}); err != nil {
			t.Fatal(err)
		}
		u, _ := o.Get(ctx, p, w.GridA)
		if u.Name != "甲网格新名" {
			t.Fatalf("update not visible: %+v", u)
		}
	})
}

func TestLevelNames(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		o := w.App.Org
		names := o.LevelNames(ctx)
		if names[org.Street] != "街道" || names[org.Community] != "社区" {
			t.Fatalf("defaults: %v", names)
		}
		names[org.Street], names[org.Community] = "镇", "村"
		if err := o.SetLevelNames(ctx, auth.System("t"), names); err != nil {
			t.Fatal(err)
		}
		if got := o.LevelNames(ctx); got[org.Street] != "镇" || got[org.Community] != "村" || got[org.Grid] != "网格" {
			t.Fatalf("rural names: %v", got)
		}
		names[org.Grid] = ""
		fieldErr(t, o.SetLevelNames(ctx, auth.System("t"), names), "level_grid")
	})
}

func itoa(n int64) string {
	const digits = "0123456789"
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{digits[n%10]}, b...)
		n /= 10
	}
	return string(b)
}
