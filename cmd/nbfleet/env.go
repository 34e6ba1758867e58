package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/nbfleet/nbfleet/internal/ops"
	"github.com/nbfleet/nbfleet/internal/progress"
	"github.com/nbfleet/nbfleet/internal/safetext"
)

// env is everything a command touches outside its arguments, so tests can
// inject streams, environment variables, a clock and interrupts.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	now    func() time.Time
	// stdinTTY, stdoutTTY and stderrTTY say whether those streams are
	// terminals.
	stdinTTY, stdoutTTY, stderrTTY bool
	// termWidth returns the columns of the terminal on stderr (0: unknown);
	// nil: unknown. Read at every frame of the live view, so a resize is
	// followed.
	termWidth func() int
	// resized delivers a value when the terminal is resized (SIGWINCH);
	// nil: never.
	resized <-chan os.Signal
	// tick redraws the live view; nil: every second (tests inject it).
	tick <-chan time.Time
	// live is the live view while one is drawn on stderr: messages go
	// through it so that they scroll above it.
	live *progress.Live
	// lockDir, when set, holds the default fleet locks instead of the
	// shared lock directory (ops.LockPath): tests keep theirs apart.
	lockDir string
	// signals delivers SIGINT/SIGTERM to run; nil: the process's own,
	// when notify is set, else none.
	signals <-chan os.Signal
	notify  bool
	// interrupted is closed by the first interrupt; run sets it up before
	// anything else, and every command sees it.
	interrupted chan struct{}
	// watching is set by a command that stops on e.interrupted itself
	// (those using e.ops, the emulator). Any other command ends at the
	// first interrupt through abort (os.Exit; nil where signals are
	// injected), exit 130: a validation of a slow roster or a write to a
	// stalled pipe must not ignore Ctrl-C.
	watching atomic.Bool
	abort    func(code int)
}

func newEnv() *env {
	return &env{
		stdin:     os.Stdin,
		stdout:    os.Stdout,
		stderr:    os.Stderr,
		getenv:    os.Getenv,
		now:       time.Now,
		stdinTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		stdoutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		stderrTTY: term.IsTerminal(int(os.Stderr.Fd())),
		termWidth: func() int {
			w, _, err := term.GetSize(int(os.Stderr.Fd()))
			if err != nil {
				return 0
			}
			return w
		},
		resized: progress.NotifyResize(),
		notify:  true,
		abort:   os.Exit,
	}
}

// listen handles interrupts for one run: the first SIGINT or SIGTERM
// closes e.interrupted (no new work starts: a lock wait, a refresh or a
// prompt ends, a run drains), the second cancels the returned context
// (calls in flight abort) and restores the default, so that a third kills
// the process. stop ends the handling.
func (e *env) listen() (ctx context.Context, stop func()) {
	sigs := e.signals
	unnotify := func() {}
	if sigs == nil && e.notify {
		ch := make(chan os.Signal, 2)
		signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
		sigs, unnotify = ch, func() { signal.Stop(ch) }
	}
	ctx, cancel := context.WithCancel(context.Background())
	e.interrupted = make(chan struct{})
	done := make(chan struct{})
	go func() {
		for n := 1; ; n++ {
			select {
			case <-sigs:
			case <-done:
				return
			}
			if n == 1 {
				close(e.interrupted)
				if !e.watching.Load() && e.abort != nil {
					fmt.Fprintln(e.stderr, "nbfleet: error: interrupted")
					e.abort(exitInterrupted)
				}
				continue
			}
			unnotify()
			cancel()
			return
		}
	}()
	return ctx, func() { close(done); unnotify(); cancel() }
}

// ops is the operations' environment of this run. A command that uses it
// stops on interrupts itself.
func (e *env) ops() *ops.Env {
	e.watching.Store(true)
	return &ops.Env{
		Getenv:      e.getenv,
		Now:         e.now,
		LockDir:     e.lockDir,
		Interrupted: e.interrupted,
		UserAgent:   "nbfleet/" + versionString(),
		UI:          e,
	}
}

// Warnf and Infof implement ops.UI. Their lines carry cloud text (names,
// ids, API errors, lock holders): each is one inert line
// (safetext.Terminal).
func (e *env) Warnf(format string, args ...any) { e.warnf(format, args...) }
func (e *env) Infof(format string, args ...any) {
	e.message("nbfleet: " + safetext.Terminal(fmt.Sprintf(format, args...)))
}

func (e *env) warnf(format string, args ...any) {
	e.message("nbfleet: warning: " + safetext.Terminal(fmt.Sprintf(format, args...)))
}

// message writes one message line to stderr, above the live view when one
// is drawn.
func (e *env) message(line string) {
	if e.live != nil {
		e.live.Above(line)
		return
	}
	fmt.Fprintln(e.stderr, line)
}
