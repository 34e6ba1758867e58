package spec

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"text/template/parse"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Template bounds. A fleet file may come from anyone (a pull request, a
// colleague's roster), so rendering must finish quickly in bounded memory
// whatever the template says:
//
//   - a templated value is at most MaxTemplateSize bytes of source;
//   - a template cannot loop or recurse: range, define, template, block,
//     break, continue and call are refused when the template is parsed, so
//     each action runs at most once;
//   - each rendering may produce at most MaxTemplateOutput bytes, counting
//     the output and every string a function returns (print, printf, html,
//     replace, …), so no chain of functions can grow a value beyond it;
//   - printf's width and precision are at most maxPrintfWidth, and cannot be
//     taken from an argument ("%*d").
//
// Together these bound a rendering's time and memory by the template's
// size plus MaxTemplateOutput; no clock is needed.
const (
	MaxTemplateSize   = 4096
	MaxTemplateOutput = 64 << 10
	maxPrintfWidth    = 512
)

// errTemplateOutput is returned when a rendering exceeds MaxTemplateOutput.
var errTemplateOutput = fmt.Errorf("the template produces more than %s (the limit of one rendering)", size(MaxTemplateOutput))

// tmplEntry is what render knows about one YAML value, computed once.
type tmplEntry struct {
	t        *template.Template // nil: a plain value
	literal  bool
	info     tmplInfo
	checked  map[string]bool // key set signature → fields already checked
	broken   bool
	badValue bool // a plain value with a control character (reported once)
}

// tmplInfo is what a template refers to.
type tmplInfo struct {
	// fields are the data keys it reads (".student_id", `col "Student ID"`,
	// "$.name"), in order of appearance.
	fields []string
	// unguarded are the fields it reads outside a default pipeline and an
	// if/with condition: a blank cell there shows in the output.
	unguarded []string
	// viaCol are the fields it reads only with col.
	viaCol map[string]bool
}

// spellRef writes a field as the template refers to it.
func (i tmplInfo) spellRef(f string) string {
	if i.viaCol[f] {
		return "col " + strconv.Quote(f)
	}
	return spell(f)
}

// funcs are the template functions beyond text/template's builtins. They
// are bound to the expander: col reads the current row, and every function
// charges what it returns to the rendering's budget.
func (x *expander) funcs() template.FuncMap {
	str1 := func(f func(string) string) func(string) (string, error) {
		return func(s string) (string, error) { return x.charge(f(s)) }
	}
	return template.FuncMap{
		"lower": str1(strings.ToLower),
		"upper": str1(strings.ToUpper),
		"trim":  str1(strings.TrimSpace),
		"slug":  str1(slug),
		"ascii": str1(toASCII),
		"replace": func(old, new, s string) (string, error) {
			n := strings.Count(s, old)
			if len(s)+n*(len(new)-len(old)) > x.allowance {
				return "", errTemplateOutput
			}
			return x.charge(strings.ReplaceAll(s, old, new))
		},
		"default": func(def any, v ...any) (any, error) {
			if len(v) > 1 {
				return nil, errors.New(`default takes one value: write {{ .column | default "value" }}`)
			}
			if len(v) == 0 || blank(v[0]) {
				return def, nil
			}
			return v[0], nil
		},
		"col": func(name string) (string, error) {
			if x.cur.csvFile == "" {
				return "", errors.New("col reads a roster column: use it under for_each: {csv: …}")
			}
			v, ok := x.cur.data[norm.NFC.String(name)]
			s, isStr := v.(string)
			if !ok || !isStr || name == "index" || name == "fleet" {
				return "", fmt.Errorf("%s has no column %q", x.cur.csvFile, name)
			}
			return s, nil
		},
		"print":    func(a ...any) (string, error) { return x.charge(fmt.Sprint(a...)) },
		"println":  func(a ...any) (string, error) { return x.charge(fmt.Sprintln(a...)) },
		"printf":   x.printf,
		"html":     func(a ...any) (string, error) { return x.charge(template.HTMLEscaper(a...)) },
		"js":       func(a ...any) (string, error) { return x.charge(template.JSEscaper(a...)) },
		"urlquery": func(a ...any) (string, error) { return x.charge(template.URLQueryEscaper(a...)) },
	}
}

// blank reports whether a template value is empty or only white space.
func blank(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(v) == ""
	}
	return false
}

