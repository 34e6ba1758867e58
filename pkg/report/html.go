package report

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/nbfleet/nbfleet/internal/safetext"
)

// HTMLFile is the file name WriteDir gives the HTML report.
const HTMLFile = "report.html"

// WriteHTML writes r as one self-contained HTML page: a header with the run
// and its counts per outcome, the notebooks with failures first (then the
// rest in report order), and a timeline of the run as inline SVG, one bar
// per notebook that did something.
//
// The page loads nothing: its CSS and its small script are inline and
// pinned by hash in a Content-Security-Policy that forbids every other
// source, and the page works with scripting off (the script only adds a
// filter box). Every name, label, message and URL is shown in
// safetext.Terminal's visible form and escaped by html/template; only an
// absolute http(s) URL becomes a link (safetext.HTTPURL), any other is
// shown as text. URLs are shown in full, wrapping. Printed, the page fits
// A4 landscape: every column on the page, rows never split, the table
// header repeated on each page, failures still first. The output depends
// on r alone: the same report gives the same bytes.
func WriteHTML(w io.Writer, r *Report) error {
	return htmlTemplate.Execute(w, newHTMLView(r))
}

// The timeline's geometry, in SVG user units (the SVG scales to the page
// width; 1 unit is 1 CSS pixel at 1100 px).
const (
	chartWidth   = 1100
	chartLabelW  = 236 // the name column
	chartRightW  = 24
	chartHeadH   = 26 // the top axis, a separate SVG that stays in view
	chartTop     = 6  // space above the first row
	chartRowH    = 18
	chartBarH    = 12
	chartBottom  = 30 // the bottom axis
	chartLabelMx = 34 // runes of a name shown before it is cut
)

type htmlView struct {
	Title       string
	LabelHeads  []string
	Fleet       string
	RunID       string
	Started     string
	StartedISO  string
	Finished    string
	FinishedISO string
	Duration    string
	Interrupted bool
	Total       int
	Counts      []htmlCount
	Actions     string
	Failed      int
	Rows        []htmlRow
	Chart       htmlChart
	CSP         string
}

type htmlCount struct {
	Outcome string
	N       int
}

type htmlRow struct {
	Anchor      string
	Name        string
	Labels      []string
	ID          string
	URL         string // shown
	Href        string // the link, "" unless URL is an absolute http(s) URL
	Status      string
	Outcome     string
	Action      string
	Attempts    int
	Elapsed     string
	Code        string
	Message     string
	Meta        string // "HTTP 400 · request req-7"
	FailReason  string
	FailReasons []string
	Note        string
}

type htmlChart struct {
	Width, Height       int
	HeadH               int
	RowH, BarH          int
	PlotX, PlotW, AxisY int // AxisY: the bottom axis line
	BottomLabelY        int
	Ticks               []htmlTick
	Bars                []htmlBar
	Undrawn             int // notebooks without start and finish times
	Span                string
	EndX                string // the run's finish
}

type htmlTick struct {
	X     string
	Label string
}

type htmlBar struct {
	Href    string
	Y       string // top of the row
	BarY    string
	TextY   string
	X, W    string
	Label   string
	Title   string
	Outcome string
	Open    bool // still running when the run ended: no finished_at
}

