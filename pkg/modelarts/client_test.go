package modelarts

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nbfleet/nbfleet/internal/sdkhmac"
)

const (
	testAK      = "TESTACCESSKEY0000001"
	testSK      = "topsecretSKvalue-doNotLeak-0123456789"
	testProject = "0123456789abcdef0123456789abcdef"
)

var fastRetry = RetryPolicy{MaxAttempts: 4, WaitMin: time.Millisecond, WaitMax: 5 * time.Millisecond, MaxElapsed: 5 * time.Second}

func akskConfig(url string) Config {
	return Config{
		Cloud: OTC, Region: "eu-de", Endpoint: url, IAMEndpoint: url, ProjectID: testProject,
		Credentials: Credentials{AK: testAK, SK: testSK},
		UserAgent:   "nbfleet/test", Limiter: NewLimiter(0), Retry: fastRetry,
	}
}

func newClient(t *testing.T, cfg Config) *Client {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func apiErrBody(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]string{"error_code": code, "error_msg": msg})
}

// TestSignedRequestVerifies checks the headers of every request and that
// the signature verifies over exactly what was sent, for each operation.
func TestSignedRequestVerifies(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		_, err := sdkhmac.Verify(r, body, func(ak string) (string, bool) { return testSK, ak == testAK }, time.Now(), 15*time.Minute)
		problems := []string{}
		if err != nil {
			problems = append(problems, "verify: "+err.Error())
		}
		if got := r.Header.Get("X-Project-Id"); got != testProject {
			problems = append(problems, "X-Project-Id "+got)
		}
		if got := r.Header.Get("User-Agent"); got != "nbfleet/test" {
			problems = append(problems, "User-Agent "+got)
		}
		if got := r.Header.Get("X-Language"); got != "en-us" {
			problems = append(problems, "X-Language "+got)
		}
		if ct := r.Header.Get("Content-Type"); (len(body) > 0) != (ct == "application/json") {
			problems = append(problems, fmt.Sprintf("Content-Type %q with %d body bytes", ct, len(body)))
		}
		if a := r.Header.Get("Authorization"); !strings.Contains(a, "SignedHeaders=host;x-project-id;x-sdk-date,") {
			problems = append(problems, "Authorization "+a)
		}
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery+" "+strings.Join(problems, "; "))
		mu.Unlock()
		switch {
		case strings.HasSuffix(r.URL.Path, "/lease"):
			writeJSON(w, 200, Lease{Duration: 3600000, Enable: true, Type: "TIMING"})
		case strings.HasSuffix(r.URL.Path, "/flavors"):
			writeJSON(w, 200, map[string]any{"flavors": []Flavor{{ID: "modelarts.vm.cpu.2u"}}, "total": 1})
		case strings.HasSuffix(r.URL.Path, "/images"):
			writeJSON(w, 200, map[string]any{"data": []Image{{ID: "img"}}, "total": 1})
		case strings.HasSuffix(r.URL.Path, "/notebooks/all") && r.Method == "GET":
			writeJSON(w, 200, map[string]any{"data": []Notebook{{ID: "nb1"}}, "total": 1})
		default:
			writeJSON(w, 200, Notebook{ID: "nb1", Status: StatusRunning})
		}
	}))
	defer srv.Close()
	c := newClient(t, akskConfig(srv.URL))
	ctx := context.Background()
	desc := "<b>a & b</b>"
	steps := []func() error{
		func() error {
			_, err := c.Create(ctx, &CreateRequest{Name: "n1", Description: desc, Flavor: "f", ImageID: "i", Volume: VolumeReq{Category: "evs", Ownership: "managed"}})
			return err
		},
		func() error { _, err := c.List(ctx, ListOptions{Name: "n 1/x", WorkspaceID: "0"}); return err },
		func() error {
			_, err := c.ListPage(ctx, ListOptions{Feature: "DEFAULT", SortDir: "ASC"}, 50, 50)
			return err
		},
		func() error { _, err := c.Get(ctx, "nb1"); return err },
		func() error { _, err := c.Update(ctx, "nb1", &UpdateRequest{Description: &desc}); return err },
		func() error { return c.Delete(ctx, "nb1") },
		func() error { _, err := c.Start(ctx, "nb1", &LeaseReq{Duration: 3600000, Type: "TIMING"}); return err },
		func() error { _, err := c.Stop(ctx, "nb1"); return err },
		func() error { _, err := c.RenewLease(ctx, "nb1", LeaseReq{Duration: 7200000}); return err },
		func() error { _, err := c.GetLease(ctx, "nb1"); return err },
		func() error { _, err := c.ListFlavors(ctx); return err },
		func() error { _, err := c.ListImages(ctx, ImageListOptions{}); return err },
	}
	for i, f := range steps {
		if err := f(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	want := []string{
		"POST /v1/" + testProject + "/notebooks? ",
		"GET /v1/" + testProject + "/notebooks/all?feature=NOTEBOOK&limit=50&name=n%201%2Fx&offset=0&workspaceId=0 ", // akskConfig is OTC: its spelling
		"GET /v1/" + testProject + "/notebooks/all?feature=DEFAULT&limit=50&name=n%201%2Fx&offset=0&workspaceId=0 ",  // akskConfig is OTC: its spelling
		"GET /v1/" + testProject + "/notebooks/all?feature=DEFAULT&limit=50&offset=50&sort_dir=ASC ",
		"GET /v1/" + testProject + "/notebooks/nb1? ",
		"PUT /v1/" + testProject + "/notebooks/nb1? ",
		"DELETE /v1/" + testProject + "/notebooks/nb1? ",
		"POST /v1/" + testProject + "/notebooks/nb1/start?duration=3600000&type=timing ",
		"POST /v1/" + testProject + "/notebooks/nb1/stop? ",
		"PATCH /v1/" + testProject + "/notebooks/nb1/lease? ",
		"GET /v1/" + testProject + "/notebooks/nb1/lease? ",
		"GET /v1/" + testProject + "/notebooks/flavors?limit=50&offset=0 ",
		"GET /v1/" + testProject + "/images?limit=50&offset=0 ",
	}
	if strings.Join(seen, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(seen, "\n"), strings.Join(want, "\n"))
	}
	if s := c.Stats(); s.Requests != int64(len(want)) || s.ByStatus[200] != int64(len(want)) {
		t.Errorf("stats = %+v", s)
	}
}