// charge counts s against the rendering's budget.
func (x *expander) charge(s string) (string, error) {
	if len(s) > x.allowance {
		x.allowance = 0
		return "", errTemplateOutput
	}
	x.allowance -= len(s)
	return s, nil
}

// printfVerb matches one formatting directive's flags, argument index,
// width and precision.
var printfVerb = regexp.MustCompile(`%[-+# 0]*(\[\d+\])?(\*|\d+)?(?:\.(\[\d+\])?(\*|\d+)?)?`)

// printf is fmt.Sprintf with bounded width and precision: fmt allocates
// the padding of "%0999999999d" before anything could limit it.
func (x *expander) printf(format string, a ...any) (string, error) {
	for _, m := range printfVerb.FindAllStringSubmatch(format, -1) {
		for _, w := range []string{m[2], m[4]} {
			if w == "*" {
				return "", errors.New("printf: a width or precision taken from an argument (*) is not allowed")
			}
			if n, err := strconv.Atoi(w); w != "" && (err != nil || n > maxPrintfWidth) {
				return "", fmt.Errorf("printf: width and precision are at most %d", maxPrintfWidth)
			}
		}
	}
	return x.charge(fmt.Sprintf(format, a...))
}

// limitWriter collects a rendering, charging every byte to the budget.
type limitWriter struct {
	x *expander
	b strings.Builder
}

func (w *limitWriter) Write(p []byte) (int, error) {
	if len(p) > w.x.allowance {
		w.x.allowance = 0
		return 0, errTemplateOutput
	}
	w.x.allowance -= len(p)
	return w.b.Write(p)
}

// refused names the constructs a fleet template may not use, with why.
var refused = map[string]string{
	"range":    "range is not available in fleet templates (a template cannot loop)",
	"template": "define, template and block are not available in fleet templates (a template cannot call templates)",
	"break":    "break is not available in fleet templates",
	"continue": "continue is not available in fleet templates",
	"call":     "call is not available in fleet templates",
}

// analyze refuses the constructs whose cost a template could not bound and
// lists the data keys it uses.
func analyze(t *template.Template) (tmplInfo, error) {
	if len(t.Templates()) > 1 {
		return tmplInfo{}, errors.New(refused["template"])
	}
	var info tmplInfo
	var bad error
	dotted := map[string]bool{}
	add := func(f string, guarded, col bool) {
		if col && !dotted[f] {
			if info.viaCol == nil {
				info.viaCol = map[string]bool{}
			}
			info.viaCol[f] = true
		} else if !col {
			dotted[f] = true
			delete(info.viaCol, f)
		}
		if !slices.Contains(info.fields, f) {
			info.fields = append(info.fields, f)
		}
		if !guarded && !slices.Contains(info.unguarded, f) {
			info.unguarded = append(info.unguarded, f)
		}
	}
	var walk func(n parse.Node, rootDot, guarded bool)
	walk = func(n parse.Node, rootDot, guarded bool) {
		if bad != nil {
			return
		}
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				walk(c, rootDot, guarded)
			}
		case *parse.ActionNode:
			walk(n.Pipe, rootDot, guarded)
		case *parse.PipeNode:
			if n == nil {
				return
			}
			g := guarded
			for _, c := range n.Cmds {
				if id, ok := c.Args[0].(*parse.IdentifierNode); ok && id.Ident == "default" {
					g = true
				}
			}
			for _, d := range n.Decl {
				walk(d, rootDot, g)
			}
			for _, c := range n.Cmds {
				walk(c, rootDot, g)
			}
		case *parse.CommandNode:
			if id, ok := n.Args[0].(*parse.IdentifierNode); ok {
				if why, no := refused[id.Ident]; no {
					bad = errors.New(why)
					return
				}
				if id.Ident == "col" && len(n.Args) > 1 {
					if s, ok := n.Args[1].(*parse.StringNode); ok {
						add(norm.NFC.String(s.Text), guarded, true)
					}
				}
			}
			for _, a := range n.Args {
				walk(a, rootDot, guarded)
			}
		case *parse.ChainNode:
			walk(n.Node, rootDot, guarded)
		case *parse.FieldNode:
			if rootDot && len(n.Ident) > 0 {
				add(n.Ident[0], guarded, false)
			}
		case *parse.VariableNode:
			if len(n.Ident) > 1 && n.Ident[0] == "$" {
				add(n.Ident[1], guarded, false)
			}
		case *parse.IfNode:
			walk(n.Pipe, rootDot, true)
			walk(n.List, rootDot, guarded)
			walk(n.ElseList, rootDot, guarded)
		case *parse.WithNode:
			walk(n.Pipe, rootDot, true)
			walk(n.List, false, guarded) // dot is the with value
			walk(n.ElseList, rootDot, guarded)
		case *parse.RangeNode:
			bad = errors.New(refused["range"])
		case *parse.TemplateNode:
			bad = errors.New(refused["template"])
		case *parse.BreakNode:
			bad = errors.New(refused["break"])
		case *parse.ContinueNode:
			bad = errors.New(refused["continue"])
		}
	}
	walk(t.Tree.Root, true, false)
	return info, bad
}

