package spec_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

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

// FuzzRoster feeds arbitrary roster CSVs to a fleet that makes one notebook
// per row from two columns: it must never panic, bad rosters are an
// ErrorList whose messages name the roster, and every notebook of a fleet
// that loads has a unique name within the API's rules and says which CSV
// row it came from.
func FuzzRoster(f *testing.F) {
	for _, s := range []string{
		"student_id,name\ns001,Ada\ns002,Ben\n",
		"student_id,name\r\ns001,Ada\r\n",
		"\xef\xbb\xbfstudent_id,name\ns001,Ada\n", // BOM
		"student_id,name\ns001,\"Ada, Lovelace\"\n",
		"student_id,name\ns001,\"unterminated\n",
		"student_id,name\ns001\n",                                 // short row
		"student_id,name\ns001,Ada,extra\n",                       // long row
		"student_id,name\ns001,Ada\ns001,Ada\n",                   // duplicate names
		"student_id,name\ns 001,Ada\n",                            // a space in the name
		"student_id,name\n" + strings.Repeat("x", 130) + ",Ada\n", // too long
		"student_id,student_id\ns001,s002\n",                      // repeated column
		"name\nAda\n",                                             // missing column
		"", "\n", "student_id,name\n", "\x00,\xff\n",
		"student_id,name\ns001,<script>&\"'/\n",                            // forbidden description characters
		"\xef\xbb\xbfstudent_id;name\r\ns001;Zoë\r\n;\r\ns002;O'Brien\r\n", // a European spreadsheet
		"student_id\tname\ns001\tAda\n\t\n",                                // tabs and a blank row
		"student_id,name\n,Ada\n",                                          // the name's column empty
		"student_id,name\ns001,Eve \x1b[31m\n",                             // an escape sequence
		"student_id,name\ns001,\u202egnp.exe\n",                            // a bidi override
	} {
		f.Add([]byte(s))
	}
	src := []byte(head + "notebooks:\n  - for_each: {csv: r.csv}\n    name: \"s-{{ .student_id }}\"\n    description: \"for {{ .name }}\"\n")
	nameOK := regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
	f.Fuzz(func(t *testing.T, roster []byte) {
		opts := spec.Options{ReadFile: memFS(map[string]string{"fz/r.csv": string(roster)}), Limits: spec.Limits{MaxNotebooks: 1000}}
		fl, err := spec.Parse("fz/f.yaml", src, opts)
		if err != nil {
			var list spec.ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error %T is not a non-empty ErrorList: %v", err, err)
			}
			for _, e := range list {
				if !strings.Contains(e.Error(), "r.csv") && !strings.Contains(e.Error(), "fz/f.yaml") {
					t.Fatalf("error names neither the roster nor the fleet file: %v", e)
				}
			}
			return
		}
		names := map[string]bool{}
		for _, nb := range fl.Notebooks {
			if !nameOK.MatchString(nb.Name) {
				t.Fatalf("loaded a notebook with an invalid name %q", nb.Name)
			}
			if names[nb.Name] {
				t.Fatalf("duplicate name %q in a loaded fleet", nb.Name)
			}
			names[nb.Name] = true
			if nb.Origin.CSVFile == "" || nb.Origin.CSVRow < 2 {
				t.Fatalf("%s: origin %+v does not name its roster row", nb.Name, nb.Origin)
			}
			if strings.ContainsAny(nb.Description, "&<>\"'/") {
				t.Fatalf("%s: description %q has a forbidden character", nb.Name, nb.Description)
			}
			for _, r := range nb.Description {
				if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
					t.Fatalf("%s: description %q has a control character", nb.Name, nb.Description)
				}
			}
		}
	})
}
