package spec

import (
	"strings"
	"testing"
)

// Rule 20: a known region decides the cloud; an explicit target.cloud
// wins; a region nbfleet cannot derive endpoints for is a positioned error
// unless target.endpoint is set.
func TestTargetRegion(t *testing.T) {
	for _, tc := range []struct {
		target, cloud, err string
	}{
		{"{region: eu-de}", "otc", ""},
		{"{region: eu-nl}", "otc", ""},
		{"{region: eu-ch2}", "otc", ""},
		{"{region: cn-north-4}", "huaweicloud", ""},
		{"{region: ap-southeast-1}", "huaweicloud", ""},
		{"{endpoint: 'https://x.example'}", "huaweicloud", ""},
		{"{cloud: otc, region: eu-de}", "otc", ""},
		{"{cloud: huaweicloud, region: eu-de, endpoint: 'https://x.example'}", "huaweicloud", ""},
		{"{region: xx-east-7, endpoint: 'https://x.example'}", "huaweicloud", ""},
		{"{cloud: otc, region: xx-east-7, endpoint: 'https://x.example'}", "otc", ""},
		{"{region: xx-east-7}", "", `f.yaml:3:18: target.region: unknown region "xx-east-7"; nbfleet knows af-north-1,`},
		{"{region: eu-west-101}", "", "set target.endpoint"},
		{"{cloud: huaweicloud, region: eu-de}", "", `f.yaml:3:38: target.region: "eu-de" is an Open Telekom Cloud (otc) region, but target.cloud is huaweicloud`},
		{"{cloud: otc, region: cn-north-4}", "", "is a Huawei Cloud (huaweicloud) region, but target.cloud is otc"},
	} {
		src := "version: 1\nfleet: t\ntarget: " + tc.target + "\ndefaults:\n  flavor: f\n  image_id: 278e88d1-5b71-4766-8502-b3ba72e824d9\n  volume: {category: EVS, ownership: MANAGED}\nnotebooks:\n  - name: a\n"
		f, err := Parse("f.yaml", []byte(src), Options{})
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want %q", tc.target, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.target, err)
			continue
		}
		if f.Target.Cloud != tc.cloud {
			t.Errorf("%s: cloud %q, want %q", tc.target, f.Target.Cloud, tc.cloud)
		}
	}
	if got := KnownRegions(CloudOTC); strings.Join(got, " ") != "eu-ch2 eu-de eu-nl" {
		t.Errorf("OTC regions %v", got)
	}
}