// TestWireBodies pins the request spelling of endpoints (the same on both
// clouds, rule 9), the enum case and that every CreateRequest field goes
// out.
func TestWireBodies(t *testing.T) {
	req := &CreateRequest{Name: "n", Flavor: "f", ImageID: "i", Description: "a<b>&c",
		Duration: 60000, Feature: "notebook", PoolID: "p", WorkspaceID: "w",
		Volume:    VolumeReq{Category: "evs", Ownership: "managed", Capacity: 50},
		Endpoints: []Endpoint{{Service: "ssh", KeyPairNames: []string{"k"}, AllowedAccessIPs: []string{"1.2.3.4"}}},
		Hooks:     &Hooks{ContainerHooks: &ContainerHooks{PreStart: &HookConfig{Script: "ZWNobw==", Type: "command"}}},
		Lease:     &LeaseReq{Duration: 3600000, Type: "IDLE"}}
	empty := []Endpoint{}
	for _, tc := range []struct {
		name string
		body any
		want string
	}{
		{"create", createBody(req), `{"name":"n","description":"a<b>&c","duration":60000,"feature":"NOTEBOOK","flavor":"f","image_id":"i","pool_id":"p","volume":{"category":"EVS","ownership":"MANAGED","capacity":50},"workspace_id":"w","hooks":{"container_hooks":{"pre_start":{"script":"ZWNobw==","type":"COMMAND"}}},"lease":{"duration":3600000,"type":"idle"},"endpoints":[{"service":"SSH","key_pair_names":["k"],"allowed_access_ips":["1.2.3.4"]}]}`},
		{"update clearing endpoints", updateBody(&UpdateRequest{Flavor: "f2", Endpoints: empty}), `{"flavor":"f2","endpoints":[]}`},
		{"update", updateBody(&UpdateRequest{Name: "x"}), `{"name":"x"}`},
	} {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(tc.body); err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(buf.String()); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}

// TestRenewLeaseEmptyAnswer: a renew answered without a body (204) reads
// the lease with a GET instead of returning an empty one.
func TestRenewLeaseEmptyAnswer(t *testing.T) {
	var calls []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls = append(calls, r.Method)
		if r.Method == http.MethodPatch {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		writeJSON(w, 200, Lease{Duration: 7200000, Enable: true, Type: "TIMING"})
	}))
	defer srv.Close()
	l, err := newClient(t, akskConfig(srv.URL)).RenewLease(context.Background(), "nb1", LeaseReq{Duration: 7200000})
	if err != nil {
		t.Fatal(err)
	}
	if l.Duration != 7200000 || strings.Join(calls, " ") != "PATCH GET" {
		t.Errorf("lease %+v after %v, want duration 7200000 after PATCH GET", l, calls)
	}
}

