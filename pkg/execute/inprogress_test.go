package execute

import (
	"strings"
	"testing"

	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/plan"
	"github.com/nbfleet/nbfleet/pkg/report"
)

// TestDoneMeansDone: a notebook the plan found in a transitional status
// and had nothing else to do to (a no-op that keeps its wait) is waited
// for, and reported as what it ended as: unchanged when it settled as
// declared, failed when it settled as a failure (CREATING → CREATE_FAILED)
// or in another status. A change whose first step waits for its notebook
// fails when the notebook settles as a failure, without another call.
func TestDoneMeansDone(t *testing.T) {
	for _, tc := range []struct {
		name           string
		from, to, want string
		steps          []plan.Step
		wait           string
		outcome        report.Outcome
		code, message  string
		calls          string // a call that must not have happened
	}{
		{name: "CREATING settles RUNNING", from: "CREATING", to: "RUNNING", want: "RUNNING", outcome: report.Unchanged},
		{name: "CREATING settles CREATE_FAILED", from: "CREATING", to: "CREATE_FAILED", want: "RUNNING", outcome: report.Failed,
			code: "create_failed", message: "wait: notebook ended CREATE_FAILED: attempt of nb-001 failed"},
		{name: "STARTING settles STOPPED", from: "STARTING", to: "STOPPED", want: "RUNNING", outcome: report.Failed,
			code: "not_as_declared", message: "wait: the notebook settled STOPPED, not RUNNING as declared; run apply again"},
		{name: "STARTING settles START_FAILED", from: "STARTING", to: "START_FAILED", want: "RUNNING", outcome: report.Failed, code: "start_failed"},
		{name: "STOPPING settles STOPPED", from: "STOPPING", to: "STOPPED", want: "STOPPED", outcome: report.Unchanged},
		{name: "gone while waited for", from: "CREATING", to: "GONE", want: "RUNNING", outcome: report.Failed, code: "gone"},
		{name: "--wait none does not wait", from: "CREATING", to: "CREATE_FAILED", want: "RUNNING", wait: WaitNone, outcome: report.Unchanged},
		{name: "a wait before an update", from: "CREATING", to: "CREATE_FAILED", want: "RUNNING", outcome: report.Failed,
			steps: []plan.Step{{Op: plan.StepWait}, {Op: plan.StepUpdate, Update: &modelarts.UpdateRequest{Flavor: "big"}}},
			code:  "create_failed", calls: "update"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(3)
			id := f.seed("a", tc.from)
			f.mu.Lock()
			f.transition(f.nbs[id], tc.from, tc.to)
			f.mu.Unlock()
			steps := tc.steps
			action := plan.Update
			if steps == nil {
				steps, action = []plan.Step{{Op: plan.StepWait}}, plan.NoOp
			}
			c := plan.Change{Name: "a", ID: id, Action: action, WantStatus: tc.want, Steps: steps}
			opts := fastOpts()
			opts.Wait = tc.wait
			e := only(t, apply(t, f, &plan.Plan{Fleet: "ml101", Changes: []plan.Change{c}}, opts))
			if e.Outcome != tc.outcome {
				t.Fatalf("outcome %s, want %s: %+v", e.Outcome, tc.outcome, e.Error)
			}
			if tc.outcome == report.Unchanged {
				if tc.wait == "" && e.Status != tc.to {
					t.Errorf("status %q, want %q", e.Status, tc.to)
				}
				if tc.wait == WaitNone && f.count("list") > 1 {
					t.Errorf("%d lists: --wait none waited", f.count("list"))
				}
				return
			}
			if tc.code != "" && e.Error.Code != tc.code {
				t.Errorf("code %q, want %q (%s)", e.Error.Code, tc.code, e.Error.Message)
			}
			if !strings.Contains(e.Error.Message, tc.message) {
				t.Errorf("message %q, want %q", e.Error.Message, tc.message)
			}
			if tc.calls != "" && f.count(tc.calls) != 0 {
				t.Errorf("%d %s calls after the notebook failed", f.count(tc.calls), tc.calls)
			}
		})
	}
}
