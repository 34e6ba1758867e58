package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/nbfleet/nbfleet/internal/ops"
	"github.com/nbfleet/nbfleet/pkg/plan"
)

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
		Example: `  nbfleet plan classroom.yaml
  nbfleet plan classroom.yaml --out plan.json              # save it for review and apply
  nbfleet plan classroom.yaml --format markdown > plan.md  # for a pull-request comment
  nbfleet plan classroom.yaml --detailed-exitcode          # exit 2 when something would change`,
		Args: exactArgs(1),
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

func runPlan(ctx context.Context, e *env, o planOptions) error {
	if err := oneOf("--format", o.format, "text", "json", "markdown"); err != nil {
		return err
	}
	sel, err := o.sel.options()
	if err != nil {
		return err
	}
	p, err := ops.Plan(ctx, e.ops(), ops.PlanRequest{Fleet: o.fleet, Select: sel, Conn: o.cloud.conn(), Out: o.out})
	if p != nil {
		if rerr := renderPlan(e.stdout, e, p, o.format, o.verbose, o.noColor, o.markdownHint); rerr != nil && err == nil {
			err = rerr
		}
	}
	if err != nil {
		return err
	}
	if o.out != "" {
		fmt.Fprintf(e.stderr, "nbfleet: plan saved to %s; apply it with 'nbfleet apply %s'\n", o.out, o.out)
	}
	if o.detailed && p.HasChanges() {
		return errChanges
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
		color := !noColor && e.colorOn(e.stdoutTTY)
		return plan.WriteText(w, p, plan.TextOptions{Color: color, Verbose: verbose, SummaryFirstAbove: 50})
	}
}
