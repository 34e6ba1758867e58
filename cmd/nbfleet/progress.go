package main

import (
	"time"

	"github.com/nbfleet/nbfleet/internal/progress"
	"github.com/nbfleet/nbfleet/pkg/execute"
)

// newProgress picks the display of apply and destroy: newline-delimited
// JSON events when asked (on stdout: they are the command's data), the
// live view when stderr is a terminal nbfleet may animate (see
// terminal.go), else one line per notebook on stderr.
func newProgress(e *env, jsonEvents, noColor bool) execute.Observer {
	switch {
	case jsonEvents:
		return execute.NewEventWriter(e.stdout, e.now)
	case e.liveOn():
		return progress.NewLive(e.stderr, progress.LiveOptions{
			Now:     e.now,
			Width:   e.termWidth,
			Color:   !noColor && e.colorOn(e.stderrTTY),
			Tick:    e.tick,
			Resized: e.resized,
		})
	default:
		return progress.NewLines(e.stderr, e.now, 30*time.Second)
	}
}
