package main

// TestRecipes runs the shipped recipes themselves — examples/ci/*.yml and
// examples/cron/* — against an in-process emulator, so a flag that no
// longer exists or a broken shell line fails a test instead of a user's
// first run. The CI files are parsed (yaml.v3) and each step's shell is run
// with bash as the CI system would; the steps that cannot run here (go
// install …@latest, uses: actions, the github-script comment) are checked
// instead: nbfleet comes from this test binary.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/nbfleet/nbfleet/pkg/emulator"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

// recipeEnv is one emulator and the nbfleet the recipes find on PATH.
type recipeEnv struct {
	t   *testing.T
	srv *emulator.Server
	// bin holds the nbfleet shim (and fakes such as mail) first on PATH.
	bin string
	// creds are the variables a CI system or an env file would provide.
	creds map[string]string
	// tmp is the runs' temporary directory: one machine's.
	tmp string
}

func newRecipeEnv(t *testing.T) *recipeEnv {
	t.Helper()
	t.Parallel() // each recipe has its own emulator and directories
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("the recipes are bash scripts and there is no bash")
	}
	real, err := exec.LookPath("nbfleet")
	if err != nil {
		t.Fatalf("nbfleet is not on PATH (testscript.Main puts this test binary there): %v", err)
	}
	srv, err := emulator.New(testEmulatorOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	bin := t.TempDir()
	// The emulator's notebooks start in milliseconds; the recipes' default
	// 10 s poll interval would only make the test slow.
	shim := fmt.Sprintf(`#!/bin/sh
case "$1" in apply|destroy) exec %q "$@" --poll-interval 20ms ;; esac
exec %q "$@"
`, real, real)
	if err := os.WriteFile(filepath.Join(bin, "nbfleet"), []byte(shim), 0o755); err != nil {
		t.Fatal(err)
	}
	return &recipeEnv{t: t, srv: srv, bin: bin, tmp: t.TempDir(), creds: map[string]string{
		"NBFLEET_ENDPOINT":           srv.URL(),
		"NBFLEET_IAM_ENDPOINT":       srv.URL() + "/v3",
		"HUAWEICLOUD_SDK_AK":         emulator.DefaultAK,
		"HUAWEICLOUD_SDK_SK":         emulator.DefaultSK,
		"HUAWEICLOUD_SDK_PROJECT_ID": srv.ProjectID(),
	}}
}

// checkout makes a fresh working copy with the classroom fleet at fleet
// (relative), as a CI runner's checkout of the user's repository would.
func (r *recipeEnv) checkout(fleet string) string {
	r.t.Helper()
	dir := r.t.TempDir()
	dst := filepath.Join(dir, fleet)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		r.t.Fatal(err)
	}
	copyFile(r.t, filepath.Join("..", "..", "examples", "fleets", "classroom.yaml"), dst)
	copyFile(r.t, filepath.Join("..", "..", "examples", "fleets", "roster.csv"), filepath.Join(filepath.Dir(dst), "roster.csv"))
	return dir
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// environ is a minimal environment (as cron or a CI runner starts with)
// plus vars.
func (r *recipeEnv) environ(vars map[string]string) []string {
	env := []string{
		"PATH=" + r.bin + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + r.t.TempDir(),
		"TMPDIR=" + r.tmp, // the fleet locks of this recipe's runs, not another test's
		noRaceExitSleep,
	}
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, k+"="+vars[k])
	}
	return env
}

// shell runs script with args (argv: shell args…, script) in dir and
// returns the exit code and the combined output.
func (r *recipeEnv) shell(dir string, vars map[string]string, argv ...string) (int, string) {
	r.t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = r.environ(vars)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		r.t.Fatalf("run %v: %v", argv, err)
	}
	return code, out.String()
}

