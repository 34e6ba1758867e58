package chaos

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nbfleet/nbfleet/pkg/emulator"
	"github.com/nbfleet/nbfleet/pkg/plan"
	"github.com/nbfleet/nbfleet/pkg/report"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

const (
	fleetName    = "chaos"
	conflictName = "chaos-shared" // declared, but another fleet's notebook has it
	adoptName    = "chaos-adopt"  // declared, and an unmarked notebook has it: adopted
	// maxReapplies bounds the applies after a disrupted one.
	maxReapplies = 5
	adoptID      = "0000ad09-0000-4000-8000-000000000001"
	// applyTimeout bounds one nbfleet process.
	applyTimeout = 3 * time.Minute
)

// scenario is one way of making an apply's life hard.
type scenario struct {
	name string
	// faults returns the emulator's --faults for this run.
	faults func(r *rand.Rand) string
	// rateLimit > 0 makes a 429 storm: the emulator's --rate-limit.
	rateLimit func(r *rand.Rand) float64
	// slow: the first apply's --timeout is shorter than --create-time.
	slow bool
	// restart: the emulator is stopped and restarted from --state while
	// the first apply runs.
	restart bool
	// interrupt: SIGINT (sometimes twice) to the first apply.
	interrupt bool
	// kill: SIGKILL to the first apply; the next one takes its lock over.
	kill bool
	// spelling: the first apply is two at once, one spelling the endpoint
	// 127.0.0.1, the other localhost: they share the fleet's lock.
	spelling bool
	// planTwice: the first apply is a saved plan applied twice at once
	// (the two spell the endpoint differently): exactly one carries it out.
	planTwice bool
	// change: always change the fleet between applies (else half the runs).
	change bool
}

func pr(r *rand.Rand, lo, hi float64) string {
	return strconv.FormatFloat(lo+(hi-lo)*r.Float64(), 'f', 3, 64)
}

var scenarios = []scenario{
	{name: "429-storm", rateLimit: func(r *rand.Rand) float64 { return float64(4 + r.IntN(5)) }},
	{name: "5xx", faults: func(r *rand.Rand) string {
		return "500=" + pr(r, 0.08, 0.15) + ",502=" + pr(r, 0.08, 0.15) + ",503=" + pr(r, 0.08, 0.15)
	}},
	{name: "reset", faults: func(r *rand.Rand) string { return "reset=" + pr(r, 0.1, 0.25) }},
	{name: "lost-create", faults: func(r *rand.Rand) string { return "lost-create=" + pr(r, 0.3, 0.6) }},
	{name: "create-failed", faults: func(r *rand.Rand) string { return "create-failed=" + pr(r, 0.3, 0.5) }},
	{name: "start-failed", change: true, faults: func(r *rand.Rand) string { return "start-failed=" + pr(r, 0.3, 0.6) }},
	{name: "slow-create", slow: true},
	{name: "restart", restart: true, faults: func(r *rand.Rand) string {
		return "500=" + pr(r, 0.02, 0.05) + ",reset=" + pr(r, 0.02, 0.05) + ",lost-create=" + pr(r, 0.05, 0.15)
	}},
	{name: "interrupt", interrupt: true, faults: func(r *rand.Rand) string {
		return "503=" + pr(r, 0.02, 0.05) + ",lost-create=" + pr(r, 0.05, 0.15)
	}},
	{name: "kill-9", kill: true, faults: func(r *rand.Rand) string {
		return "503=" + pr(r, 0.02, 0.05) + ",lost-create=" + pr(r, 0.05, 0.15)
	}},
	{name: "spelling", spelling: true, faults: func(r *rand.Rand) string {
		return "500=" + pr(r, 0.02, 0.05) + ",lost-create=" + pr(r, 0.05, 0.15)
	}},
	{name: "plan-twice", planTwice: true, faults: func(r *rand.Rand) string {
		return "503=" + pr(r, 0.01, 0.03) + ",lost-create=" + pr(r, 0.05, 0.1)
	}},
	{name: "mixed", interrupt: true, restart: true, change: true,
		rateLimit: func(r *rand.Rand) float64 { return float64(20 + r.IntN(20)) },
		faults: func(r *rand.Rand) string {
			return "500=" + pr(r, 0.03, 0.06) + ",502=" + pr(r, 0.02, 0.04) + ",503=" + pr(r, 0.02, 0.04) +
				",reset=" + pr(r, 0.02, 0.05) + ",lost-create=" + pr(r, 0.1, 0.2) +
				",create-failed=" + pr(r, 0.1, 0.2) + ",start-failed=" + pr(r, 0.1, 0.2)
		}},
}

