package plan

import (
	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

// Destroy plans the deletion of every live notebook the fleet owns — those
// carrying its ownership marker, declared or not — in the workspaces the
// fleet uses. Notebooks the fleet does not own never appear. A declared
// notebook with protect: true is marked Protected, so Err refuses the plan.
// Like Diff it is pure and deterministic.
func Destroy(desired *spec.Fleet, live []modelarts.Notebook, opts Options) *Plan {
	p := &Plan{FormatVersion: FormatVersion, Fleet: desired.Name, Changes: []Change{}}
	ws := fleetWorkspaces(desired)
	protected := map[string]bool{}
	for i := range desired.Notebooks {
		if desired.Notebooks[i].Protect {
			protected[desired.Notebooks[i].Name] = true
		}
	}
	for i := range live {
		l := &live[i]
		if !ws[workspace(l.WorkspaceID)] || l.Status == modelarts.StatusDeleted || !opts.keep(l.Name) {
			continue
		}
		if owner, ok := Owner(l.Description); !ok || owner != desired.Name {
			continue
		}
		c, ok := prune(l)
		if !ok {
			continue
		}
		if c.Action == Delete {
			c.Reason = "destroy: owned by the fleet; DELETING DESTROYS THE NOTEBOOK'S STORAGE"
			c.Protected = protected[l.Name]
		}
		p.Changes = append(p.Changes, c)
	}
	sortChanges(p.Changes)
	return p
}
