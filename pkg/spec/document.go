package spec

// Document is the expanded form of a fleet as `nbfleet expand` prints it:
// every notebook as the create call would receive it (description with the
// ownership marker, durations in milliseconds, hook scripts base64-encoded)
// plus nbfleet's own fields and the origin. It holds no secrets: a fleet
// file has none.
type Document struct {
	FormatVersion int           `json:"format_version" yaml:"format_version"`
	File          string        `json:"file" yaml:"file"`
	Fleet         string        `json:"fleet" yaml:"fleet"`
	Target        DocTarget     `json:"target" yaml:"target"`
	Notebooks     []DocNotebook `json:"notebooks" yaml:"notebooks"`
}

// DocumentFormatVersion is the format_version of Document.
const DocumentFormatVersion = 1

// DocTarget is Target in a Document.
type DocTarget struct {
	Cloud       string `json:"cloud" yaml:"cloud"`
	Region      string `json:"region,omitempty" yaml:"region,omitempty"`
	Endpoint    string `json:"endpoint,omitempty" yaml:"endpoint,omitempty"`
	ProjectID   string `json:"project_id,omitempty" yaml:"project_id,omitempty"`
	WorkspaceID string `json:"workspace_id,omitempty" yaml:"workspace_id,omitempty"`
}

// DocNotebook is one expanded notebook in a Document. Field names follow
// the create call; state, protect, ignore_changes and origin are nbfleet's.
type DocNotebook struct {
	Name          string        `json:"name" yaml:"name"`
	Description   string        `json:"description" yaml:"description"`
	Flavor        string        `json:"flavor" yaml:"flavor"`
	Flavors       []string      `json:"flavors,omitempty" yaml:"flavors,omitempty"` // when a list of more than one
	ImageID       string        `json:"image_id" yaml:"image_id"`
	Feature       string        `json:"feature" yaml:"feature"`
	PoolID        string        `json:"pool_id,omitempty" yaml:"pool_id,omitempty"`
	WorkspaceID   string        `json:"workspace_id" yaml:"workspace_id"`
	Volume        DocVolume     `json:"volume" yaml:"volume"`
	Endpoints     []DocEndpoint `json:"endpoints,omitempty" yaml:"endpoints,omitempty"`
	Hooks         *DocHooks     `json:"hooks,omitempty" yaml:"hooks,omitempty"`
	Lease         *DocLease     `json:"lease,omitempty" yaml:"lease,omitempty"`
	Duration      int64         `json:"duration,omitempty" yaml:"duration,omitempty"` // ms
	State         State         `json:"state" yaml:"state"`
	Protect       bool          `json:"protect,omitempty" yaml:"protect,omitempty"`
	IgnoreChanges []string      `json:"ignore_changes,omitempty" yaml:"ignore_changes,omitempty"`
	// RestartAfterLease and Labels are nbfleet's; labels are never sent.
	RestartAfterLease bool              `json:"restart_after_lease,omitempty" yaml:"restart_after_lease,omitempty"`
	Labels            map[string]string `json:"labels,omitempty" yaml:"labels,omitempty"`
	Origin            string            `json:"origin" yaml:"origin"`
}

// DocVolume is Volume in a Document.
type DocVolume struct {
	Category  string `json:"category" yaml:"category"`
	Ownership string `json:"ownership" yaml:"ownership"`
	Capacity  int    `json:"capacity,omitempty" yaml:"capacity,omitempty"`
	URI       string `json:"uri,omitempty" yaml:"uri,omitempty"`
	ID        string `json:"id,omitempty" yaml:"id,omitempty"`
}

// DocEndpoint is Endpoint in a Document (the fleet file's spelling).
type DocEndpoint struct {
	DevService       string   `json:"dev_service,omitempty" yaml:"dev_service,omitempty"`
	SSHKeys          []string `json:"ssh_keys,omitempty" yaml:"ssh_keys,omitempty"`
	AllowedAccessIPs []string `json:"allowed_access_ips,omitempty" yaml:"allowed_access_ips,omitempty"`
}

// DocHooks is Hooks in a Document (the create call's container_hooks).
type DocHooks struct {
	ContainerHooks struct {
		PreStart  *DocHook `json:"pre_start,omitempty" yaml:"pre_start,omitempty"`
		PostStart *DocHook `json:"post_start,omitempty" yaml:"post_start,omitempty"`
	} `json:"container_hooks" yaml:"container_hooks"`
}

// DocHook is Hook in a Document.
type DocHook struct {
	Script string `json:"script" yaml:"script"`
	Type   string `json:"type" yaml:"type"`
}

func docHook(h *Hook) *DocHook {
	if h == nil {
		return nil
	}
	return &DocHook{Script: h.Script, Type: h.Type}
}

// DocLease is Lease in a Document, the duration in milliseconds.
type DocLease struct {
	Duration int64  `json:"duration,omitempty" yaml:"duration,omitempty"`
	Type     string `json:"type,omitempty" yaml:"type,omitempty"`
}

// Document returns the expanded form of f. It is deterministic: the same
// fleet gives the same document.
func (f *Fleet) Document() *Document {
	d := &Document{
		FormatVersion: DocumentFormatVersion,
		File:          f.File,
		Fleet:         f.Name,
		Target:        DocTarget(f.Target),
		Notebooks:     make([]DocNotebook, 0, len(f.Notebooks)),
	}
	for _, nb := range f.Notebooks {
		dn := DocNotebook{
			Name:          nb.Name,
			Description:   MarkedDescription(f.Name, &nb),
			Flavor:        nb.Flavor,
			ImageID:       nb.ImageID,
			Feature:       nb.Feature,
			PoolID:        nb.PoolID,
			WorkspaceID:   nb.WorkspaceID,
			Volume:        DocVolume(nb.Volume),
			Duration:      nb.Duration.Milliseconds(),
			State:         nb.State,
			Protect:       nb.Protect,
			IgnoreChanges: nb.IgnoreChanges,
			Origin:        nb.Origin.String(),
		}
		if len(nb.Flavors) > 1 {
			dn.Flavors = nb.Flavors
		}
		dn.RestartAfterLease = nb.RestartAfterLease
		dn.Labels = nb.Labels
		for _, ep := range nb.Endpoints {
			dn.Endpoints = append(dn.Endpoints, DocEndpoint(ep))
		}
		if nb.Hooks != nil {
			dn.Hooks = &DocHooks{}
			dn.Hooks.ContainerHooks.PreStart = docHook(nb.Hooks.PreStart)
			dn.Hooks.ContainerHooks.PostStart = docHook(nb.Hooks.PostStart)
		}
		if nb.Lease != nil {
			dn.Lease = &DocLease{Duration: nb.Lease.Duration.Milliseconds(), Type: nb.Lease.Type}
		}
		d.Notebooks = append(d.Notebooks, dn)
	}
	return d
}
