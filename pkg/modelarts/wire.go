package modelarts

import (
	"encoding/json"
	"strings"
)

// endpointJSON is the neutral (fleet file) spelling of an Endpoint.
type endpointJSON struct {
	DevService       string   `json:"dev_service,omitempty"`
	SSHKeys          []string `json:"ssh_keys,omitempty"`
	AllowedAccessIPs []string `json:"allowed_access_ips,omitempty"`
	URI              string   `json:"uri,omitempty"`
}

// MarshalJSON encodes the endpoint in the fleet's neutral spelling
// (dev_service, ssh_keys, allowed_access_ips, uri). The client does not use
// it on the wire: it encodes the target cloud's spelling itself.
func (e Endpoint) MarshalJSON() ([]byte, error) {
	return json.Marshal(endpointJSON{e.Service, e.KeyPairNames, e.AllowedAccessIPs, e.URI})
}

// UnmarshalJSON accepts every documented answer spelling (rule 8):
// service (both clouds) or dev_service (both clouds, and OTC's only one in
// older answers); key_pair_names (Huawei Cloud) or ssh_keys (OTC).
func (e *Endpoint) UnmarshalJSON(b []byte) error {
	var w struct {
		endpointJSON
		Service      string   `json:"service"`
		KeyPairNames []string `json:"key_pair_names"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*e = Endpoint{Service: w.Service, KeyPairNames: w.KeyPairNames, AllowedAccessIPs: w.AllowedAccessIPs, URI: w.URI}
	if e.Service == "" {
		e.Service = w.DevService
	}
	if e.KeyPairNames == nil {
		e.KeyPairNames = w.SSHKeys
	}
	return nil
}

// wireEndpoint is EndpointsReq as both clouds read it since the OTC docs of
// 2025-08-26 (real-service.md rule 9): service, key_pair_names,
// allowed_access_ips. The older OTC spelling (dev_service, ssh_keys) is
// not sent: a service that ignores it would silently drop the keys.
type wireEndpoint struct {
	Service          string   `json:"service,omitempty"`
	KeyPairNames     []string `json:"key_pair_names,omitempty"`
	AllowedAccessIPs []string `json:"allowed_access_ips,omitempty"`
}

// wireEndpoints spells endpoints for the request body.
func wireEndpoints(eps []Endpoint) []wireEndpoint {
	out := make([]wireEndpoint, len(eps))
	for i, e := range eps {
		out[i] = wireEndpoint{strings.ToUpper(e.Service), e.KeyPairNames, e.AllowedAccessIPs}
	}
	return out
}

func wireHooks(h *Hooks) *Hooks {
	if h == nil || h.ContainerHooks == nil {
		return h
	}
	up := func(c *HookConfig) *HookConfig {
		if c == nil {
			return nil
		}
		return &HookConfig{Script: c.Script, Type: strings.ToUpper(c.Type)}
	}
	return &Hooks{ContainerHooks: &ContainerHooks{PreStart: up(h.ContainerHooks.PreStart), PostStart: up(h.ContainerHooks.PostStart)}}
}

func wireLease(l *LeaseReq) *LeaseReq {
	if l == nil {
		return nil
	}
	return &LeaseReq{Duration: l.Duration, Type: strings.ToLower(l.Type)}
}

// createWire is a CreateRequest as sent: Endpoints, being shallower,
// hides CreateRequest.Endpoints from encoding/json, so every other field
// goes out as CreateRequest declares it.
type createWire struct {
	CreateRequest
	Endpoints []wireEndpoint `json:"endpoints,omitempty"`
}

// createBody is the wire body of CreateNotebook: endpoints in the request
// spelling, enums upper case (volume, feature, hook type), the lease type
// lower case. Both clouds read the same body.
func createBody(r *CreateRequest) createWire {
	w := createWire{CreateRequest: *r}
	w.Feature = strings.ToUpper(r.Feature)
	w.Volume.Category = strings.ToUpper(r.Volume.Category)
	w.Volume.Ownership = strings.ToUpper(r.Volume.Ownership)
	w.Hooks = wireHooks(r.Hooks)
	w.Lease = wireLease(r.Lease)
	if len(r.Endpoints) > 0 {
		w.Endpoints = wireEndpoints(r.Endpoints)
	}
	return w
}

// updateWire is an UpdateRequest as sent (see createWire). Endpoints is a
// pointer so that a non-nil empty list goes out as [] (clearing them).
type updateWire struct {
	UpdateRequest
	Endpoints *[]wireEndpoint `json:"endpoints,omitempty"`
}

// updateBody is the wire body of UpdateNotebook; non-nil empty Endpoints
// are sent as [] (clearing them).
func updateBody(r *UpdateRequest) updateWire {
	w := updateWire{UpdateRequest: *r}
	w.Hooks = wireHooks(r.Hooks)
	if r.Endpoints != nil {
		eps := wireEndpoints(r.Endpoints)
		w.Endpoints = &eps
	}
	return w
}
