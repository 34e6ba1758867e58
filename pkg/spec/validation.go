package spec

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Validation is the outcome of loading one fleet file, as `nbfleet
// validate` reports it in every format.
type Validation struct {
	File      string    `json:"file"`
	Valid     bool      `json:"valid"`
	Notebooks int       `json:"notebooks"`
	Errors    ErrorList `json:"errors"` // every problem, sorted by position; [] when valid
	// Warnings are the loaded fleet's warnings (Fleet.Warnings); [] when
	// none or when the file is invalid.
	Warnings []Warning `json:"warnings"`
}

// ValidationFormatVersion is the format_version of WriteValidationJSON's
// document.
const ValidationFormatVersion = 1

// ValidateFiles loads each file as plan and apply would and returns one
// Validation per file. The error is for a problem that is not the file's
// content (nothing to report by position).
func ValidateFiles(files []string) ([]Validation, error) {
	out := make([]Validation, 0, len(files))
	for _, file := range files {
		v := Validation{File: file, Valid: true, Errors: ErrorList{}, Warnings: []Warning{}}
		f, err := Load(file)
		if err != nil {
			var list ErrorList
			if !errors.As(err, &list) {
				return nil, fmt.Errorf("validate %s: %w", file, err)
			}
			v.Valid, v.Errors = false, list
		} else {
			v.Notebooks = len(f.Notebooks)
			v.Warnings = append(v.Warnings, f.Warnings...)
		}
		out = append(out, v)
	}
	return out, nil
}

// WriteValidationJSON writes the validations as one versioned document:
// {"format_version": 1, "valid": …, "files": [{"file", "valid",
// "notebooks", "errors": [{"file", "line", "col", "message"}], "warnings":
// [same]}]}.
func WriteValidationJSON(w io.Writer, vs []Validation) error {
	valid := true
	for _, v := range vs {
		valid = valid && v.Valid
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		FormatVersion int          `json:"format_version"`
		Valid         bool         `json:"valid"`
		Files         []Validation `json:"files"`
	}{ValidationFormatVersion, valid, vs})
}

// WriteGitHubAnnotations writes one GitHub Actions annotation per problem
// (::error file=…,line=…,col=…::message) and per warning (::warning …),
// escaped as the workflow command syntax requires.
func WriteGitHubAnnotations(w io.Writer, vs []Validation) error {
	data := strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	prop := strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
	annotate := func(level, file string, line, col int, msg string) error {
		props := "file=" + prop.Replace(file)
		if line > 0 {
			props += fmt.Sprintf(",line=%d", line)
		}
		if col > 0 {
			props += fmt.Sprintf(",col=%d", col)
		}
		_, err := fmt.Fprintf(w, "::%s %s::%s\n", level, props, data.Replace(msg))
		return err
	}
	for _, v := range vs {
		for _, e := range v.Errors {
			if err := annotate("error", e.File, e.Line, e.Col, e.Msg); err != nil {
				return err
			}
		}
		for _, x := range v.Warnings {
			if err := annotate("warning", x.File, x.Line, x.Col, x.Msg); err != nil {
				return err
			}
		}
	}
	return nil
}
