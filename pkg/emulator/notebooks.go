package emulator

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"time"
)

func decodeBody(body []byte, v any) *apiError {
	if len(bytes.TrimSpace(body)) == 0 {
		return badRequest(codeBadPayload, "the request body is empty")
	}
	// Unknown fields are ignored, as the Java backend does.
	if err := json.Unmarshal(body, v); err != nil {
		return badRequest(codeBadPayload, "the request body is not valid: %v", err)
	}
	return nil
}

func notFound(id string) *apiError {
	return badRequest(codeNotFound, "The instance does not exist: %s.", id)
}

func busy(nb *Notebook, what string) *apiError {
	return badRequest(codeBusy, "The notebook instance %s cannot %s while it is %s.", nb.ID, what, nb.Status)
}

// lookupLocked returns the notebook of the call's {id}, transitions applied.
// A DELETED notebook is found only when deletedOK (show): every other
// operation on it answers ModelArts.6309 as if it were gone.
func (s *Server) lookupLocked(c *call, deletedOK bool) (*Notebook, *apiError) {
	id := c.r.PathValue("id")
	p := s.projectLocked(c.project)
	nb := p.nbs[id]
	if nb == nil || s.advanceLocked(p, nb, ms(c.at)) || nb.Status == StatusDeleted && !deletedOK {
		return nil, notFound(id)
	}
	return nb, nil
}

func (s *Server) create(c *call) (int, any, *apiError) {
	var req createReq
	if e := decodeBody(c.body, &req); e != nil {
		return 0, nil, e
	}
	tmpl, e := validateCreate(&req)
	if e != nil {
		return 0, nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.soldOut[tmpl.Flavor] {
		return 0, nil, badRequest(codeSoldOut, "flavor %s is sold out", tmpl.Flavor)
	}
	now := ms(c.at)
	p := s.projectLocked(c.project)
	// The scan (O(notebooks)) is needed only for the quota and the one-DEFAULT rule.
	if s.opts.Quota > 0 || tmpl.Feature == "DEFAULT" {
		count := 0
		for _, nb := range p.nbs {
			if s.advanceLocked(p, nb, now) || nb.Status == StatusDeleted {
				continue
			}
			count++
			if tmpl.Feature == "DEFAULT" && nb.Feature == "DEFAULT" {
				return 0, nil, badRequest(codeExists, "The instance already exists: a free DEFAULT (CodeLab) instance %s exists.", nb.ID)
			}
		}
		if s.opts.Quota > 0 && count >= s.opts.Quota {
			return 0, nil, badRequest(codeQuota, "The instance count already reaches the maximum value (%d).", s.opts.Quota)
		}
	}
	nb := tmpl
	nb.Project = p.id
	nb.ID = s.uuidLocked()
	nb.Token = s.uuidLocked()
	nb.Host = c.r.Host
	nb.Owner = c.principal
	nb.Status = StatusCreating
	nb.CreateAt, nb.UpdateAt = now, now
	nb.Lease.CreateAt, nb.Lease.UpdateAt = now, now
	if nb.Lease.Enable {
		nb.StopAt = now + nb.Lease.Duration
	}
	t := s.transition("create", c.at)
	if c.draw.fail < s.faults.CreateFailed {
		t.To = StatusCreateFailed
		t.FailReason = "ModelArts.6360: Insufficient background resources for flavor " + nb.Flavor + ". Try again later. (emulated fault)"
		s.stats.Faults[FaultCreateFailed]++
	}
	nb.Pending = t
	p.add(nb)
	s.created++
	s.markDirtyLocked()
	if c.draw.lost < s.faults.LostCreate {
		s.stats.Faults[FaultLostCreate]++
		if c.draw.mode < 0.5 {
			return 0, nil, &apiError{Status: 500, Code: codeInternal, Msg: "System error. (emulated lost create)"}
		}
		c.reset = true
		return 0, nil, nil
	}
	return 200, s.respLocked(nb, now), nil
}

func (s *Server) show(c *call) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	nb, e := s.lookupLocked(c, true)
	if e != nil {
		return 0, nil, e
	}
	return 200, s.readLocked(nb, ms(c.at)), nil
}

// workspaceParam is the list's workspace filter in the cloud's spelling
// (rule 4): the SDK's workspace_id on Huawei Cloud, workspaceId on OTC.
// The other spelling is an unknown parameter and ignored.
func (s *Server) workspaceParam() string {
	if s.opts.Cloud == CloudOTC {
		return "workspaceId"
	}
	return "workspace_id"
}

