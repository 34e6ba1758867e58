package main

// Tests of the real binary as a user runs it: separate processes, real
// signals sent to them, a pseudo-terminal for the confirmation prompt.
// nbfleet is this test binary (testscript.Main puts it on PATH).

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/nbfleet/nbfleet/internal/fleetlock"
	"github.com/nbfleet/nbfleet/pkg/emulator"
)

// exitBound is how long a process may take to exit after an interrupt:
// generous, so that a slow machine does not fail the test, and far below
// anything the interrupt would otherwise wait for (a lock timeout of an
// hour, a refresh that never answers, a prompt nobody answers).
const exitBound = 30 * time.Second

// proc is one nbfleet process.
type proc struct {
	cmd    *exec.Cmd
	mu     sync.Mutex
	out    bytes.Buffer // stdout and stderr, or the terminal
	done   chan struct{}
	waited error
	// copied is closed when everything the process wrote is in out: a
	// terminal is drained after the process exits.
	copied chan struct{}
}

func (p *proc) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.Write(b)
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// binEnv is the environment of an nbfleet process against endpoint: a
// minimal one, as cron or a CI runner has, plus vars ("K=V").
func binEnv(t *testing.T, endpoint, project string, vars ...string) []string {
	t.Helper()
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + t.TempDir(),
		"TMPDIR=" + t.TempDir(),
		"NBFLEET_ENDPOINT=" + endpoint,
		"NBFLEET_IAM_ENDPOINT=" + endpoint + "/v3",
		"HUAWEICLOUD_SDK_AK=" + emulator.DefaultAK,
		"HUAWEICLOUD_SDK_SK=" + emulator.DefaultSK,
		"HUAWEICLOUD_SDK_PROJECT_ID=" + project,
		noRaceExitSleep,
	}
	return append(env, vars...)
}

// startNbfleet starts nbfleet with args in dir; with a terminal its
// standard streams are a pseudo-terminal, written to by the returned
// function.
func startNbfleet(t *testing.T, dir string, env []string, terminal bool, args ...string) (*proc, func(string)) {
	t.Helper()
	bin, err := exec.LookPath("nbfleet")
	if err != nil {
		t.Fatalf("nbfleet is not on PATH (testscript.Main puts this test binary there): %v", err)
	}
	p := &proc{cmd: exec.Command(bin, args...), done: make(chan struct{}), copied: make(chan struct{})}
	p.cmd.Dir, p.cmd.Env = dir, env
	typeIn := func(string) {}
	if terminal {
		tty, err := pty.Start(p.cmd)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { tty.Close() })
		go func() {
			io.Copy(p, tty) // ends with an error once the process has exited and the terminal is drained
			close(p.copied)
		}()
		typeIn = func(s string) { tty.WriteString(s) }
	} else {
		p.cmd.Stdout, p.cmd.Stderr = p, p // Wait waits for the copying
		close(p.copied)
		if err := p.cmd.Start(); err != nil {
			t.Fatal(err)
		}
	}
	go func() { p.waited = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p, typeIn
}

// waitFor waits until the process's output contains s.
func (p *proc) waitFor(t *testing.T, s string) {
	t.Helper()
	deadline := time.Now().Add(exitBound)
	for !strings.Contains(p.output(), s) {
		select {
		case <-p.done:
			t.Fatalf("nbfleet exited before printing %q:\n%s", s, p.output())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q after %s:\n%s", s, exitBound, p.output())
		}
	}
}

// exitCode waits at most exitBound for the process to exit.
func (p *proc) exitCode(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(exitBound):
		t.Fatalf("nbfleet did not exit within %s:\n%s", exitBound, p.output())
	}
	select {
	case <-p.copied:
	case <-time.After(exitBound):
		t.Fatalf("the terminal of nbfleet was not drained within %s:\n%s", exitBound, p.output())
	}
	var ee *exec.ExitError
	if errors.As(p.waited, &ee) {
		return ee.ExitCode()
	}
	if p.waited != nil {
		t.Fatal(p.waited)
	}
	return 0
}

