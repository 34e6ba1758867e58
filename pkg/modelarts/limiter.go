package modelarts

import (
	"context"
	"math"
	"math/rand/v2"
	"regexp"
	"sort"
	"strconv"
	"sync"
	"time"
)

// Limiter paces the requests of one or more clients so that they stay
// within the service's request budget, whatever that budget is.
//
// The API gateway throttles with budgets: at most N requests per window,
// the window a second or a minute (APIG.0308 says which: "…limit:N,time:1
// minute"). The Limiter keeps one budget per window it has heard of and
// sends a request only when every budget allows it:
//
//   - a per-second budget of n is spent evenly, one request every 1/n s: a
//     gateway enforces it with buckets much smaller than a second's worth
//     (the emulator's holds a tenth), so bunched requests are refused;
//   - a longer budget of n per window w is counted: a request is sent when
//     fewer than n answers arrived in the last w (and are in flight). That
//     is safe against fixed and sliding windows of any phase, because an
//     answer arrives after the gateway counted its request, and it spends a
//     minute's budget at once when a run needs less than that.
//
// Before the first throttle there is no per-second budget: requests are
// bounded only by the in-flight window of Concurrency, which starts at 16
// and grows by one with every answer (it doubles every round trip, as TCP's
// slow start), so the limit is found within a few round trips. What that
// first throttle measures is a ramp, so until a budget is cut while paced
// (or to a stated limit) it regrows by δ every window rather than every K;
// so does a budget below (1−δ) of a stated limit (cut for jitter, or for a
// share of the limit that others have since given back).
//
// Every budget is learnt by one rule, and that rule is why it converges. A
// 429 means the gateway's window is full: an APIG.0308 answer may state the
// limit (S), and the requests the gateway admitted in the last window are
// its limit for this client (A, measured from the answers, and only over a
// span in which callers waited for the budget — else it measures the work,
// not the gateway). On a 429 the budget n becomes (1−δ)·min(S, A, n): S
// caps a measurement inflated by the gateway's burst (and is the whole
// answer while sending above it); A is what is left when other clients
// share a stated limit; n itself when the gateway admitted about the budget
// (it just crossed the limit, or requests bunched). The 429s of requests
// sent before that cut, or within a round trip after it, belong to the same
// episode and change nothing. While the budget is what holds callers back,
// every answer adds δ/K requests to it, so it grows by δ over K windows: a
// raised limit is found, and a limit that did not move costs one throttle
// episode (about one 429) every K windows. Hence, for a limit L:
//
//   - the budget stays within [(1−δ)·L, L]: each 429 re-measures L from
//     below, and growth stops at the next 429 — so the mean is about
//     (1−δ/2)·L, 98.5 % of L with δ = 3 %, less the refused request of
//     each episode (one in K·L: 2.5 % at the smallest limit), ≥ 95 %;
//   - at most one 429 per K windows of at least L·K requests: with K = 20
//     and the smallest limit worth a budget (2 per second) that is one
//     request in 40, under 3 %;
//   - a limit that falls is followed at its first 429, one that rises
//     within ln(L'/L)/ln(1+δ/K) windows (a doubled per-second limit in
//     under eight minutes).
//
// A Retry-After is for the call that received it (the client's retry waits
// it, but for a first throttle of a second's budget, which the pace
// serves: Client.backoff). Only a long window's Retry-After holds every
// caller, because such a window, once spent, refuses everything until it
// ends.
//
// A Limiter is safe for concurrent use.
type Limiter struct {
	mu       sync.Mutex
	now      func() time.Time
	adaptive bool
	max      float64 // cap in requests per second (0: none)
	min      float64 // floor of the per-second budget
	maxIn    int

	short *budget   // the per-second budget, paced (nil: none yet)
	long  []*budget // longer windows, counted
	tat   time.Time // when the next paced request may go

	// answers is a ring of the times of admitted answers, oldest first,
	// long enough to measure and count the longest window.
	answers  []time.Time
	head, n  int
	started  time.Time // the first answer: how long the log covers
	inflight int
	window   int             // slow start's in-flight window
	latency  time.Duration   // mean time from send to answer (EWMA)
	blocked  time.Time       // a long window's Retry-After holds everyone
	line     []chan struct{} // callers in Wait, first come first

	stats LimiterStats
}

