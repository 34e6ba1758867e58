package report

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	goqr "github.com/piglig/go-qr"

	"github.com/nbfleet/nbfleet/internal/atomicfile"
	"github.com/nbfleet/nbfleet/internal/safetext"
)

// File names WriteHandoutDir writes.
const (
	HandoutCSVFile  = "handout.csv"
	HandoutHTMLFile = "handout.html"
)

// Handout is what an instructor hands out: which notebook, at which
// address, is whose. It is made from the live state of a fleet (nbfleet
// handout FLEET) and holds no notebook token: it has no field for one.
type Handout struct {
	// Title names the fleet; it heads the page and every card.
	Title string
	// At is when the live state was read; the zero time leaves it out.
	At time.Time
	// Labels orders the label names, as the fleet declares them: the first
	// label heads each card, and the CSV has its columns in this order.
	// Names the rows use that are not listed follow, sorted; nil sorts
	// them all.
	Labels []string
	// Rows are the notebooks, one card each, in the order given.
	Rows []HandoutRow
}

// HandoutRow is one notebook of a hand-out.
type HandoutRow struct {
	// Labels are the fleet's labels of the notebook (student, email, …).
	Labels map[string]string
	Name   string
	// Status is the notebook's live status, "" when it does not exist.
	Status string
	// URL is the notebook's address, "" when it has none (absent or
	// stopped) or must not be handed out.
	URL string
	// Note, when set, says why the notebook has no address, instead of
	// the card's own words: another fleet's notebook has the name, it is
	// not yet the fleet's, it is being deleted. Ignored when URL is set.
	Note string
}

// HandoutCSVHeader returns the header row WriteHandoutCSV writes for h: one
// column per label (in h.Labels order, headed as LabelColumns says), then
// name, status and url.
func HandoutCSVHeader(h *Handout) []string {
	return append(LabelColumns(h.labelNames()), "name", "status", "url")
}

