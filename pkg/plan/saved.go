package plan

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nbfleet/nbfleet/internal/atomicfile"
	"github.com/nbfleet/nbfleet/internal/safetext"
	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

// SavedKind is the "kind" of a saved plan document.
const SavedKind = "nbfleet-plan"

// ErrStale is wrapped by (*Saved).CheckFresh when the fleet file or the
// notebooks a saved plan read have changed since: the plan is not what
// would be planned now, so it must not be applied.
var ErrStale = errors.New("the saved plan is stale")

// ErrApplied is wrapped by (*Saved).Claim for a saved plan that has already
// been applied, or claimed by a run that is applying it.
var ErrApplied = errors.New("the saved plan has already been applied")

// ErrCorrupt is wrapped by Open when the file is not a saved plan, or its
// checksum does not match its content (it was damaged or edited by hand),
// or its signature does not match the key.
var ErrCorrupt = errors.New("not a valid saved plan")

// ErrKey is wrapped by Open when the plan's signature and the key do not
// go together: a signed plan opened without a key, or a plan without a
// signature opened with one (made without the key, or its signature
// stripped by an edit).
var ErrKey = errors.New("the saved plan's signature and the key do not go together")

// MinKeyLen is the shortest signing key Save and Open accept, in bytes.
const MinKeyLen = 16

// Checksum prefixes: a plain digest detects damage; a signature made with
// the user's key also detects an edit by anyone who does not hold it.
const (
	digestPrefix    = "sha256:"
	signaturePrefix = "hmac-sha256:"
)

// Meta is what Save records besides the plan.
type Meta struct {
	// CreatedAt is when the plan was made (the package reads no clock).
	CreatedAt time.Time
	// FleetFile is the fleet file's path, as given on the command line
	// (relative to the working directory). Save records it relative to the
	// saved plan's directory.
	FleetFile string
	// FleetFingerprint is FleetFingerprint of the fleet the plan was made from.
	FleetFingerprint string
	// Target is where the plan applies, after the environment filled it.
	Target spec.Target
	// Workspaces are the workspaces the refresh listed (see Workspaces);
	// apply lists the same ones to check the plan is fresh.
	Workspaces []string
	// Live is every notebook the refresh read. Save records a snapshot of
	// those whose name the plan mentions; never their tokens.
	Live []modelarts.Notebook
	// Key, when set, signs the plan (HMAC-SHA256): Open then needs the same
	// key, and refuses any edit by someone who does not hold it. At least
	// MinKeyLen bytes.
	Key []byte
}

// SavedTarget is the target of a saved plan. It holds no credentials.
type SavedTarget struct {
	Cloud       string `json:"cloud,omitempty"`
	Region      string `json:"region,omitempty"`
	Endpoint    string `json:"endpoint,omitempty"`
	ProjectID   string `json:"project_id,omitempty"`
	WorkspaceID string `json:"workspace_id,omitempty"`
	// Workspaces are the workspaces the refresh listed.
	Workspaces []string `json:"workspaces,omitempty"`
}

// LiveSnapshot is what a saved plan remembers of one live notebook: enough
// to tell whether it changed, nothing secret.
type LiveSnapshot struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Status   string `json:"status"`
	UpdateAt int64  `json:"update_at,omitempty"`
	// Fields is a hash of the fields the plan compares.
	Fields string `json:"fields"`
}

// Saved is a saved plan read back by Open. It holds everything apply
// needs: the target, the plan with the notebooks its steps send, and what
// to check the plan against; the fleet file is needed only to tell whether
// it changed since.
type Saved struct {
	FormatVersion int        `json:"format_version"`
	Kind          string     `json:"kind"`
	CreatedAt     time.Time  `json:"created_at"`
	AppliedAt     *time.Time `json:"applied_at,omitempty"`
	Fleet         string     `json:"fleet"`
	// FleetFile is the fleet file's path relative to the saved plan's
	// directory, or absolute; FleetPath resolves it.
	FleetFile        string         `json:"fleet_file"`
	FleetFingerprint string         `json:"fleet_fingerprint"`
	Target           SavedTarget    `json:"target"`
	Live             []LiveSnapshot `json:"live"`
	Plan             *Plan          `json:"plan"`
	// Checksum is "sha256:" and the hex SHA-256 of the document encoded
	// with Checksum empty, or, for a plan saved with a key,
	// "hmac-sha256:" and the hex HMAC-SHA256 of it under that key.
	Checksum string `json:"checksum"`

	// path is the file Open read; key the key it was opened with.
	path string
	key  []byte
}

