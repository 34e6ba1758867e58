// Package executetest holds what the tests of execute.Observer
// implementations share: a clock that steps, and one scripted run to
// replay on an observer (the --json event writer in execute, the live
// view and log lines in internal/progress, the display choice in cmd).
// Only tests import it.
package executetest

import (
	"time"

	"github.com/nbfleet/nbfleet/pkg/execute"
	"github.com/nbfleet/nbfleet/pkg/plan"
	"github.com/nbfleet/nbfleet/pkg/report"
)

// StepClock is a clock that advances 10 seconds per reading, from
// 2026-09-01T03:00:00Z.
func StepClock() func() time.Time {
	t := time.Date(2026, 9, 1, 3, 0, 0, 0, time.UTC)
	return func() time.Time {
		t = t.Add(10 * time.Second)
		return t
	}
}

// Script drives obs through a small run, as the executor would call it:
// two creates (one fails), a delete, an unchanged notebook and one skipped
// by an interrupt.
func Script(obs execute.Observer) {
	p := &plan.Plan{Fleet: "ml101", Changes: []plan.Change{
		{Name: "ml101-alice", Action: plan.Create},
		{Name: "ml101-bob", Action: plan.Create},
		{Name: "ml101-carol", ID: "id-c", Action: plan.NoOp},
		{Name: "ml101-old", ID: "id-old", Action: plan.Delete},
		{Name: "ml101-zed", Action: plan.Create},
	}}
	at := func(s int) *time.Time { t := time.Date(2026, 9, 1, 3, 0, s, 0, time.UTC); return &t }
	obs.Planned(p)
	obs.Finished(report.Entry{Name: "ml101-carol", ID: "id-c", Action: "no-op", Outcome: report.Unchanged})
	obs.Started(&p.Changes[0])
	obs.Started(&p.Changes[1])
	obs.Started(&p.Changes[3])
	obs.Progress(execute.Event{Name: "ml101-alice", Step: plan.StepCreate})
	obs.Progress(execute.Event{Name: "ml101-alice", ID: "id-a", Step: plan.StepCreate, Status: "CREATING"})
	obs.Progress(execute.Event{Name: "ml101-bob", ID: "id-b", Step: plan.StepCreate, Status: "CREATING"})
	obs.Progress(execute.Event{Name: "ml101-old", ID: "id-old", Step: plan.StepDelete, Status: "DELETING"})
	obs.Finished(report.Entry{Name: "ml101-bob", ID: "id-b", Action: "create", Outcome: report.Failed, Status: "CREATE_FAILED",
		Error: &report.Error{Code: "create_failed", Message: "create: notebook ended CREATE_FAILED: no capacity"}, Attempts: 2,
		StartedAt: at(1), FinishedAt: at(40)})
	obs.Progress(execute.Event{Name: "ml101-alice", ID: "id-a", Step: plan.StepCreate, Status: "RUNNING"})
	obs.Finished(report.Entry{Name: "ml101-alice", ID: "id-a", Action: "create", Outcome: report.Succeeded, Status: "RUNNING",
		URL: "https://nb.example/id-a", Attempts: 1, StartedAt: at(1), FinishedAt: at(50)})
	obs.Finished(report.Entry{Name: "ml101-old", ID: "id-old", Action: "delete", Outcome: report.Succeeded, Attempts: 1,
		StartedAt: at(1), FinishedAt: at(60)})
	obs.Finished(report.Entry{Name: "ml101-zed", Action: "create", Outcome: report.Skipped, Note: "not started: interrupted"})
	r := &report.Report{Fleet: "ml101", StartedAt: *at(0), FinishedAt: *at(59), Interrupted: true, Notebooks: make([]report.Entry, 5)}
	r.Summary = report.Summary{Total: 5, Outcomes: map[report.Outcome]int{report.Succeeded: 2, report.Failed: 1, report.Skipped: 1, report.Unchanged: 1},
		Actions: map[string]int{"create": 3, "no-op": 1, "delete": 1}}
	obs.Summary(r)
}
