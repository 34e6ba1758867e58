package ops

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nbfleet/nbfleet/pkg/emulator"
	"github.com/nbfleet/nbfleet/pkg/plan"
	"github.com/nbfleet/nbfleet/pkg/report"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

// classFleet is a fleet of n students with labels and a 4 h lease.
func classFleet(t *testing.T, dir string, n int, extra string) string {
	t.Helper()
	var roster strings.Builder
	roster.WriteString("id,student,email\n")
	for i := 1; i <= n; i++ {
		roster.WriteString(strings.NewReplacer("N", string(rune('0'+i))).Replace("sN,Student N,sN@example.edu\n"))
	}
	body := `version: 1
fleet: cls
target: {region: eu-de}
defaults:
  flavor: modelarts.vm.cpu.2u
  image_id: e1a07296-22a8-4f05-8bc8-e936c8e54090
  volume: {category: EVS, ownership: MANAGED, capacity: 50}
  lease: {duration: 4h}
` + extra + `notebooks:
  - for_each: {csv: roster.csv}
    name: "cls-{{ .id }}"
    labels: {student: "{{ .student }}", email: "{{ .email }}"}
`
	if err := os.WriteFile(filepath.Join(dir, "roster.csv"), []byte(roster.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "cls.yaml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestHandout: every card has its student's labels; only the fleet's own
// notebooks get an address — another fleet's notebook under a declared
// name, one made by hand and one not created get a card saying so.
func TestHandout(t *testing.T) {
	srv := newEmulator(t)
	dir := t.TempDir()
	fleet := classFleet(t, dir, 2, "")
	e, _ := testEnv(srv, "", t.TempDir())
	if _, err := Apply(context.Background(), e, applyReq(fleet, filepath.Join(dir, "r"))); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Seed("",
		emulator.SeedNotebook{Name: "cls-s3", Description: "theirs " + spec.OwnerMarker("physics")},
		emulator.SeedNotebook{Name: "cls-s4", Description: "made by hand"}); err != nil {
		t.Fatal(err)
	}
	fleet = classFleet(t, dir, 5, "")
	h, err := Handout(context.Background(), e, HandoutRequest{Fleet: fleet})
	if err != nil {
		t.Fatal(err)
	}
	if h.Title != "cls" || strings.Join(h.Labels, ",") != "student,email" || len(h.Rows) != 5 {
		t.Fatalf("hand-out %q %q with %d rows", h.Title, h.Labels, len(h.Rows))
	}
	for i, want := range []struct {
		url  bool
		note string
	}{{true, ""}, {true, ""}, {false, HandoutConflict}, {false, HandoutUnowned}, {false, HandoutAbsent}} {
		r := h.Rows[i]
		if (r.URL != "") != want.url || r.Note != want.note || r.Labels["student"] != "Student "+string(rune('1'+i)) {
			t.Errorf("row %d: %+v", i, r)
		}
	}
	for _, nb := range srv.Notebooks("") {
		for _, r := range h.Rows {
			if nb.Name == "cls-s3" && r.URL != "" && strings.Contains(r.URL, nb.ID) {
				t.Errorf("another fleet's notebook %s is handed out", nb.ID)
			}
		}
	}
}

// TestLeaseStoppedAcrossCommands: after the lease stopped the class, drift
// sees nothing, apply leaves them stopped (entries unchanged, with a note
// and their labels), and --restart-after-lease starts them.
func TestLeaseStoppedAcrossCommands(t *testing.T) {
	srv := newEmulator(t)
	dir := t.TempDir()
	fleet := classFleet(t, dir, 3, "")
	e, _ := testEnv(srv, "", t.TempDir())
	if _, err := Apply(context.Background(), e, applyReq(fleet, filepath.Join(dir, "r1"))); err != nil {
		t.Fatal(err)
	}
	if err := srv.Advance(4*time.Hour + time.Minute); err != nil {
		t.Fatal(err)
	}
	p, err := Drift(context.Background(), e, PlanRequest{Fleet: fleet})
	if err != nil {
		t.Fatal(err)
	}
	if p.HasChanges() || len(p.Notes) != 1 || !strings.Contains(p.Notes[0], "3 notebooks were stopped by their lease") {
		t.Fatalf("drift after the lease: %v, notes %q", p.Summary(), p.Notes)
	}
	rep, err := Apply(context.Background(), e, applyReq(fleet, filepath.Join(dir, "r2")))
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range rep.Notebooks {
		if en.Outcome != report.Unchanged || en.Status != "STOPPED" || !strings.Contains(en.Note, "stopped by its lease at") ||
			en.Labels["email"] == "" || en.Flavor != "modelarts.vm.cpu.2u" {
			t.Errorf("entry %+v", en)
		}
	}
	req := applyReq(fleet, filepath.Join(dir, "r3"))
	req.Select = plan.Options{RestartAfterLease: true, Targets: []string{"cls-s1"}}
	rep, err = Apply(context.Background(), e, req)
	if err != nil {
		t.Fatal(err)
	}
	if en := rep.Notebooks[0]; en.Action != "start" || en.Status != "RUNNING" {
		t.Errorf("--restart-after-lease: %+v", en)
	}
	// A notebook stopped by hand is drift, as before.
	if _, err := srv.Seed("", emulator.SeedNotebook{Name: "cls-s4", Description: spec.OwnerMarker("cls"), Status: emulator.StatusStopped}); err != nil {
		t.Fatal(err)
	}
	p, err = Drift(context.Background(), e, PlanRequest{Fleet: classFleet(t, dir, 4, "")})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range p.Changes {
		started := false
		for _, s := range c.Steps {
			started = started || s.Op == plan.StepStart
		}
		if started != (c.Name == "cls-s4") || strings.Contains(c.Reason, "lease") != (c.Name != "cls-s1" && c.Name != "cls-s4") {
			t.Errorf("%s: %s (%s)", c.Name, c.Action, c.Reason)
		}
	}
}
