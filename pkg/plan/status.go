package plan

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/nbfleet/nbfleet/internal/safetext"
	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/report"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

// Statuses of NotebookStatus besides the live ones.
const (
	StatusAbsent   = "ABSENT"   // no live notebook has the declared name
	StatusConflict = "CONFLICT" // two live notebooks have it, or another fleet's
)

// NotebookStatus is one declared notebook as it is live: what `nbfleet
// status` lists and an instructor mails out. It never holds a token.
type NotebookStatus struct {
	Name string `json:"name"`
	// Labels are the declared notebook's labels (student, email, …): who
	// the notebook is for. Never sent to the cloud.
	Labels map[string]string `json:"labels,omitempty"`
	// Status is the live status; StatusAbsent, DELETING while the last copy
	// is being deleted; StatusConflict when the plan would not touch the
	// name because of whom its live notebooks belong to (Verdict.Conflict).
	Status string `json:"status"`
	// ID and URL are the live notebook's; empty for an absent name and a
	// conflict, whose notebooks are not the fleet's to hand out.
	ID  string `json:"id,omitempty"`
	URL string `json:"url,omitempty"`
	// Owned is true when the notebook carries the fleet's marker (false
	// for one the next apply adopts).
	Owned bool `json:"owned"`
	// Flavor is the flavor the live notebook got; FlavorFallback is true
	// when that is not the first of its list (the first was sold out or
	// not offered when it was made). Empty for an absent name and a
	// conflict.
	Flavor         string `json:"flavor,omitempty"`
	FlavorFallback bool   `json:"flavor_fallback,omitempty"`
}

// Status returns the status of every declared notebook the options
// select, in declaration order, by the matching Diff uses (MatchFleet): a
// name the plan calls a conflict because of another fleet's notebook or
// duplicates is StatusConflict here, never that notebook's status and URL.
func Status(f *spec.Fleet, live []modelarts.Notebook, opts Options) []NotebookStatus {
	m := MatchFleet(f, live, opts)
	out := make([]NotebookStatus, 0, len(m.Declared))
	declared := make(map[string]*spec.Notebook, len(f.Notebooks))
	for i := range f.Notebooks {
		declared[f.Notebooks[i].Name] = &f.Notebooks[i]
	}
	for _, dm := range m.Declared {
		nb := declared[dm.Name]
		s := NotebookStatus{Name: dm.Name, Labels: nb.Labels}
		switch {
		case dm.Verdict == Absent && len(dm.Deleting) > 0:
			s.Status, s.ID = modelarts.StatusDeleting, dm.Deleting[len(dm.Deleting)-1].ID
		case dm.Verdict == Absent:
			s.Status = StatusAbsent
		case dm.Verdict.Conflict():
			s.Status = StatusConflict
		default:
			s.Status, s.ID, s.URL = dm.Live.Status, dm.Live.ID, dm.Live.URL
			s.Owned = dm.Verdict == Owned
			s.Flavor = dm.Live.Flavor
			flavors := flavorsOf(nb)
			s.FlavorFallback = s.Flavor != "" && s.Flavor != flavors[0] && slices.Contains(flavors, s.Flavor)
		}
		out = append(out, s)
	}
	return out
}

// StatusFormatVersion is the format_version of WriteStatusJSON's document;
// version 2 made it an integer.
const StatusFormatVersion = 2

// WriteStatusJSON writes the statuses as one versioned document:
// {"format_version": 2, "fleet": …, "notebooks": [{"name", "labels",
// "status", "id", "url", "owned", "flavor", "flavor_fallback"}]}. Characters
// a terminal could act on are written as \u escapes (safetext.JSON).
func WriteStatusJSON(w io.Writer, fleet string, rows []NotebookStatus) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if rows == nil {
		rows = []NotebookStatus{}
	}
	if err := enc.Encode(struct {
		FormatVersion int              `json:"format_version"`
		Fleet         string           `json:"fleet"`
		Notebooks     []NotebookStatus `json:"notebooks"`
	}{StatusFormatVersion, fleet, rows}); err != nil {
		return err
	}
	_, err := w.Write(safetext.JSON(b.Bytes()))
	return err
}

