package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nbfleet/nbfleet/pkg/emulator"
	"github.com/nbfleet/nbfleet/pkg/report"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

// syncBuffer is a bytes.Buffer safe for the command and the test at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// cliEnv is an env for running the command in-process against srv.
func cliEnv(t testing.TB, srv *emulator.Server, sigs chan os.Signal) (*env, *syncBuffer, *syncBuffer) {
	vars := map[string]string{
		"NBFLEET_ENDPOINT":           srv.URL(),
		"NBFLEET_IAM_ENDPOINT":       srv.URL() + "/v3",
		"HUAWEICLOUD_SDK_AK":         emulator.DefaultAK,
		"HUAWEICLOUD_SDK_SK":         emulator.DefaultSK,
		"HUAWEICLOUD_SDK_PROJECT_ID": srv.ProjectID(),
		"NBFLEET_IN_AUTOMATION":      "1",
	}
	out, errb := &syncBuffer{}, &syncBuffer{}
	return &env{
		stdin:   strings.NewReader(""),
		stdout:  out,
		stderr:  errb,
		getenv:  func(k string) string { return vars[k] },
		now:     time.Now,
		signals: sigs,
		lockDir: t.TempDir(),
	}, out, errb
}

var interruptFleet = testFleet("ml101", `  - for_each: {count: 24}
    name: "ml101-{{ .index }}"
`)

func ownedCount(srv *emulator.Server, fleet string) (total int, names map[string]int) {
	names = map[string]int{}
	for _, nb := range srv.Notebooks("") {
		if strings.HasSuffix(nb.Description, spec.OwnerMarker(fleet)) && nb.Status != emulator.StatusDeleted {
			total++
			names[nb.Name]++
		}
	}
	return total, names
}

// TestInterruptThenReapply: the first Ctrl-C stops launching work and lets
// in-flight notebooks finish; the report says interrupted and the exit code
// is 130; a second apply does only what is left, without a duplicate.
func TestInterruptThenReapply(t *testing.T) {
	opts := testEmulatorOptions()
	opts.CreateTime = 150 * time.Millisecond
	// 24 creates two at a time take a quarter of a second: time to interrupt.
	opts.Latency = 20 * time.Millisecond
	srv, err := emulator.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := t.TempDir()
	fleet := filepath.Join(dir, "fleet.yaml")
	if err := os.WriteFile(fleet, []byte(interruptFleet), 0o600); err != nil {
		t.Fatal(err)
	}
	args := func(rep string) []string {
		return []string{"apply", fleet, "--auto-approve", "--parallelism", "2", "--poll-interval", "20ms",
			"--drain-grace", "5s", "--report-dir", filepath.Join(dir, rep), "--lock-file", filepath.Join(dir, "lock")}
	}

	sigs := make(chan os.Signal, 2)
	e, _, errb := cliEnv(t, srv, sigs)
	done := make(chan int)
	go func() { done <- run(args("r1"), e) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if n, _ := ownedCount(srv, "ml101"); n >= 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no notebook created in time; stderr:\n%s", errb.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	sigs <- syscall.SIGINT
	var code int
	select {
	case code = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("apply did not stop after an interrupt")
	}
	if code != exitInterrupted {
		t.Fatalf("exit code %d, want %d; stderr:\n%s", code, exitInterrupted, errb.String())
	}
	var r report.Report
	b, err := os.ReadFile(filepath.Join(dir, "r1", "report.json"))
	if err != nil {
		t.Fatalf("no report after the interrupt: %v", err)
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if !r.Interrupted {
		t.Errorf("report.interrupted = false after an interrupt")
	}
	if got := r.Summary.Outcomes[report.Skipped]; got == 0 {
		t.Errorf("no notebook skipped after an early interrupt: %+v", r.Summary)
	}
	created, _ := ownedCount(srv, "ml101")
	if created == 24 {
		t.Errorf("all 24 notebooks were created although the run was interrupted early")
	}

	e2, _, errb2 := cliEnv(t, srv, make(chan os.Signal))
	if code := run(args("r2"), e2); code != exitOK {
		t.Fatalf("re-apply exit %d; stderr:\n%s", code, errb2.String())
	}
	total, names := ownedCount(srv, "ml101")
	if total != 24 || len(names) != 24 {
		t.Fatalf("after re-apply: %d notebooks with %d names, want 24 and 24", total, len(names))
	}
}

// TestSecondInterruptAborts: a second Ctrl-C cancels in-flight calls.
func TestSecondInterruptAborts(t *testing.T) {
	opts := testEmulatorOptions()
	opts.CreateTime = 10 * time.Second // nothing would finish on its own
	srv, err := emulator.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := t.TempDir()
	fleet := filepath.Join(dir, "fleet.yaml")
	if err := os.WriteFile(fleet, []byte(interruptFleet), 0o600); err != nil {
		t.Fatal(err)
	}
	sigs := make(chan os.Signal, 2)
	e, _, errb := cliEnv(t, srv, sigs)
	done := make(chan int)
	go func() {
		done <- run([]string{"apply", fleet, "--auto-approve", "--poll-interval", "20ms", "--drain-grace", "1m",
			"--report-dir", filepath.Join(dir, "r"), "--lock-file", filepath.Join(dir, "lock")}, e)
	}()
	for deadline := time.Now().Add(10 * time.Second); ; {
		if n, _ := ownedCount(srv, "ml101"); n >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing created; stderr:\n%s", errb.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	sigs <- syscall.SIGINT
	time.Sleep(50 * time.Millisecond)
	sigs <- syscall.SIGINT
	select {
	case code := <-done:
		if code != exitInterrupted {
			t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitInterrupted, errb.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("a second interrupt did not abort the waits")
	}
	if _, err := os.Stat(filepath.Join(dir, "r", "report.json")); err != nil {
		t.Errorf("no report after an abort: %v", err)
	}
}