// TestCatalogPaging: flavors and images are read page by page to the end,
// and a server that ignores offset does not loop forever.
func TestCatalogPaging(t *testing.T) {
	for _, tc := range []struct {
		name          string
		ignoreOffset  bool
		want, wantReq int
	}{
		{"pages to the total", false, 120, 3},
		{"offset ignored", true, 50, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var requests atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				requests.Add(1)
				offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
				limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
				if tc.ignoreOffset {
					offset = 0
				}
				var ids []string
				for i := offset; i < min(offset+limit, 120); i++ {
					ids = append(ids, fmt.Sprintf("x%03d", i))
				}
				if strings.HasSuffix(r.URL.Path, "/flavors") {
					var fs []Flavor
					for _, id := range ids {
						fs = append(fs, Flavor{ID: id})
					}
					writeJSON(w, 200, map[string]any{"flavors": fs, "total": 120})
					return
				}
				var ims []Image
				for _, id := range ids {
					ims = append(ims, Image{ID: id})
				}
				writeJSON(w, 200, map[string]any{"data": ims, "total": 120})
			}))
			defer srv.Close()
			c := newClient(t, akskConfig(srv.URL))
			fs, err := c.ListFlavors(context.Background())
			if err != nil || len(fs) != tc.want || requests.Load() != int64(tc.wantReq) {
				t.Errorf("ListFlavors: %d flavors, %d requests, %v; want %d, %d", len(fs), requests.Load(), err, tc.want, tc.wantReq)
			}
			requests.Store(0)
			ims, err := c.ListImages(context.Background(), ImageListOptions{})
			if err != nil || len(ims) != tc.want || requests.Load() != int64(tc.wantReq) {
				t.Errorf("ListImages: %d images, %d requests, %v; want %d, %d", len(ims), requests.Load(), err, tc.want, tc.wantReq)
			}
		})
	}
}

func TestEndpointJSON(t *testing.T) {
	b, _ := json.Marshal(Endpoint{Service: "SSH", KeyPairNames: []string{"k"}, AllowedAccessIPs: []string{"1.1.1.1"}})
	if string(b) != `{"dev_service":"SSH","ssh_keys":["k"],"allowed_access_ips":["1.1.1.1"]}` {
		t.Errorf("marshal = %s", b)
	}
	for _, in := range []string{
		`{"service":"SSH","key_pair_names":["k"],"uri":"10.0.0.1:22"}`,
		`{"dev_service":"SSH","ssh_keys":["k"],"uri":"10.0.0.1:22"}`,
		`{"service":"SSH","dev_service":"XX","ssh_keys":["k"],"key_pair_names":null,"uri":"10.0.0.1:22"}`,
	} {
		var e Endpoint
		if err := json.Unmarshal([]byte(in), &e); err != nil {
			t.Fatal(err)
		}
		if e.Service != "SSH" || len(e.KeyPairNames) != 1 || e.URI != "10.0.0.1:22" {
			t.Errorf("%s → %+v", in, e)
		}
	}
}

// script answers the requests of a test in order; the last entry repeats.
type script struct {
	mu    sync.Mutex
	steps []func(w http.ResponseWriter, r *http.Request)
	n     int
	times []time.Time
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	i := min(s.n, len(s.steps)-1)
	s.n++
	s.times = append(s.times, time.Now())
	s.mu.Unlock()
	s.steps[i](w, r)
}

func (s *script) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

func status(code int, errCode string, hdr ...string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(hdr); i += 2 {
			w.Header().Set(hdr[i], hdr[i+1])
		}
		if code == 200 {
			writeJSON(w, 200, Notebook{ID: "nb1", Status: StatusRunning})
			return
		}
		apiErrBody(w, code, errCode, "scripted")
	}
}

func reset(w http.ResponseWriter, r *http.Request) {
	hj, _ := w.(http.Hijacker)
	conn, _, err := hj.Hijack()
	if err == nil {
		conn.Close()
	}
}

