package safetexttest

import (
	"strings"
	"testing"

	"github.com/nbfleet/nbfleet/internal/safetext"
)

// TestMarkdownCatches: the check itself fails on each kind of injection
// and passes the same text made inert.
func TestMarkdownCatches(t *testing.T) {
	table := func(cell string) string { return "| a | b |\n|---|---|\n| x | " + cell + " |\n" }
	for _, bad := range []string{
		table("[click](https://evil.example)"),
		table("![img](https://evil.example/x.png)"),
		table("x | y | z"),
		table("ok\n| forged | row | extra |"),
		table("@octocat"),
		table("fixes #123"),
		table("www.evil.example"),
		"<img src=x onerror=alert(1)>\n",
		table("\x1b[2J"),
	} {
		if err := Markdown(bad); err == nil {
			t.Errorf("Markdown accepted %q", bad)
		}
	}
	for _, s := range Corpus {
		if err := Markdown(table(safetext.MarkdownCell(s))); err != nil {
			t.Errorf("Markdown refused the inert cell of %q: %v", s, err)
		}
	}
	if err := Markdown("see https://nb.example/1\n", "https://nb.example/1"); err != nil || !strings.Contains(table("a"), "|") {
		t.Errorf("an allowed URL: %v", err)
	}
}
