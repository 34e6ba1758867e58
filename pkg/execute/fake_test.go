package execute

import (
	"cmp"
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"syscall"

	"github.com/nbfleet/nbfleet/pkg/modelarts"
)

// fake is a deterministic in-memory ModelArts: every transition takes
// `ticks` list calls (statuses advance per poll, not per clock), and errors
// can be queued per call.
type fake struct {
	mu    sync.Mutex
	nbs   map[string]*fnb
	order []string
	seq   int
	ticks int
	// ticksFor overrides ticks per notebook name.
	ticksFor map[string]int
	calls    map[string]int
	// errs queues errors per "op" or "op:name"; a lost error is returned
	// after the call took effect.
	errs map[string][]error
	// createFail is how many creates of a name end CREATE_FAILED.
	createFail map[string]int
	// hidden ids are left out of list answers.
	hidden map[string]int
	// onCreate is called (unlocked) before a create takes effect.
	onCreate func(name string)
	// onStop is called (locked) after a stop took effect.
	onStop func()
}

type fnb struct {
	nb     modelarts.Notebook
	target string // status after left more lists; "GONE" removes it
	left   int
}

type lost struct{ err error }

func (l lost) Error() string { return l.err.Error() }

func newFake(ticks int) *fake {
	return &fake{nbs: map[string]*fnb{}, ticks: ticks, ticksFor: map[string]int{}, calls: map[string]int{},
		errs: map[string][]error{}, createFail: map[string]int{}, hidden: map[string]int{}}
}

var (
	errThrottled = &modelarts.APIError{HTTPStatus: 429, Code: "APIG.0308", Message: "The throttling threshold has been reached"}
	errBusy      = &modelarts.APIError{HTTPStatus: 400, Code: "ModelArts.6357", Message: "another operation is in progress"}
	errQuota     = &modelarts.APIError{HTTPStatus: 400, Code: "ModelArts.6302", Message: "instance count at maximum", RequestID: "req-quota"}
	errGateway   = &modelarts.APIError{HTTPStatus: 503, Code: "ModelArts.0010", Message: "service unavailable"}
	errNotFound  = &modelarts.APIError{HTTPStatus: 400, Code: "ModelArts.6404", Message: "notebook not found"}
	errSoldOut   = &modelarts.APIError{HTTPStatus: 400, Code: "ModelArts.6329", Message: "flavor is sold out"}
	errNoFlavor  = &modelarts.APIError{HTTPStatus: 400, Code: "ModelArts.6323", Message: "flavor is not supported"}
	errReset     = &modelarts.RequestError{Op: "create notebook", Method: "POST", Path: "/v1/p/notebooks", Written: true, Err: syscall.ECONNRESET}
)

func (f *fake) queue(key string, errs ...error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs[key] = append(f.errs[key], errs...)
}

// take counts the call and pops a queued error (locked).
func (f *fake) take(op, name string) error {
	f.calls[op]++
	for _, k := range []string{op + ":" + name, op} {
		if q := f.errs[k]; len(q) > 0 {
			f.errs[k] = q[1:]
			return q[0]
		}
	}
	return nil
}

