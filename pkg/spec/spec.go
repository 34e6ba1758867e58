// Package spec owns the fleet file: YAML decoding with positions, validation
// against the embedded JSON Schema (schema/fleet.schema.json), defaults,
// roster (CSV) and count expansion, templated fields and the semantic checks
// of the create call. Problems are reported all at once as *Error values,
// each "file:line:col: message".
//
// spec does no network I/O and imports nothing else of nbfleet but the
// embedded schema.
package spec

import (
	"fmt"
	"time"
)

// Fleet is a loaded, validated and fully expanded fleet file.
type Fleet struct {
	// File is the path the fleet was loaded from, as given to Load.
	File    string
	Version int
	// Name is the fleet's name (the `fleet` key). It scopes ownership: every
	// notebook nbfleet creates for this fleet carries OwnerMarker(Name).
	Name   string
	Target Target
	// Notebooks are the expanded notebooks in declaration order, defaults
	// merged, templates rendered, hook script files read and base64-encoded.
	// Names are unique.
	Notebooks []Notebook
}

// Target says where the fleet lives. Empty fields are filled from the
// environment by the caller (see package modelarts).
type Target struct {
	Cloud       string `json:"cloud,omitempty" yaml:"cloud,omitempty"` // "huaweicloud" (default) or "otc"
	Region      string `json:"region,omitempty" yaml:"region,omitempty"`
	Endpoint    string `json:"endpoint,omitempty" yaml:"endpoint,omitempty"`
	ProjectID   string `json:"project_id,omitempty" yaml:"project_id,omitempty"`
	WorkspaceID string `json:"workspace_id,omitempty" yaml:"workspace_id,omitempty"`
}

// DefaultWorkspace is the workspace of a notebook that names none, in the
// fleet file and in the API alike.
const DefaultWorkspace = "0"

// State is the desired run state of a notebook.
type State string

const (
	Running State = "running"
	Stopped State = "stopped"
)

// Notebook is one desired notebook after expansion: nbfleet's one notebook
// shape. Field names follow the create call (CreateNotebook.rst) except
// where noted, and its JSON form (document.go) is an entry of a fleet file:
// what `nbfleet expand` prints, what plans and saved plans carry and what
// `nbfleet import` writes. The create and update requests and the
// comparison with a live notebook are derived from it (package plan).
//
// A new field needs only its json tag here to appear in every document;
// the rules that use it (the request, the comparison, import) say what
// else it means.
type Notebook struct {
	Name string `json:"name"`
	// Description is the user's description, without the ownership marker.
	Description string `json:"description,omitempty"`
	Flavor      string `json:"flavor,omitempty"`
	ImageID     string `json:"image_id,omitempty"`
	Feature     string `json:"feature,omitempty"` // "NOTEBOOK" (default) or "DEFAULT"
	PoolID      string `json:"pool_id,omitempty"`
	// WorkspaceID is from the entry, else the target, else DefaultWorkspace.
	WorkspaceID string     `json:"workspace_id,omitempty"`
	Volume      Volume     `json:"volume,omitzero"`
	Endpoints   []Endpoint `json:"endpoints,omitempty"`
	Hooks       *Hooks     `json:"hooks,omitempty"`
	Lease       *Lease     `json:"lease,omitempty"`
	// Duration is the create call's top-level auto-stop duration; zero
	// when unset. Documents give it in milliseconds.
	Duration time.Duration `json:"duration,omitempty"`
	State    State         `json:"state,omitempty"`
	// Protect refuses any plan that deletes or replaces this notebook.
	Protect bool `json:"protect,omitempty"`
	// IgnoreChanges lists field paths (e.g. "image_id", "flavor",
	// "endpoints", "hooks", "description", "volume.capacity") whose live
	// value the plan does not compare.
	IgnoreChanges []string `json:"ignore_changes,omitempty"`
	// Origin is where the notebook was declared; zero for a notebook that
	// was not loaded from a file.
	Origin Origin `json:"origin,omitzero"`
}

// Volume is the create call's VolumeReq.
type Volume struct {
	Category  string `json:"category,omitempty"`  // EVS, SFS, EFS, OBS, OBSFS (upper case)
	Ownership string `json:"ownership,omitempty"` // MANAGED or DEDICATED
	Capacity  int    `json:"capacity,omitempty"`  // GB; zero when unset
	URI       string `json:"uri,omitempty"`
	ID        string `json:"id,omitempty"`
}

// Endpoint is the create call's EndpointsReq, in the OTC spelling. The client
// sends the target cloud's spelling.
type Endpoint struct {
	DevService       string   `json:"dev_service,omitempty"` // NOTEBOOK or SSH
	SSHKeys          []string `json:"ssh_keys,omitempty"`
	AllowedAccessIPs []string `json:"allowed_access_ips,omitempty"`
}

// Hooks is the create call's CustomHooks.container_hooks. Documents nest it
// under "container_hooks", as the fleet file and the API do.
type Hooks struct {
	PreStart  *Hook `json:"pre_start,omitempty"`
	PostStart *Hook `json:"post_start,omitempty"`
}

// Hook is one container hook. For Type "COMMAND" Script is base64-encoded
// script content (a script_file is read and encoded by Load); for "SCRIPT"
// it is an absolute path inside the container.
type Hook struct {
	Script string `json:"script"`
	Type   string `json:"type"` // COMMAND or SCRIPT
}

// Lease is the auto-stop configuration.
type Lease struct {
	// Duration is 1h..72h; zero when unset. Documents give it in
	// milliseconds.
	Duration time.Duration `json:"duration,omitempty"`
	Type     string        `json:"type,omitempty"` // "timing" or "idle"; empty when unset
}

// Origin is where a notebook was declared: the YAML entry, and for a roster
// entry the CSV row that produced it.
type Origin struct {
	File string
	Line int
	Col  int
	// CSVFile and CSVRow are set for notebooks expanded from a roster
	// (CSVRow counts lines from 1, the header being line 1).
	CSVFile string
	CSVRow  int
}

// String formats the origin as "file:line:col", or "roster.csv:17" for a
// roster row.
func (o Origin) String() string {
	if o.CSVFile != "" {
		return fmt.Sprintf("%s:%d", o.CSVFile, o.CSVRow)
	}
	return fmt.Sprintf("%s:%d:%d", o.File, o.Line, o.Col)
}

// MarkerPrefix starts every ownership marker.
const MarkerPrefix = "[nbfleet:"

// OwnerMarker returns the ownership marker nbfleet appends to the description
// of every notebook it creates for fleet, e.g. "[nbfleet:ml101-fall]".
func OwnerMarker(fleet string) string { return MarkerPrefix + fleet + "]" }

// MarkedDescription returns the description nbfleet sends for a notebook of
// fleet whose user description is description: that, a space and
// OwnerMarker(fleet), or the marker alone when description is empty.
func MarkedDescription(fleet, description string) string {
	if description == "" {
		return OwnerMarker(fleet)
	}
	return description + " " + OwnerMarker(fleet)
}

// MaxDescription is the API's description limit. A notebook's description
// must leave room for " " + OwnerMarker(fleet).
const MaxDescription = 512
