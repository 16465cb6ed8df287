package apptest

import (
	"context"
	"fmt"
	"testing"

	"linli/internal/auth"
	"linli/internal/workplans"
)

// Work plans and summaries (workplans): community 1's annual plan of this
// year (A, title "甲社区工作计划标记") with a task ("甲任务标记"), and
// community 2's (D, "丁社区工作计划标记", "丁任务标记"). A street reads its
// communities' plans; a community only its own.
func init() {
	Register(90, func(t testing.TB, w *World) {
		ctx := context.Background()
		s := w.App.Workplans
		p := auth.System("fixture")
		year := s.ThisYear()
		for _, f := range []struct {
			wh   Where
			comm int64
			tag  string
		}{{InA, w.C1, "甲"}, {InD, w.C2, "丁"}} {
			id, err := s.Create(ctx, p, workplans.CreateInput{OrgID: f.comm, Year: year, Title: f.tag + "社区工作计划标记", DocNumber: f.tag + "社发〔1〕号"})
			if err != nil {
				t.Fatalf("workplans fixture: %v", err)
			}
			w.Add("work_plan", f.wh, id, f.tag+"社区工作计划标记")
			tid, err := s.AddTask(ctx, p, id, workplans.TaskInput{Department: "党建办", Content: f.tag + "任务标记", Owner: "张三", Deadline: fmt.Sprintf("%d-05-20", year)})
			if err != nil {
				t.Fatalf("workplans task fixture: %v", err)
			}
			w.Add("work_task", f.wh, tid, f.tag+"任务标记")
		}
	})
}