func newHTMLView(r *Report) htmlView {
	s := r.summary()
	v := htmlView{
		Title:       "nbfleet report",
		Fleet:       safetext.Terminal(r.Fleet),
		RunID:       safetext.Terminal(r.RunID),
		Started:     htmlTime(r.StartedAt),
		StartedISO:  r.StartedAt.UTC().Format(time.RFC3339),
		Finished:    htmlTime(r.FinishedAt),
		FinishedISO: r.FinishedAt.UTC().Format(time.RFC3339),
		Interrupted: r.Interrupted,
		Total:       s.Total,
		CSP:         htmlCSP,
	}
	if v.Fleet != "" {
		v.Title += ": " + v.Fleet
	}
	if d := r.FinishedAt.Sub(r.StartedAt); d >= 0 {
		v.Duration = htmlDuration(d)
	}
	for _, o := range outcomes {
		v.Counts = append(v.Counts, htmlCount{Outcome: string(o), N: s.Outcomes[o]})
	}
	actions := make([]string, 0, len(s.Actions))
	for a := range s.Actions {
		actions = append(actions, a)
	}
	sort.Strings(actions)
	for i, a := range actions {
		actions[i] = fmt.Sprintf("%s %d", a, s.Actions[a])
	}
	v.Actions = safetext.Terminal(strings.Join(actions, " · "))

	labels := LabelNames(entryLabels(r.Notebooks))
	for _, c := range LabelColumns(labels) {
		v.LabelHeads = append(v.LabelHeads, safetext.Terminal(c))
	}
	for pass := range 2 { // failures first, then the rest in report order
		for i, e := range r.Notebooks {
			if (e.Outcome == Failed) != (pass == 0) {
				continue
			}
			v.Rows = append(v.Rows, newHTMLRow(i, e, labels))
		}
		if pass == 0 {
			v.Failed = len(v.Rows)
		}
	}
	v.Chart = newHTMLChart(r)
	return v
}

func newHTMLRow(i int, raw Entry, labels []string) htmlRow {
	e := visible(raw)
	row := htmlRow{
		Anchor:   anchor(i),
		Name:     e.Name,
		Labels:   labelCells(e.Labels, labels),
		ID:       e.ID,
		URL:      e.URL,
		Status:   e.Status,
		Outcome:  string(e.Outcome),
		Action:   e.Action,
		Attempts: e.Attempts,
		Note:     e.Note,
	}
	if e.Attempts > 0 || e.ElapsedMS > 0 {
		row.Elapsed = htmlDuration(time.Duration(e.ElapsedMS) * time.Millisecond)
	}
	if e.Error != nil {
		row.Code, row.Message = e.Error.Code, e.Error.Message
		var meta []string
		if e.Error.HTTPStatus != 0 {
			meta = append(meta, fmt.Sprintf("HTTP %d", e.Error.HTTPStatus))
		}
		if e.Error.RequestID != "" {
			meta = append(meta, "request "+e.Error.RequestID)
		}
		row.Meta = strings.Join(meta, " · ")
	}
	if safetext.HTTPURL(raw.URL) {
		row.Href = raw.URL
	}
	row.FailReason = extraFailReason(e)
	// One reason is already said; the list is for a notebook that failed
	// more than once, or whose reasons differ from the last one.
	if len(e.FailReasons) > 1 || (len(e.FailReasons) == 1 && e.FailReasons[0] != e.FailReason) {
		row.FailReasons = e.FailReasons
	}
	return row
}

func anchor(i int) string { return fmt.Sprintf("nb-%d", i+1) }

// visible returns e with every text field in safetext.Terminal's visible
// form: what the HTML page shows.
func visible(e Entry) Entry {
	t := safetext.Terminal
	e.Name, e.ID, e.Action, e.Status, e.URL = t(e.Name), t(e.ID), t(e.Action), t(e.Status), t(e.URL)
	e.Outcome, e.FailReason, e.Note = Outcome(t(string(e.Outcome))), t(e.FailReason), t(e.Note)
	if e.Labels != nil {
		labels := make(map[string]string, len(e.Labels))
		for k, v := range e.Labels {
			labels[k] = t(v)
		}
		e.Labels = labels
	}
	if e.FailReasons != nil {
		reasons := make([]string, len(e.FailReasons))
		for i, r := range e.FailReasons {
			reasons[i] = t(r)
		}
		e.FailReasons = reasons
	}
	if e.Error != nil {
		err := *e.Error
		err.Code, err.Message, err.RequestID = t(err.Code), t(err.Message), t(err.RequestID)
		e.Error = &err
	}
	return e
}

