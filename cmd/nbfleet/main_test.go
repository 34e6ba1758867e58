package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/nbfleet/nbfleet/internal/fleetlock"
	"github.com/nbfleet/nbfleet/internal/golden"
	"github.com/nbfleet/nbfleet/internal/ops"
	"github.com/nbfleet/nbfleet/pkg/emulator"
	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/plan"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"nbfleet": func() { os.Exit(run(os.Args[1:], newEnv())) },
	})
}

// noRaceExitSleep stops a race-enabled nbfleet (the test binary, which
// every script's `exec nbfleet` runs) from sleeping a second at exit, the
// race runtime's default: with hundreds of execs that second was most of
// the package's test time.
const noRaceExitSleep = "GORACE=atexit_sleep_ms=0"

// testEmulatorOptions are the millisecond timings every CLI test runs with,
// on the OTC profile: the test fleets target eu-de, an OTC region.
func testEmulatorOptions() emulator.Options {
	return emulator.Options{
		Cloud:      emulator.CloudOTC,
		CreateTime: 60 * time.Millisecond,
		StartTime:  30 * time.Millisecond,
		StopTime:   30 * time.Millisecond,
		DeleteTime: 30 * time.Millisecond,
		ResizeTime: 20 * time.Millisecond,
		RetryAfter: -1, // Retry-After: 0, so throttled tests do not sleep seconds
		Seed:       1,
	}
}

// emuHolder holds a script's emulator, which emu-restart replaces.
type emuHolder struct{ srv *emulator.Server }

// startScriptEmulator starts an emulator for a script and points the
// script's environment at it.
func startScriptEmulator(setenv func(k, v string), o emulator.Options) (*emulator.Server, error) {
	srv, err := emulator.New(o)
	if err != nil {
		return nil, err
	}
	setenv("NBFLEET_ENDPOINT", srv.URL())
	setenv("NBFLEET_IAM_ENDPOINT", srv.URL()+"/v3")
	setenv("HUAWEICLOUD_SDK_PROJECT_ID", srv.ProjectID())
	setenv("EMU", srv.URL())
	return srv, nil
}

