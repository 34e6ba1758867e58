package plan

import (
	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

// Statuses of NotebookStatus besides the live ones.
const (
	StatusAbsent   = "ABSENT"   // no live notebook has the declared name
	StatusConflict = "CONFLICT" // two live notebooks have it, or another fleet's
)

// NotebookStatus is one declared notebook as it is live: what `nbfleet
// status` lists and an instructor mails out. It never holds a token.
type NotebookStatus struct {
	Name string `json:"name"`
	// Status is the live status; StatusAbsent, DELETING while the last copy
	// is being deleted; StatusConflict when the plan would not touch the
	// name because of whom its live notebooks belong to (Verdict.Conflict).
	Status string `json:"status"`
	// ID and URL are the live notebook's; empty for an absent name and a
	// conflict, whose notebooks are not the fleet's to hand out.
	ID  string `json:"id,omitempty"`
	URL string `json:"url,omitempty"`
	// Owned is true when the notebook carries the fleet's marker (false
	// for one the next apply adopts).
	Owned bool `json:"owned"`
}

// Status returns the status of every declared notebook the options
// select, in declaration order, by the matching Diff uses (MatchFleet): a
// name the plan calls a conflict because of another fleet's notebook or
// duplicates is StatusConflict here, never that notebook's status and URL.
func Status(f *spec.Fleet, live []modelarts.Notebook, opts Options) []NotebookStatus {
	m := MatchFleet(f, live, opts)
	out := make([]NotebookStatus, 0, len(m.Declared))
	for _, dm := range m.Declared {
		s := NotebookStatus{Name: dm.Name}
		switch {
		case dm.Verdict == Absent && len(dm.Deleting) > 0:
			s.Status, s.ID = modelarts.StatusDeleting, dm.Deleting[len(dm.Deleting)-1].ID
		case dm.Verdict == Absent:
			s.Status = StatusAbsent
		case dm.Verdict.Conflict():
			s.Status = StatusConflict
		default:
			s.Status, s.ID, s.URL = dm.Live.Status, dm.Live.ID, dm.Live.URL
			s.Owned = dm.Verdict == Owned
		}
		out = append(out, s)
	}
	return out
}