func merged(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// installLine is the only line the recipes may not run here.
var installLine = regexp.MustCompile(`^go install github\.com/nbfleet/nbfleet/cmd/nbfleet@latest$`)

// ---- GitHub Actions -------------------------------------------------------

type ghWorkflow struct {
	Env  map[string]string `yaml:"env"`
	Jobs map[string]ghJob  `yaml:"jobs"`
}

type ghJob struct {
	If    string   `yaml:"if"`
	Steps []ghStep `yaml:"steps"`
}

type ghStep struct {
	Name string            `yaml:"name"`
	ID   string            `yaml:"id"`
	If   string            `yaml:"if"`
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	With map[string]string `yaml:"with"`
}

var (
	ghCond     = regexp.MustCompile(`^(github\.event_name|github\.ref) == '([^']*)'$`)
	ghStepCond = regexp.MustCompile(`^steps\.([\w-]+)\.outputs\.([\w-]+) == '([^']*)'$`)
	ghExpr     = regexp.MustCompile(`\$\{\{[^}]*\}\}`)
)

// ghJobRuns evaluates a job's if: (conjunctions of event and ref tests).
func ghJobRuns(t *testing.T, cond, event, ref string) bool {
	if cond == "" {
		return true
	}
	for _, part := range strings.Split(cond, "&&") {
		m := ghCond.FindStringSubmatch(strings.TrimSpace(part))
		if m == nil {
			t.Fatalf("job if: %q: unsupported by this test", cond)
		}
		got := event
		if m[1] == "github.ref" {
			got = ref
		}
		if got != m[2] {
			return false
		}
	}
	return true
}

// ghRun is one simulated workflow run: which steps ran and their outputs.
type ghRun struct {
	dir     string
	ran     []string // names of steps that ran or were checked
	outputs map[string]map[string]string
	summary string
	codes   map[string]int
	logs    map[string]string
}

// runGitHub runs every job of wf that event triggers, in a fresh checkout.
func (r *recipeEnv) runGitHub(wf ghWorkflow, event, ref string) *ghRun {
	t := r.t
	t.Helper()
	fleet := wf.Env["FLEET"]
	run := &ghRun{dir: r.checkout(fleet), outputs: map[string]map[string]string{}, codes: map[string]int{}, logs: map[string]string{}}
	env := map[string]string{}
	for k, v := range wf.Env {
		if !ghExpr.MatchString(v) { // secrets and vars come from r.creds
			env[k] = v
		}
	}
	env = merged(env, r.creds, map[string]string{"CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": event, "GITHUB_REF": ref})
	names := make([]string, 0, len(wf.Jobs))
	for n := range wf.Jobs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, jn := range names {
		job := wf.Jobs[jn]
		if !ghJobRuns(t, job.If, event, ref) {
			continue
		}
		failed := false
		for i, st := range job.Steps {
			name := st.Name
			if name == "" {
				name = st.Uses
			}
			switch {
			case st.If == "always()":
			case st.If == "" || st.If == "success()":
				if failed {
					continue
				}
			default:
				m := ghStepCond.FindStringSubmatch(st.If)
				if m == nil {
					t.Fatalf("%s: step %q: if %q unsupported by this test", jn, name, st.If)
				}
				if failed || run.outputs[m[1]][m[2]] != m[3] {
					continue
				}
			}
			run.ran = append(run.ran, name)
			switch {
			case strings.HasPrefix(st.Uses, "actions/upload-artifact@"):
				for _, p := range strings.Fields(st.With["path"]) {
					if _, err := os.Stat(filepath.Join(run.dir, p)); err != nil {
						t.Errorf("%s: step %q uploads %s, which does not exist", jn, name, p)
					}
				}
			case strings.HasPrefix(st.Uses, "actions/github-script@"):
				// The comment is JavaScript against GitHub's API: check
				// that it reads the plan and finds its comment by marker.
				for _, want := range []string{"<!-- nbfleet-plan -->", "plan.md", "updateComment", "createComment", "startsWith(marker)"} {
					if !strings.Contains(st.With["script"], want) {
						t.Errorf("%s: step %q: script lacks %q", jn, name, want)
					}
				}
			case st.Uses != "":
			case installLine.MatchString(strings.TrimSpace(st.Run)):
			default:
				out := filepath.Join(t.TempDir(), "output")
				summary := filepath.Join(t.TempDir(), "summary")
				for _, f := range []string{out, summary} {
					if err := os.WriteFile(f, nil, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				vars := merged(env, map[string]string{"GITHUB_OUTPUT": out, "GITHUB_STEP_SUMMARY": summary})
				code, log := r.shell(run.dir, vars, "bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", st.Run)
				key := st.ID
				if key == "" {
					key = fmt.Sprint(i)
				}
				run.codes[name], run.logs[name] = code, log
				run.outputs[key] = map[string]string{}
				for _, line := range strings.Split(readFile(t, out), "\n") {
					if k, v, ok := strings.Cut(line, "="); ok {
						run.outputs[key][k] = v
					}
				}
				run.summary += readFile(t, summary)
				if code != 0 {
					failed = true
				}
			}
		}
	}
	return run
}

func TestRecipesGitHubActions(t *testing.T) {
	r := newRecipeEnv(t)
	var wf ghWorkflow
	if err := yaml.Unmarshal([]byte(readFile(t, "../../examples/ci/github-actions.yml")), &wf); err != nil {
		t.Fatalf("github-actions.yml: %v", err)
	}
	if wf.Env["FLEET"] == "" || wf.Env["NBFLEET_IN_AUTOMATION"] == "" {
		t.Fatalf("github-actions.yml: env lacks FLEET or NBFLEET_IN_AUTOMATION: %v", wf.Env)
	}

	// A pull request: validate, plan with changes (exit 2), the plan
	// uploaded and commented.
	pr := r.runGitHub(wf, "pull_request", "refs/pull/7/merge")
	want := []string{"actions/checkout@v4", "actions/setup-go@v5", "Install nbfleet", "Validate", "Plan",
		"Upload the saved plan", "Comment the plan (one comment, updated in place)"}
	if strings.Join(pr.ran, "|") != strings.Join(want, "|") {
		t.Fatalf("pull request ran %q, want %q\nlogs: %v", pr.ran, want, pr.logs)
	}
	if pr.codes["Validate"] != 0 || pr.codes["Plan"] != 0 {
		t.Fatalf("validate exit %d, plan step exit %d; logs: %v", pr.codes["Validate"], pr.codes["Plan"], pr.logs)
	}
	if got := pr.outputs["plan"]["exitcode"]; got != "2" {
		t.Fatalf("plan exitcode output %q, want 2 (changes)", got)
	}
	md := readFile(t, filepath.Join(pr.dir, "plan.md"))
	if !strings.Contains(md, "31 to create") {
		t.Errorf("plan.md does not say 31 to create:\n%s", md)
	}
	var saved map[string]any
	if err := json.Unmarshal([]byte(readFile(t, filepath.Join(pr.dir, "plan.json"))), &saved); err != nil {
		t.Errorf("plan.json is not JSON: %v", err)
	}
	if n := len(owned(r.srv, "ml101-fall")); n != 0 {
		t.Fatalf("the pull request created %d notebooks", n)
	}

	// The merge: apply, the report in the job summary, the report kept.
	push := r.runGitHub(wf, "push", "refs/heads/main")
	if want := []string{"actions/checkout@v4", "actions/setup-go@v5", "Install nbfleet", "Apply", "Keep the report"}; strings.Join(push.ran, "|") != strings.Join(want, "|") {
		t.Fatalf("push ran %q, want %q", push.ran, want)
	}
	if push.codes["Apply"] != 0 {
		t.Fatalf("apply step exit %d:\n%s", push.codes["Apply"], push.logs["Apply"])
	}
	if !strings.Contains(push.summary, "# nbfleet report: `ml101-fall`") || !strings.Contains(push.summary, "| succeeded | 31 |") {
		t.Errorf("job summary lacks the report:\n%s", push.summary)
	}
	if n := len(owned(r.srv, "ml101-fall")); n != 31 {
		t.Fatalf("%d notebooks after the merge, want 31", n)
	}

	// A later pull request that changes nothing: plan exits 0, nothing is
	// uploaded or commented.
	again := r.runGitHub(wf, "pull_request", "refs/pull/8/merge")
	if got := again.outputs["plan"]["exitcode"]; got != "0" {
		t.Fatalf("second plan exitcode %q, want 0; log:\n%s", got, again.logs["Plan"])
	}
	if want := []string{"actions/checkout@v4", "actions/setup-go@v5", "Install nbfleet", "Validate", "Plan"}; strings.Join(again.ran, "|") != strings.Join(want, "|") {
		t.Fatalf("unchanged pull request ran %q, want %q", again.ran, want)
	}

	// A broken fleet file: the validate step fails with annotations.
	broken := r.checkout(wf.Env["FLEET"])
	copyFile(t, "testdata/spec/broken.yaml", filepath.Join(broken, wf.Env["FLEET"]))
	validate := ""
	for _, st := range wf.Jobs["plan"].Steps {
		if st.Name == "Validate" {
			validate = st.Run
		}
	}
	code, log := r.shell(broken, merged(r.creds, map[string]string{"FLEET": wf.Env["FLEET"]}), "bash", "-eo", "pipefail", "-c", validate)
	if code != 1 || !strings.Contains(log, "::error file="+wf.Env["FLEET"]+",line=6,col=22::") {
		t.Errorf("validate of a broken fleet: exit %d, want 1 with an annotation at line 6:\n%s", code, log)
	}
}

func owned(srv *emulator.Server, fleet string) []emulator.Notebook {
	var out []emulator.Notebook
	for _, nb := range srv.Notebooks("") {
		if strings.HasSuffix(nb.Description, spec.OwnerMarker(fleet)) && nb.Status != emulator.StatusDeleted {
			out = append(out, nb)
		}
	}
	return out
}

// ---- GitLab CI ------------------------------------------------------------

type glJob struct {
	Stage        string           `yaml:"stage"`
	Rules        []map[string]any `yaml:"rules"`
	Script       []string         `yaml:"script"`
	BeforeScript []string         `yaml:"before_script"`
}

var glCond = regexp.MustCompile(`^\$(\w+) == (?:"([^"]*)"|\$(\w+))$`)

func glRuns(t *testing.T, j glJob, vars map[string]string) bool {
	if len(j.Rules) == 0 {
		return true
	}
	for _, rule := range j.Rules {
		cond, _ := rule["if"].(string)
		m := glCond.FindStringSubmatch(cond)
		if m == nil {
			t.Fatalf("rule %q unsupported by this test", cond)
		}
		want := m[2]
		if m[3] != "" {
			want = vars[m[3]]
		}
		if vars[m[1]] == want {
			return true
		}
	}
	return false
}

// runGitLab runs the jobs a pipeline with vars would run, stage by stage,
// and returns the checkout, the jobs that ran and their logs.
func (r *recipeEnv) runGitLab(doc map[string]yaml.Node, vars map[string]string) (string, []string, map[string]string) {
	t := r.t
	t.Helper()
	var variables map[string]string
	if n, ok := doc["variables"]; ok {
		if err := n.Decode(&variables); err != nil {
			t.Fatal(err)
		}
	}
	var stages []string
	if n := doc["stages"]; n.Kind != 0 {
		if err := n.Decode(&stages); err != nil {
			t.Fatal(err)
		}
	}
	var def struct {
		BeforeScript []string `yaml:"before_script"`
	}
	if n, ok := doc["default"]; ok {
		if err := n.Decode(&def); err != nil {
			t.Fatal(err)
		}
	}
	dir := r.checkout(variables["FLEET"])
	env := merged(variables, r.creds, vars, map[string]string{"CI": "true", "GITLAB_CI": "true"})
	var ran []string
	logs := map[string]string{}
	for _, stage := range stages {
		names := []string{}
		jobs := map[string]glJob{}
		for name, n := range doc {
			var j glJob
			if n.Kind != yaml.MappingNode || n.Decode(&j) != nil || j.Stage != stage {
				continue
			}
			names, jobs[name] = append(names, name), j
		}
		sort.Strings(names)
		for _, name := range names {
			j := jobs[name]
			if !glRuns(t, j, env) {
				continue
			}
			before := def.BeforeScript
			if j.BeforeScript != nil {
				before = j.BeforeScript
			}
			var lines []string
			for _, l := range append(append([]string{}, before...), j.Script...) {
				if !installLine.MatchString(strings.TrimSpace(l)) {
					lines = append(lines, l)
				}
			}
			code, log := r.shell(dir, env, "bash", "-eo", "pipefail", "-c", strings.Join(lines, "\n"))
			ran = append(ran, fmt.Sprintf("%s=%d", name, code))
			logs[name] = log
			if code != 0 {
				return dir, ran, logs
			}
		}
	}
	return dir, ran, logs
}

func TestRecipesGitLabCI(t *testing.T) {
	r := newRecipeEnv(t)
	var doc map[string]yaml.Node
	if err := yaml.Unmarshal([]byte(readFile(t, "../../examples/ci/gitlab-ci.yml")), &doc); err != nil {
		t.Fatalf("gitlab-ci.yml: %v", err)
	}
	mr := map[string]string{"CI_PIPELINE_SOURCE": "merge_request_event", "CI_COMMIT_BRANCH": "", "CI_DEFAULT_BRANCH": "main"}
	main := map[string]string{"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "main", "CI_DEFAULT_BRANCH": "main"}

	dir, ran, logs := r.runGitLab(doc, mr)
	if got := strings.Join(ran, " "); got != "validate=0 plan=0" {
		t.Fatalf("merge request pipeline: %s, want validate=0 plan=0; logs: %v", got, logs)
	}
	if !strings.Contains(logs["plan"], "plan exit code 2 (2: changes)") {
		t.Errorf("plan job log:\n%s", logs["plan"])
	}
	for _, f := range []string{"plan.json", "plan.md"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("the plan job's artifact %s is missing", f)
		}
	}

	_, ran, logs = r.runGitLab(doc, main)
	if got := strings.Join(ran, " "); got != "apply=0" {
		t.Fatalf("main pipeline: %s, want apply=0; logs: %v", got, logs)
	}
	if !strings.Contains(logs["apply"], "| succeeded | 31 |") {
		t.Errorf("the apply job's log lacks the report:\n%s", logs["apply"])
	}
	if n := len(owned(r.srv, "ml101-fall")); n != 31 {
		t.Fatalf("%d notebooks after the merge, want 31", n)
	}

	_, ran, logs = r.runGitLab(doc, mr)
	if got := strings.Join(ran, " "); got != "validate=0 plan=0" || !strings.Contains(logs["plan"], "plan exit code 0") {
		t.Fatalf("unchanged merge request: %s; plan log:\n%s", got, logs["plan"])
	}
}

// ---- cron -------------------------------------------------------------------

func TestRecipesCrontab(t *testing.T) {
	r := newRecipeEnv(t)
	work := t.TempDir()
	fleetDir := r.checkout("fleets/classroom.yaml")
	fleet := filepath.Join(fleetDir, "fleets", "classroom.yaml")
	envFile := filepath.Join(work, "env")
	var envText strings.Builder
	for _, k := range []string{"NBFLEET_ENDPOINT", "NBFLEET_IAM_ENDPOINT", "HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_PROJECT_ID"} {
		fmt.Fprintf(&envText, "export %s=%s\n", k, r.creds[k])
	}
	if err := os.WriteFile(envFile, []byte(envText.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	// mail records each message it is asked to send.
	mailbox := filepath.Join(work, "mailbox")
	if err := os.WriteFile(filepath.Join(r.bin, "mail"), []byte("#!/bin/sh\n{ echo \"To: $3 Subject: $2\"; cat; } >>"+mailbox+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	wrapper, err := filepath.Abs("../../examples/cron/nbfleet-cron.sh")
	if err != nil {
		t.Fatal(err)
	}
	logDir := filepath.Join(work, "log")
	reports := filepath.Join(work, "reports")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		t.Fatal(err)
	}
	subst := strings.NewReplacer(
		"/opt/nbfleet/nbfleet-cron.sh", wrapper,
		"/srv/fleets/classroom.yaml", fleet,
		"/var/log/nbfleet/", logDir+"/",
		"/etc/nbfleet/env", envFile,
		"/usr/local/bin/nbfleet", filepath.Join(r.bin, "nbfleet"),
	)
	var lines []string
	for _, l := range strings.Split(readFile(t, "../../examples/cron/crontab"), "\n") {
		if l = strings.TrimSpace(l); l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		f := strings.Fields(l)
		if len(f) < 6 {
			t.Fatalf("crontab line %q has no command", l)
		}
		cmd := strings.TrimSpace(l)
		for range 5 { // drop the five schedule fields
			cmd = strings.TrimSpace(strings.TrimPrefix(cmd, strings.Fields(cmd)[0]))
		}
		if strings.Contains(cmd, "%") {
			t.Errorf("crontab command %q contains %%, which cron turns into a newline", cmd)
		}
		lines = append(lines, subst.Replace(cmd))
	}
	if len(lines) != 2 || !strings.Contains(lines[0], wrapper) || !strings.Contains(lines[1], " drift ") {
		t.Fatalf("crontab: want the wrapper line and the drift line, got %q", lines)
	}
	// cron's environment: no credentials, no terminal.
	cronVars := map[string]string{"NBFLEET": filepath.Join(r.bin, "nbfleet"), "NBFLEET_REPORTS": reports, "NBFLEET_ENV_FILE": envFile, "SHELL": "/bin/sh"}
	runLine := func(i int) {
		t.Helper()
		if code, out := r.shell(work, cronVars, "sh", "-c", lines[i]); code != 0 {
			t.Fatalf("crontab line %d: exit %d:\n%s", i+1, code, out)
		}
	}
	mail := func() string {
		b, err := os.ReadFile(mailbox)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		return string(b)
	}

	runLine(0)
	if n := len(owned(r.srv, "ml101-fall")); n != 31 {
		t.Fatalf("%d notebooks after the nightly run, want 31", n)
	}
	for i, l := range strings.Split(strings.TrimSpace(readFile(t, filepath.Join(logDir, "events.jsonl"))), "\n") {
		if !json.Valid([]byte(l)) {
			t.Fatalf("events.jsonl line %d is not JSON: %q", i+1, l)
		}
	}
	if log := readFile(t, filepath.Join(logDir, "apply.log")); !strings.Contains(log, "nbfleet-cron: fleet converged") {
		t.Errorf("apply.log:\n%s", log)
	}
	if _, err := os.Stat(filepath.Join(reports, "latest", "report.html")); err != nil {
		t.Errorf("no report of the run: %v", err)
	}

	runLine(1)
	if m := mail(); m != "" {
		t.Fatalf("drift mailed although nothing drifted:\n%s", m)
	}
	// Someone deletes a student's notebook by hand: the drift line mails.
	if code, out := r.shell(fleetDir, r.creds, filepath.Join(r.bin, "nbfleet"), "destroy", fleet, "--target", "ml101-s005", "--auto-approve", "--report-dir", filepath.Join(work, "by-hand")); code != 0 {
		t.Fatalf("destroy ml101-s005: %s", out)
	}
	runLine(1)
	if m := mail(); !strings.Contains(m, "Subject: nbfleet: ML101 fleet drifted") || !strings.Contains(m, "ml101-s005") {
		t.Fatalf("drift mail:\n%s", m)
	}
	// The check itself fails (a revoked key): that mails too.
	if err := os.Remove(mailbox); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(envFile, []byte(strings.Replace(envText.String(), emulator.DefaultSK, "revoked", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	runLine(1)
	if m := mail(); !strings.Contains(m, "Subject: nbfleet: ML101 drift check failed") || strings.Contains(m, "revoked") {
		t.Fatalf("failed-check mail (the key must not appear):\n%s", m)
	}
}

// ---- Kubernetes CronJob -------------------------------------------------------

type k8sContainer struct {
	Command []string `yaml:"command"`
	Args    []string `yaml:"args"`
	Env     []struct {
		Name      string `yaml:"name"`
		Value     string `yaml:"value"`
		ValueFrom struct {
			SecretKeyRef struct {
				Name string `yaml:"name"`
				Key  string `yaml:"key"`
			} `yaml:"secretKeyRef"`
		} `yaml:"valueFrom"`
	} `yaml:"env"`
	VolumeMounts []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
	} `yaml:"volumeMounts"`
}

type k8sCronJob struct {
	Kind string `yaml:"kind"`
	Spec struct {
		ConcurrencyPolicy string `yaml:"concurrencyPolicy"`
		JobTemplate       struct {
			Spec struct {
				Template struct {
					Spec struct {
						Containers []k8sContainer `yaml:"containers"`
						Volumes    []struct {
							Name                  string         `yaml:"name"`
							PersistentVolumeClaim map[string]any `yaml:"persistentVolumeClaim"`
							ConfigMap             map[string]any `yaml:"configMap"`
						} `yaml:"volumes"`
					} `yaml:"spec"`
				} `yaml:"template"`
			} `yaml:"spec"`
		} `yaml:"jobTemplate"`
	} `yaml:"spec"`
}

// TestRecipesCronJob checks examples/cron/cronjob.yaml's promises and runs
// its container's command here, each volume mapped to a directory.
func TestRecipesCronJob(t *testing.T) {
	r := newRecipeEnv(t)
	dec := yaml.NewDecoder(strings.NewReader(readFile(t, "../../examples/cron/cronjob.yaml")))
	var cj *k8sCronJob
	for {
		var doc k8sCronJob
		if err := dec.Decode(&doc); err != nil {
			break
		}
		if doc.Kind == "CronJob" {
			cj = &doc
		}
	}
	if cj == nil {
		t.Fatal("cronjob.yaml has no CronJob")
	}
	if cj.Spec.ConcurrencyPolicy != "Forbid" {
		t.Errorf("concurrencyPolicy %q, want Forbid (pods do not share the lock file)", cj.Spec.ConcurrencyPolicy)
	}
	pod := cj.Spec.JobTemplate.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(pod.Containers))
	}
	c := pod.Containers[0]
	vols := map[string]string{} // volume name → kind
	for _, v := range pod.Volumes {
		switch {
		case v.PersistentVolumeClaim != nil:
			vols[v.Name] = "pvc"
		case v.ConfigMap != nil:
			vols[v.Name] = "configMap"
		default:
			vols[v.Name] = "other"
		}
	}

	// Each mount becomes a local directory: the fleet's ConfigMap holds the
	// example fleet, the scripts' ConfigMap the wrapper.
	fleetDir := r.checkout("classroom.yaml")
	var pairs []string
	mounts := map[string]string{}
	for _, m := range c.VolumeMounts {
		local := t.TempDir()
		switch m.Name {
		case "fleet":
			local = fleetDir
		case "scripts":
			copyFile(t, "../../examples/cron/nbfleet-cron.sh", filepath.Join(local, "nbfleet-cron.sh"))
		}
		mounts[m.MountPath] = m.Name
		pairs = append(pairs, m.MountPath, local)
	}
	paths := strings.NewReplacer(pairs...)
	vars := map[string]string{"NBFLEET_ENDPOINT": r.creds["NBFLEET_ENDPOINT"], "NBFLEET_IAM_ENDPOINT": r.creds["NBFLEET_IAM_ENDPOINT"]}
	secrets := 0
	for _, e := range c.Env {
		switch {
		case e.ValueFrom.SecretKeyRef.Key != "":
			secrets++
			if r.creds[e.ValueFrom.SecretKeyRef.Key] == "" || e.Name != e.ValueFrom.SecretKeyRef.Key {
				t.Errorf("env %s from secret key %s: not a credential nbfleet reads", e.Name, e.ValueFrom.SecretKeyRef.Key)
			}
			vars[e.Name] = r.creds[e.ValueFrom.SecretKeyRef.Key]
		case strings.HasPrefix(e.Value, "/dev/"):
			vars[e.Name] = e.Value
		default:
			vars[e.Name] = paths.Replace(e.Value)
		}
	}
	if secrets != 3 {
		t.Errorf("%d credentials from the Secret, want AK, SK and project id", secrets)
	}
	var reportsMount string
	for _, e := range c.Env {
		if e.Name == "NBFLEET_REPORTS" {
			reportsMount = e.Value
		}
	}
	if vols[mounts[reportsMount]] != "pvc" {
		t.Errorf("NBFLEET_REPORTS=%s is not on a persistent volume (mounts %v, volumes %v)", reportsMount, mounts, vols)
	}

	argv := append(append([]string{}, c.Command...), c.Args...)
	for i := range argv {
		argv[i] = paths.Replace(argv[i])
	}
	code, out := r.shell(t.TempDir(), vars, argv...)
	if code != 0 || !strings.Contains(out, "nbfleet-cron: fleet converged") {
		t.Fatalf("the CronJob's command: exit %d:\n%s", code, out)
	}
	if n := len(owned(r.srv, "ml101-fall")); n != 31 {
		t.Fatalf("%d notebooks after the CronJob ran, want 31", n)
	}
	if _, err := os.Stat(filepath.Join(vars["NBFLEET_REPORTS"], "latest", "report.md")); err != nil {
		t.Errorf("no report on the reports volume: %v", err)
	}
}
