package spec

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// Rosters are read as spreadsheets export them: a UTF-8 byte order mark
// and CRLF line ends are accepted, the delimiter (comma, semicolon or tab)
// is detected from the header row unless for_each gives it, spaces around
// values and header names are trimmed, header names are normalised to NFC
// (so "é" typed in the fleet file matches "é" exported decomposed), and a
// row whose cells are all empty is skipped and counted in a warning.

// rosterDelimiters are the delimiters detection chooses from, in order of
// preference on a tie.
var rosterDelimiters = []rune{',', ';', '\t'}

// detectDelimiter picks the delimiter that occurs most often outside
// quotes in the first line; a single-column roster gets a comma.
func detectDelimiter(data []byte) rune {
	counts := map[rune]int{}
	quoted := false
	for _, c := range data {
		if c == '"' {
			quoted = !quoted
			continue
		}
		if quoted {
			continue
		}
		if c == '\n' {
			break
		}
		counts[rune(c)]++
	}
	best := rosterDelimiters[0]
	for _, d := range rosterDelimiters[1:] {
		if counts[d] > counts[best] {
			best = d
		}
	}
	return best
}

// delimiterName names a delimiter for messages.
func delimiterName(d rune) string {
	switch d {
	case ',':
		return "comma"
	case ';':
		return "semicolon"
	case '\t':
		return "tab"
	}
	return strconv.QuoteRune(d)
}

// roster reads a CSV roster into instances, one per data row.
func (x *expander) roster(name string, at *node, data []byte, delim rune) []instance {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if i := invalidUTF8(data); i >= 0 {
		line, _ := position(data, i)
		x.errs.addf(name, line, 0, "invalid UTF-8 (byte 0x%02x): save the roster as UTF-8 (in a spreadsheet: CSV UTF-8)", data[i])
		return nil
	}
	if delim == 0 {
		delim = detectDelimiter(data)
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = delim
	r.FieldsPerRecord = -1
	// With a white-space delimiter, trimming leading space would merge
	// empty cells; values are trimmed below anyway.
	r.TrimLeadingSpace = delim != '\t'
	header, err := r.Read()
	if err != nil {
		x.csvError(name, err, "roster is empty: it needs a header row naming the columns (e.g. student_id,name,email)")
		return nil
	}
	keys := make([]string, 0, len(header)+2)
	ok := true
	seen := map[string]bool{}
	for i, h := range header {
		h = norm.NFC.String(strings.TrimSpace(h))
		header[i] = h
		if c, pos, bad := controlChar(h); bad {
			x.errs.addf(name, 1, 0, "header column %d %s", i+1, controlMessage(c, pos))
			ok = false
			continue
		}
		switch {
		case h == "":
			x.errs.addf(name, 1, 0, "header column %d has no name", i+1)
			ok = false
		case h == "index" || h == "fleet":
			x.errs.addf(name, 1, 0, "header column %q is reserved (nbfleet sets .%s); rename it", h, h)
			ok = false
		case seen[h]:
			x.errs.addf(name, 1, 0, "header names column %q twice", h)
			ok = false
		}
		seen[h] = true
		keys = append(keys, h)
	}
	if !ok {
		return nil
	}
	if len(header) == 1 && delim == ',' && strings.ContainsAny(header[0], ";\t") {
		// Not reached by detection; a given delimiter that is wrong.
		x.errs.addf(name, 1, 0, "the header is one column %q: is the delimiter wrong? (for_each: {csv: …, delimiter: \";\"})", header[0])
		return nil
	}
	keys = append(keys, "index", "fleet")
	sig := strings.Join(keys, "\x00")
	var out []instance
	var blankRows []int
	for {
		rec, err := r.Read()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				x.csvError(name, err, "")
			}
			break
		}
		line, _ := r.FieldPos(0)
		if allBlank(rec) {
			blankRows = append(blankRows, line)
			continue
		}
		if len(rec) != len(header) {
			x.errs.addf(name, line, 0, "row has %d fields, the header has %d (%s; read as %s-separated)", len(rec), len(header), strings.Join(header, ", "), delimiterName(delim))
			continue
		}
		d := make(map[string]any, len(rec)+2)
		for i, v := range rec {
			d[header[i]] = strings.TrimSpace(v)
		}
		d["index"] = len(out) + 1
		d["fleet"] = x.fleetNm
		out = append(out, instance{
			data: d, keys: keys, sig: sig, csvFile: name, csvRow: line,
			label: fmt.Sprintf(" (%s:%d)", name, line),
		})
	}
	if len(blankRows) > 0 {
		x.warnings = append(x.warnings, Warning{File: name, Line: blankRows[0],
			Msg: fmt.Sprintf("skipped %s whose cells are all empty (%s)", plural(len(blankRows), "row"), lineList(blankRows))})
	}
	if len(out) == 0 && len(x.errs.list) == 0 {
		x.errs.at(x.file, at, "roster %s has a header but no rows", name)
	}
	return x.budget(at, out)
}

// allBlank reports whether every cell of a row is empty or white space.
func allBlank(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// lineList formats line numbers for a message: "line 7", "lines 7, 12 and
// 30", at most ten of them.
func lineList(lines []int) string {
	if len(lines) == 1 {
		return fmt.Sprintf("line %d", lines[0])
	}
	parts := make([]string, 0, 10)
	for i, l := range lines {
		if i == 10 {
			return "lines " + strings.Join(parts, ", ") + fmt.Sprintf(" and %d more", len(lines)-10)
		}
		parts = append(parts, strconv.Itoa(l))
	}
	return "lines " + strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// plural formats "1 row", "3 rows".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func (x *expander) csvError(name string, err error, eofMsg string) {
	var pe *csv.ParseError
	switch {
	case errors.As(err, &pe):
		x.errs.addf(name, pe.Line, pe.Column, "invalid CSV: %v", pe.Err)
	case errors.Is(err, io.EOF):
		x.errs.addf(name, 0, 0, "%s", eofMsg)
	default:
		x.errs.addf(name, 0, 0, "invalid CSV: %v", err)
	}
}