// Signed reports whether the plan was saved with a key (and Open checked
// its signature).
func (s *Saved) Signed() bool { return strings.HasPrefix(s.Checksum, signaturePrefix) }

// Applied reports whether a run has claimed this plan (Claim).
func (s *Saved) Applied() bool { return s.AppliedAt != nil }

// FleetPath returns the path of the fleet file the plan was made from,
// resolved from the saved plan's directory: the plan applies from any
// working directory.
func (s *Saved) FleetPath() string {
	if s.FleetFile == "" || filepath.IsAbs(s.FleetFile) {
		return s.FleetFile
	}
	return filepath.Join(filepath.Dir(s.path), s.FleetFile)
}

// Save writes p with meta to path as a saved plan (JSON, mode 0600),
// atomically: a reader sees the old file or the new one.
func Save(path string, p *Plan, meta Meta) error {
	names := map[string]bool{}
	for i := range p.Changes {
		names[p.Changes[i].Name] = true
	}
	s := &Saved{
		FormatVersion:    FormatVersion,
		Kind:             SavedKind,
		CreatedAt:        meta.CreatedAt.UTC(),
		Fleet:            p.Fleet,
		FleetFile:        relativeTo(path, meta.FleetFile),
		FleetFingerprint: meta.FleetFingerprint,
		Target: SavedTarget{
			Cloud: meta.Target.Cloud, Region: meta.Target.Region, Endpoint: meta.Target.Endpoint,
			ProjectID: meta.Target.ProjectID, WorkspaceID: meta.Target.WorkspaceID,
			Workspaces: meta.Workspaces,
		},
		Live: snapshots(meta.Live, names),
		Plan: p,
		key:  meta.Key,
	}
	if err := checkKey(meta.Key); err != nil {
		return fmt.Errorf("save plan %s: %w", path, err)
	}
	return write(path, s)
}

func checkKey(key []byte) error {
	if key != nil && len(key) < MinKeyLen {
		return fmt.Errorf("the signing key is %d bytes; use at least %d (e.g. openssl rand -hex 32)", len(key), MinKeyLen)
	}
	return nil
}

// relativeTo returns file (relative to the working directory) relative to
// the directory of the saved plan at planPath, or absolute when there is
// no relative path.
func relativeTo(planPath, file string) string {
	if file == "" {
		return ""
	}
	absFile, err1 := filepath.Abs(file)
	absDir, err2 := filepath.Abs(filepath.Dir(planPath))
	if err1 != nil || err2 != nil {
		return file
	}
	if rel, err := filepath.Rel(absDir, absFile); err == nil {
		return filepath.ToSlash(rel)
	}
	return absFile
}

func snapshots(live []modelarts.Notebook, names map[string]bool) []LiveSnapshot {
	out := []LiveSnapshot{}
	for i := range live {
		l := &live[i]
		if !names[l.Name] {
			continue
		}
		out = append(out, LiveSnapshot{ID: l.ID, Name: l.Name, Status: l.Status, UpdateAt: l.UpdateAt, Fields: liveHash(l)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// liveHash hashes the fields of a live notebook that Diff compares.
func liveHash(l *modelarts.Notebook) string {
	v := struct {
		Description, Flavor, Image, Pool, Workspace, Feature string
		Volume                                               *modelarts.VolumeRes
		Endpoints                                            any
	}{Description: l.Description, Flavor: l.Flavor, Workspace: l.WorkspaceID, Feature: l.Feature,
		Volume: l.Volume, Endpoints: normEndpoints(l.Endpoints)}
	if l.Image != nil {
		v.Image = l.Image.ID
	}
	if l.Pool != nil {
		v.Pool = l.Pool.ID
	}
	b, _ := json.Marshal(v) // plain values: cannot fail
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:16])
}

func write(path string, s *Saved) error {
	s.Checksum = ""
	body, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("save plan %s: %w", path, err)
	}
	s.Checksum = sum(body, s.key)
	out, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("save plan %s: %w", path, err)
	}
	// The same document, inert when someone prints it (safetext.JSON):
	// the checksum is over the values, not this encoding.
	out = append(safetext.JSON(out), '\n')
	if err := atomicfile.WriteFile(path, out, 0o600); err != nil {
		return fmt.Errorf("save plan: %w", err)
	}
	return nil
}

