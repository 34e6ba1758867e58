package emulator

import (
	"fmt"
	"log/slog"
	"math"
	"net"
	"strconv"
	"strings"
	"time"
)

// Documented defaults. The demo credentials are not secrets: they exist only
// in the emulator and in documentation.
const (
	DefaultProjectID   = "0123456789abcdef0123456789abcdef"
	DefaultProjectName = "eu-de"
	DefaultAK          = "NBFLEETDEMOAK000000000"
	DefaultSK          = "nbfleet-demo-secret-key-not-a-real-secret"
	DefaultUser        = "nbfleet-demo"
	DefaultPassword    = "nbfleet-demo-password"
	DefaultDomain      = "nbfleet-demo"
	DefaultListen      = "127.0.0.1:0"
	DefaultCreateTime  = 3 * time.Second
	DefaultStartTime   = 2 * time.Second
	DefaultStopTime    = 2 * time.Second
	DefaultDeleteTime  = 1 * time.Second
	// DefaultResizeTime is how long volume.status shows RESIZING after a
	// storage_new_size update.
	DefaultResizeTime = 3 * time.Second
	// DefaultDeletedVisible is how long a deleted notebook is still listed
	// and shown with status DELETED before show answers ModelArts.6309.
	DefaultDeletedVisible = 10 * time.Second
	DefaultTokenTTL       = 24 * time.Hour
	// SignatureSkew is how far X-Sdk-Date may be from the emulator's clock.
	SignatureSkew = 15 * time.Minute
	// LockoutFailures consecutive signature failures lock an access key for
	// LockoutTime, as APIG does.
	LockoutFailures = 5
	LockoutTime     = 5 * time.Minute
)

// Clouds the emulator can answer as (Options.Cloud).
const (
	CloudHuawei = "huaweicloud"
	CloudOTC    = "otc"
)

// Auth modes.
const (
	AuthRequired = "required"
	AuthNone     = "none"
)

// User is an IAM user that can get a token with POST /v3/auth/tokens.
type User struct {
	Name     string `json:"name"`
	Password string `json:"-"`
	Domain   string `json:"domain"`
}

