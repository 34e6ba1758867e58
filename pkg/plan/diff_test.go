package plan

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

func TestDiff(t *testing.T) {
	sshEP := []spec.Endpoint{{DevService: "SSH", SSHKeys: []string{"k1", "k2"}, AllowedAccessIPs: []string{"10.0.0.1", "10.0.0.2"}}}
	hooks := testHooks
	otherHooks := &spec.Hooks{PostStart: &spec.Hook{Script: "/other.sh", Type: "SCRIPT"}}
	tests := []struct {
		name string
		nbs  []spec.Notebook
		live []modelarts.Notebook
		opts Options
		want []string
	}{
		{"create", []spec.Notebook{nb("a")}, nil, Options{},
			[]string{"a create id= fields=[] steps=[create] want=RUNNING"}},
		{"create stopped", []spec.Notebook{nb("a", stopped)}, nil, Options{},
			[]string{"a create id= fields=[] steps=[create stop] want=STOPPED"}},
		{"no-op", []spec.Notebook{nb("a")}, []modelarts.Notebook{live("a", "i1")}, Options{},
			[]string{"a no-op id=i1 fields=[] steps=[] want=RUNNING"}},
		{"no-op stopped", []spec.Notebook{nb("a", stopped)}, []modelarts.Notebook{live("a", "i1", status("STOPPED"))}, Options{},
			[]string{"a no-op id=i1 fields=[] steps=[] want=STOPPED"}},

		// ownership
		{"adopt unmarked", []spec.Notebook{nb("a")}, []modelarts.Notebook{live("a", "i1", unmarked)}, Options{},
			[]string{"a adopt id=i1 fields=[marker] steps=[update] want=RUNNING"}},
		{"adopt with restricted change", []spec.Notebook{nb("a", func(n *spec.Notebook) { n.Flavor = "big" })},
			[]modelarts.Notebook{live("a", "i1", unmarked)}, Options{},
			[]string{"a adopt id=i1 fields=[flavor(stop) marker] steps=[update stop update start] want=RUNNING"}},
		// Issue 10: a squatted notebook with someone's SSH access is not
		// adopted silently.
		{"adopt with undeclared SSH access is a conflict", []spec.Notebook{nb("a")},
			[]modelarts.Notebook{live("a", "i1", unmarked, func(l *modelarts.Notebook) {
				l.Endpoints = []modelarts.Endpoint{{Service: "NOTEBOOK"}, {Service: "SSH", KeyPairNames: []string{"stranger"}}}
			})}, Options{},
			[]string{"a conflict id=i1 fields=[] steps=[] want=RUNNING"}},
		{"adopt with declared SSH replaces the keys", []spec.Notebook{nb("a", func(n *spec.Notebook) { n.Endpoints = sshEP })},
			[]modelarts.Notebook{live("a", "i1", unmarked, func(l *modelarts.Notebook) {
				l.Endpoints = []modelarts.Endpoint{{Service: "SSH", KeyPairNames: []string{"stranger"}, AllowedAccessIPs: []string{"0.0.0.0"}}}
			})}, Options{},
			[]string{"a adopt id=i1 fields=[endpoints(stop) marker] steps=[update stop update start] want=RUNNING"}},
		{"adopt with only a NOTEBOOK endpoint", []spec.Notebook{nb("a")},
			[]modelarts.Notebook{live("a", "i1", unmarked, func(l *modelarts.Notebook) {
				l.Endpoints = []modelarts.Endpoint{{Service: "NOTEBOOK"}}
			})}, Options{},
			[]string{"a adopt id=i1 fields=[marker] steps=[update] want=RUNNING"}},
		{"adopt that needs replace is a conflict", []spec.Notebook{nb("a", func(n *spec.Notebook) { n.Volume.Category = "SFS" })},
			[]modelarts.Notebook{live("a", "i1", unmarked)}, Options{},
			[]string{"a conflict id=i1 fields=[] steps=[] want=RUNNING"}},
		{"adopt of a failed notebook is a conflict", []spec.Notebook{nb("a")},
			[]modelarts.Notebook{live("a", "i1", unmarked, status("CREATE_FAILED"))}, Options{},
			[]string{"a conflict id=i1 fields=[] steps=[] want=RUNNING"}},
		{"forced replace of unmarked is a conflict", []spec.Notebook{nb("a")},
			[]modelarts.Notebook{live("a", "i1", unmarked)}, Options{Replace: []string{"a"}},
			[]string{"a conflict id=i1 fields=[] steps=[] want=RUNNING"}},
		{"another fleet's notebook", []spec.Notebook{nb("a")}, []modelarts.Notebook{live("a", "i1", ownedBy("other"))}, Options{},
			[]string{"a conflict id=i1 fields=[] steps=[] want=RUNNING"}},
		{"duplicate names", []spec.Notebook{nb("a")}, []modelarts.Notebook{live("a", "i2"), live("a", "i1", unmarked)}, Options{},
			[]string{"a conflict id=i1,i2 fields=[] steps=[] want=RUNNING"}},
		{"duplicate with a DELETING copy is not a conflict", []spec.Notebook{nb("a")},
			[]modelarts.Notebook{live("a", "i2"), live("a", "i1", status("DELETING"))}, Options{},
			[]string{"a no-op id=i2 fields=[] steps=[] want=RUNNING"}},
		{"prune owned undeclared", nil, []modelarts.Notebook{live("old", "i9")}, Options{},
			[]string{"old delete id=i9 fields=[] steps=[delete] want= destroys"}},
		{"prune every owned copy", nil, []modelarts.Notebook{live("old", "i9"), live("old", "i8")}, Options{},
			[]string{"old delete id=i8 fields=[] steps=[delete] want= destroys", "old delete id=i9 fields=[] steps=[delete] want= destroys"}},
		{"prune waits for a busy notebook", nil, []modelarts.Notebook{live("old", "i9", status("STARTING"))}, Options{},
			[]string{"old delete id=i9 fields=[] steps=[wait delete] want= destroys"}},
		{"prune skips a DELETING notebook", nil, []modelarts.Notebook{live("old", "i9", status("DELETING"))}, Options{}, []string{}},
		{"prune of a frozen notebook is a conflict", nil, []modelarts.Notebook{live("old", "i9", status("FROZEN"))}, Options{},
			[]string{"old conflict id=i9 fields=[] steps=[] want="}},
		{"unmarked undeclared untouched", nil, []modelarts.Notebook{live("x", "i1", unmarked)}, Options{}, []string{}},
		{"foreign undeclared untouched", nil, []modelarts.Notebook{live("x", "i1", ownedBy("other"))}, Options{}, []string{}},
		{"other workspace ignored", []spec.Notebook{nb("a")}, []modelarts.Notebook{
			live("a", "i1", func(l *modelarts.Notebook) { l.WorkspaceID = "ws2" }),
			live("old", "i2", func(l *modelarts.Notebook) { l.WorkspaceID = "ws2" })}, Options{},
			[]string{"a create id= fields=[] steps=[create] want=RUNNING"}},
		{"DELETED ignored", []spec.Notebook{nb("a")}, []modelarts.Notebook{live("a", "i1", status("DELETED"))}, Options{},
			[]string{"a create id= fields=[] steps=[create] want=RUNNING"}},

		// fields
		{"description in place", []spec.Notebook{nb("a", func(n *spec.Notebook) { n.Description = "new" })},
			[]modelarts.Notebook{live("a", "i1")}, Options{},
			[]string{"a update id=i1 fields=[description] steps=[update] want=RUNNING"}},
		{"empty description", []spec.Notebook{nb("a", func(n *spec.Notebook) { n.Description = "" })},
			[]modelarts.Notebook{live("a", "i1", func(l *modelarts.Notebook) { l.Description = spec.OwnerMarker(testFleetName) })}, Options{},
			[]string{"a no-op id=i1 fields=[] steps=[] want=RUNNING"}},
		{"flavor running→running", []spec.Notebook{nb("a", func(n *spec.Notebook) { n.Flavor = "big" })},
			[]modelarts.Notebook{live("a", "i1")}, Options{},
			[]string{"a update id=i1 fields=[flavor(stop)] steps=[stop update start] want=RUNNING"}},
		{"flavor running→stopped", []spec.Notebook{nb("a", stopped, func(n *spec.Notebook) { n.Flavor = "big" })},
			[]modelarts.Notebook{live("a", "i1")}, Options{},
			[]string{"a update id=i1 fields=[flavor(stop)] steps=[stop update] want=STOPPED"}},
		{"flavor stopped→running", []spec.Notebook{nb("a", func(n *spec.Notebook) { n.Flavor = "big" })},
			[]modelarts.Notebook{live("a", "i1", status("STOPPED"))}, Options{},
			[]string{"a update id=i1 fields=[flavor(stop)] steps=[update start] want=RUNNING"}},
		{"flavor stopped→stopped", []spec.Notebook{nb("a", stopped, func(n *spec.Notebook) { n.Flavor = "big" })},
			[]modelarts.Notebook{live("a", "i1", status("STOPPED"))}, Options{},
			[]string{"a update id=i1 fields=[flavor(stop)] steps=[update] want=STOPPED"}},
		{"restricted and free in one PUT", []spec.Notebook{nb("a", func(n *spec.Notebook) { n.Flavor = "big"; n.Description = "x" })},
			[]modelarts.Notebook{live("a", "i1")}, Options{},
			[]string{"a update id=i1 fields=[description flavor(stop)] steps=[stop update start] want=RUNNING"}},
		{"image", []spec.Notebook{nb("a", func(n *spec.Notebook) { n.ImageID = "img-2" })},
			[]modelarts.Notebook{live("a", "i1")}, Options{},
			[]string{"a update id=i1 fields=[image_id(stop)] steps=[stop update start] want=RUNNING"}},
		{"endpoints equal in another order", []spec.Notebook{nb("a", func(n *spec.Notebook) { n.Endpoints = sshEP })},
			[]modelarts.Notebook{live("a", "i1", func(l *modelarts.Notebook) {
				l.Endpoints = []modelarts.Endpoint{{Service: "SSH", KeyPairNames: []string{"k2", "k1"}, AllowedAccessIPs: []string{"10.0.0.2", "10.0.0.1"}, URI: "ssh://x"}}
			})}, Options{},
			[]string{"a no-op id=i1 fields=[] steps=[] want=RUNNING"}},
		{"endpoints differ", []spec.Notebook{nb("a", func(n *spec.Notebook) { n.Endpoints = sshEP })},
			[]modelarts.Notebook{live("a", "i1", func(l *modelarts.Notebook) {
				l.Endpoints = []modelarts.Endpoint{{Service: "SSH", KeyPairNames: []string{"k1"}}}
			})}, Options{},
			[]string{"a update id=i1 fields=[endpoints(stop)] steps=[stop update start] want=RUNNING"}},
		{"an extra NOTEBOOK entry is not drift", []spec.Notebook{nb("a", func(n *spec.Notebook) { n.Endpoints = sshEP })},
			[]modelarts.Notebook{live("a", "i1", func(l *modelarts.Notebook) {
				l.Endpoints = []modelarts.Endpoint{{Service: "NOTEBOOK", URI: "https://x"}, {Service: "SSH", KeyPairNames: []string{"k1", "k2"}, AllowedAccessIPs: []string{"10.0.0.1", "10.0.0.2"}}}
			})}, Options{},
			[]string{"a no-op id=i1 fields=[] steps=[] want=RUNNING"}},
		{"endpoints not declared: not compared", []spec.Notebook{nb("a")},
			[]modelarts.Notebook{live("a", "i1", func(l *modelarts.Notebook) {
				l.Endpoints = []modelarts.Endpoint{{Service: "NOTEBOOK"}}
			})}, Options{},
			[]string{"a no-op id=i1 fields=[] steps=[] want=RUNNING"}},
		// Hooks are never returned (rule 7): the marker's digest says what
		// nbfleet last set.
		{"hooks declared, marker records none", []spec.Notebook{nb("a", func(n *spec.Notebook) { n.Hooks = hooks })},
			[]modelarts.Notebook{live("a", "i1")}, Options{},
			[]string{"a update id=i1 fields=[hooks] steps=[update] want=RUNNING"}},
		{"hooks differ from the recorded digest", []spec.Notebook{nb("a", func(n *spec.Notebook) { n.Hooks = hooks })},
			[]modelarts.Notebook{live("a", "i1", withHooks(otherHooks))}, Options{},
			[]string{"a update id=i1 fields=[hooks] steps=[update] want=RUNNING"}},
		{"hooks equal to the recorded digest", []spec.Notebook{nb("a", func(n *spec.Notebook) { n.Hooks = hooks })},
			[]modelarts.Notebook{live("a", "i1", withHooks(hooks), func(l *modelarts.Notebook) { l.Hooks = &modelarts.Hooks{} })}, Options{},
			[]string{"a no-op id=i1 fields=[] steps=[] want=RUNNING"}},
		{"hooks removed", []spec.Notebook{nb("a", stopped)},
			[]modelarts.Notebook{live("a", "i1", status("STOPPED"), withHooks(hooks))}, Options{},
			[]string{"a update id=i1 fields=[hooks] steps=[update] want=STOPPED"}},
		{"capacity grows in place", []spec.Notebook{nb("a", func(n *spec.Notebook) { n.Volume.Capacity = 100 })},
			[]modelarts.Notebook{live("a", "i1")}, Options{},
			[]string{"a update id=i1 fields=[volume.capacity(running)] steps=[update] want=RUNNING"}},
		// Rule 12: growth only while RUNNING, ≤ 100 GB per request, and
		// never in the PUT of a stop-only change.
		{"capacity 50 to 330 in steps", []spec.Notebook{nb("a", func(n *spec.Notebook) { n.Volume.Capacity = 330 })},
			[]modelarts.Notebook{live("a", "i1")}, Options{},
			[]string{"a update id=i1 fields=[volume.capacity(running)] steps=[update update update] want=RUNNING"}},
		{"growth and description while running", []spec.Notebook{nb("a", func(n *spec.Notebook) { n.Volume.Capacity = 150; n.Description = "x" })},
			[]modelarts.Notebook{live("a", "i1")}, Options{},
			[]string{"a update id=i1 fields=[description volume.capacity(running)] steps=[update update] want=RUNNING"}},
		{"growth and flavor while running", []spec.Notebook{nb("a", func(n *spec.Notebook) { n.Volume.Capacity = 150; n.Flavor = "big" })},
			[]modelarts.Notebook{live("a", "i1")}, Options{},
			[]string{"a update id=i1 fields=[flavor(stop) volume.capacity(running)] steps=[update stop update start] want=RUNNING"}},
		{"growth of a stopped notebook declared stopped", []spec.Notebook{nb("a", stopped, func(n *spec.Notebook) { n.Volume.Capacity = 150 })},
			[]modelarts.Notebook{live("a", "i1", status("STOPPED"))}, Options{},
			[]string{"a update id=i1 fields=[volume.capacity(running)] steps=[start update stop] want=STOPPED"}},
		{"growth and flavor of a stopped notebook declared stopped", []spec.Notebook{nb("a", stopped, func(n *spec.Notebook) { n.Volume.Capacity = 150; n.Flavor = "big" })},
			[]modelarts.Notebook{live("a", "i1", status("STOPPED"))}, Options{},
			[]string{"a update id=i1 fields=[flavor(stop) volume.capacity(running)] steps=[update start update stop] want=STOPPED"}},
		{"growth of a stopped notebook declared running", []spec.Notebook{nb("a", func(n *spec.Notebook) { n.Volume.Capacity = 150 })},
			[]modelarts.Notebook{live("a", "i1", status("STOPPED"))}, Options{},
			[]string{"a update id=i1 fields=[volume.capacity(running)] steps=[start update] want=RUNNING"}},
		{"growth of a running notebook declared stopped", []spec.Notebook{nb("a", stopped, func(n *spec.Notebook) { n.Volume.Capacity = 150 })},
			[]modelarts.Notebook{live("a", "i1")}, Options{},
			[]string{"a update id=i1 fields=[volume.capacity(running)] steps=[update stop] want=STOPPED"}},
		{"RESIZING, nothing else to do", []spec.Notebook{nb("a")},
			[]modelarts.Notebook{live("a", "i1", resizingTo(50))}, Options{},
			[]string{"a no-op id=i1 fields=[] steps=[wait] want=RUNNING"}},
		{"RESIZING waits first", []spec.Notebook{nb("a", func(n *spec.Notebook) { n.Description = "x" })},
			[]modelarts.Notebook{live("a", "i1", resizingTo(50))}, Options{},
			[]string{"a update id=i1 fields=[description] steps=[wait update] want=RUNNING"}},
		{"capacity of an EFS volume is not the API's to grow", []spec.Notebook{nb("a", func(n *spec.Notebook) {
			n.Volume = spec.Volume{Category: "EFS", Ownership: "MANAGED", Capacity: 100}
		})}, []modelarts.Notebook{live("a", "i1", func(l *modelarts.Notebook) { l.Volume.Category = "EFS" })}, Options{},
			[]string{"a no-op id=i1 fields=[] steps=[] want=RUNNING"}},
		{"capacity shrink replaces", []spec.Notebook{nb("a", func(n *spec.Notebook) { n.Volume.Capacity = 10 })},
			[]modelarts.Notebook{live("a", "i1")}, Options{},
			[]string{"a replace id=i1 fields=[volume.capacity(replace)] steps=[delete create] want=RUNNING destroys"}},
		{"capacity missing live: not compared", []spec.Notebook{nb("a", func(n *spec.Notebook) { n.Volume.Capacity = 10 })},
			[]modelarts.Notebook{live("a", "i1", func(l *modelarts.Notebook) { l.Volume.Capacity = 0 })}, Options{},
			[]string{"a no-op id=i1 fields=[] steps=[] want=RUNNING"}},
		{"volume category case-insensitive", []spec.Notebook{nb("a")},
			[]modelarts.Notebook{live("a", "i1", func(l *modelarts.Notebook) { l.Volume.Category = "evs"; l.Volume.Ownership = "managed" })}, Options{},
			[]string{"a no-op id=i1 fields=[] steps=[] want=RUNNING"}},
		{"volume category replaces", []spec.Notebook{nb("a", func(n *spec.Notebook) { n.Volume.Category = "SFS" })},
			[]modelarts.Notebook{live("a", "i1")}, Options{},
			[]string{"a replace id=i1 fields=[volume.category(replace)] steps=[delete create] want=RUNNING destroys"}},
		{"volume ownership replaces", []spec.Notebook{nb("a", func(n *spec.Notebook) {
			n.Volume = spec.Volume{Category: "EFS", Ownership: "DEDICATED", URI: "u", ID: "v"}
		})}, []modelarts.Notebook{live("a", "i1")}, Options{},
			[]string{"a replace id=i1 fields=[volume.category(replace) volume.ownership(replace)] steps=[delete create] want=RUNNING destroys"}},
		{"volume uri and id replace when the cloud reports them", []spec.Notebook{nb("a", func(n *spec.Notebook) {
			n.Volume = spec.Volume{Category: "EFS", Ownership: "DEDICATED", URI: "u", ID: "v"}
		})}, []modelarts.Notebook{live("a", "i1", dedicatedEFS("u2", "v2"))}, Options{},
			[]string{"a replace id=i1 fields=[volume.uri(replace) volume.id(replace)] steps=[delete create] want=RUNNING destroys"}},
		// Rule 10: OTC volumes carry no uri or id; unknown is not different.
		{"volume uri and id not reported (OTC)", []spec.Notebook{nb("a", func(n *spec.Notebook) {
			n.Volume = spec.Volume{Category: "EFS", Ownership: "DEDICATED", URI: "u", ID: "v"}
		})}, []modelarts.Notebook{live("a", "i1", dedicatedEFS("", ""))}, Options{},
			[]string{"a no-op id=i1 fields=[] steps=[] want=RUNNING"}},
		{"pool workspace feature replace", []spec.Notebook{nb("a", func(n *spec.Notebook) {
			n.PoolID, n.WorkspaceID, n.Feature = "pool-1", "ws2", "DEFAULT"
		})}, []modelarts.Notebook{live("a", "i1")}, Options{},
			[]string{"a replace id=i1 fields=[pool_id(replace) workspace_id(replace) feature(replace)] steps=[delete create] want=RUNNING destroys"}},
		{"replace to stopped", []spec.Notebook{nb("a", stopped, func(n *spec.Notebook) { n.PoolID = "pool-1" })},
			[]modelarts.Notebook{live("a", "i1")}, Options{},
			[]string{"a replace id=i1 fields=[pool_id(replace)] steps=[delete create stop] want=STOPPED destroys"}},
		{"ignore_changes", []spec.Notebook{nb("a", func(n *spec.Notebook) {
			n.Flavor, n.Description, n.Volume.Category = "big", "x", "SFS"
			n.IgnoreChanges = []string{"flavor", "description", "volume"}
		})}, []modelarts.Notebook{live("a", "i1")}, Options{},
			[]string{"a no-op id=i1 fields=[] steps=[] want=RUNNING"}},
		{"lease not compared", []spec.Notebook{nb("a")},
			[]modelarts.Notebook{live("a", "i1", func(l *modelarts.Notebook) { l.Lease.Duration = 1 })}, Options{},
			[]string{"a no-op id=i1 fields=[] steps=[] want=RUNNING"}},

		// state
		{"start", []spec.Notebook{nb("a")}, []modelarts.Notebook{live("a", "i1", status("STOPPED"))}, Options{},
			[]string{"a start id=i1 fields=[] steps=[start] want=RUNNING"}},
		{"stop", []spec.Notebook{nb("a", stopped)}, []modelarts.Notebook{live("a", "i1")}, Options{},
			[]string{"a stop id=i1 fields=[] steps=[stop] want=STOPPED"}},
		{"free update then start", []spec.Notebook{nb("a", func(n *spec.Notebook) { n.Description = "x" })},
			[]modelarts.Notebook{live("a", "i1", status("STOPPED"))}, Options{},
			[]string{"a update id=i1 fields=[description] steps=[update start] want=RUNNING"}},
		{"free update then stop", []spec.Notebook{nb("a", stopped, func(n *spec.Notebook) { n.Description = "x" })},
			[]modelarts.Notebook{live("a", "i1")}, Options{},
			[]string{"a update id=i1 fields=[description] steps=[update stop] want=STOPPED"}},

		// live statuses
		{"CREATE_FAILED replaces", []spec.Notebook{nb("a")}, []modelarts.Notebook{live("a", "i1", status("CREATE_FAILED"))}, Options{},
			[]string{"a replace id=i1 fields=[] steps=[delete create] want=RUNNING destroys"}},
		{"ERROR replaces", []spec.Notebook{nb("a")}, []modelarts.Notebook{live("a", "i1", status("ERROR"))}, Options{},
			[]string{"a replace id=i1 fields=[] steps=[delete create] want=RUNNING destroys"}},
		// Issue 14: a transient START_FAILED must not cost a student the
		// storage: start again, replace only when asked.
		{"START_FAILED starts again", []spec.Notebook{nb("a")}, []modelarts.Notebook{live("a", "i1", status("START_FAILED"))}, Options{},
			[]string{"a start id=i1 fields=[] steps=[start] want=RUNNING"}},
		{"START_FAILED declared stopped", []spec.Notebook{nb("a", stopped)}, []modelarts.Notebook{live("a", "i1", status("START_FAILED"))}, Options{},
			[]string{"a no-op id=i1 fields=[] steps=[] want=STOPPED"}},
		{"START_FAILED updated while stopped, then started", []spec.Notebook{nb("a", func(n *spec.Notebook) { n.Flavor = "big" })},
			[]modelarts.Notebook{live("a", "i1", status("START_FAILED"))}, Options{},
			[]string{"a update id=i1 fields=[flavor(stop)] steps=[update start] want=RUNNING"}},
		{"START_FAILED replaced with --replace", []spec.Notebook{nb("a")}, []modelarts.Notebook{live("a", "i1", status("START_FAILED"))},
			Options{Replace: []string{"a"}},
			[]string{"a replace id=i1 fields=[] steps=[delete create] want=RUNNING destroys"}},

		// leases (issue 14): stopped by the lease is not drift
		{"stopped by its lease", []spec.Notebook{nb("a")}, []modelarts.Notebook{live("a", "i1", leaseStopped)}, Options{},
			[]string{"a no-op id=i1 fields=[] steps=[] want=STOPPED"}},
		{"stopped by its lease, a minute early", []spec.Notebook{nb("a")},
			[]modelarts.Notebook{live("a", "i1", leaseStopped, func(l *modelarts.Notebook) { l.UpdateAt -= 59_000 })}, Options{},
			[]string{"a no-op id=i1 fields=[] steps=[] want=STOPPED"}},
		{"stopped by its lease, restart_after_lease", []spec.Notebook{nb("a", func(n *spec.Notebook) { n.RestartAfterLease = true })},
			[]modelarts.Notebook{live("a", "i1", leaseStopped)}, Options{},
			[]string{"a start id=i1 fields=[] steps=[start] want=RUNNING"}},
		{"stopped by its lease, --restart-after-lease", []spec.Notebook{nb("a")},
			[]modelarts.Notebook{live("a", "i1", leaseStopped)}, Options{RestartAfterLease: true},
			[]string{"a start id=i1 fields=[] steps=[start] want=RUNNING"}},
		{"stopped by its lease, updated and left stopped", []spec.Notebook{nb("a", func(n *spec.Notebook) { n.Description = "x"; n.Flavor = "big" })},
			[]modelarts.Notebook{live("a", "i1", leaseStopped)}, Options{},
			[]string{"a update id=i1 fields=[description flavor(stop)] steps=[update] want=STOPPED"}},
		{"stopped by its lease, declared stopped", []spec.Notebook{nb("a", stopped)}, []modelarts.Notebook{live("a", "i1", leaseStopped)}, Options{},
			[]string{"a no-op id=i1 fields=[] steps=[] want=STOPPED"}},
		{"stopping at its lease's end", []spec.Notebook{nb("a")},
			[]modelarts.Notebook{live("a", "i1", leaseStopped, status("STOPPING"))}, Options{},
			// still settling: apply waits for it (done means done)
			[]string{"a no-op id=i1 fields=[] steps=[wait] want=STOPPED"}},
		{"stopped by hand before the lease ran out", []spec.Notebook{nb("a")}, []modelarts.Notebook{live("a", "i1", handStopped)}, Options{},
			[]string{"a start id=i1 fields=[] steps=[start] want=RUNNING"}},
		{"started again, then stopped by hand", []spec.Notebook{nb("a")},
			[]modelarts.Notebook{live("a", "i1", leaseStopped, func(l *modelarts.Notebook) {
				// A start 5 h after create with 1 h leases 6 h from
				// create_at (rule 15); stopped by hand half an hour in.
				l.Lease.Duration = 6 * 3600_000
				l.UpdateAt = l.Lease.CreateAt + 5*3600_000 + 1800_000
			})}, Options{},
			[]string{"a start id=i1 fields=[] steps=[start] want=RUNNING"}},
		{"stopped with the lease disabled", []spec.Notebook{nb("a")},
			[]modelarts.Notebook{live("a", "i1", leaseStopped, func(l *modelarts.Notebook) { l.Lease.Enable = false })}, Options{},
			[]string{"a start id=i1 fields=[] steps=[start] want=RUNNING"}},
		{"stopped, no update_at to tell", []spec.Notebook{nb("a")},
			[]modelarts.Notebook{live("a", "i1", leaseStopped, func(l *modelarts.Notebook) { l.UpdateAt = 0 })}, Options{},
			[]string{"a start id=i1 fields=[] steps=[start] want=RUNNING"}},
		{"ignore_changes state", []spec.Notebook{nb("a", func(n *spec.Notebook) { n.IgnoreChanges = []string{"state"} })},
			[]modelarts.Notebook{live("a", "i1", handStopped)}, Options{},
			[]string{"a no-op id=i1 fields=[] steps=[] want=STOPPED"}},

		// flavor lists (issue 14): any flavor of the list matches
		{"fallback flavor matches", []spec.Notebook{nb("a", gpuFirst)},
			[]modelarts.Notebook{live("a", "i1")}, Options{},
			[]string{"a no-op id=i1 fields=[] steps=[] want=RUNNING"}},
		{"preferred flavor matches", []spec.Notebook{nb("a", gpuFirst)},
			[]modelarts.Notebook{live("a", "i1", func(l *modelarts.Notebook) { l.Flavor = "modelarts.vm.gpu.t4" })}, Options{},
			[]string{"a no-op id=i1 fields=[] steps=[] want=RUNNING"}},
		{"flavor outside the list", []spec.Notebook{nb("a", gpuFirst)},
			[]modelarts.Notebook{live("a", "i1", func(l *modelarts.Notebook) { l.Flavor = "modelarts.vm.cpu.8u" })}, Options{},
			[]string{"a update id=i1 fields=[flavor(stop)] steps=[stop update start] want=RUNNING"}},
		{"create with a flavor list", []spec.Notebook{nb("a", gpuFirst)}, nil, Options{},
			[]string{"a create id= fields=[] steps=[create] want=RUNNING"}},
		{"FROZEN conflict", []spec.Notebook{nb("a")}, []modelarts.Notebook{live("a", "i1", status("FROZEN"))}, Options{},
			[]string{"a conflict id=i1 fields=[] steps=[] want=RUNNING"}},
		{"DELETE_FAILED conflict", []spec.Notebook{nb("a")}, []modelarts.Notebook{live("a", "i1", status("DELETE_FAILED"))}, Options{},
			[]string{"a conflict id=i1 fields=[] steps=[] want=RUNNING"}},
		{"unknown status conflict", []spec.Notebook{nb("a")}, []modelarts.Notebook{live("a", "i1", status("MIGRATING"))}, Options{},
			[]string{"a conflict id=i1 fields=[] steps=[] want=RUNNING"}},
		// Issue 10: done means done — a notebook still CREATING is not
		// "unchanged" until it is RUNNING: the no-op keeps its wait.
		{"CREATING heading to running", []spec.Notebook{nb("a")}, []modelarts.Notebook{live("a", "i1", status("CREATING"))}, Options{},
			[]string{"a no-op id=i1 fields=[] steps=[wait] want=RUNNING"}},
		{"CREATING then stop", []spec.Notebook{nb("a", stopped)}, []modelarts.Notebook{live("a", "i1", status("CREATING"))}, Options{},
			[]string{"a stop id=i1 fields=[] steps=[wait stop] want=STOPPED"}},
		{"INIT then stop", []spec.Notebook{nb("a", stopped)}, []modelarts.Notebook{live("a", "i1", status("INIT"))}, Options{},
			[]string{"a stop id=i1 fields=[] steps=[wait stop] want=STOPPED"}},
		{"STOPPING then start", []spec.Notebook{nb("a")}, []modelarts.Notebook{live("a", "i1", status("STOPPING"))}, Options{},
			[]string{"a start id=i1 fields=[] steps=[wait start] want=RUNNING"}},
		{"STOPPING heading to stopped", []spec.Notebook{nb("a", stopped)}, []modelarts.Notebook{live("a", "i1", status("STOPPING"))}, Options{},
			[]string{"a no-op id=i1 fields=[] steps=[wait] want=STOPPED"}},
		{"SNAPSHOTTING busy", []spec.Notebook{nb("a", func(n *spec.Notebook) { n.Flavor = "big" })},
			[]modelarts.Notebook{live("a", "i1", status("SNAPSHOTTING"))}, Options{},
			[]string{"a update id=i1 fields=[flavor(stop)] steps=[wait stop update start] want=RUNNING"}},
		{"DELETING only: create after wait", []spec.Notebook{nb("a")}, []modelarts.Notebook{live("a", "i1", status("DELETING"))}, Options{},
			[]string{"a create id= fields=[] steps=[wait:i1 create] want=RUNNING"}},
		{"replace of a busy notebook waits", []spec.Notebook{nb("a", func(n *spec.Notebook) { n.PoolID = "p" })},
			[]modelarts.Notebook{live("a", "i1", status("STARTING"))}, Options{},
			[]string{"a replace id=i1 fields=[pool_id(replace)] steps=[wait delete create] want=RUNNING destroys"}},

		// protect, --replace, filters
		{"protected replace", []spec.Notebook{nb("a", func(n *spec.Notebook) { n.Protect = true; n.PoolID = "p" })},
			[]modelarts.Notebook{live("a", "i1")}, Options{},
			[]string{"a replace id=i1 fields=[pool_id(replace)] steps=[delete create] want=RUNNING destroys protected"}},
		{"forced replace", []spec.Notebook{nb("a")}, []modelarts.Notebook{live("a", "i1")}, Options{Replace: []string{"a"}},
			[]string{"a replace id=i1 fields=[] steps=[delete create] want=RUNNING destroys"}},
		{"targets and excludes", []spec.Notebook{nb("s-1"), nb("s-2"), nb("t-1")},
			[]modelarts.Notebook{live("s-9", "i9"), live("s-1", "i1", ownedBy("other")), live("t-8", "i8")},
			Options{Targets: []string{"s-*"}, Excludes: []string{"s-2"}},
			[]string{"s-1 conflict id=i1 fields=[] steps=[] want=RUNNING", "s-9 delete id=i9 fields=[] steps=[delete] want= destroys"}},
		{"sorted by name", []spec.Notebook{nb("c"), nb("a"), nb("b")}, nil, Options{},
			[]string{"a create id= fields=[] steps=[create] want=RUNNING", "b create id= fields=[] steps=[create] want=RUNNING", "c create id= fields=[] steps=[create] want=RUNNING"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Diff(fleet(tt.nbs...), tt.live, tt.opts)
			if diff := cmp.Diff(tt.want, briefs(p)); diff != "" {
				t.Errorf("Diff (-want +got):\n%s", diff)
				for _, c := range p.Changes {
					t.Logf("reason of %s: %s", c.Name, c.Reason)
				}
			}
			for _, c := range p.Changes {
				if c.Reason == "" {
					t.Errorf("%s: empty reason", c.Name)
				}
				if c.Action == Replace && !strings.Contains(c.Reason, "DESTROYS") {
					t.Errorf("%s: replace reason does not warn loudly: %s", c.Name, c.Reason)
				}
			}
		})
	}
}

