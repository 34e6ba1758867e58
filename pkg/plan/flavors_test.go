package plan

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

func TestFlavorWarnings(t *testing.T) {
	gpu := func(n *spec.Notebook) { n.Flavor = "modelarts.bm.gpu.v100NV32" }
	typo := func(n *spec.Notebook) { n.Flavor = "modelarts.vm.cpu.2x" }
	f := fleet(nb("a"), nb("b", gpu), nb("c", gpu), nb("d", typo), nb("e"))
	p := Diff(f, []modelarts.Notebook{live("e", "id-e", func(l *modelarts.Notebook) { l.Flavor = "modelarts.vm.cpu.8u" })}, Options{})
	flavors := []modelarts.Flavor{
		{ID: "modelarts.vm.cpu.2u"},
		{ID: "modelarts.vm.cpu.8u"},
		{ID: "modelarts.bm.gpu.v100NV32", SoldOut: true},
	}
	want := []string{
		"flavor modelarts.bm.gpu.v100NV32 is sold out: the 2 notebook(s) that need it will fail until it is available again",
		"flavor modelarts.vm.cpu.2x is not offered in this region: the 1 notebook(s) that need it will fail; check the flavor name",
	}
	if d := cmp.Diff(want, p.FlavorWarnings(flavors)); d != "" {
		t.Errorf("FlavorWarnings (-want +got):\n%s", d)
	}
	if w := Diff(f, nil, Options{Targets: []string{"a", "e"}}).FlavorWarnings(flavors); len(w) != 0 {
		t.Errorf("warnings for flavors that are offered: %q", w)
	}
}

// TestFlavorWarningsList: a list warns only when its first is not
// available, saying which fallback the notebooks get, or that none is.
func TestFlavorWarningsList(t *testing.T) {
	list := func(fl ...string) func(*spec.Notebook) {
		return func(n *spec.Notebook) { n.Flavor, n.Flavors = fl[0], fl }
	}
	f := fleet(
		nb("a", list("modelarts.bm.gpu.v100NV32", "modelarts.vm.cpu.8u")),
		nb("b", list("modelarts.bm.gpu.v100NV32", "modelarts.vm.gpu.t4", "modelarts.vm.cpu.8u")),
		nb("c", list("modelarts.vm.cpu.2u", "modelarts.vm.cpu.8u")),
		nb("d", list("modelarts.bm.gpu.v100NV32", "modelarts.vm.gpu.t4")),
	)
	p := Diff(f, nil, Options{})
	flavors := []modelarts.Flavor{{ID: "modelarts.vm.cpu.2u"}, {ID: "modelarts.vm.cpu.8u"}, {ID: "modelarts.bm.gpu.v100NV32", SoldOut: true}}
	want := []string{
		"flavor modelarts.bm.gpu.v100NV32 is sold out, modelarts.vm.gpu.t4 is not offered in this region: the 1 notebook(s) that prefer it get modelarts.vm.cpu.8u, the next flavor of their list that is available",
		"flavor modelarts.bm.gpu.v100NV32 is sold out: the 1 notebook(s) that prefer it get modelarts.vm.cpu.8u, the next flavor of their list that is available",
		"none of the flavors modelarts.bm.gpu.v100NV32, modelarts.vm.gpu.t4 is available (modelarts.bm.gpu.v100NV32 is sold out, modelarts.vm.gpu.t4 is not offered in this region): the 1 notebook(s) that need them will fail until one is",
	}
	if d := cmp.Diff(want, p.FlavorWarnings(flavors)); d != "" {
		t.Errorf("FlavorWarnings (-want +got):\n%s", d)
	}
}
