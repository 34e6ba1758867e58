package emulator

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nbfleet/nbfleet/internal/safetext"
)

// Server is a running emulator. Its methods are safe for concurrent use.
type Server struct {
	opts    Options
	handler http.Handler
	srv     *http.Server
	url     string

	mu        sync.Mutex // guards everything below; never held while sleeping or writing
	projects  map[string]*project
	created   int64
	tokens    map[string]*token
	aks       map[string]*akState
	buckets   map[string]*bucket
	rateLimit float64
	rateBurst int
	faults    Faults
	stats     Stats
	rng       *rand.Rand
	offset    time.Duration   // added to the clock by Advance
	soldOut   map[string]bool // flavors SetSoldOut made sold out
	dirty     bool
	closed    bool
	saveTimer *time.Timer

	saveMu   sync.Mutex // serialises state writes
	reqSeq   atomic.Uint64
	inflight atomic.Int64
}

// Stats are the emulator's counters (GET /_emulator/stats).
type Stats struct {
	// Requests counts answers by operation (create, list, show, update,
	// delete, start, stop, show_lease, renew_lease, list_flavors,
	// list_images, iam_token, iam_projects, unknown) and HTTP status; a
	// connection reset counts as status 0.
	Requests map[string]map[int]int64 `json:"requests"`
	// Throttled counts 429 answers.
	Throttled int64 `json:"throttled"`
	// Faults counts injected faults by kind (ParseFaults spelling).
	Faults map[string]int64 `json:"faults"`
	// AuthFailures counts 401 answers.
	AuthFailures int64 `json:"auth_failures"`
	// PeakConcurrent is the most API/IAM requests ever in flight at once.
	PeakConcurrent int64 `json:"peak_concurrent"`
	// NotebooksCreated counts notebooks created (including lost creates).
	NotebooksCreated int64 `json:"notebooks_created"`
	// Notebooks is the number of notebooks that exist now (DELETED ones,
	// still shown for a while, do not).
	Notebooks int `json:"notebooks"`
}

// New starts an emulator listening on opts.Listen.
func New(opts Options) (*Server, error) {
	s, err := newServer(opts)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", s.opts.Listen)
	if err != nil {
		return nil, fmt.Errorf("emulator: listen on %s: %w", s.opts.Listen, err)
	}
	s.srv = &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second}
	s.url = "http://" + ln.Addr().String()
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// NewHandler builds an emulator without a listener, for httptest; URL is
// empty and Close only flushes state.
func NewHandler(opts Options) (*Server, error) { return newServer(opts) }

func newServer(opts Options) (*Server, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, fmt.Errorf("emulator: %w", err)
	}
	s := &Server{opts: opts, rateLimit: opts.RateLimit, rateBurst: opts.RateBurst, faults: opts.Faults}
	s.resetLocked()
	s.tokens = map[string]*token{}
	if opts.StatePath != "" {
		if err := s.load(); err != nil {
			return nil, fmt.Errorf("emulator: %w", err)
		}
	}
	s.handler = s.routes()
	return s, nil
}

func (s *Server) resetLocked() {
	s.projects = map[string]*project{}
	s.created = 0
	s.aks = map[string]*akState{}
	s.buckets = map[string]*bucket{}
	s.stats = Stats{Requests: map[string]map[int]int64{}, Faults: map[string]int64{}}
	s.rng = rand.New(rand.NewPCG(uint64(s.opts.Seed), 0x6e62666c656574))
	s.projectLocked(s.opts.ProjectID)
}

// URL is the base URL, e.g. http://127.0.0.1:8787 ("" for NewHandler).
func (s *Server) URL() string { return s.url }

// Handler serves the emulator's API (for httptest or embedding).
func (s *Server) Handler() http.Handler { return s.handler }

// ProjectID is the default project's id.
func (s *Server) ProjectID() string { return s.opts.ProjectID }

// Close stops the server, letting in-flight requests finish for up to 5 s,
// and writes the state.
func (s *Server) Close() error {
	var err error
	if s.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err = s.srv.Shutdown(ctx); err != nil {
			err = errors.Join(err, s.srv.Close())
		}
	}
	s.mu.Lock()
	s.closed = true
	if s.saveTimer != nil {
		s.saveTimer.Stop()
		s.saveTimer = nil
	}
	s.mu.Unlock()
	return errors.Join(err, s.flush())
}

