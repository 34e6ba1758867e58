package ops

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nbfleet/nbfleet/internal/fleetlock"
	"github.com/nbfleet/nbfleet/pkg/emulator"
	"github.com/nbfleet/nbfleet/pkg/execute"
	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/plan"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

// newEmulator is an emulator with millisecond timings.
func newEmulator(t *testing.T) *emulator.Server {
	t.Helper()
	srv, err := emulator.New(emulator.Options{
		CreateTime: 30 * time.Millisecond, StartTime: 20 * time.Millisecond,
		StopTime: 20 * time.Millisecond, DeleteTime: 20 * time.Millisecond,
		RetryAfter: -1, Seed: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// ui records what an operation tells the user.
type ui struct {
	mu    sync.Mutex
	lines []string
}

func (u *ui) Warnf(format string, args ...any) { u.add("warning: " + fmt.Sprintf(format, args...)) }
func (u *ui) Infof(format string, args ...any) { u.add(fmt.Sprintf(format, args...)) }
func (u *ui) add(s string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.lines = append(u.lines, s)
}
func (u *ui) String() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return strings.Join(u.lines, "\n")
}

// testEnv is an Env against srv at endpoint (srv.URL() when empty), with
// its locks in lockDir.
func testEnv(srv *emulator.Server, endpoint, lockDir string) (*Env, *ui) {
	if endpoint == "" {
		endpoint = srv.URL()
	}
	vars := map[string]string{
		"NBFLEET_ENDPOINT":           endpoint,
		"HUAWEICLOUD_SDK_AK":         emulator.DefaultAK,
		"HUAWEICLOUD_SDK_SK":         emulator.DefaultSK,
		"HUAWEICLOUD_SDK_PROJECT_ID": srv.ProjectID(),
	}
	u := &ui{}
	return &Env{Getenv: func(k string) string { return vars[k] }, Now: time.Now, LockDir: lockDir, UI: u, UserAgent: "nbfleet/test"}, u
}

func writeFleet(t *testing.T, dir, name string, n int) string {
	t.Helper()
	body := fmt.Sprintf(`version: 1
fleet: %s
target: {region: eu-de}
defaults:
  flavor: modelarts.vm.cpu.2u
  image_id: e1a07296-22a8-4f05-8bc8-e936c8e54090
  volume: {category: EVS, ownership: MANAGED, capacity: 50}
notebooks:
  - for_each: {count: %d}
    name: "%s-{{ .index }}"
`, name, n, name)
	path := filepath.Join(dir, name+".yaml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func applyReq(source, reportDir string) ApplyRequest {
	return ApplyRequest{
		Source: source, MaxDeletes: -1, ReportDir: reportDir, LockTimeout: time.Minute,
		Execute: execute.Options{PollInterval: 10 * time.Millisecond},
	}
}

// owned counts the live notebooks of fleet per name.
func owned(srv *emulator.Server, fleet string) map[string]int {
	out := map[string]int{}
	for _, nb := range srv.Notebooks("") {
		if strings.HasSuffix(nb.Description, spec.OwnerMarker(fleet)) && nb.Status != emulator.StatusDeleted {
			out[nb.Name]++
		}
	}
	return out
}

func noDuplicates(t *testing.T, srv *emulator.Server, fleet string, want int) {
	t.Helper()
	got := owned(srv, fleet)
	for name, n := range got {
		if n > 1 {
			t.Errorf("%d notebooks named %s: a duplicate", n, name)
		}
	}
	if len(got) != want {
		t.Errorf("%d notebooks of %s, want %d", len(got), fleet, want)
	}
}

// TestLockWhateverTheSpelling: two applies of one fleet against one
// project, the endpoint spelled 127.0.0.1 by one and localhost by the
// other, take one lock: the second waits, then finds nothing to do. With
// a lock per spelling both created every notebook.
func TestLockWhateverTheSpelling(t *testing.T) {
	srv := newEmulator(t)
	dir, locks := t.TempDir(), t.TempDir()
	fleet := writeFleet(t, dir, "ml101", 12)
	alt := strings.Replace(srv.URL(), "127.0.0.1", "localhost", 1)
	if alt == srv.URL() {
		t.Fatalf("emulator URL %s has no 127.0.0.1 to respell", srv.URL())
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, endpoint := range []string{srv.URL(), alt + "/"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e, _ := testEnv(srv, endpoint, locks)
			_, errs[i] = Apply(context.Background(), e, applyReq(fleet, filepath.Join(dir, fmt.Sprint("r", i))))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("apply %d: %v", i, err)
		}
	}
	noDuplicates(t, srv, "ml101", 12)
}

// TestStaleLockTakenOver: a lock whose holder ended without releasing it
// is taken over, and the user is told which run that was.
func TestStaleLockTakenOver(t *testing.T) {
	srv := newEmulator(t)
	dir, locks := t.TempDir(), t.TempDir()
	fleet := writeFleet(t, dir, "ml101", 1)
	e, u := testEnv(srv, "", locks)
	if _, err := Apply(context.Background(), e, applyReq(fleet, filepath.Join(dir, "r1"))); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(u.String(), "without releasing") {
		t.Fatalf("a released lock was reported as stale:\n%s", u)
	}
	files, err := filepath.Glob(filepath.Join(locks, "ml101-*.lock"))
	if err != nil || len(files) != 1 {
		t.Fatalf("lock files %v (%v), want one", files, err)
	}
	dead := `{"pid": 999999, "host": "lab-7", "started": "2026-09-01T18:00:00Z", "command": "nbfleet apply fleet.yaml"}`
	if err := os.WriteFile(files[0], []byte(dead+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e, u = testEnv(srv, "", locks)
	if _, err := Apply(context.Background(), e, applyReq(fleet, filepath.Join(dir, "r2"))); err != nil {
		t.Fatal(err)
	}
	if want := "warning: the previous run, pid 999999 on host lab-7 since 2026-09-01T18:00:00Z (nbfleet apply fleet.yaml), ended without releasing the lock; taking it over"; !strings.Contains(u.String(), want) {
		t.Errorf("UI said\n%s\nwant %q", u, want)
	}
}

// TestSavedPlanRunsOnce: two applies of one saved plan at once, against
// differently spelled endpoints: exactly one carries it out, the other is
// refused as applied. (The one whose NBFLEET_ENDPOINT is not the plan's
// spelling allows the plan's endpoint, or it would be refused before the
// lock for that: TestSavedPlanEndpointRefused.)
func TestSavedPlanRunsOnce(t *testing.T) {
	srv := newEmulator(t)
	dir, locks := t.TempDir(), t.TempDir()
	fleet := writeFleet(t, dir, "ml101", 6)
	e, _ := testEnv(srv, "", locks)
	saved := filepath.Join(dir, "plan.json")
	if _, err := Plan(context.Background(), e, PlanRequest{Fleet: fleet, Out: saved}); err != nil {
		t.Fatal(err)
	}
	alt := strings.Replace(srv.URL(), "127.0.0.1", "localhost", 1)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, endpoint := range []string{srv.URL(), alt} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e, _ := testEnv(srv, endpoint, locks)
			req := applyReq(saved, filepath.Join(dir, fmt.Sprint("r", i)))
			req.Conn.AllowFleetEndpoint = true
			_, errs[i] = Apply(context.Background(), e, req)
		}()
	}
	wg.Wait()
	ran, refused := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ran++
		case errors.Is(err, plan.ErrApplied):
			refused++
		default:
			t.Errorf("apply: %v", err)
		}
	}
	if ran != 1 || refused != 1 {
		t.Errorf("%d applies ran and %d were refused as applied, want 1 and 1 (%v)", ran, refused, errs)
	}
	noDuplicates(t, srv, "ml101", 6)
}

// TestSavedPlanSelfContained: a saved plan applies from another working
// directory, finding its fleet file from the plan's directory, and without
// the fleet file at all (with a warning).
func TestSavedPlanSelfContained(t *testing.T) {
	srv := newEmulator(t)
	dir := t.TempDir()
	fleet := writeFleet(t, dir, "ml101", 2)
	e, u := testEnv(srv, "", t.TempDir())
	t.Chdir(dir)
	if _, err := Plan(context.Background(), e, PlanRequest{Fleet: "ml101.yaml", Out: "p1.json"}); err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir()) // elsewhere: the plan names the fleet file relative to itself
	if _, err := Apply(context.Background(), e, applyReq(filepath.Join(dir, "p1.json"), "r1")); err != nil {
		t.Fatalf("apply from another directory: %v", err)
	}
	noDuplicates(t, srv, "ml101", 2)

	// A changed fleet file is still noticed from elsewhere…
	t.Chdir(dir)
	if _, err := Plan(context.Background(), e, PlanRequest{Fleet: "ml101.yaml", Out: "p2.json"}); err != nil {
		t.Fatal(err)
	}
	writeFleet(t, dir, "ml101", 3)
	t.Chdir(t.TempDir())
	if _, err := Apply(context.Background(), e, applyReq(filepath.Join(dir, "p2.json"), "r2")); !errors.Is(err, plan.ErrStale) {
		t.Fatalf("apply after the fleet file changed: %v, want ErrStale", err)
	}
	// …and a plan whose fleet file is gone applies as reviewed.
	t.Chdir(dir)
	if _, err := Plan(context.Background(), e, PlanRequest{Fleet: "ml101.yaml", Out: "p3.json"}); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(fleet); err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	if _, err := Apply(context.Background(), e, applyReq(filepath.Join(dir, "p3.json"), "r3")); err != nil {
		t.Fatalf("apply without the fleet file: %v", err)
	}
	if !strings.Contains(u.String(), "is gone; applying the saved plan as reviewed") {
		t.Errorf("no warning that the fleet file is gone:\n%s", u)
	}
	noDuplicates(t, srv, "ml101", 3)
}

