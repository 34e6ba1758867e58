package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/nbfleet/nbfleet/internal/golden"
)

// allCommands is every command of the tree a user can run, root first:
// help, completion and its shells included, cobra's hidden ones not.
func allCommands() []*cobra.Command {
	root := newRootCmd(&env{getenv: func(string) string { return "" }})
	var all []*cobra.Command
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden {
			return
		}
		all = append(all, c)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	return all
}

// TestHelpGolden pins every command's --help: a reviewer reads a diff of
// testdata/help/*.txt as a change of the command-line interface. Every
// help has examples. Regenerate with go test -update.
func TestHelpGolden(t *testing.T) {
	for _, c := range allCommands() {
		path := strings.Fields(c.CommandPath())[1:]
		t.Run(c.CommandPath(), func(t *testing.T) {
			e, out, errb := cliEnvNoServer()
			if code := run(append(path, "--help"), e); code != exitOK {
				t.Fatalf("exit %d: %s", code, errb)
			}
			if !strings.Contains(out.String(), "\nExamples:\n") {
				t.Errorf("%s --help has no examples:\n%s", c.CommandPath(), out)
			}
			file := strings.Join(path, "-")
			if file == "" {
				file = "nbfleet"
			}
			golden.Check(t, filepath.Join("testdata", "help", file+".txt"), []byte(out.String()))
		})
	}
}

// shellWords splits a command line as a shell would, for the quoting the
// examples use ('…', "…").
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	in, quote := false, byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			cur.WriteByte(c)
		case c == '\'' || c == '"':
			quote, in = c, true
		case c == ' ' || c == '\t':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words
}

// exampleCommand finds an nbfleet command in an example line: up to a
// comment, redirection, pipe or the end of a $(…).
var exampleCommand = regexp.MustCompile(`nbfleet( [^#|>)]*)?`)

// TestHelpExamplesRun: every example in every help is a command nbfleet
// has, with flags it has and the arguments it takes.
func TestHelpExamplesRun(t *testing.T) {
	n := 0
	for _, c := range allCommands() {
		for _, line := range strings.Split(c.Example, "\n") {
			m := exampleCommand.FindString(line)
			if m == "" {
				t.Errorf("%s: example %q runs no nbfleet command", c.CommandPath(), line)
				continue
			}
			n++
			args := shellWords(m)[1:]
			root := newRootCmd(&env{getenv: func(string) string { return "" }})
			if err := unknownCommand(root, args); err != nil {
				t.Errorf("%s: example %q: %v", c.CommandPath(), line, err)
				continue
			}
			cmd, rest, err := root.Find(args)
			if err != nil {
				t.Errorf("%s: example %q: %v", c.CommandPath(), line, err)
				continue
			}
			if err := cmd.ParseFlags(rest); err != nil {
				t.Errorf("%s: example %q: %v", c.CommandPath(), line, err)
				continue
			}
			if cmd.Args != nil {
				if err := cmd.Args(cmd, cmd.Flags().Args()); err != nil {
					t.Errorf("%s: example %q: %v", c.CommandPath(), line, err)
				}
			}
		}
	}
	if n < 30 {
		t.Errorf("only %d examples", n)
	}
}

// TestNoCobraMessages: whatever is wrong on the command line, the user
// reads nbfleet's voice — one error line, at most one hint — and none of
// cobra's or pflag's own phrases. Every command is tried with an unknown
// flag, each of its flags without a value and with a value of the wrong
// type, too many and too few arguments.
func TestNoCobraMessages(t *testing.T) {
	cobraWords := regexp.MustCompile(`Did you mean this|for "nbfleet|accepts \d+ arg|required flag\(s\)|invalid argument "|unknown shorthand flag|flag needs an argument|bad flag syntax|Usage:|Error:|Unknown help topic`)
	var cases [][]string
	for _, c := range allCommands() {
		path := strings.Fields(c.CommandPath())[1:]
		cases = append(cases,
			append(append([]string{}, path...), "--no-such-flag"),
			append(append([]string{}, path...), "-Z"),
		)
		if c.Args != nil && c.Args(c, []string{"a", "b", "c"}) != nil {
			cases = append(cases, append(append([]string{}, path...), "a", "b", "c"))
		}
		if c.Args != nil && c.Args(c, nil) != nil {
			cases = append(cases, path)
		}
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			if f.Value.Type() != "bool" {
				cases = append(cases, append(append([]string{}, path...), "--"+f.Name))
			}
			switch f.Value.Type() {
			case "int", "int64", "float64", "duration", "bool":
				cases = append(cases, append(append([]string{}, path...), "--"+f.Name+"=x", "f.yaml"))
			}
		})
	}
	cases = append(cases, []string{"aply"}, []string{"frobnicate"}, []string{"help", "aply"}, []string{"completion", "fsh"}, []string{"---x"})
	for _, args := range cases {
		e, out, errb := cliEnvNoServer()
		code := run(args, e)
		msg := errb.String()
		lines := strings.Split(strings.TrimSuffix(msg, "\n"), "\n")
		switch {
		case code != exitError:
			t.Errorf("nbfleet %s: exit %d, want 1\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, msg)
		case out.String() != "":
			t.Errorf("nbfleet %s: wrote to stdout:\n%s", strings.Join(args, " "), out)
		case !strings.HasPrefix(lines[0], "nbfleet: error: ") || len(lines) > 2 || (len(lines) == 2 && !strings.HasPrefix(lines[1], "nbfleet: hint: ")):
			t.Errorf("nbfleet %s: not nbfleet's voice:\n%s", strings.Join(args, " "), msg)
		case cobraWords.MatchString(msg):
			t.Errorf("nbfleet %s: cobra's words reach the user:\n%s", strings.Join(args, " "), msg)
		}
	}
}

// TestCLIErrorsGolden pins what the common mistakes print.
func TestCLIErrorsGolden(t *testing.T) {
	var b strings.Builder
	for _, args := range [][]string{
		{"aply"},
		{"stat", "x.yaml"},
		{"frobnicate"},
		{"help", "aply"},
		{"plan"},
		{"plan", "a.yaml", "b.yaml"},
		{"validate"},
		{"version", "x"},
		{"apply", "--paralelism", "3", "x.yaml"},
		{"apply", "--parallelism", "abc", "x.yaml"},
		{"apply", "--timeout", "5", "x.yaml"},
		{"apply", "-Q", "x.yaml"},
		{"plan", "--out"},
		{"renew", "x.yaml"},
		{"--frobnicate"},
		{"completion", "fsh"},
	} {
		e, _, errb := cliEnvNoServer()
		code := run(args, e)
		fmt.Fprintf(&b, "$ nbfleet %s\n%s[exit %d]\n\n", strings.Join(args, " "), errb, code)
	}
	golden.Check(t, filepath.Join("testdata", "errors", "cli.txt"), []byte(b.String()))
}

// cliEnvNoServer is an env with buffers and an empty environment.
func cliEnvNoServer() (*env, *syncBuffer, *syncBuffer) {
	out, errb := &syncBuffer{}, &syncBuffer{}
	return &env{stdin: os.Stdin, stdout: out, stderr: errb, getenv: func(string) string { return "" }}, out, errb
}
