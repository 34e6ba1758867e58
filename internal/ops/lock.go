package ops

import (
	"context"
	"errors"
	"path/filepath"
	"time"

	"github.com/nbfleet/nbfleet/internal/fleetlock"
	"github.com/nbfleet/nbfleet/pkg/modelarts"
)

// LockPath returns the default lock file of a fleet in a project: the
// fleetlock.DefaultPath of the fleet in the shared lock directory
// ($NBFLEET_LOCK_DIR, else nbfleet-locks in the temporary directory), keyed
// by cloud and project id, however the endpoint was spelled (127.0.0.1 or
// localhost, a trailing slash, a region or a URL), so that two runs of one
// fleet against one project never overlap. The project id must be the
// resolved one (Client.ProjectID), not what the fleet file or the
// environment happened to give.
func LockPath(fleet string, cloud modelarts.Cloud, project string) (string, error) {
	return fleetlock.DefaultPath(fleet, string(cloud)+"\x00"+project)
}

// lockPath is LockPath, in Env.LockDir when that is set.
func (e *Env) lockPath(fleet string, cloud modelarts.Cloud, project string) (string, error) {
	p, err := LockPath(fleet, cloud, project)
	if err != nil || e.LockDir == "" {
		return p, err
	}
	return filepath.Join(e.LockDir, filepath.Base(p)), nil
}

// lock takes the fleet lock at path for command, waiting up to timeout
// while another run holds it (and saying so), until ctx is done. A lock
// left behind by a run that ended without releasing it is taken over, with
// a warning naming that run.
func (e *Env) lock(ctx context.Context, path string, timeout time.Duration, command string) (*fleetlock.Lock, error) {
	holder := fleetlock.Self(e.now(), "nbfleet "+command)
	l, err := fleetlock.Acquire(ctx, path, 0, holder)
	var held *fleetlock.HeldError
	if errors.As(err, &held) && timeout > 0 {
		e.ui().Infof("waiting up to %s for the fleet lock: %v", timeout, held)
		l, err = fleetlock.Acquire(ctx, path, timeout, holder)
	}
	if err != nil {
		if errors.Is(err, fleetlock.ErrHeld) {
			return nil, WithHint(err, "wait for the other run to finish, or raise --lock-timeout")
		}
		return nil, err
	}
	if h, ok := l.Stale(); ok {
		e.ui().Warnf("the previous run, %s, ended without releasing the lock; taking it over", h)
	}
	return l, nil
}
