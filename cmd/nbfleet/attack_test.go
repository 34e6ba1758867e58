package main

// The security suite (`make security`): one test per attack of issue 10,
// each run against the nbfleet binary as an attacker would meet it — a
// fleet file from a pull request, a saved plan edited on its way, two
// applies racing, text a co-tenant wrote into the cloud. Each test fails
// against the code before the fixes: set NBFLEET_SECURITY_BIN to an older
// build to see it (docs/reliability.md says which were checked how).

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nbfleet/nbfleet/internal/safetext/safetexttest"
	"github.com/nbfleet/nbfleet/pkg/emulator"
	"github.com/nbfleet/nbfleet/pkg/plan"
	"github.com/nbfleet/nbfleet/pkg/report"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

// securityBin is the nbfleet under attack: NBFLEET_SECURITY_BIN, else this
// test binary (testscript.Main puts it on PATH as nbfleet).
func securityBin(t *testing.T) string {
	t.Helper()
	if b := os.Getenv("NBFLEET_SECURITY_BIN"); b != "" {
		return b
	}
	bin, err := exec.LookPath("nbfleet")
	if err != nil {
		t.Fatalf("nbfleet is not on PATH (testscript.Main puts this test binary there): %v", err)
	}
	return bin
}

// ran is how one nbfleet process ended.
type ran struct {
	code           int
	stdout, stderr string
}

func (r ran) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

// nbfleetIn runs nbfleet args in dir with env (a minimal environment, as
// CI has, plus env), bounded by two minutes.
func nbfleetIn(t *testing.T, dir string, env []string, args ...string) ran {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, securityBin(t), args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "NBFLEET_IN_AUTOMATION=1", noRaceExitSleep}, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := ran{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("nbfleet %s: killed after 2 minutes:\n%s", strings.Join(args, " "), r)
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return r
}

// homeEnv is the per-test part of an environment: its own home, temporary
// and lock directories.
func homeEnv(t *testing.T) []string {
	tmp := t.TempDir()
	return []string{"HOME=" + t.TempDir(), "TMPDIR=" + tmp, "NBFLEET_LOCK_DIR=" + filepath.Join(tmp, "locks")}
}

// emuEnv points nbfleet at the emulator srv (spelled endpoint when not
// empty) with its demo access keys.
func emuEnv(srv *emulator.Server, endpoint string) []string {
	if endpoint == "" {
		endpoint = srv.URL()
	}
	return []string{"NBFLEET_ENDPOINT=" + endpoint, "NBFLEET_IAM_ENDPOINT=" + endpoint + "/v3",
		"HUAWEICLOUD_SDK_AK=" + emulator.DefaultAK, "HUAWEICLOUD_SDK_SK=" + emulator.DefaultSK,
		"HUAWEICLOUD_SDK_PROJECT_ID=" + srv.ProjectID()}
}

func newSecEmulator(t *testing.T, tweak func(*emulator.Options)) *emulator.Server {
	t.Helper()
	o := testEmulatorOptions()
	if tweak != nil {
		tweak(&o)
	}
	srv, err := emulator.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

// fleetOf is a fleet file of fleet with the house defaults, a target and
// the given notebooks list.
func fleetOf(fleet, target, notebooks string) string {
	return `version: 1
fleet: ` + fleet + `
target: ` + target + `
defaults:
  flavor: modelarts.vm.cpu.2u
  image_id: ` + emulator.DefaultImageID + `
  volume: {category: EVS, ownership: MANAGED, capacity: 50}
notebooks:
` + notebooks
}

// ownedBy counts the live notebooks carrying fleet's marker, per name.
func ownedBy(srv *emulator.Server, fleet string) map[string]int {
	out := map[string]int{}
	for _, nb := range srv.Notebooks("") {
		if owner, ok := plan.Owner(nb.Description); ok && owner == fleet && nb.Status != emulator.StatusDeleted {
			out[nb.Name]++
		}
	}
	return out
}

// leaks returns what of secrets text holds, as it is or inside a base64
// token (hook scripts travel base64-encoded).
func leaks(text string, secrets ...string) []string {
	var found []string
	b64 := regexp.MustCompile(`[A-Za-z0-9+/]{12,}={0,2}`)
	decoded := text
	for _, tok := range b64.FindAllString(text, -1) {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding} {
			if b, err := enc.DecodeString(tok); err == nil {
				decoded += "\n" + string(b)
			}
		}
	}
	for _, s := range secrets {
		if strings.Contains(decoded, s) {
			found = append(found, s)
		}
	}
	return found
}

