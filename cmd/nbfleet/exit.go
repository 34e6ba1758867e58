package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nbfleet/nbfleet/internal/ops"
	"github.com/nbfleet/nbfleet/internal/safetext"
	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

// Exit codes: the documented contract.
const (
	exitOK          = 0   // success
	exitError       = 1   // bad input, auth, stale plan, lock held, usage
	exitChanges     = 2   // plan --detailed-exitcode or drift found changes
	exitPartial     = 3   // apply, destroy or renew ran, some notebooks not as declared
	exitInterrupted = 130 // interrupted by SIGINT/SIGTERM
)

// Quiet errors: the exit code says it all, or the output already did.
var (
	// errChanges: plan --detailed-exitcode or drift found changes.
	errChanges = errors.New("changes")
	// errInvalid: validate printed the problems of invalid files.
	errInvalid = errors.New("invalid")
)

// exitCode maps a command's error to the exit-code contract, in one place.
func exitCode(err error) int {
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, ops.ErrInterrupted):
		return exitInterrupted
	case errors.Is(err, errChanges):
		return exitChanges
	case errors.Is(err, ops.ErrPartial):
		return exitPartial
	}
	return exitError
}

// exit prints err of command cmd in nbfleet's voice, with a hint where
// the user can act, and returns the exit code. An interrupted run gets no
// hint that would send the user looking for another cause.
//
// Error messages carry cloud text (names, fail_reasons, API messages) and
// file content: every line goes through safetext.Terminal, so no message
// can send an escape sequence or start a line of its own. The only line
// breaks are those between the entries of a fleet's error list and of
// joined errors.
func (e *env) exit(cmd *cobra.Command, err error) int {
	code := exitCode(err)
	if err == nil || errors.Is(err, errChanges) || errors.Is(err, errInvalid) {
		return code
	}
	for _, line := range errorLines(err) {
		fmt.Fprintf(e.stderr, "nbfleet: error: %s\n", safetext.Terminal(line))
	}
	if code == exitInterrupted {
		return code
	}
	var h *ops.Hinted
	if errors.As(err, &h) && h.Hint != "" {
		fmt.Fprintf(e.stderr, "nbfleet: hint: %s\n", safetext.Terminal(h.Hint))
	} else if h := apiHint(cmd, err); h != "" {
		fmt.Fprintf(e.stderr, "nbfleet: hint: %s\n", h)
	}
	return code
}

// errorLines splits err's message where nbfleet itself put line breaks:
// between the errors of errors.Join, and between the entries of a fleet's
// error list (with whatever text wraps it before the first). Any other
// line break is part of the message and Terminal shows it as \n.
func errorLines(err error) []string {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []string
		for _, e := range j.Unwrap() {
			out = append(out, errorLines(e)...)
		}
		return out
	}
	msg := err.Error()
	var list spec.ErrorList
	if errors.As(err, &list) && len(list) > 0 && strings.HasSuffix(msg, list.Error()) {
		out := []string{msg[:len(msg)-len(list.Error())] + list[0].Error()}
		for _, l := range list[1:] {
			out = append(out, l.Error())
		}
		return out
	}
	return []string{msg}
}

// usage is a usage error of command c: bad flags or arguments. An error
// that already says what to do keeps its hint.
func usage(c *cobra.Command, err error) error {
	var h *ops.Hinted
	if errors.As(err, &h) && h.Hint != "" {
		return err
	}
	return ops.WithHint(err, "run '%s --help' for usage", c.CommandPath())
}

// apiHint says what to do about an error from the cloud, when the kind of
// error tells. A flag is suggested only to a command that has it.
func apiHint(cmd *cobra.Command, err error) string {
	var re *modelarts.RequestError
	switch {
	case errors.Is(err, modelarts.ErrInsecureEndpoint):
		return "use https" + withFlag(cmd, "allow-insecure-endpoint", "; to send credentials over plain http anyway, pass --allow-insecure-endpoint")
	case modelarts.IsWrongProject(err):
		return "404 ModelArts.2786 means the IAM token belongs to another project than the project id in use, not that a notebook is gone: check target.project_id (or HUAWEICLOUD_SDK_PROJECT_ID / OS_PROJECT_ID) and the region against the token's project (OS_PROJECT_NAME)"
	case modelarts.IsAuth(err):
		return "check the credentials (HUAWEICLOUD_SDK_AK/SK, OS_AUTH_TOKEN or OS_USERNAME/OS_PASSWORD) and the project id; a signature failure also means the machine's clock may be off"
	case modelarts.IsThrottled(err):
		return "the service is throttling requests; try again later" + withFlag(cmd, "rate", " or lower --rate")
	case errors.As(err, &re):
		return "check the endpoint (NBFLEET_ENDPOINT, target.endpoint or target.region) and the network"
	case errors.Is(err, modelarts.ErrIncompleteList):
		return "the notebook list changed while it was read; run the command again"
	}
	return ""
}

// withFlag returns text when cmd has the flag name, else "": a hint never
// suggests a flag the command that prints it does not have.
func withFlag(cmd *cobra.Command, name, text string) string {
	if cmd == nil || (cmd.Flags().Lookup(name) == nil && cmd.InheritedFlags().Lookup(name) == nil) {
		return ""
	}
	return text
}
