package report

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	zxingqr "github.com/makiuchi-d/gozxing/qrcode"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"github.com/nbfleet/nbfleet/internal/safetext/safetexttest"
)

// hostileReport puts s wherever a report carries text it did not make:
// names, labels, ids, statuses, URLs, messages, fail_reasons, notes.
func hostileReport(s string) *Report {
	r := &Report{Fleet: s, RunID: s, StartedAt: *at(0), FinishedAt: *at(9), Notebooks: []Entry{
		{Name: s, Labels: map[string]string{"student": s, s: "x"}, ID: s, Action: "create", Outcome: Failed, Status: s, URL: s,
			FailReason: s + "!", FailReasons: []string{s, s + "!"},
			Error:    &Error{Code: s, Message: s, RequestID: s, HTTPStatus: 400},
			Attempts: 1, StartedAt: at(1), FinishedAt: at(2)},
		{Name: s + "2", Labels: map[string]string{"student": s}, ID: s, Action: "create", Outcome: Succeeded, Status: s, URL: s,
			Attempts: 1, StartedAt: at(1), FinishedAt: at(3)},
		{Name: s + "3", Action: "conflict", Outcome: Skipped, Note: s},
	}}
	r.Summarize()
	return r
}

var gfm = goldmark.New(goldmark.WithExtensions(extension.GFM))

var (
	mdTag    = regexp.MustCompile(`<(/?)([a-z0-9]+)[^>]*>`)
	tableRow = regexp.MustCompile(`(?s)<tr>(.*?)</tr>`)
)

