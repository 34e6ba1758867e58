package ops

import (
	"context"

	"github.com/nbfleet/nbfleet/pkg/plan"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

// PlanRequest is what `nbfleet plan` and `nbfleet drift` ask for.
type PlanRequest struct {
	// Fleet is the fleet file's path.
	Fleet  string
	Select plan.Options
	Conn   Conn
	// Out, when set, is where Plan saves the plan for `nbfleet apply`.
	Out string
}

// Plan reads the fleet and the cloud and returns the plan, warning about
// flavors it needs that are sold out. A plan that deletes or replaces a
// protected notebook is returned with an error wrapping plan.ErrProtected
// and is not saved; otherwise, with req.Out set, it is saved there.
func Plan(ctx context.Context, e *Env, req PlanRequest) (*plan.Plan, error) {
	ctx, cancel := e.soft(ctx)
	defer cancel()
	p, err := e.plan(ctx, req, true)
	return p, e.stopped(err, "nothing was planned")
}

// Drift is Plan for `nbfleet drift`: the comparison only, without flavor
// warnings, refusals or saving.
func Drift(ctx context.Context, e *Env, req PlanRequest) (*plan.Plan, error) {
	ctx, cancel := e.soft(ctx)
	defer cancel()
	req.Out = ""
	p, err := e.plan(ctx, req, false)
	return p, e.stopped(err, "nothing was compared")
}

func (e *Env) plan(ctx context.Context, req PlanRequest, full bool) (*plan.Plan, error) {
	fleet, s, live, err := e.openFleet(ctx, req.Fleet, req.Conn)
	if err != nil {
		return nil, err
	}
	p := plan.Diff(fleet, live, req.Select)
	s.locate(ctx, p)
	if !full {
		return p, nil
	}
	e.warnFlavors(ctx, s.client, p)
	if err := p.Err(); err != nil {
		return p, WithHint(err, "%s", protectHint("plan", req.Fleet, p))
	}
	if req.Out == "" {
		return p, nil
	}
	key, err := e.planKey()
	if err != nil {
		return p, err
	}
	project, err := s.client.ProjectID(ctx)
	if err != nil {
		return p, err
	}
	meta := plan.Meta{
		CreatedAt:        e.now(),
		FleetFile:        req.Fleet,
		FleetFingerprint: plan.FleetFingerprint(fleet),
		Target: spec.Target{
			Cloud:       string(s.cfg.Cloud),
			Region:      s.cfg.Region,
			Endpoint:    s.cfg.Endpoint,
			ProjectID:   project,
			WorkspaceID: fleet.Target.WorkspaceID,
		},
		Workspaces: plan.Workspaces(fleet),
		Live:       live,
		Key:        key,
	}
	return p, plan.Save(req.Out, p, meta)
}