func (s *Server) list(c *call) (int, any, *apiError) {
	q := c.r.URL.Query()
	limit, offset := 10, 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n != 10 && n != 20 && n != 50 {
			return 0, nil, badRequest(codeBadParam, "Invalid parameter limit=%q: must be 10, 20 or 50.", v)
		}
		limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, nil, badRequest(codeBadParam, "Invalid parameter offset=%q: must be a non-negative integer.", v)
		}
		offset = n
	}
	feature := strings.ToUpper(q.Get("feature"))
	switch feature {
	case "":
		feature = "NOTEBOOK"
	case "NOTEBOOK", "DEFAULT":
	default:
		return 0, nil, badRequest(codeBadParam, "Invalid parameter feature=%q: must be NOTEBOOK or DEFAULT.", q.Get("feature"))
	}
	status := strings.ToUpper(q.Get("status"))
	if status != "" && !validStatus(status) {
		return 0, nil, badRequest(codeBadParam, "Invalid parameter status=%q.", q.Get("status"))
	}
	desc := true
	switch strings.ToUpper(q.Get("sort_dir")) {
	case "", "DESC":
	case "ASC":
		desc = false
	default:
		return 0, nil, badRequest(codeBadParam, "Invalid parameter sort_dir=%q: must be ASC or DESC.", q.Get("sort_dir"))
	}
	// No source names a sort_key the service accepts (rule 3).
	if v := q.Get("sort_key"); v != "" {
		return 0, nil, badRequest(codeNoSort, "The field does not support sorting: %s.", v)
	}
	name := strings.ToLower(q.Get("name"))
	ws := q.Get(s.workspaceParam())
	if ws == "" {
		ws = "0"
	}
	// /notebooks shows the caller's notebooks, /notebooks/all everyone's
	// (rule 21).
	all := strings.HasSuffix(c.r.URL.Path, "/all")
	flavor, imageID, id, pool := q.Get("flavor"), q.Get("image_id"), q.Get("id"), q.Get("pool_id")

	s.mu.Lock()
	defer s.mu.Unlock()
	now := ms(c.at)
	p := s.projectLocked(c.project)
	order := p.sorted()
	resp := listResp{Data: []notebookResp{}}
	n := len(order)
	for i := 0; i < n; i++ {
		nb := order[i]
		if desc {
			nb = order[n-1-i]
		}
		if s.advanceLocked(p, nb, now) {
			continue
		}
		if nb.Feature != feature || status != "" && nb.Status != status ||
			!all && nb.Owner != "" && nb.Owner != c.principal ||
			name != "" && !strings.Contains(strings.ToLower(nb.Name), name) ||
			nb.WorkspaceID != ws || flavor != "" && !strings.Contains(nb.Flavor, flavor) ||
			imageID != "" && nb.ImageID != imageID || id != "" && nb.ID != id || pool != "" && nb.PoolID != pool {
			continue
		}
		if resp.Total >= offset && len(resp.Data) < limit {
			resp.Data = append(resp.Data, s.readLocked(nb, now))
		}
		resp.Total++
	}
	resp.Current = offset / limit
	resp.Pages = (resp.Total + limit - 1) / limit
	resp.Size = limit
	return 200, resp, nil
}

