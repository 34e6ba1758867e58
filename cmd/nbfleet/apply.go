package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/nbfleet/nbfleet/internal/fleetlock"
	"github.com/nbfleet/nbfleet/pkg/execute"
	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/plan"
	"github.com/nbfleet/nbfleet/pkg/report"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

type applyOptions struct {
	arg            string
	destroy        bool
	autoApprove    bool
	parallelism    int
	rate           float64
	timeout        time.Duration
	maxDeletes     int
	reportDir      string
	wait           string
	createAttempts int
	lockTimeout    time.Duration
	lockFile       string
	jsonEvents     bool
	pollInterval   time.Duration
	drainGrace     time.Duration
	verbose        bool
	noColor        bool
	sel            selectFlags
	cloud          cloudFlags
}

func (o *applyOptions) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.BoolVar(&o.autoApprove, "auto-approve", false, "do not ask for confirmation (required without a terminal)")
	fl.IntVar(&o.parallelism, "parallelism", 0, "cap on notebooks making calls at once (0: as many as the service's rate and latency need)")
	fl.Float64Var(&o.rate, "rate", 0, "cap on API requests per second (0: adapt to the service's throttling)")
	fl.DurationVar(&o.timeout, "timeout", 20*time.Minute, "time allowed per notebook")
	fl.IntVar(&o.maxDeletes, "max-deletes", -1, "refuse a plan that deletes or replaces more than `N` notebooks (-1: no limit)")
	fl.StringVar(&o.reportDir, "report-dir", "nbfleet-report", "where report.json, report.csv, report.md and report.html are written")
	fl.StringVar(&o.wait, "wait", "running", "wait for notebooks to reach their state (running) or return once the calls are accepted (none)")
	fl.IntVar(&o.createAttempts, "create-attempts", 2, "creates per notebook when one ends CREATE_FAILED")
	fl.DurationVar(&o.lockTimeout, "lock-timeout", 0, "how long to wait for another run of this fleet to finish")
	fl.StringVar(&o.lockFile, "lock-file", "", "lock file (default: one per fleet and project in the temp directory)")
	fl.BoolVar(&o.jsonEvents, "json", false, "print newline-delimited JSON events on stdout instead of text")
	fl.DurationVar(&o.pollInterval, "poll-interval", 0, "poll pending notebooks at this fixed interval (0: adapt to the transition times seen)")
	fl.DurationVar(&o.drainGrace, "drain-grace", 30*time.Second, "after the first interrupt, how long in-flight notebooks may keep waiting")
	fl.BoolVarP(&o.verbose, "verbose", "v", false, "show field-level differences even for big plans")
	fl.BoolVar(&o.noColor, "no-color", false, "never colour the output")
	o.cloud.register(cmd)
}

func newApplyCmd(e *env) *cobra.Command {
	var o applyOptions
	cmd := &cobra.Command{
		Use:   "apply FLEET|PLANFILE",
		Short: "Create, update and delete notebooks until the cloud matches the fleet",
		Long: `apply FLEET plans, shows the plan and asks for confirmation (--auto-approve
skips the question and is required without a terminal).
apply PLANFILE carries out exactly a plan saved by 'nbfleet plan --out', without a
question; it refuses a plan whose notebooks or fleet file changed since, and a plan
that has already been applied.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.arg = args[0]
			return runApply(cmd.Context(), e, o)
		},
	}
	o.register(cmd)
	o.sel.register(cmd, true)
	return cmd
}

func newDestroyCmd(e *env) *cobra.Command {
	var o applyOptions
	cmd := &cobra.Command{
		Use:   "destroy FLEET",
		Short: "Delete every notebook the fleet owns",
		Long: `destroy deletes every notebook that carries the fleet's ownership marker.
Notebooks the fleet does not own are never touched.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.arg = args[0]
			o.destroy = true
			return runApply(cmd.Context(), e, o)
		},
	}
	o.register(cmd)
	o.sel.register(cmd, false)
	return cmd
}

// job is what apply acts on: from a fleet file or from a saved plan.
type job struct {
	fleet     *spec.Fleet
	saved     *plan.Saved
	target    spec.Target
	fleetName string
}

