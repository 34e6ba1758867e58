package modelarts

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// Credentials authenticate the client. Exactly one mode is used, in this
// order: AK/SK (with an optional SecurityToken for temporary keys), a
// ready IAM Token, or IAM password authentication (Username, Password,
// DomainName).
type Credentials struct {
	AK            string
	SK            Secret
	SecurityToken Secret
	Token         Secret
	Username      string
	Password      Secret
	DomainName    string
}

// mode names the authentication mode the credentials select ("" for none).
func (c Credentials) mode() string {
	switch {
	case c.AK != "" || c.SK != "":
		return "aksk"
	case c.Token != "":
		return "token"
	case c.Username != "" || c.Password != "":
		return "password"
	}
	return ""
}

func (c Credentials) secrets() []string {
	return []string{c.SK.Reveal(), c.SecurityToken.Reveal(), c.Token.Reveal(), c.Password.Reveal()}
}

// RetryPolicy is the retry budget of one call: the client is the only
// layer that sends a call again (the executor never re-sends what the
// client gave up on; it only decides a step's next move).
//
//   - A call is sent at most MaxAttempts times in all.
//   - Before retry n it waits the service's Retry-After when there is one,
//     else a random time between half and all of min(WaitMax,
//     WaitMin·2^(n-1)); and a retry is made only if that wait, at its
//     longest, ends within MaxElapsed of the call's first attempt.
//   - A retry then queues at the rate limiter like any request, so a spent
//     per-minute window holds it until the window has room.
//
// With the defaults (8 attempts, 2 s doubling to 30 s, 3 minutes) a call
// that keeps failing is given up after 8 requests and 1–2 minutes of
// backoff; the waits of 7 retries add up to at least 60 s, so a call
// throttled without Retry-After outlives a whole per-minute window.
//
// What is retried: list, show, update, delete, start, stop, lease, flavor
// and image calls on 429, 5xx and connection errors; a create only on 429
// (refused: nothing was made) and on a connection error before the request
// was written — an ambiguous create is returned to the caller, who looks
// it up first. Never a signature failure (APIG.0301: five in a row lock the
// access key) or a certificate error. Zero fields take the defaults of
// DefaultRetryPolicy; tests set them to milliseconds.
type RetryPolicy struct {
	MaxAttempts int           // attempts per call, the first included
	WaitMin     time.Duration // the longest wait before the first retry
	WaitMax     time.Duration // cap of the doubling (Retry-After may be longer)
	MaxElapsed  time.Duration // a retry's wait must end within this of the first attempt
}

// DefaultRetryPolicy returns what the client uses when Config.Retry is
// zero. It is a function, not a variable, so no caller can change the
// defaults of every other client.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: 8, WaitMin: 2 * time.Second, WaitMax: 30 * time.Second, MaxElapsed: 3 * time.Minute}
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	d := DefaultRetryPolicy()
	if p.MaxAttempts > 0 {
		d.MaxAttempts = p.MaxAttempts
	}
	if p.WaitMin > 0 {
		d.WaitMin = p.WaitMin
	}
	if p.WaitMax > 0 {
		d.WaitMax = p.WaitMax
	}
	if d.WaitMax < d.WaitMin {
		d.WaitMax = d.WaitMin
	}
	if p.MaxElapsed > 0 {
		d.MaxElapsed = p.MaxElapsed
	}
	return d
}

// Config configures a Client. Endpoint and Credentials are required; the
// project id is required unless it can be resolved (password auth takes it
// from the token; AK/SK asks IAM for the project named Region).
type Config struct {
	Cloud       Cloud
	Region      string
	Endpoint    string // ModelArts base URL, e.g. https://modelarts.eu-de.otc.t-systems.com
	IAMEndpoint string // IAM base URL, with or without /v3
	ProjectID   string
	ProjectName string // scope of password auth; defaults to Region
	Credentials Credentials

	// UserAgent is sent on every request, e.g. "nbfleet/1.2.3".
	UserAgent string
	// HTTPClient, when set, is used for every request (its Transport is
	// wrapped; the value itself is not modified). Otherwise the client
	// builds one that trusts the system roots plus CACertFile.
	HTTPClient *http.Client
	CACertFile string
	// AllowInsecureEndpoint permits plain http to a host that is not a
	// loopback address. TLS verification is never skipped.
	AllowInsecureEndpoint bool

	// Limiter paces every request of the client; nil means a new
	// adaptive limiter (NewAdaptiveLimiter with zero options).
	Limiter *Limiter
	Retry   RetryPolicy
	// RequestTimeout bounds one attempt, reading the body included
	// (default 60 s).
	RequestTimeout time.Duration
	// Now is the signing clock (default time.Now).
	Now func() time.Time
	// Observer, when set, is called after every HTTP attempt, from the
	// goroutine that made it. It must be safe for concurrent use.
	Observer func(Event)
}

