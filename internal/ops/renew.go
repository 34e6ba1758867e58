package ops

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/plan"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

// RenewRequest is what `nbfleet renew` asks for.
type RenewRequest struct {
	Fleet  string // the fleet file's path
	Select plan.Options
	Conn   Conn
	// Duration is the new lease, from now: spec.MinLease to spec.MaxLease.
	Duration time.Duration
	// Type is "timing", "idle" or "" (the service's default).
	Type string
	// Parallelism bounds the calls in flight (at least 1).
	Parallelism int
	// Progress, when set, is told each notebook's outcome as soon as it is
	// known; the calls are serialised.
	Progress func(RenewResult)
}

// RenewResult is one notebook's outcome.
type RenewResult struct {
	Name, ID string
	// Status is the live status; only RUNNING notebooks are renewed.
	Status string
	// LeaseStoppedAt is when the lease of a notebook it stopped ran out
	// (plan.StoppedByLease); zero otherwise. Renew never starts one: an
	// apply with --restart-after-lease does.
	LeaseStoppedAt time.Time
	Renewed        bool
	// Err is the failed call's error.
	Err error
}

// Renew extends the lease of every running notebook the fleet owns and the
// request selects — the declared names the plan matches as owned — and
// returns the outcomes by name. A notebook that is not running is left
// alone, one its lease stopped included (the result says so): renewing
// never starts a notebook. The error wraps ErrPartial when some renewals failed, and
// ErrInterrupted when an interrupt stopped the run (no renewal starts
// after the first; the second aborts those in flight).
func Renew(ctx context.Context, e *Env, req RenewRequest) ([]RenewResult, error) {
	if req.Duration < spec.MinLease || req.Duration > spec.MaxLease {
		return nil, WithHint(fmt.Errorf("--duration %s is outside the lease range of %s to %s",
			spec.FormatDuration(req.Duration), spec.FormatDuration(spec.MinLease), spec.FormatDuration(spec.MaxLease)), "e.g. --duration 8h")
	}
	if req.Type != "" && req.Type != "timing" && req.Type != "idle" {
		return nil, WithHint(fmt.Errorf("unknown lease type %q", req.Type), "use timing or idle")
	}
	soft, cancel := e.soft(ctx)
	defer cancel()
	fleet, s, live, err := e.openFleet(soft, req.Fleet, req.Conn)
	if err != nil {
		return nil, e.stopped(err, "no lease was renewed")
	}

	var mu sync.Mutex
	tell := func(r RenewResult) {
		if req.Progress != nil {
			mu.Lock()
			defer mu.Unlock()
			req.Progress(r)
		}
	}
	var todo []*modelarts.Notebook
	var results []RenewResult
	for _, m := range plan.MatchFleet(fleet, live, req.Select).Declared {
		if m.Verdict != plan.Owned {
			continue
		}
		if m.Live.Status != modelarts.StatusRunning {
			r := RenewResult{Name: m.Name, ID: m.Live.ID, Status: m.Live.Status}
			r.LeaseStoppedAt, _ = plan.StoppedByLease(m.Live)
			results = append(results, r)
			tell(r)
			continue
		}
		todo = append(todo, m.Live)
	}

	lease := modelarts.LeaseReq{Duration: req.Duration.Milliseconds(), Type: req.Type}
	done := make([]RenewResult, len(todo))
	started := make([]bool, len(todo))
	var g errgroup.Group
	g.SetLimit(max(1, req.Parallelism))
	for i, nb := range todo {
		if soft.Err() != nil {
			break // interrupted: start no renewal
		}
		started[i] = true
		g.Go(func() error {
			_, err := s.client.RenewLease(ctx, nb.ID, lease)
			done[i] = RenewResult{Name: nb.Name, ID: nb.ID, Status: nb.Status, Renewed: err == nil, Err: err}
			tell(done[i])
			return nil
		})
	}
	_ = g.Wait()
	failed, notStarted := 0, 0
	for i := range todo {
		switch {
		case !started[i]:
			notStarted++
		case done[i].Err != nil:
			failed++
		}
		if started[i] {
			results = append(results, done[i])
		}
	}
	sort.SliceStable(results, func(i, j int) bool { return results[i].Name < results[j].Name })
	switch {
	case e.interrupted():
		return results, fmt.Errorf("%w: %d leases not renewed; run renew again", ErrInterrupted, notStarted+failed)
	case failed > 0:
		return results, fmt.Errorf("%w: %d of %d renewals failed", ErrPartial, failed, len(todo))
	}
	return results, nil
}