// TestScripts runs the end-to-end scripts in testdata/script against an
// in-process emulator each: the real binary's code path, real HTTP, real
// signing. Extra script commands steer and inspect the emulator:
//
//	emu-seed NAME [owner=FLEET] [status=STATUS] [flavor=F] [ws=W] [ssh=KEY]   insert a live notebook
//	emu-count NAME N                       exactly N live notebooks are named NAME
//	emu-owned FLEET N                      exactly N live notebooks carry FLEET's marker
//	emu-status NAME STATUS                 the only notebook named NAME has STATUS
//	emu-faults SPEC                        set fault probabilities (as --faults)
//	emu-restart [cloud=C] [deleted-visible=D] [stale-reads=D] [resize-time=D] [create-time=D]
//	                                       a new, empty emulator with these options
//	emu-advance D                          move the emulator's clock forward by D
//	emu-volume NAME GB                     the only notebook named NAME has GB of storage
//	emu-flavor NAME FLAVOR                 … has FLAVOR
//	emu-soldout FLAVOR on|off              make FLAVOR sold out (ModelArts.6329), or available again
//	emu-lease NAME TYPE                    … has a lease of TYPE (TIMING, IDLE)
//	emu-calls OP N                         the emulator answered N OP requests with 200
//	emu-await-calls OP N                   wait (at most 30 s) until it answers N more OP requests with 200
//	hold-lock FILE                         hold a fleet lock for the rest of the script
//	nbfleet-nodup FLEET                    no two live notebooks of FLEET share a name
//	hold-fleet-lock FLEET CLOUD            hold FLEET's default lock ($NBFLEET_LOCK_DIR, else in $TMPDIR) for the rest of the script
//	edit FILE OLD NEW                      replace OLD (Go-quoted escapes allowed) by NEW, once
//	json-lines stdout|stderr|FILE          every line is one JSON object
//	html-urls DIR N                        DIR/report.html links the N notebook URLs of DIR/report.json
//	handout-urls DIR N                     DIR/handout.{csv,html} give N URLs, each its own notebook's, and no other live URL
//	readme-quickstart FILE                 FILE is the README's quick start as a shell script (see quickstart_test.go)
//
// $EXAMPLES is the repository's examples directory, so scripts run the
// documented fleets and recipes themselves.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: golden.Updating(),
		Setup: func(env *testscript.Env) error {
			srv, err := startScriptEmulator(env.Setenv, testEmulatorOptions())
			if err != nil {
				return err
			}
			h := &emuHolder{srv: srv}
			env.Defer(func() { h.srv.Close() })
			env.Values["emu"] = h
			env.Setenv("HUAWEICLOUD_SDK_AK", emulator.DefaultAK)
			env.Setenv("HUAWEICLOUD_SDK_SK", emulator.DefaultSK)
			env.Setenv("NBFLEET_IN_AUTOMATION", "1")
			k, v, _ := strings.Cut(noRaceExitSleep, "=")
			env.Setenv(k, v)
			examples, err := filepath.Abs(filepath.Join("..", "..", "examples"))
			if err != nil {
				return err
			}
			env.Setenv("EXAMPLES", examples)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"emu-seed":          cmdEmuSeed,
			"emu-count":         cmdEmuCount,
			"emu-owned":         cmdEmuOwned,
			"emu-status":        cmdEmuStatus,
			"emu-faults":        cmdEmuFaults,
			"emu-restart":       cmdEmuRestart,
			"emu-advance":       cmdEmuAdvance,
			"emu-volume":        cmdEmuVolume,
			"emu-flavor":        cmdEmuFlavor,
			"emu-soldout":       cmdEmuSoldOut,
			"emu-lease":         cmdEmuLease,
			"emu-calls":         cmdEmuCalls,
			"emu-await-calls":   cmdEmuAwaitCalls,
			"hold-lock":         cmdHoldLock,
			"nbfleet-nodup":     cmdNoDup,
			"edit":              cmdEdit,
			"hold-fleet-lock":   cmdHoldFleetLock,
			"html-urls":         cmdHTMLURLs,
			"handout-urls":      cmdHandoutURLs,
			"json-lines":        cmdJSONLines,
			"readme-quickstart": cmdReadmeQuickstart,
		},
	})
}

func emu(ts *testscript.TestScript) *emulator.Server { return ts.Value("emu").(*emuHolder).srv }

func cmdEmuRestart(ts *testscript.TestScript, neg bool, args []string) {
	o := testEmulatorOptions()
	for _, a := range args {
		k, v, _ := strings.Cut(a, "=")
		var d time.Duration
		if k != "cloud" {
			var err error
			if d, err = time.ParseDuration(v); err != nil {
				ts.Fatalf("emu-restart: %s: %v", a, err)
			}
		}
		switch k {
		case "cloud":
			o.Cloud = v
		case "deleted-visible":
			o.DeletedVisible = d
		case "stale-reads":
			o.StaleReads = d
		case "resize-time":
			o.ResizeTime = d
		case "create-time":
			o.CreateTime = d
		default:
			ts.Fatalf("emu-restart: unknown %q", a)
		}
	}
	h := ts.Value("emu").(*emuHolder)
	h.srv.Close()
	srv, err := startScriptEmulator(ts.Setenv, o)
	if err != nil {
		ts.Fatalf("emu-restart: %v", err)
	}
	h.srv = srv
}

func cmdEmuAdvance(ts *testscript.TestScript, neg bool, args []string) {
	d, err := time.ParseDuration(strings.Join(args, ""))
	if err != nil {
		ts.Fatalf("usage: emu-advance DURATION: %v", err)
	}
	if err := emu(ts).Advance(d); err != nil {
		ts.Fatalf("emu-advance: %v", err)
	}
}

// theOne is the only live notebook named name.
func theOne(ts *testscript.TestScript, name string) emulator.Notebook {
	nbs := liveNamed(ts, name)
	if len(nbs) != 1 {
		ts.Fatalf("%d live notebooks named %s, want 1", len(nbs), name)
	}
	return nbs[0]
}

