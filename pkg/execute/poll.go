package execute

import (
	"cmp"
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/plan"
)

// poller is the one goroutine that watches statuses. A notebook missing
// from a list is confirmed gone with one Get (a list can miss an item while
// pages shift under it). With Options.PollInterval it polls every waiter at
// that interval; by default it follows the adaptive schedule:
//
//   - A waiter is checked again at the latest 10 % of the time it has
//     waited later, at least 0.5 s: a notebook that reaches its status is
//     noticed within max(0.5 s, 10 % of its transition time).
//   - It is not checked before 90 % of the shortest transition seen for its
//     step in this run (nothing finishes much faster than the fastest one
//     did), and first at the latest that shortest time plus the delay
//     allowed to notice it. A poll comes by the first deadline, as soon as
//     every waiter expected to finish before it may have, and checks every
//     waiter past its 90 %: waiters that finish close together share polls,
//     and the last ones are noticed when they finish.
//   - Before any transition of its step was seen only the oldest waiter of
//     that step is checked: it stands for the rest. When it is first seen
//     done, its poll was held up past the transition (a spent per-minute
//     window) and there is nothing to learn: the waiters that began before
//     it was due are checked on their own schedules from then on, and the
//     later ones have a new stand-in. So every waiter is checked, whatever
//     the polls learn: a run ends when its notebooks are done.
//   - One poll serves every waiter that is due, the cheapest way: the
//     pages that held them when last read and, for notebooks the run
//     created since, the tail of the list (polls list oldest first, so a
//     run adds notebooks at the end; before any read, newest first); else
//     one GET each when they are fewer than a list's pages; else one list
//     for all, the first poll after a read missed one. Pages are read one
//     at a time while creates still go out, eight at once as soon as only
//     waiting is left. A list reads each kind of notebook its waiters
//     have (the service lists NOTEBOOK or DEFAULT, never both). Waiters
//     a read misses are looked up with a GET each when that costs no more
//     than the read did, else by the next list (then a GET): a list read
//     while notebooks are created can miss many.
//   - While other changes still make calls (each poll request then takes a
//     place in the service's budget a create could have had), polls take
//     at most one request in forty of the rate every budget sustains
//     (modelarts.Limiter.Sustained: a per-minute budget's too); waiters
//     are noticed later then, and fast again once only waiting is left.
type poller struct {
	api  API
	opts Options
	lim  *modelarts.Limiter // nil: no limiter to share the budget with

	mu      sync.Mutex
	waiters map[*waiter]struct{}
	added   int64 // waiters added so far
	wake    chan struct{}
	// fastest is the shortest transition seen per step (poller only,
	// under mu): the least time a waiter was first seen done after. The
	// transition it stands for ended after the least time a waiter was
	// last seen in it (under): the transition took between the two.
	fastest map[plan.StepOp]time.Duration
	under   map[plan.StepOp]time.Duration
	// planned is when the adaptive poller looks at the waiters again at
	// the latest (under mu; zero: not until add wakes it).
	planned time.Time

	// listed is how many notebooks of each kind (feature) the last list
	// returned, pos where each was in it, oldest first (poller only).
	listed map[string]int
	pos    map[string]spot
	// listBegan is when the last full list began (poller only): a
	// waiter that began since is for a notebook at the end of its kind's
	// list, or in it.
	listBegan time.Time
	// stale: a read of some pages missed a due notebook (the list shifted
	// under it, or others were created): the next poll lists everything.
	stale bool
	// quiet reports whether every launched change is waiting: then nothing
	// else competes for the service's rate. Nil means never.
	quiet func() bool
}

// listPageSize is the page size of the client's list calls.
const listPageSize = modelarts.PageLimit

// pollShare is the share of a rate-bound run's requests polls may take.
const pollShare = 1.0 / 40

// maxListPages bounds the pages one poll reads of a kind: 100 000 notebooks.
const maxListPages = 2000

// pollSortDir is the order polls list in: oldest first, so that the
// notebooks a run creates while a list is read come after the pages
// already read instead of pushing older ones onto the next page (the
// service's default is newest first, rule 3).
const pollSortDir = "ASC"

