package execute

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/plan"
	"github.com/nbfleet/nbfleet/pkg/report"
)

const marker = "[nbfleet:ml101]"

func fastOpts() Options {
	return Options{
		Parallelism:  4,
		Timeout:      10 * time.Second,
		PollInterval: time.Millisecond,
		RetryBase:    time.Millisecond,
		RetryMax:     5 * time.Millisecond,
		BusyTimeout:  2 * time.Second,
		DrainGrace:   2 * time.Second,
		Marker:       marker,
		Fleet:        "ml101",
		RunID:        "run-1",
	}
}

func createStep(name string) plan.Step {
	return plan.Step{Op: plan.StepCreate, Create: &modelarts.CreateRequest{Name: name, Description: "nb " + marker}}
}

func createChange(name string) plan.Change {
	return plan.Change{Name: name, Action: plan.Create, WantStatus: "RUNNING", Steps: []plan.Step{createStep(name)}}
}

func creates(names ...string) *plan.Plan {
	p := &plan.Plan{Fleet: "ml101"}
	for _, n := range names {
		p.Changes = append(p.Changes, createChange(n))
	}
	return p
}

func apply(t *testing.T, f *fake, p *plan.Plan, opts Options) *report.Report {
	t.Helper()
	r, err := Apply(context.Background(), p, f, opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func only(t *testing.T, r *report.Report) report.Entry {
	t.Helper()
	if len(r.Notebooks) != 1 {
		t.Fatalf("report has %d notebooks, want 1", len(r.Notebooks))
	}
	return r.Notebooks[0]
}

// TestStepSequences runs every step sequence the planner makes against a
// notebook in the right starting status.
func TestStepSequences(t *testing.T) {
	upd := &modelarts.UpdateRequest{Flavor: "modelarts.vm.gpu"}
	desc := "new " + marker
	tests := []struct {
		name       string
		seed       string // status of an existing notebook "a"; "" none
		action     plan.Action
		steps      []plan.Step
		wait       string
		wantStatus string
		wantLive   []string
		wantCalls  map[string]int
		otherID    bool // the seeded notebook is the wait step's ID, not the change's
	}{
		{name: "create", action: plan.Create, steps: []plan.Step{createStep("a")},
			wantStatus: "RUNNING", wantLive: []string{"a=RUNNING"}, wantCalls: map[string]int{"create": 1}},
		{name: "create stopped", action: plan.Create, steps: []plan.Step{createStep("a"), {Op: plan.StepStop}},
			wantStatus: "STOPPED", wantLive: []string{"a=STOPPED"}, wantCalls: map[string]int{"create": 1, "stop": 1}},
		{name: "create no wait", action: plan.Create, steps: []plan.Step{createStep("a")}, wait: WaitNone,
			wantStatus: "CREATING", wantLive: []string{"a=CREATING"}, wantCalls: map[string]int{"create": 1, "list": 0}},
		{name: "delete", seed: "RUNNING", action: plan.Delete, steps: []plan.Step{{Op: plan.StepDelete}},
			wantStatus: "", wantLive: nil, wantCalls: map[string]int{"delete": 1}},
		{name: "stop", seed: "RUNNING", action: plan.Stop, steps: []plan.Step{{Op: plan.StepStop}},
			wantStatus: "STOPPED", wantLive: []string{"a=STOPPED"}, wantCalls: map[string]int{"stop": 1}},
		{name: "start", seed: "STOPPED", action: plan.Start, steps: []plan.Step{{Op: plan.StepStart, Lease: &modelarts.LeaseReq{Duration: 3600000}}},
			wantStatus: "RUNNING", wantLive: []string{"a=RUNNING"}, wantCalls: map[string]int{"start": 1}},
		{name: "update in place", seed: "RUNNING", action: plan.Update,
			steps:      []plan.Step{{Op: plan.StepUpdate, Update: &modelarts.UpdateRequest{Description: &desc}}},
			wantStatus: "RUNNING", wantLive: []string{"a=RUNNING"}, wantCalls: map[string]int{"update": 1, "list": 0}},
		{name: "restricted update", seed: "RUNNING", action: plan.Update,
			steps:      []plan.Step{{Op: plan.StepStop}, {Op: plan.StepUpdate, Update: upd}, {Op: plan.StepStart}},
			wantStatus: "RUNNING", wantLive: []string{"a=RUNNING"}, wantCalls: map[string]int{"stop": 1, "update": 1, "start": 1}},
		{name: "restricted update stays stopped", seed: "RUNNING", action: plan.Update,
			steps:      []plan.Step{{Op: plan.StepStop}, {Op: plan.StepUpdate, Update: upd}},
			wantStatus: "STOPPED", wantLive: []string{"a=STOPPED"}, wantCalls: map[string]int{"stop": 1, "update": 1}},
		{name: "replace", seed: "CREATE_FAILED", action: plan.Replace,
			steps:      []plan.Step{{Op: plan.StepDelete}, createStep("a")},
			wantStatus: "RUNNING", wantLive: []string{"a=RUNNING"}, wantCalls: map[string]int{"delete": 1, "create": 1}},
		{name: "replace no wait still waits for the delete", seed: "RUNNING", action: plan.Replace, wait: WaitNone,
			steps:      []plan.Step{{Op: plan.StepDelete}, createStep("a")},
			wantStatus: "CREATING", wantLive: []string{"a=CREATING"}, wantCalls: map[string]int{"delete": 1, "create": 1}},
		{name: "wait for a deleting one, then create", seed: "DELETING", action: plan.Create,
			steps:      []plan.Step{{Op: plan.StepWait}, createStep("a")},
			wantStatus: "RUNNING", wantLive: []string{"a=RUNNING"}, wantCalls: map[string]int{"create": 1}},
		{name: "wait out another copy, then create", seed: "DELETING", action: plan.Create, otherID: true,
			steps:      []plan.Step{{Op: plan.StepWait}, createStep("a")},
			wantStatus: "RUNNING", wantLive: []string{"a=RUNNING"}, wantCalls: map[string]int{"create": 1}},
		{name: "wait for a starting one, then stop", seed: "STARTING", action: plan.Stop,
			steps:      []plan.Step{{Op: plan.StepWait}, {Op: plan.StepStop}},
			wantStatus: "STOPPED", wantLive: []string{"a=STOPPED"}, wantCalls: map[string]int{"stop": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(2)
			c := plan.Change{Name: "a", Action: tt.action, Steps: tt.steps}
			if tt.seed != "" {
				c.ID = f.seed("a", tt.seed)
				if tt.seed == "DELETING" || tt.seed == "STARTING" {
					n := f.nbs[c.ID]
					target := "GONE"
					if tt.seed == "STARTING" {
						target = "RUNNING"
					}
					f.transition(n, tt.seed, target)
				}
				if tt.otherID {
					c.Steps[0].ID, c.ID = c.ID, ""
				}
			}
			opts := fastOpts()
			opts.Wait = tt.wait
			e := only(t, apply(t, f, &plan.Plan{Changes: []plan.Change{c}}, opts))
			if e.Outcome != report.Succeeded {
				t.Fatalf("outcome %s, error %+v", e.Outcome, e.Error)
			}
			if e.Status != tt.wantStatus {
				t.Errorf("status %q, want %q", e.Status, tt.wantStatus)
			}
			if d := cmp.Diff(tt.wantLive, f.names()); d != "" {
				t.Errorf("live (-want +got):\n%s", d)
			}
			for op, n := range tt.wantCalls {
				if got := f.count(op); got != n {
					t.Errorf("%s calls = %d, want %d", op, got, n)
				}
			}
			if e.Attempts != 1 || e.StartedAt == nil || e.FinishedAt == nil {
				t.Errorf("entry %+v", e)
			}
		})
	}
}

// TestNoSecondRetryLayer: what the client gave up on after its retry
// budget (throttled, 5xx, lost) is not sent again by the executor: the
// step fails after one call.
func TestNoSecondRetryLayer(t *testing.T) {
	f := newFake(1)
	id := f.seed("d", "RUNNING")
	sid := f.seed("s", "RUNNING")
	f.queue("create:a", errThrottled)
	f.queue("delete:d", errGateway)
	f.queue("stop:s", errThrottled)
	p := creates("a")
	p.Changes = append(p.Changes,
		plan.Change{Name: "d", ID: id, Action: plan.Delete, Steps: []plan.Step{{Op: plan.StepDelete}}},
		plan.Change{Name: "s", ID: sid, Action: plan.Stop, Steps: []plan.Step{{Op: plan.StepStop}}})
	r := apply(t, f, p, fastOpts())
	if d := cmp.Diff([]string{"a=failed", "d=failed", "s=failed"}, outcomes(r)); d != "" {
		t.Errorf("outcomes (-want +got):\n%s", d)
	}
	for op, want := range map[string]int{"create": 1, "delete": 1, "stop": 1} {
		if got := f.count(op); got != want {
			t.Errorf("%s calls = %d, want %d", op, got, want)
		}
	}
	if e := r.Notebooks[0].Error; e.Code != "APIG.0308" {
		t.Errorf("create error %+v", e)
	}
}

func TestAmbiguousCreate(t *testing.T) {
	tests := []struct {
		name        string
		err         error
		wantCreates int
	}{
		{"lost response: looked up and adopted", lost{errGateway}, 1},
		{"lost reset: looked up and adopted", lost{fmt.Errorf("read: %w", errReset)}, 1},
		{"5xx before creating: looked up, then re-sent", errGateway, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(1)
			// A foreign notebook whose name contains "a" and one with the
			// name but without the marker are never adopted.
			f.seed("ab", "RUNNING")
			f.seed("a-foreign", "RUNNING")
			f.queue("create:a", tt.err)
			e := only(t, apply(t, f, creates("a"), fastOpts()))
			if e.Outcome != report.Succeeded {
				t.Fatalf("outcome %s: %+v", e.Outcome, e.Error)
			}
			if got := f.count("create"); got != tt.wantCreates {
				t.Errorf("creates = %d, want %d", got, tt.wantCreates)
			}
			if d := cmp.Diff([]string{"a-foreign=RUNNING", "a=RUNNING", "ab=RUNNING"}, f.names()); d != "" {
				t.Errorf("live (-want +got):\n%s", d)
			}
			if e.ID == "nb-001" || e.ID == "nb-002" {
				t.Errorf("adopted the wrong notebook %s", e.ID)
			}
		})
	}
}

func TestAmbiguousCreateLookupFails(t *testing.T) {
	f := newFake(1)
	f.queue("create:a", errGateway)
	f.queue("list:a", errGateway) // the client's retry budget is spent
	e := only(t, apply(t, f, creates("a"), fastOpts()))
	if e.Outcome != report.Failed || f.count("create") != 1 {
		t.Fatalf("outcome %s, creates %d: a create was re-sent without a lookup", e.Outcome, f.count("create"))
	}
}

func TestTerminalNotRetried(t *testing.T) {
	f := newFake(1)
	f.queue("create:b", errQuota)
	r := apply(t, f, creates("a", "b", "c"), fastOpts())
	got := map[string]report.Outcome{}
	for _, e := range r.Notebooks {
		got[e.Name] = e.Outcome
	}
	want := map[string]report.Outcome{"a": report.Succeeded, "b": report.Failed, "c": report.Succeeded}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("outcomes (-want +got):\n%s", d)
	}
	b := r.Notebooks[1]
	wantErr := &report.Error{Code: "ModelArts.6302", Message: "create: instance count at maximum (not retried)",
		HTTPStatus: 400, RequestID: "req-quota"}
	if d := cmp.Diff(wantErr, b.Error); d != "" {
		t.Errorf("error (-want +got):\n%s", d)
	}
	if f.count("create") != 3 {
		t.Errorf("creates = %d, want 3 (the quota error is not retried)", f.count("create"))
	}
}

