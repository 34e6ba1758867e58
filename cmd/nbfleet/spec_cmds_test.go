package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nbfleet/nbfleet/internal/golden"
	"github.com/nbfleet/nbfleet/schema"
)

// specTestEnv is an env with buffers for streams and an empty environment.
func specTestEnv() (*env, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return &env{
		stdin:  strings.NewReader(""),
		stdout: &out,
		stderr: &errb,
		getenv: func(string) string { return "" },
		now:    func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) },
	}, &out, &errb
}

func TestSpecCommands(t *testing.T) {
	const ex = "../../examples/fleets/"
	tests := []struct {
		name string
		args []string
	}{
		{"validate-examples", []string{"validate", ex + "minimal.yaml", ex + "classroom.yaml", ex + "workshop-gpu.yaml"}},
		{"validate-broken", []string{"validate", "testdata/spec/broken.yaml", ex + "minimal.yaml"}},
		{"validate-json", []string{"validate", "--format", "json", "testdata/spec/dup.yaml", ex + "minimal.yaml", "testdata/spec/nowhere.yaml", "testdata/spec/blank-rows.yaml"}},
		{"validate-warnings", []string{"validate", "testdata/spec/blank-rows.yaml"}},
		{"validate-warnings-github", []string{"validate", "--format", "github", "testdata/spec/blank-rows.yaml"}},
		{"expand-warnings", []string{"expand", "testdata/spec/blank-rows.yaml"}},
		{"validate-github", []string{"validate", "--format=github", "testdata/spec/broken.yaml", "testdata/spec/dup.yaml"}},
		{"validate-bad-format", []string{"validate", "--format", "xml", ex + "minimal.yaml"}},
		{"validate-no-args", []string{"validate"}},
		{"expand-yaml", []string{"expand", ex + "workshop-gpu.yaml"}},
		{"expand-json", []string{"expand", "--format", "json", ex + "minimal.yaml"}},
		{"expand-broken", []string{"expand", "testdata/spec/broken.yaml"}},
		{"expand-bad-format", []string{"expand", "--format", "toml", ex + "minimal.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, out, errb := specTestEnv()
			code := run(tt.args, e)
			got := fmt.Sprintf("$ nbfleet %s\nexit %d\n-- stdout --\n%s-- stderr --\n%s", strings.Join(tt.args, " "), code, out, errb)
			path := filepath.Join("testdata", "spec", tt.name+".golden")
			golden.Check(t, path, []byte(got))
		})
	}
}

func TestSchemaCommand(t *testing.T) {
	e, out, errb := specTestEnv()
	if code := run([]string{"schema"}, e); code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	if !bytes.Equal(out.Bytes(), schema.FleetJSON()) {
		t.Error("nbfleet schema does not print the embedded schema")
	}
}

func TestValidateOptions(t *testing.T) {
	tests := []struct {
		args   []string
		format string
		files  []string
	}{
		{[]string{"a.yaml"}, "text", []string{"a.yaml"}},
		{[]string{"--format", "json", "a.yaml", "b.yaml"}, "json", []string{"a.yaml", "b.yaml"}},
		{[]string{"a.yaml", "--format=github"}, "github", []string{"a.yaml"}},
	}
	for _, tt := range tests {
		e, _, _ := specTestEnv()
		cmd := newValidateCmd(e)
		if err := cmd.ParseFlags(tt.args); err != nil {
			t.Fatal(err)
		}
		f, _ := cmd.Flags().GetString("format")
		if f != tt.format || strings.Join(cmd.Flags().Args(), " ") != strings.Join(tt.files, " ") {
			t.Errorf("%v: format %q files %v", tt.args, f, cmd.Flags().Args())
		}
	}
}
