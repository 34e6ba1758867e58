package emulator

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/nbfleet/nbfleet/internal/atomicfile"
)

// Notebook statuses (modelarts-api.md §1.5).
const (
	StatusCreating     = "CREATING"
	StatusStarting     = "STARTING"
	StatusStopping     = "STOPPING"
	StatusDeleting     = "DELETING"
	StatusRunning      = "RUNNING"
	StatusStopped      = "STOPPED"
	StatusCreateFailed = "CREATE_FAILED"
	StatusStartFailed  = "START_FAILED"
	StatusDeleteFailed = "DELETE_FAILED"
	StatusError        = "ERROR"
	StatusFrozen       = "FROZEN"
	StatusInit         = "INIT"
	StatusSnapshotting = "SNAPSHOTTING"
	StatusDeleted      = "DELETED"
)

var allStatuses = []string{StatusInit, StatusCreating, StatusStarting, StatusStopping, StatusDeleting, StatusRunning,
	StatusStopped, StatusSnapshotting, StatusCreateFailed, StatusStartFailed, StatusDeleteFailed, StatusError, StatusDeleted, StatusFrozen}

var stepDescriptions = [4]string{"Prepare storage", "Prepare compute resources", "Configure the network", "Initialize the instance"}

// project is one project's notebooks: a map by id and an order sorted by
// (create_at, id) ascending, compacted lazily after deletes.
type project struct {
	id, name string
	nbs      map[string]*Notebook
	order    []*Notebook
	unsorted bool // order needs sorting
	holes    bool // order holds deleted notebooks
}

func (p *project) add(nb *Notebook) {
	p.nbs[nb.ID] = nb
	if n := len(p.order); n > 0 && less(nb, p.order[n-1]) {
		p.unsorted = true
	}
	p.order = append(p.order, nb)
}

func less(a, b *Notebook) bool {
	if a.CreateAt != b.CreateAt {
		return a.CreateAt < b.CreateAt
	}
	return a.ID < b.ID
}

// sorted returns the live notebooks ordered by (create_at, id) ascending.
func (p *project) sorted() []*Notebook {
	if p.holes {
		p.order = slices.DeleteFunc(p.order, func(nb *Notebook) bool { return p.nbs[nb.ID] != nb })
		p.holes = false
	}
	if p.unsorted {
		slices.SortFunc(p.order, func(a, b *Notebook) int {
			if less(a, b) {
				return -1
			}
			if less(b, a) {
				return 1
			}
			return 0
		})
		p.unsorted = false
	}
	return p.order
}

func ms(t time.Time) int64 { return t.UnixMilli() }

// projectLocked returns the project with id, creating it on first use.
func (s *Server) projectLocked(id string) *project {
	p := s.projects[id]
	if p == nil {
		name := id
		if id == s.opts.ProjectID {
			name = s.opts.ProjectName
		}
		p = &project{id: id, name: name, nbs: map[string]*Notebook{}}
		s.projects[id] = p
	}
	return p
}

// transition returns op (create, start, stop or delete) begun at t: after
// the configured time it ends in the op's usual outcome (RUNNING, RUNNING,
// STOPPED, DELETED); a caller injecting a failure changes To and FailReason.
func (s *Server) transition(op string, t time.Time) *Transition {
	tr := &Transition{Op: op, Since: ms(t)}
	var d time.Duration
	switch op {
	case "create":
		tr.To, d = StatusRunning, s.opts.CreateTime
	case "start":
		tr.To, d = StatusRunning, s.opts.StartTime
	case "stop":
		tr.To, d = StatusStopped, s.opts.StopTime
	case "delete":
		tr.To, d = StatusDeleted, s.opts.DeleteTime
	}
	tr.Due = ms(t.Add(d))
	return tr
}

// beginLocked puts the existing notebook nb into status, op's transitional
// status, at t with op's transition pending, and returns the transition.
func (s *Server) beginLocked(nb *Notebook, op, status string, t time.Time) *Transition {
	nb.Status = status
	nb.UpdateAt = ms(t)
	nb.Pending = s.transition(op, t)
	s.markDirtyLocked()
	return nb.Pending
}

