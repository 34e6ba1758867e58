//go:build unix

package fleetlock

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func setUmask(s string) {
	if s == "" {
		return
	}
	m, err := strconv.ParseUint(s, 8, 32)
	if err != nil {
		panic(err)
	}
	syscall.Umask(int(m))
}

// acquireGuarded is Acquire that fails the test instead of hanging.
func acquireGuarded(t *testing.T, path string) (*Lock, error) {
	t.Helper()
	type result struct {
		l   *Lock
		err error
	}
	done := make(chan result, 1)
	go func() {
		l, err := Acquire(context.Background(), path, 0, Holder{PID: os.Getpid(), Host: "test", Started: started})
		done <- result{l, err}
	}()
	select {
	case r := <-done:
		return r.l, r.err
	case <-time.After(30 * time.Second):
		t.Fatalf("Acquire(%s) blocked", path)
		return nil, nil
	}
}

// TestRefusesUnsafe: whatever a co-tenant plants at the lock path or as the
// lock directory, Acquire refuses it, says what to do, and changes nothing
// else.
func TestRefusesUnsafe(t *testing.T) {
	const victimText = "the victim's data\n"
	for _, tc := range []struct {
		name string
		// plant prepares dir and returns the lock path.
		plant func(t *testing.T, dir, victim string) string
		want  string
	}{
		{"symlink to a victim file", func(t *testing.T, dir, victim string) string {
			symlink(t, victim, filepath.Join(dir, "f.lock"))
			return filepath.Join(dir, "f.lock")
		}, "symbolic link"},
		{"dangling symlink", func(t *testing.T, dir, victim string) string {
			symlink(t, victim+".new", filepath.Join(dir, "f.lock"))
			return filepath.Join(dir, "f.lock")
		}, "symbolic link"},
		{"hard link to a victim file", func(t *testing.T, dir, victim string) string {
			if err := os.Link(victim, filepath.Join(dir, "f.lock")); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(dir, "f.lock")
		}, "2 hard links"},
		{"FIFO", func(t *testing.T, dir, victim string) string {
			if err := syscall.Mkfifo(filepath.Join(dir, "f.lock"), 0o666); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(dir, "f.lock")
		}, "a FIFO"},
		{"directory", func(t *testing.T, dir, victim string) string {
			mkdir(t, filepath.Join(dir, "f.lock"), 0o755)
			return filepath.Join(dir, "f.lock")
		}, "a directory"},
		{"lock directory is a symlink", func(t *testing.T, dir, victim string) string {
			symlink(t, filepath.Dir(victim), filepath.Join(dir, "locks"))
			return filepath.Join(dir, "locks", "f.lock")
		}, "is a symbolic link (to "},
		{"lock directory is a file", func(t *testing.T, dir, victim string) string {
			if err := os.WriteFile(filepath.Join(dir, "locks"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(dir, "locks", "f.lock")
		}, "is not a directory"},
		{"world-writable lock directory without the sticky bit", func(t *testing.T, dir, victim string) string {
			mkdir(t, filepath.Join(dir, "locks"), 0o777)
			return filepath.Join(dir, "locks", "f.lock")
		}, "lacks the sticky bit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, victimDir := t.TempDir(), t.TempDir()
			victim := filepath.Join(victimDir, "victim.txt")
			if err := os.WriteFile(victim, []byte(victimText), 0o600); err != nil {
				t.Fatal(err)
			}
			path := tc.plant(t, dir, victim)
			l, err := acquireGuarded(t, path)
			if err == nil {
				l.Release()
				t.Fatal("Acquire took it")
			}
			if errors.Is(err, ErrHeld) || !strings.Contains(err.Error(), tc.want) ||
				!strings.Contains(err.Error(), "--lock-file or NBFLEET_LOCK_DIR") {
				t.Errorf("error %q, want one that says %q and what to do", err, tc.want)
			}
			if got, err := os.ReadFile(victim); err != nil || string(got) != victimText {
				t.Errorf("victim now %q, %v", got, err)
			}
			if fi, err := os.Stat(victim); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("victim's mode changed: %v %v", fi.Mode(), err)
			}
			if entries, _ := os.ReadDir(victimDir); len(entries) != 1 {
				t.Errorf("files appeared next to the victim: %v", entries)
			}
		})
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// mkdir makes dir with exactly mode, whatever the umask.
func mkdir(t *testing.T, dir string, mode os.FileMode) {
	t.Helper()
	if err := os.Mkdir(dir, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, mode); err != nil {
		t.Fatal(err)
	}
}

// TestModes: under a restrictive umask, the lock directory Acquire creates
// is shared like /tmp and the lock file is lockable by every user; an
// existing lock file of ours made by an older nbfleet (0600) is opened up.
// TestTwoUsers shows that these modes let another user lock.
func TestModes(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "a", "locks")
	path := filepath.Join(dir, "f.lock")
	l, err := Acquire(context.Background(), path, 0, Holder{PID: 1})
	if err != nil {
		t.Fatal(err)
	}
	l.Release()
	if fi, err := os.Lstat(dir); err != nil || fi.Mode() != os.ModeDir|os.ModeSticky|0o777 {
		t.Errorf("lock directory mode %v, %v; want drwxrwxrwt", fi.Mode(), err)
	}
	if fi, err := os.Lstat(path); err != nil || fi.Mode() != 0o666 {
		t.Errorf("lock file mode %v, %v; want -rw-rw-rw-", fi.Mode(), err)
	}

	oldFile := filepath.Join(dir, "old.lock")
	if err := os.WriteFile(oldFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	l, err = Acquire(context.Background(), oldFile, 0, Holder{PID: 1})
	if err != nil {
		t.Fatal(err)
	}
	l.Release()
	if fi, err := os.Lstat(oldFile); err != nil || fi.Mode() != 0o666 {
		t.Errorf("old lock file mode %v, %v; want -rw-rw-rw-", fi.Mode(), err)
	}

	// An existing directory is used as it is: nbfleet changes the mode of
	// no directory it did not create.
	mine := filepath.Join(t.TempDir(), "mine")
	mkdir(t, mine, 0o700)
	l, err = Acquire(context.Background(), filepath.Join(mine, "f.lock"), 0, Holder{PID: 1})
	if err != nil {
		t.Fatal(err)
	}
	l.Release()
	if fi, _ := os.Lstat(mine); fi.Mode().Perm() != 0o700 {
		t.Errorf("an existing directory's mode was changed to %v", fi.Mode())
	}
}

// TestTwoUsers runs the lock as two users other than root, each with a
// restrictive umask: the first creates the shared directory and the lock
// file, and the second is excluded while the first holds it, takes it after,
// and takes it over when the first is killed. Only root can start processes
// as other users; without root, TestModes checks the modes this relies on.
func TestTwoUsers(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to start processes as other users; TestModes checks the modes instead")
	}
	// The children run as users who cannot reach the test's temporary
	// directories (mode 0700), so the binary and the lock live in a
	// directory like /tmp.
	base, err := os.MkdirTemp("", "fleetlock-users-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	if err := os.Chmod(base, 0o1777); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(base, "fleetlock.test")
	copyFile(t, os.Args[0], bin, 0o755)
	as := func(uid uint32) func(*exec.Cmd) {
		return func(c *exec.Cmd) {
			c.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid}}
			c.Dir = base
		}
	}
	const alice, bob = 61001, 61002
	probe := exec.Command(bin, "-test.run=^$")
	as(alice)(probe)
	if out, err := probe.CombinedOutput(); err != nil {
		t.Skipf("cannot run the test binary as another user here (a noexec temporary directory?): %v %s", err, out)
	}
	umask := "FLEETLOCK_UMASK=077"
	path := filepath.Join(base, "nbfleet-locks", "ml101.lock")

	a := startChild(t, bin, "hold", path, as(alice), umask)
	if s := a.line(t); !strings.HasPrefix(s, "locked") {
		t.Fatalf("alice: %q", s)
	}
	if s := run(t, bin, path, as(bob), umask); !strings.HasPrefix(s, "held:") ||
		!strings.Contains(s, "pid "+strconv.Itoa(a.cmd.Process.Pid)+" on host child") {
		t.Fatalf("bob while alice holds the lock: %q", s)
	}
	a.finish(t)
	if s := run(t, bin, path, as(bob), umask); !strings.HasPrefix(s, "locked") {
		t.Fatalf("bob after alice released the lock: %q", s)
	}

	b := startChild(t, bin, "hold", path, as(bob), umask)
	if s := b.line(t); !strings.HasPrefix(s, "locked") {
		t.Fatalf("bob: %q", s)
	}
	if s := run(t, bin, path, as(alice), umask); !strings.HasPrefix(s, "held:") {
		t.Fatalf("alice while bob holds the lock: %q", s)
	}
	b.cmd.Process.Kill()
	b.cmd.Wait()
	if s := run(t, bin, path, as(alice), umask); s != "locked pid="+pidOf(s)+" stale="+strconv.Itoa(b.cmd.Process.Pid) {
		t.Fatalf("alice after bob was killed: %q, want the lock with bob's pid as stale", s)
	}

	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil || st.Uid != alice {
		t.Errorf("lock file owner %d, %v; want alice (%d), who created it", st.Uid, err, alice)
	}

	// What one user cannot open names its owner and the way out, and a
	// file bob may not write but can read is no lock file to share.
	old := filepath.Join(base, "old")
	mkdir(t, old, 0o700)
	if err := os.Chown(old, alice, alice); err != nil {
		t.Fatal(err)
	}
	mkdir(t, filepath.Join(base, "shared"), 0o755)
	oldFile := filepath.Join(base, "shared", "old.lock")
	if err := os.WriteFile(oldFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(oldFile, alice, alice); err != nil {
		t.Fatal(err)
	}
	fleet := filepath.Join(base, "shared", "fleet.yaml")
	if err := os.WriteFile(fleet, []byte("name: ml101\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, want string }{
		{filepath.Join(old, "f.lock"), "cannot open the lock directory " + old + ": permission denied (owned by uid 61001, mode 0700): its owner can share it (chmod 1777 " + old + ")"},
		{oldFile, "permission denied: the lock file is owned by uid 61001, mode 0600: its owner can share it (chmod 666 " + oldFile + ")"},
		{fleet, "not an nbfleet lock file"},
		{filepath.Join(base, "shared", "new.lock"), "cannot create the lock file: permission denied: the directory " + filepath.Dir(fleet) + " is owned by root, mode 0755"},
	} {
		if s := run(t, bin, tc.path, as(bob)); !strings.HasPrefix(s, "error:") || !strings.Contains(s, tc.want) ||
			!strings.Contains(s, "--lock-file or NBFLEET_LOCK_DIR") {
			t.Errorf("bob on %s: %q, want an error with %q", tc.path, s, tc.want)
		}
	}
	if got, _ := os.ReadFile(fleet); string(got) != "name: ml101\n" {
		t.Errorf("fleet file changed to %q", got)
	}
}

func pidOf(s string) string {
	s, _, _ = strings.Cut(strings.TrimPrefix(s, "locked pid="), " ")
	return s
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
