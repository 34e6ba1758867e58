package spec_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
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
	files = append(files, "../../examples/fleets/minimal.yaml", "../../examples/fleets/classroom.yaml", "../../examples/fleets/workshop-gpu.yaml", "../../examples/fleets/ds200.yaml")
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

// TestRosterWarnings: blank spreadsheet rows are skipped, and said so, at
// the roster's position.
func TestRosterWarnings(t *testing.T) {
	for file, want := range map[string]string{
		"testdata/valid/spreadsheet.yaml":   "testdata/valid/spreadsheet.csv:3: skipped 2 rows whose cells are all empty (lines 3 and 6)",
		"testdata/valid/tab-delimiter.yaml": "testdata/valid/tabs.tsv:3: skipped 1 row whose cells are all empty (line 3)",
		"testdata/valid/design.yaml":        "",
	} {
		f, err := spec.Load(file)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, w := range f.Warnings {
			got = append(got, w.String())
		}
		if strings.Join(got, "\n") != want {
			t.Errorf("%s: warnings %q, want %q", file, got, want)
		}
	}
}

// TestNewFields checks the fields other packages build on: Flavors holds
// every flavor with Flavor the first, labels are rendered per row and
// restart_after_lease is parsed.
func TestNewFields(t *testing.T) {
	src := head + "  labels: {course: ml101}\n  restart_after_lease: true\nnotebooks:\n" +
		"  - name: a\n    flavor: [gpu, cpu]\n    labels: {student: \"{{ .fleet }}\"}\n" +
		"  - name: b\n    restart_after_lease: false\n" +
		"  - name: c\n    flavor: [\"{{ .fleet }}\", t, u]\n"
	f, err := spec.Parse("f.yaml", []byte(src), spec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, b, c := f.Notebooks[0], f.Notebooks[1], f.Notebooks[2]
	got := fmt.Sprintf("%s %v %v %v | %s %v %v %v | %s %v", a.Flavor, a.Flavors, a.Labels, a.RestartAfterLease, b.Flavor, b.Flavors, b.Labels, b.RestartAfterLease, c.Flavor, c.Flavors)
	want := "gpu [gpu cpu] map[course:ml101 student:t] true | f [f] map[course:ml101] false | t [t u]"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// An entry's own labels come before those it takes from defaults.
	if got := fmt.Sprint(f.Labels); got != "[student course]" {
		t.Errorf("label order %s, want [student course]", got)
	}
	ex, err := spec.Load("../../examples/fleets/classroom.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(ex.Labels); got != "[student email]" {
		t.Errorf("classroom.yaml label order %s, want [student email]", got)
	}
}
