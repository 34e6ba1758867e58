package main

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/plan"
)

type renewOptions struct {
	fleet       string
	duration    time.Duration
	leaseType   string
	parallelism int
	sel         selectFlags
	cloud       cloudFlags
}

func newRenewCmd(e *env) *cobra.Command {
	var o renewOptions
	cmd := &cobra.Command{
		Use:   "renew FLEET --duration D",
		Short: "Extend the auto-stop lease of the fleet's running notebooks",
		Long: `renew extends the lease (auto-stop timer) of every running notebook the fleet
owns, e.g. before an exam day: nbfleet renew ml101.yaml --duration 8h.
Stopped notebooks are left alone.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.fleet = args[0]
			return runRenew(cmd.Context(), e, o)
		},
	}
	cmd.Flags().DurationVar(&o.duration, "duration", 0, "new lease duration, from now (1h to 72h)")
	cmd.Flags().StringVar(&o.leaseType, "type", "", "lease type: timing or idle (default: keep the service's default)")
	cmd.Flags().IntVar(&o.parallelism, "parallelism", 16, "notebooks renewed at once")
	o.sel.register(cmd, false)
	o.cloud.register(cmd)
	_ = cmd.MarkFlagRequired("duration")
	return cmd
}

func runRenew(ctx context.Context, e *env, o renewOptions) error {
	if o.duration < time.Hour || o.duration > 72*time.Hour {
		return withHint(fmt.Errorf("--duration %s is outside the lease range of 1h to 72h", o.duration), "e.g. --duration 8h")
	}
	if o.leaseType != "" && o.leaseType != "timing" && o.leaseType != "idle" {
		return withHint(fmt.Errorf("unknown --type %q", o.leaseType), "use timing or idle")
	}
	if o.parallelism < 1 {
		o.parallelism = 1
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
	fleet, client, live := snap.fleet, snap.client, snap.live
	declared := map[string]bool{}
	for _, nb := range fleet.Notebooks {
		declared[nb.Name] = true
	}
	var todo []modelarts.Notebook
	skipped := 0
	for _, nb := range live {
		owner, ok := plan.Owner(nb.Description)
		if !ok || owner != fleet.Name || !declared[nb.Name] || !sel.Selects(nb.Name) {
			continue
		}
		if nb.Status != modelarts.StatusRunning {
			skipped++
			fmt.Fprintf(e.stdout, "%s: %s, lease not renewed\n", nb.Name, nb.Status)
			continue
		}
		todo = append(todo, nb)
	}
	sort.Slice(todo, func(i, j int) bool { return todo[i].Name < todo[j].Name })

	req := modelarts.LeaseReq{Duration: o.duration.Milliseconds(), Type: o.leaseType}
	errs := make([]error, len(todo))
	var mu sync.Mutex
	var g errgroup.Group
	g.SetLimit(o.parallelism)
	for i, nb := range todo {
		g.Go(func() error {
			_, err := client.RenewLease(ctx, nb.ID, req)
			errs[i] = err
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				fmt.Fprintf(e.stdout, "%s: renew failed: %v\n", nb.Name, err)
			} else {
				fmt.Fprintf(e.stdout, "%s: lease renewed for %s\n", nb.Name, o.duration)
			}
			return nil
		})
	}
	_ = g.Wait()
	failed := 0
	for _, err := range errs {
		if err != nil {
			failed++
		}
	}
	fmt.Fprintf(e.stdout, "Renew: %d renewed, %d failed, %d not running.\n", len(todo)-failed, failed, skipped)
	if ctx.Err() != nil {
		return withCode(exitInterrupted, nil)
	}
	if failed > 0 {
		return withCode(exitPartial, nil)
	}
	return nil
}
