package plan

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/nbfleet/nbfleet/internal/safetext"
	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

// TextOptions control WriteText.
type TextOptions struct {
	// Color adds ANSI colours; the caller sets it only for a terminal.
	Color bool
	// Verbose shows field-level differences whatever the plan's size.
	Verbose bool
	// SummaryFirstAbove: a plan with more changes than this (no-ops not
	// counted) starts with the summary line and lists one line per change,
	// without field differences, unless Verbose. Zero means 50.
	SummaryFirstAbove int
}

// DefaultSummaryFirstAbove is the SummaryFirstAbove used when it is zero.
const DefaultSummaryFirstAbove = 50

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
)

// Symbol returns the Terraform-like symbol of an action: "+" create,
// "~" update and adopt, "-/+" replace, "-" delete, "▶" start, "■" stop,
// "!" conflict, " " no-op.
func (a Action) Symbol() string {
	switch a {
	case Create:
		return "+"
	case Update, Adopt:
		return "~"
	case Replace:
		return "-/+"
	case Delete:
		return "-"
	case Start:
		return "▶"
	case Stop:
		return "■"
	case Conflict:
		return "!"
	}
	return " "
}

func (a Action) color() string {
	switch a {
	case Create:
		return ansiGreen
	case Update, Adopt:
		return ansiYellow
	case Replace, Delete, Conflict:
		return ansiRed
	case Start, Stop:
		return ansiCyan
	}
	return ""
}

// SummaryLine is the last line of a text plan, e.g.
// "Plan: 20 to create, 1 to update, 0 to replace, 2 to delete, 1 conflict."
// Adopts count as updates; starts and stops appear (before the conflicts)
// only when there are some.
func (p *Plan) SummaryLine() string {
	s := p.Summary()
	var b strings.Builder
	fmt.Fprintf(&b, "Plan: %d to create, %d to update, %d to replace, %d to delete, ", s.Create, s.Update+s.Adopt, s.Replace, s.Delete)
	if s.Start > 0 || s.Stop > 0 {
		fmt.Fprintf(&b, "%d to start, %d to stop, ", s.Start, s.Stop)
	}
	if s.Conflict == 1 {
		b.WriteString("1 conflict.")
	} else {
		fmt.Fprintf(&b, "%d conflicts.", s.Conflict)
	}
	return b.String()
}

