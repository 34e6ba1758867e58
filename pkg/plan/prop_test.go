package plan

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

// sim is a tiny model of the cloud that carries out plan steps as strictly
// as the real API (real-service.md rule 12): flavor, image and endpoints
// change only while STOPPED, a volume grows only while RUNNING by at most
// 100 GB per request, no operation is accepted on a busy notebook or
// while its volume is RESIZING, and hooks are never returned.
type sim struct {
	t    *rapid.T
	nbs  map[string]*modelarts.Notebook
	next int
}

func newSim(t *rapid.T, live []modelarts.Notebook) *sim {
	s := &sim{t: t, nbs: map[string]*modelarts.Notebook{}}
	for i := range live {
		l := live[i]
		s.nbs[l.ID] = &l
	}
	return s
}

func (s *sim) list() []modelarts.Notebook {
	var out []modelarts.Notebook
	for _, n := range s.nbs {
		out = append(out, *n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (s *sim) get(id, op string) *modelarts.Notebook {
	n := s.nbs[id]
	if n == nil {
		s.t.Fatalf("%s of %s: no such notebook", op, id)
	}
	if _, busy, _ := settle(n.Status); busy || n.Status == modelarts.StatusDeleting {
		s.t.Fatalf("%s of %s: notebook is %s (ModelArts.6357)", op, id, n.Status)
	}
	if resizing(n) && op != "delete" {
		s.t.Fatalf("%s of %s: volume RESIZING (ModelArts.6347)", op, id)
	}
	return n
}

func (s *sim) apply(p *Plan) {
	for _, c := range p.Changes {
		id := c.ID
		for _, st := range c.Steps {
			switch st.Op {
			case StepWait:
				wid := id
				if st.ID != "" {
					wid = st.ID
				}
				n := s.nbs[wid]
				if n == nil {
					continue
				}
				if n.Status == modelarts.StatusDeleting {
					delete(s.nbs, wid)
				} else if eff, _, ok := settle(n.Status); ok {
					n.Status = eff
				}
				if n.Volume != nil {
					n.Volume.Status = ""
				}
			case StepDelete:
				s.get(id, "delete")
				delete(s.nbs, id)
			case StepCreate:
				s.next++
				id = fmt.Sprintf("new-%03d", s.next)
				r := st.Create
				n := &modelarts.Notebook{
					ID: id, Name: r.Name, Description: r.Description, Status: modelarts.StatusRunning,
					Feature: feature(r.Feature), Flavor: r.Flavor, Image: &modelarts.Image{ID: r.ImageID},
					Volume:      &modelarts.VolumeRes{Category: r.Volume.Category, Ownership: r.Volume.Ownership, Capacity: r.Volume.Capacity, URI: r.Volume.URI, ID: r.Volume.ID},
					Endpoints:   r.Endpoints,
					WorkspaceID: workspace(r.WorkspaceID),
				}
				if r.PoolID != "" {
					n.Pool = &modelarts.Pool{ID: r.PoolID}
				}
				s.nbs[id] = n
			case StepStop:
				n := s.get(id, "stop")
				if n.Status != modelarts.StatusRunning {
					s.t.Fatalf("stop of %s in %s", id, n.Status)
				}
				n.Status = modelarts.StatusStopped
			case StepStart:
				n := s.get(id, "start")
				if n.Status != modelarts.StatusStopped && n.Status != modelarts.StatusStartFailed {
					s.t.Fatalf("start of %s in %s", id, n.Status)
				}
				n.Status = modelarts.StatusRunning
			case StepUpdate:
				n := s.get(id, "update")
				r := st.Update
				restricted := r.Flavor != "" || r.ImageID != "" || r.Endpoints != nil
				if restricted && n.Status != modelarts.StatusStopped && n.Status != modelarts.StatusStartFailed {
					s.t.Fatalf("update of restricted fields of %s while %s", id, n.Status)
				}
				if r.StorageNewSize != 0 && (n.Status != modelarts.StatusRunning || !strings.EqualFold(n.Volume.Category, "EVS")) {
					s.t.Fatalf("storage_new_size of %s while %s (%s volume)", id, n.Status, n.Volume.Category)
				}
				if r.Description != nil {
					n.Description = *r.Description
				}
				if r.Flavor != "" {
					n.Flavor = r.Flavor
				}
				if r.ImageID != "" {
					n.Image = &modelarts.Image{ID: r.ImageID}
				}
				if r.Endpoints != nil {
					n.Endpoints = r.Endpoints
				}
				if r.StorageNewSize != 0 {
					if r.StorageNewSize <= n.Volume.Capacity || r.StorageNewSize > n.Volume.Capacity+modelarts.MaxGrowthStep {
						s.t.Fatalf("storage_new_size %d of %s at %d GB (ModelArts.6331)", r.StorageNewSize, id, n.Volume.Capacity)
					}
					// The executor waits out RESIZING after each growth.
					n.Volume.Capacity = r.StorageNewSize
				}
			}
		}
	}
}

var (
	names    = []string{"n0", "n1", "n2", "n3", "n4", "n5"}
	statuses = []string{"RUNNING", "RUNNING", "STOPPED", "STOPPED", "INIT", "CREATING", "STARTING", "STOPPING", "DELETING",
		"SNAPSHOTTING", "CREATE_FAILED", "START_FAILED", "ERROR", "DELETE_FAILED", "FROZEN", "DELETED"}
)

func genFleet(t *rapid.T) *spec.Fleet {
	chosen := rapid.SliceOfNDistinct(rapid.SampledFrom(names), 0, len(names), rapid.ID[string]).Draw(t, "declared")
	var nbs []spec.Notebook
	for _, name := range chosen {
		n := nb(name)
		n.Description = rapid.SampledFrom([]string{"", "d1", "d2"}).Draw(t, name+".description")
		n.Flavor = rapid.SampledFrom([]string{"f1", "f2"}).Draw(t, name+".flavor")
		n.Flavors = []string{n.Flavor}
		if rapid.Bool().Draw(t, name+".fallback") {
			n.Flavors = append(n.Flavors, "f3")
		}
		if rapid.Bool().Draw(t, name+".labels") {
			n.Labels = map[string]string{"student": "s-" + name}
			n.RestartAfterLease = true
		}
		n.ImageID = rapid.SampledFrom([]string{"i1", "i2"}).Draw(t, name+".image")
		n.Volume.Capacity = rapid.SampledFrom([]int{0, 10, 50, 100, 330}).Draw(t, name+".capacity")
		n.Volume.Category = rapid.SampledFrom([]string{"EVS", "SFS"}).Draw(t, name+".category")
		n.PoolID = rapid.SampledFrom([]string{"", "p1"}).Draw(t, name+".pool")
		if rapid.Bool().Draw(t, name+".stopped") {
			n.State = spec.Stopped
		}
		if rapid.Bool().Draw(t, name+".ssh") {
			n.Endpoints = []spec.Endpoint{{DevService: "SSH", SSHKeys: []string{"k1"}}}
		}
		if rapid.Bool().Draw(t, name+".hooks") {
			n.Hooks = propHooks
		}
		if rapid.Bool().Draw(t, name+".ignore") {
			n.IgnoreChanges = []string{"flavor"}
		}
		n.Protect = rapid.Bool().Draw(t, name+".protect")
		nbs = append(nbs, n)
	}
	return fleet(nbs...)
}

func genLive(t *rapid.T) []modelarts.Notebook {
	k := rapid.IntRange(0, 10).Draw(t, "live")
	var out []modelarts.Notebook
	for i := 0; i < k; i++ {
		id := fmt.Sprintf("id-%02d", i)
		l := live(rapid.SampledFrom(names).Draw(t, id+".name"), id)
		desc := rapid.SampledFrom([]string{"", "d1", "d2"}).Draw(t, id+".description")
		switch rapid.SampledFrom([]string{"mine", "mine", "mine-hooks", "none", "other"}).Draw(t, id+".owner") {
		case "mine":
			l.Description = withMarker(desc, spec.OwnerMarker(testFleetName))
		case "mine-hooks":
			l.Description = withMarker(desc, spec.Marker(testFleetName, spec.HooksDigest(propHooks)))
		case "none":
			l.Description = desc
		case "other":
			l.Description = withMarker(desc, spec.OwnerMarker("other"))
		}
		l.Status = rapid.SampledFrom(statuses).Draw(t, id+".status")
		l.Flavor = rapid.SampledFrom([]string{"f1", "f2", "f3"}).Draw(t, id+".flavor")
		if rapid.Bool().Draw(t, id+".leased") {
			// Stopped by its lease, or by hand while the lease ran.
			l.Lease = &modelarts.Lease{CreateAt: 1, Duration: 4 * 3600_000, Enable: true}
			l.UpdateAt = rapid.SampledFrom([]int64{3600_000, 4*3600_000 + 1}).Draw(t, id+".update_at")
		}
		l.Image.ID = rapid.SampledFrom([]string{"i1", "i2"}).Draw(t, id+".image")
		l.Volume.Capacity = rapid.SampledFrom([]int{10, 50, 100, 120}).Draw(t, id+".capacity")
		l.Volume.Category = rapid.SampledFrom([]string{"EVS", "evs", "SFS"}).Draw(t, id+".category")
		if rapid.Bool().Draw(t, id+".resizing") {
			l.Volume.Status = "RESIZING"
		}
		if rapid.Bool().Draw(t, id+".pool") {
			l.Pool = &modelarts.Pool{ID: "p1"}
		}
		l.WorkspaceID = rapid.SampledFrom([]string{"", "0", "0", "ws2"}).Draw(t, id+".workspace")
		if rapid.Bool().Draw(t, id+".ssh") {
			l.Endpoints = []modelarts.Endpoint{{Service: "SSH", KeyPairNames: []string{"k2"}}}
		}
		if rapid.Bool().Draw(t, id+".notebook-endpoint") {
			l.Endpoints = append(l.Endpoints, modelarts.Endpoint{Service: "NOTEBOOK", URI: "https://x"})
		}
		out = append(out, l)
	}
	return out
}

var propHooks = &spec.Hooks{PreStart: &spec.Hook{Script: "czE=", Type: "COMMAND"}}

func withMarker(desc, marker string) string {
	if desc == "" {
		return marker
	}
	return desc + " " + marker
}

func conflicts(p *Plan) []string {
	var out []string
	for _, c := range p.Changes {
		if c.Action == Conflict {
			out = append(out, c.Name)
		}
	}
	return out
}

// TestPropApplyConverges: carrying a plan out on the simulated cloud and
// planning again leaves nothing to do but the conflicts that were there.
func TestPropApplyConverges(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		f, l := genFleet(t), genLive(t)
		p := Diff(f, l, Options{})
		s := newSim(t, l)
		s.apply(p)
		again := Diff(f, s.list(), Options{})
		for _, c := range again.Changes {
			if c.Action != NoOp && c.Action != Conflict {
				t.Fatalf("after apply, %s: %s (%s)\nfirst plan: %v\nlive after: %+v", c.Name, c.Action, c.Reason, briefs(p), s.list())
			}
		}
		if diff := cmp.Diff(conflicts(p), conflicts(again)); diff != "" {
			t.Fatalf("conflicts changed (-before +after):\n%s", diff)
		}
	})
}

// TestPropOwnership: no step touches a notebook without this fleet's
// marker, except the adopt of a declared name.
func TestPropOwnership(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		f, l := genFleet(t), genLive(t)
		opts := Options{Replace: rapid.SliceOfN(rapid.SampledFrom(names), 0, 2).Draw(t, "replace")}
		p := Diff(f, l, opts)
		byID := map[string]modelarts.Notebook{}
		for _, n := range l {
			byID[n.ID] = n
		}
		declared := map[string]bool{}
		for _, n := range f.Notebooks {
			declared[n.Name] = true
		}
		for _, c := range p.Changes {
			if c.ID == "" {
				continue
			}
			touches := false
			for _, s := range c.Steps {
				if s.Op != StepWait && s.Op != StepCreate {
					touches = true
				}
			}
			if !touches {
				continue
			}
			owner, ok := Owner(byID[c.ID].Description)
			mine := ok && owner == testFleetName
			if !mine && !(c.Action == Adopt && declared[c.Name]) {
				t.Fatalf("%s %s touches %s whose description is %q", c.Action, c.Name, c.ID, byID[c.ID].Description)
			}
		}
	})
}