// pageLister is implemented by *modelarts.Client. When nothing else
// competes for the rate, the poller fetches a list's pages at once
// instead of one after another: at the end of a big run that is the time
// between the last notebook becoming RUNNING and the run ending.
type pageLister interface {
	ListPage(ctx context.Context, opts modelarts.ListOptions, offset, limit int) (*modelarts.Page, error)
}

// spot is where a notebook was in the last list: its kind's pages, the
// index in them.
type spot struct {
	feature string
	at      int
}

// observation is one sighting of a notebook.
type observation struct {
	nb   *modelarts.Notebook // nil when gone
	gone bool
}

type waiter struct {
	id string
	// feature is the notebook's kind (NOTEBOOK, DEFAULT): the list that
	// shows it (the service lists one kind at a time). Empty: not known.
	feature string
	op      plan.StepOp
	since   time.Time        // when the wait began
	seq     int64            // order of the waits' beginnings (ties of since)
	ch      chan observation // capacity 1: holds only the latest sighting
	// next is when it is due to be checked; moving is how long it had
	// waited when last seen in a transitional status (poller only, under
	// mu; 0: never).
	next   time.Time
	moving time.Duration
	seen   bool      // checked at least once
	last   time.Time // when it was last checked
	// own: checked on its own schedule even before a transition of its
	// step was learnt (a waiter of that step was seen done without
	// anything to learn: the others it stood for may be done too).
	own bool
	// missed: the last list did not show it, and it was not looked up.
	missed bool
}

func newPoller(api API, opts Options) *poller {
	p := &poller{api: api, opts: opts, waiters: map[*waiter]struct{}{}, wake: make(chan struct{}, 1),
		fastest: map[plan.StepOp]time.Duration{}, under: map[plan.StepOp]time.Duration{}}
	if lp, ok := api.(interface{ Limiter() *modelarts.Limiter }); ok {
		p.lim = lp.Limiter()
	}
	return p
}

// add begins the wait for notebook id of the kind feature ("": not known)
// in step op.
func (p *poller) add(id, feature string, op plan.StepOp) *waiter {
	return p.addAt(id, feature, op, time.Now())
}

func (p *poller) addAt(id, feature string, op plan.StepOp, now time.Time) *waiter {
	w := &waiter{id: id, feature: strings.ToUpper(feature), op: op, since: now, ch: make(chan observation, 1)}
	p.mu.Lock()
	p.added++
	w.seq = p.added
	w.next = p.firstCheck(w)
	p.waiters[w] = struct{}{}
	// The poller looks again at planned anyway: wake it only when w is
	// due before (a scan of every waiter per add was quadratic in a run).
	wake := p.planned.IsZero() || p.deadline(w).Before(p.planned)
	p.mu.Unlock()
	if wake {
		select {
		case p.wake <- struct{}{}:
		default:
		}
	}
	return w
}

// minCheck is the shortest gap between two checks of a waiter.
const minCheck = 500 * time.Millisecond

// firstCheck is the latest time a new waiter is first checked (locked);
// before a transition of its step was seen, minCheck after it began.
func (p *poller) firstCheck(w *waiter) time.Time {
	return w.since.Add(minCheck)
}

// deadline is the latest time w must be checked (locked): its next check,
// but once a transition of its step was seen never before the delay
// allowed to notice it after the earliest the fastest transition can have
// ended (a list that saw it young does not make it due early). Counting
// from that earliest end, not from when it was seen done, keeps the polls
// that wait for company within the delay allowed.
func (p *poller) deadline(w *waiter) time.Time {
	if first, ok := p.firstAfterLearning(w); ok {
		return first
	}
	return w.next
}

// expected is when w may be done (locked): the fastest transition after it
// began, unless it was seen in its transition since, or its deadline
// comes first; else its deadline.
func (p *poller) expected(w *waiter) time.Time {
	d := p.deadline(w)
	if f, known := p.fastest[w.op]; known {
		if x := w.since.Add(f); x.After(w.last) && x.Before(d) {
			return x
		}
	}
	return d
}

