package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/nbfleet/nbfleet/internal/textdist"
	"github.com/nbfleet/nbfleet/schema"
	"github.com/santhosh-tekuri/jsonschema/v5"
)

var fleetSchema = sync.OnceValues(func() (*compiledSchema, error) {
	var raw map[string]any
	if err := json.Unmarshal(schema.FleetJSON(), &raw); err != nil {
		return nil, fmt.Errorf("embedded schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	if err := c.AddResource(schema.ID, bytes.NewReader(schema.FleetJSON())); err != nil {
		return nil, fmt.Errorf("embedded schema: %w", err)
	}
	s, err := c.Compile(schema.ID)
	if err != nil {
		return nil, fmt.Errorf("embedded schema: %w", err)
	}
	return &compiledSchema{s: s, raw: raw}, nil
})

type compiledSchema struct {
	s   *jsonschema.Schema
	raw map[string]any
}

// checkSchema validates the tree against the embedded schema and records
// one human message per failing keyword, at the offending YAML node.
//
// It returns the instance locations that failed, so the caller can still
// check the notebook entries the schema found no fault in.
func checkSchema(file string, root *node, e *errs) ([]string, error) {
	cs, err := fleetSchema()
	if err != nil {
		return nil, err
	}
	err = cs.s.Validate(root.toValue())
	if err == nil {
		return nil, nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return nil, fmt.Errorf("schema validation: %w", err)
	}
	var leaves []*jsonschema.ValidationError
	var walk func(v *jsonschema.ValidationError)
	walk = func(v *jsonschema.ValidationError) {
		frag, keyword := cs.fragment(v.AbsoluteKeywordLocation)
		switch {
		case len(v.Causes) == 0:
			leaves = append(leaves, v)
		case (keyword == "oneOf" || keyword == "anyOf") && frag["errorMessage"] != nil:
			// The alternatives' own failures would only confuse: say
			// what the schema says.
			leaves = append(leaves, v)
		case keyword == "anyOf":
			// The schema lists the plain form first (an enum) and a
			// template second: explain the plain form.
			for _, c := range v.Causes {
				if strings.HasPrefix(c.KeywordLocation, v.KeywordLocation+"/0/") || c.KeywordLocation == v.KeywordLocation+"/0" {
					walk(c)
				}
			}
		default:
			for _, c := range v.Causes {
				walk(c)
			}
		}
	}
	walk(ve)
	locs := make([]string, 0, len(leaves))
	for _, l := range leaves {
		cs.report(file, root, l, e)
		locs = append(locs, l.InstanceLocation)
	}
	return locs, nil
}

// pointer splits a JSON pointer ("/a/b~1c") into unescaped tokens.
func pointer(p string) []string {
	if p == "" || p == "/" {
		return nil
	}
	toks := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i, t := range toks {
		toks[i] = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
	}
	return toks
}

// lookup walks the tree along an instance location.
func lookup(root *node, toks []string) *node {
	n := root
	for _, t := range toks {
		switch {
		case n == nil:
			return nil
		case n.kind == mapNode:
			n = n.get(t)
		case n.kind == seqNode:
			i, err := strconv.Atoi(t)
			if err != nil || i < 0 || i >= len(n.items) {
				return nil
			}
			n = n.items[i]
		default:
			return nil
		}
	}
	return n
}

// humanPath turns instance tokens into "notebooks[2].volume.capacity".
func humanPath(toks []string) string {
	var b strings.Builder
	for _, t := range toks {
		if _, err := strconv.Atoi(t); err == nil {
			b.WriteString("[" + t + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(t)
	}
	return b.String()
}

// fragment returns the schema object at a keyword location's parent.
func (cs *compiledSchema) fragment(abs string) (map[string]any, string) {
	_, frag, _ := strings.Cut(abs, "#")
	toks := pointer(frag)
	if len(toks) == 0 {
		return cs.raw, ""
	}
	keyword := toks[len(toks)-1]
	var cur any = cs.raw
	for _, t := range toks[:len(toks)-1] {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[t]
		case []any:
			i, _ := strconv.Atoi(t)
			if i < 0 || i >= len(c) {
				return nil, keyword
			}
			cur = c[i]
		default:
			return nil, keyword
		}
	}
	m, _ := cur.(map[string]any)
	return m, keyword
}

func (cs *compiledSchema) report(file string, root *node, ve *jsonschema.ValidationError, e *errs) {
	frag, keyword := cs.fragment(ve.AbsoluteKeywordLocation)
	toks := pointer(ve.InstanceLocation)
	n := lookup(root, toks)
	if n == nil {
		n = root
	}
	if strings.Contains(ve.KeywordLocation, "/propertyNames/") && len(toks) > 0 {
		// The instance is the key itself: point at it, under its mapping.
		key := toks[len(toks)-1]
		toks = toks[:len(toks)-1]
		if k := lookup(root, toks).keyNode(key); k != nil {
			n = k
		}
	}
	var val any
	if n != nil {
		val = n.toValue()
	}
	got := n.shown()
	path := humanPath(toks)
	say := func(at *node, format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		if path != "" {
			msg = path + ": " + msg
		}
		e.at(file, at, "%s", msg)
	}
	if k, ok := dependentKey(ve.KeywordLocation); ok {
		// ".../dependentRequired/delimiter/0": delimiter needs a sibling.
		frag, _ = cs.fragment(ve.AbsoluteKeywordLocation[:strings.LastIndex(ve.AbsoluteKeywordLocation, "/dependentRequired/")] + "/x")
		req, _ := frag["dependentRequired"].(map[string]any)
		need, _ := req[k].([]any)
		var names []string
		for _, r := range need {
			names = append(names, fmt.Sprint(r))
		}
		say(n.keyNode(k), "%s applies only with %s", k, strings.Join(names, " and "))
		return
	}
	switch keyword {
	case "additionalProperties":
		props, _ := frag["properties"].(map[string]any)
		valid := slices.Sorted(mapsKeys(props))
		var patterns []*regexp.Regexp
		if pp, ok := frag["patternProperties"].(map[string]any); ok {
			for p := range pp {
				if re, err := regexp.Compile(p); err == nil {
					patterns = append(patterns, re)
				}
			}
		}
	keys:
		for _, k := range n.keys {
			if _, ok := props[k.value]; ok {
				continue
			}
			for _, re := range patterns {
				if re.MatchString(k.value) {
					continue keys
				}
			}
			var msg string
			switch {
			case k.value == "<<":
				msg = `YAML merge keys ("<<") are not supported: put shared fields under defaults`
			case path == "defaults" && (k.value == "name" || k.value == "for_each"):
				msg = fmt.Sprintf("%s cannot be set in defaults: set it on each notebook entry", k.value)
			default:
				msg = fmt.Sprintf("unknown key %q", k.value)
				if s := suggest(k.value, valid); s != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", s)
				} else {
					msg += "; valid keys: " + strings.Join(valid, ", ")
				}
			}
			say(k, "%s", msg)
		}
	case "required":
		req, _ := frag["required"].([]any)
		for _, r := range req {
			k, _ := r.(string)
			if n.get(k) == nil {
				say(n, "missing required key %q", k)
			}
		}
	case "type":
		say(n, "must be %s, got %s", typeNames(frag["type"]), got)
	case "const":
		say(n, "must be %s, got %s", jsonText(frag["const"]), got)
	case "enum":
		opts, _ := frag["enum"].([]any)
		names := make([]string, len(opts))
		shown := make([]string, len(opts))
		plain := true
		for i, o := range opts {
			names[i], _ = o.(string)
			shown[i] = strconv.Quote(names[i])
			plain = plain && enumWord.MatchString(names[i])
		}
		if plain {
			shown = names
		}
		msg := fmt.Sprintf("must be one of %s, got %s", strings.Join(shown, ", "), got)
		if s, ok := val.(string); ok {
			if sug := suggestFold(s, names); sug != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", sug)
			}
		}
		say(n, "%s", msg)
	case "pattern":
		if m, ok := frag["patternErrorMessage"].(string); ok {
			say(n, "%s, got %s", m, got)
		} else {
			say(n, "must match %s, got %s", frag["pattern"], got)
		}
	case "minLength":
		if num(frag["minLength"]) == 1 {
			say(n, "must not be empty")
		} else {
			say(n, "must be at least %v characters", frag["minLength"])
		}
	case "maxLength":
		s, _ := val.(string)
		say(n, "must be at most %v characters, got %d", frag["maxLength"], len([]rune(s)))
	case "minimum":
		say(n, "must be ≥ %v, got %s", frag["minimum"], got)
	case "maximum":
		say(n, "must be ≤ %v, got %s", frag["maximum"], got)
	case "minItems":
		if num(frag["minItems"]) == 1 {
			say(n, "must not be empty")
		} else {
			say(n, "must have at least %v entries, got %d", frag["minItems"], len(n.items))
		}
	case "maxItems":
		say(n, "must have at most %v entries, got %d", frag["maxItems"], len(n.items))
	case "uniqueItems":
		seen := map[string]bool{}
		for _, it := range n.items {
			if seen[it.value] {
				say(it, "lists %q twice", it.value)
			}
			seen[it.value] = true
		}
	default:
		if m, ok := frag["errorMessage"].(string); ok {
			say(n, "%s", m)
		} else {
			say(n, "%s", ve.Message)
		}
	}
}

