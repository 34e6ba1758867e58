package spec_test

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"github.com/nbfleet/nbfleet/pkg/spec"
)

const head = "version: 1\nfleet: t\ndefaults:\n  flavor: f\n  image_id: i\n  volume: {category: EVS, ownership: MANAGED}\n"

// memFS serves ReadFile from a map, so tests need no files.
func memFS(files map[string]string) func(string) ([]byte, error) {
	return func(name string) ([]byte, error) {
		s, ok := files[name]
		if !ok {
			return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
		}
		return []byte(s), nil
	}
}

func TestParseLimits(t *testing.T) {
	tests := []struct {
		name   string
		src    string
		files  map[string]string
		limits spec.Limits
		want   string
	}{
		{
			name:   "file size",
			src:    head + "notebooks:\n  - name: a\n",
			limits: spec.Limits{MaxFileSize: 10},
			want:   "dir/f.yaml: fleet file is 125 bytes, larger than the limit of 10 bytes",
		},
		{
			name:   "notebook count",
			src:    head + "notebooks:\n  - for_each: {count: 3}\n    name: \"a{{ .index }}\"\n  - name: b\n",
			limits: spec.Limits{MaxNotebooks: 3},
			want:   "dir/f.yaml:10:5: the fleet expands to more than 3 notebooks",
		},
		{
			name:   "roster size",
			src:    head + "notebooks:\n  - for_each: {csv: r.csv}\n    name: \"a{{ .id }}\"\n",
			files:  map[string]string{"dir/r.csv": "id\n1\n2\n3\n"},
			limits: spec.Limits{MaxCSVSize: 5},
			want:   `dir/f.yaml:8:21: notebooks[0].for_each.csv: roster "r.csv" is larger than the limit of 5 bytes`,
		},
		{
			name:   "script size",
			src:    head + "notebooks:\n  - name: a\n    hooks: {container_hooks: {pre_start: {script_file: s.sh}}}\n",
			files:  map[string]string{"dir/s.sh": "echo hello"},
			limits: spec.Limits{MaxScriptSize: 4},
			want:   `dir/f.yaml:9:56: notebooks[0].hooks.container_hooks.pre_start.script_file: script_file "s.sh" is larger than the limit of 4 bytes`,
		},
		{
			name:   "depth",
			src:    head + "notebooks:\n  - name: a\n    endpoints: [{ssh_keys: [[x]]}]\n",
			limits: spec.Limits{MaxDepth: 4},
			want:   "dir/f.yaml:9:28: nesting deeper than 4 levels",
		},
		{
			name:   "alias nodes",
			src:    head + "x-a: &a [1, 2, 3]\nnotebooks:\n  - name: a\n    endpoints: [{ssh_keys: *a}, {ssh_keys: *a}]\n",
			limits: spec.Limits{MaxAliasNodes: 6},
			want:   "dir/f.yaml:7:13: YAML aliases expand to more than 6 values: use defaults instead of large anchors",
		},
		{
			name:   "errors capped",
			src:    head + "notebooks:\n  - {name: a, flavour: x, colour: y, size: z}\n",
			limits: spec.Limits{MaxErrors: 2},
			want: `dir/f.yaml:8:15: notebooks[0]: unknown key "flavour" (did you mean "flavor"?)
dir/f.yaml:8:27: notebooks[0]: unknown key "colour"; valid keys: description, duration, endpoints, feature, flavor, for_each, hooks, ignore_changes, image_id, labels, lease, name, pool_id, protect, restart_after_lease, state, volume, workspace_id
dir/f.yaml:8:27: too many errors: 1 more not shown`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := spec.Parse("dir/f.yaml", []byte(tt.src), spec.Options{ReadFile: memFS(tt.files), Limits: tt.limits})
			if err == nil {
				t.Fatal("no error")
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestParseReadsRelativeToFleet(t *testing.T) {
	src := head + "notebooks:\n  - for_each: {csv: r.csv}\n    name: \"s-{{ .id }}\"\n    hooks: {container_hooks: {post_start: {script_file: \"hooks/{{ .id }}.sh\"}}}\n"
	files := map[string]string{"a/b/r.csv": "id\n1\n2\n", "a/b/hooks/1.sh": "one", "a/b/hooks/2.sh": "two"}
	f, err := spec.Parse("a/b/f.yaml", []byte(src), spec.Options{ReadFile: memFS(files)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, nb := range f.Notebooks {
		got = append(got, fmt.Sprintf("%s %s %s %s", nb.Name, nb.Hooks.PostStart.Type, nb.Hooks.PostStart.Script, nb.Origin))
	}
	want := "s-1 COMMAND b25l a/b/r.csv:2|s-2 COMMAND dHdv a/b/r.csv:3"
	if strings.Join(got, "|") != want {
		t.Errorf("got %s, want %s", strings.Join(got, "|"), want)
	}
}

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		e    spec.Error
		want string
	}{
		{spec.Error{File: "f.yaml", Line: 3, Col: 7, Msg: "m"}, "f.yaml:3:7: m"},
		{spec.Error{File: "r.csv", Line: 17, Msg: "m"}, "r.csv:17: m"},
		{spec.Error{File: "f.yaml", Msg: "m"}, "f.yaml: m"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := spec.Load("testdata/nowhere.yaml")
	var list spec.ErrorList
	if !errors.As(err, &list) || err.Error() != "testdata/nowhere.yaml: cannot read fleet file: no such file" {
		t.Fatalf("got %v", err)
	}
}

func TestDefaultsMerge(t *testing.T) {
	src := head + "  volume: {category: EVS, ownership: MANAGED, capacity: 10}\n  endpoints: [{dev_service: SSH, ssh_keys: [k]}]\n  lease: {duration: 2h, type: idle}\n" +
		"notebooks:\n  - name: a\n    volume: {capacity: 20}\n    endpoints: [{dev_service: NOTEBOOK}]\n    lease: {duration: 3h}\n"
	src = strings.Replace(src, "  volume: {category: EVS, ownership: MANAGED}\n", "", 1)
	f, err := spec.Parse("f.yaml", []byte(src), spec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	nb := f.Notebooks[0]
	got := fmt.Sprintf("%+v %+v %v/%s", nb.Volume, nb.Endpoints, nb.Lease.Duration, nb.Lease.Type)
	want := "{Category:EVS Ownership:MANAGED Capacity:20 URI: ID:} [{DevService:NOTEBOOK SSHKeys:[] AllowedAccessIPs:[]}] 3h0m0s/idle"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
