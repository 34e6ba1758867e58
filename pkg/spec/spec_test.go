package spec_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nbfleet/nbfleet/internal/golden"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

func TestInvalidGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 30 {
		t.Fatalf("only %d broken fleets in testdata/invalid; the corpus must hold at least 30", len(files))
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			f, err := spec.Load(file)
			if err == nil {
				t.Fatalf("loaded %d notebooks; want errors", len(f.Notebooks))
			}
			var list spec.ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("error %T is not a spec.ErrorList: %v", err, err)
			}
			var asErr *spec.Error
			if !errors.As(error(list[0]), &asErr) {
				t.Fatal("entry is not a *spec.Error")
			}
			golden.Check(t, strings.TrimSuffix(file, ".yaml")+".txt", []byte(err.Error()+"\n"))
		})
	}
}

func TestValidGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/valid/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, "../../examples/fleets/minimal.yaml", "../../examples/fleets/classroom.yaml", "../../examples/fleets/workshop-gpu.yaml")
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			f, err := spec.Load(file)
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.MarshalIndent(f.Document(), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			out := "testdata/valid/" + name + ".json"
			if strings.HasPrefix(file, "../../examples/") {
				out = "testdata/valid/example-" + name + ".json"
			}
			golden.Check(t, out, append(b, '\n'))
		})
	}
}

// TestExamplesCarrySchemaComment keeps the editor integration in every
// example fleet.
func TestExamplesCarrySchemaComment(t *testing.T) {
	files, _ := filepath.Glob("../../examples/fleets/*.yaml")
	if len(files) < 3 {
		t.Fatalf("found %d example fleets", len(files))
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte("# yaml-language-server: $schema=../../schema/fleet.schema.json\n")) {
			t.Errorf("%s does not start with the yaml-language-server schema comment", file)
		}
	}
}

func TestClassroomExample(t *testing.T) {
	f, err := spec.Load("../../examples/fleets/classroom.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if f.Name != "ml101-fall" || len(f.Notebooks) != 31 {
		t.Fatalf("fleet %q with %d notebooks; want ml101-fall with 31", f.Name, len(f.Notebooks))
	}
	if f.Target.Endpoint != "" || f.Target.ProjectID != "" {
		t.Errorf("classroom.yaml sets %+v; only the region may be set", f.Target)
	}
	last := f.Notebooks[30]
	if last.Name != "ml101-s030" || last.Origin.String() != "../../examples/fleets/roster.csv:31" {
		t.Errorf("last notebook %q from %s", last.Name, last.Origin)
	}
}
