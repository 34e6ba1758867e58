package emulator

// The emulator's own reading of the wire format (CreateNotebook.rst and
// modelarts-api.md §1). It deliberately does not import pkg/modelarts, so a
// misreading in the client is caught by the tests instead of shared.

// Notebook is one stored notebook instance: everything the API shows plus
// the emulator's bookkeeping (owner project, pending transition). It is what
// Notebooks and GET /_emulator/notebooks return and what StatePath holds.
// Hooks are stored although no answer ever carries them (the real service
// never returns hooks).
type Notebook struct {
	Project     string     `json:"project"`
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	Status      string     `json:"status"`
	FailReason  string     `json:"fail_reason,omitempty"`
	Feature     string     `json:"feature"`
	Flavor      string     `json:"flavor"`
	ImageID     string     `json:"image_id"`
	PoolID      string     `json:"pool_id,omitempty"`
	WorkspaceID string     `json:"workspace_id"`
	Volume      Volume     `json:"volume"`
	Endpoints   []Endpoint `json:"endpoints,omitempty"`
	Hooks       *Hooks     `json:"hooks,omitempty"`
	Lease       Lease      `json:"lease"`
	// Owner is the principal that created the notebook ("ak:AK" or
	// "user:NAME"; "" when authentication is off or for seeded notebooks).
	// GET /notebooks lists only the caller's; /notebooks/all lists all.
	Owner string `json:"owner,omitempty"`
	// StopAt is when the lease stops a RUNNING notebook (epoch ms, 0: never).
	StopAt   int64  `json:"stop_at,omitempty"`
	URL      string `json:"url,omitempty"`
	Token    string `json:"token"`
	Host     string `json:"host,omitempty"` // the server host the notebook URL derives from
	CreateAt int64  `json:"create_at"`
	UpdateAt int64  `json:"update_at"`
	// Pending is the transition under way, applied lazily when due.
	Pending *Transition `json:"pending,omitempty"`
	// Resize is the volume growth under way (volume.status RESIZING).
	Resize *Resize `json:"resize,omitempty"`
	// GoneAt is when a DELETED notebook disappears (epoch ms).
	GoneAt int64 `json:"gone_at,omitempty"`
	// StaleStatus is what reads report until StaleUntil (epoch ms): the
	// status before a stop or delete, when Options.StaleReads is set.
	StaleStatus string `json:"stale_status,omitempty"`
	StaleUntil  int64  `json:"stale_until,omitempty"`
	// Progress is the action_progress of the last create or start.
	Progress []JobProgress `json:"action_progress,omitempty"`
}

// Resize is a volume growth in progress: the capacity becomes To at Due
// (epoch ms); until then volume.status is RESIZING and the old capacity
// is shown.
type Resize struct {
	To  int   `json:"to"`
	Due int64 `json:"due"`
}

// Transition is a status change in progress: from Since to Due (epoch ms)
// the notebook shows its transitional status, then To (with FailReason when
// To is a failure). To "" means the notebook disappears (delete).
type Transition struct {
	Op         string `json:"op"` // create, start, stop, delete
	To         string `json:"to"`
	Since      int64  `json:"since"`
	Due        int64  `json:"due"`
	FailReason string `json:"fail_reason,omitempty"`
}

// Volume is the stored storage of a notebook (VolumeReq + VolumeRes; its
// status is Notebook.Resize's).
type Volume struct {
	Category  string `json:"category"`
	Ownership string `json:"ownership"`
	Capacity  int    `json:"capacity,omitempty"`
	URI       string `json:"uri,omitempty"`
	ID        string `json:"id,omitempty"`
	MountPath string `json:"mount_path,omitempty"`
}

// Endpoint is one access endpoint as stored; each cloud profile answers it
// in its own spelling.
type Endpoint struct {
	Service          string   `json:"service"`
	KeyPairNames     []string `json:"key_pair_names,omitempty"`
	AllowedAccessIPs []string `json:"allowed_access_ips,omitempty"`
}

// Hooks is CustomHooks.
type Hooks struct {
	ContainerHooks *ContainerHooks `json:"container_hooks,omitempty"`
}

// ContainerHooks is the pre- and post-start scripts.
type ContainerHooks struct {
	PreStart  *HookConfig `json:"pre_start,omitempty"`
	PostStart *HookConfig `json:"post_start,omitempty"`
}

// HookConfig is one script: Base64 content for COMMAND, a path for SCRIPT.
type HookConfig struct {
	Script string `json:"script,omitempty"`
	Type   string `json:"type,omitempty"`
}

// Lease is the auto-stop configuration as the API shows it.
type Lease struct {
	CreateAt int64  `json:"create_at"`
	Duration int64  `json:"duration"`
	Enable   bool   `json:"enable"`
	Type     string `json:"type"`
	UpdateAt int64  `json:"update_at"`
}