func newHTMLChart(r *Report) htmlChart {
	c := htmlChart{Width: chartWidth, HeadH: chartHeadH, RowH: chartRowH, BarH: chartBarH,
		PlotX: chartLabelW, PlotW: chartWidth - chartLabelW - chartRightW}
	type drawn struct {
		i          int
		e          Entry
		start, end time.Time
		open       bool
	}
	var ds []drawn
	for i, e := range r.Notebooks {
		if e.StartedAt == nil {
			c.Undrawn++
			continue
		}
		e = visible(e)
		d := drawn{i: i, e: e, start: *e.StartedAt, end: r.FinishedAt}
		if e.FinishedAt != nil {
			d.end = *e.FinishedAt
		} else {
			d.open = true
		}
		if d.end.Before(d.start) {
			d.end = d.start
		}
		ds = append(ds, d)
	}
	// A waterfall: by start, then report order.
	slices.SortStableFunc(ds, func(a, b drawn) int { return a.start.Compare(b.start) })

	origin := r.StartedAt
	end := r.FinishedAt
	for _, d := range ds {
		if origin.IsZero() || d.start.Before(origin) {
			origin = d.start
		}
		if d.end.After(end) {
			end = d.end
		}
	}
	span := end.Sub(origin).Seconds()
	if span <= 0 {
		span = 1
	}
	step := tickStep(span)
	// The axis ends on a whole tick so the last label sits at the edge.
	axisEnd := step * float64(int((span+step-1e-9)/step))
	if axisEnd < span {
		axisEnd += step
	}
	c.Span = htmlDuration(time.Duration(span * float64(time.Second)))
	scale := float64(c.PlotW) / axisEnd
	runEnd := r.FinishedAt.Sub(origin).Seconds()
	if runEnd < 0 {
		runEnd = 0
	}
	c.EndX = num(float64(c.PlotX) + runEnd*scale)
	for t := 0.0; t <= axisEnd+1e-9; t += step {
		c.Ticks = append(c.Ticks, htmlTick{X: num(float64(c.PlotX) + t*scale), Label: secLabel(t)})
	}

	c.AxisY = chartTop + len(ds)*chartRowH + 4
	c.BottomLabelY = c.AxisY + 16
	c.Height = c.AxisY + chartBottom
	for k, d := range ds {
		x0 := d.start.Sub(origin).Seconds()
		x1 := d.end.Sub(origin).Seconds()
		w := (x1 - x0) * scale
		if w < 2 {
			w = 2 // an instant failure stays visible
		}
		top := chartTop + k*chartRowH
		c.Bars = append(c.Bars, htmlBar{
			Href:    "#" + anchor(d.i),
			Y:       num(float64(top)),
			BarY:    num(float64(top + (chartRowH-chartBarH)/2)),
			TextY:   num(float64(top) + chartRowH/2 + 4),
			X:       num(float64(c.PlotX) + x0*scale),
			W:       num(w),
			Label:   cut(d.e.Name, chartLabelMx),
			Title:   barTitle(d.e, x0, x1, d.open),
			Outcome: string(d.e.Outcome),
			Open:    d.open,
		})
	}
	return c
}

func barTitle(e Entry, x0, x1 float64, open bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s %s", e.Name, e.Action, e.Outcome)
	if e.Status != "" {
		fmt.Fprintf(&b, " (%s)", e.Status)
	}
	fmt.Fprintf(&b, "\n+%s → ", secLabel1(x0))
	if open {
		fmt.Fprintf(&b, "still in flight at +%s", secLabel1(x1))
	} else {
		fmt.Fprintf(&b, "+%s", secLabel1(x1))
	}
	fmt.Fprintf(&b, ", %s", htmlDuration(time.Duration((x1-x0)*float64(time.Second))))
	if e.Attempts > 1 {
		fmt.Fprintf(&b, ", %d attempts", e.Attempts)
	}
	if p := Problem(e); p != "" && e.Outcome == Failed {
		b.WriteString("\n" + p)
	}
	return b.String()
}