// firstAfterLearning is w's deadline set by the transition its step
// learnt, and whether that deadline applies (it was not checked since, or
// its own next check is earlier).
func (p *poller) firstAfterLearning(w *waiter) (time.Time, bool) {
	f, known := p.fastest[w.op]
	if !known {
		return time.Time{}, false
	}
	lo := f
	if u, known := p.under[w.op]; known {
		lo = min(u, f)
	}
	first := w.since.Add(max(f, lo+max(minCheck, lo/10)))
	return first, !w.seen || first.After(w.next)
}

// eligible reports whether a poll at now checks w (locked): not before 90 %
// of the fastest transition of its step.
func (p *poller) eligible(w *waiter, now time.Time) bool {
	f, known := p.fastest[w.op]
	return !known || !now.Before(w.since.Add(f*9/10))
}

// checked moves a waiter's deadline after a sighting at now (locked):
// 10 % of the time waited later, at least minCheck.
func (p *poller) checked(w *waiter, now time.Time) {
	w.seen, w.last = true, now
	w.next = now.Add(max(minCheck, now.Sub(w.since)/10))
}

// older orders waiters by when they began, then by when they were added.
func (w *waiter) older(o *waiter) bool {
	return w.since.Before(o.since) || w.since.Equal(o.since) && w.seq < o.seq
}

// remove ends w's wait. The poller is not woken: a poll it planned with
// w's deadline finds nothing due and plans again.
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
	if p.opts.PollInterval <= 0 {
		p.runAdaptive(ctx)
		return
	}
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

// runAdaptive polls each waiter on its own schedule (see poller).
func (p *poller) runAdaptive(ctx context.Context) {
	var notBefore time.Time // the budget share of the last poll
	for {
		due, next := p.due(time.Now())
		if len(due) == 0 {
			wait := time.Hour // no waiter: until add wakes the poller
			if !next.IsZero() {
				wait = max(time.Until(next), time.Millisecond)
			}
			t := time.NewTimer(wait)
			select {
			case <-p.wake:
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return
			}
			t.Stop()
			continue
		}
		if d := time.Until(notBefore); d > 0 && !p.isQuiet() {
			// Still bound by the rate: wait for the share, a little at a
			// time, so that the end of the run is noticed at once.
			if !sleep(ctx, min(d, 100*time.Millisecond)) {
				return
			}
			continue
		}
		cost := p.tick(ctx, due)
		if ctx.Err() != nil {
			return
		}
		notBefore = time.Time{}
		if p.lim != nil && !p.isQuiet() {
			// From the poll's end: a poll held by a spent window is
			// followed by the share's pause all the same.
			if r := p.lim.Sustained(); r > 0 {
				notBefore = time.Now().Add(time.Duration(float64(cost) / (pollShare * r) * float64(time.Second)))
			}
		}
	}
}

// due returns the waiters a poll at now checks, or, when no deadline has
// come, the first deadline: a poll waits for the first deadline and then
// checks every waiter that may be done (so waiters whose transitions end
// close together share polls). Before any transition of a step was seen,
// only its oldest waiter is checked; the others are moved along with it.
func (p *poller) due(now time.Time) (due []*waiter, next time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	oldest := map[plan.StepOp]*waiter{}
	for w := range p.waiters {
		if _, known := p.fastest[w.op]; !known && !w.own {
			if o := oldest[w.op]; o == nil || w.older(o) {
				oldest[w.op] = w
			}
		}
	}
	// stands reports whether w is checked by polls: the oldest waiter of
	// a step stands for the others until a transition of it was seen, or
	// one was seen done without a transition to learn from.
	stands := func(w *waiter) bool {
		_, known := p.fastest[w.op]
		return known || w.own || oldest[w.op] == w
	}
	// Poll by the first deadline, as soon as every waiter expected to be
	// done before it may be: the last notebooks of a run are not held
	// for company that is not coming.
	var first time.Time
	var firstW *waiter
	for w := range p.waiters {
		if d := p.deadline(w); stands(w) && (first.IsZero() || d.Before(first)) {
			first, firstW = d, w
		}
	}
	for w := range p.waiters {
		if x := p.expected(w); stands(w) && !x.After(first) && x.After(next) {
			next = x
		}
	}
	if next.IsZero() || next.After(now) {
		p.planned = next
		return nil, next
	}
	p.planned = now // it polls now, then looks again
	for w := range p.waiters {
		if stands(w) && p.eligible(w, now) {
			due = append(due, w)
		}
	}
	if len(due) == 0 {
		due = append(due, firstW) // a deadline is a deadline
	}
	return due, time.Time{}
}

