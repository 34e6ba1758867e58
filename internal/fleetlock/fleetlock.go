// Package fleetlock keeps two nbfleet runs from acting on one fleet at once
// (overlapping cron jobs, two people on one host): an advisory lock
// (flock(2)) on one file per fleet, whose content names the holder (pid,
// host, start time, command), so that a refused run can say who holds it and
// a run that takes over from one that died can say who died.
//
// # Sharing between users
//
// The default lock directory (DefaultPath) is shared by every user of the
// host, so that two users who apply one fleet exclude each other. A lock
// directory that Acquire creates gets mode 1777, like /tmp: every user can
// create lock files in it and only a file's owner can remove one. A lock file
// gets mode 0666 whatever the umask, so that every user can lock it and write
// their holder record into it.
//
// # Hostile co-tenants
//
// The lock directory is writable by others, so Acquire trusts nothing in it:
//
//   - the directory must be a real directory, opened without following a
//     symbolic link, and one that every user can write must have the sticky
//     bit (or anyone could remove a held lock);
//   - the lock file is opened relative to that directory, without following a
//     symbolic link and without blocking; anything but a regular file with a
//     single link is refused (a FIFO, a device, a link to a victim file);
//   - its content is replaced only when it is empty or a holder record, so a
//     file that is not a lock file (a fleet file named as the lock file by
//     mistake, a file planted there) is never truncated or written;
//   - the holder record is written through the locked descriptor, never by
//     opening the path again.
//
// The directory and the lock files may belong to any user. That is what lets
// two users share the default directory with no administrator: refusing
// other users' directories would let whoever runs nbfleet first block
// everyone else. The residual risk: whoever creates the directory, or a lock
// file in it, can later remove or rename it, so that one run locks a new file
// while another still holds the old one. A co-tenant who creates the
// directory before anyone else can thus break the mutual exclusion (and so
// cause duplicate notebooks); no co-tenant can make nbfleet follow a link or
// write to anything but a lock file. On a host with untrusted users, have root
// create the directory at boot (systemd-tmpfiles: "d /tmp/nbfleet-locks 1777
// root root -"), or set NBFLEET_LOCK_DIR to a directory that only trusted
// users can write (for example owned by root, group nbfleet, mode 3770).
//
// # Runs that died
//
// A lock dies with the process that holds it: a run killed with SIGKILL, or
// one that crashed, never blocks the next. Release empties the holder record,
// so a record found when the lock is taken is the one of a run that ended
// without releasing the lock; Lock.Stale returns it so that the caller can
// say so.
//
// # Limits
//
// The lock directory must be on a local file system. On NFS, Linux emulates
// flock with byte-range locks, which a server restart can lose; on other
// network and FUSE file systems a lock may not exclude anything. Hosts that
// share a fleet (several cron hosts, Kubernetes pods) need a guard of their
// own, such as a single scheduler.
//
// The package never removes a lock file: another process may hold an open
// descriptor on it, and removing it would let a third one lock a new file.
package fleetlock

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// DirEnv names the environment variable that chooses the directory of the
// default lock files (DefaultPath). It must be an absolute path.
const DirEnv = "NBFLEET_LOCK_DIR"

// ErrHeld is wrapped by the error Acquire returns when another process (or
// another Lock in this one) still holds the lock after the timeout.
var ErrHeld = errors.New("fleet lock is held")

const (
	// elsewhere and remedy end the errors that refuse a lock directory or
	// what is at the lock path.
	elsewhere = "lock elsewhere with --lock-file or " + DirEnv
	remedy    = "remove it if it has no business there, or " + elsewhere

	// retryDelay is how often Acquire tries again while it waits.
	retryDelay = 50 * time.Millisecond
	// maxRecord bounds a holder record; a bigger file is not a lock file.
	maxRecord = 4096
	// reopens bounds how often Acquire opens the path again when the file
	// it locked was replaced meanwhile.
	reopens = 10
)

// Holder describes who holds a lock. It is written into the lock file as
// JSON.
type Holder struct {
	PID     int       `json:"pid"`
	Host    string    `json:"host"`
	Started time.Time `json:"started"`
	Command string    `json:"command,omitempty"`
}