// TestDiffLease: a notebook its lease stopped is left stopped with a note
// naming the lease's stop time, in the change and the plan; a start
// because of restart_after_lease says so.
func TestDiffLease(t *testing.T) {
	f := fleet(nb("a"), nb("b"), nb("c", func(n *spec.Notebook) { n.RestartAfterLease = true }), nb("d"))
	l := []modelarts.Notebook{live("a", "i1", leaseStopped), live("b", "i2", leaseStopped), live("c", "i3", leaseStopped), live("d", "i4", handStopped)}
	p := Diff(f, l, Options{})
	const at = "2023-11-15T02:13:20Z" // create_at + 4 h
	want := map[string][]string{
		"a": {"stopped by its lease at " + at, "left stopped", "restart_after_lease: true"},
		"c": {"stopped by its lease at " + at, "restart_after_lease: start it again"},
		"d": {"declared running, live STOPPED"},
	}
	for _, c := range p.Changes {
		for _, w := range want[c.Name] {
			if !strings.Contains(c.Reason, w) {
				t.Errorf("%s: reason %q lacks %q", c.Name, c.Reason, w)
			}
		}
		if (c.Note != "") != (c.Name == "a" || c.Name == "b") {
			t.Errorf("%s: note %q", c.Name, c.Note)
		}
	}
	if p.HasChanges() != true || p.Summary().Start != 2 {
		t.Errorf("summary %+v", p.Summary())
	}
	if len(p.Notes) != 1 || !strings.Contains(p.Notes[0], "2 notebooks were stopped by their lease") || !strings.Contains(p.Notes[0], "(a, b)") {
		t.Errorf("notes %q", p.Notes)
	}
	// Only the lease-stopped ones: drift sees nothing.
	if p := Diff(fleet(nb("a"), nb("b")), l[:2], Options{}); p.HasChanges() {
		t.Errorf("lease-stopped notebooks are drift: %v", briefs(p))
	}
}

