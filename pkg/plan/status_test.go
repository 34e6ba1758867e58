package plan

import "testing"

// TestStatusCounts: the status line is the same every time, whatever the
// map's order, with unusual statuses sorted after the usual ones.
func TestStatusCounts(t *testing.T) {
	m := map[string]int{"FROZEN": 1, "RUNNING": 28, "ABSENT": 2, "DELETE_FAILED": 1, "SNAPSHOTTING": 3}
	want := "28 RUNNING, 2 ABSENT, 1 DELETE_FAILED, 1 FROZEN, 3 SNAPSHOTTING"
	for range 20 {
		if got := statusCounts(m); got != want {
			t.Fatalf("statusCounts = %q, want %q", got, want)
		}
	}
}