func TestCreateFailedRecreated(t *testing.T) {
	t.Run("second attempt succeeds", func(t *testing.T) {
		f := newFake(1)
		f.createFail["a"] = 1
		e := only(t, apply(t, f, creates("a"), fastOpts()))
		if e.Outcome != report.Succeeded || e.Attempts != 2 {
			t.Fatalf("outcome %s attempts %d: %+v", e.Outcome, e.Attempts, e.Error)
		}
		if d := cmp.Diff([]string{"attempt of nb-001 failed"}, e.FailReasons); d != "" {
			t.Errorf("fail reasons (-want +got):\n%s", d)
		}
		if d := cmp.Diff([]string{"a=RUNNING"}, f.names()); d != "" {
			t.Errorf("live (-want +got):\n%s", d)
		}
	})
	t.Run("every attempt fails", func(t *testing.T) {
		f := newFake(1)
		f.createFail["a"] = 5
		opts := fastOpts()
		opts.CreateAttempts = 3
		e := only(t, apply(t, f, creates("a"), opts))
		if e.Outcome != report.Failed || e.Attempts != 3 || e.Error.Code != "create_failed" {
			t.Fatalf("entry %+v %+v", e, e.Error)
		}
		want := []string{"attempt of nb-001 failed", "attempt of nb-002 failed", "attempt of nb-003 failed"}
		if d := cmp.Diff(want, e.FailReasons); d != "" {
			t.Errorf("fail reasons (-want +got):\n%s", d)
		}
		if e.FailReason != want[2] || e.Status != "CREATE_FAILED" {
			t.Errorf("fail_reason %q status %q", e.FailReason, e.Status)
		}
		// The failed ones were deleted; the last stays for the next plan to replace.
		if d := cmp.Diff([]string{"a=CREATE_FAILED"}, f.names()); d != "" {
			t.Errorf("live (-want +got):\n%s", d)
		}
	})
}

