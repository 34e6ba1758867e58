package main

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
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
	line, err := bufio.NewReader(pr).ReadString('\n')
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
