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

// UnmarshalJSON accepts both clouds' spellings: service or dev_service,
// key_pair_names or ssh_keys. When both are present dev_service and ssh_keys
// win (OTC answers carry both service and dev_service).
func (e *Endpoint) UnmarshalJSON(b []byte) error {
	var w struct {
		endpointJSON
		Service      string   `json:"service"`
		KeyPairNames []string `json:"key_pair_names"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*e = Endpoint{Service: w.DevService, KeyPairNames: w.SSHKeys, AllowedAccessIPs: w.AllowedAccessIPs, URI: w.URI}
	if e.Service == "" {
		e.Service = w.Service
	}
	if e.KeyPairNames == nil {
		e.KeyPairNames = w.KeyPairNames
	}
	return nil
}

type otcEndpoint struct {
	DevService       string   `json:"dev_service,omitempty"`
	SSHKeys          []string `json:"ssh_keys,omitempty"`
	AllowedAccessIPs []string `json:"allowed_access_ips,omitempty"`
}

type hwcEndpoint struct {
	Service          string   `json:"service,omitempty"`
	KeyPairNames     []string `json:"key_pair_names,omitempty"`
	AllowedAccessIPs []string `json:"allowed_access_ips,omitempty"`
}

// wireEndpoints spells endpoints for cloud (modelarts-api.md §1.1a).
func wireEndpoints(cloud Cloud, eps []Endpoint) any {
	if cloud == OTC {
		out := make([]otcEndpoint, len(eps))
		for i, e := range eps {
			out[i] = otcEndpoint{strings.ToUpper(e.Service), e.KeyPairNames, e.AllowedAccessIPs}
		}
		return out
	}
	out := make([]hwcEndpoint, len(eps))
	for i, e := range eps {
		out[i] = hwcEndpoint{strings.ToUpper(e.Service), e.KeyPairNames, e.AllowedAccessIPs}
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
	Endpoints any `json:"endpoints,omitempty"` // the cloud's spelling
}

// createBody is the wire body of CreateNotebook for cloud: endpoints in the
// cloud's spelling, enums upper case (volume, feature, hook type), the
// lease type lower case.
func createBody(cloud Cloud, r *CreateRequest) createWire {
	w := createWire{CreateRequest: *r}
	w.Feature = strings.ToUpper(r.Feature)
	w.Volume.Category = strings.ToUpper(r.Volume.Category)
	w.Volume.Ownership = strings.ToUpper(r.Volume.Ownership)
	w.Hooks = wireHooks(r.Hooks)
	w.Lease = wireLease(r.Lease)
	if len(r.Endpoints) > 0 {
		w.Endpoints = wireEndpoints(cloud, r.Endpoints)
	}
	return w
}

// updateWire is an UpdateRequest as sent, endpoints in the cloud's
// spelling (see createWire).
type updateWire struct {
	UpdateRequest
	Endpoints any `json:"endpoints,omitempty"`
}

// updateBody is the wire body of UpdateNotebook; non-nil empty Endpoints
// are sent as [] (clearing them).
func updateBody(cloud Cloud, r *UpdateRequest) updateWire {
	w := updateWire{UpdateRequest: *r}
	w.Hooks = wireHooks(r.Hooks)
	if r.Endpoints != nil {
		w.Endpoints = wireEndpoints(cloud, r.Endpoints)
	}
	return w
}
