package execute

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/plan"
)

// pollClock drives the adaptive schedule on an injected clock: it checks
// the waiters due at each moment and returns when each was checked.
func checksUntil(p *poller, start time.Time, end time.Duration, seen func(w *waiter, at time.Duration) string) {
	for at := time.Duration(0); at <= end; at += 10 * time.Millisecond {
		now := start.Add(at)
		due, _ := p.due(now)
		for _, w := range due {
			o := observation{nb: &modelarts.Notebook{ID: w.id, Status: seen(w, at)}}
			p.deliverAt(w, o, now)
		}
	}
}

// TestPollScheduleNoticesFast: whatever a notebook's transition time, the
// schedule notices it within max(0.5 s, 10 % of that time), learning
// nothing beforehand.
func TestPollScheduleNoticesFast(t *testing.T) {
	for _, c := range []time.Duration{300 * time.Millisecond, 2 * time.Second, 20 * time.Second, 3 * time.Minute} {
		t.Run(c.String(), func(t *testing.T) {
			p := newPoller(nil, Options{})
			start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			p.addAt("a", "NOTEBOOK", plan.StepCreate, start)
			var noticed time.Duration
			checksUntil(p, start, c+time.Minute, func(w *waiter, at time.Duration) string {
				if at < c {
					return modelarts.StatusCreating
				}
				if noticed == 0 {
					noticed = at
				}
				return modelarts.StatusRunning
			})
			late := noticed - c
			if allowed := max(500*time.Millisecond, c/10); late > allowed+10*time.Millisecond {
				t.Errorf("noticed %v after it turned RUNNING at %v, want within %v", late, c, allowed)
			}
		})
	}
}

// TestPollScheduleLearns: before any transition was seen only the oldest
// waiter of a step is checked; once one is seen, a waiter is first checked
// at 90 % of the fastest transition, and the number of checks per notebook
// drops to a few.
func TestPollScheduleLearns(t *testing.T) {
	const c = 20 * time.Second
	p := newPoller(nil, Options{})
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 5 {
		p.addAt(fmt.Sprint("nb", i), "NOTEBOOK", plan.StepCreate, start.Add(time.Duration(i)*100*time.Millisecond))
	}
	checks := map[string]int{}
	checksUntil(p, start, c+5*time.Second, func(w *waiter, at time.Duration) string {
		checks[w.id]++
		if at-w.since.Sub(start) < c {
			return modelarts.StatusCreating
		}
		return modelarts.StatusRunning
	})
	// About 26 checks of the oldest on the 10 % schedule to 20 s — not one
	// more for every other waiter that comes due meanwhile.
	if checks["nb0"] < 20 || checks["nb0"] > 30 || checks["nb1"] > 5 {
		t.Errorf("checks %v: want the oldest probed on the 10 %% schedule, the others a few times", checks)
	}
	if f := p.fastest[plan.StepCreate]; f < c || f > c+c/10+500*time.Millisecond {
		t.Errorf("learned %v, want about %v", f, c)
	}
	// A new waiter is not checked before 90 % of the fastest transition,
	// and is checked within 10 % of the transition after it can have
	// ended: the oldest was last seen in it after under.
	later := start.Add(time.Minute)
	f, under := p.fastest[plan.StepCreate], p.under[plan.StepCreate]
	if under >= c || under < c-c/10-500*time.Millisecond {
		t.Errorf("last seen creating after %v, want a little before %v", under, c)
	}
	w := p.addAt("new", "NOTEBOOK", plan.StepCreate, later)
	if p.eligible(w, later.Add(f*8/10)) || !p.eligible(w, later.Add(f*9/10)) {
		t.Errorf("eligible too early or too late (fastest %v)", f)
	}
	// Its deadline is not before it can be done, and within 10 % of the
	// create time after it is: not 10 % after the stand-in was seen done.
	first := p.deadline(w).Sub(later)
	if first < f || first > c+c/10 {
		t.Errorf("first deadline after %v, want between %v and %v", first, f, c+c/10)
	}
	// A list that sees it young does not make it due early.
	p.deliverAt(w, observation{nb: &modelarts.Notebook{ID: "new", Status: modelarts.StatusCreating}}, later.Add(time.Second))
	if got := p.deadline(w).Sub(later); got != first {
		t.Errorf("deadline after a young sighting %v, want %v", got, first)
	}
	// Another step has its own schedule.
	if w := p.addAt("s", "NOTEBOOK", plan.StepStop, later); p.deadline(w).Sub(later) != minCheck {
		t.Errorf("stop's first check after %v, want %v", p.deadline(w).Sub(later), minCheck)
	}
}

