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

	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/plan"
	"github.com/nbfleet/nbfleet/pkg/spec"
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

// statusRow is one declared notebook as it is live. Notebook tokens are
// never part of it.
type statusRow struct {
	Name   string `json:"name"`
	Status string `json:"status"` // live status, ABSENT or CONFLICT
	ID     string `json:"id,omitempty"`
	URL    string `json:"url,omitempty"`
	Owned  bool   `json:"owned"`
}

func statusRows(f *spec.Fleet, live []modelarts.Notebook, sel plan.Options) []statusRow {
	byName := map[string][]modelarts.Notebook{}
	for _, nb := range live {
		byName[nb.Name] = append(byName[nb.Name], nb)
	}
	var rows []statusRow
	for _, nb := range f.Notebooks {
		if !sel.Selects(nb.Name) {
			continue
		}
		var same []modelarts.Notebook
		for _, l := range byName[nb.Name] {
			if l.WorkspaceID == "" || l.WorkspaceID == nb.WorkspaceID {
				same = append(same, l)
			}
		}
		r := statusRow{Name: nb.Name}
		switch len(same) {
		case 0:
			r.Status = "ABSENT"
		case 1:
			l := same[0]
			r.Status, r.ID, r.URL = l.Status, l.ID, l.URL
			owner, ok := plan.Owner(l.Description)
			r.Owned = ok && owner == f.Name
		default:
			r.Status = "CONFLICT"
		}
		rows = append(rows, r)
	}
	return rows
}

func runStatus(ctx context.Context, e *env, o statusOptions) error {
	switch o.format {
	case "table", "csv", "json":
	default:
		return withHint(fmt.Errorf("unknown --format %q", o.format), "use table, csv or json")
	}
	sel, err := o.sel.options()
	if err != nil {
		return err
	}
	ctx, stop := e.cancelOnInterrupt(ctx)
	defer stop()
	snap, err := e.readFleet(ctx, o.fleet, o.cloud)
	if err != nil {
		return err
	}
	fleet := snap.fleet
	rows := statusRows(fleet, snap.live, sel)
	switch o.format {
	case "json":
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			FormatVersion string      `json:"format_version"`
			Fleet         string      `json:"fleet"`
			Notebooks     []statusRow `json:"notebooks"`
		}{"1", fleet.Name, rows})
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
		id, url := r.ID, r.URL
		if id == "" {
			id = "-"
		}
		if url == "" {
			url = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Name, r.Status, id, url)
		counts[r.Status]++
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%d notebooks: %s\n", len(rows), formatCounts(counts))
	return nil
}

// formatCounts lists the counts in a fixed order: the usual statuses
// first, any other status after them alphabetically.
func formatCounts(m map[string]int) string {
	rank := map[string]int{}
	for i, k := range []string{"RUNNING", "STOPPED", "CREATING", "STARTING", "STOPPING", "DELETING", "CREATE_FAILED", "START_FAILED", "ERROR", "ABSENT", "CONFLICT"} {
		rank[k] = i + 1
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		ri, rj := rank[keys[i]], rank[keys[j]]
		if ri == 0 {
			ri = len(rank) + 1
		}
		if rj == 0 {
			rj = len(rank) + 1
		}
		if ri != rj {
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
	if o.format != "text" && o.format != "json" {
		return withHint(fmt.Errorf("unknown --format %q", o.format), "use text or json")
	}
	ctx, stop := e.cancelOnInterrupt(ctx)
	defer stop()
	_, p, err := computePlan(ctx, e, o.fleet, o.sel, o.cloud)
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
			if c.Action == plan.NoOp {
				continue
			}
			fmt.Fprintf(e.stdout, "%s: %s: %s\n", c.Name, c.Action, c.Reason)
		}
		fmt.Fprintf(e.stdout, "Drift: %s\n", p.SummaryLine())
	}
	if p.HasChanges() {
		return withCode(exitChanges, nil)
	}
	return nil
}
