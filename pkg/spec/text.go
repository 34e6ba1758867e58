package spec

import (
	"fmt"
	"strings"
	"unicode"
)

// Untrusted text. Every string a fleet sends to the cloud or that nbfleet
// prints (names, descriptions, labels, flavors, key pair names, paths,
// roster columns) is refused when it holds a character that can change
// how a terminal, a log or a pull-request comment shows the text around
// it: C0 and C1 controls and DEL (category Cc: escape sequences, carriage
// returns, OSC 52 clipboard writes), Unicode format characters (category
// Cf: bidirectional overrides and isolates such as U+202E, zero-width
// spaces, the byte order mark, soft hyphens, tag characters) and the line
// and paragraph separators U+2028 and U+2029. The zero-width joiner and
// non-joiner (U+200C, U+200D) are allowed: Persian, Hindi and emoji need
// them and they reorder nothing.

// controlChar returns the first refused character of s and its position
// in characters (from 1).
func controlChar(s string) (r rune, pos int, found bool) {
	i := 0
	for _, c := range s {
		i++
		if refusedRune(c) {
			return c, i, true
		}
	}
	return 0, 0, false
}

func refusedRune(r rune) bool {
	if r < 0x20 || r == 0x7f {
		return true
	}
	if r < 0x80 {
		return false
	}
	switch {
	case r == 0x200c || r == 0x200d:
		return false
	case r == 0x2028 || r == 0x2029:
		return true
	}
	return unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r)
}

// controlMessage phrases a refused character for an error.
func controlMessage(r rune, pos int) string {
	return fmt.Sprintf("contains %s at character %d: remove it (control, formatting and bidirectional characters are not allowed)", runeName(r), pos)
}

// runeName names a character as U+XXXX, with its common name when it has one.
func runeName(r rune) string {
	names := map[rune]string{
		0x00: "NUL", 0x07: "BEL", 0x08: "backspace", 0x09: "a tab", 0x0a: "a line feed",
		0x0d: "a carriage return", 0x1b: "escape", 0x7f: "DEL", 0x85: "next line",
		0x9b: "control sequence introducer", 0x200b: "a zero-width space",
		0x202a: "a left-to-right embedding", 0x202b: "a right-to-left embedding",
		0x202c: "a pop directional formatting", 0x202d: "a left-to-right override",
		0x202e: "a right-to-left override", 0x2066: "a left-to-right isolate",
		0x2067: "a right-to-left isolate", 0x2068: "a first strong isolate",
		0x2069: "a pop directional isolate", 0xfeff: "a byte order mark",
		0x2028: "a line separator", 0x2029: "a paragraph separator",
	}
	if n, ok := names[r]; ok {
		return fmt.Sprintf("U+%04X (%s)", r, n)
	}
	return fmt.Sprintf("U+%04X", r)
}

// inert escapes refused characters in a message built from text nbfleet
// did not write (a template parser's error quoting the template).
func inert(s string) string {
	if _, _, found := controlChar(s); !found {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if refusedRune(r) {
			fmt.Fprintf(&b, `\u%04x`, r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
