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
	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

// everyAction is a plan with one change of every action.
func everyAction() (*spec.Fleet, []modelarts.Notebook, *Plan) {
	f := fleet(
		nb("ml101-alice"), // create
		nb("ml101-bob", func(n *spec.Notebook) { n.Flavor = "modelarts.vm.cpu.8u"; n.Description = "Bob's notebook" }), // update
		nb("ml101-carol", func(n *spec.Notebook) { n.Volume.Capacity = 20; n.Protect = true }),                         // replace (shrink)
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
	return f, l, Diff(f, l, Options{})
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
		{"no-changes.txt", func(w *bytes.Buffer) error { return WriteText(w, &Plan{Fleet: "ml101"}, TextOptions{}) }},
		{"no-changes.md", func(w *bytes.Buffer) error { return WriteMarkdown(w, &Plan{Fleet: "ml101"}, MarkdownOptions{}) }},
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
