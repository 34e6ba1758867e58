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
	// Warnings are problems that did not stop the fleet from loading (roster
	// rows skipped because every cell is empty), in the order found. The
	// caller shows them; spec never prints.
	Warnings []Warning
}

// Target says where the fleet lives. Empty fields are filled from the
// environment by the caller (see package modelarts).
type Target struct {
	Cloud       string // "huaweicloud" (default) or "otc"
	Region      string
	Endpoint    string
	ProjectID   string
	WorkspaceID string
}

// State is the desired run state of a notebook.
type State string

const (
	Running State = "running"
	Stopped State = "stopped"
)

// Notebook is one desired notebook after expansion. Field names follow the
// create call (CreateNotebook.rst) except where noted.
type Notebook struct {
	Name string
	// Description is the user's description, without the ownership marker.
	Description string
	// Flavor is the preferred flavor: Flavors[0].
	Flavor string
	// Flavors are the flavors in order of preference (`flavor` may be a
	// list); at least one, the first being Flavor. The others are
	// fallbacks for when it is sold out or not offered.
	Flavors     []string
	ImageID     string
	Feature     string // "NOTEBOOK" (default) or "DEFAULT"
	PoolID      string
	WorkspaceID string // from the entry, else the target, else "0"
	Volume      Volume
	Endpoints   []Endpoint
	Hooks       *Hooks
	Lease       *Lease
	// Duration is the create call's top-level auto-stop duration; zero when unset.
	Duration time.Duration
	State    State
	// Protect refuses any plan that deletes or replaces this notebook.
	Protect bool
	// RestartAfterLease asks for the notebook to run again after its lease
	// stopped it (`restart_after_lease`, default false: a notebook stopped
	// by its lease stays stopped).
	RestartAfterLease bool
	// Labels are nbfleet's own name → value pairs (`labels`, values
	// rendered per roster row), shown in outputs and never sent to the
	// cloud. Nil when the fleet gives none.
	Labels map[string]string
	// IgnoreChanges lists field paths (e.g. "image_id", "flavor",
	// "endpoints", "hooks", "description", "volume.capacity") whose live
	// value the plan does not compare.
	IgnoreChanges []string
	// Origin is where the notebook was declared.
	Origin Origin
}

// Volume is the create call's VolumeReq.
type Volume struct {
	Category  string // EVS, SFS, EFS, OBS, OBSFS (upper case)
	Ownership string // MANAGED or DEDICATED
	Capacity  int    // GB; zero when unset
	URI       string
	ID        string
}

// Endpoint is the create call's EndpointsReq, in the OTC spelling. The client
// sends the target cloud's spelling.
type Endpoint struct {
	DevService       string // NOTEBOOK or SSH
	SSHKeys          []string
	AllowedAccessIPs []string
}

// Hooks is the create call's CustomHooks.container_hooks.
type Hooks struct {
	PreStart  *Hook
	PostStart *Hook
}

// Hook is one container hook. For Type "COMMAND" Script is base64-encoded
// script content (a script_file is read and encoded by Load); for "SCRIPT"
// it is an absolute path inside the container.
type Hook struct {
	Script string
	Type   string // COMMAND or SCRIPT
}

// Lease is the auto-stop configuration.
type Lease struct {
	Duration time.Duration // 1h..72h; zero when unset
	Type     string        // "timing" or "idle"; empty when unset
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
