package modelarts

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/nbfleet/nbfleet/internal/sdkhmac"
)

// authError carries an authentication failure (IAM refused the password,
// the project cannot be resolved) out of the transport unchanged.
type authError struct{ err error }

func (e *authError) Error() string { return e.err.Error() }
func (e *authError) Unwrap() error { return e.err }

// authenticate adds the credentials to an outgoing attempt: a fresh
// SDK-HMAC-SHA256 signature, or an IAM token.
func (c *Client) authenticate(ctx context.Context, r *http.Request, cl *call) error {
	project, err := c.project(ctx)
	if err != nil {
		return &authError{err}
	}
	r.Header.Set("X-Project-Id", project)
	switch c.creds.mode() {
	case "aksk":
		return c.sign(r, cl.body)
	case "token":
		r.Header.Set("X-Auth-Token", c.creds.Token.Reveal())
	case "password":
		tok, err := c.iamToken(ctx)
		if err != nil {
			return &authError{err}
		}
		cl.token = tok
		r.Header.Set("X-Auth-Token", tok)
	}
	return nil
}

func (c *Client) sign(r *http.Request, body []byte) error {
	if tok := c.creds.SecurityToken.Reveal(); tok != "" {
		r.Header.Set("X-Security-Token", tok)
	}
	r.Header.Del(sdkhmac.HeaderDate) // a fresh date on every attempt
	if err := sdkhmac.Sign(r, body, c.creds.AK, c.creds.SK.Reveal(), c.now(), nil); err != nil {
		return &authError{fmt.Errorf("sign request: %w", err)}
	}
	return nil
}

// project returns the project id, resolving it once when the config has
// none: from the IAM token's project (password auth) or by
// GET {iam}/v3/projects?name={region} (AK/SK).
func (c *Client) project(ctx context.Context) (string, error) {
	c.authMu.Lock()
	p := c.projectID
	c.authMu.Unlock()
	if p != "" {
		return p, nil
	}
	switch c.creds.mode() {
	case "password":
		if _, err := c.iamToken(ctx); err != nil {
			return "", err
		}
		c.authMu.Lock()
		defer c.authMu.Unlock()
		if c.projectID == "" {
			return "", errors.New("the IAM token carries no project: set OS_PROJECT_ID or OS_PROJECT_NAME")
		}
		return c.projectID, nil
	case "aksk":
		return c.lookupProject(ctx)
	}
	return "", errors.New("no project id: set HUAWEICLOUD_SDK_PROJECT_ID or OS_PROJECT_ID")
}

func (c *Client) iamURL(path string) string {
	base := strings.TrimSuffix(strings.TrimRight(c.iam.String(), "/"), "/v3")
	return base + path
}

