package ops

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"time"

	"github.com/nbfleet/nbfleet/internal/fleetlock"
	"github.com/nbfleet/nbfleet/pkg/modelarts"
)

// LockPath returns the default lock file of a fleet in a project, under
// dir: one per fleet name, cloud and project id, however the endpoint was
// spelled (127.0.0.1 or localhost, a trailing slash, a region or a URL),
// so that two runs of one fleet against one project never overlap. The
// project id must be the resolved one (Client.ProjectID), not what the
// fleet file or the environment happened to give.
func LockPath(dir, fleet string, cloud modelarts.Cloud, project string) string {
	sum := sha256.Sum256([]byte(fleet + "\x00" + string(cloud) + "\x00" + project))
	name := "fleet"
	if fleetName.MatchString(fleet) {
		name = fleet // readable; the hash keeps it unique
	}
	return filepath.Join(dir, "nbfleet-locks", fmt.Sprintf("%s-%s.lock", name, hex.EncodeToString(sum[:8])))
}

// fleetName is the schema's pattern of a fleet name. A lock file's name
// shows the fleet only when it matches: a saved plan's fleet name is not
// validated, and must not make a path.
var fleetName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

// lock takes the fleet lock at path for command, waiting up to timeout
// while another run holds it (and saying so), until ctx is done.
func (e *Env) lock(ctx context.Context, path string, timeout time.Duration, command string) (*fleetlock.Lock, error) {
	holder := fleetlock.Self(e.now(), "nbfleet "+command)
	l, err := fleetlock.Acquire(ctx, path, 0, holder)
	var held *fleetlock.HeldError
	if errors.As(err, &held) && timeout > 0 {
		e.ui().Infof("waiting up to %s for the fleet lock: %v", timeout, held)
		l, err = fleetlock.Acquire(ctx, path, timeout, holder)
	}
	if err != nil {
		if errors.As(err, &held) {
			return nil, WithHint(err, "wait for the other run to finish, or raise --lock-timeout")
		}
		return nil, err
	}
	return l, nil
}
