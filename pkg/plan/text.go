package plan

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
	"time"

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

// WriteText renders the plan for people, Terraform-like: one block per
// change that is not a no-op, in plan order, and the summary line last.
func WriteText(w io.Writer, p *Plan, o TextOptions) error {
	bw := bufio.NewWriter(w)
	paint := func(code, s string) string {
		if !o.Color || code == "" {
			return s
		}
		return code + s + ansiReset
	}
	var n int
	for i := range p.Changes {
		if p.Changes[i].Action != NoOp {
			n++
		}
	}
	if n == 0 {
		fmt.Fprintln(bw, "No changes. The fleet matches the cloud.")
		for _, note := range p.Notes {
			fmt.Fprintf(bw, "Note: %s.\n", note)
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
	fmt.Fprintf(bw, "nbfleet will perform these actions on fleet %q:\n", p.Fleet)
	if s := p.Summary(); s.Delete+s.Replace > 0 {
		fmt.Fprintln(bw)
		fmt.Fprintln(bw, paint(ansiRed+ansiBold, fmt.Sprintf("WARNING: %d notebook(s) will be deleted and %d replaced; their storage is destroyed.", s.Delete, s.Replace)))
	}
	if !detail {
		fmt.Fprintln(bw)
	}
	for i := range p.Changes {
		c := &p.Changes[i]
		if c.Action == NoOp {
			continue
		}
		head := fmt.Sprintf("%3s %s", c.Action.Symbol(), c.Name)
		head += " (" + c.Action.String() + ")"
		switch {
		case c.ID != "":
			head += " id " + c.ID
		case len(c.IDs) > 0:
			head += " ids " + strings.Join(c.IDs, ", ")
		}
		if c.Protected {
			head += " [PROTECTED]"
		}
		if detail {
			fmt.Fprintln(bw)
		}
		fmt.Fprintln(bw, paint(c.Action.color(), head))
		if !detail {
			continue
		}
		fmt.Fprintf(bw, "      %s\n", c.Reason)
		if what := createSummary(c); what != "" {
			fmt.Fprintf(bw, "      creates: %s\n", what)
		}
		for _, f := range c.Fields {
			line := fmt.Sprintf("      %s: %s → %s", f.Path, textValue(f.Before), textValue(f.After))
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
		fmt.Fprintf(bw, "Note: %s.\n", note)
	}
	if !detail {
		fmt.Fprintln(bw, "Field-level differences are hidden for a plan this large; run with -v to see them.")
	}
	fmt.Fprintln(bw, paint(ansiBold, p.SummaryLine()))
	return bw.Flush()
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
