package ops

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/synctest"
	"time"

	"github.com/nbfleet/nbfleet/pkg/emulator"
	"github.com/nbfleet/nbfleet/pkg/modelarts"
)

// handlerTransport sends requests to a handler in memory: inside a
// synctest bubble no socket is open, so time moves whenever every
// goroutine waits.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	in := r.Clone(r.Context())
	if in.Body == nil {
		in.Body = http.NoBody
	}
	in.RemoteAddr = "127.0.0.1:1"
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, in)
	return rec.Result(), nil
}

// TestRefreshOutlastsThrottling: the refresh of a plan reads 5 000
// notebooks (100 pages) from a service that throttles far below that —
// per second and per minute, with and without Retry-After — and never
// fails on throttling alone: the limiter and the retries wait the
// throttling out, however long the list takes. On synctest's clock.
func TestRefreshOutlastsThrottling(t *testing.T) {
	const n = 5000
	tests := []struct {
		name   string
		limit  float64
		window time.Duration
		noRA   bool
	}{
		{"2/s with Retry-After", 2, time.Second, false},
		{"2/s without Retry-After", 2, time.Second, true},
		{"30/min with Retry-After", 30, time.Minute, false},
		{"30/min without Retry-After", 30, time.Minute, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv, err := emulator.NewHandler(emulator.Options{
					Latency: 25 * time.Millisecond, RateLimit: tt.limit, RateWindow: tt.window,
					NoRetryAfter: tt.noRA, Seed: 1,
				})
				if err != nil {
					t.Fatal(err)
				}
				seeds := make([]emulator.SeedNotebook, n)
				for i := range seeds {
					seeds[i] = emulator.SeedNotebook{Name: fmt.Sprintf("other-%04d", i), Description: "not ours"}
				}
				if _, err := srv.Seed("", seeds...); err != nil {
					t.Fatal(err)
				}
				dir := t.TempDir()
				fleet := writeFleet(t, dir, "ml101", 1)
				e, _ := testEnv(srv, "http://127.0.0.1:1", dir)
				e.NewClient = func(cfg modelarts.Config) (Client, error) {
					cfg.HTTPClient = &http.Client{Transport: handlerTransport{srv.Handler()}}
					return modelarts.New(cfg)
				}
				began := time.Now()
				p, err := Drift(context.Background(), e, PlanRequest{Fleet: fleet})
				t.Logf("%v on the bubble's clock, %d requests throttled", time.Since(began), srv.Stats().Throttled)
				if err != nil {
					t.Fatalf("the refresh failed: %v (%d requests throttled)", err, srv.Stats().Throttled)
				}
				if len(p.Changes) != 1 {
					t.Errorf("%d changes, want the one create", len(p.Changes))
				}
				st := srv.Stats()
				if st.Throttled == 0 {
					t.Errorf("no request was throttled: the test shows nothing")
				}
				if pages := st.Requests["list"][200]; pages != n/modelarts.PageLimit+1 {
					t.Errorf("%d pages listed, want %d (one pass)", pages, n/modelarts.PageLimit+1)
				}
			})
		})
	}
}
