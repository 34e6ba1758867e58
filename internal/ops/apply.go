package ops

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/nbfleet/nbfleet/internal/fleetlock"
	"github.com/nbfleet/nbfleet/pkg/execute"
	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/plan"
	"github.com/nbfleet/nbfleet/pkg/report"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

// ApplyRequest is what `nbfleet apply` and `nbfleet destroy` ask for.
type ApplyRequest struct {
	// Source is a fleet file, or a plan saved by `nbfleet plan --out`
	// (plan.IsSaved), which is carried out exactly or refused.
	Source string
	// Destroy plans the deletion of every notebook the fleet owns
	// (plan.Destroy) instead of a Diff; Source must be a fleet file.
	Destroy bool
	// Select narrows or forces the plan; it cannot change a saved one.
	Select plan.Options
	Conn   Conn
	// LockFile overrides the fleet's lock (LockPath, or under Env.LockDir);
	// LockTimeout is how long to wait while another run holds it.
	LockFile    string
	LockTimeout time.Duration
	// MaxDeletes refuses a plan that deletes or replaces more notebooks;
	// negative: no limit.
	MaxDeletes int
	// ReportDir is where the report is written.
	ReportDir string
	// Execute tunes the run (parallelism, timeouts, waiting, the
	// observer). Apply sets Fleet, RunID, Marker, WorkspaceID, Now and
	// Drain itself.
	Execute execute.Options
	// Review is shown the plan before anything changes. approve is true
	// for a plan nobody reviewed yet that changes something: Review then
	// asks for approval, unless AutoApprove. An error stops the apply with
	// nothing changed. Nil approves.
	Review func(ctx context.Context, p *plan.Plan, approve bool) error
	// AutoApprove says that Review does not ask (--auto-approve). The
	// flavor check then runs alongside the first calls instead of before
	// them (its warnings still come before any progress), unless a
	// notebook's list of flavors needs it to choose.
	AutoApprove bool
}

// Apply carries out a plan: it loads the fleet file (or opens the saved
// plan), connects, resolves the project and takes the fleet lock, reads
// the cloud and plans (or checks that the saved plan is fresh), refuses a
// plan that destroys protected notebooks or more than MaxDeletes, has it
// reviewed, claims a saved plan, executes, and writes the report.
//
// The report is nil when nothing ran. The error wraps ErrInterrupted when
// an interrupt stopped the apply at any point, ErrPartial when it ran to
// its end with notebooks that failed or were skipped as conflicts, and is
// another error when nothing could run or the report could not be written.
func Apply(ctx context.Context, e *Env, req ApplyRequest) (*report.Report, error) {
	soft, cancel := e.soft(ctx)
	defer cancel()
	j, err := e.prepare(soft, req)
	if j != nil && j.lock != nil {
		defer j.lock.Release()
	}
	if err != nil {
		return nil, e.stopped(err, "nothing was changed")
	}
	if e.interrupted() {
		return nil, fmt.Errorf("%w: nothing was changed", ErrInterrupted)
	}
	if j.saved != nil {
		// Claimed under the lock, after the checks and before the first
		// call: of two runs of one saved plan exactly one carries it out,
		// and once any of it ran the plan is spent.
		if err := j.saved.Claim(e.now()); err != nil {
			return nil, WithHint(err, "make a new plan: nbfleet plan FLEET --out FILE")
		}
	}

	opts := req.Execute
	started := e.now()
	opts.Fleet = j.fleet
	opts.RunID = started.UTC().Format("20060102T150405Z")
	opts.Marker = spec.OwnerMarker(j.fleet)
	opts.WorkspaceID = workspaceOf(j.workspace)
	opts.Now = e.now
	opts.Drain = e.Interrupted
	opts.Flavors = j.flavors
	var held *heldObserver
	if j.check != nil {
		held = holdUntil(opts.Observer, j.check)
		opts.Observer = held
	}
	stop := e.sayInterrupts(ctx)
	rep, err := execute.Apply(ctx, j.plan, j.session.client, opts)
	stop()
	if held != nil {
		held.release()
	}
	if err != nil {
		return nil, err
	}
	if werr := report.WriteDir(req.ReportDir, rep); werr != nil {
		err = fmt.Errorf("the run ended but its report could not be written: %w", werr)
		if rep.Interrupted {
			err = errors.Join(fmt.Errorf("%w: run apply again to finish", ErrInterrupted), err)
		}
		return rep, err
	}
	e.ui().Infof("report written to %s (%s, %s, %s, %s)", req.ReportDir, report.JSONFile, report.CSVFile, report.MarkdownFile, report.HTMLFile)
	return rep, outcome(rep, j.plan, filepath.Join(req.ReportDir, report.MarkdownFile))
}

