package execute

import (
	"context"
	"errors"
	"fmt"

	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/plan"
)

// ErrNotOwned is wrapped by the error of a delete, stop, start or update
// that the ownership check refused: the live notebook does not carry the
// fleet's marker. It is never retried.
var ErrNotOwned = errors.New("the live notebook does not carry this fleet's ownership marker")

// guarded is the API every step's calls go through: right before a
// delete, stop, start or update it reads the notebook (one GET) and
// refuses the call unless the live notebook carries the fleet's marker,
// whatever the plan says. A plan file edited by hand, a stale plan or a
// bug in the planner cannot make nbfleet touch a notebook it does not own.
//
// One exception is an adopt: an update may touch a notebook without any
// marker while it is still unmarked, if the update is the one that adds
// this fleet's marker to its description. Another fleet's notebook is
// never touched.
//
// The executor's own view of a notebook (from the bulk polls) could be as
// old as a poll interval and does not carry the description; the GET is
// the service's word at the moment of the call. It costs one request per
// destructive call, paced by the same rate limiter. Creates, lists and
// reads pass through: a create touches nothing that exists, and a notebook
// found after an ambiguous create is adopted only with the fleet's marker
// (lookup).
type guarded struct {
	API
	fleet string
}

// guard returns api with the ownership check of fleet. The poller's paged
// list (pageLister) stays available.
func guard(api API, fleet string) API {
	g := &guarded{API: api, fleet: fleet}
	if pl, ok := api.(pageLister); ok {
		return &guardedPages{guarded: g, pages: pl}
	}
	return g
}

type guardedPages struct {
	*guarded
	pages pageLister
}

func (g *guardedPages) ListPage(ctx context.Context, opts modelarts.ListOptions, offset, limit int) (*modelarts.Page, error) {
	return g.pages.ListPage(ctx, opts, offset, limit)
}

// NotOwnedError is a destructive call the ownership check refused.
type NotOwnedError struct {
	Op, ID string
	// Owner is the fleet the live notebook's marker names; "" when it
	// carries none.
	Owner string
}

func (e *NotOwnedError) Error() string {
	who := "carries no nbfleet marker"
	if e.Owner != "" {
		who = fmt.Sprintf("belongs to fleet %q", e.Owner)
	}
	return fmt.Sprintf("refused to %s notebook %s: it %s (checked right before the call); nbfleet never touches a notebook it does not own", e.Op, e.ID, who)
}

func (e *NotOwnedError) Unwrap() error { return ErrNotOwned }

// check reads the notebook and refuses op unless it is the fleet's. adds
// is true for an update that sets a description carrying the fleet's
// marker: it may touch a notebook that carries no marker at all.
func (g *guarded) check(ctx context.Context, op, id string, adds bool) error {
	nb, err := g.API.Get(ctx, id)
	if err != nil {
		return err // not found, or a failure the caller retries
	}
	owner, marked := plan.Owner(nb.Description)
	switch {
	case marked && owner == g.fleet:
		return nil
	case !marked && adds:
		return nil
	}
	return &NotOwnedError{Op: op, ID: id, Owner: owner}
}

func (g *guarded) Delete(ctx context.Context, id string) error {
	if err := g.check(ctx, "delete", id, false); err != nil {
		return err
	}
	return g.API.Delete(ctx, id)
}

func (g *guarded) Stop(ctx context.Context, id string) (*modelarts.Notebook, error) {
	if err := g.check(ctx, "stop", id, false); err != nil {
		return nil, err
	}
	return g.API.Stop(ctx, id)
}

func (g *guarded) Start(ctx context.Context, id string, lease *modelarts.LeaseReq) (*modelarts.Notebook, error) {
	if err := g.check(ctx, "start", id, false); err != nil {
		return nil, err
	}
	return g.API.Start(ctx, id, lease)
}

func (g *guarded) Update(ctx context.Context, id string, req *modelarts.UpdateRequest) (*modelarts.Notebook, error) {
	adds := false
	if req != nil && req.Description != nil {
		owner, ok := plan.Owner(*req.Description)
		adds = ok && owner == g.fleet
	}
	if err := g.check(ctx, "update", id, adds); err != nil {
		return nil, err
	}
	return g.API.Update(ctx, id, req)
}
