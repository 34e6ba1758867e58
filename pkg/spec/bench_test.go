package spec_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nbfleet/nbfleet/pkg/spec"
)

// BenchmarkLoadRoster10k loads, validates and expands a fleet whose roster
// has 10 000 rows (target: < 0.5 s and < 150 MB per load).
func BenchmarkLoadRoster10k(b *testing.B) {
	dir := b.TempDir()
	var csv strings.Builder
	csv.WriteString("student_id,name,email\n")
	for i := 1; i <= 10_000; i++ {
		fmt.Fprintf(&csv, "s%05d,Student Number %d,s%05d@students.example.edu\n", i, i, i)
	}
	if err := os.WriteFile(filepath.Join(dir, "roster.csv"), []byte(csv.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	fleet := filepath.Join(dir, "fleet.yaml")
	src := `version: 1
fleet: big-course
target: {region: eu-de}
defaults:
  flavor: modelarts.vm.cpu.2u
  image_id: e1a07296-22a8-4f05-8bc8-e936c8e54090
  volume: {category: EVS, ownership: MANAGED, capacity: 50}
  endpoints: [{dev_service: SSH, ssh_keys: [course-key], allowed_access_ips: [192.0.2.1]}]
  lease: {duration: 4h}
notebooks:
  - name: instructor
  - for_each: {csv: roster.csv}
    name: "course-{{ .student_id }}"
    description: "Notebook of {{ .name }} ({{ .email }})"
    endpoints: [{dev_service: SSH, ssh_keys: ["key-{{ .student_id }}"], allowed_access_ips: [192.0.2.1]}]
`
	if err := os.WriteFile(fleet, []byte(src), 0o644); err != nil {
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
