package modelarts

import "encoding/json"

// Cloud names the cloud a client talks to; it decides the endpoints and
// the spelling of the list's workspace filter (real-service.md rules 4, 20).
type Cloud string

const (
	HuaweiCloud Cloud = "huaweicloud"
	OTC         Cloud = "otc"
)

// Secret is a string that never prints: fmt verbs and JSON encoding show
// "REDACTED". Use Reveal to get the value. Decoding JSON into a Secret
// stores the value.
type Secret string

// Reveal returns the secret value.
func (s Secret) Reveal() string { return string(s) }

func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "REDACTED"
}

// GoString keeps %#v from printing the value.
func (s Secret) GoString() string { return `"` + s.String() + `"` }

// MarshalJSON encodes the secret as "REDACTED" (or "" when empty).
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// Notebook statuses (modelarts-api.md §1.5).
const (
	StatusInit         = "INIT"
	StatusCreating     = "CREATING"
	StatusStarting     = "STARTING"
	StatusStopping     = "STOPPING"
	StatusDeleting     = "DELETING"
	StatusRunning      = "RUNNING"
	StatusStopped      = "STOPPED"
	StatusSnapshotting = "SNAPSHOTTING"
	StatusCreateFailed = "CREATE_FAILED"
	StatusStartFailed  = "START_FAILED"
	StatusDeleteFailed = "DELETE_FAILED"
	StatusError        = "ERROR"
	StatusDeleted      = "DELETED"
	StatusFrozen       = "FROZEN"
)

// Notebook is NotebookResp, as returned by create, show, list, update,
// start, stop and delete. Hooks is never filled by the real service (rule
// 7: no answer carries hooks); it is kept so that a fixture or a future
// answer that has them decodes.
type Notebook struct {
	ID             string        `json:"id"`
	Name           string        `json:"name"`
	Description    string        `json:"description,omitempty"`
	Status         string        `json:"status"`
	FailReason     string        `json:"fail_reason,omitempty"`
	Feature        string        `json:"feature,omitempty"`
	Flavor         string        `json:"flavor,omitempty"`
	Image          *Image        `json:"image,omitempty"`
	Lease          *Lease        `json:"lease,omitempty"`
	Pool           *Pool         `json:"pool,omitempty"`
	Volume         *VolumeRes    `json:"volume,omitempty"`
	Endpoints      []Endpoint    `json:"endpoints,omitempty"`
	Hooks          *Hooks        `json:"hooks,omitempty"`
	ActionProgress []JobProgress `json:"action_progress,omitempty"`
	URL            string        `json:"url,omitempty"`
	// Token authenticates to the notebook itself; it is a secret.
	Token       Secret `json:"token,omitempty"`
	WorkspaceID string `json:"workspace_id,omitempty"`
	CreateAt    int64  `json:"create_at,omitempty"` // epoch ms
	UpdateAt    int64  `json:"update_at,omitempty"` // epoch ms
}

// Image is the image part of NotebookResp, and one entry of ListImages.
type Image struct {
	ID          string `json:"id"`
	Name        string `json:"name,omitempty"`
	SWRPath     string `json:"swr_path,omitempty"`
	Tag         string `json:"tag,omitempty"`
	Type        string `json:"type,omitempty"`
	Description string `json:"description,omitempty"`
	Arch        string `json:"arch,omitempty"`
	Status      string `json:"status,omitempty"`
	WorkspaceID string `json:"workspace_id,omitempty"`
}

// Lease is the auto-stop state of a notebook.
type Lease struct {
	CreateAt int64  `json:"create_at,omitempty"`
	Duration int64  `json:"duration,omitempty"` // ms
	Enable   bool   `json:"enable"`
	Type     string `json:"type,omitempty"`
	UpdateAt int64  `json:"update_at,omitempty"`
}

// Pool names the dedicated resource pool a notebook runs in.
type Pool struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// VolumeRes is the storage part of NotebookResp. Status is RESIZING while
// a storage_new_size growth is under way. OTC answers carry no URI and ID
// (rule 10): empty means unknown, not different.
type VolumeRes struct {
	Category  string `json:"category,omitempty"`
	Ownership string `json:"ownership,omitempty"`
	Capacity  int    `json:"capacity,omitempty"`
	MountPath string `json:"mount_path,omitempty"`
	Status    string `json:"status,omitempty"`
	URI       string `json:"uri,omitempty"`
	ID        string `json:"id,omitempty"`
}

// Endpoint is one remote-access endpoint. It is kept in one spelling in
// Go; decoding accepts every answer spelling (service/dev_service,
// key_pair_names/ssh_keys) and requests use service, key_pair_names and
// allowed_access_ips on both clouds.
type Endpoint struct {
	Service          string   // NOTEBOOK or SSH
	KeyPairNames     []string // SSH key pair names
	AllowedAccessIPs []string
	URI              string // response only: private address
}

