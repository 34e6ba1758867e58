package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/nbfleet/nbfleet/internal/golden"
)

// TestHelpGolden pins every command's --help: a reviewer reads a diff of
// testdata/help/*.txt as a change of the command-line interface.
// Regenerate with go test -update.
func TestHelpGolden(t *testing.T) {
	root := newRootCmd(&env{getenv: func(string) string { return "" }})
	cmds := []string{""}
	for _, c := range root.Commands() {
		if c.Name() != "help" && c.Name() != "completion" {
			cmds = append(cmds, c.Name())
		}
	}
	for _, name := range cmds {
		t.Run("nbfleet "+name, func(t *testing.T) {
			e, out, _ := cliEnvNoServer()
			args := []string{"--help"}
			if name != "" {
				args = []string{name, "--help"}
			}
			if code := run(args, e); code != exitOK {
				t.Fatalf("exit %d", code)
			}
			file := name
			if file == "" {
				file = "nbfleet"
			}
			path := filepath.Join("testdata", "help", file+".txt")
			golden.Check(t, path, []byte(out.String()))
		})
	}
}

// cliEnvNoServer is an env with buffers and an empty environment.
func cliEnvNoServer() (*env, *syncBuffer, *syncBuffer) {
	out, errb := &syncBuffer{}, &syncBuffer{}
	return &env{stdin: os.Stdin, stdout: out, stderr: errb, getenv: func(string) string { return "" }}, out, errb
}
