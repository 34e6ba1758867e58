// Command benchapply measures `nbfleet apply` with its default flags
// against emulator subprocesses, side by side with two peers, and prints
// one table (docs/performance.md explains it; `make bench-apply` runs it):
//
//	go run ./test/benchapply -bin bin/nbfleet [-grid small|corners|full] [-clients nbfleet,xargs,terraform] [-cells REGEXP]
//
// -cells keeps the cells whose label ("N=1000 R=600 1m C=2s", as the
// per-cell lines print it) matches REGEXP.
//
// Every cell starts a fresh `nbfleet emulator` (25 ms latency, the cell's
// create time and throttling) and runs one client against it:
//
//   - nbfleet: the real binary, `nbfleet apply FLEET --auto-approve`, no
//     tuning flag, AK/SK signing;
//   - terraform: the Terraform provider's strategy, in Go here: 10 in
//     parallel; per notebook one POST, then 10 s of delay and one GET every
//     10 s until RUNNING; a 429 sleeps a random 1–16 min scaled by 1/60
//     (1–16 s) so that the run ends;
//   - xargs: a shell loop, `seq N | xargs -P 10 curl --retry 100 -X POST …`
//     (curl retries a 429, honouring Retry-After), then one paged list with
//     curl and jq every 10 s until all are RUNNING.
//
// The peers do not sign requests: their emulators run with --auth none.
// Wall is the client's process (or loop) from start to exit; requests,
// 429s and list calls are the emulator's counters. bound is the time a
// client that knew the limit would need: N/R + C per second; for a limit
// of L per minute, floor(N/L) minutes + C. The terraform cells sleep most
// of the time, so they run concurrently with each other and with the
// others (their requests are a few per second).
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"
)

type cell struct {
	n        int
	limit    float64 // per window
	minute   bool    // per-minute window
	noRA     bool
	create   time.Duration
	clients  []string
	planOnly bool // the 10 000-notebook plan after the apply
}

func (c cell) window() string {
	switch {
	case c.minute && c.noRA:
		return "1m, no Retry-After"
	case c.minute:
		return "1m"
	}
	return "1s"
}

// label names a cell for -cells and the per-cell lines.
func (c cell) label() string {
	return fmt.Sprintf("N=%d R=%g %s C=%v", c.n, c.limit, c.window(), c.create)
}

func (c cell) bound() time.Duration {
	if c.minute {
		return time.Duration(math.Floor(float64(c.n)/c.limit))*time.Minute + c.create
	}
	return time.Duration(float64(c.n)/c.limit*float64(time.Second)) + c.create
}

type result struct {
	c        cell
	client   string
	wall     time.Duration
	requests int64
	throttle int64
	lists    int64
	created  int64
	live     int
	rssMB    float64
	err      error
	note     string
}

var all = []string{"nbfleet", "xargs", "terraform"}

func grid(name string) []cell {
	var cells []cell
	switch name {
	case "small":
		for _, r := range []float64{20, 100} {
			cells = append(cells, cell{n: 100, limit: r, create: 2 * time.Second, clients: all})
		}
		cells = append(cells,
			cell{n: 300, limit: 600, minute: true, create: 2 * time.Second, clients: all},
			cell{n: 300, limit: 600, minute: true, noRA: true, create: 2 * time.Second, clients: all})
	case "corners":
		// The cells most likely to miss: the fastest (start-up weighs
		// most), a per-minute window that binds, and high latency of
		// nothing (parallelism).
		cells = append(cells,
			cell{n: 100, limit: 300, create: 2 * time.Second, clients: all},
			cell{n: 1000, limit: 300, create: 2 * time.Second, clients: all},
			cell{n: 100, limit: 5, create: 20 * time.Second, clients: all},
			cell{n: 1000, limit: 600, minute: true, noRA: true, create: 2 * time.Second, clients: all})
	case "full":
		for _, n := range []int{100, 1000} {
			for _, r := range []float64{5, 20, 50, 100, 300} {
				for _, c := range []time.Duration{2 * time.Second, 20 * time.Second} {
					cells = append(cells, cell{n: n, limit: r, create: c, clients: all})
				}
			}
		}
		for _, noRA := range []bool{false, true} {
			cells = append(cells,
				cell{n: 300, limit: 600, minute: true, noRA: noRA, create: 2 * time.Second, clients: all},
				cell{n: 1000, limit: 600, minute: true, noRA: noRA, create: 2 * time.Second, clients: all})
		}
		// Scale: 10 000 creates at 300/s, then a plan of them.
		cells = append(cells, cell{n: 10000, limit: 300, create: 2 * time.Second, clients: []string{"nbfleet"}, planOnly: true})
	default:
		fmt.Fprintf(os.Stderr, "benchapply: unknown grid %q (want small, corners or full)\n", name)
		os.Exit(2)
	}
	return cells
}