// TestSecurityHookExfiltration: a pull request points a hook's script_file
// at /proc/self/environ (the CI job's secrets), at a file above the
// repository, or at a symbolic link out of it. nbfleet refuses each with
// an error at the script_file, and neither validate, expand nor a saved
// plan (the pull-request recipe uploads it as an artifact) holds anything
// read from outside the fleet's directory.
func TestSecurityHookExfiltration(t *testing.T) {
	srv := newSecEmulator(t, nil)
	const ciSecret = "CI-SECRET-5e3f1a9b7c2d"
	const outside = "OUTSIDE-THE-REPOSITORY-8d1c"
	root := t.TempDir()
	repo := filepath.Join(root, "repo")
	writeFile(t, filepath.Join(root, "private", "deploy-key"), outside+"\n")
	writeFile(t, filepath.Join(repo, "hooks", "ok.sh"), "echo hello\n")
	if err := os.Symlink(filepath.Join(root, "private", "deploy-key"), filepath.Join(repo, "hooks", "link.sh")); err != nil {
		t.Fatal(err)
	}
	up := strings.Repeat("../", 24) // from any depth, the root
	for _, tc := range []struct{ name, file string }{
		{"proc environ", "/proc/self/environ"},
		{"etc passwd", up + "etc/passwd"},
		{"above the repository", "../private/deploy-key"},
		{"symlink out", "hooks/link.sh"},
		{"symlink to proc", "hooks/proc.sh"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.file == "hooks/proc.sh" {
				os.Remove(filepath.Join(repo, tc.file))
				if err := os.Symlink("/proc/self/environ", filepath.Join(repo, tc.file)); err != nil {
					t.Fatal(err)
				}
			}
			fleet := fleetOf("exfil", "{region: eu-de}", `  - name: exfil-1
    hooks: {container_hooks: {post_start: {script_file: `+tc.file+`}}}
  - name: exfil-2
    hooks: {container_hooks: {post_start: {script_file: hooks/ok.sh}}}
`)
			writeFile(t, filepath.Join(repo, "fleet.yaml"), fleet)
			saved := filepath.Join(repo, "plan.json")
			os.Remove(saved)
			env := append(append(homeEnv(t), emuEnv(srv, "")...), "CI_DEPLOY_TOKEN="+ciSecret)
			var all strings.Builder
			for _, args := range [][]string{
				{"validate", "fleet.yaml"},
				{"validate", "--format", "json", "fleet.yaml"},
				{"expand", "--format", "json", "fleet.yaml"},
				{"plan", "fleet.yaml", "--out", "plan.json", "--format", "json"},
			} {
				r := nbfleetIn(t, repo, env, args...)
				all.WriteString(r.stdout + r.stderr)
				if r.code == 0 {
					t.Errorf("nbfleet %s accepted script_file %s:\n%s", strings.Join(args, " "), tc.file, r)
				} else if args[1] != "--format" && !strings.Contains(r.stdout+r.stderr, "fleet.yaml:10:") {
					t.Errorf("nbfleet %s: no error at the script_file (fleet.yaml:10:…):\n%s", strings.Join(args, " "), r)
				}
			}
			if b, err := os.ReadFile(saved); err == nil {
				all.Write(b)
				t.Errorf("a plan was saved")
			}
			secrets := []string{ciSecret, outside, "root:x:0:0", emulator.DefaultSK}
			if found := leaks(all.String(), secrets...); len(found) > 0 {
				t.Errorf("read from outside the repository and written out: %q", found)
			}
		})
	}
}