// TestDiffStartFailed: the reason of a START_FAILED start says the storage
// is kept and how to replace instead.
func TestDiffStartFailed(t *testing.T) {
	p := Diff(fleet(nb("a")), []modelarts.Notebook{live("a", "i1", status("START_FAILED"), func(l *modelarts.Notebook) { l.FailReason = "no resources" })}, Options{})
	r := p.Changes[0].Reason
	for _, w := range []string{"START_FAILED (fail_reason: no resources)", "storage kept", "nbfleet apply --replace a"} {
		if !strings.Contains(r, w) {
			t.Errorf("reason %q lacks %q", r, w)
		}
	}
}

// TestDiffFlavorList: the plan shows the list, and an update out of the
// list sends the first flavor (the executor falls back from there).
func TestDiffFlavorList(t *testing.T) {
	p := Diff(fleet(nb("a", gpuFirst), nb("b", gpuFirst)),
		[]modelarts.Notebook{live("b", "i2", status("STOPPED"), func(l *modelarts.Notebook) { l.Flavor = "old" })}, Options{})
	a, b := p.Changes[0], p.Changes[1]
	if !strings.Contains(a.Reason, "flavor modelarts.vm.gpu.t4, else modelarts.vm.cpu.2u") || a.Steps[0].Create.Flavor != "modelarts.vm.gpu.t4" {
		t.Errorf("create: %q, sends %s", a.Reason, a.Steps[0].Create.Flavor)
	}
	if got := fmt.Sprint(a.Notebook.Flavors); got != "[modelarts.vm.gpu.t4 modelarts.vm.cpu.2u]" {
		t.Errorf("the create's notebook has flavors %s", got)
	}
	if got := fmt.Sprint(b.Fields[0].After); b.Steps[0].Update.Flavor != "modelarts.vm.gpu.t4" || got != "[modelarts.vm.gpu.t4 modelarts.vm.cpu.2u]" {
		t.Errorf("update sends %q, shows %s", b.Steps[0].Update.Flavor, got)
	}
}

