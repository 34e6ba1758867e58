package spec_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/nbfleet/nbfleet/pkg/spec"
)

// FuzzLoad feeds arbitrary fleet files (with a fixed roster and hook
// script beside them) to Parse: it must never panic, must return an
// ErrorList for bad input, and a fleet that loads must expand the same way
// twice.
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*/*.yaml")
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(head + "notebooks:\n  - for_each: {csv: r.csv}\n    name: \"s-{{ .id }}\"\n    description: \"{{ .name }}\"\n"))
	files := memFS(map[string]string{
		"fz/r.csv":  "id,name\n1,Ada\n2,Ben\n",
		"fz/run.sh": "echo hi\n",
	})
	opts := spec.Options{ReadFile: files, Limits: spec.Limits{MaxNotebooks: 1000, MaxAliasNodes: 10_000}}
	f.Fuzz(func(t *testing.T, src []byte) {
		f1, err1 := spec.Parse("fz/f.yaml", src, opts)
		f2, err2 := spec.Parse("fz/f.yaml", src, opts)
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("non-deterministic: %v vs %v", err1, err2)
		}
		if err1 != nil {
			var list spec.ErrorList
			if !errors.As(err1, &list) || len(list) == 0 {
				t.Fatalf("error %T is not a non-empty ErrorList: %v", err1, err1)
			}
			if err1.Error() != err2.Error() {
				t.Fatalf("errors differ:\n%v\n%v", err1, err2)
			}
			return
		}
		a, _ := json.Marshal(f1.Document())
		b, _ := json.Marshal(f2.Document())
		if string(a) != string(b) {
			t.Fatalf("expansion differs:\n%s\n%s", a, b)
		}
		names := map[string]bool{}
		for _, nb := range f1.Notebooks {
			if names[nb.Name] {
				t.Fatalf("duplicate name %q in a loaded fleet", nb.Name)
			}
			names[nb.Name] = true
		}
	})
}
