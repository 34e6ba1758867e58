package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nbfleet/nbfleet/pkg/emulator"
)

// stableLine is every line apply writes to stderr when it runs unattended:
// a timestamped event per notebook, periodic progress, the summary, and
// where the report went. Log parsers may rely on these shapes.
var stableLine = regexp.MustCompile(`^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (apply \S+: \d+ notebooks|\S+ (create|update|replace|delete|start|stop) (succeeded|failed|skipped)( .*)?|progress: .*|done: \d+ notebooks .*)|nbfleet: report written to .*)$`)

// TestUnattendedOutput: with NBFLEET_IN_AUTOMATION or CI set, or without a
// terminal, apply never prompts, never colours, never animates (no escape
// sequences, no carriage returns) and writes only stable log lines, even
// when stdin and stdout are terminals.
func TestUnattendedOutput(t *testing.T) {
	for _, tc := range []struct {
		name string
		vars map[string]string
		tty  bool
	}{
		{"NBFLEET_IN_AUTOMATION on a terminal", map[string]string{"NBFLEET_IN_AUTOMATION": "1"}, true},
		{"CI on a terminal", map[string]string{"NBFLEET_IN_AUTOMATION": "", "CI": "true"}, true},
		{"no terminal", map[string]string{"NBFLEET_IN_AUTOMATION": ""}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := testEmulatorOptions()
			srv, err := emulator.New(opts)
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			dir := t.TempDir()
			fleet := filepath.Join(dir, "fleet.yaml")
			if err := os.WriteFile(fleet, []byte(interruptFleet), 0o644); err != nil {
				t.Fatal(err)
			}
			cli := func(args ...string) (int, string, string) {
				e, out, errb := cliEnv(t, srv, nil)
				base := e.getenv
				e.getenv = func(k string) string {
					if v, ok := tc.vars[k]; ok {
						return v
					}
					return base(k)
				}
				e.stdinTTY, e.stdoutTTY = tc.tty, tc.tty
				// A "yes" waiting on stdin must not be read: no prompt.
				e.stdin = strings.NewReader("yes\n")
				e.now = time.Now
				code := run(args, e)
				return code, out.String(), errb.String()
			}

			code, out, errb := cli("apply", fleet, "--poll-interval", "20ms", "--report-dir", filepath.Join(dir, "r0"))
			if code != exitError || strings.Contains(errb, "Do you want") || !strings.Contains(errb, "refusing to apply without confirmation") {
				t.Fatalf("apply without --auto-approve: exit %d, want a refusal without a prompt\nstdout:\n%s\nstderr:\n%s", code, out, errb)
			}
			if len(srv.Notebooks("")) != 0 {
				t.Fatal("the refused apply created notebooks")
			}

			code, out, errb = cli("apply", fleet, "--auto-approve", "--poll-interval", "20ms", "--report-dir", filepath.Join(dir, "r1"))
			if code != exitOK {
				t.Fatalf("apply: exit %d\n%s", code, errb)
			}
			for name, s := range map[string]string{"stdout": out, "stderr": errb} {
				if strings.ContainsAny(s, "\x1b\r") {
					t.Errorf("%s has escape sequences or carriage returns: %q", name, s)
				}
			}
			lines := strings.Split(strings.TrimSuffix(errb, "\n"), "\n")
			for _, l := range lines {
				if !stableLine.MatchString(l) {
					t.Errorf("unstable log line %q", l)
				}
			}
			if !strings.Contains(errb, " create succeeded id=") || !strings.Contains(errb, " done: ") {
				t.Errorf("stderr lacks the per-notebook and summary lines:\n%s", errb)
			}
		})
	}
}
