// Package ops is nbfleet's application layer. For each command that talks
// to the cloud — plan, drift, apply, destroy, status, handout, renew and
// import — it owns the sequence: load the fleet, connect, resolve the
// project and take the fleet lock, refresh, match and diff (or destroy),
// check and claim a saved plan, execute, write the report.
//
// It lives under internal/ because it is the command line's application
// layer, not a library: its requests follow the commands, and only
// cmd/nbfleet imports it. The rules stay in the packages under pkg/ (spec
// the fleet file, plan the matching and the diff, execute the carrying
// out, report the report); ops puts them in order, and cmd/nbfleet keeps
// flags, prompts and views.
//
// It never prints and never exits: it tells the user through Env.UI and
// asks through callbacks (ApplyRequest.Review), and returns errors that
// wrap the sentinels below, which cmd/nbfleet maps to exit codes in one
// place. Everything it touches outside its arguments comes through Env,
// so tests inject the environment, the clock, the interrupt and the
// client.
//
// Interrupts have two stages. Env.Interrupted is closed by the first: no
// new work starts — a lock wait, a refresh or a prompt ends at once,
// nothing is created after it, and a run in progress drains. The context
// an operation gets is cancelled by the second: calls in flight abort.
package ops

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/nbfleet/nbfleet/pkg/execute"
	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/plan"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

// ErrInterrupted is wrapped by the error of an operation stopped by an
// interrupt (exit code 130).
var ErrInterrupted = errors.New("interrupted")

// ErrPartial is wrapped by the error of an apply, destroy or renew that
// ran to its end with some notebooks not as declared: failed, or skipped
// as conflicts (exit code 3).
var ErrPartial = errors.New("not every notebook is as declared")

// Env is everything an operation touches outside its request.
type Env struct {
	// Getenv reads the environment: credentials, endpoints, region.
	Getenv func(string) string
	// Now is the clock of plans, reports, lock records and claims.
	Now func() time.Time
	// LockDir, when set, is where the fleet locks are instead of the
	// shared lock directory (LockPath), unless a request names its lock
	// file: tests keep their locks apart with it.
	LockDir string
	// Interrupted is closed by the first interrupt (nil: never). The
	// second cancels the context an operation was given.
	Interrupted <-chan struct{}
	// NewClient makes the API client from its configuration (nil:
	// modelarts.New).
	NewClient func(modelarts.Config) (Client, error)
	// UserAgent is sent with every request, e.g. "nbfleet/1.2.3".
	UserAgent string
	// UI is told warnings and notes (nil: nobody).
	UI UI
}

// UI is what an operation tells its user while it runs. Messages are
// single lines in nbfleet's voice without the "nbfleet: warning: " prefix.
type UI interface {
	// Warnf reports something the user should know and may act on.
	Warnf(format string, args ...any)
	// Infof reports progress that is not data: a lock wait, where a
	// report went.
	Infof(format string, args ...any)
}

type nopUI struct{}

func (nopUI) Warnf(string, ...any) {}
func (nopUI) Infof(string, ...any) {}

func (e *Env) ui() UI {
	if e.UI == nil {
		return nopUI{}
	}
	return e.UI
}

func (e *Env) now() time.Time {
	if e.Now == nil {
		return time.Now()
	}
	return e.Now()
}

// Client is the part of *modelarts.Client the operations use.
type Client interface {
	execute.API
	ListFlavors(ctx context.Context) ([]modelarts.Flavor, error)
	RenewLease(ctx context.Context, id string, lease modelarts.LeaseReq) (*modelarts.Lease, error)
	// ProjectID returns the project id, resolving it if needed.
	ProjectID(ctx context.Context) (string, error)
}

var _ Client = (*modelarts.Client)(nil)