// job is an apply made ready: locked, planned, reviewed.
type job struct {
	fleet     string
	workspace string
	saved     *plan.Saved
	key       []byte // the saved plan's signing key
	session   *session
	lock      *fleetlock.Lock
	plan      *plan.Plan
	// flavors is the region's flavor list, when the plan needed it and it
	// was read before the run; check, the check still running when the run
	// begins (nil: none).
	flavors []modelarts.Flavor
	check   *flavorCheck
}

func (e *Env) prepare(ctx context.Context, req ApplyRequest) (*job, error) {
	j := &job{}
	var fleet *spec.Fleet
	var target spec.Target
	var src source
	if plan.IsSaved(req.Source) {
		if req.Destroy {
			return nil, errors.New("destroy takes a fleet file, not a saved plan")
		}
		if sel := req.Select; len(sel.Targets)+len(sel.Excludes)+len(sel.Replace) > 0 || sel.RestartAfterLease {
			return nil, WithHint(errors.New("--target, --exclude, --replace and --restart-after-lease cannot change a saved plan"),
				"make a new plan with those flags: nbfleet plan FLEET --out FILE")
		}
		key, err := e.planKey()
		if err != nil {
			return nil, err
		}
		s, err := openSaved(req.Source, key)
		if err != nil {
			return nil, err
		}
		if !s.Signed() {
			e.ui().Warnf("the saved plan %s carries no signature (it was made without %s): its checksum detects damage, not an edit; nbfleet still checks that every notebook it changes is the fleet's", req.Source, PlanKeyEnv)
		}
		j.key = key
		t := s.Target
		target = spec.Target{Cloud: t.Cloud, Region: t.Region, Endpoint: t.Endpoint, ProjectID: t.ProjectID, WorkspaceID: t.WorkspaceID}
		j.fleet, j.workspace = s.Fleet, t.WorkspaceID
		src = source{plan: req.Source}
	} else {
		f, err := e.loadFleet(req.Source)
		if err != nil {
			return nil, err
		}
		fleet, target = f, f.Target
		j.fleet, j.workspace = f.Name, f.Target.WorkspaceID
		src = source{fleet: f}
	}
	s, err := e.connect(target, req.Conn, src)
	if err != nil {
		return nil, err
	}
	j.session = s

	lockPath := req.LockFile
	if lockPath == "" {
		// The key is the resolved project, not how the endpoint or the
		// project happened to be given: one lock per fleet and project.
		project, err := s.client.ProjectID(ctx)
		if err != nil {
			return nil, err
		}
		if lockPath, err = e.lockPath(j.fleet, s.cfg.Cloud, project); err != nil {
			return nil, WithHint(err, "set %s to an absolute path, or name the lock with --lock-file", fleetlock.DirEnv)
		}
	}
	verb := "apply "
	if req.Destroy {
		verb = "destroy "
	}
	l, err := e.lock(ctx, lockPath, req.LockTimeout, verb+req.Source)
	if err != nil {
		return nil, err
	}
	j.lock = l

	if fleet == nil {
		// Read again under the lock: another run may have claimed it.
		if j.saved, err = openSaved(req.Source, j.key); err != nil {
			return j, err
		}
		if j.plan, err = e.checkSaved(ctx, s, j.saved); err != nil {
			return j, err
		}
	} else {
		live, err := s.refresh(ctx, plan.Workspaces(fleet))
		if err != nil {
			return j, err
		}
		if req.Destroy {
			j.plan = plan.Destroy(fleet, live, req.Select)
		} else {
			j.plan = plan.Diff(fleet, live, req.Select)
		}
		s.locate(ctx, j.plan)
	}
	p := j.plan
	command := "apply"
	if req.Destroy {
		command = "destroy"
	}
	if err := p.Err(); err != nil {
		return j, WithHint(err, "%s", protectHint(command, req.Source, p))
	}
	// The flavor list only warns, unless a notebook's list of flavors
	// chooses by it: read it while the first calls go out when nobody is
	// asked to approve. Against a limit with a burst of one it would
	// otherwise hold every create for a Retry-After.
	check := e.checkFlavors(ctx, s.client, p)
	approve := j.saved == nil && p.HasChanges()
	if !p.HasChanges() || hasFallbacks(p) || (approve && !req.AutoApprove) {
		j.flavors = check.wait()
	} else {
		j.check = check
	}
	refuse := func(err error) (*job, error) {
		if j.check != nil {
			j.check.wait() // its warnings, as when the run goes ahead
		}
		return j, err
	}
	if n := destructive(p); req.MaxDeletes >= 0 && n > req.MaxDeletes {
		err := fmt.Errorf("the plan deletes or replaces %d notebooks, more than --max-deletes %d", n, req.MaxDeletes)
		if req.Destroy {
			return refuse(WithHint(err, "narrow it with --target or --exclude, or raise --max-deletes if it is right"))
		}
		return refuse(WithHint(err, "review the plan with 'nbfleet plan %s'; raise --max-deletes if it is right", ShellQuote(req.Source)))
	}
	if req.Review != nil {
		if err := req.Review(ctx, p, approve); err != nil {
			return refuse(err)
		}
	}
	return j, nil
}

