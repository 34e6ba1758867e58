package spec

import (
	"fmt"
	"slices"
	"strings"
)

// The regions nbfleet knows, by cloud. A fleet whose target.region is one
// of them needs neither target.cloud nor target.endpoint: the cloud
// follows from the region and the endpoints are derived from it (package
// modelarts holds the same table with the hosts; a test keeps the two
// equal).
//
// Sources: Open Telekom Cloud's endpoint list, whose ModelArts regions are
// eu-de, eu-nl and the Swiss eu-ch2 (real-service.md rule 20); Huawei
// Cloud's ModelArts regions are those of the official Go SDK,
// github.com/huaweicloud/huaweicloud-sdk-go-v3 v0.1.207,
// services/modelarts/v1/region/region.go.
var (
	otcRegions    = []string{"eu-ch2", "eu-de", "eu-nl"}
	huaweiRegions = []string{
		"af-north-1", "af-south-1", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
		"cn-east-3", "cn-east-4", "cn-north-1", "cn-north-11", "cn-north-12", "cn-north-2", "cn-north-4", "cn-north-9",
		"cn-south-1", "cn-southwest-2", "cn-southwest-3", "la-north-2", "la-south-2", "me-east-1", "sa-brazil-1", "tr-west-1",
	}
)

// Clouds: the values of target.cloud.
const (
	CloudHuawei = "huaweicloud"
	CloudOTC    = "otc"
)

// KnownRegions returns the regions of cloud (CloudHuawei or CloudOTC),
// sorted; nil for another cloud.
func KnownRegions(cloud string) []string {
	switch cloud {
	case CloudHuawei:
		return slices.Clone(huaweiRegions)
	case CloudOTC:
		return slices.Clone(otcRegions)
	}
	return nil
}

// RegionCloud returns the cloud a known region belongs to, and false for
// a region nbfleet does not know.
func RegionCloud(region string) (string, bool) {
	switch {
	case slices.Contains(otcRegions, region):
		return CloudOTC, true
	case slices.Contains(huaweiRegions, region):
		return CloudHuawei, true
	}
	return "", false
}

// resolveTarget fills in target.cloud from the region when the file does
// not set it (an explicit target.cloud wins) and checks that a region
// without target.endpoint is one whose endpoints nbfleet can derive. It
// returns the problem with the region, or "".
func resolveTarget(t *Target) string {
	rc, known := RegionCloud(t.Region)
	if t.Cloud == "" {
		t.Cloud = CloudHuawei
		if known {
			t.Cloud = rc
		}
	}
	if t.Region == "" || t.Endpoint != "" || known && rc == t.Cloud {
		return ""
	}
	hint := "set target.endpoint to the region's ModelArts endpoint (https://modelarts.REGION.…) to use it anyway, and allow nbfleet to send credentials there (--allow-fleet-endpoint or NBFLEET_ALLOW_FLEET_ENDPOINT=1)"
	if known {
		return fmt.Sprintf("%q is %s region, but target.cloud is %s: remove target.cloud, or %s", t.Region, cloudName(rc), t.Cloud, hint)
	}
	return fmt.Sprintf("unknown region %q; nbfleet knows %s (huaweicloud) and %s (otc); %s",
		t.Region, strings.Join(huaweiRegions, ", "), strings.Join(otcRegions, ", "), hint)
}

func cloudName(cloud string) string {
	if cloud == CloudOTC {
		return "an Open Telekom Cloud (otc)"
	}
	return "a Huawei Cloud (huaweicloud)"
}
