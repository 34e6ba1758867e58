package main

// The command line's manners: every mistake a user can make on it — an
// unknown command, an unknown or malformed flag, a missing or extra
// argument — is one error in nbfleet's voice with a hint that exists.
// cobra's and pflag's own messages never reach the user.

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/nbfleet/nbfleet/internal/ops"
	"github.com/nbfleet/nbfleet/internal/textdist"
)

// argNames is what a command's Use line names as its arguments: "FLEET"
// for "plan FLEET", "FLEET|PLANFILE" for apply, "" for none.
func argNames(c *cobra.Command) string {
	var names []string
	for _, w := range strings.Fields(c.Use)[1:] {
		if strings.HasPrefix(w, "-") || strings.HasPrefix(w, "[") {
			break
		}
		names = append(names, w)
	}
	return strings.Join(names, " ")
}

// usageLine is "nbfleet plan FLEET".
func usageLine(c *cobra.Command) string {
	if a := argNames(c); a != "" {
		return c.CommandPath() + " " + a
	}
	return c.CommandPath()
}

// exactArgs accepts n arguments, the ones the Use line names.
func exactArgs(n int) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		switch {
		case len(args) < n:
			return usage(c, fmt.Errorf("missing %s; usage: %s", strings.TrimSuffix(argNames(c), "..."), usageLine(c)))
		case len(args) > n:
			return usage(c, fmt.Errorf("too many arguments for %s: %s", usageLine(c), quoteArgs(args)))
		}
		return nil
	}
}

// minArgs accepts n or more arguments.
func minArgs(n int) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) < n {
			return usage(c, fmt.Errorf("missing %s; usage: %s", strings.TrimSuffix(argNames(c), "..."), usageLine(c)))
		}
		return nil
	}
}

// noArgs accepts none.
func noArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usage(c, fmt.Errorf("%s takes no arguments, got %s", c.CommandPath(), quoteArgs(args)))
	}
	return nil
}

func quoteArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = fmt.Sprintf("%q", a)
	}
	return strings.Join(q, " ")
}

// flagError says what is wrong with a flag of c, in nbfleet's voice.
func flagError(c *cobra.Command, err error) error {
	var (
		notExist *pflag.NotExistError
		required *pflag.ValueRequiredError
		invalid  *pflag.InvalidValueError
		syntax   *pflag.InvalidSyntaxError
	)
	switch {
	case errors.As(err, &notExist):
		name := notExist.GetSpecifiedName()
		if notExist.GetSpecifiedShortnames() != "" {
			return ops.WithHint(fmt.Errorf("unknown flag -%s for %s", name, c.CommandPath()), "run '%s --help' for its flags", c.CommandPath())
		}
		msg := fmt.Sprintf("unknown flag --%s for %s", name, c.CommandPath())
		if s := flagSuggestions(c, name); len(s) > 0 {
			return ops.WithHint(fmt.Errorf("%s; did you mean %s?", msg, orList(s)), "run '%s --help' for its flags", c.CommandPath())
		}
		return ops.WithHint(errors.New(msg), "run '%s --help' for its flags", c.CommandPath())
	case errors.As(err, &required):
		f := c.Flags().Lookup(required.GetSpecifiedName())
		if required.GetSpecifiedShortnames() != "" {
			f = c.Flags().ShorthandLookup(required.GetSpecifiedName()[:1])
		}
		if f == nil {
			return usage(c, fmt.Errorf("a flag needs a value"))
		}
		return usage(c, fmt.Errorf("--%s needs a value: --%s %s", f.Name, f.Name, valueName(f)))
	case errors.As(err, &invalid):
		f := invalid.GetFlag()
		return usage(c, fmt.Errorf("--%s %q: %s", f.Name, invalid.GetValue(), wantValue(f)))
	case errors.As(err, &syntax):
		return usage(c, fmt.Errorf("malformed flag %q", syntax.GetSpecifiedFlag()))
	}
	return usage(c, err)
}

// valueName is how a flag's help names its value: the word in backquotes
// in its usage, else by its type.
func valueName(f *pflag.Flag) string {
	name, _ := pflag.UnquoteUsage(f)
	switch name {
	case "string", "stringArray", "strings":
		return "VALUE"
	case "int", "int64", "uint":
		return "N"
	case "float", "float64":
		return "NUMBER"
	case "duration":
		return "DURATION"
	}
	return strings.ToUpper(name)
}

