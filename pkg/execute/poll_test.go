package execute

import (
	"fmt"
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
			w := p.addAt("a", plan.StepCreate, start)
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
			_ = w
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
	var ws []*waiter
	for i := range 5 {
		ws = append(ws, p.addAt(fmt.Sprint("nb", i), plan.StepCreate, start.Add(time.Duration(i)*100*time.Millisecond)))
	}
	checks := map[string]int{}
	checksUntil(p, start, c+5*time.Second, func(w *waiter, at time.Duration) string {
		checks[w.id]++
		if at-w.since.Sub(start) < c {
			return modelarts.StatusCreating
		}
		return modelarts.StatusRunning
	})
	if checks["nb0"] < 20 || checks["nb1"] > 5 {
		t.Errorf("checks %v: want the oldest probed on the 10 %% schedule, the others a few times", checks)
	}
	if f := p.fastest[plan.StepCreate]; f < c || f > c+c/10+500*time.Millisecond {
		t.Errorf("learned %v, want about %v", f, c)
	}
	// A new waiter is not checked before 90 % of the fastest transition.
	later := start.Add(time.Minute)
	w := p.addAt("new", plan.StepCreate, later)
	if got := w.next.Sub(later); got != p.fastest[plan.StepCreate]*9/10 {
		t.Errorf("first check after %v, want %v", got, p.fastest[plan.StepCreate]*9/10)
	}
	// Another step has its own schedule.
	if w := p.addAt("s", plan.StepStop, later); w.next.Sub(later) != minCheck {
		t.Errorf("stop's first check after %v, want %v", w.next.Sub(later), minCheck)
	}
}