// isTemplate reports whether a YAML value is a template.
func isTemplate(n *node) bool {
	return n != nil && n.kind == scalarNode && strings.Contains(n.value, "{{")
}

// entry returns what render knows about n, parsing and checking it the
// first time. It records problems of the template itself (not of a row).
func (x *expander) entry(path string, n *node) *tmplEntry {
	if te := x.tmpl[n]; te != nil {
		return te
	}
	te := &tmplEntry{}
	x.tmpl[n] = te
	if !strings.Contains(n.value, "{{") {
		te.literal = true
		if r, i, ok := controlChar(n.value); ok {
			te.badValue = true
			x.errs.at(x.file, n, "%s: %s", path, controlMessage(r, i))
		}
		return te
	}
	te.checked = map[string]bool{}
	if len(n.value) > MaxTemplateSize {
		te.broken = true
		x.errs.at(x.file, n, "%s: the template is %d bytes; a templated value is at most %d", path, len(n.value), MaxTemplateSize)
		return te
	}
	t, err := template.New(path).Option("missingkey=error").Funcs(x.funcMap).Parse(n.value)
	if err == nil {
		te.info, err = analyze(t)
	}
	if err != nil {
		te.broken = true
		x.errs.at(x.file, n, "%s: invalid template: %s", path, cleanTemplateErr(err, path))
		return te
	}
	te.t = t
	return te
}

// render returns the string value of n, rendered as a template for in, and
// refuses control characters in the result. ok is false after an error was
// recorded.
func (x *expander) render(path string, n *node, in instance) (string, bool) {
	if n.isNull() {
		return "", true
	}
	te := x.entry(path, n)
	switch {
	case te.literal:
		return n.value, !te.badValue
	case te.broken:
		return "", false
	}
	sig := in.sig
	if !te.checked[sig] {
		te.checked[sig] = true
		for _, f := range te.info.fields {
			if slices.Contains(in.keys, f) {
				continue
			}
			ref := te.info.spellRef(f)
			msg := fmt.Sprintf("%s: template uses %s, which is not defined here", path, ref)
			if in.csvFile != "" {
				msg = fmt.Sprintf("%s: template uses %s, which is not a column of %s", path, ref, in.csvFile)
			} else if f == "index" {
				msg += " (.index is set only under for_each)"
			}
			if s := suggestKey(f, in.keys); s != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", spell(s))
			}
			spelled := make([]string, len(in.keys))
			for i, k := range in.keys {
				spelled[i] = spell(k)
			}
			msg += "; available: " + strings.Join(spelled, ", ")
			x.errs.at(x.file, n, "%s", msg)
			te.broken = true
		}
		if te.broken {
			return "", false
		}
	}
	x.cur, x.allowance = in, MaxTemplateOutput
	w := &limitWriter{x: x}
	err := te.t.Execute(w, in.data)
	x.cur = instance{}
	if err != nil {
		msg := "template: " + cleanTemplateErr(err, path)
		if errors.Is(err, errTemplateOutput) {
			msg = errTemplateOutput.Error()
		}
		x.errs.at(x.file, n, "%s%s: %s", path, in.label, msg)
		return "", false
	}
	s := w.b.String()
	if r, i, ok := controlChar(s); ok {
		x.errs.at(x.file, n, "%s%s: the rendered value %s", path, in.label, controlMessage(r, i))
		return "", false
	}
	return s, true
}

