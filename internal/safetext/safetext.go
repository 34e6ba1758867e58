// Package safetext makes untrusted text inert in each kind of output
// nbfleet writes. Notebook names, descriptions, fail_reasons, error
// messages and URLs come from the cloud, where a co-tenant can write them,
// and roster labels come from a spreadsheet somebody else filled in: none
// of it may move a terminal's cursor, write its clipboard, forge a log
// line, reorder what a reader sees, add a row or a link to a Markdown
// table, ping a GitHub user or run as a spreadsheet formula.
//
// There is one function per kind of output, and every writer of that kind
// uses it on every value it did not make itself:
//
//   - [Terminal]: text on a terminal or in a log line (also the visible
//     form every other function starts from, and what the HTML pages show
//     inside html/template's own escaping);
//   - [MarkdownCell] and [MarkdownInline]: Markdown for GitHub (pull request
//     comments, job summaries);
//   - [CSVCell]: a cell of a CSV file that a spreadsheet may open;
//   - [JSON]: a JSON document that may be printed to a terminal;
//   - [HTTPURL]: whether a URL may become a link or a QR code.
//
// The functions never fail and never drop information silently: what they
// change is shown as an escape a person can read (\x1b, \u202e, \n).
package safetext

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Terminal returns s with everything a terminal could act on, or that
// could make a reader misread the line, replaced by a visible escape:
//
//   - C0 controls and DEL, newline and tab included (\n, \r, \t, \x1b,
//     \x7f): one value can neither start a fake log line nor send an
//     escape sequence (a terminal reset, an OSC 52 clipboard write, an OSC
//     8 link), since the ESC that introduces it is gone;
//   - C1 controls encoded in UTF-8 (\u009b, the 8-bit CSI; \u009d, OSC;
//     \u0090, DCS; \u0085, NEL);
//   - Unicode format characters (category Cf: bidi overrides and isolates
//     such as U+202E and U+2066, zero-width characters, the BOM, tag
//     characters) and the line and paragraph separators U+2028 and U+2029,
//     shown as \uXXXX (\U000XXXXX above U+FFFF);
//   - bytes that are not valid UTF-8 (a lone 0x9b is an 8-bit CSI to some
//     terminals), shown as \xNN.
//
// Everything else, backslashes included, is kept as it is, so ordinary
// text in any script is unchanged and Terminal(s) == s for such s. The
// result is one line of valid UTF-8 with no control or format character.
func Terminal(s string) string {
	i := firstUnsafe(s)
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			fmt.Fprintf(&b, `\x%02x`, s[i])
		} else if unsafeRune(r) {
			writeEscape(&b, r)
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// firstUnsafe returns the index of the first byte of s that Terminal
// changes, or len(s).
func firstUnsafe(s string) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n == 1) || unsafeRune(r) {
			return i
		}
		i += n
	}
	return len(s)
}

// unsafeRune reports whether Terminal escapes the valid rune r.
func unsafeRune(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f:
		return true
	case r < utf8.RuneSelf:
		return false
	case r <= 0x9f: // C1
		return true
	case r == '\u2028', r == '\u2029':
		return true
	}
	return unicode.Is(unicode.Cf, r)
}

func writeEscape(b *strings.Builder, r rune) {
	switch r {
	case '\n':
		b.WriteString(`\n`)
	case '\r':
		b.WriteString(`\r`)
	case '\t':
		b.WriteString(`\t`)
	default:
		switch {
		case r < 0x80:
			fmt.Fprintf(b, `\x%02x`, r)
		case r <= 0xffff:
			fmt.Fprintf(b, `\u%04x`, r)
		default:
			fmt.Fprintf(b, `\U%08x`, r)
		}
	}
}

// MarkdownCell returns s as the content of one cell of a GitHub-flavoured
// Markdown table: "" for an empty (or all-space) s, else one inline code
// span holding [Terminal]'s form of s with every run of white space
// (newlines included) made one space and every pipe escaped as \|.
//
// A code span is the one construct GitHub renders without interpreting
// anything inside it: no emphasis, no links or images ([x](y), ![x](y),
// <https://…>, bare https:// and www. addresses), no HTML tags or
// entities, no @user or @org/team mentions, no #123 or owner/repo#123
// references and no :emoji:. The cell cannot add a row (no CR or LF
// remains) or a column (GitHub's table parser treats a pipe right after
// a backslash as part of the cell, whatever comes before it, and shows
// it as a plain |). The fence is longer than any run of backticks in s,
// so s cannot close the span early.
func MarkdownCell(s string) string {
	return codeSpan(strings.ReplaceAll(markdownText(s), "|", `\|`))
}

