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
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
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
	// EndpointAt is where target.endpoint is set in the file (zero when it
	// is not): nbfleet refuses to send credentials to it unless it is the
	// endpoint the user chose, and says where it came from.
	EndpointAt Origin
	// Notebooks are the expanded notebooks in declaration order, defaults
	// merged, templates rendered, hook script files read and base64-encoded.
	// Names are unique.
	Notebooks []Notebook
	// Labels are the label names the notebooks use, in the order the fleet
	// file first gives them (entries in order; an entry's own labels before
	// those it takes from defaults): the order people wrote, for outputs
	// that show one label first. Nil when the fleet declares none.
	Labels []string
	// Warnings are problems that did not stop the fleet from loading (roster
	// rows skipped because every cell is empty), in the order found. The
	// caller shows them; spec never prints.
	Warnings []Warning
}

// Target says where the fleet lives. Empty fields are filled from the
// environment by the caller (see package modelarts).
type Target struct {
	// Cloud is target.cloud, else the cloud of a known region (eu-de is
	// otc), else "huaweicloud".
	Cloud       string `json:"cloud,omitempty" yaml:"cloud,omitempty"`
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
	// Flavor is the preferred flavor: Flavors[0].
	Flavor string `json:"flavor,omitempty"`
	// Flavors are the flavors in order of preference (`flavor` may be a
	// list); at least one, the first being Flavor. The others are
	// fallbacks for when it is sold out or not offered. Documents give
	// them only when there is more than one.
	Flavors []string `json:"flavors,omitempty"`
	ImageID string   `json:"image_id,omitempty"`
	Feature string   `json:"feature,omitempty"` // "NOTEBOOK" (default) or "DEFAULT"
	PoolID  string   `json:"pool_id,omitempty"`
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
	// RestartAfterLease asks for the notebook to run again after its lease
	// stopped it (`restart_after_lease`, default false: a notebook stopped
	// by its lease stays stopped).
	RestartAfterLease bool `json:"restart_after_lease,omitempty"`
	// Labels are nbfleet's own name → value pairs (`labels`, values
	// rendered per roster row), shown in outputs and never sent to the
	// cloud. Nil when the fleet gives none.
	Labels map[string]string `json:"labels,omitempty"`
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

// markerHooksTag introduces the hooks digest inside a marker.
const markerHooksTag = " h="

// HooksDigestLen is the length of HooksDigest's result.
const HooksDigestLen = 8

// OwnerMarker returns the ownership marker of fleet without a hooks
// digest, e.g. "[nbfleet:ml101-fall]": what every marker of the fleet
// starts with, less its closing bracket, and the whole marker of a
// notebook that declares no hooks.
func OwnerMarker(fleet string) string { return Marker(fleet, "") }

// Marker returns the ownership marker nbfleet appends to the description
// of a notebook of fleet: "[nbfleet:FLEET]", or "[nbfleet:FLEET h=DIGEST]"
// when the notebook declares hooks, DIGEST being HooksDigest of them. The
// service never returns hooks (real-service.md rule 7), so the digest of
// what nbfleet last set is how it sees that the declared hooks changed.
// A marker holds only letters, digits, '-', '_', ':', '=', '[', ']' and a
// space: none of the characters the API forbids in a description
// (& < > " ' /).
func Marker(fleet, hooksDigest string) string {
	if hooksDigest == "" {
		return MarkerPrefix + fleet + "]"
	}
	return MarkerPrefix + fleet + markerHooksTag + hooksDigest + "]"
}

// ParseMarker reads the marker at the end of a notebook's description
// ("… [nbfleet:ml101]", "… [nbfleet:ml101 h=0a1b2c3d]" or the marker alone):
// the user's description before it (without the separating space), the
// fleet and the hooks digest ("" for none). ok is false when the
// description ends with no well-formed marker.
func ParseMarker(description string) (user, fleet, hooksDigest string, ok bool) {
	d := description
	if !strings.HasSuffix(d, "]") {
		return d, "", "", false
	}
	i := strings.LastIndex(d, MarkerPrefix)
	if i < 0 {
		return d, "", "", false
	}
	inner := d[i+len(MarkerPrefix) : len(d)-1]
	fleet, digest, tagged := strings.Cut(inner, markerHooksTag)
	if fleet == "" || strings.ContainsAny(fleet, "[] ") {
		return d, "", "", false
	}
	if tagged && (len(digest) != HooksDigestLen || strings.Trim(digest, "0123456789abcdef") != "") {
		return d, "", "", false
	}
	return strings.TrimSuffix(d[:i], " "), fleet, digest, true
}

// HooksDigest returns HooksDigestLen hex characters of the SHA-256 of
// hooks in a canonical form (hook type upper case, SCRIPT when empty), or
// "" when h declares no hook.
func HooksDigest(h *Hooks) string {
	if h == nil || h.PreStart == nil && h.PostStart == nil {
		return ""
	}
	var b strings.Builder
	for _, x := range []struct {
		name string
		h    *Hook
	}{{"pre_start", h.PreStart}, {"post_start", h.PostStart}} {
		if x.h == nil {
			continue
		}
		typ := strings.ToUpper(x.h.Type)
		if typ == "" {
			typ = "SCRIPT"
		}
		fmt.Fprintf(&b, "%s\x00%s\x00%s\x00", x.name, typ, x.h.Script)
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])[:HooksDigestLen]
}

// MarkedDescription returns the description nbfleet sends for notebook nb
// of fleet: its user description, a space and its Marker (with the digest
// of its hooks), or the marker alone when it has no description.
func MarkedDescription(fleet string, nb *Notebook) string {
	m := Marker(fleet, HooksDigest(nb.Hooks))
	if nb.Description == "" {
		return m
	}
	return nb.Description + " " + m
}

// MaxDescription is the API's description limit. A notebook's description
// must leave room for " " + the longest marker of its fleet (DescriptionRoom).
const MaxDescription = 512

// DescriptionRoom is how many characters of a notebook's own description
// fit before the marker of fleet within MaxDescription. It leaves room for
// a hooks digest whether or not the notebook declares hooks, so that
// adding hooks later never makes a valid description too long.
func DescriptionRoom(fleet string) int {
	return MaxDescription - 1 - utf8.RuneCountInString(Marker(fleet, strings.Repeat("0", HooksDigestLen)))
}
