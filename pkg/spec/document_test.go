package spec_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"
	"pgregory.net/rapid"

	"github.com/nbfleet/nbfleet/pkg/spec"
)

// genNotebook draws a notebook with every field possibly set, strings
// included that need quoting in YAML.
func genNotebook(t *rapid.T) spec.Notebook {
	str := rapid.SampledFrom([]string{"", "a", "0", "yes", "{{ .x }}", "x: y", "ünï", "- z", "1h"})
	strs := rapid.SliceOfN(str, 0, 3)
	hook := func(label string) *spec.Hook {
		if !rapid.Bool().Draw(t, label) {
			return nil
		}
		return &spec.Hook{Script: str.Draw(t, label+".script"), Type: str.Draw(t, label+".type")}
	}
	nb := spec.Notebook{
		Name:        str.Draw(t, "name"),
		Description: str.Draw(t, "description"),
		Flavor:      str.Draw(t, "flavor"),
		ImageID:     str.Draw(t, "image_id"),
		Feature:     str.Draw(t, "feature"),
		PoolID:      str.Draw(t, "pool_id"),
		WorkspaceID: str.Draw(t, "workspace_id"),
		Volume: spec.Volume{Category: str.Draw(t, "category"), Ownership: str.Draw(t, "ownership"),
			Capacity: rapid.IntRange(0, 4096).Draw(t, "capacity"), URI: str.Draw(t, "uri"), ID: str.Draw(t, "volume.id")},
		Duration:      time.Duration(rapid.Int64Range(0, 1e6).Draw(t, "duration")) * time.Millisecond,
		State:         spec.State(str.Draw(t, "state")),
		Protect:       rapid.Bool().Draw(t, "protect"),
		IgnoreChanges: strs.Draw(t, "ignore_changes"),
	}
	if nb.Flavor != "" { // as expanded: the preferred flavor first
		nb.Flavors = append([]string{nb.Flavor}, strs.Draw(t, "fallbacks")...)
	}
	nb.RestartAfterLease = rapid.Bool().Draw(t, "restart_after_lease")
	if rapid.Bool().Draw(t, "labels") {
		nb.Labels = rapid.MapOfN(str, str, 1, 3).Draw(t, "labels.map")
	}
	for i := range rapid.IntRange(0, 2).Draw(t, "endpoints") {
		_ = i
		nb.Endpoints = append(nb.Endpoints, spec.Endpoint{DevService: str.Draw(t, "dev_service"),
			SSHKeys: strs.Draw(t, "ssh_keys"), AllowedAccessIPs: strs.Draw(t, "ips")})
	}
	if pre, post := hook("pre_start"), hook("post_start"); pre != nil || post != nil {
		nb.Hooks = &spec.Hooks{PreStart: pre, PostStart: post}
	}
	if rapid.Bool().Draw(t, "lease") {
		nb.Lease = &spec.Lease{Duration: time.Duration(rapid.Int64Range(0, 1e6).Draw(t, "lease.duration")) * time.Millisecond,
			Type: str.Draw(t, "lease.type")}
	}
	if rapid.Bool().Draw(t, "origin") {
		nb.Origin = spec.Origin{File: "dir:x/fleet.yaml", Line: rapid.IntRange(1, 99).Draw(t, "line"), Col: rapid.IntRange(1, 99).Draw(t, "col")}
	} else if rapid.Bool().Draw(t, "csv") {
		nb.Origin = spec.Origin{CSVFile: "roster.csv", CSVRow: rapid.IntRange(2, 99).Draw(t, "row")}
	}
	return nb
}

// TestNotebookJSONRoundTrip: a notebook's document form reads back as the
// same notebook (empty and nil lists alike), and its YAML form is the same
// document.
func TestNotebookJSONRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		nb := genNotebook(t)
		b, err := json.Marshal(nb)
		if err != nil {
			t.Fatal(err)
		}
		var back spec.Notebook
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("decode %s: %v", b, err)
		}
		if d := cmp.Diff(nb, back, cmp.Comparer(func(a, b []string) bool { return strings.Join(a, "\x00") == strings.Join(b, "\x00") })); d != "" {
			t.Fatalf("round trip of %s (-want +got):\n%s", b, d)
		}
		y, err := yaml.Marshal(nb)
		if err != nil {
			t.Fatal(err)
		}
		var fromYAML, fromJSON any
		if err := yaml.Unmarshal(y, &fromYAML); err != nil {
			t.Fatalf("%s: %v", y, err)
		}
		if err := yaml.Unmarshal(b, &fromJSON); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(fromJSON, fromYAML); d != "" {
			t.Fatalf("the YAML form is not the JSON form (-json +yaml):\n%s\nyaml:\n%s", d, y)
		}
	})
}

// TestNotebookDocumentForm pins the spellings the document form takes from
// the fleet file rather than from Go.
func TestNotebookDocumentForm(t *testing.T) {
	nb := spec.Notebook{
		Name:     "a",
		Hooks:    &spec.Hooks{PostStart: &spec.Hook{Script: "ZWNobw==", Type: "COMMAND"}},
		Lease:    &spec.Lease{Duration: 4 * time.Hour, Type: "timing"},
		Duration: 90 * time.Minute,
		Origin:   spec.Origin{File: "fleet.yaml", Line: 3, Col: 5},
	}
	b, err := json.Marshal(nb)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"name":"a","hooks":{"container_hooks":{"post_start":{"script":"ZWNobw==","type":"COMMAND"}}},` +
		`"lease":{"duration":14400000,"type":"timing"},"origin":"fleet.yaml:3:5","duration":5400000}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}

func TestOriginText(t *testing.T) {
	for _, tt := range []struct {
		text string
		want spec.Origin
	}{
		{"fleet.yaml:3:5", spec.Origin{File: "fleet.yaml", Line: 3, Col: 5}},
		{"c:/dir/fleet.yaml:12:1", spec.Origin{File: "c:/dir/fleet.yaml", Line: 12, Col: 1}},
		{"roster.csv:17", spec.Origin{CSVFile: "roster.csv", CSVRow: 17}},
		{"dir/roster.CSV:17", spec.Origin{CSVFile: "dir/roster.CSV", CSVRow: 17}},
		{"v2:roster.csv:17", spec.Origin{CSVFile: "v2:roster.csv", CSVRow: 17}},
	} {
		var got spec.Origin
		if err := got.UnmarshalText([]byte(tt.text)); err != nil {
			t.Fatalf("%s: %v", tt.text, err)
		}
		if got != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.text, got, tt.want)
		}
		if got.String() != tt.text {
			t.Errorf("%s: String() = %s", tt.text, got.String())
		}
	}
	var o spec.Origin
	if err := o.UnmarshalText([]byte("nowhere")); err == nil {
		t.Error("an origin without a number parsed")
	}
}
