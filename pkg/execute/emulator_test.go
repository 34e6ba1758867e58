package execute_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nbfleet/nbfleet/pkg/emulator"
	"github.com/nbfleet/nbfleet/pkg/execute"
	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/plan"
	"github.com/nbfleet/nbfleet/pkg/report"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

const fleet = "classroom"

// classroom is a plan of n creates, built by hand (plan.Diff is not needed
// to exercise the executor).
func classroom(n int) *plan.Plan {
	p := &plan.Plan{Fleet: fleet}
	for i := range n {
		name := fmt.Sprintf("ml101-s%04d", i)
		req := &modelarts.CreateRequest{
			Name: name, Description: "student notebook " + spec.OwnerMarker(fleet),
			Flavor: "modelarts.vm.cpu.2u", ImageID: emulator.DefaultImageID, Feature: "NOTEBOOK", WorkspaceID: "0",
			Volume: modelarts.VolumeReq{Category: "EVS", Ownership: "MANAGED", Capacity: 5},
		}
		p.Changes = append(p.Changes, plan.Change{Name: name, Action: plan.Create, WantStatus: "RUNNING",
			Steps: []plan.Step{{Op: plan.StepCreate, Create: req}}})
	}
	return p
}

// throttler answers a fraction of API requests 429 before the emulator
// sees them (the emulator's own limit is a token bucket, not a rate of
// random refusals).
type throttler struct {
	next http.Handler
	p    float64
	mu   sync.Mutex
	rnd  *rand.Rand
	n    atomic.Int64
}

func (t *throttler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t.mu.Lock()
	hit := t.rnd.Float64() < t.p
	t.mu.Unlock()
	if hit && len(r.URL.Path) > 3 && r.URL.Path[:3] == "/v1" {
		t.n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "throttled")
		w.WriteHeader(http.StatusTooManyRequests)
		w.Write([]byte(`{"error_code":"APIG.0308","error_msg":"The throttling threshold has been reached: policy user over ratelimit,limit:100,time:1 second"}`))
		return
	}
	t.next.ServeHTTP(w, r)
}

