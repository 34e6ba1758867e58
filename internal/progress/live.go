package progress

// The live view of apply and destroy on a terminal. It is nbfleet's own
// rather than a progress-bar library's because what it must show is
// specific (phases of work, the notebook waited on longest, an estimate
// from observed durations, failures scrolling above it) and because it
// must be testable frame by frame: its clock, ticker and terminal width
// are injected, so golden files pin every frame, and tmux tests check it
// on a real terminal. The libraries that draw bars (mpb, progressbar, pb)
// read the wall clock and the terminal themselves.

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/width"

	"github.com/nbfleet/nbfleet/internal/safetext"
	"github.com/nbfleet/nbfleet/pkg/execute"
	"github.com/nbfleet/nbfleet/pkg/plan"
	"github.com/nbfleet/nbfleet/pkg/report"
)

// LiveOptions are all the live view knows of its surroundings: the caller
// decides them (whether to colour, how wide the terminal is).
type LiveOptions struct {
	// Now is the clock; nil: time.Now.
	Now func() time.Time
	// Width returns the terminal's columns, read at every frame so that a
	// resize is followed; 0 (or a nil Width) means 80.
	Width func() int
	// Color paints the bar, the counts and the summary line.
	Color bool
	// Tick redraws the view even when nothing happens, so the elapsed time
	// never stands still; nil: every second.
	Tick <-chan time.Time
	// Resized redraws the view at once when the terminal changes size
	// (see NotifyResize); nil: at the next tick.
	Resized <-chan os.Signal
}

// liveInterval is how often the view is redrawn when nothing happens.
const liveInterval = time.Second

// Live is the live view, an execute.Observer. It redraws a region of at
// most three lines at the bottom of the terminal in place: a bar of the work done, elapsed time and estimate;
// counts per phase; the notebook waited on longest. Failures and messages
// scroll above it. Every line is cut to the terminal's width, so nothing
// wraps and a redraw erases exactly what was drawn. The final frame is
// the bar and one summary line coloured by outcome.
//
// The executor serialises its calls, but the ticker and messages come
// from other goroutines: everything happens under mu.
type Live struct {
	mu    sync.Mutex
	w     io.Writer
	o     LiveOptions
	t     tracker
	shown []string // the plain lines of the region on screen
	final bool     // the final frame is drawn: nothing more is
	last  time.Time
	stop  chan struct{}
	done  chan struct{}
}

// NewLive returns a live view drawing on w, a terminal.
func NewLive(w io.Writer, o LiveOptions) *Live {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Live{w: w, o: o}
}

func (v *Live) width() int {
	if v.o.Width != nil {
		if w := v.o.Width(); w > 0 {
			return w
		}
	}
	return 80
}

// Planned starts the view and its ticker.
func (v *Live) Planned(p *plan.Plan) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.t.planned(p, v.o.Now())
	v.draw(true)
	if v.stop != nil {
		return
	}
	tick, stopTick := v.o.Tick, func() {}
	if tick == nil {
		tk := time.NewTicker(liveInterval)
		tick, stopTick = tk.C, tk.Stop
	}
	stop, done := make(chan struct{}), make(chan struct{})
	v.stop, v.done = stop, done
	go func() {
		defer close(done)
		defer stopTick()
		for {
			select {
			case <-tick:
			case <-v.o.Resized:
			case <-stop:
				return
			}
			v.mu.Lock()
			v.draw(true)
			v.mu.Unlock()
		}
	}()
}

// Close stops the ticker; the view draws nothing more by itself. It may
// be called more than once, and without Planned.
func (v *Live) Close() {
	v.mu.Lock()
	stop, done := v.stop, v.done
	v.stop = nil
	v.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
}

func (v *Live) Started(c *plan.Change) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.t.startedChange(c, v.o.Now())
	v.draw(false)
}

func (v *Live) Progress(ev execute.Event) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.t.progress(ev, v.o.Now())
	v.draw(false)
}

func (v *Live) Finished(e report.Entry) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.t.finished(e, v.o.Now())
	if e.Outcome == report.Failed {
		v.scroll(v.paint(ansiRed, "✗")+" ", fmt.Sprintf("%s (%s): %s", safetext.Terminal(e.Name), e.Action, safetext.Terminal(report.Problem(e))))
		v.draw(true)
		return
	}
	v.draw(false)
}

// Summary draws the final frame: the bar and a summary line coloured by
// outcome. Nothing is redrawn after it.
func (v *Live) Summary(r *report.Report) {
	v.mu.Lock()
	now := v.o.Now()
	var b bytes.Buffer
	v.erase(&b)
	w := v.width() - 1
	b.WriteString(v.render(fit(v.barLine(now, w), w)) + "\n")
	b.WriteString(v.render(fit(v.summaryLine(r, now), w)) + "\n")
	v.w.Write(b.Bytes())
	v.shown, v.final = nil, true
	v.mu.Unlock()
	v.Close()
}

