package emulator

import (
	"bytes"
	"encoding/json"
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
	return badRequest(codeNotFound, "The notebook instance %s does not exist.", id)
}

func busy(nb *Notebook, what string) *apiError {
	return badRequest(codeBusy, "The notebook instance %s cannot %s while it is %s.", nb.ID, what, nb.Status)
}

// lookupLocked returns the notebook of the call's {id}, transitions applied.
func (s *Server) lookupLocked(c *call) (*Notebook, *apiError) {
	id := c.r.PathValue("id")
	p := s.projectLocked(c.project)
	nb := p.nbs[id]
	if nb == nil || s.advanceLocked(p, nb, ms(c.now)) {
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
	now := ms(c.now)
	p := s.projectLocked(c.project)
	// The scan (O(notebooks)) is needed only for the quota and the one-DEFAULT rule.
	if s.opts.Quota > 0 || tmpl.Feature == "DEFAULT" {
		count := 0
		for _, nb := range p.nbs {
			if s.advanceLocked(p, nb, now) {
				continue
			}
			count++
			if tmpl.Feature == "DEFAULT" && nb.Feature == "DEFAULT" {
				return 0, nil, badRequest(codeExists, "A free DEFAULT (CodeLab) instance already exists: %s.", nb.ID)
			}
		}
		if s.opts.Quota > 0 && count >= s.opts.Quota {
			return 0, nil, badRequest(codeQuota, "The number of notebook instances has reached the maximum (%d).", s.opts.Quota)
		}
	}
	nb := tmpl
	nb.Project = p.id
	nb.ID = s.uuidLocked()
	nb.Token = s.uuidLocked()
	nb.Host = c.r.Host
	nb.Status = StatusCreating
	nb.CreateAt, nb.UpdateAt = now, now
	nb.Lease.CreateAt, nb.Lease.UpdateAt = now, now
	if nb.Lease.Enable {
		nb.StopAt = now + nb.Lease.Duration
	}
	t := s.transition("create", c.now)
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
	nb, e := s.lookupLocked(c)
	if e != nil {
		return 0, nil, e
	}
	return 200, s.respLocked(nb, ms(c.now)), nil
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
	name := strings.ToLower(q.Get("name"))
	ws := q.Get("workspace_id")
	if ws == "" {
		ws = q.Get("workspaceId")
	}
	flavor, imageID, id, pool := q.Get("flavor"), q.Get("image_id"), q.Get("id"), q.Get("pool_id")

	s.mu.Lock()
	defer s.mu.Unlock()
	now := ms(c.now)
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
			name != "" && !strings.Contains(strings.ToLower(nb.Name), name) ||
			ws != "" && nb.WorkspaceID != ws || flavor != "" && !strings.Contains(nb.Flavor, flavor) ||
			imageID != "" && nb.ImageID != imageID || id != "" && nb.ID != id || pool != "" && nb.PoolID != pool {
			continue
		}
		if resp.Total >= offset && len(resp.Data) < limit {
			resp.Data = append(resp.Data, s.respLocked(nb, now))
		}
		resp.Total++
	}
	resp.Current = offset / limit
	resp.Pages = (resp.Total + limit - 1) / limit
	resp.Size = len(resp.Data)
	return 200, resp, nil
}

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
	nb, e := s.lookupLocked(c)
	if e != nil {
		return 0, nil, e
	}
	if nb.Status != StatusRunning && nb.Status != StatusStopped && nb.Status != StatusStartFailed {
		return 0, nil, busy(nb, "be updated")
	}
	if (req.Flavor != nil || req.ImageID != nil || req.Endpoints != nil || req.Hooks != nil) && nb.Status != StatusStopped {
		return 0, nil, busy(nb, "change flavor, image_id, endpoints or hooks (stop it first)")
	}
	if req.StorageNewSize != nil {
		n := *req.StorageNewSize
		if nb.Volume.Category != "EVS" {
			return 0, nil, badRequest(codeInvalid, "storage_new_size applies only to EVS volumes")
		}
		if n <= nb.Volume.Capacity || n > maxCapacity {
			return 0, nil, badRequest(codeCapacity, "storage_new_size %d must be larger than the current %d GB and at most %d GB", n, nb.Volume.Capacity, maxCapacity)
		}
		nb.Volume.Capacity = n
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
	nb.UpdateAt = ms(c.now)
	s.markDirtyLocked()
	return 200, s.respLocked(nb, ms(c.now)), nil
}

