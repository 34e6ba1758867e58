package spec_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"gopkg.in/yaml.v3"
	"pgregory.net/rapid"

	"github.com/nbfleet/nbfleet/pkg/spec"
	"github.com/nbfleet/nbfleet/pkg/spec/spectest"
)

// fataler is what the helpers need of *testing.T and *rapid.T.
type fataler interface{ Fatal(args ...any) }

// referenceYAML is the document as yaml.v3 writes it at once (what
// `nbfleet expand` printed before Document.WriteYAML), each notebook as
// its JSON text parsed as YAML, every node in block style.
func referenceYAML(t fataler, d *spec.Document) string {
	ref := struct {
		FormatVersion int          `yaml:"format_version"`
		File          string       `yaml:"file"`
		Fleet         string       `yaml:"fleet"`
		Target        spec.Target  `yaml:"target"`
		Notebooks     []*yaml.Node `yaml:"notebooks"`
	}{d.FormatVersion, d.File, d.Fleet, d.Target, []*yaml.Node{}}
	for _, nb := range d.Notebooks {
		b, err := json.Marshal(nb)
		if err != nil {
			t.Fatal(err)
		}
		var n yaml.Node
		if err := yaml.Unmarshal(b, &n); err != nil {
			t.Fatal(err)
		}
		var block func(n *yaml.Node)
		block = func(n *yaml.Node) {
			n.Style = 0
			for _, c := range n.Content {
				block(c)
			}
		}
		block(&n)
		ref.Notebooks = append(ref.Notebooks, n.Content[0])
	}
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(&ref); err != nil {
		t.Fatal(err)
	}
	enc.Close()
	return out.String()
}

func writeYAML(t fataler, d *spec.Document) string {
	var out bytes.Buffer
	if err := d.WriteYAML(&out); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// TestWriteYAMLAsYAMLv3: Document.WriteYAML writes what yaml.v3 writes
// for the whole document, for every example fleet and for notebooks whose
// strings need every kind of YAML quoting; WriteJSON, what encoding/json
// writes.
func TestWriteYAMLAsYAMLv3(t *testing.T) {
	files, _ := filepath.Glob("../../examples/fleets/*.yaml")
	if len(files) == 0 {
		t.Fatal("no example fleets")
	}
	for _, f := range files {
		fl, err := spec.Load(f)
		if err != nil {
			t.Fatal(err)
		}
		d := fl.Document()
		if got, want := writeYAML(t, d), referenceYAML(t, d); got != want {
			t.Errorf("%s:\n%s\nwant:\n%s", f, got, want)
		}
	}
	tricky := rapid.OneOf(
		rapid.SampledFrom([]string{"", "0", "007", "1.5", "1e3", "0x1F", "-1", "+1", "yes", "No", "on", "true",
			"True", "null", "~", "y", ".inf", "<<", "---", "...", "- x", "-x", ": x", "x:", "x: y", "x:y", "a #b",
			"a#b", "#a", "[a]", "a [b]", "{a}", "'q'", `"q"`, "@a", "`a`", "%a", "!a", "&a", "*a", "|a", ">a",
			"?a", "? a", " a", "a ", "a  b", "a\tb", "a\nb", "a\n", "\na", "ünï", "日本", "é: x", "a\x00b",
			"192.0.2.1", "2026-01-01", "12:30", "fleet.yaml:1:2", "/abs/path", "_x", "key-s00001",
			"Notebook of Student (s@x.edu) [nbfleet:big]"}),
		rapid.StringMatching(`[ -~\t\n]{0,10}`),
	)
	rapid.Check(t, func(rt *rapid.T) {
		d := &spec.Document{FormatVersion: spec.DocumentFormatVersion, File: tricky.Draw(rt, "file"),
			Fleet: tricky.Draw(rt, "fleet"), Target: spec.Target{Region: tricky.Draw(rt, "region")}, Notebooks: []spec.Notebook{}}
		for i := range rapid.IntRange(0, 3).Draw(rt, "notebooks") {
			nb := genNotebook(rt)
			nb.Name = tricky.Draw(rt, fmt.Sprint("name", i))
			nb.Description = tricky.Draw(rt, fmt.Sprint("description", i))
			nb.IgnoreChanges = rapid.SliceOfN(tricky, 0, 2).Draw(rt, fmt.Sprint("ignore", i))
			if rapid.Bool().Draw(rt, fmt.Sprint("labels", i)) {
				nb.Labels = rapid.MapOfN(tricky, tricky, 1, 3).Draw(rt, fmt.Sprint("labels.map", i))
			}
			d.Notebooks = append(d.Notebooks, nb)
		}
		if got, want := writeYAML(rt, d), referenceYAML(rt, d); got != want {
			rt.Fatalf("got:\n%s\nwant:\n%s", got, want)
		}
		var got, want bytes.Buffer
		if err := d.WriteJSON(&got); err != nil {
			rt.Fatal(err)
		}
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		if err := enc.Encode(d); err != nil {
			rt.Fatal(err)
		}
		if got.String() != want.String() {
			rt.Fatalf("JSON:\n%s\nwant:\n%s", got.String(), want.String())
		}
	})
}

// BenchmarkWriteYAML10k writes the document of 10 000 roster notebooks.
func BenchmarkWriteYAML10k(b *testing.B) {
	fleet, err := spectest.Roster10k(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	f, err := spec.Load(fleet)
	if err != nil {
		b.Fatal(err)
	}
	d := f.Document()
	b.ReportAllocs()
	for b.Loop() {
		if err := d.WriteYAML(&bytes.Buffer{}); err != nil {
			b.Fatal(err)
		}
	}
}
