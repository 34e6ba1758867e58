package plan

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDriftText: what drift says, and whether it alerts, for a plan with
// nothing to do, one with changes, and one with a notebook still busy
// (which alerts though nothing is to be changed).
func TestDriftText(t *testing.T) {
	busy := Change{Name: "s2", Action: NoOp, Reason: "CREATING", Steps: []Step{{Op: StepWait}}}
	for _, tt := range []struct {
		name    string
		p       Plan
		drifted bool
		want    string
	}{
		{"none", Plan{Changes: []Change{{Name: "s1", Action: NoOp}}}, false,
			"No drift: the cloud matches the fleet.\n"},
		{"busy", Plan{Changes: []Change{{Name: "s1", Action: NoOp}, busy}}, true,
			"s2: in progress: CREATING\n" +
				"In progress: 1 notebook(s) not settled yet; run drift again once they are (they may still fail).\n"},
		{"changes", Plan{Changes: []Change{{Name: "s1\x1b[2J", Action: Create, Reason: "absent"}, busy},
			Notes: []string{"a note"}}, true,
			"s1\\x1b[2J: create: absent\n" +
				"s2: in progress: CREATING\n" +
				"Drift: Plan: 1 to create, 0 to update, 0 to replace, 0 to delete, 0 conflicts.\n" +
				"In progress: 1 notebook(s) not settled yet; run drift again once they are (they may still fail).\n" +
				"Note: a note.\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Drifted(); got != tt.drifted {
				t.Errorf("Drifted() = %v, want %v", got, tt.drifted)
			}
			var b bytes.Buffer
			if err := WriteDriftText(&b, &tt.p); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, b.String()); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}
