package execute_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nbfleet/nbfleet/pkg/emulator"
	"github.com/nbfleet/nbfleet/pkg/execute"
	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/plan"
	"github.com/nbfleet/nbfleet/pkg/report"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

// The tests in this file carry plans out against the emulator held to
// real-service.md; each names the rule.

func rulesEmulator(t *testing.T, o emulator.Options) *emulator.Server {
	t.Helper()
	o.Cloud, o.Seed = emulator.CloudOTC, 1
	o.CreateTime, o.StartTime, o.StopTime, o.DeleteTime = 20*time.Millisecond, 20*time.Millisecond, 20*time.Millisecond, 20*time.Millisecond
	srv, err := emulator.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func seedOne(t *testing.T, srv *emulator.Server, sn emulator.SeedNotebook) string {
	t.Helper()
	nbs, err := srv.Seed("", sn)
	if err != nil {
		t.Fatal(err)
	}
	return nbs[0].ID
}

func applyOne(t *testing.T, srv *emulator.Server, c plan.Change) report.Entry {
	t.Helper()
	cl := client(t, srv.URL(), srv.ProjectID(), modelarts.NewLimiter(0))
	r, err := execute.Apply(context.Background(), &plan.Plan{Fleet: fleet, Changes: []plan.Change{c}}, cl, fastOptions())
	if err != nil {
		t.Fatal(err)
	}
	return r.Notebooks[0]
}

// Rule 12: growth steps each wait out RESIZING, and a step whose size is
// already reached is skipped.
func TestApplyGrowthSteps(t *testing.T) {
	srv := rulesEmulator(t, emulator.Options{ResizeTime: 40 * time.Millisecond})
	id := seedOne(t, srv, emulator.SeedNotebook{Name: "grow", Description: "x " + spec.OwnerMarker(fleet),
		Volume: &emulator.Volume{Category: "EVS", Ownership: "MANAGED", Capacity: 50}})
	var steps []plan.Step
	for _, gb := range plan.GrowthSteps(50, 330) {
		steps = append(steps, plan.Step{Op: plan.StepUpdate, Update: &modelarts.UpdateRequest{StorageNewSize: gb}})
	}
	// A step already reached (an interrupted apply run again) is skipped.
	steps = append(steps[:1], append([]plan.Step{{Op: plan.StepUpdate, Update: &modelarts.UpdateRequest{StorageNewSize: 120}}}, steps[1:]...)...)
	e := applyOne(t, srv, plan.Change{Name: "grow", ID: id, Action: plan.Update, WantStatus: "RUNNING", Steps: steps})
	if e.Outcome != report.Succeeded {
		t.Fatalf("outcome %s: %+v", e.Outcome, e.Error)
	}
	nb := srv.Notebooks("")[0]
	if nb.Volume.Capacity != 330 || nb.Resize != nil || nb.Status != emulator.StatusRunning {
		t.Errorf("after growth: %d GB, resize %+v, %s", nb.Volume.Capacity, nb.Resize, nb.Status)
	}
	if n := srv.Stats().Requests["update"][200]; n != 3 {
		t.Errorf("%d growth updates, want 3 (the 120 GB step skipped)", n)
	}
}

// Rules 5 and 6: a delete completes when the notebook shows DELETED, long
// before it disappears, also when reads are stale right after the delete.
func TestApplyDeleteSeesDeleted(t *testing.T) {
	srv := rulesEmulator(t, emulator.Options{DeletedVisible: time.Hour, StaleReads: 50 * time.Millisecond})
	id := seedOne(t, srv, emulator.SeedNotebook{Name: "old", Description: spec.OwnerMarker(fleet)})
	start := time.Now()
	e := applyOne(t, srv, plan.Change{Name: "old", ID: id, Action: plan.Delete, Steps: []plan.Step{{Op: plan.StepDelete}}})
	if e.Outcome != report.Succeeded || e.Status != "" {
		t.Fatalf("delete: %s %q %+v", e.Outcome, e.Status, e.Error)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("delete took %v: it waited for a timeout", d)
	}
	if nbs := srv.Notebooks(""); len(nbs) != 1 || nbs[0].Status != emulator.StatusDeleted {
		t.Errorf("live after delete: %+v, want it DELETED", nbs)
	}
}

// Rule 2: the lookup after an ambiguous create finds a DEFAULT notebook,
// which the list filter's default (NOTEBOOK) leaves out.
func TestLostCreateOfDefault(t *testing.T) {
	srv := rulesEmulator(t, emulator.Options{Faults: emulator.Faults{LostCreate: 1}})
	req := &modelarts.CreateRequest{
		Name: "free", Description: "free " + spec.OwnerMarker(fleet), Feature: "DEFAULT",
		Flavor: "modelarts.vm.cpu.free", ImageID: emulator.DefaultImageID, WorkspaceID: "0",
		Volume: modelarts.VolumeReq{Category: "EVS", Ownership: "MANAGED", Capacity: 5},
	}
	e := applyOne(t, srv, plan.Change{Name: "free", Action: plan.Create, WantStatus: "RUNNING",
		Steps: []plan.Step{{Op: plan.StepCreate, Create: req}}})
	if e.Outcome != report.Succeeded || srv.Stats().NotebooksCreated != 1 {
		t.Errorf("lost create of a DEFAULT notebook: %s, %d created; error %+v", e.Outcome, srv.Stats().NotebooksCreated, e.Error)
	}
	if e.Error != nil && strings.Contains(e.Error.Message, "6301") {
		t.Errorf("the create was sent again: %s", e.Error.Message)
	}
}
