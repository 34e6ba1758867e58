package progress

import (
	"bytes"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nbfleet/nbfleet/internal/golden"
	"github.com/nbfleet/nbfleet/internal/safetext/safetexttest"
	"github.com/nbfleet/nbfleet/pkg/execute"
	"github.com/nbfleet/nbfleet/pkg/plan"
	"github.com/nbfleet/nbfleet/pkg/report"
)

// syncBuffer is a bytes.Buffer the view's ticker and the test may use at
// once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// manualClock is a clock the test moves; the view's ticker reads it from
// its own goroutine.
type manualClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *manualClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *manualClock) set(sec float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = liveT0.Add(time.Duration(sec * float64(time.Second)))
}

func (c *manualClock) at(sec float64) *time.Time {
	t := liveT0.Add(time.Duration(sec * float64(time.Second)))
	return &t
}

var liveT0 = time.Date(2026, 9, 1, 3, 0, 0, 0, time.UTC)

// longName is a notebook name longer than an 80-column terminal leaves
// room for.
const longName = "ml101-a-notebook-name-that-is-much-longer-than-any-terminal-line-leaves-room-for"

// liveScript is a run: six creates (one sold out, one recreated after
// CREATE_FAILED, one with a long name, one whose name holds an escape
// sequence from the cloud), a delete, an unchanged notebook and a
// conflict. step names each moment a frame is taken.
func liveScript(obs execute.Observer, clk *manualClock, tick func(), step func(string)) {
	p := &plan.Plan{Fleet: "ml101", Changes: []plan.Change{
		{Name: "ml101-s001", Action: plan.Create, Steps: []plan.Step{{Op: plan.StepCreate}}},
		{Name: "ml101-s002", Action: plan.Create, Steps: []plan.Step{{Op: plan.StepCreate}}},
		{Name: "ml101-s003", Action: plan.Create, Steps: []plan.Step{{Op: plan.StepCreate}}},
		{Name: "ml101-s004", Action: plan.NoOp, ID: "id-4"},
		{Name: "ml101-s005", Action: plan.Conflict, IDs: []string{"x", "y"}},
		{Name: "ml101-s006\x1b]52;c;aGk=\x07", Action: plan.Create, Steps: []plan.Step{{Op: plan.StepCreate}}},
		{Name: "ml101-old", Action: plan.Delete, ID: "id-old", Steps: []plan.Step{{Op: plan.StepDelete}}},
		{Name: longName, Action: plan.Create, Steps: []plan.Step{{Op: plan.StepCreate}}},
		{Name: "ml101-gpu", Action: plan.Create, Steps: []plan.Step{{Op: plan.StepCreate}}},
	}}
	ch := func(name string) *plan.Change {
		for i := range p.Changes {
			if p.Changes[i].Name == name {
				return &p.Changes[i]
			}
		}
		panic(name)
	}
	ok := func(name, id, action string, started, fin float64) report.Entry {
		return report.Entry{Name: name, ID: id, Action: action, Outcome: report.Succeeded, Status: "RUNNING", Attempts: 1,
			StartedAt: clk.at(started), FinishedAt: clk.at(fin)}
	}
	clk.set(0)
	obs.Planned(p)
	step("planned")
	obs.Finished(report.Entry{Name: "ml101-s004", ID: "id-4", Action: "no-op", Outcome: report.Unchanged})
	obs.Finished(report.Entry{Name: "ml101-s005", Action: "conflict", Outcome: report.Skipped, Note: "conflict: two live notebooks"})
	for i, n := range []string{"ml101-s006\x1b]52;c;aGk=\x07", "ml101-s001", "ml101-s002", "ml101-s003", "ml101-old"} {
		clk.set(0.2 + 0.1*float64(i))
		obs.Started(ch(n))
		obs.Progress(execute.Event{Name: n, Step: ch(n).Steps[0].Op})
	}
	step("five launched, two queued")
	clk.set(1)
	for _, n := range []string{"ml101-s001", "ml101-s002", "ml101-s003", "ml101-s006\x1b]52;c;aGk=\x07"} {
		obs.Progress(execute.Event{Name: n, ID: "id-" + n[7:10], Step: plan.StepCreate, Status: "CREATING"})
	}
	obs.Progress(execute.Event{Name: "ml101-old", ID: "id-old", Step: plan.StepDelete, Status: "DELETING"})
	clk.set(2)
	obs.Started(ch(longName))
	obs.Progress(execute.Event{Name: longName, Step: plan.StepCreate})
	obs.Started(ch("ml101-gpu"))
	obs.Progress(execute.Event{Name: "ml101-gpu", Step: plan.StepCreate})
	step("all launched")
	clk.set(3)
	obs.Finished(report.Entry{Name: "ml101-gpu", Action: "create", Outcome: report.Failed, Attempts: 1,
		Error:     &report.Error{Code: "ModelArts.6329", Message: "the flavor modelarts.bm.snt9.xlarge.8 is sold out in this region; choose another flavor or try again later", HTTPStatus: 400},
		StartedAt: clk.at(2), FinishedAt: clk.at(3)})
	step("a sold-out create fails")
	for _, s := range []float64{8, 13} {
		clk.set(s)
		tick()
		step(fmt.Sprintf("tick at %gs, nothing happened", s))
	}
	clk.set(15)
	obs.Progress(execute.Event{Name: "ml101-old", ID: "id-old", Step: plan.StepDelete, Status: "GONE"})
	obs.Finished(report.Entry{Name: "ml101-old", ID: "id-old", Action: "delete", Outcome: report.Succeeded, Attempts: 1,
		StartedAt: clk.at(0.6), FinishedAt: clk.at(15)})
	clk.set(20)
	obs.Progress(execute.Event{Name: "ml101-s001", ID: "id-s00", Step: plan.StepCreate, Status: "RUNNING"})
	obs.Finished(ok("ml101-s001", "id-s00", "create", 0.2, 20))
	step("first create done: an estimate")
	clk.set(21)
	obs.Progress(execute.Event{Name: "ml101-s003", ID: "id-s00", Step: plan.StepCreate, Status: "CREATE_FAILED"})
	obs.Progress(execute.Event{Name: "ml101-s003", ID: "id-s00", Step: plan.StepDelete, Status: "DELETING"})
	clk.set(22)
	obs.Progress(execute.Event{Name: "ml101-s003", ID: "id-s00", Step: plan.StepDelete, Status: "GONE"})
	obs.Progress(execute.Event{Name: "ml101-s003", Step: plan.StepCreate})
	obs.Progress(execute.Event{Name: "ml101-s003", ID: "id-s3b", Step: plan.StepCreate, Status: "CREATING"})
	step("a CREATE_FAILED notebook is recreated")
	for _, n := range []string{"ml101-s002", "ml101-s006\x1b]52;c;aGk=\x07"} {
		clk.set(22.5)
		obs.Progress(execute.Event{Name: n, ID: "id-" + n[7:10], Step: plan.StepCreate, Status: "RUNNING"})
		obs.Finished(ok(n, "id-"+n[7:10], "create", 0.3, 22.5))
	}
	clk.set(23)
	tick()
	step("the recreated one keeps the estimate honest")
	clk.set(30)
	obs.Finished(report.Entry{Name: "ml101-s003", ID: "id-s3b", Action: "create", Outcome: report.Succeeded, Status: "RUNNING", Attempts: 2,
		FailReasons: []string{"no capacity"}, StartedAt: clk.at(0.4), FinishedAt: clk.at(30)})
	clk.set(44)
	tick()
	step("waiting for the last one, longer than any before")
	clk.set(45)
	obs.Finished(ok(longName, "id-long", "create", 2, 45))
	r := &report.Report{Fleet: "ml101", StartedAt: liveT0, FinishedAt: *clk.at(45), Notebooks: make([]report.Entry, 9)}
	r.Summary = report.Summary{Total: 9, Outcomes: map[report.Outcome]int{report.Succeeded: 6, report.Failed: 1, report.Skipped: 1, report.Unchanged: 1}}
	obs.Summary(r)
	step("summary")
}