func TestRetries(t *testing.T) {
	ok := status(200, "")
	for _, tc := range []struct {
		name      string
		steps     []func(http.ResponseWriter, *http.Request)
		call      func(*Client) error
		wantN     int
		wantErr   bool
		ambiguous bool
		check     func(error) bool
	}{
		{"get retries 5xx", []func(http.ResponseWriter, *http.Request){status(500, "ModelArts.0010"), status(502, ""), status(503, ""), ok},
			get, 4, false, false, nil},
		{"get gives up after MaxAttempts", []func(http.ResponseWriter, *http.Request){status(503, "")},
			get, 4, true, true, IsRetryable},
		{"get retries 429", []func(http.ResponseWriter, *http.Request){status(429, "APIG.0308"), ok},
			get, 2, false, false, nil},
		{"get retries a reset", []func(http.ResponseWriter, *http.Request){reset, ok},
			get, 2, false, false, nil},
		{"no retry of APIG.0301", []func(http.ResponseWriter, *http.Request){status(401, "APIG.0301"), ok},
			get, 1, true, false, IsAuth},
		{"no retry of a 400", []func(http.ResponseWriter, *http.Request){status(400, "ModelArts.6404"), ok},
			get, 1, true, false, func(err error) bool { return errors.Is(err, ErrNotFound) }},
		{"busy is not retried", []func(http.ResponseWriter, *http.Request){status(400, "ModelArts.6357"), ok},
			func(c *Client) error { _, err := c.Stop(context.Background(), "nb1"); return err }, 1, true, false, IsBusy},
		{"create is never retried on 503", []func(http.ResponseWriter, *http.Request){status(503, ""), ok},
			create, 1, true, true, IsRetryable},
		{"a throttled create was refused: it is re-sent", []func(http.ResponseWriter, *http.Request){status(429, "APIG.0308", "Retry-After", "0"), ok},
			create, 2, false, false, nil},
		{"create is never retried on reset", []func(http.ResponseWriter, *http.Request){reset, ok},
			create, 1, true, true, IsRetryable},
		{"quota is terminal", []func(http.ResponseWriter, *http.Request){status(400, "ModelArts.6302"), ok},
			create, 1, true, false, IsTerminal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &script{steps: tc.steps}
			srv := httptest.NewServer(s)
			defer srv.Close()
			c := newClient(t, akskConfig(srv.URL))
			err := tc.call(c)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if s.count() != tc.wantN {
				t.Errorf("%d requests, want %d", s.count(), tc.wantN)
			}
			if err != nil {
				if IsAmbiguous(err) != tc.ambiguous {
					t.Errorf("IsAmbiguous(%v) = %v", err, !tc.ambiguous)
				}
				if tc.check != nil && !tc.check(err) {
					t.Errorf("classification failed for %v", err)
				}
			}
		})
	}
}

func get(c *Client) error { _, err := c.Get(context.Background(), "nb1"); return err }

// TestRetryBudget counts the requests one call sends to a service that
// fails every time: exactly MaxAttempts, whatever the failure; and no retry
// whose wait would end after MaxElapsed.
func TestRetryBudget(t *testing.T) {
	failures := map[string]func(http.ResponseWriter, *http.Request){
		"503":                     status(503, "APIG.0203"),
		"429 without Retry-After": status(429, "APIG.0308"),
		"connection reset":        reset,
	}
	for name, fail := range failures {
		for _, op := range []string{"delete", "list"} {
			t.Run(name+"/"+op, func(t *testing.T) {
				s := &script{steps: []func(http.ResponseWriter, *http.Request){fail}}
				srv := httptest.NewServer(s)
				defer srv.Close()
				c := newClient(t, akskConfig(srv.URL))
				var err error
				if op == "delete" {
					err = c.Delete(context.Background(), "nb1")
				} else {
					_, err = c.List(context.Background(), ListOptions{})
				}
				if err == nil {
					t.Fatal("no error from a service that always fails")
				}
				if s.count() != fastRetry.MaxAttempts {
					t.Errorf("%d requests, want the budget's %d", s.count(), fastRetry.MaxAttempts)
				}
			})
		}
	}
	t.Run("time", func(t *testing.T) {
		s := &script{steps: []func(http.ResponseWriter, *http.Request){status(503, "")}}
		srv := httptest.NewServer(s)
		defer srv.Close()
		cfg := akskConfig(srv.URL)
		// Waits of at most 20, 40, 80 ms: only the first two retries end
		// within 100 ms of the first attempt.
		cfg.Retry = RetryPolicy{MaxAttempts: 10, WaitMin: 20 * time.Millisecond, WaitMax: time.Second, MaxElapsed: 100 * time.Millisecond}
		c := newClient(t, cfg)
		if err := get(c); err == nil {
			t.Fatal("no error")
		}
		if n := s.count(); n < 2 || n > 3 {
			t.Errorf("%d requests, want 2 or 3 within MaxElapsed", n)
		}
	})
}

