// Package execute carries out a plan: bounded concurrency with an errgroup
// limit, per-notebook step sequences, waiting for terminal states by bulk
// polling, retries that never duplicate a create, cancellation, and the
// report. It decides how, never what: that is the plan's.
package execute

import (
	"context"

	"github.com/nbfleet/nbfleet/pkg/modelarts"
)

// API is the part of *modelarts.Client the executor uses.
type API interface {
	Create(ctx context.Context, req *modelarts.CreateRequest) (*modelarts.Notebook, error)
	List(ctx context.Context, opts modelarts.ListOptions) ([]modelarts.Notebook, error)
	Get(ctx context.Context, id string) (*modelarts.Notebook, error)
	Update(ctx context.Context, id string, req *modelarts.UpdateRequest) (*modelarts.Notebook, error)
	Delete(ctx context.Context, id string) error
	Start(ctx context.Context, id string, lease *modelarts.LeaseReq) (*modelarts.Notebook, error)
	Stop(ctx context.Context, id string) (*modelarts.Notebook, error)
}

var _ API = (*modelarts.Client)(nil)
