package report

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nbfleet/nbfleet/internal/browsertest"
)

// TestChromium renders report.html in a real browser: the DOM it builds
// must hold every row, link and bar, the page's own script must have run
// (the CSP lets it) and a hostile name must stay text; a screenshot must
// come out with the page's styles applied.
func TestChromium(t *testing.T) {
	bin := browsertest.Find(t)
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
		dom := string(browsertest.Run(t, bin, "--dump-dom", "file://"+page))
		if !strings.Contains(dom, "</html>") {
			t.Fatalf("no document dumped:\n%s", dom[max(0, len(dom)-2000):])
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
		browsertest.Run(t, bin, "--screenshot="+shot, "--window-size=1280,900", "file://"+page)
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

// TestChromiumHandout renders the hand-out of a class of 30 in a real
// browser: every card holds its student's labels and the full URL as text
// and link, and its QR code, as the browser draws it, decodes to that URL.
// Printed, the cards fit A4 portrait six to a page (30 students, 5 pages),
// nothing sticks out of the page, and no card is taller than a third of it.
// A screenshot and the PDF are kept as CI artifacts.
func TestChromiumHandout(t *testing.T) {
	bin := browsertest.Find(t)
	dir := t.TempDir()
	b := browsertest.Start(t, bin)

	t.Run("screenshot", func(t *testing.T) {
		if err := WriteHandoutDir(filepath.Join(dir, "sample"), sampleHandout()); err != nil {
			t.Fatal(err)
		}
		b.Media("screen")
		b.Open("file://"+filepath.Join(dir, "sample", HandoutHTMLFile), 1280, 900)
		shot := b.Screenshot(browsertest.Rect{Width: 1280, Height: 900}, 1)
		img, err := png.Decode(bytes.NewReader(shot))
		if err != nil {
			t.Fatal(err)
		}
		if c := color.RGBAModel.Convert(img.At(4, 450)).(color.RGBA); !near(c, color.RGBA{0xf6, 0xf7, 0xf9, 0xff}) {
			t.Errorf("margin pixel is %v, want the page background #f6f7f9 (style blocked by CSP?)", c)
		}
		if !varied(img) {
			t.Error("screenshot is one flat colour: nothing rendered")
		}
		cards := b.Cards()
		if len(cards) != 4 || cards[2].QR != nil || cards[3].QR != nil ||
			!strings.Contains(cards[2].Text, "No address yet: this notebook is STOPPED.") ||
			!strings.Contains(cards[3].Text, "No address: this notebook does not exist yet.") {
			t.Errorf("cards without an address are not shown as such: %+v", cards)
		}
		browsertest.KeepArtifact(t, "handout.png", shot)
	})

	h := classHandout(30)
	page := filepath.Join(dir, "class", HandoutHTMLFile)
	if err := WriteHandoutDir(filepath.Dir(page), h); err != nil {
		t.Fatal(err)
	}

	t.Run("cards", func(t *testing.T) {
		b.Media("screen")
		b.Open("file://"+page, 1280, 900)
		cards := b.Cards()
		if len(cards) != len(h.Rows) {
			t.Fatalf("%d cards in the DOM, want %d", len(cards), len(h.Rows))
		}
		for i, c := range cards {
			row := h.Rows[i]
			if c.Href != row.URL || c.URL != row.URL || !strings.Contains(c.Text, row.URL) {
				t.Errorf("%s: link %q with text %q, want the full URL %q", c.ID, c.Href, c.URL, row.URL)
			}
			if !slices.Contains(c.Labels, row.Labels["student"]) || !slices.Contains(c.Labels, row.Labels["email"]) ||
				!strings.Contains(c.Text, row.Labels["student"]) {
				t.Errorf("%s: labels %q, want %q", c.ID, c.Labels, row.Labels)
			}
			if !strings.Contains(c.Text, row.Name) {
				t.Errorf("%s: no notebook name %q", c.ID, row.Name)
			}
			if c.QR == nil {
				t.Errorf("%s: no QR code", c.ID)
				continue
			}
			got, shot, err := b.HandoutQR(c)
			if err != nil || got != row.URL {
				t.Errorf("%s: QR code decodes to %q (%v), want %q", c.ID, got, err, row.URL)
				browsertest.KeepArtifact(t, "handout-qr-failed-"+c.ID+".png", shot)
			}
		}
	})

	t.Run("print", func(t *testing.T) {
		b.Media("print")
		// The printable width of A4 portrait with the page's 10 mm margins.
		b.Open("file://"+page, browsertest.MMToCSS(190), 1000)
		var o browsertest.Overflow
		b.Eval(browsertest.OverflowScript, &o)
		if len(o.Overflowing) > 0 || o.ScrollWidth > o.Width {
			t.Errorf("printed on A4, content is %v px wide in a %v px page: %q", o.ScrollWidth, o.Width, o.Overflowing)
		}
		cards := b.Cards()
		third := float64(browsertest.MMToCSS(277)) / 3
		for _, c := range cards {
			if c.Height > third {
				t.Errorf("%s is %.0f px high in print, more than a third of the page (%.0f px)", c.ID, c.Height, third)
			}
		}
		for _, tc := range []struct{ students, pages int }{{30, 5}, {6, 1}, {7, 2}} {
			p := filepath.Join(dir, fmt.Sprintf("print-%d", tc.students), HandoutHTMLFile)
			if err := WriteHandoutDir(filepath.Dir(p), classHandout(tc.students)); err != nil {
				t.Fatal(err)
			}
			b.Open("file://"+p, 1280, 900)
			pdf := b.PrintPDF()
			n, sizes := browsertest.PDFPages(t, pdf)
			if n != tc.pages {
				t.Errorf("%d students print on %d pages, want %d", tc.students, n, tc.pages)
			}
			for _, s := range sizes {
				if math.Abs(s[0]-595.3) > 1 || math.Abs(s[1]-841.9) > 1 {
					t.Errorf("page is %v pt, want A4 portrait (595 × 842)", s)
				}
			}
			if tc.students == 30 {
				browsertest.KeepArtifact(t, "handout.pdf", pdf)
			}
		}
	})
}

// TestChromiumReportPrint prints report.html of a class of 30 (with labels,
// failures, a 300-character URL and a long unbroken error) the way a person
// would: on A4 landscape every column fits the page, each URL is there in
// full as a link, failures come first, and the class takes a few pages.
func TestChromiumReportPrint(t *testing.T) {
	bin := browsertest.Find(t)
	r := bigReport(30)
	for i := range r.Notebooks {
		e := &r.Notebooks[i]
		e.Labels = map[string]string{"student": fmt.Sprintf("Student %02d Lastname", i), "email": fmt.Sprintf("s%02d@example.edu", i)}
	}
	r.Notebooks[5].URL = "https://notebook.example/lab/" + strings.Repeat("0123456789abcdef", 17) + "?x=1"
	r.Notebooks[9].Error.Message = strings.Repeat("no-capacity-in-az1/", 20)
	r.Summarize()
	page := filepath.Join(t.TempDir(), HTMLFile)
	if err := WriteDir(filepath.Dir(page), r); err != nil {
		t.Fatal(err)
	}
	b := browsertest.Start(t, bin)
	b.Media("print")
	// The printable width of A4 landscape with the page's 10 mm margins.
	b.Open("file://"+page, browsertest.MMToCSS(277), 1000)
	var o browsertest.Overflow
	b.Eval(browsertest.OverflowScript, &o)
	if len(o.Overflowing) > 0 || o.ScrollWidth > o.Width {
		t.Errorf("printed on A4 landscape, content is %v px wide in a %v px page: %q", o.ScrollWidth, o.Width, o.Overflowing)
	}
	var rows []struct {
		Class, Href, Text string
	}
	b.Eval(`Array.from(document.querySelectorAll("#notebooks tbody tr")).map(tr => {
	  const a = tr.querySelector("td.url a");
	  return {Class: tr.className, Href: a ? a.getAttribute("href") : "", Text: a ? a.textContent : ""};
	})`, &rows)
	if len(rows) != len(r.Notebooks) {
		t.Fatalf("%d rows, want %d", len(rows), len(r.Notebooks))
	}
	failed := r.Count(Failed)
	for i, row := range rows {
		if (i < failed) != (row.Class == "failed") {
			t.Errorf("row %d is %q: failures are not first", i+1, row.Class)
		}
		if row.Href != "" && row.Text != row.Href {
			t.Errorf("row %d shows %q for the link %q: not the full URL", i+1, row.Text, row.Href)
		}
	}
	pdf := b.PrintPDF()
	n, sizes := browsertest.PDFPages(t, pdf)
	for _, s := range sizes {
		if math.Abs(s[0]-841.9) > 1 || math.Abs(s[1]-595.3) > 1 {
			t.Errorf("page is %v pt, want A4 landscape (842 × 595)", s)
		}
	}
	// Measured: 4 pages (three of table, one of timeline); a row that grew
	// or a column that spilled would take more.
	if n < 2 || n > 5 {
		t.Errorf("30 notebooks print on %d pages, want 2 to 5", n)
	}
	t.Logf("30 notebooks: %d pages A4 landscape", n)
	browsertest.KeepArtifact(t, "report.pdf", pdf)
}
