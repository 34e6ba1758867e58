package ops

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nbfleet/nbfleet/pkg/emulator"
	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/plan"
)

// recorder is a server that records every request it receives and answers
// nothing useful: where a fleet file would send credentials.
type recorder struct {
	mu   sync.Mutex
	reqs []string
}

func (r *recorder) start(t *testing.T) string {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.reqs = append(r.reqs, req.Method+" "+req.URL.Path)
		r.mu.Unlock()
		http.Error(w, "no", http.StatusTeapot)
	}))
	t.Cleanup(hs.Close)
	return hs.URL
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.reqs)
}

// TestFleetEndpointRefused: a fleet file whose target.endpoint is not the
// endpoint the environment gives is refused by every command that
// connects, at the file:line:col of target.endpoint, before any request;
// --allow-fleet-endpoint (Conn.AllowFleetEndpoint) or
// NBFLEET_ALLOW_FLEET_ENDPOINT=1 lets it through.
func TestFleetEndpointRefused(t *testing.T) {
	srv := newEmulator(t)
	rec := &recorder{}
	evil := rec.start(t) // loopback, like the CI job's own listeners
	dir := t.TempDir()
	fleet := filepath.Join(dir, "fleet.yaml")
	body := "version: 1\nfleet: ml101\ntarget:\n  region: eu-de\n  endpoint: " + evil + "\nnotebooks:\n  - name: ml101-a\n    flavor: modelarts.vm.cpu.2u\n    image_id: " + emulator.DefaultImageID + "\n    volume: {category: EVS, ownership: MANAGED, capacity: 50}\n"
	if err := os.WriteFile(fleet, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, env := range []struct {
		name string
		vars map[string]string
	}{
		{"NBFLEET_ENDPOINT set", nil},
		{"region only", map[string]string{"NBFLEET_ENDPOINT": ""}},
	} {
		e, _ := testEnv(srv, "", t.TempDir())
		get := e.Getenv
		e.Getenv = func(k string) string {
			if v, ok := env.vars[k]; ok {
				return v
			}
			return get(k)
		}
		calls := map[string]func() error{
			"plan": func() error {
				_, err := Plan(ctx, e, PlanRequest{Fleet: fleet, Out: filepath.Join(dir, "p.json")})
				return err
			},
			"drift":  func() error { _, err := Drift(ctx, e, PlanRequest{Fleet: fleet}); return err },
			"status": func() error { _, err := Status(ctx, e, StatusRequest{Fleet: fleet}); return err },
			"apply":  func() error { _, err := Apply(ctx, e, applyReq(fleet, filepath.Join(dir, "r"))); return err },
			"destroy": func() error {
				r := applyReq(fleet, filepath.Join(dir, "r"))
				r.Destroy = true
				_, err := Apply(ctx, e, r)
				return err
			},
			"renew": func() error {
				_, err := Renew(ctx, e, RenewRequest{Fleet: fleet, Duration: 2 * time.Hour, Parallelism: 1})
				return err
			},
		}
		for cmd, call := range calls {
			err := call()
			if !errors.Is(err, modelarts.ErrUntrustedEndpoint) {
				t.Fatalf("%s, %s: err %v, want the endpoint refused", env.name, cmd, err)
			}
			if want := fleet + ":5:13: target.endpoint \"" + evil + "\" is not an endpoint you chose"; !strings.HasPrefix(err.Error(), want) {
				t.Errorf("%s, %s: %q, want it to start %q", env.name, cmd, err, want)
			}
			var h *Hinted
			if !errors.As(err, &h) || !strings.Contains(h.Hint, "--allow-fleet-endpoint") {
				t.Errorf("%s, %s: no hint naming --allow-fleet-endpoint: %v", env.name, cmd, err)
			}
		}
	}
	if n := rec.count(); n != 0 {
		t.Fatalf("the fleet file's endpoint received %d requests: %v", n, rec.reqs)
	}

	// Allowed, it is where the requests go (and only there).
	e, _ := testEnv(srv, "", t.TempDir())
	get := e.Getenv
	e.Getenv = func(k string) string {
		switch k {
		case "NBFLEET_ENDPOINT":
			return ""
		case "NBFLEET_ALLOW_FLEET_ENDPOINT":
			return "1"
		}
		return get(k)
	}
	if _, err := Drift(ctx, e, PlanRequest{Fleet: fleet}); err == nil || errors.Is(err, modelarts.ErrUntrustedEndpoint) {
		t.Fatalf("allowed by the environment: %v, want the recorder's refusal", err)
	}
	e, _ = testEnv(srv, "", t.TempDir())
	e.Getenv = func(k string) string {
		if k == "NBFLEET_ENDPOINT" {
			return ""
		}
		return get(k)
	}
	if _, err := Drift(ctx, e, PlanRequest{Fleet: fleet, Conn: Conn{AllowFleetEndpoint: true}}); err == nil || errors.Is(err, modelarts.ErrUntrustedEndpoint) {
		t.Fatalf("allowed by the flag: %v, want the recorder's refusal", err)
	}
	if rec.count() == 0 {
		t.Fatal("allowed, the fleet's endpoint received nothing")
	}
}

// TestSavedPlanEndpointRefused: a saved plan whose target.endpoint is not
// the environment's (edited, or made against another endpoint) is refused
// naming the plan, before the lock and before any request; allowed, it
// applies.
func TestSavedPlanEndpointRefused(t *testing.T) {
	srv := newEmulator(t)
	dir := t.TempDir()
	fleet := writeFleet(t, dir, "ml101", 2)
	e, _ := testEnv(srv, "", t.TempDir())
	saved := filepath.Join(dir, "plan.json")
	if _, err := Plan(context.Background(), e, PlanRequest{Fleet: fleet, Out: saved}); err != nil {
		t.Fatal(err)
	}
	alt := strings.Replace(srv.URL(), "127.0.0.1", "localhost", 1)
	e, _ = testEnv(srv, alt, t.TempDir())
	_, err := Apply(context.Background(), e, applyReq(saved, filepath.Join(dir, "r1")))
	if !errors.Is(err, modelarts.ErrUntrustedEndpoint) || !strings.HasPrefix(err.Error(), "saved plan "+saved+": target.endpoint \""+srv.URL()+"\"") {
		t.Fatalf("apply with another NBFLEET_ENDPOINT: %v", err)
	}
	if n := len(srv.Notebooks("")); n != 0 {
		t.Fatalf("%d notebooks created by a refused apply", n)
	}
	req := applyReq(saved, filepath.Join(dir, "r2"))
	req.Conn.AllowFleetEndpoint = true
	if _, err := Apply(context.Background(), e, req); err != nil {
		t.Fatalf("allowed: %v", err)
	}
	noDuplicates(t, srv, "ml101", 2)
}

// TestSignedSavedPlan: with NBFLEET_PLAN_KEY a saved plan is signed and
// applies only with that key; an unsigned plan applies with a warning that
// says what its checksum does not protect against; a plan whose fleet name
// differs from its fleet file's is refused.
func TestSignedSavedPlan(t *testing.T) {
	srv := newEmulator(t)
	dir := t.TempDir()
	fleet := writeFleet(t, dir, "ml101", 2)
	withKey := func(key string) (*Env, *ui) {
		e, u := testEnv(srv, "", t.TempDir())
		get := e.Getenv
		e.Getenv = func(k string) string {
			if k == PlanKeyEnv {
				return key
			}
			return get(k)
		}
		return e, u
	}
	const key = "a-key-of-at-least-16-bytes"
	e, _ := withKey(key)
	saved := filepath.Join(dir, "plan.json")
	if _, err := Plan(context.Background(), e, PlanRequest{Fleet: fleet, Out: saved}); err != nil {
		t.Fatal(err)
	}
	e, _ = withKey("")
	if _, err := Apply(context.Background(), e, applyReq(saved, filepath.Join(dir, "r0"))); !errors.Is(err, plan.ErrKey) {
		t.Fatalf("a signed plan without the key: %v", err)
	}
	e, _ = withKey("short")
	if _, err := Plan(context.Background(), e, PlanRequest{Fleet: fleet, Out: saved}); err == nil || !strings.Contains(err.Error(), "NBFLEET_PLAN_KEY is 5 characters") {
		t.Fatalf("a short key: %v", err)
	}
	e, u := withKey(key)
	if _, err := Apply(context.Background(), e, applyReq(saved, filepath.Join(dir, "r1"))); err != nil {
		t.Fatalf("with the key: %v", err)
	}
	if strings.Contains(u.String(), "carries no signature") {
		t.Errorf("a signed plan was said to carry none:\n%s", u)
	}
	noDuplicates(t, srv, "ml101", 2)

	writeFleet(t, dir, "ml101", 3)
	e, _ = withKey("")
	if _, err := Plan(context.Background(), e, PlanRequest{Fleet: fleet, Out: saved}); err != nil {
		t.Fatal(err)
	}
	e, _ = withKey(key)
	if _, err := Apply(context.Background(), e, applyReq(saved, filepath.Join(dir, "r2"))); !errors.Is(err, plan.ErrKey) {
		t.Fatalf("an unsigned plan with a key set: %v", err)
	}
	e, u = withKey("")
	if _, err := Apply(context.Background(), e, applyReq(saved, filepath.Join(dir, "r3"))); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(u.String(), "warning: the saved plan "+saved+" carries no signature (it was made without NBFLEET_PLAN_KEY): its checksum detects damage, not an edit") {
		t.Errorf("no warning about the unsigned plan:\n%s", u)
	}
	noDuplicates(t, srv, "ml101", 3)

	// The fleet file now declares another fleet: the plan is not its.
	if _, err := Plan(context.Background(), e, PlanRequest{Fleet: fleet, Out: saved}); err != nil {
		t.Fatal(err)
	}
	body, _ := os.ReadFile(fleet)
	os.WriteFile(fleet, []byte(strings.Replace(string(body), "fleet: ml101", "fleet: other", 1)), 0o600)
	_, err := Apply(context.Background(), e, applyReq(saved, filepath.Join(dir, "r4")))
	if !errors.Is(err, plan.ErrStale) || !strings.Contains(err.Error(), `the plan is for fleet "ml101", but its fleet file `+fleet+` declares fleet "other"`) {
		t.Fatalf("a plan for another fleet: %v", err)
	}
}
