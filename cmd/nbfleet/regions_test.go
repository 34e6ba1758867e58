package main

import (
	"slices"
	"testing"

	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

// TestRegionTablesAgree: package spec validates target.region and package
// modelarts derives the endpoints, each from its own copy of the known
// regions (neither may import the other); they must not drift apart.
func TestRegionTablesAgree(t *testing.T) {
	for _, cloud := range []string{spec.CloudHuawei, spec.CloudOTC} {
		s, m := spec.KnownRegions(cloud), modelarts.KnownRegions(modelarts.Cloud(cloud))
		if !slices.Equal(s, m) || len(s) == 0 {
			t.Errorf("%s: spec knows %v, modelarts %v", cloud, s, m)
		}
		for _, r := range s {
			if c, _ := spec.RegionCloud(r); c != cloud {
				t.Errorf("spec.RegionCloud(%s) = %s, want %s", r, c, cloud)
			}
			if _, err := modelarts.ModelArtsEndpoint("", r); err != nil {
				t.Errorf("%s: %v", r, err)
			}
		}
	}
}
