package plan

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/nbfleet/nbfleet/internal/safetext"
)

// MarkdownOptions control WriteMarkdown.
type MarkdownOptions struct {
	// MaxLen is the most bytes the document may have; zero means
	// DefaultMarkdownMax (GitHub's comment limit is 65 536).
	MaxLen int
	// FullPlanHint says where the full plan is when the document had to be
	// truncated, e.g. "the full plan is in the job artifact plan.json".
	FullPlanHint string
}

// DefaultMarkdownMax is the MaxLen used when it is zero.
const DefaultMarkdownMax = 60000

// markdownGroups is the order of the <details> sections.
var markdownGroups = []Action{Conflict, Replace, Delete, Create, Adopt, Update, Start, Stop}

// WriteMarkdown renders the plan for a pull-request comment: a heading
// and a line that say where it acts, a visible warning that names the
// notebooks deleted or replaced (with their labels), a summary table and
// one <details> section per action, a big fleet's identical creates as one
// row. The document never exceeds MaxLen bytes: past it the rows are cut,
// visibly, with FullPlanHint. Every name, id, label, reason and value is
// one code span (safetext.MarkdownCell or MarkdownInline): nothing from the
// cloud or a fleet file under review can add a row, a link, a mention or
// formatting.
func WriteMarkdown(w io.Writer, p *Plan, o MarkdownOptions) error {
	max := o.MaxLen
	if max <= 0 {
		max = DefaultMarkdownMax
	}
	var b strings.Builder
	fmt.Fprintf(&b, "### nbfleet plan for fleet %s\n\n", safetext.MarkdownInline(p.Fleet))
	var where []string
	for _, kv := range [][2]string{{"cloud", p.Cloud}, {"region", p.Region}, {"project", p.ProjectID}} {
		if kv[1] != "" {
			where = append(where, "**"+kv[0]+"** "+safetext.MarkdownInline(kv[1]))
		}
	}
	if len(where) > 0 {
		b.WriteString(strings.Join(where, " · ") + "\n\n")
	}
	s := p.Summary()
	if !p.HasChanges() {
		b.WriteString("**No changes.** The fleet matches the cloud.\n")
		writeNotes(&b, p)
		_, err := io.WriteString(w, b.String())
		return err
	}
	if s.Delete+s.Replace > 0 {
		fmt.Fprintf(&b, "> [!WARNING]\n> **This plan deletes %d and replaces %d notebook(s). Their storage is destroyed:**\n", s.Delete, s.Replace)
		writeDestroyed(&b, p)
		b.WriteString("\n")
	}
	if pc := p.ProtectedChanges(); len(pc) > 0 {
		var names []string
		for _, c := range pc {
			names = append(names, safetext.MarkdownInline(c.Name)+" ("+c.Action.String()+")")
		}
		fmt.Fprintf(&b, "> [!CAUTION]\n> **Apply will refuse this plan:** it deletes or replaces protected notebooks: %s. Remove `protect: true` from them in the fleet file if their storage may really be destroyed, or leave them out with `--exclude`.\n\n",
			strings.Join(names, ", "))
	}
	if s.Conflict > 0 {
		fmt.Fprintf(&b, "> [!IMPORTANT]\n> %d conflict(s): nbfleet does nothing to these notebooks; see below.\n\n", s.Conflict)
	}
	b.WriteString("| action | count |\n|---|---:|\n")
	counts := map[Action]int{Create: s.Create, Update: s.Update, Adopt: s.Adopt, Replace: s.Replace,
		Delete: s.Delete, Start: s.Start, Stop: s.Stop, Conflict: s.Conflict, NoOp: s.NoOp}
	for _, a := range []Action{Create, Update, Adopt, Replace, Delete, Start, Stop, Conflict, NoOp} {
		fmt.Fprintf(&b, "| %s %s | %d |\n", mdSymbol(a), a, counts[a])
	}
	fmt.Fprintf(&b, "\n`%s`\n", p.SummaryLine())
	writeNotes(&b, p)

	// Reserve room for the closing of a section and the truncation note.
	hint := o.FullPlanHint
	if hint == "" {
		hint = "run `nbfleet plan` to see the full plan"
	}
	reserve := 200 + len(hint)
	groups := createGroups(p)
	shown, total := 0, 0
	truncated := false
	for _, a := range markdownGroups {
		if counts[a] == 0 {
			continue
		}
		total += counts[a]
		if truncated {
			continue
		}
		open := fmt.Sprintf("\n<details%s><summary>%s %s (%d)</summary>\n\n| name | id | reason | fields |\n|---|---|---|---|\n",
			openAttr(a), mdSymbol(a), a, counts[a])
		var first string
		for i := range p.Changes {
			if p.Changes[i].Action == a {
				first = mdRow(p, i, groups[i])
				break
			}
		}
		if b.Len()+len(open)+len(first)+reserve > max {
			truncated = true
			continue
		}
		b.WriteString(open)
		for i := range p.Changes {
			c := &p.Changes[i]
			members, grouped := groups[i]
			if c.Action != a || (grouped && members == nil) {
				continue
			}
			row := mdRow(p, i, members)
			if b.Len()+len(row)+reserve > max {
				truncated = true
				break
			}
			b.WriteString(row)
			shown += max1(len(members))
		}
		b.WriteString("\n</details>\n")
	}
	if truncated {
		fmt.Fprintf(&b, "\n> [!NOTE]\n> **Truncated:** %d of %d changes are not shown to stay under %d characters; %s.\n",
			total-shown, total, max, mdText(hint))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func max1(n int) int {
	if n < 1 {
		return 1
	}
	return n
}

// mostDestroyedNamed is how many deleted or replaced notebooks the warning
// names before it says how many more there are.
const mostDestroyedNamed = 30

// writeDestroyed lists, inside the warning, the notebooks the plan deletes
// or replaces, each with its action and labels (the declared notebook's:
// a replaced one is declared; a pruned one is not, and has none).
func writeDestroyed(b *strings.Builder, p *Plan) {
	n := 0
	for i := range p.Changes {
		c := &p.Changes[i]
		if c.Action != Delete && c.Action != Replace {
			continue
		}
		n++
		if n > mostDestroyedNamed {
			continue
		}
		fmt.Fprintf(b, "> - %s (%s)%s\n", safetext.MarkdownInline(c.Name), c.Action, mdLabels(c, " — ", "; ", safetext.MarkdownInline))
	}
	if n > mostDestroyedNamed {
		fmt.Fprintf(b, "> - and %d more, listed below\n", n-mostDestroyedNamed)
	}
}

// mdLabels is " — email: `ada@…`; student: `Ada`" (lead, then the labels
// joined by sep, each value through code) for a change whose notebook has
// labels, else "".
func mdLabels(c *Change, lead, sep string, code func(string) string) string {
	if c.Notebook == nil || len(c.Notebook.Labels) == 0 {
		return ""
	}
	var keys []string
	for k := range c.Notebook.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, safetext.Terminal(k)+": "+code(c.Notebook.Labels[k]))
	}
	return lead + strings.Join(parts, sep)
}

