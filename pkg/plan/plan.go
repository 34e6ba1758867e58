// Package plan compares a fleet with the notebooks that exist and returns
// the difference as a Plan: a pure value that can be rendered (text, JSON,
// Markdown), saved for review with a staleness fingerprint, read back and
// carried out by package execute. It performs no calls, reads no clock and
// never prints; it imports only the types of packages spec and modelarts.
//
// It is also the one place where nbfleet's notebook shape (spec.Notebook)
// meets the API's: the create and update requests and the comparison with
// a live notebook are derived here (convert.go), and FromLive goes back.
//
// # Ownership
//
// Every notebook nbfleet creates carries its fleet's marker (spec.Marker)
// at the end of its description (see Owner, StripMarker). MatchFleet matches each
// declared name with its live notebooks (DELETING ones count as gone) —
// the one matching rule of plan, drift, status, renew and import — and
// Diff acts on its Verdict:
//   - Absent: create (after waiting out a DELETING copy, if any);
//   - Owned (one live notebook carrying this fleet's marker): compare
//     (update, replace, start, stop or no-op);
//   - Unowned (one without a marker): adopt, an update that adds the marker
//     plus any other in-place update; if it would need a replace (or
//     --replace asks for one) it is a conflict instead: nbfleet never
//     destroys a notebook it does not own;
//   - Foreign (one carrying another fleet's marker) and Duplicate (two or
//     more): conflict, nothing is done; Change.IDs lists the ids.
//
// A live notebook with this fleet's marker that the fleet does not declare
// is deleted (pruned). Anything else never appears in a plan. A notebook
// removed from the fleet file has lost its protect flag with it, so its
// prune is not Protected.
//
// # Fields
//
// Compared: description (marker stripped), flavor (any flavor of the
// notebook's list in order of preference matches: a notebook that got a
// fallback because the first was sold out stays on it, as moving it back
// would stop a running notebook; a flavor outside the list is updated to
// the first, the executor falling back along the list from there. To move
// notebooks onto the preferred flavor, take the fallback out of the list),
// image_id, endpoints
// (only when the fleet declares some, and only the live entries of the
// declared services: an entry the service adds, such as NOTEBOOK, is not
// drift; SSH keys and IPs compared as sets), hooks, volume.capacity (of an
// EVS volume: growth updates in place, shrinking replaces; an unreported
// live capacity or an unset desired one is not compared),
// volume.category and volume.ownership (case-insensitive, when both are
// known), volume.uri and volume.id (when the fleet sets them and the cloud
// reports them: OTC does not, and unknown is never a difference), pool_id
// (when the fleet sets it), workspace_id and feature. The volume fields,
// pool_id, workspace_id and feature force a replace. The lease is applied
// at create and start but never compared: it is a countdown; a start
// without a declared lease says that the service's default of 1 h
// applies. ignore_changes paths are skipped; a path also covers its
// sub-paths ("volume" covers "volume.capacity").
//
// Hooks are write-only: no answer of the service carries them. Every
// notebook's marker records a digest of the hooks nbfleet last set
// ("[nbfleet:FLEET h=0a1b2c3d]", see spec.Marker); Diff compares the
// declared hooks' digest with it, and a plan of a fleet with hooks carries
// NoteHooks. Hooks changed outside nbfleet cannot be seen.
//
// ignore_changes "state" leaves the run state alone: no start or stop.
//
// The steps follow the service's rules (real-service.md rule 12), each
// kind of change in its own PUT: flavor, image_id and endpoints only while
// STOPPED (stop → update → start, or stop → update when declared stopped,
// or update (→ start) when already stopped); a volume grows only while
// RUNNING, by at most 100 GB per request (GrowthSteps), the executor
// waiting out RESIZING after each, so a stopped notebook is started for
// it and stopped again when declared stopped; the description, the marker
// and hooks change in either state. A PUT of endpoints keeps the live
// entries of services the fleet does not declare.
//
// An unmarked notebook with SSH access (key pairs or allowed IPs) that the
// fleet does not declare is not adopted: it is a conflict, since someone
// else could log in to the notebook the fleet would hand out.
//
// # Leases
//
// A notebook declared running that the service stopped because its lease
// ran out is not drift: the fleet asked for the lease. Diff leaves it
// stopped, a no-op (or an update without the start) whose Reason and Note
// say "stopped by its lease at T", with WantStatus STOPPED and a plan note
// naming such notebooks — unless the notebook declares
// restart_after_lease: true or Options.RestartAfterLease is set (apply
// --restart-after-lease), when it is started again with its lease.
//
// "Stopped by its lease" is read from the live notebook (StoppedByLease):
// STOPPED or STOPPING, lease.enable true with a positive duration, and
// update_at (the last change) no earlier than lease.create_at +
// lease.duration (the stop time, rule 15) less a minute. Limits: the rule
// trusts update_at and the lease fields as the service answers them; an
// answer without update_at or lease.create_at, or with the lease disabled,
// counts as stopped by hand (drift, started again, as before). A person
// who stopped a notebook within the last minute of its lease, or stopped it
// by hand and then changed it (which moves update_at) after the lease's
// stop time, is taken for the lease. A start or renew moves the stop time
// forward, so a notebook started again and then stopped by hand is drift.
//
// # Live statuses
//
// CREATE_FAILED and ERROR: replace. START_FAILED counts as stopped: the
// notebook and its storage are kept and a start tries again (or, declared
// stopped, nothing is done); only --replace NAME replaces it, so one
// failed start followed by an unattended apply never destroys a
// student's work. INIT, CREATING, STARTING
// and SNAPSHOTTING count as heading to RUNNING, STOPPING as heading to
// STOPPED; a StepWait comes first, so a plan made after an interrupted
// apply shows only what is left. When nothing else is left the change is a
// no-op that keeps its wait (Change.InProgress): done means settled. FROZEN and
// DELETE_FAILED are conflicts (nothing can be done, the reason says why),
// so that `plan --detailed-exitcode` and `drift` report them. An unknown
// status is a conflict too. A volume RESIZING is busy as well. DELETED
// notebooks (shown for a while after a delete) and notebooks outside the
// workspaces the fleet uses are ignored: gone.
package plan

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

