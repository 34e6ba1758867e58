package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/plan"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

// cloudFlags are the connection flags of every command that talks to the cloud.
type cloudFlags struct {
	caCert        string
	allowInsecure bool
}

func (f *cloudFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.caCert, "ca-cert", "", "PEM file of extra CA certificates to trust (TLS verification stays on)")
	cmd.Flags().BoolVar(&f.allowInsecure, "allow-insecure-endpoint", false, "allow a plain http:// endpoint that is not on loopback")
}

// newClient builds an API client for target from the environment and
// flags; tune adjusts the configuration before the client is made.
func (e *env) newClient(t spec.Target, f cloudFlags, tune ...func(*modelarts.Config)) (*modelarts.Client, modelarts.Config, error) {
	cfg, err := modelarts.ConfigFromEnv(e.getenv, modelarts.Overrides{
		Cloud:     modelarts.Cloud(t.Cloud),
		Region:    t.Region,
		Endpoint:  t.Endpoint,
		ProjectID: t.ProjectID,
	})
	if err != nil {
		return nil, cfg, err
	}
	cfg.UserAgent = "nbfleet/" + version()
	cfg.CACertFile = f.caCert
	cfg.AllowInsecureEndpoint = f.allowInsecure
	for _, t := range tune {
		t(&cfg)
	}
	c, err := modelarts.New(cfg)
	if err != nil {
		return nil, cfg, err
	}
	return c, cfg, nil
}

// refresh lists the live notebooks of every workspace the fleet uses, with
// paginated list calls (never one GET per notebook). A DELETED notebook,
// which the service still lists for a while after a delete, is gone: no
// command sees it.
func refresh(ctx context.Context, c *modelarts.Client, wss []string) ([]modelarts.Notebook, error) {
	var live []modelarts.Notebook
	for _, ws := range wss {
		nbs, err := c.List(ctx, modelarts.ListOptions{WorkspaceID: ws})
		if err != nil {
			return nil, fmt.Errorf("refresh workspace %s: %w", ws, err)
		}
		for _, nb := range nbs {
			if nb.Status != modelarts.StatusDeleted {
				live = append(live, nb)
			}
		}
	}
	return live, nil
}

// snapshot is a fleet file and the live notebooks of its workspaces.
type snapshot struct {
	fleet  *spec.Fleet
	client *modelarts.Client
	cfg    modelarts.Config
	live   []modelarts.Notebook
}

// readFleet loads a fleet file, connects to its target and lists the live
// notebooks of the workspaces it uses.
func (e *env) readFleet(ctx context.Context, path string, cf cloudFlags) (*snapshot, error) {
	fleet, err := loadFleet(path)
	if err != nil {
		return nil, err
	}
	client, cfg, err := e.newClient(fleet.Target, cf)
	if err != nil {
		return nil, err
	}
	live, err := refresh(ctx, client, plan.Workspaces(fleet))
	if err != nil {
		return nil, err
	}
	return &snapshot{fleet: fleet, client: client, cfg: cfg, live: live}, nil
}

// loadFleet loads a fleet file; errors are already positioned by spec.
func loadFleet(path string) (*spec.Fleet, error) {
	f, err := spec.Load(path)
	if err != nil {
		return nil, withHint(err, "fix the file and run 'nbfleet validate %s'", path)
	}
	return f, nil
}

// defaultLockPath is the lock of one fleet in one project: two runs on this
// machine against the same fleet and project never overlap.
func defaultLockPath(fleet, endpoint, project string) string {
	return lockPathIn(os.TempDir(), fleet, endpoint, project)
}

// lockPathIn is defaultLockPath under the temporary directory tmp.
func lockPathIn(tmp, fleet, endpoint, project string) string {
	sum := sha256.Sum256([]byte(endpoint + "\x00" + project))
	dir := filepath.Join(tmp, "nbfleet-locks")
	return filepath.Join(dir, fmt.Sprintf("%s-%s.lock", fleet, hex.EncodeToString(sum[:6])))
}

// warnFlavors lists the region's flavors once when the plan creates or
// changes flavors, and warns about those that are sold out or not offered:
// better to know before 300 creates fail one by one.
func (e *env) warnFlavors(ctx context.Context, c *modelarts.Client, p *plan.Plan) {
	needed := false
	for i := range p.Changes {
		for _, s := range p.Changes[i].Steps {
			needed = needed || (s.Create != nil && s.Create.Flavor != "") || (s.Update != nil && s.Update.Flavor != "")
		}
	}
	if !needed {
		return
	}
	flavors, err := c.ListFlavors(ctx)
	if err != nil {
		e.warnf("could not check the flavors: %v", err)
		return
	}
	for _, w := range p.FlavorWarnings(flavors) {
		e.warnf("%s", w)
	}
}
