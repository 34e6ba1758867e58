package plan

import (
	"fmt"
	"sort"

	"github.com/nbfleet/nbfleet/pkg/modelarts"
)

// FlavorWarnings checks the flavors the plan's creates and updates ask for
// against the region's flavor list: a flavor that is sold out, or not
// offered at all, would fail every one of those calls (ModelArts.6329,
// 6716, 6323). It returns one warning per flavor, sorted, naming how many
// notebooks it affects. It is pure: the caller lists the flavors.
func (p *Plan) FlavorWarnings(flavors []modelarts.Flavor) []string {
	known := map[string]modelarts.Flavor{}
	for _, f := range flavors {
		known[f.ID] = f
	}
	uses := map[string]int{}
	for i := range p.Changes {
		seen := map[string]bool{}
		for _, s := range p.Changes[i].Steps {
			var fl string
			switch {
			case s.Create != nil:
				fl = s.Create.Flavor
			case s.Update != nil:
				fl = s.Update.Flavor
			}
			if fl != "" && !seen[fl] {
				seen[fl] = true
				uses[fl]++
			}
		}
	}
	var out []string
	for fl, n := range uses {
		f, ok := known[fl]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("flavor %s is not offered in this region: the %d notebook(s) that need it will fail; check the flavor name", fl, n))
		case f.SoldOut:
			out = append(out, fmt.Sprintf("flavor %s is sold out: the %d notebook(s) that need it will fail until it is available again", fl, n))
		}
	}
	sort.Strings(out)
	return out
}
