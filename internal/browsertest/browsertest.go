// Package browsertest drives a headless Chromium for tests: the pages
// nbfleet writes (report.html, handout.html) checked as a browser shows and
// prints them — the DOM after the page's own script ran, screenshots,
// print-to-PDF with the page's @page size — and the hand-out's QR codes
// decoded with ZXing's Go port, an implementation independent of the
// encoder. Only tests import it.
//
// Without a Chromium on PATH a test that calls Find is skipped, unless
// NBFLEET_REQUIRE_CHROMIUM=1 (CI), when it fails. KeepArtifact copies what
// a person should look at into $NBFLEET_SCREENSHOT_DIR, which CI keeps.
package browsertest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	zxingqr "github.com/makiuchi-d/gozxing/qrcode"
)

// Find finds a Chromium or Chrome binary on PATH. Without one the test
// is skipped, unless NBFLEET_REQUIRE_CHROMIUM=1 (CI), where it fails.
func Find(t testing.TB) string {
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

// Run runs a headless browser with its own fresh profile, no
// network chatter and a 60 s bound, and returns its standard output.
func Run(t testing.TB, bin string, args ...string) []byte {
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

// Card is what the DOM says of one card of the hand-out.
type Card struct {
	ID     string   `json:"id"`
	Text   string   `json:"text"`
	Labels []string `json:"labels"`
	Href   string   `json:"href"`
	URL    string   `json:"url"`
	QR     *Rect    `json:"qr"`
	Height float64  `json:"height"`
}

const cardsScript = `Array.from(document.querySelectorAll("article.card")).map(c => {
  const q = c.querySelector("svg.qr");
  const r = q && q.getBoundingClientRect();
  const a = c.querySelector(".url a");
  return {id: c.id, text: c.innerText, height: c.getBoundingClientRect().height,
    labels: Array.from(c.querySelectorAll(".labels dd")).map(d => d.textContent),
    href: a ? a.getAttribute("href") : "", url: a ? a.textContent : "",
    qr: r ? {X: r.left + scrollX, Y: r.top + scrollY, Width: r.width, Height: r.height} : null};
})`

// DecodeQR reads the one QR code in a PNG with ZXing's decoder (a port
// independent of the encoder the hand-out uses).
func DecodeQR(t testing.TB, data []byte) (string, error) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", err
	}
	// As a phone does: find the code by its finder patterns. (ZXing's
	// "pure barcode" shortcut guesses the module count from the module
	// size, which a code drawn at a fractional number of pixels per module
	// defeats although any reader decodes it.)
	res, err := zxingqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		return "", err
	}
	return res.GetText(), nil
}

// Cards returns what the DOM of the hand-out page open in b says of each
// card, in page order.
func (b *Browser) Cards() []Card {
	b.t.Helper()
	var cards []Card
	b.Eval(cardsScript, &cards)
	return cards
}

// HandoutQR screenshots the QR code of card c at twice its size and
// decodes it: the URL a phone would open ("" and an error when there is
// no code or it does not decode).
func (b *Browser) HandoutQR(c Card) (string, []byte, error) {
	b.t.Helper()
	if c.QR == nil {
		return "", nil, errNoQR
	}
	shot := b.Screenshot(*c.QR, 2)
	got, err := DecodeQR(b.t, shot)
	return got, shot, err
}

var errNoQR = errors.New("the card has no QR code")

// Browser is a headless Chromium driven over the DevTools protocol on a
// pipe (--remote-debugging-pipe: it reads commands on its fd 3 and writes
// answers and events on its fd 4, each message JSON ending in a NUL). It
// lets a test do what the command line cannot: emulate print media,
// measure the DOM, screenshot one element, print to PDF with the page's
// own @page size. Evaluating script through the protocol is not subject
// to the page's Content-Security-Policy; the page itself still is.
type Browser struct {
	t       testing.TB
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

// Start starts bin with a fresh profile and a 120 s bound, opens
// one page and attaches to it. The browser is closed when the test ends.
func Start(t testing.TB, bin string) *Browser {
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
	b := &Browser{t: t, w: cmdW, r: bufio.NewReader(outR)}
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
func (b *Browser) send(method string, params any, page bool) int {
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

func (b *Browser) read() cdpMessage {
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
func (b *Browser) call(method string, params any, out any) {
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

func (b *Browser) waitEvent(method string) {
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

// Open loads url in a viewport of width×height CSS pixels and waits for
// its load event.
func (b *Browser) Open(url string, width, height int) {
	b.t.Helper()
	b.call("Emulation.setDeviceMetricsOverride", map[string]any{"width": width, "height": height,
		"deviceScaleFactor": 1, "mobile": false}, nil)
	b.events = nil
	b.call("Page.navigate", map[string]any{"url": url}, nil)
	b.waitEvent("Page.loadEventFired")
}

// Media switches the emulated CSS media type ("print", "screen").
func (b *Browser) Media(m string) {
	b.call("Emulation.setEmulatedMedia", map[string]any{"media": m}, nil)
}

// Eval runs a JavaScript expression in the page and decodes its value.
func (b *Browser) Eval(expr string, out any) {
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

// Rect is a region of a page in CSS pixels.
type Rect struct{ X, Y, Width, Height float64 }

// Screenshot returns a PNG of the page region r (document coordinates, CSS
// pixels) at scale times its size.
func (b *Browser) Screenshot(r Rect, scale float64) []byte {
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

// PrintPDF prints the page as Chromium's print dialog would with the
// page's own @page size and margins, backgrounds on, no header or footer.
func (b *Browser) PrintPDF() []byte {
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

// PDFPages returns the number of pages of a PDF Chromium wrote and the
// size of each, in points.
func PDFPages(t testing.TB, pdf []byte) (int, [][2]float64) {
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

// OverflowScript measures, in the current media, every element of the
// page against the viewport width: it returns the viewport width, the
// document's scroll width and the elements (at most 10) that stick out.
const OverflowScript = `(() => {
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

// Overflow is what OverflowScript returns.
type Overflow struct {
	Width       float64  `json:"width"`
	ScrollWidth float64  `json:"scrollWidth"`
	Overflowing []string `json:"overflowing"`
}

// MMToCSS converts millimetres to CSS pixels (96 per inch).
func MMToCSS(mm float64) int { return int(mm / 25.4 * 96) }

// KeepArtifact copies data to $NBFLEET_SCREENSHOT_DIR/name when that is
// set (CI keeps the directory).
func KeepArtifact(t testing.TB, name string, data []byte) {
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