// FormatVersion is the format_version of every JSON document this package
// writes (the JSON rendering and saved plans). It changes when a field
// changes meaning or disappears; new fields do not change it. Version 2
// made it an integer and moved the requests of steps into the change's
// notebook.
const FormatVersion = 2

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

// MarshalText encodes the action as its name ("create", "no-op", …), so
// JSON documents carry names, not numbers.
func (a Action) MarshalText() ([]byte, error) {
	if a < 0 || int(a) >= len(actionNames) {
		return nil, fmt.Errorf("plan: unknown action %d", int(a))
	}
	return []byte(actionNames[a]), nil
}

// UnmarshalText decodes an action name written by MarshalText.
func (a *Action) UnmarshalText(b []byte) error {
	for i, n := range actionNames {
		if n == string(b) {
			*a = Action(i)
			return nil
		}
	}
	return fmt.Errorf("unknown action %q", b)
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

// Step is one operation of a change. Its JSON form is the operation, the
// id a wait waits for and the fields an update sets; the requests are
// derived from Change.Notebook, so a plan read back sends exactly what the
// plan that was reviewed would have sent.
type Step struct {
	Op StepOp `json:"op"`
	// ID is the notebook a wait step waits for when it is not Change.ID:
	// the DELETING copy a create must wait out. Empty otherwise.
	ID string `json:"id,omitempty"`
	// Fields are the field paths an update step sets (FieldChange.Path,
	// plus "marker" for an adopt).
	Fields []string `json:"fields,omitempty"`
	// Size is the capacity (GB) a growth update asks for: one of the
	// GrowthSteps towards the notebook's capacity. Zero otherwise.
	Size int `json:"size,omitempty"`

	// Create, Update and Lease are the requests of a create, update and
	// start step, derived from Change.Notebook; not part of the JSON form.
	Create *modelarts.CreateRequest `json:"-"`
	Update *modelarts.UpdateRequest `json:"-"`
	Lease  *modelarts.LeaseReq      `json:"-"` // for start; nil: the server's default
}

// FieldChange is one field's difference. Before and After are plain JSON
// values (string, number, bool, []any, map[string]any) or nil.
type FieldChange struct {
	Path   string `json:"path"`
	Before any    `json:"before"`
	After  any    `json:"after"`
	// Forces says what the difference requires: "" (in place, running or
	// stopped), "stop" (only while stopped), "running" (only while running,
	// in steps: a volume's growth) or "replace" (immutable).
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
	// Notebook is the declared notebook as its steps send it (spec's
	// document form, the description carrying the marker, no origin); nil
	// when no step sends it.
	Notebook *spec.Notebook `json:"notebook,omitempty"`
	// DestroysData is true when the change deletes a notebook's storage
	// (delete, replace).
	DestroysData bool `json:"destroys_data,omitempty"`
	// Protected is set when the desired notebook has protect: true and the
	// change would delete or replace it; such a plan must not be applied.
	Protected bool `json:"protected,omitempty"`
	// WantStatus is the status the notebook should end in: RUNNING,
	// STOPPED, or "" for a delete. A conflict carries the declared state
	// although nothing is done; a notebook declared running that its lease
	// stopped and that stays stopped, STOPPED.
	WantStatus string `json:"want_status,omitempty"`
	// Labels are the declared notebook's labels (nbfleet's own, never
	// sent), on every change of a declared name, conflicts and no-ops
	// included: what reports show next to the name. Nil for a prune.
	Labels map[string]string `json:"labels,omitempty"`
	// Note is what people should know about a change besides its action,
	// carried into the report of an unchanged notebook: that its lease
	// stopped it and it stays stopped. Like Reason, never consulted by the
	// executor.
	Note string `json:"note,omitempty"`
}

// Plan is the whole difference between a fleet and the cloud.
type Plan struct {
	FormatVersion int    `json:"format_version"`
	Fleet         string `json:"fleet"`
	// Cloud, Region and ProjectID say where the plan acts. Diff and
	// Destroy leave them empty (they read no environment); the caller sets
	// them once it has resolved the target, so that every rendering opens
	// with them and a saved plan keeps them.
	Cloud     string `json:"cloud,omitempty"`
	Region    string `json:"region,omitempty"`
	ProjectID string `json:"project_id,omitempty"`
	// Changes are sorted by name, then id; no-ops included.
	Changes []Change `json:"changes"`
	// Notes are things a reviewer should know about the whole plan, such
	// as NoteHooks.
	Notes []string `json:"notes,omitempty"`
}

// Summary counts a plan's changes per action.
type Summary struct {
	Create   int `json:"create"`
	Update   int `json:"update"`
	Replace  int `json:"replace"`
	Start    int `json:"start"`
	Stop     int `json:"stop"`
	Delete   int `json:"delete"`
	Adopt    int `json:"adopt"`
	Conflict int `json:"conflict"`
	NoOp     int `json:"no-op"`
}

// Summary counts the plan's changes per action.
func (p *Plan) Summary() Summary {
	var s Summary
	for i := range p.Changes {
		switch p.Changes[i].Action {
		case Create:
			s.Create++
		case Update:
			s.Update++
		case Replace:
			s.Replace++
		case Start:
			s.Start++
		case Stop:
			s.Stop++
		case Delete:
			s.Delete++
		case Adopt:
			s.Adopt++
		case Conflict:
			s.Conflict++
		default:
			s.NoOp++
		}
	}
	return s
}

// HasChanges reports whether any change is not a no-op. A conflict counts:
// it needs a person's attention although nothing will be done, so
// `plan --detailed-exitcode` and `drift` report it.
func (p *Plan) HasChanges() bool {
	for i := range p.Changes {
		if p.Changes[i].Action != NoOp {
			return true
		}
	}
	return false
}

// InProgress reports whether the change is a no-op on a notebook that is
// still in a transitional status (CREATING, STARTING, STOPPING, a volume
// RESIZING…): nothing is to be changed, but it is not done yet — it may
// still end as a failure. Its one step is a StepWait: apply waits for it
// and reports what it ended as; drift reports it as in progress.
func (c *Change) InProgress() bool {
	return c.Action == NoOp && len(c.Steps) > 0
}

// InProgress returns the changes that are InProgress, in plan order.
func (p *Plan) InProgress() []*Change {
	var out []*Change
	for i := range p.Changes {
		if p.Changes[i].InProgress() {
			out = append(out, &p.Changes[i])
		}
	}
	return out
}

// ErrProtected is wrapped by (*Plan).Err when the plan deletes or replaces
// a notebook declared with protect: true.
var ErrProtected = errors.New("plan deletes or replaces protected notebooks")

// ProtectedChanges returns the changes that would delete or replace a
// notebook declared with protect: true, sorted by name.
func (p *Plan) ProtectedChanges() []*Change {
	var cs []*Change
	for i := range p.Changes {
		if p.Changes[i].Protected {
			cs = append(cs, &p.Changes[i])
		}
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].Name < cs[j].Name })
	return cs
}

// Err returns an error wrapping ErrProtected that names every protected
// notebook the plan would delete or replace, or nil. plan and apply refuse
// such a plan.
func (p *Plan) Err() error {
	var names []string
	for _, c := range p.ProtectedChanges() {
		names = append(names, fmt.Sprintf("%s (%s)", c.Name, c.Action))
	}
	if len(names) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s; remove protect: true from these notebooks in the fleet file if their storage may really be destroyed",
		ErrProtected, strings.Join(names, ", "))
}
