package spec

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"gopkg.in/yaml.v3"
)

// Source is a fleet file to write, as `nbfleet import` makes one: Write
// encodes it so that Load gives back these notebooks, with the defaults
// Load fills in.
type Source struct {
	Fleet     string
	Target    Target
	Notebooks []Notebook
}

// Write writes s as a fleet file (version 1) after header, a comment of
// "# " lines. Values Load fills in by default are left out, and a value
// every notebook shares is written once under defaults, so the file reads
// like a hand-written one. Template syntax in
// a value ("{{") is escaped, so the value comes back literally instead of
// being rendered; so is everything else the loader would read otherwise.
func (s *Source) Write(w io.Writer, header string) error {
	entries := make([]*yaml.Node, 0, len(s.Notebooks))
	for _, nb := range s.Notebooks {
		nb.Origin = Origin{}
		// What Load fills in is left out.
		if nb.Feature == "NOTEBOOK" {
			nb.Feature = ""
		}
		if nb.State == Running {
			nb.State = ""
		}
		if nb.WorkspaceID == s.Target.WorkspaceID || s.Target.WorkspaceID == "" && nb.WorkspaceID == DefaultWorkspace {
			nb.WorkspaceID = ""
		}
		n, err := yamlOf(nb)
		if err != nil {
			return fmt.Errorf("write fleet %s: %w", s.Fleet, err)
		}
		if valueOf(n, "flavors") != nil {
			// A fleet file gives the fallbacks as a list under flavor.
			removeKey(n, "flavor")
			for i := 0; i < len(n.Content); i += 2 {
				if n.Content[i].Value == "flavors" {
					n.Content[i].Value = "flavor"
				}
			}
		}
		escapeTemplates(n)
		entries = append(entries, n)
	}
	doc := &yaml.Node{Kind: yaml.MappingNode}
	add := func(key string, v *yaml.Node) {
		doc.Content = append(doc.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, v)
	}
	scalar := func(v string, tag string) *yaml.Node {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: v}
	}
	add("version", scalar("1", "!!int"))
	add("fleet", scalar(s.Fleet, "!!str"))
	target, err := yamlOf(s.Target)
	if err != nil {
		return fmt.Errorf("write fleet %s: %w", s.Fleet, err)
	}
	if len(target.Content) > 0 {
		add("target", target)
	}
	if d := hoist(entries); len(d.Content) > 0 {
		add("defaults", d)
	}
	add("notebooks", &yaml.Node{Kind: yaml.SequenceNode, Content: entries})
	for _, line := range strings.Split(strings.TrimRight(header, "\n"), "\n") {
		if line != "" {
			if _, err := fmt.Fprintf(w, "# %s\n", line); err != nil {
				return err
			}
		}
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return err
	}
	return enc.Close()
}

// hoist moves every key that all entries (two or more) share, with equal
// values, into a defaults mapping; name is never shared.
func hoist(entries []*yaml.Node) *yaml.Node {
	d := &yaml.Node{Kind: yaml.MappingNode}
	if len(entries) < 2 {
		return d
	}
	first := entries[0]
	for i := 0; i < len(first.Content); i += 2 {
		key, val := first.Content[i].Value, first.Content[i+1]
		if key == "name" {
			continue
		}
		shared := true
		for _, e := range entries[1:] {
			if v := valueOf(e, key); v == nil || !sameNode(v, val) {
				shared = false
				break
			}
		}
		if shared {
			d.Content = append(d.Content, first.Content[i], val)
		}
	}
	for _, e := range entries {
		for i := 0; i < len(d.Content); i += 2 {
			removeKey(e, d.Content[i].Value)
		}
	}
	return d
}

func valueOf(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func removeKey(m *yaml.Node, key string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			return
		}
	}
}

func sameNode(a, b *yaml.Node) bool {
	var x, y any
	if a.Decode(&x) != nil || b.Decode(&y) != nil {
		return false
	}
	bx, err1 := json.Marshal(x)
	by, err2 := json.Marshal(y)
	return err1 == nil && err2 == nil && string(bx) == string(by)
}

// escapeTemplates rewrites every string value holding "{{" so that the
// loader's template rendering gives the value back: each "{{" becomes an
// action that prints "{{".
func escapeTemplates(n *yaml.Node) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
		n.Value = escapeTemplate(n.Value)
	}
	for i, c := range n.Content {
		if n.Kind == yaml.MappingNode && i%2 == 0 {
			continue // keys are never rendered
		}
		escapeTemplates(c)
	}
}

// escapeTemplate returns s written so that a templated field of a fleet
// file renders it as s: every "{{" becomes {{"{{"}}.
func escapeTemplate(s string) string {
	return strings.ReplaceAll(s, "{{", `{{"{{"}}`)
}
