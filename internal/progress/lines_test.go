package progress

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nbfleet/nbfleet/internal/golden"
	"github.com/nbfleet/nbfleet/pkg/execute"
	"github.com/nbfleet/nbfleet/pkg/plan"
	"github.com/nbfleet/nbfleet/pkg/report"
)

// stepClock advances 10 seconds per reading.
func stepClock() func() time.Time {
	t := time.Date(2026, 9, 1, 3, 0, 0, 0, time.UTC)
	return func() time.Time {
		t = t.Add(10 * time.Second)
		return t
	}
}

// script drives obs through a small run: two creates (one fails), a
// delete, an unchanged notebook and one skipped by an interrupt.
func script(obs execute.Observer) {
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

// TestLines pins the log lines of a run, and that they hold no escape
// sequence.
func TestLines(t *testing.T) {
	var b bytes.Buffer
	script(NewLines(&b, stepClock(), 30*time.Second))
	golden.Check(t, filepath.Join("testdata", "lines.golden"), b.Bytes())
	if strings.Contains(b.String(), "\x1b") {
		t.Errorf("an escape sequence in the log lines:\n%q", b.String())
	}
}

// TestProgressSaysFailReason: a notebook whose earlier attempt ended
// CREATE_FAILED and whose retry then timed out shows the fail_reason in
// the progress line too, as the report does.
func TestProgressSaysFailReason(t *testing.T) {
	for _, tt := range []struct {
		name string
		make func(w *bytes.Buffer) execute.Observer
	}{
		{"lines", func(w *bytes.Buffer) execute.Observer {
			return NewLines(w, stepClock(), time.Hour)
		}},
		{"live", func(w *bytes.Buffer) execute.Observer {
			return NewLive(w, LiveOptions{Now: stepClock(), Width: func() int { return 200 }, Tick: make(chan time.Time)})
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			obs := tt.make(&b)
			obs.Planned(&plan.Plan{Fleet: "ml101", Changes: []plan.Change{{Name: "ml101-bob", Action: plan.Create}}})
			obs.Finished(report.Entry{Name: "ml101-bob", Action: "create", Outcome: report.Failed, Status: "CREATING",
				FailReason: "no capacity", FailReasons: []string{"no capacity"}, Attempts: 2,
				Error: &report.Error{Code: "timeout", Message: "timed out after 20m0s waiting for RUNNING (last status CREATING)"}})
			if !strings.Contains(b.String(), "fail_reason: no capacity") {
				t.Errorf("the fail_reason is missing:\n%s", b.String())
			}
		})
	}
}
