package fleetlock

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var started = time.Date(2026, 9, 1, 3, 0, 0, 0, time.UTC)

// record returns what the lock file at path says.
func record(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func holderOf(t *testing.T, path string) Holder {
	t.Helper()
	h, ok := parseRecord([]byte(record(t, path)))
	if !ok {
		t.Fatalf("%s holds no holder record: %q", path, record(t, path))
	}
	return h
}

func TestAcquireRelease(t *testing.T) {
	path := filepath.Join(t.TempDir(), "locks", "ml101.lock")
	ctx := context.Background()
	first := Holder{PID: 123, Host: "cron-1", Started: started, Command: "nbfleet apply ml101.yaml"}
	l, err := Acquire(ctx, path, 0, first)
	if err != nil {
		t.Fatal(err)
	}
	if h := holderOf(t, path); h != first {
		t.Fatalf("holder record = %+v, want %+v", h, first)
	}
	if h, ok := l.Stale(); ok {
		t.Errorf("a new lock file has a stale holder: %+v", h)
	}

	// A second lock in this process uses its own descriptor: refused.
	_, err = Acquire(ctx, path, 30*time.Millisecond, Holder{PID: 456})
	if !errors.Is(err, ErrHeld) {
		t.Fatalf("second Acquire: %v, want ErrHeld", err)
	}
	want := "fleet lock " + path + " is held by pid 123 on host cron-1 since 2026-09-01T03:00:00Z (nbfleet apply ml101.yaml)"
	if err.Error() != want {
		t.Errorf("error:\n got %s\nwant %s", err, want)
	}
	var he *HeldError
	if !errors.As(err, &he) || he.Holder != first {
		t.Errorf("HeldError holder = %+v", he)
	}
	// The refused attempt did not disturb the holder record.
	if h := holderOf(t, path); h != first {
		t.Errorf("holder after refusal = %+v", h)
	}

	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if err := l.Release(); err != nil {
		t.Fatalf("second Release: %v", err)
	}
	if got := record(t, path); got != "" {
		t.Errorf("Release left the record %q", got)
	}
	l2, err := Acquire(ctx, path, 0, Holder{PID: 456, Host: "cron-2", Started: started})
	if err != nil {
		t.Fatalf("Acquire after Release: %v", err)
	}
	defer l2.Release()
	if h, ok := l2.Stale(); ok {
		t.Errorf("a released lock reports a stale holder: %+v", h)
	}
}

func TestAcquireWaits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.lock")
	l, err := Acquire(context.Background(), path, 0, Holder{PID: 1})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(50 * time.Millisecond)
		l.Release()
	}()
	l2, err := Acquire(context.Background(), path, 10*time.Second, Holder{PID: 2})
	if err != nil {
		t.Fatalf("Acquire did not wait for the release: %v", err)
	}
	l2.Release()
}

func TestAcquireCanceled(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.lock")
	l, err := Acquire(context.Background(), path, 0, Holder{PID: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Acquire(ctx, path, time.Minute, Holder{PID: 2})
	if err == nil || errors.Is(err, ErrHeld) {
		t.Fatalf("canceled Acquire: %v, want a context error", err)
	}
}

// TestNotALockFile: a file that holds anything but a holder record (a
// fleet file named as the lock file by mistake) is refused and left as it
// is, whether it is held or not.
func TestNotALockFile(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"fleet.yaml":   "name: ml101\nnotebooks: []\n",
		"number.json":  "123\n",
		"nopid.json":   `{"host":"x"}` + "\n",
		"big.lock":     `{"pid":1,"command":"` + strings.Repeat("x", maxRecord) + `"}`,
		"garbage.lock": "\x00\x01\x02",
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			l, err := Acquire(context.Background(), path, 0, Holder{PID: 1})
			if err == nil {
				l.Release()
				t.Fatal("Acquire took a file that is not a lock file")
			}
			if !strings.Contains(err.Error(), "not an nbfleet lock file") || !strings.Contains(err.Error(), "--lock-file") {
				t.Errorf("error does not say what it is and what to do: %v", err)
			}
			if got := record(t, path); got != content {
				t.Errorf("the file was changed to %q", got)
			}
		})
	}
}