// WriteText renders the plan for people, Terraform-like: a header line
// that says where the plan acts, one block per change that is not a
// no-op, in plan order, and the summary line last. Identical creates of a
// big fleet (GroupCreatesFrom or more, unless Verbose) are one block:
// "30 × create like ml101-s001", with their names listed compactly. Every
// name, id, reason and value is shown through safetext.Terminal: a name
// from the cloud cannot move the cursor or recolour the plan.
func WriteText(w io.Writer, p *Plan, o TextOptions) error {
	bw := bufio.NewWriter(w)
	paint := func(code, s string) string {
		if !o.Color || code == "" {
			return s
		}
		return code + s + ansiReset
	}
	fmt.Fprintln(bw, safetext.Terminal(p.Header()))
	fmt.Fprintln(bw)
	var n int
	for i := range p.Changes {
		if p.Changes[i].Action != NoOp {
			n++
		}
	}
	if n == 0 {
		fmt.Fprintln(bw, "No changes. The fleet matches the cloud.")
		for _, note := range p.Notes {
			fmt.Fprintf(bw, "Note: %s.\n", safetext.Terminal(note))
		}
		return bw.Flush()
	}
	limit := o.SummaryFirstAbove
	if limit <= 0 {
		limit = DefaultSummaryFirstAbove
	}
	detail := o.Verbose || n <= limit
	if !detail {
		fmt.Fprintln(bw, paint(ansiBold, p.SummaryLine()))
		fmt.Fprintln(bw)
	}
	fmt.Fprintln(bw, "nbfleet will perform these actions:")
	if s := p.Summary(); s.Delete+s.Replace > 0 {
		fmt.Fprintln(bw)
		fmt.Fprintln(bw, paint(ansiRed+ansiBold, fmt.Sprintf("WARNING: %d notebook(s) will be deleted and %d replaced; their storage is destroyed.", s.Delete, s.Replace)))
	}
	if !detail {
		fmt.Fprintln(bw)
	}
	groups := map[int][]int{}
	if !o.Verbose {
		groups = createGroups(p)
	}
	for i := range p.Changes {
		c := &p.Changes[i]
		members, grouped := groups[i]
		if c.Action == NoOp || (grouped && members == nil) {
			continue
		}
		var head string
		if len(members) > 0 {
			head = fmt.Sprintf("%3s %d × %s like %s", c.Action.Symbol(), len(members), c.Action, safetext.Terminal(c.Name))
		} else {
			head = fmt.Sprintf("%3s %s (%s)", c.Action.Symbol(), safetext.Terminal(c.Name), c.Action)
			switch {
			case c.ID != "":
				head += " id " + safetext.Terminal(c.ID)
			case len(c.IDs) > 0:
				head += " ids " + safetext.Terminal(strings.Join(c.IDs, ", "))
			}
		}
		if c.Protected {
			head += " [PROTECTED]"
		}
		if detail {
			fmt.Fprintln(bw)
		}
		if !detail && len(members) > 0 {
			head += ": " + safetext.Terminal(compactNames(p, members))
		}
		fmt.Fprintln(bw, paint(c.Action.color(), head))
		if !detail {
			continue
		}
		if len(members) > 0 {
			fmt.Fprintf(bw, "      %s\n", safetext.Terminal(compactNames(p, members)))
		}
		fmt.Fprintf(bw, "      %s\n", safetext.Terminal(c.Reason))
		if what := createSummary(c); what != "" {
			fmt.Fprintf(bw, "      creates: %s\n", safetext.Terminal(what))
		}
		for _, f := range c.Fields {
			line := fmt.Sprintf("      %s: %s → %s", f.Path, safetext.Terminal(textValue(f.Before)), safetext.Terminal(textValue(f.After)))
			switch f.Forces {
			case "stop":
				line += "  (only while stopped)"
			case "running":
				line += fmt.Sprintf("  (only while running, at most %d GB per step)", modelarts.MaxGrowthStep)
			case "replace":
				line += paint(ansiRed, "  (forces replacement)")
			}
			fmt.Fprintln(bw, line)
		}
		if len(c.Steps) > 0 {
			fmt.Fprintf(bw, "      steps: %s\n", stepsText(c.Steps))
		}
	}
	fmt.Fprintln(bw)
	for _, note := range p.Notes {
		fmt.Fprintf(bw, "Note: %s.\n", safetext.Terminal(note))
	}
	if !detail {
		fmt.Fprintln(bw, "Field-level differences are hidden for a plan this large; run with -v to see them.")
	}
	fmt.Fprintln(bw, paint(ansiBold, p.SummaryLine()))
	return bw.Flush()
}

// Header is the line every rendering of the plan opens with: where it
// acts. "Fleet ml101-fall · cloud otc · region eu-de · project 0123…";
// what is not known is left out. The values are raw: a renderer makes
// them inert for its format.
func (p *Plan) Header() string {
	parts := []string{"Fleet " + p.Fleet}
	for _, kv := range [][2]string{{"cloud", p.Cloud}, {"region", p.Region}, {"project", p.ProjectID}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+" "+kv[1])
		}
	}
	return strings.Join(parts, " · ")
}

// GroupCreatesFrom is how many identical creates the text and Markdown
// plans show as one group rather than one by one.
const GroupCreatesFrom = 5

// createGroups finds the creates that are identical in all a reader is
// shown — reason, what they create, their steps — when there are
// GroupCreatesFrom or more of them. The result maps the first change of
// each group to the indexes of all its members (itself first), and every
// other member to nil.
func createGroups(p *Plan) map[int][]int {
	byKey := map[string][]int{}
	var keys []string
	for i := range p.Changes {
		c := &p.Changes[i]
		if c.Action != Create || c.Protected || len(c.Fields) > 0 {
			continue
		}
		k := c.Reason + "\x00" + createSummary(c) + "\x00" + stepsText(c.Steps)
		if byKey[k] == nil {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], i)
	}
	groups := map[int][]int{}
	for _, k := range keys {
		m := byKey[k]
		if len(m) < GroupCreatesFrom {
			continue
		}
		groups[m[0]] = m
		for _, i := range m[1:] {
			groups[i] = nil
		}
	}
	return groups
}

