// Package execute carries out a plan: one goroutine per change under an
// errgroup, at most Parallelism of them making calls at once, per-notebook
// step sequences, waiting for terminal states by bulk polling, retries that
// never duplicate a create, drain and cancellation, and the report. It
// decides how, never what: that is the plan's.
//
// It never prints: progress goes to an Observer the caller supplies.
package execute

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/plan"
	"github.com/nbfleet/nbfleet/pkg/report"
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

// Wait modes of Options.Wait.
const (
	// WaitRunning waits for every notebook to reach its wanted status.
	WaitRunning = "running"
	// WaitNone returns once the last call of each change is accepted;
	// the waits between steps (e.g. delete, wait gone, create) still happen.
	WaitNone = "none"
)

// Options tune Apply. Zero values take the documented defaults.
type Options struct {
	// Parallelism caps how many changes make calls at once; a change
	// waiting for a status (polled in bulk) holds no slot. Zero means
	// automatic: as many as the client asks for to use the service's
	// budget fully (modelarts.Client.Concurrency: the budget times the
	// latency, doubled, within a memory bound, plus the calls waiting to be
	// retried), or 16 for an API that does not say.
	Parallelism int
	// Timeout bounds one change, its calls and its waits (default 20m).
	Timeout time.Duration
	// Wait is WaitRunning (default) or WaitNone.
	Wait string
	// CreateAttempts is how often a notebook that ends CREATE_FAILED is
	// created in all: the failed one is deleted and created again, every
	// fail_reason kept (default 2).
	CreateAttempts int
	// PollInterval, when set, polls every PollInterval while any change
	// waits (PollDelay, default PollInterval, before the first poll of a
	// wait that begins with nothing else waiting). Zero means the adaptive
	// schedule (see poller): each notebook is checked again after 10 % of
	// the time it has waited, at least 0.5 s, not before the shortest
	// transition seen for its step.
	PollInterval, PollDelay time.Duration
	// RetryBase is the first wait before looking up an ambiguous create or
	// re-sending a call answered "busy", doubled up to RetryMax (defaults
	// 2s, 30s). Throttled, failed and lost calls are re-sent by the client
	// within its retry budget (modelarts.RetryPolicy), never here.
	RetryBase, RetryMax time.Duration
	// BusyTimeout bounds how long a call answered "busy" (another
	// operation in progress) is tried again (default 5m).
	BusyTimeout time.Duration
	// Drain, when closed, stops launching changes (a first Ctrl-C): changes
	// in flight send no new call and may keep waiting for at most
	// DrainGrace (default 30s), then are recorded as not finished. Cancel
	// ctx to abort calls in flight too (a second Ctrl-C).
	Drain      <-chan struct{}
	DrainGrace time.Duration
	// Observer receives progress; calls to it are serialised. May be nil.
	Observer Observer
	// Now is the clock of the report's times (default time.Now).
	Now func() time.Time
	// Fleet and RunID are copied into the report.
	Fleet, RunID string
	// WorkspaceID scopes the list calls (empty: the service's default).
	WorkspaceID string
	// Flavors is the region's flavor list as read before the run (nil:
	// not known). A create or a flavor update does not try a flavor of its
	// list (plan.Change.FlavorChoices) that Flavors shows sold out or does
	// not have, unless that leaves none to try; the service's answers
	// decide the rest.
	Flavors []modelarts.Flavor
	// Marker is the fleet's ownership marker (spec.OwnerMarker). After an
	// ambiguous create failure a live notebook with the same name is
	// adopted only if its description carries a marker of the same fleet
	// (whatever hooks digest it records) or, when Marker is empty, equals
	// the request's.
	Marker string
}

