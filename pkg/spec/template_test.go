package spec

import (
	"runtime"
	"strings"
	"testing"
)

// renderOnce renders src as the name of a notebook from row 2 of r.csv.
func renderOnce(src string) (string, ErrorList) {
	x := &expander{file: "f.yaml", errs: &errs{}, tmpl: map[*node]*tmplEntry{}, limits: DefaultLimits()}
	x.funcMap = x.funcs()
	keys := []string{"name", "Student ID", "flavor", "index", "fleet"}
	in := instance{
		data:    map[string]any{"name": "Zoë O'Brien", "Student ID": "s001", "flavor": "", "index": 1, "fleet": "t"},
		keys:    keys,
		sig:     strings.Join(keys, "\x00"),
		csvFile: "r.csv", csvRow: 2, label: " (r.csv:2)",
	}
	n := &node{kind: scalarNode, tag: "!!str", value: src, line: 1, col: 1}
	s, _ := x.render("notebooks[0].name", n, in)
	return s, x.errs.list
}

// templateBombs are templates that exhausted memory or time before
// renderings were bounded; each must now end in an error.
var templateBombs = map[string]string{
	"range over an integer": `{{ range 1000000000 }}x{{ end }}`,
	"recursion":             `{{ define "a" }}{{ template "a" . }}{{ template "a" . }}{{ end }}{{ template "a" . }}`,
	"block":                 `{{ block "b" . }}{{ template "b" . }}{{ end }}`,
	"printf width":          `{{ printf "%0999999999d" 1 }}`,
	"printf star":           `{{ printf "%*d" 999999999 1 }}`,
	"printf indexed star":   `{{ printf "%[1]*d" 999999999 1 }}`,
	"printf precision":      `{{ printf "%.999999999f" 1.0 }}`,
	"doubling variables":    `{{ $x := print .name }}` + strings.Repeat(`{{ $x = print $x $x }}`, 40) + `{{ $x }}`,
	"replace explosion":     `{{ .name | replace "" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" | replace "" "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" | replace "" "cccccccccccccccccccccccccccccccc" }}`,
	"js chain":              `{{ "<<<<<<<<<<<<<<<<" ` + strings.Repeat(`| js `, 40) + `}}`,
	"call":                  `{{ call .name }}`,
	"long template":         `{{ .name }}` + strings.Repeat("x", MaxTemplateSize),
	"deep parentheses":      strings.Repeat("{{ (", 1) + strings.Repeat("(", 100_000) + strings.Repeat(")", 100_000) + "}}",
}

func TestTemplateBombs(t *testing.T) {
	for name, src := range templateBombs {
		t.Run(name, func(t *testing.T) {
			out, errs := renderOnce(src)
			if len(errs) == 0 {
				t.Fatalf("rendered %d bytes without an error", len(out))
			}
			if errs[0].Line != 1 || errs[0].Col != 1 || !strings.HasPrefix(errs[0].Msg, "notebooks[0].name") {
				t.Errorf("error not positioned at the value: %v", errs[0])
			}
		})
	}
}

