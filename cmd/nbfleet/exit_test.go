package main

import (
	"fmt"
	"strings"
	"testing"

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
		got := apiHint(fmt.Errorf("list notebooks: %w", tc.err))
		if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
			t.Errorf("%v: hint %q, want %q", tc.err, got, tc.want)
		}
	}
}
