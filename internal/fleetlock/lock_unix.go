//go:build unix

package fleetlock

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

const (
	dirMode  = 0o1777 // a lock directory Acquire creates: every user's, sticky
	fileMode = 0o666  // a lock file: every user can lock it
)

// openLockFile opens the lock file at path for reading and writing, creating
// it (and its directory) when missing. It refuses a directory that is a
// symbolic link or that everyone may write without the sticky bit, and a
// lock file that is anything but a regular file with a single link.
func openLockFile(path string) (*os.File, error) {
	dir, name := filepath.Dir(path), filepath.Base(path)
	dfd, err := openDir(dir)
	if err != nil {
		return nil, err
	}
	defer unix.Close(dfd)
	const flags = unix.O_RDWR | unix.O_NOFOLLOW | unix.O_NONBLOCK | unix.O_NOCTTY | unix.O_CLOEXEC
	for range reopens {
		// Look before opening: opening a FIFO or a device can block or
		// act. The check after opening is the one that counts.
		var st unix.Stat_t
		err := unix.Fstatat(dfd, name, &st, unix.AT_SYMLINK_NOFOLLOW)
		if err == nil {
			if err := checkKind(&st); err != nil {
				return nil, err
			}
		} else if !errors.Is(err, unix.ENOENT) {
			return nil, err
		}
		// Without O_CREAT first: Linux's fs.protected_regular refuses
		// O_CREAT on another user's file in a sticky directory.
		fd, err := unix.Openat(dfd, name, flags, 0)
		if errors.Is(err, unix.ENOENT) {
			fd, err = unix.Openat(dfd, name, flags|unix.O_CREAT|unix.O_EXCL, fileMode)
			if errors.Is(err, unix.EEXIST) {
				continue // someone else created it meanwhile: open theirs
			}
		}
		if err != nil {
			return nil, openError(dfd, dir, name, err)
		}
		if err := checkFile(fd); err != nil {
			unix.Close(fd)
			return nil, err
		}
		return os.NewFile(uintptr(fd), path), nil
	}
	return nil, fmt.Errorf("the file keeps appearing and disappearing; another user may be tampering with the lock directory: %s", elsewhere)
}

// openDir opens the lock directory dir, creating it (mode 1777) when
// missing, and checks it.
func openDir(dir string) (int, error) {
	const flags = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC
	fd, err := unix.Open(dir, flags, 0)
	if errors.Is(err, unix.ENOENT) {
		if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			return -1, fmt.Errorf("create the lock directory: %w", err)
		}
		merr := unix.Mkdir(dir, dirMode)
		if merr != nil && !errors.Is(merr, unix.EEXIST) {
			return -1, fmt.Errorf("create the lock directory %s: %w", dir, merr)
		}
		fd, err = unix.Open(dir, flags, 0)
		if err == nil && merr == nil {
			// Ours: give it the mode the umask took away.
			var st unix.Stat_t
			if err = unix.Fstat(fd, &st); err == nil && int(st.Uid) == os.Geteuid() {
				err = unix.Fchmod(fd, dirMode)
			}
			if err != nil {
				unix.Close(fd)
				return -1, fmt.Errorf("create the lock directory %s: %w", dir, err)
			}
		}
	}
	if err != nil {
		return -1, dirError(dir, err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("lock directory %s: %w", dir, err)
	}
	if st.Mode&0o002 != 0 && st.Mode&unix.S_ISVTX == 0 {
		unix.Close(fd)
		return -1, fmt.Errorf("the lock directory %s (mode %04o) is writable by every user but lacks the sticky bit, "+
			"so anyone could remove a held lock: add it (chmod +t %s), or %s", dir, st.Mode&0o7777, dir, elsewhere)
	}
	return fd, nil
}

