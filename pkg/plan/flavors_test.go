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