// compactNames lists the names of the changes at idx briefly: names that
// differ only in a number are one range, "ml101-s{001..030}" as a shell
// writes it; at most 20 items, then how many more.
func compactNames(p *Plan, idx []int) string {
	type run struct {
		prefix, suffix string
		width          int
		from, to       int
		name           string // a name without a number
	}
	digits := regexp.MustCompile(`[0-9]+`)
	var runs []run
	for _, i := range idx {
		name := p.Changes[i].Name
		locs := digits.FindAllStringIndex(name, -1)
		if len(locs) == 0 {
			runs = append(runs, run{name: name})
			continue
		}
		l := locs[len(locs)-1]
		num, err := strconv.Atoi(name[l[0]:l[1]])
		if err != nil || l[1]-l[0] > 9 {
			runs = append(runs, run{name: name})
			continue
		}
		r := run{prefix: name[:l[0]], suffix: name[l[1]:], width: l[1] - l[0], from: num, to: num}
		if n := len(runs); n > 0 {
			last := &runs[n-1]
			if last.name == "" && last.prefix == r.prefix && last.suffix == r.suffix && last.width == r.width && last.to+1 == num {
				last.to = num
				continue
			}
		}
		runs = append(runs, r)
	}
	var parts []string
	for _, r := range runs {
		switch {
		case r.name != "":
			parts = append(parts, r.name)
		case r.from == r.to:
			parts = append(parts, fmt.Sprintf("%s%0*d%s", r.prefix, r.width, r.from, r.suffix))
		case r.to == r.from+1:
			parts = append(parts, fmt.Sprintf("%s%0*d%s", r.prefix, r.width, r.from, r.suffix), fmt.Sprintf("%s%0*d%s", r.prefix, r.width, r.to, r.suffix))
		default:
			parts = append(parts, fmt.Sprintf("%s{%0*d..%0*d}%s", r.prefix, r.width, r.from, r.width, r.to, r.suffix))
		}
	}
	const most = 20
	if len(parts) > most {
		parts = append(parts[:most], fmt.Sprintf("and %d more", len(parts)-most))
	}
	return strings.Join(parts, ", ")
}

// stepsText lists a change's steps for people: "stop → update → start";
// a growth PUT reads "grow to 150 GB".
func stepsText(steps []Step) string {
	ops := make([]string, len(steps))
	for i, s := range steps {
		ops[i] = string(s.Op)
		if u := s.Update; s.Op == StepUpdate && u != nil && u.StorageNewSize > 0 {
			ops[i] = fmt.Sprintf("grow to %d GB", u.StorageNewSize)
			if !reflect.DeepEqual(*u, modelarts.UpdateRequest{StorageNewSize: u.StorageNewSize}) {
				ops[i] = "update, " + ops[i]
			}
		}
	}
	return strings.Join(ops, " → ")
}

// createSummary says what a change's create step makes, for a reviewer:
// flavor, image, storage, SSH access, lease, and whether it is stopped
// afterwards. Empty when the change creates nothing.
func createSummary(c *Change) string {
	for i, s := range c.Steps {
		if s.Op != StepCreate || s.Create == nil {
			continue
		}
		r := s.Create
		parts := []string{"flavor " + r.Flavor, "image " + r.ImageID}
		v := fmt.Sprintf("%s %s", r.Volume.Category, r.Volume.Ownership)
		if r.Volume.Capacity > 0 {
			v += fmt.Sprintf(" %d GB", r.Volume.Capacity)
		}
		parts = append(parts, v)
		for _, ep := range r.Endpoints {
			if ep.Service == "SSH" {
				parts = append(parts, fmt.Sprintf("SSH (%d keys, %d allowed IPs)", len(ep.KeyPairNames), len(ep.AllowedAccessIPs)))
			}
		}
		if r.PoolID != "" {
			parts = append(parts, "pool "+r.PoolID)
		}
		if r.Lease != nil && r.Lease.Duration > 0 {
			l := "lease " + spec.FormatDuration(time.Duration(r.Lease.Duration)*time.Millisecond)
			if r.Lease.Type != "" {
				l += " " + r.Lease.Type
			}
			parts = append(parts, l)
		}
		if r.Hooks != nil {
			parts = append(parts, "hooks")
		}
		if i+1 < len(c.Steps) && c.Steps[i+1].Op == StepStop {
			parts = append(parts, "then stopped")
		}
		return strings.Join(parts, ", ")
	}
	return ""
}

// textValue shows a field value on one line: strings quoted, nil as
// (none), composite values as compact JSON; long values are shortened.
func textValue(v any) string {
	var s string
	switch v := v.(type) {
	case nil:
		return "(none)"
	case string:
		s = fmt.Sprintf("%q", v)
	default:
		b, err := json.Marshal(v)
		if err != nil {
			s = fmt.Sprint(v)
		} else {
			s = string(b)
		}
	}
	const max = 120
	if r := []rune(s); len(r) > max {
		s = string(r[:max-1]) + "…"
	}
	return s
}
