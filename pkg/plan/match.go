package plan

import (
	"sort"

	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

// Verdict is what the live notebooks of one declared name are to a fleet:
// the one matching rule that plan, drift, status, renew and import share.
type Verdict int

const (
	// Absent: no live notebook has the name (DELETING ones count as gone).
	Absent Verdict = iota
	// Owned: exactly one has it, carrying this fleet's marker.
	Owned
	// Unowned: exactly one has it, without a marker; the plan adopts it.
	Unowned
	// Foreign: exactly one has it, carrying another fleet's marker; a
	// conflict, never touched.
	Foreign
	// Duplicate: two or more have it; a conflict, none is touched.
	Duplicate
)

var verdictNames = [...]string{"absent", "owned", "unowned", "foreign", "duplicate"}

func (v Verdict) String() string {
	if v < 0 || int(v) >= len(verdictNames) {
		return "unknown"
	}
	return verdictNames[v]
}

// Conflict reports whether the verdict makes the name a conflict whatever
// the notebook's fields and status.
func (v Verdict) Conflict() bool { return v == Foreign || v == Duplicate }

// Match is what is live under one name.
type Match struct {
	Name    string
	Verdict Verdict
	// Live is the one live notebook of an Owned, Unowned or Foreign match.
	Live *modelarts.Notebook
	// Owner is the fleet Live's marker names (Foreign: the other fleet).
	Owner string
	// Present are the live notebooks of the name that are not being
	// deleted, by id: one for Owned, Unowned and Foreign, two or more for
	// Duplicate.
	Present []*modelarts.Notebook
	// Deleting are those of the name being deleted, by id: a create of the
	// name waits for them.
	Deleting []*modelarts.Notebook
}

// Matching is the declared ↔ live matching of one fleet.
type Matching struct {
	// Declared has one Match per declared notebook the options select, in
	// declaration order.
	Declared []Match
	// Orphans are the live notebooks carrying the fleet's marker whose name
	// the fleet does not declare (selected ones, DELETING included), by
	// name then id: what the plan prunes.
	Orphans []*modelarts.Notebook
}

// MatchFleet matches the fleet's declared notebooks with the live ones.
// Live notebooks outside the workspaces the fleet uses (Workspaces) and
// DELETED ones are not considered. It is pure and deterministic.
func MatchFleet(f *spec.Fleet, live []modelarts.Notebook, opts Options) *Matching {
	byName := liveByName(live, fleetWorkspaces(f))
	m := &Matching{}
	declared := map[string]bool{}
	for i := range f.Notebooks {
		name := f.Notebooks[i].Name
		declared[name] = true
		if opts.keep(name) {
			m.Declared = append(m.Declared, match(f.Name, name, byName[name]))
		}
	}
	for name, ls := range byName {
		if declared[name] || !opts.keep(name) {
			continue
		}
		for _, l := range ls {
			if owner, ok := Owner(l.Description); ok && owner == f.Name {
				m.Orphans = append(m.Orphans, l)
			}
		}
	}
	sort.Slice(m.Orphans, func(i, j int) bool {
		a, b := m.Orphans[i], m.Orphans[j]
		return a.Name < b.Name || a.Name == b.Name && a.ID < b.ID
	})
	return m
}

// MatchNames matches the given names with the live notebooks of the
// workspaces, for fleet: MatchFleet for a fleet that does not exist yet
// (`nbfleet import`). The result follows the order of names.
func MatchNames(fleet string, names []string, live []modelarts.Notebook, workspaces []string) []Match {
	ws := map[string]bool{}
	for _, w := range workspaces {
		ws[workspace(w)] = true
	}
	byName := liveByName(live, ws)
	out := make([]Match, 0, len(names))
	for _, name := range names {
		out = append(out, match(fleet, name, byName[name]))
	}
	return out
}

// liveByName groups the live notebooks of the workspaces by name, each
// group by id, leaving out DELETED ones.
func liveByName(live []modelarts.Notebook, ws map[string]bool) map[string][]*modelarts.Notebook {
	byName := map[string][]*modelarts.Notebook{}
	for i := range live {
		l := &live[i]
		if !ws[workspace(l.WorkspaceID)] || l.Status == modelarts.StatusDeleted {
			continue
		}
		byName[l.Name] = append(byName[l.Name], l)
	}
	for _, ls := range byName {
		sort.Slice(ls, func(i, j int) bool { return ls[i].ID < ls[j].ID })
	}
	return byName
}

// match decides the verdict of one name from its live notebooks.
func match(fleet, name string, lives []*modelarts.Notebook) Match {
	m := Match{Name: name}
	for _, l := range lives {
		if l.Status == modelarts.StatusDeleting {
			m.Deleting = append(m.Deleting, l)
		} else {
			m.Present = append(m.Present, l)
		}
	}
	switch len(m.Present) {
	case 0:
		m.Verdict = Absent
		return m
	case 1:
	default:
		m.Verdict = Duplicate
		return m
	}
	m.Live = m.Present[0]
	owner, marked := Owner(m.Live.Description)
	m.Owner = owner
	switch {
	case !marked:
		m.Verdict = Unowned
	case owner == fleet:
		m.Verdict = Owned
	default:
		m.Verdict = Foreign
	}
	return m
}

// IDs returns the ids of the present notebooks.
func (m *Match) IDs() []string {
	ids := make([]string, len(m.Present))
	for i, l := range m.Present {
		ids[i] = l.ID
	}
	return ids
}
