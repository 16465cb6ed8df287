package apptest

import (
	"context"
	"strconv"
	"testing"

	"linli/internal/auth"
	"linli/internal/goals"
)

// Indicators and targets (goals):
//   - the street's entered indicator "医保参保率" (a ratio), seen by everyone
//     under the street (words, no community's data; not a marker);
//   - "goal_entry": its March figure in community 1 (A, evidence "甲参保凭证")
//     and community 2 (D, "丁参保凭证"); the entries page of a community
//     shows them only to those who may enter its figures;
//   - a target of 10 cases received for grid A and grid D this year.
func init() {
	Register(80, func(t testing.TB, w *World) {
		ctx := context.Background()
		sys := auth.System("fixture")
		s := w.App.Goals
		ind, err := s.Define(ctx, sys, goals.IndicatorInput{StreetID: w.Street, Name: "医保参保率", Definition: "参加城乡居民医保的人数 ÷ 应参保人数",
			Kind: "ratio", Direction: "higher", Unit: "%"})
		if err != nil {
			t.Fatalf("goals fixture: %v", err)
		}
		code := "entered." + strconv.FormatInt(ind, 10)
		year := s.ThisYear()
		for _, f := range []struct {
			wh   Where
			comm int64
			grid int64
			tag  string
		}{{InA, w.C1, w.GridA, "甲"}, {InD, w.C2, w.GridD, "丁"}} {
			id, err := s.Enter(ctx, sys, goals.EntryInput{OrgID: f.comm, Code: code, Month: strconv.Itoa(year) + "-03", Numerator: "9", Denominator: "10", Value: "90",
				Evidence: f.tag + "参保凭证"})
			if err != nil {
				t.Fatalf("goals entry fixture: %v", err)
			}
			w.Add("goal_entry", f.wh, id, f.tag+"参保凭证")
			if _, err := s.SetTarget(ctx, sys, goals.TargetInput{OrgID: f.grid, Year: year, Code: "cases.received", Value: "10"}); err != nil {
				t.Fatalf("goals target fixture: %v", err)
			}
		}
	})
}
