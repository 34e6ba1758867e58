package main

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

func TestProgressDisplays(t *testing.T) {
	tests := []struct {
		golden string
		make   func(w *bytes.Buffer) execute.Observer
	}{
		{"lines.golden", func(w *bytes.Buffer) execute.Observer {
			return &lineProgress{w: w, now: stepClock(), every: 30 * time.Second}
		}},
		{"events.golden", func(w *bytes.Buffer) execute.Observer { return execute.NewEventWriter(w, stepClock()) }},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			var b bytes.Buffer
			script(tt.make(&b))
			golden.Check(t, filepath.Join("testdata", "progress", tt.golden), b.Bytes())
		})
	}
}

func TestProgressJSONEvents(t *testing.T) {
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

// TestProgressDisplay: the conventions of terminal.go pick the display.
// The live view is drawn on stderr, so it is drawn when stderr is a
// terminal even if stdout is redirected; CI=false is not CI; TERM=dumb
// cannot redraw. Outside the live view nothing writes an escape.
func TestProgressDisplay(t *testing.T) {
	for _, tt := range []struct {
		name         string
		vars         map[string]string
		stdout, errs bool // terminals
		json         bool
		want         string
	}{
		{"not a terminal", nil, false, false, false, "*main.lineProgress"},
		{"terminal", nil, true, true, false, "*main.liveView"},
		{"stdout redirected", nil, false, true, false, "*main.liveView"},
		{"stderr redirected", nil, true, false, false, "*main.lineProgress"},
		{"terminal in CI", map[string]string{"CI": "true"}, true, true, false, "*main.lineProgress"},
		{"CI=false", map[string]string{"CI": "false"}, true, true, false, "*main.liveView"},
		{"CI=0", map[string]string{"CI": "0"}, true, true, false, "*main.liveView"},
		{"NBFLEET_IN_AUTOMATION", map[string]string{"NBFLEET_IN_AUTOMATION": "1"}, true, true, false, "*main.lineProgress"},
		{"TERM=dumb", map[string]string{"TERM": "dumb"}, true, true, false, "*main.lineProgress"},
		{"NO_COLOR", map[string]string{"NO_COLOR": "1"}, true, true, false, "*main.liveView"},
		{"json", nil, true, true, true, "*execute.EventWriter"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb syncBuffer
			e := &env{stdout: &out, stderr: &errb, getenv: func(k string) string { return tt.vars[k] }, now: stepClock(),
				stdoutTTY: tt.stdout, stderrTTY: tt.errs, tick: make(chan time.Time)}
			obs := newProgress(e, tt.json, false)
			if got := typeName(obs); got != tt.want {
				t.Errorf("display %s, want %s", got, tt.want)
			}
			script(obs)
			if lv, ok := obs.(*liveView); ok {
				lv.close()
				colored := sgr.MatchString(errb.String())
				if want := tt.vars["NO_COLOR"] == ""; colored != want {
					t.Errorf("coloured %v, want %v:\n%q", colored, want, errb.String())
				}
				return
			}
			if strings.Contains(out.String()+errb.String(), "\x1b") {
				t.Errorf("escape sequences outside the live view:\n%q", out.String()+errb.String())
			}
		})
	}
}

func typeName(v any) string {
	switch v.(type) {
	case *lineProgress:
		return "*main.lineProgress"
	case *liveView:
		return "*main.liveView"
	case *execute.EventWriter:
		return "*execute.EventWriter"
	}
	return "?"
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
			return &lineProgress{w: w, now: stepClock(), every: time.Hour}
		}},
		{"live", func(w *bytes.Buffer) execute.Observer {
			return newLiveView(w, liveOptions{now: stepClock(), width: func() int { return 200 }, tick: make(chan time.Time)})
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
