package modelarts

import (
	"context"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter paces the requests of one or more clients. It has two modes:
//
//   - fixed (NewLimiter): at most R requests per second; a 429 blocks every
//     caller until its Retry-After has passed but does not change R;
//   - adaptive (NewAdaptiveLimiter): starts at a moderate rate and
//     multiplies it by four every second that callers wait for it ("slow
//     start") until the first 429; then it sets the rate to the throughput
//     that succeeded during the last half second outside any Retry-After
//     block (95 % of it after later 429s; always within 50–95 % of the
//     current rate), sends evenly (burst 1), and from there adds 1 request/s
//     for every second that callers wait for it, but only 0.1 request/s per
//     second within 3 % of the throughput seen at the last 429, so it
//     converges fast and oscillates little. A 429 also blocks every caller
//     until its Retry-After has passed, with no burst saved up for its end;
//     the 429s of requests sent before that are one episode and lower the
//     rate once.
//
// A Limiter is safe for concurrent use.
type Limiter struct {
	mu       sync.Mutex
	lim      *rate.Limiter
	now      func() time.Time
	adaptive bool
	slow     bool // adaptive slow start: before the first throttle
	cur      float64
	min, max float64

	ceiling      float64   // throughput observed at the last throttle
	lastBusy     time.Time // a caller last had to wait for the rate
	blockedUntil time.Time
	lastUnblock  time.Time // when the last Retry-After block ends
	lastDecrease time.Time

	// successes per 100 ms slot over the last second
	ring     [10]int
	ringSlot int64

	stats LimiterStats
}

// LimiterStats are a Limiter's counters.
type LimiterStats struct {
	Rate      float64 // current requests per second (0: unlimited)
	Successes int64   // answers that were not 429
	Throttles int64   // 429 answers
	Decreases int64   // adaptive rate decreases
}

// LimiterOptions configure an adaptive Limiter. Zero fields take defaults:
// Start 50, Min 1, Max 500 requests per second, Now time.Now.
type LimiterOptions struct {
	Start, Min, Max float64
	Now             func() time.Time
}

// NewLimiter returns a fixed limiter of r requests per second; r ≤ 0 means
// no limit (429s still block callers until Retry-After).
func NewLimiter(r float64) *Limiter {
	l := &Limiter{now: time.Now, cur: r, max: r}
	if r <= 0 {
		l.cur, l.max = 0, 0
		l.lim = rate.NewLimiter(rate.Inf, 1)
		return l
	}
	l.lim = rate.NewLimiter(rate.Limit(r), burstFor(r))
	return l
}

// NewAdaptiveLimiter returns an adaptive limiter (the client's default).
func NewAdaptiveLimiter(o LimiterOptions) *Limiter {
	if o.Start <= 0 {
		o.Start = 50
	}
	if o.Min <= 0 {
		o.Min = 1
	}
	if o.Max <= 0 {
		o.Max = 500
	}
	if o.Max < o.Min {
		o.Max = o.Min
	}
	o.Start = math.Min(math.Max(o.Start, o.Min), o.Max)
	if o.Now == nil {
		o.Now = time.Now
	}
	l := &Limiter{now: o.Now, adaptive: true, slow: true, cur: o.Start, min: o.Min, max: o.Max}
	l.lim = rate.NewLimiter(rate.Limit(o.Start), burstFor(o.Start))
	return l
}

func burstFor(r float64) int {
	return max(1, int(r/10))
}

// Rate returns the current rate in requests per second (0: unlimited).
func (l *Limiter) Rate() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cur
}

// Stats returns the limiter's counters.
func (l *Limiter) Stats() LimiterStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.stats
	s.Rate = l.cur
	return s
}

// SetRate sets the current rate; for a fixed limiter it is the new cap, for
// an adaptive one the rate it continues adapting from (within its bounds).
func (l *Limiter) SetRate(r float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.adaptive {
		l.max = r
	}
	l.setLocked(r)
}

func (l *Limiter) setLocked(r float64) {
	if l.adaptive {
		r = math.Min(math.Max(r, l.min), l.max)
	}
	if r <= 0 {
		l.cur = 0
		l.lim.SetLimit(rate.Inf)
		return
	}
	l.cur = r
	l.lim.SetLimit(rate.Limit(r))
	if l.adaptive && !l.slow {
		// Near the service's limit, send almost evenly: its bucket is
		// small, and a burst on top of a full rate earns a 429 and with
		// it a whole Retry-After for every caller.
		l.lim.SetBurst(1)
		return
	}
	l.lim.SetBurst(burstFor(r))
}

