package emulator

import (
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strings"
	"unicode/utf8"
)

// apiError is an error answer: HTTP status and the ModelArts/APIG body.
type apiError struct {
	Status int
	Code   string
	Msg    string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Msg }

func badRequest(code, format string, args ...any) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: code, Msg: fmt.Sprintf(format, args...)}
}

// Error codes used by the emulator (real-service.md rules 3, 6, 12, 13,
// 17, 19; messages from the OTC error code table where it has them).
const (
	codeInternal     = "ModelArts.0010"
	codeBadParam     = "ModelArts.0101"
	codeBadPayload   = "ModelArts.0104"
	codeNoPermission = "ModelArts.0108"
	codeWrongProject = "ModelArts.2786"
	codeNotRunning   = "ModelArts.6327"
	codeExists       = "ModelArts.6301"
	codeQuota        = "ModelArts.6302"
	codeNoSort       = "ModelArts.6303"
	codeRunning      = "ModelArts.6305"
	codeStarting     = "ModelArts.6306"
	codeStopped      = "ModelArts.6307"
	codeStopping     = "ModelArts.6308"
	codeNotFound     = "ModelArts.6309"
	codeNoFlavor     = "ModelArts.6323"
	codeSoldOut      = "ModelArts.6329"
	codeCapacity     = "ModelArts.6331"
	codeWrongStatus  = "ModelArts.6347"
	codeNoDuration   = "ModelArts.6348"
	codeDuration     = "ModelArts.6349"
	codeBusy         = "ModelArts.6357"
	codeInvalid      = "ModelArts.6400"
	codeNoImage      = "ModelArts.6797"
	codeAuth         = "APIG.0301"
	codeNoAPI        = "APIG.0101"
	codeThrottled    = "APIG.0308"
)

const (
	maxNameLen        = 128
	maxDescriptionLen = 512
	maxCapacity       = 4096
	maxGrowth         = 100 // GB per storage_new_size request (rule 12)
	maxAccessIPs      = 5
	minDuration       = 3_600_000
	maxDuration       = 259_200_000
	defaultDuration   = 3_600_000
)

