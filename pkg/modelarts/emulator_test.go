package modelarts_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nbfleet/nbfleet/pkg/emulator"
	"github.com/nbfleet/nbfleet/pkg/modelarts"
)

// These tests hold the client to the emulator, not to hand stubs.

func startEmulator(t *testing.T, o emulator.Options) *emulator.Server {
	t.Helper()
	if o.CreateTime == 0 {
		o.CreateTime, o.StartTime, o.StopTime, o.DeleteTime = 40*time.Millisecond, 20*time.Millisecond, 20*time.Millisecond, 20*time.Millisecond
	}
	srv, err := emulator.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func emuClient(t *testing.T, srv *emulator.Server, mod func(*modelarts.Config)) *modelarts.Client {
	t.Helper()
	cfg := modelarts.Config{
		Cloud: modelarts.OTC, Region: "eu-de", Endpoint: srv.URL(), IAMEndpoint: srv.URL(), ProjectID: srv.ProjectID(),
		Credentials: modelarts.Credentials{AK: emulator.DefaultAK, SK: emulator.DefaultSK},
		UserAgent:   "nbfleet/test",
		Limiter:     modelarts.NewLimiter(0),
		Retry:       modelarts.RetryPolicy{MaxAttempts: 8, WaitMin: time.Millisecond, WaitMax: 10 * time.Millisecond, MaxElapsed: 10 * time.Second},
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := modelarts.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func waitStatus(t *testing.T, c *modelarts.Client, id string, want ...string) *modelarts.Notebook {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		nb, err := c.Get(context.Background(), id)
		if err != nil {
			t.Fatalf("get %s: %v", id, err)
		}
		for _, w := range want {
			if nb.Status == w {
				return nb
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s stayed %s, want %v", id, nb.Status, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func newReq(name string) *modelarts.CreateRequest {
	return &modelarts.CreateRequest{
		Name: name, Flavor: "modelarts.vm.cpu.2u", ImageID: emulator.DefaultImageID, Feature: "NOTEBOOK", WorkspaceID: "0",
		Volume: modelarts.VolumeReq{Category: "EVS", Ownership: "MANAGED", Capacity: 5},
		Lease:  &modelarts.LeaseReq{Duration: 3600000, Type: "timing"},
	}
}

func TestEmulatorEveryOperation(t *testing.T) {
	for _, cloud := range []modelarts.Cloud{modelarts.OTC, modelarts.HuaweiCloud} {
		t.Run(string(cloud), func(t *testing.T) {
			srv := startEmulator(t, emulator.Options{Cloud: string(cloud), DeletedVisible: 50 * time.Millisecond})
			c := emuClient(t, srv, func(cfg *modelarts.Config) { cfg.Cloud = cloud })
			ctx := context.Background()

			flavors, err := c.ListFlavors(ctx)
			if err != nil {
				t.Fatal(err)
			}
			soldOut := 0
			for _, f := range flavors {
				if f.SoldOut {
					soldOut++
				}
			}
			if len(flavors) < 2 || soldOut != 1 {
				t.Errorf("%d flavors, %d sold out", len(flavors), soldOut)
			}
			images, err := c.ListImages(ctx, modelarts.ImageListOptions{})
			if err != nil || len(images) == 0 {
				t.Fatalf("images: %v, %v", images, err)
			}

			req := newReq("nb-ops")
			req.Description = "ops test"
			req.Endpoints = []modelarts.Endpoint{{Service: "SSH", KeyPairNames: []string{"kp1"}, AllowedAccessIPs: []string{"192.0.2.1"}}}
			nb, err := c.Create(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if nb.Status != modelarts.StatusCreating || nb.ID == "" {
				t.Errorf("create answered %s %q", nb.Status, nb.ID)
			}
			nb = waitStatus(t, c, nb.ID, modelarts.StatusRunning)
			if nb.URL == "" || len(nb.Endpoints) != 1 || nb.Endpoints[0].Service != "SSH" || len(nb.Endpoints[0].KeyPairNames) != 1 {
				t.Errorf("running notebook: url %q endpoints %+v", nb.URL, nb.Endpoints)
			}
			if l, err := c.GetLease(ctx, nb.ID); err != nil || l.Duration != 3600000 {
				t.Errorf("lease %+v, %v", l, err)
			}
			if l, err := c.RenewLease(ctx, nb.ID, modelarts.LeaseReq{Duration: 7200000, Type: "TIMING"}); err != nil || l.Duration < 7200000 {
				t.Errorf("renewed lease %+v, %v", l, err)
			}
			desc := "renamed"
			if _, err := c.Update(ctx, nb.ID, &modelarts.UpdateRequest{Name: "nb-ops2", Description: &desc}); err != nil {
				t.Fatalf("update while running: %v", err)
			}
			// Flavor changes need a stopped notebook: 6347 while running,
			// terminal (waiting does not help; a stop does).
			var ae *modelarts.APIError
			if _, err := c.Update(ctx, nb.ID, &modelarts.UpdateRequest{Flavor: "modelarts.vm.cpu.8u"}); !errors.As(err, &ae) || ae.Code != "ModelArts.6347" || !modelarts.IsTerminal(err) {
				t.Errorf("flavor change while running: %v, want a terminal ModelArts.6347", err)
			}
			if _, err := c.Stop(ctx, nb.ID); err != nil {
				t.Fatal(err)
			}
			waitStatus(t, c, nb.ID, modelarts.StatusStopped)
			if _, err := c.Update(ctx, nb.ID, &modelarts.UpdateRequest{Flavor: "modelarts.vm.cpu.8u", Endpoints: []modelarts.Endpoint{}}); err != nil {
				t.Fatalf("update while stopped: %v", err)
			}
			if _, err := c.Start(ctx, nb.ID, &modelarts.LeaseReq{Duration: 3600000, Type: "TIMING"}); err != nil {
				t.Fatal(err)
			}
			nb = waitStatus(t, c, nb.ID, modelarts.StatusRunning)
			if nb.Name != "nb-ops2" || nb.Flavor != "modelarts.vm.cpu.8u" || len(nb.Endpoints) != 0 {
				t.Errorf("after updates: %q %q %+v", nb.Name, nb.Flavor, nb.Endpoints)
			}
			list, err := c.List(ctx, modelarts.ListOptions{Name: "nb-ops2", WorkspaceID: "0"})
			if err != nil || len(list) != 1 {
				t.Errorf("list by name: %d, %v", len(list), err)
			}
			if err := c.Delete(ctx, nb.ID); err != nil {
				t.Fatal(err)
			}
			// DELETING, DELETED for a while (rule 5), then not found (rule 6).
			deadline := time.Now().Add(5 * time.Second)
			sawDeleted := false
			for {
				got, err := c.Get(ctx, nb.ID)
				if errors.Is(err, modelarts.ErrNotFound) {
					break
				}
				sawDeleted = sawDeleted || err == nil && got.Status == modelarts.StatusDeleted
				if time.Now().After(deadline) {
					t.Fatalf("still there after delete: %v", err)
				}
				time.Sleep(5 * time.Millisecond)
			}
			if !sawDeleted {
				t.Error("never saw the notebook DELETED")
			}
			if err := c.Delete(ctx, nb.ID); !errors.Is(err, modelarts.ErrNotFound) {
				t.Errorf("second delete: %v, want not found", err)
			}
			// Validation errors come back typed and terminal.
			bad := newReq("bad name!")
			if _, err := c.Create(ctx, bad); !modelarts.IsTerminal(err) {
				t.Errorf("invalid create: %v, want terminal", err)
			}
			sold := newReq("sold")
			sold.Flavor = emulator.SoldOutFlavor
			sold.ImageID = "6c2f9a3e-0d7b-4e8a-a1b2-c3d4e5f60718"
			if _, err := c.Create(ctx, sold); !modelarts.IsSoldOut(err) {
				t.Errorf("sold-out create: %v", err)
			}
		})
	}
}

func TestEmulatorPagination1000(t *testing.T) {
	srv := startEmulator(t, emulator.Options{})
	seeds := make([]emulator.SeedNotebook, 1000)
	for i := range seeds {
		seeds[i] = emulator.SeedNotebook{Name: fmt.Sprintf("seed-%04d", i), Status: modelarts.StatusRunning}
	}
	if _, err := srv.Seed("", seeds...); err != nil {
		t.Fatal(err)
	}
	c := emuClient(t, srv, nil)
	got, err := c.List(context.Background(), modelarts.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, nb := range got {
		ids[nb.ID] = true
	}
	if len(got) != 1000 || len(ids) != 1000 {
		t.Errorf("listed %d notebooks, %d distinct; want 1000", len(got), len(ids))
	}
	// 20 pages of NOTEBOOK notebooks and one of DEFAULT ones (rule 2).
	if n := srv.Stats().Requests["list"][200]; n != 21 {
		t.Errorf("%d list pages, want 21", n)
	}
}

func TestEmulatorFaults(t *testing.T) {
	ctx := context.Background()
	for _, kind := range []string{emulator.Fault500, emulator.Fault502, emulator.Fault503, emulator.FaultReset} {
		t.Run(kind, func(t *testing.T) {
			f, err := emulator.ParseFaults(kind + "=0.5")
			if err != nil {
				t.Fatal(err)
			}
			srv := startEmulator(t, emulator.Options{Faults: f, Seed: 7})
			if _, err := srv.Seed("", emulator.SeedNotebook{Name: "x", Status: modelarts.StatusRunning}); err != nil {
				t.Fatal(err)
			}
			c := emuClient(t, srv, func(cfg *modelarts.Config) { cfg.Retry.MaxAttempts = 20 })
			for range 10 {
				if _, err := c.List(ctx, modelarts.ListOptions{}); err != nil {
					t.Fatalf("list with %s faults: %v", kind, err)
				}
			}
			if srv.Stats().Faults[kind] == 0 || c.Stats().Retries == 0 {
				t.Errorf("no %s fault seen (%v) or no retry (%+v)", kind, srv.Stats().Faults, c.Stats())
			}
			// Create is sent once and the failure is ambiguous.
			all, _ := emulator.ParseFaults(kind + "=1")
			if err := srv.SetFaults(all); err != nil {
				t.Fatal(err)
			}
			before := creates(srv)
			_, err = c.Create(ctx, newReq("once"))
			if !modelarts.IsAmbiguous(err) || !modelarts.IsRetryable(err) {
				t.Errorf("create under %s: %v, want ambiguous and retryable", kind, err)
			}
			if n := creates(srv) - before; n != 1 {
				t.Errorf("create sent %d times, want 1", n)
			}
		})
	}
	t.Run(emulator.FaultLostCreate, func(t *testing.T) {
		srv := startEmulator(t, emulator.Options{Faults: emulator.Faults{LostCreate: 1}, Seed: 3})
		c := emuClient(t, srv, nil)
		for i := range 4 { // both shapes of a lost create: a 500 or a reset
			_, err := c.Create(ctx, newReq(fmt.Sprintf("lost-%d", i)))
			if !modelarts.IsAmbiguous(err) {
				t.Errorf("lost create: %v, want ambiguous", err)
			}
		}
		if n := len(srv.Notebooks("")); n != 4 || creates(srv) != 4 {
			t.Errorf("%d notebooks after 4 lost creates (%d requests), want 4 and 4", n, creates(srv))
		}
		list, err := c.List(ctx, modelarts.ListOptions{Name: "lost-0"})
		if err != nil || len(list) != 1 {
			t.Errorf("the lost create can be looked up: %d, %v", len(list), err)
		}
	})
	t.Run(emulator.FaultCreateFailed, func(t *testing.T) {
		srv := startEmulator(t, emulator.Options{Faults: emulator.Faults{CreateFailed: 1}})
		c := emuClient(t, srv, nil)
		nb, err := c.Create(ctx, newReq("cf"))
		if err != nil {
			t.Fatal(err)
		}
		nb = waitStatus(t, c, nb.ID, modelarts.StatusCreateFailed)
		if nb.FailReason == "" {
			t.Error("CREATE_FAILED without fail_reason")
		}
	})
	t.Run(emulator.FaultStartFailed, func(t *testing.T) {
		srv := startEmulator(t, emulator.Options{Faults: emulator.Faults{StartFailed: 1}})
		c := emuClient(t, srv, nil)
		nbs, err := srv.Seed("", emulator.SeedNotebook{Name: "sf", Status: modelarts.StatusStopped})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Start(ctx, nbs[0].ID, nil); err != nil {
			t.Fatal(err)
		}
		waitStatus(t, c, nbs[0].ID, modelarts.StatusStartFailed)
	})
}

func creates(srv *emulator.Server) int64 {
	var n int64
	for _, v := range srv.Stats().Requests["create"] {
		n += v
	}
	return n
}

func TestEmulatorPasswordTokenRenewal(t *testing.T) {
	srv := startEmulator(t, emulator.Options{})
	c := emuClient(t, srv, func(cfg *modelarts.Config) {
		cfg.ProjectID = ""
		cfg.Credentials = modelarts.Credentials{Username: emulator.DefaultUser, Password: emulator.DefaultPassword, DomainName: emulator.DefaultDomain}
	})
	ctx := context.Background()
	if _, err := c.List(ctx, modelarts.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	if p, _ := c.ProjectID(ctx); p != srv.ProjectID() {
		t.Errorf("project %q from the token, want %q", p, srv.ProjectID())
	}
	srv.RevokeTokens()
	if _, err := c.List(ctx, modelarts.ListOptions{}); err != nil {
		t.Fatalf("after revocation: %v", err)
	}
	if n := c.Stats().TokenRenewals; n != 1 {
		t.Errorf("%d renewals, want 1", n)
	}
	if n := srv.Stats().Requests["iam_token"][201]; n != 2 {
		t.Errorf("%d tokens issued, want 2", n)
	}
	// A wrong password is an auth error, never retried.
	bad := emuClient(t, srv, func(cfg *modelarts.Config) {
		cfg.Credentials = modelarts.Credentials{Username: emulator.DefaultUser, Password: "wrong-password-x", DomainName: emulator.DefaultDomain}
	})
	if _, err := bad.List(ctx, modelarts.ListOptions{}); !modelarts.IsAuth(err) {
		t.Errorf("wrong password: %v", err)
	}
}

func TestEmulatorAKSK(t *testing.T) {
	srv := startEmulator(t, emulator.Options{})
	ctx := context.Background()
	// The project is looked up by region name when not configured.
	c := emuClient(t, srv, func(cfg *modelarts.Config) { cfg.ProjectID = "" })
	if _, err := c.List(ctx, modelarts.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	if p, _ := c.ProjectID(ctx); p != srv.ProjectID() {
		t.Errorf("project %q, want %q", p, srv.ProjectID())
	}
	// A wrong secret key: one attempt only (APIG.0301 is never retried).
	bad := emuClient(t, srv, func(cfg *modelarts.Config) { cfg.Credentials.SK = "wrong-secret-key-value" })
	before := srv.Stats().AuthFailures
	if _, err := bad.Get(ctx, "0b0c7a8e-0000-4000-8000-000000000000"); !modelarts.IsAuth(err) {
		t.Errorf("wrong SK: %v", err)
	}
	if n := srv.Stats().AuthFailures - before; n != 1 {
		t.Errorf("%d signature failures, want 1", n)
	}
}

// TestThrottledCreateResent: a create the gateway refused (429) created
// nothing, so the client sends it again; the notebook exists once. The
// gateway's bucket holds one request, which the list takes. A fixed
// limiter learns nothing from the throttle: the retry waits the
// Retry-After (whole seconds, at least 1). The adaptive one paces every
// request at the budget the 429 states from then on: the retry waits its
// turn, 50 ms at 20/s, not the whole second (Limiter.Paces).
func TestThrottledCreateResent(t *testing.T) {
	for _, tt := range []struct {
		name     string
		rate     float64
		lim      *modelarts.Limiter
		min, max time.Duration
	}{
		{"fixed limiter: Retry-After", 1, modelarts.NewLimiter(0), 900 * time.Millisecond, 5 * time.Second},
		{"adaptive limiter: its pace", 20, modelarts.NewAdaptiveLimiter(modelarts.LimiterOptions{}), 0, 500 * time.Millisecond},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := startEmulator(t, emulator.Options{RateLimit: tt.rate, RateBurst: 1})
			var mu sync.Mutex
			var times []time.Time
			c := emuClient(t, srv, func(cfg *modelarts.Config) {
				cfg.Limiter = tt.lim
				cfg.Observer = func(e modelarts.Event) {
					mu.Lock()
					times = append(times, time.Now())
					mu.Unlock()
				}
			})
			ctx := context.Background()
			if _, err := c.List(ctx, modelarts.ListOptions{Feature: "NOTEBOOK"}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Create(ctx, newReq("throttled")); err != nil {
				t.Fatalf("create: %v", err)
			}
			if got := srv.Stats().Requests["create"]; got[429] != 1 || got[200] != 1 || srv.Stats().NotebooksCreated != 1 {
				t.Errorf("create requests %v, want one 429 and one 200", got)
			}
			mu.Lock()
			defer mu.Unlock()
			if n := len(times); n != 3 {
				t.Fatalf("%d attempts, want a list and two creates", n)
			}
			if gap := times[2].Sub(times[1]); gap < tt.min || gap > tt.max {
				t.Errorf("re-sent after %v, want between %v and %v", gap, tt.min, tt.max)
			}
		})
	}
}

// BenchmarkAdaptiveCreates sends 1000 creates from 64 goroutines to an
// emulator limited to 100 req/s that the client does not know, with the
// default adaptive limiter, and reports the time against the ideal N/rate.
func BenchmarkAdaptiveCreates(b *testing.B) {
	const n, limit = 1000, 100.0
	for range b.N {
		srv, err := emulator.New(emulator.Options{RateLimit: limit, CreateTime: time.Millisecond})
		if err != nil {
			b.Fatal(err)
		}
		lim := modelarts.NewAdaptiveLimiter(modelarts.LimiterOptions{})
		c, err := modelarts.New(modelarts.Config{
			Cloud: modelarts.OTC, Endpoint: srv.URL(), ProjectID: srv.ProjectID(), Limiter: lim,
			Credentials: modelarts.Credentials{AK: emulator.DefaultAK, SK: emulator.DefaultSK},
		})
		if err != nil {
			b.Fatal(err)
		}
		work := make(chan int)
		var wg sync.WaitGroup
		var mu sync.Mutex
		throttled := 0
		start := time.Now()
		for range 64 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range work {
					for {
						_, err := c.Create(context.Background(), newReq(fmt.Sprintf("bench-%04d", i)))
						if err == nil {
							break
						}
						if !modelarts.IsThrottled(err) {
							b.Error(err)
							break
						}
						mu.Lock()
						throttled++
						mu.Unlock()
					}
				}
			}()
		}
		for i := range n {
			work <- i
		}
		close(work)
		wg.Wait()
		el := time.Since(start)
		b.ReportMetric(el.Seconds()/(n/limit), "x_ideal")
		b.ReportMetric(float64(throttled), "429s")
		b.ReportMetric(lim.Rate(), "final_rps")
		srv.Close()
	}
}

// Rule 14: a renew to type idle takes effect. The client sends the lease
// in the body and no query duration, since a query duration makes the
// service ignore the body and its type.
func TestEmulatorRenewIdle(t *testing.T) {
	for _, cloud := range []modelarts.Cloud{modelarts.HuaweiCloud, modelarts.OTC} {
		t.Run(string(cloud), func(t *testing.T) {
			srv := startEmulator(t, emulator.Options{Cloud: string(cloud)})
			c := emuClient(t, srv, func(cfg *modelarts.Config) { cfg.Cloud = cloud })
			ctx := context.Background()
			nb, err := c.Create(ctx, newReq("idle"))
			if err != nil {
				t.Fatal(err)
			}
			waitStatus(t, c, nb.ID, modelarts.StatusRunning)
			l, err := c.RenewLease(ctx, nb.ID, modelarts.LeaseReq{Duration: 2 * 3600000, Type: "idle"})
			if err != nil || l.Type != "IDLE" {
				t.Fatalf("renew idle: %+v, %v", l, err)
			}
			if l, err := c.GetLease(ctx, nb.ID); err != nil || l.Type != "IDLE" || l.Duration < 2*3600000 {
				t.Errorf("lease after renew: %+v, %v", l, err)
			}
			if _, err := c.RenewLease(ctx, nb.ID, modelarts.LeaseReq{Type: "idle"}); err == nil {
				t.Error("a renew without duration was sent")
			}
		})
	}
}

// Rule 2: List without a feature sees DEFAULT notebooks too; rule 21: it
// sees notebooks another IAM principal made; rule 6: a token of another
// project is an authentication error, not "gone".
func TestEmulatorListSeesEverything(t *testing.T) {
	const ak2, sk2 = "SECONDACCESSKEY0000000", "second-secret-key-for-tests"
	srv := startEmulator(t, emulator.Options{AccessKeys: map[string]string{emulator.DefaultAK: emulator.DefaultSK, ak2: sk2}})
	ctx := context.Background()
	c := emuClient(t, srv, func(cfg *modelarts.Config) { cfg.Cloud = modelarts.HuaweiCloud })
	free := newReq("free")
	free.Feature, free.Flavor = "DEFAULT", "modelarts.vm.cpu.free"
	if _, err := c.Create(ctx, free); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(ctx, newReq("billed")); err != nil {
		t.Fatal(err)
	}
	other := emuClient(t, srv, func(cfg *modelarts.Config) {
		cfg.Cloud = modelarts.HuaweiCloud
		cfg.Credentials = modelarts.Credentials{AK: ak2, SK: sk2}
	})
	got, err := other.List(ctx, modelarts.ListOptions{WorkspaceID: "0"})
	if err != nil || len(got) != 2 {
		t.Fatalf("another user's List: %d notebooks, %v; want the 2 of the project", len(got), err)
	}
	if got, err := c.List(ctx, modelarts.ListOptions{Feature: "NOTEBOOK"}); err != nil || len(got) != 1 || got[0].Name != "billed" {
		t.Errorf("List of NOTEBOOK notebooks: %v, %v", got, err)
	}

	body := fmt.Sprintf(`{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":%q,"password":%q,"domain":{"name":%q}}}},"scope":{"project":{"name":%q}}}}`,
		emulator.DefaultUser, emulator.DefaultPassword, emulator.DefaultDomain, emulator.DefaultProjectName)
	res, err := http.Post(srv.URL()+"/v3/auth/tokens", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	wrong := emuClient(t, srv, func(cfg *modelarts.Config) {
		cfg.ProjectID = "ffffffffffffffffffffffffffffffff" // not the token's project
		cfg.Credentials = modelarts.Credentials{Token: modelarts.Secret(res.Header.Get("X-Subject-Token"))}
	})
	_, err = wrong.Get(ctx, "00000000-0000-4000-8000-000000000000")
	if !modelarts.IsWrongProject(err) || !modelarts.IsAuth(err) || errors.Is(err, modelarts.ErrNotFound) {
		t.Errorf("token of another project: %v, want 404 ModelArts.2786, auth, not not-found", err)
	}
}

// TestEmulatorFieldSets holds the emulator's answers, per cloud profile,
// to the fixtures of testdata/fixtures: every field it answers is one the
// cloud documents, the fields that tell the clouds apart are the cloud's,
// and every field the cloud's examples show is answered.
func TestEmulatorFieldSets(t *testing.T) {
	for _, cloud := range []string{emulator.CloudHuawei, emulator.CloudOTC} {
		t.Run(cloud, func(t *testing.T) {
			srv := startEmulator(t, emulator.Options{Cloud: cloud, Auth: emulator.AuthNone, ResizeTime: time.Hour})
			base := srv.URL() + "/v1/" + srv.ProjectID()
			call := func(method, path, body string) (int, []byte) {
				t.Helper()
				req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				b, _ := io.ReadAll(res.Body)
				return res.StatusCode, b
			}
			answers := map[string][]byte{}
			ok := func(op, method, path, body string) []byte {
				t.Helper()
				code, b := call(method, path, body)
				if code != 200 {
					t.Fatalf("%s: %d %s", op, code, b)
				}
				answers[op] = b
				return b
			}
			var nb struct{ ID string }
			_ = json.Unmarshal(ok("create", "POST", "/notebooks", `{"name":"rich","description":"d","flavor":"modelarts.vm.cpu.2u",
				"image_id":"`+emulator.DefaultImageID+`","pool_id":"pool41664192",
				"volume":{"category":"EFS","ownership":"DEDICATED","uri":"192.168.0.1:/share","id":"280a8bd5-03e2-4a5c-bea1-83d81e75bc53"},
				"endpoints":[{"service":"SSH","key_pair_names":["k"],"allowed_access_ips":["1.1.1.1"]}],
				"hooks":{"container_hooks":{"pre_start":{"script":"ZWNobyBoaQ==","type":"COMMAND"}}},
				"lease":{"duration":3600000,"type":"timing"}}`), &nb)
			var evs struct{ ID string }
			_ = json.Unmarshal(ok("create2", "POST", "/notebooks", `{"name":"evs","flavor":"modelarts.vm.cpu.2u","image_id":"`+emulator.DefaultImageID+`",
				"volume":{"category":"EVS","ownership":"MANAGED","capacity":50}}`), &evs)
			ok("show-creating", "GET", "/notebooks/"+nb.ID, "")
			waitStatus(t, emuClient(t, srv, func(c *modelarts.Config) { c.Cloud = modelarts.Cloud(cloud) }), evs.ID, modelarts.StatusRunning)
			ok("update", "PUT", "/notebooks/"+evs.ID, `{"storage_new_size":150,"description":"grown"}`)
			ok("show", "GET", "/notebooks/"+nb.ID, "")
			ok("list", "GET", "/notebooks?limit=10", "")
			ok("lease", "GET", "/notebooks/"+nb.ID+"/lease", "")
			ok("renew", "PATCH", "/notebooks/"+nb.ID+"/lease", `{"duration":7200000,"type":"idle"}`)
			ok("stop", "POST", "/notebooks/"+nb.ID+"/stop", "")
			waitStatus(t, emuClient(t, srv, func(c *modelarts.Config) { c.Cloud = modelarts.Cloud(cloud) }), nb.ID, modelarts.StatusStopped)
			ok("start", "POST", "/notebooks/"+nb.ID+"/start", "")
			ok("delete", "DELETE", "/notebooks/"+evs.ID, "")
			_, notFound := call("GET", "/notebooks/00000000-0000-4000-8000-000000000000", "")
			answers["error"] = notFound

			docPaths := func(name string) map[string]bool {
				b, err := os.ReadFile(filepath.Join("testdata", "fixtures", cloud, name))
				if err != nil {
					t.Fatal(err)
				}
				p, err := modelarts.FieldPaths(b)
				if err != nil {
					t.Fatal(err)
				}
				return p
			}
			documented := docPaths("notebook-fields.json")
			for k := range documented {
				documented["data[]."+k] = true
			}
			for _, k := range []string{"current", "data", "pages", "size", "total"} {
				documented[k] = true
			}
			leaseDoc := docPaths("lease-response.json")
			union := map[string]bool{}
			for op, b := range answers {
				got, err := modelarts.FieldPaths(b)
				if err != nil {
					t.Fatalf("%s: %v", op, err)
				}
				want := documented
				switch op {
				case "lease", "renew":
					want = leaseDoc
				case "error":
					want = map[string]bool{"error_code": true, "error_msg": true, "request_id": true}
				}
				for _, p := range sortedKeys(got) {
					if !want[p] {
						t.Errorf("%s answers %s, which %s does not document", op, p, cloud)
					}
					union[p] = true
				}
			}
			if strings.Contains(string(answers["show"]), "hooks") {
				t.Error("an answer carries hooks (rule 7)")
			}
			distinct := map[string][]string{
				emulator.CloudHuawei: {"volume.id", "volume.uri", "endpoints[].key_pair_names", "action_progress[].description", "volume.status"},
				emulator.CloudOTC:    {"endpoints[].ssh_keys", "action_progress[].step_description", "action_progress[].notebook_id", "volume.status"},
			}
			for _, p := range distinct[cloud] {
				if !union[p] {
					t.Errorf("no answer carries %s", p)
				}
			}
			// Every field of the cloud's documented examples is answered.
			if cloud == emulator.CloudOTC {
				for op, file := range map[string]string{"create": "create-response.json", "show": "show-response.json",
					"list": "list-response.json", "start": "start-response.json", "delete": "delete-response.json",
					"renew": "lease-response.json"} {
					got, _ := modelarts.FieldPaths(answers[op])
					for _, p := range sortedKeys(docPaths(file)) {
						if !got[p] {
							t.Errorf("%s: the documented example has %s, the emulator's answer does not", op, p)
						}
					}
				}
			}
		})
	}
}

func sortedKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