// budget is at most n requests per window w.
type budget struct {
	w      time.Duration
	n      float64
	stated float64   // the limit APIG.0308 stated (0: none)
	cut    time.Time // n was last lowered: earlier requests' 429s are that episode
	busy   time.Time // a caller last waited for this budget
	// since is when the callers began to wait for it without a break
	// longer than its window: what it admitted since then measures the
	// gateway, not the work.
	since time.Time
	// measured: n was cut while paced, or to a stated limit. Until then
	// (a cut from slow start measured a ramp) it regrows K times faster.
	measured bool
}

// The learning rule's constants (see Limiter): δ is the cut below the
// measured limit, K the windows over which the budget grows back by δ.
const (
	cutBelow    = 0.03
	regrowOver  = 20.0
	startWindow = 16 // slow start's first in-flight window
)

// LimiterStats are a Limiter's counters.
type LimiterStats struct {
	Rate      float64 // per-second budget (0: none, requests are not paced)
	Successes int64   // answers that were not 429
	Throttles int64   // 429 answers
	Decreases int64   // budget cuts (throttle episodes)
}

// LimiterOptions configure an adaptive Limiter. Zero fields take defaults.
type LimiterOptions struct {
	// Max caps the per-second rate (0: no cap). A capped limiter starts
	// paced at Max instead of in slow start.
	Max float64
	// Min is the smallest per-second budget it cuts to (default 1).
	Min float64
	// MaxInFlight bounds Concurrency (default 256): the memory bound of
	// the requests a client keeps in flight.
	MaxInFlight int
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// NewLimiter returns a fixed limiter of r requests per second, sent evenly;
// r ≤ 0 means no limit. It learns nothing from 429s, except that a long
// window's Retry-After holds every caller.
func NewLimiter(r float64) *Limiter {
	l := &Limiter{now: time.Now, max: math.Max(r, 0), maxIn: 256, window: 256}
	if r > 0 {
		l.short = &budget{w: time.Second, n: r}
	}
	return l
}

// NewAdaptiveLimiter returns a limiter that learns the service's budgets
// (the client's default).
func NewAdaptiveLimiter(o LimiterOptions) *Limiter {
	if o.Min <= 0 {
		o.Min = 1
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = 256
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	l := &Limiter{now: o.Now, adaptive: true, max: math.Max(o.Max, 0), min: o.Min, maxIn: o.MaxInFlight, window: startWindow}
	if l.max > 0 {
		l.short = &budget{w: time.Second, n: l.max}
	}
	return l
}

// minBudget is the floor of budget b: Min per second, one per longer
// window.
func (l *Limiter) minBudget(b *budget) float64 {
	if b.w <= time.Second {
		return l.min * b.w.Seconds()
	}
	return 1
}

// Rate returns the per-second budget in requests per second (0: requests
// are not paced).
func (l *Limiter) Rate() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rateLocked()
}

func (l *Limiter) rateLocked() float64 {
	if l.short == nil {
		return 0
	}
	return l.short.n / l.short.w.Seconds()
}

// Sustained returns the rate in requests per second that every budget
// allows over its window: the least of n/w over the per-second and the
// longer budgets (0: none is known, requests are not paced). A share of it
// is what a caller may spend on requests that can wait (polls) while
// others are held by the budgets.
func (l *Limiter) Sustained() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.rateLocked()
	for _, b := range l.long {
		if b.n <= 0 {
			continue
		}
		if lr := b.n / b.w.Seconds(); r == 0 || lr < r {
			r = lr
		}
	}
	return r
}

// Stats returns the limiter's counters.
func (l *Limiter) Stats() LimiterStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.stats
	s.Rate = l.rateLocked()
	return s
}

