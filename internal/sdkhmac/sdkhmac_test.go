package sdkhmac

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The three vectors of modelarts-api.md §4.3.
func TestVectors(t *testing.T) {
	t.Run("official doc example", func(t *testing.T) {
		r := httptest.NewRequest("GET", "https://service.region.example.com/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0", nil)
		r.Header.Set("Content-Type", "application/json")
		r.Host = "service.region.example.com"
		r.Header.Set("X-Sdk-Date", "20191115T033655Z")
		signed := []string{"content-type", "host", "x-sdk-date"}
		canon, err := CanonicalRequest(r, signed, nil)
		if err != nil {
			t.Fatal(err)
		}
		wantCanon := "GET\n/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/\nlimit=2&marker=13551d6b-755d-4757-b956-536f674975c0\n" +
			"content-type:application/json\nhost:service.region.example.com\nx-sdk-date:20191115T033655Z\n\n" +
			"content-type;host;x-sdk-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
		if canon != wantCanon {
			t.Fatalf("canonical request:\n%s\nwant:\n%s", canon, wantCanon)
		}
		sum := sha256.Sum256([]byte(canon))
		if got := hex.EncodeToString(sum[:]); got != "b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a" {
			t.Fatalf("canonical hash = %s", got)
		}
		if err := Sign(r, nil, "AK", "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc", time.Time{}, signed); err != nil {
			t.Fatal(err)
		}
		assertSig(t, r, "AK", "content-type;host;x-sdk-date", "7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe")
	})
	t.Run("sdk unit test GET", func(t *testing.T) {
		r := httptest.NewRequest("GET", "https://example.huaweicloud.com/path?limit=1", nil)
		r.Header.Set("X-Sdk-Date", "20060102T150405Z")
		r.Header["TEST_UNDERSCORE"] = []string{"TEST_VALUE"}
		if err := Sign(r, nil, "AccessKey", "SecretKey", time.Time{}, []string{"x-sdk-date"}); err != nil {
			t.Fatal(err)
		}
		assertSig(t, r, "AccessKey", "x-sdk-date", "5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624")
	})
	t.Run("sdk unit test POST", func(t *testing.T) {
		var body bytes.Buffer
		enc := json.NewEncoder(&body) // appends "\n", as the SDK does
		enc.SetEscapeHTML(false)
		if err := enc.Encode(struct {
			Name string
			Id   int
		}{"test", 1}); err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest("POST", "https://example.huaweicloud.com/path?key=value", bytes.NewReader(body.Bytes()))
		r.Header.Set("X-Sdk-Date", "20060102T150405Z")
		r.Header.Set("Content-Type", "application/json")
		r.Header["TEST_UNDERSCORE"] = []string{"TEST_VALUE"}
		if err := Sign(r, body.Bytes(), "AccessKey", "SecretKey", time.Time{}, []string{"x-sdk-date"}); err != nil {
			t.Fatal(err)
		}
		assertSig(t, r, "AccessKey", "x-sdk-date", "cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59")
	})
}

func assertSig(t *testing.T, r *http.Request, ak, signed, sig string) {
	t.Helper()
	want := "SDK-HMAC-SHA256 Access=" + ak + ", SignedHeaders=" + signed + ", Signature=" + sig
	if got := r.Header.Get("Authorization"); got != want {
		t.Fatalf("Authorization:\n got %s\nwant %s", got, want)
	}
}

func TestEscape(t *testing.T) {
	q := url.Values{
		"test":   {"一 (&=?!#%.*)"},
		"multi":  {"3", "1", "2"},
		"path":   {"/tmp/123"},
		"limit":  {"1"},
		"enable": {"true"},
	}
	want := "enable=true&limit=1&multi=1&multi=2&multi=3&path=%2Ftmp%2F123&test=%E4%B8%80%20%28%26%3D%3F%21%23%25.%2A%29"
	if got := CanonicalQuery(q); got != want {
		t.Fatalf("CanonicalQuery = %s\nwant %s", got, want)
	}
}

func TestVerify(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	keys := func(ak string) (string, bool) { return "sk-" + ak, ak == "good" }
	newReq := func() (*http.Request, []byte) {
		body := []byte(`{"name":"a"}`)
		r := httptest.NewRequest("POST", "http://127.0.0.1:8787/v1/p1/notebooks?limit=50", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("X-Project-Id", "p1")
		if err := Sign(r, body, "good", "sk-good", now, nil); err != nil {
			t.Fatal(err)
		}
		return r, body
	}
	tests := []struct {
		name   string
		tamper func(r *http.Request, body []byte) []byte
		at     time.Time
		want   error
	}{
		{"valid", nil, now, nil},
		{"valid within skew", nil, now.Add(10 * time.Minute), nil},
		{"body", func(r *http.Request, b []byte) []byte { return []byte(`{"name":"b"}`) }, now, ErrBadSig},
		{"query", func(r *http.Request, b []byte) []byte { r.URL.RawQuery = "limit=10"; return b }, now, ErrBadSig},
		{"path", func(r *http.Request, b []byte) []byte { r.URL.Path = "/v1/p2/notebooks"; return b }, now, ErrBadSig},
		{"signed header", func(r *http.Request, b []byte) []byte { r.Header.Set("X-Project-Id", "p2"); return b }, now, ErrBadSig},
		{"date", func(r *http.Request, b []byte) []byte { r.Header.Set("X-Sdk-Date", "20261126T120001Z"); return b }, now, ErrBadSig},
		{"too late", nil, now.Add(20 * time.Minute), ErrClockSkew},
		{"unknown key", func(r *http.Request, b []byte) []byte {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "Access=good", "Access=bad", 1))
			return b
		}, now, ErrUnknownKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, body := newReq()
			if tt.tamper != nil {
				body = tt.tamper(r, body)
			}
			_, err := Verify(r, body, keys, tt.at, 15*time.Minute)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}