// Options configure a Server. The zero value is usable: every zero field
// takes the documented default.
type Options struct {
	// Cloud is the cloud whose documented wire format the emulator speaks:
	// CloudHuawei (default) or CloudOTC. It decides the response fields
	// (endpoints, volume, action_progress) and the spelling of the list's
	// workspace filter; see the package documentation.
	Cloud string
	// Listen is the TCP address (default 127.0.0.1:0). Non-loopback
	// addresses are refused unless AllowRemote is set.
	Listen      string
	AllowRemote bool
	// ProjectID and ProjectName name the emulated project (defaults
	// DefaultProjectID and DefaultProjectName). Seed may add others.
	ProjectID   string
	ProjectName string
	// AccessKeys maps access key → secret key (default one demo pair).
	AccessKeys map[string]string
	// Users may fetch tokens with their password (default the demo user).
	Users []User
	// Auth is AuthRequired (default) or AuthNone.
	Auth string
	// TokenTTL is the lifetime of issued IAM tokens (default 24h).
	TokenTTL time.Duration
	// Latency is added to every API and IAM request, plus a uniform random
	// extra in [0, Jitter).
	Latency, Jitter time.Duration
	// Transition times of the lifecycle (zero: the defaults above).
	CreateTime, StartTime, StopTime, DeleteTime time.Duration
	// ResizeTime is how long a volume shows RESIZING after a
	// storage_new_size update (zero: DefaultResizeTime).
	ResizeTime time.Duration
	// DeletedVisible is how long a deleted notebook stays listed and shown
	// as DELETED (zero: DefaultDeletedVisible; negative: it is gone at
	// once, show answers ModelArts.6309 right after DELETING).
	DeletedVisible time.Duration
	// StaleReads, when positive, makes show and list report a notebook's
	// previous status (RUNNING) for that long after a stop or a delete was
	// accepted, as eventually consistent reads of the real service do.
	StaleReads time.Duration
	// RateLimit is the requests a project may send per RateWindow (0: off).
	RateLimit float64
	// RateWindow is the throttling window: time.Second (the default) or
	// time.Minute. A per-second limit is a token bucket refilled
	// continuously (RateLimit per second, RateBurst deep, default
	// max(1, RateLimit/10)); a per-minute limit counts the requests of
	// fixed windows of a minute, back to back from the project's first
	// request (see the package documentation).
	RateWindow time.Duration
	RateBurst  int
	// RetryAfter overrides the Retry-After header of 429 answers. Zero:
	// the time until the window admits again, in whole seconds, at least 1,
	// as APIG does. Positive: that value rounded up to whole seconds.
	// Negative: "0".
	RetryAfter time.Duration
	// NoRetryAfter leaves the Retry-After header out of 429 answers (APIG
	// does not document that it sends one).
	NoRetryAfter bool
	// Quota is the maximum number of instances per project (0: unlimited);
	// beyond it create answers ModelArts.6302.
	Quota int
	// Faults are the probabilities of injected faults.
	Faults Faults
	// FaultsOnIAM applies the 500/502/503/reset faults to /v3 as well.
	FaultsOnIAM bool
	// Seed seeds the one random source (ids, tokens, jitter, faults).
	Seed int64
	// StatePath, if set, is loaded on start and written atomically after
	// changes (debounced) and on Close.
	StatePath string
	// Clock returns the current time (default time.Now). Lifecycle, leases,
	// tokens, signatures and rate limits all read it.
	Clock func() time.Time
	// Logger receives one line per request at Info (nil: discarded).
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Listen == "" {
		o.Listen = DefaultListen
	}
	if o.ProjectID == "" {
		o.ProjectID = DefaultProjectID
	}
	if o.ProjectName == "" {
		o.ProjectName = DefaultProjectName
	}
	if o.AccessKeys == nil {
		o.AccessKeys = map[string]string{DefaultAK: DefaultSK}
	}
	if o.Users == nil {
		o.Users = []User{{Name: DefaultUser, Password: DefaultPassword, Domain: DefaultDomain}}
	}
	if o.Auth == "" {
		o.Auth = AuthRequired
	}
	if o.TokenTTL == 0 {
		o.TokenTTL = DefaultTokenTTL
	}
	if o.CreateTime == 0 {
		o.CreateTime = DefaultCreateTime
	}
	if o.StartTime == 0 {
		o.StartTime = DefaultStartTime
	}
	if o.StopTime == 0 {
		o.StopTime = DefaultStopTime
	}
	if o.DeleteTime == 0 {
		o.DeleteTime = DefaultDeleteTime
	}
	if o.ResizeTime == 0 {
		o.ResizeTime = DefaultResizeTime
	}
	if o.DeletedVisible == 0 {
		o.DeletedVisible = DefaultDeletedVisible
	}
	if o.Cloud == "" {
		o.Cloud = CloudHuawei
	}
	if o.RateWindow == 0 {
		o.RateWindow = time.Second
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

func (o Options) validate() error {
	if o.Cloud != CloudHuawei && o.Cloud != CloudOTC {
		return fmt.Errorf("cloud %q: want %q or %q", o.Cloud, CloudHuawei, CloudOTC)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"token TTL", o.TokenTTL}, {"create time", o.CreateTime}, {"start time", o.StartTime},
		{"stop time", o.StopTime}, {"delete time", o.DeleteTime}, {"resize time", o.ResizeTime}} {
		if d.v < 0 {
			return fmt.Errorf("%s %v must not be negative (zero: the default)", d.name, d.v)
		}
	}
	if o.StaleReads < 0 {
		return fmt.Errorf("stale reads %v must not be negative", o.StaleReads)
	}
	if o.Auth != AuthRequired && o.Auth != AuthNone {
		return fmt.Errorf("auth mode %q: want %q or %q", o.Auth, AuthRequired, AuthNone)
	}
	if o.RateLimit < 0 || o.RateBurst < 0 || o.Quota < 0 || o.Latency < 0 || o.Jitter < 0 {
		return fmt.Errorf("rate limit, burst, quota, latency and jitter must not be negative")
	}
	if o.RateWindow != time.Second && o.RateWindow != time.Minute {
		return fmt.Errorf("rate window %v: want 1s or 1m", o.RateWindow)
	}
	if err := o.Faults.Validate(); err != nil {
		return err
	}
	if !o.AllowRemote {
		if err := checkLoopback(o.Listen); err != nil {
			return err
		}
	}
	return nil
}

func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("listen address %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("listen address %q is not a loopback address; allow it explicitly (AllowRemote, --allow-remote)", addr)
	}
	return nil
}

