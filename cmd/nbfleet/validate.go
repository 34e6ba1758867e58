package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nbfleet/nbfleet/pkg/spec"
)

// validateOptions are the flags and arguments of `nbfleet validate`.
type validateOptions struct {
	format string // text, json or github
	files  []string
}

// validateFormatVersion is the format_version of `validate --format json`.
const validateFormatVersion = 1

func newValidateCmd(e *env) *cobra.Command {
	opts := &validateOptions{}
	cmd := &cobra.Command{
		Use:   "validate [--format text|json|github] FLEET...",
		Short: "Check fleet files without calling the cloud",
		Long: `Validate loads each fleet file as plan and apply would: it checks it against
the fleet schema, expands rosters and counts, renders templates and runs the
semantic checks, and reports every problem as file:line:col: message.

Exit status 0 when every file is valid, 1 otherwise.

Formats:
  text    problems on stderr ("nbfleet: error: file:line:col: message"),
          one "FILE: valid, N notebooks" line per valid file on stdout
  json    one versioned document on stdout
  github  GitHub Actions workflow annotations (::error file=…,line=…,col=…::…) on stdout`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usage(cmd, errors.New("validate needs at least one fleet file"))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.files = args
			return runValidate(e, opts)
		},
	}
	cmd.Flags().StringVar(&opts.format, "format", "text", "output format: text, json or github")
	return cmd
}

// fileResult is one file's outcome, shared by every format.
type fileResult struct {
	File      string          `json:"file"`
	Valid     bool            `json:"valid"`
	Notebooks int             `json:"notebooks"`
	Errors    []validateError `json:"errors"`
}

type validateError struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Col     int    `json:"col"`
	Message string `json:"message"`
}

func runValidate(e *env, opts *validateOptions) error {
	if err := oneOf("--format", opts.format, "text", "json", "github"); err != nil {
		return err
	}
	results := make([]fileResult, 0, len(opts.files))
	allValid := true
	for _, file := range opts.files {
		r := fileResult{File: file, Valid: true, Errors: []validateError{}}
		f, err := spec.Load(file)
		if err != nil {
			var list spec.ErrorList
			if !errors.As(err, &list) {
				return fmt.Errorf("validate %s: %w", file, err)
			}
			r.Valid, allValid = false, false
			for _, le := range list {
				r.Errors = append(r.Errors, validateError{File: le.File, Line: le.Line, Col: le.Col, Message: le.Msg})
			}
		} else {
			r.Notebooks = len(f.Notebooks)
		}
		results = append(results, r)
	}
	switch opts.format {
	case "json":
		doc := struct {
			FormatVersion int          `json:"format_version"`
			Valid         bool         `json:"valid"`
			Files         []fileResult `json:"files"`
		}{validateFormatVersion, allValid, results}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(doc); err != nil {
			return err
		}
	case "github":
		for _, r := range results {
			for _, ve := range r.Errors {
				writeAnnotation(e.stdout, ve)
			}
		}
	default:
		for _, r := range results {
			if r.Valid {
				fmt.Fprintf(e.stdout, "%s: valid, %s\n", r.File, plural(r.Notebooks, "notebook"))
				continue
			}
			for _, ve := range r.Errors {
				se := spec.Error{File: ve.File, Line: ve.Line, Col: ve.Col, Msg: ve.Message}
				fmt.Fprintf(e.stderr, "nbfleet: error: %s\n", se.Error())
			}
		}
	}
	if !allValid {
		return errInvalid
	}
	return nil
}

// writeAnnotation prints one GitHub Actions error annotation, escaping as
// the workflow command syntax requires.
func writeAnnotation(w io.Writer, ve validateError) {
	props := "file=" + escapeProperty(ve.File)
	if ve.Line > 0 {
		props += fmt.Sprintf(",line=%d", ve.Line)
	}
	if ve.Col > 0 {
		props += fmt.Sprintf(",col=%d", ve.Col)
	}
	fmt.Fprintf(w, "::error %s::%s\n", props, escapeData(ve.Message))
}

func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// plural formats "1 notebook", "31 notebooks".
func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
