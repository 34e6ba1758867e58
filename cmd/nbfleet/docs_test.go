package main

// Tests of the documentation: the tutorials run the commands their test
// scripts run, and no document refers to a file, a directory or a heading
// that is not in the repository.

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
)

// repoRoot is the repository, seen from this package's directory.
const repoRoot = "../.."

// docCommands returns the `nbfleet …` lines of the fenced code blocks in
// the section of markdown whose heading starts with heading (to the next
// heading of the same or a higher level), with shell redirections,
// comments and test-only flags removed.
func docCommands(t *testing.T, markdown, heading string) []string {
	t.Helper()
	var cmds []string
	level, fenced, found := 0, false, false
	for _, line := range strings.Split(markdown, "\n") {
		trim := strings.TrimSpace(line)
		if strings.HasPrefix(trim, "```") {
			fenced = !fenced
			continue
		}
		if !fenced {
			if n := headingLevel(line); n > 0 {
				switch {
				case level == 0 && strings.HasPrefix(strings.TrimSpace(line[n:]), heading):
					level, found = n, true
				case level > 0 && n <= level:
					level = 0
				}
				continue
			}
		}
		if c, ok := command(trim); level > 0 && fenced && ok {
			cmds = append(cmds, c)
		}
	}
	if !found {
		t.Fatalf("no section %q", heading)
	}
	return cmds
}

// headingLevel is the level of an ATX heading line ("## x" is 2), or 0.
func headingLevel(line string) int {
	n := 0
	for n < len(line) && line[n] == '#' {
		n++
	}
	if n == 0 || n > 6 || n == len(line) || line[n] != ' ' {
		return 0
	}
	return n
}

// commandWord matches a command line the tutorials document: nbfleet, or
// the cron wrapper wherever it is (examples/cron/nbfleet-cron.sh in a
// checkout, bash nbfleet-cron.sh in a test).
var commandWord = regexp.MustCompile(`^(?:bash )?(?:\S*/)?(nbfleet|nbfleet-cron\.sh) `)

// command returns the normalised form of the command line s, and whether
// it is one of nbfleet's.
func command(s string) (string, bool) {
	m := commandWord.FindStringSubmatchIndex(s)
	if m == nil {
		return "", false
	}
	return normalizeCommand(s[m[2]:]), true
}

var (
	testOnlyFlags = regexp.MustCompile(` --auto-approve| --poll-interval \S+| --report-dir \S+| --lock-timeout \S+`)
	shellTail     = regexp.MustCompile(`\s+(#|>|\|).*$`)
)

// normalizeCommand drops what a reader's and the script's copy of a
// command may differ in: redirections, comments, and the flags only the
// test needs (no terminal to say "yes" on, milliseconds-fast notebooks,
// the directory each run's report goes to).
func normalizeCommand(s string) string {
	s = shellTail.ReplaceAllString(s, "")
	s = testOnlyFlags.ReplaceAllString(s, "")
	return strings.Join(strings.Fields(s), " ")
}

// shellC matches a script line that runs a shell command line.
var shellC = regexp.MustCompile(`^(?:! )?exec (?:sh|bash) -c '(.*)'$`)

// scriptCommands returns the commands of a testscript file that
// [command] knows: its `exec nbfleet …` lines and those in its
// `exec sh -c '…'` lines, in order.
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
		line = strings.TrimPrefix(line, "! ")
		if rest, ok := strings.CutPrefix(line, "exec "); ok {
			if c, ok := command(rest); ok {
				cmds = append(cmds, c)
				continue
			}
		}
		if m := shellC.FindStringSubmatch(line); m != nil {
			for _, part := range regexp.MustCompile(`;|&&|\|\|`).Split(m[1], -1) {
				if c, ok := command(strings.TrimSpace(part)); ok {
					cmds = append(cmds, c)
				}
			}
		}
	}
	return cmds
}

