package safetexttest

import (
	"bytes"
	"fmt"
	"html"
	"regexp"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	gmhtml "github.com/yuin/goldmark/renderer/html"
)

// gfm renders GitHub-flavoured Markdown (tables, autolinks,
// strikethrough) with raw HTML passed through, as GitHub keeps much of it
// (an <img> loads from anywhere): any tag but nbfleet's own <details> and
// <summary> is a failure.
var gfm = goldmark.New(goldmark.WithExtensions(extension.GFM), goldmark.WithRendererOptions(gmhtml.WithUnsafe()))

var (
	mdTag    = regexp.MustCompile(`<(/?)([a-z][a-z0-9]*)[^>]*>`)
	mdDelim  = regexp.MustCompile(`^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$`)
	mdCode   = regexp.MustCompile(`(?s)<code>.*?</code>`)
	mention  = regexp.MustCompile(`(^|[^\w])@[A-Za-z0-9]`)
	issueRef = regexp.MustCompile(`(^|[^\w/])#[0-9]`)
	bareURL  = regexp.MustCompile(`(?i)(https?://|www\.)`)
	// markdownTags are the elements nbfleet's Markdown may render to.
	markdownTags = map[string]bool{"p": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
		"table": true, "thead": true, "tbody": true, "tr": true, "th": true, "td": true, "code": true, "pre": true,
		"strong": true, "em": true, "blockquote": true, "ul": true, "ol": true, "li": true, "hr": true, "br": true,
		"details": true, "summary": true}
)

// Markdown returns an error unless doc, a Markdown document nbfleet wrote
// for GitHub (a plan comment, report.md), is inert: it passes
// TerminalDocument; rendered as GitHub would it holds no element but text
// structure and <details> (no link, image, script or other HTML);
// every row of every table has as many cell separators as its header (a
// renderer pads or cuts rows, so an injected pipe or line break shows only
// in the source); and outside
// code spans there is no @mention, #reference or bare URL that GitHub
// would turn into a notification or a link. allowText lists strings of the
// writer's own that may stand outside code (a URL it put there itself):
// they are left out of the check.
func Markdown(doc string, allowText ...string) error {
	if err := TerminalDocument(doc); err != nil {
		return err
	}
	for _, a := range allowText {
		doc = strings.ReplaceAll(doc, a, "")
	}
	var b bytes.Buffer
	if err := gfm.Convert([]byte(doc), &b); err != nil {
		return err
	}
	out := b.String()
	for _, m := range mdTag.FindAllStringSubmatch(out, -1) {
		if !markdownTags[m[2]] {
			return fmt.Errorf("renders a <%s>: %q", m[2], around(out, strings.Index(out, m[0])))
		}
	}
	if err := tableRows(doc); err != nil {
		return err
	}
	text := html.UnescapeString(mdTag.ReplaceAllString(mdCode.ReplaceAllString(out, ""), " "))
	for name, re := range map[string]*regexp.Regexp{"mention": mention, "reference": issueRef, "URL": bareURL} {
		if loc := re.FindStringIndex(text); loc != nil {
			return fmt.Errorf("a %s outside code: %q", name, around(text, loc[0]))
		}
	}
	return nil
}

// tableRows checks that every row of every table in the Markdown source
// has as many unescaped pipes as its header row: one more would add a
// cell (GitHub drops what does not fit), a line break inside a cell would
// start a forged row with the wrong count, and a line right after a table
// that starts no other block would be a row too.
func tableRows(doc string) error {
	lines := strings.Split(doc, "\n")
	for i := 0; i+1 < len(lines); i++ {
		if !strings.HasPrefix(strings.TrimSpace(lines[i]), "|") || !mdDelim.MatchString(lines[i+1]) {
			continue
		}
		want := pipes(lines[i])
		j := i + 2
		for ; j < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[j]), "|"); j++ {
			if n := pipes(lines[j]); n != want {
				return fmt.Errorf("line %d: a table row with %d cell separators, its header %d: %q", j+1, n, want, lines[j])
			}
		}
		if j < len(lines) && strings.TrimSpace(lines[j]) != "" && !strings.ContainsAny(lines[j][:1], "#<>") {
			return fmt.Errorf("line %d: a table goes on in a line without a leading pipe: %q", j+1, lines[j])
		}
		i = j
	}
	return nil
}

// pipes counts the pipes of a table row that separate cells: GitHub's
// table parser takes a pipe right after a backslash as part of the cell,
// whatever comes before the backslash.
func pipes(line string) int {
	n := 0
	for i := 0; i < len(line); i++ {
		if line[i] == '|' && (i == 0 || line[i-1] != '\\') {
			n++
		}
	}
	return n
}
