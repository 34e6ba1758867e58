package spec_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/nbfleet/nbfleet/schema"
)

// TestSchemaShape keeps the hand-written schema honest: defaults accept
// exactly the notebook fields but name and for_each, and every request
// field of CreateNotebook.rst is declared.
func TestSchemaShape(t *testing.T) {
	var s struct {
		ID   string `json:"$id"`
		Defs map[string]struct {
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(schema.FleetJSON(), &s); err != nil {
		t.Fatal(err)
	}
	if s.ID != schema.ID {
		t.Errorf("$id %q, want %q", s.ID, schema.ID)
	}
	keys := func(def string) []string {
		var out []string
		for k := range s.Defs[def].Properties {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	nb := slices.DeleteFunc(keys("notebook"), func(k string) bool { return k == "name" || k == "for_each" })
	if d := keys("defaults"); !slices.Equal(nb, d) {
		t.Errorf("defaults fields %v differ from notebook fields %v", d, nb)
	}
	for _, f := range []string{"description", "duration", "endpoints", "feature", "flavor", "image_id", "name", "pool_id", "volume", "workspace_id", "hooks", "lease"} {
		if !slices.Contains(keys("notebook"), f) {
			t.Errorf("notebook lacks the create call's %q", f)
		}
	}
	for def, want := range map[string][]string{
		"volume": {"capacity", "category", "id", "ownership", "uri"},
		"lease":  {"duration", "type"},
		"hook":   {"script", "script_file", "type"},
	} {
		if got := keys(def); !slices.Equal(got, want) {
			t.Errorf("%s fields %v, want %v", def, got, want)
		}
	}
}
