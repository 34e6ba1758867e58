package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nbfleet/nbfleet/internal/sdkhmac"
)

// The tests in this file hold the emulator to real-service.md, rule by
// rule; each names the rule it checks.

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// dedicatedSSHBody is a create with every field whose answer differs
// between the clouds: a DEDICATED EFS volume (id, uri), an SSH endpoint and
// hooks.
const dedicatedSSHBody = `{"name":"nb1","flavor":"modelarts.vm.cpu.2u","image_id":"e1a07296-22a8-4f05-8bc8-e936c8e54090",
 "volume":{"category":"EFS","ownership":"DEDICATED","uri":"192.168.0.1:/share","id":"280a8bd5-03e2-4a5c-bea1-83d81e75bc53"},
 "endpoints":[{"service":"SSH","key_pair_names":["kp1"],"allowed_access_ips":["1.2.3.4"]}],
 "hooks":{"container_hooks":{"pre_start":{"script":"ZWNobyBoaQ==","type":"COMMAND"}}}}`

// Rules 7, 8, 9, 10: each profile answers its cloud's fields, reads only
// the documented request spellings and never returns hooks.
func TestCloudProfiles(t *testing.T) {
	for _, tt := range []struct {
		cloud         string
		endpointKeys  []string
		volumeKeys    []string
		progressKeys  []string
		workspaceName string
	}{
		{CloudHuawei, []string{"allowed_access_ips", "dev_service", "key_pair_names", "service", "uri"},
			[]string{"capacity", "category", "id", "mount_path", "ownership", "uri"},
			[]string{"description", "status", "step"}, "workspace_id"},
		{CloudOTC, []string{"allowed_access_ips", "dev_service", "service", "ssh_keys", "uri"},
			[]string{"capacity", "category", "mount_path", "ownership"},
			[]string{"notebook_id", "status", "step", "step_description"}, "workspaceId"},
	} {
		t.Run(tt.cloud, func(t *testing.T) {
			e := newEnv(t, Options{Cloud: tt.cloud})
			nb := e.create(dedicatedSSHBody)
			id := nb["id"].(string)
			_, m, _ := e.do("GET", e.path("/notebooks/"+id), "")
			for _, ans := range []map[string]any{nb, m} {
				if _, ok := ans["hooks"]; ok {
					t.Errorf("an answer carries hooks (rule 7): %v", ans["hooks"])
				}
				ep := ans["endpoints"].([]any)[0].(map[string]any)
				if got := keys(ep); !slices.Equal(got, tt.endpointKeys) {
					t.Errorf("endpoint fields %v, want %v", got, tt.endpointKeys)
				}
				if got := keys(ans["volume"].(map[string]any)); !slices.Equal(got, tt.volumeKeys) {
					t.Errorf("volume fields %v, want %v", got, tt.volumeKeys)
				}
				step := ans["action_progress"].([]any)[0].(map[string]any)
				if got := keys(step); !slices.Equal(got, tt.progressKeys) {
					t.Errorf("action_progress fields %v, want %v", got, tt.progressKeys)
				}
			}
			// The obsolete OTC spellings are not read: the keys are lost.
			e.clock.Add(time.Second)
			e.do("POST", e.path("/notebooks/"+id+"/stop"), "")
			e.clock.Add(time.Second)
			code, m, _ := e.do("PUT", e.path("/notebooks/"+id), `{"endpoints":[{"dev_service":"SSH","ssh_keys":["kp2"],"allowed_access_ips":["5.6.7.8"]}]}`)
			if code != 200 {
				t.Fatalf("update: %d %v", code, m)
			}
			ep := m["endpoints"].([]any)[0].(map[string]any)
			if ep["service"] != nil || ep["key_pair_names"] != nil || ep["ssh_keys"] != nil || fmt.Sprint(ep["allowed_access_ips"]) != "[5.6.7.8]" {
				t.Errorf("dev_service/ssh_keys were read: %v", ep)
			}
			// The workspace filter is read in the cloud's spelling only.
			seedWS := SeedNotebook{Name: "in-ws-1", WorkspaceID: "ws1"}
			if _, err := e.srv.Seed("", seedWS); err != nil {
				t.Fatal(err)
			}
			for q, want := range map[string]float64{tt.workspaceName + "=ws1": 1, "": 1, tt.workspaceName + "=0": 1} {
				_, l, _ := e.do("GET", e.path("/notebooks?"+q), "")
				if l["total"] != want {
					t.Errorf("list %q: total %v, want %v", q, l["total"], want)
				}
			}
			other := "workspaceId"
			if tt.cloud == CloudOTC {
				other = "workspace_id"
			}
			if _, l, _ := e.do("GET", e.path("/notebooks?"+other+"=ws1"), ""); l["data"].([]any)[0].(map[string]any)["name"] != "nb1" {
				t.Errorf("%s is not %s's spelling, yet it filtered: %v", other, tt.cloud, l)
			}
		})
	}
}

