package progress

// What the progress displays know about a run: per notebook what it is
// doing, counts per phase, and an estimate of the time left.

import (
	"slices"
	"time"

	"github.com/nbfleet/nbfleet/pkg/execute"
	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/plan"
	"github.com/nbfleet/nbfleet/pkg/report"
)

// tracker follows one apply or destroy from the observer's calls. Work is
// a change that makes calls: not a no-op, not a conflict. Only work counts
// towards the bar and the estimate; unchanged notebooks and conflicts are
// counted apart.
type tracker struct {
	fleet     string
	begun     time.Time // Planned
	work      int       // changes that make calls
	unchanged int       // no-ops
	conflicts int       // conflicts: skipped without a call
	started   int       // work launched
	firstAt   time.Time // first launch
	done      int       // work succeeded
	failed    int       // work failed
	skipped   int       // work not started or not finished (interrupted)
	neverRan  int       // skipped work that was never launched
	retried   int       // notebooks that needed another attempt
	flight    map[string][]*flying
	// samples are the durations of finished attempts, per action: what
	// the estimate of the time left is made of.
	samples map[string][]time.Duration
}

// flying is one change in flight.
type flying struct {
	name    string
	id      string
	action  string
	step    plan.StepOp
	status  string    // last status seen; "" while a step's call is made
	since   time.Time // launched
	attempt time.Time // the current attempt began (a recreate starts one)
	retried bool
	failedA bool // the current attempt ended in a failed status
}

func (t *tracker) planned(p *plan.Plan, now time.Time) {
	*t = tracker{fleet: p.Fleet, begun: now, flight: map[string][]*flying{}, samples: map[string][]time.Duration{}}
	for i := range p.Changes {
		switch a := p.Changes[i].Action; {
		case a == plan.NoOp:
			t.unchanged++
		case a == plan.Conflict:
			t.conflicts++
		default:
			t.work++
		}
	}
}

func (t *tracker) startedChange(c *plan.Change, now time.Time) {
	if t.started == 0 {
		t.firstAt = now
	}
	t.started++
	f := &flying{name: c.Name, id: c.ID, action: c.Action.String(), since: now, attempt: now}
	if len(c.Steps) > 0 {
		f.step = c.Steps[0].Op
	}
	t.flight[c.Name] = append(t.flight[c.Name], f)
}

// find is the change in flight an event or entry with name and id is
// about: the only one of that name, else the one with that id.
func (t *tracker) find(name, id string) (*flying, int) {
	fs := t.flight[name]
	for i, f := range fs {
		if len(fs) == 1 || f.id == id || f.id == "" {
			return f, i
		}
	}
	return nil, -1
}

func (t *tracker) progress(ev execute.Event, now time.Time) {
	f, _ := t.find(ev.Name, ev.ID)
	if f == nil {
		return
	}
	if ev.ID != "" {
		f.id = ev.ID
	}
	if ev.Status == "" { // a step begins
		if f.failedA && ev.Step == plan.StepCreate {
			// The failed attempt was deleted: a new one begins.
			f.attempt, f.failedA = now, false
		}
		f.step = ev.Step
		f.status = ""
		return
	}
	f.step, f.status = ev.Step, ev.Status
	if failedStatus(ev.Status) && !f.failedA {
		f.failedA = true
		if !f.retried {
			f.retried = true
			t.retried++
		}
	}
}

// failedStatus reports whether a status ends an attempt in failure.
func failedStatus(s string) bool {
	return s == modelarts.StatusCreateFailed || s == "START_FAILED" || s == "ERROR"
}

