package plan

import (
	"fmt"
	"strings"
	"time"

	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

const testFleetName = "ml101"

// fleet returns a fleet named ml101 in workspace 0 with the notebooks.
func fleet(nbs ...spec.Notebook) *spec.Fleet {
	return &spec.Fleet{
		File: "fleet.yaml", Version: 1, Name: testFleetName,
		Target:    spec.Target{Cloud: "huaweicloud", Region: "eu-west-101", ProjectID: "p1"},
		Notebooks: nbs,
	}
}

// nb returns a desired notebook with the house defaults, changed by mods.
func nb(name string, mods ...func(*spec.Notebook)) spec.Notebook {
	n := spec.Notebook{
		Name: name, Description: "notebook " + name, Flavor: "modelarts.vm.cpu.2u",
		ImageID: "img-1", Feature: "NOTEBOOK", WorkspaceID: "0",
		Volume: spec.Volume{Category: "EVS", Ownership: "MANAGED", Capacity: 50},
		Lease:  &spec.Lease{Duration: 4 * time.Hour, Type: "timing"},
		State:  spec.Running,
		Origin: spec.Origin{File: "fleet.yaml", Line: 10, Col: 5},
	}
	for _, m := range mods {
		m(&n)
	}
	if n.Flavors == nil && n.Flavor != "" {
		n.Flavors = []string{n.Flavor} // as spec expands it
	}
	return n
}

// live returns the live notebook nbfleet would have created from nb(name),
// RUNNING, owned by ml101, changed by mods.
func live(name, id string, mods ...func(*modelarts.Notebook)) modelarts.Notebook {
	l := modelarts.Notebook{
		ID: id, Name: name, Description: "notebook " + name + " " + spec.OwnerMarker(testFleetName),
		Status: modelarts.StatusRunning, Feature: "NOTEBOOK", Flavor: "modelarts.vm.cpu.2u",
		Image:       &modelarts.Image{ID: "img-1", Name: "pytorch"},
		Lease:       &modelarts.Lease{Duration: 3600000, Enable: true, Type: "TIMING"},
		Volume:      &modelarts.VolumeRes{Category: "EVS", Ownership: "MANAGED", Capacity: 50, MountPath: "/home/ma-user/work"},
		URL:         "https://console.example/" + id,
		Token:       modelarts.Secret("tok-" + id + "-SECRET"),
		WorkspaceID: "0", CreateAt: 1700000000000, UpdateAt: 1700000000000,
	}
	for _, m := range mods {
		m(&l)
	}
	return l
}

func status(s string) func(*modelarts.Notebook) {
	return func(l *modelarts.Notebook) { l.Status = s }
}

func unmarked(l *modelarts.Notebook) { l.Description = StripMarker(l.Description) }

func ownedBy(f string) func(*modelarts.Notebook) {
	return func(l *modelarts.Notebook) { l.Description = StripMarker(l.Description) + " " + spec.OwnerMarker(f) }
}

func stopped(n *spec.Notebook) { n.State = spec.Stopped }

// leaseStopped is a notebook its 4 h lease stopped: STOPPED, update_at a
// few seconds after lease.create_at + lease.duration.
func leaseStopped(l *modelarts.Notebook) {
	l.Status = modelarts.StatusStopped
	l.Lease = &modelarts.Lease{CreateAt: l.CreateAt, Duration: 4 * 3600_000, Enable: true, Type: "TIMING", UpdateAt: l.CreateAt}
	l.UpdateAt = l.CreateAt + 4*3600_000 + 5_000
}

// handStopped is a notebook stopped by a person an hour into its 4 h lease.
func handStopped(l *modelarts.Notebook) {
	leaseStopped(l)
	l.UpdateAt = l.CreateAt + 3600_000
}

// gpuFirst declares a GPU flavor with the CPU one as its fallback.
func gpuFirst(n *spec.Notebook) {
	n.Flavor = "modelarts.vm.gpu.t4"
	n.Flavors = []string{"modelarts.vm.gpu.t4", "modelarts.vm.cpu.2u"}
}

var testHooks = &spec.Hooks{PostStart: &spec.Hook{Script: "ZWNobyBoaQ==", Type: "COMMAND"}}

// withHooks records the digest of h in the live notebook's marker, as
// nbfleet does when it sets hooks.
func withHooks(h *spec.Hooks) func(*modelarts.Notebook) {
	return func(l *modelarts.Notebook) {
		fl, _ := Owner(l.Description)
		l.Description = StripMarker(l.Description) + " " + spec.Marker(fl, spec.HooksDigest(h))
	}
}

// resizingTo shows the live volume RESIZING at capacity gb.
func resizingTo(gb int) func(*modelarts.Notebook) {
	return func(l *modelarts.Notebook) { l.Volume.Status, l.Volume.Capacity = "RESIZING", gb }
}

// dedicatedEFS makes the live volume a DEDICATED EFS one with uri and id
// as the cloud reports them ("" when it does not).
func dedicatedEFS(uri, id string) func(*modelarts.Notebook) {
	return func(l *modelarts.Notebook) {
		l.Volume = &modelarts.VolumeRes{Category: "EFS", Ownership: "DEDICATED", Capacity: 50, MountPath: "/home/ma-user/work", URI: uri, ID: id}
	}
}

// brief is a one-line summary of a change for table tests.
func brief(c Change) string {
	var fields, steps []string
	for _, f := range c.Fields {
		p := f.Path
		if f.Forces != "" {
			p += "(" + f.Forces + ")"
		}
		fields = append(fields, p)
	}
	for _, s := range c.Steps {
		op := string(s.Op)
		if s.ID != "" {
			op += ":" + s.ID
		}
		steps = append(steps, op)
	}
	id := c.ID
	if len(c.IDs) > 0 {
		id = strings.Join(c.IDs, ",")
	}
	s := fmt.Sprintf("%s %s id=%s fields=[%s] steps=[%s] want=%s", c.Name, c.Action, id,
		strings.Join(fields, " "), strings.Join(steps, " "), c.WantStatus)
	if c.DestroysData {
		s += " destroys"
	}
	if c.Protected {
		s += " protected"
	}
	return s
}

func briefs(p *Plan) []string {
	out := []string{}
	for _, c := range p.Changes {
		out = append(out, brief(c))
	}
	return out
}