// recorder is a server a pull request would name: it records every request
// it receives (method, path, headers and body) and answers 418.
type recorder struct {
	mu   sync.Mutex
	seen []string
}

func (r *recorder) start(t *testing.T) string {
	t.Helper()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(req.Body, 1<<20))
		r.mu.Lock()
		r.seen = append(r.seen, fmt.Sprintf("%s %s %v %s", req.Method, req.URL, req.Header, body))
		r.mu.Unlock()
		http.Error(w, "I'm a teapot", http.StatusTeapot)
	}))
	t.Cleanup(hs.Close)
	return hs.URL
}

func (r *recorder) requests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.seen...)
}

// TestSecurityCredentialsToFleetEndpoint: a fleet file's target.endpoint
// names a server of the pull request's author — on loopback, as a
// listener the CI job runs would be. Whatever the credentials (AK/SK
// signing, an IAM token, an IAM password, whose login would post the
// password), no command sends that server anything: not plan, status,
// drift, apply, destroy or renew, and not apply of a saved plan whose
// endpoint was edited (its checksum recomputed).
func TestSecurityCredentialsToFleetEndpoint(t *testing.T) {
	srv := newSecEmulator(t, nil)
	for _, mode := range []string{"aksk", "token", "password"} {
		t.Run(mode, func(t *testing.T) {
			rec := &recorder{}
			evil := rec.start(t)
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "fleet.yaml"), fleetOf("cred", "{region: eu-de, endpoint: '"+evil+"'}", "  - name: cred-1\n"))
			creds := map[string][]string{
				"aksk":     {"HUAWEICLOUD_SDK_AK=" + secAK, "HUAWEICLOUD_SDK_SK=" + secSK, "HUAWEICLOUD_SDK_PROJECT_ID=" + srv.ProjectID()},
				"token":    {"OS_AUTH_TOKEN=tok-SECRET-7a1b2c3d4e", "HUAWEICLOUD_SDK_PROJECT_ID=" + srv.ProjectID()},
				"password": {"OS_USERNAME=" + secUser, "OS_PASSWORD=" + secPassword, "OS_DOMAIN_NAME=" + secDomain, "OS_PROJECT_NAME=eu-de"},
			}[mode]
			env := append(homeEnv(t), creds...)
			for _, args := range [][]string{
				{"plan", "fleet.yaml"},
				{"status", "fleet.yaml"},
				{"drift", "fleet.yaml"},
				{"apply", "fleet.yaml", "--auto-approve"},
				{"destroy", "fleet.yaml", "--auto-approve"},
				{"renew", "fleet.yaml", "--duration", "2h"},
			} {
				r := nbfleetIn(t, dir, env, args...)
				if r.code == 0 || !strings.Contains(r.stderr, "fleet.yaml:3:") || !strings.Contains(r.stderr, "target.endpoint") {
					t.Errorf("nbfleet %s: want a refusal at target.endpoint (fleet.yaml:3:…):\n%s", strings.Join(args, " "), r)
				}
			}

			// A saved plan made against the emulator, its endpoint then
			// edited to the attacker's server and its checksum recomputed.
			writeFile(t, filepath.Join(dir, "fleet.yaml"), fleetOf("cred", "{region: eu-de}", "  - name: cred-1\n"))
			if r := nbfleetIn(t, dir, append(homeEnv(t), emuEnv(srv, "")...), "plan", "fleet.yaml", "--out", "plan.json"); r.code != 0 {
				t.Fatalf("plan --out:\n%s", r)
			}
			resign(t, filepath.Join(dir, "plan.json"), func(s *plan.Saved) { s.Target.Endpoint = evil })
			if r := nbfleetIn(t, dir, env, "apply", "plan.json"); r.code == 0 {
				t.Errorf("apply of a plan whose endpoint was edited:\n%s", r)
			}
			if got := rec.requests(); len(got) > 0 {
				t.Fatalf("the fleet file's endpoint received %d requests, the first:\n%s", len(got), got[0])
			}
		})
	}
}