// Self returns a Holder for this process, started at now, running command.
func Self(now time.Time, command string) Holder {
	host, _ := os.Hostname()
	return Holder{PID: os.Getpid(), Host: host, Started: now, Command: command}
}

// String describes the holder as "pid N on host H since T (command)".
func (h Holder) String() string {
	s := fmt.Sprintf("pid %d on host %s since %s", h.PID, h.Host, h.Started.UTC().Format(time.RFC3339))
	if h.Command != "" {
		s += fmt.Sprintf(" (%s)", h.Command)
	}
	return s
}

// HeldError is the error of a lock held by someone else. It wraps ErrHeld.
type HeldError struct {
	Path string
	// Holder is what the lock file says; zero when it could not be read.
	Holder Holder
}

func (e *HeldError) Error() string {
	if e.Holder.PID == 0 {
		return fmt.Sprintf("fleet lock %s is held by another process", e.Path)
	}
	return fmt.Sprintf("fleet lock %s is held by %s", e.Path, e.Holder)
}

func (e *HeldError) Unwrap() error { return ErrHeld }

// Lock is a held fleet lock.
type Lock struct {
	f     *os.File
	path  string
	stale Holder
}

// DefaultPath returns the lock file of one fleet in the shared lock
// directory: $NBFLEET_LOCK_DIR when set, else nbfleet-locks in the temporary
// directory (os.TempDir). key is an opaque string that tells apart the fleets
// of one name that must not exclude each other; nbfleet gives the cloud and
// the resolved project id (ops.LockPath), so that two spellings of one
// target share a lock. Equal (fleet, key) pairs give equal paths; the file name
// shows the fleet name, reduced to safe characters, and a hash of both.
// DefaultPath does no I/O; Acquire creates the directory.
//
// Users who should exclude each other must see the same directory: where
// $TMPDIR is per user (macOS, pam_tmpdir), they set NBFLEET_LOCK_DIR.
func DefaultPath(fleet, key string) (string, error) {
	dir := os.Getenv(DirEnv)
	switch {
	case dir == "":
		dir = filepath.Join(os.TempDir(), "nbfleet-locks")
	case !filepath.IsAbs(dir):
		return "", fmt.Errorf("%s=%q must be an absolute path", DirEnv, dir)
	}
	sum := sha256.Sum256([]byte(fleet + "\x00" + key))
	return filepath.Join(dir, fmt.Sprintf("%s-%s.lock", safeName(fleet), hex.EncodeToString(sum[:8]))), nil
}

// safeName reduces a fleet name to a file-name part: letters, digits, '.',
// '_' and '-', at most 64 of them.
func safeName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-", r)) {
			return r
		}
		return '_'
	}, s)
	if len(s) > 64 {
		s = s[:64]
	}
	if s == "" {
		s = "fleet"
	}
	return s
}

// Acquire takes the lock at path and writes holder into it. It creates the
// file, and its directory when missing (see the package doc for the modes
// and for what it refuses). While another holder has it, Acquire tries again
// until timeout has passed (zero: once) or ctx is done; then it returns a
// *HeldError naming the holder. A lock file whose holder ended without
// releasing it is taken over: Stale says who that was.
func Acquire(ctx context.Context, path string, timeout time.Duration, holder Holder) (*Lock, error) {
	record, err := json.Marshal(holder)
	if err != nil {
		return nil, fmt.Errorf("fleet lock %s: %w", path, err)
	}
	record = append(record, '\n')
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	for range reopens {
		f, err := openLockFile(path)
		if err != nil {
			return nil, fmt.Errorf("fleet lock %s: %w", path, err)
		}
		if err := waitLock(ctx, f, deadline); err != nil {
			if errors.Is(err, ErrHeld) {
				he := &HeldError{Path: path}
				if data, err := readRecord(f); err == nil {
					he.Holder, _ = parseRecord(data)
				}
				err = he
			} else {
				err = fmt.Errorf("fleet lock %s: %w", path, err)
			}
			f.Close()
			return nil, err
		}
		// The file may have been removed or replaced between the open and
		// the lock: then this lock excludes nobody, and the path is tried
		// again.
		if fi, err := os.Lstat(path); err != nil || !sameFile(f, fi) {
			f.Close()
			continue
		}
		l, err := claim(f, path, record)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("fleet lock %s: %w", path, err)
		}
		return l, nil
	}
	return nil, fmt.Errorf("fleet lock %s: the file was replaced %d times while being locked; "+
		"another user may be tampering with the lock directory: lock elsewhere with --lock-file or %s", path, reopens, DirEnv)
}

