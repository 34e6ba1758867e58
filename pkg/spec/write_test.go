package spec_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/nbfleet/nbfleet/pkg/spec"
)

// TestSourceRoundTrip: what Source.Write writes loads back as the same
// notebooks, whatever their values: template syntax ("{{") in names,
// descriptions and other rendered fields comes back literally, and the
// values hoisted into defaults come back on every notebook.
func TestSourceRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		desc := rapid.SampledFrom([]string{"", "plain", "{{ .student_id }}", "a {{{ b", "}} then {{", "x{{", "{{", "{{{{", "0", "yes", "- dash", "50% off: ok"})
		n := rapid.IntRange(1, 4).Draw(t, "n")
		flavor := rapid.SampledFrom([]string{"modelarts.vm.cpu.2u", "modelarts.vm.cpu.8u"})
		var nbs []spec.Notebook
		for i := range n {
			nb := spec.Notebook{
				Name:        fmt.Sprintf("nb-%d", i),
				Description: desc.Draw(t, "description"),
				Flavor:      flavor.Draw(t, "flavor"),
				ImageID:     rapid.SampledFrom([]string{"img-1", "img-{{2}}"}).Draw(t, "image"),
				Feature:     "NOTEBOOK",
				WorkspaceID: spec.DefaultWorkspace,
				Volume:      spec.Volume{Category: "EVS", Ownership: "MANAGED", Capacity: rapid.SampledFrom([]int{0, 5, 50}).Draw(t, "capacity")},
				State:       rapid.SampledFrom([]spec.State{spec.Running, spec.Stopped}).Draw(t, "state"),
			}
			if rapid.Bool().Draw(t, "ssh") {
				nb.Endpoints = []spec.Endpoint{{DevService: "SSH", SSHKeys: []string{"key-{{1}}"}, AllowedAccessIPs: []string{"192.0.2.1"}}}
			}
			if rapid.Bool().Draw(t, "lease") {
				nb.Lease = &spec.Lease{Duration: 4 * time.Hour, Type: "timing"}
			}
			nb.Flavors = []string{nb.Flavor}
			if rapid.Bool().Draw(t, "fallback") {
				nb.Flavors = append(nb.Flavors, "modelarts.vm.cpu.4u")
			}
			nb.RestartAfterLease = rapid.Bool().Draw(t, "restart_after_lease")
			if rapid.Bool().Draw(t, "labels") {
				nb.Labels = map[string]string{"student": desc.Draw(t, "student")}
			}
			nbs = append(nbs, nb)
		}
		src := &spec.Source{Fleet: "lab", Target: spec.Target{Cloud: "otc", Region: "eu-de", WorkspaceID: "0"}, Notebooks: nbs}
		var b bytes.Buffer
		if err := src.Write(&b, "written by a test"); err != nil {
			t.Fatal(err)
		}
		f, err := spec.Parse("fleet.yaml", b.Bytes(), spec.Options{})
		if err != nil {
			t.Fatalf("the written file does not load: %v\n%s", err, b.String())
		}
		got := f.Notebooks
		for i := range got {
			got[i].Origin = spec.Origin{}
		}
		if d := cmp.Diff(nbs, got); d != "" {
			t.Fatalf("round trip (-written +loaded):\n%s\nfile:\n%s", d, b.String())
		}
		if f.Name != "lab" || f.Target.Region != "eu-de" {
			t.Fatalf("fleet %q target %+v", f.Name, f.Target)
		}
	})
}

// TestSourceWrite pins the shape of a written fleet file: the header as
// comments, shared values under defaults, the rest per notebook.
func TestSourceWrite(t *testing.T) {
	src := &spec.Source{Fleet: "lab", Target: spec.Target{Region: "eu-de"}, Notebooks: []spec.Notebook{
		{Name: "lab-1", Description: "Week {{ 1 }}", Flavor: "f", ImageID: "i", Volume: spec.Volume{Category: "EVS", Ownership: "MANAGED"}},
		{Name: "lab-2", Flavor: "f", ImageID: "i", Volume: spec.Volume{Category: "EVS", Ownership: "MANAGED"}, State: spec.Stopped},
	}}
	var b bytes.Buffer
	if err := src.Write(&b, "line one\nline two\n"); err != nil {
		t.Fatal(err)
	}
	want := `# line one
# line two
version: 1
fleet: lab
target:
  region: eu-de
defaults:
  flavor: f
  image_id: i
  volume:
    category: EVS
    ownership: MANAGED
notebooks:
  - name: lab-1
    description: Week {{"{{"}} 1 }}
  - name: lab-2
    state: stopped
`
	if d := cmp.Diff(want, b.String()); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if strings.Contains(b.String(), "origin") {
		t.Error("a written fleet file carries origins")
	}
}