// Overrides are the values a fleet file's target gives; they take
// precedence over the environment as ConfigFromEnv documents.
type Overrides struct {
	Cloud  Cloud
	Region string
	// Endpoint is the fleet file's (or a saved plan's) target.endpoint.
	// It is untrusted input: a pull request may set it. Credentials go to
	// it only when it is the endpoint the user chose anyway
	// (NBFLEET_ENDPOINT, else the region's from the table) or when the user
	// allows it: AllowEndpoint, or NBFLEET_ALLOW_FLEET_ENDPOINT=1.
	Endpoint string
	// AllowEndpoint sends credentials to Endpoint whatever it is: the user
	// gave it (a flag), or allowed the file's (--allow-fleet-endpoint).
	AllowEndpoint bool
	ProjectID     string
}

// AllowFleetEndpointEnv is the environment variable that, set to 1, lets a
// fleet file's or a saved plan's target.endpoint receive credentials
// (what --allow-fleet-endpoint does for one command).
const AllowFleetEndpointEnv = "NBFLEET_ALLOW_FLEET_ENDPOINT"

// ErrUntrustedEndpoint is wrapped by ConfigFromEnv's error for a
// target.endpoint the user did not choose; see EndpointError.
var ErrUntrustedEndpoint = errors.New("a fleet file or a saved plan cannot choose where credentials go")

// EndpointError is a target.endpoint that differs from every endpoint the
// user chose: credentials would follow it to a server a pull request
// named. Loopback addresses get no exception: a CI job may run listeners
// of its own.
type EndpointError struct {
	// Endpoint is the target.endpoint refused.
	Endpoint string
	// Chosen is where credentials go without it ("" when nothing gives
	// an endpoint: the region is unknown), and From says what chose it:
	// "NBFLEET_ENDPOINT" or "the region table (eu-de)".
	Chosen, From string
}

func (e *EndpointError) Error() string {
	s := fmt.Sprintf("target.endpoint %q is not an endpoint you chose", e.Endpoint)
	if e.Chosen == "" {
		return s + "; nbfleet sends credentials only to NBFLEET_ENDPOINT or a region's endpoint from its table, and the region gives none"
	}
	return fmt.Sprintf("%s; nbfleet sends credentials only to %s, which says %q", s, e.From, e.Chosen)
}

func (e *EndpointError) Unwrap() error { return ErrUntrustedEndpoint }

// sameEndpoint reports whether two endpoint URLs name the same server and
// base path: scheme and host compared without case, a default port (443,
// 80) and trailing slashes ignored. Nothing is resolved: localhost and
// 127.0.0.1 differ.
func sameEndpoint(a, b string) bool {
	ca, oka := canonEndpoint(a)
	cb, okb := canonEndpoint(b)
	return oka && okb && ca == cb
}

func canonEndpoint(raw string) (string, bool) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", false
	}
	scheme := strings.ToLower(u.Scheme)
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if port == "" || scheme == "https" && port == "443" || scheme == "http" && port == "80" {
		port = ""
	}
	return scheme + "://" + net.JoinHostPort(host, port) + strings.TrimRight(u.EscapedPath(), "/"), true
}

// allowFleetEndpoint reads NBFLEET_ALLOW_FLEET_ENDPOINT: 1 or true allow,
// unset, 0 or false do not; anything else is an error, not a guess.
func allowFleetEndpoint(getenv func(string) string) (bool, error) {
	switch v := strings.TrimSpace(getenv(AllowFleetEndpointEnv)); strings.ToLower(v) {
	case "", "0", "false":
		return false, nil
	case "1", "true":
		return true, nil
	default:
		return false, fmt.Errorf("%s=%q: want 1 (allow) or 0", AllowFleetEndpointEnv, v)
	}
}