// Conn are the connection options of a command, besides the target and
// the environment.
type Conn struct {
	// CACert is a PEM file of extra CA certificates to trust.
	CACert string
	// AllowInsecure permits plain http to a host that is not loopback.
	AllowInsecure bool
	// AllowFleetEndpoint lets the fleet file's (or the saved plan's)
	// target.endpoint receive credentials although it is not the endpoint
	// the environment or the region table gives (--allow-fleet-endpoint;
	// NBFLEET_ALLOW_FLEET_ENDPOINT=1 does the same).
	AllowFleetEndpoint bool
	// Rate caps requests per second; the client still slows down when
	// throttled. Zero: the client's adaptive default.
	Rate float64
}

// Hinted is an error with a hint: what the user can do about it.
type Hinted struct {
	Err  error
	Hint string
}

func (h *Hinted) Error() string { return h.Err.Error() }
func (h *Hinted) Unwrap() error { return h.Err }

// protectHint says what to do about a plan refused because it would delete
// or replace protected notebooks: run the command again without them
// (--exclude, which plan, apply and destroy have), e.g.
// "nbfleet destroy classroom.yaml --exclude ml101-instructor". The error
// itself says the other way: remove protect: true.
func protectHint(command, fleet string, p *plan.Plan) string {
	var ex []string
	for _, c := range p.ProtectedChanges() {
		ex = append(ex, "--exclude "+ShellQuote(c.Name))
	}
	return fmt.Sprintf("to go on without the protected notebooks, exclude them: nbfleet %s %s %s", command, ShellQuote(fleet), strings.Join(ex, " "))
}