// Above writes a message line above the view, which is redrawn below it.
func (v *Live) Above(line string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.scroll("", line)
	if v.shown != nil {
		v.draw(true)
	}
}

// scroll erases the region and writes text after prefix, wrapped at the
// terminal's width with continuation lines indented, so that it scrolls
// above the region without the terminal wrapping it.
func (v *Live) scroll(prefix, text string) {
	var b bytes.Buffer
	v.erase(&b)
	w := v.width() - 1
	first := true
	for _, line := range wrap(text, w-dispWidth(stripANSI(prefix)), w-4) {
		if first {
			b.WriteString(prefix + line + "\n")
			first = false
		} else {
			b.WriteString("    " + line + "\n")
		}
	}
	v.w.Write(b.Bytes())
	v.shown = nil
}

// erase moves the cursor to the first line of the region and clears from
// there to the end of the screen. A line of the region was cut to the
// width it was drawn at; if the terminal has become narrower since, it
// may have been rewrapped into more rows, which are counted.
func (v *Live) erase(b *bytes.Buffer) {
	if len(v.shown) == 0 {
		return
	}
	w := v.width()
	rows := 0
	for _, l := range v.shown {
		rows += max(1, (dispWidth(l)+w-1)/w)
	}
	fmt.Fprintf(b, "\r\x1b[%dA\x1b[J", rows)
	v.shown = nil
}

// draw redraws the region: always when force, else at most every 100 ms.
func (v *Live) draw(force bool) {
	now := v.o.Now()
	if v.final || (!force && now.Sub(v.last) < 100*time.Millisecond) {
		return
	}
	v.last = now
	var b bytes.Buffer
	v.erase(&b)
	w := v.width() - 1
	var shown []string
	for _, l := range v.frame(now, w) {
		l = fit(l, w)
		shown = append(shown, l.plain())
		b.WriteString(v.render(l) + "\n")
	}
	v.w.Write(b.Bytes())
	v.shown = shown
}

// frame is the region at time now for a terminal of w usable columns.
func (v *Live) frame(now time.Time, w int) []line {
	lines := []line{v.barLine(now, w), v.phaseLine()}
	if f := v.t.longest(); f != nil {
		lines = append(lines, v.longestLine(f, now, w))
	}
	return lines
}

// barLine: "ml101 ▕████░░░░▏ 12/30  1m05s  eta 50s".
func (v *Live) barLine(now time.Time, w int) line {
	t := &v.t
	n := t.finishedWork()
	stats := fmt.Sprintf(" %d/%d  %s", n, t.work, compact(now.Sub(t.begun)))
	if t.inFlight()+t.queued() > 0 {
		if d, ok := t.eta(now); ok {
			stats += "  eta " + compact(max(d.Truncate(time.Second)+time.Second, time.Second))
		} else {
			stats += "  eta ?"
		}
	}
	name := safetext.Terminal(t.fleet)
	barW := min(40, w-dispWidth(name)-dispWidth(stats)-3)
	if barW < 10 {
		barW = 10
		name = fitText(name, max(w-dispWidth(stats)-3-barW, 1))
	}
	filled := 0
	if t.work > 0 {
		filled = barW * n / t.work
	}
	bar := strings.Repeat("█", filled) + strings.Repeat("░", barW-filled)
	return line{{text: name + " ▕"}, {text: bar, color: ansiCyan}, {text: "▏" + stats}}
}

// phaseLine: "8 creating · 6 queued · 12 done · 2 failed · 1 retried".
// Unchanged notebooks and conflicts are not work: the plan above shows
// them, and the summary line counts them.
func (v *Live) phaseLine() line {
	t := &v.t
	var l line
	add := func(n int, what, color string) {
		if len(l) > 0 {
			l = append(l, seg{text: " · "})
		} else {
			l = append(l, seg{text: "  "})
		}
		if n == 0 {
			color = ""
		}
		l = append(l, seg{text: fmt.Sprintf("%d %s", n, what), color: color})
	}
	ph := t.phases()
	for _, p := range phaseOrder {
		if ph[p] > 0 {
			add(ph[p], p, "")
		}
	}
	if t.inFlight() == 0 {
		add(0, "in flight", "")
	}
	if q := t.queued(); q > 0 {
		add(q, "queued", "")
	}
	add(t.done, "done", ansiGreen)
	add(t.failed, "failed", ansiRed)
	add(t.retried, "retried", ansiYellow)
	if t.skipped > 0 {
		add(t.skipped, "skipped", ansiYellow)
	}
	return l
}

