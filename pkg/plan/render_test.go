package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nbfleet/nbfleet/internal/golden"
	"github.com/nbfleet/nbfleet/internal/safetext/safetexttest"
	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

// everyAction is a plan with one change of every action.
func everyAction() (*spec.Fleet, []modelarts.Notebook, *Plan) {
	f := fleet(
		nb("ml101-alice"), // create
		nb("ml101-bob", func(n *spec.Notebook) { n.Flavor = "modelarts.vm.cpu.8u"; n.Description = "Bob's notebook" }), // update
		nb("ml101-carol", func(n *spec.Notebook) {
			n.Volume.Capacity = 20
			n.Protect = true
			n.Labels = map[string]string{"student": "Carol <@carol> |x|", "email": "carol@example.edu"}
		}), // replace (shrink)
		nb("ml101-dave"),         // start
		nb("ml101-eve", stopped), // stop
		nb("ml101-frank"),        // adopt
		nb("ml101-grace"),        // conflict
		nb("ml101-heidi"),        // no-op
		nb("ml101-ivan", func(n *spec.Notebook) { n.Volume.Capacity = 330; n.Hooks = testHooks }), // update: hooks, growth in steps
	)
	l := []modelarts.Notebook{
		live("ml101-bob", "id-bob"),
		live("ml101-carol", "id-carol"),
		live("ml101-dave", "id-dave", status("STOPPED")),
		live("ml101-eve", "id-eve"),
		live("ml101-frank", "id-frank", unmarked),
		live("ml101-grace", "id-grace-1"), live("ml101-grace", "id-grace-2"),
		live("ml101-ivan", "id-ivan"),
		live("ml101-heidi", "id-heidi"),
		live("ml101-old", "id-old"), // delete
		live("someone-else", "id-foreign", unmarked),
	}
	p := Diff(f, l, Options{})
	p.Cloud, p.Region, p.ProjectID = "huaweicloud", "eu-west-101", "p1"
	return f, l, p
}

// bigFleet is a class: 30 identical creates (one student missing from the
// roster's numbers), an instructor, and a notebook of the fleet whose name
// someone set in the cloud to hold an escape sequence, a bidi override and
// Markdown, to be deleted.
func bigFleet() *Plan {
	nbs := []spec.Notebook{nb("ml101-instructor", func(n *spec.Notebook) { n.Flavor = "modelarts.vm.cpu.8u" })}
	for i := 1; i <= 31; i++ {
		if i == 17 {
			continue
		}
		nbs = append(nbs, nb(fmt.Sprintf("ml101-s%03d", i), func(n *spec.Notebook) {
			n.Labels = map[string]string{"student": fmt.Sprintf("Student %d", i)}
		}))
	}
	nbs = append(nbs, nb("ml101-spare-a"), nb("ml101-spare-b"))
	l := []modelarts.Notebook{live("ml101-\x1b]52;c;aGk=\x07evil\u202e|[x](https://x.example) @you", "id-evil")}
	p := Diff(fleet(nbs...), l, Options{})
	p.Cloud, p.Region, p.ProjectID = "otc", "eu-de", "0123456789abcdef0123456789abcdef"
	return p
}

