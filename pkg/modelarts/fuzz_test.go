package modelarts

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// FuzzParseAPIError feeds arbitrary error bodies: no panic, and a secret in
// the body never survives into the error text.
func FuzzParseAPIError(f *testing.F) {
	for _, s := range []string{
		`{"error_code":"ModelArts.6404","error_msg":"gone"}`,
		`{"code":"X","message":"y"}`,
		`{"error":{"code":401,"message":"m"}}`,
		`<html><body>502</body></html>`,
		`{"error_code":`, "", "\x00\xff",
	} {
		f.Add(s)
	}
	const secret = "fuzz-secret-value-123"
	f.Fuzz(func(t *testing.T, body string) {
		h := http.Header{"Retry-After": {body}, "X-Request-Id": {body}}
		e := parseAPIError(400, h, []byte(body+secret+body), false, time.Now(), []string{secret})
		if strings.Contains(e.Error(), secret) {
			t.Fatalf("secret in %q", e.Error())
		}
		_ = parseAPIError(500, h, []byte(body), true, time.Now(), nil).Error()
	})
}
