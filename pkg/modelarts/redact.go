package modelarts

import (
	"encoding/base64"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// minSecret is the shortest secret that is redacted: shorter ones would
// shred ordinary words. minBase64Secret is the shortest whose base64 form is
// looked for.
const (
	minSecret       = 4
	minBase64Secret = 6
)

// redact replaces every known secret in s with "REDACTED", in every form in
// which a response body may quote it:
//
//   - as it is;
//   - JSON-escaped, whichever characters the encoder chose to escape (\" \\
//     \/ \b \f \n \r \t, \uXXXX in either case and as surrogate pairs, and
//     the \xXX and \' of other languages' string literals);
//   - as HTML character references (&lt; &amp; &quot; &#60; &#x3C; …);
//   - percent-encoded (%XX in either case; + for a space in a query);
//   - any two of these nested (JSON quoted inside JSON, JSON in a query…);
//   - base64, standard or URL alphabet, at any alignment in a longer blob
//     (a character or two at each end of a secret's base64 form, which carry
//     a few of its bits, may stay).
//
// It finds a secret by decoding the text, not by encoding the secret, so a
// mix of escaped and plain characters is found too.
func redact(s string, secrets []string) string { return redactPrefix(s, len(s), secrets) }

// redactPrefix is redact of s[:keep] that looks at all of s, so that a
// secret whose form crosses keep is still found.
func redactPrefix(s string, keep int, secrets []string) string {
	needles := needlesOf(secrets)
	if len(needles) == 0 {
		return s[:keep]
	}
	var b strings.Builder
	pos := 0
	for _, sp := range findSpans(s, needles) {
		if sp.start >= keep {
			break
		}
		b.WriteString(s[pos:sp.start])
		b.WriteString("REDACTED")
		pos = sp.end
	}
	if pos < keep {
		b.WriteString(s[pos:keep])
	}
	return b.String()
}

// needlesOf returns what to look for in decoded text: each secret and the
// part of its base64 forms that depends on nothing but the secret.
func needlesOf(secrets []string) []string {
	var out []string
	for _, sec := range secrets {
		if len(sec) < minSecret {
			continue
		}
		// A query string writes a space as +; its + is %2B, so the URL
		// decoding (which keeps + as it is, as a path does) shows the
		// secret with + for each space.
		out = append(out, sec, strings.ReplaceAll(sec, " ", "+"))
		if len(sec) < minBase64Secret {
			continue
		}
		// Preceded by k bytes in the blob, the secret starts mid-group: the
		// first characters also carry bits of those bytes, and the last one
		// bits of what follows.
		for k := range 3 {
			enc := base64.StdEncoding.EncodeToString(append(make([]byte, k), sec...))
			core := enc[(8*k+5)/6 : 8*(k+len(sec))/6]
			out = append(out, core, strings.NewReplacer("+", "-", "/", "_").Replace(core))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// span is a part of the original text, [start, end).
type span struct{ start, end int }

// view is the original text decoded some way: src[i] is where the form of
// text[i] starts in the original, and src[len(text)] is the original's
// length. A nil src is the original itself.
type view struct {
	text string
	src  []int
}

func (v view) origin(i int) int {
	if v.src == nil {
		return i
	}
	return v.src[i]
}

// decoders turn a text into a view of it; ok is false when there was nothing
// to decode.
var decoders = []func(string) (string, []int, bool){unescapeJSON, unescapeHTML, unescapeURL}

// findSpans returns the sorted, merged parts of s that decode, at most two
// decodings deep, to a needle.
func findSpans(s string, needles []string) []span {
	views := []view{{text: s}}
	frontier := views
	for range 2 {
		var next []view
		for _, v := range frontier {
			for _, dec := range decoders {
				t, src, ok := dec(v.text)
				if !ok {
					continue
				}
				if v.src != nil {
					for i, p := range src {
						src[i] = v.src[p]
					}
				}
				next = append(next, view{text: t, src: src})
			}
		}
		views = append(views, next...)
		frontier = next
	}
	var spans []span
	for _, v := range views {
		for _, n := range needles {
			for from := 0; ; {
				i := strings.Index(v.text[from:], n)
				if i < 0 {
					break
				}
				i += from
				spans = append(spans, span{v.origin(i), v.origin(i + len(n))})
				from = i + len(n)
			}
		}
	}
	slices.SortFunc(spans, func(a, b span) int { return a.start - b.start })
	merged := spans[:0]
	for _, sp := range spans {
		if n := len(merged); n > 0 && sp.start <= merged[n-1].end {
			merged[n-1].end = max(merged[n-1].end, sp.end)
			continue
		}
		merged = append(merged, sp)
	}
	return merged
}

// decoded builds a view: each byte written is mapped to where its form
// starts in the text being decoded.
type decoded struct {
	b   []byte
	src []int
	hit bool // something was decoded
}

func (d *decoded) byte(c byte, at int) {
	d.b = append(d.b, c)
	d.src = append(d.src, at)
}

func (d *decoded) rune(r rune, at int) {
	var buf [utf8.UTFMax]byte
	for _, c := range buf[:utf8.EncodeRune(buf[:], r)] {
		d.byte(c, at)
	}
	d.hit = true
}

func (d *decoded) done(n int) (string, []int, bool) {
	return string(d.b), append(d.src, n), d.hit
}

func newDecoded(n int) *decoded {
	return &decoded{b: make([]byte, 0, n), src: make([]int, 0, n+1)}
}

// hexVal returns the value of the n hex digits at s[i:], or -1.
func hexVal(s string, i, n int) int {
	if i+n > len(s) {
		return -1
	}
	v := 0
	for _, c := range []byte(s[i : i+n]) {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | int(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | int(c-'a'+10)
		case c >= 'A' && c <= 'F':
			v = v<<4 | int(c-'A'+10)
		default:
			return -1
		}
	}
	return v
}

// shortEscapes are the two-character escapes of JSON and of the string
// literals of JavaScript, Python and Go.
var shortEscapes = map[byte]rune{'"': '"', '\\': '\\', '/': '/', '\'': '\'', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// unescapeJSON decodes string-literal escapes leniently: anything that is
// not a known escape stays as it is.
func unescapeJSON(s string) (string, []int, bool) {
	if !strings.Contains(s, `\`) {
		return "", nil, false
	}
	d := newDecoded(len(s))
	for i := 0; i < len(s); {
		if s[i] != '\\' || i+1 >= len(s) {
			d.byte(s[i], i)
			i++
			continue
		}
		switch c := s[i+1]; c {
		case 'u':
			u := hexVal(s, i+2, 4)
			if u < 0 {
				d.byte(s[i], i)
				i++
				continue
			}
			r, n := rune(u), 6
			if utf16.IsSurrogate(r) {
				r = utf8.RuneError
				if i+12 <= len(s) && s[i+6] == '\\' && s[i+7] == 'u' {
					if lo := hexVal(s, i+8, 4); lo >= 0 {
						if p := utf16.DecodeRune(rune(u), rune(lo)); p != utf8.RuneError {
							r, n = p, 12
						}
					}
				}
			}
			d.rune(r, i)
			i += n
		case 'x':
			v := hexVal(s, i+2, 2)
			if v < 0 {
				d.byte(s[i], i)
				i++
				continue
			}
			d.rune(rune(v), i)
			i += 4
		default:
			r, ok := shortEscapes[c]
			if !ok {
				d.byte(s[i], i)
				i++
				continue
			}
			d.rune(r, i)
			i += 2
		}
	}
	return d.done(len(s))
}

// unescapeHTML decodes character references: the named ones an encoder
// uses for markup characters, and numeric ones; the final ';' may be
// missing, as browsers allow.
func unescapeHTML(s string) (string, []int, bool) {
	if !strings.Contains(s, "&") {
		return "", nil, false
	}
	named := []struct {
		name string
		r    rune
	}{{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}, {"nbsp", '\u00a0'}}
	d := newDecoded(len(s))
	for i := 0; i < len(s); {
		if s[i] != '&' {
			d.byte(s[i], i)
			i++
			continue
		}
		r, n := charRef(s[i+1:])
		if n == 0 {
			for _, e := range named {
				if len(s) >= i+1+len(e.name) && strings.EqualFold(s[i+1:i+1+len(e.name)], e.name) {
					r, n = e.r, len(e.name)
					break
				}
			}
		}
		if n == 0 {
			d.byte(s[i], i)
			i++
			continue
		}
		d.rune(r, i)
		i += 1 + n
		if i < len(s) && s[i] == ';' {
			i++
		}
	}
	return d.done(len(s))
}

// charRef reads "#123" or "#x7B" at the start of s and returns the rune and
// the bytes read (0: none).
func charRef(s string) (rune, int) {
	if len(s) < 2 || s[0] != '#' {
		return 0, 0
	}
	base, i := 10, 1
	if s[1] == 'x' || s[1] == 'X' {
		base, i = 16, 2
	}
	v, start := 0, i
	for ; i < len(s) && i-start < 8; i++ {
		c := s[i]
		d := hexVal(s, i, 1)
		if d < 0 || (base == 10 && (c < '0' || c > '9')) {
			break
		}
		v = v*base + d
	}
	if i == start {
		return 0, 0
	}
	if v > utf8.MaxRune {
		v = utf8.RuneError
	}
	return rune(v), i
}

// unescapeURL decodes percent-encoding byte by byte. A + stays: needlesOf
// looks for the secret with + for its spaces too.
func unescapeURL(s string) (string, []int, bool) {
	if !strings.Contains(s, "%") {
		return "", nil, false
	}
	d := newDecoded(len(s))
	for i := 0; i < len(s); {
		switch {
		case s[i] == '%' && hexVal(s, i+1, 2) >= 0:
			d.byte(byte(hexVal(s, i+1, 2)), i)
			d.hit = true
			i += 3
		default:
			d.byte(s[i], i)
			i++
		}
	}
	return d.done(len(s))
}

// redactErr returns err with every known secret in its message replaced (see
// redact); errors.Is and errors.As still see the errors it wraps.
func redactErr(err error, secrets []string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if r := redact(msg, secrets); r != msg {
		return &redactedError{msg: r, err: err}
	}
	return err
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
