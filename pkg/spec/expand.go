package spec

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"text/template/parse"
	"time"
	"unicode/utf8"
)

// Lease and duration bounds (modelarts-api.md §1, auto-stop).
const (
	MinLease = time.Hour
	MaxLease = 72 * time.Hour
)

// MaxNameLength is the API's limit on a notebook name.
const MaxNameLength = 128

var (
	nameRE       = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	templateLine = regexp.MustCompile(`^\d+(:\d+)?: `)
)

// expander turns a schema-valid tree into a Fleet.
type expander struct {
	file    string
	dir     string
	errs    *errs
	limits  Limits
	read    func(string) ([]byte, error)
	tmpl    map[*node]*tmplEntry
	scripts map[string]scriptResult
	fleetNm string
	total   int
	tooMany bool
	skip    map[int]bool // notebook entries the schema rejected
}

type tmplEntry struct {
	t       *template.Template // nil: not a template
	fields  []string           // top-level keys the template uses
	checked map[string]bool    // key set signature → already checked
	broken  bool
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
	csvFile string
	csvRow  int
	label   string // " (roster.csv:17)" or " (index 3)", for messages
}

func (x *expander) fleet(root *node) *Fleet {
	f := &Fleet{File: x.file, Version: 1}
	f.Name = root.get("fleet").value
	x.fleetNm = f.Name
	f.Target.Cloud = "huaweicloud"
	if t := root.get("target"); t != nil && t.kind == mapNode {
		if v := t.get("cloud"); !v.isNull() {
			f.Target.Cloud = v.value
		}
		f.Target.Region = scalar(t.get("region"))
		f.Target.Endpoint = scalar(t.get("endpoint"))
		f.Target.ProjectID = scalar(t.get("project_id"))
		f.Target.WorkspaceID = scalar(t.get("workspace_id"))
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
		for _, in := range x.instances(path, entry, merged) {
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
		return x.budget(entry, []instance{{data: map[string]any{"fleet": x.fleetNm}, keys: []string{"fleet"}}})
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
				label: fmt.Sprintf(" (index %d)", i+1),
			}
		}
		return out
	}
	csvNode := fe.get("csv")
	rel := csvNode.value
	name := rel
	if !filepath.IsAbs(rel) {
		name = filepath.Join(x.dir, rel)
	}
	data, err := x.read(name)
	if err != nil {
		msg := readProblem("roster "+strconv.Quote(rel), err)
		if strings.HasSuffix(msg, "no such file") {
			msg += " (paths are relative to the fleet file)"
		}
		x.errs.at(x.file, csvNode, "%s.for_each.csv: %s", path, msg)
		return nil
	}
	if int64(len(data)) > x.limits.MaxCSVSize {
		x.errs.at(x.file, csvNode, "%s.for_each.csv: roster %q is larger than the limit of %s", path, rel, size(x.limits.MaxCSVSize))
		return nil
	}
	return x.roster(name, csvNode, data)
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

// roster reads a CSV roster into instances, one per data row.
func (x *expander) roster(name string, at *node, data []byte) []instance {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if i := invalidUTF8(data); i >= 0 {
		line, _ := position(data, i)
		x.errs.addf(name, line, 0, "invalid UTF-8 (byte 0x%02x): save the roster as UTF-8", data[i])
		return nil
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	r.ReuseRecord = false
	header, err := r.Read()
	if err != nil {
		x.csvError(name, err, "roster is empty: it needs a header row naming the columns (e.g. student_id,name,email)")
		return nil
	}
	keys := make([]string, 0, len(header)+2)
	ok := true
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		header[i] = h
		switch {
		case h == "":
			x.errs.addf(name, 1, 0, "header column %d has no name", i+1)
			ok = false
		case h == "index" || h == "fleet":
			x.errs.addf(name, 1, 0, "header column %q is reserved (nbfleet sets .%s); rename it", h, h)
			ok = false
		case seen[h]:
			x.errs.addf(name, 1, 0, "header names column %q twice", h)
			ok = false
		}
		seen[h] = true
		keys = append(keys, h)
	}
	if !ok {
		return nil
	}
	keys = append(keys, "index", "fleet")
	var out []instance
	for {
		rec, err := r.Read()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				x.csvError(name, err, "")
			}
			break
		}
		line, _ := r.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" && len(header) > 1 {
			continue
		}
		if len(rec) != len(header) {
			x.errs.addf(name, line, 0, "row has %d fields, the header has %d (%s)", len(rec), len(header), strings.Join(header, ", "))
			continue
		}
		d := make(map[string]any, len(rec)+2)
		for i, v := range rec {
			d[header[i]] = strings.TrimSpace(v)
		}
		d["index"] = len(out) + 1
		d["fleet"] = x.fleetNm
		out = append(out, instance{
			data: d, keys: keys, csvFile: name, csvRow: line,
			label: fmt.Sprintf(" (%s:%d)", name, line),
		})
	}
	if len(out) == 0 && len(x.errs.list) == 0 {
		x.errs.at(x.file, at, "roster %s has a header but no rows", name)
	}
	return x.budget(at, out)
}