// tick checks the due waiters, listing for all waiters when that is the
// cheaper way (a list's sightings go to every waiter, those that began
// while it was read included). It returns how many requests it sent.
func (p *poller) tick(ctx context.Context, due []*waiter) int {
	byWaiter := map[string][]*waiter{}
	for _, w := range due {
		byWaiter[w.id] = append(byWaiter[w.id], w)
	}
	// A list costs one request per page of each kind it lists. When
	// fewer notebooks are due than the list would have pages (the end of a
	// big run), one GET each is fewer requests.
	all := p.snapshot()
	kinds := p.kinds(all)
	pages := 0
	for _, f := range kinds {
		pages += max(1, (p.listed[f]+listPageSize-1)/listPageSize)
	}
	// The due ones were on a few pages of the last list, or are new and
	// so at its end (polls list oldest first): read only those pages
	// unless GETs are fewer. (Those pages are never more than a full
	// list's, but for a page's rounding.)
	some, ok := p.pagesOf(byWaiter, all)
	switch {
	case ok && some.cost() <= len(byWaiter):
		return p.pagesFor(ctx, some, byWaiter)
	case len(byWaiter) < pages:
		return p.get(ctx, byWaiter)
	}
	began := time.Now()
	p.listBegan = began
	cost := 0
	byID := map[string]*modelarts.Notebook{}
	listed, pos := map[string]int{}, map[string]spot{}
	for _, f := range kinds {
		live, n, err := p.list(ctx, f)
		cost += n
		if err != nil {
			return cost // the waiters keep waiting; their timeout bounds it
		}
		listed[f] = len(live)
		for i := range live {
			if _, dup := byID[live[i].ID]; !dup {
				byID[live[i].ID] = &live[i]
				pos[live[i].ID] = spot{feature: f, at: i}
			}
		}
	}
	p.listed, p.pos, p.stale = listed, pos, false
	// A wait that began during the list may be for a notebook created
	// after its pages were read: the next tick sees it. One of a kind
	// that was not listed is looked for by the next list.
	missing := p.hand(byID, func(w *waiter) bool {
		return w.since.Before(began) && slices.Contains(kinds, p.kindOf(w))
	})
	return cost + p.get(ctx, p.confirm(missing, cost))
}

// hand gives every waiter whose notebook is in seen its sighting, and
// returns the others that lost says are missing from what was read, by
// notebook.
func (p *poller) hand(seen map[string]*modelarts.Notebook, lost func(*waiter) bool) map[string][]*waiter {
	missing := map[string][]*waiter{}
	for _, w := range p.snapshot() {
		if nb, ok := seen[w.id]; ok {
			c := *nb
			p.deliver(w, observation{nb: &c})
		} else if lost(w) {
			missing[w.id] = append(missing[w.id], w)
		}
	}
	return missing
}

// confirm returns the waiters missing from a list that cost pages requests
// to be looked up one GET each: all of them when that costs no more than
// the list did, else those the list before missed too. The others (a list
// read while notebooks were created or deleted shifts its pages, and can
// miss many) are looked for by the next list, minCheck later.
func (p *poller) confirm(missing map[string][]*waiter, pages int) map[string][]*waiter {
	if len(missing) <= pages {
		return missing
	}
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, ws := range missing {
		again := false
		for _, w := range ws {
			again = again || w.missed
		}
		if again {
			continue
		}
		for _, w := range ws {
			w.missed = true
			w.next = now.Add(minCheck)
		}
		delete(missing, id)
	}
	return missing
}

// kindOf is the kind of w's notebook: as the wait said, else where the
// last list showed it ("": not known).
func (p *poller) kindOf(w *waiter) string {
	if w.feature != "" {
		return w.feature
	}
	if sp, ok := p.pos[w.id]; ok {
		return sp.feature
	}
	return ""
}

