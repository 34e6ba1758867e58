package modelarts

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/nbfleet/nbfleet/internal/sdkhmac"
)

// Event describes one HTTP attempt, for progress display and counting.
type Event struct {
	Op       string // e.g. "create notebook", "list notebooks"
	Method   string
	Path     string // URL path only: never the query
	Status   int    // 0 when no response arrived
	Code     string // error_code of an error answer
	Attempt  int    // 1 for the first attempt of a call
	Duration time.Duration
	Err      error // transport error, when no response arrived
}

// Stats are a client's request counters.
type Stats struct {
	Requests        int64         // HTTP attempts, IAM calls included
	ByStatus        map[int]int64 // attempts by HTTP status; 0 = no response
	Throttled       int64         // 429 answers
	Retries         int64         // attempts after the first of a call
	TokenRenewals   int64         // IAM tokens fetched after a 401
	TransportErrors int64         // attempts without a response
}

type counters struct {
	mu       sync.Mutex
	requests int64
	byStatus map[int]int64
	throttle int64
	retries  int64
	renewals int64
	terrs    int64
}

func (k *counters) record(status, attempt int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.byStatus == nil {
		k.byStatus = map[int]int64{}
	}
	k.requests++
	k.byStatus[status]++
	if status == http.StatusTooManyRequests {
		k.throttle++
	}
	if status == 0 {
		k.terrs++
	}
	if attempt > 1 {
		k.retries++
	}
}

// Stats returns a snapshot of the client's counters.
func (c *Client) Stats() Stats {
	k := &c.counters
	k.mu.Lock()
	defer k.mu.Unlock()
	s := Stats{Requests: k.requests, ByStatus: map[int]int64{}, Throttled: k.throttle, Retries: k.retries,
		TokenRenewals: k.renewals, TransportErrors: k.terrs}
	for st, n := range k.byStatus {
		s.ByStatus[st] = n
	}
	return s
}

// call is the state of one client call, shared by its attempts.
type call struct {
	op string
	// idempotent calls are retried on every retryable failure; a create
	// only when the service refused it (429) or it never left (a
	// connection error before the request was written).
	idempotent bool
	start      time.Time // the first attempt was sent: the budget's clock
	body       []byte
	attempt    atomic.Int32
	written    atomic.Bool
	sleeping   atomic.Bool // between attempts (counted in Client.retrying)
	// paced: the last answer was a throttle whose budget the limiter
	// paces (Limiter.Paces; see Client.backoff).
	paced atomic.Bool
	token string // IAM token used by the last attempt
}

type callKey struct{}

func callOf(ctx context.Context) *call {
	cl, _ := ctx.Value(callKey{}).(*call)
	return cl
}

// roundTripper waits on the limiter, authenticates (a fresh signature for
// every attempt), sends, reads error bodies and reports the attempt.
type roundTripper struct {
	c       *Client
	base    http.RoundTripper
	timeout time.Duration // one attempt, from its send to its body read
}

// cancelBody ends an attempt's time bound when its body is closed.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

func (t *roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	cl := callOf(ctx)
	if cl == nil {
		return nil, errors.New("modelarts: request without call state")
	}
	attempt := int(cl.attempt.Add(1))
	cl.written.Store(false)
	t.c.wake(cl)
	tk, err := t.c.limiter.Wait(ctx)
	if err != nil {
		return nil, err
	}
	if attempt == 1 {
		cl.start = t.c.now()
	}
	r := req.Clone(ctx)
	if err := t.c.authenticate(ctx, r, cl); err != nil {
		t.c.limiter.Done(tk, Outcome{Lost: true})
		return nil, err
	}
	actx, cancel := context.WithTimeout(ctx, t.timeout)
	r = r.WithContext(httptrace.WithClientTrace(actx, &httptrace.ClientTrace{
		WroteRequest: func(httptrace.WroteRequestInfo) { cl.written.Store(true) },
	}))
	began := time.Now()
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		cancel()
	} else {
		resp.Body = cancelBody{ReadCloser: resp.Body, cancel: cancel}
	}
	ev := Event{Op: cl.op, Method: req.Method, Path: req.URL.Path, Attempt: attempt}
	if err != nil {
		ev.Err = redactErr(err, t.c.secretList())
		t.c.limiter.Done(tk, Outcome{Lost: true})
	} else {
		ev.Status = resp.StatusCode
		var msg string
		if resp.StatusCode >= 300 {
			// Read the (capped) error body now so that the code can be
			// reported and the limiter told; hand a copy on.
			body, rerr := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
			resp.Body.Close()
			resp.Body = io.NopCloser(bytes.NewReader(body))
			if rerr == nil && len(body) <= maxBody {
				ae := parseAPIError(resp.StatusCode, resp.Header, body, false, t.c.now(), t.c.secretList())
				ev.Code, msg = ae.Code, ae.Message
			}
		}
		var o Outcome
		if resp.StatusCode == http.StatusTooManyRequests || ev.Code == "APIG.0308" {
			o.Throttled = true
			o.Limit, o.Window = ParseThrottle(msg)
			o.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), t.c.now())
		}
		cl.paced.Store(t.c.limiter.Paces(o))
		t.c.limiter.Done(tk, o)
	}
	ev.Duration = time.Since(began)
	t.c.counters.record(ev.Status, attempt)
	if t.c.observer != nil {
		t.c.observer(ev)
	}
	return resp, err
}