func binFleet(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "fleet.yaml")
	if err := os.WriteFile(path, []byte(interruptFleet), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestBinaryInterruptAtPrompt: Ctrl-C typed at the confirmation prompt
// ends apply at once with exit 130, and nothing is created: reading the
// answer does not hold the interrupt up.
func TestBinaryInterruptAtPrompt(t *testing.T) {
	srv, err := emulator.New(testEmulatorOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := t.TempDir()
	binFleet(t, dir)
	p, typeIn := startNbfleet(t, dir, binEnv(t, srv.URL(), srv.ProjectID(), "TERM=dumb"), true,
		"apply", "fleet.yaml", "--poll-interval", "20ms")
	p.waitFor(t, "Only 'yes' will be accepted")
	typeIn("\x03") // Ctrl-C: the terminal sends SIGINT
	if code := p.exitCode(t); code != exitInterrupted {
		t.Fatalf("exit %d, want %d:\n%s", code, exitInterrupted, p.output())
	}
	if n, _ := ownedCount(srv, "ml101"); n != 0 {
		t.Fatalf("%d notebooks created after Ctrl-C at the prompt:\n%s", n, p.output())
	}
	if !strings.Contains(p.output(), "interrupted at the confirmation: nothing was changed") {
		t.Errorf("no word of the interrupt:\n%s", p.output())
	}
}

// TestBinaryInterruptDuringLockWait: an apply waiting for the fleet lock
// stops at the first interrupt, exit 130, without waiting for the lock.
func TestBinaryInterruptDuringLockWait(t *testing.T) {
	srv, err := emulator.New(testEmulatorOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := t.TempDir()
	binFleet(t, dir)
	lockFile := filepath.Join(dir, "fleet.lock")
	held, err := fleetlock.Acquire(context.Background(), lockFile, 0, fleetlock.Holder{PID: 4242, Host: "cron-host", Command: "nbfleet apply (test)"})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()
	p, _ := startNbfleet(t, dir, binEnv(t, srv.URL(), srv.ProjectID(), "NBFLEET_IN_AUTOMATION=1"), false,
		"apply", "fleet.yaml", "--auto-approve", "--lock-file", lockFile, "--lock-timeout", "1h", "--poll-interval", "20ms")
	p.waitFor(t, "waiting up to 1h0m0s for the fleet lock")
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code := p.exitCode(t); code != exitInterrupted {
		t.Fatalf("exit %d, want %d:\n%s", code, exitInterrupted, p.output())
	}
	if n, _ := ownedCount(srv, "ml101"); n != 0 {
		t.Fatalf("%d notebooks created:\n%s", n, p.output())
	}
	if strings.Contains(p.output(), "hint:") {
		t.Errorf("an interrupted run gives a hint:\n%s", p.output())
	}
}

// TestBinaryInterruptDuringRefresh: a refresh that never gets an answer
// ends at the first interrupt (SIGINT or SIGTERM), for every command that
// reads the cloud: exit 130 and no hint to check the network.
func TestBinaryInterruptDuringRefresh(t *testing.T) {
	for _, tc := range []struct {
		sig  syscall.Signal
		args []string
	}{
		{syscall.SIGINT, []string{"plan", "fleet.yaml"}},
		{syscall.SIGTERM, []string{"status", "fleet.yaml"}},
		{syscall.SIGINT, []string{"handout", "fleet.yaml"}},
		{syscall.SIGINT, []string{"drift", "fleet.yaml"}},
		{syscall.SIGINT, []string{"renew", "fleet.yaml", "--duration", "8h"}},
		{syscall.SIGINT, []string{"import", "--match", "ml101-*"}},
		{syscall.SIGTERM, []string{"apply", "fleet.yaml", "--auto-approve", "--lock-file", "fleet.lock"}},
		{syscall.SIGINT, []string{"destroy", "fleet.yaml", "--auto-approve", "--lock-file", "fleet.lock"}},
	} {
		t.Run(tc.args[0]+"-"+tc.sig.String(), func(t *testing.T) {
			t.Parallel()
			asked := make(chan struct{}, 1)
			stop := make(chan struct{})
			hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				select {
				case asked <- struct{}{}:
				default:
				}
				select { // never answers
				case <-r.Context().Done():
				case <-stop:
				}
			}))
			defer hang.Close()
			defer close(stop)
			dir := t.TempDir()
			binFleet(t, dir)
			p, _ := startNbfleet(t, dir, binEnv(t, hang.URL, "0123456789abcdef0123456789abcdef", "NBFLEET_IN_AUTOMATION=1"), false, tc.args...)
			select {
			case <-asked:
			case <-p.done:
				t.Fatalf("nbfleet exited before asking:\n%s", p.output())
			case <-time.After(exitBound):
				t.Fatalf("nbfleet never asked the cloud:\n%s", p.output())
			}
			if err := p.cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			if code := p.exitCode(t); code != exitInterrupted {
				t.Fatalf("exit %d, want %d:\n%s", code, exitInterrupted, p.output())
			}
			out := p.output()
			if !strings.Contains(out, "nbfleet: error: interrupted") || strings.Contains(out, "hint:") {
				t.Errorf("want an interruption without a hint:\n%s", out)
			}
		})
	}
}

