package plan

import (
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

func TestMatchFleet(t *testing.T) {
	f := fleet(nb("absent"), nb("gone"), nb("mine"), nb("bare"), nb("theirs"), nb("two"), nb("other-ws"))
	l := []modelarts.Notebook{
		live("gone", "g1", status(modelarts.StatusDeleting)),
		live("gone", "g0", status(modelarts.StatusDeleted)),
		live("mine", "m1"),
		live("bare", "b1", unmarked),
		live("theirs", "t1", ownedBy("physics")),
		live("two", "w2"), live("two", "w1", unmarked),
		live("other-ws", "o1", func(n *modelarts.Notebook) { n.WorkspaceID = "ws9" }),
		live("orphan", "x2"), live("orphan", "x1", status(modelarts.StatusDeleting)),
		live("stranger", "s1", unmarked),
	}
	m := MatchFleet(f, l, Options{})
	var got []string
	for _, dm := range m.Declared {
		got = append(got, dm.Name+"="+dm.Verdict.String()+"["+strings.Join(dm.IDs(), ",")+"]")
		if dm.Name == "gone" && (len(dm.Deleting) != 1 || dm.Deleting[0].ID != "g1") {
			t.Errorf("gone: deleting %v, want g1 only", dm.Deleting)
		}
		if dm.Name == "theirs" && dm.Owner != "physics" {
			t.Errorf("theirs: owner %q", dm.Owner)
		}
	}
	want := "absent=absent[] gone=absent[] mine=owned[m1] bare=unowned[b1] theirs=foreign[t1] two=duplicate[w1,w2] other-ws=absent[]"
	if strings.Join(got, " ") != want {
		t.Errorf("matches\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	var orphans []string
	for _, o := range m.Orphans {
		orphans = append(orphans, o.ID)
	}
	if strings.Join(orphans, ",") != "x1,x2" {
		t.Errorf("orphans %v, want x1,x2 (the fleet's undeclared notebooks only)", orphans)
	}
	if m := MatchFleet(f, l, Options{Targets: []string{"t*"}}); len(m.Declared) != 2 || len(m.Orphans) != 0 {
		t.Errorf("--target t*: %d declared, %d orphans", len(m.Declared), len(m.Orphans))
	}
	names := MatchNames("physics", []string{"theirs", "bare"}, l, []string{""})
	if names[0].Verdict != Owned || names[1].Verdict != Unowned {
		t.Errorf("MatchNames: %v %v", names[0].Verdict, names[1].Verdict)
	}
}

// TestPropFromLiveAdopts: a fleet declaring FromLive of live notebooks
// adopts the unowned ones, leaves the owned ones alone and changes nothing
// else: what `nbfleet import` promises.
func TestPropFromLiveAdopts(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var picked []modelarts.Notebook
		seen := map[string]bool{}
		for _, l := range genLive(t) {
			// Hooks nbfleet set are write-only (the marker keeps only their
			// digest): FromLive cannot declare them, and import says so.
			owner, marked := Owner(l.Description)
			if seen[l.Name] || (marked && owner != testFleetName) || hooksDigest(l.Description) != "" || workspace(l.WorkspaceID) != "0" ||
				(l.Status != modelarts.StatusRunning && l.Status != modelarts.StatusStopped) {
				continue
			}
			seen[l.Name] = true
			picked = append(picked, l)
		}
		var nbs []spec.Notebook
		for i := range picked {
			nbs = append(nbs, FromLive(&picked[i]))
		}
		p := Diff(fleet(nbs...), picked, Options{})
		for _, c := range p.Changes {
			switch {
			case c.Action == NoOp:
			case c.Action == Adopt && len(c.Fields) == 1 && c.Fields[0].Path == "marker":
			default:
				t.Fatalf("%s: %s %s (%s)", c.Name, c.Action, brief(c), c.Reason)
			}
		}
	})
}
