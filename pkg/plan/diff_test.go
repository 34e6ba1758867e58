package plan

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

func TestDiff(t *testing.T) {
	sshEP := []spec.Endpoint{{DevService: "SSH", SSHKeys: []string{"k1", "k2"}, AllowedAccessIPs: []string{"10.0.0.1", "10.0.0.2"}}}
	hooks := &spec.Hooks{PostStart: &spec.Hook{Script: "ZWNobyBoaQ==", Type: "COMMAND"}}
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
			[]string{"a adopt id=i1 fields=[flavor(stop) marker] steps=[stop update start] want=RUNNING"}},
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
		{"endpoints not declared: not compared", []spec.Notebook{nb("a")},
			[]modelarts.Notebook{live("a", "i1", func(l *modelarts.Notebook) {
				l.Endpoints = []modelarts.Endpoint{{Service: "NOTEBOOK"}}
			})}, Options{},
			[]string{"a no-op id=i1 fields=[] steps=[] want=RUNNING"}},
		{"hooks not returned: not compared", []spec.Notebook{nb("a", func(n *spec.Notebook) { n.Hooks = hooks })},
			[]modelarts.Notebook{live("a", "i1")}, Options{},
			[]string{"a no-op id=i1 fields=[] steps=[] want=RUNNING"}},
		{"hooks differ", []spec.Notebook{nb("a", func(n *spec.Notebook) { n.Hooks = hooks })},
			[]modelarts.Notebook{live("a", "i1", func(l *modelarts.Notebook) { l.Hooks = &modelarts.Hooks{} })}, Options{},
			[]string{"a update id=i1 fields=[hooks(stop)] steps=[stop update start] want=RUNNING"}},
		{"hooks equal", []spec.Notebook{nb("a", func(n *spec.Notebook) { n.Hooks = hooks })},
			[]modelarts.Notebook{live("a", "i1", func(l *modelarts.Notebook) {
				l.Hooks = &modelarts.Hooks{ContainerHooks: &modelarts.ContainerHooks{PostStart: &modelarts.HookConfig{Script: hooks.PostStart.Script, Type: hooks.PostStart.Type}}}
			})}, Options{},
			[]string{"a no-op id=i1 fields=[] steps=[] want=RUNNING"}},
		{"capacity grows in place", []spec.Notebook{nb("a", func(n *spec.Notebook) { n.Volume.Capacity = 100 })},
			[]modelarts.Notebook{live("a", "i1")}, Options{},
			[]string{"a update id=i1 fields=[volume.capacity] steps=[update] want=RUNNING"}},
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
		{"volume ownership uri id replace", []spec.Notebook{nb("a", func(n *spec.Notebook) {
			n.Volume = spec.Volume{Category: "EFS", Ownership: "DEDICATED", URI: "u", ID: "v"}
		})}, []modelarts.Notebook{live("a", "i1")}, Options{},
			[]string{"a replace id=i1 fields=[volume.category(replace) volume.ownership(replace) volume.uri(replace) volume.id(replace)] steps=[delete create] want=RUNNING destroys"}},
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
		{"START_FAILED replaces", []spec.Notebook{nb("a")}, []modelarts.Notebook{live("a", "i1", status("START_FAILED"))}, Options{},
			[]string{"a replace id=i1 fields=[] steps=[delete create] want=RUNNING destroys"}},
		{"FROZEN conflict", []spec.Notebook{nb("a")}, []modelarts.Notebook{live("a", "i1", status("FROZEN"))}, Options{},
			[]string{"a conflict id=i1 fields=[] steps=[] want=RUNNING"}},
		{"DELETE_FAILED conflict", []spec.Notebook{nb("a")}, []modelarts.Notebook{live("a", "i1", status("DELETE_FAILED"))}, Options{},
			[]string{"a conflict id=i1 fields=[] steps=[] want=RUNNING"}},
		{"unknown status conflict", []spec.Notebook{nb("a")}, []modelarts.Notebook{live("a", "i1", status("MIGRATING"))}, Options{},
			[]string{"a conflict id=i1 fields=[] steps=[] want=RUNNING"}},
		{"CREATING heading to running", []spec.Notebook{nb("a")}, []modelarts.Notebook{live("a", "i1", status("CREATING"))}, Options{},
			[]string{"a no-op id=i1 fields=[] steps=[] want=RUNNING"}},
		{"CREATING then stop", []spec.Notebook{nb("a", stopped)}, []modelarts.Notebook{live("a", "i1", status("CREATING"))}, Options{},
			[]string{"a stop id=i1 fields=[] steps=[wait stop] want=STOPPED"}},
		{"INIT then stop", []spec.Notebook{nb("a", stopped)}, []modelarts.Notebook{live("a", "i1", status("INIT"))}, Options{},
			[]string{"a stop id=i1 fields=[] steps=[wait stop] want=STOPPED"}},
		{"STOPPING then start", []spec.Notebook{nb("a")}, []modelarts.Notebook{live("a", "i1", status("STOPPING"))}, Options{},
			[]string{"a start id=i1 fields=[] steps=[wait start] want=RUNNING"}},
		{"STOPPING heading to stopped", []spec.Notebook{nb("a", stopped)}, []modelarts.Notebook{live("a", "i1", status("STOPPING"))}, Options{},
			[]string{"a no-op id=i1 fields=[] steps=[] want=STOPPED"}},
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
		nb("adopt"),
		nb("flavor", func(n *spec.Notebook) { n.Flavor = "big"; n.Description = "" }),
		nb("start"),
	)
	p := Diff(f, []modelarts.Notebook{
		live("grow", "i1"), live("adopt", "i2", unmarked), live("flavor", "i3"), live("start", "i4", status("STOPPED")),
	}, Options{})
	got := map[string][]Step{}
	for _, c := range p.Changes {
		got[c.Name] = c.Steps
	}
	if u := got["grow"][0].Update; u.StorageNewSize != 100 || u.Description != nil || u.Flavor != "" {
		t.Errorf("grow update = %+v", u)
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
		Name: "a", Description: "notebook a [nbfleet:ml101]", Duration: 7200000,
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
	n.Description, n.Lease = "", nil
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