func cmdEmuVolume(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: emu-volume NAME GB")
	}
	nb := theOne(ts, args[0])
	if got := strconv.Itoa(nb.Volume.Capacity); (got == args[1]) == neg {
		ts.Fatalf("%s has %s GB (resize %+v), want %s", args[0], got, nb.Resize, args[1])
	}
}

func cmdEmuFlavor(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: emu-flavor NAME FLAVOR")
	}
	if got := theOne(ts, args[0]).Flavor; (got == args[1]) == neg {
		ts.Fatalf("%s has flavor %s, want %s", args[0], got, args[1])
	}
}

func cmdEmuSoldOut(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 || args[1] != "on" && args[1] != "off" {
		ts.Fatalf("usage: emu-soldout FLAVOR on|off")
	}
	if err := emu(ts).SetSoldOut(args[0], args[1] == "on"); err != nil {
		ts.Fatalf("emu-soldout: %v", err)
	}
}

func cmdEmuLease(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: emu-lease NAME TYPE")
	}
	if got := theOne(ts, args[0]).Lease.Type; (got == args[1]) == neg {
		ts.Fatalf("%s has a %s lease, want %s", args[0], got, args[1])
	}
}

func cmdEmuCalls(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: emu-calls OP N")
	}
	got := strconv.FormatInt(emu(ts).Stats().Requests[args[0]][200], 10)
	if (got == args[1]) == neg {
		ts.Fatalf("%s %s requests answered 200, want %s", got, args[0], args[1])
	}
}

// cmdEmuAwaitCalls waits until the emulator has answered N more OP
// requests with 200 than when it began: a background nbfleet has got that
// far (e.g. it refreshed and polls), whatever the machine's speed.
func cmdEmuAwaitCalls(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: emu-await-calls OP N")
	}
	n, err := strconv.ParseInt(args[1], 10, 64)
	if err != nil {
		ts.Fatalf("emu-await-calls: %v", err)
	}
	calls := func() int64 { return emu(ts).Stats().Requests[args[0]][200] }
	want := calls() + n
	for deadline := time.Now().Add(30 * time.Second); calls() < want; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			ts.Fatalf("emu-await-calls: %d %s requests after 30 s, want %d", calls(), args[0], want)
		}
	}
}

func cmdEmuSeed(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 1 {
		ts.Fatalf("usage: emu-seed NAME [owner=FLEET] [status=STATUS] [flavor=F] [ws=W]")
	}
	sn := emulator.SeedNotebook{Name: args[0], Description: "made by hand"}
	for _, a := range args[1:] {
		k, v, _ := strings.Cut(a, "=")
		switch k {
		case "owner":
			sn.Description += " " + spec.OwnerMarker(v)
		case "status":
			sn.Status = v
		case "flavor":
			sn.Flavor = v
		case "ws":
			sn.WorkspaceID = v
		case "ssh":
			sn.Endpoints = []emulator.Endpoint{{Service: "SSH", KeyPairNames: []string{v}}}
		default:
			ts.Fatalf("emu-seed: unknown %q", a)
		}
	}
	if _, err := emu(ts).Seed("", sn); err != nil {
		ts.Fatalf("emu-seed: %v", err)
	}
}

func liveNamed(ts *testscript.TestScript, name string) []emulator.Notebook {
	var out []emulator.Notebook
	for _, nb := range emu(ts).Notebooks("") {
		if nb.Name == name && nb.Status != emulator.StatusDeleted {
			out = append(out, nb)
		}
	}
	return out
}

func cmdEmuCount(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: emu-count NAME N")
	}
	want, _ := strconv.Atoi(args[1])
	if got := len(liveNamed(ts, args[0])); (got == want) == neg {
		ts.Fatalf("%d live notebooks named %s, want %d", got, args[0], want)
	}
}