func (x *expander) csvError(name string, err error, eofMsg string) {
	var pe *csv.ParseError
	switch {
	case errors.As(err, &pe):
		x.errs.addf(name, pe.Line, pe.Column, "invalid CSV: %v", pe.Err)
	case errors.Is(err, io.EOF):
		x.errs.addf(name, 0, 0, "%s", eofMsg)
	default:
		x.errs.addf(name, 0, 0, "invalid CSV: %v", err)
	}
}

var funcs = template.FuncMap{
	"lower":   strings.ToLower,
	"upper":   strings.ToUpper,
	"trim":    strings.TrimSpace,
	"replace": func(old, new, s string) string { return strings.ReplaceAll(s, old, new) },
}

// render returns the string value of n, rendered as a template for in.
// ok is false after an error was recorded.
func (x *expander) render(path string, n *node, in instance) (string, bool) {
	if n.isNull() {
		return "", true
	}
	if !strings.Contains(n.value, "{{") {
		return n.value, true
	}
	te := x.tmpl[n]
	if te == nil {
		te = &tmplEntry{checked: map[string]bool{}}
		x.tmpl[n] = te
		t, err := template.New(path).Option("missingkey=error").Funcs(funcs).Parse(n.value)
		if err != nil {
			te.broken = true
			x.errs.at(x.file, n, "%s: invalid template: %s", path, cleanTemplateErr(err, path))
			return "", false
		}
		te.t = t
		te.fields = templateFields(t.Tree.Root)
	}
	if te.broken {
		return "", false
	}
	sig := strings.Join(in.keys, ",")
	if !te.checked[sig] {
		te.checked[sig] = true
		for _, f := range te.fields {
			if slices.Contains(in.keys, f) {
				continue
			}
			msg := fmt.Sprintf("%s: template uses .%s, which is not defined here", path, f)
			if in.csvFile != "" {
				msg = fmt.Sprintf("%s: template uses .%s, which is not a column of %s", path, f, in.csvFile)
			} else if f == "index" {
				msg += " (.index is set only under for_each)"
			}
			if s := suggest(f, in.keys); s != "" {
				msg += fmt.Sprintf(" (did you mean .%s?)", s)
			}
			msg += "; available: ." + strings.Join(in.keys, ", .")
			x.errs.at(x.file, n, "%s", msg)
			te.broken = true
		}
		if te.broken {
			return "", false
		}
	}
	var b strings.Builder
	if err := te.t.Execute(&b, in.data); err != nil {
		x.errs.at(x.file, n, "%s%s: template: %s", path, in.label, cleanTemplateErr(err, path))
		return "", false
	}
	return b.String(), true
}

// cleanTemplateErr drops text/template's "template: NAME:" prefix.
func cleanTemplateErr(err error, name string) string {
	s := err.Error()
	s = strings.TrimPrefix(s, "template: ")
	s = strings.TrimPrefix(s, name+":")
	s = templateLine.ReplaceAllString(s, "")
	return strings.TrimSpace(s)
}

// templateFields lists the top-level data keys a template refers to
// (".student_id" → "student_id"), outside with/range blocks, whose dot differs.
func templateFields(root *parse.ListNode) []string {
	var out []string
	var walk func(n parse.Node)
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				walk(c)
			}
		case *parse.ActionNode:
			walk(n.Pipe)
		case *parse.PipeNode:
			if n == nil {
				return
			}
			for _, c := range n.Cmds {
				walk(c)
			}
		case *parse.CommandNode:
			for _, a := range n.Args {
				walk(a)
			}
		case *parse.FieldNode:
			if len(n.Ident) > 0 && !slices.Contains(out, n.Ident[0]) {
				out = append(out, n.Ident[0])
			}
		case *parse.IfNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.RangeNode:
			walk(n.Pipe)
		case *parse.WithNode:
			walk(n.Pipe)
		}
	}
	walk(root)
	return out
}

