package safetext

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/nbfleet/nbfleet/internal/safetext/safetexttest"
)

var corpus = safetexttest.Corpus

func TestTerminal(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"ml101-alice", "ml101-alice"},
		{"Zoë O'Brien 学生", "Zoë O'Brien 学生"},
		{`C:\Users\x`, `C:\Users\x`},
		{"\x1bc", `\x1bc`},
		{"\x1b]52;c;Zm9v\x07", `\x1b]52;c;Zm9v\x07`},
		{"\x9b31m", `\x9b31m`},
		{"\u009b31m", `\u009b31m`},
		{"\u0085next", `\u0085next`},
		{"ok\nnbfleet: error: fake", `ok\nnbfleet: error: fake`},
		{"ok\rfake", `ok\rfake`},
		{"a\tb", `a\tb`},
		{"evil\u202etxt.exe", `evil\u202etxt.exe`},
		{"\u2066x\u2069", `\u2066x\u2069`},
		{"a\u200bb", `a\u200bb`},
		{"\ufeffbom", `\ufeffbom`},
		{"l\u2028p\u2029", `l\u2028p\u2029`},
		{"tag\U000E0041", `tag\U000e0041`},
		{"del\x7f", `del\x7f`},
		{"\x00", `\x00`},
		{"\xff\xc3", `\xff\xc3`},
		{"\xef\xbf\xbd", "\ufffd"}, // a real U+FFFD is text
	} {
		if got := Terminal(tc.in); got != tc.want {
			t.Errorf("Terminal(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// inertTerminal fails unless s is one line of valid UTF-8 holding no
// control, format or separator character.
func inertTerminal(t *testing.T, in, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("%q → %q: not valid UTF-8", in, s)
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029' {
			t.Fatalf("%q → %q: holds %U", in, s, r)
		}
	}
}

func TestTerminalCorpus(t *testing.T) {
	for _, in := range corpus {
		inertTerminal(t, in, Terminal(in))
	}
}

func FuzzTerminal(f *testing.F) {
	for _, s := range corpus {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := Terminal(in)
		inertTerminal(t, in, out)
		// Text that needs nothing escaped is returned as it is, and the
		// escaping is stable: escaped text needs nothing more.
		if Terminal(out) != out {
			t.Fatalf("Terminal(%q) = %q is not a fixed point", in, out)
		}
		if firstUnsafe(in) == len(in) && out != in {
			t.Fatalf("Terminal changed safe text %q to %q", in, out)
		}
	})
}

func TestMarkdownCell(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{" \r\n ", ""},
		{"ml101-alice", "`ml101-alice`"},
		{"x|y\r\n|z|", "`x\\|y \\|z\\|`"},
		{"[click](https://evil)", "`[click](https://evil)`"},
		{"@org/team #12", "`@org/team #12`"},
		{"a`b", "``a`b``"},
		{"`x``", "``` `x`` ```"},
		{"one\n\ttwo", "`one two`"},
		{"\x1b]52;c;x\x07", "`\\x1b]52;c;x\\x07`"},
		{`a\|b`, "`a\\\\|b`"},
	} {
		if got := MarkdownCell(tc.in); got != tc.want {
			t.Errorf("MarkdownCell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got, want := MarkdownInline("a|b `c`"), "`` a|b `c` ``"; got != want {
		t.Errorf("MarkdownInline = %q, want %q", got, want)
	}
}

func TestMarkdownCorpus(t *testing.T) {
	for _, in := range corpus {
		checkMarkdownCell(t, in)
		checkMarkdownInline(t, in)
	}
}

func FuzzMarkdownCell(f *testing.F) {
	for _, s := range corpus {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		checkMarkdownCell(t, in)
		checkMarkdownInline(t, in)
	})
}

