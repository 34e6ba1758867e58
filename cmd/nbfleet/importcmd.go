package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/plan"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

type importOptions struct {
	fleet   string
	match   []string
	exclude []string
	target  spec.Target
	cloud   cloudFlags
}

func newImportCmd(e *env) *cobra.Command {
	var o importOptions
	cmd := &cobra.Command{
		Use:   "import [--fleet NAME] [--match GLOB]...",
		Short: "Write a fleet file for notebooks that already exist",
		Long: `import reads the notebooks that exist in the target project and writes a fleet
file for them to stdout (nbfleet import --fleet ml101 --match 'ml101-*' > fleet.yaml).
The next apply adopts them: it adds the fleet's ownership marker and changes nothing
else. Notebooks owned by another fleet are left out.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runImport(cmd.Context(), e, o)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.fleet, "fleet", "", "the new fleet's name (it scopes ownership; default from --match, e.g. ml101 for 'ml101-*')")
	fl.StringArrayVar(&o.match, "match", nil, "import notebooks whose name matches `GLOB` (repeatable; default all)")
	fl.StringArrayVar(&o.exclude, "exclude", nil, "leave out notebooks whose name matches `GLOB` (repeatable)")
	fl.StringVar(&o.target.Cloud, "cloud", "", "huaweicloud or otc (default huaweicloud)")
	fl.StringVar(&o.target.Region, "region", "", "region, e.g. eu-de (default from the environment)")
	fl.StringVar(&o.target.Endpoint, "endpoint", "", "ModelArts endpoint URL (default derived from the region)")
	fl.StringVar(&o.target.ProjectID, "project-id", "", "project id (default from the environment)")
	fl.StringVar(&o.target.WorkspaceID, "workspace-id", "", "workspace to import from (default 0)")
	o.cloud.register(cmd)
	return cmd
}

// Fleet file shapes for output, in the order a person reads them.
type (
	importFleet struct {
		Version   int              `yaml:"version"`
		Fleet     string           `yaml:"fleet"`
		Target    importTarget     `yaml:"target,omitempty"`
		Defaults  *importNotebook  `yaml:"defaults,omitempty"`
		Notebooks []importNotebook `yaml:"notebooks"`
	}
	importTarget struct {
		Cloud       string `yaml:"cloud,omitempty"`
		Region      string `yaml:"region,omitempty"`
		ProjectID   string `yaml:"project_id,omitempty"`
		WorkspaceID string `yaml:"workspace_id,omitempty"`
	}
	importNotebook struct {
		Name        string           `yaml:"name,omitempty"`
		Description string           `yaml:"description,omitempty"`
		Flavor      string           `yaml:"flavor,omitempty"`
		ImageID     string           `yaml:"image_id,omitempty"`
		Feature     string           `yaml:"feature,omitempty"`
		PoolID      string           `yaml:"pool_id,omitempty"`
		Volume      *importVolume    `yaml:"volume,omitempty"`
		Endpoints   []importEndpoint `yaml:"endpoints,omitempty"`
		State       string           `yaml:"state,omitempty"`
	}
	importVolume struct {
		Category  string `yaml:"category,omitempty"`
		Ownership string `yaml:"ownership,omitempty"`
		Capacity  int    `yaml:"capacity,omitempty"`
		URI       string `yaml:"uri,omitempty"`
		ID        string `yaml:"id,omitempty"`
	}
	importEndpoint struct {
		DevService       string   `yaml:"dev_service,omitempty"`
		SSHKeys          []string `yaml:"ssh_keys,omitempty"`
		AllowedAccessIPs []string `yaml:"allowed_access_ips,omitempty"`
	}
)

func runImport(ctx context.Context, e *env, o importOptions) error {
	sel, err := (&selectFlags{targets: o.match, excludes: o.exclude}).options()
	if err != nil {
		return err
	}
	if o.fleet == "" {
		o.fleet = fleetNameFor(o.match)
		e.warnf("no --fleet given: the fleet is named %q; change it in the file before the first apply if you want another (it scopes ownership)", o.fleet)
	}
	ctx, stop := e.cancelOnInterrupt(ctx)
	defer stop()
	client, cfg, err := e.newClient(o.target, o.cloud)
	if err != nil {
		return err
	}
	ws := o.target.WorkspaceID
	if ws == "" {
		ws = "0"
	}
	live, err := refresh(ctx, client, []string{ws})
	if err != nil {
		return err
	}
	var picked []modelarts.Notebook
	for _, nb := range live {
		if !sel.Selects(nb.Name) {
			continue
		}
		if owner, ok := plan.Owner(nb.Description); ok && owner != o.fleet {
			e.warnf("%s (%s) belongs to fleet %q: left out", nb.Name, nb.ID, owner)
			continue
		}
		picked = append(picked, nb)
	}
	if len(picked) == 0 {
		return withHint(errors.New("no notebook matches"), "check --match and the target project (%s)", cfg.ProjectID)
	}
	sort.Slice(picked, func(i, j int) bool { return picked[i].Name < picked[j].Name })
	seen := map[string]bool{}
	for _, nb := range picked {
		if seen[nb.Name] {
			return fmt.Errorf("two notebooks are named %q: a fleet needs unique names; rename one or leave it out with --exclude", nb.Name)
		}
		seen[nb.Name] = true
	}
	f := importFleet{
		Version: 1,
		Fleet:   o.fleet,
		Target:  importTarget{Cloud: o.target.Cloud, Region: cfg.Region, WorkspaceID: o.target.WorkspaceID},
	}
	for _, nb := range picked {
		f.Notebooks = append(f.Notebooks, fromLive(nb))
	}
	f.Defaults = hoistDefaults(f.Notebooks)
	return writeImport(e.stdout, &f, len(picked))
}

// fleetNameFor derives a fleet name from the first --match glob: its
// literal prefix without trailing separators ("ml101-*" → "ml101"), or
// "imported".
func fleetNameFor(globs []string) string {
	if len(globs) > 0 {
		prefix := globs[0]
		if i := strings.IndexAny(prefix, "*?[\\"); i >= 0 {
			prefix = prefix[:i]
		}
		prefix = strings.TrimRight(prefix, "-_.")
		if fleetName.MatchString(prefix) {
			return prefix
		}
	}
	return "imported"
}

// fleetName is the schema's pattern of a fleet name.
var fleetName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

func fromLive(nb modelarts.Notebook) importNotebook {
	out := importNotebook{
		Name:        nb.Name,
		Description: plan.StripMarker(nb.Description),
		Flavor:      nb.Flavor,
	}
	if nb.Image != nil {
		out.ImageID = nb.Image.ID
	}
	if nb.Feature != "" && nb.Feature != "NOTEBOOK" {
		out.Feature = nb.Feature
	}
	if nb.Pool != nil {
		out.PoolID = nb.Pool.ID
	}
	if v := nb.Volume; v != nil {
		out.Volume = &importVolume{Category: v.Category, Ownership: v.Ownership, Capacity: v.Capacity, URI: v.URI, ID: v.ID}
	}
	for _, ep := range nb.Endpoints {
		if ep.Service != "SSH" {
			continue
		}
		out.Endpoints = append(out.Endpoints, importEndpoint{DevService: ep.Service, SSHKeys: ep.KeyPairNames, AllowedAccessIPs: ep.AllowedAccessIPs})
	}
	if nb.Status == modelarts.StatusStopped {
		out.State = "stopped"
	}
	return out
}

// hoistDefaults moves flavor, image and volume into defaults when every
// notebook has the same, so the generated file reads like a hand-written one.
func hoistDefaults(nbs []importNotebook) *importNotebook {
	if len(nbs) < 2 {
		return nil
	}
	d := importNotebook{}
	same := func(get func(n *importNotebook) any) bool {
		first := get(&nbs[0])
		for i := range nbs[1:] {
			if !reflect.DeepEqual(get(&nbs[i+1]), first) {
				return false
			}
		}
		return true
	}
	if same(func(n *importNotebook) any { return n.Flavor }) {
		d.Flavor = nbs[0].Flavor
		for i := range nbs {
			nbs[i].Flavor = ""
		}
	}
	if same(func(n *importNotebook) any { return n.ImageID }) {
		d.ImageID = nbs[0].ImageID
		for i := range nbs {
			nbs[i].ImageID = ""
		}
	}
	if same(func(n *importNotebook) any { return n.Volume }) {
		d.Volume = nbs[0].Volume
		for i := range nbs {
			nbs[i].Volume = nil
		}
	}
	if reflect.DeepEqual(d, importNotebook{}) {
		return nil
	}
	return &d
}

func writeImport(w io.Writer, f *importFleet, n int) error {
	fmt.Fprintf(w, "# yaml-language-server: $schema=https://nbfleet.dev/schema/fleet.schema.json\n")
	fmt.Fprintf(w, "# Generated by nbfleet import from %d existing notebooks. The next apply adopts\n", n)
	fmt.Fprintf(w, "# them (adds the ownership marker [nbfleet:%s]) and changes nothing else.\n", f.Fleet)
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(f); err != nil {
		return err
	}
	return enc.Close()
}