var (
	nameRE = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

func checkName(name string) *apiError {
	if name == "" {
		return badRequest(codeInvalid, "name is required")
	}
	if utf8.RuneCountInString(name) > maxNameLen {
		return badRequest(codeInvalid, "name must be at most %d characters", maxNameLen)
	}
	if !nameRE.MatchString(name) {
		return badRequest(codeInvalid, "name %q may contain only letters, digits, hyphens (-) and underscores (_)", name)
	}
	return nil
}

func checkDescription(d string) *apiError {
	if utf8.RuneCountInString(d) > maxDescriptionLen {
		return badRequest(codeInvalid, "description must be at most %d characters", maxDescriptionLen)
	}
	if strings.ContainsAny(d, `&<>"'/`) {
		return badRequest(codeInvalid, "description must not contain any of &<>\"'/")
	}
	return nil
}

func findFlavor(id string) (Flavor, bool) {
	for _, f := range Flavors() {
		if f.ID == id {
			return f, true
		}
	}
	return Flavor{}, false
}

func findImage(id string) (Image, bool) {
	for _, im := range Images() {
		if im.ID == id {
			return im, true
		}
	}
	return Image{}, false
}

func checkFlavor(id string) *apiError {
	if id == "" {
		return badRequest(codeInvalid, "flavor is required")
	}
	f, ok := findFlavor(id)
	if !ok {
		return badRequest(codeNoFlavor, "flavor %s is not supported", id)
	}
	if f.SoldOut {
		return badRequest(codeSoldOut, "flavor %s is sold out", id)
	}
	return nil
}

func checkImage(id string) *apiError {
	if id == "" {
		return badRequest(codeInvalid, "image_id is required")
	}
	if !uuidRE.MatchString(id) {
		return badRequest(codeInvalid, "image_id %q is not a UUID", id)
	}
	if _, ok := findImage(id); !ok {
		return badRequest(codeNoImage, "image %s not found", id)
	}
	return nil
}

// checkEndpoints reads EndpointsReq: service, key_pair_names and
// allowed_access_ips on both clouds (rule 9). An endpoint without a
// service is kept as it came, as the service field is optional.
func checkEndpoints(eps []endpointReq) ([]Endpoint, *apiError) {
	var out []Endpoint
	for i, ep := range eps {
		svc := ""
		if ep.Service != nil {
			svc = strings.ToUpper(*ep.Service)
			if svc != "NOTEBOOK" && svc != "SSH" {
				return nil, badRequest(codeInvalid, "endpoints[%d]: service must be NOTEBOOK or SSH", i)
			}
		}
		if len(ep.AllowedAccessIPs) > maxAccessIPs {
			return nil, badRequest(codeInvalid, "endpoints[%d]: at most %d allowed_access_ips", i, maxAccessIPs)
		}
		for _, ip := range ep.AllowedAccessIPs {
			if net.ParseIP(ip) == nil {
				return nil, badRequest(codeInvalid, "endpoints[%d]: allowed_access_ips: %q is not an IP address", i, ip)
			}
		}
		out = append(out, Endpoint{Service: svc, KeyPairNames: ep.KeyPairNames, AllowedAccessIPs: ep.AllowedAccessIPs})
	}
	return out, nil
}

func checkHooks(h *Hooks) (*Hooks, *apiError) {
	if h == nil || h.ContainerHooks == nil {
		return h, nil
	}
	out := &Hooks{ContainerHooks: &ContainerHooks{}}
	for _, x := range []struct {
		name string
		in   *HookConfig
		out  **HookConfig
	}{{"pre_start", h.ContainerHooks.PreStart, &out.ContainerHooks.PreStart}, {"post_start", h.ContainerHooks.PostStart, &out.ContainerHooks.PostStart}} {
		if x.in == nil {
			continue
		}
		typ := strings.ToUpper(x.in.Type)
		if typ == "" {
			typ = "SCRIPT"
		}
		switch typ {
		case "COMMAND":
			if _, err := base64.StdEncoding.DecodeString(x.in.Script); err != nil || x.in.Script == "" {
				return nil, badRequest(codeInvalid, "hooks.container_hooks.%s: a COMMAND script must be Base64", x.name)
			}
		case "SCRIPT":
			if !strings.HasPrefix(x.in.Script, "/") {
				return nil, badRequest(codeInvalid, "hooks.container_hooks.%s: a SCRIPT must be an absolute path", x.name)
			}
		default:
			return nil, badRequest(codeInvalid, "hooks.container_hooks.%s: type must be COMMAND or SCRIPT", x.name)
		}
		*x.out = &HookConfig{Script: x.in.Script, Type: typ}
	}
	return out, nil
}

func checkDuration(d int64) *apiError {
	if d == -1 {
		return nil // Terraform's "never stop"; undocumented (see Known differences)
	}
	if d < minDuration || d > maxDuration {
		return badRequest(codeDuration, "duration %d is out of range [%d, %d] ms", d, minDuration, maxDuration)
	}
	return nil
}

// wrongStatus is ModelArts.6347, the answer to a field that cannot change
// while the notebook is in its current status, in the table's words.
func wrongStatus(status, field string) *apiError {
	return badRequest(codeWrongStatus, "When the instance is in the '%s' status, the '%s' parameter cannot be modified.", status, field)
}

func checkLeaseType(t string) (string, *apiError) {
	switch strings.ToUpper(t) {
	case "", "TIMING":
		return "TIMING", nil
	case "IDLE":
		return "IDLE", nil
	}
	return "", badRequest(codeInvalid, "lease type %q must be timing or idle", t)
}

// validateCreate checks a create body and returns the notebook it describes
// (without id, times and status).
func validateCreate(req *createReq) (*Notebook, *apiError) {
	nb := &Notebook{}
	if req.Name == nil {
		return nil, badRequest(codeInvalid, "name is required")
	}
	if e := checkName(*req.Name); e != nil {
		return nil, e
	}
	nb.Name = *req.Name
	if req.Description != nil {
		if e := checkDescription(*req.Description); e != nil {
			return nil, e
		}
		nb.Description = *req.Description
	}
	nb.Feature = "NOTEBOOK"
	if req.Feature != nil {
		switch f := strings.ToUpper(*req.Feature); f {
		case "NOTEBOOK", "DEFAULT":
			nb.Feature = f
		default:
			return nil, badRequest(codeInvalid, "feature %q must be NOTEBOOK or DEFAULT", *req.Feature)
		}
	}
	if req.Flavor == nil {
		return nil, badRequest(codeInvalid, "flavor is required")
	}
	if e := checkFlavor(*req.Flavor); e != nil {
		return nil, e
	}
	nb.Flavor = *req.Flavor
	if req.ImageID == nil {
		return nil, badRequest(codeInvalid, "image_id is required")
	}
	if e := checkImage(*req.ImageID); e != nil {
		return nil, e
	}
	nb.ImageID = *req.ImageID
	if req.Volume == nil {
		return nil, badRequest(codeInvalid, "volume is required")
	}
	v := req.Volume
	cat := strings.ToUpper(v.Category)
	switch cat {
	case "EVS", "SFS", "EFS", "OBS", "OBSFS":
	case "":
		return nil, badRequest(codeInvalid, "volume.category is required")
	default:
		return nil, badRequest(codeInvalid, "volume.category %q must be one of EVS, SFS, EFS, OBS, OBSFS", v.Category)
	}
	own := strings.ToUpper(v.Ownership)
	switch own {
	case "MANAGED", "DEDICATED":
	case "":
		return nil, badRequest(codeInvalid, "volume.ownership is required")
	default:
		return nil, badRequest(codeInvalid, "volume.ownership %q must be MANAGED or DEDICATED", v.Ownership)
	}
	if own == "DEDICATED" {
		if cat != "EFS" {
			return nil, badRequest(codeInvalid, "volume.ownership DEDICATED is supported only with category EFS")
		}
		if v.URI == "" || v.ID == "" {
			return nil, badRequest(codeInvalid, "volume.uri and volume.id are required for a DEDICATED EFS volume")
		}
	}
	capacity := 0
	if v.Capacity != nil {
		capacity = *v.Capacity
		if capacity < 1 || capacity > maxCapacity {
			return nil, badRequest(codeCapacity, "volume.capacity %d is out of range [1, %d] GB", capacity, maxCapacity)
		}
	} else if cat == "EVS" {
		capacity = 5
	} else if cat == "EFS" {
		capacity = 50
	}
	nb.Volume = Volume{Category: cat, Ownership: own, Capacity: capacity, URI: v.URI, ID: v.ID, MountPath: "/home/ma-user/work/"}
	eps, e := checkEndpoints(req.Endpoints)
	if e != nil {
		return nil, e
	}
	nb.Endpoints = eps
	if nb.Hooks, e = checkHooks(req.Hooks); e != nil {
		return nil, e
	}
	// duration wins over lease and means a timing stop.
	nb.Lease = Lease{Duration: defaultDuration, Type: "TIMING", Enable: true}
	switch {
	case req.Duration != nil:
		if e := checkDuration(*req.Duration); e != nil {
			return nil, e
		}
		nb.Lease.Duration = *req.Duration
	case req.Lease != nil:
		t, e := checkLeaseType(req.Lease.Type)
		if e != nil {
			return nil, e
		}
		nb.Lease.Type = t
		if req.Lease.Duration != nil {
			if e := checkDuration(*req.Lease.Duration); e != nil {
				return nil, e
			}
			nb.Lease.Duration = *req.Lease.Duration
		}
	}
	if nb.Lease.Duration == -1 {
		nb.Lease.Enable = false
	}
	nb.PoolID = req.PoolID
	nb.WorkspaceID = req.WorkspaceID
	if nb.WorkspaceID == "" {
		nb.WorkspaceID = "0"
	}
	return nb, nil
}