// Reset deletes every notebook and clears the counters, rate-limit buckets
// and access-key lockouts, and re-seeds the random source. Issued tokens
// stay valid.
func (s *Server) Reset() {
	s.mu.Lock()
	s.resetLocked()
	s.markDirtyLocked()
	s.mu.Unlock()
}

// SetFaults replaces the fault probabilities.
func (s *Server) SetFaults(f Faults) error {
	if err := f.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	s.faults = f
	s.mu.Unlock()
	return nil
}

// SetRateLimit sets the requests per window per project (0: off) and the
// burst of a per-second window (0: max(1, limit/10)); buckets start full
// and per-minute windows start anew.
func (s *Server) SetRateLimit(rps float64, burst int) {
	s.mu.Lock()
	s.rateLimit, s.rateBurst = rps, burst
	s.buckets = map[string]*bucket{}
	s.mu.Unlock()
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Requests = map[string]map[int]int64{}
	for op, m := range s.stats.Requests {
		st.Requests[op] = map[int]int64{}
		for c, n := range m {
			st.Requests[op][c] = n
		}
	}
	st.Faults = map[string]int64{}
	for k, n := range s.stats.Faults {
		st.Faults[k] = n
	}
	st.NotebooksCreated = s.created
	now := ms(s.nowLocked())
	for _, p := range s.projects {
		for _, nb := range p.sorted() {
			if !s.advanceLocked(p, nb, now) && nb.Status != StatusDeleted {
				st.Notebooks++
			}
		}
	}
	return st
}

// Notebooks returns copies of project's notebooks ("" means every
// project), newest first, with their transitions applied.
func (s *Server) Notebooks(project string) []Notebook {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := ms(s.nowLocked())
	var out []Notebook
	for _, id := range sortedKeys(s.projects) {
		if project != "" && id != project {
			continue
		}
		p := s.projects[id]
		order := p.sorted()
		for i := len(order) - 1; i >= 0; i-- {
			nb := order[i]
			if s.advanceLocked(p, nb, now) {
				continue
			}
			c := *nb
			if nb.Pending != nil {
				t := *nb.Pending
				c.Pending = &t
			}
			if nb.Resize != nil {
				r := *nb.Resize
				c.Resize = &r
			}
			out = append(out, c)
		}
	}
	return out
}

// Advance moves the emulator's clock forward by d (time travel for tests):
// transitions, resizes, leases and DELETED notebooks that fall due within d
// complete as if the time had passed. Authentication (signature dates,
// token lifetimes, lockouts) and throttling keep the real clock, since
// clients sign with it. POST /_emulator/clock {"advance":"2h"} does the same.
func (s *Server) Advance(d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("emulator: cannot go back in time (%v)", d)
	}
	s.mu.Lock()
	s.offset += d
	s.markDirtyLocked()
	s.mu.Unlock()
	return nil
}

// SetSoldOut makes the flavor sold out (or available again): the flavor
// list shows it sold_out and a create or update asking for it is
// ModelArts.6329, until SetSoldOut(flavor, false). It steers tests of
// fallback flavors; SoldOutFlavor stays sold out whatever it says.
// POST /_emulator/flavors {"flavor": ID, "sold_out": true} does the same.
func (s *Server) SetSoldOut(flavor string, soldOut bool) error {
	if _, ok := findFlavor(flavor); !ok {
		return fmt.Errorf("emulator: no flavor %q (see Flavors)", flavor)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.soldOut == nil {
		s.soldOut = map[string]bool{}
	}
	s.soldOut[flavor] = soldOut
	return nil
}

// Now is the emulator's lifecycle clock: Options.Clock plus every Advance.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nowLocked()
}

func (s *Server) nowLocked() time.Time { return s.opts.Clock().Add(s.offset) }

// SeedNotebook describes a notebook to insert with Seed, in any status.
// Empty fields take defaults (a modelarts.vm.cpu.2u, DefaultImageID, 5 GB
// EVS notebook, RUNNING, created now). Transitional statuses (CREATING,
// STARTING, STOPPING, DELETING) complete after the configured time; a
// DELETED one stays visible for Options.DeletedVisible.
type SeedNotebook struct {
	ID, Name, Description, Status, FailReason string
	Feature, Flavor, ImageID, WorkspaceID     string
	Volume                                    *Volume
	Endpoints                                 []Endpoint
	CreateAt                                  time.Time
}