func TestBusy(t *testing.T) {
	t.Run("busy stop is retried", func(t *testing.T) {
		f := newFake(1)
		id := f.seed("a", "RUNNING")
		f.queue("stop:a", errBusy, errBusy)
		c := plan.Change{Name: "a", ID: id, Action: plan.Stop, Steps: []plan.Step{{Op: plan.StepStop}}}
		e := only(t, apply(t, f, &plan.Plan{Changes: []plan.Change{c}}, fastOpts()))
		if e.Outcome != report.Succeeded || f.count("stop") != 3 || e.Status != "STOPPED" {
			t.Fatalf("outcome %s stops %d status %s: %+v", e.Outcome, f.count("stop"), e.Status, e.Error)
		}
	})
	t.Run("stop of a stopped one is done", func(t *testing.T) {
		f := newFake(1)
		id := f.seed("a", "STOPPED")
		c := plan.Change{Name: "a", ID: id, Action: plan.Stop, Steps: []plan.Step{{Op: plan.StepStop}}}
		e := only(t, apply(t, f, &plan.Plan{Changes: []plan.Change{c}}, fastOpts()))
		if e.Outcome != report.Succeeded || f.count("stop") != 1 || e.Status != "STOPPED" {
			t.Fatalf("outcome %s stops %d status %s: %+v", e.Outcome, f.count("stop"), e.Status, e.Error)
		}
	})
	t.Run("delete of a gone one is done", func(t *testing.T) {
		f := newFake(1)
		c := plan.Change{Name: "a", ID: "nb-gone", Action: plan.Delete, Steps: []plan.Step{{Op: plan.StepDelete}}}
		e := only(t, apply(t, f, &plan.Plan{Changes: []plan.Change{c}}, fastOpts()))
		// The ownership check's GET finds it gone: no DELETE is sent.
		if e.Outcome != report.Succeeded || f.count("delete") != 0 || f.count("get") != 1 {
			t.Fatalf("outcome %s deletes %d gets %d: %+v", e.Outcome, f.count("delete"), f.count("get"), e.Error)
		}
	})
	t.Run("busy for too long fails", func(t *testing.T) {
		f := newFake(1)
		id := f.seed("a", "RUNNING")
		for range 1000 {
			f.queue("update:a", errBusy)
		}
		desc := "x"
		c := plan.Change{Name: "a", ID: id, Action: plan.Update, Steps: []plan.Step{{Op: plan.StepUpdate, Update: &modelarts.UpdateRequest{Description: &desc}}}}
		opts := fastOpts()
		opts.BusyTimeout = 20 * time.Millisecond
		e := only(t, apply(t, f, &plan.Plan{Changes: []plan.Change{c}}, opts))
		if e.Outcome != report.Failed || e.Error.Code != "ModelArts.6357" {
			t.Fatalf("outcome %s: %+v", e.Outcome, e.Error)
		}
	})
	t.Run("failure status while starting", func(t *testing.T) {
		f := newFake(1)
		id := f.seed("a", "STOPPED")
		c := plan.Change{Name: "a", ID: id, Action: plan.Start, Steps: []plan.Step{{Op: plan.StepStart}}}
		f.onCreate = nil
		done := make(chan struct{})
		go func() {
			// Turn the start into START_FAILED once it is under way.
			for f.count("start") == 0 {
				time.Sleep(time.Millisecond)
			}
			f.mu.Lock()
			f.nbs[id].target = "START_FAILED"
			f.nbs[id].left = 1 // the next poll sees it
			f.nbs[id].nb.FailReason = "no resources"
			f.mu.Unlock()
			close(done)
		}()
		f.ticks = 1000
		opts := fastOpts()
		opts.Timeout = time.Minute // reached only if the failure is missed: never under load
		e := only(t, apply(t, f, &plan.Plan{Changes: []plan.Change{c}}, opts))
		<-done
		if e.Outcome != report.Failed || e.Error.Code != "start_failed" || e.FailReason != "no resources" {
			t.Fatalf("entry %+v %+v", e, e.Error)
		}
	})
}

