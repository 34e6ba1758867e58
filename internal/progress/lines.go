package progress

// The progress of apply and destroy as log lines, for a stream that is
// not a terminal (cron logs, CI).

import (
	"fmt"
	"io"
	"time"

	"github.com/nbfleet/nbfleet/pkg/execute"
	"github.com/nbfleet/nbfleet/pkg/plan"
	"github.com/nbfleet/nbfleet/pkg/report"
)

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

// Lines is the progress as log lines, an execute.Observer: one line per
// finished notebook (unchanged ones only count) and a summary line at most
// every `every`, for cron logs. Nothing it writes is an escape sequence.
// execute serialises the calls.
type Lines struct {
	w     io.Writer
	now   func() time.Time
	every time.Duration
	t     tally
	tr    tracker
	last  time.Time
}

// NewLines returns the log-line progress writing to w, with times from
// now and a summary line at most every `every`.
func NewLines(w io.Writer, now func() time.Time, every time.Duration) *Lines {
	return &Lines{w: w, now: now, every: every}
}

func (l *Lines) stamp() string { return l.now().UTC().Format(time.RFC3339) }

func (l *Lines) Planned(p *plan.Plan) {
	l.t.planned(p)
	l.last = l.now()
	l.tr.planned(p, l.last)
	fmt.Fprintf(l.w, "%s apply %s: %s\n", l.stamp(), p.Fleet, notebooks(len(p.Changes)))
}

func (l *Lines) Started(c *plan.Change) {
	l.t.started()
	l.tr.startedChange(c, l.now())
}

func (l *Lines) Progress(ev execute.Event) {
	now := l.now()
	l.tr.progress(ev, now)
	l.periodic(now)
}

func (l *Lines) Finished(e report.Entry) {
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

func (l *Lines) periodic(now time.Time) {
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

func (l *Lines) Summary(r *report.Report) {
	state := "done"
	if r.Interrupted {
		state = "interrupted"
	}
	fmt.Fprintf(l.w, "%s %s: %s (%s) in %s\n", l.stamp(), state, notebooks(r.Summary.Total), l.t.countsLine(),
		r.FinishedAt.Sub(r.StartedAt).Round(time.Second))
}

// notebooks is "1 notebook" or "n notebooks".
func notebooks(n int) string {
	if n == 1 {
		return "1 notebook"
	}
	return fmt.Sprintf("%d notebooks", n)
}
