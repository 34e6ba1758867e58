package spec

import (
	"errors"
	"testing"
)

func TestDetectDelimiter(t *testing.T) {
	for in, want := range map[string]rune{
		"id,name,email\n1;2;3\n":      ',',
		"id;name;email\r\n":           ';',
		"id\tname\n":                  '\t',
		"id\n1\n":                     ',',
		`"a;b;c",d` + "\n":            ',', // quoted semicolons do not count
		"id;name,with comma;x\n":      ';',
		"\"multi\nline;;;\",x,y\n1\n": ',',
	} {
		if got := detectDelimiter([]byte(in)); got != want {
			t.Errorf("detectDelimiter(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestControlChar(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want rune
	}{
		{"plain ASCII & punctuation", 0},
		{"Zoë, José, Łódź, 東京, مرحبا", 0},
		{"می\u200cخواهم", 0}, // zero-width non-joiner: Persian needs it
		{"👩\u200d💻", 0},      // zero-width joiner: emoji sequences
		{"tab\there", '\t'},
		{"bell\a", '\a'},
		{"del\x7f", 0x7f},
		{"c1\u0085", 0x85},
		{"csi\u009b31m", 0x9b},
		{"rlo\u202e", 0x202e},
		{"isolate\u2067", 0x2067},
		{"bom\ufeff", 0xfeff},
		{"zero\u200bwidth", 0x200b},
		{"line\u2028sep", 0x2028},
		{"tag\U000E0041", 0xE0041},
	} {
		r, _, found := controlChar(tt.s)
		if found != (tt.want != 0) || r != tt.want {
			t.Errorf("controlChar(%q) = %U, %v; want %U", tt.s, r, found, tt.want)
		}
	}
	if got := inert("a\x1b[31mb\u202e"); got != `a\u001b[31mb\u202e` {
		t.Errorf("inert = %q", got)
	}
}

func TestLocalPath(t *testing.T) {
	for path, ok := range map[string]bool{
		"roster.csv": true, "data/roster.csv": true, "a/../b.csv": true, "./r.csv": true,
		"../r.csv": false, "a/../../r.csv": false, "/etc/passwd": false, "/proc/self/environ": false, "": false,
	} {
		err := localPath(path)
		var pe *policyError
		if (err == nil) != ok || (err != nil && !errors.As(err, &pe)) {
			t.Errorf("localPath(%q) = %v", path, err)
		}
	}
}

func TestLineList(t *testing.T) {
	for n, want := range map[int]string{
		1:  "line 7",
		2:  "lines 7 and 8",
		3:  "lines 7, 8 and 9",
		12: "lines 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 and 2 more",
	} {
		lines := make([]int, n)
		for i := range lines {
			lines[i] = 7 + i
		}
		if got := lineList(lines); got != want {
			t.Errorf("lineList(%v) = %q, want %q", lines, got, want)
		}
	}
}