func main() {
	bin := flag.String("bin", "bin/nbfleet", "the nbfleet binary")
	gridName := flag.String("grid", "small", "small | corners | full")
	only := flag.String("clients", strings.Join(all, ","), "clients to run")
	match := flag.String("cells", "", "run only the cells whose label matches this regexp")
	flag.Parse()
	re, err := regexp.Compile(*match)
	if err != nil {
		fail(err)
	}
	abs, err := filepath.Abs(*bin)
	if err != nil {
		fail(err)
	}
	want := map[string]bool{}
	for _, c := range strings.Split(*only, ",") {
		want[c] = true
	}
	var cells []cell
	for _, c := range grid(*gridName) {
		if re.MatchString(c.label()) {
			cells = append(cells, c)
		}
	}
	fmt.Fprintf(os.Stderr, "benchapply: %d cells, %s\n", len(cells), *only)

	var mu sync.Mutex
	var results []result
	add := func(r result) {
		mu.Lock()
		results = append(results, r)
		mu.Unlock()
		fmt.Fprintf(os.Stderr, "  %-9s %-36s wall %6.1fs ratio %.2f requests %d 429s %d lists %d %s%v\n",
			r.client, r.c.label(), r.wall.Seconds(), ratio(r), r.requests, r.throttle, r.lists, r.note, errText(r.err))
	}
	var tf sync.WaitGroup
	for _, c := range cells {
		if want["terraform"] && contains(c.clients, "terraform") {
			tf.Add(1)
			go func() { defer tf.Done(); add(runTerraform(abs, c)) }()
		}
	}
	for _, c := range cells {
		if want["nbfleet"] && contains(c.clients, "nbfleet") {
			add(runNbfleet(abs, c))
		}
		if want["xargs"] && contains(c.clients, "xargs") {
			add(runXargs(abs, c))
		}
	}
	tf.Wait()
	printTable(os.Stdout, cells, results)
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchapply:", err)
	os.Exit(1)
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return " ERROR " + err.Error()
}

func ratio(r result) float64 { return r.wall.Seconds() / r.c.bound().Seconds() }

// emulator is a running `nbfleet emulator` subprocess.
type emulator struct {
	cmd     *exec.Cmd
	url     string
	project string
}

func startEmulator(bin string, c cell, authNone bool) (*emulator, error) {
	args := []string{"emulator", "--listen", "127.0.0.1:0", "--log", "off", "--latency", "25ms",
		"--create-time", c.create.String(), "--rate-limit", fmt.Sprint(c.limit), "--seed", "1"}
	if c.minute {
		args = append(args, "--rate-window", "1m")
	}
	if c.noRA {
		args = append(args, "--no-retry-after")
	}
	if authNone {
		args = append(args, "--auth", "none")
	}
	cmd := exec.Command(bin, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		return nil, fmt.Errorf("emulator: %w", err)
	}
	// nbfleet emulator listening on http://127.0.0.1:PORT (project ID)
	f := strings.Fields(line)
	if len(f) < 6 {
		cmd.Process.Kill()
		return nil, fmt.Errorf("emulator said %q", line)
	}
	return &emulator{cmd: cmd, url: f[4], project: strings.TrimSuffix(f[6], ")")}, nil
}

func (e *emulator) stop() {
	e.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { e.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		e.cmd.Process.Kill()
	}
}

type stats struct {
	Requests         map[string]map[int]int64 `json:"requests"`
	Throttled        int64                    `json:"throttled"`
	NotebooksCreated int64                    `json:"notebooks_created"`
	Notebooks        int                      `json:"notebooks"`
}

func (e *emulator) stats() (stats, error) {
	var s stats
	resp, err := http.Get(e.url + "/_emulator/stats")
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	err = json.NewDecoder(resp.Body).Decode(&s)
	return s, err
}

func (s stats) total(op string) int64 {
	var n int64
	for o, m := range s.Requests {
		if op != "" && o != op {
			continue
		}
		for _, v := range m {
			n += v
		}
	}
	return n
}

// finish fills a result's counters from the emulator and checks that every
// notebook exists exactly once.
func finish(r *result, e *emulator, before stats) {
	s, err := e.stats()
	if err != nil {
		r.err = err
		return
	}
	r.requests = s.total("") - before.total("")
	r.throttle = s.Throttled - before.Throttled
	r.lists = s.total("list") - before.total("list")
	r.created, r.live = s.NotebooksCreated, s.Notebooks
	if r.err == nil && (s.NotebooksCreated != int64(r.c.n) || s.Notebooks != r.c.n) {
		r.err = fmt.Errorf("%d notebooks created, %d live, want %d", s.NotebooksCreated, s.Notebooks, r.c.n)
	}
}

