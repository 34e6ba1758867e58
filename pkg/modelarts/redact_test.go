package modelarts

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// nastySecret has a character of every class an encoder treats apart:
// JSON's quote and backslash, HTML's <, > and &, a slash, spaces, a control
// character, Latin-1, BMP and astral characters.
const nastySecret = "p\"a\\ss<w>&r d/\té€😀+x"

func jsonString(s string, escapeHTML bool) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(escapeHTML)
	if err := enc.Encode(s); err != nil {
		panic(err)
	}
	out := strings.TrimSuffix(b.String(), "\n")
	return out[1 : len(out)-1]
}

// asciiJSON escapes every non-ASCII character as \uXXXX (surrogate pairs
// beyond the BMP), as Python's json.dumps and Java encoders do.
func asciiJSON(s string, upper bool) string {
	var b strings.Builder
	for _, r := range jsonString(s, true) {
		switch {
		case r < 0x80:
			b.WriteRune(r)
		case r > 0xffff:
			r -= 0x10000
			fmt.Fprintf(&b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	out := b.String()
	if upper {
		parts := strings.Split(out, `\u`)
		for i := 1; i < len(parts); i++ {
			if len(parts[i]) >= 4 {
				parts[i] = strings.ToUpper(parts[i][:4]) + parts[i][4:]
			}
		}
		out = strings.Join(parts, `\u`)
	}
	return out
}

func entities(s string, hex bool) string {
	var b strings.Builder
	for _, r := range s {
		if hex {
			fmt.Fprintf(&b, "&#x%X;", r)
		} else {
			fmt.Fprintf(&b, "&#%d;", r)
		}
	}
	return b.String()
}

func percentAll(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, "%%%02x", s[i])
	}
	return b.String()
}

func TestRedactForms(t *testing.T) {
	sec := nastySecret
	for _, tc := range []struct{ name, form string }{
		{"as it is", sec},
		{"json.Marshal", jsonString(sec, true)},
		{"json without HTML escaping", jsonString(sec, false)},
		{`\u for non-ASCII`, asciiJSON(sec, false)},
		{`\u in upper case`, asciiJSON(sec, true)},
		{`escaped slash`, strings.ReplaceAll(jsonString(sec, false), "/", `\/`)},
		{"JSON inside JSON", jsonString(jsonString(sec, true), true)},
		{`\u inside JSON`, jsonString(asciiJSON(sec, false), false)},
		{"HTML", html.EscapeString(sec)},
		{"decimal references", entities(sec, false)},
		{"hex references", entities(sec, true)},
		{"JSON in HTML", html.EscapeString(jsonString(sec, false))},
		{"query", url.QueryEscape(sec)},
		{"path", url.PathEscape(sec)},
		{"every byte percent-encoded", percentAll(sec)},
		{"JSON in a query", url.QueryEscape(jsonString(sec, true))},
		{"query in JSON", jsonString(url.QueryEscape(sec), true)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := "before " + tc.form + " after"
			if got := redact(body, []string{sec}); got != "before REDACTED after" {
				t.Errorf("redact(%q)\n = %q", body, got)
			}
		})
	}
}

// TestRedactBase64Inside: a secret inside a longer base64 blob (a Basic
// authorization header echoed by a proxy) is found at each alignment.
func TestRedactBase64Inside(t *testing.T) {
	for _, user := range []string{"", "al", "ali", "alic", "alice"} {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding} {
			blob := enc.EncodeToString([]byte(user + nastySecret + "!"))
			got := redact("Authorization: Basic "+blob, []string{nastySecret})
			if s := base64Leak(got, nastySecret); s != "" {
				t.Errorf("%s: %q still decodes to the secret: %q", user, got, s)
			}
			if !strings.Contains(got, "REDACTED") {
				t.Errorf("%s: nothing redacted in %q", user, got)
			}
		}
	}
}

// base64Leak returns a base64 run in s that decodes, at some alignment, to
// something holding secret.
func base64Leak(s, secret string) string {
	isB64 := func(r rune) bool {
		return r < 0x80 && (r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune("+/-_", r))
	}
	for _, run := range strings.FieldsFunc(s, func(r rune) bool { return !isB64(r) }) {
		std := strings.NewReplacer("-", "+", "_", "/").Replace(run)
		for off := range 4 {
			if off >= len(std) {
				break
			}
			part := std[off:]
			part = part[:len(part)/4*4]
			if dec, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(part, "=")); err == nil && strings.Contains(string(dec), secret) {
				return run
			}
		}
	}
	return ""
}

