package execute

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/plan"
	"github.com/nbfleet/nbfleet/pkg/report"
)

// clockFake is a ModelArts on the clock, for runs inside a synctest
// bubble: a notebook turns RUNNING createTime after its create, every
// request takes latency, and the gateway admits at most perWindow requests
// per window, fixed windows back to back from the first request. A request
// beyond waits for the next window, as the client's limiter holds every
// call after a per-minute Retry-After.
type clockFake struct {
	createTime, latency, window time.Duration
	perWindow                   int

	lim *modelarts.Limiter // what the client's limiter would pace at

	mu       sync.Mutex
	first    time.Time // the first request: the windows' origin
	winStart time.Time
	used     int
	nbs      []*clockNB
	calls    map[string]int
}

type clockNB struct {
	nb      modelarts.Notebook
	created time.Time
}

func newClockFake(createTime, latency, window time.Duration, perWindow int) *clockFake {
	f := &clockFake{createTime: createTime, latency: latency, window: window, perWindow: perWindow, calls: map[string]int{}}
	if perWindow > 0 {
		f.lim = modelarts.NewLimiter(float64(perWindow) / window.Seconds())
	}
	return f
}

// Limiter is the pace the poller shares (the requests themselves are held
// by admit, not by it).
func (f *clockFake) Limiter() *modelarts.Limiter { return f.lim }

// admit waits until the gateway takes one more request, then its latency.
func (f *clockFake) admit(ctx context.Context, op string) error {
	for {
		f.mu.Lock()
		now := time.Now()
		if f.first.IsZero() {
			f.first = now
		}
		ws := f.first.Add(now.Sub(f.first) / f.window * f.window)
		if !ws.Equal(f.winStart) {
			f.winStart, f.used = ws, 0
		}
		if f.perWindow <= 0 || f.used < f.perWindow {
			f.used++
			f.calls[op]++
			f.mu.Unlock()
			break
		}
		wait := ws.Add(f.window).Sub(now)
		f.mu.Unlock()
		if !sleep(ctx, wait) {
			return ctx.Err()
		}
	}
	if !sleep(ctx, f.latency) {
		return ctx.Err()
	}
	return nil
}

// show is what a read says of n now (locked).
func (f *clockFake) show(n *clockNB) modelarts.Notebook {
	nb := n.nb
	nb.Status = modelarts.StatusCreating
	if !time.Now().Before(n.created.Add(f.createTime)) {
		nb.Status = modelarts.StatusRunning
	}
	return nb
}

func (f *clockFake) Create(ctx context.Context, req *modelarts.CreateRequest) (*modelarts.Notebook, error) {
	if err := f.admit(ctx, "create"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n := &clockNB{nb: modelarts.Notebook{ID: fmt.Sprintf("nb-%05d", len(f.nbs)), Name: req.Name, Description: req.Description}, created: time.Now()}
	f.nbs = append(f.nbs, n)
	nb := f.show(n)
	return &nb, nil
}

// page is one page of the list, newest first as the service's default
// (rule 3) unless asc.
func (f *clockFake) page(offset, limit int, asc bool) *modelarts.Page {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := len(f.nbs)
	pg := &modelarts.Page{Total: n}
	for i := offset; i < min(offset+limit, n); i++ {
		at := n - 1 - i
		if asc {
			at = i
		}
		pg.Data = append(pg.Data, f.show(f.nbs[at]))
	}
	return pg
}

func (f *clockFake) ListPage(ctx context.Context, opts modelarts.ListOptions, offset, limit int) (*modelarts.Page, error) {
	if err := f.admit(ctx, "page"); err != nil {
		return nil, err
	}
	return f.page(offset, limit, strings.EqualFold(opts.SortDir, "ASC")), nil
}

func (f *clockFake) List(ctx context.Context, opts modelarts.ListOptions) ([]modelarts.Notebook, error) {
	var out []modelarts.Notebook
	for offset := 0; ; offset += modelarts.PageLimit {
		pg, err := f.ListPage(ctx, opts, offset, modelarts.PageLimit)
		if err != nil {
			return nil, err
		}
		out = append(out, pg.Data...)
		if len(pg.Data) < modelarts.PageLimit {
			return out, nil
		}
	}
}

func (f *clockFake) Get(ctx context.Context, id string) (*modelarts.Notebook, error) {
	if err := f.admit(ctx, "get"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range f.nbs {
		if n.nb.ID == id {
			nb := f.show(n)
			return &nb, nil
		}
	}
	return nil, errNotFound
}

var errUnused = errors.New("not used by this test")

func (f *clockFake) Update(context.Context, string, *modelarts.UpdateRequest) (*modelarts.Notebook, error) {
	return nil, errUnused
}
func (f *clockFake) Delete(context.Context, string) error { return errUnused }
func (f *clockFake) Start(context.Context, string, *modelarts.LeaseReq) (*modelarts.Notebook, error) {
	return nil, errUnused
}
func (f *clockFake) Stop(context.Context, string) (*modelarts.Notebook, error) { return nil, errUnused }

// TestRunEndsWhateverTheSchedule: a run ends when every notebook is done,
// however late the poller first sees them. Under a per-minute window that
// the creates spend at once, every poll of the first minute is held until
// the next window, so the notebooks of the first window are first seen long
// after they turned RUNNING and the schedule learns no transition time from
// them; the notebooks of the second window must still be noticed soon after
// they turn RUNNING, not one per poll with ever longer gaps (the run that
// never ended). On synctest's clock: no real waiting.
func TestRunEndsWhateverTheSchedule(t *testing.T) {
	tests := []struct {
		name      string
		n         int
		perWindow int
		window, c time.Duration
	}{
		{"1000 at 600 a minute, 2 s creates", 1000, 600, time.Minute, 2 * time.Second},
		{"250 at 100 a minute, 20 s creates", 250, 100, time.Minute, 20 * time.Second},
		{"200 at 60 per 10 s, 2 s creates", 200, 60, 10 * time.Second, 2 * time.Second},
		{"100 unthrottled, 20 s creates", 100, 0, time.Minute, 20 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newClockFake(tt.c, 25*time.Millisecond, tt.window, tt.perWindow)
				names := make([]string, tt.n)
				for i := range names {
					names[i] = fmt.Sprintf("nb-%d", i)
				}
				began := time.Now()
				rep, err := Apply(context.Background(), creates(names...), f, Options{Parallelism: 64})
				if err != nil {
					t.Fatal(err)
				}
				took := time.Since(began)
				for _, e := range rep.Notebooks {
					if e.Outcome != report.Succeeded {
						t.Fatalf("%s: %s (%+v) after %v", e.Name, e.Outcome, e.Error, took)
					}
				}
				// The time a client that knew the window would need: the
				// windows the creates fill, then one create time.
				bound := tt.c
				if tt.perWindow > 0 {
					bound += time.Duration((tt.n-1)/tt.perWindow) * tt.window
				}
				if limit := bound + bound/10 + time.Second; took > limit {
					t.Errorf("the run took %v, want within %v (1.10 × %v + 1 s); calls %v", took, limit, bound, f.calls)
				}
			})
		})
	}
}

