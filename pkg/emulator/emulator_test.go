package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nbfleet/nbfleet/internal/sdkhmac"
)

// clock is a settable clock for deterministic tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	t     *testing.T
	srv   *Server
	http  *httptest.Server
	clock *clock
	token string // sent as X-Auth-Token when set
	sign  bool   // sign with the demo AK/SK
}

func newEnv(t *testing.T, o Options) *env {
	t.Helper()
	c := newClock()
	if o.Clock == nil {
		o.Clock = c.Now
	}
	if o.Auth == "" {
		o.Auth = AuthNone
	}
	o.CreateTime, o.StartTime, o.StopTime, o.DeleteTime = nz(o.CreateTime, 400*time.Millisecond), nz(o.StartTime, 200*time.Millisecond), nz(o.StopTime, 100*time.Millisecond), nz(o.DeleteTime, 50*time.Millisecond)
	s, err := NewHandler(o)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(func() { hs.Close(); s.Close() })
	return &env{t: t, srv: s, http: hs, clock: c}
}

func nz(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

func (e *env) path(p string) string {
	return "/v1/" + DefaultProjectID + p
}

// do sends a request and decodes a JSON answer into a map.
func (e *env) do(method, path, body string) (int, map[string]any, http.Header) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.http.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if e.token != "" {
		req.Header.Set("X-Auth-Token", e.token)
	}
	if e.sign {
		req.Header.Set("X-Project-Id", DefaultProjectID)
		if err := sdkhmac.Sign(req, []byte(body), DefaultAK, DefaultSK, e.clock.Now(), nil); err != nil {
			e.t.Fatal(err)
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	var m map[string]any
	if len(data) > 0 {
		if err := json.Unmarshal(data, &m); err != nil {
			e.t.Fatalf("%s %s: answer %q: %v", method, path, data, err)
		}
	}
	if res.Header.Get("X-Request-Id") == "" {
		e.t.Errorf("%s %s: no X-Request-Id", method, path)
	}
	return res.StatusCode, m, res.Header
}

const validBody = `{"name":"nb1","flavor":"modelarts.vm.cpu.2u","image_id":"e1a07296-22a8-4f05-8bc8-e936c8e54090","volume":{"category":"evs","ownership":"managed","capacity":50}}`

func (e *env) create(body string) map[string]any {
	e.t.Helper()
	code, m, _ := e.do("POST", e.path("/notebooks"), body)
	if code != 200 {
		e.t.Fatalf("create: %d %v", code, m)
	}
	return m
}

func (e *env) status(id string) string {
	e.t.Helper()
	code, m, _ := e.do("GET", e.path("/notebooks/"+id), "")
	if code != 200 {
		if m["error_code"] == codeNotFound {
			return "GONE"
		}
		e.t.Fatalf("show %s: %d %v", id, code, m)
	}
	return m["status"].(string)
}

func TestLifecycle(t *testing.T) {
	e := newEnv(t, Options{})
	nb := e.create(validBody)
	id := nb["id"].(string)
	if nb["status"] != StatusCreating || nb["token"] == "" || nb["lease"] == nil || nb["url"] != nil {
		t.Fatalf("create answer: %v", nb)
	}
	e.clock.Add(150 * time.Millisecond)
	_, m, _ := e.do("GET", e.path("/notebooks/"+id), "")
	var got []string
	for _, p := range m["action_progress"].([]any) {
		got = append(got, p.(map[string]any)["status"].(string))
	}
	if want := "COMPLETED PROCESSING WAITING WAITING"; strings.Join(got, " ") != want {
		t.Errorf("progress at 150/400 ms = %v, want %s", got, want)
	}
	steps := []struct {
		advance time.Duration
		method  string
		path    string
		want    string
	}{
		{249 * time.Millisecond, "", "", StatusCreating},
		{1 * time.Millisecond, "", "", StatusRunning},
		{0, "POST", "/stop", StatusStopping},
		{99 * time.Millisecond, "", "", StatusStopping},
		{1 * time.Millisecond, "", "", StatusStopped},
		{0, "POST", "/start", StatusStarting},
		{200 * time.Millisecond, "", "", StatusRunning},
		{0, "DELETE", "", StatusDeleting},
		{49 * time.Millisecond, "", "", StatusDeleting},
		{1 * time.Millisecond, "", "", StatusDeleted},
		{DefaultDeletedVisible - time.Millisecond, "", "", StatusDeleted},
		{1 * time.Millisecond, "", "", "GONE"},
	}
	for i, st := range steps {
		e.clock.Add(st.advance)
		if st.method != "" {
			code, m, _ := e.do(st.method, e.path("/notebooks/"+id+st.path), "")
			if code != 200 || m["status"] != st.want {
				t.Fatalf("step %d %s %s: %d %v", i, st.method, st.path, code, m)
			}
			continue
		}
		if s := e.status(id); s != st.want {
			t.Fatalf("step %d: status %s, want %s", i, s, st.want)
		}
		if st.want == StatusRunning {
			_, m, _ := e.do("GET", e.path("/notebooks/"+id), "")
			if u, _ := m["url"].(string); !strings.HasSuffix(u, "/_emulator/notebook/"+id+"/lab") {
				t.Errorf("url %q", u)
			}
		}
	}
}

func TestBusyAndNotFound(t *testing.T) {
	e := newEnv(t, Options{})
	id := e.create(validBody)["id"].(string)
	for _, op := range []struct{ method, path string }{{"POST", "/stop"}, {"POST", "/start"}, {"DELETE", ""}} {
		if code, m, _ := e.do(op.method, e.path("/notebooks/"+id+op.path), ""); code != 400 || m["error_code"] != codeBusy {
			t.Errorf("%s %s while CREATING: %d %v", op.method, op.path, code, m)
		}
	}
	if code, m, _ := e.do("PUT", e.path("/notebooks/"+id), `{"description":"x"}`); code != 400 || m["error_code"] != codeWrongStatus {
		t.Errorf("update while CREATING: %d %v", code, m)
	}
	e.clock.Add(time.Second)
	if code, m, _ := e.do("POST", e.path("/notebooks/"+id+"/start"), ""); code != 400 || m["error_code"] != codeRunning {
		t.Errorf("start while RUNNING: %d %v", code, m)
	}
	e.do("POST", e.path("/notebooks/"+id+"/stop"), "")
	for _, op := range []struct{ path, code string }{{"/stop", codeStopping}, {"/start", codeStopping}} {
		if code, m, _ := e.do("POST", e.path("/notebooks/"+id+op.path), ""); code != 400 || m["error_code"] != op.code {
			t.Errorf("%s while STOPPING: %d %v", op.path, code, m)
		}
	}
	e.clock.Add(time.Second)
	if code, m, _ := e.do("POST", e.path("/notebooks/"+id+"/stop"), ""); code != 400 || m["error_code"] != codeStopped {
		t.Errorf("stop while STOPPED: %d %v", code, m)
	}
	e.do("POST", e.path("/notebooks/"+id+"/start"), "")
	if code, m, _ := e.do("POST", e.path("/notebooks/"+id+"/stop"), ""); code != 400 || m["error_code"] != codeStarting {
		t.Errorf("stop while STARTING: %d %v", code, m)
	}
	for _, op := range []struct{ method, path string }{{"GET", ""}, {"PUT", ""}, {"DELETE", ""}, {"POST", "/start"}, {"POST", "/stop"}, {"GET", "/lease"}} {
		if code, m, _ := e.do(op.method, e.path("/notebooks/00000000-0000-4000-8000-000000000000"+op.path), `{"name":"x"}`); code != 400 || m["error_code"] != codeNotFound {
			t.Errorf("%s missing%s: %d %v", op.method, op.path, code, m)
		}
	}
	if code, m, _ := e.do("GET", "/v1/x/unknown", ""); code != 404 || m["error_code"] != codeNoAPI {
		t.Errorf("unknown path: %d %v", code, m)
	}
}

func TestCreateValidation(t *testing.T) {
	e := newEnv(t, Options{})
	base := func() map[string]any {
		var m map[string]any
		_ = json.Unmarshal([]byte(validBody), &m)
		return m
	}
	vol := func(m map[string]any) map[string]any { return m["volume"].(map[string]any) }
	tests := []struct {
		name string
		edit func(m map[string]any)
		code string // "" means accepted
	}{
		{"valid", func(m map[string]any) {}, ""},
		{"name missing", func(m map[string]any) { delete(m, "name") }, codeInvalid},
		{"name empty", func(m map[string]any) { m["name"] = "" }, codeInvalid},
		{"name 128", func(m map[string]any) { m["name"] = strings.Repeat("a", 128) }, ""},
		{"name 129", func(m map[string]any) { m["name"] = strings.Repeat("a", 129) }, codeInvalid},
		{"name dot", func(m map[string]any) { m["name"] = "a.b" }, codeInvalid},
		{"name space", func(m map[string]any) { m["name"] = "a b" }, codeInvalid},
		{"name chars", func(m map[string]any) { m["name"] = "Ab-9_z" }, ""},
		{"description 512", func(m map[string]any) { m["description"] = strings.Repeat("d", 512) }, ""},
		{"description 513", func(m map[string]any) { m["description"] = strings.Repeat("d", 513) }, codeInvalid},
		{"description &", func(m map[string]any) { m["description"] = "a&b" }, codeInvalid},
		{"description <", func(m map[string]any) { m["description"] = "a<b" }, codeInvalid},
		{"description >", func(m map[string]any) { m["description"] = "a>b" }, codeInvalid},
		{"description quote", func(m map[string]any) { m["description"] = `a"b` }, codeInvalid},
		{"description apostrophe", func(m map[string]any) { m["description"] = "a'b" }, codeInvalid},
		{"description slash", func(m map[string]any) { m["description"] = "a/b" }, codeInvalid},
		{"flavor missing", func(m map[string]any) { delete(m, "flavor") }, codeInvalid},
		{"flavor unknown", func(m map[string]any) { m["flavor"] = "modelarts.vm.cpu.999u" }, codeNoFlavor},
		{"flavor sold out", func(m map[string]any) { m["flavor"] = SoldOutFlavor }, codeSoldOut},
		{"image missing", func(m map[string]any) { delete(m, "image_id") }, codeInvalid},
		{"image not uuid", func(m map[string]any) { m["image_id"] = "ubuntu" }, codeInvalid},
		{"image unknown", func(m map[string]any) { m["image_id"] = "00000000-0000-4000-8000-000000000000" }, codeNoImage},
		{"volume missing", func(m map[string]any) { delete(m, "volume") }, codeInvalid},
		{"category missing", func(m map[string]any) { delete(vol(m), "category") }, codeInvalid},
		{"category bad", func(m map[string]any) { vol(m)["category"] = "NFS" }, codeInvalid},
		{"category upper", func(m map[string]any) { vol(m)["category"] = "EVS" }, ""},
		{"category SFS", func(m map[string]any) { vol(m)["category"] = "SFS" }, ""},
		{"ownership missing", func(m map[string]any) { delete(vol(m), "ownership") }, codeInvalid},
		{"ownership bad", func(m map[string]any) { vol(m)["ownership"] = "MINE" }, codeInvalid},
		{"dedicated evs", func(m map[string]any) { vol(m)["ownership"] = "DEDICATED" }, codeInvalid},
		{"dedicated efs no uri", func(m map[string]any) {
			vol(m)["ownership"] = "DEDICATED"
			vol(m)["category"] = "EFS"
			vol(m)["id"] = "x"
		}, codeInvalid},
		{"dedicated efs no id", func(m map[string]any) {
			vol(m)["ownership"] = "DEDICATED"
			vol(m)["category"] = "EFS"
			vol(m)["uri"] = "1.2.3.4:/x"
		}, codeInvalid},
		{"dedicated efs", func(m map[string]any) {
			vol(m)["ownership"] = "DEDICATED"
			vol(m)["category"] = "EFS"
			vol(m)["uri"] = "192.168.0.1:/share"
			vol(m)["id"] = "280a8bd5-03e2-4a5c-bea1-83d81e75bc53"
		}, ""},
		{"capacity 4096", func(m map[string]any) { vol(m)["capacity"] = 4096 }, ""},
		{"capacity 4097", func(m map[string]any) { vol(m)["capacity"] = 4097 }, codeCapacity},
		{"capacity 0", func(m map[string]any) { vol(m)["capacity"] = 0 }, codeCapacity},
		{"capacity string", func(m map[string]any) { vol(m)["capacity"] = "50" }, codeBadPayload},
		{"5 ips", func(m map[string]any) {
			m["endpoints"] = []any{map[string]any{"service": "SSH", "key_pair_names": []string{"k"}, "allowed_access_ips": []string{"1.1.1.1", "1.1.1.2", "1.1.1.3", "1.1.1.4", "::1"}}}
		}, ""},
		{"6 ips", func(m map[string]any) {
			m["endpoints"] = []any{map[string]any{"service": "SSH", "allowed_access_ips": []string{"1.1.1.1", "1.1.1.2", "1.1.1.3", "1.1.1.4", "1.1.1.5", "1.1.1.6"}}}
		}, codeInvalid},
		{"bad ip", func(m map[string]any) {
			m["endpoints"] = []any{map[string]any{"service": "SSH", "allowed_access_ips": []string{"1.1.1"}}}
		}, codeInvalid},
		{"obsolete spelling ignored", func(m map[string]any) {
			m["endpoints"] = []any{map[string]any{"dev_service": "SSH", "ssh_keys": []string{"k"}}}
		}, ""},
		{"service bad", func(m map[string]any) { m["endpoints"] = []any{map[string]any{"service": "FTP"}} }, codeInvalid},
		{"duration min", func(m map[string]any) { m["duration"] = 3600000 }, ""},
		{"duration max", func(m map[string]any) { m["duration"] = 259200000 }, ""},
		{"duration -1", func(m map[string]any) { m["duration"] = -1 }, ""},
		{"duration low", func(m map[string]any) { m["duration"] = 3599999 }, codeDuration},
		{"duration high", func(m map[string]any) { m["duration"] = 259200001 }, codeDuration},
		{"lease ok", func(m map[string]any) { m["lease"] = map[string]any{"duration": 7200000, "type": "idle"} }, ""},
		{"lease low", func(m map[string]any) { m["lease"] = map[string]any{"duration": 1000} }, codeDuration},
		{"lease type bad", func(m map[string]any) { m["lease"] = map[string]any{"type": "never"} }, codeInvalid},
		{"duration wins over lease", func(m map[string]any) {
			m["duration"] = 3600000
			m["lease"] = map[string]any{"type": "never"}
		}, ""},
		{"feature DEFAULT", func(m map[string]any) { m["feature"] = "DEFAULT" }, ""},
		{"feature bad", func(m map[string]any) { m["feature"] = "FREE" }, codeInvalid},
		{"hook command", func(m map[string]any) {
			m["hooks"] = map[string]any{"container_hooks": map[string]any{"pre_start": map[string]any{"script": "ZWNobyBoaQ==", "type": "COMMAND"}}}
		}, ""},
		{"hook command not base64", func(m map[string]any) {
			m["hooks"] = map[string]any{"container_hooks": map[string]any{"pre_start": map[string]any{"script": "echo hi", "type": "COMMAND"}}}
		}, codeInvalid},
		{"hook script path", func(m map[string]any) {
			m["hooks"] = map[string]any{"container_hooks": map[string]any{"post_start": map[string]any{"script": "/home/ma-user/x.sh"}}}
		}, ""},
		{"hook script relative", func(m map[string]any) {
			m["hooks"] = map[string]any{"container_hooks": map[string]any{"post_start": map[string]any{"script": "x.sh", "type": "SCRIPT"}}}
		}, codeInvalid},
		{"hook type bad", func(m map[string]any) {
			m["hooks"] = map[string]any{"container_hooks": map[string]any{"post_start": map[string]any{"script": "/x", "type": "SHELL"}}}
		}, codeInvalid},
		{"unknown field ignored", func(m map[string]any) { m["affinity"] = map[string]any{"x": 1} }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := base()
			tt.edit(m)
			body, _ := json.Marshal(m)
			code, out, _ := e.do("POST", e.path("/notebooks"), string(body))
			if tt.code == "" {
				if code != 200 {
					t.Fatalf("%d %v", code, out)
				}
				return
			}
			if code != 400 || out["error_code"] != tt.code || out["error_msg"] == "" {
				t.Fatalf("got %d %v, want 400 %s", code, out, tt.code)
			}
		})
	}
	if code, out, _ := e.do("POST", e.path("/notebooks"), "{"); code != 400 || out["error_code"] != codeBadPayload {
		t.Errorf("broken JSON: %d %v", code, out)
	}
	if code, out, _ := e.do("POST", e.path("/notebooks"), validBody[:len(validBody)-1]+`,"feature":"DEFAULT"}`); code != 400 || out["error_code"] != codeExists {
		t.Errorf("second DEFAULT: %d %v", code, out)
	}
}

func TestList(t *testing.T) {
	e := newEnv(t, Options{})
	var seeds []SeedNotebook
	for i := range 120 {
		s := SeedNotebook{Name: fmt.Sprintf("ws-%03d", i), CreateAt: e.clock.Now().Add(time.Duration(i) * time.Second)}
		if i%10 == 0 {
			s.Status = StatusStopped
		}
		if i%40 == 1 {
			s.Feature = "DEFAULT"
		}
		seeds = append(seeds, s)
	}
	if _, err := e.srv.Seed("", seeds...); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"limit=5", "limit=100", "limit=x", "offset=-1", "status=BOGUS", "feature=X", "sort_dir=UP"} {
		if code, m, _ := e.do("GET", e.path("/notebooks?"+bad), ""); code != 400 || m["error_code"] != codeBadParam {
			t.Errorf("%s: %d %v", bad, code, m)
		}
	}
	tests := []struct {
		query              string
		total, size, pages int
		first              string
	}{
		{"", 117, 10, 12, "ws-119"},
		{"limit=50&offset=100", 117, 17, 3, "ws-017"},
		{"limit=50&offset=200", 117, 0, 3, ""},
		{"limit=20&sort_dir=ASC", 117, 20, 6, "ws-000"},
		{"feature=DEFAULT", 3, 3, 1, "ws-081"},
		{"status=STOPPED&limit=50", 12, 12, 1, "ws-110"},
		{"name=WS-10&limit=50", 10, 10, 1, "ws-109"},
		{"workspace_id=0", 117, 10, 12, "ws-119"},
		{"workspace_id=1", 0, 0, 0, ""},
		{"workspaceId=1", 117, 10, 12, "ws-119"}, // OTC's spelling: unknown on HWC, so the default "0"
	}
	for _, tt := range tests {
		_, m, _ := e.do("GET", e.path("/notebooks?"+tt.query), "")
		data := m["data"].([]any)
		limit := 10
		if strings.Contains(tt.query, "limit=50") {
			limit = 50
		} else if strings.Contains(tt.query, "limit=20") {
			limit = 20
		}
		// size is the page size asked for, as in the OTC example (size 10, 2 items).
		if int(m["total"].(float64)) != tt.total || len(data) != tt.size || int(m["size"].(float64)) != limit || int(m["pages"].(float64)) != tt.pages {
			t.Errorf("%q: total %v data %d size %v pages %v, want %d %d %d %d", tt.query, m["total"], len(data), m["size"], m["pages"], tt.total, tt.size, limit, tt.pages)
			continue
		}
		if len(data) > 0 && data[0].(map[string]any)["name"] != tt.first {
			t.Errorf("%q: first %v, want %s", tt.query, data[0].(map[string]any)["name"], tt.first)
		}
	}
	// Pagination visits every notebook exactly once.
	seen := map[string]bool{}
	for off := 0; ; off += 50 {
		_, m, _ := e.do("GET", e.path(fmt.Sprintf("/notebooks?limit=50&offset=%d", off)), "")
		data := m["data"].([]any)
		for _, d := range data {
			id := d.(map[string]any)["id"].(string)
			if seen[id] {
				t.Fatalf("id %s twice", id)
			}
			seen[id] = true
		}
		if len(data) < 50 {
			break
		}
	}
	if len(seen) != 117 {
		t.Errorf("paged %d notebooks, want 117", len(seen))
	}
	// Another project sees nothing.
	if _, m, _ := e.do("GET", "/v1/otherproject/notebooks", ""); m["total"].(float64) != 0 {
		t.Errorf("other project: %v", m["total"])
	}
}