func (s *Server) delete(c *call) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	nb, e := s.lookupLocked(c)
	if e != nil {
		return 0, nil, e
	}
	if nb.Pending != nil {
		return 0, nil, busy(nb, "be deleted")
	}
	nb.StopAt = 0
	s.beginLocked(nb, "delete", StatusDeleting, c.now)
	return 200, s.respLocked(nb, ms(c.now)), nil
}

// leaseFromQuery reads duration and type of start and renew.
func leaseFromQuery(c *call) (*int64, string, *apiError) {
	q := c.r.URL.Query()
	var d *int64
	if v := q.Get("duration"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, "", badRequest(codeBadParam, "Invalid parameter duration=%q: must be milliseconds.", v)
		}
		if e := checkDuration(n); e != nil {
			return nil, "", e
		}
		d = &n
	}
	t, e := checkLeaseType(q.Get("type"))
	return d, t, e
}

func (s *Server) setLease(nb *Notebook, d *int64, typ string, at time.Time) {
	now := ms(at)
	if d != nil {
		nb.Lease.Duration = *d
	}
	nb.Lease.Type = typ
	nb.Lease.Enable = nb.Lease.Duration != -1
	nb.Lease.UpdateAt = now
	nb.StopAt = 0
	if nb.Lease.Enable {
		nb.StopAt = now + nb.Lease.Duration
	}
}

func (s *Server) start(c *call) (int, any, *apiError) {
	d, typ, e := leaseFromQuery(c)
	if e != nil {
		return 0, nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	nb, e := s.lookupLocked(c)
	if e != nil {
		return 0, nil, e
	}
	if nb.Status != StatusStopped && nb.Status != StatusStartFailed {
		return 0, nil, busy(nb, "be started")
	}
	nb.FailReason = ""
	s.setLease(nb, d, typ, c.now)
	t := s.beginLocked(nb, "start", StatusStarting, c.now)
	if c.draw.fail < s.faults.StartFailed {
		t.To = StatusStartFailed
		t.FailReason = "ModelArts.6360: Start failed: insufficient background resources. Try again later. (emulated fault)"
		s.stats.Faults[FaultStartFailed]++
	}
	return 200, s.respLocked(nb, ms(c.now)), nil
}

func (s *Server) stop(c *call) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	nb, e := s.lookupLocked(c)
	if e != nil {
		return 0, nil, e
	}
	if nb.Status != StatusRunning {
		return 0, nil, busy(nb, "be stopped")
	}
	nb.StopAt = 0
	s.beginLocked(nb, "stop", StatusStopping, c.now)
	return 200, s.respLocked(nb, ms(c.now)), nil
}

func (s *Server) showLease(c *call) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	nb, e := s.lookupLocked(c)
	if e != nil {
		return 0, nil, e
	}
	return 200, nb.Lease, nil
}

func (s *Server) renewLease(c *call) (int, any, *apiError) {
	d, typ, e := leaseFromQuery(c)
	if e != nil {
		return 0, nil, e
	}
	if d == nil && len(bytes.TrimSpace(c.body)) > 0 {
		var req leaseReq
		if e := decodeBody(c.body, &req); e != nil {
			return 0, nil, e
		}
		if req.Duration != nil {
			if e := checkDuration(*req.Duration); e != nil {
				return 0, nil, e
			}
			d = req.Duration
		}
		if req.Type != "" {
			if typ, e = checkLeaseType(req.Type); e != nil {
				return 0, nil, e
			}
		}
	}
	if d == nil {
		return 0, nil, badRequest("ModelArts.6348", "duration is required (query ?duration= or body {\"duration\":ms})")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	nb, e := s.lookupLocked(c)
	if e != nil {
		return 0, nil, e
	}
	if nb.Status != StatusRunning {
		return 0, nil, busy(nb, "renew its lease")
	}
	s.setLease(nb, d, typ, c.now)
	nb.UpdateAt = ms(c.now)
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
	for _, f := range Flavors() {
		if cat != "" && f.Category != cat || feat != "" && f.Feature != feat {
			continue
		}
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
