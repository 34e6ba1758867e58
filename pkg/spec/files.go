package spec

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Files a fleet may read.
//
// A fleet file names other files: for_each csv rosters and hook
// script_files (the latter possibly templated from roster cells). Their
// content ends up in plans, saved plans and create requests, and a fleet
// file may come from a pull request, so nbfleet reads only regular files
// inside the fleet file's directory tree:
//
//   - the path must be relative and must not climb out of the directory
//     ("../x", "/etc/passwd", "/proc/self/environ" are refused before any
//     file is touched);
//   - symbolic links are resolved, those of the fleet file's directory
//     included, and the resolved target must still lie inside the resolved
//     directory ("sub/../x" is resolved as the kernel does, after "sub");
//     the file is then opened through an os.Root on that directory, which
//     refuses a symbolic link swapped in between the check and the open;
//   - the file must be a regular file: it is stat'ed before it is opened
//     (a device is never opened), opened with O_NONBLOCK (a FIFO swapped in
//     meanwhile cannot block the open) and O_NOCTTY, and stat'ed again on
//     the open descriptor, which must be the same regular file;
//   - it is read up to its limit (Limits.MaxCSVSize, Limits.MaxScriptSize).
//
// What a path check cannot see: a hard link inside the tree to a file
// outside it is, to the file system, a file inside the tree. A repository
// cannot carry hard links (git stores none), so a pull request cannot plant
// one; a local user who makes one could read the target anyway. On a
// case-insensitive file system (macOS by default) a path that leaves the
// tree and re-enters it under another case ("../Fleets/r.csv") is refused:
// containment is decided on the path as resolved, which errs on the safe side.

// fileKind names what a fleet reads, for messages.
type fileKind string

const (
	rosterFile fileKind = "roster"
	scriptFile fileKind = "script_file"
)

// policyError is a file the policy refuses; its text completes
// "roster \"x.csv\" …".
type policyError struct{ msg string }

func (e *policyError) Error() string { return e.msg }

// localPath checks a path as written in the fleet file, before any file is
// touched: it must be relative and stay inside the fleet file's directory.
func localPath(rel string) error {
	switch {
	case filepath.IsAbs(rel) || strings.HasPrefix(rel, "/") || strings.HasPrefix(rel, `\`):
		return &policyError{"is an absolute path: nbfleet reads only files inside the fleet file's directory; give a path relative to it"}
	case !filepath.IsLocal(rel):
		return &policyError{"is outside the fleet file's directory: nbfleet reads only files inside it; move the file there and give a path relative to the fleet file"}
	}
	return nil
}

// treeReader reads files inside one directory tree under the policy above.
type treeReader struct {
	dir     string
	real    string   // dir with symbolic links resolved
	root    *os.Root // opened on real
	openErr error
	// escapes is os.Root's (unexported) error for a path that leaves it,
	// obtained by asking for "..", so that a dangling symbolic link out of
	// the tree is named as such.
	escapes error
}

func newTreeReader(dir string) *treeReader {
	t := &treeReader{dir: dir}
	abs, err := filepath.Abs(dir)
	if err == nil {
		t.real, err = filepath.EvalSymlinks(abs)
	}
	if err == nil {
		t.root, err = os.OpenRoot(t.real)
	}
	t.openErr = err
	if err == nil {
		var pe *fs.PathError
		if _, err := t.root.Stat(".."); errors.As(err, &pe) {
			t.escapes = pe.Err
		}
	}
	return t
}

// outsideLink is the policy error for a symbolic link out of the tree.
var outsideLink = &policyError{"leads outside the fleet file's directory through a symbolic link: nbfleet reads only files inside it; copy the file there instead of linking to it"}

func (t *treeReader) close() {
	if t != nil && t.root != nil {
		t.root.Close()
	}
}

// read returns the content of rel (already checked by localPath), at most
// limit bytes.
func (t *treeReader) read(rel string, limit int64) ([]byte, error) {
	if t.openErr != nil {
		return nil, t.openErr
	}
	// Resolve for the message: os.Root below enforces the same containment
	// without a race, but only says "path escapes from parent".
	// EvalSymlinks applies ".." to the path resolved so far.
	resolved, err := filepath.EvalSymlinks(t.real + string(filepath.Separator) + rel)
	if err == nil {
		if r, err := filepath.Rel(t.real, resolved); err != nil || !filepath.IsLocal(r) {
			return nil, outsideLink
		}
	}
	before, err := t.root.Stat(rel)
	if err != nil {
		return nil, t.explain(err)
	}
	if err := regular(before); err != nil {
		return nil, err
	}
	if before.Size() > limit {
		return nil, &tooLargeError{limit}
	}
	f, err := t.root.OpenFile(rel, os.O_RDONLY|oNonblock|oNoctty, 0)
	if err != nil {
		return nil, t.explain(err)
	}
	defer f.Close()
	after, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := regular(after); err != nil {
		return nil, err
	}
	if !os.SameFile(before, after) {
		return nil, &policyError{"changed while nbfleet was reading it: run nbfleet again"}
	}
	return readAtMost(f, limit)
}

// explain turns os.Root's refusal of a path that leaves the tree (a
// dangling symbolic link out of it, or one swapped in after the check)
// into the policy's message.
func (t *treeReader) explain(err error) error {
	if t.escapes != nil && errors.Is(err, t.escapes) {
		return outsideLink
	}
	return err
}

// regular refuses anything but a regular file, naming what it is.
func regular(fi fs.FileInfo) error {
	m := fi.Mode()
	var what string
	switch {
	case m.IsRegular():
		return nil
	case m.IsDir():
		what = "a directory"
	case m&fs.ModeNamedPipe != 0:
		what = "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		what = "a socket"
	case m&fs.ModeDevice != 0 || m&fs.ModeCharDevice != 0:
		what = "a device"
	default:
		what = "not a regular file"
		return &policyError{what + ": nbfleet reads only regular files"}
	}
	return &policyError{"is " + what + ", not a regular file: nbfleet reads only regular files"}
}

// fileProblem phrases why a file the fleet names cannot be read:
// `roster "x.csv" is a named pipe …`, `cannot read script_file "s.sh": …`.
func fileProblem(kind fileKind, rel string, err error) string {
	var pe *policyError
	var tl *tooLargeError
	switch {
	case errors.As(err, &pe):
		return fmt.Sprintf("%s %q %s", kind, rel, pe.msg)
	case errors.As(err, &tl):
		return fmt.Sprintf("%s %q is larger than the limit of %s", kind, rel, size(tl.limit))
	}
	msg := readProblem(fmt.Sprintf("%s %q", kind, rel), err)
	if errors.Is(err, fs.ErrNotExist) {
		msg += " (paths are relative to the fleet file)"
	}
	return msg
}