// Fault kinds, as spelled in ParseFaults and in Stats.Faults.
const (
	Fault500          = "500"
	Fault502          = "502"
	Fault503          = "503"
	FaultReset        = "reset"
	FaultLostCreate   = "lost-create"
	FaultCreateFailed = "create-failed"
	FaultStartFailed  = "start-failed"
)

// Faults are probabilities (0–1) of injected faults. Err500, Err502, Err503
// and Reset apply to every /v1 request before it is handled (their sum must
// not exceed 1); LostCreate commits a create and then answers 500 or resets
// the connection; CreateFailed ends a create in CREATE_FAILED, StartFailed
// ends a start in START_FAILED.
type Faults struct {
	Err500, Err502, Err503, Reset         float64
	LostCreate, CreateFailed, StartFailed float64
}

func (f *Faults) field(kind string) *float64 {
	switch kind {
	case Fault500:
		return &f.Err500
	case Fault502:
		return &f.Err502
	case Fault503:
		return &f.Err503
	case FaultReset:
		return &f.Reset
	case FaultLostCreate:
		return &f.LostCreate
	case FaultCreateFailed:
		return &f.CreateFailed
	case FaultStartFailed:
		return &f.StartFailed
	}
	return nil
}

var faultKinds = []string{Fault500, Fault502, Fault503, FaultReset, FaultLostCreate, FaultCreateFailed, FaultStartFailed}

// ParseFaults parses "500=0.02,503=0.01,reset=0.01,lost-create=0.01,
// create-failed=0.02,start-failed=0.01". Kinds may be given in any order
// and omitted; the empty string means no faults.
func ParseFaults(s string) (Faults, error) {
	var f Faults
	s = strings.TrimSpace(s)
	if s == "" {
		return f, nil
	}
	seen := map[string]bool{}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return Faults{}, fmt.Errorf("faults: %q is not kind=probability", part)
		}
		k = strings.TrimSpace(k)
		p := f.field(k)
		if p == nil {
			return Faults{}, fmt.Errorf("faults: unknown kind %q (want one of %s)", k, strings.Join(faultKinds, ", "))
		}
		if seen[k] {
			return Faults{}, fmt.Errorf("faults: kind %q given twice", k)
		}
		seen[k] = true
		x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || math.IsNaN(x) {
			return Faults{}, fmt.Errorf("faults: %s=%q is not a number", k, v)
		}
		*p = x
	}
	if err := f.Validate(); err != nil {
		return Faults{}, err
	}
	return f, nil
}

// Validate checks that every probability is within [0,1] and that the
// request-level kinds (500, 502, 503, reset) sum to at most 1.
func (f Faults) Validate() error {
	for _, k := range faultKinds {
		if p := *f.field(k); p < 0 || p > 1 || math.IsNaN(p) {
			return fmt.Errorf("faults: %s=%v is not a probability between 0 and 1", k, p)
		}
	}
	if s := f.Err500 + f.Err502 + f.Err503 + f.Reset; s > 1+1e-9 {
		return fmt.Errorf("faults: 500+502+503+reset = %v exceeds 1", s)
	}
	return nil
}

// String formats f in ParseFaults syntax, omitting zero kinds.
func (f Faults) String() string {
	var parts []string
	for _, k := range faultKinds {
		if p := *f.field(k); p != 0 {
			parts = append(parts, k+"="+strconv.FormatFloat(p, 'g', -1, 64))
		}
	}
	return strings.Join(parts, ",")
}
