package main

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra/doc"

	"github.com/nbfleet/nbfleet/internal/golden"
)

// cliDocs is where the CLI reference lives, generated from the command
// tree: one Markdown page per command.
var cliDocs = filepath.Join(repoRoot, "docs", "cli")

// TestCLIReference fails when docs/cli is not what the command tree
// generates (with github.com/spf13/cobra/doc): a flag, a command or a help
// text changed without `make docs` (go test ./cmd/nbfleet -run
// TestCLIReference -update), which rewrites the pages and removes those of
// commands that are gone.
func TestCLIReference(t *testing.T) {
	root := newRootCmd(&env{getenv: func(string) string { return "" }})
	root.DisableAutoGenTag = true // no date: the pages are the same on every run
	tmp := t.TempDir()
	if err := doc.GenMarkdownTree(root, tmp); err != nil {
		t.Fatal(err)
	}
	read := func(dir string) map[string]string {
		files := map[string]string{}
		entries, err := os.ReadDir(dir)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			files[e.Name()] = string(b)
		}
		return files
	}
	want, got := read(tmp), read(cliDocs)
	if golden.Updating() {
		if err := os.MkdirAll(cliDocs, 0o755); err != nil {
			t.Fatal(err)
		}
		for name := range got {
			if _, ok := want[name]; !ok {
				if err := os.Remove(filepath.Join(cliDocs, name)); err != nil {
					t.Fatal(err)
				}
			}
		}
		for name, content := range want {
			if err := os.WriteFile(filepath.Join(cliDocs, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	var names []string
	for name := range want {
		names = append(names, name)
	}
	sort.Strings(names)
	if len(names) < 13 {
		t.Fatalf("only %d pages generated: %v", len(names), names)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("docs/cli is out of date with the command tree; run make docs (-generated +docs/cli):\n%s", d)
	}
}
