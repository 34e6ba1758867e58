package main

import (
	"github.com/spf13/cobra"

	"github.com/nbfleet/nbfleet/pkg/spec"
)

// expandOptions are the flags and arguments of `nbfleet expand`.
type expandOptions struct {
	format string // yaml or json
	file   string
}

func newExpandCmd(e *env) *cobra.Command {
	opts := &expandOptions{}
	cmd := &cobra.Command{
		Use:   "expand FLEET",
		Short: "Print the fully expanded notebooks of a fleet",
		Long: `Expand loads a fleet file and prints every notebook it declares, as the
create call would receive it: defaults merged, rosters and counts expanded,
templates rendered, hook script files base64-encoded, durations in
milliseconds and the ownership marker appended to the description. Each
notebook carries its origin (file:line:col, or roster.csv:ROW).`,
		Example: `  nbfleet expand classroom.yaml
  nbfleet expand classroom.yaml --format json`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.file = args[0]
			return runExpand(e, opts)
		},
	}
	cmd.Flags().StringVar(&opts.format, "format", "yaml", "output format: yaml or json")
	return cmd
}

func runExpand(e *env, opts *expandOptions) error {
	if err := oneOf("--format", opts.format, "yaml", "json"); err != nil {
		return err
	}
	f, err := spec.Load(opts.file)
	if err != nil {
		return err
	}
	for _, w := range f.Warnings {
		printWarning(e.stderr, w)
	}
	doc := f.Document()
	if opts.format == "json" {
		return writeJSON(e.stdout, doc.WriteJSON)
	}
	return doc.WriteYAML(e.stdout)
}
