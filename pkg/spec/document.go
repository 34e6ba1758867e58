package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// The JSON form of a Notebook is an entry of a fleet file, fully expanded:
// the json tags of Notebook and its parts, with three spellings of the
// fleet file and the API rather than of Go: durations in milliseconds,
// hooks under "container_hooks", and the origin as "file:line:col" (or
// "roster.csv:ROW"). Flavors appear only when there are fallbacks: a
// single flavor is "flavor" alone. The YAML form is the same document.
// Everything else follows the tags, so a new field needs nothing here.

// MarshalJSON encodes the notebook as a fleet file entry.
func (nb Notebook) MarshalJSON() ([]byte, error) {
	type plain Notebook // the fields, not this method
	if len(nb.Flavors) == 1 && nb.Flavors[0] == nb.Flavor {
		nb.Flavors = nil
	}
	return json.Marshal(struct {
		plain
		Duration int64 `json:"duration,omitempty"` // shadows plain.Duration
	}{plain(nb), nb.Duration.Milliseconds()})
}

// UnmarshalJSON decodes what MarshalJSON wrote.
func (nb *Notebook) UnmarshalJSON(b []byte) error {
	type plain Notebook
	w := struct {
		*plain
		Duration int64 `json:"duration"`
	}{plain: (*plain)(nb)}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	nb.Duration = time.Duration(w.Duration) * time.Millisecond
	switch {
	case len(nb.Flavors) == 0 && nb.Flavor != "":
		nb.Flavors = []string{nb.Flavor}
	case len(nb.Flavors) > 0 && nb.Flavor == "":
		nb.Flavor = nb.Flavors[0]
	}
	return nil
}

// MarshalYAML encodes the notebook as its JSON form does.
func (nb Notebook) MarshalYAML() (any, error) { return yamlOf(nb) }

// MarshalJSON encodes the lease with its duration in milliseconds.
func (l Lease) MarshalJSON() ([]byte, error) {
	type plain Lease
	return json.Marshal(struct {
		Duration int64 `json:"duration,omitempty"` // first: shadows plain.Duration
		plain
	}{l.Duration.Milliseconds(), plain(l)})
}

// UnmarshalJSON decodes what MarshalJSON wrote.
func (l *Lease) UnmarshalJSON(b []byte) error {
	type plain Lease
	w := struct {
		Duration int64 `json:"duration"`
		*plain
	}{plain: (*plain)(l)}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	l.Duration = time.Duration(w.Duration) * time.Millisecond
	return nil
}

// MarshalJSON nests the hooks under "container_hooks".
func (h Hooks) MarshalJSON() ([]byte, error) {
	type plain Hooks
	return json.Marshal(struct {
		ContainerHooks plain `json:"container_hooks"`
	}{plain(h)})
}

// UnmarshalJSON decodes what MarshalJSON wrote.
func (h *Hooks) UnmarshalJSON(b []byte) error {
	type plain Hooks
	w := struct {
		ContainerHooks *plain `json:"container_hooks"`
	}{(*plain)(h)}
	return json.Unmarshal(b, &w)
}

// MarshalText formats the origin as String does.
func (o Origin) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// UnmarshalText parses what MarshalText wrote: "file:line:col", or
// "file:row" for a roster row. The numbers are taken from the right, so a
// file name may contain colons.
func (o *Origin) UnmarshalText(b []byte) error {
	s := string(b)
	num := func(s string) (string, int, bool) {
		i := strings.LastIndexByte(s, ':')
		if i < 0 {
			return s, 0, false
		}
		n, err := strconv.Atoi(s[i+1:])
		return s[:i], n, err == nil
	}
	rest, last, ok := num(s)
	if !ok {
		return fmt.Errorf("origin %q is not file:line:col or file:row", s)
	}
	if file, line, ok := num(rest); ok && !strings.HasSuffix(strings.ToLower(file), ".csv") {
		*o = Origin{File: file, Line: line, Col: last}
		return nil
	}
	*o = Origin{CSVFile: rest, CSVRow: last}
	return nil
}

// yamlOf returns v's JSON form as a YAML node in block style, so that YAML
// documents follow the JSON encoding instead of restating it in yaml tags.
// The node is built from the JSON text, tagged as YAML would resolve each
// value (no YAML parser: it cost most of the time of expanding a big
// fleet).
func yamlOf(v any) (*yaml.Node, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	n, rest, err := jsonNode(b)
	if err == nil && len(bytes.TrimSpace(rest)) > 0 {
		err = fmt.Errorf("unexpected %q after the JSON value", rest)
	}
	return n, err
}

// yamlReadable reports whether a YAML reader takes text as it is: tab,
// line breaks and printable characters only (YAML 1.2, 5.1; encoding/json
// escapes the C0 controls but not DEL, the C1 controls or U+FFFE).
func yamlReadable(text []byte) bool {
	for _, r := range string(text) {
		switch {
		case r == 0x09 || r == 0x0A || r == 0x0D, r >= 0x20 && r <= 0x7E, r == 0x85,
			r >= 0xA0 && r <= 0xD7FF, r >= 0xE000 && r <= 0xFFFD, r >= 0x10000 && r <= 0x10FFFF:
		default:
			return false
		}
	}
	return true
}