func TestDefaultPath(t *testing.T) {
	t.Setenv(DirEnv, "")
	a, err := DefaultPath("ml101", "huaweicloud\x00https://modelarts.example\x00p1")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(os.TempDir(), "nbfleet-locks"); filepath.Dir(a) != want {
		t.Errorf("default directory %s, want %s", filepath.Dir(a), want)
	}
	if base := filepath.Base(a); !strings.HasPrefix(base, "ml101-") || !strings.HasSuffix(base, ".lock") {
		t.Errorf("file name %s does not show the fleet", base)
	}
	again, _ := DefaultPath("ml101", "huaweicloud\x00https://modelarts.example\x00p1")
	other, _ := DefaultPath("ml101", "huaweicloud\x00https://modelarts.example\x00p2")
	if again != a || other == a {
		t.Errorf("paths: %s, again %s, other project %s", a, again, other)
	}
	// Names that are not safe file names stay inside the directory, and two
	// that reduce to one name still differ.
	for _, fleet := range []string{"../../etc/passwd", "a/b", "a\\b", "", strings.Repeat("x", 300), "é"} {
		p, err := DefaultPath(fleet, "k")
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Dir(p) != filepath.Dir(a) || len(filepath.Base(p)) > 100 {
			t.Errorf("DefaultPath(%q) = %s", fleet, p)
		}
	}
	if p, q := must(DefaultPath("a/b", "k")), must(DefaultPath("a_b", "k")); p == q {
		t.Errorf("a/b and a_b share %s", p)
	}

	t.Setenv(DirEnv, "/srv/locks")
	if p := must(DefaultPath("ml101", "k")); filepath.Dir(p) != "/srv/locks" {
		t.Errorf("with %s set: %s", DirEnv, p)
	}
	t.Setenv(DirEnv, "locks")
	if _, err := DefaultPath("ml101", "k"); err == nil || !strings.Contains(err.Error(), "NBFLEET_LOCK_DIR") {
		t.Errorf("relative %s: %v", DirEnv, err)
	}
}

func must(s string, err error) string {
	if err != nil {
		panic(err)
	}
	return s
}

// TestHelperProcess is the child of the tests that need another process
// (or another user): it runs FLEETLOCK_HELPER on the lock FLEETLOCK_PATH and
// reports on stdout.
//
//	hold  takes the lock, says "locked pid=P stale=S", holds it until stdin
//	      closes, then releases it;
//	try   tries once and says "locked …", "held: ERROR" or "error: ERROR".
func TestHelperProcess(t *testing.T) {
	mode, path := os.Getenv("FLEETLOCK_HELPER"), os.Getenv("FLEETLOCK_PATH")
	if mode == "" {
		return
	}
	setUmask(os.Getenv("FLEETLOCK_UMASK"))
	l, err := Acquire(context.Background(), path, 0, Holder{PID: os.Getpid(), Host: "child", Started: started, Command: "child " + mode})
	switch {
	case errors.Is(err, ErrHeld):
		fmt.Println("held:", err)
		os.Exit(0)
	case err != nil:
		fmt.Println("error:", err)
		os.Exit(0)
	}
	stale := 0
	if h, ok := l.Stale(); ok {
		stale = h.PID
	}
	fmt.Printf("locked pid=%d stale=%d\n", os.Getpid(), stale)
	if mode == "hold" {
		io.Copy(io.Discard, os.Stdin)
	}
	if err := l.Release(); err != nil {
		fmt.Println("error:", err)
	}
	os.Exit(0)
}

// child is a helper process.
type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Scanner
}

