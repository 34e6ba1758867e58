package spec

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
)

// Limits bound what a fleet file may make nbfleet do. Zero fields take the
// defaults of DefaultLimits.
type Limits struct {
	MaxFileSize   int64 // bytes of the fleet file (16 MiB)
	MaxCSVSize    int64 // bytes of one roster (64 MiB)
	MaxScriptSize int64 // bytes of one hook script_file (1 MiB)
	MaxDepth      int   // nesting of YAML mappings and lists (32)
	MaxAliasNodes int   // values produced by expanding YAML aliases (100 000)
	MaxNotebooks  int   // notebooks after expansion (100 000)
	MaxErrors     int   // errors reported before the rest are summarised (1 000)
}

// DefaultLimits returns the limits Load applies.
func DefaultLimits() Limits {
	return Limits{
		MaxFileSize:   16 << 20,
		MaxCSVSize:    64 << 20,
		MaxScriptSize: 1 << 20,
		MaxDepth:      32,
		MaxAliasNodes: 100_000,
		MaxNotebooks:  100_000,
		MaxErrors:     1000,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	return Limits{
		MaxFileSize:   positiveOr(l.MaxFileSize, d.MaxFileSize),
		MaxCSVSize:    positiveOr(l.MaxCSVSize, d.MaxCSVSize),
		MaxScriptSize: positiveOr(l.MaxScriptSize, d.MaxScriptSize),
		MaxDepth:      positiveOr(l.MaxDepth, d.MaxDepth),
		MaxAliasNodes: positiveOr(l.MaxAliasNodes, d.MaxAliasNodes),
		MaxNotebooks:  positiveOr(l.MaxNotebooks, d.MaxNotebooks),
		MaxErrors:     positiveOr(l.MaxErrors, d.MaxErrors),
	}
}

// positiveOr returns v when it is positive, else def.
func positiveOr[T int | int64](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

// Options configure Parse.
type Options struct {
	// ReadFile reads a file the fleet refers to (a for_each csv roster, a
	// hook script_file), for tests. Parse passes it the path joined to the
	// fleet file's directory, after refusing absolute paths and paths that
	// leave the directory. Nil reads from the local file system: only
	// regular files inside the fleet file's directory tree once symbolic
	// links are resolved, never blocking on a FIFO, up to the limits.
	ReadFile func(name string) ([]byte, error)
	// Limits bound the input; zero fields take DefaultLimits.
	Limits Limits
}

// Load reads, validates and expands the fleet file at path. For invalid
// input the error is an ErrorList; other errors do not occur.
func Load(path string) (*Fleet, error) {
	lim := DefaultLimits()
	src, err := readLimited(path, lim.MaxFileSize)
	if err != nil {
		return nil, ErrorList{{File: path, Msg: readProblem("fleet file", err)}}
	}
	return Parse(path, src, Options{Limits: lim})
}

// errTooLarge is returned by readLimited for a file over its limit.
var errTooLarge = errors.New("file too large")

type tooLargeError struct{ limit int64 }

func (e *tooLargeError) Error() string {
	return fmt.Sprintf("larger than the limit of %s", size(e.limit))
}
func (e *tooLargeError) Unwrap() error { return errTooLarge }

// readLimited reads at most limit bytes of the fleet file, failing beyond
// that. The user names it, so a pipe is fine (nbfleet validate <(gen)),
// but it is opened non-blocking: a FIFO nobody writes to reads as empty
// instead of hanging.
func readLimited(name string, limit int64) ([]byte, error) {
	f, err := os.OpenFile(name, os.O_RDONLY|oNonblock|oNoctty, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, fmt.Errorf("is a directory")
	}
	return readAtMost(f, limit)
}

// readAtMost reads r to its end, or fails with a tooLargeError once it has
// more than limit bytes: a fleet file or a file it names never fills memory.
func readAtMost(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, &tooLargeError{limit}
	}
	return b, nil
}

// readProblem phrases a read failure without the Go error's path prefix.
func readProblem(what string, err error) string {
	var pe *fs.PathError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Sprintf("cannot read %s: no such file", what)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Sprintf("cannot read %s: permission denied", what)
	case errors.As(err, &pe):
		return fmt.Sprintf("cannot read %s: %v", what, pe.Err)
	}
	return fmt.Sprintf("cannot read %s: %v", what, err)
}

func size(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	if n >= 1<<10 && n%(1<<10) == 0 {
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// Parse validates and expands a fleet file's content; filename names it in
// errors and anchors relative paths. For invalid input the error is an
// ErrorList.
func Parse(filename string, src []byte, opts Options) (*Fleet, error) {
	lim := opts.Limits.withDefaults()
	e := &errs{}
	if int64(len(src)) > lim.MaxFileSize {
		e.addf(filename, 0, 0, "fleet file is %d bytes, larger than the limit of %s", len(src), size(lim.MaxFileSize))
		return nil, e.err()
	}
	p := &parser{file: filename, errs: e, limits: lim}
	root := p.parse(src)
	if root == nil {
		return nil, capErrors(e, lim)
	}
	failed, err := checkSchema(filename, root, e)
	if err != nil {
		return nil, err
	}
	// A fault outside the notebook entries (version, fleet, target,
	// defaults) leaves nothing sound to expand; faulty entries are skipped
	// and the others still checked, so one run reports as much as it can.
	skip := map[int]bool{}
	for _, loc := range failed {
		toks := pointer(loc)
		if len(toks) < 2 || toks[0] != "notebooks" {
			return nil, capErrors(e, lim)
		}
		i, _ := strconv.Atoi(toks[1])
		skip[i] = true
	}
	x := &expander{
		file:    filename,
		dir:     filepath.Dir(filename),
		errs:    e,
		limits:  lim,
		custom:  opts.ReadFile,
		tmpl:    map[*node]*tmplEntry{},
		scripts: map[string]scriptResult{},
		skip:    skip,
	}
	x.funcMap = x.funcs()
	defer x.tree.close()
	f := x.fleet(root)
	if len(e.list) > 0 {
		return nil, capErrors(e, lim)
	}
	return f, nil
}

// capErrors sorts the errors and keeps at most lim.MaxErrors of them.
func capErrors(e *errs, lim Limits) error {
	l, _ := e.err().(ErrorList)
	if len(l) > lim.MaxErrors {
		n := len(l) - lim.MaxErrors
		last := l[lim.MaxErrors-1]
		l = append(l[:lim.MaxErrors:lim.MaxErrors], &Error{File: last.File, Line: last.Line, Col: last.Col,
			Msg: fmt.Sprintf("too many errors: %d more not shown", n)})
	}
	return l
}
