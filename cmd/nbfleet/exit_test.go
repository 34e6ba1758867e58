package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/nbfleet/nbfleet/pkg/modelarts"
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