// TestDiffNotes: a fleet that declares hooks gets the write-only note
// (rule 7), and a start without a declared lease says the service's
// default of 1 h applies (rule 13).
func TestDiffNotes(t *testing.T) {
	p := Diff(fleet(nb("a", func(n *spec.Notebook) { n.Hooks = testHooks; n.Lease = nil })),
		[]modelarts.Notebook{live("a", "i1", status("STOPPED"), withHooks(testHooks))}, Options{})
	if len(p.Notes) != 1 || p.Notes[0] != NoteHooks {
		t.Errorf("notes %q", p.Notes)
	}
	if c := p.Changes[0]; c.Action != Start || c.Steps[0].Lease != nil || !strings.Contains(c.Reason, "default auto-stop of 1 h") {
		t.Errorf("start without a lease: %s %q", c.Action, c.Reason)
	}
	if p := Diff(fleet(nb("a")), nil, Options{}); len(p.Notes) != 0 {
		t.Errorf("notes of a fleet without hooks: %q", p.Notes)
	}
	p = Diff(fleet(nb("a")), []modelarts.Notebook{live("a", "i1", unmarked, func(l *modelarts.Notebook) {
		l.Endpoints = []modelarts.Endpoint{{Service: "SSH", KeyPairNames: []string{"stranger"}, AllowedAccessIPs: []string{"203.0.113.9"}}}
	})}, Options{})
	if r := p.Changes[0].Reason; !strings.Contains(r, "stranger") || !strings.Contains(r, "203.0.113.9") || !strings.Contains(r, "someone else can log in") {
		t.Errorf("squatted notebook reason %q", r)
	}
}