// resign edits the saved plan at path and recomputes its checksum, as
// anyone can: the plain SHA-256 of the document encoded without it.
func resign(t *testing.T, path string, edit func(*plan.Saved)) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var s plan.Saved
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&s); err != nil {
		t.Fatal(err)
	}
	edit(&s)
	s.Checksum = ""
	body, err := json.Marshal(&s)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	s.Checksum = "sha256:" + hex.EncodeToString(sum[:])
	out, _ := json.MarshalIndent(&s, "", "  ")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
}

// raceFleet is a fleet of n notebooks.
func raceFleet(name string, n int) string {
	return fleetOf(name, "{region: eu-de}", fmt.Sprintf("  - for_each: {count: %d}\n    name: \"%s-{{ .index }}\"\n", n, name))
}

// concurrently runs one nbfleet per environment at once, all in dir.
func concurrently(t *testing.T, dir string, envs [][]string, args ...string) []ran {
	t.Helper()
	out := make([]ran, len(envs))
	var wg sync.WaitGroup
	for i, env := range envs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = nbfleetIn(t, dir, env, args...)
		}()
	}
	wg.Wait()
	return out
}

// TestSecurityLockSpelling: two applies of one fleet at once, one with the
// endpoint spelled 127.0.0.1, the other localhost (and a trailing slash),
// sharing a host's lock directory. They must share the fleet's lock: the
// second waits and finds nothing to do. No notebook is created twice.
func TestSecurityLockSpelling(t *testing.T) {
	srv := newSecEmulator(t, func(o *emulator.Options) { o.Latency = 5 * time.Millisecond })
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "fleet.yaml"), raceFleet("race", 16))
	home := homeEnv(t)
	alt := strings.Replace(srv.URL(), "127.0.0.1", "localhost", 1) + "/"
	rs := concurrently(t, dir, [][]string{append(emuEnv(srv, ""), home...), append(emuEnv(srv, alt), home...)},
		"apply", "fleet.yaml", "--auto-approve", "--lock-timeout", "2m", "--poll-interval", "20ms")
	for _, r := range rs {
		if r.code != 0 {
			t.Errorf("apply:\n%s", r)
		}
	}
	owned := ownedBy(srv, "race")
	total := 0
	for name, n := range owned {
		total += n
		if n > 1 {
			t.Errorf("%s exists %d times", name, n)
		}
	}
	if total != 16 || len(owned) != 16 {
		t.Errorf("%d notebooks with %d names, want 16 and 16", total, len(owned))
	}
}

// TestSecuritySavedPlanTwice: one saved plan applied twice at once, from
// two shells that spell the endpoint differently: exactly one carries it
// out, the other is refused as already applied, and nothing is created
// twice.
func TestSecuritySavedPlanTwice(t *testing.T) {
	srv := newSecEmulator(t, func(o *emulator.Options) { o.Latency = 5 * time.Millisecond })
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "fleet.yaml"), raceFleet("twice", 12))
	home := homeEnv(t)
	if r := nbfleetIn(t, dir, append(emuEnv(srv, ""), home...), "plan", "fleet.yaml", "--out", "plan.json"); r.code != 0 {
		t.Fatalf("plan --out:\n%s", r)
	}
	alt := strings.Replace(srv.URL(), "127.0.0.1", "localhost", 1)
	// The second shell's NBFLEET_ENDPOINT is not the plan's spelling: it
	// allows the plan's endpoint, or it would be refused for that alone.
	rs := concurrently(t, dir, [][]string{
		append(emuEnv(srv, ""), home...),
		append(append(emuEnv(srv, alt), home...), "NBFLEET_ALLOW_FLEET_ENDPOINT=1"),
	}, "apply", "plan.json", "--lock-timeout", "2m", "--poll-interval", "20ms")
	applied, refused := 0, 0
	for _, r := range rs {
		switch {
		case r.code == 0:
			applied++
		case r.code == 1 && strings.Contains(r.stderr, "already been applied"):
			refused++
		default:
			t.Errorf("apply plan.json:\n%s", r)
		}
	}
	if applied != 1 || refused != 1 {
		t.Errorf("%d applied and %d refused, want 1 and 1", applied, refused)
	}
	owned := ownedBy(srv, "twice")
	for name, n := range owned {
		if n > 1 {
			t.Errorf("%s exists %d times", name, n)
		}
	}
	if len(owned) != 12 {
		t.Errorf("%d notebooks, want 12", len(owned))
	}
}

