package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// kind is the shape of a node.
type kind int

const (
	scalarNode kind = iota
	mapNode
	seqNode
)

// node is a YAML value with its position, aliases resolved. It is spec's
// own tree so that defaults can be merged and expansions made without
// losing where each value was written.
type node struct {
	kind      kind
	line, col int
	tag       string // scalars: !!str, !!int, !!float, !!bool, !!null, …
	value     string // scalars
	y         *yaml.Node
	keys      []*node // mappings: key nodes, in file order
	vals      []*node // mappings: value nodes
	items     []*node // sequences
}

// get returns the value of key in a mapping, or nil.
func (n *node) get(key string) *node {
	if n == nil || n.kind != mapNode {
		return nil
	}
	for i, k := range n.keys {
		if k.value == key {
			return n.vals[i]
		}
	}
	return nil
}

// keyNode returns the key node of key in a mapping, or nil.
func (n *node) keyNode(key string) *node {
	if n == nil || n.kind != mapNode {
		return nil
	}
	for _, k := range n.keys {
		if k.value == key {
			return k
		}
	}
	return nil
}

// isNull reports whether n is absent or an explicit null.
func (n *node) isNull() bool { return n == nil || (n.kind == scalarNode && n.tag == "!!null") }

// toValue converts n to the JSON data model the schema validator expects.
func (n *node) toValue() any {
	switch n.kind {
	case mapNode:
		m := make(map[string]any, len(n.keys))
		for i, k := range n.keys {
			m[k.value] = n.vals[i].toValue()
		}
		return m
	case seqNode:
		s := make([]any, len(n.items))
		for i, it := range n.items {
			s[i] = it.toValue()
		}
		return s
	}
	switch n.tag {
	case "!!null":
		return nil
	case "!!bool":
		var b bool
		if n.y.Decode(&b) == nil {
			return b
		}
	case "!!int":
		var i int64
		if n.y.Decode(&i) == nil {
			return i
		}
		var f float64
		if n.y.Decode(&f) == nil {
			return number(f)
		}
	case "!!float":
		var f float64
		if n.y.Decode(&f) == nil {
			return number(f)
		}
	}
	return n.value
}

// nonFinite stands for .nan, .inf and -.inf in the values the schema
// validator sees: jsonschema/v5 panics on a non-finite float64, and the
// schema has no "number" type, so this finite, non-integral value fails
// every type check (integer, string, boolean) and no range. The message
// then shows the source text (see (*node).shown).
const nonFinite = 1.5

// number converts a YAML number to the JSON data model: an integral value
// within int64 is that integer (`count: 3.0` is 3), any other finite value
// stays a float64 (the schema rejects it where an integer is expected, and
// reports one beyond int64 as out of range), and a non-finite one becomes
// nonFinite.
func number(f float64) any {
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return nonFinite
	case f == math.Trunc(f) && f >= math.MinInt64 && f < math.MaxInt64:
		return int64(f)
	}
	return f
}

// shown is a scalar as messages show it after "got": numbers as written in
// the file (99999999999999999999, .inf, 3.5), other values as describe does.
func (n *node) shown() string {
	if n != nil && n.kind == scalarNode && (n.tag == "!!int" || n.tag == "!!float") && numberText.MatchString(n.value) {
		return n.value
	}
	if n == nil {
		return describe(nil)
	}
	return describe(n.toValue())
}

// parser turns YAML source into a tree of nodes, enforcing the limits.
type parser struct {
	file   string
	errs   *errs
	limits Limits
	// aliasNodes counts nodes produced by expanding aliases.
	aliasNodes int
	tooDeep    bool
	tooAliased bool
}

// numberText is how a YAML number may be written (an explicit !!int tag
// can hold anything; such a value is quoted instead).
var numberText = regexp.MustCompile(`^[-+0-9A-Za-z._]{1,64}$`)

var yamlLineErr = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parse decodes src into a tree. It returns nil after recording errors.
func (p *parser) parse(src []byte) (root *node) {
	src = bytes.TrimPrefix(src, []byte("\uFEFF"))
	if i := invalidUTF8(src); i >= 0 {
		line, col := position(src, i)
		p.errs.addf(p.file, line, col, "invalid UTF-8 (byte 0x%02x): save the file as UTF-8", src[i])
		return nil
	}
	defer func() {
		// yaml.v3 has panicked on hostile input before; never let it crash
		// the caller.
		if r := recover(); r != nil {
			p.errs.addf(p.file, 0, 0, "cannot parse YAML: %v", r)
			root = nil
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			p.errs.addf(p.file, 0, 0, "empty fleet file: expected version, fleet and notebooks")
			return nil
		}
		p.yamlError(src, err)
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		p.errs.addf(p.file, extra.Line, extra.Column, "a fleet file holds one YAML document; remove this second one")
		return nil
	} else if !errors.Is(err, io.EOF) {
		p.yamlError(src, err)
		return nil
	}
	if len(doc.Content) == 0 {
		p.errs.addf(p.file, 0, 0, "empty fleet file: expected version, fleet and notebooks")
		return nil
	}
	root = p.convert(doc.Content[0], 0, false)
	if p.tooDeep || p.tooAliased {
		return nil
	}
	return root
}

