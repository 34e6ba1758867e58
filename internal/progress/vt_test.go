package progress

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// screen is a terminal of a fixed width and unbounded height, enough to
// replay what the live view writes: printable text with autowrap, CR, LF,
// cursor up (ESC [ n A), erase below (ESC [ J), erase line (ESC [ 2 K);
// colours (ESC [ … m) are dropped. It records every row the terminal
// wrapped, which the live view must never make it do.
type screen struct {
	width    int
	rows     [][]rune
	row, col int
	wrapped  []string // rows the terminal had to wrap
	unknown  []string // escape sequences it does not know
}

func newScreen(width int) *screen { return &screen{width: width, rows: [][]rune{nil}} }

func (s *screen) ensure() {
	for len(s.rows) <= s.row {
		s.rows = append(s.rows, nil)
	}
}

// Write replays b.
func (s *screen) Write(b []byte) (int, error) {
	text := string(b)
	for i := 0; i < len(text); {
		if text[i] == 0x1b && i+1 < len(text) && text[i+1] == '[' {
			j := i + 2
			for j < len(text) && (text[j] < 0x40 || text[j] > 0x7e) {
				j++
			}
			if j >= len(text) {
				s.unknown = append(s.unknown, strconv.Quote(text[i:]))
				return len(b), nil
			}
			s.csi(text[i+2:j], text[j])
			i = j + 1
			continue
		}
		r := []rune(text[i:])[0]
		i += len(string(r))
		switch r {
		case '\r':
			s.col = 0
		case '\n':
			s.row++
			s.col = 0
			s.ensure()
		default:
			w := runeWidth(r)
			if s.col+w > s.width {
				s.wrapped = append(s.wrapped, string(s.rows[s.row]))
				s.row++
				s.col = 0
				s.ensure()
			}
			s.put(r)
			s.col += w
		}
	}
	return len(b), nil
}

func (s *screen) put(r rune) {
	line := s.rows[s.row]
	for len(line) < s.col {
		line = append(line, ' ')
	}
	if s.col < len(line) {
		line[s.col] = r
	} else {
		line = append(line, r)
	}
	for k := 1; k < runeWidth(r); k++ { // a wide rune's second column
		if s.col+k < len(line) {
			line[s.col+k] = 0
		} else {
			line = append(line, 0)
		}
	}
	s.rows[s.row] = line
}

func (s *screen) csi(params string, final byte) {
	n := 1
	if params != "" && final != 'm' {
		v, err := strconv.Atoi(params)
		if err != nil {
			s.unknown = append(s.unknown, strconv.Quote("\x1b["+params+string(final)))
			return
		}
		n = v
	}
	switch final {
	case 'm':
	case 'A':
		s.row = max(s.row-n, 0)
	case 'J':
		s.rows[s.row] = truncRunes(s.rows[s.row], s.col)
		s.rows = s.rows[:s.row+1]
	case 'K':
		if params == "2" {
			s.rows[s.row] = nil
		}
	default:
		s.unknown = append(s.unknown, strconv.Quote("\x1b["+params+string(final)))
	}
}

func truncRunes(r []rune, n int) []rune {
	if len(r) > n {
		return r[:n]
	}
	return r
}

// String is the screen: its rows, trailing blank rows left out.
func (s *screen) String() string {
	var lines []string
	for _, r := range s.rows {
		lines = append(lines, strings.TrimRight(strings.ReplaceAll(string(r), "\x00", ""), " "))
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return strings.Join(lines, "\n")
}

// below reports what is on screen below the cursor's row: after a frame,
// nothing may be (a stale line of an earlier, taller frame would be).
func (s *screen) below() string {
	if s.row+1 >= len(s.rows) {
		return ""
	}
	var rest []string
	for _, r := range s.rows[s.row+1:] {
		if len(strings.TrimSpace(string(r))) > 0 {
			rest = append(rest, string(r))
		}
	}
	return strings.Join(rest, "\n")
}

func TestScreen(t *testing.T) {
	s := newScreen(10)
	fmt.Fprint(s, "abc\ndef\n")
	fmt.Fprint(s, "\r\x1b[2A\x1b[Jxy\n")
	if got := s.String(); got != "xy" {
		t.Errorf("erase and redraw: %q", got)
	}
	fmt.Fprint(s, "0123456789AB\n")
	if len(s.wrapped) != 1 {
		t.Errorf("wrapped rows %q, want one", s.wrapped)
	}
	fmt.Fprint(s, "\x1b[31m漢字\x1b[0m\n")
	if got := s.String(); got != "xy\n0123456789\nAB\n漢字" {
		t.Errorf("screen %q", got)
	}
}