// kinds are the kinds of notebooks a list for ws reads, in the order
// modelarts.Features gives: each waiter's, and every kind when one's is
// not known.
func (p *poller) kinds(ws []*waiter) []string {
	want := map[string]bool{}
	for _, w := range ws {
		if k := p.kindOf(w); k != "" {
			want[k] = true
			continue
		}
		for _, f := range modelarts.Features {
			want[f] = true
		}
	}
	var out []string
	for _, f := range modelarts.Features {
		if want[f] {
			out = append(out, f)
			delete(want, f)
		}
	}
	// Then any kind the service named that nbfleet does not know of.
	return append(out, slices.Sorted(maps.Keys(want))...)
}

// somePages is what a poll reads instead of a whole list: the pages that
// held due notebooks in the last list (spots), and the notebooks of each
// kind the run created since (tails: the kind and how many of them to
// read; see pagesOf).
type somePages struct {
	spots []spot
	tails map[string]int
}

// cost is the requests the read is expected to take.
func (s somePages) cost() int {
	n := len(s.spots)
	for _, k := range s.tails {
		n += (k + listPageSize - 1) / listPageSize
	}
	return n
}

// pagesOf returns the fewest pages that hold every due notebook: the pages
// that held it when it was last read, or, for a notebook the run created
// since the last full list began, the tail of its kind's list. Listed
// oldest first, a run's new notebooks follow where the reads ended: a tail
// is the new notebooks up to the last due one, read from there. Before any
// read ended anywhere, it is every new notebook, read newest first. ok is
// false when a due notebook is in neither (missed by the last list, not
// created by the run), a read missed one since the last full list, the
// client cannot read single pages, or a fixed interval polls everyone
// anyway. all are every waiter: the new ones make the tails' length.
func (p *poller) pagesOf(due map[string][]*waiter, all []*waiter) (somePages, bool) {
	var s somePages
	if _, ok := p.api.(pageLister); !ok || p.stale || p.opts.PollInterval > 0 {
		return s, false
	}
	var at []spot
	last := map[string]time.Time{} // per kind, the latest due new waiter's beginning
	for id, ws := range due {
		if sp, ok := p.pos[id]; ok {
			at = append(at, sp)
			continue
		}
		w := ws[0]
		if !p.isNew(w) {
			return s, false
		}
		if f := p.kindOf(w); w.since.After(last[f]) {
			last[f] = w.since
		}
	}
	// A tail's length: where a list ended before, oldest first, the new
	// notebooks up to the last due one; else, newest first, all of them.
	for _, w := range all {
		f := p.kindOf(w)
		if l, tail := last[f]; tail && p.isNew(w) {
			if _, listed := p.listed[f]; !listed || !w.since.After(l) {
				if s.tails == nil {
					s.tails = map[string]int{}
				}
				s.tails[f]++
			}
		}
	}
	slices.SortFunc(at, func(a, b spot) int {
		if c := strings.Compare(a.feature, b.feature); c != 0 {
			return c
		}
		return a.at - b.at
	})
	for _, sp := range at {
		if n := len(s.spots); n == 0 || sp.feature != s.spots[n-1].feature || sp.at >= s.spots[n-1].at+listPageSize {
			s.spots = append(s.spots, sp)
		}
	}
	return s, true
}

// isNew reports whether w waits for a notebook the run created (so among
// the newest of its kind) that no list has shown: created since the last
// full list began, or before any, of a known kind.
func (p *poller) isNew(w *waiter) bool {
	if _, seen := p.pos[w.id]; seen || w.op != plan.StepCreate {
		return false
	}
	return p.kindOf(w) != "" && !w.since.Before(p.listBegan)
}

// pageRef is one page a poll reads: of a kind, at an offset, oldest first
// or (newest) newest first.
type pageRef struct {
	feature string
	at      int
	newest  bool
}

