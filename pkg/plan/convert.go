package plan

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

// Owner returns the fleet named by the ownership marker at the end of a
// notebook's description ("… [nbfleet:ml101-fall]", "… [nbfleet:ml101-fall
// h=0a1b2c3d]" or the marker alone), and false when the description
// carries no marker.
func Owner(description string) (fleet string, ok bool) {
	_, fleet, _, ok = spec.ParseMarker(description)
	return fleet, ok
}

// StripMarker returns the description without its ownership marker and the
// space before it: the user's description. A description without a marker
// is returned unchanged.
func StripMarker(description string) string {
	user, _, _, ok := spec.ParseMarker(description)
	if !ok {
		return description
	}
	return user
}

// hooksDigest is the hooks digest the marker of description records: the
// hooks nbfleet last sent ("" when none, or no marker).
func hooksDigest(description string) string {
	_, _, d, _ := spec.ParseMarker(description)
	return d
}

// sending records on c the notebook its steps send (nb as sent for f,
// without its origin, plus the live endpoints of other services a PUT of
// endpoints must keep) and derives the steps' requests from it. A change
// whose steps send nothing keeps no notebook.
func (c Change) sending(f *spec.Fleet, nb *spec.Notebook, keep ...spec.Endpoint) Change {
	for _, s := range c.Steps {
		if s.Op == StepCreate || s.Op == StepUpdate || s.Op == StepStart {
			sent := nb.Sent(f.Name)
			sent.Origin = spec.Origin{}
			if len(keep) > 0 {
				sent.Endpoints = append(slices.Clone(sent.Endpoints), keep...)
			}
			c.Notebook = &sent
			break
		}
	}
	if err := c.derive(); err != nil {
		panic("plan: " + err.Error()) // Diff builds only steps it can derive
	}
	return c
}

// derive fills the requests of c's steps from c.Notebook: the one way
// from the notebook shape to the API's requests, for a new plan and for a
// saved one read back.
func (c *Change) derive() error {
	for i := range c.Steps {
		s := &c.Steps[i]
		s.Create, s.Update, s.Lease = nil, nil, nil
		switch s.Op {
		case StepCreate, StepUpdate:
			if c.Notebook == nil {
				return fmt.Errorf("change %s: step %d (%s) has no notebook to send", c.Name, i, s.Op)
			}
			if s.Op == StepCreate {
				s.Create = createRequest(c.Notebook)
				break
			}
			if s.Size != 0 && (!slices.Contains(s.Fields, "volume.capacity") || s.Size < 0 || s.Size > c.Notebook.Volume.Capacity) {
				return fmt.Errorf("change %s: step %d grows the volume to %d GB, which is not a step towards its %d GB",
					c.Name, i, s.Size, c.Notebook.Volume.Capacity)
			}
			s.Update = updateRequest(c.Notebook, s.Fields, s.Size)
		case StepStart:
			if c.Notebook != nil {
				s.Lease = leaseRequest(c.Notebook)
			}
		}
	}
	return nil
}

// createRequest converts a notebook as sent (its description carrying the
// ownership marker, so that ownership is set by the create call itself)
// into the create call's body: durations in milliseconds, endpoints
// DevService→Service and SSHKeys→KeyPairNames.
func createRequest(nb *spec.Notebook) *modelarts.CreateRequest {
	return &modelarts.CreateRequest{
		Name:        nb.Name,
		Description: nb.Description,
		Duration:    ms(nb.Duration),
		Endpoints:   endpoints(nb.Endpoints),
		Feature:     nb.Feature,
		Flavor:      nb.Flavor,
		ImageID:     nb.ImageID,
		PoolID:      nb.PoolID,
		Volume: modelarts.VolumeReq{
			Category:  nb.Volume.Category,
			Ownership: nb.Volume.Ownership,
			Capacity:  nb.Volume.Capacity,
			URI:       nb.Volume.URI,
			ID:        nb.Volume.ID,
		},
		WorkspaceID: nb.WorkspaceID,
		Hooks:       hooks(nb.Hooks),
		Lease:       leaseRequest(nb),
	}
}

