package spec

import (
	"encoding/base64"
	"fmt"
	"math"
	"net/netip"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Lease and duration bounds (modelarts-api.md §1, auto-stop).
const (
	MinLease = time.Hour
	MaxLease = 72 * time.Hour
)

// Length limits of the create call's fields, enforced after templates are
// rendered (the schema checks what is written in the file).
const (
	MaxNameLength = 128 // notebook name
	MaxLabelValue = 256 // characters of a rendered label value
	maxIDLength   = 128 // flavor, image_id, pool_id, volume.id, ssh key names
)

var nameRE = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// Values of the enum fields a template may fill (the schema holds the same
// lists for values written as they are).
var (
	features    = []string{"NOTEBOOK", "DEFAULT"}
	categories  = []string{"EVS", "SFS", "EFS", "OBS", "OBSFS"}
	ownerships  = []string{"MANAGED", "DEDICATED"}
	devServices = []string{"NOTEBOOK", "SSH"}
	hookTypes   = []string{"COMMAND", "SCRIPT"}
	leaseTypes  = []string{"timing", "idle"}
	states      = []string{string(Running), string(Stopped)}
)

// expander turns a schema-valid tree into a Fleet.
type expander struct {
	file     string
	dir      string
	errs     *errs
	warnings []Warning
	limits   Limits
	custom   func(string) ([]byte, error) // Options.ReadFile
	tree     *treeReader                  // opened on first use
	tmpl     map[*node]*tmplEntry
	funcMap  map[string]any
	scripts  map[string]scriptResult
	fleetNm  string
	total    int
	tooMany  bool
	skip     map[int]bool // notebook entries the schema rejected
	// The rendering in progress: its row (for col) and what it may still
	// produce.
	cur       instance
	allowance int
}

type scriptResult struct {
	b64 string
	err string
}

// instance is one notebook to produce from an entry: the template data and
// where it came from.
type instance struct {
	data    map[string]any
	keys    []string // available template keys, for messages
	sig     string   // keys joined: templates are checked once per key set
	csvFile string
	csvRow  int
	label   string // " (roster.csv:17)" or " (index 3)", for messages
}

// rule is what a rendered text field must satisfy.
type rule struct {
	max     int      // characters; 0: no limit beyond the schema's
	blankOK bool     // an empty rendering is a value (description, labels)
	enum    []string // the allowed values
	example string   // a value to suggest with default
}

// readFile reads a file the fleet names under the policy of files.go and
// returns its content or the problem, phrased for the user.
func (x *expander) readFile(kind fileKind, rel string, limit int64) ([]byte, string) {
	if err := localPath(rel); err != nil {
		return nil, fileProblem(kind, rel, err)
	}
	var b []byte
	var err error
	if x.custom != nil {
		b, err = x.custom(filepath.Join(x.dir, rel))
		if err == nil && int64(len(b)) > limit {
			err = &tooLargeError{limit}
		}
	} else {
		if x.tree == nil {
			x.tree = newTreeReader(x.dir)
		}
		b, err = x.tree.read(rel, limit)
	}
	if err != nil {
		return nil, fileProblem(kind, rel, err)
	}
	return b, ""
}

func (x *expander) fleet(root *node) *Fleet {
	f := &Fleet{File: x.file, Version: 1}
	f.Name = root.get("fleet").value
	x.fleetNm = f.Name
	if t := root.get("target"); t != nil && t.kind == mapNode {
		if v := t.get("cloud"); !v.isNull() {
			f.Target.Cloud = v.value
		}
		for _, k := range []struct {
			key string
			to  *string
		}{{"region", &f.Target.Region}, {"endpoint", &f.Target.Endpoint}, {"project_id", &f.Target.ProjectID}, {"workspace_id", &f.Target.WorkspaceID}} {
			v := t.get(k.key)
			*k.to = scalar(v)
			if r, i, bad := controlChar(*k.to); bad {
				x.errs.at(x.file, v, "target.%s: %s", k.key, controlMessage(r, i))
			}
		}
		if v := t.get("endpoint"); !v.isNull() {
			f.EndpointAt = Origin{File: x.file, Line: v.line, Col: v.col}
		}
		if msg := resolveTarget(&f.Target); msg != "" {
			r := t.get("region")
			x.errs.addf(x.file, r.line, r.col, "target.region: %s", msg)
		}
	} else {
		resolveTarget(&f.Target)
	}
	defaults := root.get("defaults")
	if defaults != nil && defaults.kind != mapNode {
		defaults = nil
	}
	names := map[string]Origin{}
	for i, entry := range root.get("notebooks").items {
		if x.skip[i] {
			continue
		}
		path := fmt.Sprintf("notebooks[%d]", i)
		merged := merge(defaults, entry)
		if ln := merged.get("labels"); ln != nil && ln.kind == mapNode {
			for _, k := range ln.keys {
				if !slices.Contains(f.Labels, k.value) {
					f.Labels = append(f.Labels, k.value)
				}
			}
		}
		ins := x.instances(path, entry, merged)
		f.Notebooks = slices.Grow(f.Notebooks, len(ins))
		for _, in := range ins {
			nb, ok := x.notebook(path, entry, merged, in, f)
			if !ok {
				continue
			}
			if first, dup := names[nb.Name]; dup {
				file, line, col := nb.Origin.File, nb.Origin.Line, nb.Origin.Col
				if nb.Origin.CSVFile != "" {
					file, line, col = nb.Origin.CSVFile, nb.Origin.CSVRow, 0
				}
				msg := fmt.Sprintf("duplicate notebook name %q (first declared at %s)", nb.Name, first)
				if entry.get("for_each") != nil && !strings.Contains(merged.get("name").value, "{{") {
					msg += `: under for_each the name needs a template such as "x-{{ .index }}"`
				}
				x.errs.addf(file, line, col, "%s", msg)
				continue
			}
			names[nb.Name] = nb.Origin
			f.Notebooks = append(f.Notebooks, nb)
		}
		if x.tooMany {
			break
		}
	}
	f.Warnings = x.warnings
	return f
}

func scalar(n *node) string {
	if n.isNull() || n.kind != scalarNode {
		return ""
	}
	return n.value
}

// merge lays an entry over the defaults: the entry's keys win, mappings
// merge key by key, lists and scalars are replaced.
func merge(def, entry *node) *node {
	if def == nil || entry == nil || def.kind != mapNode || entry.kind != mapNode {
		if entry == nil {
			return def
		}
		return entry
	}
	out := &node{kind: mapNode, line: entry.line, col: entry.col, y: entry.y}
	for i, k := range entry.keys {
		v := entry.vals[i]
		if d := def.get(k.value); d != nil && d.kind == mapNode && v.kind == mapNode {
			v = merge(d, v)
		}
		out.keys = append(out.keys, k)
		out.vals = append(out.vals, v)
	}
	for i, k := range def.keys {
		if entry.get(k.value) == nil {
			out.keys = append(out.keys, k)
			out.vals = append(out.vals, def.vals[i])
		}
	}
	return out
}

// instances lists what one entry expands to: itself, count copies, or one
// per roster row.
func (x *expander) instances(path string, entry, merged *node) []instance {
	fe := entry.get("for_each")
	if fe == nil {
		return x.budget(entry, []instance{{data: map[string]any{"fleet": x.fleetNm}, keys: []string{"fleet"}, sig: "fleet"}})
	}
	if c := fe.get("count"); c != nil {
		n, _ := c.toValue().(int64)
		if !x.room(c, int(n)) {
			return nil
		}
		out := make([]instance, n)
		for i := range out {
			out[i] = instance{
				data:  map[string]any{"index": i + 1, "fleet": x.fleetNm},
				keys:  []string{"index", "fleet"},
				sig:   "index\x00fleet",
				label: fmt.Sprintf(" (index %d)", i+1),
			}
		}
		return out
	}
	csvNode := fe.get("csv")
	rel := csvNode.value
	data, problem := x.readFile(rosterFile, rel, x.limits.MaxCSVSize)
	if problem != "" {
		x.errs.at(x.file, csvNode, "%s.for_each.csv: %s", path, problem)
		return nil
	}
	var delim rune
	if d := fe.get("delimiter"); !d.isNull() {
		delim, _ = utf8.DecodeRuneInString(d.value)
	}
	return x.roster(filepath.Join(x.dir, rel), csvNode, data, delim)
}

// room counts n more notebooks against the limit.
func (x *expander) room(at *node, n int) bool {
	if x.tooMany {
		return false
	}
	x.total += n
	if x.total > x.limits.MaxNotebooks {
		x.tooMany = true
		x.errs.at(x.file, at, "the fleet expands to more than %d notebooks", x.limits.MaxNotebooks)
		return false
	}
	return true
}

func (x *expander) budget(at *node, in []instance) []instance {
	if !x.room(at, len(in)) {
		return nil
	}
	return in
}

// text renders a string field for in and checks the result against r. ok
// is false after an error was recorded.
func (x *expander) text(path, field string, n *node, in instance, r rule) (string, bool) {
	if n.isNull() {
		return "", true
	}
	full := path + "." + field
	s, ok := x.render(full, n, in)
	if !ok {
		return s, false
	}
	templated := isTemplate(n)
	switch {
	case !r.blankOK && strings.TrimSpace(s) == "":
		if templated {
			x.errs.at(x.file, n, "%s%s: the template renders an empty value for this row: %s", full, in.label, x.defaultHint(n, r))
		} else {
			x.errs.at(x.file, n, "%s: must not be empty", full)
		}
		return s, false
	case r.enum != nil && !slices.Contains(r.enum, s):
		msg := fmt.Sprintf("%s%s: the template renders %q, which is not one of %s", full, in.label, s, strings.Join(r.enum, ", "))
		if sug := suggestFold(s, r.enum); sug != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", sug)
		}
		x.errs.at(x.file, n, "%s", msg)
		return s, false
	case r.max > 0 && len(s) > r.max && utf8.RuneCountInString(s) > r.max:
		x.errs.at(x.file, n, "%s%s: %q is %d characters; the limit is %d", full, in.label, abbreviate(s), utf8.RuneCountInString(s), r.max)
		return s, false
	}
	return s, true
}