// TestPollScheduleShares: 100 notebooks created one every 0.2 s, each
// taking 20 s: once the transition is known, waiters that finish close
// together share polls — about one poll per 10 % of the transition time
// while they finish, not one per notebook — and each is still noticed
// within 10 % of its transition time, the last one at once.
func TestPollScheduleShares(t *testing.T) {
	const c = 20 * time.Second
	p := newPoller(nil, Options{})
	p.fastest[plan.StepCreate] = c
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 100 {
		p.addAt(fmt.Sprint("nb", i), "NOTEBOOK", plan.StepCreate, start.Add(time.Duration(i)*200*time.Millisecond))
	}
	polls := 0
	late, lastLate := time.Duration(0), time.Duration(-1)
	for at := time.Duration(0); at <= 50*time.Second; at += 10 * time.Millisecond {
		now := start.Add(at)
		due, _ := p.due(now)
		if len(due) > 0 {
			polls++
		}
		for _, w := range due {
			status := modelarts.StatusCreating
			if now.Sub(w.since) >= c {
				status = modelarts.StatusRunning
				late = max(late, now.Sub(w.since)-c)
				if w.id == "nb99" {
					lastLate = now.Sub(w.since) - c
				}
				p.remove(w)
			}
			p.deliverAt(w, observation{nb: &modelarts.Notebook{ID: w.id, Status: status}}, now)
		}
	}
	if polls > 20 {
		t.Errorf("%d polls for 100 notebooks finishing over 20 s, want about 10", polls)
	}
	if late > c/10+10*time.Millisecond {
		t.Errorf("a notebook noticed %v late, want within %v", late, c/10)
	}
	// The last one is not held for company: it is checked when expected.
	if lastLate < 0 || lastLate > 20*time.Millisecond {
		t.Errorf("the last notebook noticed %v late, want at once", lastLate)
	}
}

// TestManyMissingListedAgain: a read that misses more of the waiters than
// it had pages (pages shifted under it while notebooks were created) does
// not GET them one by one: the next list, a full one, looks for them.
// Those it misses again are looked up with a GET each.
func TestManyMissingListedAgain(t *testing.T) {
	for _, stillHidden := range []bool{false, true} {
		t.Run(fmt.Sprintf("hidden twice %v", stillHidden), func(t *testing.T) {
			f := newFake(100)
			p := newPoller(pagedFake{f}, Options{})
			since := time.Now().Add(-time.Minute)
			var ws []*waiter
			var hidden []string
			for i := range 120 {
				id := f.seed(fmt.Sprintf("nb-%03d", i), modelarts.StatusCreating)
				ws = append(ws, p.addAt(id, "NOTEBOOK", plan.StepCreate, since))
				if i%2 == 0 {
					f.hidden[id] = 1 << 20
					hidden = append(hidden, id)
				}
			}
			ctx := context.Background()
			// They are new and nothing was listed yet: read newest
			// first, three pages for 120 (the 60 listed fill two, the
			// third is empty: nothing further to read).
			if cost := p.tick(ctx, ws); cost != 3 || f.count("get") != 0 {
				t.Fatalf("first poll: %d requests, %d GETs; want 3 pages, no GET", cost, f.count("get"))
			}
			seen := 0
			for _, w := range ws {
				select {
				case <-w.ch:
					seen++
				default:
				}
			}
			if seen != 60 {
				t.Fatalf("%d waiters had a sighting, want the 60 listed", seen)
			}
			if !stillHidden {
				for _, id := range hidden {
					delete(f.hidden, id)
				}
			}
			p.tick(ctx, ws)
			want := 0
			if stillHidden {
				want = 60
			}
			if g := f.count("get"); g != want {
				t.Errorf("second poll: %d GETs, want %d", g, want)
			}
			for _, w := range ws {
				select {
				case <-w.ch:
				default:
					t.Fatalf("%s: no sighting after the second poll", w.id)
				}
			}
		})
	}
}

