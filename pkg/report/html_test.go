package report

import (
	"bytes"
	"fmt"
	"html"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nbfleet/nbfleet/internal/golden"
	"github.com/nbfleet/nbfleet/internal/safetext/safetexttest"
)

// interruptedSample is sample() stopped by Ctrl-C: one notebook in flight
// (started, never finished) and one never started.
func interruptedSample() *Report {
	r := sample()
	r.Interrupted = true
	r.Notebooks = append(r.Notebooks,
		Entry{Name: "ml101-frank", Action: "create", Outcome: Failed, Status: "CREATING",
			Error:    &Error{Code: "interrupted", Message: "interrupted while waiting for RUNNING"},
			Attempts: 1, ElapsedMS: 38000, StartedAt: at(4)},
		Entry{Name: "ml101-zed", Action: "create", Outcome: Skipped, Note: "not started: interrupted"})
	r.Summarize()
	return r
}

func TestWriteHTMLGolden(t *testing.T) {
	empty := &Report{Fleet: "empty", StartedAt: *at(0), FinishedAt: *at(0)}
	empty.Summarize()
	for name, r := range map[string]*Report{"sample": sample(), "interrupted": interruptedSample(), "empty": empty} {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteHTML(&b, r); err != nil {
				t.Fatal(err)
			}
			var again bytes.Buffer
			if err := WriteHTML(&again, r); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b.Bytes(), again.Bytes()) {
				t.Fatal("two writes of one report differ")
			}
			golden.Check(t, filepath.Join("testdata", name+".html"), b.Bytes())
		})
	}
}

func writeHTML(t testing.TB, r *Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

var rowID = regexp.MustCompile(`<tr id="(nb-\d+)"`)

func TestWriteHTMLFailuresFirst(t *testing.T) {
	page := writeHTML(t, interruptedSample())
	var got []string
	for _, m := range rowID.FindAllStringSubmatch(page, -1) {
		got = append(got, m[1])
	}
	// Failed: bob (2), carol (3), frank (7); then the rest in report order.
	want := "nb-2 nb-3 nb-7 nb-1 nb-4 nb-5 nb-6 nb-8"
	if strings.Join(got, " ") != want {
		t.Errorf("row order %v, want %s", got, want)
	}
	for _, s := range []string{
		`role="alert"><strong>Interrupted.</strong>`,
		`<span class="sub">3 failed, listed first</span>`,
		`<li>image pull failed</li><li>no capacity in az1</li>`,
		`<code>ModelArts.6302</code> instance count at maximum<span class="meta2">HTTP 400 · request req-7</span>`,
		`<a href="https://notebook.example/lab/id-alice" target="_blank" rel="noopener noreferrer"`,
		`class="bar failed open"`,                      // frank, in flight when the run ended
		`3 notebook(s) that did nothing are not drawn`, // dave, eve, zed
	} {
		if !strings.Contains(page, s) {
			t.Errorf("page lacks %q", s)
		}
	}
}

func TestWriteHTMLEscapes(t *testing.T) {
	hostile := `<script>alert(1)</script>`
	r := &Report{
		Fleet:      `x"><script>alert("fleet")</script>`,
		RunID:      `</title><script>alert(2)</script>`,
		StartedAt:  *at(0),
		FinishedAt: *at(10),
		Notebooks: []Entry{
			{Name: hostile, Action: "create", Outcome: Failed, URL: `javascript:alert(3)`,
				FailReason:  `<img src=x onerror=alert(4)>`,
				FailReasons: []string{`<svg onload=alert(5)>`, `<img src=x onerror=alert(4)>`},
				Error:       &Error{Code: `"><b>`, Message: `</td><script>alert(6)</script>`, RequestID: `'onmouseover='alert(7)`},
				Attempts:    2, ElapsedMS: 1000, StartedAt: at(1), FinishedAt: at(2)},
			{Name: "ok", Action: "create", Outcome: Succeeded, URL: `https://x.example/"onmouseover="alert(8)`,
				Note: `</span></td></tr></tbody></table><script>alert(9)</script>`, StartedAt: at(1), FinishedAt: at(3)},
		},
	}
	r.Summarize()
	page := writeHTML(t, r)
	// The page's own script is the only one.
	if n := strings.Count(strings.ToLower(page), "<script"); n != 1 {
		t.Errorf("page has %d <script> tags, want 1 (its own)", n)
	}
	for _, bad := range []string{"<img", "<svg onload", `"><b>`, `href="javascript:`, `"onmouseover="`, `'onmouseover='`} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q unescaped", bad)
		}
	}
	for _, good := range []string{
		"&lt;script&gt;alert(1)&lt;/script&gt;",         // the name, in table and chart
		`<span class="text">javascript:alert(3)</span>`, // not a link
		"&lt;img src=x onerror=alert(4)&gt;",
	} {
		if !strings.Contains(page, good) {
			t.Errorf("page lacks %q", good)
		}
	}
}

