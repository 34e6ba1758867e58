// Package plan compares a fleet with the notebooks that exist and returns
// the difference as a Plan: a pure value that can be rendered (text, JSON,
// Markdown), saved for review with a staleness fingerprint, read back and
// carried out by package execute. It performs no calls.
package plan

import (
	"github.com/nbfleet/nbfleet/pkg/modelarts"
)

// Action is what a Change does to one notebook.
type Action int

const (
	NoOp     Action = iota // equal: nothing to do
	Create                 // declared, not live
	Update                 // updatable fields differ
	Replace                // immutable fields differ or live is broken: delete, create
	Start                  // desired running, live stopped
	Stop                   // desired stopped, live running
	Delete                 // owned by the fleet, no longer declared
	Adopt                  // declared, live without the marker: update that adds it
	Conflict               // duplicate live names: nothing is done
)

var actionNames = [...]string{"no-op", "create", "update", "replace", "start", "stop", "delete", "adopt", "conflict"}

func (a Action) String() string {
	if a < 0 || int(a) >= len(actionNames) {
		return "unknown"
	}
	return actionNames[a]
}

// StepOp is one API operation of a change, each followed by a wait for the
// status it leads to.
type StepOp string

const (
	StepCreate StepOp = "create" // POST; wait RUNNING
	StepDelete StepOp = "delete" // DELETE; wait gone
	StepStop   StepOp = "stop"   // POST stop; wait STOPPED
	StepStart  StepOp = "start"  // POST start; wait RUNNING
	StepUpdate StepOp = "update" // PUT; no wait unless the notebook leaves its state
	// StepWait waits for the notebook Step.ID (or Change.ID when empty) to
	// settle: to leave a transitional status (INIT, CREATING, STARTING,
	// STOPPING, SNAPSHOTTING) or, when it is DELETING, to be gone. It comes
	// before the other steps so that the executor does not fail with
	// ModelArts.6357 ("another operation is in progress").
	StepWait StepOp = "wait"
)

// Step is one operation with its request.
type Step struct {
	Op     StepOp                   `json:"op"`
	Create *modelarts.CreateRequest `json:"create,omitempty"`
	Update *modelarts.UpdateRequest `json:"update,omitempty"`
	Lease  *modelarts.LeaseReq      `json:"lease,omitempty"` // for start
	// ID is the notebook a wait step waits for when it is not Change.ID:
	// the DELETING copy a create must wait out. Empty otherwise.
	ID string `json:"id,omitempty"`
}

// FieldChange is one field's difference. Before and After are plain JSON
// values (string, number, bool, []any, map[string]any) or nil.
type FieldChange struct {
	Path   string `json:"path"`
	Before any    `json:"before"`
	After  any    `json:"after"`
	// Forces says what the difference requires: "" (in place),
	// "stop" (only while stopped) or "replace" (immutable).
	Forces string `json:"forces,omitempty"`
}

// Change is what the plan does to one notebook name.
type Change struct {
	Name   string `json:"name"`
	Action Action `json:"action"`
	// Reason explains the change to people. The executor never reads it.
	Reason string `json:"reason"`
	// ID is the live notebook's id; empty for a create.
	ID string `json:"id,omitempty"`
	// IDs lists every live id of a conflict.
	IDs    []string      `json:"ids,omitempty"`
	Fields []FieldChange `json:"fields,omitempty"`
	// Steps are the operations that carry the change out, in order.
	Steps []Step `json:"steps,omitempty"`
	// DestroysData is true when the change deletes a notebook's storage
	// (delete, replace).
	DestroysData bool `json:"destroys_data,omitempty"`
	// Protected is set when the desired notebook has protect: true and the
	// change would delete or replace it; such a plan must not be applied.
	Protected bool `json:"protected,omitempty"`
	// WantStatus is the status the notebook should end in: RUNNING,
	// STOPPED, or "" for a delete.
	WantStatus string `json:"want_status,omitempty"`
}

// Plan is the whole difference between a fleet and the cloud.
type Plan struct {
	FormatVersion string `json:"format_version"`
	Fleet         string `json:"fleet"`
	// Changes are sorted by name, then id; no-ops included.
	Changes []Change `json:"changes"`
}
