package modelarts

import (
	"context"
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func (f *fakeClock) now() time.Time      { return f.t }
func (f *fakeClock) add(d time.Duration) { f.t = f.t.Add(d) }
func newFakeClock() *fakeClock           { return &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }
func successes(l *Limiter, n int, c *fakeClock, per time.Duration) {
	for range n {
		c.add(per)
		l.OnSuccess()
	}
}

// TestAdaptiveLimiterConverges simulates a service that admits 100 req/s:
// the limiter sends at its rate, the excess is throttled. It must reach the
// limit within a few seconds and then stay within 10 % of it.
func TestAdaptiveLimiterConverges(t *testing.T) {
	clk := newFakeClock()
	l := NewAdaptiveLimiter(LimiterOptions{Now: clk.now})
	const service = 100.0
	step := 10 * time.Millisecond
	var sent, ok float64
	var sentTotal, okTotal float64
	var rates []float64
	for i := 0; i < 3000; i++ { // 30 simulated seconds
		clk.add(step)
		l.markBusy() // callers always wait for the rate here
		sent += l.Rate() * step.Seconds()
		ok += service * step.Seconds() // the service's bucket refills
		for sent >= 1 {
			sent--
			sentTotal++
			if ok >= 1 {
				ok--
				okTotal++
				l.OnSuccess()
			} else {
				l.OnThrottle(0)
			}
		}
		ok = min(ok, service/10) // burst of 10
		if i%100 == 99 {
			rates = append(rates, l.Rate())
		}
	}
	for sec, r := range rates[5:] {
		if r < 0.85*service || r > 1.15*service {
			t.Errorf("second %d: rate %.1f, want within 15%% of %v (all: %.0f)", sec+5, r, service, rates)
			break
		}
	}
	if okTotal/sentTotal < 0.95 {
		t.Errorf("%.0f of %.0f requests admitted: too many throttles", okTotal, sentTotal)
	}
	if d := l.Stats().Decreases; d > 10 {
		t.Errorf("%d decreases in 30 s: oscillates too much", d)
	}
}

func TestAdaptiveLimiterRules(t *testing.T) {
	clk := newFakeClock()
	l := NewAdaptiveLimiter(LimiterOptions{Start: 20, Max: 50, Now: clk.now})
	if l.Rate() != 20 {
		t.Fatalf("start rate %v", l.Rate())
	}
	// Unused capacity (no caller waiting) does not grow the rate.
	successes(l, 5, clk, 200*time.Millisecond)
	if l.Rate() != 20 {
		t.Errorf("rate grew to %v while mostly idle", l.Rate())
	}
	// Full use: slow start, capped at Max.
	l.markBusy()
	successes(l, 200, clk, 10*time.Millisecond)
	if l.Rate() != 50 {
		t.Errorf("rate %v, want the cap 50", l.Rate())
	}
	// A throttle with Retry-After: rate down to ~the observed throughput,
	// bounded to 50–90 %, and callers blocked until Retry-After.
	l.OnThrottle(2 * time.Second)
	if r := l.Rate(); r < 25 || r > 48 {
		t.Errorf("after throttle rate %v, want in [25, 48]", r)
	}
	r := l.Rate()
	l.OnThrottle(0) // within the cool-down: no second decrease
	if l.Rate() != r || l.Stats().Decreases != 1 || l.Stats().Throttles != 2 {
		t.Errorf("second throttle changed the rate: %v, %+v", l.Rate(), l.Stats())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := l.Wait(ctx); err == nil {
		t.Error("Wait returned during the Retry-After block")
	}
	clk.add(2 * time.Second)
	if err := l.Wait(context.Background()); err != nil {
		t.Errorf("Wait after the block: %v", err)
	}
	// After the first throttle growth is additive, and slow (+0.1 req/s per
	// second) near the throughput seen at the throttle.
	before := l.Rate()
	l.markBusy()
	successes(l, int(before), clk, time.Second/time.Duration(int(before)))
	if g := l.Rate() - before; g < 0.05 || g > 0.15 {
		t.Errorf("one second at full use grew the rate by %v, want about 0.1", g)
	}
}

func TestFixedLimiter(t *testing.T) {
	l := NewLimiter(5)
	successes(l, 100, newFakeClock(), time.Millisecond)
	l.OnThrottle(0)
	if l.Rate() != 5 {
		t.Errorf("fixed rate changed to %v", l.Rate())
	}
	l.SetRate(7)
	if l.Rate() != 7 {
		t.Errorf("SetRate: %v", l.Rate())
	}
	if NewLimiter(0).Rate() != 0 {
		t.Error("unlimited limiter has a rate")
	}
}