func TestGrowthSteps(t *testing.T) {
	for _, tc := range []struct {
		have, want int
		steps      string
	}{
		{50, 330, "[150 250 330]"},
		{50, 150, "[150]"},
		{50, 151, "[150 151]"},
		{4000, 4096, "[4096]"},
		{50, 50, "[]"},
		{50, 10, "[]"},
	} {
		if got := fmt.Sprint(GrowthSteps(tc.have, tc.want)); got != tc.steps {
			t.Errorf("GrowthSteps(%d, %d) = %s, want %s", tc.have, tc.want, got, tc.steps)
		}
	}
}

func TestDiffReasons(t *testing.T) {
	f := fleet(nb("a"), nb("b"), nb("c"), nb("d"))
	p := Diff(f, []modelarts.Notebook{
		live("a", "i1", status("CREATE_FAILED"), func(l *modelarts.Notebook) { l.FailReason = "flavor sold out" }),
		live("b", "i2"), live("b", "i3"),
		live("c", "i4", ownedBy("ml102")),
		live("d", "i5", unmarked),
	}, Options{})
	want := map[string][]string{
		"a": {"CREATE_FAILED", "flavor sold out", "DESTROYS"},
		"b": {"i2, i3", "touches none"},
		"c": {`"ml102"`, "[nbfleet:ml102]"},
		"d": {"adopt", "[nbfleet:ml101]"},
	}
	for _, c := range p.Changes {
		for _, w := range want[c.Name] {
			if !strings.Contains(c.Reason, w) {
				t.Errorf("%s: reason %q lacks %q", c.Name, c.Reason, w)
			}
		}
	}
}