func TestRedactMixedAndSeveral(t *testing.T) {
	secrets := []string{"SKvalue-0123", "pa<ss>", "tok"}
	for _, tc := range []struct{ in, want string }{
		// Escaped and plain characters mixed, as some encoders do.
		{`x SK\u0076alue\u002d0123 y`, "x REDACTED y"},
		{`x pa\u003Css&gt; y`, "x REDACTED y"},
		{`SKvalue-0123SKvalue-0123`, "REDACTED"},
		{`a SKvalue-0123 b pa<ss> c`, "a REDACTED b REDACTED c"},
		// Too short to redact without shredding words.
		{`a tok b`, `a tok b`},
		// Broken escapes stay as they are.
		{`\u12 \x \ %zz &#; &bogus;`, `\u12 \x \ %zz &#; &bogus;`},
	} {
		if got := redact(tc.in, secrets); got != tc.want {
			t.Errorf("redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestSanitizeEscapedSecrets: the error snippets built from response bodies
// carry no form of a secret (issue: password redaction missed JSON-escaped
// forms), and tags or spaces that the snippet drops do not let one through.
func TestSanitizeEscapedSecrets(t *testing.T) {
	pw := `pa55"w<0rd>&é`
	for _, tc := range []struct {
		name string
		body string
		want string
	}{
		{"echoed request in an unknown body", `{"detail":{"request":{"password":"` + jsonString(pw, true) + `"}}}`,
			`400: unexpected response: {"detail":{"request":{"password":"REDACTED"}}}`},
		{"echoed request in an error message", `{"error":{"code":"400","message":"bad body {\"password\":\"` + jsonString(jsonString(pw, true), true) + `\"}"}}`,
			`400 400: bad body {"password":"REDACTED"}`},
		{"HTML page", `<html><body><p>user alice password ` + html.EscapeString(pw) + `</p></body></html>`,
			"400: unexpected response: user alice password REDACTED"},
		{"secret with a tag inside", `<p>` + pw + `</p>`, "400: unexpected response: REDACTED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := parseAPIError(400, http.Header{}, []byte(tc.body), false, time.Now(), []string{pw})
			if got := e.Error(); got != tc.want {
				t.Errorf("error %q, want %q", got, tc.want)
			}
		})
	}
	// Spaces that collapse into the secret's own.
	if got := sanitize([]byte("x a  b\tc y"), 100, []string{"a b c"}); got != "x REDACTED y" {
		t.Errorf("collapsed spaces: %q", got)
	}
	// A long body: the snippet is cut, and a secret crossing the window's
	// end is not cut in half.
	long := strings.Repeat("<i>", snippetWindow/3-2) + "xy" + jsonString(pw, true) + strings.Repeat("z", 100)
	if got := sanitize([]byte(long), 1000, []string{pw}); !strings.HasPrefix(got, "xyREDACTED") || strings.Contains(got, "pa55") {
		t.Errorf("long body: %q", got)
	}
}

// TestIAMEchoRedacted: an IAM endpoint that echoes the password it was
// sent (escaped, in an error body or a malformed answer) never gets it into
// an error.
func TestIAMEchoRedacted(t *testing.T) {
	const pw = `pa55"w\rd<é>`
	for _, tc := range []struct {
		name   string
		status int
		body   func(pw string) string
	}{
		{"400 text", 400, func(pw string) string { return "bad password: " + jsonString(pw, true) }},
		{"201 malformed", 201, func(pw string) string { return `{"token": {"password": "` + asciiJSON(pw, false) + `"` }},
		{"502 HTML", 502, func(pw string) string {
			return "<html><body>upstream got " + html.EscapeString(jsonString(pw, false)) + "</body></html>"
		}},
		{"400 query", 400, func(pw string) string { return "refused ?password=" + url.QueryEscape(pw) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var req struct {
					Auth struct {
						Identity struct {
							Password struct {
								User struct{ Password string }
							}
						}
					}
				}
				json.NewDecoder(r.Body).Decode(&req)
				w.Header().Set("X-Subject-Token", "tok-secret-1")
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body(req.Auth.Identity.Password.User.Password))
			}))
			defer srv.Close()
			cfg := akskConfig(srv.URL)
			cfg.ProjectID = ""
			cfg.Credentials = Credentials{Username: "alice", Password: pw, DomainName: "dom"}
			err := get(newClient(t, cfg))
			if err == nil {
				t.Fatal("no error")
			}
			if msg := err.Error(); strings.Contains(msg, "pa55") || !strings.Contains(msg, "REDACTED") {
				t.Errorf("error %q: want the echoed password redacted", msg)
			}
		})
	}
}

