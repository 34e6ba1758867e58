package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// docCommands returns the `nbfleet …` lines of the fenced code blocks in
// the section of markdown whose "### " heading starts with heading, with
// shell redirections and comments removed.
func docCommands(t *testing.T, markdown, heading string) []string {
	t.Helper()
	var cmds []string
	in, fenced, found := false, false, false
	for _, line := range strings.Split(markdown, "\n") {
		trim := strings.TrimSpace(line)
		if strings.HasPrefix(line, "### ") || strings.HasPrefix(line, "## ") {
			in = strings.HasPrefix(line, "### "+heading)
			found = found || in
			continue
		}
		if !in {
			continue
		}
		if strings.HasPrefix(trim, "```") {
			fenced = !fenced
			continue
		}
		if fenced && strings.HasPrefix(trim, "nbfleet ") {
			cmds = append(cmds, normalizeCommand(trim))
		}
	}
	if !found {
		t.Fatalf("no section %q", heading)
	}
	return cmds
}

var (
	testOnlyFlags = regexp.MustCompile(` --auto-approve| --poll-interval \S+`)
	shellTail     = regexp.MustCompile(`\s+(#|>|\|).*$`)
)

// normalizeCommand drops what a reader's and the script's copy of a
// command may differ in: redirections, comments, and the flags only the
// test needs (no terminal to say "yes" on, milliseconds-fast notebooks).
func normalizeCommand(s string) string {
	s = shellTail.ReplaceAllString(s, "")
	s = testOnlyFlags.ReplaceAllString(s, "")
	return strings.Join(strings.Fields(s), " ")
}

// scriptCommands returns the `exec nbfleet …` lines of a testscript file.
func scriptCommands(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cmds []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "-- ") { // the archive's files
			break
		}
		if rest, ok := strings.CutPrefix(line, "exec nbfleet "); ok {
			cmds = append(cmds, normalizeCommand("nbfleet "+rest))
		}
	}
	return cmds
}

// TestWorkflowDocs: the README's classroom walk-through and the script
// that tests it run the same nbfleet commands in the same order, so the
// documentation cannot drift from what is tested.
func TestWorkflowDocs(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := docCommands(t, string(b), "Classroom and workshop")
	script := scriptCommands(t, "testdata/script/workflow_classroom.txtar")
	if len(doc) < 8 {
		t.Fatalf("only %d nbfleet commands in the classroom walk-through: %q", len(doc), doc)
	}
	for i := 0; i < max(len(doc), len(script)); i++ {
		var d, s string
		if i < len(doc) {
			d = doc[i]
		}
		if i < len(script) {
			s = script[i]
		}
		if d != s {
			t.Errorf("command %d: README has %q, workflow_classroom.txtar has %q", i+1, d, s)
		}
	}
	for _, want := range []string{"nbfleet apply classroom.yaml --replace ml101-s017", "nbfleet renew classroom.yaml --duration 8h", "nbfleet destroy classroom.yaml"} {
		found := false
		for _, d := range doc {
			found = found || d == want
		}
		if !found {
			t.Errorf("the classroom walk-through lacks %q", want)
		}
	}
}

func TestNormalizeCommand(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"nbfleet status classroom.yaml --format csv > urls.csv", "nbfleet status classroom.yaml --format csv"},
		{"nbfleet apply classroom.yaml --auto-approve --poll-interval 20ms", "nbfleet apply classroom.yaml"},
		{"nbfleet plan x.yaml   # exit 2", "nbfleet plan x.yaml"},
		{"nbfleet drift x.yaml | mail", "nbfleet drift x.yaml"},
	} {
		if got := normalizeCommand(tc.in); got != tc.want {
			t.Errorf("normalizeCommand(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