// update is PUT …/notebooks/{id} under rule 12: name, description and
// hooks change in RUNNING or STOPPED (or START_FAILED); flavor, image_id
// and endpoints only while stopped; storage_new_size only while RUNNING,
// by at most maxGrowth GB, and not while the volume is RESIZING. A field
// the status does not allow is ModelArts.6347 and nothing changes.
func (s *Server) update(c *call) (int, any, *apiError) {
	var req updateReq
	if e := decodeBody(c.body, &req); e != nil {
		return 0, nil, e
	}
	if req.Name != nil {
		if e := checkName(*req.Name); e != nil {
			return 0, nil, e
		}
	}
	if req.Description != nil {
		if e := checkDescription(*req.Description); e != nil {
			return 0, nil, e
		}
	}
	if req.Flavor != nil {
		if e := checkFlavor(*req.Flavor); e != nil {
			return 0, nil, e
		}
	}
	if req.ImageID != nil {
		if e := checkImage(*req.ImageID); e != nil {
			return 0, nil, e
		}
	}
	eps, e := checkEndpoints(req.Endpoints)
	if e != nil {
		return 0, nil, e
	}
	hooks, e := checkHooks(req.Hooks)
	if e != nil {
		return 0, nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if req.Flavor != nil && s.soldOut[*req.Flavor] {
		return 0, nil, badRequest(codeSoldOut, "flavor %s is sold out", *req.Flavor)
	}
	nb, e := s.lookupLocked(c, false)
	if e != nil {
		return 0, nil, e
	}
	st := nb.Status
	settled := st == StatusRunning || st == StatusStopped || st == StatusStartFailed
	stopped := st == StatusStopped || st == StatusStartFailed
	for _, f := range []struct {
		name    string
		given   bool
		allowed bool
	}{
		{"name", req.Name != nil, settled},
		{"description", req.Description != nil, settled},
		{"hooks", req.Hooks != nil, settled},
		{"flavor", req.Flavor != nil, stopped},
		{"image_id", req.ImageID != nil, stopped},
		{"endpoints", req.Endpoints != nil, stopped},
		{"storage_new_size", req.StorageNewSize != nil, st == StatusRunning},
	} {
		if f.given && !f.allowed {
			return 0, nil, wrongStatus(st, f.name)
		}
	}
	if req.StorageNewSize != nil {
		n, have := *req.StorageNewSize, nb.Volume.Capacity
		if nb.Volume.Category != "EVS" {
			return 0, nil, badRequest(codeInvalid, "storage_new_size applies only to EVS volumes")
		}
		if nb.Resize != nil {
			return 0, nil, wrongStatus("RESIZING", "storage_new_size")
		}
		if hi := min(have+maxGrowth, maxCapacity); n <= have || n > hi {
			return 0, nil, badRequest(codeCapacity, "The evs volume size ranges from %d GB to %d GB.", have+1, hi)
		}
		nb.Resize = &Resize{To: n, Due: ms(c.at.Add(s.opts.ResizeTime))}
	}
	if req.Name != nil {
		nb.Name = *req.Name
	}
	if req.Description != nil {
		nb.Description = *req.Description
	}
	if req.Flavor != nil {
		nb.Flavor = *req.Flavor
	}
	if req.ImageID != nil {
		nb.ImageID = *req.ImageID
	}
	if req.Endpoints != nil {
		nb.Endpoints = eps
	}
	if req.Hooks != nil {
		nb.Hooks = hooks
	}
	nb.UpdateAt = ms(c.at)
	s.markDirtyLocked()
	return 200, s.respLocked(nb, ms(c.at)), nil
}

// stale makes reads report nb's current status for Options.StaleReads
// after a stop or delete was accepted.
func (s *Server) stale(nb *Notebook, at time.Time) {
	if s.opts.StaleReads > 0 {
		nb.StaleStatus = nb.Status
		nb.StaleUntil = ms(at.Add(s.opts.StaleReads))
	}
}

func (s *Server) delete(c *call) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	nb, e := s.lookupLocked(c, false)
	if e != nil {
		return 0, nil, e
	}
	if nb.Pending != nil {
		return 0, nil, busy(nb, "be deleted")
	}
	nb.StopAt = 0
	s.stale(nb, c.at)
	s.beginLocked(nb, "delete", StatusDeleting, c.at)
	return 200, s.respLocked(nb, ms(c.at)), nil
}

// defaultLease is the lease a start without duration gets (rule 13).
const defaultLease = time.Hour

// startQuery reads the duration and type of a start (rule 13); a missing
// duration is the service's default of one hour.
func startQuery(c *call) (int64, string, *apiError) {
	q := c.r.URL.Query()
	d := defaultLease.Milliseconds()
	if v := q.Get("duration"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, "", badRequest(codeBadParam, "Invalid parameter duration=%q: must be milliseconds.", v)
		}
		if e := checkDuration(n); e != nil {
			return 0, "", e
		}
		d = n
	}
	t, e := checkLeaseType(q.Get("type"))
	return d, t, e
}

// setLease starts a lease of d ms (-1: none) at at. lease.duration counts
// from lease.create_at (rule 15): a notebook whose lease began at create
// and is started again an hour later with d = 1 h reports 2 h.
func (s *Server) setLease(nb *Notebook, d int64, typ string, at time.Time) {
	now := ms(at)
	nb.Lease.Type = typ
	nb.Lease.UpdateAt = now
	nb.StopAt = 0
	nb.Lease.Enable = d != -1
	if d == -1 {
		nb.Lease.Duration = -1
		return
	}
	nb.StopAt = now + d
	nb.Lease.Duration = nb.StopAt - nb.Lease.CreateAt
}

func (s *Server) start(c *call) (int, any, *apiError) {
	d, typ, e := startQuery(c)
	if e != nil {
		return 0, nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	nb, e := s.lookupLocked(c, false)
	if e != nil {
		return 0, nil, e
	}
	switch nb.Status {
	case StatusStopped, StatusStartFailed:
	case StatusRunning:
		return 0, nil, badRequest(codeRunning, "The instance is already running.")
	case StatusStarting:
		return 0, nil, badRequest(codeStarting, "The instance is starting.")
	case StatusStopping:
		return 0, nil, badRequest(codeStopping, "The instance is stopping.")
	default:
		return 0, nil, busy(nb, "be started")
	}
	nb.FailReason = ""
	s.setLease(nb, d, typ, c.at)
	t := s.beginLocked(nb, "start", StatusStarting, c.at)
	if c.draw.fail < s.faults.StartFailed {
		t.To = StatusStartFailed
		t.FailReason = "ModelArts.6360: Start failed: insufficient background resources. Try again later. (emulated fault)"
		s.stats.Faults[FaultStartFailed]++
	}
	return 200, s.respLocked(nb, ms(c.at)), nil
}

func (s *Server) stop(c *call) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	nb, e := s.lookupLocked(c, false)
	if e != nil {
		return 0, nil, e
	}
	switch nb.Status {
	case StatusRunning:
	case StatusStopped:
		return 0, nil, badRequest(codeStopped, "The instance has already been stopped.")
	case StatusStopping:
		return 0, nil, badRequest(codeStopping, "The instance is stopping.")
	case StatusStarting:
		return 0, nil, badRequest(codeStarting, "The instance is starting.")
	default:
		return 0, nil, busy(nb, "be stopped")
	}
	nb.StopAt = 0
	s.stale(nb, c.at)
	s.beginLocked(nb, "stop", StatusStopping, c.at)
	return 200, s.respLocked(nb, ms(c.at)), nil
}