// checkRetry is the retry policy, the only one of the program: the calls
// marked idempotent are retried on 429, 5xx and connection errors; a
// create only on 429 (refused, so nothing was created) and on a connection
// error before the request was written. Never APIG.0301 (five in a row lock
// the access key), a certificate error or a cancelled context. A retry
// starts only within the budget: at most MaxAttempts attempts in all, and
// only if its longest wait ends within MaxElapsed of the first attempt.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	cl := callOf(ctx)
	if cl == nil || int(cl.attempt.Load()) >= c.retry.MaxAttempts {
		return false, nil
	}
	if err != nil {
		var ae *authError
		if errors.As(err, &ae) {
			return false, nil
		}
		var ce *tls.CertificateVerificationError
		var ua x509.UnknownAuthorityError
		var he x509.HostnameError
		if errors.As(err, &ce) || errors.As(err, &ua) || errors.As(err, &he) {
			return false, nil
		}
		if !cl.idempotent && cl.written.Load() {
			return false, nil // the create may have been made: the caller looks it up
		}
	} else {
		throttled := resp.StatusCode == http.StatusTooManyRequests
		if !throttled && (resp.StatusCode < 500 || !cl.idempotent) {
			return false, nil
		}
	}
	n := int(cl.attempt.Load())
	if cl.start.IsZero() || c.now().Sub(cl.start)+c.longestWait(n, resp) > c.retry.MaxElapsed {
		return false, nil
	}
	if cl.sleeping.CompareAndSwap(false, true) {
		c.retrying.Add(1)
	}
	return true, nil
}

// wake notes that a call's wait before a retry is over.
func (c *Client) wake(cl *call) {
	if cl.sleeping.CompareAndSwap(true, false) {
		c.retrying.Add(-1)
	}
}

// Concurrency is how many calls a caller should keep going at once to use
// the service's budget fully: the limiter's in-flight window
// (Limiter.Concurrency) plus the calls waiting to be retried, which hold
// no request in flight.
func (c *Client) Concurrency() int {
	return c.limiter.Concurrency() + int(c.retrying.Load())
}

// longestWait is the longest wait before retry n (n ≥ 1): the service's
// Retry-After when it sent one, else min(WaitMax, WaitMin·2^(n-1)).
func (c *Client) longestWait(n int, resp *http.Response) time.Duration {
	if resp != nil {
		if ra := parseRetryAfter(resp.Header.Get("Retry-After"), c.now()); ra > 0 {
			return ra
		}
	}
	ceil := c.retry.WaitMin
	for i := 1; i < n && ceil < c.retry.WaitMax; i++ {
		ceil *= 2
	}
	return min(ceil, c.retry.WaitMax)
}

// backoff is retryablehttp's wait before retry attempt+1: the service's
// Retry-After when it sent one, else a random time between half and all
// of the longest wait (jittered exponential backoff).
//
// But a first attempt's throttle that states a budget of a second or less
// ("limit:300,time:1 second") is retried at once: the limiter paces it
// with every other request at the budget it just learnt, and a per-second
// gateway bucket refills within 1/N s, where Retry-After's whole seconds
// (the header has no finer unit) would hold the call a whole second. A
// call throttled again waits Retry-After: the pace alone did not do.
func (c *Client) backoff(_, _ time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && resp.Request != nil {
		if cl := callOf(resp.Request.Context()); cl != nil && cl.paced.Load() && cl.attempt.Load() == 1 {
			return 0
		}
	}
	w := c.longestWait(attempt+1, resp)
	if resp != nil && parseRetryAfter(resp.Header.Get("Retry-After"), c.now()) > 0 {
		return w
	}
	return w/2 + time.Duration(rand.Int64N(int64(w/2)+1))
}

func passthrough(resp *http.Response, err error, _ int) (*http.Response, error) { return resp, err }

