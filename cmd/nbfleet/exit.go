package main

import (
	"errors"
	"fmt"
	"strings"
)

// Exit codes: the documented contract, decided here and nowhere else.
const (
	exitOK          = 0   // success
	exitError       = 1   // bad input, auth, stale plan, lock held, usage
	exitChanges     = 2   // plan/drift --detailed-exitcode found changes
	exitPartial     = 3   // apply finished but some notebooks failed
	exitInterrupted = 130 // interrupted by SIGINT/SIGTERM
)

// exitError carries an exit code through cobra's error return. A nil err
// with a code exits quietly with that code.
type exitErr struct {
	code int
	err  error
}

func (e *exitErr) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitErr) Unwrap() error { return e.err }

// withCode returns err (possibly nil) to exit with code.
func withCode(code int, err error) error { return &exitErr{code: code, err: err} }

// hintError is an error with a hint line for the user.
type hintError struct {
	err  error
	hint string
}

func (e *hintError) Error() string { return e.err.Error() }
func (e *hintError) Unwrap() error { return e.err }

func withHint(err error, format string, args ...any) error {
	return &hintError{err: err, hint: fmt.Sprintf(format, args...)}
}

// report prints err in nbfleet's voice and returns the exit code.
func (e *env) report(err error) int {
	if err == nil {
		return exitOK
	}
	code := exitError
	var xe *exitErr
	if errors.As(err, &xe) {
		code = xe.code
		if xe.err == nil {
			return code
		}
	}
	msg := err.Error()
	for _, line := range strings.Split(strings.TrimRight(msg, "\n"), "\n") {
		fmt.Fprintf(e.stderr, "nbfleet: error: %s\n", line)
	}
	var he *hintError
	if errors.As(err, &he) && he.hint != "" {
		fmt.Fprintf(e.stderr, "nbfleet: hint: %s\n", he.hint)
	}
	return code
}

func (e *env) warnf(format string, args ...any) {
	fmt.Fprintf(e.stderr, "nbfleet: warning: "+format+"\n", args...)
}
