package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/nbfleet/nbfleet/pkg/modelarts"
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
	} else if h := apiHint(err); h != "" {
		fmt.Fprintf(e.stderr, "nbfleet: hint: %s\n", h)
	}
	return code
}

func (e *env) warnf(format string, args ...any) {
	fmt.Fprintf(e.stderr, "nbfleet: warning: "+format+"\n", args...)
}

// apiHint says what to do about an error from the cloud, when the kind of
// error tells.
func apiHint(err error) string {
	var re *modelarts.RequestError
	switch {
	case errors.Is(err, modelarts.ErrInsecureEndpoint):
		return "use https; to send credentials over plain http anyway, pass --allow-insecure-endpoint"
	case modelarts.IsWrongProject(err):
		return "404 ModelArts.2786 means the IAM token belongs to another project than the project id in use, not that a notebook is gone: check target.project_id (or HUAWEICLOUD_SDK_PROJECT_ID / OS_PROJECT_ID) and the region against the token's project (OS_PROJECT_NAME)"
	case modelarts.IsAuth(err):
		return "check the credentials (HUAWEICLOUD_SDK_AK/SK, OS_AUTH_TOKEN or OS_USERNAME/OS_PASSWORD) and the project id; a signature failure also means the machine's clock may be off"
	case modelarts.IsThrottled(err):
		return "the service is throttling requests; try again later or lower --rate"
	case errors.As(err, &re):
		return "check the endpoint (NBFLEET_ENDPOINT, target.endpoint or target.region) and the network"
	case errors.Is(err, modelarts.ErrIncompleteList):
		return "the notebook list changed while it was read; run the command again"
	}
	return ""
}
