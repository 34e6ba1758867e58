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
	if err := unknownCommand(root, args); err != nil {
		return e.exit(root, err)
	}
	cmd, err := root.ExecuteContextC(ctx)
	return e.exit(cmd, err)
}

func newRootCmd(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "nbfleet",
		Short: "Provision fleets of ModelArts notebooks declaratively",
		Long: `nbfleet validates a fleet file, compares it with the cloud, shows the difference
as a plan and carries it out, writing a report of ids, URLs and failures.

Data (plans, status, JSON) goes to stdout, messages to stderr. --format json
prints a command's data as one JSON document; apply's and destroy's --json
streams the run as newline-delimited JSON events.`,
		Example: `  nbfleet validate classroom.yaml
  nbfleet plan classroom.yaml --out plan.json
  nbfleet apply plan.json
  nbfleet status classroom.yaml --format csv > urls.csv
  nbfleet destroy classroom.yaml`,
		Version:       currentBuild().String(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(e.stdin)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	root.SetVersionTemplate("{{.Version}}\n")
	// --version without cobra's -v, which is --verbose everywhere else.
	root.Flags().Bool("version", false, "print nbfleet's version, commit and build date")
	root.SetFlagErrorFunc(flagError)
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
	root.SuggestionsMinimumDistance = 2
	root.SetHelpCommand(newHelpCmd(root))
	root.InitDefaultHelpCmd()
	completionExamples(root)
	return root
}
