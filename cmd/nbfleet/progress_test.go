package main

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nbfleet/nbfleet/internal/progress"
	"github.com/nbfleet/nbfleet/pkg/execute"
	"github.com/nbfleet/nbfleet/pkg/execute/executetest"
	"github.com/nbfleet/nbfleet/pkg/plan"
	"github.com/nbfleet/nbfleet/pkg/report"
)

// The displays themselves are tested in internal/progress and
// pkg/execute; here, which one the conventions pick, and with colour or
// not.

// sgr matches an escape sequence that sets colours.
var sgr = regexp.MustCompile("\x1b\\[[0-9;]*m")

// drive runs obs through a small run with a success and a failure, which
// a coloured display paints.
func drive(obs execute.Observer) {
	p := &plan.Plan{Fleet: "ml101", Changes: []plan.Change{
		{Name: "ml101-alice", Action: plan.Create, Steps: []plan.Step{{Op: plan.StepCreate}}},
		{Name: "ml101-bob", Action: plan.Create, Steps: []plan.Step{{Op: plan.StepCreate}}},
	}}
	obs.Planned(p)
	obs.Started(&p.Changes[0])
	obs.Started(&p.Changes[1])
	obs.Progress(execute.Event{Name: "ml101-alice", ID: "id-a", Step: plan.StepCreate, Status: "CREATING"})
	obs.Finished(report.Entry{Name: "ml101-bob", Action: "create", Outcome: report.Failed,
		Error: &report.Error{Code: "create_failed", Message: "no capacity"}})
	obs.Finished(report.Entry{Name: "ml101-alice", ID: "id-a", Action: "create", Outcome: report.Succeeded, Status: "RUNNING"})
	obs.Summary(&report.Report{Fleet: "ml101", Summary: report.Summary{Total: 2,
		Outcomes: map[report.Outcome]int{report.Succeeded: 1, report.Failed: 1}}})
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
		{"not a terminal", nil, false, false, false, "*progress.Lines"},
		{"terminal", nil, true, true, false, "*progress.Live"},
		{"stdout redirected", nil, false, true, false, "*progress.Live"},
		{"stderr redirected", nil, true, false, false, "*progress.Lines"},
		{"terminal in CI", map[string]string{"CI": "true"}, true, true, false, "*progress.Lines"},
		{"CI=false", map[string]string{"CI": "false"}, true, true, false, "*progress.Live"},
		{"CI=0", map[string]string{"CI": "0"}, true, true, false, "*progress.Live"},
		{"NBFLEET_IN_AUTOMATION", map[string]string{"NBFLEET_IN_AUTOMATION": "1"}, true, true, false, "*progress.Lines"},
		{"TERM=dumb", map[string]string{"TERM": "dumb"}, true, true, false, "*progress.Lines"},
		{"NO_COLOR", map[string]string{"NO_COLOR": "1"}, true, true, false, "*progress.Live"},
		{"json", nil, true, true, true, "*execute.EventWriter"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb syncBuffer
			e := &env{stdout: &out, stderr: &errb, getenv: func(k string) string { return tt.vars[k] }, now: executetest.StepClock(),
				stdoutTTY: tt.stdout, stderrTTY: tt.errs, tick: make(chan time.Time)}
			obs := newProgress(e, tt.json, false)
			if got := typeName(obs); got != tt.want {
				t.Errorf("display %s, want %s", got, tt.want)
			}
			drive(obs)
			if lv, ok := obs.(*progress.Live); ok {
				lv.Close()
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
	case *progress.Lines:
		return "*progress.Lines"
	case *progress.Live:
		return "*progress.Live"
	case *execute.EventWriter:
		return "*execute.EventWriter"
	}
	return "?"
}
