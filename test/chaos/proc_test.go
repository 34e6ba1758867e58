package chaos

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nbfleet/nbfleet/pkg/emulator"
)

// nbfleetBin is the binary built once by TestMain ("" when the suite skips).
var nbfleetBin string

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	if os.Getenv("CHAOS_RUNS") == "" && os.Getenv("CHAOS_BUILD") == "" {
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "nbfleet-chaos-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin := filepath.Join(dir, "nbfleet")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/nbfleet/nbfleet/cmd/nbfleet")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "chaos: build nbfleet:", err)
		return 1
	}
	nbfleetBin = bin
	return m.Run()
}

// syncBuffer is a bytes.Buffer written by a subprocess and read by the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// emuProc is an `nbfleet emulator` subprocess.
type emuProc struct {
	cmd    *exec.Cmd
	url    string
	addr   string
	stderr *syncBuffer
	done   chan struct{}
	err    error
}

// startEmulator runs `nbfleet emulator --listen listen args…` and waits for
// its "listening on" line. Binding a just-freed port is retried briefly.
func startEmulator(t testing.TB, listen string, args []string) (*emuProc, error) {
	t.Helper()
	var last error
	for attempt := 0; attempt < 20; attempt++ {
		p, err := startEmulatorOnce(t, listen, args)
		if err == nil {
			return p, nil
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	return nil, last
}

func startEmulatorOnce(t testing.TB, listen string, args []string) (*emuProc, error) {
	all := append([]string{"emulator", "--listen", listen}, args...)
	cmd := exec.Command(nbfleetBin, all...)
	cmd.Env = baseEnv()
	dieWithParent(cmd)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p := &emuProc{cmd: cmd, stderr: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	t.Cleanup(func() { p.kill() })
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		_, _ = io.Copy(io.Discard, out)
	}()
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	select {
	case line, ok := <-lines:
		_, rest, found := strings.Cut(line, "listening on ")
		if !ok || !found {
			p.kill()
			return nil, fmt.Errorf("emulator did not start: %q; stderr:\n%s", line, p.stderr.String())
		}
		p.url, _, _ = strings.Cut(rest, " ")
		p.addr = strings.TrimPrefix(p.url, "http://")
		return p, nil
	case <-time.After(15 * time.Second):
		p.kill()
		return nil, errors.New("emulator did not print its address within 15 s")
	}
}

// stop asks the emulator to shut down (SIGTERM: it writes --state) and
// waits for it; after 10 s it is killed.
func (p *emuProc) stop() error {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return nil
	case <-time.After(10 * time.Second):
		p.kill()
		return errors.New("emulator did not stop within 10 s of SIGTERM")
	}
}

func (p *emuProc) kill() {
	select {
	case <-p.done:
	default:
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// getJSON fetches a control endpoint of the emulator into v.
func (p *emuProc) getJSON(ctx context.Context, path string, v any) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url+path, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", path, res.Status)
	}
	return json.NewDecoder(res.Body).Decode(v)
}

// notebooks returns every notebook the emulator holds, each with its raw
// JSON (to compare foreign notebooks byte for byte).
func (p *emuProc) notebooks(ctx context.Context) ([]emulator.Notebook, map[string]string, error) {
	var doc struct {
		Notebooks []json.RawMessage `json:"notebooks"`
	}
	if err := p.getJSON(ctx, "/_emulator/notebooks", &doc); err != nil {
		return nil, nil, err
	}
	var nbs []emulator.Notebook
	raw := map[string]string{}
	for _, r := range doc.Notebooks {
		var nb emulator.Notebook
		if err := json.Unmarshal(r, &nb); err != nil {
			return nil, nil, err
		}
		raw[nb.ID] = string(r)
		// A DELETED notebook, still shown for a while after a delete, is
		// gone; raw keeps it, so a foreign notebook deleted is still seen.
		if nb.Status != emulator.StatusDeleted {
			nbs = append(nbs, nb)
		}
	}
	return nbs, raw, nil
}

// baseEnv is the little of the test's environment a subprocess needs.
func baseEnv() []string {
	var env []string
	for _, k := range []string{"PATH", "HOME", "TMPDIR", "GOCOVERDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// akEnv points nbfleet at an emulator with the demo access key pair.
func akEnv(url string) []string {
	return append(baseEnv(),
		"NBFLEET_ENDPOINT="+url,
		"NBFLEET_IAM_ENDPOINT="+url+"/v3",
		"HUAWEICLOUD_SDK_AK="+emulator.DefaultAK,
		"HUAWEICLOUD_SDK_SK="+emulator.DefaultSK,
		"HUAWEICLOUD_SDK_PROJECT_ID="+emulator.DefaultProjectID,
		"NBFLEET_IN_AUTOMATION=1",
	)
}

// result is how one nbfleet subprocess ended.
type result struct {
	code           int
	stdout, stderr string
	interrupts     int  // SIGINTs actually delivered while it ran
	killed         bool // it died of a SIGKILL the suite sent
	pid            int
}

// signal is a signal sent to nbfleet at a delay after its start.
type signal struct {
	at  time.Duration
	sig os.Signal
}

// sigints are SIGINTs at the given delays.
func sigints(at ...time.Duration) []signal {
	var out []signal
	for _, d := range at {
		out = append(out, signal{d, os.Interrupt})
	}
	return out
}

// runNbfleet runs nbfleet args with env under a timeout. Each signal is
// sent at its delay after the start, if the process is still running.
func runNbfleet(ctx context.Context, env []string, timeout time.Duration, signals []signal, args ...string) (result, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, nbfleetBin, args...)
	cmd.Env = env
	cmd.WaitDelay = 5 * time.Second
	dieWithParent(cmd)
	var out, errb syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		return result{}, err
	}
	done := make(chan struct{})
	var mu sync.Mutex
	sent, killed := 0, false
	for _, sg := range signals {
		go func() {
			select {
			case <-time.After(sg.at):
				mu.Lock()
				defer mu.Unlock()
				if cmd.Process.Signal(sg.sig) == nil {
					if sg.sig == os.Kill {
						killed = true
					} else {
						sent++
					}
				}
			case <-done:
			}
		}()
	}
	err := cmd.Wait()
	close(done)
	mu.Lock()
	r := result{stdout: out.String(), stderr: errb.String(), interrupts: sent, pid: cmd.Process.Pid}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
		r.killed = killed
	}
	mu.Unlock()
	if ctx.Err() != nil {
		return r, fmt.Errorf("nbfleet %s: killed after %v; stderr:\n%s", strings.Join(args, " "), timeout, r.stderr)
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		return r, err
	}
	return r, nil
}
