package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/nbfleet/nbfleet/internal/ops"
	"github.com/nbfleet/nbfleet/pkg/plan"
)

type statusOptions struct {
	fleet  string
	format string
	sel    selectFlags
	cloud  cloudFlags
}

func newStatusCmd(e *env) *cobra.Command {
	var o statusOptions
	cmd := &cobra.Command{
		Use:   "status FLEET",
		Short: "List the declared notebooks with their live status, id and URL",
		Long: `status lists every notebook the fleet declares with its live status, id and
URL, as plan matches them: ABSENT when it does not exist, CONFLICT when two live
notebooks have its name or another fleet owns it. Tokens are never printed.`,
		Example: `  nbfleet status classroom.yaml
  nbfleet status classroom.yaml --format csv > urls.csv
  nbfleet status classroom.yaml --format json`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.fleet = args[0]
			return runStatus(cmd.Context(), e, o)
		},
	}
	cmd.Flags().StringVar(&o.format, "format", "table", "output format: table, csv or json")
	o.sel.register(cmd, false)
	o.cloud.register(cmd)
	return cmd
}

func runStatus(ctx context.Context, e *env, o statusOptions) error {
	if err := oneOf("--format", o.format, "table", "csv", "json"); err != nil {
		return err
	}
	sel, err := o.sel.options()
	if err != nil {
		return err
	}
	r, err := ops.Status(ctx, e.ops(), ops.StatusRequest{Fleet: o.fleet, Select: sel, Conn: o.cloud.conn()})
	if err != nil {
		return err
	}
	switch o.format {
	case "json":
		return plan.WriteStatusJSON(e.stdout, r.Fleet, r.Notebooks)
	case "csv":
		return plan.WriteStatusCSV(e.stdout, r.Notebooks)
	}
	return plan.WriteStatusTable(e.stdout, r.Notebooks)
}

type driftOptions struct {
	fleet  string
	format string
	sel    selectFlags
	cloud  cloudFlags
}

func newDriftCmd(e *env) *cobra.Command {
	var o driftOptions
	cmd := &cobra.Command{
		Use:   "drift FLEET",
		Short: "Check whether the cloud has drifted from the fleet file (exit 2 when it has)",
		Long: `drift refreshes the live state and compares it with the fleet file without
changing anything. It exits 0 when nothing drifted, 2 when something did (for cron
alerting) or a notebook is still in progress (CREATING, STARTING, STOPPING…: not
done until it settles, and it may settle as a failure), and 1 on error.`,
		Example: `  nbfleet drift classroom.yaml               # exit 0: no drift, 2: drift or in progress, 1: error
  nbfleet drift classroom.yaml --format json`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.fleet = args[0]
			return runDrift(cmd.Context(), e, o)
		},
	}
	cmd.Flags().StringVar(&o.format, "format", "text", "output format: text or json")
	o.sel.register(cmd, false)
	o.cloud.register(cmd)
	return cmd
}

func runDrift(ctx context.Context, e *env, o driftOptions) error {
	if err := oneOf("--format", o.format, "text", "json"); err != nil {
		return err
	}
	sel, err := o.sel.options()
	if err != nil {
		return err
	}
	p, err := ops.Drift(ctx, e.ops(), ops.PlanRequest{Fleet: o.fleet, Select: sel, Conn: o.cloud.conn()})
	if err != nil {
		return err
	}
	if o.format == "json" {
		err = plan.WriteJSON(e.stdout, p)
	} else {
		err = plan.WriteDriftText(e.stdout, p)
	}
	if err != nil {
		return err
	}
	if p.Drifted() {
		return errChanges
	}
	return nil
}