func client(t testing.TB, url, project string, lim *modelarts.Limiter) *modelarts.Client {
	t.Helper()
	c, err := modelarts.New(modelarts.Config{
		Cloud: modelarts.OTC, Region: "eu-de", Endpoint: url, IAMEndpoint: url, ProjectID: project,
		Credentials: modelarts.Credentials{AK: emulator.DefaultAK, SK: emulator.DefaultSK},
		UserAgent:   "nbfleet/test",
		Limiter:     lim,
		Retry:       modelarts.RetryPolicy{MaxAttempts: 8, WaitMin: time.Millisecond, WaitMax: 20 * time.Millisecond, MaxElapsed: 10 * time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func fastOptions() execute.Options {
	return execute.Options{
		Parallelism:    32,
		Timeout:        30 * time.Second,
		CreateAttempts: 3,
		PollInterval:   30 * time.Millisecond,
		RetryBase:      2 * time.Millisecond,
		RetryMax:       20 * time.Millisecond,
		Marker:         spec.OwnerMarker(fleet),
		WorkspaceID:    "0",
		Fleet:          fleet,
		RunID:          "test",
	}
}

// perName groups the notebooks that exist by name; DELETED ones (still
// shown for a while after a delete) do not.
func perName(srv *emulator.Server) map[string][]emulator.Notebook {
	out := map[string][]emulator.Notebook{}
	for _, nb := range srv.Notebooks(srv.ProjectID()) {
		if nb.Status != emulator.StatusDeleted {
			out[nb.Name] = append(out[nb.Name], nb)
		}
	}
	return out
}

func TestEmulatorClassroom(t *testing.T) {
	srv, err := emulator.New(emulator.Options{Cloud: emulator.CloudOTC, Seed: 1, CreateTime: 30 * time.Millisecond, DeleteTime: 10 * time.Millisecond,
		StartTime: 10 * time.Millisecond, StopTime: 10 * time.Millisecond, Latency: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := client(t, srv.URL(), srv.ProjectID(), modelarts.NewLimiter(0))
	const n = 200
	r, err := execute.Apply(context.Background(), classroom(n), c, fastOptions())
	if err != nil {
		t.Fatal(err)
	}
	if r.Count(report.Succeeded) != n {
		t.Fatalf("outcomes %v; first failure %+v", r.Summary.Outcomes, r.Failures())
	}
	live := perName(srv)
	for _, e := range r.Notebooks {
		nbs := live[e.Name]
		if len(nbs) != 1 || nbs[0].ID != e.ID || e.Status != "RUNNING" || e.URL == "" {
			t.Errorf("%s: report %s %s %q, live %d", e.Name, e.ID, e.Status, e.URL, len(nbs))
		}
	}
	if len(live) != n {
		t.Errorf("%d live names, want %d", len(live), n)
	}
}

// TestEmulatorFaults: under 5% 429, 2% 5xx, 2% lost creates, 3% failed
// creates and 1% connection resets every declared name ends with exactly
// one notebook and the report accounts for every one.
func TestEmulatorFaults(t *testing.T) {
	for _, seed := range []int64{1, 2} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			srv, err := emulator.NewHandler(emulator.Options{Cloud: emulator.CloudOTC, Seed: seed, CreateTime: 30 * time.Millisecond,
				DeleteTime: 10 * time.Millisecond, Latency: time.Millisecond,
				Faults: emulator.Faults{Err500: 0.01, Err503: 0.01, LostCreate: 0.02, CreateFailed: 0.03, Reset: 0.01}})
			if err != nil {
				t.Fatal(err)
			}
			th := &throttler{next: srv.Handler(), p: 0.05, rnd: rand.New(rand.NewPCG(uint64(seed), 7))}
			hs := httptest.NewServer(th)
			defer hs.Close()
			defer srv.Close()
			c := client(t, hs.URL, srv.ProjectID(), modelarts.NewLimiter(0))
			const n = 200
			p := classroom(n)
			r, err := execute.Apply(context.Background(), p, c, fastOptions())
			if err != nil {
				t.Fatal(err)
			}
			st := srv.Stats()
			t.Logf("outcomes %v; faults %v; 429s %d; created %d", r.Summary.Outcomes, st.Faults, th.n.Load(), st.NotebooksCreated)
			if len(r.Notebooks) != n {
				t.Fatalf("report has %d notebooks, want %d", len(r.Notebooks), n)
			}
			live := perName(srv)
			for i, e := range r.Notebooks {
				if e.Name != p.Changes[i].Name {
					t.Fatalf("entry %d is %s, want %s (plan order)", i, e.Name, p.Changes[i].Name)
				}
				nbs := live[e.Name]
				if len(nbs) > 1 {
					t.Errorf("%s: %d live notebooks, a duplicate", e.Name, len(nbs))
					continue
				}
				switch e.Outcome {
				case report.Succeeded:
					if len(nbs) != 1 || nbs[0].ID != e.ID || nbs[0].Status != "RUNNING" {
						t.Errorf("%s: succeeded as %s but live is %+v", e.Name, e.ID, nbs)
					}
				case report.Failed:
					if e.Error == nil {
						t.Errorf("%s: failed without an error", e.Name)
					}
					if len(nbs) == 1 && nbs[0].ID != e.ID {
						t.Errorf("%s: failed as %q but the live notebook is %s", e.Name, e.ID, nbs[0].ID)
					}
				default:
					t.Errorf("%s: outcome %s", e.Name, e.Outcome)
				}
			}
			if st.Faults[emulator.FaultLostCreate] == 0 || st.Faults[emulator.FaultCreateFailed] == 0 || th.n.Load() == 0 {
				t.Errorf("faults not exercised: %v, 429s %d", st.Faults, th.n.Load())
			}
		})
	}
}

// TestLostCreateInAnotherWorkspace: every create's answer is lost, for
// notebooks that live in a workspace other than the one the run polls.
// The lookup before a re-send must search the notebook's own workspace, or
// it finds nothing and creates a duplicate.
func TestLostCreateInAnotherWorkspace(t *testing.T) {
	srv, err := emulator.New(emulator.Options{Cloud: emulator.CloudOTC, Seed: 3, CreateTime: 20 * time.Millisecond, Latency: time.Millisecond,
		Faults: emulator.Faults{LostCreate: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := client(t, srv.URL(), srv.ProjectID(), modelarts.NewLimiter(0))
	p := classroom(5)
	for i := range p.Changes {
		p.Changes[i].Steps[0].Create.WorkspaceID = "ws-2"
	}
	opts := fastOptions()
	opts.WorkspaceID = "0"
	r, err := execute.Apply(context.Background(), p, c, opts)
	if err != nil {
		t.Fatal(err)
	}
	for name, nbs := range perName(srv) {
		if len(nbs) != 1 {
			t.Errorf("%s: %d live notebooks, want 1", name, len(nbs))
		}
	}
	if got := r.Count(report.Succeeded); got != 5 {
		t.Errorf("%d succeeded, want 5: %+v", got, r.Failures())
	}
}

// BenchmarkApply1000 creates 1 000 notebooks against an emulator with 25 ms
// latency, 2 s create time and a 100 requests/s limit the client does not
// know, with the default options (automatic parallelism, the adaptive poll
// schedule). It reports the wall time, its ratio to the lower bound N/rate
// + create time, the requests sent and the 429s received. (make
// bench-apply measures the real binary over a grid; docs/performance.md.)
func BenchmarkApply1000(b *testing.B) {
	const (
		n          = 1000
		rate       = 100.0
		createTime = 2 * time.Second
	)
	for range b.N {
		srv, err := emulator.New(emulator.Options{Cloud: emulator.CloudOTC, Seed: 1, Latency: 25 * time.Millisecond, CreateTime: createTime,
			RateLimit: rate})
		if err != nil {
			b.Fatal(err)
		}
		c := client(b, srv.URL(), srv.ProjectID(), nil)
		opts := execute.Options{Timeout: 5 * time.Minute, Marker: spec.OwnerMarker(fleet), WorkspaceID: "0"}
		start := time.Now()
		stopTrace := make(chan struct{})
		var trace []string
		go func() {
			tk := time.NewTicker(500 * time.Millisecond)
			defer tk.Stop()
			for {
				select {
				case <-tk.C:
					ls := c.Limiter().Stats()
					trace = append(trace, fmt.Sprintf("%.1fs:%.0f/%d", time.Since(start).Seconds(), ls.Rate, srv.Stats().NotebooksCreated))
				case <-stopTrace:
					return
				}
			}
		}()
		r, err := execute.Apply(context.Background(), classroom(n), c, opts)
		wall := time.Since(start)
		close(stopTrace)
		if testing.Verbose() {
			b.Logf("limiter rate/created over time: %v", trace)
		}
		if err != nil {
			b.Fatal(err)
		}
		st := srv.Stats()
		srv.Close()
		if r.Count(report.Succeeded) != n {
			b.Fatalf("outcomes %v", r.Summary.Outcomes)
		}
		bound := time.Duration(n/rate*float64(time.Second)) + createTime
		var reqs int64
		for _, m := range st.Requests {
			for _, k := range m {
				reqs += k
			}
		}
		if testing.Verbose() {
			b.Logf("requests %v; limiter %+v", st.Requests, c.Limiter().Stats())
		}
		b.ReportMetric(wall.Seconds(), "wall-s")
		b.ReportMetric(wall.Seconds()/bound.Seconds(), "ratio")
		b.ReportMetric(float64(reqs), "requests")
		b.ReportMetric(float64(st.Throttled), "429s")
		b.ReportMetric(float64(st.Requests["list"][200]), "lists")
	}
}

// drainAfter closes a drain channel once n changes have started.
type drainAfter struct {
	n     int
	drain chan struct{}
	seen  int
}

func (d *drainAfter) Planned(*plan.Plan) {}
func (d *drainAfter) Started(*plan.Change) {
	if d.seen++; d.seen == d.n {
		close(d.drain)
	}
}
func (d *drainAfter) Progress(execute.Event) {}
func (d *drainAfter) Finished(report.Entry)  {}
func (d *drainAfter) Summary(*report.Report) {}

// TestEmulatorInterruptKeepsTrack: an apply drained mid-run loses track of
// no notebook: what it created is in the report with its id, what it did
// not start has no notebook, and applying what is left makes exactly one
// notebook per name.
func TestEmulatorInterruptKeepsTrack(t *testing.T) {
	srv, err := emulator.New(emulator.Options{Cloud: emulator.CloudOTC, Seed: 5, CreateTime: 200 * time.Millisecond, Latency: time.Millisecond,
		Faults: emulator.Faults{LostCreate: 0.05}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := client(t, srv.URL(), srv.ProjectID(), modelarts.NewLimiter(0))
	const n = 60
	p := classroom(n)
	opts := fastOptions()
	opts.Parallelism = 4
	opts.DrainGrace = 10 * time.Millisecond
	d := &drainAfter{n: 20, drain: make(chan struct{})}
	opts.Drain, opts.Observer = d.drain, d
	r, err := execute.Apply(context.Background(), p, c, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Interrupted || r.Count(report.Skipped) == 0 {
		t.Fatalf("interrupted %v, outcomes %v", r.Interrupted, r.Summary.Outcomes)
	}
	live := perName(srv)
	left := &plan.Plan{Fleet: fleet}
	for i, e := range r.Notebooks {
		nbs := live[e.Name]
		switch {
		case len(nbs) > 1:
			t.Errorf("%s: %d notebooks", e.Name, len(nbs))
		case e.Outcome == report.Skipped:
			if len(nbs) != 0 {
				t.Errorf("%s: skipped but %s exists", e.Name, nbs[0].ID)
			}
			left.Changes = append(left.Changes, p.Changes[i])
		case e.ID == "" && len(nbs) == 0:
			// Interrupted before its create was accepted: nothing exists.
			left.Changes = append(left.Changes, p.Changes[i])
		case len(nbs) != 1 || nbs[0].ID != e.ID:
			t.Errorf("%s: %s with id %q, live %v: lost track", e.Name, e.Outcome, e.ID, nbs)
		}
	}
	opts.Drain, opts.Observer = nil, nil
	r2, err := execute.Apply(context.Background(), left, c, opts)
	if err != nil {
		t.Fatal(err)
	}
	if r2.Count(report.Succeeded) != len(left.Changes) {
		t.Errorf("second apply: %v", r2.Summary.Outcomes)
	}
	live = perName(srv)
	for _, ch := range p.Changes {
		if len(live[ch.Name]) != 1 {
			t.Errorf("%s: %d notebooks after the second apply", ch.Name, len(live[ch.Name]))
		}
	}
}

// TestRetryBudgetThroughTheExecutor: one delete against a service that
// fails every request sends exactly the client's MaxAttempts requests in
// all,
// whatever the failure: a 503, a 429 without Retry-After, a connection
// reset. (It used to be the client's five times the executor's retries.)
func TestRetryBudgetThroughTheExecutor(t *testing.T) {
	for name, o := range map[string]emulator.Options{
		"503":                     {Faults: emulator.Faults{Err503: 1}},
		"429 without Retry-After": {RateLimit: 1e-9, RateBurst: 1, NoRetryAfter: true, Auth: emulator.AuthNone},
		"connection reset":        {Faults: emulator.Faults{Reset: 1}},
	} {
		t.Run(name, func(t *testing.T) {
			o.Seed = 1
			srv, err := emulator.New(o)
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			nbs, err := srv.Seed("", emulator.SeedNotebook{Name: "ml101-s0000", Description: spec.OwnerMarker(fleet)})
			if err != nil {
				t.Fatal(err)
			}
			if o.RateLimit > 0 {
				// Spend the bucket's only token.
				if resp, err := http.Get(srv.URL() + "/v1/" + srv.ProjectID() + "/notebooks"); err == nil {
					resp.Body.Close()
				}
			}
			c := client(t, srv.URL(), srv.ProjectID(), modelarts.NewLimiter(0))
			p := &plan.Plan{Fleet: fleet, Changes: []plan.Change{{Name: "ml101-s0000", ID: nbs[0].ID, Action: plan.Delete,
				Steps: []plan.Step{{Op: plan.StepDelete}}}}}
			total := func() (n int64) {
				for _, byStatus := range srv.Stats().Requests {
					for _, c := range byStatus {
						n += c
					}
				}
				return n
			}
			before := total()
			r, err := execute.Apply(context.Background(), p, c, fastOptions())
			if err != nil {
				t.Fatal(err)
			}
			if r.Notebooks[0].Outcome != report.Failed {
				t.Fatalf("outcome %s", r.Notebooks[0].Outcome)
			}
			// The first call fails (the ownership check's GET before the
			// delete), after the budget's attempts: nothing else is sent.
			if sent := total() - before; sent != 8 {
				t.Errorf("%d requests, want the budget's 8 (%v)", sent, srv.Stats().Requests)
			}
		})
	}
}

// TestPerMinuteWindowWithoutRetryAfter is issue 11's case: a gateway that
// allows 600 requests a minute in fixed windows and sends no Retry-After;
// an apply of 300 notebooks with the default limiter and parallelism
// creates every one, exactly once.
func TestPerMinuteWindowWithoutRetryAfter(t *testing.T) {
	srv, err := emulator.New(emulator.Options{Seed: 1, CreateTime: 50 * time.Millisecond, Latency: time.Millisecond,
		RateLimit: 600, RateWindow: time.Minute, NoRetryAfter: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := client(t, srv.URL(), srv.ProjectID(), modelarts.NewAdaptiveLimiter(modelarts.LimiterOptions{}))
	opts := fastOptions()
	opts.Parallelism = 0
	r, err := execute.Apply(context.Background(), classroom(300), c, opts)
	if err != nil {
		t.Fatal(err)
	}
	if n := r.Count(report.Succeeded); n != 300 {
		t.Fatalf("%d of 300 succeeded: %v", n, r.Summary.Outcomes)
	}
	for name, nbs := range perName(srv) {
		if len(nbs) != 1 {
			t.Errorf("%s exists %d times", name, len(nbs))
		}
	}
	if st := srv.Stats(); st.NotebooksCreated != 300 || st.Notebooks != 300 {
		t.Errorf("%d created, %d live", st.NotebooksCreated, st.Notebooks)
	}
}
