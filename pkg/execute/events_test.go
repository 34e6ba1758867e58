package execute_test

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

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

// TestEventWriter pins the events of a run (--json).
func TestEventWriter(t *testing.T) {
	var b bytes.Buffer
	script(execute.NewEventWriter(&b, stepClock()))
	golden.Check(t, filepath.Join("testdata", "events.golden"), b.Bytes())
}

func TestEventWriterTypes(t *testing.T) {
	var b bytes.Buffer
	script(execute.NewEventWriter(&b, stepClock()))
	var types []string
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		var ev struct {
			Type string    `json:"type"`
			Time time.Time `json:"time"`
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		if ev.Time.IsZero() {
			t.Errorf("event without a time: %s", line)
		}
		if len(types) == 0 || types[len(types)-1] != ev.Type {
			types = append(types, ev.Type)
		}
	}
	want := []string{"planned", "finished", "started", "progress", "finished", "progress", "finished", "summary"}
	if d := cmp.Diff(want, types); d != "" {
		t.Errorf("event types (-want +got):\n%s", d)
	}
}