// notebook decodes one instance of an entry into a Notebook, recording
// every problem. ok is false when the notebook is unusable.
func (x *expander) notebook(path string, entry, m *node, in instance, f *Fleet) (Notebook, bool) {
	before := len(x.errs.list)
	nb := Notebook{Origin: Origin{File: x.file, Line: entry.line, Col: entry.col, CSVFile: in.csvFile, CSVRow: in.csvRow}}
	str := func(n *node, field string) string {
		s, _ := x.render(path+"."+field, n, in)
		return s
	}
	bad := func(n *node, field, format string, args ...any) {
		x.errs.at(x.file, n, "%s.%s%s: %s", path, field, in.label, fmt.Sprintf(format, args...))
	}
	missing := func(field string) {
		x.errs.at(x.file, entry, "%s: missing %s: set it on the entry or under defaults", path, field)
	}

	// name
	if n := m.get("name"); n != nil {
		var ok bool
		nb.Name, ok = x.render(path+".name", n, in)
		if ok {
			switch {
			case nb.Name == "":
				bad(n, "name", "is empty after rendering the template")
			case len(nb.Name) > MaxNameLength:
				bad(n, "name", "%q is %d characters; the limit is %d", nb.Name, len(nb.Name), MaxNameLength)
			case !nameRE.MatchString(nb.Name):
				bad(n, "name", "%q must contain only letters, digits, '-' and '_'", nb.Name)
			}
		}
	}
	// description
	if n := m.get("description"); n != nil {
		nb.Description = str(n, "description")
		marker := OwnerMarker(x.fleetNm)
		if i := strings.IndexAny(nb.Description, "&<>\"'/"); i >= 0 {
			bad(n, "description", "must not contain %q (none of & < > \" ' / is allowed)", nb.Description[i:i+1])
		}
		if strings.Contains(nb.Description, MarkerPrefix) {
			bad(n, "description", "must not contain %q: nbfleet appends its ownership marker itself", MarkerPrefix)
		}
		room := MaxDescription - 1 - utf8.RuneCountInString(marker)
		if l := utf8.RuneCountInString(nb.Description); l > room {
			bad(n, "description", "is %d characters; it must be at most %d to leave room for the ownership marker \" %s\" (%d in all)", l, room, marker, MaxDescription)
		}
	}
	nb.Flavor = str(m.get("flavor"), "flavor")
	if nb.Flavor == "" && m.get("flavor") == nil {
		missing("flavor")
	}
	nb.ImageID = str(m.get("image_id"), "image_id")
	if nb.ImageID == "" && m.get("image_id") == nil {
		missing("image_id")
	}
	nb.Feature = "NOTEBOOK"
	if n := m.get("feature"); !n.isNull() {
		nb.Feature = n.value
	}
	nb.PoolID = str(m.get("pool_id"), "pool_id")
	nb.WorkspaceID = str(m.get("workspace_id"), "workspace_id")
	if nb.WorkspaceID == "" {
		nb.WorkspaceID = f.Target.WorkspaceID
	}
	if nb.WorkspaceID == "" {
		nb.WorkspaceID = DefaultWorkspace
	}

	// volume
	v := m.get("volume")
	nb.Volume.Category = scalar(v.get("category"))
	nb.Volume.Ownership = scalar(v.get("ownership"))
	if c, ok := v.get("capacity").toValueOK(); ok {
		n, _ := c.(int64)
		nb.Volume.Capacity = int(n)
	}
	nb.Volume.URI = str(v.get("uri"), "volume.uri")
	nb.Volume.ID = str(v.get("id"), "volume.id")
	if nb.Volume.Category == "" {
		missing("volume.category")
	}
	if nb.Volume.Ownership == "" {
		missing("volume.ownership")
	}
	if nb.Volume.Ownership == "DEDICATED" {
		if nb.Volume.Category != "EFS" {
			bad(v.get("ownership"), "volume.ownership", "DEDICATED storage is only supported with category EFS, not %s", orNone(nb.Volume.Category))
		} else {
			if nb.Volume.URI == "" {
				bad(v, "volume", "DEDICATED EFS needs uri (the EFS mount URI, e.g. 192.168.0.1:/share/)")
			}
			if nb.Volume.ID == "" {
				bad(v, "volume", "DEDICATED EFS needs id (the EFS disk ID)")
			}
		}
	}

	// endpoints
	if eps := m.get("endpoints"); eps != nil {
		for j, en := range eps.items {
			ep := Endpoint{DevService: scalar(en.get("dev_service"))}
			field := fmt.Sprintf("endpoints[%d]", j)
			if ks := en.get("ssh_keys"); ks != nil {
				for k, kn := range ks.items {
					ep.SSHKeys = append(ep.SSHKeys, str(kn, fmt.Sprintf("%s.ssh_keys[%d]", field, k)))
				}
			}
			if ips := en.get("allowed_access_ips"); ips != nil {
				for k, ipn := range ips.items {
					ip := str(ipn, fmt.Sprintf("%s.allowed_access_ips[%d]", field, k))
					if _, err := netip.ParseAddr(ip); err != nil && ip != "" {
						bad(ipn, fmt.Sprintf("%s.allowed_access_ips[%d]", field, k), "%q is not an IP address", ip)
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
		l := &Lease{Type: scalar(ln.get("type"))}
		if dn := ln.get("duration"); dn != nil {
			l.Duration = x.duration(path+".lease.duration", dn, in)
		}
		nb.Lease = l
	}
	if dn := m.get("duration"); dn != nil {
		nb.Duration = x.duration(path+".duration", dn, in)
	}

	nb.State = Running
	if s := m.get("state"); !s.isNull() {
		nb.State = State(s.value)
	}
	if p, ok := m.get("protect").toValueOK(); ok {
		nb.Protect, _ = p.(bool)
	}
	if ic := m.get("ignore_changes"); ic != nil {
		for _, it := range ic.items {
			nb.IgnoreChanges = append(nb.IgnoreChanges, it.value)
		}
	}
	return nb, len(x.errs.list) == before
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

// duration decodes a human duration ("4h") or integer milliseconds and
// checks it lies within MinLease..MaxLease.
func (x *expander) duration(path string, n *node, in instance) time.Duration {
	var d time.Duration
	switch v := n.toValue().(type) {
	case int64:
		if v > int64(MaxLease/time.Millisecond) {
			d = MaxLease + time.Millisecond
		} else {
			d = time.Duration(v) * time.Millisecond
		}
	case string:
		var err error
		d, err = time.ParseDuration(v)
		if err != nil {
			x.errs.at(x.file, n, "%s: %q is not a duration such as \"4h\" or \"90m\"", path, v)
			return 0
		}
	default:
		return 0
	}
	if d < MinLease || d > MaxLease {
		x.errs.at(x.file, n, "%s: must be between 1h and 72h, got %s", path, FormatDuration(d))
	}
	return d
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
	h := &Hook{Type: scalar(n.get("type"))}
	sn, fn := n.get("script"), n.get("script_file")
	switch {
	case fn != nil:
		rel, ok := x.render(path+".script_file", fn, in)
		if !ok {
			return h
		}
		if h.Type == "SCRIPT" {
			x.errs.at(x.file, n.keyNode("type"), "%s.type: a script_file is sent as base64 content, which needs type COMMAND (or no type)", path)
		}
		h.Type = "COMMAND"
		name := rel
		if !filepath.IsAbs(rel) {
			name = filepath.Join(x.dir, rel)
		}
		r, done := x.scripts[name]
		if !done {
			b, err := x.read(name)
			switch {
			case err != nil:
				r.err = readProblem("script_file "+strconv.Quote(rel), err)
				if strings.HasSuffix(r.err, "no such file") {
					r.err += " (paths are relative to the fleet file)"
				}
			case int64(len(b)) > x.limits.MaxScriptSize:
				r.err = fmt.Sprintf("script_file %q is larger than the limit of %s", rel, size(x.limits.MaxScriptSize))
			case len(b) == 0:
				r.err = fmt.Sprintf("script_file %q is empty", rel)
			default:
				r.b64 = base64.StdEncoding.EncodeToString(b)
			}
			x.scripts[name] = r
		}
		if r.err != "" {
			x.errs.at(x.file, fn, "%s.script_file: %s", path, r.err)
		}
		h.Script = r.b64
	case sn != nil:
		h.Script, _ = x.render(path+".script", sn, in)
		if h.Type == "" {
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
