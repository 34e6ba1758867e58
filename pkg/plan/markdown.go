package plan

import (
	"fmt"
	"io"
	"strings"
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

// WriteMarkdown renders the plan for a pull-request comment: a heading, a
// visible warning when anything is deleted or replaced, a summary table and
// one <details> section per action. The document never exceeds MaxLen
// bytes: past it the rows are cut, visibly, with FullPlanHint.
func WriteMarkdown(w io.Writer, p *Plan, o MarkdownOptions) error {
	max := o.MaxLen
	if max <= 0 {
		max = DefaultMarkdownMax
	}
	var b strings.Builder
	fmt.Fprintf(&b, "### nbfleet plan for fleet `%s`\n\n", mdCode(p.Fleet))
	s := p.Summary()
	if !p.HasChanges() {
		b.WriteString("**No changes.** The fleet matches the cloud.\n")
		writeNotes(&b, p)
		_, err := io.WriteString(w, b.String())
		return err
	}
	if s.Delete+s.Replace > 0 {
		fmt.Fprintf(&b, "> [!WARNING]\n> **This plan deletes %d and replaces %d notebook(s). Their storage is destroyed.**\n\n", s.Delete, s.Replace)
	}
	if err := p.Err(); err != nil {
		fmt.Fprintf(&b, "> [!CAUTION]\n> **%s** — apply will refuse this plan.\n\n", mdText(err.Error()))
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
				first = mdRow(&p.Changes[i])
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
			if c.Action != a {
				continue
			}
			row := mdRow(c)
			if b.Len()+len(row)+reserve > max {
				truncated = true
				break
			}
			b.WriteString(row)
			shown++
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

func mdRow(c *Change) string {
	id := c.ID
	if len(c.IDs) > 0 {
		id = strings.Join(c.IDs, ", ")
	}
	var fields []string
	if what := createSummary(c); what != "" {
		fields = append(fields, "creates: "+mdText(what))
	}
	for _, f := range c.Fields {
		s := fmt.Sprintf("`%s`: %s → %s", f.Path, mdCode(textValue(f.Before)), mdCode(textValue(f.After)))
		if f.Forces == "replace" {
			s += " **(forces replacement)**"
		}
		fields = append(fields, s)
	}
	if len(c.Steps) > 1 && c.Action != Create {
		fields = append(fields, "steps: "+mdText(stepsText(c.Steps)))
	}
	name := mdText(c.Name)
	if c.Protected {
		name += " 🔒"
	}
	reason := mdText(c.Reason)
	if c.DestroysData {
		reason = "⚠️ " + reason
	}
	idCell := ""
	if id != "" {
		idCell = "`" + mdCode(id) + "`"
	}
	return fmt.Sprintf("| %s | %s | %s | %s |\n", name, idCell, reason, strings.Join(fields, "<br>"))
}

// mdText escapes text for a table cell.
func mdText(s string) string {
	r := strings.NewReplacer("|", `\|`, "\n", " ", "<", "&lt;", ">", "&gt;")
	return r.Replace(s)
}

// mdCode makes s safe inside a code span in a table cell.
func mdCode(s string) string {
	r := strings.NewReplacer("|", `\|`, "\n", " ", "`", "'")
	return r.Replace(s)
}