func TestTimeout(t *testing.T) {
	f := newFake(1 << 30)
	opts := fastOpts()
	opts.Timeout = 30 * time.Millisecond
	e := only(t, apply(t, f, creates("a"), opts))
	if e.Outcome != report.Failed || e.Error.Code != "timeout" || !strings.Contains(e.Error.Message, "last status CREATING") {
		t.Fatalf("entry %+v", e.Error)
	}
}

// observer records events and may act on them.
type observer struct {
	events   []string
	finished []report.Entry
	onStart  func(c *plan.Change)
	summary  *report.Report
}

func (o *observer) add(s string) { o.events = append(o.events, s) }

func (o *observer) Planned(p *plan.Plan) { o.add("planned") }
func (o *observer) Started(c *plan.Change) {
	o.add("started " + c.Name)
	if o.onStart != nil {
		o.onStart(c)
	}
}
func (o *observer) Progress(ev Event) {
	o.add("progress " + ev.Name + " " + string(ev.Step) + " " + ev.Status)
}
func (o *observer) Finished(e report.Entry) {
	o.add("finished " + e.Name)
	o.finished = append(o.finished, e)
}
func (o *observer) Summary(r *report.Report) { o.add("summary"); o.summary = r }

func TestDrain(t *testing.T) {
	t.Run("in flight finishes, the rest is skipped", func(t *testing.T) {
		f := newFake(2)
		drain := make(chan struct{})
		f.onCreate = func(name string) {
			if name == "b" {
				close(drain) // while b's create is in flight
			}
		}
		obs := &observer{}
		opts := fastOpts()
		opts.Parallelism = 1
		opts.Drain, opts.Observer = drain, obs
		r := apply(t, f, creates("a", "b", "c", "d"), opts)
		got := outcomes(r)
		want := []string{"a=succeeded", "b=succeeded", "c=skipped", "d=skipped"}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("outcomes (-want +got):\n%s", d)
		}
		if !r.Interrupted || r.Notebooks[2].Note != "not started: interrupted" {
			t.Errorf("interrupted %v, note %q", r.Interrupted, r.Notebooks[2].Note)
		}
		if f.count("create") != 2 {
			t.Errorf("creates = %d, want 2", f.count("create"))
		}
		if len(obs.finished) != 4 || obs.summary != r {
			t.Errorf("observer saw %d finished, summary %v", len(obs.finished), obs.summary != nil)
		}
	})
	t.Run("a wait longer than the grace is not finished", func(t *testing.T) {
		f := newFake(1 << 30)
		drain := make(chan struct{})
		opts := fastOpts()
		opts.DrainGrace = 20 * time.Millisecond
		opts.Drain = drain
		f.onCreate = func(string) {
			select {
			case <-drain:
			default:
				close(drain)
			}
		}
		r := apply(t, f, creates("a"), opts)
		e := only(t, r)
		if e.Outcome != report.Failed || e.Error.Code != "interrupted" || !r.Interrupted || e.ID == "" {
			t.Fatalf("entry %+v %+v", e, e.Error)
		}
		if !strings.Contains(e.Error.Message, "waiting for RUNNING (last status CREATING)") {
			t.Errorf("message %q", e.Error.Message)
		}
	})
	t.Run("drained before its first call: skipped", func(t *testing.T) {
		f := newFake(1)
		drain := make(chan struct{})
		opts := fastOpts()
		opts.Drain = drain
		opts.Observer = &observer{onStart: func(*plan.Change) { close(drain) }}
		e := only(t, apply(t, f, creates("a"), opts))
		if e.Outcome != report.Skipped || e.Attempts != 0 || f.count("create") != 0 {
			t.Fatalf("entry %+v, creates %d", e, f.count("create"))
		}
	})
	t.Run("no new call after the drain", func(t *testing.T) {
		f := newFake(50)
		id := f.seed("a", "RUNNING")
		drain := make(chan struct{})
		opts := fastOpts()
		opts.Drain = drain
		c := plan.Change{Name: "a", ID: id, Action: plan.Replace, Steps: []plan.Step{{Op: plan.StepDelete}, createStep("a")}}
		f.queue("delete:a", lost{errBusy}) // the delete happens; the answer is lost
		f.onCreate = nil
		opts.Observer = &observer{}
		go func() {
			for f.count("delete") == 0 {
				time.Sleep(time.Millisecond)
			}
			close(drain)
		}()
		e := only(t, apply(t, f, &plan.Plan{Changes: []plan.Change{c}}, opts))
		if e.Outcome != report.Failed || e.Error.Code != "interrupted" || f.count("create") != 0 {
			t.Fatalf("entry %+v %+v, creates %d", e, e.Error, f.count("create"))
		}
	})
}

