package main

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nbfleet/nbfleet/pkg/emulator"
)

// Secrets of the security test: distinctive, so that a match is a leak.
const (
	secAK       = "SECTESTAK00000000001" // an identifier, not a secret (see TestNoSecretsInOutputs)
	secSK       = "sk-SECRET-b7f1c2d94e0a"
	secSTS      = "sts-SECRET-5d2e9a7c31f0"
	secPassword = "pw-SECRET-8c4a1e6f20d7"
	secWrongSK  = "sk-SECRET-WRONG-0e1d2c3b"
	secWrongPW  = "pw-SECRET-WRONG-9a8b7c6d"
	secUser     = "sec-user"
	secDomain   = "sec-domain"
)

var secFleet = testFleet("sec", `  - for_each: {count: 3}
    name: "sec-{{ .index }}"
  - name: sec-stopped
    state: stopped
`)

// secFleet2 drops one notebook and starts another: a prune and a start.
var secFleet2 = testFleet("sec", `  - for_each: {count: 2}
    name: "sec-{{ .index }}"
  - name: sec-stopped
`)

// tokenRecorder wraps the emulator's handler and remembers every IAM token
// it issues (X-Subject-Token), so the test knows what must never appear.
type tokenRecorder struct {
	next   http.Handler
	mu     sync.Mutex
	tokens []string
}

func (t *tokenRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t.next.ServeHTTP(&tokenWriter{ResponseWriter: w, rec: t}, r)
}

type tokenWriter struct {
	http.ResponseWriter
	rec *tokenRecorder
}

func (w *tokenWriter) WriteHeader(code int) {
	if tok := w.Header().Get("X-Subject-Token"); tok != "" {
		w.rec.mu.Lock()
		w.rec.tokens = append(w.rec.tokens, tok)
		w.rec.mu.Unlock()
	}
	w.ResponseWriter.WriteHeader(code)
}

// TestNoSecretsInOutputs runs the whole job — plan (every format), plan
// --out, apply of the saved plan, apply of a changed fleet (prune, start),
// status in every format, destroy, and failing logins — once per kind of
// credential, with and without --json, and looks for every secret in
// everything nbfleet wrote: stdout, stderr, the saved plan, every report
// file and the emulator's request log. The secrets are the SK, the
// security token, the password, every IAM token the emulator issued and
// every notebook's access token. None may appear.
//
// The AK is an identifier (it travels in clear in every signed request's
// Authorization header, like a user name), not a secret: it may appear in
// diagnostics on stderr, but it must not appear in the plan and reports,
// which are shared widely (pull requests, mailed CSVs); the test checks
// that.
//
// Reports and saved plans must be created with mode 0600.
func TestNoSecretsInOutputs(t *testing.T) {
	for _, kind := range []string{"aksk", "password", "token"} {
		t.Run(kind, func(t *testing.T) { secretsRun(t, kind) })
	}
}

