package modelarts

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
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

// FuzzResponseDecoding answers every call of a real client with an
// arbitrary status, content type and body (malformed or truncated JSON,
// HTML from a proxy, wrong shapes, NUL bytes): the client must never panic,
// must return within a bounded time, must not report success with a body
// it could not decode into a notebook id, and a secret in the body never
// survives into an error.
func FuzzResponseDecoding(f *testing.F) {
	const secret = "fuzz-secret-in-body-42"
	nb := `{"id":"4c1e0f3a-0000-4000-8000-000000000001","name":"nb","status":"RUNNING","url":"https://x","flavor":"f","image":{"id":"i"},"lease":{"duration":3600000}}`
	for _, s := range []struct {
		status uint16
		ctype  uint8
		body   string
	}{
		{200, 0, nb},
		{200, 0, `{"current":0,"data":[` + nb + `],"pages":1,"size":1,"total":1}`},
		{200, 0, `{"current":0,"data":[` + nb + `,` + nb + `],"pages":1,"size":2,"total":999999}`},
		{200, 0, `{"data":[{"id":1}],"total":"x"}`},
		{200, 0, `{"data":null,"total":-5}`},
		{200, 0, `{"data":[` + nb[:40]},
		{200, 0, `[]`},
		{200, 0, `null`},
		{200, 0, ""},
		{200, 1, "<html><body><h1>200 OK</h1>captive portal</body></html>"},
		{502, 1, "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"},
		{400, 0, `{"error_code":"ModelArts.6404","error_msg":"gone"}`},
		{401, 0, `{"error_code":"APIG.0301","error_msg":"Incorrect IAM authentication information"}`},
		{429, 0, `{"error_code":"APIG.0308","error_msg":"throttled"}`},
		{503, 2, "\x00\xff\xfe{"},
		{204, 0, ""},
		{400, 0, `{"error_code":"ModelArts.0104","error_msg":"bad signature for SK ` + secret + `"}`},
		{502, 1, "<html>upstream said " + secret + "</html>"},
	} {
		f.Add(s.status, s.ctype, []byte(s.body))
	}
	var (
		mu     sync.Mutex
		status int
		ctype  string
		body   []byte
	)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		st, ct, b := status, ctype, body
		mu.Unlock()
		w.Header().Set("Content-Type", ct)
		w.Header().Set("X-Request-Id", "fuzz")
		w.WriteHeader(st)
		_, _ = w.Write(b)
	}))
	defer hs.Close()
	cfg := Config{
		Cloud: OTC, Region: "eu-de", Endpoint: hs.URL, IAMEndpoint: hs.URL, ProjectID: "0123456789abcdef0123456789abcdef",
		Credentials: Credentials{AK: "FUZZAK", SK: Secret(secret)},
		UserAgent:   "nbfleet/fuzz", Limiter: NewLimiter(0),
		Retry: RetryPolicy{MaxAttempts: 2, WaitMin: time.Millisecond, WaitMax: time.Millisecond, MaxElapsed: 50 * time.Millisecond},
	}
	c, err := New(cfg)
	if err != nil {
		f.Fatal(err)
	}
	ctypes := []string{"application/json", "text/html", "application/octet-stream", ""}
	f.Fuzz(func(t *testing.T, st uint16, ct uint8, b []byte) {
		mu.Lock()
		status = 200 + int(st)%400 // 200…599
		ctype = ctypes[int(ct)%len(ctypes)]
		body = append([]byte{}, b...)
		mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		check := func(what string, err error) {
			if ctx.Err() != nil {
				t.Fatalf("%s did not return within 10 s", what)
			}
			if err != nil && strings.Contains(err.Error(), secret) {
				t.Fatalf("%s: the body's secret is in the error: %v", what, err)
			}
		}
		nbs, err := c.List(ctx, ListOptions{})
		check("List", err)
		for _, n := range nbs {
			if n.ID == "" {
				t.Fatalf("List returned a notebook without an id")
			}
		}
		got, err := c.Get(ctx, "4c1e0f3a-0000-4000-8000-000000000001")
		check("Get", err)
		if err == nil && got == nil {
			t.Fatal("Get: no notebook and no error")
		}
		created, err := c.Create(ctx, &CreateRequest{Name: "nb", Flavor: "f", ImageID: "i", Volume: VolumeReq{Category: "EVS", Ownership: "MANAGED"}})
		check("Create", err)
		if err == nil && (created == nil || created.ID == "") {
			t.Fatalf("Create succeeded without a notebook id: %+v", created)
		}
		_, err = c.Stop(ctx, "4c1e0f3a-0000-4000-8000-000000000001")
		check("Stop", err)
		check("Delete", c.Delete(ctx, "4c1e0f3a-0000-4000-8000-000000000001"))
		_, err = c.GetLease(ctx, "4c1e0f3a-0000-4000-8000-000000000001")
		check("GetLease", err)
		_, err = c.ListFlavors(ctx)
		check("ListFlavors", err)
	})
}