// tickStep picks a round step giving at most about 10 ticks over span
// seconds.
func tickStep(span float64) float64 {
	for _, s := range []float64{1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200} {
		if span/s <= 10 {
			return s
		}
	}
	return 86400 * math.Ceil(span/86400/10)
}

func secLabel(s float64) string { return fmt.Sprintf("%g s", s) }

func secLabel1(s float64) string { return fmt.Sprintf("%.1f s", s) }

func num(f float64) string {
	s := fmt.Sprintf("%.1f", f)
	return strings.TrimSuffix(s, ".0")
}

// cut shortens s to at most n runes, marking the cut with an ellipsis.
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// htmlTime formats t for people, in UTC, or "—" when unset.
func htmlTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// htmlDuration formats d at a precision that suits its size: 120 ms,
// 31.0 s, 2m 05s, 1h 02m.
func htmlDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d < time.Hour:
		d = d.Round(time.Second)
		return fmt.Sprintf("%dm %02ds", int(d.Minutes()), int(d.Seconds())%60)
	default:
		d = d.Round(time.Minute)
		return fmt.Sprintf("%dh %02dm", int(d.Hours()), int(d.Minutes())%60)
	}
}

// htmlStyle and htmlScript are pasted into the template verbatim and pinned
// by their hashes in the page's Content-Security-Policy. They must hold no
// comments: html/template strips CSS and JS comments, and the hash would
// no longer match.
const htmlStyle = `
:root{--fg:#1d2430;--muted:#5d6878;--line:#e3e7ee;--bg:#f6f7f9;--card:#fff;
--ok:#2f8f4e;--fail:#c8372d;--skip:#b7791f;--same:#7a8699;--accent:#2b5fb4}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1180px;margin:0 auto;padding:28px 24px 48px}
header h1{margin:0 0 4px;font-size:22px;font-weight:650;letter-spacing:-.01em}
header h1 .fleet{color:var(--accent)}
.meta{margin:0;color:var(--muted);display:flex;flex-wrap:wrap;gap:4px 18px}
.meta b{color:var(--fg);font-weight:550}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:12.5px}
.banner{margin:18px 0 0;padding:12px 16px;border-radius:8px;background:#fff4e5;border:1px solid #f3c27a;color:#6b3f00}
.banner strong{color:#8a4b00}
.cards{display:grid;grid-template-columns:repeat(5,minmax(0,1fr));gap:12px;margin:20px 0 6px}
.card{background:var(--card);border:1px solid var(--line);border-top:4px solid var(--same);border-radius:8px;padding:10px 14px}
.card .n{display:block;font-size:26px;font-weight:650;line-height:1.2}
.card .k{color:var(--muted);text-transform:capitalize}
.card.total{border-top-color:var(--fg)}
.card.succeeded{border-top-color:var(--ok)}
.card.failed{border-top-color:var(--fail)}
.card.failed.some .n{color:var(--fail)}
.card.skipped{border-top-color:var(--skip)}
.card.unchanged{border-top-color:var(--same)}
.actions{color:var(--muted);margin:6px 0 0}
section{margin-top:30px}
h2{font-size:16px;margin:0 0 10px;font-weight:650}
h2 .sub{color:var(--muted);font-weight:400;font-size:13px;margin-left:6px}
.panel{background:var(--card);border:1px solid var(--line);border-radius:8px;overflow:auto}
.chart{max-height:720px}
.chart svg{display:block;width:100%;height:auto}
.chart svg.head{position:sticky;top:0;background:var(--card);border-bottom:1px solid var(--line)}
svg text{font-size:11px;fill:var(--fg)}
svg .tick text{fill:var(--muted);text-anchor:middle}
svg .tick line{stroke:var(--line)}
svg .axis{stroke:#aab3c0}
svg .end{stroke:var(--fg);stroke-dasharray:3 3;stroke-opacity:.6}
svg .row:hover .band{fill:#eef3fb}
svg .band{fill:transparent}
svg .bar{rx:2px}
svg .succeeded{fill:var(--ok)}
svg .failed{fill:var(--fail)}
svg .skipped{fill:var(--skip)}
svg .unchanged{fill:var(--same)}
svg .open{fill-opacity:.55}
svg a:focus .band{fill:#e2ebf8}
.legend{display:flex;gap:16px;color:var(--muted);margin:8px 2px 0;flex-wrap:wrap}
.legend .k::before{content:"";display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px;vertical-align:-1px;background:var(--same)}
.legend .succeeded::before{background:var(--ok)}
.legend .failed::before{background:var(--fail)}
.legend .skipped::before{background:var(--skip)}
.toolbar{display:flex;justify-content:space-between;align-items:end;gap:12px}
#filter{font:inherit;padding:6px 10px;border:1px solid var(--line);border-radius:6px;width:260px;margin-bottom:10px}
#filter[hidden]{display:none}
table{border-collapse:collapse;width:100%}
th,td{padding:8px 10px;text-align:left;vertical-align:top;border-bottom:1px solid var(--line)}
th{position:sticky;top:0;background:#fafbfc;font-weight:600;font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);white-space:nowrap}
tbody tr:last-child td{border-bottom:0}
tbody tr:target{background:#fffbe6}
tr.failed td:first-child{box-shadow:inset 3px 0 0 var(--fail)}
td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
th.num{text-align:right}
td.name{font-weight:550;min-width:9rem;overflow-wrap:anywhere}
td.name .id{display:block;font-weight:400;color:var(--muted)}
td.label{min-width:7rem;overflow-wrap:anywhere}
td.url{min-width:10rem;max-width:20rem}
td.status,td.outcome{white-space:nowrap}
.sub2{display:block;margin-top:2px;color:var(--muted);font-size:12px;white-space:nowrap}
td.url a,td.url .text{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:12px;word-break:break-all;color:var(--accent)}
td.url .text{color:var(--fg)}
td.problem{min-width:14rem;max-width:28rem;overflow-wrap:anywhere}
td.problem .meta2{display:block;color:var(--muted);font-size:12px}
td.problem ol{margin:4px 0 0;padding-left:20px;color:var(--muted)}
td.problem .note{color:var(--muted)}
.pill{display:inline-block;padding:1px 8px;border-radius:999px;font-size:12px;font-weight:600;white-space:nowrap;background:#eceff3;color:#3d4756}
.pill.succeeded{background:#e3f3e8;color:#1f6b39}
.pill.failed{background:#fbe4e2;color:#9d2219}
.pill.skipped{background:#fbefd9;color:#7d5000}
.dim{color:var(--muted)}
.empty{padding:16px;color:var(--muted)}
footer{margin-top:28px;color:var(--muted);font-size:12px}
@media screen and (max-width:760px){.cards{grid-template-columns:repeat(2,minmax(0,1fr))}}
@page{size:A4 landscape;margin:10mm}
@media print{
html{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{background:#fff;font-size:9px;line-height:1.3}
main{max-width:none;padding:0}
header h1{font-size:15px}
.cards{gap:6px;margin:8px 0 4px}
.card{padding:3px 8px}
.card .n{font-size:15px}
section{margin-top:12px}
.chart,.legend{break-inside:avoid}
.panel{overflow:visible;border-radius:0}
.chart{max-height:none}
#filter{display:none}
table{font-size:8.5px}
th{position:static;font-size:7.5px;letter-spacing:.02em}
th,td{padding:3px 4px}
thead{display:table-header-group}
tr{break-inside:avoid}
td.name{min-width:9em}
td.label{min-width:6em}
td.url,td.problem{min-width:0;max-width:none}
code,.mono,td.url a,td.url .text{font-size:8px}
td.problem .meta2,td.problem ol,.sub2{font-size:8px}
td.problem ol{padding-left:14px}
.pill{padding:0 5px;font-size:8px}
a{color:var(--fg)}
}
`