// TestWriteHTMLSelfContained checks the page names no outside resource and
// that its CSP pins exactly the style and script it carries.
func TestWriteHTMLSelfContained(t *testing.T) {
	page := writeHTML(t, interruptedSample())
	for _, bad := range []string{" src=", "<link", "@import", "url(", "@font-face", "<iframe", "<object", "<embed", "xlink:href"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	// Every http(s) reference is a notebook URL.
	for _, m := range regexp.MustCompile(`https?://[^"<\s]*`).FindAllString(page, -1) {
		if !strings.HasPrefix(m, "https://notebook.example/lab/") {
			t.Errorf("page references %q", m)
		}
	}
	style := between(t, page, "<style>", "</style>")
	script := between(t, page, "<script>", "</script>")
	csp := between(t, page, `http-equiv="Content-Security-Policy" content="`, `"`)
	csp = html.UnescapeString(csp)
	for _, want := range []string{"default-src 'none'", "style-src '" + cspHash(style) + "'", "script-src '" + cspHash(script) + "'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
}

func between(t *testing.T, s, start, end string) string {
	t.Helper()
	_, rest, ok := strings.Cut(s, start)
	if !ok {
		t.Fatalf("no %q in page", start)
	}
	in, _, ok := strings.Cut(rest, end)
	if !ok {
		t.Fatalf("no %q after %q in page", end, start)
	}
	return in
}

// bigReport is a run of n notebooks, ten at a time, every tenth failing
// after two attempts, every seventh with a long name.
func bigReport(n int) *Report {
	r := &Report{FormatVersion: FormatVersion, Fleet: "big", RunID: "run-big", StartedAt: *at(0)}
	for i := range n {
		name := fmt.Sprintf("ml101-student-%04d", i)
		if i%7 == 0 {
			name += "-with-a-rather-long-suffix-for-the-label-column"
		}
		start := at(i / 10 * 3)
		end := start.Add(time.Duration(20+i%13) * time.Second)
		e := Entry{Name: name, ID: fmt.Sprintf("id-%04d", i), Action: "create", Outcome: Succeeded, Status: "RUNNING",
			URL: "https://notebook.example/lab/" + name, Attempts: 1, ElapsedMS: end.Sub(*start).Milliseconds(),
			StartedAt: start, FinishedAt: &end}
		if i%10 == 9 {
			e.Outcome, e.Status, e.URL, e.Attempts = Failed, "CREATE_FAILED", "", 2
			e.FailReason = "no capacity in az1"
			e.FailReasons = []string{"image pull failed", "no capacity in az1"}
			e.Error = &Error{Code: "create_failed", Message: "notebook ended CREATE_FAILED after 2 attempts"}
		}
		r.Notebooks = append(r.Notebooks, e)
		if end.After(r.FinishedAt) {
			r.FinishedAt = end
		}
	}
	r.Summarize()
	return r
}

func TestWriteHTMLLarge(t *testing.T) {
	const n = 1000
	page := writeHTML(t, bigReport(n))
	if got := len(rowID.FindAllString(page, -1)); got != n {
		t.Errorf("%d table rows, want %d", got, n)
	}
	if got := strings.Count(page, `<rect class="bar `); got != n {
		t.Errorf("%d timeline bars, want %d", got, n)
	}
	// The SVG grows with the fleet, one row per notebook.
	wantH := chartTop + n*chartRowH + 4 + chartBottom
	if !strings.Contains(page, fmt.Sprintf(`viewBox="0 0 %d %d"`, chartWidth, wantH)) {
		t.Errorf("timeline is not %d units high", wantH)
	}
	// Long names are cut in the chart, whole in the table and tooltip.
	long := "ml101-student-0000-with-a-rather-long-suffix-for-the-label-column"
	if !strings.Contains(page, ">"+cut(long, chartLabelMx)+"</text>") || !strings.Contains(page, "<title>"+long+":") {
		t.Error("long name not cut in the chart label or not whole in its tooltip")
	}
	// About 1 KiB per notebook; a page of several MB would be a regression.
	if len(page) > 1500*n {
		t.Errorf("page for %d notebooks is %d bytes, want at most %d", n, len(page), 1500*n)
	}
	t.Logf("%d notebooks: %d bytes", n, len(page))
}

func BenchmarkWriteHTML1000(b *testing.B) {
	r := bigReport(1000)
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := WriteHTML(&buf, r); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes/page")
}

func TestHTMLDuration(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0 ms"},
		{120 * time.Millisecond, "120 ms"},
		{31 * time.Second, "31.0 s"},
		{125 * time.Second, "2m 05s"},
		{3720 * time.Second, "1h 02m"},
	} {
		if got := htmlDuration(tc.d); got != tc.want {
			t.Errorf("htmlDuration(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func TestTickStep(t *testing.T) {
	for _, tc := range []struct{ span, want float64 }{
		{0.5, 1}, {10, 1}, {11, 2}, {42, 5}, {100, 10}, {600, 60}, {3600, 600}, {86400, 10800}, {10 * 86400, 86400},
	} {
		if got := tickStep(tc.span); got != tc.want {
			t.Errorf("tickStep(%v) = %v, want %v", tc.span, got, tc.want)
		}
	}
}

// FuzzWriteHTML feeds arbitrary names, messages, notes and URLs through the
// page: whatever they hold, the page's own script stays the only one.
func FuzzWriteHTML(f *testing.F) {
	f.Add("ml101-alice", "instance count at maximum", "https://notebook.example/lab/a", "note")
	f.Add("<script>alert(1)</script>", "</title><script>", "javascript:alert(1)", "<!--")
	f.Add("</svg><script>", "<style>", `"><img src=x>`, "]]><script>")
	f.Fuzz(func(t *testing.T, name, msg, url, note string) {
		r := &Report{Fleet: name, RunID: note, StartedAt: *at(0), FinishedAt: *at(9), Notebooks: []Entry{
			{Name: name, URL: url, Action: "create", Outcome: Failed, FailReason: note, FailReasons: []string{msg, note},
				Error: &Error{Code: name, Message: msg}, Attempts: 1, StartedAt: at(1), FinishedAt: at(2)},
			{Name: note, URL: url, Action: msg, Outcome: Outcome(name), Note: note},
		}}
		r.Summarize()
		page := writeHTML(t, r)
		if n := strings.Count(strings.ToLower(page), "<script"); n != 1 {
			t.Fatalf("page has %d <script> tags, want 1", n)
		}
		if strings.Contains(strings.ToLower(page), "<img") {
			t.Fatal("page has an <img>")
		}
		checkHTMLInert(t, name, page)
		if err := safetexttest.TerminalDocument(page); err != nil {
			t.Fatal(err)
		}
	})
}