// runLive runs liveScript on a live view of width columns and returns
// the screen after each step, and the screen.
func runLive(t *testing.T, width int, color bool) (string, *screen) {
	t.Helper()
	scr := newScreen(width)
	out := &syncBuffer{}
	clk := &manualClock{}
	tick := make(chan time.Time)
	v := NewLive(out, LiveOptions{Now: clk.now, Width: func() int { return width }, Color: color, Tick: tick})
	defer v.Close()
	var frames strings.Builder
	replayed := 0
	// Frames are taken after a tick, as the view redraws within a second
	// of any event (events redraw at most every 100 ms).
	step := func(name string) {
		v.mu.Lock()
		final := v.final
		v.mu.Unlock()
		if !final {
			tick <- clk.now()
			tick <- clk.now()
		}
		b := out.String()
		scr.Write([]byte(b[replayed:]))
		replayed = len(b)
		if rest := scr.below(); rest != "" {
			t.Errorf("%s: lines below the view: %q", name, rest)
		}
		fmt.Fprintf(&frames, "─── %s\n%s\n", name, scr.String())
	}
	// Two sends: the second is received only once the first one's frame
	// is drawn.
	ticks := func() { tick <- clk.now(); tick <- clk.now() }
	liveScript(v, clk, ticks, step)
	if len(scr.wrapped) > 0 {
		t.Errorf("the terminal wrapped rows at %d columns: %q", width, scr.wrapped)
	}
	if len(scr.unknown) > 0 {
		t.Errorf("unknown escape sequences: %q", scr.unknown)
	}
	return frames.String(), scr
}

