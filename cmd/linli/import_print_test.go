package main

import (
	"strconv"
	"strings"
	"testing"

	"linli/internal/importexport"
	"linli/internal/importflow"
)

// TestImportPrintsGroupsAndClipsValues: linli import first says how many
// rows each kind of problem hits, then lists rows, each showing at most 60
// characters of its cell.
func TestImportPrintsGroupsAndClipsValues(t *testing.T) {
	res := &importflow.Result{}
	long := strings.Repeat("很长的备注", 100)
	for row := 4; row < 419; row++ {
		res.AddProblem(importexport.Problem{Row: row, Column: "K 列（网格）", Value: "三网格", Reason: "一号社区没有这个网格", Kind: "places.import_grid_unknown"})
	}
	res.AddProblem(importexport.Problem{Row: 3, Column: "L 列（备注）", Value: long, Reason: "备注不能超过 500 个字", Kind: "err.too_long"})
	var out strings.Builder
	printProblems(&out, res)
	got := out.String()
	lines := strings.Split(got, "\n")
	if len(lines) < 4 || lines[0] != "  problems by kind:" ||
		lines[1] != "    K 列（网格）：415 行（如第 4 行：一号社区没有这个网格）" ||
		lines[2] != "    L 列（备注）：1 行（如第 3 行：备注不能超过 500 个字）" || lines[3] != "  rows:" {
		t.Fatalf("output:\n%s", got)
	}
	if !strings.Contains(got, "… "+strconv.Itoa(416-20)+" more") {
		t.Fatalf("no 'more' line:\n%s", got)
	}
	// One problem: no grouping; a long value is cut to 60 characters.
	res = &importflow.Result{}
	res.AddProblem(importexport.Problem{Row: 3, Column: "L 列（备注）", Value: long, Reason: "备注不能超过 500 个字"})
	out.Reset()
	printProblems(&out, res)
	want := "  row 3, L 列（备注）: 备注不能超过 500 个字 (" + string([]rune(long)[:59]) + "…)\n"
	if out.String() != want {
		t.Fatalf("got  %q\nwant %q", out.String(), want)
	}
}