var (
	templateLine = regexp.MustCompile(`^\d+(:\d+)?: `)
	templateExec = regexp.MustCompile(`^executing "[^"]*" at `)
)

// cleanTemplateErr drops text/template's "template: NAME:LINE:COL:
// executing …" prefixes and makes the rest inert.
func cleanTemplateErr(err error, name string) string {
	s := err.Error()
	s = strings.TrimPrefix(s, "template: ")
	s = strings.TrimPrefix(s, name+":")
	s = templateLine.ReplaceAllString(s, "")
	s = templateExec.ReplaceAllString(s, "")
	return inert(strings.TrimSpace(s))
}

// spell writes a data key as a template refers to it: ".student_id" when it
// is an identifier, else `col "Student ID"` (with a raw string, which also
// fits inside a double-quoted YAML value).
func spell(key string) string {
	ident := key != ""
	for i, r := range key {
		if !(r == '_' || unicode.IsLetter(r) || i > 0 && unicode.IsDigit(r)) {
			ident = false
			break
		}
	}
	if ident {
		return "." + key
	}
	if !strings.ContainsAny(key, "`\r") {
		return "col `" + key + "`"
	}
	return "col " + strconv.Quote(key)
}

// suggestKey returns the key closest to f: within edit distance 2 of it as
// written, or once both are folded to lower-case letters and digits
// (".student_id" finds "Student ID").
func suggestKey(f string, keys []string) string {
	if s := suggest(f, keys); s != "" {
		return s
	}
	folded := make([]string, len(keys))
	for i, k := range keys {
		folded[i] = fold(k)
	}
	if s := suggest(fold(f), folded); s != "" {
		return keys[slices.Index(folded, s)]
	}
	return ""
}

// fold lower-cases s and keeps only its letters and digits, accents removed.
func fold(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, toASCII(s))
}

// asciiFold spells the letters that do not decompose into a base letter
// and accents.
var asciiFold = map[rune]string{
	'Æ': "AE", 'æ': "ae", 'Ø': "O", 'ø': "o", 'Œ': "OE", 'œ': "oe", 'ß': "ss", 'ẞ': "SS",
	'Đ': "D", 'đ': "d", 'Ð': "D", 'ð': "d", 'Þ': "Th", 'þ': "th", 'Ł': "L", 'ł': "l",
	'ı': "i", 'Ħ': "H", 'ħ': "h", 'Ŧ': "T", 'ŧ': "t", 'ĸ': "k", 'Ŋ': "N", 'ŋ': "n",
	'‘': "'", '’': "'", '‚': "'", '“': `"`, '”': `"`, '„': `"`, '–': "-", '—': "-",
}

// toASCII transliterates s to ASCII: accents are removed ("Zoë" → "Zoe"),
// a few letters are spelled out ("ß" → "ss", "Ø" → "O"), typographic quotes
// and dashes become ASCII ones, and anything else outside ASCII is dropped.
func toASCII(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case r < utf8.RuneSelf:
			b.WriteRune(r)
		case asciiFold[r] != "":
			b.WriteString(asciiFold[r])
		}
	}
	return b.String()
}

// slug turns text into a notebook name part: ASCII, lower case, runs of
// other characters as one "-", none at either end; apostrophes vanish
// ("Zoë O'Brien" → "zoe-obrien").
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(toASCII(s)) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		case r == '\'' || r == '`':
		default:
			dash = true
		}
	}
	return b.String()
}
