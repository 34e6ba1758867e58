package fleetlock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var started = time.Date(2026, 9, 1, 3, 0, 0, 0, time.UTC)

func TestAcquireRelease(t *testing.T) {
	path := filepath.Join(t.TempDir(), "locks", "ml101.lock")
	ctx := context.Background()
	first := Holder{PID: 123, Host: "cron-1", Started: started, Command: "nbfleet apply ml101.yaml"}
	l, err := Acquire(ctx, path, 0, first)
	if err != nil {
		t.Fatal(err)
	}
	if h, err := ReadHolder(path); err != nil || h != first {
		t.Fatalf("ReadHolder = %+v, %v; want %+v", h, err, first)
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
	if h, _ := ReadHolder(path); h != first {
		t.Errorf("holder after refusal = %+v", h)
	}

	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if err := l.Release(); err != nil {
		t.Fatalf("second Release: %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("Release removed the lock file: %v", err)
	}
	l2, err := Acquire(ctx, path, 0, Holder{PID: 456, Host: "cron-2", Started: started})
	if err != nil {
		t.Fatalf("Acquire after Release: %v", err)
	}
	defer l2.Release()
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

// TestHelperProcess holds the lock named by FLEETLOCK_PATH until stdin closes.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv("FLEETLOCK_PATH")
	if path == "" {
		return
	}
	l, err := Acquire(context.Background(), path, 0, Holder{PID: os.Getpid(), Host: "child", Started: started, Command: "child"})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("locked")
	buf := make([]byte, 1)
	os.Stdin.Read(buf)
	l.Release()
	os.Exit(0)
}

func TestOtherProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	path := filepath.Join(t.TempDir(), "f.lock")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), "FLEETLOCK_PATH="+path)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, _ := stdout.Read(buf)
	if !strings.Contains(string(buf[:n]), "locked") {
		t.Fatalf("child: %q", buf[:n])
	}
	_, err := Acquire(context.Background(), path, 0, Holder{PID: os.Getpid()})
	if !errors.Is(err, ErrHeld) || !strings.Contains(err.Error(), fmt.Sprintf("pid %d on host child", cmd.Process.Pid)) {
		t.Errorf("Acquire while the child holds it: %v", err)
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	l, err := Acquire(context.Background(), path, 0, Holder{PID: os.Getpid()})
	if err != nil {
		t.Fatalf("Acquire after the child exited: %v", err)
	}
	l.Release()
}