// dirError explains why the lock directory dir could not be opened.
func dirError(dir string, err error) error {
	fi, lerr := os.Lstat(dir)
	switch {
	case lerr == nil && fi.Mode()&os.ModeSymlink != 0:
		target, _ := os.Readlink(dir)
		return fmt.Errorf("the lock directory %s is a symbolic link (to %s), which nbfleet does not follow: "+
			"name the directory itself, or %s", dir, target, elsewhere)
	case lerr == nil && !fi.IsDir():
		return fmt.Errorf("the lock directory %s is not a directory: %s", dir, elsewhere)
	case errors.Is(err, unix.EACCES) && lerr == nil:
		return fmt.Errorf("cannot open the lock directory %s: permission denied (%s): its owner can share it (chmod 1777 %s), or %s",
			dir, ownerMode(fi), dir, elsewhere)
	}
	return fmt.Errorf("lock directory %s: %w", dir, err)
}

// openError explains why the lock file name in dir could not be opened.
func openError(dfd int, dir, name string, err error) error {
	var st unix.Stat_t
	if serr := unix.Fstatat(dfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); serr == nil {
		if kerr := checkKind(&st); kerr != nil {
			return kerr
		}
	}
	if !errors.Is(err, unix.EACCES) && !errors.Is(err, unix.EPERM) {
		return err
	}
	if fi, serr := os.Lstat(filepath.Join(dir, name)); serr == nil {
		// Readable, it may show that it is no lock file at all.
		if fd, rerr := unix.Openat(dfd, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_NOCTTY|unix.O_CLOEXEC, 0); rerr == nil {
			f := os.NewFile(uintptr(fd), name)
			err := checkRecord(f)
			f.Close()
			if err != nil {
				return err
			}
		}
		return fmt.Errorf("permission denied: the lock file is %s: its owner can share it (chmod 666 %s), or %s",
			ownerMode(fi), filepath.Join(dir, name), elsewhere)
	}
	if fi, serr := os.Stat(dir); serr == nil {
		return fmt.Errorf("cannot create the lock file: permission denied: the directory %s is %s: its owner can share it (chmod 1777 %s), or %s",
			dir, ownerMode(fi), dir, elsewhere)
	}
	return err
}

// checkKind refuses anything but a regular file.
func checkKind(st *unix.Stat_t) error {
	var kind string
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
		return nil
	case unix.S_IFLNK:
		return errors.New("it is a symbolic link, which nbfleet does not follow (it may point at a file someone wants overwritten): " + remedy)
	case unix.S_IFIFO:
		kind = "a FIFO"
	case unix.S_IFDIR:
		kind = "a directory"
	case unix.S_IFSOCK:
		kind = "a socket"
	default:
		kind = "a device"
	}
	return fmt.Errorf("it is %s, not a regular file: %s", kind, remedy)
}

// checkFile checks the opened lock file fd and gives it the lock file mode
// when it is ours.
func checkFile(fd int) error {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return err
	}
	if err := checkKind(&st); err != nil {
		return err
	}
	if st.Nlink != 1 {
		return fmt.Errorf("it has %d hard links, so it may be another file linked there: %s", st.Nlink, remedy)
	}
	if err := unix.SetNonblock(fd, false); err != nil {
		return err
	}
	// A file created under a restrictive umask, or by an older nbfleet
	// (0600), is made lockable by every user. Only the owner can.
	if int(st.Uid) == os.Geteuid() && st.Mode&0o7777 != fileMode {
		return unix.Fchmod(fd, fileMode)
	}
	return nil
}

// ownerMode describes who owns fi and its mode: "owned by alice, mode 0700".
func ownerMode(fi os.FileInfo) string {
	s := fmt.Sprintf("mode %04o", fi.Mode().Perm()|stickyBits(fi.Mode()))
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return s
	}
	uid := strconv.FormatUint(uint64(st.Uid), 10)
	who := "uid " + uid
	if u, err := user.LookupId(uid); err == nil {
		who = u.Username
	}
	return "owned by " + who + ", " + s
}

func stickyBits(m os.FileMode) os.FileMode {
	if m&os.ModeSticky != 0 {
		return 0o1000
	}
	return 0
}

func tryLock(f *os.File) (bool, error) {
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, unix.EWOULDBLOCK):
			return false, nil
		case !errors.Is(err, unix.EINTR):
			return false, err
		}
	}
}

func unlock(f *os.File) error { return unix.Flock(int(f.Fd()), unix.LOCK_UN) }