func readDoc(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestWorkflowDocs: each tutorial and the script that tests it run the
// same nbfleet commands in the same order, so the documentation cannot
// drift from what is tested. The classroom walk-through is the script's
// every nbfleet command; the cron and pull-request walk-throughs are the
// script's in order, which runs more (the test's own checks).
func TestWorkflowDocs(t *testing.T) {
	t.Run("classroom", func(t *testing.T) {
		doc := docCommands(t, readDoc(t, "docs/tutorials/classroom.md"), "Walk-through")
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
				t.Errorf("command %d: classroom.md has %q, workflow_classroom.txtar has %q", i+1, d, s)
			}
		}
		for _, want := range []string{"nbfleet apply classroom.yaml --replace ml101-s017", "nbfleet handout classroom.yaml --out handout",
			"nbfleet drift classroom.yaml", "nbfleet apply classroom.yaml --restart-after-lease",
			"nbfleet renew classroom.yaml --duration 8h", "nbfleet destroy classroom.yaml"} {
			found := false
			for _, d := range doc {
				found = found || d == want
			}
			if !found {
				t.Errorf("the classroom walk-through lacks %q", want)
			}
		}
	})
	for _, tc := range []struct{ doc, section, script string }{
		{"docs/tutorials/cron.md", "Step by step", "workflow_cron.txtar"},
		{"docs/tutorials/pull-request.md", "The same flow by hand", "workflow_pr.txtar"},
	} {
		t.Run(tc.script, func(t *testing.T) {
			doc := docCommands(t, readDoc(t, tc.doc), tc.section)
			script := scriptCommands(t, filepath.Join("testdata", "script", tc.script))
			if len(doc) < 3 {
				t.Fatalf("only %d nbfleet commands in %s: %q", len(doc), tc.doc, doc)
			}
			i := 0
			for _, s := range script {
				if i < len(doc) && s == doc[i] {
					i++
				}
			}
			if i < len(doc) {
				t.Errorf("%s runs %q (command %d), which %s does not run after the ones before it; the script runs:\n%s",
					tc.doc, doc[i], i+1, tc.script, strings.Join(script, "\n"))
			}
		})
	}
}

func TestNormalizeCommand(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"nbfleet status classroom.yaml --format csv > urls.csv", "nbfleet status classroom.yaml --format csv"},
		{"nbfleet apply classroom.yaml --auto-approve --poll-interval 20ms", "nbfleet apply classroom.yaml"},
		{"nbfleet apply plan.json --report-dir report3", "nbfleet apply plan.json"},
		{"nbfleet plan x.yaml   # exit 2", "nbfleet plan x.yaml"},
		{"nbfleet drift x.yaml | mail", "nbfleet drift x.yaml"},
		{"examples/cron/nbfleet-cron.sh classroom.yaml   # exit 0", "nbfleet-cron.sh classroom.yaml"},
		{"bash nbfleet-cron.sh classroom.yaml --poll-interval 20ms", "nbfleet-cron.sh classroom.yaml"},
	} {
		if got, _ := command(tc.in); got != tc.want {
			t.Errorf("command(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if c, ok := command("cat late.csv >> roster.csv"); ok {
		t.Errorf("command(cat …) = %q, want none", c)
	}
}

// docFiles are the documents a user reads: README.md, CONTRIBUTING.md and
// every Markdown file under docs/, relative to the repository.
func docFiles(t *testing.T) []string {
	t.Helper()
	files := []string{"README.md", "CONTRIBUTING.md"}
	err := filepath.WalkDir(filepath.Join(repoRoot, "docs"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".md") {
			rel, err := filepath.Rel(repoRoot, p)
			if err != nil {
				return err
			}
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

var gfmDocs = goldmark.New(goldmark.WithExtensions(extension.GFM))

// docRefs are what one document refers to.
type docRefs struct {
	links    []string // destinations of links and images
	paths    []string // repository paths named in text or code
	headings []string // the anchors GitHub gives its headings
}

// repoPath finds a repository path in prose or code: a name under one of
// the repository's top-level directories, not part of a longer path (a Go
// import path, ../../schema/… relative to a fleet file, $DIR/…), with an
// optional ./ in front. Globs (*.txtar) must match something.
var repoPath = regexp.MustCompile("(?:^|[\\s`'\"(\\[|,=])(?:\\./)?((?:\\.ci|cmd|docs|examples|internal|pkg|schema|scripts|test)/[\\w.*/-]*[\\w*])")

func scanDoc(t *testing.T, rel string) docRefs {
	t.Helper()
	src := []byte(readDoc(t, rel))
	var r docRefs
	seen := map[string]int{}
	addPaths := func(s string) {
		for _, m := range repoPath.FindAllStringSubmatch(s, -1) {
			r.paths = append(r.paths, m[1])
		}
	}
	doc := gfmDocs.Parser().Parse(text.NewReader(src))
	err := ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Link:
			r.links = append(r.links, string(n.Destination))
		case *ast.Image:
			r.links = append(r.links, string(n.Destination))
		case *ast.Heading:
			slug := githubSlug(plainText(n, src))
			if k := seen[slug]; k > 0 {
				r.headings = append(r.headings, fmt.Sprintf("%s-%d", slug, k))
			} else {
				r.headings = append(r.headings, slug)
			}
			seen[slug]++
		case *ast.FencedCodeBlock, *ast.CodeBlock:
			lines := n.Lines()
			for i := 0; i < lines.Len(); i++ {
				seg := lines.At(i)
				addPaths(string(seg.Value(src)))
			}
		case *ast.Paragraph, *ast.TextBlock:
			lines := n.Lines()
			var b strings.Builder
			for i := 0; i < lines.Len(); i++ {
				seg := lines.At(i)
				b.Write(seg.Value(src))
			}
			addPaths(b.String())
		}
		return ast.WalkContinue, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Table cells are inline content of the GFM extension's nodes:
	// take their text from the source lines that hold a pipe.
	for _, line := range strings.Split(string(src), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "|") {
			addPaths(line)
		}
	}
	return r
}

// plainText is the text of a node as GitHub uses it for a heading's
// anchor: code spans and links by their text.
func plainText(n ast.Node, src []byte) string {
	var b strings.Builder
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.Text:
			b.Write(c.Segment.Value(src))
		case *ast.String:
			b.Write(c.Value)
		default:
			b.WriteString(plainText(c, src))
		}
	}
	return b.String()
}