// updateRequest builds the PUT body that sets the given field paths of a
// notebook as sent (paths as in FieldChange.Path: "description", "marker",
// "flavor", "image_id", "endpoints", "hooks", "volume.capacity"). Other
// fields are left out, so the server keeps them. "description", "marker"
// and "hooks" send the description with the marker, whose hooks digest
// records the hooks sent; endpoints and hooks the notebook has none of are
// cleared. "volume.capacity" asks for size GB (a growth step, see
// GrowthSteps), or the notebook's capacity when size is zero.
func updateRequest(nb *spec.Notebook, paths []string, size int) *modelarts.UpdateRequest {
	r := &modelarts.UpdateRequest{}
	for _, p := range paths {
		switch p {
		case "description", "marker":
			d := nb.Description
			r.Description = &d
		case "flavor":
			r.Flavor = nb.Flavor
		case "image_id":
			r.ImageID = nb.ImageID
		case "endpoints":
			r.Endpoints = endpoints(nb.Endpoints)
			if r.Endpoints == nil {
				r.Endpoints = []modelarts.Endpoint{}
			}
		case "hooks":
			r.Hooks = hooks(nb.Hooks)
			if r.Hooks == nil {
				r.Hooks = &modelarts.Hooks{ContainerHooks: &modelarts.ContainerHooks{}}
			}
			d := nb.Description
			r.Description = &d
		case "volume.capacity":
			r.StorageNewSize = nb.Volume.Capacity
			if size > 0 {
				r.StorageNewSize = size
			}
		}
	}
	return r
}

// leaseRequest is the lease sent with a create and a start: the notebook's
// lease, else its top-level duration as a timing lease, else nil (the
// server's default).
func leaseRequest(nb *spec.Notebook) *modelarts.LeaseReq {
	if nb.Lease != nil && (nb.Lease.Duration > 0 || nb.Lease.Type != "") {
		return &modelarts.LeaseReq{Duration: ms(nb.Lease.Duration), Type: nb.Lease.Type}
	}
	if nb.Duration > 0 {
		return &modelarts.LeaseReq{Duration: ms(nb.Duration), Type: "timing"}
	}
	return nil
}

// endpoints converts the fleet's endpoints to the client's; nil for none.
func endpoints(eps []spec.Endpoint) []modelarts.Endpoint {
	if len(eps) == 0 {
		return nil
	}
	out := make([]modelarts.Endpoint, len(eps))
	for i, e := range eps {
		out[i] = modelarts.Endpoint{
			Service:          e.DevService,
			KeyPairNames:     append([]string(nil), e.SSHKeys...),
			AllowedAccessIPs: append([]string(nil), e.AllowedAccessIPs...),
		}
	}
	return out
}

// hooks converts the fleet's hooks to the client's; nil for none.
func hooks(h *spec.Hooks) *modelarts.Hooks {
	if h == nil || (h.PreStart == nil && h.PostStart == nil) {
		return nil
	}
	conv := func(k *spec.Hook) *modelarts.HookConfig {
		if k == nil {
			return nil
		}
		return &modelarts.HookConfig{Script: k.Script, Type: k.Type}
	}
	return &modelarts.Hooks{ContainerHooks: &modelarts.ContainerHooks{
		PreStart:  conv(h.PreStart),
		PostStart: conv(h.PostStart),
	}}
}

// FromLive returns the declared notebook that a live one matches: what
// `nbfleet import` writes, so that the next plan adopts the notebook and
// changes nothing else. The lease is left out (it is a countdown, never
// compared), and so is the ownership marker.
func FromLive(l *modelarts.Notebook) spec.Notebook {
	nb := spec.Notebook{
		Name:        l.Name,
		Description: StripMarker(l.Description),
		Flavor:      l.Flavor,
		Flavors:     []string{l.Flavor},
		Feature:     feature(l.Feature),
		WorkspaceID: workspace(l.WorkspaceID),
		State:       spec.Running,
	}
	if l.Image != nil {
		nb.ImageID = l.Image.ID
	}
	if l.Pool != nil {
		nb.PoolID = l.Pool.ID
	}
	if v := l.Volume; v != nil {
		nb.Volume = spec.Volume{Category: v.Category, Ownership: v.Ownership, Capacity: v.Capacity, URI: v.URI, ID: v.ID}
	}
	for _, ep := range l.Endpoints {
		if strings.EqualFold(ep.Service, "SSH") {
			nb.Endpoints = append(nb.Endpoints, spec.Endpoint{DevService: "SSH", SSHKeys: ep.KeyPairNames, AllowedAccessIPs: ep.AllowedAccessIPs})
		}
	}
	if h := l.Hooks; h != nil && h.ContainerHooks != nil {
		conv := func(k *modelarts.HookConfig) *spec.Hook {
			if k == nil || (k.Script == "" && k.Type == "") {
				return nil
			}
			return &spec.Hook{Script: k.Script, Type: strings.ToUpper(k.Type)}
		}
		if pre, post := conv(h.ContainerHooks.PreStart), conv(h.ContainerHooks.PostStart); pre != nil || post != nil {
			nb.Hooks = &spec.Hooks{PreStart: pre, PostStart: post}
		}
	}
	if l.Status == modelarts.StatusStopped || l.Status == modelarts.StatusStopping {
		nb.State = spec.Stopped
	}
	return nb
}

func ms(d time.Duration) int64 { return d.Milliseconds() }
