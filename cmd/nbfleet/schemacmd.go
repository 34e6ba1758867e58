package main

import (
	"github.com/spf13/cobra"

	"github.com/nbfleet/nbfleet/schema"
)

func newSchemaCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the fleet file's JSON Schema",
		Long: `Schema prints the JSON Schema (2020-12) of the fleet file, the one nbfleet
validates against. Save it and point your editor at it, or reference it from a
fleet file with a first line such as
  # yaml-language-server: $schema=./fleet.schema.json`,
		Example: `  nbfleet schema > fleet.schema.json`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := e.stdout.Write(schema.FleetJSON())
			return err
		},
	}
}
