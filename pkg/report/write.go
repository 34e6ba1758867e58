package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/nbfleet/nbfleet/internal/atomicfile"
)

// File names WriteDir writes.
const (
	JSONFile     = "report.json"
	CSVFile      = "report.csv"
	MarkdownFile = "report.md"
)

// WriteJSON writes r as an indented JSON document carrying format_version.
func WriteJSON(w io.Writer, r *Report) error {
	c := *r
	if c.FormatVersion == 0 {
		c.FormatVersion = FormatVersion
	}
	if c.Notebooks == nil {
		c.Notebooks = []Entry{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(&c)
}

// csvHeader is the header row WriteCSV writes.
var csvHeader = []string{"name", "id", "url", "status", "outcome", "error"}

// WriteCSV writes one row per notebook: name, id, url, status, outcome and
// error (the error code and message, else the fail_reason, else the note of
// a skipped notebook). Cells that a spreadsheet would run as a formula are
// prefixed with a quote.
func WriteCSV(w io.Writer, r *Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for _, e := range r.Notebooks {
		row := []string{e.Name, e.ID, e.URL, e.Status, string(e.Outcome), Problem(e)}
		for i, cell := range row {
			row[i] = csvSafe(cell)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// Problem is the one-line explanation of what went wrong with e, or "":
// the error (code and message), the fail_reason unless the message says it,
// and for a skipped notebook its note. Every report writer and the CLI's
// progress lines use it.
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

func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// WriteMarkdown writes a summary table, then the failures (with their
// reasons), then every other notebook. It fits a CI job summary or a pull
// request comment.
func WriteMarkdown(w io.Writer, r *Report) error {
	var b bytes.Buffer
	title := "nbfleet report"
	if r.Fleet != "" {
		title += ": " + r.Fleet
	}
	fmt.Fprintf(&b, "# %s\n\n", mdEscape(title))
	if r.RunID != "" {
		fmt.Fprintf(&b, "Run `%s`", strings.ReplaceAll(r.RunID, "`", "'"))
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

	failures := r.Failures()
	if len(failures) > 0 {
		fmt.Fprintf(&b, "## Failed (%d)\n\n", len(failures))
		b.WriteString("| name | action | status | error | id |\n|---|---|---|---|---|\n")
		for _, e := range failures {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", mdEscape(e.Name), e.Action, mdEscape(e.Status),
				mdEscape(Problem(e)), mdEscape(e.ID))
		}
		b.WriteString("\n")
	}
	others := len(r.Notebooks) - len(failures)
	if others > 0 {
		fmt.Fprintf(&b, "## Notebooks (%d)\n\n", others)
		b.WriteString("| name | action | outcome | status | url |\n|---|---|---|---|---|\n")
		for _, e := range r.Notebooks {
			if e.Outcome == Failed {
				continue
			}
			url := mdEscape(e.URL)
			if e.URL != "" {
				url = "<" + strings.NewReplacer("<", "%3C", ">", "%3E", "|", "%7C").Replace(e.URL) + ">"
			}
			outcome := string(e.Outcome)
			if e.Note != "" {
				outcome += " (" + mdEscape(e.Note) + ")"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", mdEscape(e.Name), e.Action, outcome, mdEscape(e.Status), url)
		}
		b.WriteString("\n")
	}
	_, err := w.Write(b.Bytes())
	return err
}

// mdEscape keeps a cell on one line and inside its table column.
func mdEscape(s string) string {
	s = oneLine(s)
	return strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;", "`", "'", "*", `\*`, "_", `\_`).Replace(s)
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
	for _, wr := range writers {
		var b bytes.Buffer
		if err := wr.write(&b, r); err != nil {
			return fmt.Errorf("write report %s: %w", wr.name, err)
		}
		if err := atomicfile.WriteFile(filepath.Join(dir, wr.name), b.Bytes(), 0o600); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
	}
	return nil
}