// ModelArtsEndpoint returns the ModelArts endpoint of a known region
// (KnownRegions) of cloud ("" picks the region's own cloud):
// modelarts.{region}.myhuaweicloud.com on Huawei Cloud (.myhuaweicloud.cn
// for ap-southeast-1), modelarts.{region}.otc.t-systems.com on OTC, and
// modelarts.eu-ch2.sc.otc.t-systems.com for the Swiss eu-ch2. An unknown
// region is an error that lists the known ones.
func ModelArtsEndpoint(cloud Cloud, region string) (string, error) {
	h, err := hostsOf(cloud, region)
	return "https://" + h.modelarts, err
}

// IAMEndpoint returns the IAM endpoint of a known region:
// iam.{region}.myhuaweicloud.com, iam.{region}.otc.t-systems.com, and
// iam-pub.eu-ch2.sc.otc.t-systems.com for eu-ch2.
func IAMEndpoint(cloud Cloud, region string) (string, error) {
	h, err := hostsOf(cloud, region)
	return "https://" + h.iam, err
}

type hosts struct{ modelarts, iam string }

// regions are the regions nbfleet derives endpoints for (package spec
// holds the same list; a test keeps them equal). Sources:
//   - OTC: the Open Telekom Cloud endpoint list (real-service.md rule 20):
//     eu-de and eu-nl under .otc.t-systems.com, the Swiss eu-ch2 under
//     .sc.otc.t-systems.com with IAM at iam-pub.
//   - Huawei Cloud: the ModelArts regions of the official Go SDK,
//     github.com/huaweicloud/huaweicloud-sdk-go-v3 v0.1.207,
//     services/modelarts/v1/region/region.go (ap-southeast-1 answers at
//     .myhuaweicloud.cn there), IAM at iam.{region}.myhuaweicloud.com as in
//     services/iam/v3/region/region.go.
var regions = func() map[Cloud]map[string]hosts {
	otc := map[string]hosts{
		"eu-de":  {"modelarts.eu-de.otc.t-systems.com", "iam.eu-de.otc.t-systems.com"},
		"eu-nl":  {"modelarts.eu-nl.otc.t-systems.com", "iam.eu-nl.otc.t-systems.com"},
		"eu-ch2": {"modelarts.eu-ch2.sc.otc.t-systems.com", "iam-pub.eu-ch2.sc.otc.t-systems.com"},
	}
	hwc := map[string]hosts{}
	for _, r := range []string{
		"af-north-1", "af-south-1", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
		"cn-east-3", "cn-east-4", "cn-north-1", "cn-north-11", "cn-north-12", "cn-north-2", "cn-north-4", "cn-north-9",
		"cn-south-1", "cn-southwest-2", "cn-southwest-3", "la-north-2", "la-south-2", "me-east-1", "sa-brazil-1", "tr-west-1",
	} {
		hwc[r] = hosts{"modelarts." + r + ".myhuaweicloud.com", "iam." + r + ".myhuaweicloud.com"}
	}
	hwc["ap-southeast-1"] = hosts{"modelarts.ap-southeast-1.myhuaweicloud.cn", "iam.ap-southeast-1.myhuaweicloud.com"}
	return map[Cloud]map[string]hosts{OTC: otc, HuaweiCloud: hwc}
}()

