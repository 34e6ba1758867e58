package main

import (
	"context"

	"github.com/spf13/cobra"
)

// run parses args, runs the command and returns the process exit code.
// Deferred work (report flush, lock release) happens inside the commands,
// before run returns.
func run(args []string, e *env) int {
	if e.stopSignals != nil {
		defer e.stopSignals()
	}
	root := newRootCmd(e)
	root.SetArgs(args)
	return e.report(root.ExecuteContext(context.Background()))
}

func newRootCmd(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:           "nbfleet",
		Short:         "Provision fleets of ModelArts notebooks declaratively",
		Long:          "nbfleet validates a fleet file, compares it with the cloud, shows the difference as a plan and carries it out.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(e.stdin)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return withHint(err, "run 'nbfleet %s --help' for usage", c.Name())
	})
	root.AddCommand(
		newPlanCmd(e),
		newApplyCmd(e),
		newDestroyCmd(e),
		newStatusCmd(e),
		newDriftCmd(e),
		newRenewCmd(e),
		newImportCmd(e),
		newVersionCmd(e),
		newEmulatorCmd(e),
		newValidateCmd(e),
		newExpandCmd(e),
		newSchemaCmd(e),
	)
	return root
}