func TestRenderGolden(t *testing.T) {
	_, _, p := everyAction()
	seen := map[Action]bool{}
	for _, c := range p.Changes {
		seen[c.Action] = true
	}
	for a := NoOp; a <= Conflict; a++ {
		if !seen[a] {
			t.Fatalf("the golden plan has no %s", a)
		}
	}
	tests := []struct {
		file  string
		write func(w *bytes.Buffer) error
	}{
		{"plan.txt", func(w *bytes.Buffer) error { return WriteText(w, p, TextOptions{}) }},
		{"plan-color.txt", func(w *bytes.Buffer) error { return WriteText(w, p, TextOptions{Color: true}) }},
		{"plan-summary-first.txt", func(w *bytes.Buffer) error { return WriteText(w, p, TextOptions{SummaryFirstAbove: 3}) }},
		{"plan-verbose.txt", func(w *bytes.Buffer) error { return WriteText(w, p, TextOptions{SummaryFirstAbove: 3, Verbose: true}) }},
		{"plan.json", func(w *bytes.Buffer) error { return WriteJSON(w, p) }},
		{"plan.md", func(w *bytes.Buffer) error { return WriteMarkdown(w, p, MarkdownOptions{}) }},
		{"plan-truncated.md", func(w *bytes.Buffer) error {
			return WriteMarkdown(w, p, MarkdownOptions{MaxLen: 2500, FullPlanHint: "the full plan is in the job artifact plan.json"})
		}},
		{"big.txt", func(w *bytes.Buffer) error { return WriteText(w, bigFleet(), TextOptions{}) }},
		{"big-summary-first.txt", func(w *bytes.Buffer) error { return WriteText(w, bigFleet(), TextOptions{SummaryFirstAbove: 10}) }},
		{"big.md", func(w *bytes.Buffer) error { return WriteMarkdown(w, bigFleet(), MarkdownOptions{}) }},
		{"no-changes.txt", func(w *bytes.Buffer) error { return WriteText(w, &Plan{Fleet: "ml101"}, TextOptions{}) }},
		{"no-changes.md", func(w *bytes.Buffer) error { return WriteMarkdown(w, &Plan{Fleet: "ml101"}, MarkdownOptions{}) }},
		{"no-changes-where.txt", func(w *bytes.Buffer) error {
			return WriteText(w, &Plan{Fleet: "ml101", Cloud: "otc", Region: "eu-de", ProjectID: "p1"}, TextOptions{})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.write(&b); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", tt.file), b.Bytes())
		})
	}
}

func TestTextProperties(t *testing.T) {
	_, _, p := everyAction()
	var plain, color bytes.Buffer
	WriteText(&plain, p, TextOptions{})
	WriteText(&color, p, TextOptions{Color: true})
	if strings.Contains(plain.String(), "\x1b[") {
		t.Error("plain text has colour codes")
	}
	if !strings.Contains(color.String(), "\x1b[") {
		t.Error("colour text has no colour codes")
	}
	lines := strings.Split(strings.TrimSpace(plain.String()), "\n")
	if last := lines[len(lines)-1]; last != "Plan: 1 to create, 3 to update, 1 to replace, 1 to delete, 1 to start, 1 to stop, 1 conflict." {
		t.Errorf("last line = %q", last)
	}
	for _, sym := range []string{"  + ml101-alice", "  ~ ml101-bob", "-/+ ml101-carol", "  ▶ ml101-dave", "  ■ ml101-eve", "  ~ ml101-frank (adopt)", "  ! ml101-grace", "  - ml101-old",
		"steps: update → grow to 150 GB → grow to 250 GB → grow to 330 GB", "Note: hooks are write-only"} {
		if !strings.Contains(plain.String(), sym) {
			t.Errorf("text lacks %q", sym)
		}
	}
	if strings.Contains(plain.String(), "ml101-heidi") || strings.Contains(plain.String(), "someone-else") {
		t.Error("text shows a no-op or a foreign notebook")
	}
	if strings.Contains(plain.String(), "SECRET") {
		t.Error("text shows a token")
	}
}

func TestJSONShape(t *testing.T) {
	_, _, p := everyAction()
	var b bytes.Buffer
	if err := WriteJSON(&b, p); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		FormatVersion   int `json:"format_version"`
		ResourceChanges []struct {
			Name, Action string
			Before       map[string]any
			After        map[string]any
		} `json:"resource_changes"`
		Summary map[string]int
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.FormatVersion != FormatVersion || len(doc.ResourceChanges) != len(p.Changes) || doc.Summary["create"] != 1 || doc.Summary["no-op"] != 1 {
		t.Errorf("unexpected document: %+v", doc)
	}
	for _, rc := range doc.ResourceChanges {
		if rc.Name == "ml101-bob" && (rc.Before["flavor"] != "modelarts.vm.cpu.2u" || rc.After["flavor"] != "modelarts.vm.cpu.8u") {
			t.Errorf("bob before/after = %v / %v", rc.Before, rc.After)
		}
		if rc.Name == "ml101-alice" && (rc.Before != nil || rc.After["name"] != "ml101-alice") {
			t.Errorf("alice before/after = %v / %v", rc.Before, rc.After)
		}
	}
	if strings.Contains(b.String(), "SECRET") {
		t.Error("JSON shows a token")
	}
}

