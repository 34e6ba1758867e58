package main

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/nbfleet/nbfleet/pkg/emulator"
)

func TestEmulatorFlags(t *testing.T) {
	tests := []struct {
		args []string
		err  string
	}{
		{[]string{"--faults", "500=0.02,503=0.01,reset=0.01,lost-create=0.01,create-failed=0.02,start-failed=0.01"}, ""},
		{[]string{"--faults", "teapot=1"}, "unknown kind"},
		{[]string{"--auth", "maybe"}, "--auth"},
		{[]string{"--log", "loud"}, "--log"},
		{[]string{"--latency", "-1s"}, "must not be negative"},
		{[]string{"--quota", "-1"}, "must not be negative"},
		{[]string{"--rate-limit", "600", "--rate-window", "1m", "--no-retry-after"}, ""},
		{[]string{"--rate-window", "1h"}, "--rate-window"},
		{[]string{"--listen", "0.0.0.0:0"}, "not a loopback address"},
		{[]string{"--cloud", "otc", "--resize-time", "10ms", "--deleted-visible", "1s", "--stale-reads", "50ms"}, ""},
		{[]string{"--cloud", "aws"}, "--cloud"},
		{[]string{"--resize-time", "-1s"}, "must not be negative"},
		{[]string{"--stale-reads", "-1s"}, "must not be negative"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			if tt.err == "" {
				var stderr bytes.Buffer
				cmd := newEmulatorCmd(&env{stderr: &stderr})
				if err := cmd.ParseFlags(tt.args); err != nil {
					t.Fatal(err)
				}
				return
			}
			var stdout, stderr bytes.Buffer
			ch := make(chan os.Signal, 1)
			ch <- syscall.SIGINT
			code := run(append([]string{"emulator", "--listen", "127.0.0.1:0"}, tt.args...), &env{stdout: &stdout, stderr: &stderr, signals: ch, getenv: func(string) string { return "" }})
			if code != exitError || !strings.Contains(stderr.String(), tt.err) || !strings.HasPrefix(stderr.String(), "nbfleet: error: ") {
				t.Fatalf("code %d, stderr %q, want %q", code, stderr.String(), tt.err)
			}
		})
	}
}

// TestEmulatorFlagOptions pins how the profile and throttling flags reach
// the library: --deleted-visible 0 means gone at once, not the library's
// default; --rate-window 1m is a minute.
func TestEmulatorFlagOptions(t *testing.T) {
	var stderr bytes.Buffer
	o := &emulatorOptions{}
	cmd := newEmulatorCmd(&env{stderr: &stderr})
	if err := cmd.ParseFlags([]string{"--cloud", "otc", "--resize-time", "10ms", "--deleted-visible", "0", "--stale-reads", "50ms",
		"--rate-window", "1m", "--no-retry-after"}); err != nil {
		t.Fatal(err)
	}
	f := cmd.Flags()
	o.cloud, _ = f.GetString("cloud")
	o.resizeTime, _ = f.GetDuration("resize-time")
	o.deletedVis, _ = f.GetDuration("deleted-visible")
	o.staleReads, _ = f.GetDuration("stale-reads")
	o.rateWindow, _ = f.GetString("rate-window")
	o.noRA, _ = f.GetBool("no-retry-after")
	o.ak, o.sk, o.auth, o.log = "a", "s", "none", "off"
	opts, err := o.toOptions(&stderr)
	if err != nil {
		t.Fatal(err)
	}
	if opts.Cloud != "otc" || opts.ResizeTime != 10*time.Millisecond || opts.DeletedVisible >= 0 || opts.StaleReads != 50*time.Millisecond ||
		opts.RateWindow != time.Minute || !opts.NoRetryAfter {
		t.Errorf("options %+v", opts)
	}
}