// Seed inserts notebooks into project ("" means the default project),
// bypassing validation and quota, and returns them.
func (s *Server) Seed(project string, nbs ...SeedNotebook) ([]Notebook, error) {
	if project == "" {
		project = s.opts.ProjectID
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.nowLocked()
	p := s.projectLocked(project)
	var out []Notebook
	for i, sn := range nbs {
		status := sn.Status
		if status == "" {
			status = StatusRunning
		}
		if !validStatus(status) {
			return out, fmt.Errorf("seed notebook %d (%q): unknown status %q", i, sn.Name, sn.Status)
		}
		nb := &Notebook{
			Project: project, ID: sn.ID, Name: sn.Name, Description: sn.Description, Status: status,
			FailReason: sn.FailReason, Feature: or(sn.Feature, "NOTEBOOK"), Flavor: or(sn.Flavor, "modelarts.vm.cpu.2u"),
			ImageID: or(sn.ImageID, DefaultImageID), WorkspaceID: or(sn.WorkspaceID, "0"),
			Volume:    Volume{Category: "EVS", Ownership: "MANAGED", Capacity: 5, MountPath: "/home/ma-user/work/"},
			Endpoints: sn.Endpoints, Token: s.uuidLocked(),
			Lease: Lease{Duration: defaultDuration, Enable: true, Type: "TIMING"},
		}
		if nb.ID == "" {
			nb.ID = s.uuidLocked()
		}
		if _, dup := p.nbs[nb.ID]; dup {
			return out, fmt.Errorf("seed notebook %d (%q): id %s exists", i, sn.Name, nb.ID)
		}
		if sn.Volume != nil {
			nb.Volume = *sn.Volume
		}
		t := now
		if !sn.CreateAt.IsZero() {
			t = sn.CreateAt
		}
		nb.CreateAt, nb.UpdateAt = ms(t), ms(t)
		nb.Lease.CreateAt, nb.Lease.UpdateAt = ms(t), ms(t)
		if nb.Status == StatusRunning || nb.Status == StatusStopped {
			nb.URL = notebookURL(nb)
		}
		switch nb.Status {
		case StatusCreating, StatusInit:
			nb.Pending = s.transition("create", now)
		case StatusStarting:
			nb.Pending = s.transition("start", now)
		case StatusStopping:
			nb.Pending = s.transition("stop", now)
		case StatusDeleting:
			nb.Pending = s.transition("delete", now)
		case StatusDeleted:
			nb.GoneAt = ms(now) + max(0, s.opts.DeletedVisible.Milliseconds())
		}
		p.add(nb)
		out = append(out, *nb)
	}
	s.markDirtyLocked()
	return out, nil
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// RevokeTokens invalidates every issued IAM token, so clients see 401 and
// must authenticate again.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	s.tokens = map[string]*token{}
	s.mu.Unlock()
}

// uuidLocked returns a random UUID no notebook of any project has. The
// random source is seeded, so an emulator restarted from --state with the
// same seed draws the ids it drew before the restart: without the check a
// new notebook would take a stored one's id and overwrite it.
func (s *Server) uuidLocked() string {
	for {
		id := s.drawUUIDLocked()
		taken := false
		for _, p := range s.projects {
			if _, ok := p.nbs[id]; ok {
				taken = true
				break
			}
		}
		if !taken {
			return id
		}
	}
}

func (s *Server) drawUUIDLocked() string {
	var b [16]byte
	s.randLocked(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// randLocked fills b (a multiple of 8 bytes long) from the seeded source.
func (s *Server) randLocked(b []byte) {
	for i := 0; i < len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], s.rng.Uint64())
	}
}

// --- request pipeline ---

type kind int

const (
	kindAPI kind = iota
	kindIAM
	kindControl
)

// call is one request as a handler sees it.
type call struct {
	r       *http.Request
	op      string
	project string
	body    []byte
	// now is the real clock (authentication, throttling); at is the
	// lifecycle clock, now plus every Advance (timestamps, transitions).
	now, at time.Time
	// principal is who authenticated: "ak:AK", "user:NAME" or "" (auth
	// none); it owns the notebooks the call creates.
	principal string
	draw      draw
	reset     bool // answer by resetting the connection
	header    http.Header
}