// pagesFor reads the pages of s and hands every waiter whose notebook it
// read a sighting. It remembers where (oldest first) each notebook it read
// is, so a notebook first read in a tail is read on its own page next
// time. Due ones that are not there (the list shifted: a notebook before
// them was deleted) are looked for as a list's missing ones are (confirm),
// and the next poll lists everything. It returns how many requests it
// sent.
func (p *poller) pagesFor(ctx context.Context, s somePages, due map[string][]*waiter) int {
	pl := p.api.(pageLister)
	if p.pos == nil {
		p.pos, p.listed = map[string]spot{}, map[string]int{}
	}
	seen := map[string]*modelarts.Notebook{}
	sent := 0
	// read reads refs and notes where each notebook is; it reports
	// whether every read succeeded, and returns the pages.
	read := func(refs []pageRef) ([]*modelarts.Page, bool) {
		got, err := p.readPages(ctx, pl, refs)
		sent += len(refs)
		if err != nil {
			return nil, false
		}
		for i, r := range refs {
			pg := got[i]
			for j := range pg.Data {
				at := r.at + j
				if r.newest {
					at = pg.Total - 1 - at
				}
				if at < 0 {
					continue // the total shrank while the page was read
				}
				id := pg.Data[j].ID
				seen[id] = &pg.Data[j]
				p.pos[id] = spot{feature: r.feature, at: at}
				p.listed[r.feature] = max(p.listed[r.feature], at+1)
			}
		}
		return got, true
	}
	var refs []pageRef
	for _, sp := range s.spots {
		refs = append(refs, pageRef{feature: sp.feature, at: sp.at})
	}
	// A tail is read oldest first from where the lists ended, or, when
	// no list ended yet, newest first.
	kinds := slices.Sorted(maps.Keys(s.tails))
	lastOf := map[string]int{} // the index in refs of each tail's last page
	for _, f := range kinds {
		end, listed := p.listed[f]
		for at := 0; at < s.tails[f]; at += listPageSize {
			refs = append(refs, pageRef{feature: f, at: end + at, newest: !listed})
			lastOf[f] = len(refs) - 1
		}
	}
	got, ok := read(refs)
	if !ok {
		return sent
	}
	// While a due notebook of the run is still not seen (created while
	// the pages were read, others' notebooks among the run's), read on,
	// twice as many pages each round, up to a short page.
	for _, f := range kinds {
		r := refs[lastOf[f]]
		next, full := r.at+listPageSize, len(got[lastOf[f]].Data) == listPageSize
		for batch := 1; full && next < maxListPages*listPageSize && p.unseenNew(f, due, seen); batch *= 2 {
			var more []pageRef
			for ; len(more) < batch && next < maxListPages*listPageSize; next += listPageSize {
				more = append(more, pageRef{feature: f, at: next, newest: r.newest})
			}
			pages, ok := read(more)
			if !ok {
				return sent
			}
			full = len(pages[len(pages)-1].Data) == listPageSize
		}
	}
	// Every waiter whose notebook was read has a sighting, due or not, as
	// from a full list.
	missing := p.hand(seen, func(w *waiter) bool { _, ok := due[w.id]; return ok })
	p.stale = p.stale || len(missing) > 0 // a full list next time
	return sent + p.get(ctx, p.confirm(missing, sent))
}

// unseenNew reports whether a due waiter of kind f for a notebook the run
// created is not among seen.
func (p *poller) unseenNew(f string, due map[string][]*waiter, seen map[string]*modelarts.Notebook) bool {
	for id, ws := range due {
		if _, ok := seen[id]; !ok && p.kindOf(ws[0]) == f && ws[0].op == plan.StepCreate {
			return true
		}
	}
	return false
}

// deliver hands w a sighting and moves its schedule; a waiter seen
// leaving a transition teaches the poller its step's transition time.
func (p *poller) deliver(w *waiter, o observation) { p.deliverAt(w, o, time.Now()) }