// Wait blocks until the caller may send one request: after any Retry-After
// block has passed, at the current rate. It returns ctx's error if ctx ends
// first. Waiters poll in short steps rather than holding reservations, so a
// rate change or a block applies at once to everyone already waiting.
func (l *Limiter) Wait(ctx context.Context) error {
	for {
		l.mu.Lock()
		d := l.blockedUntil.Sub(l.now())
		l.mu.Unlock()
		if d <= 0 {
			if l.lim.Allow() {
				return nil
			}
			l.markBusy()
			lim := float64(l.lim.Limit())
			need := math.Max(0, 1-l.lim.Tokens())
			d = time.Duration(need / lim * float64(time.Second))
			d = min(d, 10*time.Millisecond)
			d = d/2 + time.Duration(rand.Int64N(int64(d/2)+1)) + 100*time.Microsecond
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// markBusy notes that a caller had to wait for the rate: only then does
// the adaptive rate grow.
func (l *Limiter) markBusy() {
	l.mu.Lock()
	l.lastBusy = l.now()
	l.mu.Unlock()
}

// advance moves the success ring to now and returns the current slot.
func (l *Limiter) advance(now time.Time) int64 {
	slot := now.UnixNano() / int64(100*time.Millisecond)
	if d := slot - l.ringSlot; d >= int64(len(l.ring)) || d < 0 {
		l.ring = [10]int{}
	} else {
		for s := l.ringSlot + 1; s <= slot; s++ {
			l.ring[s%int64(len(l.ring))] = 0
		}
	}
	l.ringSlot = slot
	return slot
}

// OnSuccess records an answer that was not throttled.
func (l *Limiter) OnSuccess() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stats.Successes++
	slot := l.advance(l.now())
	l.ring[slot%int64(len(l.ring))]++
	if !l.adaptive || l.cur >= l.max {
		return
	}
	// Grow only while the rate is what holds callers back.
	if l.lastBusy.IsZero() || l.now().Sub(l.lastBusy) > time.Second {
		return
	}
	switch {
	case l.slow:
		l.setLocked(l.cur + 3) // +3 per success: ×4 every second
	case l.cur < 0.97*l.ceiling:
		l.setLocked(l.cur + 1/l.cur) // +1 req/s per second
	default:
		l.setLocked(l.cur + 0.1/l.cur) // near the last throttle: probe slowly
	}
}

// OnThrottle records a 429 answer with its Retry-After (0 when absent):
// every caller waits until it has passed, and an adaptive limiter lowers
// its rate, at most once per Retry-After plus 250 ms.
func (l *Limiter) OnThrottle(retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.stats.Throttles++
	// One decrease per episode: an episode ends when its Retry-After
	// block has passed; the 429s of requests sent before belong to it.
	newEpisode := !now.Before(l.blockedUntil) &&
		(l.lastDecrease.IsZero() || now.Sub(l.lastDecrease) >= 250*time.Millisecond)
	// Measure before this block counts as the last one.
	obs := 0.0
	if l.adaptive && newEpisode {
		l.advance(now)
		obs = l.recent(now)
	}
	if until := now.Add(retryAfter); until.After(l.blockedUntil) {
		l.blockedUntil = until
		// Leave no burst saved up for the end of the block: a burst then
		// finds the service's bucket just as drained and earns a 429,
		// and with it another whole Retry-After.
		if retryAfter > 0 && l.cur > 0 {
			l.lim.ReserveN(until, l.lim.Burst())
		}
	}
	if !l.adaptive || !newEpisode {
		return
	}
	l.lastUnblock = l.blockedUntil
	l.lastDecrease = now
	l.stats.Decreases++
	var next float64
	switch {
	case obs > 0:
		// The throughput admitted just before the 429 is the service's
		// limit, seen from here: settle a little under it.
		next = math.Min(math.Max(0.95*obs, 0.5*l.cur), 0.95*l.cur)
		l.ceiling = obs
		if l.slow {
			// Slow start overshoots by little: its last half second is
			// about the limit.
			next = math.Min(math.Max(obs, 0.5*l.cur), 0.95*l.cur)
			l.ceiling = next
		}
	case l.slow:
		next = 0.5 * l.cur
		l.ceiling = next
	default:
		next = 0.7 * l.cur
	}
	l.slow = false
	l.setLocked(next)
}

// recent estimates the admitted throughput in requests per second from
// the successes of the last half second, leaving out the time callers were
// held by a Retry-After (a second of nothing would halve the estimate). It
// returns 0 when less than 200 ms are left to measure.
func (l *Limiter) recent(now time.Time) float64 {
	const slot = 100 * time.Millisecond
	from := now.Add(-500 * time.Millisecond)
	if l.lastUnblock.After(from) {
		from = l.lastUnblock
	}
	span := now.Sub(from)
	if span < 200*time.Millisecond {
		return 0
	}
	cur := now.UnixNano() / int64(slot)
	first := from.UnixNano() / int64(slot)
	n := 0
	for s := max(first, cur-int64(len(l.ring))+1); s <= cur; s++ {
		n += l.ring[s%int64(len(l.ring))]
	}
	// Whole slots were counted: measure over them.
	span = now.Sub(time.Unix(0, first*int64(slot)))
	return float64(n) / span.Seconds()
}