// figures are what the suite counts over all runs.
type figures struct {
	runs, applies, notebooksDeclared int
	byScenario                       map[string]int
	faults                           map[string]int64
	throttled, requests              int64
	duplicates, lost, orphans        int
	foreignTouched, reportErrors     int
	interrupts, interruptsSurvived   int
	restarts, restartsSurvived       int
	kills, takeovers, lockErrors     int
	racesSpelling, racesPlan         int
	planRanTwice                     int
	timeouts                         int
	exitCodes                        map[int]int
	reappliesHist                    map[int]int // re-applies needed after a disrupted apply
	maxReapplies                     int
	notConverged                     int
}

func TestChaos(t *testing.T) {
	runs, _ := strconv.Atoi(os.Getenv("CHAOS_RUNS"))
	if runs <= 0 || nbfleetBin == "" {
		t.Skip("set CHAOS_RUNS (make chaos) to run the chaos suite")
	}
	seed, err := strconv.ParseUint(os.Getenv("CHAOS_SEED"), 10, 64)
	if err != nil {
		seed = 1
	}
	fig := &figures{byScenario: map[string]int{}, faults: map[string]int64{}, exitCodes: map[int]int{}, reappliesHist: map[int]int{}}
	t.Logf("CHAOS_SEED=%d CHAOS_RUNS=%d", seed, runs)
	start := time.Now()
	for i := range runs {
		sc := scenarios[i%len(scenarios)]
		runSeed := seed*1_000_003 + uint64(i)
		ran := false
		ok := t.Run(fmt.Sprintf("%03d-%s-seed%d", i, sc.name, runSeed), func(t *testing.T) {
			ran = true
			c := &chaosRun{t: t, sc: sc, seed: runSeed, fig: fig, dir: t.TempDir(), rng: rand.New(rand.NewPCG(runSeed, uint64(i)))}
			c.run()
		})
		if !ran {
			continue // left out by -run
		}
		fig.runs++
		fig.byScenario[sc.name]++
		if !ok {
			t.Logf("run %d failed; reproduce it with: CHAOS_SEED=%d CHAOS_RUNS=%d go test -count=1 -v -run 'TestChaos/^%03d-' ./test/chaos", i, seed, runs, i)
		}
	}
	fig.print(t, seed, time.Since(start))
	if n := fig.duplicates + fig.lost + fig.orphans + fig.foreignTouched + fig.reportErrors + fig.notConverged + fig.lockErrors + fig.planRanTwice; n > 0 {
		t.Errorf("chaos found problems (CHAOS_SEED=%d): duplicates=%d lost=%d orphans=%d foreign_touched=%d report_errors=%d not_converged=%d lock_errors=%d plan_ran_twice=%d",
			seed, fig.duplicates, fig.lost, fig.orphans, fig.foreignTouched, fig.reportErrors, fig.notConverged, fig.lockErrors, fig.planRanTwice)
	}
}

