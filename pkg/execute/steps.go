package execute

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/plan"
	"github.com/nbfleet/nbfleet/pkg/report"
)

// maxAmbiguous bounds the creates of one create step that failed in a way
// that may have made the notebook (each one looked up before the next).
const maxAmbiguous = 3

// state is what a change knows of its notebook. It never holds the token.
type state struct {
	c      *plan.Change
	e      *report.Entry
	id     string
	status string
	url    string
	flavor string
	// feature is the notebook's kind (NOTEBOOK, DEFAULT; "": not known
	// yet): which list shows it.
	feature string
	gone    bool
	// capacity is the volume's last seen capacity (GB, 0: unknown) and
	// resizing whether it was RESIZING.
	capacity int
	resizing bool
	// held is true while the change holds a parallelism slot.
	held bool
	// failReason is the fail_reason of the failure status a wait for the
	// notebook to settle ended in.
	failReason string
}

// see records a notebook's answer or sighting.
func (st *state) see(nb *modelarts.Notebook) {
	if nb == nil {
		return
	}
	if nb.ID != "" {
		st.id = nb.ID
	}
	if nb.Status != "" {
		st.status = nb.Status
	}
	if nb.URL != "" {
		st.url = nb.URL
	}
	if nb.Flavor != "" {
		st.flavor = nb.Flavor
	}
	if nb.Feature != "" {
		st.feature = strings.ToUpper(nb.Feature)
	}
	if v := nb.Volume; v != nil {
		st.capacity = v.Capacity
		st.resizing = isResizing(nb)
	}
	st.gone = false
}

// isResizing reports a volume growth under way (volume.status RESIZING).
func isResizing(nb *modelarts.Notebook) bool {
	return nb.Volume != nil && strings.EqualFold(nb.Volume.Status, "RESIZING")
}

// isGone reports a notebook that is gone for every purpose: the service
// shows a deleted notebook as DELETED for a while before show answers
// not-found (real-service.md rule 5).
func isGone(nb *modelarts.Notebook) bool { return nb.Status == modelarts.StatusDeleted }

// failed records the fail_reason of a notebook that ended in a failure
// status.
func (st *state) failed(nb *modelarts.Notebook) {
	reason := nb.FailReason
	if reason == "" {
		reason = "(no fail_reason given)"
	}
	st.e.FailReason = reason
	st.e.FailReasons = append(st.e.FailReasons, reason)
}

// change carries out one change and returns its entry.
func (r *runner) change(c *plan.Change) report.Entry {
	start := r.opts.Now()
	e := report.Entry{Name: c.Name, Labels: c.Labels, ID: c.ID, Action: c.Action.String(), Attempts: 1, StartedAt: &start}
	st := &state{c: c, e: &e, id: c.ID, held: true}
	if c.Notebook != nil && c.Action != plan.Replace {
		// The live notebook is of the declared kind (another kind is a
		// replace): polls list that kind. A wrong guess costs a GET.
		st.feature = strings.ToUpper(c.Notebook.Feature)
	}
	defer r.release(st)
	deadline := time.Now().Add(r.opts.Timeout)
	cctx, cancel := context.WithDeadline(r.hard, deadline)
	defer cancel()
	wctx, wcancel := context.WithDeadline(r.grace, deadline)
	defer wcancel()

	err := r.steps(cctx, wctx, st)
	if err == errNotStarted {
		e.Outcome, e.Note, e.Attempts, e.StartedAt = report.Skipped, "not started: interrupted", 0, nil
		return e
	}
	if err == nil && c.InProgress() {
		err = settledAs(st, c.WantStatus)
	}
	switch {
	case err != nil:
		e.Outcome = report.Failed
		e.Error = r.describe(err, st)
	case c.Action == plan.NoOp:
		// Nothing was changed; it was waited for until it settled as
		// declared.
		e.Outcome = report.Unchanged
	default:
		e.Outcome = report.Succeeded
	}
	e.ID = st.id
	e.Status = st.status
	e.URL = st.url
	e.Flavor = st.flavor
	if st.gone {
		e.Status, e.URL, e.Flavor = "", "", ""
	}
	fin := r.opts.Now()
	e.FinishedAt = &fin
	e.ElapsedMS = fin.Sub(start).Milliseconds()
	return e
}