// TestPropDeterministic: the plan does not depend on the order of live.
func TestPropDeterministic(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		f, l := genFleet(t), genLive(t)
		shuffled := rapid.Permutation(l).Draw(t, "shuffled")
		if diff := cmp.Diff(Diff(f, l, Options{}), Diff(f, shuffled, Options{})); diff != "" {
			t.Fatalf("plan depends on live order:\n%s", diff)
		}
	})
}

// TestPropStatusAgreesWithPlan: status and plan see the same notebooks
// under every declared name. A name the plan creates is ABSENT (or
// DELETING) in status; a name whose live notebooks are duplicates or
// another fleet's is a conflict in both, and status then shows no id and
// no URL (an instructor mails them out); otherwise status shows the
// notebook the plan acts on, which is the fleet's or unowned.
func TestPropStatusAgreesWithPlan(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		f, l := genFleet(t), genLive(t)
		opts := Options{Excludes: rapid.SliceOfN(rapid.SampledFrom(names), 0, 1).Draw(t, "exclude")}
		p := Diff(f, l, opts)
		changes := map[string]Change{}
		for _, c := range p.Changes {
			changes[c.Name] = c
		}
		rows := Status(f, l, opts)
		if len(rows) != len(f.Notebooks)-countExcluded(f, opts) {
			t.Fatalf("%d status rows for %d declared notebooks", len(rows), len(f.Notebooks))
		}
		for _, r := range rows {
			c, ok := changes[r.Name]
			if !ok {
				t.Fatalf("status lists %s, the plan does not", r.Name)
			}
			// The ground truth, from the generated live notebooks.
			var present []modelarts.Notebook
			for _, n := range l {
				if n.Name == r.Name && workspace(n.WorkspaceID) == "0" && n.Status != modelarts.StatusDeleted && n.Status != modelarts.StatusDeleting {
					present = append(present, n)
				}
			}
			foreign := false
			if len(present) == 1 {
				owner, marked := Owner(present[0].Description)
				foreign = marked && owner != testFleetName
			}
			absent := r.Status == StatusAbsent || r.Status == modelarts.StatusDeleting
			switch {
			case absent != (c.Action == Create):
				t.Fatalf("%s: status %s, plan %s (%s)", r.Name, r.Status, c.Action, c.Reason)
			case (len(present) >= 2 || foreign) != (r.Status == StatusConflict):
				t.Fatalf("%s: %d live, foreign %v, status %s", r.Name, len(present), foreign, r.Status)
			case r.Status == StatusConflict && (c.Action != Conflict || r.ID != "" || r.URL != ""):
				t.Fatalf("%s: status conflict with id %q url %q, plan %s", r.Name, r.ID, r.URL, c.Action)
			case !absent && r.Status != StatusConflict:
				if len(present) != 1 || r.ID != present[0].ID || r.ID != c.ID {
					t.Fatalf("%s: status shows %s, plan acts on %s, live %v", r.Name, r.ID, c.ID, present)
				}
				owner, marked := Owner(present[0].Description)
				if marked && owner != testFleetName {
					t.Fatalf("%s: status shows another fleet's notebook %s", r.Name, r.ID)
				}
				if r.Owned != marked {
					t.Fatalf("%s: owned %v, marked %v", r.Name, r.Owned, marked)
				}
			}
		}
	})
}