// wantValue says what a flag of f's type takes.
func wantValue(f *pflag.Flag) string {
	switch f.Value.Type() {
	case "int", "int64", "int32", "uint", "uint64":
		return "want a whole number"
	case "float64", "float32":
		return "want a number"
	case "duration":
		return "want a duration such as 30s, 5m or 1h30m"
	case "bool":
		return "want true or false"
	}
	return "not a valid value"
}

// flagSuggestions are c's flags whose names are close to name.
func flagSuggestions(c *cobra.Command, name string) []string {
	var out []string
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		if d := textdist.Levenshtein(name, f.Name); d <= 2 || (len(name) >= 3 && strings.HasPrefix(f.Name, name)) {
			out = append(out, "--"+f.Name)
		}
	})
	return out
}

// unknownCommand returns the error for args whose command root does not
// have, or nil: "unknown command "aply"; did you mean "apply"?".
func unknownCommand(root *cobra.Command, args []string) error {
	for _, a := range args {
		if a == "--" {
			return nil
		}
		if strings.HasPrefix(a, "-") {
			continue
		}
		if a == cobra.ShellCompRequestCmd || a == cobra.ShellCompNoDescRequestCmd {
			return nil
		}
		for _, c := range root.Commands() {
			if c.Name() == a || c.HasAlias(a) {
				return nil
			}
		}
		return commandNotFound(root, a)
	}
	return nil
}

func commandNotFound(root *cobra.Command, name string) error {
	var s []string
	for _, c := range root.SuggestionsFor(name) {
		s = append(s, fmt.Sprintf("%q", c))
	}
	if len(s) > 0 {
		return fmt.Errorf("unknown command %q; did you mean %s?", name, orList(s))
	}
	return ops.WithHint(fmt.Errorf("unknown command %q", name), "run '%s --help' to see the commands", root.CommandPath())
}

// newHelpCmd replaces cobra's help command, whose unknown topics are
// printed in cobra's words.
func newHelpCmd(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:   "help [COMMAND]",
		Short: "Help about any command",
		Long:  "help prints the help of a command: what it does, its flags and examples.",
		Example: `  nbfleet help
  nbfleet help apply`,
		ValidArgsFunction: func(c *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			var names []string
			for _, sub := range root.Commands() {
				if sub.IsAvailableCommand() && strings.HasPrefix(sub.Name(), toComplete) {
					names = append(names, sub.Name())
				}
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			target := root
			for _, a := range args {
				var next *cobra.Command
				for _, sub := range target.Commands() {
					if sub.Name() == a || sub.HasAlias(a) {
						next = sub
					}
				}
				if next == nil {
					return commandNotFound(target, a)
				}
				target = next
			}
			return target.Help()
		},
	}
}

// completionExamples gives cobra's completion command and its shells the
// examples every command's help has, and nbfleet's argument errors.
func completionExamples(root *cobra.Command) {
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() != "completion" {
			continue
		}
		c.Example = `  source <(nbfleet completion bash)
  nbfleet completion zsh > "${fpath[1]}/_nbfleet"
  nbfleet completion fish > ~/.config/fish/completions/nbfleet.fish`
		c.Args = func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return commandNotFound(c, args[0])
			}
			return nil
		}
		c.RunE = func(c *cobra.Command, args []string) error { return c.Help() }
		c.SuggestionsMinimumDistance = 2
		for _, sh := range c.Commands() {
			sh.Args = noArgs
			switch sh.Name() {
			case "bash":
				sh.Example = "  source <(nbfleet completion bash)\n  nbfleet completion bash > /etc/bash_completion.d/nbfleet"
			case "zsh":
				sh.Example = "  nbfleet completion zsh > \"${fpath[1]}/_nbfleet\""
			case "fish":
				sh.Example = "  nbfleet completion fish > ~/.config/fish/completions/nbfleet.fish"
			case "powershell":
				sh.Example = "  nbfleet completion powershell | Out-String | Invoke-Expression"
			}
		}
	}
}