func checksum(b []byte) string {
	sum := sha256.Sum256(b)
	return digestPrefix + hex.EncodeToString(sum[:])
}

// sum is the checksum of a saved plan's body: its signature under key, or
// its digest without one.
func sum(body, key []byte) string {
	if key == nil {
		return checksum(body)
	}
	m := hmac.New(sha256.New, key)
	m.Write(body)
	return signaturePrefix + hex.EncodeToString(m.Sum(nil))
}

// maxSaved bounds what Open reads: a plan for tens of thousands of
// notebooks is far smaller.
const maxSaved = 256 << 20

// Open reads a saved plan. A file that is not a saved plan, has an unknown
// format_version, or whose checksum does not match (damaged or edited by
// hand) is refused with an error wrapping ErrCorrupt. With key, the plan
// must carry a signature made with it (anything else wraps ErrKey, a
// signature that does not match ErrCorrupt); without, a signed plan is
// refused (ErrKey). An applied plan opens; check Applied.
func Open(path string, key []byte) (*Saved, error) {
	if err := checkKey(key); err != nil {
		return nil, fmt.Errorf("open saved plan %s: %w", path, err)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("open saved plan: %w", err)
	}
	if st.Size() > maxSaved {
		return nil, fmt.Errorf("open saved plan %s: %w: larger than %d bytes", path, ErrCorrupt, maxSaved)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("open saved plan: %w", err)
	}
	s, err := decode(b, key)
	if err != nil {
		return nil, fmt.Errorf("open saved plan %s: %w", path, err)
	}
	s.path = path
	return s, nil
}

func decode(b, key []byte) (*Saved, error) {
	var head struct {
		FormatVersion json.RawMessage `json:"format_version"` // "1" before version 2
		Kind          string          `json:"kind"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if head.Kind != SavedKind {
		return nil, fmt.Errorf("%w: kind is %q, want %q (is this a file written by nbfleet plan --out?)", ErrCorrupt, head.Kind, SavedKind)
	}
	if v := strings.Trim(string(head.FormatVersion), `"`); v != strconv.Itoa(FormatVersion) {
		return nil, fmt.Errorf("%w: format_version %s is not %d; make the plan again with this version of nbfleet", ErrCorrupt, v, FormatVersion)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	var s Saved
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: data after the document", ErrCorrupt)
	}
	want := s.Checksum
	s.Checksum = ""
	body, err := json.Marshal(&s)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	switch signed := strings.HasPrefix(want, signaturePrefix); {
	case signed && key == nil:
		return nil, fmt.Errorf("%w: the plan is signed, and NBFLEET_PLAN_KEY is not set: set it to the key the plan was made with", ErrKey)
	case !signed && key != nil:
		return nil, fmt.Errorf("%w: the plan carries no signature, and NBFLEET_PLAN_KEY is set: it was made without the key, or its signature was removed; make the plan again with the key", ErrKey)
	case signed && !hmac.Equal([]byte(sum(body, key)), []byte(want)):
		return nil, fmt.Errorf("%w: the signature does not match: the file was edited or damaged, or signed with another key; make the plan again with nbfleet plan --out", ErrCorrupt)
	case !signed && checksum(body) != want:
		return nil, fmt.Errorf("%w: the checksum does not match the content: the file was damaged or edited by hand; make the plan again with nbfleet plan --out", ErrCorrupt)
	}
	s.Checksum = want
	s.key = key
	if s.Plan == nil {
		return nil, fmt.Errorf("%w: no plan in the file", ErrCorrupt)
	}
	if err := s.Plan.validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	for i := range s.Plan.Changes {
		if err := s.Plan.Changes[i].derive(); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
	}
	return &s, nil
}

// validate checks what the executor relies on: known actions and steps
// that carry their requests.
func (p *Plan) validate() error {
	for i := range p.Changes {
		c := &p.Changes[i]
		if c.Action < NoOp || c.Action > Conflict {
			return fmt.Errorf("change %d (%s): unknown action", i, c.Name)
		}
		for j, s := range c.Steps {
			switch s.Op {
			case StepCreate, StepUpdate:
				if c.Notebook == nil {
					return fmt.Errorf("change %d (%s): step %d: %s without a notebook", i, c.Name, j, s.Op)
				}
			case StepDelete, StepStop, StepStart, StepWait:
			default:
				return fmt.Errorf("change %d (%s): step %d: unknown op %q", i, c.Name, j, s.Op)
			}
		}
	}
	return nil
}

