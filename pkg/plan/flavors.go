package plan

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/nbfleet/nbfleet/pkg/modelarts"
)

// FlavorChoices returns the flavors a create or update step of c that
// sends flavor may end with, in order of preference: the change's
// notebook's list when flavor is its first, else flavor alone.
func (c *Change) FlavorChoices(flavor string) []string {
	if nb := c.Notebook; nb != nil && len(nb.Flavors) > 0 && nb.Flavors[0] == flavor {
		return nb.Flavors
	}
	return []string{flavor}
}

// FlavorWarnings checks the flavors the plan's creates and updates ask for
// against the region's flavor list: a flavor that is sold out, or not
// offered at all, would fail every one of those calls (ModelArts.6329,
// 6716, 6323). A notebook with a list of flavors gets the first that is
// offered and not sold out: that it will not get its first is worth a
// warning, that none of its list is available is worth one saying it will
// fail. It returns one warning per case, sorted, naming how many notebooks
// it affects. It is pure: the caller lists the flavors.
func (p *Plan) FlavorWarnings(flavors []modelarts.Flavor) []string {
	known := map[string]modelarts.Flavor{}
	for _, f := range flavors {
		known[f.ID] = f
	}
	why := func(fl string) string {
		f, ok := known[fl]
		switch {
		case !ok:
			return "not offered in this region"
		case f.SoldOut:
			return "sold out"
		}
		return ""
	}
	uses := map[string]int{}
	for i := range p.Changes {
		c := &p.Changes[i]
		seen := map[string]bool{}
		for _, s := range c.Steps {
			var fl string
			switch {
			case s.Create != nil:
				fl = s.Create.Flavor
			case s.Update != nil:
				fl = s.Update.Flavor
			}
			if fl == "" || seen[fl] {
				continue
			}
			seen[fl] = true
			choices := c.FlavorChoices(fl)
			got := slices.IndexFunc(choices, func(f string) bool { return why(f) == "" })
			var w string
			switch {
			case got == 0:
				continue
			case len(choices) == 1 && why(fl) == "sold out":
				w = fmt.Sprintf("flavor %s is sold out: the %%d notebook(s) that need it will fail until it is available again", fl)
			case len(choices) == 1:
				w = fmt.Sprintf("flavor %s is not offered in this region: the %%d notebook(s) that need it will fail; check the flavor name", fl)
			case got < 0:
				w = fmt.Sprintf("none of the flavors %s is available (%s): the %%d notebook(s) that need them will fail until one is",
					strings.Join(choices, ", "), unavailable(choices, why))
			default:
				w = fmt.Sprintf("flavor %s: the %%d notebook(s) that prefer it get %s, the next flavor of their list that is available",
					unavailable(choices[:got], why), choices[got])
			}
			uses[w]++
		}
	}
	out := make([]string, 0, len(uses))
	for w, n := range uses {
		out = append(out, fmt.Sprintf(w, n))
	}
	sort.Strings(out)
	return out
}

// unavailable says why each of flavors is unavailable: "a is sold out, b
// is not offered in this region".
func unavailable(flavors []string, why func(string) string) string {
	parts := make([]string, len(flavors))
	for i, f := range flavors {
		parts[i] = f + " is " + why(f)
	}
	return strings.Join(parts, ", ")
}
