package safetext

import (
	"bytes"
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// gfm is a GitHub-flavoured Markdown renderer (tables, autolinks,
// strikethrough), an implementation independent of the code under test.
// Raw HTML stays unsafe-off, as on GitHub, where the sanitiser removes it;
// the checks below look for any tag but the table's and one <code>.
var gfm = goldmark.New(goldmark.WithExtensions(extension.GFM))

func render(t *testing.T, md string) string {
	t.Helper()
	var b bytes.Buffer
	if err := gfm.Convert([]byte(md), &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

var (
	tag      = regexp.MustCompile(`<(/?)([a-z0-9]+)[^>]*>`)
	mention  = regexp.MustCompile(`(^|[^\w])@[A-Za-z0-9]`)
	issueRef = regexp.MustCompile(`(^|[^\w])#[0-9]`)
	bareURL  = regexp.MustCompile(`(?i)(https?://|www\.)`)
)

// checkMarkdownCell puts MarkdownCell(in) in the middle column of a
// three-column table, renders it as GitHub would, and checks that the
// table still has one data row of three cells, that the cell holds at
// most one <code> element and nothing else, and that the code element
// shows what Terminal shows (with white space made single spaces).
func checkMarkdownCell(t *testing.T, in string) {
	t.Helper()
	cell := MarkdownCell(in)
	md := "| a | b | c |\n|---|---|---|\n| x | " + cell + " | z |\n"
	out := render(t, md)
	var tags []string
	for _, m := range tag.FindAllStringSubmatch(out, -1) {
		tags = append(tags, m[1]+m[2])
	}
	want := "table thead tr th /th th /th th /th /tr /thead tbody tr td /td td /td td /td /tr /tbody /table"
	if cell != "" {
		want = strings.Replace(want, "td /td td /td td", "td /td td code /code /td td", 1)
	}
	if got := strings.Join(tags, " "); got != want {
		t.Fatalf("%q → %q renders as\n%s\ntags %s\nwant %s", in, cell, out, got, want)
	}
	if cell == "" {
		return
	}
	code := html.UnescapeString(between(out, "<code>", "</code>"))
	if wantText := markdownText(in); code != wantText {
		t.Fatalf("%q → %q shows %q, want %q", in, cell, code, wantText)
	}
}

// checkMarkdownInline renders MarkdownInline(in) in a paragraph: it must
// be one <code> element (GitHub's mention, reference and autolink filters
// skip code) showing Terminal's text.
func checkMarkdownInline(t *testing.T, in string) {
	t.Helper()
	s := MarkdownInline(in)
	out := render(t, "Run "+s+" done.\n")
	rest := tag.ReplaceAllString(strings.Replace(out, "<code>"+between(out, "<code>", "</code>")+"</code>", "", 1), "")
	if rest != "Run  done.\n" {
		t.Fatalf("%q → %q renders as %q", in, s, out)
	}
	if s == "" {
		return
	}
	if code := html.UnescapeString(between(out, "<code>", "</code>")); code != markdownText(in) {
		t.Fatalf("%q → %q shows %q, want %q", in, s, code, markdownText(in))
	}
}

func between(s, start, end string) string {
	_, rest, ok := strings.Cut(s, start)
	if !ok {
		return ""
	}
	in, _, _ := strings.Cut(rest, end)
	return in
}

// TestMarkdownOutsideCode checks the reason for code spans: the same
// hostile text outside one would mention, reference, link or format.
// (Goldmark does not implement GitHub's mention and reference filters;
// these regular expressions stand in for them.)
func TestMarkdownOutsideCode(t *testing.T) {
	out := render(t, "| a |\n|---|\n| @org/team #123 https://evil.example [x](https://e) **b** |\n")
	text := tag.ReplaceAllString(out, "")
	for name, re := range map[string]*regexp.Regexp{"mention": mention, "reference": issueRef, "url": bareURL} {
		if !re.MatchString(text) {
			t.Errorf("the control text has no %s", name)
		}
	}
	if !strings.Contains(out, "<a href=") || !strings.Contains(out, "<strong>") {
		t.Errorf("the control text has no link or emphasis: %s", out)
	}
}