// Claim marks the saved plan as applied at the given time, so that no
// other run applies it: it reads the file again, refuses (wrapping
// ErrApplied) when a run claimed it already, and refuses when the file
// changed since s was read; then it rewrites the file atomically with
// applied_at set. A run claims a plan under the fleet lock, after checking
// it is fresh and before carrying it out, so that of two runs of one plan
// exactly one carries it out.
func (s *Saved) Claim(at time.Time) error {
	cur, err := Open(s.path, s.key)
	if err != nil {
		return err
	}
	if cur.Applied() {
		return fmt.Errorf("%s: %w (at %s)", s.path, ErrApplied, cur.AppliedAt.Format(time.RFC3339))
	}
	if cur.Checksum != s.Checksum {
		return fmt.Errorf("%s: the saved plan changed since it was read; make a new plan", s.path)
	}
	t := at.UTC()
	cur.AppliedAt = &t
	if err := write(s.path, cur); err != nil {
		return err
	}
	s.AppliedAt = &t
	return nil
}

// CheckFresh compares the saved plan with the fleet's fingerprint now and
// the live notebooks a refresh reads now. When anything the plan depends
// on changed it returns an error wrapping ErrStale that names every change:
// the fleet file changed, a notebook changed status or fields, a notebook
// the plan names appeared or is gone.
func (s *Saved) CheckFresh(fleetFingerprint string, live []modelarts.Notebook) error {
	var why []string
	if fleetFingerprint != s.FleetFingerprint {
		why = append(why, fmt.Sprintf("the fleet file %s changed", s.FleetPath()))
	}
	names := map[string]bool{}
	for i := range s.Plan.Changes {
		names[s.Plan.Changes[i].Name] = true
	}
	now := map[string]LiveSnapshot{}
	for _, n := range snapshots(live, names) {
		now[n.ID] = n
	}
	then := map[string]bool{}
	for _, old := range s.Live {
		then[old.ID] = true
		cur, ok := now[old.ID]
		switch {
		case !ok:
			why = append(why, fmt.Sprintf("notebook %s (%s) is gone", old.Name, old.ID))
		case cur.Status != old.Status:
			why = append(why, fmt.Sprintf("notebook %s (%s) changed status %s→%s", old.Name, old.ID, old.Status, cur.Status))
		case cur.Name != old.Name:
			why = append(why, fmt.Sprintf("notebook %s (%s) was renamed to %s", old.Name, old.ID, cur.Name))
		case cur.Fields != old.Fields || cur.UpdateAt != old.UpdateAt:
			why = append(why, fmt.Sprintf("notebook %s (%s) was modified", old.Name, old.ID))
		}
	}
	var added []LiveSnapshot
	for _, n := range now {
		if !then[n.ID] {
			added = append(added, n)
		}
	}
	sort.Slice(added, func(i, j int) bool { return added[i].Name+added[i].ID < added[j].Name+added[j].ID })
	for _, n := range added {
		why = append(why, fmt.Sprintf("a new notebook %s (%s) appeared", n.Name, n.ID))
	}
	if len(why) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s; run nbfleet plan again and review the new plan", ErrStale, strings.Join(why, "; "))
}

// FleetFingerprint returns "sha256:" and the hex SHA-256 of the expanded
// fleet: its name, target and notebooks, where each notebook was declared
// (Origin) and the file's path left out. Two loads of an unchanged fleet
// file give the same fingerprint.
func FleetFingerprint(f *spec.Fleet) string {
	nbs := make([]spec.Notebook, len(f.Notebooks))
	copy(nbs, f.Notebooks)
	for i := range nbs {
		nbs[i].Origin = spec.Origin{}
	}
	b, _ := json.Marshal(struct {
		Version   int
		Name      string
		Target    spec.Target
		Notebooks []spec.Notebook
	}{f.Version, f.Name, f.Target, nbs}) // plain values: cannot fail
	return checksum(b)
}

// IsSaved reports whether the file at path looks like a saved plan rather
// than a fleet file: saved plans are JSON objects, fleet files YAML
// mappings in block style. A file that cannot be read, or is not a regular
// file (a FIFO would block), is not a saved plan.
func IsSaved(path string) bool {
	if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() {
		return false
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	buf := make([]byte, 512)
	n, _ := f.Read(buf)
	for _, b := range buf[:n] {
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		case '{':
			return true
		}
		return false
	}
	return false
}
