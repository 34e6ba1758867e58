package progress

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nbfleet/nbfleet/internal/golden"
	"github.com/nbfleet/nbfleet/pkg/execute"
	"github.com/nbfleet/nbfleet/pkg/execute/executetest"
	"github.com/nbfleet/nbfleet/pkg/plan"
	"github.com/nbfleet/nbfleet/pkg/report"
)

// TestLines pins the log lines of a run, and that they hold no escape
// sequence.
func TestLines(t *testing.T) {
	var b bytes.Buffer
	executetest.Script(NewLines(&b, executetest.StepClock(), 30*time.Second))
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
			return NewLines(w, executetest.StepClock(), time.Hour)
		}},
		{"live", func(w *bytes.Buffer) execute.Observer {
			return NewLive(w, LiveOptions{Now: executetest.StepClock(), Width: func() int { return 200 }, Tick: make(chan time.Time)})
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
