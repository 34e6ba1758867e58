package plan

import (
	"fmt"
	"path"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

// Options narrow or force a Diff.
type Options struct {
	// Replace lists notebook names to replace even when nothing forces it
	// (`--replace NAME`). A name whose live copy carries no marker is not
	// replaced: it becomes a conflict, as nbfleet never destroys a notebook
	// it does not own.
	Replace []string
	// Targets, when not empty, keep only changes whose name matches one of
	// these globs (path.Match syntax). Excludes drop changes whose name
	// matches one of these globs. Filtered-out changes are dropped from the
	// plan; a change on a kept name (a conflict included) is never hidden.
	Targets  []string
	Excludes []string
	// RestartAfterLease starts again the notebooks declared running that
	// their lease stopped (StoppedByLease), as restart_after_lease: true
	// does for one notebook (`apply --restart-after-lease`).
	RestartAfterLease bool
}

// Validate reports the first malformed glob of Targets and Excludes. Diff
// treats a malformed glob as matching nothing.
func (o Options) Validate() error {
	for _, g := range append(append([]string(nil), o.Targets...), o.Excludes...) {
		if _, err := path.Match(g, ""); err != nil {
			return fmt.Errorf("bad glob %q: %w", g, err)
		}
	}
	return nil
}

func (o Options) keep(name string) bool {
	match := func(globs []string) bool {
		for _, g := range globs {
			if ok, _ := path.Match(g, name); ok {
				return true
			}
		}
		return false
	}
	if len(o.Targets) > 0 && !match(o.Targets) {
		return false
	}
	return !match(o.Excludes)
}

// Diff compares the desired fleet with the live notebooks of its target
// and returns the plan. It is pure and deterministic: changes are sorted by
// name, then id, whatever the order of live, and no-ops are included.
//
// live is everything the refresh listed; notebooks outside the workspaces
// the fleet uses (the target's and the notebooks' workspace_id, "0" when
// empty) are ignored, and so are DELETED ones. See the package
// documentation for the ownership and field rules.
func Diff(desired *spec.Fleet, live []modelarts.Notebook, opts Options) *Plan {
	p := &Plan{FormatVersion: FormatVersion, Fleet: desired.Name, Changes: []Change{}}
	m := MatchFleet(desired, live, opts)
	forced := map[string]bool{}
	for _, n := range opts.Replace {
		forced[n] = true
	}
	byName := make(map[string]*spec.Notebook, len(desired.Notebooks))
	for i := range desired.Notebooks {
		byName[desired.Notebooks[i].Name] = &desired.Notebooks[i]
	}
	anyHooks := false
	var leased []string
	for _, dm := range m.Declared {
		nb := byName[dm.Name]
		anyHooks = anyHooks || nb.Hooks != nil
		c, leaseKept := diffOne(desired, nb, dm, forced[dm.Name], opts.RestartAfterLease)
		if leaseKept {
			leased = append(leased, c.Name)
		}
		p.Changes = append(p.Changes, c)
	}
	if anyHooks {
		p.Notes = append(p.Notes, NoteHooks)
	}
	if len(leased) > 0 {
		p.Notes = append(p.Notes, leaseNote(leased))
	}
	for _, l := range m.Orphans {
		if c, ok := prune(l); ok {
			p.Changes = append(p.Changes, c)
		}
	}
	sortChanges(p.Changes)
	return p
}

// fleetWorkspaces is the set of workspaces a fleet uses: the target's and
// every notebook's (spec.DefaultWorkspace when empty).
func fleetWorkspaces(f *spec.Fleet) map[string]bool {
	ws := map[string]bool{workspace(f.Target.WorkspaceID): true}
	for i := range f.Notebooks {
		ws[workspace(f.Notebooks[i].WorkspaceID)] = true
	}
	return ws
}

// Workspaces returns the workspaces a fleet uses, sorted: what a refresh
// must list.
func Workspaces(f *spec.Fleet) []string {
	var out []string
	for w := range fleetWorkspaces(f) {
		out = append(out, w)
	}
	sort.Strings(out)
	return out
}

// sortChanges puts changes in plan order: by name, then id.
func sortChanges(cs []Change) {
	sort.SliceStable(cs, func(i, j int) bool {
		a, b := &cs[i], &cs[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.ID < b.ID
	})
}

func workspace(id string) string {
	if id == "" {
		return spec.DefaultWorkspace
	}
	return id
}

// ignores reports whether nb's ignore_changes covers path.
func ignores(nb *spec.Notebook, path string) bool {
	for _, ig := range nb.IgnoreChanges {
		if path == ig || strings.HasPrefix(path, ig+".") {
			return true
		}
	}
	return false
}

func wantStatus(nb *spec.Notebook) string {
	if nb.State == spec.Stopped {
		return modelarts.StatusStopped
	}
	return modelarts.StatusRunning
}

// NoteHooks is the plan note of a fleet that declares hooks.
const NoteHooks = "hooks are write-only: the service never returns them, so nbfleet compares the declared hooks with the digest it recorded in each notebook's marker when it last set them; hooks changed outside nbfleet cannot be seen"

// resizing reports whether the live volume is growing (volume.status
// RESIZING): the notebook must not be changed again until it is done.
func resizing(l *modelarts.Notebook) bool {
	return l.Volume != nil && strings.EqualFold(l.Volume.Status, "RESIZING")
}

// settle maps a live status to the status it is heading to, and whether
// the notebook is busy (a wait step must come first). ok is false for
// statuses the plan does not act on from here.
func settle(status string) (eff string, busy, ok bool) {
	switch status {
	case modelarts.StatusRunning, modelarts.StatusStopped:
		return status, false, true
	case modelarts.StatusInit, modelarts.StatusCreating, modelarts.StatusStarting, modelarts.StatusSnapshotting:
		return modelarts.StatusRunning, true, true
	case modelarts.StatusStopping:
		return modelarts.StatusStopped, true, true
	case modelarts.StatusStartFailed:
		// The service did not start it: it is stopped, with its storage,
		// and takes a start (or a stop-only update) as a STOPPED one does.
		return modelarts.StatusStopped, false, true
	}
	return "", false, false
}

// broken reports a live status only a replace gets out of. START_FAILED
// is not one: the notebook and its storage are fine, a start retries it.
func broken(status string) bool {
	switch status {
	case modelarts.StatusCreateFailed, modelarts.StatusError:
		return true
	}
	return false
}

// leaseSlack is how much earlier than its lease's stop time a notebook may
// have stopped and still count as stopped by its lease: the service's
// lease check is not to the millisecond.
const leaseSlack = time.Minute

// StoppedByLease reports whether the service stopped the live notebook l
// because its lease ran out, and the lease's stop time. The rule, from
// what the service returns (real-service.md rules 13–15): l is STOPPED
// (or STOPPING), its lease is enabled with a positive duration, and its
// last change (update_at) came no earlier than the lease's stop time,
// lease.create_at + lease.duration, less leaseSlack. A notebook a person
// stopped earlier stopped before that time, and a start or renew moves the
// stop time forward, so a notebook started again and then stopped by hand
// is not taken for one the lease stopped. See the package documentation
// for the limits.
func StoppedByLease(l *modelarts.Notebook) (time.Time, bool) {
	if l.Status != modelarts.StatusStopped && l.Status != modelarts.StatusStopping {
		return time.Time{}, false
	}
	ls := l.Lease
	if ls == nil || !ls.Enable || ls.Duration <= 0 || ls.CreateAt <= 0 || l.UpdateAt <= 0 {
		return time.Time{}, false
	}
	stop := ls.CreateAt + ls.Duration
	if l.UpdateAt < stop-leaseSlack.Milliseconds() {
		return time.Time{}, false
	}
	return time.UnixMilli(stop).UTC(), true
}

// leaseNote is the plan note naming the notebooks left stopped by their
// lease (at most five names).
func leaseNote(names []string) string {
	list := strings.Join(names, ", ")
	if len(names) > 5 {
		list = fmt.Sprintf("%s and %d more", strings.Join(names[:5], ", "), len(names)-5)
	}
	what := "1 notebook was stopped by its lease and stays stopped"
	if len(names) > 1 {
		what = fmt.Sprintf("%d notebooks were stopped by their lease and stay stopped", len(names))
	}
	return what + ", which is not drift (" + list + "); restart_after_lease: true in the fleet file, or apply --restart-after-lease, starts them again"
}

func statusWithReason(l *modelarts.Notebook) string {
	if l.FailReason == "" {
		return l.Status
	}
	return fmt.Sprintf("%s (fail_reason: %s)", l.Status, l.FailReason)
}

const destroyWarning = "REPLACING DESTROYS THE NOTEBOOK'S STORAGE: everything saved in it is lost"

// diffOne plans one declared name. leaseKept reports a notebook declared
// running that its lease stopped and that is left stopped.
func diffOne(f *spec.Fleet, nb *spec.Notebook, m Match, forced, restartLeased bool) (Change, bool) {
	c := Change{Name: nb.Name, WantStatus: wantStatus(nb), Labels: nb.Labels}
	conflict := func(format string, args ...any) (Change, bool) {
		c.Action = Conflict
		c.Reason = fmt.Sprintf(format, args...)
		c.IDs = m.IDs()
		c.Steps = nil
		c.Fields = nil
		c.DestroysData = false
		return c, false
	}
	switch m.Verdict {
	case Absent:
		c.Action = Create
		c.Reason = "declared, not live"
		if len(nb.Flavors) > 1 {
			c.Reason += "; flavor " + flavorChoice(nb.Flavors)
		}
		for _, d := range m.Deleting {
			c.Steps = append(c.Steps, Step{Op: StepWait, ID: d.ID})
			c.Reason += fmt.Sprintf("; waits for the old copy %s to finish deleting", d.ID)
		}
		c.Steps = append(c.Steps, createSteps(nb)...)
		return c.sending(f, nb), false
	case Duplicate:
		return conflict("%d live notebooks are named %q (ids %s): nbfleet touches none of them; delete or rename the extra ones by hand",
			len(m.Present), nb.Name, strings.Join(m.IDs(), ", "))
	}
	l := m.Live
	c.ID = l.ID
	if m.Verdict == Foreign {
		return conflict("the live notebook %s belongs to fleet %q (its description ends with %s): nbfleet never touches another fleet's notebook",
			l.ID, m.Owner, spec.OwnerMarker(m.Owner))
	}
	adopt := m.Verdict == Unowned
	switch l.Status {
	case modelarts.StatusFrozen:
		return conflict("the account is frozen (in arrears, ModelArts.6326): nothing can change %s until the account is settled", l.ID)
	case modelarts.StatusDeleteFailed:
		return conflict("deleting %s failed earlier (%s): check it in the console and delete it by hand", l.ID, statusWithReason(l))
	}
	if adopt {
		if ssh := foreignSSH(nb, l); ssh != "" {
			return conflict("the live notebook %s was not created by nbfleet (no %s marker) and has SSH access the fleet does not declare (%s): adopting it would hand out a notebook someone else can log in to; delete it by hand, or declare that SSH endpoint in the fleet file to adopt it as it is",
				l.ID, spec.OwnerMarker(f.Name), ssh)
		}
	}
	fields := compareFields(nb, l)
	var causes []string
	if broken(l.Status) {
		causes = append(causes, "live status "+statusWithReason(l))
	} else if _, _, ok := settle(l.Status); !ok {
		return conflict("the live notebook %s has status %q, which nbfleet does not know how to handle", l.ID, l.Status)
	}
	for _, fc := range fields {
		if fc.Forces == "replace" {
			causes = append(causes, fc.Path+" cannot change in place")
		}
	}
	if forced {
		causes = append(causes, "replace forced (--replace)")
	}
	if len(causes) > 0 {
		if adopt {
			return conflict("the live notebook %s was not created by nbfleet (no %s marker) and would have to be replaced (%s): nbfleet never destroys a notebook it does not own; delete it by hand or change the fleet file to match it",
				l.ID, spec.OwnerMarker(f.Name), strings.Join(causes, "; "))
		}
		c.Action = Replace
		c.Fields = fields
		c.DestroysData = true
		c.Protected = nb.Protect
		c.Reason = strings.Join(causes, "; ") + "; " + destroyWarning
		if len(nb.Flavors) > 1 {
			c.Reason += "; created again with flavor " + flavorChoice(nb.Flavors)
		}
		if _, busy, _ := settle(l.Status); busy {
			c.Steps = append(c.Steps, Step{Op: StepWait})
		}
		c.Steps = append(c.Steps, Step{Op: StepDelete})
		c.Steps = append(c.Steps, createSteps(nb)...)
		return c.sending(f, nb), false
	}
	leaseStart, leaseKept := "", false
	if at, ok := StoppedByLease(l); ok && c.WantStatus == modelarts.StatusRunning && !ignores(nb, "state") {
		stamp := at.Format(time.RFC3339)
		switch {
		case nb.RestartAfterLease:
			leaseStart = fmt.Sprintf("stopped by its lease at %s; restart_after_lease: start it again", stamp)
		case restartLeased:
			leaseStart = fmt.Sprintf("stopped by its lease at %s; --restart-after-lease: start it again", stamp)
		default:
			// Not drift: the fleet's lease did what it was declared for.
			c.WantStatus = modelarts.StatusStopped
			c.Note = fmt.Sprintf("stopped by its lease at %s; left stopped (restart_after_lease: true, or apply --restart-after-lease, starts it again)", stamp)
			leaseKept = true
		}
	}
	return inPlace(f, nb, l, c, fields, adopt, leaseStart), leaseKept
}

// flavorChoice says a list of flavors in order of preference.
func flavorChoice(flavors []string) string {
	return flavors[0] + ", else " + strings.Join(flavors[1:], ", else ") + " (in order of preference, the first offered and not sold out)"
}

// foreignSSH describes the live SSH access of an unmarked notebook (key
// pairs, allowed IPs) when the fleet declares no SSH endpoint for it, and
// is "" otherwise. Such a notebook was set up by someone else ("squatted"
// under a declared name): adopting it would keep their way in. Diff makes
// it a conflict rather than clearing the endpoint on its own: whoever
// could log in may also have left things in the notebook's storage, which
// nbfleet cannot clear; a person must decide.
func foreignSSH(nb *spec.Notebook, l *modelarts.Notebook) string {
	for _, e := range nb.Endpoints {
		if strings.EqualFold(e.DevService, "SSH") {
			return ""
		}
	}
	var parts []string
	for _, e := range l.Endpoints {
		if !strings.EqualFold(e.Service, "SSH") || len(e.KeyPairNames)+len(e.AllowedAccessIPs) == 0 {
			continue
		}
		p := "key pairs " + strings.Join(e.KeyPairNames, ", ")
		if len(e.KeyPairNames) == 0 {
			p = "no key pair"
		}
		if len(e.AllowedAccessIPs) > 0 {
			p += "; allowed IPs " + strings.Join(e.AllowedAccessIPs, ", ")
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, " / ")
}

// GrowthSteps returns the capacities (GB) of the storage_new_size updates
// that grow a volume from have to want: steps of at most
// modelarts.MaxGrowthStep GB, the last one want. Empty when want <= have.
func GrowthSteps(have, want int) []int {
	var out []int
	for have < want {
		have = min(have+modelarts.MaxGrowthStep, want)
		out = append(out, have)
	}
	return out
}

// inPlace plans an update, adopt, start, stop or no-op of a live notebook
// owned by (or adoptable into) the fleet, under the service's rules
// (real-service.md rule 12): flavor, image_id and endpoints change only
// while stopped; a volume grows only while RUNNING, by at most 100 GB per
// request, one request after the other as each RESIZING ends; the
// description and hooks change in either state. Each kind goes in its own
// PUT.
//
// leaseStart, when set, is why a notebook its lease stopped is started.
func inPlace(f *spec.Fleet, nb *spec.Notebook, l *modelarts.Notebook, c Change, fields []FieldChange, adopt bool, leaseStart string) Change {
	eff, busy, _ := settle(l.Status)
	busy = busy || resizing(l)
	running := eff == modelarts.StatusRunning
	if ignores(nb, "state") {
		// Whatever it is heading to is as good as declared.
		c.WantStatus = eff
	}
	wantRunning := c.WantStatus == modelarts.StatusRunning
	live := l.Status
	if l.Status == modelarts.StatusStartFailed {
		live = statusWithReason(l)
	}
	if adopt {
		fields = append(fields, FieldChange{Path: "marker", Before: nil, After: spec.Marker(f.Name, spec.HooksDigest(nb.Hooks))})
	}
	var stopOnly, free, changed []string
	var grow *FieldChange
	newHooks := false
	for i, fc := range fields {
		switch fc.Forces {
		case "stop":
			stopOnly = append(stopOnly, fc.Path)
		case "running":
			grow = &fields[i]
		default:
			free = append(free, fc.Path)
		}
		if fc.Path != "marker" {
			changed = append(changed, fc.Path)
		}
		newHooks = newHooks || fc.Path == "hooks"
	}
	c.Fields = fields
	if busy {
		c.Steps = append(c.Steps, Step{Op: StepWait})
	}
	var why []string
	if adopt {
		why = append(why, fmt.Sprintf("exists without an ownership marker: adopt it (add %s to its description)", spec.OwnerMarker(f.Name)))
	}
	if len(changed) > 0 {
		why = append(why, strings.Join(changed, ", ")+" differ")
	}
	lease := leaseRequest(nb)
	started, stopped := false, false
	var keep []spec.Endpoint
	put := func(paths []string) {
		if slices.Contains(paths, "endpoints") {
			// A PUT replaces every endpoint: the notebook sent keeps the
			// live ones of the services the fleet does not declare.
			keep = otherServices(l.Endpoints, endpoints(nb.Endpoints))
		}
		c.Steps = append(c.Steps, Step{Op: StepUpdate, Fields: paths})
	}
	start := func() {
		c.Steps = append(c.Steps, Step{Op: StepStart})
		started = true
	}
	stop := func() {
		c.Steps = append(c.Steps, Step{Op: StepStop})
		stopped = true
	}
	growVolume := func() {
		have, want := grow.Before.(int), grow.After.(int)
		sizes := GrowthSteps(have, want)
		for _, size := range sizes {
			c.Steps = append(c.Steps, Step{Op: StepUpdate, Fields: []string{"volume.capacity"}, Size: size})
		}
		why = append(why, fmt.Sprintf("the volume grows from %d to %d GB in %d step(s) of at most %d GB while running, waiting out RESIZING after each (the service grows a volume only while the notebook runs)",
			have, want, len(sizes), modelarts.MaxGrowthStep))
	}
	// An adopt's first call is the PUT that adds the marker: the executor
	// re-checks ownership before every call and touches an unmarked
	// notebook only with the update that marks it.
	if running {
		if len(free) > 0 && (len(stopOnly) == 0 || adopt) {
			put(free)
		}
		if grow != nil {
			growVolume()
		}
		switch {
		case len(stopOnly) > 0:
			stop()
			if adopt {
				put(stopOnly)
			} else {
				put(append(append([]string(nil), stopOnly...), free...))
			}
			if wantRunning {
				start()
				why = append(why, strings.Join(stopOnly, ", ")+" can only change while stopped: stop, update, start")
			} else {
				why = append(why, strings.Join(stopOnly, ", ")+" can only change while stopped: stop, update; it stays stopped as declared")
			}
		case !wantRunning:
			if len(c.Steps) > 0 && (len(c.Steps) > 1 || !busy) {
				why = append(why, "then stop: declared stopped, live "+live)
			} else {
				why = append(why, "declared stopped, live "+live)
			}
			stop()
		}
	} else {
		if len(stopOnly)+len(free) > 0 {
			put(append(append([]string(nil), stopOnly...), free...))
		}
		switch {
		case grow != nil:
			start()
			growVolume()
			if wantRunning {
				why = append(why, "started to grow the volume, as it is declared running")
			} else {
				stop()
				why = append(why, "started only to grow the volume, then stopped again as declared")
			}
		case wantRunning:
			start()
			switch {
			case leaseStart != "":
				why = append(why, leaseStart)
			case len(stopOnly)+len(free) > 0:
				why = append(why, "updated while stopped, then started as declared")
			default:
				why = append(why, "declared running, live "+live)
			}
			if l.Status == modelarts.StatusStartFailed {
				why = append(why, "the start is tried again and the notebook's storage kept ('nbfleet apply --replace "+c.Name+"' deletes and re-creates it, destroying its storage)")
			}
		}
	}
	if c.Note != "" && len(c.Steps) > 0 && !(len(c.Steps) == 1 && busy) {
		why = append(why, c.Note)
	}
	if newHooks {
		why = append(why, "the new hooks take effect when the notebook next starts")
	}
	if started && lease == nil {
		why = append(why, "the start uses the service's default auto-stop of 1 h (the notebook declares no lease)")
	}
	switch {
	case len(c.Steps) == 0 || len(c.Steps) == 1 && busy:
		// Nothing to change. A busy notebook keeps its wait: it is not
		// done until it settles, and it may settle as a failure
		// (CREATING → CREATE_FAILED), so apply waits and reports how it
		// ended (InProgress).
		c.Action = NoOp
		c.Reason = "matches the fleet file"
		switch {
		case c.Note != "":
			c.Reason = c.Note
		case l.Status == modelarts.StatusStartFailed:
			c.Reason += " (live " + live + ": not running, as declared)"
		}
		if busy {
			c.Reason += fmt.Sprintf(" (live %s, heading to %s)", l.Status, eff)
			if resizing(l) {
				c.Reason += "; its volume is RESIZING"
			}
			c.Reason += "; apply waits for it to settle"
		} else {
			c.Steps = nil
		}
		return c
	case adopt:
		c.Action = Adopt
	case len(fields) > 0:
		c.Action = Update
	case started:
		c.Action = Start
	case stopped:
		c.Action = Stop
	}
	if busy {
		what := l.Status
		if resizing(l) {
			what = "volume RESIZING"
		}
		why = append(why, fmt.Sprintf("waits for it to leave %s first", what))
	}
	c.Reason = strings.Join(why, "; ")
	return c.sending(f, nb, keep...)
}

func createSteps(nb *spec.Notebook) []Step {
	s := []Step{{Op: StepCreate}}
	if nb.State == spec.Stopped {
		s = append(s, Step{Op: StepStop})
	}
	return s
}

// prune plans the delete of a live notebook owned by the fleet that the
// fleet no longer declares.
func prune(l *modelarts.Notebook) (Change, bool) {
	c := Change{Name: l.Name, ID: l.ID, Action: Delete, DestroysData: true}
	switch {
	case l.Status == modelarts.StatusDeleting:
		return c, false // already going
	case l.Status == modelarts.StatusFrozen:
		c.Action, c.DestroysData, c.IDs = Conflict, false, []string{l.ID}
		c.Reason = "owned by the fleet and no longer declared, but the account is frozen (in arrears, ModelArts.6326): it cannot be deleted until the account is settled"
		return c, true
	case l.Status == modelarts.StatusDeleteFailed:
		c.Action, c.DestroysData, c.IDs = Conflict, false, []string{l.ID}
		c.Reason = fmt.Sprintf("owned by the fleet and no longer declared, but deleting it failed earlier (%s): check it in the console and delete it by hand", statusWithReason(l))
		return c, true
	}
	c.Reason = "owned by the fleet, no longer declared; DELETING DESTROYS THE NOTEBOOK'S STORAGE"
	if _, busy, _ := settle(l.Status); busy {
		c.Steps = append(c.Steps, Step{Op: StepWait})
		c.Reason += fmt.Sprintf("; waits for it to leave %s first", l.Status)
	}
	c.Steps = append(c.Steps, Step{Op: StepDelete})
	return c, true
}

// compareFields returns the differences between the desired notebook and
// its live copy, in a fixed order, leaving out ignore_changes paths. A
// field the live answer does not carry (OTC volumes have no uri and id)
// is unknown, never a difference.
func compareFields(nb *spec.Notebook, l *modelarts.Notebook) []FieldChange {
	var out []FieldChange
	add := func(p string, before, after any, forces string) {
		if !ignores(nb, p) {
			out = append(out, FieldChange{Path: p, Before: before, After: after, Forces: forces})
		}
	}
	if d := StripMarker(l.Description); d != nb.Description {
		add("description", d, nb.Description, "")
	}
	// Any flavor of the list matches: a notebook that got a fallback
	// stays on it (moving it back would stop it); a flavor outside the list
	// is updated to the first, or the next when that is sold out.
	if flavors := flavorsOf(nb); l.Flavor != "" && !slices.Contains(flavors, l.Flavor) {
		var after any = nb.Flavor
		if len(flavors) > 1 {
			list := make([]any, len(flavors))
			for i, fl := range flavors {
				list[i] = fl
			}
			after = list
		}
		add("flavor", l.Flavor, after, "stop")
	}
	if l.Image != nil && nb.ImageID != "" && l.Image.ID != nb.ImageID {
		add("image_id", l.Image.ID, nb.ImageID, "stop")
	}
	if len(nb.Endpoints) > 0 {
		// Only the declared services: the service may add entries of its
		// own (a NOTEBOOK one) that the fleet never asked for.
		declared := endpoints(nb.Endpoints)
		before, after := normEndpoints(ofServices(l.Endpoints, declared)), normEndpoints(declared)
		if !reflect.DeepEqual(before, after) {
			add("endpoints", before, after, "stop")
		}
	}
	// The service never returns hooks (rule 7): compare what the fleet
	// declares with what nbfleet recorded in the marker when it last set
	// them.
	if want, have := spec.HooksDigest(nb.Hooks), hooksDigest(l.Description); want != have {
		var before any
		if have != "" {
			before = "set by nbfleet (digest " + have + ")"
		}
		add("hooks", before, normHooks(hooks(nb.Hooks)), "")
	}
	if v := l.Volume; v != nil {
		// Only an EVS volume's capacity is the notebook API's to change.
		if want := nb.Volume.Capacity; want > 0 && v.Capacity > 0 && want != v.Capacity && strings.EqualFold(v.Category, "EVS") {
			forces := "running"
			if want < v.Capacity {
				forces = "replace"
			}
			add("volume.capacity", v.Capacity, want, forces)
		}
		if v.Category != "" && nb.Volume.Category != "" && !strings.EqualFold(v.Category, nb.Volume.Category) {
			add("volume.category", v.Category, nb.Volume.Category, "replace")
		}
		if v.Ownership != "" && nb.Volume.Ownership != "" && !strings.EqualFold(v.Ownership, nb.Volume.Ownership) {
			add("volume.ownership", v.Ownership, nb.Volume.Ownership, "replace")
		}
		if nb.Volume.URI != "" && v.URI != "" && v.URI != nb.Volume.URI {
			add("volume.uri", v.URI, nb.Volume.URI, "replace")
		}
		if nb.Volume.ID != "" && v.ID != "" && v.ID != nb.Volume.ID {
			add("volume.id", v.ID, nb.Volume.ID, "replace")
		}
	}
	if nb.PoolID != "" {
		live := ""
		if l.Pool != nil {
			live = l.Pool.ID
		}
		if live != nb.PoolID {
			add("pool_id", live, nb.PoolID, "replace")
		}
	}
	if workspace(l.WorkspaceID) != workspace(nb.WorkspaceID) {
		add("workspace_id", workspace(l.WorkspaceID), workspace(nb.WorkspaceID), "replace")
	}
	if l.Feature != "" && !strings.EqualFold(l.Feature, feature(nb.Feature)) {
		add("feature", l.Feature, feature(nb.Feature), "replace")
	}
	return out
}

// otherServices returns the live endpoints of the services the declared
// endpoints do not use, in the notebook's shape (no uri).
func otherServices(live, declared []modelarts.Endpoint) []spec.Endpoint {
	svc := map[string]bool{}
	for _, e := range declared {
		svc[strings.ToUpper(e.Service)] = true
	}
	var out []spec.Endpoint
	for _, e := range live {
		if !svc[strings.ToUpper(e.Service)] {
			out = append(out, spec.Endpoint{DevService: e.Service, SSHKeys: e.KeyPairNames, AllowedAccessIPs: e.AllowedAccessIPs})
		}
	}
	return out
}

// ofServices keeps the live endpoints of the services the declared
// endpoints use.
func ofServices(live, declared []modelarts.Endpoint) []modelarts.Endpoint {
	svc := map[string]bool{}
	for _, e := range declared {
		svc[strings.ToUpper(e.Service)] = true
	}
	var out []modelarts.Endpoint
	for _, e := range live {
		if svc[strings.ToUpper(e.Service)] {
			out = append(out, e)
		}
	}
	return out
}

// flavorsOf is nb's flavors in order of preference: Flavors, or Flavor
// alone for a notebook made without the list.
func flavorsOf(nb *spec.Notebook) []string {
	if len(nb.Flavors) > 0 {
		return nb.Flavors
	}
	return []string{nb.Flavor}
}

func feature(f string) string {
	if f == "" {
		return "NOTEBOOK"
	}
	return f
}

// normEndpoints returns endpoints as plain JSON values in a canonical
// order: SSH keys and allowed IPs sorted, endpoints sorted; the
// response-only URI left out. nil for none.
func normEndpoints(eps []modelarts.Endpoint) any {
	if len(eps) == 0 {
		return nil
	}
	type key struct {
		s string
		m map[string]any
	}
	var ks []key
	for _, e := range eps {
		keys, ips := sortedAny(e.KeyPairNames), sortedAny(e.AllowedAccessIPs)
		m := map[string]any{"dev_service": strings.ToUpper(e.Service), "ssh_keys": keys, "allowed_access_ips": ips}
		ks = append(ks, key{fmt.Sprint(m["dev_service"], keys, ips), m})
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i].s < ks[j].s })
	out := make([]any, len(ks))
	for i, k := range ks {
		out[i] = k.m
	}
	return out
}

func sortedAny(ss []string) []any {
	c := append([]string(nil), ss...)
	sort.Strings(c)
	out := make([]any, len(c))
	for i, s := range c {
		out[i] = s
	}
	return out
}

// normHooks returns hooks as plain JSON values; nil for none.
func normHooks(h *modelarts.Hooks) any {
	if h == nil || h.ContainerHooks == nil {
		return nil
	}
	m := map[string]any{}
	for name, k := range map[string]*modelarts.HookConfig{"pre_start": h.ContainerHooks.PreStart, "post_start": h.ContainerHooks.PostStart} {
		if k != nil && (k.Script != "" || k.Type != "") {
			m[name] = map[string]any{"script": k.Script, "type": strings.ToUpper(k.Type)}
		}
	}
	if len(m) == 0 {
		return nil
	}
	return m
}