// Rule 12: growth only while RUNNING, at most +100 GB, RESIZING for
// ResizeTime; flavor, image and endpoints only while stopped; a field the
// status does not allow is 6347 and nothing changes.
func TestUpdateRules(t *testing.T) {
	e := newEnv(t, Options{ResizeTime: 500 * time.Millisecond})
	id := e.create(validBody)["id"].(string) // 50 GB EVS
	e.clock.Add(time.Second)
	put := func(body string) (int, map[string]any) {
		code, m, _ := e.do("PUT", e.path("/notebooks/"+id), body)
		return code, m
	}
	show := func() map[string]any {
		_, m, _ := e.do("GET", e.path("/notebooks/"+id), "")
		return m
	}
	for _, bad := range []struct{ body, code string }{
		{`{"flavor":"modelarts.vm.cpu.8u"}`, codeWrongStatus},
		{`{"image_id":"278e88d1-5ba4-4ef2-9b5c-ae0c8b3b8f5c"}`, codeWrongStatus},
		{`{"endpoints":[{"service":"NOTEBOOK"}]}`, codeWrongStatus},
		{`{"description":"both","flavor":"modelarts.vm.cpu.8u"}`, codeWrongStatus},
		{`{"storage_new_size":151}`, codeCapacity},
		{`{"storage_new_size":50}`, codeCapacity},
	} {
		if code, m := put(bad.body); code != 400 || m["error_code"] != bad.code {
			t.Errorf("RUNNING %s: %d %v, want %s", bad.body, code, m, bad.code)
		}
	}
	if d := show()["description"]; d != "" {
		t.Errorf("a refused update changed the description to %q", d)
	}
	if code, m := put(`{"description":"renamed","hooks":{"container_hooks":{"post_start":{"script":"/x.sh"}}}}`); code != 200 {
		t.Errorf("description and hooks while RUNNING: %d %v", code, m)
	}
	code, m := put(`{"storage_new_size":150}`)
	if code != 200 {
		t.Fatalf("grow by 100 while RUNNING: %d %v", code, m)
	}
	if v := m["volume"].(map[string]any); v["status"] != "RESIZING" || v["capacity"] != 50.0 {
		t.Errorf("answer volume %v, want RESIZING at 50", v)
	}
	if code, m := put(`{"storage_new_size":160}`); code != 400 || m["error_code"] != codeWrongStatus {
		t.Errorf("grow while RESIZING: %d %v", code, m)
	}
	e.clock.Add(499 * time.Millisecond)
	if v := show()["volume"].(map[string]any); v["status"] != "RESIZING" {
		t.Errorf("volume %v before ResizeTime", v)
	}
	e.clock.Add(time.Millisecond)
	if v := show()["volume"].(map[string]any); v["status"] != nil || v["capacity"] != 150.0 {
		t.Errorf("volume %v after ResizeTime, want 150 and no status", v)
	}
	e.do("POST", e.path("/notebooks/"+id+"/stop"), "")
	e.clock.Add(time.Second)
	if code, m := put(`{"storage_new_size":200}`); code != 400 || m["error_code"] != codeWrongStatus ||
		!strings.Contains(m["error_msg"].(string), "'STOPPED'") {
		t.Errorf("grow while STOPPED: %d %v", code, m)
	}
	if code, m := put(`{"flavor":"modelarts.vm.cpu.8u","image_id":"278e88d1-5ba4-4ef2-9b5c-ae0c8b3b8f5c","endpoints":[{"service":"SSH","key_pair_names":["k"]}]}`); code != 200 || m["flavor"] != "modelarts.vm.cpu.8u" {
		t.Errorf("flavor, image and endpoints while STOPPED: %d %v", code, m)
	}
	// At most 4096 GB.
	big := e.create(strings.Replace(validBody, `"capacity":50`, `"capacity":4000`, 1))["id"].(string)
	e.clock.Add(time.Second)
	if code, m, _ := e.do("PUT", e.path("/notebooks/"+big), `{"storage_new_size":4097}`); code != 400 || m["error_code"] != codeCapacity {
		t.Errorf("grow beyond 4096: %d %v", code, m)
	}
	if code, m, _ := e.do("PUT", e.path("/notebooks/"+big), `{"storage_new_size":4096}`); code != 200 {
		t.Errorf("grow to 4096: %d %v", code, m)
	}
}

