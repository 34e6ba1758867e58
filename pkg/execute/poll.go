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

	// listed is how many notebooks the last list returned (poller only).
	listed int
	// quiet reports whether every launched change is waiting: then nothing
	// else competes for the service's rate. Nil means never.
	quiet func() bool
}

// listPageSize is the page size of the client's list calls.
const listPageSize = modelarts.PageLimit

// pageLister is implemented by *modelarts.Client. When nothing else
// competes for the rate, the poller fetches a list's pages at once
// instead of one after another: at the end of a big run that is the time
// between the last notebook becoming RUNNING and the run ending.
type pageLister interface {
	ListPage(ctx context.Context, opts modelarts.ListOptions, offset, limit int) (*modelarts.Page, error)
}

// observation is one sighting of a notebook.
type observation struct {
	nb   *modelarts.Notebook // nil when gone
	gone bool
}

type waiter struct {
	id    string
	since time.Time        // when the wait began
	ch    chan observation // capacity 1: holds only the latest sighting
}

func newPoller(api API, opts Options) *poller {
	return &poller{api: api, opts: opts, waiters: map[*waiter]struct{}{}, wake: make(chan struct{}, 1)}
}

func (p *poller) add(id string) *waiter {
	w := &waiter{id: id, since: time.Now(), ch: make(chan observation, 1)}
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
			ws := p.snapshot()
			if len(ws) == 0 {
				break
			}
			began := time.Now()
			p.tick(ctx, ws)
			delay = p.opts.PollInterval
			if p.isQuiet() {
				// Nothing else is sent: poll at a steady pace.
				delay -= time.Since(began)
			}
		}
	}
}

func (p *poller) tick(ctx context.Context, ws []*waiter) {
	byWaiter := map[string][]*waiter{}
	for _, w := range ws {
		byWaiter[w.id] = append(byWaiter[w.id], w)
	}
	// A list costs one request per page. When fewer notebooks wait than
	// the last list had pages (the end of a big run), one GET each is
	// fewer requests.
	if pages := (p.listed + listPageSize - 1) / listPageSize; len(byWaiter) < pages {
		p.get(ctx, byWaiter)
		return
	}
	began := time.Now()
	live, err := p.list(ctx)
	if err != nil {
		return // the waiters keep waiting; their timeout bounds it
	}
	p.listed = len(live)
	byID := make(map[string]*modelarts.Notebook, len(live))
	for i := range live {
		byID[live[i].ID] = &live[i]
	}
	missing := map[string][]*waiter{}
	for _, w := range ws {
		if nb, ok := byID[w.id]; ok {
			c := *nb
			w.send(observation{nb: &c})
			continue
		}
		// A wait that began during the list may be for a notebook created
		// after its pages were read: the next tick sees it.
		if w.since.Before(began) {
			missing[w.id] = append(missing[w.id], w)
		}
	}
	p.get(ctx, missing)
}

func (p *poller) isQuiet() bool { return p.quiet != nil && p.quiet() }

// list lists the workspace: page after page through API.List, or, when
// the run is quiet and the client can, every page at once.
func (p *poller) list(ctx context.Context) ([]modelarts.Notebook, error) {
	opts := modelarts.ListOptions{WorkspaceID: p.opts.WorkspaceID}
	pl, ok := p.api.(pageLister)
	if !ok || !p.isQuiet() {
		return p.api.List(ctx, opts)
	}
	first, err := pl.ListPage(ctx, opts, 0, listPageSize)
	if err != nil {
		return nil, err
	}
	if len(first.Data) < listPageSize || first.Total <= listPageSize {
		return first.Data, nil
	}
	const maxPages = 2000
	pages := make([][]modelarts.Notebook, min((first.Total-1)/listPageSize, maxPages))
	var g errgroup.Group
	g.SetLimit(8)
	for i := range pages {
		g.Go(func() error {
			pg, err := pl.ListPage(ctx, opts, (i+1)*listPageSize, listPageSize)
			if err == nil {
				pages[i] = pg.Data
			}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []modelarts.Notebook
	for _, data := range append([][]modelarts.Notebook{first.Data}, pages...) {
		for _, nb := range data {
			if nb.ID != "" && !seen[nb.ID] {
				seen[nb.ID] = true
				out = append(out, nb)
			}
		}
	}
	return out, nil
}

// get sends one GET per notebook id and hands the answers to its waiters.
func (p *poller) get(ctx context.Context, missing map[string][]*waiter) {
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