func TestFlavorsImagesLease(t *testing.T) {
	e := newEnv(t, Options{})
	_, m, _ := e.do("GET", e.path("/notebooks/flavors"), "")
	soldOut := 0
	for _, f := range m["flavors"].([]any) {
		if f.(map[string]any)["sold_out"] == true {
			soldOut++
		}
	}
	if soldOut != 1 || int(m["total"].(float64)) != len(Flavors()) {
		t.Errorf("flavors: %v", m)
	}
	_, m, _ = e.do("GET", e.path("/images"), "")
	if m["data"].([]any)[0].(map[string]any)["id"] != DefaultImageID {
		t.Errorf("images: %v", m)
	}
	id := e.create(validBody)["id"].(string)
	e.clock.Add(time.Second)
	// lease.duration counts from lease.create_at (rule 15): renewing 2 h
	// one second after the create reports 2 h + 1 s.
	if code, m, _ := e.do("PATCH", e.path("/notebooks/"+id+"/lease?duration=7200000"), ""); code != 200 || m["duration"].(float64) != 7201000 {
		t.Errorf("renew by query: %d %v", code, m)
	}
	if code, m, _ := e.do("PATCH", e.path("/notebooks/"+id+"/lease"), `{"duration":10800000,"type":"timing"}`); code != 200 || m["duration"].(float64) != 10801000 {
		t.Errorf("renew by body: %d %v", code, m)
	}
	if code, m, _ := e.do("PATCH", e.path("/notebooks/"+id+"/lease?duration=5"), ""); code != 400 || m["error_code"] != codeDuration {
		t.Errorf("renew out of range: %d %v", code, m)
	}
	if code, m, _ := e.do("GET", e.path("/notebooks/"+id+"/lease"), ""); code != 200 || m["enable"] != true {
		t.Errorf("show lease: %d %v", code, m)
	}
	// The lease stops the notebook when it runs out.
	e.clock.Add(3*time.Hour + time.Millisecond)
	if s := e.status(id); s != StatusStopped {
		t.Errorf("after the lease: %s", s)
	}
}