// KnownRegions returns the regions of cloud whose endpoints nbfleet
// derives, sorted.
func KnownRegions(cloud Cloud) []string {
	var out []string
	for r := range regions[cloud] {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// ErrUnknownRegion is wrapped by the error for a region whose endpoints
// nbfleet cannot derive.
var ErrUnknownRegion = errors.New("unknown region")

func hostsOf(cloud Cloud, region string) (hosts, error) {
	if region == "" {
		return hosts{}, errors.New("no region")
	}
	cloud = cloudOf(cloud, region)
	if _, ok := regions[cloud]; !ok {
		return hosts{}, fmt.Errorf("unknown cloud %q (want %q or %q)", cloud, HuaweiCloud, OTC)
	}
	h, ok := regions[cloud][region]
	if !ok {
		return hosts{}, fmt.Errorf("%w %q for %s (known: %s); set NBFLEET_ENDPOINT to its ModelArts endpoint (or target.endpoint, with --allow-fleet-endpoint)",
			ErrUnknownRegion, region, cloud, strings.Join(KnownRegions(cloud), ", "))
	}
	return h, nil
}

// cloudOf is cloud when given, else the cloud of a known region, else
// Huawei Cloud.
func cloudOf(cloud Cloud, region string) Cloud {
	if cloud != "" {
		return cloud
	}
	if _, ok := regions[OTC][region]; ok {
		return OTC
	}
	return HuaweiCloud
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// EnvForEndpoint returns the environment variables, in order, that make
// ConfigFromEnv send every call (API and IAM) to endpoint, signed with the
// access key pair, in project: what a user pastes to point nbfleet at an
// emulator.
func EnvForEndpoint(endpoint, ak, sk, project string) [][2]string {
	return [][2]string{
		{"NBFLEET_ENDPOINT", endpoint},
		{"NBFLEET_IAM_ENDPOINT", endpoint},
		{"HUAWEICLOUD_SDK_AK", ak},
		{"HUAWEICLOUD_SDK_SK", sk},
		{"HUAWEICLOUD_SDK_PROJECT_ID", project},
	}
}

// ConfigFromEnv builds a Config from environment variables (read with
// getenv) and the fleet's target overrides.
//
// Credentials go only where the user sent them. The ModelArts endpoint is
// NBFLEET_ENDPOINT, else the region's from the table (ModelArtsEndpoint).
// A fleet's o.Endpoint must name that same endpoint, or the user must
// allow it (o.AllowEndpoint, NBFLEET_ALLOW_FLEET_ENDPOINT=1): otherwise the
// error is an *EndpointError. Allowed, it comes after NBFLEET_ENDPOINT and
// before the table. The IAM endpoint (a password login sends the password
// there) is NBFLEET_IAM_ENDPOINT > OS_AUTH_URL > NBFLEET_ENDPOINT or an
// allowed fleet endpoint that is not the table's (an emulator serves both)
// > the region's from the table.
//
// Region o.Region > HUAWEICLOUD_SDK_REGION > OS_REGION_NAME; project
// o.ProjectID > HUAWEICLOUD_SDK_PROJECT_ID > OS_PROJECT_ID. Credentials,
// first match wins: HUAWEICLOUD_SDK_AK/HUAWEICLOUD_SDK_SK (or
// OS_ACCESS_KEY/OS_SECRET_KEY) with optional
// HUAWEICLOUD_SDK_SECURITY_TOKEN; OS_AUTH_TOKEN; OS_USERNAME, OS_PASSWORD
// and OS_DOMAIN_NAME (or OS_USER_DOMAIN_NAME) with OS_PROJECT_NAME or
// OS_PROJECT_ID. The cloud is o.Cloud, else OTC for the OTC regions
// (eu-de, eu-nl, eu-ch2), else Huawei Cloud.
func ConfigFromEnv(getenv func(string) string, o Overrides) (Config, error) {
	var c Config
	c.Region = firstOf(o.Region, getenv("HUAWEICLOUD_SDK_REGION"), getenv("OS_REGION_NAME"))
	c.Cloud = cloudOf(o.Cloud, c.Region)
	if c.Cloud != HuaweiCloud && c.Cloud != OTC {
		return c, fmt.Errorf("unknown cloud %q (want %q or %q)", c.Cloud, HuaweiCloud, OTC)
	}

	envEndpoint := strings.TrimRight(firstOf(getenv("NBFLEET_ENDPOINT")), "/")
	var derived, derivedIAM string
	var derivedErr error
	if c.Region != "" {
		derived, derivedErr = ModelArtsEndpoint(c.Cloud, c.Region)
		if derivedErr != nil {
			derived = ""
		} else {
			derivedIAM, _ = IAMEndpoint(c.Cloud, c.Region)
		}
	}
	fleetEndpoint := strings.TrimRight(firstOf(o.Endpoint), "/")
	useFleet := false
	if fleetEndpoint != "" {
		allow := o.AllowEndpoint
		if !allow {
			var err error
			if allow, err = allowFleetEndpoint(getenv); err != nil {
				return c, err
			}
		}
		chosen, from := envEndpoint, "NBFLEET_ENDPOINT"
		if chosen == "" {
			chosen, from = derived, fmt.Sprintf("the region table (%s)", c.Region)
		}
		if !allow && !sameEndpoint(fleetEndpoint, chosen) {
			if chosen == "" {
				from = ""
			}
			return c, &EndpointError{Endpoint: fleetEndpoint, Chosen: chosen, From: from}
		}
		useFleet = envEndpoint == "" && !sameEndpoint(fleetEndpoint, derived)
	}
	switch {
	case envEndpoint != "":
		c.Endpoint = envEndpoint
	case useFleet:
		c.Endpoint = fleetEndpoint
	case c.Region == "":
		return c, errors.New("no region: set target.region in the fleet file, HUAWEICLOUD_SDK_REGION or OS_REGION_NAME, or an endpoint with NBFLEET_ENDPOINT")
	case derivedErr != nil:
		return c, derivedErr
	default:
		c.Endpoint = derived
	}
	c.IAMEndpoint = firstOf(getenv("NBFLEET_IAM_ENDPOINT"), getenv("OS_AUTH_URL"))
	if c.IAMEndpoint == "" {
		switch {
		case envEndpoint != "" || useFleet:
			c.IAMEndpoint = c.Endpoint
		default:
			c.IAMEndpoint = derivedIAM
		}
	}
	c.ProjectID = firstOf(o.ProjectID, getenv("HUAWEICLOUD_SDK_PROJECT_ID"), getenv("OS_PROJECT_ID"))
	c.ProjectName = firstOf(getenv("OS_PROJECT_NAME"), getenv("OS_TENANT_NAME"))

	ak := firstOf(getenv("HUAWEICLOUD_SDK_AK"), getenv("OS_ACCESS_KEY"))
	sk := firstOf(getenv("HUAWEICLOUD_SDK_SK"), getenv("OS_SECRET_KEY"))
	token := firstOf(getenv("OS_AUTH_TOKEN"))
	user, pass := firstOf(getenv("OS_USERNAME")), getenv("OS_PASSWORD")
	switch {
	case ak != "" || sk != "":
		if ak == "" {
			return c, errors.New("HUAWEICLOUD_SDK_SK is set but HUAWEICLOUD_SDK_AK (or OS_ACCESS_KEY) is not")
		}
		if sk == "" {
			return c, errors.New("HUAWEICLOUD_SDK_AK is set but HUAWEICLOUD_SDK_SK (or OS_SECRET_KEY) is not")
		}
		c.Credentials = Credentials{AK: ak, SK: Secret(sk), SecurityToken: Secret(firstOf(getenv("HUAWEICLOUD_SDK_SECURITY_TOKEN")))}
		if c.ProjectID == "" && c.Region == "" {
			return c, errors.New("no project id: set target.project_id, HUAWEICLOUD_SDK_PROJECT_ID or OS_PROJECT_ID, or a region to look the project up by name")
		}
	case token != "":
		c.Credentials = Credentials{Token: Secret(token)}
		if c.ProjectID == "" {
			return c, errors.New("OS_AUTH_TOKEN needs a project id: set target.project_id, HUAWEICLOUD_SDK_PROJECT_ID or OS_PROJECT_ID")
		}
	case user != "" || pass != "":
		domain := firstOf(getenv("OS_DOMAIN_NAME"), getenv("OS_USER_DOMAIN_NAME"))
		var missing []string
		for _, m := range []struct{ v, name string }{{user, "OS_USERNAME"}, {pass, "OS_PASSWORD"}, {domain, "OS_DOMAIN_NAME"}} {
			if m.v == "" {
				missing = append(missing, m.name)
			}
		}
		if len(missing) > 0 {
			return c, fmt.Errorf("IAM password authentication needs %s", strings.Join(missing, ", "))
		}
		if c.IAMEndpoint == "" {
			return c, errors.New("IAM password authentication needs an IAM endpoint: set OS_AUTH_URL, NBFLEET_IAM_ENDPOINT or a region")
		}
		if c.ProjectID == "" && c.ProjectName == "" && c.Region == "" {
			return c, errors.New("IAM password authentication needs a project: set OS_PROJECT_NAME, OS_PROJECT_ID or a region")
		}
		c.Credentials = Credentials{Username: user, Password: Secret(pass), DomainName: domain}
	default:
		return c, errors.New("no credentials: set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (or OS_ACCESS_KEY and OS_SECRET_KEY), or OS_AUTH_TOKEN, or OS_USERNAME, OS_PASSWORD and OS_DOMAIN_NAME")
	}
	return c, nil
}

// checkEndpoint parses a base URL and refuses plain http to a non-loopback
// host unless allowed.
func checkEndpoint(what, raw string, allowInsecure bool) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("%s %q is not an http(s) URL", what, raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%s %q must not carry user info, a query or a fragment", what, u.Redacted())
	}
	if u.Scheme == "http" && !allowInsecure && !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("%s %q uses %w; use https", what, raw, ErrInsecureEndpoint)
	}
	return u, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
