package modelarts

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// The fixtures are the sources' JSON (testdata/fixtures/README.md says
// which source each comes from).

func fixture(t *testing.T, cloud, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "fixtures", cloud, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FieldPaths returns the field paths of a JSON document: "volume.capacity",
// "endpoints[].service"; an array's elements share one path.
func FieldPaths(doc []byte) (map[string]bool, error) {
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		return nil, err
	}
	out := map[string]bool{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				out[p] = true
				walk(p, e)
			}
		case []any:
			for _, e := range x {
				walk(prefix+"[]", e)
			}
		}
	}
	walk("", v)
	return out, nil
}

func sortedPaths(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// notIn returns the paths of sub missing from super.
func notIn(sub, super map[string]bool) []string {
	var out []string
	for _, p := range sortedPaths(sub) {
		if !super[p] {
			out = append(out, p)
		}
	}
	return out
}

// TestFixturesDecode: the client reads every documented answer of both
// clouds.
func TestFixturesDecode(t *testing.T) {
	notebook := func(cloud, name string) Notebook {
		var nb Notebook
		if err := json.Unmarshal(fixture(t, cloud, name), &nb); err != nil {
			t.Fatalf("%s/%s: %v", cloud, name, err)
		}
		if nb.ID == "" && name != "update-response.json" {
			t.Errorf("%s/%s: no id", cloud, name)
		}
		return nb
	}
	for _, name := range []string{"create-response.json", "show-response.json", "update-response.json", "start-response.json", "delete-response.json"} {
		notebook("otc", name)
	}
	if nb := notebook("otc", "start-response.json"); nb.Lease == nil || nb.Lease.Duration != 6327212 || nb.Volume.Capacity != 50 {
		t.Errorf("otc start: lease %+v volume %+v", nb.Lease, nb.Volume)
	}
	if nb := notebook("otc", "delete-response.json"); nb.Status != StatusDeleting || nb.CreateAt != 1638841805440 {
		t.Errorf("otc delete: %s %d", nb.Status, nb.CreateAt)
	}
	if nb := notebook("otc", "update-response.json"); len(nb.Endpoints) != 1 || nb.Endpoints[0].AllowedAccessIPs[0] != "1.1.1.1" {
		t.Errorf("otc update: endpoints %+v", nb.Endpoints)
	}
	// Each cloud's spelling of the endpoint keys and step descriptions.
	otc := notebook("otc", "notebook-fields.json")
	hwc := notebook("huaweicloud", "notebook-fields.json")
	for _, nb := range []Notebook{otc, hwc} {
		if len(nb.Endpoints) != 1 || nb.Endpoints[0].Service != "SSH" || strings.Join(nb.Endpoints[0].KeyPairNames, ",") != "k" ||
			nb.ActionProgress[0].StepDescription != "Prepare storage" || nb.Volume.Status != "RESIZING" || nb.Pool.ID == "" {
			t.Errorf("notebook fields decoded as %+v / %+v / %+v", nb.Endpoints, nb.ActionProgress, nb.Volume)
		}
	}
	if otc.Volume.URI != "" || hwc.Volume.URI != "192.168.0.1:/share" || hwc.Volume.ID == "" {
		t.Errorf("volume uri/id: otc %+v, hwc %+v", otc.Volume, hwc.Volume)
	}
	for _, cloud := range []string{"otc", "huaweicloud"} {
		var p Page
		if err := json.Unmarshal(fixture(t, cloud, "list-response.json"), &p); err != nil || len(p.Data) == 0 || p.Total != len(p.Data) {
			t.Errorf("%s list: %+v, %v", cloud, p, err)
		}
		var l Lease
		if err := json.Unmarshal(fixture(t, cloud, "lease-response.json"), &l); err != nil || l.Duration == 0 || !l.Enable || l.Type == "" {
			t.Errorf("%s lease: %+v, %v", cloud, l, err)
		}
	}
	var list Page
	_ = json.Unmarshal(fixture(t, "otc", "list-response.json"), &list)
	if list.Data[0].Feature != "DEFAULT" || list.Size != 10 {
		t.Errorf("otc list: %+v", list)
	}

	for _, tc := range []struct {
		cloud, name string
		status      int
		code        string
		class       func(error) bool
	}{
		{"otc", "error-not-found.json", 400, "ModelArts.6309", func(err error) bool { return errors.Is(err, ErrNotFound) && !IsTerminal(err) }},
		{"otc", "error-wrong-status.json", 400, "ModelArts.6347", func(err error) bool { return IsTerminal(err) && !IsBusy(err) }},
		{"otc", "error-sort.json", 400, "ModelArts.6303", IsTerminal},
		{"otc", "error-evs-range.json", 400, "ModelArts.6331", IsTerminal},
		{"otc", "error-already-stopped.json", 400, "ModelArts.6307", IsBusy},
		{"huaweicloud", "error-not-found.json", 400, "ModelArts.6309", func(err error) bool { return errors.Is(err, ErrNotFound) }},
		{"huaweicloud", "error-wrong-project.json", 404, "ModelArts.2786", func(err error) bool {
			return IsWrongProject(err) && IsAuth(err) && !errors.Is(err, ErrNotFound)
		}},
		{"huaweicloud", "error-throttled.json", 429, "APIG.0308", func(err error) bool { return IsThrottled(err) && IsRetryable(err) }},
	} {
		e := parseAPIError(tc.status, http.Header{}, fixture(t, tc.cloud, tc.name), false, time.Now(), nil)
		if e.Code != tc.code || e.Message == "" || !tc.class(e) {
			t.Errorf("%s/%s: %+v misread", tc.cloud, tc.name, e)
		}
	}
}

// TestRequestBodiesDocumented: what the client sends uses only fields
// both clouds document, and the documented examples are what it sends.
func TestRequestBodiesDocumented(t *testing.T) {
	req := &CreateRequest{Name: "n", Description: "d", Duration: 3600000, Feature: "NOTEBOOK", Flavor: "f", ImageID: "i",
		PoolID: "p", WorkspaceID: "0",
		Volume:    VolumeReq{Category: "EFS", Ownership: "DEDICATED", Capacity: 50, URI: "u", ID: "v"},
		Endpoints: []Endpoint{{Service: "SSH", KeyPairNames: []string{"k"}, AllowedAccessIPs: []string{"1.1.1.1"}}},
		Hooks: &Hooks{ContainerHooks: &ContainerHooks{PreStart: &HookConfig{Script: "ZWNobyBoaQ==", Type: "COMMAND"},
			PostStart: &HookConfig{Script: "/x.sh", Type: "SCRIPT"}}},
		Lease: &LeaseReq{Duration: 3600000, Type: "idle"}}
	desc := "d"
	upd := &UpdateRequest{Name: "n", Description: &desc, Flavor: "f", ImageID: "i", StorageNewSize: 150,
		Endpoints: req.Endpoints, Hooks: req.Hooks}
	lease := wireLease(&LeaseReq{Duration: 7200000, Type: "IDLE"})
	for _, cloud := range []string{"otc", "huaweicloud"} {
		for _, tc := range []struct {
			fields string
			body   any
		}{
			{"create-request-fields.json", createBody(req)},
			{"update-request-fields.json", updateBody(upd)},
			{"renew-request.json", lease},
		} {
			doc, err := FieldPaths(fixture(t, cloud, tc.fields))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(tc.body)
			sent, _ := FieldPaths(b)
			if miss := notIn(sent, doc); len(miss) > 0 {
				t.Errorf("%s: the client sends %v, which %s does not document", cloud, miss, tc.fields)
			}
		}
	}
	// The OTC examples are bodies the client would send.
	for _, name := range []string{"create-request.json", "update-request.json", "renew-request.json"} {
		doc, _ := FieldPaths(fixture(t, "otc", name))
		all := map[string]bool{"duration": true, "type": true} // LeaseReq
		if name != "renew-request.json" {
			all, _ = FieldPaths(fixture(t, "otc", strings.Replace(name, ".json", "-fields.json", 1)))
		}
		if miss := notIn(doc, all); len(miss) > 0 {
			t.Errorf("otc/%s: %v not in the field set", name, miss)
		}
	}
}