func create(c *Client) error {
	_, err := c.Create(context.Background(), &CreateRequest{Name: "n", Flavor: "f", ImageID: "i"})
	return err
}

func TestRetryAfterHonoured(t *testing.T) {
	for _, ra := range []string{"0.2", ""} {
		s := &script{steps: []func(http.ResponseWriter, *http.Request){status(429, "APIG.0308", "Retry-After", ra), status(200, "")}}
		if ra == "" {
			// An HTTP date a second or two ahead.
			s.steps[0] = func(w http.ResponseWriter, r *http.Request) {
				status(429, "APIG.0308", "Retry-After", time.Now().Add(1500*time.Millisecond).UTC().Format(http.TimeFormat))(w, r)
			}
		}
		srv := httptest.NewServer(s)
		c := newClient(t, akskConfig(srv.URL))
		if err := get(c); err != nil {
			t.Fatal(err)
		}
		srv.Close()
		gap := s.times[1].Sub(s.times[0])
		want := 200 * time.Millisecond
		if ra == "" {
			want = 500 * time.Millisecond // the date has one-second resolution
		}
		if gap < want {
			t.Errorf("Retry-After %q: retried after %v, want at least %v", ra, gap, want)
		}
		if st := c.Stats(); st.Throttled != 1 || st.Retries != 1 {
			t.Errorf("stats %+v", st)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"", 0}, {"3", 3 * time.Second}, {"0.5", 500 * time.Millisecond}, {"-1", 0}, {"junk", 0},
		{now.Add(10 * time.Second).Format(http.TimeFormat), 10 * time.Second},
		{now.Add(-10 * time.Second).Format(http.TimeFormat), 0},
	} {
		if got := parseRetryAfter(tc.in, now); got != tc.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestMaxElapsedStopsRetries(t *testing.T) {
	s := &script{steps: []func(http.ResponseWriter, *http.Request){status(429, "APIG.0308", "Retry-After", "30")}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	cfg := akskConfig(srv.URL)
	cfg.Retry.MaxElapsed = time.Second
	c := newClient(t, cfg)
	if err := get(c); !IsThrottled(err) {
		t.Fatalf("err = %v", err)
	}
	if s.count() != 1 {
		t.Errorf("%d requests: a Retry-After beyond MaxElapsed must not be waited for", s.count())
	}
}

func TestContextCancelStopsRetries(t *testing.T) {
	s := &script{steps: []func(http.ResponseWriter, *http.Request){status(503, "", "Retry-After", "1")}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c := newClient(t, akskConfig(srv.URL))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := c.Get(ctx, "nb1")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
}

// iamServer is a minimal IAM + ModelArts pair for password auth.
type iamServer struct {
	mu       sync.Mutex
	issued   int
	valid    map[string]bool
	reject   bool // answer 401 to every ModelArts call
	maCalls  int
	bodySeen string
}

func (s *iamServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.URL.Path == "/v3/auth/tokens" {
		b, _ := io.ReadAll(r.Body)
		s.bodySeen = string(b)
		s.issued++
		tok := fmt.Sprintf("iam-token-%d-secret", s.issued)
		s.valid = map[string]bool{tok: true}
		w.Header().Set("X-Subject-Token", tok)
		writeJSON(w, 201, map[string]any{"token": map[string]any{
			"expires_at": time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339),
			"project":    map[string]string{"id": testProject, "name": "eu-de"}}})
		return
	}
	s.maCalls++
	if s.reject || !s.valid[r.Header.Get("X-Auth-Token")] || r.Header.Get("X-Project-Id") != testProject {
		apiErrBody(w, 401, "ModelArts.0202", "token expired")
		return
	}
	writeJSON(w, 200, Notebook{ID: "nb1"})
}

func passwordConfig(url string) Config {
	cfg := akskConfig(url)
	cfg.ProjectID = ""
	cfg.Credentials = Credentials{Username: "alice", Password: "pa55-w0rd-secret", DomainName: "dom"}
	return cfg
}

func TestPasswordTokenRenewedOnce(t *testing.T) {
	s := &iamServer{}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c := newClient(t, passwordConfig(srv.URL))
	if err := get(c); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s.bodySeen, `"project":{"name":"eu-de"}`) || !strings.Contains(s.bodySeen, `"domain":{"name":"dom"}`) {
		t.Errorf("IAM body %s", s.bodySeen)
	}
	if p, _ := c.ProjectID(context.Background()); p != testProject {
		t.Errorf("project %q, want the token's", p)
	}
	// The service forgets the token: the client fetches a new one once.
	s.mu.Lock()
	s.valid = nil
	s.mu.Unlock()
	if err := get(c); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if s.issued != 2 || c.Stats().TokenRenewals != 1 {
		t.Errorf("issued %d tokens, %d renewals; want 2 and 1", s.issued, c.Stats().TokenRenewals)
	}
	// A service that refuses every token: one renewal, then the 401.
	s.mu.Lock()
	s.reject, s.maCalls = true, 0
	s.mu.Unlock()
	err := get(c)
	if !IsAuth(err) || s.maCalls != 2 {
		t.Errorf("err %v after %d calls; want a 401 after 2", err, s.maCalls)
	}
	for _, secret := range []string{"pa55-w0rd-secret", "iam-token-"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q leaks %q", err, secret)
		}
	}
}

func TestAKSKProjectLookup(t *testing.T) {
	var lookups atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if _, err := sdkhmac.Verify(r, body, func(string) (string, bool) { return testSK, true }, time.Now(), time.Minute); err != nil {
			apiErrBody(w, 401, "APIG.0301", err.Error())
			return
		}
		if r.URL.Path == "/v3/projects" {
			lookups.Add(1)
			writeJSON(w, 200, map[string]any{"projects": []map[string]string{{"id": "other", "name": "eu-de_sub"}, {"id": testProject, "name": r.URL.Query().Get("name")}}})
			return
		}
		if r.Header.Get("X-Project-Id") != testProject || !strings.Contains(r.URL.Path, testProject) {
			apiErrBody(w, 400, "X", "project")
			return
		}
		writeJSON(w, 200, Notebook{ID: "nb1"})
	}))
	defer srv.Close()
	cfg := akskConfig(srv.URL + "/")
	cfg.IAMEndpoint = srv.URL + "/v3"
	cfg.ProjectID = ""
	c := newClient(t, cfg)
	for range 3 {
		if err := get(c); err != nil {
			t.Fatal(err)
		}
	}
	if lookups.Load() != 1 {
		t.Errorf("%d project lookups, want 1", lookups.Load())
	}
}

