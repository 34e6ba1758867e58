package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/nbfleet/nbfleet/pkg/plan"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

// selectFlags pick which notebooks a command acts on.
type selectFlags struct {
	targets  []string
	excludes []string
	replace  []string
}

func (f *selectFlags) register(cmd *cobra.Command, withReplace bool) {
	cmd.Flags().StringArrayVar(&f.targets, "target", nil, "only notebooks whose name matches `GLOB` (repeatable)")
	cmd.Flags().StringArrayVar(&f.excludes, "exclude", nil, "skip notebooks whose name matches `GLOB` (repeatable)")
	if withReplace {
		cmd.Flags().StringArrayVar(&f.replace, "replace", nil, "force the notebook `NAME` to be deleted and created again (repeatable)")
	}
}

// options returns the selection as plan options, refusing a malformed glob
// (which would otherwise quietly match nothing).
func (f *selectFlags) options() (plan.Options, error) {
	o := plan.Options{Targets: f.targets, Excludes: f.excludes, Replace: f.replace}
	if err := o.Validate(); err != nil {
		return o, withHint(fmt.Errorf("--target/--exclude: %w", err), "globs use path.Match syntax: * ? [a-z]")
	}
	return o, nil
}

type planOptions struct {
	fleet        string
	out          string
	format       string
	detailed     bool
	verbose      bool
	noColor      bool
	markdownHint string
	sel          selectFlags
	cloud        cloudFlags
}

func newPlanCmd(e *env) *cobra.Command {
	var o planOptions
	cmd := &cobra.Command{
		Use:   "plan FLEET",
		Short: "Show what apply would change, and optionally save it for review",
		Long: `plan compares the fleet file with the notebooks that exist and shows the difference.
With --out it saves the plan; 'nbfleet apply FILE' carries out exactly that plan, or
refuses if the cloud or the fleet file changed since.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.fleet = args[0]
			return runPlan(cmd.Context(), e, o)
		},
	}
	cmd.Flags().StringVar(&o.out, "out", "", "save the plan to `FILE` for 'nbfleet apply FILE'")
	cmd.Flags().StringVar(&o.format, "format", "text", "output format: text, json or markdown")
	cmd.Flags().BoolVar(&o.detailed, "detailed-exitcode", false, "exit 2 when there are changes, 0 when none")
	cmd.Flags().BoolVarP(&o.verbose, "verbose", "v", false, "show field-level differences even for big plans")
	cmd.Flags().BoolVar(&o.noColor, "no-color", false, "never colour the output")
	cmd.Flags().StringVar(&o.markdownHint, "full-plan-hint", "", "with --format markdown: where readers find the full plan when it is truncated")
	o.sel.register(cmd, true)
	o.cloud.register(cmd)
	return cmd
}

// computePlan reads the fleet and the cloud and diffs them.
func computePlan(ctx context.Context, e *env, path string, sel selectFlags, cf cloudFlags) (*snapshot, *plan.Plan, error) {
	opts, err := sel.options()
	if err != nil {
		return nil, nil, err
	}
	s, err := e.readFleet(ctx, path, cf)
	if err != nil {
		return nil, nil, err
	}
	return s, plan.Diff(s.fleet, s.live, opts), nil
}

func runPlan(ctx context.Context, e *env, o planOptions) error {
	switch o.format {
	case "text", "json", "markdown":
	default:
		return withHint(fmt.Errorf("unknown --format %q", o.format), "use text, json or markdown")
	}
	ctx, stop := e.cancelOnInterrupt(ctx)
	defer stop()
	snap, p, err := computePlan(ctx, e, o.fleet, o.sel, o.cloud)
	if err != nil {
		return err
	}
	fleet, cfg := snap.fleet, snap.cfg
	e.warnFlavors(ctx, snap.client, p)
	if err := renderPlan(e.stdout, e, p, o.format, o.verbose, o.noColor, o.markdownHint); err != nil {
		return err
	}
	if err := p.Err(); err != nil {
		return withHint(err, "remove protect: true from the notebook if you really mean it")
	}
	if o.out != "" {
		meta := plan.Meta{
			CreatedAt:        e.now(),
			FleetFile:        o.fleet,
			FleetFingerprint: plan.FleetFingerprint(fleet),
			Target: spec.Target{
				Cloud:       string(cfg.Cloud),
				Region:      cfg.Region,
				Endpoint:    cfg.Endpoint,
				ProjectID:   cfg.ProjectID,
				WorkspaceID: fleet.Target.WorkspaceID,
			},
			Workspaces: plan.Workspaces(fleet),
			Live:       snap.live,
		}
		if err := plan.Save(o.out, p, meta); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "nbfleet: plan saved to %s; apply it with 'nbfleet apply %s'\n", o.out, o.out)
	}
	if o.detailed && p.HasChanges() {
		return withCode(exitChanges, nil)
	}
	return nil
}

func renderPlan(w io.Writer, e *env, p *plan.Plan, format string, verbose, noColor bool, hint string) error {
	switch format {
	case "json":
		return plan.WriteJSON(w, p)
	case "markdown":
		return plan.WriteMarkdown(w, p, plan.MarkdownOptions{FullPlanHint: hint})
	default:
		color := !noColor && !e.inAutomation() && e.getenv("NO_COLOR") == ""
		return plan.WriteText(w, p, plan.TextOptions{Color: color, Verbose: verbose, SummaryFirstAbove: 50})
	}
}
