package emulator

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nbfleet/nbfleet/internal/sdkhmac"
)

// signed builds a request signed by the demo key, then lets tamper change it.
func (e *env) signed(method, path, body string, at time.Time, tamper func(r *http.Request) string) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.http.URL+path, nil)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Project-Id", DefaultProjectID)
	req.Header.Set("X-Custom", "signed-value")
	signedHeaders := []string{"content-type", "host", "x-custom", "x-project-id", "x-sdk-date"}
	if err := sdkhmac.Sign(req, []byte(body), DefaultAK, DefaultSK, at, signedHeaders); err != nil {
		e.t.Fatal(err)
	}
	if tamper != nil {
		body = tamper(req)
	}
	req.Body = io.NopCloser(strings.NewReader(body))
	req.ContentLength = int64(len(body))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	data, _ := io.ReadAll(res.Body)
	_ = jsonUnmarshal(data, &m)
	return res.StatusCode, m
}

func TestSignature(t *testing.T) {
	e := newEnv(t, Options{Auth: AuthRequired})
	now := e.clock.Now()
	path := e.path("/notebooks")
	if code, m := e.signed("POST", path, validBody, now, nil); code != 200 {
		t.Fatalf("signed create: %d %v", code, m)
	}
	if code, m := e.signed("GET", path+"?limit=10&name=nb", "", now, nil); code != 200 {
		t.Fatalf("signed list: %d %v", code, m)
	}
	tampers := []struct {
		name string
		f    func(r *http.Request) string
		at   time.Time
	}{
		{"body", func(r *http.Request) string { return strings.Replace(validBody, "nb1", "nb2", 1) }, now},
		{"query", func(r *http.Request) string { r.URL.RawQuery = "limit=50"; return "" }, now},
		{"header", func(r *http.Request) string { r.Header.Set("X-Custom", "other"); return validBody }, now},
		{"date", func(r *http.Request) string {
			r.Header.Set(sdkhmac.HeaderDate, now.Add(time.Second).UTC().Format(sdkhmac.DateFormat))
			return validBody
		}, now},
		{"too old", nil, now.Add(-16 * time.Minute)},
		{"wrong key", func(r *http.Request) string {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), DefaultAK, "OTHERAK", 1))
			return validBody
		}, now},
	}
	for _, tt := range tampers {
		t.Run(tt.name, func(t *testing.T) {
			e.srv.Reset() // clears lockouts
			body := validBody
			if tt.name == "query" {
				body = ""
			}
			code, m := e.signed(map[bool]string{true: "GET", false: "POST"}[tt.name == "query"], path+map[bool]string{true: "?limit=10", false: ""}[tt.name == "query"], body, tt.at, tt.f)
			if code != 401 || m["error_code"] != codeAuth || !strings.HasPrefix(m["error_msg"].(string), "Incorrect IAM authentication information") || m["request_id"] == "" {
				t.Fatalf("tampered %s: %d %v", tt.name, code, m)
			}
		})
	}
	// No credentials at all.
	if code, m, _ := e.do("GET", path, ""); code != 401 || m["error_code"] != codeAuth {
		t.Errorf("anonymous: %d %v", code, m)
	}
}

func TestLockout(t *testing.T) {
	e := newEnv(t, Options{Auth: AuthRequired})
	bad := func(r *http.Request) string {
		r.Header.Set("X-Custom", "tampered")
		return ""
	}
	path := e.path("/notebooks")
	for i := range LockoutFailures {
		if code, _ := e.signed("GET", path, "", e.clock.Now(), bad); code != 401 {
			t.Fatalf("failure %d: %d", i, code)
		}
	}
	code, m := e.signed("GET", path, "", e.clock.Now(), nil)
	if code != 401 || !strings.Contains(m["error_msg"].(string), "locked") {
		t.Fatalf("good signature while locked: %d %v", code, m)
	}
	e.clock.Add(LockoutTime)
	if code, m := e.signed("GET", path, "", e.clock.Now(), nil); code != 200 {
		t.Fatalf("after the lock: %d %v", code, m)
	}
	// Four failures and a success do not lock.
	for range LockoutFailures - 1 {
		e.signed("GET", path, "", e.clock.Now(), bad)
	}
	e.signed("GET", path, "", e.clock.Now(), nil)
	e.signed("GET", path, "", e.clock.Now(), bad)
	if code, _ := e.signed("GET", path, "", e.clock.Now(), nil); code != 200 {
		t.Fatalf("success should reset the failure count: %d", code)
	}
}

func tokenBody(user, password, project string) string {
	return fmt.Sprintf(`{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":%q,"password":%q,"domain":{"name":%q}}}},"scope":{"project":{"name":%q}}}}`,
		user, password, DefaultDomain, project)
}

func TestPasswordAndToken(t *testing.T) {
	e := newEnv(t, Options{Auth: AuthRequired, TokenTTL: time.Hour})
	if code, m, _ := e.do("POST", "/v3/auth/tokens", tokenBody(DefaultUser, "wrong", DefaultProjectName)); code != 401 || m["error"] == nil {
		t.Fatalf("wrong password: %d %v", code, m)
	}
	code, m, h := e.do("POST", "/v3/auth/tokens", tokenBody(DefaultUser, DefaultPassword, DefaultProjectName))
	if code != 201 || h.Get("X-Subject-Token") == "" {
		t.Fatalf("password: %d %v", code, m)
	}
	if p := m["token"].(map[string]any)["project"].(map[string]any); p["id"] != DefaultProjectID {
		t.Errorf("token project %v", p)
	}
	e.token = h.Get("X-Subject-Token")
	if code, m, _ := e.do("GET", e.path("/notebooks"), ""); code != 200 {
		t.Fatalf("with token: %d %v", code, m)
	}
	if code, m, _ := e.do("GET", "/v3/projects?name="+DefaultProjectName, ""); code != 200 || len(m["projects"].([]any)) != 1 {
		t.Fatalf("projects: %d %v", code, m)
	}
	// A token of another project is 404 ModelArts.2786 (rule 6), not a
	// not-found of a notebook.
	if code, m, _ := e.do("GET", "/v1/otherproject/notebooks", ""); code != 404 || m["error_code"] != codeWrongProject {
		t.Errorf("token for another project: %d %v", code, m)
	}
	e.clock.Add(time.Hour)
	if code, m, _ := e.do("GET", e.path("/notebooks"), ""); code != 401 || !strings.Contains(m["error_msg"].(string), "expires") {
		t.Errorf("expired token: %d %v", code, m)
	}
	_, _, h = e.do("POST", "/v3/auth/tokens", tokenBody(DefaultUser, DefaultPassword, DefaultProjectName))
	e.token = h.Get("X-Subject-Token")
	e.srv.RevokeTokens()
	if code, _, _ := e.do("GET", e.path("/notebooks"), ""); code != 401 {
		t.Errorf("revoked token: %d", code)
	}
	e.token = ""
	if code, _, _ := e.do("GET", "/v3/projects", ""); code != 401 {
		t.Errorf("projects without auth: %d", code)
	}
	e.sign = true
	if code, m, _ := e.do("GET", "/v3/projects", ""); code != 200 {
		t.Errorf("projects signed: %d %v", code, m)
	}
}
