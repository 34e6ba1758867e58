package modelarts

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestEndpointDerivation(t *testing.T) {
	for _, tc := range []struct {
		cloud        Cloud
		region       string
		modelarts    string
		iam          string
		wantErrMatch string
	}{
		{HuaweiCloud, "cn-north-4", "https://modelarts.cn-north-4.myhuaweicloud.com", "https://iam.cn-north-4.myhuaweicloud.com", ""},
		{HuaweiCloud, "ap-southeast-1", "https://modelarts.ap-southeast-1.myhuaweicloud.cn", "https://iam.ap-southeast-1.myhuaweicloud.com", ""},
		{HuaweiCloud, "ap-southeast-3", "https://modelarts.ap-southeast-3.myhuaweicloud.com", "https://iam.ap-southeast-3.myhuaweicloud.com", ""},
		// Not ModelArts regions in the SDK's list: an endpoint must be given.
		{HuaweiCloud, "eu-west-101", "", "", "unknown region \"eu-west-101\" for huaweicloud (known: af-north-1,"},
		{HuaweiCloud, "eu-west-0", "", "", "set NBFLEET_ENDPOINT to its ModelArts endpoint (or target.endpoint, with --allow-fleet-endpoint)"},
		{OTC, "eu-de", "https://modelarts.eu-de.otc.t-systems.com", "https://iam.eu-de.otc.t-systems.com", ""},
		{"", "eu-nl", "https://modelarts.eu-nl.otc.t-systems.com", "https://iam.eu-nl.otc.t-systems.com", ""},
		{"", "eu-ch2", "https://modelarts.eu-ch2.sc.otc.t-systems.com", "https://iam-pub.eu-ch2.sc.otc.t-systems.com", ""},
		{OTC, "cn-north-4", "", "", "unknown region \"cn-north-4\" for otc (known: eu-ch2, eu-de, eu-nl)"},
		{"", "eu-de", "https://modelarts.eu-de.otc.t-systems.com", "https://iam.eu-de.otc.t-systems.com", ""},
		{"", "cn-north-4", "https://modelarts.cn-north-4.myhuaweicloud.com", "https://iam.cn-north-4.myhuaweicloud.com", ""},
		{HuaweiCloud, "", "", "", "no region"},
		{HuaweiCloud, "evil.com/x", "", "", "unknown region"},
		{"aws", "us-east-1", "", "", "unknown cloud"},
	} {
		got, err := ModelArtsEndpoint(tc.cloud, tc.region)
		iam, _ := IAMEndpoint(tc.cloud, tc.region)
		if tc.wantErrMatch != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErrMatch) {
				t.Errorf("%s/%s: err %v, want %q", tc.cloud, tc.region, err, tc.wantErrMatch)
			}
			continue
		}
		if err != nil || got != tc.modelarts || iam != tc.iam {
			t.Errorf("%s/%s: %q %q %v, want %q %q", tc.cloud, tc.region, got, iam, err, tc.modelarts, tc.iam)
		}
	}
}

