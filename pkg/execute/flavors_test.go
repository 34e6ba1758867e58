package execute

import (
	"strings"
	"testing"

	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/plan"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

const (
	gpu = "modelarts.vm.gpu.t4"
	cpu = "modelarts.vm.cpu.2u"
)

// listCreate is the create of a notebook whose flavor is [gpu, cpu], as
// the plan makes it: the request sends the first, the notebook holds the
// list.
func listCreate(name string) *plan.Plan {
	c := createChange(name)
	c.Steps[0].Create.Flavor = gpu
	c.Notebook = &spec.Notebook{Name: name, Flavor: gpu, Flavors: []string{gpu, cpu}}
	c.Labels = map[string]string{"student": "Zoë"}
	return &plan.Plan{Fleet: "ml101", Changes: []plan.Change{c}}
}

// TestFlavorFallback: a create refused because its flavor is sold out or
// not offered is sent with the next flavor of the list; any other refusal
// is not; after an ambiguous failure the name is looked up first, so a
// notebook the first flavor made is adopted, never doubled with another.
func TestFlavorFallback(t *testing.T) {
	for _, tc := range []struct {
		name    string
		errs    []error
		flavors []modelarts.Flavor
		creates int
		outcome string // outcome and flavor of the entry
		note    string
	}{
		{"sold out", []error{errSoldOut}, nil, 2, "succeeded " + cpu, gpu + " was refused (ModelArts.6329)"},
		{"not offered", []error{errNoFlavor}, nil, 2, "succeeded " + cpu, gpu + " was refused (ModelArts.6323)"},
		{"quota is no reason", []error{errQuota}, nil, 1, "failed ", ""},
		{"every flavor refused", []error{errSoldOut, errSoldOut}, nil, 2, "failed ", "flavors given up before " + cpu + ": " + gpu + " was refused"},
		{"ambiguous, nothing made, then sold out", []error{errReset, errSoldOut}, nil, 3, "succeeded " + cpu, gpu + " was refused"},
		{"made although the answer was lost", []error{lost{errGateway}}, nil, 1, "succeeded " + gpu, ""},
		{"sold out in the flavor list", nil, []modelarts.Flavor{{ID: gpu, SoldOut: true}, {ID: cpu}}, 1, "succeeded " + cpu, gpu + " is sold out"},
		{"not in the flavor list", nil, []modelarts.Flavor{{ID: cpu}}, 1, "succeeded " + cpu, gpu + " is not in the flavor list"},
		{"the list shows none available", []error{errSoldOut}, []modelarts.Flavor{{ID: cpu, SoldOut: true}}, 2, "succeeded " + cpu, gpu + " was refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(1)
			f.queue("create:a", tc.errs...)
			opts := fastOpts()
			opts.Flavors = tc.flavors
			e := only(t, apply(t, f, listCreate("a"), opts))
			if got := string(e.Outcome) + " " + e.Flavor; got != tc.outcome {
				t.Errorf("outcome %q, want %q (error %+v)", got, tc.outcome, e.Error)
			}
			if f.count("create") != tc.creates {
				t.Errorf("%d creates, want %d", f.count("create"), tc.creates)
			}
			if tc.note == "" && e.Note != "" || !strings.Contains(e.Note, tc.note) {
				t.Errorf("note %q, want %q", e.Note, tc.note)
			}
			if len(f.names()) > 1 {
				t.Errorf("live: %v", f.names())
			}
			if e.Labels["student"] != "Zoë" {
				t.Errorf("labels %v", e.Labels)
			}
		})
	}
}

// TestFlavorFallbackOnUpdate: a flavor update refused as sold out is sent
// with the next flavor; the notebook is started again either way.
func TestFlavorFallbackOnUpdate(t *testing.T) {
	f := newFake(1)
	id := f.seed("a", modelarts.StatusRunning)
	c := plan.Change{Name: "a", ID: id, Action: plan.Update, WantStatus: "RUNNING",
		Notebook: &spec.Notebook{Name: "a", Flavor: gpu, Flavors: []string{gpu, cpu}},
		Steps: []plan.Step{{Op: plan.StepStop}, {Op: plan.StepUpdate, Fields: []string{"flavor"}, Update: &modelarts.UpdateRequest{Flavor: gpu}},
			{Op: plan.StepStart}}}
	f.queue("update:a", errSoldOut)
	e := only(t, apply(t, f, &plan.Plan{Fleet: "ml101", Changes: []plan.Change{c}}, fastOpts()))
	if e.Outcome != "succeeded" || e.Flavor != cpu || e.Status != "RUNNING" || !strings.Contains(e.Note, "got flavor "+cpu) {
		t.Errorf("entry %+v", e)
	}
}

// TestUnchangedEntries: an unchanged notebook's entry has its labels, the
// plan's note and, from the closing list, its flavor.
func TestUnchangedEntries(t *testing.T) {
	f := newFake(1)
	id := f.seed("a", modelarts.StatusStopped)
	f.nbs[id].nb.Flavor = cpu
	c := plan.Change{Name: "a", ID: id, Action: plan.NoOp, Labels: map[string]string{"student": "Ada"}, Note: "stopped by its lease at T"}
	e := only(t, apply(t, f, &plan.Plan{Fleet: "ml101", Changes: []plan.Change{c}}, fastOpts()))
	if e.Outcome != "unchanged" || e.Labels["student"] != "Ada" || e.Note != c.Note || e.Flavor != cpu || e.Status != "STOPPED" {
		t.Errorf("entry %+v", e)
	}
}
