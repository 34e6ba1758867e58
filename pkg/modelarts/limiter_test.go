package modelarts

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func (f *fakeClock) now() time.Time      { return f.t }
func (f *fakeClock) add(d time.Duration) { f.t = f.t.Add(d) }
func newFakeClock() *fakeClock           { return &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

// gateway is a simulated throttling gateway: it decides each request on
// its arrival.
type gateway interface {
	arrive(t time.Time) (ok bool, o Outcome)
}

// bucketGateway is a per-second limit as the emulator has it: a token
// bucket of rate per second, burst deep.
type bucketGateway struct {
	rate, burst, tokens float64
	last                time.Time
	state, retryAfter   bool
}

func (g *bucketGateway) arrive(t time.Time) (bool, Outcome) {
	if g.last.IsZero() {
		g.tokens, g.last = g.burst, t
	}
	g.tokens = math.Min(g.burst, g.tokens+t.Sub(g.last).Seconds()*g.rate)
	g.last = t
	if g.tokens >= 1 {
		g.tokens--
		return true, Outcome{}
	}
	o := Outcome{Throttled: true}
	if g.state {
		o.Limit, o.Window = g.rate, time.Second
	}
	if g.retryAfter {
		o.RetryAfter = time.Second
	}
	return false, o
}

// windowGateway is a per-minute limit: fixed windows from the first request.
type windowGateway struct {
	n          int
	start      time.Time
	count      int
	retryAfter bool
}

func (g *windowGateway) arrive(t time.Time) (bool, Outcome) {
	if g.start.IsZero() {
		g.start = t
	}
	for t.Sub(g.start) >= time.Minute {
		g.start, g.count = g.start.Add(time.Minute), 0
	}
	if g.count < g.n {
		g.count++
		return true, Outcome{}
	}
	o := Outcome{Throttled: true, Limit: float64(g.n), Window: time.Minute}
	if g.retryAfter {
		o.RetryAfter = g.start.Add(time.Minute).Sub(t)
	}
	return false, o
}

// tally counts what a simulation sent between two times.
type tally struct{ sent, ok, throttled int }

// simulate drives l against gw for dur on a fake clock: callers always
// have work (every throttled request is simply another to send), they keep
// l.Concurrency() requests in flight, and each answer comes lat after its
// request. It calls at(t) once a simulated second and returns the tally of
// [from, dur). No real time passes.
func simulate(l *Limiter, clk *fakeClock, gw gateway, lat, dur, from time.Duration, at func(time.Duration)) tally {
	type answer struct {
		due time.Time
		t   Ticket
		o   Outcome
	}
	start := clk.t
	var q []answer
	var tl tally
	next := time.Duration(0)
	for clk.t.Sub(start) < dur {
		el := clk.t.Sub(start)
		if at != nil && el >= next {
			at(el)
			next += time.Second
		}
		for len(q) > 0 && !q[0].due.After(clk.t) {
			l.Done(q[0].t, q[0].o)
			q = q[1:]
		}
		wake := clk.t.Add(time.Second)
		for len(q) < l.Concurrency() {
			t, d := l.admit()
			if d > 0 {
				wake = clk.t.Add(d)
				break
			}
			ok, o := gw.arrive(clk.t.Add(lat / 2))
			if el >= from {
				tl.sent++
				if ok {
					tl.ok++
				} else {
					tl.throttled++
				}
			}
			q = append(q, answer{due: clk.t.Add(lat), t: t, o: o})
		}
		if len(q) > 0 && q[0].due.Before(wake) {
			wake = q[0].due
		}
		if n := start.Add(next); n.Before(wake) && at != nil {
			wake = n
		}
		clk.t = wake
	}
	return tl
}

func (tl tally) check(t *testing.T, limit float64, span time.Duration) {
	t.Helper()
	reached := float64(tl.ok) / (limit * span.Seconds())
	throttled := float64(tl.throttled) / float64(max(tl.sent, 1))
	t.Logf("admitted %d of %d sent (%.1f %% of the limit), %d throttled (%.2f %%)", tl.ok, tl.sent, 100*reached, tl.throttled, 100*throttled)
	if reached < 0.95 {
		t.Errorf("steady state reached %.1f %% of the limit, want ≥ 95 %%", 100*reached)
	}
	if throttled > 0.03 {
		t.Errorf("%.2f %% of the requests throttled, want ≤ 3 %%", 100*throttled)
	}
}

// TestLimiterFindsPerSecondLimits: for unknown per-second limits from 2 to
// 500, stated by the 429 or not, with the Retry-After the emulator sends or
// none, at 25 ms and 200 ms latency, the limiter settles at ≥ 95 % of the
// limit with ≤ 3 % of the requests throttled.
func TestLimiterFindsPerSecondLimits(t *testing.T) {
	for _, limit := range []float64{2, 5, 20, 50, 100, 300, 500} {
		for _, stated := range []bool{true, false} {
			for _, lat := range []time.Duration{25 * time.Millisecond, 200 * time.Millisecond} {
				t.Run(fmt.Sprintf("%v/s stated=%v latency=%v", limit, stated, lat), func(t *testing.T) {
					clk := newFakeClock()
					l := NewAdaptiveLimiter(LimiterOptions{Now: clk.now})
					gw := &bucketGateway{rate: limit, burst: math.Max(1, math.Floor(limit/10)), state: stated, retryAfter: stated}
					const dur, from = 300 * time.Second, 100 * time.Second
					simulate(l, clk, gw, lat, dur, from, nil).check(t, limit, dur-from)
				})
			}
		}
	}
}

// TestLimiterFollowsAChangingLimit: the limit halves, then doubles, halfway
// through a run; the limiter settles at each.
func TestLimiterFollowsAChangingLimit(t *testing.T) {
	for _, c := range []struct{ before, after float64 }{{100, 50}, {50, 100}, {20, 200}} {
		for _, stated := range []bool{true, false} {
			t.Run(fmt.Sprintf("%v→%v stated=%v", c.before, c.after, stated), func(t *testing.T) {
				clk := newFakeClock()
				l := NewAdaptiveLimiter(LimiterOptions{Now: clk.now})
				gw := &bucketGateway{rate: c.before, burst: math.Max(1, c.before/10), state: stated}
				const half = 300 * time.Second
				first := simulate(l, clk, gw, 25*time.Millisecond, half, 100*time.Second, nil)
				first.check(t, c.before, half-100*time.Second)
				gw.rate, gw.burst = c.after, math.Max(1, c.after/10)
				// A raised limit is found within ln(L'/L)/ln(1+δ/K) seconds.
				settle := time.Duration(math.Max(0, math.Log(c.after/c.before)/math.Log(1+cutBelow/regrowOver))*1.2) * time.Second
				dur := settle + 200*time.Second
				simulate(l, clk, gw, 25*time.Millisecond, dur, settle, nil).check(t, c.after, dur-settle)
			})
		}
	}
}

// TestLimiterPerMinuteWindows: a per-minute budget of 600 in fixed windows,
// with and without Retry-After: every window is spent, nearly nothing is
// throttled.
func TestLimiterPerMinuteWindows(t *testing.T) {
	for _, ra := range []bool{true, false} {
		for _, lat := range []time.Duration{25 * time.Millisecond, 200 * time.Millisecond} {
			t.Run(fmt.Sprintf("retry-after=%v latency=%v", ra, lat), func(t *testing.T) {
				clk := newFakeClock()
				l := NewAdaptiveLimiter(LimiterOptions{Now: clk.now})
				gw := &windowGateway{n: 600, retryAfter: ra}
				const dur, from = 40 * time.Minute, 10 * time.Minute
				simulate(l, clk, gw, lat, dur, from, nil).check(t, 10, dur-from)
			})
		}
	}
}

// TestLimiterFirstWindow: a run that needs less than a minute's budget
// spends it at once: slow start reaches hundreds of requests a second
// within a second when nothing throttles.
func TestLimiterFirstWindow(t *testing.T) {
	clk := newFakeClock()
	l := NewAdaptiveLimiter(LimiterOptions{Now: clk.now})
	gw := &windowGateway{n: 600}
	tl := simulate(l, clk, gw, 25*time.Millisecond, time.Second, 0, nil)
	if tl.ok != 600 || tl.throttled > 256 {
		t.Errorf("first second: %d admitted, %d throttled; want the whole window of 600 and at most one in-flight window of 429s", tl.ok, tl.throttled)
	}
}

func TestLimiterRules(t *testing.T) {
	clk := newFakeClock()
	l := NewAdaptiveLimiter(LimiterOptions{Now: clk.now})
	if l.Rate() != 0 || l.Concurrency() != startWindow {
		t.Fatalf("slow start: rate %v, concurrency %d", l.Rate(), l.Concurrency())
	}
	// Answers grow the in-flight window by one each.
	for range 10 {
		tk, _ := l.admit()
		clk.add(10 * time.Millisecond)
		l.Done(tk, Outcome{})
	}
	if c := l.Concurrency(); c != startWindow+10 {
		t.Errorf("window %d after 10 answers, want %d", c, startWindow+10)
	}
	// A stated limit caps an inflated measurement: (1−δ)·min(S, A).
	tk, _ := l.admit()
	stale, _ := l.admit()
	clk.add(10 * time.Millisecond)
	l.Done(tk, Outcome{Throttled: true, Limit: 40, Window: time.Second})
	if r, want := l.Rate(), (1-cutBelow)*40; r != want {
		t.Errorf("rate %v after a 429 stating 40/s, want %v", r, want)
	}
	// The 429 of a request sent before the cut is the same episode.
	clk.add(time.Millisecond)
	l.Done(stale, Outcome{Throttled: true, Limit: 20, Window: time.Second})
	if r, d := l.Rate(), l.Stats().Decreases; r != (1-cutBelow)*40 || d != 1 {
		t.Errorf("a stale 429 cut again: rate %v, %d decreases", r, d)
	}
	// Concurrency follows Little's law: 38.8/s × 10 ms × 2 + 2.
	if c := l.Concurrency(); c != 3 {
		t.Errorf("concurrency %d, want 3", c)
	}
	// A long window's Retry-After holds every caller; a second's does not.
	clk.add(time.Second)
	tk, d := l.admit()
	if d != 0 {
		t.Fatalf("not admitted: %v", d)
	}
	if r := l.Sustained(); r != l.Rate() {
		t.Errorf("sustained %v with only a per-second budget, want its rate %v", r, l.Rate())
	}
	l.Done(tk, Outcome{Throttled: true, Limit: 600, Window: time.Minute, RetryAfter: 20 * time.Second})
	// A minute's budget sustains less than the second's: 0.97·600 a minute.
	if r, want := l.Sustained(), (1-cutBelow)*600/60; math.Abs(r-want) > 1e-9 {
		t.Errorf("sustained %v with a per-minute budget, want %v", r, want)
	}
	if _, d := l.admit(); d < 19*time.Second {
		t.Errorf("a spent minute held callers %v, want its Retry-After", d)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := l.Wait(ctx); err == nil {
		t.Error("Wait returned during the Retry-After")
	}
}

func TestLimiterCapped(t *testing.T) {
	clk := newFakeClock()
	l := NewAdaptiveLimiter(LimiterOptions{Max: 30, Now: clk.now})
	gw := &bucketGateway{rate: 100, burst: 10}
	tl := simulate(l, clk, gw, 25*time.Millisecond, 60*time.Second, 10*time.Second, nil)
	if tl.throttled != 0 || math.Abs(float64(tl.ok)-30*50) > 30 {
		t.Errorf("capped at 30/s: %+v", tl)
	}
}

func TestFixedLimiter(t *testing.T) {
	clk := newFakeClock()
	l := NewLimiter(5)
	l.now = clk.now
	tk, _ := l.admit()
	l.Done(tk, Outcome{Throttled: true, Limit: 1, Window: time.Second})
	if l.Rate() != 5 {
		t.Errorf("fixed rate changed to %v", l.Rate())
	}
	if NewLimiter(0).Rate() != 0 {
		t.Error("unlimited limiter has a rate")
	}
}

func TestParseThrottle(t *testing.T) {
	tests := []struct {
		msg    string
		limit  float64
		window time.Duration
	}{
		{"The throttling threshold has been reached: policy user over ratelimit,limit:600,time:1 minute", 600, time.Minute},
		{"The throttling threshold has been reached: policy ip over ratelimit,limit:5,time:1 minute", 5, time.Minute},
		{"The throttling threshold has been reached: policy user over ratelimit,limit:100,time:1 second", 100, time.Second},
		{"…limit:2.5,time:10 second", 2.5, 10 * time.Second},
		{"…limit:1000,time:1 hour", 1000, time.Hour},
		{"The throttling threshold has been reached", 0, 0},
		{"limit:0,time:1 second", 0, 0},
	}
	for _, tt := range tests {
		if l, w := ParseThrottle(tt.msg); l != tt.limit || w != tt.window {
			t.Errorf("ParseThrottle(%q) = %v, %v; want %v, %v", tt.msg, l, w, tt.limit, tt.window)
		}
	}
}

// TestLimiterIdleThrottle: a 429 while the callers did not wait for the
// budget (they had little to send, and two requests met at the gateway)
// measures the work, not the gateway: the budget is cut by δ, not to the
// little that was sent.
func TestLimiterIdleThrottle(t *testing.T) {
	clk := newFakeClock()
	l := NewAdaptiveLimiter(LimiterOptions{Now: clk.now})
	tk, _ := l.admit()
	clk.add(25 * time.Millisecond)
	l.Done(tk, Outcome{})
	tk, _ = l.admit()
	clk.add(25 * time.Millisecond)
	l.Done(tk, Outcome{Throttled: true, Limit: 5, Window: time.Second})
	before := l.Rate()
	clk.add(1300 * time.Millisecond)
	tk, _ = l.admit()
	clk.add(25 * time.Millisecond)
	l.Done(tk, Outcome{Throttled: true, Limit: 5, Window: time.Second})
	if got, want := l.Rate(), (1-cutBelow)*before; math.Abs(got-want) > 1e-9 {
		t.Errorf("rate %v after an idle 429, want %v (δ below %v)", got, want, before)
	}
}

// TestLimiterPaces: only a learning limiter paces a throttle's budget, and
// only a budget of a second or less that the answer states.
func TestLimiterPaces(t *testing.T) {
	second := Outcome{Throttled: true, Limit: 300, Window: time.Second, RetryAfter: time.Second}
	minute := Outcome{Throttled: true, Limit: 600, Window: time.Minute, RetryAfter: 30 * time.Second}
	unstated := Outcome{Throttled: true, RetryAfter: time.Second}
	adaptive, fixed := NewAdaptiveLimiter(LimiterOptions{}), NewLimiter(100)
	for _, c := range []struct {
		l    *Limiter
		o    Outcome
		want bool
	}{
		{adaptive, second, true},
		{adaptive, minute, false},
		{adaptive, unstated, false},
		{adaptive, Outcome{}, false},
		{fixed, second, false},
	} {
		if got := c.l.Paces(c.o); got != c.want {
			t.Errorf("adaptive=%v Paces(%+v) = %v, want %v", c.l == adaptive, c.o, got, c.want)
		}
	}
}