func (r *runner) progress(st *state, op plan.StepOp, status string) {
	r.obs.Progress(Event{Name: st.c.Name, ID: st.id, Step: op, Status: status})
}

// steps runs the change's steps in order. cctx bounds calls (hard cancel,
// timeout); wctx bounds waits (also ended DrainGrace after a drain).
func (r *runner) steps(cctx, wctx context.Context, st *state) error {
	steps := st.c.Steps
	for i, s := range steps {
		if r.isDrained() {
			if i == 0 {
				return errNotStarted
			}
			return &interruptError{what: fmt.Sprintf("before step %s", s.Op)}
		}
		next := plan.StepOp("")
		if i+1 < len(steps) {
			next = steps[i+1].Op
		}
		wait := i+1 < len(steps) || r.opts.Wait != WaitNone
		if err := r.acquire(cctx, st); err != nil {
			return err
		}
		r.progress(st, s.Op, "")
		var err error
		switch s.Op {
		case plan.StepCreate:
			err = r.create(cctx, wctx, st, s, next, wait)
		case plan.StepDelete:
			err = r.delete(cctx, wctx, st, wait)
		case plan.StepStop:
			err = r.stop(cctx, wctx, st, wait)
		case plan.StepStart:
			err = r.start(cctx, wctx, st, s, next, wait)
		case plan.StepUpdate:
			err = r.update(cctx, wctx, st, s, wait)
		case plan.StepWait:
			err = r.waitStep(wctx, st, s, next, wait)
		default:
			err = fmt.Errorf("step %d: unknown op %q", i+1, s.Op)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// running is the goal after a create or a start: RUNNING, or also STOPPED
// when the next step stops it anyway.
func running(next plan.StepOp) goal {
	g := goal{statuses: []string{modelarts.StatusRunning}}
	if next == plan.StepStop {
		g.statuses = append(g.statuses, modelarts.StatusStopped)
	}
	return g
}

func (r *runner) create(cctx, wctx context.Context, st *state, s plan.Step, next plan.StepOp, wait bool) error {
	if s.Create == nil {
		return errors.New("create step without a request")
	}
	exclude := map[string]bool{}
	for attempt := 1; ; attempt++ {
		st.e.Attempts = attempt
		nb, err := r.sendCreateFlavors(cctx, st, s.Create, exclude)
		if err != nil {
			return err
		}
		// The kind is the request's (the service's default NOTEBOOK),
		// whether or not the answer says.
		st.feature = createFeature(s.Create)
		st.see(nb)
		r.progress(st, plan.StepCreate, st.status)
		if !wait {
			return nil
		}
		err = r.waitFor(wctx, st, plan.StepCreate, running(next))
		var se *statusError
		if !errors.As(err, &se) || se.status != modelarts.StatusCreateFailed || attempt >= r.opts.CreateAttempts {
			return err
		}
		if r.isDrained() {
			return err
		}
		// Delete the failed notebook, wait for it to go, create again.
		exclude[st.id] = true
		if err := r.acquire(cctx, st); err != nil {
			return err
		}
		if err := r.delete(cctx, wctx, st, true); err != nil {
			return fmt.Errorf("delete notebook left CREATE_FAILED by attempt %d: %w", attempt, err)
		}
		st.id = ""
		if err := r.acquire(cctx, st); err != nil {
			return err
		}
	}
}

// acquire takes a parallelism slot for st unless it holds one.
func (r *runner) acquire(ctx context.Context, st *state) error {
	if st.held {
		return nil
	}
	if !r.slots.acquire(ctx, nil) {
		return ctx.Err()
	}
	st.held = true
	return nil
}

// release gives st's slot back while it waits, or when it is done.
func (r *runner) release(st *state) {
	if st.held {
		st.held = false
		r.slots.release()
	}
}

// sendCreate sends the create. The client has already re-sent it within
// its retry budget where that was safe (refused by a 429, or never sent);
// what comes back is an answer, a failure that ended the budget, or an
// ambiguous failure: then the name is looked up, and a notebook found is
// adopted, so a create never makes a duplicate; only when there is none is
// the create sent again (at most maxAmbiguous times).
func (r *runner) sendCreate(ctx context.Context, st *state, req *modelarts.CreateRequest, exclude map[string]bool) (*modelarts.Notebook, error) {
	b := r.backoff()
	for ambiguous := 1; ; ambiguous++ {
		nb, err := r.api.Create(ctx, req)
		if err == nil {
			return nb, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if !isAmbiguous(err) || ambiguous >= maxAmbiguous {
			return nil, &opError{op: "create", err: err, terminal: isTerminal(err)}
		}
		// Give a create that is still being made a moment to show.
		if !b.sleep(ctx) {
			return nil, ctx.Err()
		}
		found, lerr := r.lookup(ctx, req, exclude)
		if lerr != nil {
			return nil, lerr
		}
		if found != nil {
			return found, nil
		}
		if r.isDrained() {
			return nil, &interruptError{what: "before re-sending the create"}
		}
	}
}

// sendCreateFlavors is sendCreate with the flavors of the change's list in
// turn (withFlavors): the next is tried only after an answer that the
// flavor is sold out or not offered. Such an answer is definite — after an
// ambiguous failure sendCreate looks the name up before it sends the
// create again, and adopts what it finds — so nothing was made with a
// flavor given up.
func (r *runner) sendCreateFlavors(ctx context.Context, st *state, req *modelarts.CreateRequest, exclude map[string]bool) (*modelarts.Notebook, error) {
	var made *modelarts.Notebook
	err := r.withFlavors(st, req.Flavor, func(flavor string) error {
		rq := req
		if flavor != req.Flavor {
			c := *req
			c.Flavor = flavor
			rq = &c
		}
		nb, err := r.sendCreate(ctx, st, rq, exclude)
		made = nb
		return err
	})
	return made, err
}

// withFlavors calls send with the flavors a step that sends flavor may
// end with, in order (plan.Change.FlavorChoices), leaving out those
// Options.Flavors shows unavailable while others remain, until one is not
// refused as sold out or not offered. A flavor given up is named in the
// entry's note. An empty flavor (a step that sets none) is sent as is.
func (r *runner) withFlavors(st *state, flavor string, send func(flavor string) error) error {
	if flavor == "" {
		return send("")
	}
	var gaveUp []string
	choices := st.c.FlavorChoices(flavor)
	if r.opts.Flavors != nil {
		known := map[string]modelarts.Flavor{}
		for _, f := range r.opts.Flavors {
			known[f.ID] = f
		}
		var offered, listed []string
		for _, fl := range choices {
			switch f, ok := known[fl]; {
			case !ok:
				listed = append(listed, fl+" is not in the flavor list")
			case f.SoldOut:
				listed = append(listed, fl+" is sold out")
			default:
				offered = append(offered, fl)
			}
		}
		if len(offered) > 0 {
			choices, gaveUp = offered, listed
		}
	}
	var err error
	for i, fl := range choices {
		err = send(fl)
		if err != nil && i+1 < len(choices) && isFlavorUnavailable(err) && !r.isDrained() {
			gaveUp = append(gaveUp, fmt.Sprintf("%s was refused (%s)", fl, apiError(err).Code))
			continue
		}
		switch {
		case len(gaveUp) == 0:
		case err == nil:
			st.e.Note = fmt.Sprintf("got flavor %s, the next of its list: %s", fl, strings.Join(gaveUp, ", "))
		default:
			st.e.Note = fmt.Sprintf("flavors given up before %s: %s", fl, strings.Join(gaveUp, ", "))
		}
		return err
	}
	return err
}

// lookup finds the notebook an ambiguous create may have made: same name
// exactly, carrying the fleet's marker, not one already given up.
func (r *runner) lookup(ctx context.Context, req *modelarts.CreateRequest, exclude map[string]bool) (*modelarts.Notebook, error) {
	ws := req.WorkspaceID // where the create would have put it
	if ws == "" {
		ws = r.opts.WorkspaceID
	}
	// The list filter's feature defaults to NOTEBOOK (rule 2): a DEFAULT
	// notebook is found only by asking for DEFAULT.
	feature := createFeature(req)
	live, err := r.api.List(ctx, modelarts.ListOptions{Name: req.Name, WorkspaceID: ws, Feature: feature})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &opError{op: "look up after an ambiguous create", err: err}
	}
	var found *modelarts.Notebook
	for i := range live {
		n := &live[i]
		if n.Name != req.Name || exclude[n.ID] || n.Status == modelarts.StatusDeleting || isGone(n) {
			continue
		}
		if r.opts.Marker != "" && !ownedBy(n.Description, r.opts.Marker) ||
			r.opts.Marker == "" && n.Description != req.Description {
			continue
		}
		if found == nil || n.CreateAt > found.CreateAt {
			found = n
		}
	}
	return found, nil
}

// createFeature is the kind of notebook req makes: its feature, by default
// NOTEBOOK.
func createFeature(req *modelarts.CreateRequest) string {
	if req.Feature == "" {
		return "NOTEBOOK"
	}
	return strings.ToUpper(req.Feature)
}

// ownedBy reports whether description carries the ownership marker of the
// fleet that marker names, whatever hooks digest either records.
func ownedBy(description, marker string) bool {
	have, ok := plan.Owner(description)
	want, wok := plan.Owner(marker)
	return ok && wok && have == want
}

// busyCall runs call until it succeeds or settled says its failure means
// done. A busy answer (the notebook is in another operation) is about the
// notebook's state, not the transport, so it is waited out here, where the
// notebook is watched: settled re-reads the notebook first; while it is in
// a transition the wait is the poller's (no request of its own), otherwise
// a backoff; then the call is sent again, for at most BusyTimeout. Every
// other failure was already retried by the client within its budget and
// ends the step.
func (r *runner) busyCall(ctx context.Context, st *state, op string, call func() error, settled func(error) bool) error {
	b := r.backoff()
	for {
		err := call()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if settled != nil && settled(err) {
			return nil
		}
		if !isBusy(err) || time.Since(b.start) > r.opts.BusyTimeout {
			return &opError{op: op, err: err, terminal: isTerminal(err)}
		}
		if r.isDrained() {
			return &interruptError{what: "before re-sending " + op}
		}
		if st.id != "" && !st.gone && transitional(st.status) {
			wctx, cancel := context.WithTimeout(ctx, max(0, r.opts.BusyTimeout-time.Since(b.start)))
			werr := r.waitFor(wctx, st, plan.StepOp(op), goal{settled: true})
			cancel()
			if err := r.acquire(ctx, st); err != nil {
				return err
			}
			var se *statusError
			if errors.As(werr, &se) {
				return werr
			}
			continue
		}
		if !b.sleep(ctx) {
			return ctx.Err()
		}
	}
}

// transitional reports a status that ends by itself.
func transitional(status string) bool {
	switch status {
	case modelarts.StatusCreating, modelarts.StatusStarting, modelarts.StatusStopping, modelarts.StatusDeleting,
		modelarts.StatusInit, modelarts.StatusSnapshotting:
		return true
	}
	return false
}

// already asks for the notebook after a busy answer: it settles the call
// when the notebook already is in (or heading to) one of statuses.
func (r *runner) already(ctx context.Context, st *state, statuses ...string) bool {
	nb, err := r.api.Get(ctx, st.id)
	if errors.Is(err, modelarts.ErrNotFound) || err == nil && isGone(nb) {
		st.gone = true
		return slices.Contains(statuses, "")
	}
	if err != nil {
		return false
	}
	st.see(nb)
	return slices.Contains(statuses, nb.Status)
}

func (r *runner) needID(st *state, op plan.StepOp) error {
	if st.id == "" {
		return fmt.Errorf("%s: no notebook id", op)
	}
	return nil
}

func (r *runner) delete(cctx, wctx context.Context, st *state, wait bool) error {
	if err := r.needID(st, plan.StepDelete); err != nil {
		return err
	}
	err := r.busyCall(cctx, st, "delete", func() error { return r.api.Delete(cctx, st.id) }, func(err error) bool {
		if errors.Is(err, modelarts.ErrNotFound) {
			st.gone = true
			return true
		}
		return isBusy(err) && r.already(cctx, st, "", modelarts.StatusDeleting)
	})
	if err != nil {
		return err
	}
	if st.gone || !wait {
		if !st.gone {
			st.status = modelarts.StatusDeleting
		}
		return nil
	}
	st.status = modelarts.StatusDeleting
	return r.waitFor(wctx, st, plan.StepDelete, goal{gone: true})
}

func (r *runner) stop(cctx, wctx context.Context, st *state, wait bool) error {
	if err := r.needID(st, plan.StepStop); err != nil {
		return err
	}
	if st.status == modelarts.StatusStopped {
		return nil
	}
	err := r.busyCall(cctx, st, "stop", func() error {
		nb, err := r.api.Stop(cctx, st.id)
		st.see(nb)
		return err
	}, func(err error) bool {
		return isBusy(err) && r.already(cctx, st, modelarts.StatusStopped, modelarts.StatusStopping)
	})
	if err != nil || !wait {
		return err
	}
	return r.waitFor(wctx, st, plan.StepStop, goal{statuses: []string{modelarts.StatusStopped}})
}

func (r *runner) start(cctx, wctx context.Context, st *state, s plan.Step, next plan.StepOp, wait bool) error {
	if err := r.needID(st, plan.StepStart); err != nil {
		return err
	}
	err := r.busyCall(cctx, st, "start", func() error {
		nb, err := r.api.Start(cctx, st.id, s.Lease)
		st.see(nb)
		return err
	}, func(err error) bool {
		return isBusy(err) && r.already(cctx, st, modelarts.StatusRunning, modelarts.StatusStarting)
	})
	if err != nil || !wait {
		return err
	}
	return r.waitFor(wctx, st, plan.StepStart, running(next))
}

func (r *runner) update(cctx, wctx context.Context, st *state, s plan.Step, wait bool) error {
	if err := r.needID(st, plan.StepUpdate); err != nil {
		return err
	}
	if s.Update == nil {
		return errors.New("update step without a request")
	}
	grow := s.Update.StorageNewSize
	if grow > 0 && st.capacity >= grow && !st.resizing {
		// Already that big: a growth step of an interrupted apply, or
		// one the service finished before the plan was made.
		return nil
	}
	err := r.withFlavors(st, s.Update.Flavor, func(flavor string) error {
		req := s.Update
		if flavor != req.Flavor {
			c := *req
			c.Flavor = flavor
			req = &c
		}
		return r.busyCall(cctx, st, "update", func() error {
			nb, err := r.api.Update(cctx, st.id, req)
			st.see(nb)
			return err
		}, func(err error) bool {
			if isBusy(err) {
				r.already(cctx, st) // re-read: is it in a transition?
			}
			return false
		})
	})
	if err != nil || !wait {
		return err
	}
	if grow > 0 {
		// The next growth or a stop waits until the volume has grown: the
		// service refuses another change while it is RESIZING
		// (ModelArts.6347).
		return r.waitFor(wctx, st, plan.StepUpdate, goal{grown: grow})
	}
	if stable(st.status) {
		return nil
	}
	// The notebook left its state (e.g. it restarts to apply the update):
	// wait for it to settle.
	return r.waitFor(wctx, st, plan.StepUpdate, goal{settled: true})
}

// waitStep waits for the change's notebook, or another one (s.ID: a
// DELETING copy a create must wait out), to settle. The change's own
// notebook settling in a failure status (CREATING → CREATE_FAILED) ends
// the change as failed, unless the next step deletes it anyway. A last
// wait (a no-op on a busy notebook) is skipped with --wait none.
func (r *runner) waitStep(ctx context.Context, st *state, s plan.Step, next plan.StepOp, wait bool) error {
	if s.ID != "" && s.ID != st.id {
		r.release(st)
		other := &state{c: st.c, e: st.e, id: s.ID}
		return r.waitFor(ctx, other, s.Op, goal{settled: true})
	}
	if st.id == "" || st.gone || !wait {
		return nil
	}
	if err := r.waitFor(ctx, st, s.Op, goal{settled: true}); err != nil {
		return err
	}
	if failure(st.status) && next != plan.StepDelete {
		st.failed(&modelarts.Notebook{FailReason: st.failReason})
		return &statusError{op: s.Op, status: st.status, reason: st.e.FailReason}
	}
	return nil
}

// settledAs checks that the notebook a no-op waited for settled in want:
// not gone, not in another stable status.
func settledAs(st *state, want string) error {
	switch {
	case st.gone:
		return &statusError{op: plan.StepWait, status: "GONE", gone: true}
	case st.status != "" && want != "" && st.status != want:
		return &settledError{status: st.status, want: want}
	}
	return nil
}

// settledError is a notebook that settled in a status other than the one
// declared while nbfleet only waited for it.
type settledError struct{ status, want string }

func (e *settledError) Error() string {
	return fmt.Sprintf("wait: the notebook settled %s, not %s as declared; run apply again", e.status, e.want)
}

// goal is what a wait waits for.
type goal struct {
	statuses []string // any of these
	gone     bool     // the notebook disappears (or shows DELETED)
	settled  bool     // any status that is not transitional, volume not RESIZING, or gone
	grown    int      // the volume has at least this capacity (GB) and is not RESIZING
}

func stable(status string) bool {
	switch status {
	case modelarts.StatusRunning, modelarts.StatusStopped:
		return true
	}
	return false
}

func failure(status string) bool {
	switch status {
	case modelarts.StatusCreateFailed, modelarts.StatusStartFailed, modelarts.StatusDeleteFailed, modelarts.StatusError:
		return true
	}
	return false
}

// waitFor waits, through the poller, until the notebook reaches g, ends in
// a failure status (a *statusError) or ctx ends.
func (r *runner) waitFor(ctx context.Context, st *state, op plan.StepOp, g goal) error {
	r.release(st)
	w := r.poll.add(st.id, st.feature, op)
	defer r.poll.remove(w)
	for {
		select {
		case o := <-w.ch:
			if o.gone || isGone(o.nb) {
				st.gone = true
				r.progress(st, op, "GONE")
				if g.gone || g.settled {
					return nil
				}
				return &statusError{op: op, status: "GONE", gone: true}
			}
			changed := o.nb.Status != st.status
			st.see(o.nb)
			if changed {
				r.progress(st, op, st.status)
			}
			switch {
			case slices.Contains(g.statuses, o.nb.Status):
				return nil
			case g.grown > 0 && o.nb.Volume != nil && o.nb.Volume.Capacity >= g.grown && !isResizing(o.nb):
				return nil
			case g.settled && (stable(o.nb.Status) && !isResizing(o.nb) || failure(o.nb.Status) || o.nb.Status == modelarts.StatusFrozen):
				st.failReason = o.nb.FailReason
				return nil
			case failure(o.nb.Status):
				st.failed(o.nb)
				return &statusError{op: op, status: o.nb.Status, reason: st.e.FailReason}
			}
		case <-ctx.Done():
			return &waitError{op: op, goal: g, last: st.status}
		}
	}
}

// backoff is the jittered exponential delay before looking up an ambiguous
// create and between the re-sends of a busy call (Options.RetryBase,
// RetryMax).
type backoff struct {
	start     time.Time
	next, max time.Duration
}

func (r *runner) backoff() *backoff {
	return &backoff{start: time.Now(), next: r.opts.RetryBase, max: r.opts.RetryMax}
}

// sleep waits the next delay or until ctx ends; it reports whether the
// delay passed.
func (b *backoff) sleep(ctx context.Context) bool {
	d := b.next
	b.next = min(2*b.next, b.max)
	return sleep(ctx, d/2+rand.N(d/2+1))
}

// opError is an API call that failed for good.
type opError struct {
	op       string
	err      error
	terminal bool
}

func (e *opError) Error() string { return e.op + ": " + e.err.Error() }
func (e *opError) Unwrap() error { return e.err }

// statusError is a notebook that ended in a failure status (or vanished).
type statusError struct {
	op     plan.StepOp
	status string
	reason string
	gone   bool
}

func (e *statusError) Error() string {
	if e.gone {
		return fmt.Sprintf("%s: the notebook disappeared", e.op)
	}
	s := fmt.Sprintf("%s: notebook ended %s", e.op, e.status)
	if e.reason != "" {
		s += ": " + e.reason
	}
	return s
}

// waitError is a wait that ended before its goal.
type waitError struct {
	op   plan.StepOp
	goal goal
	last string
}

func (e *waitError) Error() string { return "wait" }

func (g goal) String() string {
	switch {
	case g.gone:
		return "the notebook to disappear"
	case g.settled:
		return "the notebook to settle"
	case g.grown > 0:
		return fmt.Sprintf("the volume to grow to %d GB", g.grown)
	}
	return strings.Join(g.statuses, " or ")
}

// errNotStarted is a change drained before its first call.
var errNotStarted = errors.New("not started: interrupted")

// interruptError is a change stopped by a drain before a new call.
type interruptError struct{ what string }

func (e *interruptError) Error() string { return "interrupted " + e.what }

// describe turns a change's error into the report's Error.
func (r *runner) describe(err error, st *state) *report.Error {
	last := st.status
	if last == "" {
		last = "none"
	}
	var (
		oe *opError
		se *statusError
		we *waitError
		ie *interruptError
	)
	switch {
	case r.hard.Err() != nil && (errors.As(err, &we) || errors.Is(err, context.Canceled)):
		return &report.Error{Code: "canceled", Message: fmt.Sprintf("canceled (last status %s); run apply again to finish", last)}
	case errors.As(err, &ie):
		return &report.Error{Code: "interrupted", Message: ie.Error() + "; run apply again to finish"}
	case errors.As(err, &we) && r.isDrained():
		return &report.Error{Code: "interrupted", Message: fmt.Sprintf("interrupted while waiting for %s (last status %s); run apply again to finish", we.goal, last)}
	case errors.As(err, &we):
		return &report.Error{Code: "timeout", Message: fmt.Sprintf("timed out after %s waiting for %s (last status %s)", r.opts.Timeout, we.goal, last)}
	case errors.As(err, &se):
		code := strings.ToLower(se.status)
		if se.status == modelarts.StatusError {
			code = "error_status"
		}
		if se.gone {
			code = "gone"
		}
		msg := se.Error()
		if st.e.Attempts > 1 {
			msg += fmt.Sprintf(" (after %d attempts)", st.e.Attempts)
		}
		return &report.Error{Code: code, Message: msg}
	case errors.Is(err, ErrNotOwned):
		return &report.Error{Code: "not_owned", Message: err.Error()}
	case errors.As(err, new(*settledError)):
		return &report.Error{Code: "not_as_declared", Message: err.Error()}
	case errors.As(err, &oe):
		re := &report.Error{Code: "unknown", Message: err.Error()}
		if ae := apiError(err); ae != nil {
			re.Code = ae.Code
			if re.Code == "" {
				re.Code = fmt.Sprintf("http_%d", ae.HTTPStatus)
			}
			msg := ae.Message
			if msg == "" {
				msg = fmt.Sprintf("HTTP %d", ae.HTTPStatus)
			}
			re.Message = oe.op + ": " + msg
			re.HTTPStatus, re.RequestID = ae.HTTPStatus, ae.RequestID
		}
		if oe.terminal {
			re.Message += " (not retried)"
		}
		return re
	case errors.Is(err, context.DeadlineExceeded):
		return &report.Error{Code: "timeout", Message: fmt.Sprintf("timed out after %s (last status %s)", r.opts.Timeout, last)}
	}
	return &report.Error{Code: "unknown", Message: err.Error()}
}
