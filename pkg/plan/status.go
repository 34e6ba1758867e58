package plan

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/nbfleet/nbfleet/pkg/modelarts"
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
}

// Status returns the status of every declared notebook the options
// select, in declaration order, by the matching Diff uses (MatchFleet): a
// name the plan calls a conflict because of another fleet's notebook or
// duplicates is StatusConflict here, never that notebook's status and URL.
func Status(f *spec.Fleet, live []modelarts.Notebook, opts Options) []NotebookStatus {
	m := MatchFleet(f, live, opts)
	out := make([]NotebookStatus, 0, len(m.Declared))
	for _, dm := range m.Declared {
		s := NotebookStatus{Name: dm.Name}
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
		}
		out = append(out, s)
	}
	return out
}

// StatusFormatVersion is the format_version of WriteStatusJSON's document;
// version 2 made it an integer.
const StatusFormatVersion = 2

// WriteStatusJSON writes the statuses as one versioned document:
// {"format_version": 2, "fleet": …, "notebooks": [{"name", "status", "id",
// "url", "owned"}]}.
func WriteStatusJSON(w io.Writer, fleet string, rows []NotebookStatus) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if rows == nil {
		rows = []NotebookStatus{}
	}
	return enc.Encode(struct {
		FormatVersion int              `json:"format_version"`
		Fleet         string           `json:"fleet"`
		Notebooks     []NotebookStatus `json:"notebooks"`
	}{StatusFormatVersion, fleet, rows})
}

// WriteStatusCSV writes one row per notebook: name, status, id and url —
// the list an instructor mails out.
func WriteStatusCSV(w io.Writer, rows []NotebookStatus) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"name", "status", "id", "url"})
	for _, r := range rows {
		cw.Write([]string{r.Name, r.Status, r.ID, r.URL})
	}
	cw.Flush()
	return cw.Error()
}

// WriteStatusTable writes the statuses as an aligned table for people, "-"
// for what is empty, and a closing line of counts per status.
func WriteStatusTable(w io.Writer, rows []NotebookStatus) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSTATUS\tID\tURL")
	counts := map[string]int{}
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Name, r.Status, dash(r.ID), dash(r.URL))
		counts[r.Status]++
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d notebooks: %s\n", len(rows), statusCounts(counts))
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
