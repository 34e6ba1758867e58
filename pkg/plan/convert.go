package plan

import (
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

// Description returns the description nbfleet sends for a notebook of
// fleet: the user's description, a space and the marker (with the digest
// of the notebook's hooks), or the marker alone when the user gave none.
func Description(fleet *spec.Fleet, nb *spec.Notebook) string {
	return spec.MarkedDescription(fleet.Name, nb)
}

// CreateRequest converts a desired notebook into the create call's body:
// the description carries the ownership marker (so ownership is set in the
// create call itself), durations are milliseconds, endpoints are
// DevService→Service and SSHKeys→KeyPairNames.
func CreateRequest(fleet *spec.Fleet, nb *spec.Notebook) *modelarts.CreateRequest {
	return &modelarts.CreateRequest{
		Name:        nb.Name,
		Description: Description(fleet, nb),
		Duration:    ms(nb.Duration),
		Endpoints:   Endpoints(nb.Endpoints),
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
		Hooks:       Hooks(nb.Hooks),
		Lease:       LeaseRequest(nb),
	}
}

// UpdateRequest builds the PUT body that sets the given field paths of a
// desired notebook (paths as in FieldChange.Path: "description", "marker",
// "flavor", "image_id", "endpoints", "hooks", "volume.capacity"). Other
// fields are left out, so the server keeps them. "description", "marker"
// and "hooks" send the description with the marker, whose hooks digest
// records the hooks sent. "volume.capacity" asks for the declared
// capacity at once; Diff plans growth in steps itself (GrowthSteps).
func UpdateRequest(fleet *spec.Fleet, nb *spec.Notebook, paths []string) *modelarts.UpdateRequest {
	r := &modelarts.UpdateRequest{}
	for _, p := range paths {
		switch p {
		case "description", "marker":
			d := Description(fleet, nb)
			r.Description = &d
		case "flavor":
			r.Flavor = nb.Flavor
		case "image_id":
			r.ImageID = nb.ImageID
		case "endpoints":
			r.Endpoints = Endpoints(nb.Endpoints)
			if r.Endpoints == nil {
				r.Endpoints = []modelarts.Endpoint{}
			}
		case "hooks":
			r.Hooks = Hooks(nb.Hooks)
			if r.Hooks == nil {
				r.Hooks = &modelarts.Hooks{ContainerHooks: &modelarts.ContainerHooks{}}
			}
			d := Description(fleet, nb)
			r.Description = &d
		case "volume.capacity":
			r.StorageNewSize = nb.Volume.Capacity
		}
	}
	return r
}

// LeaseRequest is the lease sent with a create and a start: the notebook's
// lease, else its top-level duration as a timing lease, else nil (the
// server's default).
func LeaseRequest(nb *spec.Notebook) *modelarts.LeaseReq {
	if nb.Lease != nil && (nb.Lease.Duration > 0 || nb.Lease.Type != "") {
		return &modelarts.LeaseReq{Duration: ms(nb.Lease.Duration), Type: nb.Lease.Type}
	}
	if nb.Duration > 0 {
		return &modelarts.LeaseReq{Duration: ms(nb.Duration), Type: "timing"}
	}
	return nil
}

// Endpoints converts the fleet's endpoints to the client's; nil for none.
func Endpoints(eps []spec.Endpoint) []modelarts.Endpoint {
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

// Hooks converts the fleet's hooks to the client's; nil for none.
func Hooks(h *spec.Hooks) *modelarts.Hooks {
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

func ms(d time.Duration) int64 { return d.Milliseconds() }