// draw is every random number a request may need, drawn together so that
// the same request sequence sees the same outcomes.
type draw struct {
	jitter                  time.Duration
	fault, lost, fail, mode float64
}

type handlerFunc func(c *call) (int, any, *apiError)

const maxBody = 1 << 20

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	api := func(pattern, op string, h handlerFunc) { mux.Handle(pattern, s.wrap(kindAPI, op, h)) }
	api("POST /v1/{project}/notebooks", "create", s.create)
	api("GET /v1/{project}/notebooks", "list", s.list)
	api("GET /v1/{project}/notebooks/all", "list", s.list)
	api("GET /v1/{project}/notebooks/flavors", "list_flavors", s.listFlavors)
	api("GET /v1/{project}/notebooks/{id}", "show", s.show)
	api("PUT /v1/{project}/notebooks/{id}", "update", s.update)
	api("DELETE /v1/{project}/notebooks/{id}", "delete", s.delete)
	api("POST /v1/{project}/notebooks/{id}/start", "start", s.start)
	api("POST /v1/{project}/notebooks/{id}/stop", "stop", s.stop)
	api("GET /v1/{project}/notebooks/{id}/lease", "show_lease", s.showLease)
	api("PATCH /v1/{project}/notebooks/{id}/lease", "renew_lease", s.renewLease)
	api("GET /v1/{project}/images", "list_images", s.listImages)
	mux.Handle("POST /v3/auth/tokens", s.wrap(kindIAM, "iam_token", s.issueToken))
	mux.Handle("GET /v3/projects", s.wrap(kindIAM, "iam_projects", s.listProjects))
	ctl := func(pattern, op string, h handlerFunc) { mux.Handle(pattern, s.wrap(kindControl, op, h)) }
	ctl("GET /_emulator/notebooks", "control", s.ctlNotebooks)
	ctl("GET /_emulator/stats", "control", func(*call) (int, any, *apiError) { return 200, s.Stats(), nil })
	ctl("POST /_emulator/reset", "control", func(*call) (int, any, *apiError) { s.Reset(); return 200, map[string]string{"status": "reset"}, nil })
	ctl("POST /_emulator/revoke-tokens", "control", func(*call) (int, any, *apiError) {
		s.RevokeTokens()
		return 200, map[string]string{"status": "revoked"}, nil
	})
	ctl("POST /_emulator/clock", "control", s.ctlClock)
	ctl("POST /_emulator/flavors", "control", s.ctlFlavors)
	ctl("GET /_emulator/health", "control", func(*call) (int, any, *apiError) { return 200, map[string]string{"status": "ok"}, nil })
	mux.HandleFunc("GET /_emulator/notebook/{id}/lab", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "nbfleet emulator: notebook %s would be here (this is not a real JupyterLab)\n", r.PathValue("id"))
	})
	mux.Handle("/", s.wrap(kindAPI, "unknown", func(c *call) (int, any, *apiError) {
		return 0, nil, &apiError{Status: http.StatusNotFound, Code: codeNoAPI, Msg: "The API does not exist or has not been published in the environment"}
	}))
	return mux
}

func (s *Server) wrap(k kind, op string, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rid := fmt.Sprintf("%032x", s.reqSeq.Add(1))
		w.Header().Set("X-Request-Id", rid)
		c := &call{r: r, op: op, project: r.PathValue("project"), header: w.Header()}
		if k != kindControl {
			n := s.inflight.Add(1)
			defer s.inflight.Add(-1)
			s.mu.Lock()
			s.stats.PeakConcurrent = max(s.stats.PeakConcurrent, n)
			c.draw = draw{fault: s.rng.Float64(), lost: s.rng.Float64(), fail: s.rng.Float64(), mode: s.rng.Float64()}
			if s.opts.Jitter > 0 {
				c.draw.jitter = time.Duration(s.rng.Int64N(int64(s.opts.Jitter)))
			}
			s.mu.Unlock()
			if d := s.opts.Latency + c.draw.jitter; d > 0 {
				t := time.NewTimer(d)
				select {
				case <-t.C:
				case <-r.Context().Done():
					t.Stop()
				}
			}
		}
		status, out, aerr := s.serve(k, c, h)
		if c.reset {
			s.record(c, 0, rid, start)
			resetConn(w)
			return
		}
		if aerr != nil {
			status = aerr.Status
			eb := errorBody{ErrorCode: aerr.Code, ErrorMsg: aerr.Msg}
			if strings.HasPrefix(aerr.Code, "APIG.") {
				eb.RequestID = rid
			}
			out = eb
		}
		if status == 0 {
			status = http.StatusOK
		}
		s.record(c, status, rid, start)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		if out != nil {
			enc := json.NewEncoder(w)
			enc.SetEscapeHTML(false)
			_ = enc.Encode(out)
		}
	})
}