func (s *Server) showLease(c *call) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	nb, e := s.lookupLocked(c, false)
	if e != nil {
		return 0, nil, e
	}
	return 200, nb.Lease, nil
}

// renewLease is PATCH …/lease (rule 14): a duration in the query wins and
// the body, its type included, is ignored (a timing stop); otherwise the
// body's LeaseReq gives duration and type. Only a RUNNING notebook's lease
// can be renewed (ModelArts.6327).
func (s *Server) renewLease(c *call) (int, any, *apiError) {
	var d *int64
	typ := "TIMING"
	if v := c.r.URL.Query().Get("duration"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, nil, badRequest(codeBadParam, "Invalid parameter duration=%q: must be milliseconds.", v)
		}
		d = &n
	} else if len(bytes.TrimSpace(c.body)) > 0 {
		var req leaseReq
		if e := decodeBody(c.body, &req); e != nil {
			return 0, nil, e
		}
		d = req.Duration
		var e *apiError
		if typ, e = checkLeaseType(req.Type); e != nil {
			return 0, nil, e
		}
	}
	if d == nil {
		return 0, nil, badRequest(codeNoDuration, "The 'duration' parameter is mandatory for enabling auto stop.")
	}
	if e := checkDuration(*d); e != nil {
		return 0, nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	nb, e := s.lookupLocked(c, false)
	if e != nil {
		return 0, nil, e
	}
	if nb.Status != StatusRunning {
		return 0, nil, badRequest(codeNotRunning, "The instance is not in running. Please refresh the page and start it.")
	}
	s.setLease(nb, *d, typ, c.at)
	nb.UpdateAt = ms(c.at)
	s.markDirtyLocked()
	return 200, nb.Lease, nil
}

func pageParams(c *call, total int) (int, int, *apiError) {
	q := c.r.URL.Query()
	limit, offset := total, 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 0, 0, badRequest(codeBadParam, "Invalid parameter limit=%q.", v)
		}
		limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, 0, badRequest(codeBadParam, "Invalid parameter offset=%q.", v)
		}
		offset = n
	}
	return limit, offset, nil
}

func page[T any](items []T, limit, offset int) []T {
	if offset >= len(items) {
		return []T{}
	}
	return items[offset:min(len(items), offset+max(limit, 0))]
}

func (s *Server) listFlavors(c *call) (int, any, *apiError) {
	var fs []Flavor
	cat := strings.ToUpper(c.r.URL.Query().Get("category"))
	feat := strings.ToUpper(c.r.URL.Query().Get("feature"))
	s.mu.Lock()
	soldOut := maps.Clone(s.soldOut)
	s.mu.Unlock()
	for _, f := range Flavors() {
		if cat != "" && f.Category != cat || feat != "" && f.Feature != feat {
			continue
		}
		f.SoldOut = f.SoldOut || soldOut[f.ID]
		fs = append(fs, f)
	}
	limit, offset, e := pageParams(c, len(fs))
	if e != nil {
		return 0, nil, e
	}
	data := page(fs, limit, offset)
	return 200, map[string]any{"current": offset / max(limit, 1), "flavors": data,
		"pages": (len(fs) + max(limit, 1) - 1) / max(limit, 1), "size": len(data), "total": len(fs)}, nil
}

func (s *Server) listImages(c *call) (int, any, *apiError) {
	var ims []Image
	name := c.r.URL.Query().Get("name")
	for _, im := range Images() {
		if name != "" && !strings.Contains(im.Name, name) {
			continue
		}
		ims = append(ims, im)
	}
	limit, offset, e := pageParams(c, len(ims))
	if e != nil {
		return 0, nil, e
	}
	data := page(ims, limit, offset)
	return http.StatusOK, map[string]any{"current": offset / max(limit, 1), "data": data,
		"pages": (len(ims) + max(limit, 1) - 1) / max(limit, 1), "size": len(data), "total": len(ims)}, nil
}