// checkMarkdownReport renders md as GitHub would and checks that no table
// gained or lost a row or a cell and that nothing but tables, headings,
// paragraphs, one quote and code came out: no link, image or HTML.
func checkMarkdownReport(t *testing.T, in, md string, notebooks int) {
	t.Helper()
	var b bytes.Buffer
	if err := gfm.Convert([]byte(md), &b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	allowed := map[string]bool{"h1": true, "h2": true, "p": true, "table": true, "thead": true, "tbody": true,
		"tr": true, "th": true, "td": true, "code": true, "strong": true, "blockquote": true}
	for _, m := range mdTag.FindAllStringSubmatch(out, -1) {
		if !allowed[m[2]] {
			t.Fatalf("%q: report.md renders a <%s>:\n%s", in, m[2], out)
		}
	}
	// Summary: 4 outcomes + total + header; failed: 1 + header;
	// others: notebooks-1 + header.
	rows := tableRow.FindAllStringSubmatch(out, -1)
	if want := 6 + 2 + notebooks; len(rows) != want {
		t.Fatalf("%q: report.md has %d table rows, want %d:\n%s\n%s", in, len(rows), want, md, out)
	}
	for _, row := range rows[6:] {
		if n := strings.Count(row[1], "<td") + strings.Count(row[1], "<th"); n != strings.Count(rows[6][1], "<th") &&
			n != strings.Count(rows[8][1], "<th") {
			t.Fatalf("%q: a row of report.md has %d cells:\n%s", in, n, out)
		}
	}
}

// TestReportInert writes the injection corpus through every report format.
func TestReportInert(t *testing.T) {
	for _, s := range safetexttest.Corpus {
		r := hostileReport(s)
		var js, cs, md, ht bytes.Buffer
		for _, w := range []struct {
			b     *bytes.Buffer
			write func(*bytes.Buffer, *Report) error
		}{
			{&js, func(b *bytes.Buffer, r *Report) error { return WriteJSON(b, r) }},
			{&cs, func(b *bytes.Buffer, r *Report) error { return WriteCSV(b, r) }},
			{&md, func(b *bytes.Buffer, r *Report) error { return WriteMarkdown(b, r) }},
			{&ht, func(b *bytes.Buffer, r *Report) error { return WriteHTML(b, r) }},
		} {
			if err := w.write(w.b, r); err != nil {
				t.Fatal(err)
			}
		}
		for name, doc := range map[string]string{"report.json": js.String(), "report.md": md.String(), "report.html": ht.String()} {
			if err := safetexttest.TerminalDocument(doc); err != nil {
				t.Errorf("%q: %s: %v", s, name, err)
			}
		}
		// report.json still says exactly what the cloud said.
		var back Report
		if err := json.Unmarshal(js.Bytes(), &back); err != nil {
			t.Fatalf("%q: report.json: %v", s, err)
		}
		if strings.ToValidUTF8(s, "\ufffd") == s && (back.Notebooks[0].Name != s || back.Notebooks[0].Labels["student"] != s) {
			t.Errorf("%q: report.json changed the name to %q", s, back.Notebooks[0].Name)
		}
		recs, err := safetexttest.CSVDocument(cs.String())
		if err != nil {
			t.Errorf("%q: report.csv: %v\n%s", s, err, cs.String())
		} else if len(recs) != 4 {
			t.Errorf("%q: report.csv has %d records, want 4", s, len(recs))
		}
		checkMarkdownReport(t, s, md.String(), len(r.Notebooks))
		checkHTMLInert(t, s, ht.String())
	}
}

var (
	href    = regexp.MustCompile(`href="([^"]*)"`)
	handler = regexp.MustCompile(`(?i)<[a-z][^>]*\son[a-z]+\s*=`)
)

// checkHTMLInert checks a page nbfleet wrote holds no markup but its own:
// at most its one script, no image, frame or event handler, and no link
// but in-page anchors and http(s) URLs.
func checkHTMLInert(t *testing.T, in, page string) {
	t.Helper()
	low := strings.ToLower(page)
	if n := strings.Count(low, "<script"); n > 1 {
		t.Fatalf("%q: page has %d <script> tags", in, n)
	}
	for _, bad := range []string{"<img", "<iframe", "<object", "<embed", "<svg onload", "<base", "<meta http-equiv=\"refresh"} {
		if strings.Contains(low, bad) {
			t.Fatalf("%q: page contains %q", in, bad)
		}
	}
	if m := handler.FindString(page); m != "" {
		t.Fatalf("%q: page has an event handler: %q", in, m)
	}
	for _, m := range href.FindAllStringSubmatch(page, -1) {
		// A scheme is case-insensitive (RFC 3986 3.1): "Http://" is a web link too.
		if u, lu := m[1], strings.ToLower(m[1]); !strings.HasPrefix(u, "#nb-") && !strings.HasPrefix(lu, "https://") && !strings.HasPrefix(lu, "http://") {
			t.Fatalf("%q: page links to %q", in, u)
		}
	}
}

// TestHandoutInert writes the injection corpus through the hand-out.
func TestHandoutInert(t *testing.T) {
	for _, s := range safetexttest.Corpus {
		h := &Handout{Title: s, Labels: []string{s}, Rows: []HandoutRow{
			{Labels: map[string]string{"student": s, s: s}, Name: s, Status: s, URL: s},
			{Labels: map[string]string{"student": s}, Name: s, Status: s, URL: "https://x.example/" + strings.ToValidUTF8(s, "")},
			{Name: s, Status: s},
		}}
		var cs, ht bytes.Buffer
		if err := WriteHandoutCSV(&cs, h); err != nil {
			t.Fatal(err)
		}
		if err := WriteHandoutHTML(&ht, h); err != nil {
			t.Fatal(err)
		}
		if _, err := safetexttest.CSVDocument(cs.String()); err != nil {
			t.Errorf("%q: handout.csv: %v", s, err)
		}
		if err := safetexttest.TerminalDocument(ht.String()); err != nil {
			t.Errorf("%q: handout.html: %v", s, err)
		}
		checkHTMLInert(t, s, ht.String())
		if strings.Contains(strings.ToLower(ht.String()), "<script") {
			t.Errorf("%q: the hand-out has a script", s)
		}
	}
}

func FuzzWriteHandoutHTML(f *testing.F) {
	for _, s := range safetexttest.Corpus {
		f.Add(s, "https://x.example/lab")
	}
	f.Fuzz(func(t *testing.T, s, url string) {
		h := &Handout{Title: s, Rows: []HandoutRow{{Labels: map[string]string{s: s}, Name: s, Status: s, URL: url}}}
		var b bytes.Buffer
		if err := WriteHandoutHTML(&b, h); err != nil {
			t.Fatal(err)
		}
		checkHTMLInert(t, s, b.String())
		if strings.Contains(strings.ToLower(b.String()), "<script") {
			t.Fatal("the hand-out has a script")
		}
	})
}

// rasterize draws a QR code's SVG path (M x y h w v 1.05 h -w z, the
// only commands the hand-out writes) into an image, scale pixels a module.
func rasterize(t *testing.T, size int, path string, scale int) image.Image {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, size*scale, size*scale))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	cmd := regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1\.05h-(\d+)z`)
	if rest := cmd.ReplaceAllString(path, ""); rest != "" {
		t.Fatalf("path has commands the rasterizer does not know: %.60q", rest)
	}
	for _, m := range cmd.FindAllStringSubmatch(path, -1) {
		x, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[2])
		w, _ := strconv.Atoi(m[3])
		for py := y * scale; py < (y+1)*scale; py++ {
			for px := x * scale; px < (x+w)*scale; px++ {
				img.SetGray(px, py, color.Gray{})
			}
		}
	}
	return img
}

// TestQRDecodes checks the QR code of URLs of every length a notebook can
// have decodes, with ZXing's decoder, to the URL; and that a URL too long
// for any QR code gets a card without one.
func TestQRDecodes(t *testing.T) {
	for _, url := range []string{
		"http://a.example/",
		"https://authoring-modelarts-cnnorth4.huaweicloud.com/6b9f3c1e-0d4a-4f2b-9e7c-2a1d5c8e4b70/lab",
		"http://127.0.0.1:8080/_emulator/notebook/0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b/lab?tab=files&lang=en#x",
		"https://x.example/" + strings.Repeat("é", 100),
		"https://x.example/" + strings.Repeat("a1b2c3d4", 200),
	} {
		qr, err := newQRSVG(url)
		if err != nil {
			t.Fatalf("%.40q: %v", url, err)
		}
		bmp, err := gozxing.NewBinaryBitmapFromImage(rasterize(t, qr.Size, qr.Path, 4))
		if err != nil {
			t.Fatal(err)
		}
		res, err := zxingqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true})
		if err != nil || res.GetText() != url {
			t.Errorf("%.40q: decodes to %.40q, %v", url, res, err)
		}
	}
	long := "https://x.example/" + strings.Repeat("a", 3000)
	if _, err := newQRSVG(long); err == nil {
		t.Error("a 3000-byte URL made a QR code")
	}
	page := writeHandout(t, &Handout{Rows: []HandoutRow{{Name: "n", Status: "RUNNING", URL: long}}})
	if strings.Contains(page, `<svg class="qr"`) || !strings.Contains(page, "too long for a QR code") || !strings.Contains(page, long+"</a>") {
		t.Error("a URL too long for a QR code is not shown in full with a note")
	}
}

func TestLabelColumns(t *testing.T) {
	for _, tc := range []struct{ in, want []string }{
		{nil, []string{}},
		{[]string{"email", "student"}, []string{"email", "student"}},
		{[]string{"Status", "URL", "id", " name "}, []string{"label_Status", "label_URL", "label_id", "label_ name "}},
		{[]string{"label_status", "status"}, []string{"label_status", "label_label_status"}},
		{[]string{"STATUS", "label_STATUS", "label_label_status"}, []string{"label_label_label_STATUS", "label_STATUS", "label_label_status"}},
	} {
		got := LabelColumns(tc.in)
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("LabelColumns(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	r := &Report{Notebooks: []Entry{{Name: "a", Labels: map[string]string{"status": "enrolled", "email": "a@x", "flavor": "GPU"}}, {Name: "b"}}}
	if got := strings.Join(CSVHeader(r), ","); got != "name,email,label_flavor,label_status,id,url,status,flavor,outcome,error" {
		t.Errorf("CSVHeader = %s", got)
	}
}