func TestHardCancel(t *testing.T) {
	f := newFake(1 << 30)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.onCreate = func(name string) {
		if name == "a" {
			cancel()
		}
	}
	opts := fastOpts()
	opts.Parallelism = 1
	r, err := Apply(ctx, creates("a", "b"), f, opts)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"a=failed", "b=skipped"}, outcomes(r)); d != "" {
		t.Errorf("outcomes (-want +got):\n%s", d)
	}
	if !r.Interrupted || r.Notebooks[0].Error.Code != "canceled" {
		t.Errorf("interrupted %v error %+v", r.Interrupted, r.Notebooks[0].Error)
	}
}

func outcomes(r *report.Report) []string {
	var out []string
	for _, e := range r.Notebooks {
		out = append(out, e.Name+"="+string(e.Outcome))
	}
	return out
}

// TestPlanOrder: results come out in plan order whatever order they finish.
func TestPlanOrder(t *testing.T) {
	f := newFake(1)
	var names []string
	for i := range 20 {
		n := fmt.Sprintf("nb-%02d", i)
		names = append(names, n)
		f.ticksFor[n] = 20 - i // later ones finish first
	}
	p := creates(names...)
	p.Changes = append(p.Changes,
		plan.Change{Name: "same", ID: f.seed("same", "RUNNING"), Action: plan.NoOp},
		plan.Change{Name: "twice", IDs: []string{"x", "y"}, Action: plan.Conflict, Reason: "2 live notebooks"},
		plan.Change{Name: "precious", ID: "z", Action: plan.Delete, Protected: true, Steps: []plan.Step{{Op: plan.StepDelete}}},
	)
	opts := fastOpts()
	opts.Parallelism = 20
	r := apply(t, f, p, opts)
	for i, e := range r.Notebooks[:20] {
		if e.Name != names[i] || e.Outcome != report.Succeeded {
			t.Errorf("entry %d = %s %s", i, e.Name, e.Outcome)
		}
	}
	tail := r.Notebooks[20:]
	want := []report.Entry{
		{Name: "same", ID: "nb-001", Action: "no-op", Outcome: report.Unchanged, Status: "RUNNING", URL: "https://nb.example/nb-001"},
		{Name: "twice", Action: "conflict", Outcome: report.Skipped, Note: "conflict: 2 live notebooks"},
		{Name: "precious", ID: "z", Action: "delete", Outcome: report.Skipped, Note: "protected: the fleet forbids deleting or replacing this notebook"},
	}
	if d := cmp.Diff(want, tail); d != "" {
		t.Errorf("static entries (-want +got):\n%s", d)
	}
	wantSum := map[report.Outcome]int{report.Succeeded: 20, report.Unchanged: 1, report.Skipped: 2, report.Failed: 0}
	if d := cmp.Diff(wantSum, r.Summary.Outcomes); d != "" {
		t.Errorf("summary (-want +got):\n%s", d)
	}
}

