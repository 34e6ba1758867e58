package execute

import (
	"strings"
	"testing"

	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/plan"
	"github.com/nbfleet/nbfleet/pkg/report"
)

// TestOwnershipRechecked: whatever the plan says, a delete, stop, start or
// update reaches the service only for a notebook that carries the fleet's
// marker when the call is made; an update that adds the marker may touch
// a notebook without any marker (an adopt), never another fleet's.
func TestOwnershipRechecked(t *testing.T) {
	mine := "x " + marker
	adopt := "y " + marker
	other := "z [nbfleet:other-fleet]"
	for _, tc := range []struct {
		name, desc, status string
		step               plan.Step
		op                 string // the fake's call that must (not) happen
		ok                 bool
	}{
		{"delete mine", mine, "RUNNING", plan.Step{Op: plan.StepDelete}, "delete", true},
		{"delete unmarked", "made by hand", "RUNNING", plan.Step{Op: plan.StepDelete}, "delete", false},
		{"delete another fleet's", other, "RUNNING", plan.Step{Op: plan.StepDelete}, "delete", false},
		{"delete an old marker form of mine", "x [nbfleet:ml101 h=0a1b2c3d]", "RUNNING", plan.Step{Op: plan.StepDelete}, "delete", true},
		{"delete a look-alike", "x [nbfleet:ml1010]", "RUNNING", plan.Step{Op: plan.StepDelete}, "delete", false},
		{"stop unmarked", "made by hand", "RUNNING", plan.Step{Op: plan.StepStop}, "stop", false},
		{"stop another fleet's", other, "RUNNING", plan.Step{Op: plan.StepStop}, "stop", false},
		{"start unmarked", "", "STOPPED", plan.Step{Op: plan.StepStart}, "start", false},
		{"start mine", mine, "STOPPED", plan.Step{Op: plan.StepStart}, "start", true},
		{"update unmarked, adding the marker (adopt)", "made by hand", "RUNNING",
			plan.Step{Op: plan.StepUpdate, Update: &modelarts.UpdateRequest{Description: &adopt}}, "update", true},
		{"update unmarked, not adding it", "made by hand", "STOPPED",
			plan.Step{Op: plan.StepUpdate, Update: &modelarts.UpdateRequest{Flavor: "modelarts.vm.gpu"}}, "update", false},
		{"update unmarked, adding another fleet's marker", "made by hand", "RUNNING",
			plan.Step{Op: plan.StepUpdate, Update: &modelarts.UpdateRequest{Description: &other}}, "update", false},
		{"update another fleet's, adding ours", other, "RUNNING",
			plan.Step{Op: plan.StepUpdate, Update: &modelarts.UpdateRequest{Description: &adopt}}, "update", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(1)
			id := f.seedAs("a", tc.status, tc.desc)
			c := plan.Change{Name: "a", ID: id, Action: plan.Delete, Steps: []plan.Step{tc.step}}
			e := only(t, apply(t, f, &plan.Plan{Fleet: "ml101", Changes: []plan.Change{c}}, fastOpts()))
			if tc.ok {
				if e.Outcome != report.Succeeded || f.count(tc.op) != 1 {
					t.Fatalf("outcome %s, %d %s calls: %+v", e.Outcome, f.count(tc.op), tc.op, e.Error)
				}
				return
			}
			if f.count(tc.op) != 0 {
				t.Fatalf("%d %s calls reached a notebook the fleet does not own", f.count(tc.op), tc.op)
			}
			if e.Outcome != report.Failed || e.Error == nil || e.Error.Code != "not_owned" ||
				!strings.Contains(e.Error.Message, "refused to "+tc.op+" notebook "+id) {
				t.Fatalf("outcome %s error %+v", e.Outcome, e.Error)
			}
			if f.count("get") != 1 {
				t.Errorf("%d GETs: a refusal is not retried", f.count("get"))
			}
			if got := f.names(); len(got) != 1 || got[0] != "a="+tc.status {
				t.Errorf("the notebook changed: %v", got)
			}
		})
	}
}

// TestOwnershipCheckedEveryCall: the check is made before every call, not
// once per change: a notebook whose marker disappears between the steps of
// a change (someone edited its description) is not touched again.
func TestOwnershipCheckedEveryCall(t *testing.T) {
	f := newFake(1)
	id := f.seed("a", "RUNNING")
	upd := &modelarts.UpdateRequest{Flavor: "modelarts.vm.gpu"}
	c := plan.Change{Name: "a", ID: id, Action: plan.Update,
		Steps: []plan.Step{{Op: plan.StepStop}, {Op: plan.StepUpdate, Update: upd}, {Op: plan.StepStart}}}
	f.onStop = func() { f.nbs[id].nb.Description = "taken over by hand" }
	e := only(t, apply(t, f, &plan.Plan{Fleet: "ml101", Changes: []plan.Change{c}}, fastOpts()))
	if f.count("stop") != 1 || f.count("update") != 0 || f.count("start") != 0 {
		t.Fatalf("calls stop %d update %d start %d", f.count("stop"), f.count("update"), f.count("start"))
	}
	if e.Outcome != report.Failed || e.Error.Code != "not_owned" {
		t.Fatalf("outcome %s error %+v", e.Outcome, e.Error)
	}
}
