package ops

import (
	"context"

	"github.com/nbfleet/nbfleet/pkg/plan"
)

// StatusRequest is what `nbfleet status` asks for.
type StatusRequest struct {
	Fleet  string // the fleet file's path
	Select plan.Options
	Conn   Conn
}

// StatusResult is the fleet's declared notebooks as they are live.
type StatusResult struct {
	Fleet     string
	Notebooks []plan.NotebookStatus
}

// Status reads the fleet and the cloud and returns the status of every
// declared notebook the request selects, matched as the plan matches them
// (plan.Status).
func Status(ctx context.Context, e *Env, req StatusRequest) (*StatusResult, error) {
	ctx, cancel := e.soft(ctx)
	defer cancel()
	r, err := e.status(ctx, req)
	return r, e.stopped(err, "no status was read")
}

func (e *Env) status(ctx context.Context, req StatusRequest) (*StatusResult, error) {
	fleet, _, live, err := e.openFleet(ctx, req.Fleet, req.Conn)
	if err != nil {
		return nil, err
	}
	return &StatusResult{Fleet: fleet.Name, Notebooks: plan.Status(fleet, live, req.Select)}, nil
}