// startChild runs TestHelperProcess from binary (the test binary when
// empty) with the given mode on path; more env entries may set
// FLEETLOCK_UMASK. prepare may set the child's credentials.
func startChild(t *testing.T, binary, mode, path string, prepare func(*exec.Cmd), env ...string) *child {
	t.Helper()
	if binary == "" {
		binary = os.Args[0]
	}
	cmd := exec.Command(binary, "-test.run=^TestHelperProcess$")
	// The race detector sleeps a second at exit unless told not to.
	cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0", "FLEETLOCK_HELPER="+mode, "FLEETLOCK_PATH="+path)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stderr = os.Stderr
	if prepare != nil {
		prepare(cmd)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, stdin: stdin, out: bufio.NewScanner(stdout)}
	t.Cleanup(func() {
		c.stdin.Close()
		c.cmd.Process.Kill()
		c.cmd.Wait()
	})
	return c
}

// line returns the child's next line of output.
func (c *child) line(t *testing.T) string {
	t.Helper()
	if !c.out.Scan() {
		t.Fatalf("child %d said nothing: %v", c.cmd.Process.Pid, c.out.Err())
	}
	return c.out.Text()
}

// finish lets a holding child release and exit.
func (c *child) finish(t *testing.T) {
	t.Helper()
	c.stdin.Close()
	for c.out.Scan() {
		if strings.HasPrefix(c.out.Text(), "error:") {
			t.Errorf("child: %s", c.out.Text())
		}
	}
	if err := c.cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
}

// run runs a "try" child and returns what it said.
func run(t *testing.T, binary, path string, prepare func(*exec.Cmd), env ...string) string {
	t.Helper()
	c := startChild(t, binary, "try", path, prepare, env...)
	s := c.line(t)
	c.finish(t)
	return s
}

func TestOtherProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	path := filepath.Join(t.TempDir(), "f.lock")
	c := startChild(t, "", "hold", path, nil)
	if s := c.line(t); !strings.HasPrefix(s, "locked") {
		t.Fatalf("child: %q", s)
	}
	_, err := Acquire(context.Background(), path, 0, Holder{PID: os.Getpid()})
	if !errors.Is(err, ErrHeld) || !strings.Contains(err.Error(), fmt.Sprintf("pid %d on host child", c.cmd.Process.Pid)) {
		t.Errorf("Acquire while the child holds it: %v", err)
	}
	// Another child is refused too: the two processes contend for one lock.
	if s := run(t, "", path, nil); !strings.HasPrefix(s, "held:") {
		t.Errorf("second child while the first holds the lock: %q", s)
	}
	c.finish(t)
	l, err := Acquire(context.Background(), path, 0, Holder{PID: os.Getpid()})
	if err != nil {
		t.Fatalf("Acquire after the child exited: %v", err)
	}
	if h, ok := l.Stale(); ok {
		t.Errorf("the child released the lock, yet Stale = %+v", h)
	}
	l.Release()
}

// TestDeadHolder: a holder killed without releasing leaves its record; the
// next run takes the lock over and learns who died.
func TestDeadHolder(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	path := filepath.Join(t.TempDir(), "f.lock")
	c := startChild(t, "", "hold", path, nil)
	if s := c.line(t); !strings.HasPrefix(s, "locked") {
		t.Fatalf("child: %q", s)
	}
	pid := c.cmd.Process.Pid
	if err := c.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	c.cmd.Wait()
	l, err := Acquire(context.Background(), path, 0, Holder{PID: os.Getpid(), Host: "parent", Started: started})
	if err != nil {
		t.Fatalf("Acquire after the holder died: %v", err)
	}
	defer l.Release()
	h, ok := l.Stale()
	want := Holder{PID: pid, Host: "child", Started: started, Command: "child hold"}
	if !ok || h != want {
		t.Errorf("Stale() = %+v, %v; want %+v", h, ok, want)
	}
	if got := holderOf(t, path); got.PID != os.Getpid() {
		t.Errorf("the new holder's record was not written: %+v", got)
	}
	if s := h.String(); s != fmt.Sprintf("pid %d on host child since 2026-09-01T03:00:00Z (child hold)", pid) {
		t.Errorf("Holder.String() = %q", s)
	}
}
