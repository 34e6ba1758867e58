package plan

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/nbfleet/nbfleet/pkg/modelarts"
)

// TestStepJSON pins this package's own encoding of a Step, which saved
// plans depend on: every step reads back as it was written, and an update
// that clears the endpoints (an empty list) stays apart from one that
// leaves them (nil). modelarts.UpdateRequest's own tags (omitempty on a
// slice) would lose that difference, which is why wire.go exists.
func TestStepJSON(t *testing.T) {
	desc := "notebook a [nbfleet:ml101]"
	tests := []struct {
		name string
		step Step
		want string // a fragment the encoding must hold
	}{
		{"create", Step{Op: StepCreate, Create: &modelarts.CreateRequest{
			Name: "a", Description: desc, Duration: 3600000, Feature: "NOTEBOOK",
			Flavor: "f", ImageID: "img", PoolID: "pool", WorkspaceID: "0",
			Endpoints: []modelarts.Endpoint{{Service: "SSH", KeyPairNames: []string{"k"}, AllowedAccessIPs: []string{"10.0.0.1"}}},
			Volume:    modelarts.VolumeReq{Category: "EFS", Ownership: "DEDICATED", Capacity: 5, URI: "u", ID: "v"},
			Hooks: &modelarts.Hooks{ContainerHooks: &modelarts.ContainerHooks{
				PreStart: &modelarts.HookConfig{Script: "ZWNobw==", Type: "COMMAND"}}},
			Lease: &modelarts.LeaseReq{Duration: 3600000, Type: "timing"},
		}}, `"endpoints":[{"dev_service":"SSH","ssh_keys":["k"]`},
		{"update clears endpoints", Step{Op: StepUpdate, Update: &modelarts.UpdateRequest{
			Endpoints: []modelarts.Endpoint{}}}, `"endpoints":[]`},
		{"update leaves endpoints", Step{Op: StepUpdate, Update: &modelarts.UpdateRequest{
			Description: &desc, Flavor: "f", ImageID: "img", StorageNewSize: 100}}, `"storage_new_size":100`},
		{"update clears hooks", Step{Op: StepUpdate, Update: &modelarts.UpdateRequest{
			Hooks: &modelarts.Hooks{ContainerHooks: &modelarts.ContainerHooks{}}}}, `"hooks":{}`},
		{"start with lease", Step{Op: StepStart, Lease: &modelarts.LeaseReq{Duration: 7200000, Type: "idle"}}, `"lease":{"duration":7200000,"type":"idle"}`},
		{"wait for another id", Step{Op: StepWait, ID: "old"}, `"id":"old"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.step)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), tt.want) {
				t.Errorf("encoding %s\nlacks %s", b, tt.want)
			}
			var got Step
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			// cmp.Diff tells a nil slice from an empty one.
			if d := cmp.Diff(tt.step, got); d != "" {
				t.Errorf("round trip of %s (-want +got):\n%s", b, d)
			}
		})
	}
}
