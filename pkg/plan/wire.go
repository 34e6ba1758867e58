package plan

import (
	"encoding/json"

	"github.com/nbfleet/nbfleet/pkg/modelarts"
)

// The JSON encoding of a Step is this package's own, in the API's
// snake_case spelling, so that rendered and saved plans do not depend on
// how package modelarts encodes its Go types: a saved plan outlives the
// build that wrote it, and its format_version is this package's. The json
// tags of modelarts.UpdateRequest would not do in any case: their
// omitempty on Endpoints turns an update that clears the endpoints ([])
// into one that leaves them (TestStepJSON). Endpoints use the fleet file's
// spelling (dev_service, ssh_keys); hook scripts are included (they are
// fleet content, not secrets).

type stepDoc struct {
	Op     StepOp     `json:"op"`
	ID     string     `json:"id,omitempty"`
	Create *createDoc `json:"create,omitempty"`
	Update *updateDoc `json:"update,omitempty"`
	Lease  *leaseDoc  `json:"lease,omitempty"`
}

type createDoc struct {
	Name        string        `json:"name"`
	Description string        `json:"description,omitempty"`
	Duration    int64         `json:"duration,omitempty"`
	Endpoints   []endpointDoc `json:"endpoints,omitempty"`
	Feature     string        `json:"feature,omitempty"`
	Flavor      string        `json:"flavor"`
	ImageID     string        `json:"image_id"`
	PoolID      string        `json:"pool_id,omitempty"`
	Volume      volumeDoc     `json:"volume"`
	WorkspaceID string        `json:"workspace_id,omitempty"`
	Hooks       *hooksDoc     `json:"hooks,omitempty"`
	Lease       *leaseDoc     `json:"lease,omitempty"`
}

type updateDoc struct {
	Name           string         `json:"name,omitempty"`
	Description    *string        `json:"description,omitempty"`
	Flavor         string         `json:"flavor,omitempty"`
	ImageID        string         `json:"image_id,omitempty"`
	Endpoints      *[]endpointDoc `json:"endpoints,omitempty"` // nil leaves them; empty clears them
	StorageNewSize int            `json:"storage_new_size,omitempty"`
	Hooks          *hooksDoc      `json:"hooks,omitempty"`
}

type endpointDoc struct {
	DevService       string   `json:"dev_service"`
	SSHKeys          []string `json:"ssh_keys,omitempty"`
	AllowedAccessIPs []string `json:"allowed_access_ips,omitempty"`
}

type volumeDoc struct {
	Category  string `json:"category"`
	Ownership string `json:"ownership"`
	Capacity  int    `json:"capacity,omitempty"`
	URI       string `json:"uri,omitempty"`
	ID        string `json:"id,omitempty"`
}

type hooksDoc struct {
	PreStart  *hookDoc `json:"pre_start,omitempty"`
	PostStart *hookDoc `json:"post_start,omitempty"`
}

type hookDoc struct {
	Script string `json:"script"`
	Type   string `json:"type"`
}

type leaseDoc struct {
	Duration int64  `json:"duration,omitempty"`
	Type     string `json:"type,omitempty"`
}

// MarshalJSON encodes the step in this package's snake_case form.
func (s Step) MarshalJSON() ([]byte, error) { return json.Marshal(toStepDoc(s)) }

// UnmarshalJSON decodes what MarshalJSON wrote.
func (s *Step) UnmarshalJSON(b []byte) error {
	var d stepDoc
	if err := json.Unmarshal(b, &d); err != nil {
		return err
	}
	*s = fromStepDoc(d)
	return nil
}

func toStepDoc(s Step) stepDoc {
	d := stepDoc{Op: s.Op, ID: s.ID, Lease: toLease(s.Lease)}
	if c := s.Create; c != nil {
		d.Create = &createDoc{
			Name: c.Name, Description: c.Description, Duration: c.Duration,
			Endpoints: toEndpoints(c.Endpoints), Feature: c.Feature, Flavor: c.Flavor,
			ImageID: c.ImageID, PoolID: c.PoolID,
			Volume: volumeDoc{Category: c.Volume.Category, Ownership: c.Volume.Ownership,
				Capacity: c.Volume.Capacity, URI: c.Volume.URI, ID: c.Volume.ID},
			WorkspaceID: c.WorkspaceID, Hooks: toHooks(c.Hooks), Lease: toLease(c.Lease),
		}
	}
	if u := s.Update; u != nil {
		d.Update = &updateDoc{
			Name: u.Name, Description: u.Description, Flavor: u.Flavor, ImageID: u.ImageID,
			StorageNewSize: u.StorageNewSize, Hooks: toHooks(u.Hooks),
		}
		if u.Endpoints != nil {
			eps := toEndpoints(u.Endpoints)
			d.Update.Endpoints = &eps
		}
	}
	return d
}

