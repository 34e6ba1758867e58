package report

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// chromium finds a Chromium or Chrome binary on PATH. Without one the test
// is skipped, unless NBFLEET_REQUIRE_CHROMIUM=1 (CI), where it fails.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("NBFLEET_REQUIRE_CHROMIUM") == "1" {
		t.Fatal("no chromium, chromium-browser or google-chrome on PATH and NBFLEET_REQUIRE_CHROMIUM=1")
	}
	t.Skip("no chromium, chromium-browser or google-chrome on PATH (set NBFLEET_REQUIRE_CHROMIUM=1 to fail instead)")
	return ""
}

// runChromium runs a headless browser with its own fresh profile, no
// network chatter and a 60 s bound, and returns its standard output.
func runChromium(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second // a helper process holding the pipes must not hang the test
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v (ctx: %v)\nstderr:\n%s", bin, strings.Join(args, " "), err, ctx.Err(), tail(stderr.String(), 4000))
	}
	return stdout.Bytes()
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// TestChromium renders report.html in a real browser: the DOM it builds
// must hold every row, link and bar, the page's own script must have run
// (the CSP lets it) and a hostile name must stay text; a screenshot must
// come out with the page's styles applied.
func TestChromium(t *testing.T) {
	bin := chromium(t)
	dir := t.TempDir()

	r := interruptedSample()
	r.Notebooks = append(r.Notebooks, Entry{Name: `<img src=x onerror="document.title='pwned'">`, Action: "create",
		Outcome: Failed, Error: &Error{Code: "unknown", Message: `<script>document.title="pwned"</script>`},
		Attempts: 1, StartedAt: at(5), FinishedAt: at(6)})
	r.Summarize()
	page := filepath.Join(dir, "dom", HTMLFile)
	if err := WriteDir(filepath.Dir(page), r); err != nil {
		t.Fatal(err)
	}
	t.Run("dump-dom", func(t *testing.T) {
		dom := string(runChromium(t, bin, "--dump-dom", "file://"+page))
		if !strings.Contains(dom, "</html>") {
			t.Fatalf("no document dumped:\n%s", tail(dom, 2000))
		}
		if got := strings.Count(dom, `<tr id="nb-`); got != len(r.Notebooks) {
			t.Errorf("%d table rows in the DOM, want %d", got, len(r.Notebooks))
		}
		drawn := 0
		for _, e := range r.Notebooks {
			if e.URL != "" && !strings.Contains(dom, `<a href="`+e.URL+`" target="_blank" rel="noopener noreferrer"`) {
				t.Errorf("DOM has no link to %s", e.URL)
			}
			if e.StartedAt != nil {
				drawn++
			}
		}
		if got := strings.Count(dom, `<rect class="bar `); got != drawn {
			t.Errorf("%d timeline bars in the DOM, want %d", got, drawn)
		}
		if !strings.Contains(dom, `<svg viewBox=`) {
			t.Error("DOM has no timeline SVG")
		}
		// The filter box starts hidden; only the page's script shows it.
		if !strings.Contains(dom, `<input id="filter" type="search"`) || strings.Contains(dom, `aria-label="Filter notebooks" hidden`) {
			t.Error("the page's script did not run (CSP hash mismatch?): the filter box is still hidden")
		}
		if strings.Contains(dom, "<img") || strings.Contains(dom, "pwned</title>") || strings.Count(dom, "<script") != 1 {
			t.Error("a hostile notebook name or message became markup")
		}
		if !strings.Contains(dom, "&lt;img src=x onerror=") {
			t.Error("the hostile name is not shown as text")
		}
	})

	t.Run("screenshot", func(t *testing.T) {
		page := filepath.Join(dir, "shot", HTMLFile)
		if err := WriteDir(filepath.Dir(page), interruptedSample()); err != nil {
			t.Fatal(err)
		}
		shot := filepath.Join(dir, "report.png")
		runChromium(t, bin, "--screenshot="+shot, "--window-size=1280,900", "file://"+page)
		data, err := os.ReadFile(shot)
		if err != nil {
			t.Fatalf("no screenshot: %v", err)
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("screenshot is not a PNG: %v", err)
		}
		if b := img.Bounds(); b.Dx() != 1280 || b.Dy() != 900 {
			t.Errorf("screenshot is %dx%d, want 1280x900", b.Dx(), b.Dy())
		}
		// The page background (#f6f7f9) shows in the left margin only
		// when the inline style was applied; unstyled, it is white.
		if c := color.RGBAModel.Convert(img.At(4, 450)).(color.RGBA); !near(c, color.RGBA{0xf6, 0xf7, 0xf9, 0xff}) {
			t.Errorf("margin pixel is %v, want the page background #f6f7f9 (style blocked by CSP?)", c)
		}
		if !varied(img) {
			t.Error("screenshot is one flat colour: nothing rendered")
		}
		if out := os.Getenv("NBFLEET_SCREENSHOT_DIR"); out != "" {
			if err := os.MkdirAll(out, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(out, "report.png"), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func near(a, b color.RGBA) bool {
	d := func(x, y uint8) int {
		if x > y {
			return int(x - y)
		}
		return int(y - x)
	}
	return d(a.R, b.R) <= 3 && d(a.G, b.G) <= 3 && d(a.B, b.B) <= 3
}

// varied reports whether img holds more than a handful of colours.
func varied(img image.Image) bool {
	seen := map[string]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 7 {
		for x := b.Min.X; x < b.Max.X; x += 7 {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[fmt.Sprint(r>>8, g>>8, bl>>8)] = true
		}
	}
	return len(seen) > 16
}