func (f *figures) print(t *testing.T, seed uint64, took time.Duration) {
	var b strings.Builder
	fmt.Fprintf(&b, "chaos summary (CHAOS_SEED=%d, %s)\n", seed, took.Round(time.Second))
	fmt.Fprintf(&b, "  runs                    %d (", f.runs)
	var names []string
	for n := range f.byScenario {
		names = append(names, n)
	}
	sort.Strings(names)
	for i, n := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %d", n, f.byScenario[n])
	}
	b.WriteString(")\n")
	fmt.Fprintf(&b, "  applies                 %d (exit codes:", f.applies)
	var codes []int
	for c := range f.exitCodes {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	for _, c := range codes {
		fmt.Fprintf(&b, " %d×%d", c, f.exitCodes[c])
	}
	b.WriteString(")\n")
	fmt.Fprintf(&b, "  notebooks declared      %d (summed over runs and fleet versions)\n", f.notebooksDeclared)
	fmt.Fprintf(&b, "  API requests            %d\n", f.requests)
	fmt.Fprintf(&b, "  faults injected         429=%d", f.throttled)
	var kinds []string
	for k := range f.faults {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var total int64 = f.throttled
	for _, k := range kinds {
		fmt.Fprintf(&b, " %s=%d", k, f.faults[k])
		total += f.faults[k]
	}
	fmt.Fprintf(&b, " (total %d)\n", total)
	fmt.Fprintf(&b, "  timeouts (slow creates) %d notebooks\n", f.timeouts)
	fmt.Fprintf(&b, "  interrupts survived     %d of %d\n", f.interruptsSurvived, f.interrupts)
	fmt.Fprintf(&b, "  restarts survived       %d of %d\n", f.restartsSurvived, f.restarts)
	fmt.Fprintf(&b, "  kill -9, lock taken over %d of %d (the rest were killed before taking it)\n", f.takeovers, f.kills)
	fmt.Fprintf(&b, "  concurrent applies      %d with the endpoint spelled two ways, %d of one saved plan\n", f.racesSpelling, f.racesPlan)
	fmt.Fprintf(&b, "  re-applies to converge ")
	var ks []int
	for k := range f.reappliesHist {
		ks = append(ks, k)
	}
	sort.Ints(ks)
	for _, k := range ks {
		fmt.Fprintf(&b, " %d:%d", k, f.reappliesHist[k])
	}
	fmt.Fprintf(&b, " (max %d)\n", f.maxReapplies)
	fmt.Fprintf(&b, "  duplicates              %d\n", f.duplicates)
	fmt.Fprintf(&b, "  lost                    %d\n", f.lost)
	fmt.Fprintf(&b, "  undeclared left         %d\n", f.orphans)
	fmt.Fprintf(&b, "  foreign touched         %d\n", f.foreignTouched)
	fmt.Fprintf(&b, "  report errors           %d\n", f.reportErrors)
	fmt.Fprintf(&b, "  not converged           %d\n", f.notConverged)
	fmt.Fprintf(&b, "  lock errors             %d\n", f.lockErrors)
	fmt.Fprintf(&b, "  saved plan ran twice    %d\n", f.planRanTwice)
	t.Log("\n" + b.String())
	if path := os.Getenv("CHAOS_SUMMARY"); path != "" {
		_ = os.WriteFile(path, []byte(b.String()), 0o644)
	}
}

// chaosRun is one seeded run: one emulator, one fleet, several applies.
type chaosRun struct {
	t    *testing.T
	sc   scenario
	seed uint64
	rng  *rand.Rand
	fig  *figures
	dir  string

	emu      *emuProc
	emuArgs  []string
	listen   string
	foreign  map[string]string // id → raw JSON before any apply
	declared map[string]string // name → "RUNNING" | "STOPPED"
	applyN   int
	ctx      context.Context
}

func (c *chaosRun) run() {
	t := c.t
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	c.ctx = ctx

	state := filepath.Join(c.dir, "emulator-state.json")
	c.seedForeign(state)
	createTime := 300 * time.Millisecond
	if c.sc.slow {
		createTime = 1500 * time.Millisecond
	}
	// The fleet is in eu-de, an OTC region: the emulator answers as OTC.
	c.emuArgs = []string{"--cloud", "otc", "--state", state, "--log", "off", "--seed", strconv.FormatUint(c.seed, 10),
		"--create-time", createTime.String(), "--start-time", "200ms", "--stop-time", "200ms", "--delete-time", "150ms"}
	if c.sc.faults != nil {
		c.emuArgs = append(c.emuArgs, "--faults", c.sc.faults(c.rng))
	}
	if c.sc.rateLimit != nil {
		c.emuArgs = append(c.emuArgs, "--rate-limit", strconv.FormatFloat(c.sc.rateLimit(c.rng), 'f', -1, 64))
	}
	t.Logf("emulator %s", strings.Join(c.emuArgs, " "))
	var err error
	if c.emu, err = startEmulator(t, "127.0.0.1:0", c.emuArgs); err != nil {
		t.Fatal(err)
	}
	c.listen = c.emu.addr
	defer func() {
		c.collectStats()
		if err := c.emu.stop(); err != nil {
			t.Error(err)
		}
	}()
	_, raw, err := c.emu.notebooks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	delete(raw, adoptID) // declared without a marker: adopted, so not foreign
	c.foreign = raw

	// Fleet version 1, applied under the scenario's disruptions.
	n := 5 + c.rng.IntN(8)
	c.declared = map[string]string{conflictName: "RUNNING", adoptName: "RUNNING"}
	for i := range n {
		st := "RUNNING"
		if c.rng.IntN(4) == 0 {
			st = "STOPPED"
		}
		c.declared[fmt.Sprintf("chaos-%02d", i)] = st
	}
	c.writeFleet()
	c.disruptedApply(true)

	// Fleet version 2: prune some, add some, flip states.
	if c.sc.change || c.rng.IntN(2) == 0 {
		for _, name := range c.names() {
			if name == conflictName || name == adoptName {
				continue
			}
			switch c.rng.IntN(10) {
			case 0, 1, 2:
				delete(c.declared, name)
			case 3, 4, 5, 6:
				if c.declared[name] == "RUNNING" {
					c.declared[name] = "STOPPED"
				} else {
					c.declared[name] = "RUNNING"
				}
			}
		}
		for i := range 1 + c.rng.IntN(3) {
			c.declared[fmt.Sprintf("chaos-%02d", n+i)] = "RUNNING"
		}
		c.writeFleet()
		c.disruptedApply(false)
	}
}

// seedForeign writes an emulator state file holding notebooks the fleet
// does not own: one without a marker, one of another fleet whose name looks
// like ours, a broken one, and one with a name the fleet declares.
func (c *chaosRun) seedForeign(state string) {
	srv, err := emulator.New(emulator.Options{Listen: "127.0.0.1:0", StatePath: state, Seed: int64(c.seed)})
	if err != nil {
		c.t.Fatal(err)
	}
	_, err = srv.Seed("",
		emulator.SeedNotebook{Name: "lab-by-hand", Description: "made in the console"},
		emulator.SeedNotebook{Name: "chaos-90", Description: "another fleet " + spec.OwnerMarker("chaos-other")},
		emulator.SeedNotebook{Name: "chaos-91", Description: "looks like ours, has no marker", Status: emulator.StatusStopped},
		emulator.SeedNotebook{Name: "chaos-92", Description: "broken, not ours", Status: emulator.StatusCreateFailed, FailReason: "by hand"},
		emulator.SeedNotebook{Name: conflictName, Description: "declared here, owned there " + spec.OwnerMarker("chaos-other"), Status: emulator.StatusStopped},
		emulator.SeedNotebook{ID: adoptID, Name: adoptName, Description: "made by hand, then declared", Status: emulator.StatusStopped},
	)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		c.t.Fatal(err)
	}
}