// defaultHint suggests the default function for a template that rendered
// empty: `use default for blank cells, e.g. '{{ .flavor | default "…" }}'`.
func (x *expander) defaultHint(n *node, r rule) string {
	ex := r.example
	if ex == "" && len(r.enum) > 0 {
		ex = r.enum[0]
	}
	if ex == "" {
		ex = "VALUE"
	}
	te := x.tmpl[n]
	if te == nil || len(te.info.fields) == 0 {
		return "give a value that is not empty"
	}
	return fmt.Sprintf("fill in the cell, or give a value for blank cells with default, e.g. '{{ %s | default %q }}'", te.info.spellRef(te.info.fields[0]), ex)
}

// abbreviate shortens a long value for a message.
func abbreviate(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:57]) + "..."
	}
	return s
}

// notebook decodes one instance of an entry into a Notebook, recording
// every problem. ok is false when the notebook is unusable.
func (x *expander) notebook(path string, entry, m *node, in instance, f *Fleet) (Notebook, bool) {
	before := len(x.errs.list)
	nb := Notebook{Origin: Origin{File: x.file, Line: entry.line, Col: entry.col, CSVFile: in.csvFile, CSVRow: in.csvRow}}
	text := func(n *node, field string, r rule) string {
		s, _ := x.text(path, field, n, in, r)
		return s
	}
	bad := func(n *node, field, format string, args ...any) {
		x.errs.at(x.file, n, "%s.%s%s: %s", path, field, in.label, fmt.Sprintf(format, args...))
	}
	missing := func(field string) {
		x.errs.at(x.file, entry, "%s: missing %s: set it on the entry or under defaults", path, field)
	}

	if n := m.get("name"); n != nil {
		nb.Name = x.name(path, n, in)
	}
	if n := m.get("description"); n != nil {
		var ok bool
		nb.Description, ok = x.text(path, "description", n, in, rule{blankOK: true})
		if ok {
			if i := strings.IndexAny(nb.Description, "&<>\"'/"); i >= 0 {
				msg := fmt.Sprintf("must not contain %q (none of & < > \" ' / is allowed)", nb.Description[i:i+1])
				if te := x.tmpl[n]; te != nil && len(te.info.fields) > 0 {
					msg += fmt.Sprintf(": drop it from text that comes from the roster, e.g. {{ %s | replace %q \"\" }}", te.info.spellRef(te.info.fields[0]), nb.Description[i:i+1])
				}
				bad(n, "description", "%s", msg)
			}
			if strings.Contains(nb.Description, MarkerPrefix) {
				bad(n, "description", "must not contain %q: nbfleet appends its ownership marker itself", MarkerPrefix)
			}
			if room, l := DescriptionRoom(x.fleetNm), utf8.RuneCountInString(nb.Description); l > room {
				bad(n, "description", "is %d characters; it must be at most %d to leave room for the ownership marker \" %s\" (%d in all)",
					l, room, Marker(x.fleetNm, strings.Repeat("x", HooksDigestLen)), MaxDescription)
			}
		}
	}
	if fl := m.get("flavor"); fl != nil {
		nb.Flavors = x.flavors(path, fl, in)
		if len(nb.Flavors) > 0 {
			nb.Flavor = nb.Flavors[0]
		}
	} else {
		missing("flavor")
	}
	if n := m.get("image_id"); n != nil {
		nb.ImageID = text(n, "image_id", rule{max: maxIDLength, example: "e1a07296-22a8-4f05-8bc8-e936c8e54090"})
	} else {
		missing("image_id")
	}
	nb.Feature = "NOTEBOOK"
	if n := m.get("feature"); !n.isNull() {
		nb.Feature = text(n, "feature", rule{enum: features})
	}
	nb.PoolID = text(m.get("pool_id"), "pool_id", rule{max: maxIDLength})
	nb.WorkspaceID = text(m.get("workspace_id"), "workspace_id", rule{max: 64})
	if nb.WorkspaceID == "" {
		nb.WorkspaceID = f.Target.WorkspaceID
	}
	if nb.WorkspaceID == "" {
		nb.WorkspaceID = DefaultWorkspace
	}

	// volume
	v := m.get("volume")
	nb.Volume.Category = text(v.get("category"), "volume.category", rule{enum: categories})
	nb.Volume.Ownership = text(v.get("ownership"), "volume.ownership", rule{enum: ownerships})
	if c, ok := v.get("capacity").toValueOK(); ok {
		n, _ := c.(int64)
		nb.Volume.Capacity = int(n)
	}
	nb.Volume.URI = text(v.get("uri"), "volume.uri", rule{max: 1024})
	nb.Volume.ID = text(v.get("id"), "volume.id", rule{max: maxIDLength})
	if v.get("category") == nil {
		missing("volume.category")
	}
	if v.get("ownership") == nil {
		missing("volume.ownership")
	}
	if nb.Volume.Ownership == "DEDICATED" {
		if nb.Volume.Category != "EFS" {
			bad(v.get("ownership"), "volume.ownership", "DEDICATED storage is only supported with category EFS, not %s", orNone(nb.Volume.Category))
		} else {
			if v.get("uri") == nil {
				bad(v, "volume", "DEDICATED EFS needs uri (the EFS mount URI, e.g. 192.168.0.1:/share/)")
			}
			if v.get("id") == nil {
				bad(v, "volume", "DEDICATED EFS needs id (the EFS disk ID)")
			}
		}
	}

	// endpoints
	if eps := m.get("endpoints"); eps != nil {
		for j, en := range eps.items {
			field := fmt.Sprintf("endpoints[%d]", j)
			ep := Endpoint{DevService: text(en.get("dev_service"), field+".dev_service", rule{enum: devServices})}
			if ks := en.get("ssh_keys"); ks != nil {
				for k, kn := range ks.items {
					ep.SSHKeys = append(ep.SSHKeys, text(kn, fmt.Sprintf("%s.ssh_keys[%d]", field, k), rule{max: maxIDLength}))
				}
			}
			if ips := en.get("allowed_access_ips"); ips != nil {
				for k, ipn := range ips.items {
					ipField := fmt.Sprintf("%s.allowed_access_ips[%d]", field, k)
					ip, ok := x.text(path, ipField, ipn, in, rule{max: 64, example: "192.0.2.1"})
					if _, err := netip.ParseAddr(ip); err != nil && ok {
						bad(ipn, ipField, "%q is not an IP address", ip)
					}
					ep.AllowedAccessIPs = append(ep.AllowedAccessIPs, ip)
				}
			}
			nb.Endpoints = append(nb.Endpoints, ep)
		}
	}

	// hooks
	if ch := m.get("hooks").get("container_hooks"); ch != nil {
		h := &Hooks{}
		h.PreStart = x.hook(path+".hooks.container_hooks.pre_start", ch.get("pre_start"), in)
		h.PostStart = x.hook(path+".hooks.container_hooks.post_start", ch.get("post_start"), in)
		if h.PreStart != nil || h.PostStart != nil {
			nb.Hooks = h
		}
	}

	// lease and duration
	if ln := m.get("lease"); ln != nil && ln.kind == mapNode {
		l := &Lease{Type: text(ln.get("type"), "lease.type", rule{enum: leaseTypes})}
		if dn := ln.get("duration"); dn != nil {
			l.Duration = x.duration(path+".lease.duration", dn)
		}
		nb.Lease = l
	}
	if dn := m.get("duration"); dn != nil {
		nb.Duration = x.duration(path+".duration", dn)
	}

	nb.State = Running
	if s := m.get("state"); !s.isNull() {
		nb.State = State(text(s, "state", rule{enum: states}))
	}
	if p, ok := m.get("protect").toValueOK(); ok {
		nb.Protect, _ = p.(bool)
	}
	if p, ok := m.get("restart_after_lease").toValueOK(); ok {
		nb.RestartAfterLease, _ = p.(bool)
	}
	if ic := m.get("ignore_changes"); ic != nil {
		for _, it := range ic.items {
			nb.IgnoreChanges = append(nb.IgnoreChanges, it.value)
		}
	}
	if ln := m.get("labels"); ln != nil && ln.kind == mapNode && len(ln.keys) > 0 {
		nb.Labels = make(map[string]string, len(ln.keys))
		for i, k := range ln.keys {
			if v, ok := x.text(path, "labels."+k.value, ln.vals[i], in, rule{max: MaxLabelValue, blankOK: true}); ok {
				nb.Labels[k.value] = v
			}
		}
	}
	return nb, len(x.errs.list) == before
}