func runApply(ctx context.Context, e *env, o applyOptions) error {
	switch o.wait {
	case "running", "none":
	default:
		return withHint(fmt.Errorf("unknown --wait %q", o.wait), "use running or none")
	}
	if o.parallelism < 0 {
		return fmt.Errorf("--parallelism must not be negative, got %d", o.parallelism)
	}
	sel, err := o.sel.options()
	if err != nil {
		return err
	}
	var j job
	if saved, err := openIfPlan(o.arg); err != nil {
		return err
	} else if saved != nil {
		if o.destroy {
			return errors.New("destroy takes a fleet file, not a saved plan")
		}
		if len(o.sel.targets)+len(o.sel.excludes)+len(o.sel.replace) > 0 {
			return withHint(errors.New("--target, --exclude and --replace cannot change a saved plan"), "make a new plan with those flags: nbfleet plan FLEET --out FILE")
		}
		if saved.Applied() {
			return withHint(fmt.Errorf("%s: %w", o.arg, plan.ErrApplied), "make a new plan: nbfleet plan FLEET --out FILE")
		}
		j.saved = saved
		t := saved.Target
		j.target = spec.Target{Cloud: t.Cloud, Region: t.Region, Endpoint: t.Endpoint, ProjectID: t.ProjectID, WorkspaceID: t.WorkspaceID}
		j.fleetName = saved.Plan.Fleet
	} else {
		fleet, err := loadFleet(o.arg)
		if err != nil {
			return err
		}
		j.fleet = fleet
		j.target = fleet.Target
		j.fleetName = fleet.Name
	}

	client, cfg, err := e.newClient(j.target, o.cloud, func(c *modelarts.Config) {
		if o.rate > 0 {
			// Still adaptive (it slows down on 429), but never above --rate.
			c.Limiter = modelarts.NewAdaptiveLimiter(modelarts.LimiterOptions{Max: o.rate})
		}
	})
	if err != nil {
		return err
	}

	lockPath := o.lockFile
	if lockPath == "" {
		lockPath = defaultLockPath(j.fleetName, cfg.Endpoint, cfg.ProjectID)
	}
	lock, err := fleetlock.Acquire(ctx, lockPath, o.lockTimeout, fleetlock.Self(e.now(), "nbfleet "+commandName(o)))
	if err != nil {
		return withHint(err, "wait for the other run to finish, or raise --lock-timeout")
	}
	defer lock.Release()

	p, err := j.plan(ctx, e, client, sel, o.destroy)
	if err != nil {
		return err
	}
	if err := p.Err(); err != nil {
		return withHint(err, "remove protect: true from the notebook if you really mean it")
	}
	e.warnFlavors(ctx, client, p)
	if n := destructive(p); o.maxDeletes >= 0 && n > o.maxDeletes {
		return withHint(fmt.Errorf("the plan deletes or replaces %d notebooks, more than --max-deletes %d", n, o.maxDeletes),
			"review the plan with 'nbfleet plan'; raise --max-deletes if it is right")
	}

	if !o.jsonEvents {
		if err := renderPlan(e.stdout, e, p, "text", o.verbose, o.noColor, ""); err != nil {
			return err
		}
	}
	if p.HasChanges() && j.saved == nil && !o.autoApprove {
		if err := e.confirm(o); err != nil {
			return err
		}
	}

	ctx, drain, stop := e.interruptible(ctx)
	defer stop()
	obs := newProgress(e, progressWriter(e, o), o.jsonEvents)
	started := e.now()
	rep, err := execute.Apply(ctx, p, client, execute.Options{
		Parallelism:    o.parallelism,
		Timeout:        o.timeout,
		Wait:           o.wait,
		CreateAttempts: o.createAttempts,
		PollInterval:   o.pollInterval,
		Drain:          drain,
		DrainGrace:     o.drainGrace,
		Observer:       obs,
		Now:            e.now,
		Fleet:          j.fleetName,
		RunID:          runID(started),
		Marker:         spec.OwnerMarker(j.fleetName),
		WorkspaceID:    workspaceOr0(j.target.WorkspaceID),
	})
	if j.saved != nil && rep != nil {
		// Once any of it ran, the saved plan is spent: what is left needs a
		// new plan against the changed cloud.
		if merr := plan.MarkApplied(o.arg, e.now()); merr != nil {
			e.warnf("could not mark %s as applied: %v", o.arg, merr)
		}
	}
	if rep != nil {
		if werr := report.WriteDir(o.reportDir, rep); werr != nil {
			e.warnf("could not write the report: %v", werr)
		} else if !o.jsonEvents {
			fmt.Fprintf(e.stderr, "nbfleet: report written to %s (report.json, report.csv, report.md, report.html)\n", o.reportDir)
		}
	}
	if err != nil {
		return err
	}
	return withCode(exitCodeOf(rep), nil)
}

func commandName(o applyOptions) string {
	if o.destroy {
		return "destroy " + o.arg
	}
	return "apply " + o.arg
}