func (c *chaosRun) names() []string {
	var out []string
	for n := range c.declared {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func (c *chaosRun) fleetPath() string { return filepath.Join(c.dir, "fleet.yaml") }

func (c *chaosRun) writeFleet() {
	var b strings.Builder
	b.WriteString(`version: 1
fleet: ` + fleetName + `
target: {region: eu-de}
defaults:
  flavor: modelarts.vm.cpu.2u
  image_id: ` + emulator.DefaultImageID + `
  volume: {category: EVS, ownership: MANAGED, capacity: 50}
notebooks:
`)
	for _, n := range c.names() {
		fmt.Fprintf(&b, "  - name: %s\n    state: %s\n", n, strings.ToLower(c.declared[n]))
	}
	c.fig.notebooksDeclared += len(c.declared)
	if err := os.WriteFile(c.fleetPath(), []byte(b.String()), 0o600); err != nil {
		c.t.Fatal(err)
	}
}

// disruptedApply applies the fleet once under the scenario's disruptions,
// then re-applies until an apply settles (at most maxReapplies times).
func (c *chaosRun) disruptedApply(first bool) {
	t := c.t
	timeout := "60s"
	if c.sc.slow && first {
		timeout = "500ms"
	}
	var signals []signal
	if c.sc.interrupt {
		d := time.Duration(100+c.rng.IntN(1500)) * time.Millisecond
		signals = sigints(d)
		if c.rng.IntN(4) == 0 { // a second Ctrl-C cancels calls in flight
			signals = append(signals, sigints(d+time.Duration(50+c.rng.IntN(300))*time.Millisecond)...)
		}
	}
	if c.sc.kill {
		signals = append(signals, signal{time.Duration(100+c.rng.IntN(1500)) * time.Millisecond, os.Kill})
	}
	var restartAt time.Duration
	if c.sc.restart {
		restartAt = time.Duration(100+c.rng.IntN(1500)) * time.Millisecond
	}
	down := time.Duration(200+c.rng.IntN(800)) * time.Millisecond

	done := make(chan applies, 1)
	go func() { done <- c.firstApplies(timeout, signals) }()
	restarted := false
	if restartAt > 0 {
		select {
		case o := <-done:
			done <- o // finished before the restart was due
		case <-time.After(restartAt):
			c.collectStats()
			if err := c.emu.stop(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(down)
			var err error
			if c.emu, err = startEmulator(t, c.listen, c.emuArgs); err != nil {
				t.Fatalf("restart emulator: %v", err)
			}
			restarted = true
			c.fig.restarts++
			t.Logf("emulator restarted after %v, down %v", restartAt, down)
		}
	}
	o := <-done
	if o.err != nil {
		t.Fatal(o.err)
	}
	converged := len(o.runs) > 0
	interrupted, takeover := false, false
	for _, r := range o.runs {
		converged = c.afterApply(r.res, r.args) && converged
		interrupted = interrupted || r.res.interrupts > 0
		if r.res.killed {
			c.fig.kills++
			// The killed run left its record in the lock file if it had
			// taken the lock: the next apply must take it over, saying so.
			takeover = c.lockHeldBy(r.res.pid)
			t.Logf("nbfleet (pid %d) killed; it held the lock: %v", r.res.pid, takeover)
		}
	}
	if interrupted {
		c.fig.interrupts++
	}
	k := 0
	for ; !converged && k < maxReapplies; k++ {
		args := c.applyArgs(c.fleetPath(), "60s")
		r, err := runNbfleet(c.ctx, c.env(c.emu.url), applyTimeout, nil, args...)
		if err != nil {
			t.Fatal(err)
		}
		if k == 0 && takeover {
			if want := fmt.Sprintf("the previous run, pid %d ", o.runs[0].res.pid); !strings.Contains(r.stderr, want) ||
				!strings.Contains(r.stderr, "ended without releasing the lock; taking it over") {
				c.fig.lockErrors++
				t.Errorf("the apply after kill -9 did not say it took the lock over from pid %d:\n%s", o.runs[0].res.pid, tail(r.stderr))
			} else {
				c.fig.takeovers++
			}
		}
		converged = c.afterApply(r, args)
	}
	c.fig.reappliesHist[k]++
	c.fig.maxReapplies = max(c.fig.maxReapplies, k)
	if !converged {
		c.fig.notConverged++
		t.Errorf("not converged after %d re-applies", k)
		return
	}
	if interrupted {
		c.fig.interruptsSurvived++
		if k > 2 {
			t.Errorf("after an interrupt, %d re-applies were needed (want at most 2)", k)
		}
	}
	if restarted {
		c.fig.restartsSurvived++
	}
}

// applies are the first applies of a fleet version: one, or two at once.
type applies struct {
	runs []applyRun
	err  error
}

type applyRun struct {
	res  result
	args []string
}

// firstApplies runs the scenario's first apply of a fleet version: one
// apply (with signals), two at once spelling the endpoint differently, or
// a saved plan made and then applied twice at once. It returns the applies
// that ran (a saved plan refused as applied is checked here).
func (c *chaosRun) firstApplies(timeout string, signals []signal) applies {
	url := c.emu.url
	alt := strings.Replace(url, "127.0.0.1", "localhost", 1)
	switch {
	case c.sc.spelling:
		c.fig.racesSpelling++
		return c.together([]string{url, alt}, c.applyArgs(c.fleetPath(), timeout), c.applyArgs(c.fleetPath(), timeout))
	case c.sc.planTwice:
		saved := filepath.Join(c.dir, fmt.Sprintf("plan-%d.json", c.applyN))
		p, err := runNbfleet(c.ctx, c.env(url), applyTimeout, nil, "plan", c.fleetPath(), "--out", saved)
		if err != nil {
			return applies{err: err}
		}
		if p.code != 0 {
			// The faults can fail the plan's refresh: apply the fleet.
			c.t.Logf("plan --out: exit %d (%s); applying the fleet file instead", p.code, tail(p.stderr))
			break
		}
		c.fig.racesPlan++
		both := c.together([]string{url, alt}, c.applyArgs(saved, timeout), c.applyArgs(saved, timeout))
		var ran []applyRun
		for _, r := range both.runs {
			switch {
			case r.res.code == 1 && strings.Contains(r.res.stderr, "already been applied"):
				c.fig.applies++
				c.fig.exitCodes[1]++
			case r.res.code == 1:
				// Failed before claiming it (a refresh under faults):
				// the other may carry it out.
				c.t.Logf("apply %s: exit 1: %s", saved, tail(r.res.stderr))
				c.fig.applies++
				c.fig.exitCodes[1]++
			default:
				ran = append(ran, r)
			}
		}
		if len(ran) > 1 {
			c.fig.planRanTwice++
			c.t.Errorf("the saved plan was carried out by %d applies at once", len(ran))
		}
		return applies{runs: ran, err: both.err}
	}
	args := c.applyArgs(c.fleetPath(), timeout)
	r, err := runNbfleet(c.ctx, c.env(url), applyTimeout, signals, args...)
	return applies{runs: []applyRun{{r, args}}, err: err}
}

// together runs one apply per endpoint spelling at once.
func (c *chaosRun) together(urls []string, args ...[]string) applies {
	out := applies{runs: make([]applyRun, len(urls))}
	errs := make([]error, len(urls))
	var wg sync.WaitGroup
	for i, u := range urls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			env := c.env(u)
			if i > 0 {
				// A saved plan names the endpoint it was made against;
				// this shell spells it differently and allows it.
				env = append(env, "NBFLEET_ALLOW_FLEET_ENDPOINT=1")
			}
			r, err := runNbfleet(c.ctx, env, applyTimeout, nil, args[i]...)
			out.runs[i], errs[i] = applyRun{r, args[i]}, err
		}()
	}
	wg.Wait()
	out.err = errors.Join(errs...)
	return out
}

// env is nbfleet's environment against the emulator at url, with the
// run's own lock directory (the fleet's lock is keyed by the resolved
// project, however the endpoint is spelled).
func (c *chaosRun) env(url string) []string {
	return append(akEnv(url), "NBFLEET_LOCK_DIR="+filepath.Join(c.dir, "locks"))
}

// lockHeldBy reports whether a lock file of the run names pid as its
// holder: a run killed while holding the lock left its record there.
func (c *chaosRun) lockHeldBy(pid int) bool {
	files, _ := filepath.Glob(filepath.Join(c.dir, "locks", "*.lock"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var h struct {
			PID int `json:"pid"`
		}
		if json.Unmarshal(b, &h) == nil && h.PID == pid {
			return true
		}
	}
	return false
}

func (c *chaosRun) applyArgs(source, timeout string) []string {
	c.applyN++
	args := []string{"apply", source, "--auto-approve",
		"--parallelism", strconv.Itoa(2 + c.rng.IntN(15)),
		"--poll-interval", "100ms", "--drain-grace", "2s", "--timeout", timeout,
		"--report-dir", filepath.Join(c.dir, fmt.Sprintf("report-%d", c.applyN)),
		"--lock-timeout", "2m"}
	if c.rng.IntN(3) == 0 {
		args = append(args, "--json")
	}
	return args
}

func (c *chaosRun) collectStats() {
	var st emulator.Stats
	if err := c.emu.getJSON(c.ctx, "/_emulator/stats", &st); err != nil {
		c.t.Errorf("emulator stats: %v", err)
		return
	}
	for k, v := range st.Faults {
		c.fig.faults[k] += v
	}
	c.fig.throttled += st.Throttled
	for op, byStatus := range st.Requests {
		if strings.HasPrefix(op, "iam") {
			continue
		}
		for _, v := range byStatus {
			c.fig.requests += v
		}
	}
}

// afterApply checks the invariants that hold after every apply, and those
// of convergence after one that settled: exit 0, or exit 3 with nothing
// failed (the declared conflict is skipped on every apply, which makes
// exit 3). It reports whether the apply settled.
func (c *chaosRun) afterApply(r result, args []string) bool {
	t := c.t
	c.fig.applies++
	c.fig.exitCodes[r.code]++
	t.Logf("apply %d: exit %d, %d interrupts", c.applyN, r.code, r.interrupts)
	nbs, raw, err := c.emu.notebooks(c.ctx)
	if err != nil {
		t.Fatal(err)
	}
	// No foreign notebook touched, ever.
	for id, before := range c.foreign {
		if raw[id] != before {
			c.fig.foreignTouched++
			t.Errorf("foreign notebook %s changed:\nbefore %s\nafter  %s", id, before, raw[id])
		}
	}
	// Never two live notebooks of the fleet with one name.
	owned := map[string][]emulator.Notebook{}
	for _, nb := range nbs {
		if owner, ok := plan.Owner(nb.Description); ok && owner == fleetName {
			owned[nb.Name] = append(owned[nb.Name], nb)
		}
	}
	for name, l := range owned {
		if len(l) > 1 {
			c.fig.duplicates += len(l) - 1
			t.Errorf("duplicate: %d notebooks named %s after apply %d (exit %d)", len(l), name, c.applyN, r.code)
		}
	}
	if r.killed {
		// kill -9 leaves no report; the next apply finishes the work.
		return false
	}
	switch r.code {
	case 0, 3, 130:
	default:
		t.Errorf("apply %d: exit %d; stderr:\n%s", c.applyN, r.code, tail(r.stderr))
		return false
	}
	if r.code == 130 && strings.Contains(r.stderr, "interrupted: nothing was changed") {
		// Interrupted before the run (lock, refresh, plan): no report,
		// as for any apply that could not start.
		return false
	}
	rep := c.readReport(args)
	if rep == nil {
		return false
	}
	c.checkReport(r, rep, owned)
	if !settled(r, rep) {
		return false
	}
	// Converged: exactly one notebook per declared name, in its status;
	// nothing of the fleet left that is not declared.
	for name, want := range c.declared {
		l := owned[name]
		if name == conflictName {
			if len(l) != 0 {
				c.fig.duplicates += len(l)
				t.Errorf("%s belongs to a foreign notebook, but the fleet made %d", name, len(l))
			}
			continue
		}
		if len(l) == 0 {
			c.fig.lost++
			t.Errorf("lost: no notebook %s after a successful apply", name)
			continue
		}
		if name == adoptName && l[0].ID != adoptID {
			// Adoption keeps the notebook, and so does a start that ends
			// START_FAILED (the plan starts it again; only --replace,
			// which the suite never passes, replaces it): its storage is
			// somebody's work.
			c.fig.lost++
			t.Errorf("the adopted notebook %s was replaced by %s (scenario %s)", adoptID, l[0].ID, strings.Join(c.emuArgs, " "))
		}
		if l[0].Status != want {
			c.fig.reportErrors++
			t.Errorf("%s is %s after a successful apply, want %s", name, l[0].Status, want)
		}
	}
	for name := range owned {
		if _, ok := c.declared[name]; !ok {
			c.fig.orphans++
			t.Errorf("undeclared notebook %s of the fleet left after a successful apply", name)
		}
	}
	return true
}

func (c *chaosRun) readReport(args []string) *report.Report {
	dir := args[slices.Index(args, "--report-dir")+1]
	b, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		c.fig.reportErrors++
		c.t.Errorf("apply %d: no report: %v", c.applyN, err)
		return nil
	}
	var rep report.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		c.fig.reportErrors++
		c.t.Errorf("apply %d: report.json: %v", c.applyN, err)
		return nil
	}
	return &rep
}