// WriteHandoutCSV writes h for a mail merge: one row per notebook under
// HandoutCSVHeader(h), every cell through safetext.CSVCell.
func WriteHandoutCSV(w io.Writer, h *Handout) error {
	cw := csv.NewWriter(w)
	names := h.labelNames()
	if err := writeCSVRow(cw, HandoutCSVHeader(h)); err != nil {
		return err
	}
	for _, r := range h.Rows {
		if err := writeCSVRow(cw, append(labelCells(r.Labels, names), r.Name, r.Status, r.URL)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// labelNames is h.Labels followed by the other label names of the rows,
// sorted.
func (h *Handout) labelNames() []string {
	sets := make([]map[string]string, len(h.Rows))
	for i, r := range h.Rows {
		sets[i] = r.Labels
	}
	var names []string
	for _, n := range append(slices.Clone(h.Labels), LabelNames(sets)...) {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return names
}

// WriteHandoutHTML writes h as one self-contained, printable page: a card
// per notebook with its labels, its name and status, its full address
// (wrapping, never cut) and a QR code of the address as inline SVG. A
// notebook without an address gets a card that says why instead of a QR
// code; so does one whose address is not an absolute http(s) URL (shown as
// text, never a link) or too long for a QR code.
//
// Printed, the page fills A4 portrait with six cards, two by three, none
// split across pages, with dashed borders to cut along. The page loads
// nothing and runs no script: its one inline style is pinned by hash in a
// Content-Security-Policy that forbids everything else. Every value is
// shown in safetext.Terminal's visible form and escaped by html/template.
// The same h gives the same bytes.
func WriteHandoutHTML(w io.Writer, h *Handout) error {
	return handoutTemplate.Execute(w, newHandoutView(h))
}

// WriteHandoutDir writes handout.csv and handout.html into dir (created
// with mode 0700 when missing), each whole or not at all, with mode 0600:
// a hand-out names students and their notebooks' addresses.
func WriteHandoutDir(dir string, h *Handout) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("write hand-out: %w", err)
	}
	for _, wr := range []struct {
		name  string
		write func(io.Writer, *Handout) error
	}{
		{HandoutCSVFile, WriteHandoutCSV},
		{HandoutHTMLFile, WriteHandoutHTML},
	} {
		var b bytes.Buffer
		if err := wr.write(&b, h); err != nil {
			return fmt.Errorf("write hand-out %s: %w", wr.name, err)
		}
		if err := atomicfile.WriteFile(filepath.Join(dir, wr.name), b.Bytes(), 0o600); err != nil {
			return fmt.Errorf("write hand-out: %w", err)
		}
	}
	return nil
}

type handoutView struct {
	Title         string
	At, AtISO     string
	Total, NoURL  int
	Cards         []handoutCard
	CSP           string
	CardsPerPrint int
}

type handoutCard struct {
	Anchor  string
	Labels  []handoutLabel
	Name    string
	Status  string
	URL     string // shown in full
	Href    string // the link, "" unless URL is an absolute http(s) URL
	QR      *qrSVG
	Missing string // why there is no QR code
}

type handoutLabel struct{ Name, Value string }

func newHandoutView(h *Handout) handoutView {
	t := safetext.Terminal
	v := handoutView{Title: t(h.Title), Total: len(h.Rows), CSP: handoutCSP, CardsPerPrint: 6}
	if !h.At.IsZero() {
		v.At, v.AtISO = htmlTime(h.At), h.At.UTC().Format(time.RFC3339)
	}
	names := h.labelNames()
	cols := LabelColumns(names)
	for i, r := range h.Rows {
		c := handoutCard{Anchor: fmt.Sprintf("card-%d", i+1), Name: t(r.Name), Status: t(r.Status), URL: t(r.URL)}
		for j, n := range names {
			if val, ok := r.Labels[n]; ok {
				c.Labels = append(c.Labels, handoutLabel{Name: t(cols[j]), Value: t(val)})
			}
		}
		switch {
		case r.URL == "" && r.Note != "":
			c.Missing = t(r.Note)
		case r.URL == "" && r.Status == "":
			c.Missing = "No address: this notebook does not exist yet."
		case r.URL == "":
			c.Missing = "No address yet: this notebook is " + c.Status + "."
		case !safetext.HTTPURL(r.URL):
			c.Missing = "This address is not a web address, so it has no QR code and no link."
		default:
			c.Href = r.URL
			qr, err := newQRSVG(r.URL)
			if err != nil {
				c.Missing = "This address is too long for a QR code: type it in."
			}
			c.QR = qr
		}
		if c.Missing != "" {
			v.NoURL++
		}
		v.Cards = append(v.Cards, c)
	}
	return v
}

// qrQuiet is the quiet zone around a QR code, in modules (the standard's
// minimum).
const qrQuiet = 4

// qrSVG is a QR code as one SVG path over a square of Size modules, quiet
// zone included: a run of dark modules in a row is one rectangle.
type qrSVG struct {
	Size int
	Path string
}

// newQRSVG encodes text (UTF-8, byte mode when not all digits or upper
// case) at error correction level M or better: a printed code still scans
// with a fold or a smudge.
func newQRSVG(text string) (*qrSVG, error) {
	qr, err := goqr.EncodeText(text, goqr.Medium)
	if err != nil {
		return nil, err
	}
	n := qr.Size()
	var b strings.Builder
	for y := range n {
		for x := 0; x < n; {
			if !qr.Module(x, y) {
				x++
				continue
			}
			x0 := x
			for x < n && qr.Module(x, y) {
				x++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1.05h-%dz", x0+qrQuiet, y+qrQuiet, x-x0, x-x0)
		}
	}
	return &qrSVG{Size: n + 2*qrQuiet, Path: b.String()}, nil
}

// handoutStyle is pasted into the template verbatim and pinned by its
// hash in the page's Content-Security-Policy; like htmlStyle it must hold
// no comments.
const handoutStyle = `
:root{--fg:#1d2430;--muted:#5d6878;--line:#d5dae2;--bg:#f6f7f9;--accent:#2b5fb4}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1180px;margin:0 auto;padding:28px 24px 48px}
header.page h1{margin:0 0 4px;font-size:22px;font-weight:650}
header.page h1 .fleet{color:var(--accent)}
header.page p{margin:0 0 18px;color:var(--muted)}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:14px}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:16px 18px;display:flex;flex-direction:column;gap:10px;break-inside:avoid}
.card .fleet{margin:0;font-size:11px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted)}
.labels{margin:0;display:grid;grid-template-columns:max-content minmax(0,1fr);gap:2px 10px;align-items:baseline}
.labels div{display:contents}
.labels dt{font-size:11px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
.labels dd{margin:0;overflow-wrap:anywhere}
.labels div:first-child dd{font-size:20px;font-weight:650;line-height:1.2}
.nb{margin:0;display:flex;flex-wrap:wrap;gap:4px 10px;align-items:baseline}
.nb .k,.url .k{font-size:11px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
.nb code{font-size:13px;overflow-wrap:anywhere}
.status{display:inline-block;padding:0 8px;border-radius:999px;font-size:12px;font-weight:600;background:#eceff3;color:#3d4756}
.status.running{background:#e3f3e8;color:#1f6b39}
.access{display:flex;gap:14px;align-items:flex-start}
svg.qr{flex:none;width:150px;height:150px;background:#fff}
svg.qr path{fill:#000}
.url{margin:0;min-width:0;flex:1;display:flex;flex-direction:column;gap:2px}
.url a,.url span.text{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:13px;line-height:1.35;word-break:break-all;color:var(--accent)}
.url span.text{color:var(--fg)}
.missing{margin:0;padding:10px 12px;border-radius:6px;background:#fff4e5;border:1px solid #f3c27a;color:#6b3f00}
.empty{color:var(--muted)}
footer{margin-top:28px;color:var(--muted);font-size:12px}
@page{size:A4;margin:10mm}
@media print{
html{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{background:#fff;font-size:10pt}
main{max-width:none;padding:0}
header.page,footer{display:none}
.cards{grid-template-columns:repeat(2,1fr);gap:0}
.card{min-height:92mm;border:1px dashed #8c96a3;border-radius:0;padding:6mm 7mm;gap:3mm}
.card .fleet{font-size:7.5pt}
.labels dt{font-size:7pt}
.labels dd{font-size:10pt}
.labels div:first-child dd{font-size:15pt}
.nb .k,.url .k{font-size:7pt}
.nb code{font-size:9pt}
.status{font-size:8pt}
.access{gap:4mm}
svg.qr{width:36mm;height:36mm}
.url a,.url span.text{font-size:8.5pt;color:var(--fg)}
.missing{font-size:9pt}
}
`

var handoutCSP = fmt.Sprintf("default-src 'none'; style-src '%s'; base-uri 'none'; form-action 'none'", cspHash(handoutStyle))

const handoutSource = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{{.CSP}}">
<meta name="referrer" content="no-referrer">
<title>Notebooks{{if .Title}}: {{.Title}}{{end}}</title>
<style>@STYLE@</style>
</head>
<body>
<main>
<header class="page">
<h1>Notebooks{{if .Title}} of <span class="fleet">{{.Title}}</span>{{end}}</h1>
<p>{{.Total}} notebook(s){{if .NoURL}}, {{.NoURL}} without a QR code{{end}}{{if .At}}, as they were at <time datetime="{{.AtISO}}">{{.At}}</time>{{end}}. Printed on A4, {{.CardsPerPrint}} cards a page: cut along the dashed lines.</p>
</header>
{{- if .Cards}}
<div class="cards">
{{- range .Cards}}
<article class="card" id="{{.Anchor}}">
{{- if $.Title}}
<p class="fleet">{{$.Title}}</p>
{{- end}}
{{- if .Labels}}
<dl class="labels">
{{- range .Labels}}
<div><dt>{{.Name}}</dt><dd>{{.Value}}</dd></div>
{{- end}}
</dl>
{{- end}}
<p class="nb"><span class="k">Notebook</span> <code class="name">{{.Name}}</code>{{if .Status}} <span class="status{{if eq .Status "RUNNING"}} running{{end}}">{{.Status}}</span>{{end}}</p>
{{- if .Missing}}
<p class="missing">{{.Missing}}</p>
{{- end}}
{{- if .URL}}
<div class="access">
{{- with .QR}}
<svg class="qr" viewBox="0 0 {{.Size}} {{.Size}}" role="img" aria-label="QR code of the address" shape-rendering="crispEdges"><path d="{{.Path}}"></path></svg>
{{- end}}
<p class="url"><span class="k">Address</span>{{if .Href}}<a href="{{.Href}}" target="_blank" rel="noopener noreferrer">{{.URL}}</a>{{else}}<span class="text">{{.URL}}</span>{{end}}</p>
</div>
{{- end}}
</article>
{{- end}}
</div>
{{- else}}
<p class="empty">This fleet has no notebooks.</p>
{{- end}}
<footer>Written by nbfleet. This page loads nothing from the network. Notebook tokens are never written.</footer>
</main>
</body>
</html>
`

var handoutTemplate = template.Must(template.New(HandoutHTMLFile).Parse(
	strings.Replace(handoutSource, "@STYLE@", handoutStyle, 1)))