func TestBadBodies(t *testing.T) {
	huge := func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		chunk := bytes.Repeat([]byte("x"), 1<<20)
		w.Write([]byte(`{"id":"`))
		for range 9 {
			w.Write(chunk)
		}
	}
	for _, tc := range []struct {
		name   string
		h      http.HandlerFunc
		status int
		msg    string
	}{
		{"html 502", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(502)
			w.Write([]byte("<html><head><title>502 Bad Gateway</title></head><body>\n<h1>Bad\tGateway</h1> " + testSK + "</body></html>"))
		}, 502, "unexpected response: 502 Bad Gateway Bad Gateway REDACTED"},
		{"malformed 200", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200); w.Write([]byte(`{"id": "x", `)) },
			200, `malformed response body: {"id": "x",`},
		{"truncated error json", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(400)
			w.Write([]byte(`{"error_code":"ModelArts.6404","error_m`))
		}, 400, `unexpected response: {"error_code":"ModelArts.6404","error_m`},
		{"huge 200", huge, 200, "response body larger than 8 MiB"},
		{"empty 500", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }, 500, "Internal Server Error"},
		{"binary 400", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(400)
			w.Write([]byte{0, 1, 2, 0xff, 'o', 'k'})
		},
			400, "unexpected response: ok"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.h)
			defer srv.Close()
			cfg := akskConfig(srv.URL)
			cfg.Retry.MaxAttempts = 1
			c := newClient(t, cfg)
			err := get(c)
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v, want *APIError", err)
			}
			if ae.HTTPStatus != tc.status || ae.Message != tc.msg {
				t.Errorf("got %d %q, want %d %q", ae.HTTPStatus, ae.Message, tc.status, tc.msg)
			}
			if len(err.Error()) > 400 {
				t.Errorf("error too long: %d bytes", len(err.Error()))
			}
		})
	}
}

