package spec_test

import (
	"testing"

	"github.com/nbfleet/nbfleet/pkg/spec"
	"github.com/nbfleet/nbfleet/pkg/spec/spectest"
)

// BenchmarkLoadRoster10k loads, validates and expands a fleet whose roster
// has 10 000 rows (target: < 0.5 s and < 150 MB per load).
func BenchmarkLoadRoster10k(b *testing.B) {
	fleet, err := spectest.Roster10k(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		f, err := spec.Load(fleet)
		if err != nil {
			b.Fatal(err)
		}
		if len(f.Notebooks) != 10_001 {
			b.Fatalf("%d notebooks", len(f.Notebooks))
		}
	}
}