// TestLiveViewFrames pins every frame of a run at 80 and 200 columns (the
// screen as a terminal shows it, after each step); at every width from 30
// to 200 nothing wraps and nothing stale stays below the view.
func TestLiveViewFrames(t *testing.T) {
	for _, w := range []int{80, 200} {
		t.Run(fmt.Sprint(w), func(t *testing.T) {
			frames, _ := runLive(t, w, false)
			golden.Check(t, filepath.Join("testdata", "live", fmt.Sprintf("frames-%d.golden", w)), []byte(frames))
		})
	}
	for w := 30; w <= 200; w += 7 {
		runLive(t, w, true)
	}
}

// TestLiveViewTicks: the elapsed time moves with the ticker alone.
// sgr matches an escape sequence that sets colours.
var sgr = regexp.MustCompile("\x1b\\[[0-9;]*m")

func TestLiveViewTicks(t *testing.T) {
	out := &syncBuffer{}
	clk := &manualClock{}
	tick := make(chan time.Time)
	v := NewLive(out, LiveOptions{Now: clk.now, Width: func() int { return 80 }, Tick: tick})
	defer v.Close()
	clk.set(0)
	v.Planned(&plan.Plan{Fleet: "f", Changes: []plan.Change{{Name: "a", Action: plan.Create}}})
	for _, s := range []float64{1, 2, 61} {
		clk.set(s)
		tick <- clk.now()
		tick <- clk.now()
		scr := newScreen(80)
		scr.Write([]byte(out.String()))
		if want := " " + compact(time.Duration(s)*time.Second) + "  eta"; !strings.Contains(scr.String(), want) {
			t.Errorf("at %gs the view shows\n%s\nwant %q", s, scr.String(), want)
		}
	}
}

// TestLiveViewColors: the summary line is coloured by outcome, and
// nothing is coloured without colour.
func TestLiveViewColors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		outcomes map[report.Outcome]int
		inter    bool
		want     string
	}{
		{"success", map[report.Outcome]int{report.Succeeded: 3}, false, ansiGreen + ansiBold + "✓ 3 succeeded in 0s"},
		{"failure", map[report.Outcome]int{report.Succeeded: 2, report.Failed: 1}, false, ansiRed + ansiBold + "✗ 1 failed, 2 succeeded"},
		{"skipped", map[report.Outcome]int{report.Succeeded: 2, report.Skipped: 1}, false, ansiYellow + ansiBold + "! 2 succeeded, 1 skipped"},
		{"interrupted", map[report.Outcome]int{report.Succeeded: 1, report.Skipped: 2}, true, ansiYellow + ansiBold + "! interrupted after 0s: 1 succeeded, 2 skipped"},
	} {
		for _, color := range []bool{true, false} {
			var b bytes.Buffer
			clk := &manualClock{}
			v := NewLive(&b, LiveOptions{Now: clk.now, Width: func() int { return 120 }, Color: color, Tick: make(chan time.Time)})
			v.Planned(&plan.Plan{Fleet: "f"})
			v.Summary(&report.Report{Fleet: "f", Interrupted: tc.inter, Summary: report.Summary{Outcomes: tc.outcomes}})
			out := b.String()
			if color && !strings.Contains(out, tc.want) {
				t.Errorf("%s: %q lacks %q", tc.name, out, tc.want)
			}
			if !color && sgr.MatchString(out) {
				t.Errorf("%s without colour: %q", tc.name, out)
			}
		}
	}
}