// hangingClient answers every list after the first signal only: a refresh
// that hangs.
type hangingClient struct {
	Client
	listing chan struct{}
}

func (h *hangingClient) List(ctx context.Context, o modelarts.ListOptions) ([]modelarts.Notebook, error) {
	select {
	case h.listing <- struct{}{}:
	default:
	}
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestFirstInterruptStopsAtOnce: the first interrupt ends a refresh that
// hangs, a lock wait and the review, with ErrInterrupted, and nothing is
// created.
func TestFirstInterruptStopsAtOnce(t *testing.T) {
	srv := newEmulator(t)
	dir := t.TempDir()
	fleet := writeFleet(t, dir, "ml101", 3)
	stages := map[string]func(e *Env, req *ApplyRequest, interrupt func()){
		"refresh": func(e *Env, req *ApplyRequest, interrupt func()) {
			listing := make(chan struct{}, 1)
			e.NewClient = func(cfg modelarts.Config) (Client, error) {
				c, err := modelarts.New(cfg)
				return &hangingClient{Client: c, listing: listing}, err
			}
			go func() { <-listing; interrupt() }()
		},
		"lock wait": func(e *Env, req *ApplyRequest, interrupt func()) {
			req.LockFile = filepath.Join(dir, "held.lock")
			req.LockTimeout = time.Hour
			other, _ := testEnv(srv, "", "")
			l, err := other.lock(context.Background(), req.LockFile, 0, "apply (test)")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { l.Release() })
			e.UI = infoHook{e.UI, func(s string) {
				if strings.Contains(s, "waiting up to") {
					interrupt()
				}
			}}
		},
		"review": func(e *Env, req *ApplyRequest, interrupt func()) {
			req.Review = func(ctx context.Context, p *plan.Plan, approve bool) error {
				interrupt()
				<-ctx.Done() // a prompt that ends with the interrupt
				return ctx.Err()
			}
		},
	}
	for name, setup := range stages {
		t.Run(name, func(t *testing.T) {
			e, _ := testEnv(srv, "", t.TempDir())
			ch := make(chan struct{})
			e.Interrupted = ch
			req := applyReq(fleet, filepath.Join(t.TempDir(), "r"))
			var once sync.Once
			setup(e, &req, func() { once.Do(func() { close(ch) }) })
			done := make(chan error, 1)
			go func() {
				_, err := Apply(context.Background(), e, req)
				done <- err
			}()
			select {
			case err := <-done:
				if !errors.Is(err, ErrInterrupted) {
					t.Fatalf("Apply = %v, want ErrInterrupted", err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("the interrupt did not stop the apply")
			}
			if n := len(owned(srv, "ml101")); n != 0 {
				t.Fatalf("%d notebooks created after the interrupt", n)
			}
		})
	}
}

type infoHook struct {
	UI
	on func(string)
}

func (h infoHook) Infof(format string, args ...any) {
	h.UI.Infof(format, args...)
	h.on(fmt.Sprintf(format, args...))
}

// TestApplyOutcomes: conflicts left alone make ErrPartial, and a report
// that cannot be written fails the apply.
func TestApplyOutcomes(t *testing.T) {
	srv := newEmulator(t)
	dir := t.TempDir()
	fleet := writeFleet(t, dir, "ml101", 2)
	if _, err := srv.Seed("", emulator.SeedNotebook{Name: "ml101-1", Description: "theirs " + spec.OwnerMarker("physics")}); err != nil {
		t.Fatal(err)
	}
	e, _ := testEnv(srv, "", t.TempDir())
	rep, err := Apply(context.Background(), e, applyReq(fleet, filepath.Join(dir, "r1")))
	if !errors.Is(err, ErrPartial) || !strings.Contains(err.Error(), "1 skipped as conflicts") || rep == nil {
		t.Fatalf("apply with a conflict: %v, want ErrPartial", err)
	}

	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Apply(context.Background(), e, applyReq(fleet, filepath.Join(blocker, "r2")))
	if err == nil || errors.Is(err, ErrPartial) || !strings.Contains(err.Error(), "report could not be written") {
		t.Fatalf("apply with an unwritable report: %v", err)
	}
}

// TestStatusMatchesPlan: status shows another fleet's notebook as a
// conflict without its URL, as the plan does.
func TestStatusMatchesPlan(t *testing.T) {
	srv := newEmulator(t)
	dir := t.TempDir()
	fleet := writeFleet(t, dir, "ml101", 3)
	e, _ := testEnv(srv, "", t.TempDir())
	if _, err := Apply(context.Background(), e, applyReq(fleet, filepath.Join(dir, "r"))); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Seed("", emulator.SeedNotebook{Name: "ml101-1", Description: spec.OwnerMarker("physics")}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fleet, []byte(strings.Replace(readFile(t, fleet), "count: 3", "count: 4", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := Status(context.Background(), e, StatusRequest{Fleet: fleet})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]plan.NotebookStatus{}
	for _, r := range st.Notebooks {
		got[r.Name] = r
	}
	if r := got["ml101-1"]; r.Status != plan.StatusConflict || r.URL != "" || r.ID != "" {
		t.Errorf("duplicate name: %+v, want CONFLICT without id and URL", r)
	}
	if r := got["ml101-2"]; r.Status != modelarts.StatusRunning || r.URL == "" || !r.Owned {
		t.Errorf("own notebook: %+v", r)
	}
	if r := got["ml101-4"]; r.Status != plan.StatusAbsent {
		t.Errorf("new notebook: %+v", r)
	}
	p, err := Drift(context.Background(), e, PlanRequest{Fleet: fleet})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range p.Changes {
		if c.Name == "ml101-1" && c.Action != plan.Conflict {
			t.Errorf("plan: ml101-1 %s, status says conflict", c.Action)
		}
	}
}

// TestImportRoundTrip: a notebook described with template syntax imports
// into a fleet file that loads it back literally, and whose plan adopts it
// and changes nothing else; another fleet's notebook is left out.
func TestImportRoundTrip(t *testing.T) {
	srv := newEmulator(t)
	if _, err := srv.Seed("",
		emulator.SeedNotebook{Name: "lab-1", Description: "Week {{ .week }} {{{x}}"},
		emulator.SeedNotebook{Name: "lab-2", Status: emulator.StatusStopped},
		emulator.SeedNotebook{Name: "lab-3", Description: spec.OwnerMarker("physics")},
	); err != nil {
		t.Fatal(err)
	}
	e, u := testEnv(srv, "", t.TempDir())
	src, err := Import(context.Background(), e, ImportRequest{Select: plan.Options{Targets: []string{"lab-*"}}})
	if err != nil {
		t.Fatal(err)
	}
	if src.Fleet != "lab" || !strings.Contains(u.String(), `lab-3 (`) || !strings.Contains(u.String(), `belongs to fleet "physics": left out`) {
		t.Errorf("fleet %q; told:\n%s", src.Fleet, u)
	}
	var b strings.Builder
	if err := src.Write(&b, "test"); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "lab.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := spec.Load(path)
	if err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if len(f.Notebooks) != 2 || f.Notebooks[0].Description != "Week {{ .week }} {{{x}}" || f.Notebooks[1].State != spec.Stopped {
		t.Fatalf("loaded %+v\nfrom\n%s", f.Notebooks, b.String())
	}
	p, err := Drift(context.Background(), e, PlanRequest{Fleet: path})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range p.Changes {
		if c.Action != plan.Adopt || len(c.Fields) != 1 {
			t.Errorf("%s: %s %v, want an adopt that only adds the marker", c.Name, c.Action, c.Fields)
		}
	}
}

// TestImportHooksWriteOnly: a notebook whose marker records hooks nbfleet
// set imports without them (the service never returns hooks), and the user
// is told that the next apply would remove them.
func TestImportHooksWriteOnly(t *testing.T) {
	srv := newEmulator(t)
	if _, err := srv.Seed("", emulator.SeedNotebook{Name: "lab-1", Description: "d " + spec.Marker("lab", "0a1b2c3d")}); err != nil {
		t.Fatal(err)
	}
	e, u := testEnv(srv, "", t.TempDir())
	src, err := Import(context.Background(), e, ImportRequest{Fleet: "lab", Select: plan.Options{Targets: []string{"lab-*"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(src.Notebooks) != 1 || src.Notebooks[0].Hooks != nil || src.Notebooks[0].Description != "d" {
		t.Errorf("imported %+v", src.Notebooks)
	}
	if !strings.Contains(u.String(), "lab-1 (") || !strings.Contains(u.String(), "the next apply removes them") {
		t.Errorf("told:\n%s", u)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestLockPath: one lock per fleet, cloud and project, in the shared lock
// directory that NBFLEET_LOCK_DIR names; a fleet name never makes a path.
func TestLockPath(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(fleetlock.DirEnv, dir)
	path := func(fleet string, cloud modelarts.Cloud, project string) string {
		t.Helper()
		p, err := LockPath(fleet, cloud, project)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	a := path("ml101", modelarts.OTC, "p1")
	for _, other := range []string{
		path("ml102", modelarts.OTC, "p1"),
		path("ml101", modelarts.HuaweiCloud, "p1"),
		path("ml101", modelarts.OTC, "p2"),
	} {
		if other == a {
			t.Errorf("two fleets or projects share the lock %s", a)
		}
	}
	if a != path("ml101", modelarts.OTC, "p1") {
		t.Error("the lock path is not stable")
	}
	if filepath.Dir(a) != dir {
		t.Errorf("lock %s is not in %s=%s", a, fleetlock.DirEnv, dir)
	}
	if p := path("../../etc/x", modelarts.OTC, "p1"); filepath.Dir(p) != dir {
		t.Errorf("a fleet name made the lock path %s", p)
	}
	t.Setenv(fleetlock.DirEnv, "relative/locks")
	if _, err := LockPath("ml101", modelarts.OTC, "p1"); err == nil {
		t.Errorf("a relative %s was accepted", fleetlock.DirEnv)
	}
}

func TestFleetNameFor(t *testing.T) {
	for globs, want := range map[string]string{"ml101-*": "ml101", "lab_?": "lab", "*": "imported", "": "imported", "a.b-*": "imported"} {
		var g []string
		if globs != "" {
			g = []string{globs}
		}
		if got := FleetNameFor(g); got != want {
			t.Errorf("FleetNameFor(%q) = %q, want %q", globs, got, want)
		}
	}
}
