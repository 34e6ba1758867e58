//go:build windows

package fleetlock

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/windows"
)

// On Windows the temporary directory is per user, so this is a plain
// version of lock_unix.go: a link (looked for before opening) is refused,
// only a regular file is locked, and the content check (in claim) is the
// same. It is compiled but not tested.

// lockOffset is where the lock's one byte lies: far beyond a holder record,
// because Windows locks are mandatory and a waiting run reads the record.
const lockOffset = 1 << 62

func openLockFile(path string) (*os.File, error) {
	dir := filepath.Dir(path)
	fi, err := os.Lstat(dir)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o777); err != nil {
			return nil, fmt.Errorf("create the lock directory: %w", err)
		}
		fi, err = os.Lstat(dir)
	}
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("the lock directory %s is not a directory (or is a link, which nbfleet does not follow): %s", dir, elsewhere)
	}
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, errors.New("it is not a regular file (or is a link, which nbfleet does not follow): " + remedy)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o666)
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, errors.New("it is not a regular file: " + remedy)
	}
	return f, nil
}

func tryLock(f *os.File) (bool, error) {
	ol := &windows.Overlapped{Offset: lockOffset & 0xffffffff, OffsetHigh: lockOffset >> 32}
	err := windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) || errors.Is(err, windows.ERROR_IO_PENDING) {
		return false, nil
	}
	return err == nil, err
}

func unlock(f *os.File) error {
	ol := &windows.Overlapped{Offset: lockOffset & 0xffffffff, OffsetHigh: lockOffset >> 32}
	return windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, ol)
}