// name renders and checks a notebook name. A roster row whose cells used
// by the name are blank is an error at that row (a spreadsheet's half-empty
// line must not become a billed notebook "ds200-").
func (x *expander) name(path string, n *node, in instance) string {
	s, ok := x.render(path+".name", n, in)
	if !ok {
		return s
	}
	bad := func(format string, args ...any) {
		x.errs.at(x.file, n, "%s.name%s: %s", path, in.label, fmt.Sprintf(format, args...))
	}
	te := x.tmpl[n]
	if in.csvFile != "" && te != nil {
		var empty []string
		for _, f := range te.info.unguarded {
			if v, isStr := in.data[f].(string); isStr && v == "" {
				empty = append(empty, strconv.Quote(f))
			}
		}
		if len(empty) > 0 {
			msg := "column " + empty[0] + ", which the name uses, is empty in this row: fill it in, or delete the row"
			if len(empty) > 1 {
				msg = "columns " + strings.Join(empty, ", ") + ", which the name uses, are empty in this row: fill them in, or delete the row"
			}
			x.errs.addf(in.csvFile, in.csvRow, 0, "%s.name: %s", path, msg)
			return s
		}
	}
	switch {
	case s == "":
		bad("is empty after rendering the template")
	case len(s) > MaxNameLength:
		bad("%q is %d characters; the limit is %d", s, len(s), MaxNameLength)
	case !nameRE.MatchString(s):
		msg := fmt.Sprintf("%q must contain only letters, digits, '-' and '_'", s)
		if te != nil {
			for _, f := range te.info.fields {
				if v, isStr := in.data[f].(string); isStr && !nameRE.MatchString(v) {
					msg += fmt.Sprintf(": slug makes a name part of any text ('{{ %s | slug }}' gives %q here), ascii only removes accents", spell(f), slug(v))
					break
				}
			}
		}
		bad("%s", msg)
	}
	return s
}