func TestMarkdownLimit(t *testing.T) {
	var nbs []spec.Notebook
	var l []modelarts.Notebook
	for i := 0; i < 3000; i++ {
		name := fmt.Sprintf("student-%04d", i)
		nbs = append(nbs, nb(name, func(n *spec.Notebook) { n.Flavor = "modelarts.vm.gpu.p100"; n.Description = strings.Repeat("d", 100) }))
		l = append(l, live(name, fmt.Sprintf("id-%04d", i)))
		l = append(l, live("gone-"+name, fmt.Sprintf("id-gone-%04d", i)))
	}
	p := Diff(fleet(nbs...), l, Options{})
	for _, max := range []int{0, 5000, 60000} {
		var b bytes.Buffer
		if err := WriteMarkdown(&b, p, MarkdownOptions{MaxLen: max, FullPlanHint: "see plan.json"}); err != nil {
			t.Fatal(err)
		}
		limit := max
		if limit == 0 {
			limit = DefaultMarkdownMax
		}
		s := b.String()
		if len(s) > limit {
			t.Errorf("MaxLen %d: document has %d bytes", max, len(s))
		}
		if !strings.Contains(s, "Truncated") || !strings.Contains(s, "see plan.json") {
			t.Errorf("MaxLen %d: truncation not visible", max)
		}
		if !strings.Contains(s, "[!WARNING]") {
			t.Errorf("MaxLen %d: no warning for deletes", max)
		}
		if strings.Count(s, "<details") != strings.Count(s, "</details>") {
			t.Errorf("MaxLen %d: unbalanced <details>", max)
		}
	}
}

// TestCreateSummary covers what the golden plans do not show: SSH, a pool,
// hooks, a lease without a type, a create declared stopped, and changes
// that create nothing.
func TestCreateSummary(t *testing.T) {
	create := func(mods ...func(*spec.Notebook)) Step {
		n := nb("a", mods...).Sent(testFleetName)
		return Step{Op: StepCreate, Create: createRequest(&n)}
	}
	tests := []struct {
		name  string
		steps []Step
		want  string
	}{
		{"plain", []Step{create()}, "flavor modelarts.vm.cpu.2u, image img-1, EVS MANAGED 50 GB, lease 4h timing"},
		{"everything", []Step{create(func(n *spec.Notebook) {
			n.Volume = spec.Volume{Category: "EFS", Ownership: "DEDICATED", URI: "u"}
			n.Endpoints = []spec.Endpoint{{DevService: "NOTEBOOK"}, {DevService: "SSH", SSHKeys: []string{"k1", "k2"}, AllowedAccessIPs: []string{"10.0.0.1"}}}
			n.PoolID = "pool-1"
			n.Lease = &spec.Lease{Duration: 90 * time.Minute}
			n.Hooks = &spec.Hooks{PostStart: &spec.Hook{Script: "ZWNobw==", Type: "COMMAND"}}
		}), {Op: StepStop}},
			"flavor modelarts.vm.cpu.2u, image img-1, EFS DEDICATED, SSH (2 keys, 1 allowed IPs), pool pool-1, lease 1h30m, hooks, then stopped"},
		{"no lease", []Step{create(func(n *spec.Notebook) { n.Lease = nil })}, "flavor modelarts.vm.cpu.2u, image img-1, EVS MANAGED 50 GB"},
		{"replace", []Step{{Op: StepDelete}, create()}, "flavor modelarts.vm.cpu.2u, image img-1, EVS MANAGED 50 GB, lease 4h timing"},
		{"update", []Step{{Op: StepStop}, {Op: StepUpdate, Update: &modelarts.UpdateRequest{Flavor: "f"}}, {Op: StepStart}}, ""},
		{"delete", []Step{{Op: StepDelete}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := createSummary(&Change{Steps: tt.steps}); got != tt.want {
				t.Errorf("createSummary = %q\nwant             %q", got, tt.want)
			}
		})
	}
}

