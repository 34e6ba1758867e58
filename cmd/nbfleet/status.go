package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/nbfleet/nbfleet/internal/ops"
	"github.com/nbfleet/nbfleet/pkg/plan"
)

// statusFormatVersion is the format_version of `status --format json`;
// version 2 made it an integer.
const statusFormatVersion = 2

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
		Args:  cobra.ExactArgs(1),
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
	rows := r.Notebooks
	switch o.format {
	case "json":
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			FormatVersion int                   `json:"format_version"`
			Fleet         string                `json:"fleet"`
			Notebooks     []plan.NotebookStatus `json:"notebooks"`
		}{statusFormatVersion, r.Fleet, rows})
	case "csv":
		w := csv.NewWriter(e.stdout)
		w.Write([]string{"name", "status", "id", "url"})
		for _, r := range rows {
			w.Write([]string{r.Name, r.Status, r.ID, r.URL})
		}
		w.Flush()
		return w.Error()
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSTATUS\tID\tURL")
	counts := map[string]int{}
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Name, r.Status, orDash(r.ID), orDash(r.URL))
		counts[r.Status]++
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%d notebooks: %s\n", len(rows), formatCounts(counts))
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// formatCounts lists the counts in a fixed order: the usual statuses
// first, any other status after them alphabetically.
func formatCounts(m map[string]int) string {
	rank := map[string]int{}
	for i, k := range []string{"RUNNING", "STOPPED", "CREATING", "STARTING", "STOPPING", "DELETING", "CREATE_FAILED", "START_FAILED", "ERROR", plan.StatusAbsent, plan.StatusConflict} {
		rank[k] = i + 1
	}
	order := func(k string) int {
		if r := rank[k]; r > 0 {
			return r
		}
		return len(rank) + 1
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if ri, rj := order(keys[i]), order(keys[j]); ri != rj {
			return ri < rj
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d %s", m[k], k)
	}
	return strings.Join(parts, ", ")
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
alerting) and 1 on error.`,
		Args: cobra.ExactArgs(1),
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
		if err := plan.WriteJSON(e.stdout, p); err != nil {
			return err
		}
	} else if !p.HasChanges() {
		fmt.Fprintln(e.stdout, "No drift: the cloud matches the fleet.")
	} else {
		for _, c := range p.Changes {
			if c.Action != plan.NoOp {
				fmt.Fprintf(e.stdout, "%s: %s: %s\n", c.Name, c.Action, c.Reason)
			}
		}
		fmt.Fprintf(e.stdout, "Drift: %s\n", p.SummaryLine())
	}
	if p.HasChanges() {
		return errChanges
	}
	return nil
}