const htmlScript = `
(function () {
  var q = document.getElementById("filter");
  if (!q) return;
  var rows = document.querySelectorAll("#notebooks tbody tr");
  q.hidden = false;
  q.addEventListener("input", function () {
    var s = q.value.trim().toLowerCase();
    for (var i = 0; i < rows.length; i++) {
      rows[i].hidden = s !== "" && rows[i].textContent.toLowerCase().indexOf(s) < 0;
    }
  });
})();
`

var htmlCSP = fmt.Sprintf("default-src 'none'; style-src '%s'; script-src '%s'; base-uri 'none'; form-action 'none'",
	cspHash(htmlStyle), cspHash(htmlScript))

func cspHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

const htmlSource = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{{.CSP}}">
<meta name="referrer" content="no-referrer">
<title>{{.Title}}</title>
<style>@STYLE@</style>
</head>
<body>
<main>
<header>
<h1>nbfleet report{{if .Fleet}}: <span class="fleet">{{.Fleet}}</span>{{end}}</h1>
<p class="meta">
{{- if .RunID}}<span>run <b class="mono">{{.RunID}}</b></span>{{end}}
<span>started <b><time datetime="{{.StartedISO}}">{{.Started}}</time></b></span>
<span>finished <b><time datetime="{{.FinishedISO}}">{{.Finished}}</time></b></span>
{{- if .Duration}}
<span>took <b>{{.Duration}}</b></span>
{{- end}}
</p>
{{- if .Interrupted}}
<p class="banner" role="alert"><strong>Interrupted.</strong> The run was stopped before every change was carried out; run <code>nbfleet apply</code> again to finish.</p>
{{- end}}
<div class="cards">
<div class="card total"><span class="n">{{.Total}}</span><span class="k">notebooks</span></div>
{{- range .Counts}}
<div class="card {{.Outcome}}{{if .N}} some{{end}}"><span class="n">{{.N}}</span><span class="k">{{.Outcome}}</span></div>
{{- end}}
</div>
{{- if .Actions}}
<p class="actions">Actions: {{.Actions}}</p>
{{- end}}
</header>