func cmdEmuOwned(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: emu-owned FLEET N")
	}
	want, _ := strconv.Atoi(args[1])
	got := 0
	for _, nb := range emu(ts).Notebooks("") {
		if owner, ok := plan.Owner(nb.Description); ok && owner == args[0] && nb.Status != emulator.StatusDeleted {
			got++
		}
	}
	if (got == want) == neg {
		ts.Fatalf("%d live notebooks owned by %s, want %d", got, args[0], want)
	}
}

func cmdEmuStatus(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: emu-status NAME STATUS")
	}
	nbs := liveNamed(ts, args[0])
	if len(nbs) != 1 {
		ts.Fatalf("%d live notebooks named %s, want 1", len(nbs), args[0])
	}
	if (nbs[0].Status == args[1]) == neg {
		ts.Fatalf("%s is %s, want %s", args[0], nbs[0].Status, args[1])
	}
}

func cmdEmuFaults(ts *testscript.TestScript, neg bool, args []string) {
	f, err := emulator.ParseFaults(strings.Join(args, ","))
	if err != nil {
		ts.Fatalf("emu-faults: %v", err)
	}
	if err := emu(ts).SetFaults(f); err != nil {
		ts.Fatalf("emu-faults: %v", err)
	}
}

func cmdHoldLock(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: hold-lock FILE")
	}
	l, err := fleetlock.Acquire(context.Background(), ts.MkAbs(args[0]), 0, fleetlock.Holder{
		PID: 4242, Host: "cron-host", Started: time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC), Command: "nbfleet apply (test)",
	})
	if err != nil {
		ts.Fatalf("hold-lock: %v", err)
	}
	ts.Defer(func() { l.Release() })
	fmt.Fprintf(ts.Stdout(), "holding %s\n", args[0])
}

func cmdHoldFleetLock(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: hold-fleet-lock FLEET CLOUD")
	}
	// The script's nbfleet takes the lock in the script's lock directory:
	// $NBFLEET_LOCK_DIR, else nbfleet-locks in its $TMPDIR.
	dir := ts.Getenv(fleetlock.DirEnv)
	if dir == "" {
		dir = filepath.Join(ts.Getenv("TMPDIR"), "nbfleet-locks")
	}
	path, err := ops.LockPath(args[0], modelarts.Cloud(args[1]), emu(ts).ProjectID())
	ts.Check(err)
	cmdHoldLock(ts, neg, []string{filepath.Join(dir, filepath.Base(path))})
}

func cmdNoDup(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: nbfleet-nodup FLEET")
	}
	seen := map[string]int{}
	for _, nb := range emu(ts).Notebooks("") {
		if owner, ok := plan.Owner(nb.Description); ok && owner == args[0] && nb.Status != emulator.StatusDeleted {
			seen[nb.Name]++
		}
	}
	for name, n := range seen {
		if n > 1 {
			ts.Fatalf("%d live notebooks named %s: a duplicate", n, name)
		}
	}
}

func cmdEdit(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: edit FILE OLD NEW")
	}
	unq := func(s string) string {
		u, err := strconv.Unquote(`"` + s + `"`)
		if err != nil {
			ts.Fatalf("edit: %q: %v", s, err)
		}
		return u
	}
	old, repl := unq(args[1]), unq(args[2])
	data := ts.ReadFile(args[0])
	if n := strings.Count(data, old); n != 1 {
		ts.Fatalf("edit: %q occurs %d times in %s, want once", old, n, args[0])
	}
	if err := os.WriteFile(ts.MkAbs(args[0]), []byte(strings.Replace(data, old, repl, 1)), 0o666); err != nil {
		ts.Fatalf("edit: %v", err)
	}
}