// Concurrency is how many requests a caller should keep in flight to use
// the budget fully: the per-second budget times the mean latency (Little's
// law), doubled, plus two; in slow start the in-flight window. Never more
// than MaxInFlight.
func (l *Limiter) Concurrency() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.short == nil {
		return min(l.window, l.maxIn)
	}
	lat := l.latency
	if lat <= 0 {
		lat = 100 * time.Millisecond
	}
	c := int(math.Ceil(l.rateLocked()*lat.Seconds()*2)) + 2
	return max(1, min(c, l.maxIn))
}

// Ticket is a request Wait let through; report its answer with Done.
type Ticket struct{ sent time.Time }

// Outcome is how the service answered one request.
type Outcome struct {
	// Throttled is a 429 (or APIG.0308) answer.
	Throttled bool
	// Window and Limit are what a throttling answer stated ("limit:N,
	// time:1 minute"): zero when it stated nothing.
	Window time.Duration
	Limit  float64
	// RetryAfter is the answer's Retry-After (0: none).
	RetryAfter time.Duration
	// Lost is a request that got no answer at all: it counts against the
	// budgets (the gateway may have counted it) but teaches nothing.
	Lost bool
}

// Paces reports whether the Limiter paces every request at the budget
// throttling answer o states, from when it is reported to Done: o states a
// budget of a second or less and the Limiter learns budgets. Then a retry
// of the throttled call need not wait o's Retry-After (whole seconds) but
// only its turn. A fixed Limiter learns nothing from o.
func (l *Limiter) Paces(o Outcome) bool {
	return l.adaptive && o.Throttled && o.Limit > 0 && o.Window > 0 && o.Window <= time.Second
}

// Wait blocks until one request may be sent and returns its ticket, or
// ctx's error if ctx ends first. Callers are let through in the order they
// came (a long queue at a spent per-minute window starves no one); the
// first in line polls in short steps, so a cut applies at once.
func (l *Limiter) Wait(ctx context.Context) (Ticket, error) {
	me := make(chan struct{}, 1)
	l.mu.Lock()
	l.line = append(l.line, me)
	l.mu.Unlock()
	defer l.leave(me)
	for {
		d := 10 * time.Millisecond
		l.mu.Lock()
		if l.line[0] == me {
			t, wait := l.admitLocked()
			if wait == 0 {
				l.mu.Unlock()
				return t, nil
			}
			d = min(wait, d)
			d = d/2 + time.Duration(rand.Int64N(int64(d/2)+1)) + 50*time.Microsecond
		} else {
			d = 50 * time.Millisecond // until the line moves
		}
		l.mu.Unlock()
		tm := time.NewTimer(d)
		select {
		case <-ctx.Done():
			tm.Stop()
			return Ticket{}, ctx.Err()
		case <-me:
		case <-tm.C:
		}
		tm.Stop()
	}
}

// leave takes me out of the line and tells the new first in line.
func (l *Limiter) leave(me chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, c := range l.line {
		if c == me {
			l.line = append(l.line[:i], l.line[i+1:]...)
			if i == 0 && len(l.line) > 0 {
				select {
				case l.line[0] <- struct{}{}:
				default:
				}
			}
			return
		}
	}
}

// admit lets one request through now (a zero delay) or says how long to
// wait before asking again.
func (l *Limiter) admit() (Ticket, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.admitLocked()
}

func (l *Limiter) admitLocked() (Ticket, time.Duration) {
	now := l.now()
	if d := l.blocked.Sub(now); d > 0 {
		return Ticket{}, d
	}
	for _, b := range l.long {
		if d := l.longDelay(b, now); d > 0 {
			b.held(now)
			return Ticket{}, d
		}
	}
	if b := l.short; b != nil {
		interval := time.Duration(float64(b.w) / b.n)
		tolerance := min(interval/4, 2*time.Millisecond)
		if l.tat.Before(now.Add(-tolerance)) {
			l.tat = now.Add(-tolerance)
		}
		if d := l.tat.Sub(now); d > 0 {
			b.held(now)
			return Ticket{}, d
		}
		l.tat = l.tat.Add(interval)
	}
	l.inflight++
	return Ticket{sent: now}, 0
}

// held notes that a caller waits for b at now.
func (b *budget) held(now time.Time) {
	if now.Sub(b.busy) > b.w {
		b.since = now
	}
	b.busy = now
}

