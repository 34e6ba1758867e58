package spec

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// WriteYAML writes d as one YAML document, byte for byte what encoding it
// with yaml.v3 (indent 2) writes, in a fraction of the time and memory:
// yaml.v3's emitter keeps every event of a document until its end (for
// 10 000 notebooks, seconds and hundreds of megabytes). Each notebook is
// written on its own, on every core: the common shapes (block mappings
// and sequences of scalars that need no quoting, or only the quoting
// yaml.v3 gives them) by a small writer, anything else by yaml.v3.
func (d *Document) WriteYAML(w io.Writer) error {
	if len(d.Notebooks) == 0 {
		return encodeYAML(w, d)
	}
	var head bytes.Buffer
	h := *d
	h.Notebooks = []Notebook{}
	if err := encodeYAML(&head, &h); err != nil {
		return err
	}
	const empty = "notebooks: []\n"
	if !bytes.HasSuffix(head.Bytes(), []byte(empty)) {
		return fmt.Errorf("write the document: its notebooks are not last")
	}
	head.Truncate(head.Len() - len(empty))
	head.WriteString("notebooks:\n")

	nbs := d.Notebooks
	out := make([]bytes.Buffer, len(nbs))
	errs := make([]error, len(nbs))
	eachChunk(len(nbs), func(lo, hi int) {
		sw := &scalarWriter{memo: map[string]string{}}
		for i := lo; i < hi; i++ {
			errs[i] = sw.notebook(&out[i], &nbs[i])
		}
	})
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if _, err := w.Write(head.Bytes()); err != nil {
		return err
	}
	for i := range out {
		if _, err := w.Write(out[i].Bytes()); err != nil {
			return err
		}
	}
	return nil
}

// WriteJSON writes d as encoding/json's Encoder indented by two spaces
// writes it, each notebook marshalled on its own, on every core.
func (d *Document) WriteJSON(w io.Writer) error {
	h := *d
	h.Notebooks = []Notebook{}
	head, err := json.MarshalIndent(&h, "", "  ")
	if err != nil {
		return err
	}
	const empty = "\"notebooks\": []\n}"
	if !bytes.HasSuffix(head, []byte(empty)) {
		return fmt.Errorf("write the document: its notebooks are not last")
	}
	if len(d.Notebooks) == 0 {
		_, err := w.Write(append(head, '\n'))
		return err
	}
	head = append(head[:len(head)-len(empty)], "\"notebooks\": [\n"...)
	items := make([][]byte, len(d.Notebooks))
	errs := make([]error, len(items))
	eachChunk(len(items), func(lo, hi int) {
		for i := lo; i < hi && errs[lo] == nil; i++ {
			items[i], errs[lo] = json.MarshalIndent(&d.Notebooks[i], "    ", "  ")
		}
	})
	if err := errors.Join(errs...); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	bw.Write(head)
	for i, it := range items {
		bw.WriteString("    ")
		bw.Write(it)
		if i+1 < len(items) {
			bw.WriteString(",")
		}
		bw.WriteString("\n")
	}
	bw.WriteString("  ]\n}\n")
	return bw.Flush()
}

// eachChunk calls f on chunks [lo, hi) of [0, n), on every core.
func eachChunk(n int, f func(lo, hi int)) {
	const chunk = 250
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), (n+chunk-1)/chunk) {
		wg.Go(func() {
			for lo := range next {
				f(lo, min(lo+chunk, n))
			}
		})
	}
	for lo := 0; lo < n; lo += chunk {
		next <- lo
	}
	close(next)
	wg.Wait()
}

func encodeYAML(w io.Writer, v any) error {
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return err
	}
	return enc.Close()
}

// scalarWriter writes notebooks as items of the document's notebooks
// sequence. memo holds yaml.v3's rendering of the strings that need more
// than a glance.
type scalarWriter struct {
	memo map[string]string
	buf  bytes.Buffer
}

