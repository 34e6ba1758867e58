package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/nbfleet/nbfleet/internal/ops"
	"github.com/nbfleet/nbfleet/internal/progress"
	"github.com/nbfleet/nbfleet/pkg/execute"
	"github.com/nbfleet/nbfleet/pkg/plan"
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
	fl.BoolVar(&o.jsonEvents, "json", false, "stream the run as newline-delimited JSON events on stdout, instead of the plan and the live view")
	fl.DurationVar(&o.pollInterval, "poll-interval", 0, "poll pending notebooks at this fixed interval (0: adapt to the transition times seen)")
	fl.DurationVar(&o.drainGrace, "drain-grace", 30*time.Second, "after the first interrupt, how long in-flight notebooks may keep waiting")
	fl.BoolVarP(&o.verbose, "verbose", "v", false, "show field-level differences even for big plans")
	fl.BoolVar(&o.noColor, "no-color", false, "never colour the output")
	o.cloud.register(cmd)
}

// validate refuses flag values that make no sense, instead of falling back
// to a default.
func (o *applyOptions) validate() error {
	return firstError(
		atLeast("--parallelism", o.parallelism, 0),
		rate("--rate", o.rate),
		positive("--timeout", o.timeout),
		atLeast("--max-deletes", o.maxDeletes, -1),
		oneOf("--wait", o.wait, execute.WaitRunning, execute.WaitNone),
		atLeast("--create-attempts", o.createAttempts, 1),
		notNegative("--lock-timeout", o.lockTimeout),
		notNegative("--poll-interval", o.pollInterval),
		positive("--drain-grace", o.drainGrace),
	)
}

func newApplyCmd(e *env) *cobra.Command {
	var o applyOptions
	cmd := &cobra.Command{
		Use:   "apply FLEET|PLANFILE",
		Short: "Create, update and delete notebooks until the cloud matches the fleet",
		Long: `apply FLEET plans, shows the plan and asks for confirmation (--auto-approve
skips the question and is required without a terminal).
apply PLANFILE carries out exactly a plan saved by 'nbfleet plan --out', without a
question, from any directory; it refuses a plan whose notebooks or fleet file changed
since, and a plan that has already been applied.`,
		Example: `  nbfleet apply classroom.yaml                        # plan, show, ask, apply
  nbfleet apply plan.json                             # exactly the reviewed plan
  nbfleet apply classroom.yaml --replace ml101-s017   # recreate one broken notebook
  nbfleet apply classroom.yaml --auto-approve --json > events.jsonl`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.arg = args[0]
			return runApply(cmd, e, o)
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
		Example: `  nbfleet destroy classroom.yaml
  nbfleet destroy classroom.yaml --exclude ml101-instructor
  nbfleet destroy classroom.yaml --target 'ml101-s0*' --auto-approve`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.arg = args[0]
			o.destroy = true
			return runApply(cmd, e, o)
		},
	}
	o.register(cmd)
	o.sel.register(cmd, false)
	return cmd
}

func runApply(cmd *cobra.Command, e *env, o applyOptions) error {
	if err := o.validate(); err != nil {
		return usage(cmd, err)
	}
	sel, err := o.sel.options()
	if err != nil {
		return err
	}
	obs := newProgress(e, o.jsonEvents, o.noColor)
	if lv, ok := obs.(*progress.Live); ok {
		e.live = lv
		defer func() { lv.Close(); e.live = nil }()
	}
	conn := o.cloud.conn()
	conn.Rate = o.rate
	_, err = ops.Apply(cmd.Context(), e.ops(), ops.ApplyRequest{
		Source:      o.arg,
		Destroy:     o.destroy,
		Select:      sel,
		Conn:        conn,
		LockFile:    o.lockFile,
		LockTimeout: o.lockTimeout,
		MaxDeletes:  o.maxDeletes,
		ReportDir:   o.reportDir,
		AutoApprove: o.autoApprove,
		Execute: execute.Options{
			Parallelism:    o.parallelism,
			Timeout:        o.timeout,
			Wait:           o.wait,
			CreateAttempts: o.createAttempts,
			PollInterval:   o.pollInterval,
			DrainGrace:     o.drainGrace,
			Observer:       obs,
		},
		Review: func(ctx context.Context, p *plan.Plan, approve bool) error {
			if !o.jsonEvents {
				if err := renderPlan(e.stdout, e, p, "text", o.verbose, o.noColor, ""); err != nil {
					return err
				}
			}
			if !approve || o.autoApprove {
				return nil
			}
			return e.confirm(ctx, o.destroy)
		},
	})
	return err
}

// confirm asks on the terminal; without one, or when nbfleet runs
// unattended (NBFLEET_IN_AUTOMATION, CI), it refuses: a CI runner with a
// pseudo-terminal must not hang on a question nobody answers. An interrupt
// ends the question at once: reading the answer never holds it up.
func (e *env) confirm(ctx context.Context, destroy bool) error {
	if !e.canPrompt() {
		return ops.WithHint(errors.New("refusing to apply without confirmation: there is no terminal to ask on"),
			"review the plan and run again with --auto-approve, or apply a saved plan")
	}
	verb := "apply these changes"
	if destroy {
		verb = "destroy these notebooks"
	}
	fmt.Fprintf(e.stderr, "\nDo you want to %s? Only 'yes' will be accepted: ", verb)
	answer := make(chan string, 1)
	go func() { answer <- readLine(e.stdin) }() // left blocked if interrupted: the process is ending
	select {
	case line := <-answer:
		if strings.TrimSpace(line) != "yes" {
			return errors.New("cancelled: nothing was changed")
		}
		return nil
	case <-ctx.Done():
		fmt.Fprintln(e.stderr)
		return fmt.Errorf("%w at the confirmation: nothing was changed", ops.ErrInterrupted)
	}
}

func readLine(r io.Reader) string {
	line, _ := bufio.NewReader(r).ReadString('\n')
	return line
}