// longestLine: "  waited on longest: ml101-s017 (CREATING, 48s, retried)".
func (v *Live) longestLine(f *flying, now time.Time, w int) line {
	what := f.status
	switch {
	case what != "":
	case f.step == "", f.step == plan.StepWait:
		what = "busy"
	default:
		what = string(f.step) + " call"
	}
	tail := fmt.Sprintf(" (%s, %s", safetext.Terminal(what), compact(now.Sub(f.since)))
	if f.retried {
		tail += ", retried"
	}
	tail += ")"
	head := "  waited on longest: "
	name := fitText(safetext.Terminal(f.name), max(w-len(head)-dispWidth(tail), 8))
	return line{{text: head}, {text: name}, {text: tail}}
}

// summaryLine is the last line of a run, coloured by its outcome; the bar
// line above it names the fleet.
func (v *Live) summaryLine(r *report.Report, now time.Time) line {
	o := r.Summary.Outcomes
	counts := func(first report.Outcome) string {
		parts := []string{fmt.Sprintf("%d %s", o[first], first)}
		for _, k := range []report.Outcome{report.Failed, report.Succeeded, report.Skipped, report.Unchanged} {
			if k != first && o[k] > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", o[k], k))
			}
		}
		return strings.Join(parts, ", ")
	}
	took := compact(now.Sub(v.t.begun))
	switch {
	case r.Interrupted:
		return line{{text: fmt.Sprintf("! interrupted after %s: %s; run it again to finish", took, counts(report.Succeeded)), color: ansiYellow + ansiBold}}
	case o[report.Failed] > 0:
		return line{{text: fmt.Sprintf("✗ %s in %s: see the failures above", counts(report.Failed), took), color: ansiRed + ansiBold}}
	case o[report.Skipped] > 0:
		return line{{text: fmt.Sprintf("! %s in %s: the skipped ones are not as declared", counts(report.Succeeded), took), color: ansiYellow + ansiBold}}
	}
	return line{{text: fmt.Sprintf("✓ %s in %s", counts(report.Succeeded), took), color: ansiGreen + ansiBold}}
}

// ANSI colours of the live view.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
)

func (v *Live) paint(color, s string) string {
	if !v.o.Color || color == "" {
		return s
	}
	return color + s + ansiReset
}

// seg is a run of text in one colour; a line is a sequence of them.
type seg struct{ text, color string }

type line []seg

func (l line) plain() string {
	var b strings.Builder
	for _, s := range l {
		b.WriteString(s.text)
	}
	return b.String()
}

func (v *Live) render(l line) string {
	var b strings.Builder
	for _, s := range l {
		b.WriteString(v.paint(s.color, s.text))
	}
	return b.String()
}

// fit cuts l to w columns, ending it with "…" when it was longer.
func fit(l line, w int) line {
	if dispWidth(l.plain()) <= w {
		return l
	}
	var out line
	left := w - 1
	for _, s := range l {
		if dw := dispWidth(s.text); dw <= left {
			out = append(out, s)
			left -= dw
			continue
		}
		out = append(out, seg{text: cut(s.text, left) + "…", color: s.color})
		return out
	}
	return out
}

// fitText cuts s to w columns with "…".
func fitText(s string, w int) string {
	if dispWidth(s) <= w {
		return s
	}
	return cut(s, max(w-1, 0)) + "…"
}

// cut returns the longest prefix of s at most w columns wide.
func cut(s string, w int) string {
	n := 0
	for i, r := range s {
		rw := runeWidth(r)
		if n+rw > w {
			return s[:i]
		}
		n += rw
	}
	return s
}

// wrap breaks s into lines of at most first columns (the first line) and
// rest columns (the others), at spaces where it can.
func wrap(s string, first, rest int) []string {
	first, rest = max(first, 10), max(rest, 10)
	var lines []string
	w := first
	for dispWidth(s) > w {
		head := cut(s, w)
		if i := strings.LastIndexByte(head, ' '); i > w/2 {
			head = head[:i]
		}
		lines = append(lines, strings.TrimRight(head, " "))
		s = strings.TrimLeft(s[len(head):], " ")
		w = rest
	}
	return append(lines, s)
}

// dispWidth is how many terminal columns s takes: East Asian wide and
// full-width characters take two, combining marks none.
func dispWidth(s string) int {
	n := 0
	for _, r := range s {
		n += runeWidth(r)
	}
	return n
}

func runeWidth(r rune) int {
	switch {
	case r < 0x300:
		return 1
	case r >= 0x300 && r <= 0x36f, r == 0x200d: // combining marks, ZWJ
		return 0
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}

// stripANSI removes SGR sequences.
func stripANSI(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && (s[j] < 0x40 || s[j] > 0x7e) {
				j++
			}
			i = j
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// compact formats a duration for the view: "42s", "1m05s", "2h03m".
func compact(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}