func TestParseAPIError(t *testing.T) {
	h := http.Header{}
	for _, tc := range []struct {
		body      string
		hdr       string
		code, msg string
		reqID     string
		notFound  bool
	}{
		{`{"error_code":"ModelArts.6309","error_msg":"The instance does not exist."}`, "", "ModelArts.6309", "The instance does not exist.", "", true},
		{`{"error_code":"APIG.0301","error_msg":"verify aksk signature fail","request_id":"r1"}`, "", "APIG.0301", "verify aksk signature fail", "r1", false},
		{`{"code":"ModelArts.6404","message":"gone"}`, "hdr", "ModelArts.6404", "gone", "hdr", true},
		{`{"error":{"code":401,"message":"The username or password is wrong.","title":"Unauthorized"}}`, "", "401", "The username or password is wrong.", "", false},
	} {
		h.Set("X-Request-Id", tc.hdr)
		e := parseAPIError(400, h, []byte(tc.body), false, time.Now(), nil)
		if e.Code != tc.code || e.Message != tc.msg || e.RequestID != tc.reqID || errors.Is(e, ErrNotFound) != tc.notFound {
			t.Errorf("%s → %+v (not found %v)", tc.body, e, errors.Is(e, ErrNotFound))
		}
	}
}

func TestClassification(t *testing.T) {
	ae := func(status int, code string) error {
		return fmt.Errorf("op: %w", &APIError{HTTPStatus: status, Code: code})
	}
	for _, tc := range []struct {
		err                                                       error
		retryable, throttled, busy, terminal, ambiguous, notFound bool
	}{
		{ae(429, "APIG.0308"), true, true, false, false, false, false},
		{ae(500, "ModelArts.0010"), true, false, false, false, true, false},
		{ae(503, ""), true, false, false, false, true, false},
		{ae(401, "APIG.0301"), false, false, false, true, false, false},
		{ae(403, "ModelArts.0108"), false, false, false, true, false, false},
		{ae(400, "ModelArts.6357"), false, false, true, false, false, false},
		{ae(400, "ModelArts.6307"), false, false, true, false, false, false},
		{ae(400, "ModelArts.0113"), false, false, false, true, false, false},
		{ae(400, "ModelArts.0116"), false, false, false, true, false, false},
		{ae(400, "ModelArts.0118"), false, false, false, true, false, false},
		{ae(400, "ModelArts.6302"), false, false, false, true, false, false},
		{ae(400, "ModelArts.6329"), false, false, false, true, false, false},
		{ae(400, "ModelArts.6716"), false, false, false, true, false, false},
		{ae(400, "ModelArts.6528"), false, false, false, true, false, false},
		{ae(400, "ModelArts.6360"), false, false, false, true, false, false},
		{ae(400, "ModelArts.0101"), false, false, false, true, false, false},
		{ae(400, "ModelArts.6404"), false, false, false, false, false, true},
		{ae(400, "ModelArts.6309"), false, false, false, false, false, true},
		{ae(404, ""), false, false, false, false, false, true},
		{ae(404, "APIG.0101"), false, false, false, true, false, false},
		{ae(404, "ModelArts.2786"), false, false, false, true, false, false},
		{ae(400, "ModelArts.6347"), false, false, false, true, false, false},
		{&RequestError{Err: errors.New("connection reset"), Written: true}, true, false, false, false, true, false},
		{&RequestError{Err: errors.New("connection refused")}, true, false, false, false, false, false},
		{&RequestError{Err: context.Canceled}, false, false, false, false, false, false},
		{&RequestError{Err: context.DeadlineExceeded, Written: true}, true, false, false, false, true, false},
		{errors.New("other"), false, false, false, false, false, false},
	} {
		got := [6]bool{IsRetryable(tc.err), IsThrottled(tc.err), IsBusy(tc.err), IsTerminal(tc.err), IsAmbiguous(tc.err), errors.Is(tc.err, ErrNotFound)}
		want := [6]bool{tc.retryable, tc.throttled, tc.busy, tc.terminal, tc.ambiguous, tc.notFound}
		if got != want {
			t.Errorf("%v: retryable/throttled/busy/terminal/ambiguous/notfound = %v, want %v", tc.err, got, want)
		}
	}
}