// TestSecurityTamperedPlan: a saved plan is edited on its way — a conflict
// with another fleet's notebook and the adoption of someone's unmarked
// notebook turned into deletes — and its checksum recomputed. Applied,
// it touches neither: the executor re-checks ownership before each call.
// Made with NBFLEET_PLAN_KEY, the edited plan is refused outright.
func TestSecurityTamperedPlan(t *testing.T) {
	for _, key := range []string{"", "a-plan-key-the-attacker-lacks-0123"} {
		name := "no key"
		if key != "" {
			name = "with NBFLEET_PLAN_KEY"
		}
		t.Run(name, func(t *testing.T) {
			srv := newSecEmulator(t, nil)
			seeded, err := srv.Seed("",
				emulator.SeedNotebook{Name: "tamper-shared", Description: "theirs " + spec.OwnerMarker("other-team")},
				emulator.SeedNotebook{Name: "tamper-adopt", Description: "a student's own notebook"},
				emulator.SeedNotebook{Name: "lab-by-hand", Description: "made in the console"},
			)
			if err != nil {
				t.Fatal(err)
			}
			before := map[string]emulator.Notebook{}
			for _, nb := range seeded {
				before[nb.ID] = nb
			}
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "fleet.yaml"), fleetOf("tamper", "{region: eu-de}",
				"  - name: tamper-shared\n  - name: tamper-adopt\n  - name: tamper-new\n"))
			env := append(homeEnv(t), emuEnv(srv, "")...)
			if key != "" {
				env = append(env, "NBFLEET_PLAN_KEY="+key)
			}
			if r := nbfleetIn(t, dir, env, "plan", "fleet.yaml", "--out", "plan.json"); r.code != 0 {
				t.Fatalf("plan --out:\n%s", r)
			}
			edited := 0
			resign(t, filepath.Join(dir, "plan.json"), func(s *plan.Saved) {
				for i := range s.Plan.Changes {
					c := &s.Plan.Changes[i]
					for id, nb := range before {
						if nb.Name == c.Name {
							c.Action, c.ID, c.IDs, c.Notebook = plan.Delete, id, nil, nil
							c.Steps = []plan.Step{{Op: plan.StepDelete}}
							edited++
						}
					}
				}
			})
			if edited != 2 {
				t.Fatalf("edited %d changes, want 2", edited)
			}
			r := nbfleetIn(t, dir, env, "apply", "plan.json", "--report-dir", "report", "--poll-interval", "20ms")
			if r.code == 0 {
				t.Errorf("the tampered plan applied cleanly:\n%s", r)
			}
			if key != "" && !strings.Contains(r.stderr, "NBFLEET_PLAN_KEY is set") {
				t.Errorf("with a key, the unsigned edit was not refused at once:\n%s", r)
			}
			if key == "" {
				if r.code != 3 || !strings.Contains(r.stdout+r.stderr, "refused to delete notebook") {
					t.Errorf("want exit 3 with the deletes refused:\n%s", r)
				}
			}
			now := map[string]emulator.Notebook{}
			for _, nb := range srv.Notebooks("") {
				now[nb.ID] = nb
			}
			for id, nb := range before {
				a, _ := json.Marshal(nb)
				b, _ := json.Marshal(now[id])
				if !bytes.Equal(a, b) {
					t.Errorf("the stranger's notebook %s was touched:\nbefore %s\nafter  %s", nb.Name, a, b)
				}
			}
		})
	}
}

// Who fixes the outputs that other branches own: a failing check there
// skips, naming the area, until those branches are merged.
const (
	ownerPlanRenderers = "plan renderers (pkg/plan/text.go, markdown.go): merged with issue 15"
	ownerProgress      = "progress view (internal/progress): merged with issue 15"
	ownerStatus        = "status formats (pkg/plan/status.go): merged with issue 14"
)