// longDelay is how long until long budget b admits one more request.
func (l *Limiter) longDelay(b *budget, now time.Time) time.Duration {
	room := int(math.Floor(b.n)) - l.inflight
	if room <= 0 {
		return 10 * time.Millisecond // an answer must free a place first
	}
	from := now.Add(-b.w)
	i := l.firstAfter(from)
	count := l.n - i
	if count < room {
		return 0
	}
	// The (count-room)-th oldest answer of the window must leave it.
	return l.at(i+count-room).Add(b.w).Sub(now) + time.Millisecond
}

// at returns the i-th oldest logged answer.
func (l *Limiter) at(i int) time.Time { return l.answers[(l.head+i)%len(l.answers)] }

// firstAfter returns the index of the oldest logged answer at or after t.
func (l *Limiter) firstAfter(t time.Time) int {
	return sort.Search(l.n, func(i int) bool { return !l.at(i).Before(t) })
}

// countSince counts the logged answers at or after t.
func (l *Limiter) countSince(t time.Time) int { return l.n - l.firstAfter(t) }

// record logs an admitted answer, growing the ring to hold the longest
// window's worth (at most 1<<16 answers).
func (l *Limiter) record(now time.Time) {
	if l.started.IsZero() {
		l.started = now
	}
	if l.n == len(l.answers) {
		if l.n < 1<<16 {
			grown := make([]time.Time, max(64, 2*l.n))
			for i := range l.n {
				grown[i] = l.at(i)
			}
			l.answers, l.head = grown, 0
		} else {
			l.head = (l.head + 1) % len(l.answers)
			l.n--
		}
	}
	l.answers[(l.head+l.n)%len(l.answers)] = now
	l.n++
	// Forget what no budget will count again.
	keep := time.Second
	for _, b := range l.long {
		keep = max(keep, b.w)
	}
	for l.n > 0 && now.Sub(l.at(0)) > keep+time.Minute {
		l.head = (l.head + 1) % len(l.answers)
		l.n--
	}
}

// Done reports the answer to a request Wait let through.
func (l *Limiter) Done(t Ticket, o Outcome) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.inflight = max(0, l.inflight-1)
	if o.Lost {
		l.record(now)
		return
	}
	if lat := now.Sub(t.sent); lat > 0 {
		if l.latency == 0 {
			l.latency = lat
		} else {
			l.latency += (lat - l.latency) / 8
		}
	}
	if !o.Throttled {
		l.stats.Successes++
		l.record(now)
		l.grow(now)
		return
	}
	l.stats.Throttles++
	w := o.Window
	if w <= 0 {
		w = time.Second
	}
	if w > time.Second && o.RetryAfter > 0 && now.Add(o.RetryAfter).After(l.blocked) {
		l.blocked = now.Add(o.RetryAfter)
	}
	if !l.adaptive {
		return
	}
	b := l.budgetFor(w)
	if o.Limit > 0 {
		b.stated = o.Limit
	}
	if !t.sent.After(b.cut.Add(l.latency)) {
		// The episode the last cut answered: the request was sent before
		// the cut, or so soon after it that it met the gateway still full
		// of the requests sent before.
		return
	}
	// (1−δ)·min(S, A). A 429 while sending above a stated limit (or in
	// slow start, unpaced) measures nothing new: S is the limit. Below
	// it, A counts only when callers waited for the budget for the whole
	// span it is measured over (else it measures the work, not the
	// gateway): when the gateway admitted about the budget, the budget
	// just crossed the limit (or requests bunched): n is the limit; when
	// it admitted less, others share the limit: A is what is left.
	target := b.n
	if span := l.span(b, now); b.n > 0 && !b.since.IsZero() && now.Sub(b.since) >= span && now.Sub(b.busy) <= b.w {
		if a := l.admitted(b, now, span); a < (1-cutBelow)*b.n {
			target = a
		}
	}
	if b.n <= 0 {
		target = l.admitted(b, now, l.span(b, now))
	}
	if b.stated > 0 && (b.n <= 0 || b.n >= b.stated) {
		target = b.stated
	} else if b.stated > 0 {
		target = math.Min(target, b.stated)
	}
	if b == l.short && b.n <= 0 {
		// Slow start's burst drained the gateway's bucket: the first
		// paced request waits an interval.
		l.tat = now.Add(time.Duration(float64(b.w) / max(target, 1)))
	}
	b.measured = b.measured || b.n > 0 || b.stated > 0
	b.n = math.Max((1-cutBelow)*target, l.minBudget(b))
	b.cut = now
	l.stats.Decreases++
}