// yamlError records a yaml.v3 syntax error at its line, recognising the
// commonest cause (a tab in the indentation).
func (p *parser) yamlError(src []byte, err error) {
	msg := err.Error()
	m := yamlLineErr.FindStringSubmatch(msg)
	if m == nil {
		p.errs.addf(p.file, 0, 0, "invalid YAML: %s", strings.TrimPrefix(msg, "yaml: "))
		return
	}
	line, _ := strconv.Atoi(m[1])
	for _, l := range []int{line, line + 1, line - 1} {
		if col := tabInIndent(src, l); col > 0 {
			p.errs.addf(p.file, l, col, "tab character in indentation: YAML indents with spaces")
			return
		}
	}
	p.errs.addf(p.file, line, 0, "invalid YAML: %s", m[2])
}

func (p *parser) convert(y *yaml.Node, depth int, inAlias bool) *node {
	if depth > p.limits.MaxDepth {
		if !p.tooDeep {
			p.tooDeep = true
			p.errs.addf(p.file, y.Line, y.Column, "nesting deeper than %d levels", p.limits.MaxDepth)
		}
		return nil
	}
	if inAlias {
		p.aliasNodes++
		if p.aliasNodes > p.limits.MaxAliasNodes {
			if !p.tooAliased {
				p.tooAliased = true
				p.errs.addf(p.file, y.Line, y.Column, "YAML aliases expand to more than %d values: use defaults instead of large anchors", p.limits.MaxAliasNodes)
			}
			return nil
		}
	}
	switch y.Kind {
	case yaml.AliasNode:
		if y.Alias == nil {
			p.errs.addf(p.file, y.Line, y.Column, "unknown alias %q", y.Value)
			return &node{kind: scalarNode, tag: "!!null", line: y.Line, col: y.Column, y: y}
		}
		return p.convert(y.Alias, depth, true)
	case yaml.MappingNode:
		n := &node{kind: mapNode, line: y.Line, col: y.Column}
		seen := make(map[string]*node, len(y.Content)/2)
		for i := 0; i+1 < len(y.Content); i += 2 {
			ky, vy := y.Content[i], y.Content[i+1]
			if ky.Kind != yaml.ScalarNode {
				p.errs.addf(p.file, ky.Line, ky.Column, "a key must be a plain string")
				continue
			}
			k := &node{kind: scalarNode, line: ky.Line, col: ky.Column, tag: "!!str", value: ky.Value, y: ky}
			if first, ok := seen[ky.Value]; ok {
				p.errs.addf(p.file, ky.Line, ky.Column, "duplicate key %q (first at line %d)", ky.Value, first.line)
				continue
			}
			seen[ky.Value] = k
			v := p.convert(vy, depth+1, inAlias)
			if v == nil {
				return nil
			}
			n.keys = append(n.keys, k)
			n.vals = append(n.vals, v)
		}
		return n
	case yaml.SequenceNode:
		n := &node{kind: seqNode, line: y.Line, col: y.Column, items: make([]*node, 0, len(y.Content))}
		for _, it := range y.Content {
			v := p.convert(it, depth+1, inAlias)
			if v == nil {
				return nil
			}
			n.items = append(n.items, v)
		}
		return n
	default:
		return &node{kind: scalarNode, line: y.Line, col: y.Column, tag: y.ShortTag(), value: y.Value, y: y}
	}
}

// invalidUTF8 returns the offset of the first invalid byte, or -1.
func invalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}

// position converts a byte offset into a 1-based line and column (in bytes).
func position(b []byte, off int) (line, col int) {
	line = 1 + bytes.Count(b[:off], []byte("\n"))
	col = off - bytes.LastIndexByte(b[:off], '\n')
	return line, col
}

// tabInIndent returns the 1-based column of a tab in the leading white
// space of line l, or 0.
func tabInIndent(src []byte, l int) int {
	if l < 1 {
		return 0
	}
	lines := bytes.SplitN(src, []byte("\n"), l+1)
	if len(lines) < l {
		return 0
	}
	for i, c := range lines[l-1] {
		switch c {
		case ' ', '-':
			continue
		case '\t':
			return i + 1
		}
		return 0
	}
	return 0
}

// describe names a value's type and shows it, for "got …" in messages.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "an empty value"
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	case string:
		if r := []rune(v); len(r) > 40 {
			v = string(r[:37]) + "..."
		}
		return strconv.Quote(v)
	case bool:
		return fmt.Sprintf("%t", v)
	case int64:
		return fmt.Sprintf("%d", v)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return fmt.Sprintf("%v", v)
}
