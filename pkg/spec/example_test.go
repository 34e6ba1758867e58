package spec_test

import (
	"errors"
	"fmt"

	"github.com/nbfleet/nbfleet/pkg/spec"
)

func ExampleParse() {
	src := []byte(`version: 1
fleet: demo
defaults:
  flavor: modelarts.vm.cpu.2u
  image_id: e1a07296-22a8-4f05-8bc8-e936c8e54090
  volume: {category: EVS, ownership: MANAGED, capacity: 50}
notebooks:
  - for_each: {count: 2}
    name: "demo-{{ .index }}"
`)
	f, err := spec.Parse("demo.yaml", src, spec.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, nb := range f.Notebooks {
		fmt.Println(nb.Name, nb.Flavor, nb.Volume.Capacity, nb.WorkspaceID, nb.Origin)
	}
	// Output:
	// demo-1 modelarts.vm.cpu.2u 50 0 demo.yaml:8:5
	// demo-2 modelarts.vm.cpu.2u 50 0 demo.yaml:8:5
}

func ExampleErrorList() {
	src := []byte("version: 1\nfleet: demo\nnotebooks:\n  - name: a\n    flavour: x\n    volume: {category: evs}\n")
	_, err := spec.Parse("demo.yaml", src, spec.Options{})
	var list spec.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			fmt.Printf("line %d col %d: %s\n", e.Line, e.Col, e.Msg)
		}
	}
	// Output:
	// line 5 col 5: notebooks[0]: unknown key "flavour" (did you mean "flavor"?)
	// line 6 col 24: notebooks[0].volume.category: must be one of EVS, SFS, EFS, OBS, OBSFS, got "evs" (did you mean "EVS"?)
}