// writeNotes writes the plan's notes as a GitHub note block.
func writeNotes(b *strings.Builder, p *Plan) {
	for _, note := range p.Notes {
		fmt.Fprintf(b, "\n> [!NOTE]\n> %s.\n", mdText(note))
	}
}

func openAttr(a Action) string {
	if a == Conflict || a == Replace || a == Delete {
		return " open"
	}
	return ""
}

func mdSymbol(a Action) string {
	if a == NoOp {
		return "="
	}
	return strings.ReplaceAll(a.Symbol(), "-/+", "−/+")
}

// mdRow is the table row of change i, or of its group of identical
// creates when members lists them.
func mdRow(p *Plan, i int, members []int) string {
	c := &p.Changes[i]
	id := c.ID
	if len(c.IDs) > 0 {
		id = strings.Join(c.IDs, ", ")
	}
	var fields []string
	if what := createSummary(c); what != "" {
		fields = append(fields, "creates: "+safetext.MarkdownCell(what))
	}
	for _, f := range c.Fields {
		s := fmt.Sprintf("`%s`: %s → %s", f.Path, safetext.MarkdownCell(textValue(f.Before)), safetext.MarkdownCell(textValue(f.After)))
		if f.Forces == "replace" {
			s += " **(forces replacement)**"
		}
		fields = append(fields, s)
	}
	if len(c.Steps) > 1 && c.Action != Create {
		fields = append(fields, "steps: "+mdText(stepsText(c.Steps)))
	}
	name := safetext.MarkdownCell(c.Name)
	if len(members) > 0 {
		name = fmt.Sprintf("%d × like %s: %s", len(members), safetext.MarkdownCell(c.Name), safetext.MarkdownCell(compactNames(p, members)))
	}
	if c.Protected {
		name += " 🔒"
	}
	if c.Action == Replace || c.Action == Delete {
		name += mdLabels(c, "<br>", "<br>", safetext.MarkdownCell)
	}
	reason := safetext.MarkdownCell(c.Reason)
	if c.DestroysData {
		reason = "⚠️ " + reason
	}
	return fmt.Sprintf("| %s | %s | %s | %s |\n", name, safetext.MarkdownCell(id), reason, strings.Join(fields, "<br>"))
}

// mdText escapes nbfleet's own text for a table cell.
func mdText(s string) string {
	r := strings.NewReplacer("|", `\|`, "\n", " ", "<", "&lt;", ">", "&gt;")
	return r.Replace(s)
}