// enumWord is an enum value shown without quotes.
var enumWord = regexp.MustCompile(`^[A-Za-z0-9_.]+$`)

// dependentKey returns the key of a failed dependentRequired keyword.
func dependentKey(loc string) (string, bool) {
	i := strings.LastIndex(loc, "/dependentRequired/")
	if i < 0 {
		return "", false
	}
	k, _, _ := strings.Cut(loc[i+len("/dependentRequired/"):], "/")
	return k, true
}

func mapsKeys(m map[string]any) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func num(v any) float64 {
	f, _ := v.(float64)
	return f
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// typeNames phrases a schema "type" for people.
func typeNames(t any) string {
	name := func(s string) string {
		switch s {
		case "object":
			return "a mapping"
		case "array":
			return "a list"
		case "string":
			return "a string"
		case "integer":
			return "an integer"
		case "number":
			return "a number"
		case "boolean":
			return "true or false"
		}
		return s
	}
	switch t := t.(type) {
	case string:
		return name(t)
	case []any:
		var parts []string
		for _, x := range t {
			s, _ := x.(string)
			parts = append(parts, name(s))
		}
		return strings.Join(parts, " or ")
	}
	return fmt.Sprint(t)
}

// suggest returns the candidate within edit distance 2 of s (the closest,
// ties broken by order), or "".
func suggest(s string, candidates []string) string {
	best, bestD := "", math.MaxInt
	for _, c := range candidates {
		if d := textdist.Levenshtein(s, c); d <= 2 && d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// suggestFold is suggest that first looks for a case-insensitive match.
func suggestFold(s string, candidates []string) string {
	for _, c := range candidates {
		if strings.EqualFold(s, c) {
			return c
		}
	}
	return suggest(s, candidates)
}