func (f *fake) count(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

func (f *fake) ticksOf(name string) int {
	if t, ok := f.ticksFor[name]; ok {
		return t
	}
	return f.ticks
}

// seed inserts a notebook of the fleet (its description carries marker)
// in status.
func (f *fake) seed(name, status string) string { return f.seedAs(name, status, "seeded "+marker) }

// seedAs inserts a notebook with that description in status.
func (f *fake) seedAs(name, status, description string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	id := fmt.Sprintf("nb-%03d", f.seq)
	f.nbs[id] = &fnb{nb: modelarts.Notebook{ID: id, Name: name, Status: status, Description: description, Feature: "NOTEBOOK",
		URL: "https://nb.example/" + id, Token: modelarts.Secret("secret-token-" + id), CreateAt: int64(f.seq)}}
	f.order = append(f.order, id)
	return id
}

// transition starts a move to target.
func (f *fake) transition(n *fnb, now, target string) {
	n.nb.Status, n.target, n.left = now, target, f.ticksOf(n.nb.Name)
	if n.left == 0 {
		f.settle(n)
	}
}

func (f *fake) settle(n *fnb) {
	n.left = 0
	if n.target == "GONE" {
		delete(f.nbs, n.nb.ID)
		return
	}
	n.nb.Status = n.target
	if n.target == modelarts.StatusCreateFailed {
		n.nb.FailReason = "attempt of " + n.nb.ID + " failed"
	}
	n.target = ""
}

func (f *fake) advance() {
	for _, id := range f.order {
		if n := f.nbs[id]; n != nil && n.target != "" {
			if n.left--; n.left <= 0 {
				f.settle(n)
			}
		}
	}
}

func answer(err error) (error, bool) {
	if l, ok := err.(lost); ok {
		return l.err, true
	}
	return err, err == nil
}

func (f *fake) Create(ctx context.Context, req *modelarts.CreateRequest) (*modelarts.Notebook, error) {
	if f.onCreate != nil {
		f.onCreate(req.Name)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	err, effect := answer(f.take("create", req.Name))
	if !effect {
		return nil, err
	}
	f.seq++
	id := fmt.Sprintf("nb-%03d", f.seq)
	n := &fnb{nb: modelarts.Notebook{ID: id, Name: req.Name, Description: req.Description, Flavor: req.Flavor, Feature: createFeature(req),
		URL: "https://nb.example/" + id, Token: modelarts.Secret("secret-token-" + id), CreateAt: int64(f.seq)}}
	f.nbs[id] = n
	f.order = append(f.order, id)
	target := modelarts.StatusRunning
	if f.createFail[req.Name] > 0 {
		f.createFail[req.Name]--
		target = modelarts.StatusCreateFailed
	}
	f.transition(n, modelarts.StatusCreating, target)
	if err != nil {
		return nil, err
	}
	c := n.nb
	return &c, nil
}

func (f *fake) List(ctx context.Context, opts modelarts.ListOptions) ([]modelarts.Notebook, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.take("list", opts.Name); err != nil {
		return nil, err
	}
	if opts.Name == "" {
		f.advance()
	}
	return f.listed(opts), nil
}

// listed is what a list shows now (locked).
func (f *fake) listed(opts modelarts.ListOptions) []modelarts.Notebook {
	var out []modelarts.Notebook
	for _, id := range f.order {
		n := f.nbs[id]
		if n == nil || !strings.Contains(n.nb.Name, opts.Name) {
			continue
		}
		// The service lists one kind at a time, NOTEBOOK by default.
		if kind := cmp.Or(opts.Feature, "NOTEBOOK"); !strings.EqualFold(n.nb.Feature, kind) {
			continue
		}
		if f.hidden[id] > 0 {
			f.hidden[id]--
			continue
		}
		out = append(out, n.nb)
	}
	return out
}

// pagedFake is a fake that also serves single pages, as *modelarts.Client
// does; the first page of a list advances the statuses.
type pagedFake struct{ *fake }

func (p pagedFake) ListPage(ctx context.Context, opts modelarts.ListOptions, offset, limit int) (*modelarts.Page, error) {
	f := p.fake
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.take("page", ""); err != nil {
		return nil, err
	}
	if offset == 0 {
		f.advance()
	}
	all := f.listed(opts)
	pg := &modelarts.Page{Total: len(all)}
	if offset < len(all) {
		pg.Data = all[offset:min(offset+limit, len(all))]
	}
	return pg, nil
}

func (f *fake) get(id string) (*fnb, error) {
	n := f.nbs[id]
	if n == nil {
		return nil, errNotFound
	}
	return n, nil
}

func (f *fake) Get(ctx context.Context, id string) (*modelarts.Notebook, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.get(id)
	if err == nil {
		err = f.take("get", n.nb.Name)
		// A poll of one notebook advances it, as a list advances all.
		if n.target != "" {
			if n.left--; n.left <= 0 {
				f.settle(n)
			}
		}
		if f.nbs[id] == nil {
			return nil, errNotFound
		}
	} else {
		f.calls["get"]++
	}
	if err != nil {
		return nil, err
	}
	c := n.nb
	return &c, nil
}

func (f *fake) Update(ctx context.Context, id string, req *modelarts.UpdateRequest) (*modelarts.Notebook, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.get(id)
	if err != nil {
		return nil, err
	}
	if err := f.take("update", n.nb.Name); err != nil {
		return nil, err
	}
	if n.target != "" {
		return nil, errBusy
	}
	if req.Flavor != "" {
		if n.nb.Status != modelarts.StatusStopped {
			return nil, &modelarts.APIError{HTTPStatus: 400, Code: "ModelArts.6357", Message: "stop the notebook first"}
		}
		n.nb.Flavor = req.Flavor
	}
	if req.Description != nil {
		n.nb.Description = *req.Description
	}
	c := n.nb
	return &c, nil
}

func (f *fake) Delete(ctx context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.get(id)
	if err != nil {
		f.calls["delete"]++
		return err
	}
	err, effect := answer(f.take("delete", n.nb.Name))
	if effect && n.nb.Status != modelarts.StatusDeleting {
		f.transition(n, modelarts.StatusDeleting, "GONE")
	}
	return err
}

func (f *fake) Start(ctx context.Context, id string, lease *modelarts.LeaseReq) (*modelarts.Notebook, error) {
	return f.startStop(id, "start", modelarts.StatusStopped, modelarts.StatusStarting, modelarts.StatusRunning)
}

func (f *fake) Stop(ctx context.Context, id string) (*modelarts.Notebook, error) {
	nb, err := f.startStop(id, "stop", modelarts.StatusRunning, modelarts.StatusStopping, modelarts.StatusStopped)
	if err == nil && f.onStop != nil {
		f.mu.Lock()
		f.onStop()
		f.mu.Unlock()
	}
	return nb, err
}

func (f *fake) startStop(id, op, from, via, to string) (*modelarts.Notebook, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.get(id)
	if err != nil {
		return nil, err
	}
	if err := f.take(op, n.nb.Name); err != nil {
		return nil, err
	}
	if n.nb.Status != from || n.target != "" {
		return nil, errBusy
	}
	f.transition(n, via, to)
	c := n.nb
	return &c, nil
}

// names returns the live notebooks' names, sorted, with duplicates.
func (f *fake) names() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, n := range f.nbs {
		out = append(out, n.nb.Name+"="+n.nb.Status)
	}
	sort.Strings(out)
	return out
}