func cmdHTMLURLs(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: html-urls DIR N")
	}
	want, _ := strconv.Atoi(args[1])
	var rep struct {
		Notebooks []struct {
			Name string `json:"name"`
			URL  string `json:"url"`
		} `json:"notebooks"`
	}
	if err := json.Unmarshal([]byte(ts.ReadFile(filepath.Join(args[0], "report.json"))), &rep); err != nil {
		ts.Fatalf("html-urls: %v", err)
	}
	page := ts.ReadFile(filepath.Join(args[0], "report.html"))
	n := 0
	for _, nb := range rep.Notebooks {
		if nb.URL == "" {
			continue
		}
		n++
		if !strings.Contains(page, `href="`+html.EscapeString(nb.URL)+`"`) {
			ts.Fatalf("html-urls: report.html has no link to %s's URL %s", nb.Name, nb.URL)
		}
	}
	if n != want {
		ts.Fatalf("html-urls: %d notebooks with a URL in report.json, want %d", n, want)
	}
}

// cmdHandoutURLs checks a hand-out against the emulator: each URL of
// handout.csv is the URL of the one live notebook of its row's name, whose
// marker names the fleet (the page's title); handout.html links it in
// full; no other live notebook's URL, and no token, is in either file.
func cmdHandoutURLs(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: handout-urls DIR N")
	}
	want, _ := strconv.Atoi(args[1])
	rows, err := csv.NewReader(strings.NewReader(ts.ReadFile(filepath.Join(args[0], "handout.csv")))).ReadAll()
	if err != nil || len(rows) == 0 {
		ts.Fatalf("handout-urls: handout.csv: %v", err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	page := ts.ReadFile(filepath.Join(args[0], "handout.html"))
	fleet := ""
	if m := regexp.MustCompile(`<title>Notebooks: ([^<]+)</title>`).FindStringSubmatch(page); m != nil {
		fleet = html.UnescapeString(m[1])
	}
	given := map[string]bool{}
	for _, r := range rows[1:] {
		name, url := r[col["name"]], r[col["url"]]
		if url == "" {
			continue
		}
		given[url] = true
		nb := theOne(ts, name)
		if owner, _ := plan.Owner(nb.Description); nb.URL != url || owner != fleet {
			ts.Fatalf("handout-urls: %s is handed %s, its notebook (fleet %q) has %s", name, url, owner, nb.URL)
		}
		if !strings.Contains(page, `href="`+html.EscapeString(url)+`"`) || !strings.Contains(page, ">"+html.EscapeString(url)+"</a>") {
			ts.Fatalf("handout-urls: handout.html does not link %s's URL %s in full", name, url)
		}
	}
	if len(given) != want {
		ts.Fatalf("handout-urls: %d URLs handed out, want %d", len(given), want)
	}
	csvText := ts.ReadFile(filepath.Join(args[0], "handout.csv"))
	for _, nb := range emu(ts).Notebooks("") {
		if nb.URL != "" && !given[nb.URL] && (strings.Contains(page, nb.URL) || strings.Contains(csvText, nb.URL)) {
			ts.Fatalf("handout-urls: the hand-out gives %s's URL %s, which is nobody's on it", nb.Name, nb.URL)
		}
		if strings.Contains(page, nb.Token) || strings.Contains(csvText, nb.Token) {
			ts.Fatalf("handout-urls: the hand-out holds %s's token", nb.Name)
		}
	}
}

func cmdJSONLines(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: json-lines stdout|stderr|FILE")
	}
	// ReadFile reads the last command's stdout and stderr by those names.
	lines := strings.Split(strings.TrimSuffix(ts.ReadFile(args[0]), "\n"), "\n")
	for i, line := range lines {
		var obj map[string]any
		if err := json.Unmarshal([]byte(line), &obj); err != nil {
			ts.Fatalf("json-lines: %s line %d is not a JSON object: %v: %q", args[0], i+1, err, line)
		}
	}
}

// testFleet is a fleet file named name with the house defaults (CPU flavor,
// the emulator's default image, EVS 50 GB) and the given notebooks list.
func testFleet(name, notebooks string) string {
	return `version: 1
fleet: ` + name + `
target: {region: eu-de}
defaults:
  flavor: modelarts.vm.cpu.2u
  image_id: e1a07296-22a8-4f05-8bc8-e936c8e54090
  volume: {category: EVS, ownership: MANAGED, capacity: 50}
notebooks:
` + notebooks
}