func TestQuota(t *testing.T) {
	e := newEnv(t, Options{Quota: 2})
	e.create(validBody)
	e.create(validBody)
	if code, m, _ := e.do("POST", e.path("/notebooks"), validBody); code != 400 || m["error_code"] != codeQuota {
		t.Fatalf("third create: %d %v", code, m)
	}
}

func TestThrottling(t *testing.T) {
	e := newEnv(t, Options{RateLimit: 10, RateBurst: 2})
	var codes []int
	for range 3 {
		code, m, h := e.do("GET", e.path("/notebooks"), "")
		codes = append(codes, code)
		if code == 429 {
			if m["error_code"] != codeThrottled || h.Get("Retry-After") != "1" || !strings.Contains(m["error_msg"].(string), "limit:10,time:1 second") {
				t.Errorf("429 answer: %v %v", m, h)
			}
		}
	}
	if fmt.Sprint(codes) != "[200 200 429]" {
		t.Fatalf("codes %v", codes)
	}
	e.clock.Add(100 * time.Millisecond) // one token back
	if code, _, _ := e.do("GET", e.path("/notebooks"), ""); code != 200 {
		t.Errorf("after refill: %d", code)
	}
	if st := e.srv.Stats(); st.Throttled != 1 || st.Requests["list"][429] != 1 {
		t.Errorf("stats %+v", st)
	}
	e.srv.SetRateLimit(0, 0)
	for range 5 {
		if code, _, _ := e.do("GET", e.path("/notebooks"), ""); code != 200 {
			t.Fatalf("limit off: %d", code)
		}
	}
}