func TestTrackerETA(t *testing.T) {
	clk := &manualClock{}
	var tr tracker
	creates := make([]plan.Change, 10)
	for i := range creates {
		creates[i] = plan.Change{Name: fmt.Sprintf("n%d", i), Action: plan.Create, Steps: []plan.Step{{Op: plan.StepCreate}}}
	}
	tr.planned(&plan.Plan{Changes: creates}, clk.now())
	want := func(sec float64, d time.Duration, ok bool) {
		t.Helper()
		got, gotOK := tr.eta(*clk.at(sec))
		if gotOK != ok || (ok && got != d) {
			t.Errorf("at %gs: eta %v %v, want %v %v", sec, got, gotOK, d, ok)
		}
	}
	// Four launched a second apart; nothing finished: nothing to measure.
	for i := range 4 {
		tr.startedChange(&creates[i], *clk.at(float64(i)))
	}
	want(10, 0, false)
	// The first takes 30 s: the others are expected 30 s after their start,
	// the six queued at the launch rate so far (4 in 30 s), then 30 s each.
	tr.finished(report.Entry{Name: "n0", Action: "create", Outcome: report.Succeeded}, *clk.at(30))
	want(30, 45*time.Second+30*time.Second, true)
	// n1 ends CREATE_FAILED and is recreated at 40 s: it starts over, so it
	// is expected at 70 s — not "1s" because most of the others are done.
	tr.progress(execute.Event{Name: "n1", Step: plan.StepCreate, Status: "CREATE_FAILED"}, *clk.at(35))
	tr.progress(execute.Event{Name: "n1", Step: plan.StepDelete, Status: "DELETING"}, *clk.at(36))
	tr.progress(execute.Event{Name: "n1", Step: plan.StepCreate}, *clk.at(40))
	for i := 4; i < 10; i++ {
		tr.startedChange(&creates[i], *clk.at(40))
	}
	tr.finished(report.Entry{Name: "n2", Action: "create", Outcome: report.Succeeded}, *clk.at(41))
	tr.finished(report.Entry{Name: "n3", Action: "create", Outcome: report.Succeeded}, *clk.at(42))
	for i := 4; i < 10; i++ {
		tr.finished(report.Entry{Name: creates[i].Name, Action: "create", Outcome: report.Succeeded}, *clk.at(55))
	}
	if tr.retried != 1 {
		t.Errorf("retried %d, want 1", tr.retried)
	}
	// Samples 30, 39, 39, 15×6: median 15 s; n1's attempt began at 40 s,
	// past its median at 60 s, so the longest (39 s) applies: 79 s.
	want(60, 19*time.Second, true)
	// Past the longest finished attempt too: nothing says when it ends.
	want(80, 0, false)
}

// TestLiveViewCorpus: whatever a name or an error message from the cloud
// holds, what the live view puts on the screen has nothing a terminal acts
// on, and no row wraps.
func TestLiveViewCorpus(t *testing.T) {
	for _, s := range safetexttest.Corpus {
		out := &syncBuffer{}
		clk := &manualClock{}
		v := NewLive(out, LiveOptions{Now: clk.now, Width: func() int { return 60 }, Tick: make(chan time.Time)})
		c := plan.Change{Name: s, Action: plan.Delete, ID: "id", Steps: []plan.Step{{Op: plan.StepDelete}}}
		v.Planned(&plan.Plan{Fleet: s, Changes: []plan.Change{c}})
		v.Started(&c)
		clk.set(1)
		v.Progress(execute.Event{Name: s, ID: "id", Step: plan.StepDelete, Status: s})
		clk.set(2)
		v.Finished(report.Entry{Name: s, ID: "id", Action: "delete", Outcome: report.Failed, Error: &report.Error{Code: s, Message: s}})
		v.Summary(&report.Report{Fleet: s, Summary: report.Summary{Outcomes: map[report.Outcome]int{report.Failed: 1}}})
		scr := newScreen(60)
		scr.Write([]byte(out.String()))
		if err := safetexttest.TerminalDocument(scr.String()); err != nil {
			t.Errorf("%q: %v", s, err)
		}
		if len(scr.wrapped) > 0 || len(scr.unknown) > 0 {
			t.Errorf("%q: wrapped %q, unknown escapes %q", s, scr.wrapped, scr.unknown)
		}
	}
}
