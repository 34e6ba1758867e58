// Package modelarts is the ModelArts notebook API v1 client: typed requests
// and responses, pagination, errors with code and message, authentication
// (AK/SK signing, IAM tokens, IAM password auth), retries through
// go-retryablehttp and a shared adaptive rate limiter.
//
// It knows nothing about fleets or plans, never prints and never puts a
// credential in an error: secrets are modelarts.Secret values, and response
// snippets and transport errors have every known secret replaced, in every
// form a body may quote it in (redact).
package modelarts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Client talks to one project of one ModelArts endpoint. It is safe for
// concurrent use.
type Client struct {
	cloud     Cloud
	region    string
	base      *url.URL
	iam       *url.URL
	creds     Credentials
	userAgent string
	limiter   *Limiter
	retry     RetryPolicy
	now       func() time.Time
	observer  func(Event)
	rc        *retryablehttp.Client
	plain     *http.Client

	authMu      sync.Mutex // projectID
	projectID   string
	projectName string
	projMu      sync.Mutex // serialises the project lookup
	tokMu       sync.Mutex // token, tokenExp
	token       string
	tokenExp    time.Time
	secMu       sync.Mutex
	secrets     []string

	counters counters
	retrying atomic.Int64 // calls waiting before a retry
}

// New returns a client for cfg. It does no I/O: a project id that must be
// resolved, or an IAM token, is fetched by the first call.
func New(cfg Config) (*Client, error) {
	if cfg.Endpoint == "" {
		return nil, errors.New("modelarts: no endpoint: set a region or an endpoint")
	}
	base, err := checkEndpoint("endpoint", cfg.Endpoint, cfg.AllowInsecureEndpoint)
	if err != nil {
		return nil, fmt.Errorf("modelarts: %w", err)
	}
	c := &Client{
		cloud: cloudOf(cfg.Cloud, cfg.Region), region: cfg.Region, base: base, creds: cfg.Credentials,
		userAgent: cfg.UserAgent, limiter: cfg.Limiter, retry: cfg.Retry.withDefaults(),
		now: cfg.Now, observer: cfg.Observer, projectID: cfg.ProjectID, projectName: cfg.ProjectName,
	}
	if c.cloud != HuaweiCloud && c.cloud != OTC {
		return nil, fmt.Errorf("modelarts: unknown cloud %q (want %q or %q)", c.cloud, HuaweiCloud, OTC)
	}
	if c.projectName == "" {
		c.projectName = cfg.Region
	}
	if c.userAgent == "" {
		c.userAgent = "nbfleet"
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.limiter == nil {
		c.limiter = NewAdaptiveLimiter(LimiterOptions{})
	}
	for _, s := range cfg.Credentials.secrets() {
		if s != "" {
			c.secrets = append(c.secrets, s)
		}
	}
	switch cfg.Credentials.mode() {
	case "":
		return nil, errors.New("modelarts: no credentials: set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK, or OS_AUTH_TOKEN, or OS_USERNAME, OS_PASSWORD and OS_DOMAIN_NAME")
	case "aksk":
		if cfg.Credentials.AK == "" || cfg.Credentials.SK == "" {
			return nil, errors.New("modelarts: AK/SK credentials need both the access key and the secret key")
		}
	case "password":
		if cfg.Credentials.Username == "" || cfg.Credentials.Password == "" || cfg.Credentials.DomainName == "" {
			return nil, errors.New("modelarts: IAM password authentication needs a user name, a password and a domain name")
		}
	case "token":
		if cfg.ProjectID == "" {
			return nil, errors.New("modelarts: an IAM token needs a project id")
		}
	}
	needIAM := cfg.Credentials.mode() == "password" || (cfg.ProjectID == "" && cfg.Credentials.mode() == "aksk")
	if cfg.IAMEndpoint != "" {
		if c.iam, err = checkEndpoint("IAM endpoint", cfg.IAMEndpoint, cfg.AllowInsecureEndpoint); err != nil {
			return nil, fmt.Errorf("modelarts: %w", err)
		}
	} else if needIAM {
		return nil, errors.New("modelarts: no IAM endpoint: set OS_AUTH_URL or NBFLEET_IAM_ENDPOINT")
	}
	if c.rc, c.plain, err = c.newHTTP(cfg); err != nil {
		return nil, fmt.Errorf("modelarts: %w", err)
	}
	return c, nil
}

// Cloud returns the cloud the client targets.
func (c *Client) Cloud() Cloud { return c.cloud }

// Limiter returns the client's rate limiter, to read or tune it.
func (c *Client) Limiter() *Limiter { return c.limiter }

// ProjectID returns the project id, resolving it if needed.
func (c *Client) ProjectID(ctx context.Context) (string, error) { return c.project(ctx) }

func (c *Client) secretList() []string {
	c.secMu.Lock()
	defer c.secMu.Unlock()
	return c.secrets
}

func (c *Client) addSecret(s string) {
	c.secMu.Lock()
	defer c.secMu.Unlock()
	c.secrets = append(slices.Clip(c.secrets), s)
}

// checkID refuses ids that could change the path: ids are UUIDs.
func checkID(id string) error {
	if id == "" {
		return errors.New("empty notebook id")
	}
	for i := 0; i < len(id); i++ {
		b := id[i]
		if !('a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || b == '-' || b == '_' || b == '.') || id == "." || id == ".." {
			return fmt.Errorf("notebook id %q may only have letters, digits, '-', '_' and '.'", id)
		}
	}
	return nil
}

// Create sends CreateNotebook. A create is not idempotent: the client sends
// it again only when the service refused it (429) or it never left (a
// connection error before the request was written), within the retry
// budget. An ambiguous failure (5xx, a reset or timeout after the request
// was written) is returned: the caller looks the name up before sending it
// again (see IsAmbiguous).
func (c *Client) Create(ctx context.Context, req *CreateRequest) (*Notebook, error) {
	if req == nil {
		return nil, errors.New("create notebook: nil request")
	}
	var nb Notebook
	op := fmt.Sprintf("create notebook %q", req.Name)
	if _, err := c.do(ctx, op, http.MethodPost, "/notebooks", nil, createBody(req), false, &nb); err != nil {
		return nil, err
	}
	if nb.ID == "" {
		return nil, fmt.Errorf("%s: the answer carries no notebook id", op)
	}
	return &nb, nil
}

// PageLimit is the page size List uses (the API allows 10, 20 or 50).
const PageLimit = 50

// Page is one page of ListNotebooks.
type Page struct {
	Current int        `json:"current"`
	Data    []Notebook `json:"data"`
	Pages   int        `json:"pages"`
	Size    int        `json:"size"`
	Total   int        `json:"total"`
}

// listPath is the list every read of nbfleet uses: /notebooks/all, which
// lists every user's notebooks of the project, not /notebooks, which may
// list only the caller's (real-service.md rule 21; the OTC doc gives /all
// no constraints). Two IAM users who run one fleet, say an instructor and
// a CI robot, must see the same notebooks, or each would plan to create
// the other's again: names may repeat, so that is a duplicate, not an
// error.
const listPath = "/notebooks/all"

func (c *Client) listQuery(opts ListOptions, offset, limit int) url.Values {
	q := url.Values{"limit": {strconv.Itoa(limit)}, "offset": {strconv.Itoa(offset)}}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("name", opts.Name)
	set("status", opts.Status)
	set("feature", opts.Feature)
	set("pool_id", opts.PoolID)
	set("sort_dir", opts.SortDir)
	// The workspace filter is workspace_id in the Huawei Cloud SDK and
	// workspaceId in the OTC docs (rule 4); a backend ignores the other.
	if c.cloud == OTC {
		set("workspaceId", opts.WorkspaceID)
	} else {
		set("workspace_id", opts.WorkspaceID)
	}
	// No sort_key: which sort keys the service accepts is not documented
	// (an unknown one is ModelArts.6303, rule 3), so the order is the
	// service's default, whatever it is. List does not rely on it.
	return q
}

// ListPage returns one page of notebooks at a record offset; limit must be
// 10, 20 or 50. An empty opts.Feature sends none: the service then lists
// only NOTEBOOK notebooks (rule 2).
func (c *Client) ListPage(ctx context.Context, opts ListOptions, offset, limit int) (*Page, error) {
	if limit != 10 && limit != 20 && limit != 50 {
		return nil, fmt.Errorf("list notebooks: limit %d is not 10, 20 or 50", limit)
	}
	var p Page
	op := fmt.Sprintf("list notebooks (offset %d)", offset)
	if _, err := c.do(ctx, op, http.MethodGet, listPath, c.listQuery(opts, offset, limit), nil, true, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// Features are the notebook kinds List lists when ListOptions.Feature is
// empty: billed notebooks and the free CodeLab one.
var Features = []string{"NOTEBOOK", "DEFAULT"}

// List returns every notebook matching opts, de-duplicated by id, in the
// order first seen. Without opts.Feature it lists both Features, one
// after the other: the service's filter defaults to NOTEBOOK, and a
// DEFAULT notebook nbfleet made must be seen too, or it would be planned
// again.
//
// Each kind is paged with limit=50 and offset += len(data). The order of
// the pages is the service's default, which is not documented, so List
// assumes nothing of it: a pass stops when a page is short, adds no new
// id, or the offset reaches the reported total (a total of 0 with data is
// ignored as a lie), and it counts as complete only when every page
// reported the same total and the pass saw that many distinct notebooks.
// That holds whatever the order, as long as it is stable while nothing
// changes. When the list changes while we page, offsets shift (a deleted
// notebook pulls the later ones back, and one can be skipped; a new one
// can push one onto the next page twice), the totals differ or fall
// short, and List pages again (at most maxListPasses passes, and only
// while a pass still finds new ones) and returns the union. What remains
// possible is a notebook created and another deleted during one pass, so
// that the total stays the same and the count matches while one existing
// notebook was skipped; nbfleet holds a lock against its own runs, so
// that takes someone else changing the same project at that moment.
//
// A notebook deleted meanwhile may be included (callers tolerate it: it
// is gone when acted on). When no pass is complete, List returns an error
// wrapping ErrIncompleteList rather than a list that may lack a notebook.
func (c *Client) List(ctx context.Context, opts ListOptions) ([]Notebook, error) {
	features := []string{opts.Feature}
	if opts.Feature == "" {
		features = Features
	}
	var out []Notebook
	seen := map[string]bool{}
	for _, f := range features {
		o := opts
		o.Feature = f
		if err := c.listAll(ctx, o, seen, &out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// listAll pages through one kind of notebooks until a pass is complete
// (see List), adding unseen ones to out.
func (c *Client) listAll(ctx context.Context, opts ListOptions, seen map[string]bool, out *[]Notebook) error {
	before := len(*out)
	for pass := 1; ; pass++ {
		complete, grew, err := c.listPass(ctx, opts, seen, out)
		if err != nil {
			return err
		}
		if complete {
			return nil
		}
		if pass == maxListPasses || (pass > 1 && !grew) {
			return fmt.Errorf("list notebooks: %w: %d passes saw %d notebooks, fewer than the service reported; run again", ErrIncompleteList, pass, len(*out)-before)
		}
	}
}

// ErrIncompleteList reports that paging through the notebook list never
// saw as many notebooks as the service said there are (the list kept
// changing, or the service's pages are inconsistent).
var ErrIncompleteList = errors.New("the notebook list could not be read completely")

// maxListPasses bounds how often List pages again after an incomplete pass.
const maxListPasses = 3

// listPass pages once through the list, adding unseen notebooks to out. It
// reports whether the pass was consistent (one total on every page, and
// that many notebooks seen; a total of 0 counts as unknown) and whether it
// added any notebook.
func (c *Client) listPass(ctx context.Context, opts ListOptions, seen map[string]bool, out *[]Notebook) (complete, grew bool, err error) {
	offset, count := 0, 0
	total, steady := -1, true
	passSeen := map[string]bool{}
	for {
		p, err := c.ListPage(ctx, opts, offset, PageLimit)
		if err != nil {
			return false, false, err
		}
		if total >= 0 && p.Total != total {
			steady = false
		}
		total = p.Total
		added := 0
		for _, nb := range p.Data {
			if nb.ID == "" || passSeen[nb.ID] {
				continue
			}
			passSeen[nb.ID] = true
			count++
			added++
			if !seen[nb.ID] {
				seen[nb.ID] = true
				*out = append(*out, nb)
				grew = true
			}
		}
		offset += len(p.Data)
		if added == 0 || len(p.Data) < PageLimit || (p.Total > 0 && offset >= p.Total) {
			return steady && count >= total, grew, nil
		}
	}
}

// Get returns one notebook; errors.Is(err, ErrNotFound) when it is gone.
func (c *Client) Get(ctx context.Context, id string) (*Notebook, error) {
	op := "show notebook " + id
	if err := checkID(id); err != nil {
		return nil, fmt.Errorf("show notebook: %w", err)
	}
	var nb Notebook
	if _, err := c.do(ctx, op, http.MethodGet, "/notebooks/"+id, nil, nil, true, &nb); err != nil {
		return nil, err
	}
	return &nb, nil
}

// Update sends UpdateNotebook (PUT); a non-nil empty Endpoints clears
// them. See UpdateRequest for what may change in which status.
func (c *Client) Update(ctx context.Context, id string, req *UpdateRequest) (*Notebook, error) {
	if err := checkID(id); err != nil {
		return nil, fmt.Errorf("update notebook: %w", err)
	}
	if req == nil {
		return nil, errors.New("update notebook: nil request")
	}
	var nb Notebook
	if _, err := c.do(ctx, "update notebook "+id, http.MethodPut, "/notebooks/"+id, nil, updateBody(req), true, &nb); err != nil {
		return nil, err
	}
	return &nb, nil
}

// Delete sends DeleteNotebook. A not-found answer is returned as an error
// matching ErrNotFound; the caller decides whether that means done.
func (c *Client) Delete(ctx context.Context, id string) error {
	if err := checkID(id); err != nil {
		return fmt.Errorf("delete notebook: %w", err)
	}
	_, err := c.do(ctx, "delete notebook "+id, http.MethodDelete, "/notebooks/"+id, nil, nil, true, nil)
	return err
}

// Start sends StartNotebook with an optional lease, given as the query
// parameters duration (ms) and type (lower case).
func (c *Client) Start(ctx context.Context, id string, lease *LeaseReq) (*Notebook, error) {
	if err := checkID(id); err != nil {
		return nil, fmt.Errorf("start notebook: %w", err)
	}
	q := url.Values{}
	if l := wireLease(lease); l != nil {
		if l.Duration != 0 {
			q.Set("duration", strconv.FormatInt(l.Duration, 10))
		}
		if l.Type != "" {
			q.Set("type", l.Type)
		}
	}
	var nb Notebook
	if _, err := c.do(ctx, "start notebook "+id, http.MethodPost, "/notebooks/"+id+"/start", q, nil, true, &nb); err != nil {
		return nil, err
	}
	return &nb, nil
}

// Stop sends StopNotebook.
func (c *Client) Stop(ctx context.Context, id string) (*Notebook, error) {
	if err := checkID(id); err != nil {
		return nil, fmt.Errorf("stop notebook: %w", err)
	}
	var nb Notebook
	if _, err := c.do(ctx, "stop notebook "+id, http.MethodPost, "/notebooks/"+id+"/stop", nil, nil, true, &nb); err != nil {
		return nil, err
	}
	return &nb, nil
}

// RenewLease extends a running notebook's lease (PATCH …/lease) with a
// LeaseReq body and no query: when the query carries duration the service
// ignores the body, its type included, and the lease becomes a timing one
// (real-service.md rule 14, the OTC "prolonging" doc: "If the request
// parameter contains duration, the value of leaseReq is ignored"). So the
// body alone is what makes a renew to type idle take effect. An empty
// answer (204) is followed by GetLease.
func (c *Client) RenewLease(ctx context.Context, id string, lease LeaseReq) (*Lease, error) {
	if err := checkID(id); err != nil {
		return nil, fmt.Errorf("renew lease: %w", err)
	}
	if lease.Duration <= 0 && lease.Duration != -1 {
		return nil, errors.New("renew lease: the duration is required")
	}
	var out leaseOut
	if _, err := c.do(ctx, "renew lease of notebook "+id, http.MethodPatch, "/notebooks/"+id+"/lease", nil, wireLease(&lease), true, &out); err != nil {
		return nil, err
	}
	if !out.got {
		return c.GetLease(ctx, id)
	}
	return &out.l, nil
}

// leaseOut decodes a Lease and notes that there was one.
type leaseOut struct {
	l   Lease
	got bool
}

func (o *leaseOut) UnmarshalJSON(b []byte) error {
	o.got = true
	return json.Unmarshal(b, &o.l)
}

// GetLease shows a notebook's lease.
func (c *Client) GetLease(ctx context.Context, id string) (*Lease, error) {
	if err := checkID(id); err != nil {
		return nil, fmt.Errorf("show lease: %w", err)
	}
	var out Lease
	if _, err := c.do(ctx, "show lease of notebook "+id, http.MethodGet, "/notebooks/"+id+"/lease", nil, nil, true, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListFlavors returns every notebook flavor of the region (with sold_out),
// paging by offset until a short or empty page or the reported total.
func (c *Client) ListFlavors(ctx context.Context) ([]Flavor, error) {
	return listCatalog(ctx, c, "list flavors", "/notebooks/flavors", url.Values{}, func(f Flavor) string { return f.ID })
}

// ImageListOptions filters ListImages. Empty fields are not sent.
type ImageListOptions struct {
	Name        string // exact unless NameFuzzy
	NameFuzzy   bool
	Type        string // BUILD_IN, DEDICATED
	WorkspaceID string
}

// ListImages returns every image matching opts, paging like ListFlavors.
func (c *Client) ListImages(ctx context.Context, opts ImageListOptions) ([]Image, error) {
	q := url.Values{}
	if opts.Name != "" {
		q.Set("name", opts.Name)
		if opts.NameFuzzy {
			q.Set("name_fuzzy_match", "true")
		}
	}
	if opts.Type != "" {
		q.Set("type", opts.Type)
	}
	if opts.WorkspaceID != "" {
		q.Set("workspace_id", opts.WorkspaceID)
	}
	return listCatalog(ctx, c, "list images", "/images", q, func(im Image) string { return im.ID })
}

// listCatalog returns every entry of a catalog (flavors, images) at path,
// paging by offset until a short or empty page, a page with no new id, or
// the reported total; entries are de-duplicated by id. The flavors answer
// calls its array "flavors", the images answer "data".
func listCatalog[T any](ctx context.Context, c *Client, op, path string, q url.Values, id func(T) string) ([]T, error) {
	var out []T
	seen := map[string]bool{}
	for offset := 0; ; {
		var p struct {
			Data    []T `json:"data"`
			Flavors []T `json:"flavors"`
			Total   int `json:"total"`
		}
		q.Set("limit", strconv.Itoa(PageLimit))
		q.Set("offset", strconv.Itoa(offset))
		if _, err := c.do(ctx, op, http.MethodGet, path, q, nil, true, &p); err != nil {
			return nil, err
		}
		items := p.Data
		if len(p.Flavors) > 0 {
			items = p.Flavors
		}
		added := 0
		for _, x := range items {
			if k := id(x); !seen[k] {
				seen[k] = true
				out = append(out, x)
				added++
			}
		}
		offset += len(items)
		if added == 0 || len(items) < PageLimit || (p.Total > 0 && offset >= p.Total) {
			return out, nil
		}
	}
}
