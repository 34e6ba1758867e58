package plan

import (
	"fmt"
	"testing"

	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

// BenchmarkDiff5000 plans a 5 000-notebook fleet against 5 000 live
// notebooks: most equal, some to update, start, replace, adopt or prune.
func BenchmarkDiff5000(b *testing.B) {
	const n = 5000
	nbs := make([]spec.Notebook, 0, n)
	l := make([]modelarts.Notebook, 0, n)
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("student-%04d", i)
		nbs = append(nbs, nb(name, func(nb *spec.Notebook) {
			nb.Endpoints = []spec.Endpoint{{DevService: "SSH", SSHKeys: []string{"k1"}, AllowedAccessIPs: []string{"1.2.3.4"}}}
		}))
		id := fmt.Sprintf("id-%04d", i)
		var mods []func(*modelarts.Notebook)
		mods = append(mods, func(l *modelarts.Notebook) {
			l.Endpoints = []modelarts.Endpoint{{Service: "SSH", KeyPairNames: []string{"k1"}, AllowedAccessIPs: []string{"1.2.3.4"}}}
		})
		switch i % 10 {
		case 1:
			mods = append(mods, func(l *modelarts.Notebook) { l.Flavor = "other" })
		case 2:
			mods = append(mods, status(modelarts.StatusStopped))
		case 3:
			mods = append(mods, unmarked)
		case 4:
			mods = append(mods, func(l *modelarts.Notebook) { l.Volume.Capacity = 100 })
		case 5:
			name = "gone-" + name
		}
		l = append(l, live(name, id, mods...))
	}
	f := fleet(nbs...)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		p := Diff(f, l, Options{})
		if len(p.Changes) < n {
			b.Fatal("short plan")
		}
	}
}