func TestDiffRequests(t *testing.T) {
	f := fleet(
		nb("grow", func(n *spec.Notebook) { n.Volume.Capacity = 100 }),
		nb("big", func(n *spec.Notebook) { n.Volume.Capacity = 330 }),
		nb("adopt"),
		nb("flavor", func(n *spec.Notebook) { n.Flavor = "big"; n.Description = "" }),
		nb("start"),
		nb("ssh", func(n *spec.Notebook) { n.Endpoints = []spec.Endpoint{{DevService: "SSH", SSHKeys: []string{"k"}}} }),
		nb("hooks", func(n *spec.Notebook) { n.Hooks = testHooks }),
	)
	p := Diff(f, []modelarts.Notebook{
		live("grow", "i1"), live("big", "i5"), live("adopt", "i2", unmarked), live("flavor", "i3"), live("start", "i4", status("STOPPED")),
		live("ssh", "i6", func(l *modelarts.Notebook) {
			l.Endpoints = []modelarts.Endpoint{{Service: "SSH", KeyPairNames: []string{"old"}}, {Service: "NOTEBOOK", URI: "https://x"}}
		}),
		live("hooks", "i7"),
	}, Options{})
	got := map[string][]Step{}
	for _, c := range p.Changes {
		got[c.Name] = c.Steps
	}
	if u := got["grow"][0].Update; u.StorageNewSize != 100 || u.Description != nil || u.Flavor != "" {
		t.Errorf("grow update = %+v", u)
	}
	if u := got["big"]; len(u) != 3 || u[0].Update.StorageNewSize != 150 || u[1].Update.StorageNewSize != 250 || u[2].Update.StorageNewSize != 330 {
		t.Errorf("growth steps 50 → 330 = %+v", u)
	}
	if u := got["ssh"][1].Update; len(u.Endpoints) != 2 || u.Endpoints[1].Service != "NOTEBOOK" || u.Endpoints[1].URI != "" {
		t.Errorf("endpoints PUT = %+v, want the declared SSH and the live NOTEBOOK entry kept", u.Endpoints)
	}
	if u := got["hooks"][0].Update; u.Hooks == nil || u.Description == nil || !strings.HasSuffix(*u.Description, " h="+spec.HooksDigest(testHooks)+"]") {
		t.Errorf("hooks update = %+v, want the hooks and the marker with their digest", u)
	}
	if u := got["adopt"][0].Update; u.Description == nil || *u.Description != "notebook adopt [nbfleet:ml101]" {
		t.Errorf("adopt update = %+v", u)
	}
	if u := got["flavor"][1].Update; u.Flavor != "big" || u.Description == nil || *u.Description != "[nbfleet:ml101]" {
		t.Errorf("flavor update = %+v", u)
	}
	if l := got["start"][0].Lease; l == nil || l.Duration != 4*3600*1000 || l.Type != "timing" {
		t.Errorf("start lease = %+v", l)
	}
}