// plan returns the plan to carry out: the saved one after checking it is
// fresh, or a new one.
func (j *job) plan(ctx context.Context, e *env, client *modelarts.Client, sel plan.Options, destroy bool) (*plan.Plan, error) {
	if j.saved != nil {
		fp := ""
		if ff := j.saved.FleetFile; ff != "" {
			if f, err := spec.Load(ff); err == nil {
				fp = plan.FleetFingerprint(f)
			} else if !errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("check the fleet file the plan was made from: %w", err)
			} else {
				e.warnf("the fleet file %s the plan was made from is gone; applying the saved plan as reviewed", ff)
			}
		}
		wss := j.saved.Target.Workspaces
		if len(wss) == 0 {
			wss = []string{j.saved.Target.WorkspaceID}
		}
		live, err := refresh(ctx, client, wss)
		if err != nil {
			return nil, err
		}
		if err := j.saved.CheckFresh(fp, live); err != nil {
			return nil, withHint(err, "make a new plan: nbfleet plan FLEET --out FILE")
		}
		return j.saved.Plan, nil
	}
	live, err := refresh(ctx, client, plan.Workspaces(j.fleet))
	if err != nil {
		return nil, err
	}
	if destroy {
		return plan.Destroy(j.fleet, live, sel), nil
	}
	return plan.Diff(j.fleet, live, sel), nil
}

// openIfPlan opens path as a saved plan if it is one, else returns nil.
func openIfPlan(path string) (*plan.Saved, error) {
	if !looksLikeSavedPlan(path) {
		return nil, nil
	}
	s, err := plan.Open(path)
	if err != nil {
		return nil, withHint(err, "make a new plan: nbfleet plan FLEET --out FILE")
	}
	return s, nil
}

// looksLikeSavedPlan tells a saved plan (JSON) from a fleet file (YAML):
// fleet files are YAML mappings in block style, saved plans JSON objects.
func looksLikeSavedPlan(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	buf := make([]byte, 512)
	n, _ := f.Read(buf)
	for _, b := range buf[:n] {
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		case '{':
			return true
		}
		return false
	}
	return false
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

// confirm asks on the terminal; without one, or when nbfleet runs in
// automation (NBFLEET_IN_AUTOMATION, CI), it refuses: a CI runner with a
// pseudo-terminal must not hang on a question nobody answers.
func (e *env) confirm(o applyOptions) error {
	if !e.stdinTTY || e.getenv("NBFLEET_IN_AUTOMATION") != "" || e.getenv("CI") != "" {
		return withHint(errors.New("refusing to apply without confirmation: there is no terminal to ask on"),
			"review the plan and run again with --auto-approve, or apply a saved plan")
	}
	verb := "apply these changes"
	if o.destroy {
		verb = "destroy these notebooks"
	}
	fmt.Fprintf(e.stderr, "\nDo you want to %s? Only 'yes' will be accepted: ", verb)
	line, _ := bufio.NewReader(e.stdin).ReadString('\n')
	if strings.TrimSpace(line) != "yes" {
		return withCode(exitError, errors.New("cancelled: nothing was changed"))
	}
	return nil
}

// interruptible returns a context cancelled by the second interrupt and a
// channel closed by the first: stop launching work, let in-flight work end.
func (e *env) interruptible(ctx context.Context) (context.Context, <-chan struct{}, func()) {
	ctx, cancel := context.WithCancel(ctx)
	drain := make(chan struct{})
	done := make(chan struct{})
	go func() {
		n := 0
		for {
			select {
			case <-e.interrupts:
				n++
				if n == 1 {
					close(drain)
					e.warnf("interrupted: no new work is started; in-flight notebooks finish their step (Ctrl-C again aborts)")
					continue
				}
				e.warnf("interrupted again: aborting in-flight calls")
				cancel()
				return
			case <-done:
				return
			}
		}
	}()
	return ctx, drain, func() { close(done); cancel() }
}

// cancelOnInterrupt cancels ctx on the first interrupt (read-only commands).
func (e *env) cancelOnInterrupt(ctx context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		select {
		case <-e.interrupts:
			cancel()
		case <-done:
		}
	}()
	return ctx, func() { close(done); cancel() }
}

// progressWriter is where progress goes: stdout for --json events (they
// are the command's data), stderr otherwise.
func progressWriter(e *env, o applyOptions) io.Writer {
	if o.jsonEvents {
		return e.stdout
	}
	return e.stderr
}

func workspaceOr0(ws string) string {
	if ws == "" {
		return "0"
	}
	return ws
}

func runID(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// exitCodeOf maps a finished run to the exit-code contract.
func exitCodeOf(r *report.Report) int {
	switch {
	case r == nil:
		return exitError
	case r.Interrupted:
		return exitInterrupted
	case r.Summary.Outcomes[report.Failed] > 0:
		return exitPartial
	}
	return exitOK
}
