package main

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/nbfleet/nbfleet/internal/safetext/safetexttest"
	"github.com/nbfleet/nbfleet/pkg/modelarts"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

// TestAPIHint: a token of another project (404 ModelArts.2786) gets its own
// hint, not the generic credentials one and never "not found".
func TestAPIHint(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&modelarts.APIError{HTTPStatus: 404, Code: "ModelArts.2786"}, "another project"},
		{&modelarts.APIError{HTTPStatus: 401, Code: "APIG.0301"}, "check the credentials"},
		{&modelarts.APIError{HTTPStatus: 429, Code: "APIG.0308"}, "throttling"},
		{&modelarts.APIError{HTTPStatus: 400, Code: "ModelArts.6309"}, ""},
	} {
		got := apiHint(nil, fmt.Errorf("list notebooks: %w", tc.err))
		if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
			t.Errorf("%v: hint %q, want %q", tc.err, got, tc.want)
		}
	}
}

// TestErrorLinesInert: whatever an error carries (an API message with a
// terminal reset, a fake "nbfleet: error:" line, a bidi override), it is
// printed as inert lines; the only line breaks are nbfleet's own, between
// the entries of a fleet's error list and of joined errors.
func TestErrorLinesInert(t *testing.T) {
	list := spec.ErrorList{{File: "f.yaml", Line: 1, Col: 2, Msg: "first"}, {File: "f.yaml", Line: 3, Col: 4, Msg: "second \x1b[2J"}}
	for _, tc := range []struct {
		err  error
		want []string
	}{
		{errors.New("ok\nnbfleet: error: fake\x1b]52;c;eA==\x07"), []string{`nbfleet: error: ok\nnbfleet: error: fake\x1b]52;c;eA==\x07`}},
		{fmt.Errorf("stop: %w", &modelarts.APIError{HTTPStatus: 400, Code: "ModelArts.6309", Message: "evil\u202etxt"}),
			[]string{`nbfleet: error: stop: 400 ModelArts.6309: evil\u202etxt`}},
		{list, []string{"nbfleet: error: f.yaml:1:2: first", `nbfleet: error: f.yaml:3:4: second \x1b[2J`}},
		{fmt.Errorf("check the fleet file: %w", list), []string{"nbfleet: error: check the fleet file: f.yaml:1:2: first", `nbfleet: error: f.yaml:3:4: second \x1b[2J`}},
		{errors.Join(errors.New("a\rb"), list), []string{`nbfleet: error: a\rb`, "nbfleet: error: f.yaml:1:2: first", `nbfleet: error: f.yaml:3:4: second \x1b[2J`}},
	} {
		var stderr bytes.Buffer
		e := &env{stderr: &stderr}
		e.exit(nil, tc.err)
		got := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
		var lines []string
		for _, l := range got {
			if !strings.HasPrefix(l, "nbfleet: hint:") {
				lines = append(lines, l)
			}
		}
		if strings.Join(lines, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("%q printed\n%s\nwant\n%s", tc.err, strings.Join(lines, "\n"), strings.Join(tc.want, "\n"))
		}
		if err := safetexttest.TerminalDocument(stderr.String()); err != nil {
			t.Errorf("%q: %v", tc.err, err)
		}
	}
}

// TestAPIHintFlags: a hint names --rate or --allow-insecure-endpoint only
// to a command that has it.
func TestAPIHintFlags(t *testing.T) {
	root := newRootCmd(&env{getenv: func(string) string { return "" }})
	cmd := func(name string) *cobra.Command {
		c, _, err := root.Find([]string{name})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	throttled := &modelarts.APIError{HTTPStatus: 429, Code: "APIG.0308"}
	if h := apiHint(cmd("apply"), throttled); !strings.Contains(h, "--rate") {
		t.Errorf("apply: %q lacks --rate", h)
	}
	if h := apiHint(cmd("plan"), throttled); strings.Contains(h, "--rate") {
		t.Errorf("plan has no --rate, its hint says %q", h)
	}
	insecure := fmt.Errorf("x: %w", modelarts.ErrInsecureEndpoint)
	if h := apiHint(cmd("status"), insecure); !strings.Contains(h, "--allow-insecure-endpoint") {
		t.Errorf("status: %q", h)
	}
	if h := apiHint(cmd("validate"), insecure); strings.Contains(h, "--allow") {
		t.Errorf("validate: %q", h)
	}
}