// TestPollerEndsWithoutLearning drives the poll schedule alone: every
// waiter of a step is first seen long after its transition ended, so no
// transition time is ever learnt. The oldest waiter stands for the others
// only until it is seen done; then each waiter is checked on its own
// schedule, and a few polls see them all.
func TestPollerEndsWithoutLearning(t *testing.T) {
	p := newPoller(nil, Options{})
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const n = 400
	for i := range n {
		p.addAt(fmt.Sprint("nb", i), "NOTEBOOK", plan.StepCreate, start.Add(time.Duration(i)*time.Millisecond))
	}
	polls := 0
	for at := time.Minute; at <= 2*time.Minute && len(p.snapshot()) > 0; at += 10 * time.Millisecond {
		now := start.Add(at)
		due, _ := p.due(now)
		if len(due) > 0 {
			polls++
		}
		for _, w := range due {
			// Done before it was ever seen: a sighting teaches nothing.
			p.deliverAt(w, observation{nb: &modelarts.Notebook{ID: w.id, Status: modelarts.StatusRunning}}, now)
			p.remove(w)
		}
	}
	if left := len(p.snapshot()); left > 0 || polls > 3 {
		t.Errorf("%d waiters left after %d polls, want none after 2 (the stand-in, then the rest)", left, polls)
	}
}

// oldPages counts the list pages read, oldest first, that hold only
// notebooks older than the run (the first old of them).
type oldPages struct {
	*clockFake
	old int

	mu    sync.Mutex
	reads int
}

func (o *oldPages) ListPage(ctx context.Context, opts modelarts.ListOptions, offset, limit int) (*modelarts.Page, error) {
	if offset+limit <= o.old && strings.EqualFold(opts.SortDir, "ASC") {
		o.mu.Lock()
		o.reads++
		o.mu.Unlock()
	}
	return o.clockFake.ListPage(ctx, opts, offset, limit)
}

// TestPollsReadTheEndOfTheList: in a project that already holds thousands
// of notebooks, polls do not read the whole list again and again. Listed
// oldest first, a run's new notebooks are at its end: after one full list
// a poll reads the pages past where that list ended, then only the pages
// that hold the notebooks it waits for. At 20 requests a second each full
// list of 5 000 notebooks is five seconds of the budget. The run reads the
// old notebooks' pages once at most.
// On synctest's clock.
func TestPollsReadTheEndOfTheList(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const (
			n, others, perSecond = 300, 5000, 20
			c                    = 2 * time.Second
		)
		f := &oldPages{clockFake: newClockFake(c, 25*time.Millisecond, time.Second, perSecond), old: others}
		long := time.Now().Add(-time.Hour)
		for i := range others {
			f.nbs = append(f.nbs, &clockNB{nb: modelarts.Notebook{ID: fmt.Sprintf("other-%05d", i), Name: fmt.Sprintf("other-%05d", i)}, created: long})
		}
		names := make([]string, n)
		for i := range names {
			names[i] = fmt.Sprintf("nb-%d", i)
		}
		rep, err := Apply(context.Background(), creates(names...), f, Options{Parallelism: 64})
		if err != nil {
			t.Fatal(err)
		}
		if got := rep.Count(report.Succeeded); got != n {
			t.Fatalf("%d of %d succeeded", got, n)
		}
		// (How long the run takes depends here on which of the waiting
		// requests the fake's gateway admits first at each window, which
		// is not first come, first served; TestRunEndsWhateverTheSchedule
		// holds the time.)
		if once := others / modelarts.PageLimit; f.reads > once {
			t.Errorf("%d reads of the %d pages of notebooks older than the run, want one full list at most (calls %v)", f.reads, once, f.calls)
		}
	})
}
