package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nbfleet/nbfleet/pkg/emulator"
	"github.com/nbfleet/nbfleet/pkg/spec"
	"github.com/nbfleet/nbfleet/pkg/spec/spectest"
)

// BenchmarkPlan5000 is issue 4's target: `nbfleet plan` for a 5 000-notebook
// fleet against an emulator holding those 5 000 notebooks, 20 ms latency per
// request. It reports the API requests one plan sends (the target is at most
// ceil(5000/50)+2 = 102) beside what one GET per notebook would need, and
// the wall time of the whole command: load, refresh, diff, render.
//
//	go test -run '^$' -bench Plan5000 -benchtime 3x ./cmd/nbfleet
func BenchmarkPlan5000(b *testing.B) {
	const n = 5000
	opts := testEmulatorOptions()
	opts.Latency = 20 * time.Millisecond
	srv, err := emulator.New(opts)
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	seed := make([]emulator.SeedNotebook, n)
	for i := range seed {
		seed[i] = emulator.SeedNotebook{
			Name:        fmt.Sprintf("ml-%d", i+1),
			Description: spec.OwnerMarker("big"),
			Volume:      &emulator.Volume{Category: "EVS", Ownership: "MANAGED", Capacity: 50},
			CreateAt:    time.Unix(1_700_000_000+int64(i), 0),
		}
	}
	if _, err := srv.Seed("", seed...); err != nil {
		b.Fatal(err)
	}
	fleet := filepath.Join(b.TempDir(), "fleet.yaml")
	if err := os.WriteFile(fleet, []byte(testFleet("big", `  - for_each: {count: 5000}
    name: "ml-{{ .index }}"
`)), 0o600); err != nil {
		b.Fatal(err)
	}
	listsBefore := srv.Stats().Requests["list"][200]
	b.ResetTimer()
	for range b.N {
		e, out, errb := cliEnv(b, srv, nil)
		if code := run([]string{"plan", fleet, "--detailed-exitcode"}, e); code != exitOK {
			b.Fatalf("plan exit %d\n%s\n%s", code, out.String(), errb.String())
		}
		if !strings.Contains(out.String(), "No changes") {
			b.Fatalf("plan of an unchanged fleet shows changes:\n%s", out.String())
		}
	}
	b.StopTimer()
	st := srv.Stats()
	total := int64(0)
	for _, byStatus := range st.Requests {
		for _, c := range byStatus {
			total += c
		}
	}
	perPlan := float64(total) / float64(b.N)
	if lists := st.Requests["list"][200] - listsBefore; float64(lists)/float64(b.N) > 102 {
		b.Errorf("%.0f list requests per plan, want ≤ 102", float64(lists)/float64(b.N))
	}
	b.ReportMetric(perPlan, "requests/plan")
	b.ReportMetric(n, "requests/plan-one-GET-each")
}

// BenchmarkExpand10k is issue 13's target for `nbfleet expand` of a fleet
// with a 10 000-row roster (templated name, description and SSH key per
// row): < 0.3 s and < 100 MB. The YAML is written to a discarded buffer.
//
//	go test -run '^$' -bench Expand10k -benchmem ./cmd/nbfleet
func BenchmarkExpand10k(b *testing.B) {
	for _, format := range []string{"yaml", "json"} {
		b.Run(format, func(b *testing.B) {
			fleet := roster10k(b)
			b.ReportAllocs()
			for b.Loop() {
				e, out, errb := cliEnvNoServer()
				if code := run([]string{"expand", fleet, "--format", format}, e); code != exitOK {
					b.Fatalf("expand exit %d\n%s", code, errb.String())
				}
				if n := len(out.String()); n < 10_000*100 {
					b.Fatalf("expand wrote %d bytes", n)
				}
			}
		})
	}
}

// roster10k writes the fleet of BenchmarkLoadRoster10k (pkg/spec) and
// returns its path.
func roster10k(b *testing.B) string {
	fleet, err := spectest.Roster10k(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	return fleet
}