// TestLabelsNeverSent: labels are nbfleet's own: the plan's notebook
// carries them, no request derived from it does.
func TestLabelsNeverSent(t *testing.T) {
	label := func(n *spec.Notebook) {
		n.Labels = map[string]string{"student": "Ada Lovelace"}
		n.RestartAfterLease = true
	}
	f := fleet(nb("new", label), nb("changed", label, func(n *spec.Notebook) { n.Flavor = "big"; n.Description = "x" }),
		nb("stopped", label))
	p := Diff(f, []modelarts.Notebook{live("changed", "i1"), live("stopped", "i2", status("STOPPED"))}, Options{})
	sent := 0
	for _, c := range p.Changes {
		if c.Notebook == nil || c.Notebook.Labels["student"] != "Ada Lovelace" {
			t.Errorf("%s: the plan's notebook lacks its labels: %+v", c.Name, c.Notebook)
		}
		for _, s := range c.Steps {
			for _, req := range []any{s.Create, s.Update, s.Lease} {
				b, err := json.Marshal(req)
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(string(b), "Ada") || strings.Contains(string(b), "student") || strings.Contains(string(b), "restart") {
					t.Errorf("%s: %s request carries nbfleet's own fields: %s", c.Name, s.Op, b)
				}
				if string(b) != "null" {
					sent++
				}
			}
		}
	}
	if sent < 4 {
		t.Errorf("only %d requests checked", sent)
	}
}

