// Package sdkhmac implements Huawei Cloud's SDK-HMAC-SHA256 request signing
// (modelarts-api.md §4.2), pinned by the published test vectors (§4.3).
// The client signs with it and the emulator verifies with it.
package sdkhmac

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// Algorithm is the scheme name in the Authorization header.
const Algorithm = "SDK-HMAC-SHA256"

// DateFormat is the layout of X-Sdk-Date.
const DateFormat = "20060102T150405Z"

// HeaderDate is the signed timestamp header.
const HeaderDate = "X-Sdk-Date"

// unsignedPayload is sent as X-Sdk-Content-Sha256 to skip hashing the body.
const unsignedPayload = "UNSIGNED-PAYLOAD"

// Escape percent-encodes every byte except A-Z a-z 0-9 - _ . ~, with upper
// case hex, the way the SDK canonicalises paths and queries.
func Escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// CanonicalQuery sorts keys byte-wise and the values within each key and
// joins escaped pairs with "&". Build the query you send with it so that
// what is signed is what is sent.
func CanonicalQuery(q url.Values) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		vs := append([]string(nil), q[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			parts = append(parts, Escape(k)+"="+Escape(v))
		}
	}
	return strings.Join(parts, "&")
}

func canonicalURI(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		segs[i] = Escape(s)
	}
	u := strings.Join(segs, "/")
	if !strings.HasSuffix(u, "/") {
		u += "/"
	}
	return u
}

func headerValue(r *http.Request, name string) string {
	if name == "host" {
		if r.Host != "" {
			return r.Host
		}
		return r.URL.Host
	}
	return strings.TrimSpace(r.Header.Get(name))
}

// CanonicalRequest returns the canonical request of r for the given signed
// header names (lower case, sorted) and body.
func CanonicalRequest(r *http.Request, signed []string, body []byte) (string, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return "", fmt.Errorf("parse query: %w", err)
	}
	var b strings.Builder
	b.WriteString(r.Method + "\n")
	b.WriteString(canonicalURI(r.URL.Path) + "\n")
	b.WriteString(CanonicalQuery(q) + "\n")
	for _, h := range signed {
		b.WriteString(h + ":" + headerValue(r, h) + "\n")
	}
	b.WriteString("\n")
	b.WriteString(strings.Join(signed, ";") + "\n")
	if r.Header.Get("X-Sdk-Content-Sha256") == unsignedPayload {
		b.WriteString(unsignedPayload)
	} else {
		sum := sha256.Sum256(body)
		b.WriteString(hex.EncodeToString(sum[:]))
	}
	return b.String(), nil
}

func signature(canonical, date string, sk []byte) string {
	sum := sha256.Sum256([]byte(canonical))
	sts := Algorithm + "\n" + date + "\n" + hex.EncodeToString(sum[:])
	m := hmac.New(sha256.New, sk)
	m.Write([]byte(sts))
	return hex.EncodeToString(m.Sum(nil))
}

// DefaultSignedHeaders lists the headers nbfleet signs: host, the date, and
// the project and security token when present. Content-Type is left out, as
// the official SDK does.
func DefaultSignedHeaders(r *http.Request) []string {
	hs := []string{"host", "x-sdk-date"}
	for _, h := range []string{"x-project-id", "x-security-token"} {
		if r.Header.Get(h) != "" {
			hs = append(hs, h)
		}
	}
	sort.Strings(hs)
	return hs
}

// Sign sets X-Sdk-Date (unless r already carries a parseable one) and the
// Authorization header on r. body must be the exact bytes that are sent;
// signed lists the header names to sign (nil means DefaultSignedHeaders).
func Sign(r *http.Request, body []byte, ak, sk string, now time.Time, signed []string) error {
	date := r.Header.Get(HeaderDate)
	if _, err := time.Parse(DateFormat, date); err != nil {
		date = now.UTC().Format(DateFormat)
		r.Header.Set(HeaderDate, date)
	}
	if signed == nil {
		signed = DefaultSignedHeaders(r)
	}
	signed = normalize(signed)
	canon, err := CanonicalRequest(r, signed, body)
	if err != nil {
		return err
	}
	sig := signature(canon, date, []byte(sk))
	r.Header.Set("Authorization", fmt.Sprintf("%s Access=%s, SignedHeaders=%s, Signature=%s",
		Algorithm, ak, strings.Join(signed, ";"), sig))
	return nil
}

func normalize(hs []string) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = strings.ToLower(strings.TrimSpace(h))
	}
	sort.Strings(out)
	return out
}

// Authorization is a parsed SDK-HMAC-SHA256 Authorization header.
type Authorization struct {
	AccessKey     string
	SignedHeaders []string
	Signature     string
}

// ParseAuthorization parses "SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…".
func ParseAuthorization(h string) (Authorization, error) {
	var a Authorization
	rest, ok := strings.CutPrefix(h, Algorithm+" ")
	if !ok {
		return a, errors.New("authorization is not " + Algorithm)
	}
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return a, fmt.Errorf("malformed authorization part %q", part)
		}
		switch k {
		case "Access":
			a.AccessKey = v
		case "SignedHeaders":
			a.SignedHeaders = strings.Split(v, ";")
		case "Signature":
			a.Signature = v
		}
	}
	if a.AccessKey == "" || len(a.SignedHeaders) == 0 || a.Signature == "" {
		return a, errors.New("authorization lacks Access, SignedHeaders or Signature")
	}
	return a, nil
}

// Errors returned by Verify.
var (
	ErrUnknownKey  = errors.New("unknown access key")
	ErrBadDate     = errors.New("missing or malformed X-Sdk-Date")
	ErrClockSkew   = errors.New("X-Sdk-Date outside the allowed window")
	ErrBadSig      = errors.New("signature does not match")
	ErrDateNotSign = errors.New("x-sdk-date is not among the signed headers")
)

// Verify checks r's signature over body, verifying whatever SignedHeaders
// lists. secretFor returns the secret key of an access key. The date must be
// within skew of now. It returns the access key on success.
func Verify(r *http.Request, body []byte, secretFor func(ak string) (string, bool), now time.Time, skew time.Duration) (string, error) {
	a, err := ParseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		return "", err
	}
	sk, ok := secretFor(a.AccessKey)
	if !ok {
		return a.AccessKey, ErrUnknownKey
	}
	date := r.Header.Get(HeaderDate)
	t, err := time.Parse(DateFormat, date)
	if err != nil {
		return a.AccessKey, ErrBadDate
	}
	if d := now.Sub(t); d > skew || d < -skew {
		return a.AccessKey, ErrClockSkew
	}
	signed := normalize(a.SignedHeaders)
	hasDate := false
	for _, h := range signed {
		hasDate = hasDate || h == "x-sdk-date"
	}
	if !hasDate {
		return a.AccessKey, ErrDateNotSign
	}
	canon, err := CanonicalRequest(r, signed, body)
	if err != nil {
		return a.AccessKey, err
	}
	want := signature(canon, date, []byte(sk))
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(a.Signature))) {
		return a.AccessKey, ErrBadSig
	}
	return a.AccessKey, nil
}