func envOf(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestConfigFromEnv(t *testing.T) {
	aksk := []string{"HUAWEICLOUD_SDK_AK", "AK1", "HUAWEICLOUD_SDK_SK", "SK1secret"}
	with := func(base []string, kv ...string) []string { return append(append([]string{}, base...), kv...) }
	for _, tc := range []struct {
		name    string
		env     []string
		o       Overrides
		check   func(Config) string
		wantErr string
	}{
		{"endpoint env beats fleet", with(aksk, "NBFLEET_ENDPOINT", "http://127.0.0.1:9", "HUAWEICLOUD_SDK_PROJECT_ID", "p"),
			Overrides{Endpoint: "https://x.example", Region: "eu-de", AllowEndpoint: true},
			func(c Config) string { return c.Endpoint + " " + c.IAMEndpoint }, ""},
		{"allowed fleet endpoint beats derived", with(aksk, "HUAWEICLOUD_SDK_PROJECT_ID", "p"), Overrides{Endpoint: "https://x.example/", Region: "eu-de", AllowEndpoint: true},
			func(c Config) string { return c.Endpoint + " " + c.IAMEndpoint }, ""},
		{"derived OTC", with(aksk, "OS_REGION_NAME", "eu-de", "OS_PROJECT_ID", "p"), Overrides{},
			func(c Config) string {
				return string(c.Cloud) + " " + c.Endpoint + " " + c.IAMEndpoint + " " + c.ProjectID
			}, ""},
		{"IAM env beats OS_AUTH_URL", with(aksk, "NBFLEET_IAM_ENDPOINT", "https://i1", "OS_AUTH_URL", "https://i2/v3", "HUAWEICLOUD_SDK_REGION", "cn-north-4"), Overrides{},
			func(c Config) string { return c.IAMEndpoint }, ""},
		{"OS_AUTH_URL beats derived", with(aksk, "OS_AUTH_URL", "https://i2/v3", "HUAWEICLOUD_SDK_REGION", "cn-north-4"), Overrides{},
			func(c Config) string { return c.IAMEndpoint }, ""},
		{"region precedence", with(aksk, "HUAWEICLOUD_SDK_REGION", "cn-north-4", "OS_REGION_NAME", "eu-de"), Overrides{Region: "ap-southeast-3"},
			func(c Config) string { return c.Region }, ""},
		{"region from SDK var", with(aksk, "HUAWEICLOUD_SDK_REGION", "cn-north-4", "OS_REGION_NAME", "eu-de"), Overrides{},
			func(c Config) string { return c.Region }, ""},
		{"project precedence", with(aksk, "HUAWEICLOUD_SDK_PROJECT_ID", "p2", "OS_PROJECT_ID", "p3", "OS_REGION_NAME", "eu-de"), Overrides{ProjectID: "p1"},
			func(c Config) string { return c.ProjectID }, ""},
		{"project from SDK var", with(aksk, "HUAWEICLOUD_SDK_PROJECT_ID", "p2", "OS_PROJECT_ID", "p3", "OS_REGION_NAME", "eu-de"), Overrides{},
			func(c Config) string { return c.ProjectID }, ""},
		{"OS_ fallback keys with security token", []string{"OS_ACCESS_KEY", "AK2", "OS_SECRET_KEY", "SK2", "HUAWEICLOUD_SDK_SECURITY_TOKEN", "ST", "OS_REGION_NAME", "eu-de"}, Overrides{},
			func(c Config) string {
				return c.Credentials.mode() + " " + c.Credentials.AK + " " + c.Credentials.SecurityToken.Reveal()
			}, ""},
		{"AK/SK beats token and password", with(aksk, "OS_AUTH_TOKEN", "T", "OS_USERNAME", "u", "OS_PASSWORD", "pw", "OS_REGION_NAME", "eu-de"), Overrides{},
			func(c Config) string { return c.Credentials.mode() }, ""},
		{"token beats password", []string{"OS_AUTH_TOKEN", "T", "OS_USERNAME", "u", "OS_PASSWORD", "pw", "OS_REGION_NAME", "eu-de", "OS_PROJECT_ID", "p"}, Overrides{},
			func(c Config) string { return c.Credentials.mode() }, ""},
		{"password", []string{"OS_USERNAME", "u", "OS_PASSWORD", "pw", "OS_DOMAIN_NAME", "d", "OS_PROJECT_NAME", "eu-de_x", "OS_REGION_NAME", "eu-de"}, Overrides{},
			func(c Config) string { return c.Credentials.mode() + " " + c.ProjectName + " " + c.IAMEndpoint }, ""},
		{"password with emulator endpoint", []string{"OS_USERNAME", "u", "OS_PASSWORD", "pw", "OS_DOMAIN_NAME", "d", "NBFLEET_ENDPOINT", "http://127.0.0.1:8787", "OS_PROJECT_ID", "p"}, Overrides{},
			func(c Config) string { return c.IAMEndpoint }, ""},
		{"no credentials", []string{"OS_REGION_NAME", "eu-de"}, Overrides{}, nil, "no credentials: set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK"},
		{"AK without SK", []string{"HUAWEICLOUD_SDK_AK", "a", "OS_REGION_NAME", "eu-de"}, Overrides{}, nil, "HUAWEICLOUD_SDK_SK (or OS_SECRET_KEY) is not"},
		{"password without domain", []string{"OS_USERNAME", "u", "OS_PASSWORD", "pw", "OS_REGION_NAME", "eu-de"}, Overrides{}, nil, "needs OS_DOMAIN_NAME"},
		{"token without project", []string{"OS_AUTH_TOKEN", "T", "OS_REGION_NAME", "eu-de"}, Overrides{}, nil, "OS_AUTH_TOKEN needs a project id"},
		{"no region", aksk, Overrides{}, nil, "no region: set target.region"},
		{"unknown cloud", aksk, Overrides{Cloud: "gcp", Region: "x"}, nil, "unknown cloud"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ConfigFromEnv(envOf(tc.env...), tc.o)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := tc.check(c)
			want := map[string]string{
				"endpoint env beats fleet":              "http://127.0.0.1:9 http://127.0.0.1:9",
				"allowed fleet endpoint beats derived":  "https://x.example https://x.example",
				"derived OTC":                           "otc https://modelarts.eu-de.otc.t-systems.com https://iam.eu-de.otc.t-systems.com p",
				"IAM env beats OS_AUTH_URL":             "https://i1",
				"OS_AUTH_URL beats derived":             "https://i2/v3",
				"region precedence":                     "ap-southeast-3",
				"region from SDK var":                   "cn-north-4",
				"project precedence":                    "p1",
				"project from SDK var":                  "p2",
				"OS_ fallback keys with security token": "aksk AK2 ST",
				"AK/SK beats token and password":        "aksk",
				"token beats password":                  "token",
				"password":                              "password eu-de_x https://iam.eu-de.otc.t-systems.com",
				"password with emulator endpoint":       "http://127.0.0.1:8787",
			}[tc.name]
			if got != want {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

// TestFleetEndpointPolicy: credentials go only to an endpoint the user
// chose (NBFLEET_ENDPOINT, the region table, a flag) or allowed; a fleet
// file's or saved plan's target.endpoint that differs is refused, loopback
// included, and the IAM endpoint follows the same rule.
func TestFleetEndpointPolicy(t *testing.T) {
	aksk := []string{"HUAWEICLOUD_SDK_AK", "AK1", "HUAWEICLOUD_SDK_SK", "SK1secret", "HUAWEICLOUD_SDK_PROJECT_ID", "p"}
	pw := []string{"OS_USERNAME", "u", "OS_PASSWORD", "pw-secret", "OS_DOMAIN_NAME", "d", "OS_PROJECT_ID", "p"}
	with := func(base []string, kv ...string) []string { return append(append([]string{}, base...), kv...) }
	const otcEP, otcIAM = "https://modelarts.eu-de.otc.t-systems.com", "https://iam.eu-de.otc.t-systems.com"
	for _, tc := range []struct {
		name     string
		env      []string
		o        Overrides
		endpoint string // want; "" for a refusal
		iam      string
		refusal  string // the error says
	}{
		{"the region's endpoint, spelled differently", aksk, Overrides{Region: "eu-de", Endpoint: "HTTPS://Modelarts.EU-DE.otc.t-systems.com:443/"}, otcEP, otcIAM, ""},
		{"another host", aksk, Overrides{Region: "eu-de", Endpoint: "https://evil.example"}, "", "",
			`target.endpoint "https://evil.example" is not an endpoint you chose; nbfleet sends credentials only to the region table (eu-de), which says "` + otcEP + `"`},
		{"loopback gets no exception", aksk, Overrides{Region: "eu-de", Endpoint: "http://127.0.0.1:8787"}, "", "", "not an endpoint you chose"},
		{"another path on the region's host", aksk, Overrides{Region: "eu-de", Endpoint: otcEP + "/x"}, "", "", "not an endpoint you chose"},
		{"plain http to the region's host", aksk, Overrides{Region: "eu-de", Endpoint: "http://modelarts.eu-de.otc.t-systems.com"}, "", "", "not an endpoint you chose"},
		{"unknown region", aksk, Overrides{Region: "xx-east-7", Endpoint: "https://modelarts.xx-east-7.example.com"}, "", "", "and the region gives none"},
		{"no region", aksk, Overrides{Endpoint: "https://x.example"}, "", "", "and the region gives none"},
		{"NBFLEET_ENDPOINT decides", with(aksk, "NBFLEET_ENDPOINT", "http://127.0.0.1:8787"), Overrides{Region: "eu-de", Endpoint: "http://127.0.0.1:8787/"}, "http://127.0.0.1:8787", "http://127.0.0.1:8787", ""},
		{"NBFLEET_ENDPOINT differs", with(aksk, "NBFLEET_ENDPOINT", "http://127.0.0.1:8787"), Overrides{Region: "eu-de", Endpoint: "http://localhost:8787"}, "", "",
			`nbfleet sends credentials only to NBFLEET_ENDPOINT, which says "http://127.0.0.1:8787"`},
		{"NBFLEET_ENDPOINT differs, allowed: the environment still wins", with(aksk, "NBFLEET_ENDPOINT", "http://127.0.0.1:8787"), Overrides{Region: "eu-de", Endpoint: "https://x.example", AllowEndpoint: true}, "http://127.0.0.1:8787", "http://127.0.0.1:8787", ""},
		{"allowed by flag", aksk, Overrides{Region: "eu-de", Endpoint: "https://x.example", AllowEndpoint: true}, "https://x.example", "https://x.example", ""},
		{"allowed by the environment", with(aksk, "NBFLEET_ALLOW_FLEET_ENDPOINT", "1"), Overrides{Region: "xx-east-7", Endpoint: "https://x.example"}, "https://x.example", "https://x.example", ""},
		{"allowed, true", with(aksk, "NBFLEET_ALLOW_FLEET_ENDPOINT", "true"), Overrides{Region: "eu-de", Endpoint: "https://x.example"}, "https://x.example", "https://x.example", ""},
		{"not allowed, 0", with(aksk, "NBFLEET_ALLOW_FLEET_ENDPOINT", "0"), Overrides{Region: "eu-de", Endpoint: "https://x.example"}, "", "", "not an endpoint you chose"},
		{"nonsense allow value", with(aksk, "NBFLEET_ALLOW_FLEET_ENDPOINT", "yes please"), Overrides{Region: "eu-de", Endpoint: "https://x.example"}, "", "",
			`NBFLEET_ALLOW_FLEET_ENDPOINT="yes please": want 1 (allow) or 0`},
		{"allowed, IAM from the environment", with(aksk, "NBFLEET_ALLOW_FLEET_ENDPOINT", "1", "OS_AUTH_URL", "https://iam.example/v3"), Overrides{Region: "eu-de", Endpoint: "https://x.example"}, "https://x.example", "https://iam.example/v3", ""},
		{"password: the fleet cannot pick the IAM endpoint", pw, Overrides{Region: "eu-de", Endpoint: "https://evil.example"}, "", "", "not an endpoint you chose"},
		{"password: the region's endpoint keeps the region's IAM", pw, Overrides{Region: "eu-de", Endpoint: otcEP}, otcEP, otcIAM, ""},
		{"token", []string{"OS_AUTH_TOKEN", "tok", "OS_PROJECT_ID", "p"}, Overrides{Region: "eu-de", Endpoint: "https://evil.example"}, "", "", "not an endpoint you chose"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ConfigFromEnv(envOf(tc.env...), tc.o)
			if tc.refusal != "" {
				if err == nil || !strings.Contains(err.Error(), tc.refusal) {
					t.Fatalf("err = %v, want %q", err, tc.refusal)
				}
				var ee *EndpointError
				if !strings.Contains(tc.refusal, "NBFLEET_ALLOW") && (!errors.As(err, &ee) || !errors.Is(err, ErrUntrustedEndpoint)) {
					t.Errorf("err %T is not an *EndpointError wrapping ErrUntrustedEndpoint", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Endpoint != tc.endpoint || c.IAMEndpoint != tc.iam {
				t.Errorf("endpoint %q IAM %q, want %q %q", c.Endpoint, c.IAMEndpoint, tc.endpoint, tc.iam)
			}
		})
	}
}

func TestNewRefusesInsecureEndpoints(t *testing.T) {
	base := Config{Credentials: Credentials{AK: "a", SK: "b"}, ProjectID: "p"}
	for _, tc := range []struct {
		ep      string
		allow   bool
		wantErr bool
	}{
		{"https://modelarts.eu-de.otc.t-systems.com", false, false},
		{"http://127.0.0.1:8787", false, false},
		{"http://localhost:8787", false, false},
		{"http://[::1]:8787", false, false},
		{"http://10.0.0.5:8787", false, true},
		{"http://10.0.0.5:8787", true, false},
		{"ftp://x", false, true},
		{"https://user:pw@x", false, true},
		{"", false, true},
	} {
		cfg := base
		cfg.Endpoint, cfg.AllowInsecureEndpoint = tc.ep, tc.allow
		_, err := New(cfg)
		if (err != nil) != tc.wantErr {
			t.Errorf("%q allow=%v: err %v", tc.ep, tc.allow, err)
		}
		if err != nil && strings.Contains(err.Error(), "pw") {
			t.Errorf("error leaks the URL password: %v", err)
		}
		if insecure := strings.HasPrefix(tc.ep, "http://10."); errors.Is(err, ErrInsecureEndpoint) != (insecure && !tc.allow) {
			t.Errorf("%q allow=%v: errors.Is(err, ErrInsecureEndpoint) = %v (err %v)", tc.ep, tc.allow, !(insecure && !tc.allow), err)
		}
	}
}

// TestSecretsNeverInErrors drives every failure path with secrets that a
// hostile or broken server echoes back, and checks no error or event shows
// them.
func TestSecretsNeverInErrors(t *testing.T) {
	const sk, tok, pw, st = "SK-5ecret-value-0001", "T0KEN-5ecret-value-02", "Pa55word-5ecret-03", "S3curity-T0ken-04"
	echo := func(w http.ResponseWriter, r *http.Request) {
		var all []string
		for k, v := range r.Header {
			all = append(all, k+"="+strings.Join(v, ","))
		}
		msg := strings.Join(all, " ") + " " + sk + " " + tok + " " + pw + " " + st
		switch r.URL.Path {
		case "/v3/auth/tokens":
			w.WriteHeader(401)
			fmt.Fprintf(w, `{"error":{"code":401,"message":%q}}`, msg)
		default:
			if strings.HasSuffix(r.URL.Path, "/html") {
				w.WriteHeader(500)
				fmt.Fprintf(w, "<html>%s</html>", msg)
				return
			}
			apiErrBody(w, 401, "APIG.0301", msg)
		}
	}
	srv := httptest.NewServer(http.HandlerFunc(echo))
	defer srv.Close()
	var events []Event
	for _, creds := range []Credentials{
		{AK: "AK", SK: sk, SecurityToken: st},
		{Token: tok},
		{Username: "u", Password: pw, DomainName: "d"},
	} {
		cfg := akskConfig(srv.URL)
		cfg.Credentials = creds
		cfg.Retry.MaxAttempts = 1
		cfg.Observer = func(e Event) { events = append(events, e) }
		c := newClient(t, cfg)
		var errs []error
		_, err := c.Get(context.Background(), "nb1")
		errs = append(errs, err)
		_, err = c.Get(context.Background(), "html")
		errs = append(errs, err)
		_, err = c.Create(context.Background(), &CreateRequest{Name: "x"})
		errs = append(errs, err)
		for _, err := range errs {
			if err == nil {
				t.Fatalf("%s: no error", creds.mode())
			}
			s := err.Error() + fmt.Sprintf(" %v %+v %#v", err, err, err)
			for _, secret := range creds.secrets() {
				if secret != "" && strings.Contains(s, secret) {
					t.Errorf("%s: error leaks %q: %s", creds.mode(), secret, err)
				}
			}
		}
		s := fmt.Sprintf("%+v %#v", cfg, cfg)
		for _, secret := range []string{sk, tok, pw, st} {
			if secret != "" && strings.Contains(s, secret) && contains(creds.secrets(), secret) {
				t.Errorf("Config prints %q", secret)
			}
		}
	}
	for _, e := range events {
		if strings.Contains(fmt.Sprint(e), "5ecret") || strings.Contains(fmt.Sprint(e), "T0ken") {
			t.Errorf("event leaks a secret: %v", e)
		}
	}
}

// pager serves a list of n notebooks with scripted misbehaviour.
type pager struct {
	n         int
	totalLie  int  // reported total when not zero
	ignoreOff bool // always the first page
	emptyAt   int  // an empty page at this offset when > 0
	deleteAt  int  // the first notebook is deleted before serving this offset, when > 0
	deleted   bool
	calls     int
}

func (p *pager) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.calls++
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	off, _ := strconv.Atoi(q.Get("offset"))
	if limit != 50 {
		apiErrBody(w, 400, "ModelArts.0101", "limit")
		return
	}
	if p.ignoreOff {
		off = 0
	}
	if p.deleteAt > 0 && off == p.deleteAt && !p.deleted {
		p.deleted = true // everything after id-0000 moves back by one
	}
	first := 0
	if p.deleted {
		first = 1
	}
	var data []Notebook
	if !(p.emptyAt > 0 && off == p.emptyAt) {
		for i := first + off; i < min(first+off+limit, p.n); i++ {
			data = append(data, Notebook{ID: fmt.Sprintf("id-%04d", i), Name: fmt.Sprintf("nb-%d", i)})
		}
	}
	total := p.n - first
	if p.totalLie != 0 {
		total = p.totalLie
	}
	writeJSON(w, 200, map[string]any{"current": off / limit, "data": data, "pages": (total + limit - 1) / limit, "size": len(data), "total": total})
}

func TestListPagination(t *testing.T) {
	for _, tc := range []struct {
		name      string
		p         pager
		want      int // -1: ErrIncompleteList
		wantCalls int
	}{
		{"exact multiple", pager{n: 150}, 150, 3},
		{"short last page", pager{n: 120}, 120, 3},
		{"empty", pager{n: 0}, 0, 1},
		// An incomplete pass (fewer notebooks than the total) is paged
		// again; when a second pass finds nothing new the list cannot be
		// trusted: an error, never a list that may lack a notebook.
		{"duplicate pages", pager{n: 120, ignoreOff: true}, -1, 4},
		{"total too small", pager{n: 200, totalLie: 60}, 100, 2},
		{"total too large", pager{n: 70, totalLie: 1000}, -1, 4},
		{"total zero ignored", pager{n: 70, totalLie: -1}, 70, 2},
		{"empty page mid-way", pager{n: 200, emptyAt: 100}, -1, 6},
		// A notebook deleted between two pages shifts id-0050 onto page 1,
		// already read: the first pass misses it, the second finds it.
		// id-0000 (deleted meanwhile) stays in the union.
		{"delete while paging", pager{n: 120, deleteAt: 50}, 120, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.p
			if p.totalLie == -1 {
				p.totalLie = 0
			}
			srv := httptest.NewServer(&p)
			defer srv.Close()
			c := newClient(t, akskConfig(srv.URL))
			got, err := c.List(context.Background(), ListOptions{Feature: "NOTEBOOK"})
			if tc.want < 0 {
				if !errors.Is(err, ErrIncompleteList) || p.calls != tc.wantCalls {
					t.Errorf("List = %v after %d calls, want ErrIncompleteList after %d", err, p.calls, tc.wantCalls)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.want || p.calls != tc.wantCalls {
				t.Errorf("%d notebooks in %d calls, want %d in %d", len(got), p.calls, tc.want, tc.wantCalls)
			}
			seen := map[string]bool{}
			for _, nb := range got {
				if seen[nb.ID] {
					t.Errorf("duplicate %s", nb.ID)
				}
				seen[nb.ID] = true
			}
		})
	}
	c := newClient(t, akskConfig("http://127.0.0.1:1"))
	if _, err := c.ListPage(context.Background(), ListOptions{}, 0, 30); err == nil {
		t.Error("ListPage accepted limit 30")
	}
	if _, err := c.Get(context.Background(), "../x"); err == nil {
		t.Error("Get accepted a path in the id")
	}
}

func TestObserverAndStats(t *testing.T) {
	s := &script{steps: []func(http.ResponseWriter, *http.Request){status(429, "APIG.0308", "Retry-After", "0"), status(500, "ModelArts.0010"), status(200, "")}}
	srv := httptest.NewServer(s)
	defer srv.Close()
	var events []Event
	cfg := akskConfig(srv.URL)
	cfg.Observer = func(e Event) { events = append(events, e) }
	c := newClient(t, cfg)
	if err := get(c); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range events {
		got = append(got, fmt.Sprintf("%s %s %d %s #%d", e.Op, e.Method, e.Status, e.Code, e.Attempt))
	}
	want := "show notebook nb1 GET 429 APIG.0308 #1|show notebook nb1 GET 500 ModelArts.0010 #2|show notebook nb1 GET 200  #3"
	if strings.Join(got, "|") != want {
		t.Errorf("events %q\nwant %q", strings.Join(got, "|"), want)
	}
	st := c.Stats()
	if st.Requests != 3 || st.Retries != 2 || st.Throttled != 1 || st.ByStatus[500] != 1 {
		t.Errorf("stats %+v", st)
	}
	_ = time.Second
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestEnvForEndpoint: the variables EnvForEndpoint names (what `nbfleet
// emulator` prints for a user to paste) make ConfigFromEnv connect there,
// API and IAM, with that key pair and project, whatever the fleet's region.
func TestEnvForEndpoint(t *testing.T) {
	var kv []string
	for _, v := range EnvForEndpoint("http://127.0.0.1:8787", "AK1", "SK1secret", "p1") {
		kv = append(kv, v[0], v[1])
	}
	for _, region := range []string{"", "cn-north-4", "eu-de"} {
		c, err := ConfigFromEnv(envOf(kv...), Overrides{Region: region})
		if err != nil {
			t.Fatalf("region %q: %v", region, err)
		}
		if c.Endpoint != "http://127.0.0.1:8787" || c.IAMEndpoint != "http://127.0.0.1:8787" || c.ProjectID != "p1" ||
			c.Credentials.AK != "AK1" || string(c.Credentials.SK) != "SK1secret" {
			t.Errorf("region %q: endpoint %q, IAM %q, project %q, AK %q", region, c.Endpoint, c.IAMEndpoint, c.ProjectID, c.Credentials.AK)
		}
	}
}