// advanceLocked applies nb's due transitions at now and reports whether
// the notebook is gone: a delete ends in DELETED, shown for
// Options.DeletedVisible, then the notebook is removed.
func (s *Server) advanceLocked(p *project, nb *Notebook, now int64) bool {
	if t := nb.Pending; t != nil && now >= t.Due {
		nb.Pending = nil
		nb.UpdateAt = t.Due
		s.markDirtyLocked()
		nb.Status = t.To
		nb.FailReason = t.FailReason
		if t.Op == "create" || t.Op == "start" {
			nb.Progress = progress(nb.ID, t, t.Due)
		}
		if t.To == StatusRunning && nb.URL == "" {
			nb.URL = notebookURL(nb)
		}
		if t.To == StatusDeleted {
			nb.Resize, nb.StopAt = nil, 0
			nb.GoneAt = t.Due + max(0, s.opts.DeletedVisible.Milliseconds())
		}
	}
	if nb.Status == StatusDeleted && now >= nb.GoneAt {
		delete(p.nbs, nb.ID)
		p.holes = true
		s.markDirtyLocked()
		return true
	}
	if r := nb.Resize; r != nil && now >= r.Due {
		nb.Volume.Capacity = r.To
		nb.Resize = nil
		s.markDirtyLocked()
	}
	if nb.Status == StatusRunning && nb.StopAt > 0 && now >= nb.StopAt {
		nb.Status = StatusStopped
		nb.UpdateAt = nb.StopAt
		nb.StopAt = 0
		s.markDirtyLocked()
	}
	return false
}

func notebookURL(nb *Notebook) string {
	host := nb.Host
	if host == "" {
		host = "notebook.emulator.invalid"
	}
	return "http://" + host + "/_emulator/notebook/" + nb.ID + "/lab"
}

// progress computes action_progress of a create or start transition at now:
// four steps completing evenly between Since and Due; a failed transition
// fails step 2 (compute) at the end.
func progress(id string, t *Transition, now int64) []JobProgress {
	out := make([]JobProgress, 4)
	span := t.Due - t.Since
	for i := range out {
		st := "WAITING"
		var f float64 = 1
		if span > 0 {
			f = float64(now-t.Since) / float64(span)
		}
		switch {
		case f >= float64(i+1)/4 || now >= t.Due:
			st = "COMPLETED"
		case f >= float64(i)/4:
			st = "PROCESSING"
		}
		if now >= t.Due && t.FailReason != "" {
			switch {
			case i == 1:
				st = "FAILED"
			case i > 1:
				st = "WAITING"
			}
		}
		out[i] = JobProgress{NotebookID: id, Status: st, Step: i + 1, StepDescription: stepDescriptions[i]}
	}
	return out
}

// readLocked is nb as show and list answer it at now: respLocked, with
// the status before a stop or delete while Options.StaleReads lasts.
func (s *Server) readLocked(nb *Notebook, now int64) notebookResp {
	r := s.respLocked(nb, now)
	if nb.StaleStatus != "" && now < nb.StaleUntil {
		r.Status = nb.StaleStatus
	}
	return r
}