// serve runs auth, throttling and faults, then the handler.
func (s *Server) serve(k kind, c *call, h handlerFunc) (int, any, *apiError) {
	if k == kindControl {
		return h(c)
	}
	var err error
	c.body, err = io.ReadAll(io.LimitReader(c.r.Body, maxBody+1))
	if err != nil || len(c.body) > maxBody {
		return 0, nil, badRequest(codeBadPayload, "request body unreadable or larger than %d bytes", maxBody)
	}
	c.now = s.opts.Clock()
	s.mu.Lock()
	c.at = c.now.Add(s.offset)
	s.mu.Unlock()
	if !(k == kindIAM && c.op == "iam_token") {
		if aerr := s.authenticate(c); aerr != nil {
			return 0, nil, aerr
		}
	}
	if k == kindAPI && c.op != "unknown" {
		if aerr := s.throttle(c); aerr != nil {
			return 0, nil, aerr
		}
	}
	if k == kindAPI && c.op != "unknown" || k == kindIAM && s.opts.FaultsOnIAM {
		if aerr := s.injectFault(c); aerr != nil || c.reset {
			return 0, nil, aerr
		}
	}
	return h(c)
}

func (s *Server) injectFault(c *call) *apiError {
	s.mu.Lock()
	f := s.faults
	s.mu.Unlock()
	u := c.draw.fault
	kinds := []struct {
		p    float64
		kind string
		err  *apiError
	}{
		{f.Err500, Fault500, &apiError{Status: 500, Code: codeInternal, Msg: "System error. (emulated fault)"}},
		{f.Err502, Fault502, &apiError{Status: 502, Code: "APIG.0202", Msg: "Backend unavailable (emulated fault)"}},
		{f.Err503, Fault503, &apiError{Status: 503, Code: "APIG.0203", Msg: "Backend timeout (emulated fault)"}},
		{f.Reset, FaultReset, nil},
	}
	for _, x := range kinds {
		if u < x.p {
			s.countFault(x.kind)
			if x.err == nil {
				c.reset = true
			}
			return x.err
		}
		u -= x.p
	}
	return nil
}

func (s *Server) countFault(kind string) {
	s.mu.Lock()
	s.stats.Faults[kind]++
	s.mu.Unlock()
}

