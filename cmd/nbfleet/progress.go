package main

// The progress displays of apply and destroy: the CLI's implementations of
// execute.Observer (the live view is in live.go). execute serialises the
// calls.

import (
	"fmt"
	"io"
	"time"

	"github.com/nbfleet/nbfleet/pkg/execute"
	"github.com/nbfleet/nbfleet/pkg/plan"
	"github.com/nbfleet/nbfleet/pkg/report"
)

// newProgress picks the display: newline-delimited JSON events when asked
// (on stdout: they are the command's data), the live view when stderr is a
// terminal nbfleet may animate (see terminal.go), else one line per
// notebook on stderr.
func newProgress(e *env, jsonEvents, noColor bool) execute.Observer {
	switch {
	case jsonEvents:
		return execute.NewEventWriter(e.stdout, e.now)
	case e.liveOn():
		return newLiveView(e.stderr, liveOptions{
			now:     e.now,
			width:   e.termWidth,
			color:   !noColor && e.colorOn(e.stderrTTY),
			tick:    e.tick,
			resized: e.resized,
		})
	default:
		return &lineProgress{w: e.stderr, now: e.now, every: 30 * time.Second}
	}
}

// tally counts a run's progress for the log lines.
type tally struct {
	fleet    string
	total    int // changes in the plan
	done     int // finished, launched or not
	launched int // changes started
	ended    int // started changes finished
	counts   map[report.Outcome]int
}

func (t *tally) planned(p *plan.Plan) {
	t.fleet, t.total, t.counts = p.Fleet, len(p.Changes), map[report.Outcome]int{}
}

func (t *tally) started() { t.launched++ }

func (t *tally) finished(e report.Entry) {
	t.done++
	t.counts[e.Outcome]++
	if e.StartedAt != nil {
		t.ended++
	}
}

func (t *tally) inFlight() int { return t.launched - t.ended }

func (t *tally) countsLine() string {
	return fmt.Sprintf("%d succeeded, %d failed, %d skipped, %d unchanged",
		t.counts[report.Succeeded], t.counts[report.Failed], t.counts[report.Skipped], t.counts[report.Unchanged])
}

// lineProgress writes one line per finished notebook (unchanged ones only
// count) and a summary line at most every `every`, for cron logs.
type lineProgress struct {
	w     io.Writer
	now   func() time.Time
	every time.Duration
	t     tally
	tr    tracker
	last  time.Time
}

func (l *lineProgress) stamp() string { return l.now().UTC().Format(time.RFC3339) }

func (l *lineProgress) Planned(p *plan.Plan) {
	l.t.planned(p)
	l.last = l.now()
	l.tr.planned(p, l.last)
	fmt.Fprintf(l.w, "%s apply %s: %d notebooks\n", l.stamp(), p.Fleet, len(p.Changes))
}

func (l *lineProgress) Started(c *plan.Change) {
	l.t.started()
	l.tr.startedChange(c, l.now())
}

func (l *lineProgress) Progress(ev execute.Event) {
	now := l.now()
	l.tr.progress(ev, now)
	l.periodic(now)
}

func (l *lineProgress) Finished(e report.Entry) {
	now := l.now()
	l.t.finished(e)
	l.tr.finished(e, now)
	if e.Outcome != report.Unchanged {
		line := fmt.Sprintf("%s %s %s %s", l.stamp(), e.Name, e.Action, e.Outcome)
		if e.ID != "" {
			line += " id=" + e.ID
		}
		if e.Status != "" {
			line += " status=" + e.Status
		}
		if e.URL != "" {
			line += " url=" + e.URL
		}
		if p := report.Problem(e); p != "" {
			line += ": " + p
		}
		fmt.Fprintln(l.w, line)
	}
	l.periodic(now)
}

func (l *lineProgress) periodic(now time.Time) {
	if now.Sub(l.last) < l.every || l.t.done == l.t.total {
		return
	}
	l.last = now
	eta := "-"
	if d, ok := l.tr.eta(now); ok {
		eta = d.Round(time.Second).String()
	}
	fmt.Fprintf(l.w, "%s progress: %d/%d done (%s), %d in flight, eta %s\n", l.stamp(), l.t.done, l.t.total,
		l.t.countsLine(), l.t.inFlight(), eta)
}

func (l *lineProgress) Summary(r *report.Report) {
	state := "done"
	if r.Interrupted {
		state = "interrupted"
	}
	fmt.Fprintf(l.w, "%s %s: %d notebooks (%s) in %s\n", l.stamp(), state, r.Summary.Total, l.t.countsLine(),
		r.FinishedAt.Sub(r.StartedAt).Round(time.Second))
}