// respLocked is nb as the configured cloud answers it: HWC volumes carry
// id and uri, OTC volumes neither; endpoints carry key_pair_names (HWC) or
// ssh_keys (OTC) besides service, dev_service, allowed_access_ips and uri;
// action_progress steps carry description (HWC) or notebook_id and
// step_description (OTC). No answer carries hooks.
func (s *Server) respLocked(nb *Notebook, now int64) notebookResp {
	otc := s.opts.Cloud == CloudOTC
	im, ok := findImage(nb.ImageID)
	if !ok {
		im = Image{ID: nb.ImageID}
	}
	r := notebookResp{
		CreateAt: nb.CreateAt, Description: nb.Description, FailReason: nb.FailReason,
		Feature: nb.Feature, Flavor: nb.Flavor, ID: nb.ID, Image: im,
		Lease: nb.Lease, Name: nb.Name, Status: nb.Status, Token: nb.Token, UpdateAt: nb.UpdateAt,
		URL: nb.URL, WorkspaceID: nb.WorkspaceID,
		Volume: volumeRes{Capacity: nb.Volume.Capacity, Category: nb.Volume.Category,
			MountPath: nb.Volume.MountPath, Ownership: nb.Volume.Ownership},
	}
	if nb.Resize != nil {
		r.Volume.Status = "RESIZING"
	}
	if !otc {
		r.Volume.ID, r.Volume.URI = nb.Volume.ID, nb.Volume.URI
	}
	if nb.PoolID != "" {
		r.Pool = &poolRes{ID: nb.PoolID, Name: nb.PoolID}
	}
	for _, ep := range nb.Endpoints {
		e := endpointRes{Service: ep.Service, DevService: ep.Service, AllowedAccessIPs: ep.AllowedAccessIPs, URI: "192.168.0.10"}
		if otc {
			e.SSHKeys = ep.KeyPairNames
		} else {
			e.KeyPairNames = ep.KeyPairNames
		}
		r.Endpoints = append(r.Endpoints, e)
	}
	steps := nb.Progress
	if t := nb.Pending; t != nil && (t.Op == "create" || t.Op == "start") {
		steps = progress(nb.ID, t, now)
	}
	for _, p := range steps {
		j := jobProgressRes{Status: p.Status, Step: p.Step}
		if otc {
			j.NotebookID, j.StepDescription = p.NotebookID, p.StepDescription
		} else {
			j.Description = p.StepDescription
		}
		r.ActionProgress = append(r.ActionProgress, j)
	}
	return r
}

// --- persistence ---

type stateFile struct {
	FormatVersion    int   `json:"format_version"`
	NotebooksCreated int64 `json:"notebooks_created"`
	// ClockOffsetMS is the sum of every Advance, so that a restarted
	// emulator keeps the time it travelled to.
	ClockOffsetMS int64       `json:"clock_offset_ms,omitempty"`
	Notebooks     []*Notebook `json:"notebooks"`
}

func (s *Server) load() error {
	data, err := os.ReadFile(s.opts.StatePath)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("load emulator state: %w", err)
	}
	var st stateFile
	if err := json.Unmarshal(data, &st); err != nil {
		return fmt.Errorf("load emulator state %s: %w", s.opts.StatePath, err)
	}
	if st.FormatVersion != 1 {
		return fmt.Errorf("load emulator state %s: format_version %d is not 1", s.opts.StatePath, st.FormatVersion)
	}
	for _, nb := range st.Notebooks {
		if nb == nil || nb.ID == "" || nb.Project == "" {
			return fmt.Errorf("load emulator state %s: a notebook lacks id or project", s.opts.StatePath)
		}
		if t := nb.Pending; t != nil && t.Op == "delete" && t.To == "" {
			t.To = StatusDeleted // a state file of an emulator that removed notebooks at once
		}
		s.projectLocked(nb.Project).add(nb)
	}
	s.created = st.NotebooksCreated
	s.offset = time.Duration(st.ClockOffsetMS) * time.Millisecond
	return nil
}

// markDirtyLocked schedules a debounced state write.
func (s *Server) markDirtyLocked() {
	if s.opts.StatePath == "" {
		return
	}
	s.dirty = true
	if s.saveTimer == nil && !s.closed {
		s.saveTimer = time.AfterFunc(200*time.Millisecond, func() { _ = s.flush() })
	}
}

// flush writes the state if it changed since the last write.
func (s *Server) flush() error {
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	s.mu.Lock()
	s.saveTimer = nil
	if !s.dirty || s.opts.StatePath == "" {
		s.mu.Unlock()
		return nil
	}
	s.dirty = false
	data, err := json.MarshalIndent(s.snapshotLocked(), "", "  ")
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("save emulator state: %w", err)
	}
	return atomicfile.WriteFile(s.opts.StatePath, append(data, '\n'), 0o600)
}

func (s *Server) snapshotLocked() stateFile {
	st := stateFile{FormatVersion: 1, NotebooksCreated: s.created, ClockOffsetMS: s.offset.Milliseconds(), Notebooks: []*Notebook{}}
	for _, id := range sortedKeys(s.projects) {
		st.Notebooks = append(st.Notebooks, s.projects[id].sorted()...)
	}
	return st
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func validStatus(s string) bool { return slices.Contains(allStatuses, strings.ToUpper(s)) }
