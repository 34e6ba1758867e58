package ops

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/nbfleet/nbfleet/pkg/plan"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

// ImportRequest is what `nbfleet import` asks for.
type ImportRequest struct {
	// Fleet is the new fleet's name; empty: derived from the first of
	// Select.Targets (FleetNameFor).
	Fleet string
	// Select picks the live notebooks by name (Targets: --match).
	Select plan.Options
	// Target is where to read; empty fields come from the environment.
	Target spec.Target
	Conn   Conn
}

// Import reads the live notebooks of the target's workspace that the
// request selects and returns a fleet file for them whose next apply adopts
// them and changes nothing else. The notebooks are matched as the plan
// matches them (plan.MatchNames): another fleet's are left out with a
// warning; two notebooks with one name are an error, as a fleet needs
// unique names.
func Import(ctx context.Context, e *Env, req ImportRequest) (*spec.Source, error) {
	ctx, cancel := e.soft(ctx)
	defer cancel()
	src, err := e.importFleet(ctx, req)
	return src, e.stopped(err, "nothing was imported")
}

func (e *Env) importFleet(ctx context.Context, req ImportRequest) (*spec.Source, error) {
	name := req.Fleet
	if name == "" {
		name = FleetNameFor(req.Select.Targets)
		e.ui().Warnf("no --fleet given: the fleet is named %q; change it in the file before the first apply if you want another (it scopes ownership)", name)
	}
	s, err := e.connect(req.Target, req.Conn, source{flags: true})
	if err != nil {
		return nil, err
	}
	ws := workspaceOf(req.Target.WorkspaceID)
	live, err := s.refresh(ctx, []string{ws})
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var names []string
	for _, nb := range live {
		if !seen[nb.Name] && req.Select.Selects(nb.Name) {
			seen[nb.Name] = true
			names = append(names, nb.Name)
		}
	}
	sort.Strings(names)
	src := &spec.Source{
		Fleet:  name,
		Target: spec.Target{Cloud: req.Target.Cloud, Region: s.cfg.Region, WorkspaceID: req.Target.WorkspaceID},
	}
	for _, m := range plan.MatchNames(name, names, live, []string{ws}) {
		switch m.Verdict {
		case plan.Foreign:
			e.ui().Warnf("%s (%s) belongs to fleet %q: left out", m.Name, m.Live.ID, m.Owner)
		case plan.Duplicate:
			return nil, fmt.Errorf("%d notebooks are named %q (ids %s): a fleet needs unique names; rename one or leave the name out with --exclude",
				len(m.Present), m.Name, strings.Join(m.IDs(), ", "))
		case plan.Owned, plan.Unowned:
			if _, _, digest, _ := spec.ParseMarker(m.Live.Description); digest != "" {
				// Hooks are write-only: only their digest is in the marker.
				e.ui().Warnf("%s (%s) has hooks nbfleet set, which the service never returns: declare them in the imported file, or the next apply removes them", m.Name, m.Live.ID)
			}
			src.Notebooks = append(src.Notebooks, plan.FromLive(m.Live))
		}
	}
	if len(src.Notebooks) == 0 {
		project, _ := s.client.ProjectID(ctx)
		return nil, WithHint(errors.New("no notebook matches"), "check --match and the target project (%s)", project)
	}
	return src, nil
}

// fleetName is the schema's pattern of a fleet name.
var fleetName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

// FleetNameFor derives a fleet name from the first --match glob: its
// literal prefix without trailing separators ("ml101-*" → "ml101"), or
// "imported".
func FleetNameFor(globs []string) string {
	if len(globs) > 0 {
		prefix := globs[0]
		if i := strings.IndexAny(prefix, "*?[\\"); i >= 0 {
			prefix = prefix[:i]
		}
		prefix = strings.TrimRight(prefix, "-_.")
		if fleetName.MatchString(prefix) {
			return prefix
		}
	}
	return "imported"
}
