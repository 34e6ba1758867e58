package spec

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Error is one problem in a fleet file or a file it refers to (a roster, a
// hook script). Line and Col count from 1; Col is 0 when only the line is
// known (a CSV row) and Line is 0 when the problem concerns the whole file.
type Error struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Col  int    `json:"col"`
	Msg  string `json:"message"`
}

// Error formats e as "file:line:col: message", "file:line: message" or
// "file: message".
func (e *Error) Error() string { return positioned(e.File, e.Line, e.Col, e.Msg) }

func positioned(file string, line, col int, msg string) string {
	switch {
	case line == 0:
		return fmt.Sprintf("%s: %s", file, msg)
	case col == 0:
		return fmt.Sprintf("%s:%d: %s", file, line, msg)
	default:
		return fmt.Sprintf("%s:%d:%d: %s", file, line, col, msg)
	}
}

// Warning is a problem that does not stop a fleet from loading, such as
// roster rows skipped because every cell is empty. Fields as in Error.
// spec never prints: Load returns warnings in Fleet.Warnings and the
// caller shows them ("nbfleet: warning: roster.csv:7: …").
type Warning struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Col  int    `json:"col"`
	Msg  string `json:"message"`
}

// String formats w as Error formats an error: "file:line:col: message".
func (w Warning) String() string { return positioned(w.File, w.Line, w.Col, w.Msg) }

// ErrorList is every problem found in a fleet, sorted by file, line and
// column. Load and Parse return it (never empty) for invalid input, so
// callers can errors.As it and print each entry on its own line.
type ErrorList []*Error

// Error joins the entries, one "file:line:col: message" per line.
func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// sort orders the list by file, line, column and message, and drops exact
// duplicates (one mistake in a template would otherwise repeat per row).
func (l ErrorList) sort() ErrorList {
	slices.SortStableFunc(l, func(a, b *Error) int {
		return cmp.Or(
			cmp.Compare(a.File, b.File),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Col, b.Col),
			cmp.Compare(a.Msg, b.Msg),
		)
	})
	return slices.CompactFunc(l, func(a, b *Error) bool { return *a == *b })
}

// errs collects errors while a fleet is loaded.
type errs struct {
	list ErrorList
}

func (c *errs) addf(file string, line, col int, format string, args ...any) {
	c.list = append(c.list, &Error{File: file, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)})
}

func (c *errs) at(file string, n *node, format string, args ...any) {
	line, col := 0, 0
	if n != nil {
		line, col = n.line, n.col
	}
	c.addf(file, line, col, format, args...)
}

func (c *errs) err() error {
	if len(c.list) == 0 {
		return nil
	}
	return c.list.sort()
}