func countExcluded(f *spec.Fleet, o Options) int {
	n := 0
	for _, nb := range f.Notebooks {
		if !o.keep(nb.Name) {
			n++
		}
	}
	return n
}

// TestPropSavedRoundTrip: a saved plan reads back as the plan that was
// saved, the requests of its steps included: what was reviewed is what is
// sent.
func TestPropSavedRoundTrip(t *testing.T) {
	dir := t.TempDir()
	rapid.Check(t, func(t *rapid.T) {
		f, l := genFleet(t), genLive(t)
		opts := Options{Replace: rapid.SliceOfN(rapid.SampledFrom(names), 0, 2).Draw(t, "replace")}
		p := Diff(f, l, opts)
		path := filepath.Join(dir, "plan.json")
		if err := Save(path, p, Meta{FleetFile: "fleet.yaml", FleetFingerprint: FleetFingerprint(f), Target: f.Target, Live: l}); err != nil {
			t.Fatal(err)
		}
		s, err := Open(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		// Field values are shown to people only; they read back as JSON
		// numbers.
		sameJSON := cmp.Comparer(func(a, b FieldChange) bool {
			x, _ := json.Marshal(a)
			y, _ := json.Marshal(b)
			return string(x) == string(y)
		})
		if d := cmp.Diff(p, s.Plan, sameJSON); d != "" {
			t.Fatalf("saved plan (-saved +read):\n%s", d)
		}
		if err := s.CheckFresh(FleetFingerprint(f), l); err != nil {
			t.Fatalf("fresh plan: %v", err)
		}
	})
}