// TestAddWakesOnlyWhenDueSooner: a new waiter wakes the poller only when
// it is due before the poll the poller planned; otherwise every add of a
// run of 10 000 creates made the poller scan every waiter again.
func TestAddWakesOnlyWhenDueSooner(t *testing.T) {
	p := newPoller(nil, Options{})
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	woken := func() bool {
		select {
		case <-p.wake:
			return true
		default:
			return false
		}
	}
	p.addAt("a", "NOTEBOOK", plan.StepCreate, start)
	if !woken() {
		t.Fatal("the first waiter did not wake an idle poller")
	}
	if due, next := p.due(start); len(due) != 0 || !next.Equal(start.Add(minCheck)) {
		t.Fatalf("due %d, next %v", len(due), next)
	}
	for i := range 1000 {
		p.addAt(fmt.Sprint("nb", i), "NOTEBOOK", plan.StepCreate, start.Add(time.Duration(i+1)*time.Millisecond))
		if woken() {
			t.Fatalf("waiter %d, due after the planned poll, woke the poller", i)
		}
	}
	// Once a transition is known, a waiter can be due sooner than planned.
	p.fastest[plan.StepCreate] = 100 * time.Millisecond
	p.planned = start.Add(time.Hour)
	p.addAt("soon", "NOTEBOOK", plan.StepCreate, start)
	if !woken() {
		t.Error("a waiter due before the planned poll did not wake the poller")
	}
}

// stepLister serves total notebooks in pages and records how many page
// reads were in flight at once, before and after quietAfter pages were
// read (when the run turns quiet). failAt fails the read at that offset.
type stepLister struct {
	total, quietAfter, failAt int

	mu             sync.Mutex
	read, inFlight int
	maxBusy        [2]int // [0] before quiet, [1] after
	both           chan struct{}
	once           sync.Once
}

func (l *stepLister) quiet() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.read >= l.quietAfter
}

func (l *stepLister) List(context.Context, modelarts.ListOptions) ([]modelarts.Notebook, error) {
	panic("the poller reads pages")
}

func (l *stepLister) ListPage(ctx context.Context, _ modelarts.ListOptions, offset, limit int) (*modelarts.Page, error) {
	l.mu.Lock()
	phase := 0
	if l.read >= l.quietAfter {
		phase = 1
	}
	l.inFlight++
	l.maxBusy[phase] = max(l.maxBusy[phase], l.inFlight)
	if phase == 1 && l.inFlight == 2 {
		l.once.Do(func() { close(l.both) })
	}
	l.mu.Unlock()
	if phase == 1 {
		// Quiet: wait (a while at most) for a second read to be in flight.
		select {
		case <-l.both:
		case <-time.After(2 * time.Second):
		case <-ctx.Done():
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.inFlight--
	l.read++
	if offset == l.failAt {
		return nil, fmt.Errorf("page at %d: 500", offset)
	}
	pg := &modelarts.Page{Total: l.total}
	for i := offset; i < min(offset+limit, l.total); i++ {
		pg.Data = append(pg.Data, modelarts.Notebook{ID: fmt.Sprintf("nb-%05d", i), Status: modelarts.StatusRunning})
	}
	return pg, nil
}

// TestListWidensWhenQuiet: a list begun while creates still went out reads
// its pages one at a time, and the rest of them at once as soon as the run
// turns quiet (at the end of a 10 000-notebook run that list was seconds of
// the run). Every notebook is returned once, in order; a failed page fails
// the list.
func TestListWidensWhenQuiet(t *testing.T) {
	l := &stepLister{total: 20 * listPageSize, quietAfter: 5, failAt: -1, both: make(chan struct{})}
	p := &poller{api: struct {
		API
		pageLister
	}{pageLister: l}, quiet: l.quiet}
	live, cost, err := p.list(context.Background(), "NOTEBOOK")
	if err != nil {
		t.Fatal(err)
	}
	if cost != 20 || len(live) != l.total {
		t.Fatalf("%d requests, %d notebooks; want 20, %d", cost, len(live), l.total)
	}
	for i, nb := range live {
		if want := fmt.Sprintf("nb-%05d", i); nb.ID != want {
			t.Fatalf("notebook %d is %s, want %s", i, nb.ID, want)
		}
	}
	if l.maxBusy[0] != 1 {
		t.Errorf("%d pages read at once while creates went out, want 1", l.maxBusy[0])
	}
	if l.maxBusy[1] < 2 {
		t.Errorf("pages read one at a time after the run turned quiet")
	}

	bad := &stepLister{total: 20 * listPageSize, quietAfter: 1 << 30, failAt: 7 * listPageSize, both: make(chan struct{})}
	p.api, p.quiet = struct {
		API
		pageLister
	}{pageLister: bad}, bad.quiet
	if _, _, err := p.list(context.Background(), "NOTEBOOK"); err == nil {
		t.Fatal("a failed page did not fail the list")
	}
	if bad.read != 8 {
		t.Errorf("%d pages read, want the list to stop after the failed 8th", bad.read)
	}
}
