package plan

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

func TestDestroy(t *testing.T) {
	f := fleet(nb("a"), nb("b", func(n *spec.Notebook) { n.Protect = true }), nb("c"))
	liveNBs := []modelarts.Notebook{
		live("a", "id-a"),
		live("b", "id-b"),
		live("c", "id-c", unmarked),                  // declared but not owned: untouched
		live("gone", "id-g"),                         // owned, no longer declared: deleted
		live("other", "id-o", ownedBy("ml102")),      // another fleet's: untouched
		live("deleting", "id-d", status("DELETING")), // already going
		live("x", "id-x", func(l *modelarts.Notebook) { l.WorkspaceID = "ws2" }), // other workspace
	}
	p := Destroy(f, liveNBs, Options{})
	got := briefs(p)
	want := []string{
		"a delete id=id-a fields=[] steps=[delete] want= destroys",
		"b delete id=id-b fields=[] steps=[delete] want= destroys protected",
		"gone delete id=id-g fields=[] steps=[delete] want= destroys",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Destroy changes (-want +got):\n%s", diff)
	}
	if err := p.Err(); !errors.Is(err, ErrProtected) {
		t.Errorf("Err() = %v, want ErrProtected", err)
	}
	p = Destroy(f, liveNBs, Options{Excludes: []string{"b"}})
	if err := p.Err(); err != nil {
		t.Errorf("with b excluded, Err() = %v", err)
	}
	if n := len(p.Changes); n != 2 {
		t.Errorf("with b excluded, %d changes, want 2", n)
	}
}