func (t *tracker) finished(e report.Entry, now time.Time) {
	switch {
	case e.Action == plan.NoOp.String(), e.Action == plan.Conflict.String():
		return // counted in planned
	case e.Outcome == report.Succeeded:
		t.done++
	case e.Outcome == report.Failed:
		t.failed++
	default:
		t.skipped++
	}
	f, i := t.find(e.Name, e.ID)
	if f == nil {
		t.neverRan++
		return
	}
	if e.Outcome == report.Succeeded || e.Outcome == report.Failed {
		t.samples[f.action] = append(t.samples[f.action], now.Sub(f.attempt))
	}
	fs := t.flight[e.Name]
	t.flight[e.Name] = slices.Delete(fs, i, i+1)
	if len(t.flight[e.Name]) == 0 {
		delete(t.flight, e.Name)
	}
}

// finishedWork is the work that has an outcome.
func (t *tracker) finishedWork() int { return t.done + t.failed + t.skipped }

// inFlight is the work launched and not finished.
func (t *tracker) inFlight() int {
	n := 0
	for _, fs := range t.flight {
		n += len(fs)
	}
	return n
}

// queued is the work not launched yet.
func (t *tracker) queued() int { return max(t.work-t.started-t.neverRan, 0) }

// phases counts the changes in flight by what they are doing: "creating",
// "deleting", "starting", "stopping", "updating", "waiting" (for a
// notebook busy with an earlier operation).
func (t *tracker) phases() map[string]int {
	m := map[string]int{}
	for _, fs := range t.flight {
		for _, f := range fs {
			m[phase(f)]++
		}
	}
	return m
}

// phase names what a change in flight is doing, by its current step.
func phase(f *flying) string {
	switch f.step {
	case plan.StepCreate:
		return "creating"
	case plan.StepDelete:
		return "deleting"
	case plan.StepStart:
		return "starting"
	case plan.StepStop:
		return "stopping"
	case plan.StepUpdate:
		return "updating"
	}
	return "waiting"
}

// phaseOrder is the order the phases of work in flight are shown in.
var phaseOrder = []string{"creating", "deleting", "starting", "stopping", "updating", "waiting"}

// longest is the change in flight waited on longest (launched first; by
// name on a tie), or nil.
func (t *tracker) longest() *flying {
	var best *flying
	for _, fs := range t.flight {
		for _, f := range fs {
			if best == nil || f.since.Before(best.since) || (f.since.Equal(best.since) && f.name < best.name) {
				best = f
			}
		}
	}
	return best
}

// durations are the sorted durations of the finished attempts of action,
// else of every action; empty before any attempt finished.
func (t *tracker) durations(action string) []time.Duration {
	s := slices.Clone(t.samples[action])
	if len(s) == 0 {
		for _, v := range t.samples {
			s = append(s, v...)
		}
	}
	slices.Sort(s)
	return s
}

// eta estimates the time left from the rates observed so far, not from
// the first notebook alone. Each change in flight is expected to end when
// its current attempt (a notebook recreated after CREATE_FAILED starts a
// new one) has lasted the median of the finished attempts of its action —
// or, once it is past that, the longest of them. The changes not launched
// yet are expected to be launched at the rate launches were made so far,
// each then taking the median of all finished attempts. The estimate is
// the latest of these ends. ok is false before any attempt finished (there
// is nothing to measure) and when a change in flight has already lasted
// longer than any finished one (nothing measured says when it ends).
func (t *tracker) eta(now time.Time) (time.Duration, bool) {
	end := now
	for _, fs := range t.flight {
		for _, f := range fs {
			d := t.durations(f.action)
			if len(d) == 0 {
				return 0, false
			}
			e := f.attempt.Add(d[len(d)/2])
			if e.Before(now) {
				e = f.attempt.Add(d[len(d)-1])
			}
			if e.Before(now) {
				return 0, false
			}
			if e.After(end) {
				end = e
			}
		}
	}
	if q := t.queued(); q > 0 {
		d := t.durations("")
		if len(d) == 0 || t.started == 0 {
			return 0, false
		}
		rate := float64(t.started) / max(now.Sub(t.firstAt).Seconds(), 1)
		e := now.Add(time.Duration(float64(q)/rate*float64(time.Second)) + d[len(d)/2])
		if e.After(end) {
			end = e
		}
	}
	return end.Sub(now), true
}
