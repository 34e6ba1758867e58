package main

// The progress displays of apply and destroy: the CLI's implementations of
// execute.Observer. execute serialises the calls, so none of them locks.

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/nbfleet/nbfleet/pkg/execute"
	"github.com/nbfleet/nbfleet/pkg/plan"
	"github.com/nbfleet/nbfleet/pkg/report"
)

// newProgress picks the display: newline-delimited JSON events when asked,
// a live display on an interactive terminal, else one line per notebook.
// Progress goes to w (stderr: stdout is for data).
func newProgress(e *env, w io.Writer, jsonEvents bool) execute.Observer {
	switch {
	case jsonEvents:
		return execute.NewEventWriter(w, e.now)
	case !e.inAutomation():
		return newTTYProgress(w, e.now, e.getenv("NO_COLOR") == "")
	default:
		return &lineProgress{w: w, now: e.now, every: 30 * time.Second}
	}
}

// tally counts a run's progress; every display keeps one.
type tally struct {
	fleet    string
	total    int // changes in the plan
	done     int // finished, launched or not
	launched int // changes started
	ended    int // started changes finished
	counts   map[report.Outcome]int
	first    time.Time // first start
}

func (t *tally) planned(p *plan.Plan) {
	t.fleet, t.total, t.counts = p.Fleet, len(p.Changes), map[report.Outcome]int{}
}

func (t *tally) started(now time.Time) {
	if t.launched == 0 {
		t.first = now
	}
	t.launched++
}

func (t *tally) finished(e report.Entry) {
	t.done++
	t.counts[e.Outcome]++
	if e.StartedAt != nil {
		t.ended++
	}
}

func (t *tally) inFlight() int { return t.launched - t.ended }

// rate is started changes finished per second; ok is false before there is
// anything to measure.
func (t *tally) rate(now time.Time) (float64, bool) {
	el := now.Sub(t.first).Seconds()
	if t.ended == 0 || el <= 0 {
		return 0, false
	}
	return float64(t.ended) / el, true
}

func (t *tally) eta(now time.Time) string {
	r, ok := t.rate(now)
	if !ok {
		return "-"
	}
	left := t.total - t.done
	return (time.Duration(float64(left) / r * float64(time.Second))).Round(time.Second).String()
}

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
	last  time.Time
}

func (l *lineProgress) stamp() string { return l.now().UTC().Format(time.RFC3339) }

func (l *lineProgress) Planned(p *plan.Plan) {
	l.t.planned(p)
	l.last = l.now()
	fmt.Fprintf(l.w, "%s apply %s: %d notebooks\n", l.stamp(), p.Fleet, len(p.Changes))
}

func (l *lineProgress) Started(c *plan.Change) { l.t.started(l.now()) }

func (l *lineProgress) Progress(ev execute.Event) { l.periodic() }

func (l *lineProgress) Finished(e report.Entry) {
	l.t.finished(e)
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
	l.periodic()
}

func (l *lineProgress) periodic() {
	now := l.now()
	if now.Sub(l.last) < l.every || l.t.done == l.t.total {
		return
	}
	l.last = now
	fmt.Fprintf(l.w, "%s progress: %d/%d done (%s), %d in flight, eta %s\n", l.stamp(), l.t.done, l.t.total,
		l.t.countsLine(), l.t.inFlight(), l.t.eta(now))
}

func (l *lineProgress) Summary(r *report.Report) {
	state := "done"
	if r.Interrupted {
		state = "interrupted"
	}
	fmt.Fprintf(l.w, "%s %s: %d notebooks (%s) in %s\n", l.stamp(), state, r.Summary.Total, l.t.countsLine(),
		r.FinishedAt.Sub(r.StartedAt).Round(time.Second))
}

// ttyProgress redraws a small region in place: counts per outcome, rate
// and ETA; failures scroll above it as they happen.
type ttyProgress struct {
	w      io.Writer
	now    func() time.Time
	color  bool
	t      tally
	drawn  int // lines of the region on screen
	last   time.Time
	status map[string]int // notebooks per live status, from progress events
	cur    map[string]string
}

func newTTYProgress(w io.Writer, now func() time.Time, color bool) *ttyProgress {
	return &ttyProgress{w: w, now: now, color: color, status: map[string]int{}, cur: map[string]string{}}
}

func (p *ttyProgress) paint(code, s string) string {
	if !p.color {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (p *ttyProgress) clear() {
	for range p.drawn {
		fmt.Fprint(p.w, "\x1b[1A\r\x1b[2K")
	}
	p.drawn = 0
}

func (p *ttyProgress) draw(force bool) {
	now := p.now()
	if !force && now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	p.clear()
	t := &p.t
	width := 30
	filled := 0
	if t.total > 0 {
		filled = width * t.done / t.total
	}
	bar := strings.Repeat("█", filled) + strings.Repeat("░", width-filled)
	fmt.Fprintf(p.w, "%s %s %d/%d\n", t.fleet, bar, t.done, t.total)
	fmt.Fprintf(p.w, "  %s  %s  %s  %s\n",
		p.paint("32", fmt.Sprintf("%d succeeded", t.counts[report.Succeeded])),
		p.paint("31", fmt.Sprintf("%d failed", t.counts[report.Failed])),
		p.paint("33", fmt.Sprintf("%d skipped", t.counts[report.Skipped])),
		fmt.Sprintf("%d unchanged", t.counts[report.Unchanged]))
	rate := "-"
	if r, ok := t.rate(now); ok {
		rate = fmt.Sprintf("%.1f/s", r)
	}
	line := fmt.Sprintf("  %d in flight", t.inFlight())
	var parts []string
	for _, s := range []string{"CREATING", "STARTING", "STOPPING", "DELETING"} {
		if n := p.status[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, strings.ToLower(s)))
		}
	}
	if len(parts) > 0 {
		line += " (" + strings.Join(parts, ", ") + ")"
	}
	fmt.Fprintf(p.w, "%s  rate %s  eta %s\n", line, rate, t.eta(now))
	p.drawn = 3
}

func (p *ttyProgress) Planned(pl *plan.Plan) {
	p.t.planned(pl)
	p.draw(true)
}

func (p *ttyProgress) Started(c *plan.Change) {
	p.t.started(p.now())
	p.draw(false)
}

func (p *ttyProgress) setStatus(name, status string) {
	if old, ok := p.cur[name]; ok {
		p.status[old]--
	}
	if status == "" {
		delete(p.cur, name)
		return
	}
	p.cur[name] = status
	p.status[status]++
}

func (p *ttyProgress) Progress(ev execute.Event) {
	if ev.Status != "" {
		p.setStatus(ev.Name, ev.Status)
	}
	p.draw(false)
}

func (p *ttyProgress) Finished(e report.Entry) {
	p.t.finished(e)
	p.setStatus(e.Name, "")
	if e.Outcome == report.Failed {
		p.clear()
		fmt.Fprintf(p.w, "%s %s (%s): %s\n", p.paint("31", "✗"), e.Name, e.Action, report.Problem(e))
		p.draw(true)
		return
	}
	p.draw(false)
}

func (p *ttyProgress) Summary(r *report.Report) {
	p.draw(true)
	if r.Interrupted {
		fmt.Fprintln(p.w, p.paint("33", "Interrupted: run apply again to finish."))
	}
}