const fleetYAML = `version: 1
fleet: bench
target: {region: eu-de}
defaults:
  flavor: modelarts.vm.cpu.2u
  image_id: e1a07296-22a8-4f05-8bc8-e936c8e54090
  volume: {category: EVS, ownership: MANAGED, capacity: 50}
notebooks:
  - for_each: {count: %d}
    name: "bench-{{ .index }}"
`

func runNbfleet(bin string, c cell) result {
	r := result{c: c, client: "nbfleet"}
	e, err := startEmulator(bin, c, false)
	if err != nil {
		r.err = err
		return r
	}
	defer e.stop()
	dir, err := os.MkdirTemp("", "benchapply")
	if err != nil {
		r.err = err
		return r
	}
	defer os.RemoveAll(dir)
	fleet := filepath.Join(dir, "fleet.yaml")
	if err := os.WriteFile(fleet, []byte(fmt.Sprintf(fleetYAML, c.n)), 0o600); err != nil {
		r.err = err
		return r
	}
	env := append(os.Environ(), "NBFLEET_ENDPOINT="+e.url, "HUAWEICLOUD_SDK_AK=NBFLEETDEMOAK000000000",
		"HUAWEICLOUD_SDK_SK=nbfleet-demo-secret-key-not-a-real-secret", "HUAWEICLOUD_SDK_PROJECT_ID="+e.project,
		"NBFLEET_IN_AUTOMATION=1")
	run := func(args ...string) (time.Duration, float64, error) {
		// A run that hangs is a failed cell, not a stalled table.
		ctx, cancel := context.WithTimeout(context.Background(), 4*c.bound()+2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env, cmd.Dir = env, dir
		var errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = io.Discard, &errb
		start := time.Now()
		err := cmd.Run()
		el := time.Since(start)
		rss := 0.0
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			rss = float64(ru.Maxrss) / 1024 // KiB on Linux
		}
		if err != nil {
			tail := errb.String()
			if len(tail) > 300 {
				tail = tail[len(tail)-300:]
			}
			err = fmt.Errorf("%s: %v: %s", args[0], err, strings.TrimSpace(tail))
		}
		return el, rss, err
	}
	before, _ := e.stats()
	r.wall, r.rssMB, r.err = run("apply", fleet, "--auto-approve", "--report-dir", filepath.Join(dir, "report"))
	finish(&r, e, before)
	if c.planOnly && r.err == nil {
		before, _ := e.stats()
		el, rss, err := run("plan", fleet)
		after, _ := e.stats()
		r.note = fmt.Sprintf("apply RSS %.0f MB; plan of %d: %.1fs, %d requests (≤ %d), RSS %.0f MB; ",
			r.rssMB, c.n, el.Seconds(), after.total("")-before.total(""), (c.n+49)/50+2, rss)
		if err != nil {
			r.err = err
		}
	}
	return r
}

func runXargs(bin string, c cell) result {
	r := result{c: c, client: "xargs"}
	e, err := startEmulator(bin, c, true)
	if err != nil {
		r.err = err
		return r
	}
	defer e.stop()
	u := e.url + "/v1/" + e.project + "/notebooks"
	// curl writes a throttled answer's body before it retries, so every
	// call writes to its own file, which a retry truncates.
	script := fmt.Sprintf(`
seq 1 %[1]d | xargs -P 10 -I{} sh -c 'f=$(mktemp) && curl -sS --retry 100 --retry-max-time 0 -o "$f" -X POST %[2]q \
  -H "Content-Type: application/json" \
  -d "{\"name\":\"bench-{}\",\"flavor\":\"modelarts.vm.cpu.2u\",\"image_id\":\"e1a07296-22a8-4f05-8bc8-e936c8e54090\",\"volume\":{\"category\":\"EVS\",\"ownership\":\"MANAGED\",\"capacity\":50}}"; rm -f "$f"'
page=$(mktemp)
while :; do
  running=0; off=0
  while :; do
    curl -sS --retry 100 --retry-max-time 0 -o "$page" "%[2]s?limit=50&offset=$off"
    k=$(jq '.data|length' "$page")
    running=$((running + $(jq '[.data[]|select(.status=="RUNNING")]|length' "$page")))
    off=$((off + k))
    [ "$k" -lt 50 ] && break
  done
  [ "$running" -ge %[1]d ] && break
  sleep 10
done
rm -f "$page"
`, c.n, u)
	before, _ := e.stats()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Hour)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script)
	var errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &errb
	start := time.Now()
	err = cmd.Run()
	r.wall = time.Since(start)
	if err != nil {
		r.err = fmt.Errorf("%v: %s", err, strings.TrimSpace(errb.String()))
	}
	finish(&r, e, before)
	return r
}

