// Package spectest writes the fleets that benchmarks and tests of several
// packages load: one definition of "a course of 10 000 students", so that
// the figures of pkg/spec, the expand command and the docs measure the
// same fleet. Only tests import it.
package spectest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Roster10k writes into dir a fleet with an instructor notebook and one
// notebook per row of a 10 000-row roster (student_id, name, email; a
// templated name, description and SSH key each), and returns the fleet
// file's path. The fleet expands to 10 001 notebooks.
func Roster10k(dir string) (string, error) {
	var csv strings.Builder
	csv.WriteString("student_id,name,email\n")
	for i := 1; i <= 10_000; i++ {
		fmt.Fprintf(&csv, "s%05d,Student Number %d,s%05d@students.example.edu\n", i, i, i)
	}
	if err := os.WriteFile(filepath.Join(dir, "roster.csv"), []byte(csv.String()), 0o644); err != nil {
		return "", err
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
	return fleet, os.WriteFile(fleet, []byte(src), 0o644)
}