// JobProgress is one step of a notebook's initialisation. OTC answers
// step_description and notebook_id, the Huawei Cloud SDK description;
// decoding puts either in StepDescription.
type JobProgress struct {
	NotebookID      string `json:"notebook_id,omitempty"`
	Status          string `json:"status"` // WAITING, PROCESSING, FAILED, COMPLETED
	Step            int    `json:"step"`
	StepDescription string `json:"step_description,omitempty"`
}

// UnmarshalJSON reads either cloud's spelling of the step's description.
func (j *JobProgress) UnmarshalJSON(b []byte) error {
	type plain JobProgress
	var w struct {
		plain
		Description string `json:"description"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*j = JobProgress(w.plain)
	if j.StepDescription == "" {
		j.StepDescription = w.Description
	}
	return nil
}

// Hooks is CustomHooks.
type Hooks struct {
	ContainerHooks *ContainerHooks `json:"container_hooks,omitempty"`
}

// ContainerHooks holds the pre- and post-start scripts.
type ContainerHooks struct {
	PreStart  *HookConfig `json:"pre_start,omitempty"`
	PostStart *HookConfig `json:"post_start,omitempty"`
}

// HookConfig is one hook script: base64 content for COMMAND, a path for SCRIPT.
type HookConfig struct {
	Script string `json:"script,omitempty"`
	Type   string `json:"type,omitempty"`
}

// VolumeReq is the storage of a create request.
type VolumeReq struct {
	Category  string `json:"category"`
	Ownership string `json:"ownership"`
	Capacity  int    `json:"capacity,omitempty"`
	URI       string `json:"uri,omitempty"`
	ID        string `json:"id,omitempty"`
}

// LeaseReq is the lease of a create request, or the body of RenewLease.
type LeaseReq struct {
	Duration int64  `json:"duration,omitempty"` // ms
	Type     string `json:"type,omitempty"`     // timing | idle
}

// CreateRequest is the body of CreateNotebook (CreateNotebook.rst Table 2).
// Its json tags are the wire's; the client sends endpoints in its cloud's
// spelling itself (createBody). Plans do not encode requests: they carry
// the notebook the requests are derived from (package plan).
type CreateRequest struct {
	Name        string     `json:"name"`
	Description string     `json:"description,omitempty"`
	Duration    int64      `json:"duration,omitempty"` // ms; zero omits it
	Endpoints   []Endpoint `json:"endpoints,omitempty"`
	Feature     string     `json:"feature,omitempty"`
	Flavor      string     `json:"flavor"`
	ImageID     string     `json:"image_id"`
	PoolID      string     `json:"pool_id,omitempty"`
	Volume      VolumeReq  `json:"volume"`
	WorkspaceID string     `json:"workspace_id,omitempty"`
	Hooks       *Hooks     `json:"hooks,omitempty"`
	Lease       *LeaseReq  `json:"lease,omitempty"`
}

// UpdateRequest is the body of UpdateNotebook (PUT). Zero fields are omitted.
// Flavor, ImageID and Endpoints may only change while the notebook is
// STOPPED; StorageNewSize only while it is RUNNING, by at most
// MaxGrowthStep GB and not while the volume is RESIZING; Name, Description
// and Hooks in either (real-service.md rule 12). A field the status does
// not allow is refused with ModelArts.6347.
type UpdateRequest struct {
	Name           string     `json:"name,omitempty"`
	Description    *string    `json:"description,omitempty"` // nil leaves it; a pointer to "" clears it
	Flavor         string     `json:"flavor,omitempty"`
	ImageID        string     `json:"image_id,omitempty"`
	Endpoints      []Endpoint `json:"endpoints,omitempty"`        // nil leaves them
	StorageNewSize int        `json:"storage_new_size,omitempty"` // GB, grow only; zero omits it
	Hooks          *Hooks     `json:"hooks,omitempty"`
}

// MaxGrowthStep is the largest storage growth one update may ask for, in
// GB (real-service.md rule 12, from the OTC user manual on EVS expansion).
const MaxGrowthStep = 100

// ListOptions filters ListNotebooks. Empty fields are not sent.
type ListOptions struct {
	Name   string // fuzzy match on the server; compare exactly yourself
	Status string
	// Feature selects NOTEBOOK or DEFAULT notebooks. The service's filter
	// defaults to NOTEBOOK (rule 2), so List, given no Feature, lists both
	// kinds; ListPage sends none and gets the service's default.
	Feature     string
	WorkspaceID string
	PoolID      string
	// SortDir is ASC or DESC (rule 3; empty: the service's default, DESC).
	// The sort key is the service's default (create_at, not documented):
	// nothing may depend on the order, but a poll that reads ASC while
	// notebooks are created finds the older ones where they were.
	SortDir string
}

// Flavor is one entry of ListFlavors.
type Flavor struct {
	ID          string `json:"id"`
	Name        string `json:"name,omitempty"`
	Arch        string `json:"arch,omitempty"`
	Category    string `json:"category,omitempty"` // CPU, GPU, ASCEND
	Feature     string `json:"feature,omitempty"`
	Free        bool   `json:"free"`
	SoldOut     bool   `json:"sold_out"`
	Description string `json:"description,omitempty"`
}