func TestFaultsDeterministic(t *testing.T) {
	f, err := ParseFaults("500=0.1,502=0.1,503=0.1,reset=0.1,lost-create=0.2,create-failed=0.3,start-failed=0.3")
	if err != nil {
		t.Fatal(err)
	}
	run := func() (string, Stats) {
		e := newEnv(t, Options{Seed: 42, Faults: f})
		var b strings.Builder
		for range 40 {
			req, _ := http.NewRequest("POST", e.http.URL+e.path("/notebooks"), strings.NewReader(validBody))
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				b.WriteString("reset ")
				continue
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			fmt.Fprintf(&b, "%d ", res.StatusCode)
		}
		e.clock.Add(time.Second)
		for _, nb := range e.srv.Notebooks("") {
			b.WriteString(nb.Status[:1])
		}
		return b.String(), e.srv.Stats()
	}
	a, sa := run()
	b, _ := run()
	if a != b {
		t.Fatalf("same seed, different outcomes:\n%s\n%s", a, b)
	}
	for _, k := range []string{Fault500, Fault502, Fault503, FaultReset, FaultLostCreate, FaultCreateFailed} {
		if sa.Faults[k] == 0 {
			t.Errorf("fault %s never injected in %s", k, a)
		}
	}
	if !strings.Contains(a, "reset") || !strings.Contains(a, "C") {
		t.Errorf("no reset or CREATE_FAILED in %s", a)
	}
	if sa.NotebooksCreated <= int64(strings.Count(a, "200 ")) {
		t.Errorf("lost creates did not create: %d created, %s", sa.NotebooksCreated, a)
	}
}

