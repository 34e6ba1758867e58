package main

import (
	"strings"
	"testing"
)

// TestNonsenseFlags: a flag value that makes no sense is a usage error
// naming the flag, before anything is read or called, never a silent
// fallback to a default.
func TestNonsenseFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"apply", "f.yaml", "--rate", "NaN"}, "--rate NaN: must be a number"},
		{[]string{"apply", "f.yaml", "--rate", "+Inf"}, "--rate +Inf: must be a number"},
		{[]string{"apply", "f.yaml", "--rate", "-1"}, "--rate -1: must be a number"},
		{[]string{"apply", "f.yaml", "--timeout", "-1s"}, "--timeout -1s: must be more than 0"},
		{[]string{"apply", "f.yaml", "--timeout", "0"}, "--timeout 0s: must be more than 0"},
		{[]string{"apply", "f.yaml", "--parallelism", "-1"}, "--parallelism -1: must be at least 0"},
		{[]string{"apply", "f.yaml", "--poll-interval", "-5s"}, "--poll-interval -5s: must not be negative"},
		{[]string{"apply", "f.yaml", "--drain-grace", "-1m"}, "--drain-grace -1m0s: must be more than 0"},
		{[]string{"apply", "f.yaml", "--lock-timeout", "-1s"}, "--lock-timeout -1s: must not be negative"},
		{[]string{"apply", "f.yaml", "--create-attempts", "0"}, "--create-attempts 0: must be at least 1"},
		{[]string{"apply", "f.yaml", "--max-deletes", "-2"}, "--max-deletes -2: must be at least -1"},
		{[]string{"apply", "f.yaml", "--wait", "sometimes"}, `unknown --wait "sometimes"`},
		{[]string{"destroy", "f.yaml", "--parallelism", "-3"}, "--parallelism -3: must be at least 0"},
		{[]string{"renew", "f.yaml", "--duration", "8h", "--parallelism", "0"}, "--parallelism 0: must be at least 1"},
		{[]string{"renew", "f.yaml", "--duration", "8h", "--type", "sometimes"}, `unknown lease type "sometimes"`},
		{[]string{"renew", "f.yaml", "--duration", "-8h"}, "--duration -8h is outside the lease range of 1h to 72h"},
		{[]string{"plan", "f.yaml", "--format", "yaml"}, `unknown --format "yaml"`},
		{[]string{"status", "f.yaml", "--format", "xml"}, `unknown --format "xml"`},
		{[]string{"drift", "f.yaml", "--format", "markdown"}, `unknown --format "markdown"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			e, out, errb := cliEnvNoServer()
			code := run(tt.args, e)
			if code != exitError || !strings.Contains(errb.String(), "nbfleet: error: "+tt.want) {
				t.Fatalf("exit %d, stderr:\n%s\nwant exit 1 and %q", code, errb, tt.want)
			}
			if strings.Contains(errb.String(), "f.yaml") || out.String() != "" {
				t.Errorf("the command went on to read the fleet file:\n%s%s", out, errb)
			}
		})
	}
	// Values that make sense pass: 0 for --rate (adaptive), --parallelism
	// (automatic), --poll-interval (adaptive) and --lock-timeout (try once),
	// -1 for --max-deletes (no limit).
	o := applyOptions{timeout: 1, wait: "none", createAttempts: 1, drainGrace: 1, maxDeletes: -1}
	if err := o.validate(); err != nil {
		t.Errorf("sensible values refused: %v", err)
	}
}