// newHTTP builds the retrying HTTP client.
func (c *Client) newHTTP(cfg Config) (*retryablehttp.Client, *http.Client, error) {
	var hc http.Client
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	}
	base := hc.Transport
	if base == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		tr.MaxIdleConnsPerHost = 64
		if cfg.CACertFile != "" {
			pem, err := os.ReadFile(cfg.CACertFile)
			if err != nil {
				return nil, nil, fmt.Errorf("read CA certificate: %w", err)
			}
			pool, err := x509.SystemCertPool()
			if err != nil || pool == nil {
				pool = x509.NewCertPool()
			}
			if !pool.AppendCertsFromPEM(pem) {
				return nil, nil, fmt.Errorf("CA certificate file %s holds no PEM certificate", cfg.CACertFile)
			}
			tr.TLSClientConfig.RootCAs = pool
		}
		base = tr
	}
	if cfg.RequestTimeout > 0 {
		hc.Timeout = cfg.RequestTimeout
	} else if hc.Timeout == 0 {
		hc.Timeout = 60 * time.Second
	}
	plain := hc // for IAM: no limiter, no call state
	plain.Transport = base
	// An attempt's time bound starts when the limiter lets it go: a
	// request queued behind a spent per-minute window is not late.
	hc.Transport = &roundTripper{c: c, base: base, timeout: hc.Timeout}
	hc.Timeout = 0
	rc := &retryablehttp.Client{
		HTTPClient:   &hc,
		RetryWaitMin: c.retry.WaitMin,
		RetryWaitMax: c.retry.WaitMax,
		RetryMax:     c.retry.MaxAttempts - 1,
		CheckRetry:   c.checkRetry,
		Backoff:      c.backoff,
		ErrorHandler: passthrough,
	}
	return rc, &plain, nil
}

// readBody reads at most maxBody bytes and reports truncation.
func readBody(r io.Reader) ([]byte, bool, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxBody+1))
	if len(b) > maxBody {
		return b[:maxBody], true, err
	}
	return b, false, err
}

// do sends one call: encodes body (nil for none), retries as allowed,
// renews an IAM password token once on a 401, and decodes a 2xx answer
// into out (nil to ignore). It returns the HTTP status of the answer.
func (c *Client) do(ctx context.Context, op, method, path string, query url.Values, body any, idempotent bool, out any) (int, error) {
	var raw []byte
	if body != nil {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(body); err != nil {
			return 0, fmt.Errorf("%s: encode body: %w", op, err)
		}
		raw = buf.Bytes()
	}
	project, err := c.project(ctx)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	u := *c.base
	u.Path = c.base.Path + "/v1/" + project + path
	u.RawQuery = sdkhmac.CanonicalQuery(query)

	renewed := false
	for {
		cl := &call{op: op, idempotent: idempotent, body: raw}
		cctx := context.WithValue(ctx, callKey{}, cl)
		var rbody any
		if raw != nil {
			rbody = raw
		}
		req, err := retryablehttp.NewRequestWithContext(cctx, method, u.String(), rbody)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", op, err)
		}
		req.Header.Set("User-Agent", c.userAgent)
		req.Header.Set("X-Language", "en-us")
		req.Header.Set("Accept", "application/json")
		if raw != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := c.rc.Do(req)
		c.wake(cl)
		if err != nil {
			if resp != nil {
				resp.Body.Close()
			}
			return 0, fmt.Errorf("%s: %w", op, c.requestError(op, method, u.Path, cl, err))
		}
		data, truncated, rerr := readBody(resp.Body)
		resp.Body.Close()
		if rerr != nil && !truncated {
			return resp.StatusCode, fmt.Errorf("%s: %w", op, c.requestError(op, method, u.Path, cl, rerr))
		}
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			ae := parseAPIError(resp.StatusCode, resp.Header, data, truncated, c.now(), c.secretList())
			if resp.StatusCode == http.StatusUnauthorized && c.creds.mode() == "password" && !renewed {
				renewed = true
				c.invalidateToken(cl.token)
				c.counters.mu.Lock()
				c.counters.renewals++
				c.counters.mu.Unlock()
				continue
			}
			return resp.StatusCode, fmt.Errorf("%s: %w", op, ae)
		}
		if out != nil && len(bytes.TrimSpace(data)) > 0 {
			if truncated {
				return resp.StatusCode, fmt.Errorf("%s: %w", op, &APIError{HTTPStatus: resp.StatusCode,
					Message: fmt.Sprintf("response body larger than %d MiB", maxBody>>20), RequestID: resp.Header.Get("X-Request-Id")})
			}
			if err := json.Unmarshal(data, out); err != nil {
				return resp.StatusCode, fmt.Errorf("%s: %w", op, &APIError{HTTPStatus: resp.StatusCode,
					Message:   "malformed response body: " + sanitize(data, 120, c.secretList()),
					RequestID: resp.Header.Get("X-Request-Id")})
			}
		}
		return resp.StatusCode, nil
	}
}

// requestError wraps a transport error without the URL (whose query is
// not for error messages) and with whether the request was written.
func (c *Client) requestError(op, method, path string, cl *call, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var ae *authError
	if errors.As(err, &ae) {
		return ae.err
	}
	return &RequestError{Op: op, Method: method, Path: path, Written: cl.written.Load(), Err: redactErr(err, c.secretList())}
}