// TestBulkPolling: waiting lists the workspace once per tick for every
// waiting notebook; it never GETs a notebook that the list shows.
func TestBulkPolling(t *testing.T) {
	const n, ticks = 40, 5
	f := newFake(ticks)
	var names []string
	for i := range n {
		names = append(names, fmt.Sprintf("s%02d", i))
	}
	opts := fastOpts()
	opts.Parallelism = n
	r := apply(t, f, creates(names...), opts)
	if r.Count(report.Succeeded) != n {
		t.Fatalf("outcomes %v", r.Summary.Outcomes)
	}
	if g := f.count("get"); g != 0 {
		t.Errorf("%d GETs while waiting, want 0", g)
	}
	// One GET per notebook per tick would be n*ticks = 200 calls.
	if l := f.count("list"); l > 3*ticks {
		t.Errorf("%d lists for %d notebooks of %d ticks: not bulk", l, n, ticks)
	}
}

func TestMissingFromListConfirmedByGet(t *testing.T) {
	f := newFake(3)
	id := f.seed("a", "RUNNING")
	f.hidden[id] = 2
	c := plan.Change{Name: "a", ID: id, Action: plan.Stop, Steps: []plan.Step{{Op: plan.StepStop}}}
	e := only(t, apply(t, f, &plan.Plan{Changes: []plan.Change{c}}, fastOpts()))
	if e.Outcome != report.Succeeded || e.Status != "STOPPED" {
		t.Fatalf("a notebook missing from a list page was taken for gone: %+v %+v", e, e.Error)
	}
	if f.count("get") != 3 {
		t.Errorf("gets = %d, want 3 (the ownership check before the stop, one per list that missed it)", f.count("get"))
	}
}