// ShellQuote quotes s for a POSIX shell when it needs it, so a command in a
// hint can be pasted.
func ShellQuote(s string) string {
	safe := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("@%+=:,./_-", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// WithHint returns err with a hint; nil stays nil.
func WithHint(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return &Hinted{Err: err, Hint: fmt.Sprintf(format, args...)}
}

// session is one connection to the cloud for one fleet target.
type session struct {
	client Client
	cfg    modelarts.Config
}

// source says where a target came from, for the refusal of its endpoint:
// a fleet file (with the position of target.endpoint), a saved plan, or
// the user's own flags (trusted).
type source struct {
	fleet *spec.Fleet
	plan  string
	flags bool
}

// connect builds the client of target from the environment and c.
// Credentials go only where the user sent them (modelarts.ConfigFromEnv):
// a target.endpoint from src that differs is refused, naming its place.
func (e *Env) connect(t spec.Target, c Conn, src source) (*session, error) {
	cfg, err := modelarts.ConfigFromEnv(e.Getenv, modelarts.Overrides{
		Cloud:         modelarts.Cloud(t.Cloud),
		Region:        t.Region,
		Endpoint:      t.Endpoint,
		AllowEndpoint: c.AllowFleetEndpoint || src.flags,
		ProjectID:     t.ProjectID,
	})
	if err != nil {
		return nil, src.endpointRefused(err)
	}
	cfg.UserAgent = e.UserAgent
	cfg.CACertFile = c.CACert
	cfg.AllowInsecureEndpoint = c.AllowInsecure
	if c.Rate > 0 {
		// Still adaptive (slower when throttled), paced at Rate from the
		// start and never above it.
		cfg.Limiter = modelarts.NewAdaptiveLimiter(modelarts.LimiterOptions{Min: math.Min(1, c.Rate), Max: c.Rate})
	}
	newClient := e.NewClient
	if newClient == nil {
		newClient = func(cfg modelarts.Config) (Client, error) { return modelarts.New(cfg) }
	}
	client, err := newClient(cfg)
	if err != nil {
		return nil, err
	}
	return &session{client: client, cfg: cfg}, nil
}

// endpointRefused places a refused target.endpoint: file:line:col of the
// fleet file's, or the saved plan's name. Other errors pass.
func (src source) endpointRefused(err error) error {
	var ee *modelarts.EndpointError
	if !errors.As(err, &ee) {
		return err
	}
	hint := "to send credentials there, set NBFLEET_ENDPOINT to it, or allow it with --allow-fleet-endpoint (or NBFLEET_ALLOW_FLEET_ENDPOINT=1); a fleet file from a pull request is untrusted input"
	switch {
	case src.fleet != nil && src.fleet.EndpointAt.Line > 0:
		at := src.fleet.EndpointAt
		return WithHint(fmt.Errorf("%s: %w", at, err), "%s", hint)
	case src.fleet != nil:
		return WithHint(fmt.Errorf("%s: %w", src.fleet.File, err), "%s", hint)
	case src.plan != "":
		return WithHint(fmt.Errorf("saved plan %s: %w", src.plan, err), "%s", hint)
	}
	return WithHint(err, "%s", hint)
}

// locate records on p where it acts — the cloud, region and project the
// session resolved — so that every rendering opens with them and a saved
// plan keeps them.
func (s *session) locate(ctx context.Context, p *plan.Plan) {
	p.Cloud, p.Region = string(s.cfg.Cloud), s.cfg.Region
	if id, err := s.client.ProjectID(ctx); err == nil {
		p.ProjectID = id
	}
}

// openFleet is how every command that reads a fleet's live state begins:
// the fleet file loaded, a session to its cloud under the endpoint policy,
// and the live notebooks of its workspaces.
func (e *Env) openFleet(ctx context.Context, path string, c Conn) (*spec.Fleet, *session, []modelarts.Notebook, error) {
	fleet, err := e.loadFleet(path)
	if err != nil {
		return nil, nil, nil, err
	}
	s, err := e.connect(fleet.Target, c, source{fleet: fleet})
	if err != nil {
		return nil, nil, nil, err
	}
	live, err := s.refresh(ctx, plan.Workspaces(fleet))
	if err != nil {
		return nil, nil, nil, err
	}
	return fleet, s, live, nil
}

// refresh lists the live notebooks of the workspaces, with paginated list
// calls (never one GET per notebook). A DELETED notebook, which the service
// still lists for a while after a delete, is gone: no command sees it.
func (s *session) refresh(ctx context.Context, workspaces []string) ([]modelarts.Notebook, error) {
	var live []modelarts.Notebook
	for _, ws := range workspaces {
		nbs, err := s.client.List(ctx, modelarts.ListOptions{WorkspaceID: ws})
		if err != nil {
			return nil, fmt.Errorf("refresh workspace %s: %w", ws, err)
		}
		for _, nb := range nbs {
			if nb.Status != modelarts.StatusDeleted {
				live = append(live, nb)
			}
		}
	}
	return live, nil
}

// PlanKeyEnv is the environment variable holding the key that signs saved
// plans (HMAC-SHA256): a plan saved with it applies only with it, and one
// saved without it is refused while it is set.
const PlanKeyEnv = "NBFLEET_PLAN_KEY"

// planKey returns the saved plans' signing key from the environment, nil
// when it is not set.
func (e *Env) planKey() ([]byte, error) {
	k := e.Getenv(PlanKeyEnv)
	if k == "" {
		return nil, nil
	}
	if len(k) < plan.MinKeyLen {
		return nil, WithHint(fmt.Errorf("%s is %d characters, too short to sign plans", PlanKeyEnv, len(k)),
			"use at least %d random characters, e.g. export %s=$(openssl rand -hex 32)", plan.MinKeyLen, PlanKeyEnv)
	}
	return []byte(k), nil
}

// loadFleet loads a fleet file and tells the user its warnings (roster
// rows skipped, …); errors are already positioned by spec.
func (e *Env) loadFleet(path string) (*spec.Fleet, error) {
	f, err := spec.Load(path)
	if err != nil {
		return nil, WithHint(err, "fix the file and run 'nbfleet validate %s'", path)
	}
	for _, w := range f.Warnings {
		e.ui().Warnf("%s", w)
	}
	return f, nil
}

// soft returns ctx cancelled also by the first interrupt: for the work
// that stops at once (lock waits, refreshes, prompts, reads).
func (e *Env) soft(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	if e.Interrupted != nil {
		go func() {
			select {
			case <-e.Interrupted:
				cancel()
			case <-ctx.Done():
			}
		}()
	}
	return ctx, cancel
}

// interrupted reports whether the first interrupt came.
func (e *Env) interrupted() bool {
	select {
	case <-e.Interrupted:
		return true
	default:
		return false
	}
}

// stopped returns err as an interruption when an interrupt came: whatever
// failed then failed because of it, and the user asked for it. what says
// what was left undone.
func (e *Env) stopped(err error, what string) error {
	if err == nil || !e.interrupted() || errors.Is(err, ErrInterrupted) {
		return err
	}
	return fmt.Errorf("%w: %s", ErrInterrupted, what)
}

// warnFlavors lists the region's flavors once when the plan creates or
// changes flavors, and warns about those that are sold out or not offered
// (and which fallback of their list notebooks get instead): better to know
// before 300 creates fail one by one. It returns the list (nil when it
// was not read), which an apply hands to the executor.
func (e *Env) warnFlavors(ctx context.Context, c Client, p *plan.Plan) []modelarts.Flavor {
	return e.checkFlavors(ctx, c, p).wait()
}

// flavorCheck is the flavor list being read for a plan (see warnFlavors):
// started at once, its warnings printed by the first call of wait or
// flush.
type flavorCheck struct {
	e       *Env
	p       *plan.Plan
	done    chan struct{} // closed when the list was read (or not)
	flavors []modelarts.Flavor
	err     error
	once    sync.Once
}

// checkFlavors starts reading the flavor list when the plan needs it; the
// check of a plan that needs none is done at once.
func (e *Env) checkFlavors(ctx context.Context, c Client, p *plan.Plan) *flavorCheck {
	fc := &flavorCheck{e: e, p: p, done: make(chan struct{})}
	if !needsFlavors(p) {
		close(fc.done)
		return fc
	}
	go func() {
		defer close(fc.done)
		fc.flavors, fc.err = c.ListFlavors(ctx)
		if fc.err != nil && ctx.Err() != nil {
			fc.err = ctx.Err()
		}
	}()
	return fc
}

// needsFlavors reports whether a step of p sends a flavor.
func needsFlavors(p *plan.Plan) bool {
	for i := range p.Changes {
		for _, s := range p.Changes[i].Steps {
			if (s.Create != nil && s.Create.Flavor != "") || (s.Update != nil && s.Update.Flavor != "") {
				return true
			}
		}
	}
	return false
}

// hasFallbacks reports whether a change of p has a list of flavors: its
// creates and updates choose by the flavor list, so they need it first.
func hasFallbacks(p *plan.Plan) bool {
	for i := range p.Changes {
		if nb := p.Changes[i].Notebook; nb != nil && len(nb.Flavors) > 1 {
			return true
		}
	}
	return false
}

// ready reports whether the list was read (or could not be).
func (fc *flavorCheck) ready() bool {
	select {
	case <-fc.done:
		return true
	default:
		return false
	}
}

// wait waits for the list, prints the warnings (once) and returns it, nil
// when it was not read.
func (fc *flavorCheck) wait() []modelarts.Flavor {
	<-fc.done
	fc.once.Do(func() {
		switch {
		case errors.Is(fc.err, context.Canceled) || errors.Is(fc.err, context.DeadlineExceeded):
		case fc.err != nil:
			fc.e.ui().Warnf("could not check the flavors: %v", fc.err)
		default:
			for _, w := range fc.p.FlavorWarnings(fc.flavors) {
				fc.e.ui().Warnf("%s", w)
			}
		}
	})
	if fc.err != nil {
		return nil
	}
	return fc.flavors
}

// workspaceOf is ws, or the default workspace when it is empty.
func workspaceOf(ws string) string {
	if ws == "" {
		return spec.DefaultWorkspace
	}
	return ws
}
