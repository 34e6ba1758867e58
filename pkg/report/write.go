package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/nbfleet/nbfleet/internal/atomicfile"
	"github.com/nbfleet/nbfleet/internal/safetext"
)

// File names WriteDir writes.
const (
	JSONFile     = "report.json"
	CSVFile      = "report.csv"
	MarkdownFile = "report.md"
)

// WriteJSON writes r as an indented JSON document carrying format_version.
// Characters a terminal could act on are written as \u escapes
// (safetext.JSON), so the document is inert when printed.
func WriteJSON(w io.Writer, r *Report) error {
	c := *r
	if c.FormatVersion == 0 {
		c.FormatVersion = FormatVersion
	}
	if c.Notebooks == nil {
		c.Notebooks = []Entry{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&c); err != nil {
		return err
	}
	_, err := w.Write(safetext.JSON(b.Bytes()))
	return err
}

// CSVHeader returns the header row WriteCSV writes for r: name, one column
// per label (sorted by name, headed as LabelColumns says), then id, url,
// status, flavor, outcome and error.
func CSVHeader(r *Report) []string {
	h := []string{"name"}
	h = append(h, LabelColumns(LabelNames(entryLabels(r.Notebooks)))...)
	return append(h, "id", "url", "status", "flavor", "outcome", "error")
}

// WriteCSV writes one row per notebook under CSVHeader(r): the name, its
// labels, id, url, status, flavor, outcome and error (the error code and message,
// else the fail_reason, else the note of a skipped notebook). Every cell
// goes through safetext.CSVCell: control characters are shown as escapes
// and a cell a spreadsheet would run as a formula starts with a quote.
func WriteCSV(w io.Writer, r *Report) error {
	cw := csv.NewWriter(w)
	names := LabelNames(entryLabels(r.Notebooks))
	if err := writeCSVRow(cw, CSVHeader(r)); err != nil {
		return err
	}
	for _, e := range r.Notebooks {
		row := append([]string{e.Name}, labelCells(e.Labels, names)...)
		row = append(row, e.ID, e.URL, e.Status, e.Flavor, string(e.Outcome), Problem(e))
		if err := writeCSVRow(cw, row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func writeCSVRow(cw *csv.Writer, row []string) error {
	cells := make([]string, len(row))
	for i, c := range row {
		cells[i] = safetext.CSVCell(c)
	}
	return cw.Write(cells)
}

// Problem is the one-line explanation of what went wrong with e, or "":
// the error (code and message), the fail_reason unless the message says it,
// and for a skipped notebook its note. Every report writer and the CLI's
// progress lines use it. It is raw text from the cloud: a writer passes it
// through the safetext function of its format.
func Problem(e Entry) string {
	var parts []string
	if e.Error != nil {
		s := e.Error.Message
		if e.Error.Code != "" {
			s = e.Error.Code + ": " + s
		}
		parts = append(parts, s)
	}
	if r := extraFailReason(e); r != "" {
		parts = append(parts, "fail_reason: "+r)
	}
	if len(parts) == 0 && e.Outcome == Skipped {
		parts = append(parts, e.Note)
	}
	return oneLine(strings.Join(parts, "; "))
}

// extraFailReason is e's fail_reason unless its error message already
// says it.
func extraFailReason(e Entry) string {
	if e.Error != nil && strings.Contains(e.Error.Message, e.FailReason) {
		return ""
	}
	return e.FailReason
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// WriteMarkdown writes a summary table, then the failures (with their
// reasons), then every other notebook. It fits a CI job summary or a pull
// request comment. Every value from the cloud or the roster is one code
// span (safetext.MarkdownCell): it cannot add a row, a link, an image, a
// mention or formatting.
func WriteMarkdown(w io.Writer, r *Report) error {
	var b bytes.Buffer
	b.WriteString("# nbfleet report")
	if r.Fleet != "" {
		b.WriteString(": " + safetext.MarkdownInline(r.Fleet))
	}
	b.WriteString("\n\n")
	if r.RunID != "" {
		b.WriteString("Run " + safetext.MarkdownInline(r.RunID))
	} else {
		b.WriteString("Run")
	}
	fmt.Fprintf(&b, " started %s, finished %s",
		r.StartedAt.UTC().Format("2006-01-02 15:04:05Z"), r.FinishedAt.UTC().Format("2006-01-02 15:04:05Z"))
	if d := r.FinishedAt.Sub(r.StartedAt); d >= 0 {
		fmt.Fprintf(&b, " (%s)", d.Round(1e6))
	}
	b.WriteString(".\n\n")
	if r.Interrupted {
		b.WriteString("> **Interrupted.** Some changes were not carried out; run `nbfleet apply` again to finish.\n\n")
	}
	s := r.summary()
	b.WriteString("| outcome | notebooks |\n|---|---:|\n")
	for _, o := range outcomes {
		fmt.Fprintf(&b, "| %s | %d |\n", o, s.Outcomes[o])
	}
	fmt.Fprintf(&b, "| **total** | **%d** |\n\n", s.Total)

	names := LabelNames(entryLabels(r.Notebooks))
	var labelHead []string
	for _, c := range LabelColumns(names) {
		labelHead = append(labelHead, safetext.MarkdownCell(c))
	}
	row := func(cells ...string) {
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	head := func(cols ...string) {
		cols = slices.Insert(cols, 1, labelHead...)
		row(cols...)
		b.WriteString(strings.Repeat("|---", len(cols)) + "|\n")
	}
	labels := func(e Entry) []string {
		cells := labelCells(e.Labels, names)
		for i, c := range cells {
			cells[i] = safetext.MarkdownCell(c)
		}
		return cells
	}

	failures := r.Failures()
	if len(failures) > 0 {
		fmt.Fprintf(&b, "## Failed (%d)\n\n", len(failures))
		head("name", "action", "status", "error", "id")
		for _, e := range failures {
			cells := append([]string{safetext.MarkdownCell(e.Name)}, labels(e)...)
			row(append(cells, safetext.MarkdownCell(e.Action), safetext.MarkdownCell(e.Status),
				safetext.MarkdownCell(Problem(e)), safetext.MarkdownCell(e.ID))...)
		}
		b.WriteString("\n")
	}
	others := len(r.Notebooks) - len(failures)
	if others > 0 {
		fmt.Fprintf(&b, "## Notebooks (%d)\n\n", others)
		head("name", "action", "outcome", "status", "url")
		for _, e := range r.Notebooks {
			if e.Outcome == Failed {
				continue
			}
			outcome := mdOutcome(e.Outcome)
			if e.Note != "" {
				outcome += ": " + safetext.MarkdownCell(e.Note)
			}
			cells := append([]string{safetext.MarkdownCell(e.Name)}, labels(e)...)
			row(append(cells, safetext.MarkdownCell(e.Action), outcome, safetext.MarkdownCell(e.Status),
				safetext.MarkdownCell(e.URL))...)
		}
		b.WriteString("\n")
	}
	_, err := w.Write(b.Bytes())
	return err
}

// mdOutcome is o in a Markdown table: plain when it is one of outcomes,
// else (a report made by hand) a code span like any other value.
func mdOutcome(o Outcome) string {
	if slices.Contains(outcomes, o) {
		return string(o)
	}
	return safetext.MarkdownCell(string(o))
}

// WriteDir writes report.json, report.csv, report.md and report.html into dir (created
// with mode 0700 when missing). Each file appears whole or not at all and
// has mode 0600: reports name notebooks and URLs.
func WriteDir(dir string, r *Report) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	writers := []struct {
		name  string
		write func(io.Writer, *Report) error
	}{
		{JSONFile, WriteJSON},
		{CSVFile, WriteCSV},
		{MarkdownFile, WriteMarkdown},
		{HTMLFile, WriteHTML},
	}
	// The writers only read r: they run at once (at 10 000 notebooks the
	// HTML alone takes about half a second, the JSON a quarter).
	errs := make([]error, len(writers))
	var wg sync.WaitGroup
	for i, wr := range writers {
		wg.Go(func() {
			var b bytes.Buffer
			if err := wr.write(&b, r); err != nil {
				errs[i] = fmt.Errorf("write report %s: %w", wr.name, err)
				return
			}
			if err := atomicfile.WriteFile(filepath.Join(dir, wr.name), b.Bytes(), 0o600); err != nil {
				errs[i] = fmt.Errorf("write report: %w", err)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err // the first in the files' order
		}
	}
	return nil
}