func secretsRun(t *testing.T, kind string) {
	var emuLog syncBuffer
	opts := testEmulatorOptions()
	opts.AccessKeys = map[string]string{secAK: secSK}
	opts.Users = []emulator.User{{Name: secUser, Password: secPassword, Domain: secDomain}}
	opts.Logger = slog.New(slog.NewTextHandler(&emuLog, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, err := emulator.NewHandler(opts)
	if err != nil {
		t.Fatal(err)
	}
	rec := &tokenRecorder{next: srv.Handler()}
	hs := httptest.NewServer(rec)
	defer func() { hs.Close(); srv.Close() }()

	vars := map[string]string{
		"NBFLEET_ENDPOINT":      hs.URL,
		"NBFLEET_IAM_ENDPOINT":  hs.URL + "/v3",
		"NBFLEET_IN_AUTOMATION": "1",
	}
	switch kind {
	case "aksk":
		vars["HUAWEICLOUD_SDK_AK"] = secAK
		vars["HUAWEICLOUD_SDK_SK"] = secSK
		vars["HUAWEICLOUD_SDK_SECURITY_TOKEN"] = secSTS
		vars["HUAWEICLOUD_SDK_PROJECT_ID"] = srv.ProjectID()
	case "password":
		vars["OS_USERNAME"] = secUser
		vars["OS_PASSWORD"] = secPassword
		vars["OS_DOMAIN_NAME"] = secDomain
		vars["OS_PROJECT_NAME"] = "eu-de"
	case "token":
		vars["OS_AUTH_TOKEN"] = issueToken(t, hs.URL)
		vars["HUAWEICLOUD_SDK_PROJECT_ID"] = srv.ProjectID()
	}

	dir := t.TempDir()
	fleet := filepath.Join(dir, "fleet.yaml")
	if err := os.WriteFile(fleet, []byte(secFleet), 0o644); err != nil {
		t.Fatal(err)
	}
	var outputs []string // "what: text"
	var files []string   // files that must be 0600
	nb := func(want int, args ...string) {
		t.Helper()
		e, out, errb := secEnv(t, vars)
		code := run(args, e)
		outputs = append(outputs, fmt.Sprintf("stdout of %v:\n%s", args, out.String()), fmt.Sprintf("stderr of %v:\n%s", args, errb.String()))
		if code != want {
			t.Fatalf("nbfleet %v: exit %d, want %d; stderr:\n%s", args, code, want, errb.String())
		}
	}
	common := []string{"--poll-interval", "20ms", "--lock-file", filepath.Join(dir, "lock")}
	reportDir := func(n string) string {
		d := filepath.Join(dir, n)
		for _, f := range []string{"report.json", "report.csv", "report.md", "report.html"} {
			files = append(files, filepath.Join(d, f))
		}
		return d
	}

	nb(exitOK, "plan", fleet)
	nb(exitOK, "plan", fleet, "--format", "json")
	nb(exitOK, "plan", fleet, "--format", "markdown")
	planFile := filepath.Join(dir, "plan.json")
	files = append(files, planFile)
	nb(exitOK, "plan", fleet, "--out", planFile)
	nb(exitOK, append([]string{"apply", planFile, "--json", "--report-dir", reportDir("r1")}, common...)...)
	nb(exitOK, "status", fleet)
	nb(exitOK, "status", fleet, "--format", "json")
	nb(exitOK, "status", fleet, "--format", "csv")
	if err := os.WriteFile(fleet, []byte(secFleet2), 0o644); err != nil {
		t.Fatal(err)
	}
	nb(exitOK, append([]string{"apply", fleet, "--auto-approve", "--report-dir", reportDir("r2")}, common...)...)
	nb(exitOK, append([]string{"apply", fleet, "--auto-approve", "--json", "--report-dir", reportDir("r3")}, common...)...)
	nb(exitOK, "status", fleet, "--format", "json")

	// Every notebook's access token, taken before destroy removes them.
	var secrets []string
	for _, n := range srv.Notebooks("") {
		if n.Token != "" {
			secrets = append(secrets, n.Token)
		}
	}
	if len(secrets) == 0 {
		t.Fatal("the emulator holds no notebook token: the test would prove nothing")
	}
	nb(exitOK, append([]string{"destroy", fleet, "--auto-approve", "--report-dir", reportDir("r4")}, common...)...)

	// Failing logins must not echo what was tried.
	bad := map[string]string{}
	for k, v := range vars {
		bad[k] = v
	}
	switch kind {
	case "aksk":
		bad["HUAWEICLOUD_SDK_SK"] = secWrongSK
	case "password":
		bad["OS_PASSWORD"] = secWrongPW
	case "token":
		bad["OS_AUTH_TOKEN"] = "tok-SECRET-WRONG-" + strings.Repeat("x", 40)
	}
	for _, args := range [][]string{{"plan", fleet}, {"status", fleet, "--format", "json"}} {
		e, out, errb := secEnv(t, bad)
		if code := run(args, e); code == exitOK {
			t.Fatalf("nbfleet %v with bad credentials: exit 0", args)
		}
		outputs = append(outputs, "stdout (bad credentials): "+out.String(), "stderr (bad credentials): "+errb.String())
	}

	secrets = append(secrets, secSK, secSTS, secPassword, secWrongSK, secWrongPW, bad["OS_AUTH_TOKEN"])
	if tok := vars["OS_AUTH_TOKEN"]; tok != "" {
		secrets = append(secrets, tok)
	}
	rec.mu.Lock()
	secrets = append(secrets, rec.tokens...)
	rec.mu.Unlock()
	if kind != "aksk" && len(rec.tokens) == 0 {
		t.Fatal("no IAM token was issued: the test would prove nothing")
	}
	outputs = append(outputs, "emulator request log:\n"+emuLog.String())

	shared := map[string]bool{} // plan and reports: no AK either
	for _, f := range files {
		info, err := os.Stat(f)
		if err != nil {
			t.Errorf("missing %s: %v", f, err)
			continue
		}
		if m := info.Mode().Perm(); m != 0o600 {
			t.Errorf("%s has mode %#o, want 0600", f, m)
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		outputs = append(outputs, f+":\n"+string(b))
		shared[f+":\n"+string(b)] = true
	}
	for _, o := range outputs {
		what, _, _ := strings.Cut(o, "\n")
		for _, s := range secrets {
			if s != "" && strings.Contains(o, s) {
				t.Errorf("secret %.12s… found in %s", s, what)
			}
		}
		if shared[o] && strings.Contains(o, secAK) {
			t.Errorf("the access key appears in %s", what)
		}
	}
}

// secEnv is an env whose variables are exactly vars.
func secEnv(t testing.TB, vars map[string]string) (*env, *syncBuffer, *syncBuffer) {
	out, errb := &syncBuffer{}, &syncBuffer{}
	return &env{
		stdin:   strings.NewReader(""),
		stdout:  out,
		stderr:  errb,
		getenv:  func(k string) string { return vars[k] },
		now:     time.Now,
		lockDir: t.TempDir(),
	}, out, errb
}

// issueToken logs in with the password and returns the IAM token.
func issueToken(t *testing.T, url string) string {
	t.Helper()
	body := fmt.Sprintf(`{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":%q,"password":%q,"domain":{"name":%q}}}},"scope":{"project":{"name":"eu-de"}}}}`,
		secUser, secPassword, secDomain)
	res, err := http.Post(url+"/v3/auth/tokens", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	tok := res.Header.Get("X-Subject-Token")
	if res.StatusCode != http.StatusCreated || tok == "" {
		t.Fatalf("IAM login: %s", res.Status)
	}
	return tok
}

// TestInsecureEndpointRefused: plain http:// to a host that is not
// loopback is refused before any request is sent, with a hint naming
// --allow-insecure-endpoint; with the flag the same endpoint works; loopback
// is always allowed. One emulator listens on every interface, so the
// non-loopback cases talk to it through the machine's own address.
func TestInsecureEndpointRefused(t *testing.T) {
	srv, err := emulator.NewHandler(testEmulatorOptions())
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(srv.Handler())
	ln, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	hs.Listener.Close()
	hs.Listener = ln
	hs.Start()
	defer func() { hs.Close(); srv.Close() }()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	lan := nonLoopbackIP()
	dir := t.TempDir()
	fleet := filepath.Join(dir, "fleet.yaml")
	if err := os.WriteFile(fleet, []byte(secFleet), 0o644); err != nil {
		t.Fatal(err)
	}
	loop := "http://127.0.0.1:" + port
	for _, tc := range []struct {
		name, api, iam string
		password       bool
		allow          bool
		wantRefused    bool
	}{
		{name: "loopback", api: loop},
		{name: "localhost", api: "http://localhost:" + port},
		{name: "remote by name", api: "http://modelarts.example.invalid", wantRefused: true},
		{name: "remote", api: "http://" + lan + ":" + port, wantRefused: true},
		{name: "remote allowed", api: "http://" + lan + ":" + port, allow: true},
		{name: "iam remote", api: loop, iam: "http://" + lan + ":" + port + "/v3", password: true, wantRefused: true},
		{name: "iam remote allowed", api: loop, iam: "http://" + lan + ":" + port + "/v3", password: true, allow: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if lan == "" && strings.Contains(tc.api+tc.iam, "http://:") {
				t.Skip("no non-loopback address on this machine")
			}
			vars := map[string]string{
				"NBFLEET_ENDPOINT":           tc.api,
				"HUAWEICLOUD_SDK_PROJECT_ID": srv.ProjectID(),
				"NBFLEET_IN_AUTOMATION":      "1",
			}
			if tc.iam != "" {
				vars["NBFLEET_IAM_ENDPOINT"] = tc.iam
			}
			if tc.password {
				vars["OS_USERNAME"], vars["OS_PASSWORD"], vars["OS_DOMAIN_NAME"] = emulator.DefaultUser, emulator.DefaultPassword, emulator.DefaultDomain
			} else {
				vars["HUAWEICLOUD_SDK_AK"], vars["HUAWEICLOUD_SDK_SK"] = emulator.DefaultAK, emulator.DefaultSK
			}
			args := []string{"status", fleet, "--format", "json"}
			if tc.allow {
				args = append(args, "--allow-insecure-endpoint")
			}
			before := srv.Stats().Requests
			e, _, errb := secEnv(t, vars)
			code := run(args, e)
			if !tc.wantRefused {
				if code != exitOK {
					t.Fatalf("exit %d; stderr:\n%s", code, errb.String())
				}
				return
			}
			if code != exitError || !strings.Contains(errb.String(), "plain http") {
				t.Fatalf("exit %d, want a refusal; stderr:\n%s", code, errb.String())
			}
			if !strings.Contains(errb.String(), "--allow-insecure-endpoint") {
				t.Errorf("the refusal does not name --allow-insecure-endpoint:\n%s", errb.String())
			}
			if after := srv.Stats().Requests; fmt.Sprint(after) != fmt.Sprint(before) {
				t.Errorf("a request was sent before the refusal: %v → %v", before, after)
			}
		})
	}
}

// nonLoopbackIP is an IPv4 address of this machine that is not loopback,
// or "" when there is none.
func nonLoopbackIP() string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return ""
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP.String()
		}
	}
	return ""
}