// statusLabels returns the label names of rows, sorted, and their column
// headings (report.LabelColumns: a label named like a fixed column gets a
// "label_" prefix).
func statusLabels(rows []NotebookStatus) (names, cols []string) {
	sets := make([]map[string]string, len(rows))
	for i, r := range rows {
		sets[i] = r.Labels
	}
	names = report.LabelNames(sets)
	return names, report.LabelColumns(names)
}

// WriteStatusCSV writes one row per notebook: name, one column per label
// (sorted, as report.csv has them), status, id, url and flavor — the list
// an instructor mails out. Every cell goes through safetext.CSVCell, so a
// spreadsheet shows a label such as "=HYPERLINK(…)" instead of running it.
func WriteStatusCSV(w io.Writer, rows []NotebookStatus) error {
	names, cols := statusLabels(rows)
	cw := csv.NewWriter(w)
	write := func(cells ...string) {
		for i, c := range cells {
			cells[i] = safetext.CSVCell(c)
		}
		cw.Write(cells)
	}
	write(append(append([]string{"name"}, cols...), "status", "id", "url", "flavor")...)
	for _, r := range rows {
		write(append(append([]string{r.Name}, labelValues(r.Labels, names)...), r.Status, r.ID, r.URL, r.Flavor)...)
	}
	cw.Flush()
	return cw.Error()
}

func labelValues(labels map[string]string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = labels[n]
	}
	return out
}

// WriteStatusTable writes the statuses as an aligned table for people:
// the name, the labels, status, flavor ("(fallback)" after one that is not
// the first of its list), id and URL, "-" for what is empty, every cell in
// safetext.Terminal's visible form; then a closing line of counts per
// status.
func WriteStatusTable(w io.Writer, rows []NotebookStatus) error {
	names, cols := statusLabels(rows)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	line := func(cells ...string) {
		for i, c := range cells {
			if c == "" {
				c = "-"
			}
			cells[i] = safetext.Terminal(c) // a tab too: it cannot shift a column
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	head := []string{"NAME"}
	for _, c := range cols {
		head = append(head, strings.ToUpper(c))
	}
	line(append(head, "STATUS", "FLAVOR", "ID", "URL")...)
	counts := map[string]int{}
	for _, r := range rows {
		flavor := r.Flavor
		if r.FlavorFallback {
			flavor += " (fallback)"
		}
		line(append(append([]string{r.Name}, labelValues(r.Labels, names)...), r.Status, flavor, r.ID, r.URL)...)
		counts[r.Status]++
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	noun := "notebooks"
	if len(rows) == 1 {
		noun = "notebook"
	}
	_, err := fmt.Fprintf(w, "%d %s: %s\n", len(rows), noun, statusCounts(counts))
	return err
}

// statusCounts lists the counts in a fixed order: the usual statuses
// first, any other status after them alphabetically.
func statusCounts(m map[string]int) string {
	rank := map[string]int{}
	for i, k := range []string{modelarts.StatusRunning, modelarts.StatusStopped, modelarts.StatusCreating, modelarts.StatusStarting,
		modelarts.StatusStopping, modelarts.StatusDeleting, modelarts.StatusCreateFailed, modelarts.StatusStartFailed,
		modelarts.StatusError, StatusAbsent, StatusConflict} {
		rank[k] = i + 1
	}
	order := func(k string) int {
		if r := rank[k]; r > 0 {
			return r
		}
		return len(rank) + 1
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if ri, rj := order(keys[i]), order(keys[j]); ri != rj {
			return ri < rj
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d %s", m[k], k)
	}
	return strings.Join(parts, ", ")
}