func TestRedactErr(t *testing.T) {
	base := fmt.Errorf("dial: %w", context.DeadlineExceeded)
	err := redactErr(fmt.Errorf("proxy said %s: %w", jsonString(nastySecret, true), base), []string{nastySecret})
	if strings.Contains(err.Error(), "p\\\"a") || !strings.Contains(err.Error(), "proxy said REDACTED") {
		t.Errorf("message %q", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Error("redactErr lost the wrapped error")
	}
	plain := errors.New("nothing secret")
	if redactErr(plain, []string{nastySecret}) != plain {
		t.Error("an error with no secret was wrapped")
	}
	re := (&Client{secrets: []string{nastySecret}}).requestError("get", "GET", "/x", &call{}, errors.New("tls: "+url.QueryEscape(nastySecret)))
	if strings.Contains(re.Error(), "%22a") || !strings.Contains(re.Error(), "REDACTED") {
		t.Errorf("transport error %q", re)
	}
}

// overlapsMarker reports whether s could be made of "REDACTED" and the text
// around it: such a secret may show in any redacted text.
func overlapsMarker(s string) bool {
	const m = "REDACTED"
	if strings.Contains(m, s) {
		return true
	}
	for k := 1; k < len(m); k++ {
		if strings.HasPrefix(s, m[len(m)-k:]) || strings.HasSuffix(s, m[:k]) {
			return true
		}
	}
	return false
}

// FuzzRedact: whatever the secret and whichever encoding (or two) the body
// uses for it, neither the secret nor its encoded form survives redaction,
// and no alignment of a base64 run decodes to it. mix chooses, character by
// character, how a mixed JSON encoder escapes. The text around the secret
// is free of the characters that start escapes (else it could make the
// secret's form read as something else), except in the literal check of
// sanitize, which holds for any text.
func FuzzRedact(f *testing.F) {
	f.Add(nastySecret, "before", "after", uint8(1), []byte{0, 1, 2, 3})
	f.Add("SKvalue-0123456789", `{"a":`, `}`, uint8(4), []byte{1, 1, 0, 2})
	f.Add("pässwörd", "<p>", "</p>", uint8(13), []byte{})
	f.Add("a b  c", "x", "y", uint8(0), []byte{})
	f.Fuzz(func(t *testing.T, secret, prefix, suffix string, enc uint8, mix []byte) {
		if len(secret) < minSecret || !utf8.ValidString(secret) || overlapsMarker(secret) {
			t.Skip()
		}
		form := encodeForFuzz(secret, enc, mix)
		if overlapsMarker(form) || (enc%16 >= 14 && len(secret) < minBase64Secret) {
			t.Skip()
		}
		// Any text: the secret itself never shows in a snippet.
		if got := sanitize([]byte(prefix+form+suffix), 1<<20, []string{secret}); strings.Contains(got, secret) {
			t.Fatalf("sanitize kept the secret %q: %q", secret, got)
		}
		clean := func(s string) string { return strings.Map(dropEscapeStarts, s) }
		body := clean(prefix) + " " + form + " " + clean(suffix)
		got := redact(body, []string{secret})
		if strings.Contains(got, secret) || strings.Contains(got, form) {
			t.Fatalf("redact(%q) = %q keeps the secret %q (form %d: %q)", body, got, secret, enc%16, form)
		}
		// A base64 run that the text around the secret carries on its
		// own (four NUL bytes are "AAAAAA==") is the input's, not a leak.
		if s := base64Leak(got, secret); s != "" && base64Leak(clean(prefix)+" "+clean(suffix), secret) == "" {
			t.Fatalf("redact(%q) = %q: %q decodes to the secret", body, got, s)
		}
	})
}

func dropEscapeStarts(r rune) rune {
	if strings.ContainsRune(`\%&+`, r) || r < 0x20 {
		return -1
	}
	return r
}

// encodeForFuzz encodes s in the way numbered enc; mix drives the mixed
// JSON escaping.
func encodeForFuzz(s string, enc uint8, mix []byte) string {
	b64 := func(e *base64.Encoding) string {
		pre := []byte("user:")[:int(enc>>4)%3]
		return e.EncodeToString(append(append(pre, s...), "!?"[:int(enc>>6)%3]...))
	}
	switch enc % 16 {
	case 0:
		return s
	case 1:
		return jsonString(s, true)
	case 2:
		return jsonString(s, false)
	case 3:
		return asciiJSON(s, enc&0x10 != 0)
	case 4:
		var b strings.Builder
		i := 0
		for _, r := range s {
			c := byte(0)
			if i < len(mix) {
				c = mix[i]
			}
			i++
			switch {
			case c%4 == 1 && r <= 0xffff:
				fmt.Fprintf(&b, `\u%04x`, r)
			case c%4 == 2 && r <= 0xffff:
				fmt.Fprintf(&b, `\u%04X`, r)
			case c%4 == 3 && r == '/':
				b.WriteString(`\/`)
			default:
				b.WriteString(jsonString(string(r), c&4 != 0))
			}
		}
		return b.String()
	case 5:
		return jsonString(jsonString(s, true), enc&0x10 != 0)
	case 6:
		return html.EscapeString(s)
	case 7:
		return entities(s, enc&0x10 != 0)
	case 8:
		return url.QueryEscape(s)
	case 9:
		return url.PathEscape(s)
	case 10:
		return percentAll(s)
	case 11:
		return url.QueryEscape(jsonString(s, true))
	case 12:
		return jsonString(url.QueryEscape(s), true)
	case 13:
		return html.EscapeString(jsonString(s, false))
	case 14:
		return b64(base64.StdEncoding)
	default:
		return b64(base64.RawURLEncoding)
	}
}