func TestMarker(t *testing.T) {
	tests := []struct {
		desc, fleet, user string
		ok                bool
	}{
		{"hello [nbfleet:ml101]", "ml101", "hello", true},
		{"[nbfleet:ml101]", "ml101", "", true},
		{"a [b] [nbfleet:x-y_1]", "x-y_1", "a [b]", true},
		{"hello", "", "hello", false},
		{"", "", "", false},
		{"[nbfleet:]", "", "[nbfleet:]", false},
		{"x [nbfleet:a b]", "", "x [nbfleet:a b]", false},
		{"[nbfleet:a] tail", "", "[nbfleet:a] tail", false},
		{"[nbfleet:a][nbfleet:b]", "b", "[nbfleet:a]", true},
		{"hello [nbfleet:ml101 h=0a1b2c3d]", "ml101", "hello", true},
		{"x [nbfleet:a h=nothex!!]", "", "x [nbfleet:a h=nothex!!]", false},
	}
	for _, tt := range tests {
		f, ok := Owner(tt.desc)
		if f != tt.fleet || ok != tt.ok {
			t.Errorf("Owner(%q) = %q, %v; want %q, %v", tt.desc, f, ok, tt.fleet, tt.ok)
		}
		if u := StripMarker(tt.desc); u != tt.user {
			t.Errorf("StripMarker(%q) = %q; want %q", tt.desc, u, tt.user)
		}
	}
}

func TestCreateRequest(t *testing.T) {
	f := fleet()
	n := nb("a", func(n *spec.Notebook) {
		n.Endpoints = []spec.Endpoint{{DevService: "SSH", SSHKeys: []string{"k"}, AllowedAccessIPs: []string{"1.2.3.4"}}}
		n.Hooks = &spec.Hooks{PreStart: &spec.Hook{Script: "/x.sh", Type: "SCRIPT"}}
		n.PoolID = "pool"
		n.Volume = spec.Volume{Category: "EFS", Ownership: "DEDICATED", Capacity: 0, URI: "u", ID: "v"}
		n.Duration = 2 * 3600 * 1e9
	})
	sent := n.Sent(f.Name)
	got := createRequest(&sent)
	want := &modelarts.CreateRequest{
		Name: "a", Description: "notebook a " + spec.Marker("ml101", spec.HooksDigest(n.Hooks)), Duration: 7200000,
		Endpoints: []modelarts.Endpoint{{Service: "SSH", KeyPairNames: []string{"k"}, AllowedAccessIPs: []string{"1.2.3.4"}}},
		Feature:   "NOTEBOOK", Flavor: "modelarts.vm.cpu.2u", ImageID: "img-1", PoolID: "pool",
		Volume:      modelarts.VolumeReq{Category: "EFS", Ownership: "DEDICATED", URI: "u", ID: "v"},
		WorkspaceID: "0",
		Hooks:       &modelarts.Hooks{ContainerHooks: &modelarts.ContainerHooks{PreStart: &modelarts.HookConfig{Script: "/x.sh", Type: "SCRIPT"}}},
		Lease:       &modelarts.LeaseReq{Duration: 14400000, Type: "timing"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CreateRequest (-want +got):\n%s", diff)
	}
	n.Description, n.Lease, n.Hooks = "", nil, nil
	sent = n.Sent(f.Name)
	got = createRequest(&sent)
	if got.Description != "[nbfleet:ml101]" || got.Lease == nil || got.Lease.Duration != 7200000 {
		t.Errorf("CreateRequest without description/lease: %q %+v", got.Description, got.Lease)
	}
}

func TestProtectedErr(t *testing.T) {
	f := fleet(nb("a", func(n *spec.Notebook) { n.Protect = true; n.Volume.Capacity = 1 }), nb("b"))
	p := Diff(f, []modelarts.Notebook{live("a", "i1"), live("b", "i2", status("STOPPED"))}, Options{})
	err := p.Err()
	if !errors.Is(err, ErrProtected) || !strings.Contains(err.Error(), "a (replace)") {
		t.Fatalf("Err() = %v", err)
	}
	if p := Diff(f, []modelarts.Notebook{live("a", "i1", func(l *modelarts.Notebook) { l.Volume.Capacity = 1 })}, Options{}); p.Err() != nil {
		t.Errorf("Err() = %v for a plan that replaces nothing", p.Err())
	}
}

func TestSummary(t *testing.T) {
	p := &Plan{Changes: []Change{{Action: Create}, {Action: Create}, {Action: Adopt}, {Action: NoOp}, {Action: Conflict}}}
	want := Summary{Create: 2, Adopt: 1, NoOp: 1, Conflict: 1}
	if got := p.Summary(); got != want {
		t.Errorf("Summary() = %+v", got)
	}
	if !p.HasChanges() {
		t.Error("HasChanges() = false")
	}
	if got := p.SummaryLine(); got != "Plan: 2 to create, 1 to update, 0 to replace, 0 to delete, 1 conflict." {
		t.Errorf("SummaryLine() = %q", got)
	}
	if (&Plan{Changes: []Change{{Action: NoOp}}}).HasChanges() {
		t.Error("HasChanges() = true for no-ops only")
	}
}

func TestOptionsValidate(t *testing.T) {
	if err := (Options{Targets: []string{"a-*"}, Excludes: []string{"[b"}}).Validate(); err == nil {
		t.Error("Validate accepted a bad glob")
	}
	if err := (Options{Targets: []string{"a-*"}}).Validate(); err != nil {
		t.Error(err)
	}
}