func TestTokensNeverInReport(t *testing.T) {
	f := newFake(1)
	id := f.seed("same", "RUNNING")
	p := creates("a", "b")
	p.Changes = append(p.Changes, plan.Change{Name: "same", ID: id, Action: plan.NoOp})
	r := apply(t, f, p, fastOpts())
	var b bytes.Buffer
	report.WriteJSON(&b, r)
	report.WriteCSV(&b, r)
	report.WriteMarkdown(&b, r)
	if strings.Contains(b.String(), "secret-token") {
		t.Fatalf("a notebook token leaked into the report:\n%s", b.String())
	}
	if !strings.Contains(b.String(), "https://nb.example/nb-001") {
		t.Errorf("the unchanged notebook's URL is missing")
	}
}

func TestObserverSequence(t *testing.T) {
	f := newFake(1)
	obs := &observer{}
	opts := fastOpts()
	opts.Observer = obs
	apply(t, f, creates("a"), opts)
	want := []string{"planned", "started a", "progress a create ", "progress a create CREATING",
		"progress a create RUNNING", "finished a", "summary"}
	if d := cmp.Diff(want, obs.events); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
}

func TestApplyRefuses(t *testing.T) {
	f := newFake(1)
	if _, err := Apply(context.Background(), nil, f, Options{}); err == nil {
		t.Error("nil plan accepted")
	}
	if _, err := Apply(context.Background(), creates("a"), nil, Options{}); err == nil {
		t.Error("nil API accepted")
	}
	if _, err := Apply(context.Background(), creates("a"), f, Options{Wait: "forever"}); err == nil {
		t.Error("bad wait mode accepted")
	}
}

func TestReportTimes(t *testing.T) {
	f := newFake(1)
	var mu sync.Mutex
	tick := time.Date(2026, 9, 1, 18, 0, 0, 0, time.UTC)
	opts := fastOpts()
	opts.Now = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		tick = tick.Add(time.Second)
		return tick
	}
	r := apply(t, f, creates("a"), opts)
	e := only(t, r)
	if r.FinishedAt.Sub(r.StartedAt) != 3*time.Second || e.ElapsedMS != 1000 || r.RunID != "run-1" || r.Fleet != "ml101" {
		t.Errorf("report %v..%v, elapsed %d", r.StartedAt, r.FinishedAt, e.ElapsedMS)
	}
}

// TestWaitingHoldsNoSlot: a change waiting for RUNNING does not keep the
// next change from making its calls.
func TestWaitingHoldsNoSlot(t *testing.T) {
	f := newFake(1 << 30)
	opts := fastOpts()
	opts.Parallelism = 1
	opts.Timeout = 300 * time.Millisecond
	r := apply(t, f, creates("a", "b", "c", "d", "e"), opts)
	if got := f.count("create"); got != 5 {
		t.Errorf("creates = %d, want 5 sent while the first ones wait", got)
	}
	if r.Count(report.Failed) != 5 || r.Notebooks[4].Error.Code != "timeout" {
		t.Errorf("outcomes %v", r.Summary.Outcomes)
	}
}

// TestFewWaitersUseGet: when fewer notebooks wait than a list has pages,
// the poller asks for each with a GET instead (fewer requests).
func TestFewWaitersUseGet(t *testing.T) {
	f := newFake(4)
	for i := range 3 * listPageSize {
		f.seed(fmt.Sprintf("other-%03d", i), "RUNNING")
	}
	id := f.seed("a", "RUNNING")
	c := plan.Change{Name: "a", ID: id, Action: plan.Stop, Steps: []plan.Step{{Op: plan.StepStop}}}
	e := only(t, apply(t, f, &plan.Plan{Changes: []plan.Change{c}}, fastOpts()))
	if e.Outcome != report.Succeeded || e.Status != "STOPPED" {
		t.Fatalf("entry %+v %+v", e, e.Error)
	}
	// The ownership check before the stop is a GET; the first tick lists
	// 151 notebooks (4 pages); then one GET a tick.
	if l, g := f.count("list"), f.count("get"); l != 1 || g != 4 {
		t.Errorf("lists %d gets %d, want 1 and 4", l, g)
	}
}