// checkReport: one entry per declared name (and only deletes besides),
// outcomes that agree with the exit code and with the emulator.
func (c *chaosRun) checkReport(r result, rep *report.Report, owned map[string][]emulator.Notebook) {
	t := c.t
	bad := func(format string, a ...any) {
		c.fig.reportErrors++
		t.Errorf("apply %d (exit %d) report: %s", c.applyN, r.code, fmt.Sprintf(format, a...))
	}
	if r.code == 130 && !rep.Interrupted {
		bad("exit 130 but interrupted is false")
	}
	if r.code == 3 && rep.Count(report.Failed) == 0 && !skippedConflict(rep) {
		bad("exit 3 but nothing failed or was skipped as a conflict")
	}
	seen := map[string]int{}
	for _, e := range rep.Notebooks {
		seen[e.Name]++
		if e.Outcome == report.Failed {
			if e.Error == nil {
				bad("%s failed without an error", e.Name)
			} else if e.Error.Code == "timeout" {
				c.fig.timeouts++
			}
		}
		if settled(r, rep) && e.Outcome == report.Failed {
			bad("%s failed although apply exited %d", e.Name, r.code)
		}
		if _, ok := c.declared[e.Name]; !ok {
			if e.Action != "delete" {
				bad("%s is not declared but has action %s", e.Name, e.Action)
			}
			if l := owned[e.Name]; e.Outcome == report.Succeeded && len(l) > 0 {
				bad("%s deleted (succeeded) but %d still exist", e.Name, len(l))
			}
			continue
		}
		if e.Name == conflictName {
			if e.Action != "conflict" || e.Outcome != report.Skipped {
				bad("%s: %s %s, want conflict skipped", e.Name, e.Action, e.Outcome)
			}
			continue
		}
		if e.Outcome == report.Succeeded || e.Outcome == report.Unchanged {
			l := owned[e.Name]
			if len(l) != 1 || l[0].ID != e.ID {
				bad("%s %s with id %s, but the cloud has %d of that name", e.Name, e.Outcome, e.ID, len(l))
			} else if l[0].Status != c.declared[e.Name] {
				bad("%s %s, status %s, want %s", e.Name, e.Outcome, l[0].Status, c.declared[e.Name])
			}
		}
	}
	for name := range c.declared {
		if seen[name] != 1 {
			bad("%s appears %d times, want once", name, seen[name])
		}
	}
}

func tail(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > 30 {
		lines = lines[len(lines)-30:]
	}
	return strings.Join(lines, "\n")
}

// settled reports whether an apply left nothing to do but the conflicts:
// exit 0, or exit 3 (some notebook not as declared) with nothing failed.
func settled(r result, rep *report.Report) bool {
	return r.code == 0 || r.code == 3 && rep.Count(report.Failed) == 0
}

// skippedConflict reports whether the apply skipped a conflict.
func skippedConflict(rep *report.Report) bool {
	for _, e := range rep.Notebooks {
		if e.Action == "conflict" {
			return true
		}
	}
	return false
}
