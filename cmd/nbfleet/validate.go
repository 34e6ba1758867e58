package main

import (
	"bytes"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/nbfleet/nbfleet/internal/safetext"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

// validateOptions are the flags and arguments of `nbfleet validate`.
type validateOptions struct {
	format string // text, json or github
	files  []string
}

func newValidateCmd(e *env) *cobra.Command {
	opts := &validateOptions{}
	cmd := &cobra.Command{
		Use:   "validate FLEET...",
		Short: "Check fleet files without calling the cloud",
		Long: `Validate loads each fleet file as plan and apply would: it checks it against
the fleet schema, expands rosters and counts, renders templates and runs the
semantic checks, and reports every problem as file:line:col: message.

Exit status 0 when every file is valid, 1 otherwise.

Formats:
  text    problems on stderr ("nbfleet: error: file:line:col: message",
          "nbfleet: warning: …" for skipped blank roster rows), one
          "FILE: valid, N notebooks" line per valid file on stdout
  json    one versioned document on stdout
  github  GitHub Actions workflow annotations (::error file=…,line=…,col=…::…,
          ::warning …) on stdout`,
		Example: `  nbfleet validate classroom.yaml
  nbfleet validate --format github fleets/*.yaml
  nbfleet validate --format json classroom.yaml`,
		Args: minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.files = args
			return runValidate(e, opts)
		},
	}
	cmd.Flags().StringVar(&opts.format, "format", "text", "output format: text, json or github")
	return cmd
}

func runValidate(e *env, opts *validateOptions) error {
	if err := oneOf("--format", opts.format, "text", "json", "github"); err != nil {
		return err
	}
	results, err := spec.ValidateFiles(opts.files)
	if err != nil {
		return err
	}
	switch opts.format {
	case "json":
		err = writeJSON(e.stdout, func(w io.Writer) error { return spec.WriteValidationJSON(w, results) })
	case "github":
		err = spec.WriteGitHubAnnotations(e.stdout, results)
	default:
		for _, r := range results {
			for _, w := range r.Warnings {
				printWarning(e.stderr, w)
			}
			if r.Valid {
				fmt.Fprintf(e.stdout, "%s: valid, %s\n", safetext.Terminal(r.File), plural(r.Notebooks, "notebook"))
			}
			for _, ve := range r.Errors {
				fmt.Fprintf(e.stderr, "nbfleet: error: %s\n", safetext.Terminal(ve.Error()))
			}
		}
	}
	if err != nil {
		return err
	}
	for _, r := range results {
		if !r.Valid {
			return errInvalid
		}
	}
	return nil
}

// printWarning prints a fleet's warning in nbfleet's voice, as one inert
// line (it may quote a roster cell).
func printWarning(w io.Writer, fw spec.Warning) {
	fmt.Fprintf(w, "nbfleet: warning: %s\n", safetext.Terminal(fw.String()))
}

// plural formats "1 notebook", "31 notebooks".
func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// writeJSON writes the JSON document that write produces with the
// characters a terminal could act on as \u escapes (safetext.JSON): the
// same document to a JSON reader, inert when printed. For the documents of
// package spec, which imports nothing of nbfleet's.
func writeJSON(w io.Writer, write func(io.Writer) error) error {
	var b bytes.Buffer
	if err := write(&b); err != nil {
		return err
	}
	_, err := w.Write(safetext.JSON(b.Bytes()))
	return err
}
