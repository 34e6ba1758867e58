package main

import (
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"golang.org/x/term"
)

// env is everything a command touches outside its arguments, so tests can
// inject streams, environment variables, a clock and interrupts.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	now    func() time.Time
	// stdinTTY and stdoutTTY say whether those streams are terminals.
	stdinTTY, stdoutTTY bool
	// interrupts delivers SIGINT/SIGTERM; nil in tests that do not use it.
	interrupts <-chan os.Signal
	// stopSignals stops delivery to interrupts and restores the default.
	stopSignals func()
}

func newEnv() *env {
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	return &env{
		stdin:       os.Stdin,
		stdout:      os.Stdout,
		stderr:      os.Stderr,
		getenv:      os.Getenv,
		now:         time.Now,
		stdinTTY:    term.IsTerminal(int(os.Stdin.Fd())),
		stdoutTTY:   term.IsTerminal(int(os.Stdout.Fd())),
		interrupts:  ch,
		stopSignals: func() { signal.Stop(ch) },
	}
}

// inAutomation reports whether nbfleet runs unattended: no colour, no
// prompts, no animation.
func (e *env) inAutomation() bool {
	return e.getenv("NBFLEET_IN_AUTOMATION") != "" || e.getenv("CI") != "" || !e.stdoutTTY
}