func TestStartFailed(t *testing.T) {
	e := newEnv(t, Options{})
	id := e.create(validBody)["id"].(string)
	e.clock.Add(time.Second)
	e.do("POST", e.path("/notebooks/"+id+"/stop"), "")
	e.clock.Add(time.Second)
	e.srv.SetFaults(Faults{StartFailed: 1})
	e.do("POST", e.path("/notebooks/"+id+"/start?duration=-1"), "")
	e.clock.Add(time.Second)
	_, m, _ := e.do("GET", e.path("/notebooks/"+id), "")
	if m["status"] != StatusStartFailed || m["fail_reason"] == "" || m["lease"].(map[string]any)["enable"] != false {
		t.Fatalf("after start-failed: %v", m)
	}
}

func TestPersistence(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	c := newClock()
	s1, err := New(Options{StatePath: path, Clock: c.Now, Auth: AuthNone})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s1.Seed("", SeedNotebook{Name: "a"}, SeedNotebook{Name: "b", Status: StatusCreating}, SeedNotebook{Name: "c", Status: StatusCreateFailed, FailReason: "x"}); err != nil {
		t.Fatal(err)
	}
	res, err := http.Post(s1.URL()+"/v1/"+DefaultProjectID+"/notebooks", "application/json", strings.NewReader(validBody))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("create: %v %v", err, res)
	}
	res.Body.Close()
	want := s1.Notebooks("")
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := New(Options{StatePath: path, Clock: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	got := s2.Notebooks("")
	wj, _ := json.Marshal(want)
	gj, _ := json.Marshal(got)
	if !bytes.Equal(wj, gj) {
		t.Fatalf("round trip:\n%s\n%s", wj, gj)
	}
	if s2.Stats().NotebooksCreated != 1 {
		t.Errorf("created counter not persisted")
	}
}

// TestRestartKeepsIDsUnique: an emulator restarted from its state file
// with the same seed draws the same ids again; a new notebook must not take
// (and overwrite) a stored notebook's id. The chaos suite lost notebooks
// this way across an emulator restart.
func TestRestartKeepsIDsUnique(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	create := func(s *Server) {
		t.Helper()
		res, err := http.Post(s.URL()+"/v1/"+DefaultProjectID+"/notebooks", "application/json", strings.NewReader(validBody))
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("create: %v %v", err, res)
		}
		res.Body.Close()
	}
	s1, err := New(Options{StatePath: path, Auth: AuthNone, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	create(s1)
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := New(Options{StatePath: path, Auth: AuthNone, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	create(s2)
	nbs := s2.Notebooks("")
	if len(nbs) != 2 || nbs[0].ID == nbs[1].ID {
		t.Fatalf("after a restart and a second create: %d notebooks, ids %v", len(nbs), ids(nbs))
	}
}

func ids(nbs []Notebook) []string {
	var out []string
	for _, nb := range nbs {
		out = append(out, nb.ID)
	}
	return out
}

func TestControlEndpoints(t *testing.T) {
	e := newEnv(t, Options{Auth: AuthRequired})
	e.srv.Seed("", SeedNotebook{Name: "x"})
	for _, p := range []string{"/_emulator/health", "/_emulator/stats", "/_emulator/notebooks"} {
		res, err := http.Get(e.http.URL + p)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("%s: %v %v", p, err, res)
		}
		res.Body.Close()
	}
	res, _ := http.Post(e.http.URL+"/_emulator/reset", "", nil)
	res.Body.Close()
	if n := len(e.srv.Notebooks("")); n != 0 {
		t.Errorf("after reset: %d notebooks", n)
	}
}

func TestParseFaults(t *testing.T) {
	tests := []struct {
		in   string
		want Faults
		err  string
	}{
		{"", Faults{}, ""},
		{"500=0.02,503=0.01,reset=0.01,lost-create=0.01,create-failed=0.02,start-failed=0.01",
			Faults{Err500: 0.02, Err503: 0.01, Reset: 0.01, LostCreate: 0.01, CreateFailed: 0.02, StartFailed: 0.01}, ""},
		{" 502 = 0.5 ", Faults{Err502: 0.5}, ""},
		{"500", Faults{}, "not kind=probability"},
		{"404=0.1", Faults{}, "unknown kind"},
		{"500=x", Faults{}, "not a number"},
		{"500=1.5", Faults{}, "between 0 and 1"},
		{"500=0.6,503=0.6", Faults{}, "exceeds 1"},
		{"500=0.1,500=0.2", Faults{}, "twice"},
	}
	for _, tt := range tests {
		got, err := ParseFaults(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: err %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%q: %+v %v", tt.in, got, err)
		}
		if back, _ := ParseFaults(got.String()); back != got {
			t.Errorf("%q: String round trip %q", tt.in, got.String())
		}
	}
}

func TestListenLoopbackOnly(t *testing.T) {
	if _, err := New(Options{Listen: "0.0.0.0:0"}); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("non-loopback accepted: %v", err)
	}
}

func BenchmarkList5000(b *testing.B) {
	s, err := NewHandler(Options{Auth: AuthNone})
	if err != nil {
		b.Fatal(err)
	}
	seeds := make([]SeedNotebook, 5000)
	for i := range seeds {
		seeds[i] = SeedNotebook{Name: fmt.Sprintf("nb-%05d", i)}
	}
	s.Seed("", seeds...)
	h := s.Handler()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		req := httptest.NewRequest("GET", fmt.Sprintf("/v1/%s/notebooks?limit=50&offset=%d", DefaultProjectID, (i*50)%5000), nil)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }

// BenchmarkCreateParallel measures creates through a real HTTP server with
// 64 concurrent clients and no latency.
func BenchmarkCreateParallel(b *testing.B) {
	s, err := New(Options{Auth: AuthNone})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	url := s.URL() + "/v1/" + DefaultProjectID + "/notebooks"
	// Keep a connection per client: the default pool keeps 2, and the
	// connection churn of 64 clients then measures the kernel, not the
	// emulator (SYN retries once TIME_WAIT sockets pile up).
	hc := &http.Client{Transport: &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64}}
	defer hc.CloseIdleConnections()
	b.SetParallelism(32) // 2 CPUs × 32 = 64 clients
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res, err := hc.Post(url, "application/json", strings.NewReader(validBody))
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
	})
}

