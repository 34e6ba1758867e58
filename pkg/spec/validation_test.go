package spec_test

import (
	"bytes"
	"testing"

	"github.com/nbfleet/nbfleet/pkg/spec"
)

// TestGitHubAnnotationEscapes: what the workflow command syntax reserves
// is escaped, so a file name or a message cannot end the annotation early
// or start another.
func TestGitHubAnnotationEscapes(t *testing.T) {
	var b bytes.Buffer
	err := spec.WriteGitHubAnnotations(&b, []spec.Validation{{File: "a,b:c.yaml", Errors: spec.ErrorList{
		{File: "a,b:c.yaml", Line: 3, Col: 5, Msg: "100% wrong\n::error::forged"},
		{File: "roster.csv", Msg: "no line"},
	}, Warnings: []spec.Warning{{File: "roster.csv", Line: 7, Msg: "row skipped\n::error::forged"}}}})
	if err != nil {
		t.Fatal(err)
	}
	want := "::error file=a%2Cb%3Ac.yaml,line=3,col=5::100%25 wrong%0A::error::forged\n" +
		"::error file=roster.csv::no line\n" +
		"::warning file=roster.csv,line=7::row skipped%0A::error::forged\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
