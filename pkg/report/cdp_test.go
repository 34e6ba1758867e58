package report

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// browser is a headless Chromium driven over the DevTools protocol on a
// pipe (--remote-debugging-pipe: it reads commands on its fd 3 and writes
// answers and events on its fd 4, each message JSON ending in a NUL). It
// lets a test do what the command line cannot: emulate print media,
// measure the DOM, screenshot one element, print to PDF with the page's
// own @page size. Evaluating script through the protocol is not subject
// to the page's Content-Security-Policy; the page itself still is.
type browser struct {
	t       *testing.T
	w       *os.File
	r       *bufio.Reader
	id      int
	session string
	events  []cdpMessage
}

type cdpMessage struct {
	ID        int             `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Error     *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

// startBrowser starts bin with a fresh profile and a 120 s bound, opens
// one page and attaches to it. The browser is closed when the test ends.
func startBrowser(t *testing.T, bin string) *browser {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	cmdR, cmdW, err := os.Pipe() // we write commands, Chromium reads fd 3
	if err != nil {
		t.Fatal(err)
	}
	outR, outW, err := os.Pipe() // Chromium writes fd 4, we read
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--hide-scrollbars", "--user-data-dir="+t.TempDir(), "--remote-debugging-pipe", "about:blank")
	cmd.ExtraFiles = []*os.File{cmdR, outW}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	cmdR.Close()
	outW.Close()
	b := &browser{t: t, w: cmdW, r: bufio.NewReader(outR)}
	t.Cleanup(func() {
		b.send("Browser.close", nil, false)
		cmdW.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cancel()
			<-done
		}
		cancel()
		outR.Close()
		if t.Failed() {
			var lines []string
			for l := range strings.Lines(stderr.String()) {
				if !strings.Contains(l, "dbus") { // a container has no session bus
					lines = append(lines, l)
				}
			}
			t.Logf("chromium stderr:\n%s", tail(strings.Join(lines, ""), 3000))
		}
	})
	var target struct {
		TargetID string `json:"targetId"`
	}
	b.call("Target.createTarget", map[string]any{"url": "about:blank"}, &target)
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	b.call("Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached)
	b.session = attached.SessionID
	b.call("Page.enable", nil, nil)
	b.call("Runtime.enable", nil, nil)
	return b
}

// send writes one command; page-level commands go to the attached page.
func (b *browser) send(method string, params any, page bool) int {
	b.id++
	m := map[string]any{"id": b.id, "method": method}
	if params != nil {
		m["params"] = params
	}
	if page && b.session != "" {
		m["sessionId"] = b.session
	}
	data, err := json.Marshal(m)
	if err != nil {
		b.t.Fatal(err)
	}
	b.w.Write(append(data, 0))
	return b.id
}

func (b *browser) read() cdpMessage {
	b.t.Helper()
	data, err := b.r.ReadBytes(0)
	if err != nil {
		b.t.Fatalf("devtools pipe: %v", err)
	}
	var m cdpMessage
	if err := json.Unmarshal(data[:len(data)-1], &m); err != nil {
		b.t.Fatalf("devtools message %q: %v", tail(string(data), 300), err)
	}
	return m
}

// call sends a command and decodes its result into out (when not nil);
// events that arrive meanwhile are kept for waitEvent.
func (b *browser) call(method string, params any, out any) {
	b.t.Helper()
	id := b.send(method, params, !strings.HasPrefix(method, "Target."))
	for {
		m := b.read()
		if m.ID == 0 {
			b.events = append(b.events, m)
			continue
		}
		if m.ID != id {
			continue
		}
		if m.Error != nil {
			b.t.Fatalf("%s: %d %s", method, m.Error.Code, m.Error.Message)
		}
		if out != nil {
			if err := json.Unmarshal(m.Result, out); err != nil {
				b.t.Fatalf("%s result: %v", method, err)
			}
		}
		return
	}
}

func (b *browser) waitEvent(method string) {
	b.t.Helper()
	for {
		for i, m := range b.events {
			if m.Method == method {
				b.events = append(b.events[:i], b.events[i+1:]...)
				return
			}
		}
		b.events = append(b.events, b.read())
	}
}

// open loads url in a viewport of width×height CSS pixels and waits for
// its load event.
func (b *browser) open(url string, width, height int) {
	b.t.Helper()
	b.call("Emulation.setDeviceMetricsOverride", map[string]any{"width": width, "height": height,
		"deviceScaleFactor": 1, "mobile": false}, nil)
	b.events = nil
	b.call("Page.navigate", map[string]any{"url": url}, nil)
	b.waitEvent("Page.loadEventFired")
}

// media switches the emulated CSS media type ("print", "screen").
func (b *browser) media(m string) {
	b.call("Emulation.setEmulatedMedia", map[string]any{"media": m}, nil)
}

// eval runs a JavaScript expression in the page and decodes its value.
func (b *browser) eval(expr string, out any) {
	b.t.Helper()
	var res struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	b.call("Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &res)
	if res.ExceptionDetails != nil {
		b.t.Fatalf("script failed: %s %s", res.ExceptionDetails.Text, res.ExceptionDetails.Exception.Description)
	}
	if err := json.Unmarshal(res.Result.Value, out); err != nil {
		b.t.Fatalf("script value %s: %v", res.Result.Value, err)
	}
}

type rect struct{ X, Y, Width, Height float64 }

// screenshot returns a PNG of the page region r (document coordinates, CSS
// pixels) at scale times its size.
func (b *browser) screenshot(r rect, scale float64) []byte {
	b.t.Helper()
	var res struct {
		Data string `json:"data"`
	}
	b.call("Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true,
		"clip": map[string]any{"x": r.X, "y": r.Y, "width": r.Width, "height": r.Height, "scale": scale}}, &res)
	data, err := base64.StdEncoding.DecodeString(res.Data)
	if err != nil {
		b.t.Fatal(err)
	}
	return data
}

// printPDF prints the page as Chromium's print dialog would with the
// page's own @page size and margins, backgrounds on, no header or footer.
func (b *browser) printPDF() []byte {
	b.t.Helper()
	var res struct {
		Data string `json:"data"`
	}
	b.call("Page.printToPDF", map[string]any{"preferCSSPageSize": true, "printBackground": true,
		"displayHeaderFooter": false}, &res)
	data, err := base64.StdEncoding.DecodeString(res.Data)
	if err != nil {
		b.t.Fatal(err)
	}
	return data
}

var (
	pdfPage     = regexp.MustCompile(`/Type\s*/Page\b`)
	pdfMediaBox = regexp.MustCompile(`/MediaBox\s*\[\s*0 0 ([0-9.]+) ([0-9.]+)\s*\]`)
)

// pdfPages returns the number of pages of a PDF Chromium wrote and the
// size of each, in points.
func pdfPages(t *testing.T, pdf []byte) (int, [][2]float64) {
	t.Helper()
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", tail(string(pdf[:min(len(pdf), 40)]), 40))
	}
	var sizes [][2]float64
	for _, m := range pdfMediaBox.FindAllSubmatch(pdf, -1) {
		var w, h float64
		fmt.Sscan(string(m[1]), &w)
		fmt.Sscan(string(m[2]), &h)
		sizes = append(sizes, [2]float64{w, h})
	}
	return len(pdfPage.FindAll(pdf, -1)), sizes
}

// overflowScript measures, in the current media, every element of the
// page against the viewport width: it returns the viewport width, the
// document's scroll width and the elements (at most 10) that stick out.
const overflowScript = `(() => {
  const w = document.documentElement.clientWidth;
  const bad = [];
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.right > w + 0.5 || r.left < -0.5) {
      bad.push(el.tagName.toLowerCase() + (el.className && el.className.baseVal === undefined ? "." + el.className : "") +
        " [" + Math.round(r.left) + ", " + Math.round(r.right) + "]");
    }
  }
  return {width: w, scrollWidth: document.documentElement.scrollWidth, overflowing: bad.slice(0, 10)};
})()`

type overflow struct {
	Width       float64  `json:"width"`
	ScrollWidth float64  `json:"scrollWidth"`
	Overflowing []string `json:"overflowing"`
}

// mmToCSS converts millimetres to CSS pixels (96 per inch).
func mmToCSS(mm float64) int { return int(mm / 25.4 * 96) }

// keepArtifact copies data to $NBFLEET_SCREENSHOT_DIR/name when that is
// set (CI keeps the directory).
func keepArtifact(t *testing.T, name string, data []byte) {
	t.Helper()
	out := os.Getenv("NBFLEET_SCREENSHOT_DIR")
	if out == "" {
		return
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out+string(os.PathSeparator)+name, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
