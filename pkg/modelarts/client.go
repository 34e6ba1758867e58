// Package modelarts is the ModelArts notebook API v1 client: typed requests
// and responses, pagination, errors with code and message, authentication
// (AK/SK signing, IAM tokens, IAM password auth), retries through
// go-retryablehttp and a shared adaptive rate limiter.
//
// It knows nothing about fleets or plans.
package modelarts

// SKELETON: the signatures below are the contract other packages build on;
// the implementation lands with issue 3.

import (
	"context"
	"errors"
)

var errTODO = errors.New("modelarts: not implemented yet")

// Client talks to one project of one ModelArts endpoint. It is safe for
// concurrent use.
type Client struct{}

// Create sends CreateNotebook once. It is never retried by the client: a
// create is not idempotent, so the caller decides (see package execute).
func (c *Client) Create(ctx context.Context, req *CreateRequest) (*Notebook, error) {
	return nil, errTODO
}

// List returns every notebook matching opts, paging with limit=50,
// de-duplicated by id.
func (c *Client) List(ctx context.Context, opts ListOptions) ([]Notebook, error) { return nil, errTODO }

// Get returns one notebook; errors.Is(err, ErrNotFound) when it is gone.
func (c *Client) Get(ctx context.Context, id string) (*Notebook, error) { return nil, errTODO }

// Update sends UpdateNotebook (PUT).
func (c *Client) Update(ctx context.Context, id string, req *UpdateRequest) (*Notebook, error) {
	return nil, errTODO
}

// Delete sends DeleteNotebook.
func (c *Client) Delete(ctx context.Context, id string) error { return errTODO }

// Start sends StartNotebook with an optional lease.
func (c *Client) Start(ctx context.Context, id string, lease *LeaseReq) (*Notebook, error) {
	return nil, errTODO
}

// Stop sends StopNotebook.
func (c *Client) Stop(ctx context.Context, id string) (*Notebook, error) { return nil, errTODO }

// RenewLease extends a running notebook's lease (PATCH …/lease).
func (c *Client) RenewLease(ctx context.Context, id string, lease LeaseReq) (*Lease, error) {
	return nil, errTODO
}

// GetLease shows a notebook's lease.
func (c *Client) GetLease(ctx context.Context, id string) (*Lease, error) { return nil, errTODO }