// inert checks one output with check; a failure in an area another branch
// owns skips, naming it.
func inert(t *testing.T, name, owner string, check func() error) {
	t.Helper()
	t.Run(name, func(t *testing.T) {
		if err := check(); err != nil {
			if owner != "" {
				t.Skipf("%s: %v", owner, err)
			}
			t.Fatal(err)
		}
	})
}

func terminalDoc(doc string) func() error {
	return func() error { return safetexttest.TerminalDocument(doc) }
}

func jsonDoc(doc string) func() error {
	return func() error {
		if !json.Valid([]byte(doc)) {
			return fmt.Errorf("not one JSON document: %.200q", doc)
		}
		return safetexttest.TerminalDocument(doc)
	}
}

func jsonLines(doc string) func() error {
	return func() error {
		for i, line := range strings.Split(strings.TrimSuffix(doc, "\n"), "\n") {
			if !json.Valid([]byte(line)) {
				return fmt.Errorf("line %d is not one JSON object: %.200q", i+1, line)
			}
		}
		return safetexttest.TerminalDocument(doc)
	}
}

func csvDoc(doc string) func() error {
	return func() error { _, err := safetexttest.CSVDocument(doc); return err }
}

// injectionFleet declares, for each corpus entry i, inj-NN (live: the
// fleet's, CREATE_FAILED, the entry as its description and fail_reason)
// and inj-cNN (live: another fleet's, the entry in its description).
func injectionFleet() string {
	var b strings.Builder
	for i := range safetexttest.Corpus {
		fmt.Fprintf(&b, "  - name: inj-%02d\n  - name: inj-c%02d\n", i, i)
	}
	return fleetOf("inj", "{region: eu-de}", b.String())
}

