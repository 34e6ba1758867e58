package report

import (
	"slices"
	"strings"
)

// ReservedColumns are the fixed column names of the CSV files nbfleet
// writes (report.csv, the hand-out's CSV, status --format csv). A label
// cannot take one of them: its column is named by [LabelColumns] with a
// "label_" prefix instead. The fleet's validation may refuse such label
// names outright; the writers rename them whatever it does.
var ReservedColumns = []string{"name", "id", "url", "status", "flavor", "outcome", "error"}

// LabelNames returns the names of the labels in any of sets, sorted, each
// once: the label columns of a table whose rows have those labels (a row
// without one of them has an empty cell).
func LabelNames(sets []map[string]string) []string {
	var names []string
	for _, set := range sets {
		for k := range set {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// LabelColumns returns the column heading of each label name in names, in
// the same order: the name itself, unless it is one of [ReservedColumns]
// (compared without regard to case or surrounding spaces), when it gets
// "label_" prefixed as often as needed to differ from every other column
// and label. A label named "status" is the column "label_status", and a
// mail merge that asks for "status" still gets the notebook's status.
func LabelColumns(names []string) []string {
	taken := map[string]bool{}
	for _, c := range ReservedColumns {
		taken[c] = true
	}
	for _, n := range names {
		taken[columnKey(n)] = true
	}
	cols := make([]string, len(names))
	for i, n := range names {
		if !slices.Contains(ReservedColumns, columnKey(n)) {
			cols[i] = n
			continue
		}
		c := "label_" + n
		for taken[columnKey(c)] {
			c = "label_" + c
		}
		taken[columnKey(c)] = true
		cols[i] = c
	}
	return cols
}

func columnKey(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// labelCells returns the value of each label name in names for one row,
// "" where the row has no such label.
func labelCells(labels map[string]string, names []string) []string {
	cells := make([]string, len(names))
	for i, n := range names {
		cells[i] = labels[n]
	}
	return cells
}

// entryLabels returns the labels of every entry.
func entryLabels(es []Entry) []map[string]string {
	sets := make([]map[string]string, len(es))
	for i, e := range es {
		sets[i] = e.Labels
	}
	return sets
}