// TestOldestDeletedConfirmedAtOnce: a deleted notebook older than every
// notebook still listed is confirmed gone by the first list that misses
// it (one GET), not after several more lists. The plan waits for it to
// settle first (a prune of a busy notebook), so its create_at is known.
func TestOldestDeletedConfirmedAtOnce(t *testing.T) {
	f := newFake(1)
	id := f.seed("a", "RUNNING")
	f.seed("b", "RUNNING") // newer, stays
	c := plan.Change{Name: "a", ID: id, Action: plan.Delete,
		Steps: []plan.Step{{Op: plan.StepWait}, {Op: plan.StepDelete}}}
	e := only(t, apply(t, f, &plan.Plan{Changes: []plan.Change{c}}, fastOpts()))
	if e.Outcome != report.Succeeded {
		t.Fatalf("entry %+v %+v", e, e.Error)
	}
	// A GET shows it RUNNING (the wait ends; its kind not known yet, a
	// list would read both kinds); the ownership check GETs it before the
	// delete; the first list after the delete misses it and one GET
	// confirms it gone.
	if l, g := f.count("list"), f.count("get"); l != 1 || g != 3 {
		t.Errorf("lists %d gets %d, want 1 and 3", l, g)
	}
}

// TestQuietRunReadsEveryPage: when every change only waits, the poller
// fetches a list's pages at once; a notebook on the last page is seen
// there, not looked up with a GET.
func TestQuietRunReadsEveryPage(t *testing.T) {
	f := newFake(3)
	for i := range 2 * listPageSize {
		f.seed(fmt.Sprintf("other-%03d", i), "RUNNING")
	}
	var names []string
	for i := range 10 {
		names = append(names, fmt.Sprintf("s%02d", i))
	}
	opts := fastOpts()
	opts.Parallelism = len(names)
	// The first list waits until every create is in (they are
	// concurrent and in memory): so all settle on the same list. Launched
	// across several lists, as under a loaded machine, the last ones
	// settle alone, and fewer waiters than the list has pages are rightly
	// read with a GET each — not what this test is about.
	opts.PollDelay = time.Second
	r, err := Apply(context.Background(), creates(names...), pagedFake{f}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if r.Count(report.Succeeded) != len(names) {
		t.Fatalf("outcomes %v", r.Summary.Outcomes)
	}
	if f.count("page") < 3 {
		t.Errorf("%d pages fetched, want at least one paged list of 3", f.count("page"))
	}
	// The last page was read by the lists; a GET or two for the last
	// stragglers (fewer than the list's pages) is the cheaper poll.
	if g := f.count("get"); g > 2 {
		t.Errorf("%d GETs: the notebooks on the last page were not read", g)
	}
}

// TestPollListsEveryKind: the service lists one kind of notebook at a
// time, NOTEBOOK by default (rule 2), so the poller lists the kind of each
// waiter: a DEFAULT notebook being created is seen by the DEFAULT list,
// not looked up with a GET at every poll.
func TestPollListsEveryKind(t *testing.T) {
	f := newFake(3)
	p := creates("a", "b", "c", "d")
	p.Changes[0].Steps[0].Create.Feature = "DEFAULT"
	opts := fastOpts()
	opts.Parallelism = len(p.Changes)
	r, err := Apply(context.Background(), p, pagedFake{f}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if r.Count(report.Succeeded) != len(p.Changes) {
		t.Fatalf("outcomes %v", r.Summary.Outcomes)
	}
	if g := f.count("get"); g != 0 {
		t.Errorf("%d GETs: the DEFAULT notebook was not listed", g)
	}
}

// concFake is a fake client that asks for a concurrency, as
// modelarts.Client does.
type concFake struct {
	*fake
	n int
}

func (c concFake) Concurrency() int { return c.n }

// TestParallelismFollowsTheClient: with no --parallelism, as many changes
// make calls at once as the client asks for, through the ownership guard
// that wraps it (a wrapper that hid Concurrency capped every run at 16).
// Twenty creates wait for each other (a minute at most, on synctest's
// clock).
func TestParallelismFollowsTheClient(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 20
		f := newFake(0)
		var mu sync.Mutex
		in, most := 0, 0
		all := make(chan struct{})
		f.onCreate = func(string) {
			mu.Lock()
			if in++; in == n {
				close(all)
			}
			most = max(most, in)
			mu.Unlock()
			select {
			case <-all:
			case <-time.After(time.Minute): // the bubble's minute
			}
		}
		names := make([]string, n)
		for i := range names {
			names[i] = fmt.Sprintf("nb-%02d", i)
		}
		opts := fastOpts()
		opts.Parallelism = 0
		r, err := Apply(context.Background(), creates(names...), concFake{f, 64}, opts)
		if err != nil {
			t.Fatal(err)
		}
		if r.Count(report.Succeeded) != n {
			t.Errorf("outcomes %v", r.Summary.Outcomes)
		}
		if most < n {
			t.Errorf("at most %d creates at once, want all %d (the client asks for 64)", most, n)
		}
	})
}
