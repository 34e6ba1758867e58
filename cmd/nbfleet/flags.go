package main

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/nbfleet/nbfleet/internal/ops"
	"github.com/nbfleet/nbfleet/pkg/plan"
)

// cloudFlags are the connection flags of every command that talks to the
// cloud.
type cloudFlags struct {
	caCert             string
	allowInsecure      bool
	allowFleetEndpoint bool
}

func (f *cloudFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.caCert, "ca-cert", "", "PEM file of extra CA certificates to trust (TLS verification stays on)")
	cmd.Flags().BoolVar(&f.allowInsecure, "allow-insecure-endpoint", false, "allow a plain http:// endpoint that is not on loopback")
	cmd.Flags().BoolVar(&f.allowFleetEndpoint, "allow-fleet-endpoint", false, "send credentials to the fleet file's (or saved plan's) target.endpoint although NBFLEET_ENDPOINT or the region names another")
}

func (f *cloudFlags) conn() ops.Conn {
	return ops.Conn{CACert: f.caCert, AllowInsecure: f.allowInsecure, AllowFleetEndpoint: f.allowFleetEndpoint}
}

// selectFlags pick which notebooks a command acts on.
type selectFlags struct {
	targets      []string
	excludes     []string
	replace      []string
	restartLease bool
	// targetFlag names the flag of targets in errors: "--target", or
	// import's "--match".
	targetFlag string
}

func (f *selectFlags) register(cmd *cobra.Command, withReplace bool) {
	cmd.Flags().StringArrayVar(&f.targets, "target", nil, "only notebooks whose name matches `GLOB` (repeatable)")
	cmd.Flags().StringArrayVar(&f.excludes, "exclude", nil, "skip notebooks whose name matches `GLOB` (repeatable)")
	if withReplace {
		cmd.Flags().StringArrayVar(&f.replace, "replace", nil, "force the notebook `NAME` to be deleted and created again (repeatable)")
		cmd.Flags().BoolVar(&f.restartLease, "restart-after-lease", false, "start again the notebooks their lease stopped (as restart_after_lease: true)")
	}
}

// options returns the selection, refusing a malformed glob (which would
// otherwise quietly match nothing).
func (f *selectFlags) options() (plan.Options, error) {
	o := plan.Options{Targets: f.targets, Excludes: f.excludes, Replace: f.replace, RestartAfterLease: f.restartLease}
	if err := o.Validate(); err != nil {
		flag := f.targetFlag
		if flag == "" {
			flag = "--target"
		}
		return o, ops.WithHint(fmt.Errorf("%s/--exclude: %w", flag, err), "globs use path.Match syntax: * ? [a-z]")
	}
	return o, nil
}

// Checks of flag values: a nonsense value is a usage error, never a silent
// fallback to a default.

func atLeast(flag string, v, min int) error {
	if v < min {
		return fmt.Errorf("%s %d: must be at least %d", flag, v, min)
	}
	return nil
}

func positive(flag string, d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("%s %s: must be more than 0", flag, d)
	}
	return nil
}

func notNegative(flag string, d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("%s %s: must not be negative", flag, d)
	}
	return nil
}

func oneOf(flag, v string, allowed ...string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return ops.WithHint(fmt.Errorf("unknown %s %q", flag, v), "use %s %s", flag, orList(allowed))
}

func orList(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

func rate(flag string, r float64) error {
	if math.IsNaN(r) || math.IsInf(r, 0) || r < 0 {
		return fmt.Errorf("%s %v: must be a number of requests per second, 0 or more", flag, r)
	}
	return nil
}

// firstError returns the first non-nil error.
func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