func fromStepDoc(d stepDoc) Step {
	s := Step{Op: d.Op, ID: d.ID, Lease: fromLease(d.Lease)}
	if c := d.Create; c != nil {
		s.Create = &modelarts.CreateRequest{
			Name: c.Name, Description: c.Description, Duration: c.Duration,
			Endpoints: fromEndpoints(c.Endpoints), Feature: c.Feature, Flavor: c.Flavor,
			ImageID: c.ImageID, PoolID: c.PoolID,
			Volume: modelarts.VolumeReq{Category: c.Volume.Category, Ownership: c.Volume.Ownership,
				Capacity: c.Volume.Capacity, URI: c.Volume.URI, ID: c.Volume.ID},
			WorkspaceID: c.WorkspaceID, Hooks: fromHooks(c.Hooks), Lease: fromLease(c.Lease),
		}
	}
	if u := d.Update; u != nil {
		s.Update = &modelarts.UpdateRequest{
			Name: u.Name, Description: u.Description, Flavor: u.Flavor, ImageID: u.ImageID,
			StorageNewSize: u.StorageNewSize, Hooks: fromHooks(u.Hooks),
		}
		if u.Endpoints != nil {
			s.Update.Endpoints = fromEndpoints(*u.Endpoints) // [] stays [], not nil
		}
	}
	return s
}

// toEndpoints keeps nil and empty apart: an update's empty list clears the
// endpoints, nil leaves them.
func toEndpoints(eps []modelarts.Endpoint) []endpointDoc {
	if eps == nil {
		return nil
	}
	out := make([]endpointDoc, len(eps))
	for i, e := range eps {
		out[i] = endpointDoc{DevService: e.Service, SSHKeys: e.KeyPairNames, AllowedAccessIPs: e.AllowedAccessIPs}
	}
	return out
}

func fromEndpoints(eps []endpointDoc) []modelarts.Endpoint {
	if eps == nil {
		return nil
	}
	out := make([]modelarts.Endpoint, len(eps))
	for i, e := range eps {
		out[i] = modelarts.Endpoint{Service: e.DevService, KeyPairNames: e.SSHKeys, AllowedAccessIPs: e.AllowedAccessIPs}
	}
	return out
}

func toHooks(h *modelarts.Hooks) *hooksDoc {
	if h == nil {
		return nil
	}
	d := &hooksDoc{}
	if c := h.ContainerHooks; c != nil {
		if c.PreStart != nil {
			d.PreStart = &hookDoc{Script: c.PreStart.Script, Type: c.PreStart.Type}
		}
		if c.PostStart != nil {
			d.PostStart = &hookDoc{Script: c.PostStart.Script, Type: c.PostStart.Type}
		}
	}
	return d
}

func fromHooks(d *hooksDoc) *modelarts.Hooks {
	if d == nil {
		return nil
	}
	c := &modelarts.ContainerHooks{}
	if d.PreStart != nil {
		c.PreStart = &modelarts.HookConfig{Script: d.PreStart.Script, Type: d.PreStart.Type}
	}
	if d.PostStart != nil {
		c.PostStart = &modelarts.HookConfig{Script: d.PostStart.Script, Type: d.PostStart.Type}
	}
	return &modelarts.Hooks{ContainerHooks: c}
}

func toLease(l *modelarts.LeaseReq) *leaseDoc {
	if l == nil {
		return nil
	}
	return &leaseDoc{Duration: l.Duration, Type: l.Type}
}

func fromLease(l *leaseDoc) *modelarts.LeaseReq {
	if l == nil {
		return nil
	}
	return &modelarts.LeaseReq{Duration: l.Duration, Type: l.Type}
}
