package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/nbfleet/nbfleet/internal/golden"
)

func at(sec int) *time.Time {
	t := time.Date(2026, 9, 1, 18, 0, sec, 0, time.UTC)
	return &t
}

// sample is a report with one notebook of every kind a run produces.
func sample() *Report {
	r := &Report{
		FormatVersion: FormatVersion,
		Fleet:         "ml101-fall",
		RunID:         "20260901T180000Z-1a2b",
		StartedAt:     *at(0),
		FinishedAt:    *at(42),
		Notebooks: []Entry{
			{Name: "ml101-alice", Labels: map[string]string{"student": "Alice Ng", "email": "alice@example.edu"}, ID: "id-alice", Action: "create", Outcome: Succeeded, Status: "RUNNING",
				URL: "https://notebook.example/lab/id-alice", Flavor: "modelarts.vm.cpu.2u",
				Note: "got modelarts.vm.cpu.2u, the next flavor of its list: modelarts.vm.gpu.t4 is sold out (ModelArts.6329)", Attempts: 1, ElapsedMS: 31000, StartedAt: at(1), FinishedAt: at(32)},
			{Name: "ml101-bob", Labels: map[string]string{"student": "Bob O'Brien", "email": "bob@example.edu"}, ID: "id-bob-2", Action: "create", Outcome: Failed, Status: "CREATE_FAILED",
				FailReason: "no capacity in az1", FailReasons: []string{"image pull failed", "no capacity in az1"},
				Error:    &Error{Code: "create_failed", Message: "notebook ended CREATE_FAILED after 2 attempts: no capacity in az1"},
				Attempts: 2, ElapsedMS: 40000, StartedAt: at(1), FinishedAt: at(41)},
			{Name: "ml101-carol", Labels: map[string]string{"student": "Carol Zoë Díaz", "email": "=carol@example.edu"},
				Action: "create", Outcome: Failed,
				Error:    &Error{Code: "ModelArts.6302", Message: "instance count at maximum", HTTPStatus: 400, RequestID: "req-7"},
				Attempts: 1, ElapsedMS: 120, StartedAt: at(2), FinishedAt: at(2)},
			{Name: "ml101-dave", Labels: map[string]string{"student": "Dave 张"}, ID: "id-dave", Action: "no-op", Outcome: Unchanged, Status: "STOPPED",
				URL: "https://notebook.example/lab/id-dave", Flavor: "modelarts.vm.cpu.2u",
				Note: "stopped by its lease at 2026-09-01T16:00:00Z; left stopped"},
			{Name: "ml101-eve", Labels: map[string]string{"student": "Eve", "email": "eve@example.edu"}, Action: "conflict", Outcome: Skipped, Note: "2 live notebooks named ml101-eve | =cmd"},
			{Name: "=ml101-old", ID: "id-old", Action: "delete", Outcome: Succeeded, Attempts: 1, ElapsedMS: 5000,
				StartedAt: at(3), FinishedAt: at(8)},
		},
	}
	r.Summarize()
	return r
}

func TestWriters(t *testing.T) {
	interrupted := sample()
	interrupted.Interrupted = true
	interrupted.Notebooks = interrupted.Notebooks[:2]
	interrupted.Notebooks = append(interrupted.Notebooks, Entry{Name: "ml101-zed", Action: "create", Outcome: Skipped,
		Note: "not started: interrupted"})
	interrupted.Summarize()
	empty := &Report{Fleet: "empty", StartedAt: *at(0), FinishedAt: *at(0)}
	empty.Summarize()

	reports := map[string]*Report{"sample": sample(), "interrupted": interrupted, "empty": empty}
	writers := map[string]func(*bytes.Buffer, *Report) error{
		"json": func(b *bytes.Buffer, r *Report) error { return WriteJSON(b, r) },
		"csv":  func(b *bytes.Buffer, r *Report) error { return WriteCSV(b, r) },
		"md":   func(b *bytes.Buffer, r *Report) error { return WriteMarkdown(b, r) },
	}
	for rname, r := range reports {
		for ext, write := range writers {
			t.Run(rname+"."+ext, func(t *testing.T) {
				var b bytes.Buffer
				if err := write(&b, r); err != nil {
					t.Fatal(err)
				}
				golden.Check(t, filepath.Join("testdata", rname+"."+ext), b.Bytes())
			})
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	r := sample()
	var b bytes.Buffer
	if err := WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(r, &back); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
}

func TestSummarize(t *testing.T) {
	s := sample().Summary
	want := Summary{Total: 6,
		Outcomes: map[Outcome]int{Succeeded: 2, Failed: 2, Skipped: 1, Unchanged: 1},
		Actions:  map[string]int{"create": 3, "no-op": 1, "conflict": 1, "delete": 1}}
	if d := cmp.Diff(want, s); d != "" {
		t.Errorf("summary (-want +got):\n%s", d)
	}
}

func TestWriteDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nbfleet-report")
	r := sample()
	if err := WriteDir(dir, r); err != nil {
		t.Fatal(err)
	}
	// A second write replaces the files whole.
	r.Interrupted = true
	if err := WriteDir(dir, r); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
		fi, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", e.Name(), fi.Mode().Perm())
		}
	}
	if d := cmp.Diff([]string{CSVFile, HTMLFile, JSONFile, MarkdownFile}, names); d != "" {
		t.Errorf("files (-want +got):\n%s", d)
	}
	data, _ := os.ReadFile(filepath.Join(dir, JSONFile))
	if !strings.Contains(string(data), `"interrupted": true`) {
		t.Errorf("report.json not rewritten:\n%s", data)
	}
}

func TestWriteDirError(t *testing.T) {
	file := filepath.Join(t.TempDir(), "f")
	os.WriteFile(file, nil, 0o600)
	if err := WriteDir(filepath.Join(file, "sub"), sample()); err == nil {
		t.Fatal("WriteDir under a file: no error")
	}
}