// Rules 5 and 6: DELETING, then DELETED (listed and shown) for
// DeletedVisible, then 400 ModelArts.6309.
func TestDeletedVisible(t *testing.T) {
	e := newEnv(t, Options{DeletedVisible: time.Second, Quota: 1})
	id := e.create(validBody)["id"].(string)
	e.clock.Add(time.Second)
	if code, m, _ := e.do("DELETE", e.path("/notebooks/"+id), ""); code != 200 || m["status"] != StatusDeleting {
		t.Fatalf("delete: %d %v", code, m)
	}
	e.clock.Add(50 * time.Millisecond)
	if s := e.status(id); s != StatusDeleted {
		t.Fatalf("after DeleteTime: %s", s)
	}
	_, l, _ := e.do("GET", e.path("/notebooks?status=DELETED"), "")
	if l["total"] != 1.0 {
		t.Errorf("DELETED not listed: %v", l)
	}
	for _, op := range []struct{ method, path, body string }{{"PUT", "", `{"description":"x"}`}, {"DELETE", "", ""}, {"POST", "/start", ""}, {"POST", "/stop", ""}, {"GET", "/lease", ""}} {
		if code, m, _ := e.do(op.method, e.path("/notebooks/"+id+op.path), op.body); code != 400 || m["error_code"] != codeNotFound {
			t.Errorf("%s%s on a DELETED notebook: %d %v", op.method, op.path, code, m)
		}
	}
	// A DELETED notebook counts against no quota.
	e.create(validBody)
	e.clock.Add(time.Second)
	if code, m, _ := e.do("GET", e.path("/notebooks/"+id), ""); code != 400 || m["error_code"] != "ModelArts.6309" {
		t.Errorf("after DeletedVisible: %d %v, want 400 ModelArts.6309", code, m)
	}

	e = newEnv(t, Options{DeletedVisible: -1})
	id = e.create(validBody)["id"].(string)
	e.clock.Add(time.Second)
	e.do("DELETE", e.path("/notebooks/"+id), "")
	e.clock.Add(50 * time.Millisecond)
	if s := e.status(id); s != "GONE" {
		t.Errorf("DeletedVisible < 0: %s, want gone at once", s)
	}
}

// Rule 5: with StaleReads, show and list say RUNNING right after a stop
// or a delete; the answer to the call itself does not.
func TestStaleReads(t *testing.T) {
	e := newEnv(t, Options{StaleReads: 200 * time.Millisecond, StopTime: time.Second, DeleteTime: time.Second})
	id := e.create(validBody)["id"].(string)
	e.clock.Add(time.Second)
	for _, op := range []struct{ method, path, want string }{{"POST", "/stop", StatusStopping}, {"DELETE", "", StatusDeleting}} {
		if code, m, _ := e.do(op.method, e.path("/notebooks/"+id+op.path), ""); code != 200 || m["status"] != op.want {
			t.Fatalf("%s: %d %v", op.method, code, m)
		}
		if s := e.status(id); s != StatusRunning {
			t.Errorf("show right after %s%s: %s, want the stale RUNNING", op.method, op.path, s)
		}
		_, l, _ := e.do("GET", e.path("/notebooks"), "")
		if s := l["data"].([]any)[0].(map[string]any)["status"]; s != StatusRunning {
			t.Errorf("list right after %s%s: %v", op.method, op.path, s)
		}
		e.clock.Add(200 * time.Millisecond)
		if s := e.status(id); s != op.want {
			t.Errorf("after StaleReads: %s, want %s", s, op.want)
		}
		e.clock.Add(time.Second)
		if op.method == "POST" {
			e.do("POST", e.path("/notebooks/"+id+"/start"), "")
			e.clock.Add(time.Second)
		}
	}
}