// heldObserver holds a run's progress until the flavor check it waits for
// has answered, then prints the check's warnings and what it held, and
// passes the rest on: the warnings always come before any progress, and
// no call waits for them.
type heldObserver struct {
	mu      sync.Mutex
	obs     execute.Observer // nil: none
	check   *flavorCheck
	held    []func(execute.Observer)
	through bool
}

// holdUntil returns obs held until check answers.
func holdUntil(obs execute.Observer, check *flavorCheck) *heldObserver {
	h := &heldObserver{obs: obs, check: check}
	go func() {
		<-check.done
		h.release()
	}()
	return h
}

// release prints the warnings and what was held, once the check answered.
func (h *heldObserver) release() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.flush()
}

// flush waits for the check, prints its warnings and what was held (once;
// locked).
func (h *heldObserver) flush() {
	if h.through {
		return
	}
	h.check.wait()
	h.through = true
	for _, f := range h.held {
		if h.obs != nil {
			f(h.obs)
		}
	}
	h.held = nil
}

func (h *heldObserver) do(f func(execute.Observer)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.through && h.check.ready() {
		h.flush()
	}
	if !h.through {
		h.held = append(h.held, f)
		return
	}
	if h.obs != nil {
		f(h.obs)
	}
}

func (h *heldObserver) Planned(p *plan.Plan)      { h.do(func(o execute.Observer) { o.Planned(p) }) }
func (h *heldObserver) Started(c *plan.Change)    { h.do(func(o execute.Observer) { o.Started(c) }) }
func (h *heldObserver) Progress(ev execute.Event) { h.do(func(o execute.Observer) { o.Progress(ev) }) }
func (h *heldObserver) Finished(e report.Entry)   { h.do(func(o execute.Observer) { o.Finished(e) }) }
func (h *heldObserver) Summary(r *report.Report)  { h.do(func(o execute.Observer) { o.Summary(r) }) }