func (p *poller) deliverAt(w *waiter, o observation, now time.Time) {
	p.mu.Lock()
	waited := now.Sub(w.since)
	if o.gone || !transitional(o.nb.Status) {
		if w.moving > 0 {
			// It ended between the last two sightings. A sighting held
			// up past its deadline (a spent per-minute window, a busy
			// limiter) says little: credit it with the deadline.
			d := min(waited, p.deadline(w).Sub(w.since))
			if f, known := p.fastest[w.op]; !known || d < f {
				p.fastest[w.op] = d
			}
			if u, known := p.under[w.op]; !known || w.moving < u {
				p.under[w.op] = w.moving
			}
		} else if _, known := p.fastest[w.op]; !known {
			// Done when first seen (its poll was held up past the
			// transition): nothing to learn. The waiters that began
			// before it was due to be checked were held up with it
			// and may be done too: each is checked on its own
			// schedule now. Those that began later have a stand-in
			// again.
			due := p.deadline(w)
			for v := range p.waiters {
				if v.op == w.op && !v.since.After(due) {
					v.own = true
				}
			}
		}
	} else {
		w.moving = max(waited, time.Nanosecond)
	}
	w.missed = false
	p.checked(w, now)
	p.mu.Unlock()
	w.send(o)
}

func (p *poller) isQuiet() bool { return p.quiet != nil && p.quiet() }

// list lists the notebooks of one kind in one pass: page after page, or,
// when the run is quiet, every page at once (through API.List when the
// client cannot read single pages). It returns them and the requests it
// sent.
func (p *poller) list(ctx context.Context, feature string) ([]modelarts.Notebook, int, error) {
	opts := modelarts.ListOptions{WorkspaceID: p.opts.WorkspaceID, Feature: feature, SortDir: pollSortDir}
	pl, ok := p.api.(pageLister)
	if !ok {
		live, err := p.api.List(ctx, opts)
		return live, max(1, (len(live)+listPageSize-1)/listPageSize), err
	}
	// One pass, not List's: a poll needs no complete list (a waiter it
	// misses is looked for again), and while notebooks are still being
	// created List would page again and again after every total that grew.
	first, err := pl.ListPage(ctx, opts, 0, listPageSize)
	if err != nil {
		return nil, 1, err
	}
	if len(first.Data) < listPageSize || first.Total <= listPageSize {
		return first.Data, 1, nil
	}
	var refs []pageRef
	for at := listPageSize; at < first.Total && len(refs) < maxListPages; at += listPageSize {
		refs = append(refs, pageRef{feature: feature, at: at})
	}
	pages, err := p.readPages(ctx, pl, refs)
	if err != nil {
		return nil, 1 + len(refs), err
	}
	seen := map[string]bool{}
	var out []modelarts.Notebook
	for _, pg := range append([]*modelarts.Page{first}, pages...) {
		for _, nb := range pg.Data {
			if nb.ID != "" && !seen[nb.ID] {
				seen[nb.ID] = true
				out = append(out, nb)
			}
		}
	}
	return out, 1 + len(refs), nil
}

// readPages reads each page: one page at a time while other
// changes still make calls, up to eight at once as soon as the run is
// quiet, asked before each page. A list begun while the last creates went
// out is most of the end of a big run: read one page at a time it took
// seconds after the last create returned.
func (p *poller) readPages(ctx context.Context, pl pageLister, refs []pageRef) ([]*modelarts.Page, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		err   error // the first failure; it cancels ctx
		slot  = make(chan struct{}, 8)
		pages = make([]*modelarts.Page, len(refs))
	)
	for i, r := range refs {
		if !p.isQuiet() {
			wg.Wait() // one at a time
		}
		select {
		case slot <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-slot }()
			opts := modelarts.ListOptions{WorkspaceID: p.opts.WorkspaceID, Feature: r.feature, SortDir: pollSortDir}
			if r.newest {
				opts.SortDir = "DESC"
			}
			pg, e := pl.ListPage(ctx, opts, r.at, listPageSize)
			if e != nil {
				mu.Lock()
				err = cmp.Or(err, e)
				mu.Unlock()
				cancel()
				return
			}
			pages[i] = pg
		})
	}
	wg.Wait()
	if err == nil {
		err = ctx.Err()
	}
	return pages, err
}

// get sends one GET per notebook id, hands the answers to its waiters and
// returns how many requests it sent.
func (p *poller) get(ctx context.Context, missing map[string][]*waiter) int {
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
				p.deliver(w, o)
			}
			return nil
		})
	}
	g.Wait()
	return len(missing)
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