// githubSlug is the anchor GitHub gives a heading: lower case, spaces as
// hyphens, every character but letters, digits, '-' and '_' dropped.
func githubSlug(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestDocLinks: no document refers to a file or directory that is not in
// the repository — by a relative link, or by naming a repository path in
// prose, a table or a code block — and every link to a heading (#anchor)
// finds it.
func TestDocLinks(t *testing.T) {
	files := docFiles(t)
	refs := map[string]docRefs{}
	for _, f := range files {
		refs[f] = scanDoc(t, f)
	}
	exists := func(rel string) bool {
		if strings.ContainsAny(rel, "*?[") {
			m, err := filepath.Glob(filepath.Join(repoRoot, rel))
			return err == nil && len(m) > 0
		}
		_, err := os.Stat(filepath.Join(repoRoot, rel))
		return err == nil
	}
	for _, f := range files {
		r := refs[f]
		for _, p := range r.paths {
			if !exists(p) {
				t.Errorf("%s names %s, which is not in the repository", f, p)
			}
		}
		for _, link := range r.links {
			if strings.Contains(link, "://") || strings.HasPrefix(link, "mailto:") {
				continue
			}
			target, anchor, _ := strings.Cut(link, "#")
			rel := f
			if target != "" {
				rel = path.Clean(path.Join(path.Dir(f), target))
				if strings.HasPrefix(rel, "../") {
					t.Errorf("%s links %s, outside the repository", f, link)
					continue
				}
				if !exists(rel) {
					t.Errorf("%s links %s: %s is not in the repository", f, link, rel)
					continue
				}
			}
			if anchor == "" {
				continue
			}
			tr, ok := refs[rel]
			if !ok {
				t.Errorf("%s links %s: an anchor in a file that is not a document", f, link)
				continue
			}
			found := false
			for _, h := range tr.headings {
				found = found || h == anchor
			}
			if !found {
				t.Errorf("%s links %s: %s has no heading #%s (it has %s)", f, link, rel, anchor, strings.Join(tr.headings, " "))
			}
		}
	}
}

// TestDocLinksCatch: the link check finds what it looks for.
func TestDocLinksCatch(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"see `cmd/nbfleet/nope.go` and pkg/plan", []string{"cmd/nbfleet/nope.go", "pkg/plan"}},
		{"go test ./pkg/spec/ and `scripts/x.sh`.", []string{"pkg/spec", "scripts/x.sh"}},
		{"github.com/nbfleet/nbfleet/pkg/emulator and ../../schema/x.json and $DIR/docs/x", nil},
		{"| `examples/fleets/*.yaml` | x |", []string{"examples/fleets/*.yaml"}},
	} {
		var got []string
		for _, m := range repoPath.FindAllStringSubmatch(tc.in, -1) {
			got = append(got, m[1])
		}
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("%q: paths %q, want %q", tc.in, got, tc.want)
		}
	}
	for in, want := range map[string]string{
		"Quick start (60 seconds, no cloud account)":     "quick-start-60-seconds-no-cloud-account",
		"report.html — the run at a glance":              "reporthtml--the-run-at-a-glance",
		"The chaos suite: make chaos":                    "the-chaos-suite-make-chaos",
		"nbfleet validate [--format text|json|github] X": "nbfleet-validate---format-textjsongithub-x",
	} {
		if got := githubSlug(in); got != want {
			t.Errorf("githubSlug(%q) = %q, want %q", in, got, want)
		}
	}
}