func TestTemplateFunctions(t *testing.T) {
	tests := []struct{ src, want, err string }{
		{`{{ .name | slug }}`, "zoe-obrien", ""},
		{`{{ .name | ascii }}`, "Zoe O'Brien", ""},
		{`{{ "Łódź Straße—Øst" | ascii }}`, "Lodz Strasse-Ost", ""},
		{`{{ "  Ænd  ++ Über__alles!! " | slug }}`, "aend-uber-alles", ""},
		{`{{ col "Student ID" }}`, "s001", ""},
		{"{{ col `Student ID` | lower }}", "s001", ""},
		{`{{ .flavor | default "modelarts.vm.cpu.2u" }}`, "modelarts.vm.cpu.2u", ""},
		{`{{ .name | default "x" }}`, "Zoë O'Brien", ""},
		{`{{ default "x" .flavor }}`, "x", ""},
		{`{{ .index | default 7 }}`, "1", ""},
		{`{{ printf "%03d" .index }}`, "001", ""},
		{`{{ printf "%-5s|" "ab" }}`, "ab   |", ""},
		{`{{ if .flavor }}{{ .flavor }}{{ else }}none{{ end }}`, "none", ""},
		{`{{ with .name }}{{ . | upper }}{{ end }}`, "ZOË O'BRIEN", ""},
		{`{{ col "Nope" }}`, "", `template uses col "Nope", which is not a column of r.csv`},
		{`{{ col .name }}`, "", `r.csv has no column "Zoë O'Brien"`},
		{`{{ .Student }}`, "", "template uses .Student, which is not a column of r.csv (did you mean col `Student ID`?); available: .name, col `Student ID`, .flavor, .index, .fleet"},
		{`{{ .student_id }}`, "", "(did you mean col `Student ID`?)"},
		{`{{ .name | default "a" "b" }}`, "", "default takes one value"},
		{"{{ .name }}\u202e", "", "the rendered value contains U+202E (a right-to-left override) at character 12"},
		{`{{ printf "%c" 27 }}[31m`, "", "the rendered value contains U+001B (escape) at character 1"},
	}
	for _, tt := range tests {
		got, errs := renderOnce(tt.src)
		switch {
		case tt.err == "" && len(errs) > 0:
			t.Errorf("%s: %v", tt.src, errs)
		case tt.err == "" && got != tt.want:
			t.Errorf("%s = %q, want %q", tt.src, got, tt.want)
		case tt.err != "" && (len(errs) == 0 || !strings.Contains(errs.Error(), tt.err)):
			t.Errorf("%s: got %q, %v; want an error containing %q", tt.src, got, errs, tt.err)
		}
	}
}

func TestSpell(t *testing.T) {
	for key, want := range map[string]string{
		"student_id": ".student_id", "Prénom": ".Prénom", "Student ID": "col `Student ID`",
		"E-mail": "col `E-mail`", "2nd": "col `2nd`", "a`b": `col "a` + "`" + `b"`,
	} {
		if got := spell(key); got != want {
			t.Errorf("spell(%q) = %s, want %s", key, got, want)
		}
	}
}

// FuzzTemplate renders any template against a roster row: it must never
// panic, every rendering stays within MaxTemplateOutput, the memory it
// allocates is bounded by the template's limits (not by what the template
// asks for), and a failure is an error positioned at the value.
func FuzzTemplate(f *testing.F) {
	for _, src := range templateBombs {
		if len(src) < 10_000 {
			f.Add(src)
		}
	}
	for _, src := range []string{
		`ml101-{{ .name | slug }}`, `{{ .flavor | default "modelarts.vm.cpu.2u" }}`, `{{ col "Student ID" }}`,
		`{{ printf "%v" . }}`, `{{ $x := .name }}{{ $x = print $x $x }}{{ $x }}`, `{{ slice .name 1 3 }}`,
		`{{ index . "Student ID" }}`, `{{ len .name }}`, `{{ if eq .index 1 }}one{{ end }}`, `{{ urlquery .name }}`,
	} {
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src string) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		out, errs := renderOnce(src)
		runtime.ReadMemStats(&after)
		if len(out) > MaxTemplateOutput {
			t.Fatalf("rendered %d bytes", len(out))
		}
		// The output budget is 64 KiB; the template source is at most 4 KiB
		// before it is refused. 64 MiB is far above what any rendering may
		// need and far below what an unbounded one takes.
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
			t.Fatalf("rendering allocated %d MiB", alloc>>20)
		}
		for _, e := range errs {
			if e.File != "f.yaml" || e.Line != 1 || !strings.HasPrefix(e.Msg, "notebooks[0].name") {
				t.Fatalf("error not positioned at the value: %v", e)
			}
			if _, _, bad := controlChar(e.Msg); bad {
				t.Fatalf("error message carries a control character: %q", e.Msg)
			}
		}
	})
}