func (o Options) withDefaults() (Options, error) {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if o.Parallelism < 0 {
		o.Parallelism = 0
	}
	if o.CreateAttempts <= 0 {
		o.CreateAttempts = 2
	}
	def(&o.Timeout, 20*time.Minute)
	if o.PollInterval > 0 {
		def(&o.PollDelay, o.PollInterval)
	}
	def(&o.RetryBase, 2*time.Second)
	def(&o.RetryMax, 30*time.Second)
	def(&o.BusyTimeout, 5*time.Minute)
	def(&o.DrainGrace, 30*time.Second)
	switch o.Wait {
	case "":
		o.Wait = WaitRunning
	case WaitRunning, WaitNone:
	default:
		return o, fmt.Errorf("wait mode %q: want %q or %q", o.Wait, WaitRunning, WaitNone)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Observer == nil {
		o.Observer = nopObserver{}
	}
	return o, nil
}

// Observer is told what Apply does, for progress displays. Apply serialises
// the calls, so implementations need no locking, but they must return
// quickly: the workers wait for them.
type Observer interface {
	// Planned is called once, first, with the plan about to be applied.
	Planned(p *plan.Plan)
	// Started is called when a change is launched.
	Started(c *plan.Change)
	// Progress is called when a step begins and when a waited-for
	// notebook's status changes.
	Progress(ev Event)
	// Finished is called once per change of the plan, launched or not.
	Finished(e report.Entry)
	// Summary is called once, last, with the complete report.
	Summary(r *report.Report)
}

// Event is one step of progress of one change.
type Event struct {
	Name string
	ID   string
	// Step is the step under way.
	Step plan.StepOp
	// Status is the notebook's status when it changed; "" when a step
	// begins, "GONE" when a deleted notebook disappeared.
	Status string
}

type nopObserver struct{}

func (nopObserver) Planned(*plan.Plan)     {}
func (nopObserver) Started(*plan.Change)   {}
func (nopObserver) Progress(Event)         {}
func (nopObserver) Finished(report.Entry)  {}
func (nopObserver) Summary(*report.Report) {}

type lockedObserver struct {
	mu  sync.Mutex
	obs Observer
}

func (l *lockedObserver) Planned(p *plan.Plan)   { l.mu.Lock(); defer l.mu.Unlock(); l.obs.Planned(p) }
func (l *lockedObserver) Started(c *plan.Change) { l.mu.Lock(); defer l.mu.Unlock(); l.obs.Started(c) }
func (l *lockedObserver) Progress(ev Event)      { l.mu.Lock(); defer l.mu.Unlock(); l.obs.Progress(ev) }
func (l *lockedObserver) Finished(e report.Entry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.obs.Finished(e)
}
func (l *lockedObserver) Summary(r *report.Report) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.obs.Summary(r)
}

// Apply carries out p against api and returns the report of what happened,
// with one entry per change in plan order. One notebook's failure never
// stops the others. The error is non-nil only when nothing could run at all
// (no plan, no API, bad options); then the report is nil.
func Apply(ctx context.Context, p *plan.Plan, api API, opts Options) (*report.Report, error) {
	if p == nil {
		return nil, errors.New("apply: no plan")
	}
	if api == nil {
		return nil, errors.New("apply: no API client")
	}
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("apply: %w", err)
	}
	// Every delete, stop, start and update re-checks ownership first.
	fleet, ok := plan.Owner(opts.Marker)
	if !ok {
		fleet = p.Fleet
	}
	r := &runner{api: guard(api, fleet), base: api, opts: opts, obs: &lockedObserver{obs: opts.Observer}}
	return r.run(ctx, p), nil
}

type runner struct {
	api API
	// base is the client api guards: what it offers besides API (the
	// concurrency it asks for, its limiter) is asked of it.
	base API
	opts Options
	obs  *lockedObserver
	poll *poller
	// hard is the caller's context: cancelled means abort everything.
	hard context.Context
	// grace ends DrainGrace after a drain, or with hard: waits use it.
	grace   context.Context
	drained atomic.Bool
	// slots bounds the changes making calls.
	slots *slots
}

func (r *runner) run(ctx context.Context, p *plan.Plan) *report.Report {
	rep := &report.Report{
		FormatVersion: report.FormatVersion,
		Fleet:         r.opts.Fleet,
		RunID:         r.opts.RunID,
		StartedAt:     r.opts.Now(),
	}
	if rep.Fleet == "" {
		rep.Fleet = p.Fleet
	}
	r.obs.Planned(p)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	grace, cancelGrace := context.WithCancel(ctx)
	defer cancelGrace()
	r.hard, r.grace = ctx, grace
	drainCh := make(chan struct{})
	done := make(chan struct{})
	go func() {
		select {
		case <-r.opts.Drain:
		case <-done:
			return
		}
		r.drained.Store(true)
		close(drainCh)
		t := time.NewTimer(r.opts.DrainGrace)
		defer t.Stop()
		select {
		case <-t.C:
			cancelGrace()
		case <-done:
		}
	}()
	defer close(done)

	r.slots = newSlots(r.parallelism())
	r.poll = newPoller(r.api, r.opts)
	if lp, ok := r.base.(interface{ Limiter() *modelarts.Limiter }); ok {
		r.poll.lim = lp.Limiter()
	}
	var launched atomic.Bool
	r.poll.quiet = func() bool { return launched.Load() && r.slots.count() == 0 }
	pollDone := make(chan struct{})
	go func() { r.poll.run(grace); close(pollDone) }()

	entries := make([]report.Entry, len(p.Changes))
	// The errgroup runs one goroutine per launched change and isolates
	// failures (no WithContext). Its limit is not the parallelism: a change
	// that waits for a status holds no slot, else 64 slots and a create
	// time of 2 minutes would cap a run at 32 creates a minute whatever the
	// service allows. Parallelism bounds the changes making calls (r.slots).
	var g errgroup.Group
	stopAt := len(p.Changes)
launch:
	for i := range p.Changes {
		c := &p.Changes[i]
		if e, ok := static(c); ok {
			entries[i] = e
			r.obs.Finished(e)
			continue
		}
		if !r.slots.acquire(ctx, drainCh) {
			stopAt = i
			break launch
		}
		if r.isDrained() || ctx.Err() != nil {
			r.slots.release()
			stopAt = i
			break
		}
		r.obs.Started(c)
		g.Go(func() error {
			entries[i] = r.change(c)
			r.obs.Finished(entries[i])
			return nil
		})
	}
	launched.Store(true)
	for i := stopAt; i < len(p.Changes); i++ {
		c := &p.Changes[i]
		e, ok := static(c)
		if !ok {
			e = report.Entry{Name: c.Name, Labels: c.Labels, ID: c.ID, Action: c.Action.String(), Outcome: report.Skipped,
				Note: "not started: interrupted"}
		}
		entries[i] = e
		r.obs.Finished(e)
	}
	g.Wait()
	cancelGrace()
	<-pollDone

	rep.Notebooks = entries
	rep.Interrupted = r.isDrained() || ctx.Err() != nil
	if ctx.Err() == nil && !r.isDrained() {
		r.describeUnchanged(ctx, entries)
	}
	rep.FinishedAt = r.opts.Now()
	rep.Summarize()
	r.obs.Summary(rep)
	return rep
}