func TestEmulatorRun(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	pr, pw := io.Pipe()
	var stderr bytes.Buffer
	ch := make(chan os.Signal, 1)
	done := make(chan int)
	go func() {
		done <- run([]string{"emulator", "--listen", "127.0.0.1:0", "--auth", "none", "--state", state, "--log", "off"},
			&env{stdout: pw, stderr: &stderr, signals: ch, getenv: func(string) string { return "" }})
		pw.Close()
	}()
	out := bufio.NewReader(pr)
	line, err := out.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	const prefix = "nbfleet emulator listening on "
	if !strings.HasPrefix(line, prefix) || !strings.Contains(line, "(project 0123456789abcdef0123456789abcdef)") {
		t.Fatalf("ready line %q", line)
	}
	url := strings.Fields(strings.TrimPrefix(line, prefix))[0]
	if strings.HasSuffix(url, ":0") {
		t.Fatalf("printed port is not the real one: %s", url)
	}
	// Then the lines a user pastes, with the real port.
	var exports []string
	for len(exports) < 6 {
		l, err := out.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		exports = append(exports, strings.TrimSuffix(l, "\n"))
	}
	want := []string{
		"# To point nbfleet at it, paste these lines into your shell:",
		"export NBFLEET_ENDPOINT=" + url,
		"export NBFLEET_IAM_ENDPOINT=" + url,
		"export HUAWEICLOUD_SDK_AK=" + emulator.DefaultAK,
		"export HUAWEICLOUD_SDK_SK=" + emulator.DefaultSK,
		"export HUAWEICLOUD_SDK_PROJECT_ID=" + emulator.DefaultProjectID,
	}
	if d := cmp.Diff(want, exports); d != "" {
		t.Errorf("export lines (-want +got):\n%s", d)
	}
	body := `{"name":"cli","flavor":"modelarts.vm.cpu.2u","image_id":"e1a07296-22a8-4f05-8bc8-e936c8e54090","volume":{"category":"EVS","ownership":"MANAGED"}}`
	res, err := http.Post(url+"/v1/0123456789abcdef0123456789abcdef/notebooks", "application/json", strings.NewReader(body))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("create: %v %v", err, res)
	}
	res.Body.Close()
	ch <- syscall.SIGTERM
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no shutdown")
	}
	data, err := os.ReadFile(state)
	if err != nil || !strings.Contains(string(data), `"name": "cli"`) {
		t.Fatalf("state not written: %v %s", err, data)
	}
}

// TestEmulatorPrintEnv: --print-env prints only the export lines for the
// emulator the same flags would start, and refuses a port it cannot know.
func TestEmulatorPrintEnv(t *testing.T) {
	for _, tc := range []struct {
		args []string
		out  string
		err  string
	}{
		{nil, `export NBFLEET_ENDPOINT=http://127.0.0.1:8787
export NBFLEET_IAM_ENDPOINT=http://127.0.0.1:8787
export HUAWEICLOUD_SDK_AK=NBFLEETDEMOAK000000000
export HUAWEICLOUD_SDK_SK=nbfleet-demo-secret-key-not-a-real-secret
export HUAWEICLOUD_SDK_PROJECT_ID=0123456789abcdef0123456789abcdef
`, ""},
		{[]string{"--listen", "127.0.0.1:9911", "--ak", "AK2", "--sk", "it's mine", "--project-id", "p1"}, `export NBFLEET_ENDPOINT=http://127.0.0.1:9911
export NBFLEET_IAM_ENDPOINT=http://127.0.0.1:9911
export HUAWEICLOUD_SDK_AK=AK2
export HUAWEICLOUD_SDK_SK='it'\''s mine'
export HUAWEICLOUD_SDK_PROJECT_ID=p1
`, ""},
		{[]string{"--listen", "127.0.0.1:0"}, "", "nbfleet: error: --print-env needs a fixed port, not --listen 127.0.0.1:0\nnbfleet: hint: give --listen HOST:PORT, or start the emulator: it prints the lines with the port it got\n"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			e, out, errb := cliEnvNoServer()
			code := run(append([]string{"emulator", "--print-env"}, tc.args...), e)
			if out.String() != tc.out || errb.String() != tc.err || (code == 0) != (tc.err == "") {
				t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errb)
			}
		})
	}
	// The lines work: a shell that evaluates them has nbfleet's variables.
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	e, out, _ := cliEnvNoServer()
	run([]string{"emulator", "--print-env", "--sk", "it's mine"}, e)
	got, err := exec.Command("sh", "-c", out.String()+`printf %s "$HUAWEICLOUD_SDK_SK"`).Output()
	if err != nil || string(got) != "it's mine" {
		t.Errorf("sh read the secret key as %q (%v)", got, err)
	}
}