// waitLock takes the lock on f, trying every retryDelay until deadline (zero:
// once) or until ctx is done. It returns ErrHeld when the time is up.
func waitLock(ctx context.Context, f *os.File, deadline time.Time) error {
	for {
		ok, err := tryLock(f)
		if err != nil || ok {
			return err
		}
		left := time.Until(deadline)
		if left <= 0 {
			return ErrHeld
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(min(retryDelay, left)):
		}
	}
}

func sameFile(f *os.File, fi os.FileInfo) bool {
	ffi, err := f.Stat()
	return err == nil && os.SameFile(ffi, fi)
}

// claim checks that the locked file f is a lock file, keeps the record of a
// holder that died, and writes record in its place.
func claim(f *os.File, path string, record []byte) (*Lock, error) {
	if err := checkRecord(f); err != nil {
		unlock(f)
		return nil, err
	}
	l := &Lock{f: f, path: path}
	if data, err := readRecord(f); err == nil {
		l.stale, _ = parseRecord(data)
	}
	if err := writeRecord(f, record); err != nil {
		unlock(f)
		return nil, err
	}
	return l, nil
}

// checkRecord refuses a file that holds anything but nothing or a holder
// record: nbfleet must not overwrite it.
func checkRecord(f *os.File) error {
	data, err := readRecord(f)
	if err == nil && len(data) > 0 {
		if _, ok := parseRecord(data); !ok {
			err = errors.New("it holds data other than a holder record")
		}
	}
	if err != nil {
		return fmt.Errorf("not an nbfleet lock file (%v), so nbfleet leaves it as it is: %s", err, remedy)
	}
	return nil
}

// readRecord returns the content of the lock file f, which must be small.
func readRecord(f *os.File) ([]byte, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Size() > maxRecord {
		return nil, fmt.Errorf("%d bytes, more than a holder record", fi.Size())
	}
	data, err := io.ReadAll(io.LimitReader(io.NewSectionReader(f, 0, maxRecord+1), maxRecord+1))
	if err == nil && len(data) > maxRecord {
		err = fmt.Errorf("more than %d bytes, more than a holder record", maxRecord)
	}
	return data, err
}

// parseRecord reads a holder record: a JSON object with a positive pid.
func parseRecord(data []byte) (Holder, bool) {
	var h Holder
	if json.Unmarshal(data, &h) != nil || h.PID <= 0 {
		return Holder{}, false
	}
	return h, true
}

// writeRecord replaces the content of the locked file f.
func writeRecord(f *os.File, record []byte) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	if len(record) == 0 {
		return nil
	}
	_, err := f.WriteAt(record, 0)
	return err
}

// Path returns the lock file's path.
func (l *Lock) Path() string { return l.path }

// Stale returns the holder record that the lock file still held when this
// lock was taken: a run that ended without releasing the lock (killed,
// crashed, or its host went down). ok is false when the last holder released
// it.
func (l *Lock) Stale() (h Holder, ok bool) { return l.stale, l.stale.PID != 0 }

// Release empties the holder record and unlocks. The file stays: another
// process may be waiting on it. Release of a released lock does nothing.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	f := l.f
	l.f = nil
	werr := writeRecord(f, nil)
	uerr := unlock(f)
	cerr := f.Close()
	if err := errors.Join(werr, uerr, cerr); err != nil {
		return fmt.Errorf("fleet lock %s: %w", l.path, err)
	}
	return nil
}