// Rule 10 of the issue (time travel): POST /_emulator/clock and Advance
// move the lifecycle clock; authentication keeps the real one.
func TestClockAdvance(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(t, Options{Auth: AuthRequired, CreateTime: time.Minute, StatePath: filepath.Join(dir, "state.json")})
	e.sign = true
	id := e.create(validBody)["id"].(string)
	if s := e.status(id); s != StatusCreating {
		t.Fatalf("status %s", s)
	}
	if code, m, _ := e.do("POST", "/_emulator/clock", `{"advance":"2m"}`); code != 200 || m["now"] == nil {
		t.Fatalf("clock: %d %v", code, m)
	}
	if s := e.status(id); s != StatusRunning {
		t.Errorf("2 minutes later: %s, want RUNNING (and a signature by the real clock still verifies)", s)
	}
	if err := e.srv.Advance(2 * time.Hour); err != nil {
		t.Fatal(err)
	}
	if s := e.status(id); s != StatusStopped {
		t.Errorf("after the 1 h lease: %s, want STOPPED", s)
	}
	for _, bad := range []string{`{"advance":"-1h"}`, `{"advance":"soon"}`, `{`} {
		if code, m, _ := e.do("POST", "/_emulator/clock", bad); code != 400 {
			t.Errorf("clock %s: %d %v", bad, code, m)
		}
	}
	if err := e.srv.Advance(-time.Second); err == nil {
		t.Error("Advance(-1s) accepted")
	}
	want := e.srv.Now()
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := NewHandler(Options{StatePath: filepath.Join(dir, "state.json"), Clock: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if got := s2.Now(); !got.Equal(want) {
		t.Errorf("restarted emulator's clock %v, want %v (the offset is saved)", got, want)
	}
}

// Rules 13, 14, 15: a start without duration gets 1 h; lease.duration
// counts from lease.create_at; a renew's query duration makes the body
// (and its type) ignored, a body-only renew sets the type.
func TestLeaseRules(t *testing.T) {
	e := newEnv(t, Options{})
	id := e.create(validBody)["id"].(string)
	created := e.clock.Now()
	e.clock.Add(time.Second)
	e.do("POST", e.path("/notebooks/"+id+"/stop"), "")
	e.clock.Add(30 * time.Minute)
	code, m, _ := e.do("POST", e.path("/notebooks/"+id+"/start"), "")
	if code != 200 {
		t.Fatalf("start: %d %v", code, m)
	}
	l := m["lease"].(map[string]any)
	elapsed := e.clock.Now().Sub(created)
	if l["duration"] != float64((elapsed+time.Hour).Milliseconds()) || l["create_at"] != float64(created.UnixMilli()) || l["type"] != "TIMING" {
		t.Errorf("lease after a start without duration: %v, want duration %v from create_at", l, elapsed+time.Hour)
	}
	e.clock.Add(time.Second)
	code, m, _ = e.do("PATCH", e.path("/notebooks/"+id+"/lease?duration=7200000"), `{"duration":3600000,"type":"idle"}`)
	if code != 200 || m["type"] != "TIMING" || m["duration"] != float64((e.clock.Now().Sub(created)+2*time.Hour).Milliseconds()) {
		t.Errorf("renew with a query duration: %d %v, want the body ignored", code, m)
	}
	code, m, _ = e.do("PATCH", e.path("/notebooks/"+id+"/lease"), `{"duration":3600000,"type":"idle"}`)
	if code != 200 || m["type"] != "IDLE" {
		t.Errorf("renew with a body only: %d %v, want IDLE", code, m)
	}
	if code, m, _ := e.do("PATCH", e.path("/notebooks/"+id+"/lease"), `{"type":"idle"}`); code != 400 || m["error_code"] != codeNoDuration {
		t.Errorf("renew without duration: %d %v", code, m)
	}
	// The stop time is create_at + duration.
	e.clock.Add(time.Hour - time.Millisecond)
	if s := e.status(id); s != StatusRunning {
		t.Errorf("before create_at+duration: %s", s)
	}
	e.clock.Add(time.Millisecond)
	if s := e.status(id); s != StatusStopped {
		t.Errorf("at create_at+duration: %s", s)
	}
	if code, m, _ := e.do("PATCH", e.path("/notebooks/"+id+"/lease?duration=3600000"), ""); code != 400 || m["error_code"] != codeNotRunning {
		t.Errorf("renew of a STOPPED notebook: %d %v", code, m)
	}
}

// Rule 21: /notebooks lists the caller's notebooks, /notebooks/all
// everyone's. Rule 3: no sort_key is known to be accepted.
func TestListScope(t *testing.T) {
	const ak2, sk2 = "SECONDACCESSKEY0000000", "second-secret-key"
	e := newEnv(t, Options{Auth: AuthRequired, AccessKeys: map[string]string{DefaultAK: DefaultSK, ak2: sk2}})
	e.sign = true
	e.create(validBody)
	get := func(ak, sk, path string) map[string]any {
		req, _ := http.NewRequest("GET", e.http.URL+e.path(path), nil)
		if err := sdkhmac.Sign(req, nil, ak, sk, e.clock.Now(), nil); err != nil {
			t.Fatal(err)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(res.Body).Decode(&m)
		return m
	}
	for _, tt := range []struct {
		ak, sk, path string
		want         float64
	}{
		{DefaultAK, DefaultSK, "/notebooks", 1},
		{ak2, sk2, "/notebooks", 0},
		{ak2, sk2, "/notebooks/all", 1},
	} {
		if m := get(tt.ak, tt.sk, tt.path); m["total"] != tt.want {
			t.Errorf("%s as %s: %v, want total %v", tt.path, tt.ak, m, tt.want)
		}
	}
	for _, key := range []string{"create_at", "name", "update_at"} {
		if code, m, _ := e.do("GET", e.path("/notebooks?sort_key="+key), ""); code != 400 || m["error_code"] != codeNoSort {
			t.Errorf("sort_key=%s: %d %v, want 6303", key, code, m)
		}
	}
}

// TestSetSoldOut: a flavor made sold out is listed so and refused on
// create and update (ModelArts.6329) until it is available again; the
// control endpoint does the same.
func TestSetSoldOut(t *testing.T) {
	e := newEnv(t, Options{})
	const cpu = "modelarts.vm.cpu.2u"
	listed := func() bool {
		_, m, _ := e.do("GET", e.path("/notebooks/flavors"), "")
		for _, f := range m["flavors"].([]any) {
			if f := f.(map[string]any); f["id"] == cpu {
				return f["sold_out"].(bool)
			}
		}
		t.Fatalf("%s not listed", cpu)
		return false
	}
	if err := e.srv.SetSoldOut(cpu, true); err != nil {
		t.Fatal(err)
	}
	if code, m, _ := e.do("POST", e.path("/notebooks"), validBody); code != 400 || m["error_code"] != codeSoldOut || !listed() {
		t.Fatalf("create of a sold-out flavor: %d %v", code, m)
	}
	if code, m, _ := e.do("POST", "/_emulator/flavors", `{"flavor":"`+cpu+`","sold_out":false}`); code != 200 || listed() {
		t.Fatalf("control: %d %v", code, m)
	}
	id := e.create(validBody)["id"].(string)
	e.clock.Add(time.Second)
	e.do("POST", e.path("/notebooks/"+id+"/stop"), "")
	e.clock.Add(time.Second)
	e.do("POST", "/_emulator/flavors", `{"flavor":"modelarts.vm.cpu.8u","sold_out":true}`)
	if code, m, _ := e.do("PUT", e.path("/notebooks/"+id), `{"flavor":"modelarts.vm.cpu.8u"}`); code != 400 || m["error_code"] != codeSoldOut {
		t.Errorf("update to a sold-out flavor: %d %v", code, m)
	}
	if err := e.srv.SetSoldOut("modelarts.vm.gpu.nope", true); err == nil {
		t.Error("SetSoldOut of an unknown flavor accepted")
	}
	if code, _, _ := e.do("POST", "/_emulator/flavors", `{"flavor":"nope","sold_out":true}`); code != 400 {
		t.Errorf("control with an unknown flavor: %d", code)
	}
}

// TestLeaseStopTime: a notebook its lease stops shows update_at at the
// lease's stop time, lease.create_at + lease.duration (rule 15) — what
// nbfleet reads to tell it from one stopped by hand, whose update_at is
// earlier.
func TestLeaseStopTime(t *testing.T) {
	e := newEnv(t, Options{})
	leased := e.create(validBody)["id"].(string)
	byHand := e.create(strings.Replace(validBody, `"nb1"`, `"nb2"`, 1))["id"].(string)
	e.clock.Add(10 * time.Minute)
	e.do("POST", e.path("/notebooks/"+byHand+"/stop"), "")
	e.clock.Add(2 * time.Hour)
	for id, lease := range map[string]bool{leased: true, byHand: false} {
		_, m, _ := e.do("GET", e.path("/notebooks/"+id), "")
		l := m["lease"].(map[string]any)
		stop := int64(l["create_at"].(float64) + l["duration"].(float64))
		at := int64(m["update_at"].(float64))
		if m["status"] != StatusStopped || l["enable"] != true || (at >= stop) != lease {
			t.Errorf("%s (lease %v): status %v, update_at %d, lease stop %d, enable %v", id, lease, m["status"], at, stop, l["enable"])
		}
	}
}