// TestBinaryConcurrentApplies: two applies at once that spell the
// endpoint differently share the fleet's lock — no notebook is created
// twice — and two applies of one saved plan run it once.
func TestBinaryConcurrentApplies(t *testing.T) {
	srv, err := emulator.New(testEmulatorOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := t.TempDir()
	binFleet(t, dir)
	tmp := t.TempDir() // one machine: one temporary directory
	spellings := []string{srv.URL(), strings.Replace(srv.URL(), "127.0.0.1", "localhost", 1) + "/"}
	both := func(args ...string) []*proc {
		var ps []*proc
		for i, endpoint := range spellings {
			env := binEnv(t, endpoint, srv.ProjectID(), "NBFLEET_IN_AUTOMATION=1", "TMPDIR="+tmp)
			a := append(append([]string(nil), args...), "--report-dir", filepath.Join(dir, "r"+strings.Repeat("x", i)+args[1]),
				"--lock-timeout", "2m", "--poll-interval", "20ms")
			p, _ := startNbfleet(t, dir, env, false, a...)
			ps = append(ps, p)
		}
		return ps
	}

	for _, p := range both("apply", "fleet.yaml", "--auto-approve") {
		if code := p.exitCode(t); code != exitOK {
			t.Fatalf("apply: exit %d:\n%s", code, p.output())
		}
	}
	total, names := ownedCount(srv, "ml101")
	if total != 24 || len(names) != 24 {
		t.Fatalf("%d notebooks with %d names after two applies, want 24 and 24", total, len(names))
	}

	if err := os.WriteFile(filepath.Join(dir, "fleet.yaml"), []byte(strings.Replace(interruptFleet, "count: 24", "count: 30", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	plan, _ := startNbfleet(t, dir, binEnv(t, srv.URL(), srv.ProjectID(), "NBFLEET_IN_AUTOMATION=1"), false, "plan", "fleet.yaml", "--out", "plan.json")
	if code := plan.exitCode(t); code != exitOK {
		t.Fatalf("plan: exit %d:\n%s", code, plan.output())
	}
	ran, refused := 0, 0
	// The saved plan names the endpoint it was made against; the shell
	// that spells it differently allows the plan's endpoint (else it would
	// be refused for that, before the lock).
	for _, p := range both("apply", "plan.json", "--allow-fleet-endpoint") {
		switch code := p.exitCode(t); {
		case code == exitOK:
			ran++
		case code == exitError && strings.Contains(p.output(), "already been applied"):
			refused++
		default:
			t.Errorf("apply of the saved plan: exit %d:\n%s", code, p.output())
		}
	}
	if ran != 1 || refused != 1 {
		t.Errorf("%d applies of one saved plan ran and %d were refused, want 1 and 1", ran, refused)
	}
	if total, names := ownedCount(srv, "ml101"); total != 30 || len(names) != 30 {
		t.Fatalf("%d notebooks with %d names, want 30 and 30", total, len(names))
	}
}

// TestBinaryInterruptAnyCommand: a command that does not watch for
// interrupts itself (validate reading a FIFO that nobody writes) still
// ends at the first one: it never hangs on Ctrl-C. (If the fleet loader
// refuses a FIFO on its own, the command ends before the signal, which is
// as good.)
func TestBinaryInterruptAnyCommand(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fleet.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFO: %v", err)
	}
	p, _ := startNbfleet(t, dir, binEnv(t, "http://127.0.0.1:9", "p"), false, "validate", "fleet.yaml")
	// Once nbfleet opened the FIFO to read, a writer can open it: nbfleet
	// is then blocked reading, interrupts handled.
	for deadline := time.Now().Add(exitBound); ; {
		w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		if err == nil {
			defer w.Close()
			break
		}
		select {
		case <-p.done:
			if code := p.exitCode(t); code != exitError {
				t.Fatalf("validate of a FIFO exited %d on its own:\n%s", code, p.output())
			}
			return
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("nbfleet neither read the FIFO nor exited:\n%s", p.output())
		}
	}
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code := p.exitCode(t); code != exitInterrupted {
		t.Fatalf("exit %d, want %d:\n%s", code, exitInterrupted, p.output())
	}
	if !strings.Contains(p.output(), "nbfleet: error: interrupted") {
		t.Errorf("no word of the interrupt:\n%s", p.output())
	}
}