// runTerraform follows the Terraform provider's strategy (see the package
// doc), with the 1–16 min sleeps on 429 scaled to 1–16 s.
func runTerraform(bin string, c cell) result {
	r := result{c: c, client: "terraform"}
	e, err := startEmulator(bin, c, true)
	if err != nil {
		r.err = err
		return r
	}
	defer e.stop()
	u := e.url + "/v1/" + e.project + "/notebooks"
	hc := &http.Client{Timeout: time.Minute}
	rng := rand.New(rand.NewPCG(uint64(c.n), uint64(c.limit)))
	var rmu sync.Mutex
	sleep429 := func() {
		rmu.Lock()
		d := time.Duration(1+rng.IntN(16)) * time.Second // 1–16 min, scaled by 1/60
		rmu.Unlock()
		time.Sleep(d)
	}
	// do sends a request until it is not throttled.
	do := func(method, url string, body []byte) (map[string]any, error) {
		for {
			req, _ := http.NewRequest(method, url, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			resp, err := hc.Do(req)
			if err != nil {
				return nil, err
			}
			var m map[string]any
			json.NewDecoder(resp.Body).Decode(&m)
			resp.Body.Close()
			if resp.StatusCode == http.StatusTooManyRequests {
				sleep429()
				continue
			}
			if resp.StatusCode >= 300 {
				return nil, fmt.Errorf("%s: %d %v", method, resp.StatusCode, m)
			}
			return m, nil
		}
	}
	before, _ := e.stats()
	start := time.Now()
	work := make(chan int)
	var wg sync.WaitGroup
	var emu sync.Mutex
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				body := fmt.Sprintf(`{"name":"bench-%d","flavor":"modelarts.vm.cpu.2u","image_id":"e1a07296-22a8-4f05-8bc8-e936c8e54090","volume":{"category":"EVS","ownership":"MANAGED","capacity":50}}`, i)
				m, err := do("POST", u, []byte(body))
				if err == nil {
					id, _ := m["id"].(string)
					time.Sleep(10 * time.Second)
					for {
						m, err = do("GET", u+"/"+id, nil)
						if err != nil || m["status"] == "RUNNING" {
							break
						}
						time.Sleep(10 * time.Second)
					}
				}
				if err != nil {
					emu.Lock()
					r.err = err
					emu.Unlock()
				}
			}
		}()
	}
	for i := 1; i <= c.n; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
	r.wall = time.Since(start)
	finish(&r, e, before)
	return r
}

func printTable(w io.Writer, cells []cell, results []result) {
	byKey := map[string]result{}
	for _, r := range results {
		byKey[key(r.c, r.client)] = r
	}
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', tabwriter.AlignRight|tabwriter.Debug)
	fmt.Fprintln(tw, "N\tR\twindow\tC\tbound\tclient\twall\tratio\trequests\t429s\tlist calls\t")
	for _, c := range cells {
		for _, cl := range all {
			r, ok := byKey[key(c, cl)]
			if !ok {
				continue
			}
			rs := fmt.Sprint(c.limit)
			if c.minute {
				rs += "/min"
			} else {
				rs += "/s"
			}
			verdict := ""
			if cl == "nbfleet" {
				if r.wall <= time.Duration(1.10*float64(c.bound()))+time.Second {
					verdict = " ok"
				} else {
					verdict = " OVER"
				}
			}
			if r.err != nil {
				verdict = " FAILED"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%v\t%.1fs\t%s\t%.1fs\t%.2f%s\t%d\t%d\t%d\t\n", c.n, rs, c.window(), c.create,
				c.bound().Seconds(), cl, r.wall.Seconds(), ratio(r), verdict, r.requests, r.throttle, r.lists)
		}
	}
	tw.Flush()
	for _, r := range results {
		if r.note != "" || r.err != nil {
			fmt.Fprintf(w, "%s N=%d R=%g %s: %s%v\n", r.client, r.c.n, r.c.limit, r.c.window(), r.note, errText(r.err))
		}
	}
}

func key(c cell, client string) string {
	return fmt.Sprintf("%d/%g/%v/%v/%v/%s", c.n, c.limit, c.minute, c.noRA, c.create, client)
}