// resetConn closes the connection without an answer.
func resetConn(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			if tc, ok := conn.(*net.TCPConn); ok {
				_ = tc.SetLinger(0)
			}
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

func (s *Server) record(c *call, status int, rid string, start time.Time) {
	s.mu.Lock()
	m := s.stats.Requests[c.op]
	if m == nil {
		m = map[int]int64{}
		s.stats.Requests[c.op] = m
	}
	m[status]++
	switch status {
	case http.StatusTooManyRequests:
		s.stats.Throttled++
	case http.StatusUnauthorized:
		s.stats.AuthFailures++
	}
	s.mu.Unlock()
	// Any client chooses the path: one inert line (slog's quoting leaves
	// DEL and some format characters as they are).
	s.opts.Logger.LogAttrs(c.r.Context(), slog.LevelInfo, "request",
		slog.String("method", c.r.Method), slog.String("path", safetext.Terminal(c.r.URL.Path)), slog.String("op", c.op),
		slog.Int("status", status), slog.Duration("elapsed", time.Since(start).Round(time.Microsecond)),
		slog.String("request_id", rid))
}

// --- throttling ---

// bucket is one project's throttling state: a token bucket for a
// per-second window, a counter of the current fixed window for a
// per-minute one.
type bucket struct {
	tokens float64
	last   time.Time
	start  time.Time // the current fixed window began
	count  int       // requests admitted in it
}

func (s *Server) throttle(c *call) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	rate := s.rateLimit
	if rate <= 0 {
		return nil
	}
	b := s.buckets[c.project]
	var wait time.Duration
	unit := "second"
	if s.opts.RateWindow == time.Minute {
		unit = "minute"
		if b == nil || c.now.Sub(b.start) >= time.Minute {
			start := c.now
			if b != nil {
				// Windows follow each other back to back.
				start = b.start.Add(c.now.Sub(b.start).Truncate(time.Minute))
			}
			b = &bucket{start: start}
			s.buckets[c.project] = b
		}
		if float64(b.count) < math.Floor(rate) {
			b.count++
			return nil
		}
		wait = b.start.Add(time.Minute).Sub(c.now)
	} else {
		burst := float64(s.rateBurst)
		if burst <= 0 {
			burst = math.Max(1, math.Floor(rate/10))
		}
		if b == nil {
			b = &bucket{tokens: burst, last: c.now}
			s.buckets[c.project] = b
		}
		if el := c.now.Sub(b.last).Seconds(); el > 0 {
			b.tokens = math.Min(burst, b.tokens+el*rate)
			b.last = c.now
		}
		if b.tokens >= 1 {
			b.tokens--
			return nil
		}
		wait = time.Duration((1 - b.tokens) / rate * float64(time.Second))
	}
	if !s.opts.NoRetryAfter {
		secs := max(1, int(math.Ceil(wait.Seconds())))
		switch ra := s.opts.RetryAfter; {
		case ra < 0:
			secs = 0
		case ra > 0:
			secs = int(math.Ceil(ra.Seconds()))
		}
		c.header.Set("Retry-After", strconv.Itoa(secs))
	}
	return &apiError{Status: http.StatusTooManyRequests, Code: codeThrottled,
		Msg: fmt.Sprintf("The throttling threshold has been reached: policy user over ratelimit,limit:%s,time:1 %s",
			strconv.FormatFloat(rate, 'f', -1, 64), unit)}
}

// ctlClock is POST /_emulator/clock {"advance":"2h"}: Advance by a Go
// duration. It answers the new lifecycle time.
func (s *Server) ctlClock(c *call) (int, any, *apiError) {
	var req struct {
		Advance string `json:"advance"`
	}
	body, _ := io.ReadAll(io.LimitReader(c.r.Body, maxBody))
	if err := json.Unmarshal(body, &req); err != nil {
		return 0, nil, badRequest(codeBadPayload, "want {\"advance\": \"2h\"}: %v", err)
	}
	d, err := time.ParseDuration(req.Advance)
	if err != nil || d < 0 {
		return 0, nil, badRequest(codeBadParam, "advance %q: want a non-negative Go duration such as \"90m\"", req.Advance)
	}
	_ = s.Advance(d)
	return 200, map[string]string{"now": s.Now().UTC().Format(time.RFC3339Nano)}, nil
}

// ctlFlavors is POST /_emulator/flavors {"flavor": ID, "sold_out": true}:
// SetSoldOut.
func (s *Server) ctlFlavors(c *call) (int, any, *apiError) {
	var req struct {
		Flavor  string `json:"flavor"`
		SoldOut bool   `json:"sold_out"`
	}
	body, _ := io.ReadAll(io.LimitReader(c.r.Body, maxBody))
	if err := json.Unmarshal(body, &req); err != nil {
		return 0, nil, badRequest(codeBadPayload, "want {\"flavor\": ID, \"sold_out\": true}: %v", err)
	}
	if err := s.SetSoldOut(req.Flavor, req.SoldOut); err != nil {
		return 0, nil, badRequest(codeBadParam, "%v", err)
	}
	return 200, map[string]any{"flavor": req.Flavor, "sold_out": req.SoldOut}, nil
}

func (s *Server) ctlNotebooks(c *call) (int, any, *apiError) {
	nbs := s.Notebooks("")
	if nbs == nil {
		nbs = []Notebook{}
	}
	return 200, map[string]any{"notebooks": nbs, "total": len(nbs)}, nil
}