<section aria-labelledby="h-notebooks">
<div class="toolbar">
<h2 id="h-notebooks">Notebooks{{if .Failed}}<span class="sub">{{.Failed}} failed, listed first</span>{{end}}</h2>
<input id="filter" type="search" placeholder="Filter by name, status, error…" aria-label="Filter notebooks" hidden>
</div>
<div class="panel">
{{- if .Rows}}
<table id="notebooks">
<thead><tr><th>Name</th>{{range .LabelHeads}}<th class="label">{{.}}</th>{{end}}<th>URL</th><th>Status</th><th>Outcome</th><th class="num">Elapsed</th><th>Error / reason</th></tr></thead>
<tbody>
{{- range .Rows}}
<tr id="{{.Anchor}}" class="{{.Outcome}}">
<td class="name">{{.Name}}{{if .ID}}<span class="id mono">{{.ID}}</span>{{end}}</td>
{{- range .Labels}}
<td class="label">{{.}}</td>
{{- end}}
<td class="url">{{if .Href}}<a href="{{.Href}}" target="_blank" rel="noopener noreferrer">{{.URL}}</a>{{else if .URL}}<span class="text">{{.URL}}</span>{{else}}<span class="dim">—</span>{{end}}</td>
<td class="status">{{if .Status}}<code>{{.Status}}</code>{{else}}<span class="dim">—</span>{{end}}</td>
<td class="outcome"><span class="pill {{.Outcome}}">{{.Outcome}}</span><span class="sub2">{{.Action}}</span></td>
<td class="num">{{if .Elapsed}}{{.Elapsed}}{{else}}<span class="dim">—</span>{{end}}{{if gt .Attempts 1}}<span class="sub2">{{.Attempts}} attempts</span>{{end}}</td>
<td class="problem">
{{- if .Code}}<code>{{.Code}}</code> {{end}}{{.Message}}
{{- if .Meta}}<span class="meta2">{{.Meta}}</span>{{end}}
{{- if .FailReason}}<span class="meta2">fail_reason: {{.FailReason}}</span>{{end}}
{{- if .FailReasons}}<ol title="fail_reason of each attempt">{{range .FailReasons}}<li>{{.}}</li>{{end}}</ol>{{end}}
{{- if .Note}}<span class="note">{{.Note}}</span>{{end -}}
</td>
</tr>
{{- end}}
</tbody>
</table>
{{- else}}
<p class="empty">This run had no notebooks.</p>
{{- end}}
</div>
</section>