// openSaved opens a saved plan and refuses one already applied.
func openSaved(path string, key []byte) (*plan.Saved, error) {
	s, err := plan.Open(path, key)
	if err == nil && s.Applied() {
		err = fmt.Errorf("%s: %w", path, plan.ErrApplied)
	}
	if err != nil {
		return nil, WithHint(err, "make a new plan: nbfleet plan FLEET --out FILE")
	}
	return s, nil
}

// checkSaved returns the saved plan after checking that the fleet file it
// was made from (when it is still there) and the notebooks it read have
// not changed since.
func (e *Env) checkSaved(ctx context.Context, s *session, saved *plan.Saved) (*plan.Plan, error) {
	fp := ""
	if ff := saved.FleetPath(); ff != "" {
		if _, err := os.Stat(ff); errors.Is(err, os.ErrNotExist) {
			e.ui().Warnf("the fleet file %s the plan was made from is gone; applying the saved plan as reviewed", ff)
			fp = saved.FleetFingerprint
		} else if f, err := spec.Load(ff); err != nil {
			return nil, fmt.Errorf("check the fleet file the plan was made from: %w", err)
		} else if f.Name != saved.Fleet {
			return nil, WithHint(fmt.Errorf("%w: the plan is for fleet %q, but its fleet file %s declares fleet %q", plan.ErrStale, saved.Fleet, ff, f.Name),
				"make a new plan: nbfleet plan FLEET --out FILE")
		} else {
			fp = plan.FleetFingerprint(f)
		}
	}
	wss := saved.Target.Workspaces
	if len(wss) == 0 {
		wss = []string{workspaceOf(saved.Target.WorkspaceID)}
	}
	live, err := s.refresh(ctx, wss)
	if err != nil {
		return nil, err
	}
	if err := saved.CheckFresh(fp, live); err != nil {
		return nil, WithHint(err, "make a new plan: nbfleet plan FLEET --out FILE")
	}
	return saved.Plan, nil
}

func destructive(p *plan.Plan) int {
	n := 0
	for _, c := range p.Changes {
		if c.Action == plan.Delete || c.Action == plan.Replace {
			n++
		}
	}
	return n
}

// outcome is the error of a finished run: interrupted, or partial when
// notebooks failed or were left as conflicts, else nil.
func outcome(rep *report.Report, p *plan.Plan, reportMD string) error {
	if rep.Interrupted {
		return fmt.Errorf("%w before every notebook was done; run apply again to finish", ErrInterrupted)
	}
	conflicts := 0
	for _, c := range p.Changes {
		if c.Action == plan.Conflict {
			conflicts++
		}
	}
	failed := rep.Summary.Outcomes[report.Failed]
	if failed == 0 && conflicts == 0 {
		return nil
	}
	var what []string
	if failed > 0 {
		what = append(what, fmt.Sprintf("%d failed", failed))
	}
	if conflicts > 0 {
		what = append(what, fmt.Sprintf("%d skipped as conflicts", conflicts))
	}
	return fmt.Errorf("%w: %s; see %s", ErrPartial, strings.Join(what, ", "), reportMD)
}

// sayInterrupts tells the user, while a run executes, what each interrupt
// does; the returned function stops it.
func (e *Env) sayInterrupts(ctx context.Context) func() {
	done := make(chan struct{})
	go func() {
		select {
		case <-e.Interrupted:
			e.ui().Warnf("interrupted: no new notebook is started; those in flight finish their step (interrupt again to abort them)")
		case <-done:
			return
		}
		select {
		case <-ctx.Done():
			e.ui().Warnf("interrupted again: aborting the calls in flight")
		case <-done:
		}
	}()
	return func() { close(done) }
}