// static returns the entry of a change that makes no call.
func static(c *plan.Change) (report.Entry, bool) {
	e := report.Entry{Name: c.Name, Labels: c.Labels, ID: c.ID, Action: c.Action.String()}
	switch {
	case c.Action == plan.NoOp && !c.InProgress():
		e.Outcome, e.Note = report.Unchanged, c.Note
	case c.Action == plan.Conflict:
		e.Outcome, e.Note = report.Skipped, "conflict: "+c.Reason
	case c.Protected:
		e.Outcome, e.Note = report.Skipped, "protected: the fleet forbids deleting or replacing this notebook"
	case len(c.Steps) == 0:
		e.Outcome, e.Note = report.Unchanged, "nothing to do"
	default:
		return e, false
	}
	return e, true
}

// describeUnchanged fills the status, URL and flavor of unchanged
// notebooks from one list call, so the report lists every URL. Best
// effort.
func (r *runner) describeUnchanged(ctx context.Context, entries []report.Entry) {
	need := false
	for _, e := range entries {
		if e.Outcome == report.Unchanged && e.ID != "" {
			need = true
			break
		}
	}
	if !need {
		return
	}
	live, err := r.api.List(ctx, modelarts.ListOptions{WorkspaceID: r.opts.WorkspaceID})
	if err != nil {
		return
	}
	byID := make(map[string]*modelarts.Notebook, len(live))
	for i := range live {
		byID[live[i].ID] = &live[i]
	}
	for i := range entries {
		e := &entries[i]
		if nb := byID[e.ID]; e.Outcome == report.Unchanged && nb != nil {
			e.Status, e.URL, e.Flavor = nb.Status, nb.URL, nb.Flavor
		}
	}
}

// parallelism returns the bound of the changes making calls: the cap the
// caller set, else what the client asks for, else 16.
func (r *runner) parallelism() func() int {
	if n := r.opts.Parallelism; n > 0 {
		return func() int { return n }
	}
	if c, ok := r.base.(interface{ Concurrency() int }); ok {
		return func() int { return max(1, c.Concurrency()) }
	}
	return func() int { return 16 }
}

// slots bounds the changes making calls to a limit that may change while
// they run.
type slots struct {
	mu    sync.Mutex
	held  int
	limit func() int
	freed chan struct{} // closed (and replaced) when a slot is released
}

func newSlots(limit func() int) *slots {
	return &slots{limit: limit, freed: make(chan struct{})}
}

// acquire takes a slot; it reports false when ctx or stop ended first.
func (s *slots) acquire(ctx context.Context, stop <-chan struct{}) bool {
	for {
		s.mu.Lock()
		if s.held < s.limit() {
			s.held++
			s.mu.Unlock()
			return true
		}
		freed := s.freed
		s.mu.Unlock()
		t := time.NewTimer(50 * time.Millisecond) // the limit may grow
		select {
		case <-freed:
		case <-t.C:
		case <-stop:
			t.Stop()
			return false
		case <-ctx.Done():
			t.Stop()
			return false
		}
		t.Stop()
	}
}

func (s *slots) release() {
	s.mu.Lock()
	s.held--
	close(s.freed)
	s.freed = make(chan struct{})
	s.mu.Unlock()
}

func (s *slots) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.held
}

// isDrained reports whether the drain channel was closed.
func (r *runner) isDrained() bool {
	if r.drained.Load() {
		return true
	}
	select {
	case <-r.opts.Drain:
		r.drained.Store(true)
		return true
	default:
		return false
	}
}