func (c *Client) lookupProject(ctx context.Context) (string, error) {
	c.projMu.Lock()
	defer c.projMu.Unlock()
	c.authMu.Lock()
	p := c.projectID
	c.authMu.Unlock()
	if p != "" {
		return p, nil
	}
	if c.region == "" {
		return "", errors.New("no project id and no region to look it up: set HUAWEICLOUD_SDK_PROJECT_ID or a region")
	}
	u, err := url.Parse(c.iamURL("/v3/projects"))
	if err != nil {
		return "", err
	}
	u.RawQuery = sdkhmac.CanonicalQuery(url.Values{"name": {c.region}})
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", err
	}
	c.commonHeaders(req)
	if err := c.sign(req, nil); err != nil {
		return "", err
	}
	var out struct {
		Projects []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"projects"`
	}
	if _, err := c.iamDo(req, &out, http.StatusOK); err != nil {
		return "", fmt.Errorf("look up the project of region %s: %w", c.region, err)
	}
	for _, pr := range out.Projects {
		if pr.Name == c.region && pr.ID != "" {
			c.authMu.Lock()
			c.projectID = pr.ID
			c.authMu.Unlock()
			return pr.ID, nil
		}
	}
	return "", fmt.Errorf("IAM knows no project named %q: set HUAWEICLOUD_SDK_PROJECT_ID", c.region)
}

func (c *Client) commonHeaders(req *http.Request) {
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("X-Language", "en-us")
	req.Header.Set("Accept", "application/json")
}

// iamDo sends one IAM request (no retries, no limiter) and decodes a
// successful answer into out.
func (c *Client) iamDo(req *http.Request, out any, ok ...int) (http.Header, error) {
	began := time.Now()
	resp, err := c.plain.Do(req)
	ev := Event{Op: "iam", Method: req.Method, Path: req.URL.Path, Attempt: 1}
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		err = redactErr(err, c.secretList())
		ev.Err, ev.Duration = err, time.Since(began)
		c.counters.record(0, 1)
		if c.observer != nil {
			c.observer(ev)
		}
		return nil, &RequestError{Op: "iam", Method: req.Method, Path: req.URL.Path, Err: err}
	}
	defer resp.Body.Close()
	data, truncated, _ := readBody(resp.Body)
	ev.Status, ev.Duration = resp.StatusCode, time.Since(began)
	c.counters.record(resp.StatusCode, 1)
	good := false
	for _, s := range ok {
		good = good || resp.StatusCode == s
	}
	if !good && resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		good = true
	}
	if !good {
		ae := parseAPIError(resp.StatusCode, resp.Header, data, truncated, c.now(), c.secretList())
		ev.Code = ae.Code
		if c.observer != nil {
			c.observer(ev)
		}
		return nil, ae
	}
	if c.observer != nil {
		c.observer(ev)
	}
	if out != nil {
		if truncated || json.Unmarshal(data, out) != nil {
			return nil, &APIError{HTTPStatus: resp.StatusCode, Message: "malformed IAM response: " + sanitize(data, 120, c.secretList())}
		}
	}
	return resp.Header, nil
}

// iamToken returns the cached project-scoped IAM token, fetching a new one
// when there is none or it expires within five minutes.
func (c *Client) iamToken(ctx context.Context) (string, error) {
	c.tokMu.Lock()
	defer c.tokMu.Unlock()
	if c.token != "" && (c.tokenExp.IsZero() || c.now().Add(5*time.Minute).Before(c.tokenExp)) {
		return c.token, nil
	}
	type named struct {
		Name string `json:"name,omitempty"`
		ID   string `json:"id,omitempty"`
	}
	var body struct {
		Auth struct {
			Identity struct {
				Methods  []string `json:"methods"`
				Password struct {
					User struct {
						Name     string `json:"name"`
						Password string `json:"password"`
						Domain   named  `json:"domain"`
					} `json:"user"`
				} `json:"password"`
			} `json:"identity"`
			Scope struct {
				Project named `json:"project"`
			} `json:"scope"`
		} `json:"auth"`
	}
	id := &body.Auth.Identity
	id.Methods = []string{"password"}
	id.Password.User.Name = c.creds.Username
	id.Password.User.Password = c.creds.Password.Reveal()
	id.Password.User.Domain.Name = c.creds.DomainName
	c.authMu.Lock()
	if c.projectID != "" {
		body.Auth.Scope.Project.ID = c.projectID
	} else {
		body.Auth.Scope.Project.Name = c.projectName
	}
	c.authMu.Unlock()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(body); err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.iamURL("/v3/auth/tokens?nocatalog=true"), &buf)
	if err != nil {
		return "", err
	}
	c.commonHeaders(req)
	req.Header.Set("Content-Type", "application/json;charset=utf8")
	var out struct {
		Token struct {
			ExpiresAt string `json:"expires_at"`
			Project   struct {
				ID string `json:"id"`
			} `json:"project"`
		} `json:"token"`
	}
	h, err := c.iamDo(req, &out, http.StatusCreated)
	if err != nil {
		return "", fmt.Errorf("IAM password authentication of user %q in domain %q: %w", c.creds.Username, c.creds.DomainName, err)
	}
	tok := h.Get("X-Subject-Token")
	if tok == "" {
		return "", fmt.Errorf("IAM password authentication of user %q: the answer has no X-Subject-Token", c.creds.Username)
	}
	c.token = tok
	c.tokenExp = time.Time{}
	if t, err := time.Parse(time.RFC3339, out.Token.ExpiresAt); err == nil {
		c.tokenExp = t
	}
	c.addSecret(tok)
	c.authMu.Lock()
	if c.projectID == "" {
		c.projectID = out.Token.Project.ID
	}
	c.authMu.Unlock()
	return tok, nil
}

// invalidateToken drops the cached token if it is still used; a token
// another call already replaced is left alone.
func (c *Client) invalidateToken(used string) {
	c.tokMu.Lock()
	defer c.tokMu.Unlock()
	if used == "" || c.token == used {
		c.token = ""
	}
}
