package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nbfleet/nbfleet/internal/ops"
	"github.com/nbfleet/nbfleet/pkg/report"
)

type handoutOptions struct {
	fleet string
	out   string
	sel   selectFlags
	cloud cloudFlags
}

func newHandoutCmd(e *env) *cobra.Command {
	var o handoutOptions
	cmd := &cobra.Command{
		Use:   "handout FLEET",
		Short: "Write who gets which notebook URL: a CSV for mail merge and a printable page with QR codes",
		Long: `handout reads the live state of the fleet's notebooks and writes, into --out DIR,
handout.csv (the labels, name, status and url of each notebook, for a mail merge) and
handout.html (one card per notebook with its labels, the full URL and its QR code,
printable on A4, six cards a page). Only the fleet's own notebooks get a URL: a
declared name that is absent, not adopted yet or another fleet's gets a card that
says so. Notebook tokens are never written.`,
		Example: `  nbfleet handout classroom.yaml --out handout      # handout/handout.csv and handout/handout.html
  nbfleet handout classroom.yaml --target 'ml101-s0*' --out group-a`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.fleet = args[0]
			return runHandout(cmd.Context(), e, o)
		},
	}
	cmd.Flags().StringVar(&o.out, "out", "nbfleet-handout", "the `DIR` handout.csv and handout.html are written to")
	o.sel.register(cmd, false)
	o.cloud.register(cmd)
	return cmd
}

func runHandout(ctx context.Context, e *env, o handoutOptions) error {
	if o.out == "" {
		return ops.WithHint(fmt.Errorf("--out is empty"), "name the directory the hand-out goes to, e.g. --out handout")
	}
	sel, err := o.sel.options()
	if err != nil {
		return err
	}
	h, err := ops.Handout(ctx, e.ops(), ops.HandoutRequest{Fleet: o.fleet, Select: sel, Conn: o.cloud.conn()})
	if err != nil {
		return err
	}
	var missing []string
	for _, r := range h.Rows {
		if r.URL == "" {
			status := r.Status
			if status == "" {
				status = "no address"
			}
			missing = append(missing, r.Name+" ("+status+")")
		}
	}
	if err := report.WriteHandoutDir(o.out, h); err != nil {
		return err
	}
	if n := len(missing); n > 0 {
		list := strings.Join(missing[:min(n, 5)], ", ")
		if n > 5 {
			list += fmt.Sprintf(" and %d more", n-5)
		}
		fmt.Fprintf(e.stderr, "nbfleet: warning: %d of %d notebooks have no address on the hand-out: %s\n", n, len(h.Rows), list)
	}
	fmt.Fprintf(e.stderr, "nbfleet: hand-out of %s written to %s (%s, %s)\n", plural(len(h.Rows), "notebook"), o.out, report.HandoutCSVFile, report.HandoutHTMLFile)
	return nil
}