// budgetFor returns the budget of window w, making it on first use.
func (l *Limiter) budgetFor(w time.Duration) *budget {
	if w <= time.Second {
		if l.short == nil {
			l.short = &budget{w: time.Second}
		}
		return l.short
	}
	for _, b := range l.long {
		if b.w == w {
			return b
		}
	}
	b := &budget{w: w}
	l.long = append(l.long, b)
	sort.Slice(l.long, func(i, j int) bool { return l.long[i].w < l.long[j].w })
	return b
}

// span is what a measurement of budget b covers: a longer window is
// counted whole; a second is measured over at least a second and twenty
// answers at its budget (at most ten seconds), or, in slow start, over the
// last round trip (the ramp before it says nothing of the limit). Never
// more than the log holds.
func (l *Limiter) span(b *budget, now time.Time) time.Duration {
	if b.w > time.Second {
		return b.w
	}
	span := time.Second
	switch {
	case b.n > 0:
		span = min(max(span, time.Duration(20/b.n*float64(b.w))), 10*time.Second)
	case l.latency > 0:
		span = max(l.latency, 20*time.Millisecond)
	}
	if !l.started.IsZero() && now.Sub(l.started) < span {
		span = max(now.Sub(l.started), 20*time.Millisecond)
	}
	return span
}

// admitted measures how many requests the gateway admitted per window of
// budget b in the span before now (a fixed window that began with this
// client admitted exactly what it counts).
func (l *Limiter) admitted(b *budget, now time.Time, span time.Duration) float64 {
	n := float64(l.countSince(now.Add(-span)))
	if b.w > time.Second {
		return n
	}
	return n * float64(b.w) / float64(span)
}

// grow adds δ/K requests to every budget that held a caller back within
// its window.
func (l *Limiter) grow(now time.Time) {
	if l.short == nil {
		l.window = min(l.window+1, l.maxIn)
	}
	if !l.adaptive {
		return
	}
	for _, b := range append([]*budget{l.short}, l.long...) {
		if b == nil || b.n <= 0 || now.Sub(b.busy) > b.w {
			continue
		}
		if b.measured && (b.stated <= 0 || b.n >= (1-cutBelow)*b.stated) {
			b.n += cutBelow / regrowOver
		} else {
			// Below what a stated limit allows (a cut for jitter, or a
			// share that grew back), or never measured: regrow by δ
			// every window; probing past the limit stays slow.
			b.n += cutBelow
		}
		if l.max > 0 && b.w <= time.Second {
			b.n = math.Min(b.n, l.max*b.w.Seconds())
		}
	}
}

// throttleRE reads APIG.0308's "limit:N,time:1 minute" (also second, hour,
// day; a number of units).
var throttleRE = regexp.MustCompile(`limit:\s*([0-9]+(?:\.[0-9]+)?)\s*,\s*time:\s*([0-9]+)\s*(second|minute|hour|day)`)

// ParseThrottle reads the limit and window an APIG.0308 message states,
// e.g. "The throttling threshold has been reached: policy user over
// ratelimit,limit:600,time:1 minute" → 600, 1m. It returns zeros when the
// message states none.
func ParseThrottle(msg string) (limit float64, window time.Duration) {
	m := throttleRE.FindStringSubmatch(msg)
	if m == nil {
		return 0, 0
	}
	limit, _ = strconv.ParseFloat(m[1], 64)
	k, _ := strconv.Atoi(m[2])
	unit := map[string]time.Duration{"second": time.Second, "minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour}[m[3]]
	if limit <= 0 || k <= 0 {
		return 0, 0
	}
	return limit, time.Duration(k) * unit
}
