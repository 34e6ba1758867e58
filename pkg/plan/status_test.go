package plan

import (
	"strings"
	"testing"

	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

// TestStatusCounts: the status line is the same every time, whatever the
// map's order, with unusual statuses sorted after the usual ones.
func TestStatusCounts(t *testing.T) {
	m := map[string]int{"FROZEN": 1, "RUNNING": 28, "ABSENT": 2, "DELETE_FAILED": 1, "SNAPSHOTTING": 3}
	want := "28 RUNNING, 2 ABSENT, 1 DELETE_FAILED, 1 FROZEN, 3 SNAPSHOTTING"
	for range 20 {
		if got := statusCounts(m); got != want {
			t.Fatalf("statusCounts = %q, want %q", got, want)
		}
	}
}

// TestStatusWriters: every format shows each notebook's labels and the
// flavor it got, a fallback marked in the table; cells from a roster or
// the cloud stay inert text (no escape sequence reaches a terminal, no
// formula a spreadsheet). A label named like a fixed column is renamed.
func TestStatusWriters(t *testing.T) {
	f := fleet(
		nb("a", gpuFirst, func(n *spec.Notebook) {
			n.Labels = map[string]string{"student": "Zoë O'Brien", "email": "=HYPERLINK(\"x\")", "status": "repeating"}
		}),
		nb("b", func(n *spec.Notebook) { n.Labels = map[string]string{"student": "Eve\x1b]52;c;cGF5bG9hZA==\x07\tx"} }),
		nb("c"),
	)
	rows := Status(f, []modelarts.Notebook{live("a", "i1"), live("b", "i2", ownedBy("other"))}, Options{})
	if r := rows[0]; r.Flavor != "modelarts.vm.cpu.2u" || !r.FlavorFallback || r.Labels["student"] != "Zoë O'Brien" {
		t.Errorf("row a: %+v", r)
	}
	if r := rows[1]; r.Status != StatusConflict || r.Flavor != "" || r.Labels["student"] == "" {
		t.Errorf("row b (another fleet's): %+v", r)
	}

	var csvOut, table, js strings.Builder
	if err := WriteStatusCSV(&csvOut, rows); err != nil {
		t.Fatal(err)
	}
	wantCSV := "name,email,label_status,student,status,id,url,flavor\n" +
		"a,\"'=HYPERLINK(\"\"x\"\")\",repeating,Zoë O'Brien,RUNNING,i1,https://console.example/i1,modelarts.vm.cpu.2u\n" +
		"b,,,Eve\\x1b]52;c;cGF5bG9hZA==\\x07\\tx,CONFLICT,,,\n" +
		"c,,,,ABSENT,,,\n"
	if csvOut.String() != wantCSV {
		t.Errorf("CSV:\n%s\nwant:\n%s", csvOut.String(), wantCSV)
	}
	if err := WriteStatusTable(&table, rows); err != nil {
		t.Fatal(err)
	}
	tab := table.String()
	for _, w := range []string{"NAME  EMAIL", "LABEL_STATUS  STUDENT", "modelarts.vm.cpu.2u (fallback)", "Eve\\x1b]52;c;cGF5bG9hZA==\\x07\\tx", "3 notebooks: 1 RUNNING, 1 ABSENT, 1 CONFLICT"} {
		if !strings.Contains(tab, w) {
			t.Errorf("table lacks %q:\n%s", w, tab)
		}
	}
	if err := WriteStatusJSON(&js, "ml101", rows); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{`"labels": {`, `"student": "Zoë O'Brien"`, `"flavor": "modelarts.vm.cpu.2u"`, `"flavor_fallback": true`, `Eve\u001b]52`} {
		if !strings.Contains(js.String(), w) {
			t.Errorf("JSON lacks %s:\n%s", w, js.String())
		}
	}
	for _, out := range []string{csvOut.String(), tab, js.String()} {
		if strings.ContainsAny(out, "\x1b\x07\t") || strings.Contains(out, "SECRET") {
			t.Errorf("raw control characters or a token in:\n%q", out)
		}
	}
}