func TestThrottlingPerMinute(t *testing.T) {
	for _, noRA := range []bool{false, true} {
		t.Run(fmt.Sprintf("no-retry-after=%v", noRA), func(t *testing.T) {
			e := newEnv(t, Options{RateLimit: 3, RateWindow: time.Minute, NoRetryAfter: noRA})
			var codes []int
			for range 4 {
				code, m, h := e.do("GET", e.path("/notebooks"), "")
				codes = append(codes, code)
				e.clock.Add(10 * time.Second)
				if code != 429 {
					continue
				}
				want := "The throttling threshold has been reached: policy user over ratelimit,limit:3,time:1 minute"
				if m["error_code"] != codeThrottled || m["error_msg"] != want {
					t.Errorf("429 answer: %v", m)
				}
				// The window began 30 s ago: 30 s left.
				if ra, wantRA := h.Get("Retry-After"), map[bool]string{false: "30", true: ""}[noRA]; ra != wantRA {
					t.Errorf("Retry-After %q, want %q", ra, wantRA)
				}
			}
			if fmt.Sprint(codes) != "[200 200 200 429]" {
				t.Fatalf("codes %v", codes)
			}
			// 40 s in: still the first window; at 60 s the next one.
			if code, _, _ := e.do("GET", e.path("/notebooks"), ""); code != 429 {
				t.Errorf("later in the same window: %d", code)
			}
			e.clock.Add(20 * time.Second)
			for i := range 3 {
				if code, _, _ := e.do("GET", e.path("/notebooks"), ""); code != 200 {
					t.Fatalf("request %d of the next window: %d", i, code)
				}
			}
			if code, _, _ := e.do("GET", e.path("/notebooks"), ""); code != 429 {
				t.Errorf("fourth of the next window: %d", code)
			}
			// A quiet spell of several windows: the next window starts on
			// the grid of the first one.
			e.clock.Add(150 * time.Second) // 210 s after the start: window 4 began at 180 s
			e.do("GET", e.path("/notebooks"), "")
			e.do("GET", e.path("/notebooks"), "")
			e.do("GET", e.path("/notebooks"), "")
			if code, _, h := e.do("GET", e.path("/notebooks"), ""); code != 429 || (!noRA && h.Get("Retry-After") != "30") {
				t.Errorf("grid: %d Retry-After %q", code, h.Get("Retry-After"))
			}
		})
	}
}

func TestRateWindowValidated(t *testing.T) {
	if _, err := NewHandler(Options{RateWindow: time.Hour}); err == nil {
		t.Error("a window of an hour was accepted")
	}
}
