// Package fleetlock keeps two nbfleet runs from acting on one fleet at once
// (overlapping cron jobs): an advisory file lock per fleet, whose file names
// the holder (pid, host, start time, command) so that a refused run can say
// who holds it.
//
// It must not remove the lock file: another process may hold an open
// descriptor on it and removing it would let a third one lock a new file.
package fleetlock

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
)

// ErrHeld is wrapped by the error Acquire returns when another process (or
// another Lock in this one) still holds the lock after the timeout.
var ErrHeld = errors.New("fleet lock is held")

// retryDelay is how often Acquire tries again while it waits.
const retryDelay = 50 * time.Millisecond

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

// HeldError is the error of a lock held by someone else. It wraps ErrHeld.
type HeldError struct {
	Path string
	// Holder is what the lock file says; zero when it could not be read.
	Holder Holder
}

func (e *HeldError) Error() string {
	h := e.Holder
	if h.PID == 0 {
		return fmt.Sprintf("fleet lock %s is held by another process", e.Path)
	}
	s := fmt.Sprintf("fleet lock %s is held by pid %d on host %s since %s", e.Path, h.PID, h.Host,
		h.Started.UTC().Format(time.RFC3339))
	if h.Command != "" {
		s += fmt.Sprintf(" (%s)", h.Command)
	}
	return s
}

func (e *HeldError) Unwrap() error { return ErrHeld }

// Lock is a held fleet lock.
type Lock struct {
	fl   *flock.Flock
	path string
}

// Acquire takes the lock at path, creating the file and its directory when
// missing, and writes holder into it. While another holder has it, Acquire
// tries again until timeout has passed (zero: once) or ctx is done; then it
// returns a *HeldError naming the holder.
func Acquire(ctx context.Context, path string, timeout time.Duration, holder Holder) (*Lock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("fleet lock: %w", err)
	}
	fl := flock.New(path, flock.SetPermissions(0o600))
	ok, err := fl.TryLock()
	if err == nil && !ok && timeout > 0 {
		tctx, cancel := context.WithTimeout(ctx, timeout)
		ok, err = fl.TryLockContext(tctx, retryDelay)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			err = nil
		}
	}
	if err != nil {
		fl.Close()
		return nil, fmt.Errorf("fleet lock %s: %w", path, err)
	}
	if !ok {
		fl.Close()
		he := &HeldError{Path: path}
		if h, err := ReadHolder(path); err == nil {
			he.Holder = h
		}
		return nil, he
	}
	data, err := json.Marshal(holder)
	if err == nil {
		err = writeHolder(path, append(data, '\n'))
	}
	if err != nil {
		fl.Unlock()
		return nil, fmt.Errorf("fleet lock %s: %w", path, err)
	}
	return &Lock{fl: fl, path: path}, nil
}

// writeHolder replaces the content of the (locked) file at path. It writes
// through a second descriptor: flock locks are advisory.
func writeHolder(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if err := f.Truncate(0); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ReadHolder returns the holder written in the lock file at path. A lock
// file that is empty (released) or unreadable is an error.
func ReadHolder(path string) (Holder, error) {
	var h Holder
	data, err := os.ReadFile(path)
	if err != nil {
		return h, err
	}
	if len(data) == 0 {
		return h, fmt.Errorf("%s: no holder", path)
	}
	err = json.Unmarshal(data, &h)
	return h, err
}

// Path returns the lock file's path.
func (l *Lock) Path() string { return l.path }

// Release empties the holder record and unlocks. The file stays: another
// process may be waiting on it. Release of a released lock does nothing.
func (l *Lock) Release() error {
	if l == nil || l.fl == nil || !l.fl.Locked() {
		return nil
	}
	werr := writeHolder(l.path, nil)
	if err := l.fl.Unlock(); err != nil {
		return fmt.Errorf("fleet lock %s: %w", l.path, err)
	}
	if werr != nil {
		return fmt.Errorf("fleet lock %s: %w", l.path, werr)
	}
	return nil
}