// MarkdownInline is [MarkdownCell] for Markdown outside a table (a heading,
// a paragraph): the same code span, with pipes left as they are, since
// outside a table GitHub would show the escaping backslash.
func MarkdownInline(s string) string {
	return codeSpan(markdownText(s))
}

// markdownText is Terminal(s) on one line: white space runs (including
// the line breaks Terminal would show as \n) become one space first.
func markdownText(s string) string {
	return Terminal(strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " "))
}

// codeSpan wraps s in a code span whose fence is one backtick longer than
// the longest run of backticks in s. A span that starts or ends with a
// backtick gets a space on each side, which CommonMark strips again.
func codeSpan(s string) string {
	if s == "" {
		return ""
	}
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if s[0] == '`' || s[len(s)-1] == '`' {
		s = " " + s + " "
	}
	return fence + s + fence
}

// CSVCell returns s for one cell of a CSV file that a spreadsheet may
// open, for use with encoding/csv (which does the quoting). Every CSV that
// nbfleet writes passes every cell through it, the header included.
//
// The cell is [Terminal]'s form of s (so a CSV printed to a terminal is
// inert too, and one record stays one line for line-based tools). Then,
// following OWASP's rules on CSV injection, a cell that a spreadsheet could
// read as a formula gets a leading apostrophe, which spreadsheets show as
// text: one whose first character other than white space is = + - or @
// (or their full-width forms ＝ ＋ － ＠), or that starts with a tab or a
// carriage return. Hence "-5" is written '-5: a negative number in a
// report is rare, a formula in a notebook name is an attack.
func CSVCell(s string) string {
	s = Terminal(s)
	if s == "" {
		return s
	}
	if s[0] == '\t' || s[0] == '\r' {
		return "'" + s
	}
	lead := strings.TrimLeftFunc(s, unicode.IsSpace)
	if lead == "" {
		return s
	}
	r, _ := utf8.DecodeRuneInString(lead)
	switch r {
	case '=', '+', '-', '@', '＝', '＋', '－', '＠':
		return "'" + s
	}
	return s
}

// JSON returns data, a JSON document as encoding/json writes it, with the
// characters [Terminal] would escape and encoding/json leaves as they are
// (DEL, the C1 controls, Unicode format characters) written as \u escapes
// inside their strings. The document means exactly the same to a JSON
// reader; printed to a terminal it is inert. data must be valid UTF-8
// (encoding/json's output always is); outside strings, JSON holds no such
// character, so every one of them is inside a string.
func JSON(data []byte) []byte {
	i := firstUnsafeJSON(data)
	if i == len(data) {
		return data
	}
	out := make([]byte, 0, len(data)+16)
	out = append(out, data[:i]...)
	for i < len(data) {
		r, n := utf8.DecodeRune(data[i:])
		if r == 0x7f || (r >= utf8.RuneSelf && unsafeRune(r)) {
			if r > 0xffff {
				r1, r2 := surrogates(r)
				out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
			} else {
				out = fmt.Appendf(out, `\u%04x`, r)
			}
		} else {
			out = append(out, data[i:i+n]...)
		}
		i += n
	}
	return out
}

func firstUnsafeJSON(data []byte) int {
	for i := 0; i < len(data); {
		c := data[i]
		if c < utf8.RuneSelf {
			if c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(data[i:])
		if unsafeRune(r) {
			return i
		}
		i += n
	}
	return len(data)
}

// surrogates splits r (above U+FFFF) into its UTF-16 surrogate pair.
func surrogates(r rune) (rune, rune) {
	r -= 0x10000
	return 0xd800 + (r>>10)&0x3ff, 0xdc00 + r&0x3ff
}

// HTTPURL reports whether s is an absolute http or https URL with a host,
// the only kind of URL nbfleet makes into a link or a QR code. A
// javascript:, data: or file: URL, a relative or scheme-relative one
// (//host/x), or one with white space or control characters, is shown as
// text instead.
func HTTPURL(s string) bool {
	if s == "" || strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unsafeRune(r) }) >= 0 {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return false
	}
	scheme := strings.ToLower(u.Scheme)
	return scheme == "http" || scheme == "https"
}
