package execute

import (
	"context"
	"errors"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/nbfleet/nbfleet/pkg/modelarts"
)

// poller is the one goroutine that watches statuses: while any change
// waits it lists the workspace every PollInterval and hands each waiter its
// notebook. A notebook missing from the list is confirmed gone with one Get
// (a list can miss an item while pages shift under it).
type poller struct {
	api  API
	opts Options

	mu      sync.Mutex
	waiters map[*waiter]struct{}
	wake    chan struct{}
}

// confirmAfter is how many lists in a row may miss a notebook older than
// everything they showed before it is confirmed with a Get.
const confirmAfter = 5

// observation is one sighting of a notebook.
type observation struct {
	nb   *modelarts.Notebook // nil when gone
	gone bool
}

type waiter struct {
	id    string
	since time.Time // when the wait began
	// createAt is the notebook's create_at (epoch ms), 0 when unknown.
	createAt int64
	// missed counts the ticks in a row whose list did not show it (only
	// the poller touches it).
	missed int
	ch     chan observation // capacity 1: holds only the latest sighting
}

func newPoller(api API, opts Options) *poller {
	return &poller{api: api, opts: opts, waiters: map[*waiter]struct{}{}, wake: make(chan struct{}, 1)}
}

func (p *poller) add(id string, createAt int64) *waiter {
	w := &waiter{id: id, since: time.Now(), createAt: createAt, ch: make(chan observation, 1)}
	p.mu.Lock()
	p.waiters[w] = struct{}{}
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
	return w
}

func (p *poller) remove(w *waiter) {
	p.mu.Lock()
	delete(p.waiters, w)
	p.mu.Unlock()
}

func (p *poller) snapshot() []*waiter {
	p.mu.Lock()
	defer p.mu.Unlock()
	ws := make([]*waiter, 0, len(p.waiters))
	for w := range p.waiters {
		ws = append(ws, w)
	}
	return ws
}

// run polls until ctx ends.
func (p *poller) run(ctx context.Context) {
	for {
		for len(p.snapshot()) == 0 {
			select {
			case <-p.wake:
			case <-ctx.Done():
				return
			}
		}
		delay := p.opts.PollDelay
		for {
			if !sleep(ctx, delay) {
				return
			}
			delay = p.opts.PollInterval
			ws := p.snapshot()
			if len(ws) == 0 {
				break
			}
			p.tick(ctx, ws)
		}
	}
}

func (p *poller) tick(ctx context.Context, ws []*waiter) {
	began := time.Now()
	live, err := p.api.List(ctx, modelarts.ListOptions{WorkspaceID: p.opts.WorkspaceID})
	if err != nil {
		return // the waiters keep waiting; their timeout bounds it
	}
	byID := make(map[string]*modelarts.Notebook, len(live))
	oldest := int64(0)
	for i := range live {
		byID[live[i].ID] = &live[i]
		if c := live[i].CreateAt; c > 0 && (oldest == 0 || c < oldest) {
			oldest = c
		}
	}
	missing := map[string][]*waiter{}
	for _, w := range ws {
		if nb, ok := byID[w.id]; ok {
			w.missed = 0
			c := *nb
			w.send(observation{nb: &c})
			continue
		}
		w.missed++
		switch {
		case !w.since.Before(began):
			// Its wait began during the list: it may have been created
			// after its pages were read. The next tick sees it.
		case w.createAt > 0 && oldest > 0 && w.createAt < oldest && w.missed < confirmAfter:
			// Older than everything listed: the list was cut short while
			// new notebooks pushed the pages back (newest first). Not a
			// sign it is gone; confirm only if it stays unseen.
		default:
			missing[w.id] = append(missing[w.id], w)
		}
	}
	if len(missing) == 0 {
		return
	}
	var g errgroup.Group
	g.SetLimit(8)
	for id, ws := range missing {
		g.Go(func() error {
			nb, err := p.api.Get(ctx, id)
			var o observation
			switch {
			case errors.Is(err, modelarts.ErrNotFound):
				o.gone = true
			case err == nil:
				o.nb = nb
			default:
				return nil
			}
			for _, w := range ws {
				w.send(o)
			}
			return nil
		})
	}
	g.Wait()
}

// send replaces any unread sighting with o. Only the poller sends.
func (w *waiter) send(o observation) {
	select {
	case <-w.ch:
	default:
	}
	w.ch <- o
}

// sleep waits d or until ctx ends; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