// flavors renders flavor, a string or a list in order of preference. A
// rendered flavor equal to an earlier one is dropped: "the row's GPU
// flavor, else the CPU one" followed by the CPU one as fallback is natural.
func (x *expander) flavors(path string, n *node, in instance) []string {
	r := rule{max: maxIDLength, example: "modelarts.vm.cpu.2u"}
	if n.kind != seqNode {
		if s, ok := x.text(path, "flavor", n, in, r); ok {
			return []string{s}
		}
		return nil
	}
	out := make([]string, 0, len(n.items))
	for i, it := range n.items {
		field := fmt.Sprintf("flavor[%d]", i)
		if s, ok := x.text(path, field, it, in, r); ok && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// toValueOK is toValue for an optional node.
func (n *node) toValueOK() (any, bool) {
	if n.isNull() {
		return nil, false
	}
	return n.toValue(), true
}

// duration decodes a human duration ("4h") or a number of milliseconds and
// checks it lies within MinLease..MaxLease.
func (x *expander) duration(path string, n *node) time.Duration {
	outOfRange := func(got string) time.Duration {
		x.errs.at(x.file, n, "%s: must be between 1h and 72h, got %s", path, got)
		return 0
	}
	switch v := n.toValue().(type) {
	case int64:
		if v < MinLease.Milliseconds() || v > MaxLease.Milliseconds() {
			got := n.shown() + " ms"
			if v > 0 && v <= math.MaxInt64/int64(time.Millisecond) {
				got += " (" + FormatDuration(time.Duration(v)*time.Millisecond) + ")"
			}
			return outOfRange(got)
		}
		return time.Duration(v) * time.Millisecond
	case float64: // beyond int64, or not integral (the schema refuses those)
		return outOfRange(n.shown() + " ms")
	case string:
		d, err := time.ParseDuration(v)
		if err != nil {
			x.errs.at(x.file, n, "%s: %q is not a duration such as \"4h\" or \"90m\"", path, v)
			return 0
		}
		if d < MinLease || d > MaxLease {
			return outOfRange(FormatDuration(d))
		}
		return d
	}
	return 0
}

// FormatDuration formats a duration as a fleet file writes one, without
// trailing zero units: "4h", "1h30m", "45m" rather than "4h0m0s".
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// hook decodes one container hook, reading and encoding a script_file.
func (x *expander) hook(path string, n *node, in instance) *Hook {
	if n == nil || n.kind != mapNode {
		return nil
	}
	text := func(n *node, field string, r rule) (string, bool) {
		return x.text(path, field, n, in, r)
	}
	tn := n.get("type")
	typ, _ := text(tn, "type", rule{enum: hookTypes})
	h := &Hook{Type: typ}
	sn, fn := n.get("script"), n.get("script_file")
	switch {
	case fn != nil:
		rel, ok := text(fn, "script_file", rule{max: 4096, example: "scripts/setup.sh"})
		if !ok {
			return h
		}
		if h.Type == "SCRIPT" {
			x.errs.at(x.file, n.keyNode("type"), "%s.type: a script_file is sent as base64 content, which needs type COMMAND (or no type)", path)
		}
		h.Type = "COMMAND"
		r, done := x.scripts[rel]
		if !done {
			b, problem := x.readFile(scriptFile, rel, x.limits.MaxScriptSize)
			switch {
			case problem != "":
				r.err = problem
			case len(b) == 0:
				r.err = fmt.Sprintf("script_file %q is empty", rel)
			default:
				r.b64 = base64.StdEncoding.EncodeToString(b)
			}
			x.scripts[rel] = r
		}
		if r.err != "" {
			x.errs.at(x.file, fn, "%s.script_file%s: %s", path, in.label, r.err)
		}
		h.Script = r.b64
	case sn != nil:
		var ok bool
		h.Script, ok = text(sn, "script", rule{max: 1 << 20})
		if !ok {
			return h
		}
		if tn.isNull() {
			h.Type = "SCRIPT"
		}
		switch h.Type {
		case "COMMAND":
			if _, err := base64.StdEncoding.DecodeString(h.Script); err != nil {
				x.errs.at(x.file, sn, "%s.script: with type COMMAND the script is base64-encoded content; use script_file to have nbfleet encode a local file", path)
			}
		case "SCRIPT":
			if !strings.HasPrefix(h.Script, "/") {
				x.errs.at(x.file, sn, "%s.script: with type SCRIPT (the default) the script is an absolute path inside the container, got %q; use script_file for a local file", path, h.Script)
			}
		}
	default:
		x.errs.at(x.file, n, "%s: needs script or script_file", path)
	}
	return h
}
