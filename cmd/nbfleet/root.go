package main

import (
	"github.com/spf13/cobra"
)

// run parses args, runs the command and returns the process exit code.
// Interrupts are handled from its first line; deferred work (report flush,
// lock release) happens inside the commands, before run returns.
func run(args []string, e *env) int {
	ctx, stop := e.listen()
	defer stop()
	root := newRootCmd(e)
	root.SetArgs(args)
	return e.exit(root.ExecuteContext(ctx))
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
		return usage(c, err)
	})
	root.AddCommand(
		newPlanCmd(e),
		newApplyCmd(e),
		newDestroyCmd(e),
		newStatusCmd(e),
		newHandoutCmd(e),
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