func TestCSVCell(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"ml101-alice", "ml101-alice"},
		{"=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"},
		{"+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"},
		{"-2+3", "'-2+3"},
		{"@SUM(1)", "'@SUM(1)"},
		{"  =1+1", "'  =1+1"},
		{"\u00a0=1", "'\u00a0=1"},
		{"＝1+1", "'＝1+1"},
		{"\t=1", `\t=1`}, // the tab is shown, so the cell starts with a backslash
		{"\r=1", `\r=1`},
		{"a=1", "a=1"},
		{"x\x1b[2J", `x\x1b[2J`},
		{"two\nlines", `two\nlines`},
	} {
		if got := CSVCell(tc.in); got != tc.want {
			t.Errorf("CSVCell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// checkCSVCell writes in as a cell with encoding/csv, reads it back and
// checks what a spreadsheet would see.
func checkCSVCell(t *testing.T, in string) {
	t.Helper()
	cell := CSVCell(in)
	inertTerminal(t, in, cell)
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{cell, "next"})
	w.Flush()
	if strings.Count(b.String(), "\n") != 1 {
		t.Fatalf("%q: the record is not one line: %q", in, b.String())
	}
	rec, err := csv.NewReader(&b).Read()
	if err != nil || len(rec) != 2 || rec[0] != cell {
		t.Fatalf("%q: read back %q, %v", in, rec, err)
	}
	lead := strings.TrimLeftFunc(rec[0], unicode.IsSpace)
	if lead != "" && strings.ContainsRune("=+-@＝＋－＠\t\r", []rune(lead)[0]) {
		t.Fatalf("%q → %q: a spreadsheet would run it as a formula", in, rec[0])
	}
}

func TestCSVCorpus(t *testing.T) {
	for _, in := range corpus {
		checkCSVCell(t, in)
	}
}

func FuzzCSVCell(f *testing.F) {
	for _, s := range corpus {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		checkCSVCell(t, in)
		if CSVCell(in) == Terminal(in) {
			return
		}
		if CSVCell(in) != "'"+Terminal(in) {
			t.Fatalf("CSVCell(%q) = %q: more than a leading apostrophe added", in, CSVCell(in))
		}
	})
}

func TestJSON(t *testing.T) {
	for _, in := range corpus {
		data, err := json.Marshal(map[string]string{"name": in})
		if err != nil {
			t.Fatal(err)
		}
		checkJSON(t, in, data)
	}
	if got := string(JSON([]byte(`{"a":"x` + "\u202e\u009b\x7f\U000E0041" + `"}`))); got != `{"a":"x\u202e\u009b\u007f\udb40\udc41"}` {
		t.Errorf("JSON escapes = %s", got)
	}
}

func checkJSON(t *testing.T, in string, data []byte) {
	t.Helper()
	out := JSON(data)
	inertTerminal(t, in, strings.ReplaceAll(string(out), "\n", " "))
	var a, b any
	if err := json.Unmarshal(data, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out, &b); err != nil {
		t.Fatalf("%q: %s is not JSON: %v", in, out, err)
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) {
		t.Fatalf("%q: JSON changed the document: %s → %s", in, data, out)
	}
}

func FuzzJSON(f *testing.F) {
	for _, s := range corpus {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		data, err := json.MarshalIndent([]string{in, "x"}, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		checkJSON(t, in, data)
	})
}

func TestHTTPURL(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"https://notebook.example/lab/id-alice", true},
		{"HTTP://notebook.example:8443/x?token=no#frag", true},
		{"", false},
		{"javascript:alert(1)", false},
		{"JaVaScRiPt:alert(1)", false},
		{"data:text/html,<script>", false},
		{"file:///etc/passwd", false},
		{"vbscript:x", false},
		{"//evil.example/x", false},
		{"/relative", false},
		{"relative.html", false},
		{"https:evil", false},
		{"https://", false},
		{"https://evil.example/\u202e", false},
		{"https://evil.example/ x", false},
		{"https://evil.example/\n", false},
		{"mailto:x@example.com", false},
	} {
		if got := HTTPURL(tc.in); got != tc.want {
			t.Errorf("HTTPURL(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