// JobProgress is one step of action_progress.
type JobProgress struct {
	NotebookID      string `json:"notebook_id"`
	Status          string `json:"status"`
	Step            int    `json:"step"`
	StepDescription string `json:"step_description"`
}

// --- requests ---

// endpointReq is EndpointsReq, the same on both clouds since the OTC
// docs of 2025-08-26 (rule 9): service, key_pair_names, allowed_access_ips.
// The obsolete dev_service and ssh_keys are not read: a lenient backend
// ignores them, so a client that sends them loses the setting.
type endpointReq struct {
	Service          *string  `json:"service"`
	KeyPairNames     []string `json:"key_pair_names"`
	AllowedAccessIPs []string `json:"allowed_access_ips"`
}

type volumeReq struct {
	Category  string `json:"category"`
	Ownership string `json:"ownership"`
	Capacity  *int   `json:"capacity"`
	URI       string `json:"uri"`
	ID        string `json:"id"`
}

type leaseReq struct {
	Duration *int64 `json:"duration"`
	Type     string `json:"type"`
}

type createReq struct {
	Name        *string       `json:"name"`
	Description *string       `json:"description"`
	Duration    *int64        `json:"duration"`
	Endpoints   []endpointReq `json:"endpoints"`
	Feature     *string       `json:"feature"`
	Flavor      *string       `json:"flavor"`
	ImageID     *string       `json:"image_id"`
	PoolID      string        `json:"pool_id"`
	Volume      *volumeReq    `json:"volume"`
	WorkspaceID string        `json:"workspace_id"`
	Hooks       *Hooks        `json:"hooks"`
	Lease       *leaseReq     `json:"lease"`
}

type updateReq struct {
	Name           *string       `json:"name"`
	Description    *string       `json:"description"`
	Flavor         *string       `json:"flavor"`
	ImageID        *string       `json:"image_id"`
	Endpoints      []endpointReq `json:"endpoints"`
	StorageNewSize *int          `json:"storage_new_size"`
	Hooks          *Hooks        `json:"hooks"`
}

// --- responses ---
//
// One set of types serves both cloud profiles: every field a profile does
// not answer is left empty and omitted (see respLocked).

// endpointRes is EndpointsRes: HWC dev_service, service, uri,
// key_pair_names (and allowed_access_ips in practice); OTC
// allowed_access_ips, dev_service, ssh_keys, service, uri.
type endpointRes struct {
	AllowedAccessIPs []string `json:"allowed_access_ips,omitempty"`
	DevService       string   `json:"dev_service,omitempty"`
	KeyPairNames     []string `json:"key_pair_names,omitempty"`
	SSHKeys          []string `json:"ssh_keys,omitempty"`
	Service          string   `json:"service,omitempty"`
	URI              string   `json:"uri,omitempty"`
}

// volumeRes is VolumeRes: HWC adds id and uri, OTC has neither.
type volumeRes struct {
	Capacity  int    `json:"capacity,omitempty"`
	Category  string `json:"category"`
	ID        string `json:"id,omitempty"`
	MountPath string `json:"mount_path,omitempty"`
	Ownership string `json:"ownership"`
	Status    string `json:"status,omitempty"`
	URI       string `json:"uri,omitempty"`
}

// jobProgressRes is JobProgress: OTC notebook_id, status, step,
// step_description; the HWC SDK status, step, description.
type jobProgressRes struct {
	Description     string `json:"description,omitempty"`
	NotebookID      string `json:"notebook_id,omitempty"`
	Status          string `json:"status"`
	Step            int    `json:"step"`
	StepDescription string `json:"step_description,omitempty"`
}

type poolRes struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// notebookResp is NotebookResp. It has no hooks: no answer of the real
// service carries them (rule 7).
type notebookResp struct {
	ActionProgress []jobProgressRes `json:"action_progress,omitempty"`
	CreateAt       int64            `json:"create_at"`
	Description    string           `json:"description"`
	Endpoints      []endpointRes    `json:"endpoints,omitempty"`
	FailReason     string           `json:"fail_reason,omitempty"`
	Feature        string           `json:"feature"`
	Flavor         string           `json:"flavor"`
	ID             string           `json:"id"`
	Image          Image            `json:"image"`
	Lease          Lease            `json:"lease"`
	Name           string           `json:"name"`
	Pool           *poolRes         `json:"pool,omitempty"`
	Status         string           `json:"status"`
	Token          string           `json:"token,omitempty"`
	UpdateAt       int64            `json:"update_at"`
	URL            string           `json:"url,omitempty"`
	Volume         volumeRes        `json:"volume"`
	WorkspaceID    string           `json:"workspace_id"`
}

type listResp struct {
	Current int            `json:"current"`
	Data    []notebookResp `json:"data"`
	Pages   int            `json:"pages"`
	Size    int            `json:"size"`
	Total   int            `json:"total"`
}

type errorBody struct {
	ErrorCode string `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
	RequestID string `json:"request_id,omitempty"`
}
