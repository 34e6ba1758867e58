package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/nbfleet/nbfleet/internal/ops"
	"github.com/nbfleet/nbfleet/internal/safetext"
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
Stopped notebooks are left alone, those their lease stopped included: renew never
starts a notebook ('nbfleet apply --restart-after-lease' does).`,
		Example: `  nbfleet renew classroom.yaml --duration 8h
  nbfleet renew classroom.yaml --duration 2h --type idle --target 'ml101-s01*'`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.fleet = args[0]
			if err := o.validate(); err != nil {
				return usage(cmd, err)
			}
			return runRenew(cmd.Context(), e, o)
		},
	}
	cmd.Flags().DurationVar(&o.duration, "duration", 0, "new lease duration, from now (1h to 72h)")
	cmd.Flags().StringVar(&o.leaseType, "type", "", "lease type: timing or idle (default: keep the service's default)")
	cmd.Flags().IntVar(&o.parallelism, "parallelism", 16, "notebooks renewed at once")
	o.sel.register(cmd, false)
	o.cloud.register(cmd)
	return cmd
}

func (o *renewOptions) validate() error {
	if o.duration == 0 {
		return errors.New("--duration is required: how long the leases last from now, e.g. --duration 8h")
	}
	return atLeast("--parallelism", o.parallelism, 1)
}

func runRenew(ctx context.Context, e *env, o renewOptions) error {
	sel, err := o.sel.options()
	if err != nil {
		return err
	}
	results, err := ops.Renew(ctx, e.ops(), ops.RenewRequest{
		Fleet: o.fleet, Select: sel, Conn: o.cloud.conn(),
		Duration: o.duration, Type: o.leaseType, Parallelism: o.parallelism,
		// Names, statuses and API errors are cloud text: inert lines.
		Progress: func(r ops.RenewResult) {
			name := safetext.Terminal(r.Name)
			switch {
			case r.Renewed:
				fmt.Fprintf(e.stdout, "%s: lease renewed for %s\n", name, o.duration)
			case r.Err != nil:
				fmt.Fprintf(e.stdout, "%s: renew failed: %s\n", name, safetext.Terminal(r.Err.Error()))
			case !r.LeaseStoppedAt.IsZero():
				fmt.Fprintf(e.stdout, "%s: %s by its lease at %s, lease not renewed (apply --restart-after-lease starts it)\n",
					name, safetext.Terminal(r.Status), r.LeaseStoppedAt.Format(time.RFC3339))
			default:
				fmt.Fprintf(e.stdout, "%s: %s, lease not renewed\n", name, safetext.Terminal(r.Status))
			}
		},
	})
	if results != nil {
		renewed, failed, skipped := 0, 0, 0
		for _, r := range results {
			switch {
			case r.Renewed:
				renewed++
			case r.Err != nil:
				failed++
			default:
				skipped++
			}
		}
		fmt.Fprintf(e.stdout, "Renew: %d renewed, %d failed, %d not running.\n", renewed, failed, skipped)
	}
	return err
}