// jsonNode reads the JSON value at the start of b (valid JSON, as
// json.Marshal writes) as a YAML node and returns the rest of b.
func jsonNode(b []byte) (*yaml.Node, []byte, error) {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 {
		return nil, nil, errors.New("unexpected end of JSON")
	}
	scalar := func(tag, value string) *yaml.Node {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: value}
	}
	switch c := b[0]; {
	case c == '{' || c == '[':
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		end := byte('}')
		if c == '[' {
			n.Kind, n.Tag, end = yaml.SequenceNode, "!!seq", ']'
		}
		b = bytes.TrimLeft(b[1:], " \t\r\n")
		for len(b) > 0 && b[0] != end {
			if n.Kind == yaml.MappingNode {
				k, rest, err := jsonNode(b)
				if err != nil {
					return nil, nil, err
				}
				rest = bytes.TrimLeft(rest, " \t\r\n")
				if k.Tag != "!!str" || len(rest) == 0 || rest[0] != ':' {
					return nil, nil, errors.New("malformed JSON object")
				}
				n.Content = append(n.Content, k)
				b = rest[1:]
			}
			v, rest, err := jsonNode(b)
			if err != nil {
				return nil, nil, err
			}
			n.Content = append(n.Content, v)
			b = bytes.TrimLeft(rest, " \t\r\n")
			if len(b) > 0 && b[0] == ',' {
				b = bytes.TrimLeft(b[1:], " \t\r\n")
			}
		}
		if len(b) == 0 {
			return nil, nil, errors.New("unexpected end of JSON")
		}
		return n, b[1:], nil
	case c == '"':
		i, escaped := 1, false
		for ; i < len(b) && b[i] != '"'; i++ {
			if b[i] == '\\' {
				escaped = true
				i++
			}
		}
		if i >= len(b) {
			return nil, nil, errors.New("unexpected end of JSON string")
		}
		if !yamlReadable(b[1:i]) {
			// What a YAML reader refuses a fleet file cannot hold.
			return nil, nil, errors.New("yaml: control characters are not allowed")
		}
		s := string(b[1:i])
		if escaped {
			if err := json.Unmarshal(b[:i+1], &s); err != nil {
				return nil, nil, err
			}
		}
		return scalar("!!str", s), b[i+1:], nil
	case bytes.HasPrefix(b, []byte("true")):
		return scalar("!!bool", "true"), b[4:], nil
	case bytes.HasPrefix(b, []byte("false")):
		return scalar("!!bool", "false"), b[5:], nil
	case bytes.HasPrefix(b, []byte("null")):
		return scalar("!!null", "null"), b[4:], nil
	}
	i := 0
	for i < len(b) && strings.IndexByte("+-0123456789.eE", b[i]) >= 0 {
		i++
	}
	if i == 0 {
		return nil, nil, fmt.Errorf("unexpected %q in JSON", b[0])
	}
	num := string(b[:i])
	if strings.ContainsAny(num, ".eE") {
		return scalar("!!float", num), b[i:], nil
	}
	return scalar("!!int", num), b[i:], nil
}

// Document is the expanded form of a fleet as `nbfleet expand` prints it:
// every notebook as the create call would receive it (description with the
// ownership marker, durations in milliseconds, hook scripts base64-encoded)
// plus nbfleet's own fields and the origin. It holds no secrets: a fleet
// file has none.
type Document struct {
	FormatVersion int        `json:"format_version" yaml:"format_version"`
	File          string     `json:"file" yaml:"file"`
	Fleet         string     `json:"fleet" yaml:"fleet"`
	Target        Target     `json:"target" yaml:"target"`
	Notebooks     []Notebook `json:"notebooks" yaml:"notebooks"`
}

// DocumentFormatVersion is the format_version of Document.
const DocumentFormatVersion = 1

// Document returns the expanded form of f. It is deterministic: the same
// fleet gives the same document.
func (f *Fleet) Document() *Document {
	d := &Document{
		FormatVersion: DocumentFormatVersion,
		File:          f.File,
		Fleet:         f.Name,
		Target:        f.Target,
		Notebooks:     make([]Notebook, 0, len(f.Notebooks)),
	}
	for _, nb := range f.Notebooks {
		d.Notebooks = append(d.Notebooks, nb.Sent(f.Name))
	}
	return d
}

// Sent returns the notebook as nbfleet sends it for fleet: its description
// carries the ownership marker (MarkedDescription). Documents that show
// what the create call receives (expand, plans) hold this form.
func (nb Notebook) Sent(fleet string) Notebook {
	nb.Description = MarkedDescription(fleet, &nb)
	return nb
}
