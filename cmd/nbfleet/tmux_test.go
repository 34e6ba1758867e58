package main

// The live view on a real terminal: tmux runs the real binary (this test
// binary, as nbfleet) in a pane of 80 and of 200 columns, against an
// in-process emulator, with stdout redirected to a file, as in the issue
// it answers; the test captures the pane every 200 ms (capture-pane) and
// checks what a person would see. NBFLEET_TMUX_DEBUG=1 logs every frame.

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nbfleet/nbfleet/internal/golden"
	"github.com/nbfleet/nbfleet/pkg/emulator"
)

// needTmux returns tmux's path, or skips the test with a message; with
// NBFLEET_REQUIRE_TMUX=1 (CI sets it) a missing tmux fails it instead.
func needTmux(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("tmux")
	if err == nil {
		return p
	}
	msg := "tmux is not installed, so the live view is not checked on a real terminal (apt-get install tmux; NBFLEET_REQUIRE_TMUX=1 makes this a failure)"
	if os.Getenv("NBFLEET_REQUIRE_TMUX") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// tmuxFleet is 6 notebooks, one with a name longer than an 80-column line,
// and one whose flavor is sold out: it fails at once, always the same one.
const tmuxFleet = `version: 1
fleet: tmux-class
target: {region: eu-de}
defaults:
  flavor: modelarts.vm.cpu.2u
  image_id: e1a07296-22a8-4f05-8bc8-e936c8e54090
  volume: {category: EVS, ownership: MANAGED, capacity: 5}
notebooks:
  - for_each: {count: 4}
    name: "tmux-s{{ .index }}"
  - name: tmux-a-notebook-whose-name-is-much-longer-than-what-an-eighty-column-terminal-shows-on-one-line
  - name: tmux-gpu
    flavor: modelarts.bm.snt9.xlarge.8
`

// TestLiveViewTmux checks, at 80 and 200 columns: no captured row is a
// row the terminal wrapped; the elapsed time moves while nothing else does
// (the view ticks); the last screen holds the final frame once — no stale
// line of an earlier frame — with a summary line in red; and the frames
// match testdata/tmux (after their times are made #).
func TestLiveViewTmux(t *testing.T) {
	tmux := needTmux(t)
	nbfleet, err := exec.LookPath("nbfleet")
	if err != nil {
		t.Fatalf("nbfleet is not on PATH (testscript.Main puts this test binary there): %v", err)
	}
	for _, tc := range []struct{ width, resizeTo int }{{80, 0}, {200, 120}} {
		t.Run(fmt.Sprint(tc.width), func(t *testing.T) {
			t.Parallel()
			runTmux(t, tmux, nbfleet, tc.width, tc.resizeTo)
		})
	}
}

// runTmux runs the apply in a pane of width columns; with resizeTo, the
// pane is narrowed to it while the view is drawn.
func runTmux(t *testing.T, tmux, nbfleet string, width, resizeTo int) {
	o := testEmulatorOptions()
	o.CreateTime = 4 * time.Second // a quiet while, in which only the ticker redraws
	srv, err := emulator.New(o)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "fleet.yaml"), []byte(tmuxFleet), 0o644); err != nil {
		t.Fatal(err)
	}
	script := fmt.Sprintf(`cd %q
%q apply fleet.yaml --auto-approve --poll-interval 200ms --report-dir r > plan.txt
echo "exit $?" > done.txt
exec sleep 600
`, dir, nbfleet)
	if err := os.WriteFile(filepath.Join(dir, "run.sh"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	// A clean environment: no CI, NO_COLOR or NBFLEET_IN_AUTOMATION from
	// the machine running the tests, which would turn the view off.
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TMPDIR=" + t.TempDir(), "TERM=xterm-256color", "LANG=C.UTF-8",
		"NBFLEET_ENDPOINT=" + srv.URL(), "NBFLEET_IAM_ENDPOINT=" + srv.URL() + "/v3",
		"HUAWEICLOUD_SDK_AK=" + emulator.DefaultAK, "HUAWEICLOUD_SDK_SK=" + emulator.DefaultSK,
		"HUAWEICLOUD_SDK_PROJECT_ID=" + srv.ProjectID(), noRaceExitSleep,
	}
	socket := fmt.Sprintf("nbfleet-test-%d-%d", os.Getpid(), width)
	tm := func(args ...string) (string, error) {
		cmd := exec.Command(tmux, append([]string{"-L", socket, "-f", "/dev/null"}, args...)...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := tm("new-session", "-d", "-x", fmt.Sprint(width), "-y", "30", "-s", "t", "sh "+filepath.Join(dir, "run.sh")); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	defer tm("kill-server")

	type frame struct {
		plain, joined, colored string
		resized                bool // taken after the resize
	}
	var frames []frame
	var running string
	resized := false
	deadline := time.Now().Add(90 * time.Second)
	for {
		done := fileExists(filepath.Join(dir, "done.txt"))
		// Three captures of one screen: taken again if it changed between
		// the first and a fourth.
		var plain, joined, colored string
		for {
			var again string
			var err1, err2, err3, err4 error
			plain, err1 = tm("capture-pane", "-p", "-S", "-", "-t", "t")
			joined, err2 = tm("capture-pane", "-p", "-J", "-S", "-", "-t", "t")
			colored, err3 = tm("capture-pane", "-p", "-e", "-S", "-", "-t", "t")
			again, err4 = tm("capture-pane", "-p", "-S", "-", "-t", "t")
			if err := errors.Join(err1, err2, err3, err4); err != nil {
				t.Fatalf("capture-pane: %v", err)
			}
			if again == plain {
				break
			}
		}
		f := frame{trimScreen(plain), trimScreen(joined), trimScreen(colored), resized}
		if len(frames) == 0 || frames[len(frames)-1].plain != f.plain {
			frames = append(frames, f)
		}
		// A frame of the run with the failure above it and every other
		// notebook being created; then, maybe, the terminal is narrowed.
		if running == "" && !resized && strings.Contains(f.plain, "5 creating · 0 done · 1 failed") {
			running = f.plain
			if resizeTo > 0 {
				if out, err := tm("resize-window", "-t", "t", "-x", fmt.Sprint(resizeTo)); err != nil {
					t.Fatalf("tmux resize-window: %v\n%s", err, out)
				}
				resized = true
			}
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("apply did not end within 90 s; the pane shows:\n%s", f.plain)
		}
		time.Sleep(200 * time.Millisecond)
	}
	last := frames[len(frames)-1]
	t.Logf("%d frames; the last:\n%s", len(frames), last.plain)
	if os.Getenv("NBFLEET_TMUX_DEBUG") != "" {
		for i, f := range frames {
			t.Logf("frame %d (resized %v):\n%s", i, f.resized, f.plain)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "done.txt")); strings.TrimSpace(string(b)) != "exit 3" {
		t.Errorf("apply ended with %q, want exit 3 (one notebook failed)", b)
	}

	// No row the terminal wrapped: joining wrapped rows changes nothing.
	// (After a resize the terminal rewraps what was written at the old
	// width: the lines above the view; the view itself must not leave a
	// stale line, which the last screen shows.)
	for i, f := range frames {
		if f.plain != f.joined && !f.resized {
			t.Errorf("frame %d has a row wider than %d columns, which the terminal wrapped:\n%s", i, width, f.plain)
		}
	}
	// The view ticks: two frames that differ only in the elapsed time.
	elapsed := regexp.MustCompile(`▏ \d+/\d+  (\d+s|\d+m\d+s)`)
	ticked := false
	for i := 1; i < len(frames) && !ticked; i++ {
		a, b := frames[i-1].plain, frames[i].plain
		ea, eb := elapsed.FindStringSubmatch(a), elapsed.FindStringSubmatch(b)
		if ea != nil && eb != nil && ea[1] != eb[1] && normalizeFrame(a) == normalizeFrame(b) {
			ticked = true
		}
	}
	if !ticked {
		t.Errorf("no two frames differ only in the elapsed time: the view did not tick while nothing happened")
	}
	// The last screen: the final frame once, nothing of the earlier ones.
	if n := strings.Count(last.plain, "▕"); n != 1 {
		t.Errorf("the last screen has %d bars, want 1:\n%s", n, last.plain)
	}
	for _, stale := range []string{"waited on longest", " creating", " queued", "eta "} {
		if strings.Contains(last.plain, stale) {
			t.Errorf("the last screen still shows %q from an earlier frame:\n%s", stale, last.plain)
		}
	}
	summary := regexp.MustCompile(`(?m)^.*✗ 1 failed, 5 succeeded in .*$`)
	if !summary.MatchString(last.plain) {
		t.Errorf("the last screen has no summary line:\n%s", last.plain)
	}
	if m := regexp.MustCompile(`(?m)^.*✗ 1 failed.*$`).FindString(last.colored); !strings.Contains(m, "\x1b[31m") {
		t.Errorf("the summary line is not red: %q", m)
	}
	// The running frame and the last screen, as testdata.
	if running == "" {
		t.Fatalf("no frame shows the five creating after the failure; the frames:\n%s", allFrames(frames))
	}
	golden.Check(t, filepath.Join("testdata", "tmux", fmt.Sprintf("%d-running.txt", width)), []byte(normalizeFrame(running)+"\n"))
	final := fmt.Sprintf("%d-final.txt", width)
	if resizeTo > 0 {
		final = fmt.Sprintf("%d-resized-to-%d-final.txt", width, resizeTo)
	}
	golden.Check(t, filepath.Join("testdata", "tmux", final), []byte(normalizeFrame(last.plain)+"\n"))
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// trimScreen drops the spaces at the end of each row (capture-pane -J
// keeps them) and the blank rows at the bottom of a captured pane.
func trimScreen(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\n")
}

var (
	frameDuration = regexp.MustCompile(`\b(\d+m)?\d+s\b`)
	frameLongest  = regexp.MustCompile(`(waited on longest: \S{0,20})\S* \(.*\)`)
)

// normalizeFrame makes a frame comparable across runs: durations become
// "#s"; of the notebook waited on longest only the start of the name is
// kept (how much of it fits depends on the status and time after it).
func normalizeFrame(s string) string {
	s = frameDuration.ReplaceAllString(s, "#s")
	s = strings.ReplaceAll(s, "eta ?", "eta #s")
	return frameLongest.ReplaceAllString(s, "$1… (…)")
}

func allFrames[F any](frames []F) string {
	var b strings.Builder
	for i, f := range frames {
		fmt.Fprintf(&b, "--- %d\n%v\n", i, f)
	}
	return b.String()
}
