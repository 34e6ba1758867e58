package ops

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nbfleet/nbfleet/pkg/execute"
	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/plan"
	"github.com/nbfleet/nbfleet/pkg/report"
)

// flavorClient is a client whose flavor list shows the fleet's flavor
// sold out. With afterCreate, the list answers only once a create was
// sent (or, so that a wrong order fails instead of hanging, after a
// minute, with an error naming it).
type flavorClient struct {
	Client
	afterCreate bool
	log         *eventLog
	once        sync.Once
	created     chan struct{}
}

func (c *flavorClient) Create(ctx context.Context, req *modelarts.CreateRequest) (*modelarts.Notebook, error) {
	c.once.Do(func() { close(c.created) })
	return c.Client.Create(ctx, req)
}

func (c *flavorClient) ListFlavors(ctx context.Context) ([]modelarts.Flavor, error) {
	if c.afterCreate {
		select {
		case <-c.created:
		case <-time.After(time.Minute):
			return nil, errors.New("no create was sent while the flavors were read")
		}
	}
	c.log.add("flavors listed")
	return []modelarts.Flavor{{ID: "modelarts.vm.cpu.2u", SoldOut: true}, {ID: "modelarts.vm.cpu.8u"}}, nil
}

// eventLog records, in order, what the user is told and what the run's
// observer is shown.
type eventLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *eventLog) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, s)
}

func (l *eventLog) index(prefix string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.IndexFunc(l.lines, func(s string) bool { return strings.HasPrefix(s, prefix) })
}

func (l *eventLog) Warnf(format string, args ...any) {
	l.add("warning: " + fmt.Sprintf(format, args...))
}
func (l *eventLog) Infof(format string, args ...any) { l.add(fmt.Sprintf(format, args...)) }
func (l *eventLog) Planned(*plan.Plan)               { l.add("event planned") }
func (l *eventLog) Started(*plan.Change)             { l.add("event started") }
func (l *eventLog) Progress(execute.Event)           { l.add("event progress") }
func (l *eventLog) Finished(report.Entry)            { l.add("event finished") }
func (l *eventLog) Summary(*report.Report)           { l.add("event summary") }

// TestFlavorCheckAlongsideCreates: with nobody to ask, the flavor check
// (it only warns) does not hold the first create back; its warning still
// comes before any progress. When a review asks for approval, or a
// notebook's list of flavors chooses by it, it comes first.
func TestFlavorCheckAlongsideCreates(t *testing.T) {
	tests := []struct {
		name        string
		autoApprove bool
		fallbacks   bool
	}{
		{"auto-approved: alongside the creates", true, false},
		{"asked: before the question", false, false},
		{"a list of flavors: before the creates", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newEmulator(t)
			dir := t.TempDir()
			fleet := writeFleet(t, dir, "ml101", 3)
			if tt.fallbacks {
				fleet = writeFile(t, dir, "fb.yaml", `version: 1
fleet: ml101
target: {region: eu-de}
defaults:
  flavor: [modelarts.vm.cpu.2u, modelarts.vm.cpu.8u]
  image_id: e1a07296-22a8-4f05-8bc8-e936c8e54090
  volume: {category: EVS, ownership: MANAGED, capacity: 50}
notebooks:
  - for_each: {count: 3}
    name: "ml101-{{ .index }}"
`)
			}
			e, _ := testEnv(srv, "", t.TempDir())
			log := &eventLog{}
			e.UI = log
			e.NewClient = func(cfg modelarts.Config) (Client, error) {
				c, err := modelarts.New(cfg)
				return &flavorClient{Client: c, afterCreate: tt.autoApprove && !tt.fallbacks, log: log, created: make(chan struct{})}, err
			}
			req := applyReq(fleet, filepath.Join(dir, "r"))
			req.AutoApprove = tt.autoApprove
			req.Execute.Observer = log
			req.Review = func(ctx context.Context, p *plan.Plan, approve bool) error {
				log.add("review")
				return nil
			}
			_, err := Apply(context.Background(), e, req)
			if err != nil {
				t.Fatal(err)
			}
			warn, review, first := log.index("warning: flavor modelarts.vm.cpu.2u is sold out"), log.index("review"), log.index("event")
			if warn < 0 || first < 0 || warn > first {
				t.Fatalf("the warning is not before the progress:\n%s", strings.Join(log.lines, "\n"))
			}
			if before := warn < review; before == tt.autoApprove && !tt.fallbacks {
				t.Errorf("flavor warning before the review %v, want %v:\n%s", before, !before, strings.Join(log.lines, "\n"))
			}
			if tt.fallbacks {
				for _, nb := range srv.Notebooks("") {
					if nb.Flavor != "modelarts.vm.cpu.8u" {
						t.Errorf("%s got %s, want the list's second flavor", nb.Name, nb.Flavor)
					}
				}
			}
		})
	}
}

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