// injectionEmulator is an emulator whose notebooks carry the corpus where
// a co-tenant can write: names (seeded directly, as the API would refuse
// many), descriptions and fail_reasons. For each entry: an undeclared
// notebook of the fleet named with it (pruned), a declared one that is
// CREATE_FAILED (replaced), another fleet's with a declared name (a
// conflict), and one of nobody's (what import reads). Its request log is
// returned too.
func injectionEmulator(t *testing.T) (*emulator.Server, *syncBuffer) {
	t.Helper()
	log := &syncBuffer{}
	srv := newSecEmulator(t, func(o *emulator.Options) {
		o.Logger = slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	var seeds []emulator.SeedNotebook
	for i, s := range safetexttest.Corpus {
		seeds = append(seeds,
			emulator.SeedNotebook{Name: fmt.Sprintf("%s-o%02d", s, i), Description: s + " " + spec.OwnerMarker("inj")},
			emulator.SeedNotebook{Name: fmt.Sprintf("inj-%02d", i), Description: s + " " + spec.OwnerMarker("inj"),
				Status: emulator.StatusCreateFailed, FailReason: s},
			emulator.SeedNotebook{Name: fmt.Sprintf("inj-c%02d", i), Description: s + " " + spec.OwnerMarker("inj-other")},
			emulator.SeedNotebook{Name: fmt.Sprintf("%s-u%02d", s, i), Description: s, Status: emulator.StatusStopped},
		)
	}
	if _, err := srv.Seed("", seeds...); err != nil {
		t.Fatal(err)
	}
	return srv, log
}

// TestSecurityInjectionCorpus puts the injection corpus
// (safetexttest.Corpus: terminal escapes, fake log lines, bidi tricks,
// Markdown and HTML injection, formulas, invalid UTF-8) wherever a
// co-tenant can write text in the cloud, runs every command over it and
// checks every output nbfleet writes: plan as text, JSON and Markdown, the
// saved plan, status as table, CSV and JSON, drift, renew, import, apply
// with text progress and with --json events, every report file, the
// hand-out, error messages, validate's errors, and the emulator's request
// log. Each must be inert for its kind: no character a terminal acts on,
// CSV cells that cannot run, Markdown that adds no row, link or mention.
func TestSecurityInjectionCorpus(t *testing.T) {
	srv, emuLog := injectionEmulator(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "fleet.yaml"), injectionFleet())
	env := append(homeEnv(t), emuEnv(srv, "")...)
	run := func(args ...string) ran {
		t.Helper()
		r := nbfleetIn(t, dir, env, args...)
		if r.code != 0 && r.code != 2 && r.code != 3 {
			t.Fatalf("nbfleet %s:\n%s", strings.Join(args, " "), r)
		}
		return r
	}

	r := run("plan", "fleet.yaml", "-v")
	inert(t, "plan text", ownerPlanRenderers, terminalDoc(r.stdout))
	inert(t, "plan stderr", "", terminalDoc(r.stderr))
	inert(t, "plan json", "", jsonDoc(run("plan", "fleet.yaml", "--format", "json").stdout))
	md := run("plan", "fleet.yaml", "--format", "markdown").stdout
	inert(t, "plan markdown", ownerPlanRenderers, func() error { return safetexttest.Markdown(md) })
	run("plan", "fleet.yaml", "--out", "plan.json", "--format", "json")
	inert(t, "saved plan", "", func() error {
		b, err := os.ReadFile(filepath.Join(dir, "plan.json"))
		if err != nil {
			return err
		}
		return jsonDoc(string(b))()
	})

	inert(t, "status table", ownerStatus, terminalDoc(run("status", "fleet.yaml").stdout))
	inert(t, "status csv", ownerStatus, csvDoc(run("status", "fleet.yaml", "--format", "csv").stdout))
	inert(t, "status json", ownerStatus, jsonDoc(run("status", "fleet.yaml", "--format", "json").stdout))

	r = run("drift", "fleet.yaml")
	inert(t, "drift", "", terminalDoc(r.stdout+r.stderr))
	inert(t, "drift json", "", jsonDoc(run("drift", "fleet.yaml", "--format", "json").stdout))

	r = run("renew", "fleet.yaml", "--duration", "2h")
	inert(t, "renew", "", terminalDoc(r.stdout+r.stderr))
	// import refuses to write names a fleet file cannot hold (control
	// characters): its warnings and error must be inert all the same.
	r = nbfleetIn(t, dir, env, "import", "--fleet", "imported")
	inert(t, "import", "", terminalDoc(r.stdout+r.stderr))
	r = run("import", "--fleet", "imported", "--match", "Zo*")
	inert(t, "import yaml", "", terminalDoc(r.stdout+r.stderr))

	// The hand-out, from the live notebooks (the command that writes it
	// comes with issue 14; the writer is report.WriteHandoutDir).
	var rows []report.HandoutRow
	for _, nb := range srv.Notebooks("") {
		rows = append(rows, report.HandoutRow{Name: nb.Name, Status: nb.Status, URL: nb.URL,
			Labels: map[string]string{"student": nb.Description}})
	}
	handout := filepath.Join(dir, "handout")
	if err := report.WriteHandoutDir(handout, &report.Handout{Title: "inj", Rows: rows}); err != nil {
		t.Fatal(err)
	}
	inert(t, "hand-out csv", "", func() error { return csvDoc(readFile(t, filepath.Join(handout, report.HandoutCSVFile)))() })
	inert(t, "hand-out html", "", terminalDoc(readFile(t, filepath.Join(handout, report.HandoutHTMLFile))))

	// apply --json: the events are the data, on stdout; then the report.
	r = run("apply", "fleet.yaml", "--auto-approve", "--json", "--poll-interval", "20ms", "--report-dir", "r-json")
	inert(t, "apply --json events", "", jsonLines(r.stdout))
	inert(t, "apply --json stderr", "", terminalDoc(r.stderr))
	checkReportDir(t, filepath.Join(dir, "r-json"))
	// Any client chooses the paths the emulator logs: the corpus in them.
	for _, c := range safetexttest.Corpus {
		res, err := http.Get(srv.URL() + "/v1/" + srv.ProjectID() + "/notebooks/" + url.PathEscape(c) + "?name=" + url.QueryEscape(c))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	if !strings.Contains(emuLog.String(), `\x1b]52;c;`) {
		t.Fatalf("the request log does not show the requested paths:\n%s", emuLog.String()[max(0, len(emuLog.String())-3000):])
	}
	inert(t, "emulator request log", "", terminalDoc(emuLog.String()))

	// apply with text progress, on a fresh copy of the same cloud.
	srv2, _ := injectionEmulator(t)
	env = append(homeEnv(t), emuEnv(srv2, "")...)
	r = run("apply", "fleet.yaml", "--auto-approve", "-v", "--poll-interval", "20ms", "--report-dir", "r-text")
	inert(t, "apply plan text", ownerPlanRenderers, terminalDoc(r.stdout))
	inert(t, "apply progress lines", ownerProgress, terminalDoc(r.stderr))
	checkReportDir(t, filepath.Join(dir, "r-text"))
}

// checkReportDir checks every file of a report: JSON, CSV, Markdown, HTML.
func checkReportDir(t *testing.T, dir string) {
	t.Helper()
	read := func(name string) string { return readFile(t, filepath.Join(dir, name)) }
	inert(t, "report.json", "", jsonDoc(read(report.JSONFile)))
	inert(t, "report.csv", "", csvDoc(read(report.CSVFile)))
	inert(t, "report.md", "", func() error {
		var urls []string
		var rep report.Report
		if err := json.Unmarshal([]byte(read(report.JSONFile)), &rep); err != nil {
			return err
		}
		for _, e := range rep.Notebooks {
			if e.URL != "" {
				urls = append(urls, e.URL)
			}
		}
		return safetexttest.Markdown(read(report.MarkdownFile), urls...)
	})
	inert(t, "report.html", "", terminalDoc(read(report.HTMLFile)))
}

// TestSecurityInjectedErrors: an API error (or a proxy's HTML page) whose
// text is the injection corpus reaches the user as inert error lines; and a
// fleet file whose descriptions hold the corpus (YAML escapes) is refused
// with inert errors in every validate format.
func TestSecurityInjectedErrors(t *testing.T) {
	all := strings.Join(safetexttest.Corpus, " | ")
	for _, tc := range []struct{ name, contentType, body string }{
		{"API error", "application/json", mustJSON(map[string]string{"error_code": "ModelArts.0001", "error_msg": all})},
		{"HTML page", "text/html", "<html><body>" + all + "</body></html>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.contentType)
				w.WriteHeader(http.StatusBadRequest)
				io.WriteString(w, tc.body)
			}))
			defer hs.Close()
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "fleet.yaml"), raceFleet("err", 1))
			env := append(homeEnv(t), "NBFLEET_ENDPOINT="+hs.URL, "HUAWEICLOUD_SDK_AK=AK", "HUAWEICLOUD_SDK_SK=SK-secret",
				"HUAWEICLOUD_SDK_PROJECT_ID=p")
			for _, args := range [][]string{{"plan", "fleet.yaml"}, {"apply", "fleet.yaml", "--auto-approve"}, {"status", "fleet.yaml"}} {
				r := nbfleetIn(t, dir, env, args...)
				if r.code == 0 {
					t.Fatalf("nbfleet %s succeeded against a server answering 400", strings.Join(args, " "))
				}
				inert(t, args[0], "", terminalDoc(r.stdout+r.stderr))
			}
		})
	}
	t.Run("validate", func(t *testing.T) {
		var b strings.Builder
		for i, s := range safetexttest.Corpus {
			q, _ := json.Marshal(strings.ToValidUTF8(s, "\\xff")) // a YAML double-quoted scalar
			fmt.Fprintf(&b, "  - name: v-%02d\n    description: %s\n", i, q)
		}
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "fleet.yaml"), fleetOf("v", "{region: eu-de}", b.String()))
		for _, format := range []string{"text", "json", "github"} {
			r := nbfleetIn(t, dir, homeEnv(t), "validate", "--format", format, "fleet.yaml")
			if r.code != 1 {
				t.Fatalf("validate --format %s:\n%s", format, r)
			}
			inert(t, format, "", terminalDoc(r.stdout+r.stderr))
		}
	})
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