// TestRenderInert: what the cloud or a fleet file under review wrote is
// inert in the text plan (no escape, no control, no bidi character) and in
// the Markdown plan (no link, mention or extra table cell), and grouping
// keeps every name findable.
func TestRenderInert(t *testing.T) {
	p := bigFleet()
	var text, md bytes.Buffer
	if err := WriteText(&text, p, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := WriteMarkdown(&md, p, MarkdownOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"\x1b", "\x07", "\u202e"} {
		if strings.Contains(text.String(), bad) || strings.Contains(md.String(), bad) {
			t.Errorf("a rendering holds %q", bad)
		}
	}
	if !strings.Contains(text.String(), `\x1b]52;c;aGk=\x07evil\u202e`) {
		t.Errorf("the hostile name is not shown escaped:\n%s", text.String())
	}
	if strings.Contains(md.String(), "](https://x.example)") && !strings.Contains(md.String(), "`ml101-\\x1b") {
		t.Errorf("the hostile name is a link in Markdown:\n%s", md.String())
	}
	if !strings.Contains(text.String(), "32 × create like ml101-s001") || !strings.Contains(text.String(), "ml101-s{001..016}, ml101-s{018..031}, ml101-spare-a, ml101-spare-b") {
		t.Errorf("the identical creates are not grouped:\n%s", text.String())
	}
	if !strings.HasPrefix(text.String(), "Fleet ml101 · cloud otc · region eu-de · project 0123456789abcdef0123456789abcdef\n") {
		t.Errorf("the text plan does not open with where it acts:\n%s", text.String())
	}
	if !strings.Contains(md.String(), "**cloud** `otc` · **region** `eu-de` · **project** `0123456789abcdef0123456789abcdef`") {
		t.Errorf("the Markdown plan does not say where it acts:\n%s", md.String())
	}
}

func TestCompactNames(t *testing.T) {
	p := &Plan{}
	for _, n := range []string{"a1", "a2", "a3", "a5", "a6", "b-01x", "b-02x", "c", "d9", "d10", "d11"} {
		p.Changes = append(p.Changes, Change{Name: n})
	}
	idx := make([]int, len(p.Changes))
	for i := range idx {
		idx[i] = i
	}
	if got, want := compactNames(p, idx), "a{1..3}, a5, a6, b-01x, b-02x, c, d9, d10, d11"; got != want {
		t.Errorf("compactNames = %q, want %q", got, want)
	}
}

// TestTextCorpus: whatever a name from the cloud or a label holds, the
// text plan is a terminal document with nothing a terminal acts on.
func TestTextCorpus(t *testing.T) {
	for _, s := range safetexttest.Corpus {
		f := fleet(nb("ml101-a", func(n *spec.Notebook) { n.Labels = map[string]string{"student": s} }))
		l := []modelarts.Notebook{live("ml101-"+s, "id-"+s), live("ml101-a", "id-a", status("CREATE_FAILED"))}
		p := Diff(f, l, Options{})
		p.Region = s
		for _, o := range []TextOptions{{}, {SummaryFirstAbove: 1}} {
			var b bytes.Buffer
			if err := WriteText(&b, p, o); err != nil {
				t.Fatal(err)
			}
			if err := safetexttest.TerminalDocument(b.String()); err != nil {
				t.Errorf("%q: %v", s, err)
			}
		}
	}
}