// notebook appends nb to out as an item of a sequence at indent 2.
func (sw *scalarWriter) notebook(out *bytes.Buffer, nb *Notebook) error {
	n, err := yamlOf(nb)
	if err != nil {
		return err
	}
	sw.buf.Reset()
	if sw.item(&sw.buf, n, 2) {
		out.Write(sw.buf.Bytes())
		return nil
	}
	// A shape the small writer leaves to yaml.v3: a sequence of one at
	// the top, indented as the document's notebooks are (a block scalar's
	// lines are relative: indenting every line that is not empty keeps
	// them).
	sw.buf.Reset()
	if err := encodeYAML(&sw.buf, []*yaml.Node{n}); err != nil {
		return err
	}
	for line := range bytes.Lines(sw.buf.Bytes()) {
		if len(line) > 1 {
			out.WriteString("  ")
		}
		out.Write(line)
	}
	return nil
}

// item writes n as a block sequence item at indent; false: a shape it
// leaves to yaml.v3.
func (sw *scalarWriter) item(out *bytes.Buffer, n *yaml.Node, indent int) bool {
	pad := strings.Repeat(" ", indent)
	switch n.Kind {
	case yaml.ScalarNode:
		s, ok := sw.scalar(n)
		if !ok {
			return false
		}
		out.WriteString(pad + "- " + s + "\n")
		return true
	case yaml.MappingNode:
		if len(n.Content) == 0 {
			out.WriteString(pad + "- {}\n")
			return true
		}
		out.WriteString(pad + "- ")
		return sw.mapping(out, n, indent+2, true)
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			out.WriteString(pad + "- []\n")
			return true
		}
	}
	return false
}

// mapping writes n's pairs at indent; inline: the first key follows the
// "- " already written.
func (sw *scalarWriter) mapping(out *bytes.Buffer, n *yaml.Node, indent int, inline bool) bool {
	pad := strings.Repeat(" ", indent)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key, ok := sw.scalar(k)
		if !ok || key != k.Value {
			return false // a key that needs quoting
		}
		if !inline || i > 0 {
			out.WriteString(pad)
		}
		out.WriteString(key + ":")
		switch {
		case v.Kind == yaml.ScalarNode:
			s, ok := sw.scalar(v)
			if !ok {
				return false
			}
			out.WriteString(" " + s + "\n")
		case v.Kind == yaml.MappingNode && len(v.Content) == 0:
			out.WriteString(" {}\n")
		case v.Kind == yaml.SequenceNode && len(v.Content) == 0:
			out.WriteString(" []\n")
		case v.Kind == yaml.MappingNode:
			out.WriteString("\n")
			if !sw.mapping(out, v, indent+2, false) {
				return false
			}
		case v.Kind == yaml.SequenceNode:
			out.WriteString("\n")
			for _, c := range v.Content {
				if !sw.item(out, c, indent+2) {
					return false
				}
			}
		default:
			return false
		}
	}
	return true
}

// scalar renders a scalar node as yaml.v3 does in block context; false:
// one the small writer leaves to yaml.v3 (several lines, a number that is
// not an integer, a string of unusual characters).
func (sw *scalarWriter) scalar(n *yaml.Node) (string, bool) {
	switch n.Tag {
	case "!!int", "!!bool", "!!null":
		return n.Value, true
	case "!!str":
	default:
		return "", false
	}
	s := n.Value
	if plainString(s) {
		return s, true
	}
	if r, ok := sw.memo[s]; ok {
		return r, r != ""
	}
	r := ""
	if !strings.ContainsAny(s, "\n\r") {
		var b bytes.Buffer
		if err := encodeYAML(&b, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}); err == nil {
			r = strings.TrimSuffix(b.String(), "\n")
			if strings.ContainsAny(r, "\n\r") || strings.HasPrefix(r, "|") || strings.HasPrefix(r, ">") {
				r = ""
			}
		}
	}
	sw.memo[s] = r
	return r, r != ""
}

// plainString reports whether yaml.v3 writes s as a plain scalar in block
// context, judged conservatively: printable ASCII that begins with a
// letter, '_' or '/', is no keyword, has no ": " or " #" and does not end
// in a space or ':'. Every other string is rendered by yaml.v3.
func plainString(s string) bool {
	if s == "" {
		return false
	}
	c := s[0]
	if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c == '/') {
		return false
	}
	switch s {
	case "true", "True", "TRUE", "false", "False", "FALSE", "null", "Null", "NULL":
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c > 0x7e:
			return false
		case c == ':' && (i+1 == len(s) || s[i+1] == ' '):
			return false
		case c == '#' && s[i-1] == ' ':
			return false
		}
	}
	return s[len(s)-1] != ' '
}