<section class="timeline" aria-labelledby="h-timeline">
<h2 id="h-timeline">Timeline<span class="sub">seconds from the start of the run{{if .Chart.Undrawn}}; {{.Chart.Undrawn}} notebook(s) that did nothing are not drawn{{end}}</span></h2>
{{- with .Chart}}
{{- if .Bars}}
<div class="panel chart">
<svg class="head" viewBox="0 0 {{.Width}} {{.HeadH}}" aria-hidden="true">
{{- range .Ticks}}
<g class="tick"><line x1="{{.X}}" x2="{{.X}}" y1="20" y2="{{$.Chart.HeadH}}"></line><text x="{{.X}}" y="15">{{.Label}}</text></g>
{{- end}}
</svg>
<svg viewBox="0 0 {{.Width}} {{.Height}}" role="img" aria-labelledby="h-timeline">
<g class="ticks">
{{- range .Ticks}}
<g class="tick"><line x1="{{.X}}" x2="{{.X}}" y1="0" y2="{{$.Chart.AxisY}}"></line><text x="{{.X}}" y="{{$.Chart.BottomLabelY}}">{{.Label}}</text></g>
{{- end}}
</g>
<line class="axis" x1="{{.PlotX}}" x2="{{.PlotX}}" y1="0" y2="{{.AxisY}}"></line>
<line class="end" x1="{{.EndX}}" x2="{{.EndX}}" y1="0" y2="{{.AxisY}}"></line>
{{- range .Bars}}
<a class="row" href="{{.Href}}"><title>{{.Title}}</title><rect class="band" x="0" y="{{.Y}}" width="{{$.Chart.Width}}" height="{{$.Chart.RowH}}"></rect><text x="8" y="{{.TextY}}">{{.Label}}</text><rect class="bar {{.Outcome}}{{if .Open}} open{{end}}" x="{{.X}}" y="{{.BarY}}" width="{{.W}}" height="{{$.Chart.BarH}}"></rect></a>
{{- end}}
</svg>
</div>
<div class="legend"><span class="k succeeded">succeeded</span><span class="k failed">failed</span><span class="k skipped">skipped</span><span class="k unchanged">unchanged</span><span>faded bar: still in flight when the run ended · dashed line: end of the run, {{.Span}} after its start</span></div>
{{- else}}
<div class="panel"><p class="empty">No notebook was worked on in this run.</p></div>
{{- end}}
{{- end}}
</section>

<footer>Written by nbfleet. Times are UTC. This page loads nothing from the network.</footer>
</main>
<script>@SCRIPT@</script>
</body>
</html>
`

var htmlTemplate = template.Must(template.New(HTMLFile).Parse(
	strings.NewReplacer("@STYLE@", htmlStyle, "@SCRIPT@", htmlScript).Replace(htmlSource)))
