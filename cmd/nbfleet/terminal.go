package main

// The output conventions, decided here and nowhere else:
//
//   - Unattended: NBFLEET_IN_AUTOMATION or CI is set to a value other than
//     "", "0" or "false" (CI=false is how a CI system, or a person, says
//     it is not one). Unattended, nbfleet never prompts (apply without
//     --auto-approve refuses), never colours and never animates: progress
//     is stable log lines.
//   - Colour on a stream: the stream is a terminal, TERM is not "dumb",
//     NO_COLOR is unset or empty (no-color.org), nbfleet is not unattended
//     and the command's --no-color is not given.
//   - The live view of apply and destroy is drawn on stderr, so it is drawn
//     when stderr is a terminal that can move its cursor (TERM is not
//     "dumb") and nbfleet is not unattended, whatever stdout is: a plan
//     redirected to a file keeps the view on the terminal. Otherwise
//     progress is one line per notebook.
//   - The confirmation prompt needs stdin to be a terminal and nbfleet not
//     to be unattended.

import "strings"

// envOn reports whether a boolean environment variable is on: set, and
// not "0" or "false" in any case.
func envOn(v string) bool {
	v = strings.TrimSpace(v)
	return v != "" && v != "0" && !strings.EqualFold(v, "false")
}

// unattended reports whether nbfleet runs without a person watching:
// NBFLEET_IN_AUTOMATION or CI is on.
func (e *env) unattended() bool {
	return envOn(e.getenv("NBFLEET_IN_AUTOMATION")) || envOn(e.getenv("CI"))
}

// dumbTerminal reports whether TERM says the terminal cannot move its
// cursor or show colour.
func (e *env) dumbTerminal() bool { return e.getenv("TERM") == "dumb" }

// colorOn reports whether a stream that is (tty) or is not a terminal may
// be coloured.
func (e *env) colorOn(tty bool) bool {
	return tty && !e.unattended() && !e.dumbTerminal() && e.getenv("NO_COLOR") == ""
}

// liveOn reports whether the live view may be drawn on stderr.
func (e *env) liveOn() bool {
	return e.stderrTTY && !e.unattended() && !e.dumbTerminal()
}

// canPrompt reports whether a question may be asked on the terminal.
func (e *env) canPrompt() bool { return e.stdinTTY && !e.unattended() }
