package main

import (
	"net"
	"os"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// readmeBlock returns the first ```sh block under the README heading that
// starts with heading.
func readmeBlock(readme, heading string) (string, bool) {
	_, rest, ok := strings.Cut(readme, "\n## "+heading)
	if !ok {
		return "", false
	}
	if end := strings.Index(rest, "\n## "); end >= 0 {
		rest = rest[:end]
	}
	_, block, ok := strings.Cut(rest, "\n```sh\n")
	if !ok {
		return "", false
	}
	block, _, ok = strings.Cut(block, "\n```")
	return block + "\n", ok
}

// cmdReadmeQuickstart writes FILE: the README's quick start as a user
// pastes it, with one change — the emulator listens on a free port, not
// 8787, which another program may hold — and a trap that stops what it
// left running when the shell ends, even after a failure.
func cmdReadmeQuickstart(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: readme-quickstart FILE")
	}
	b, err := os.ReadFile(repoRoot + "/README.md")
	ts.Check(err)
	block, ok := readmeBlock(string(b), "Quick start")
	if !ok {
		ts.Fatalf("README.md has no ```sh block under a heading \"## Quick start\"")
	}
	if !strings.Contains(block, "nbfleet emulator ") {
		ts.Fatalf("the quick start starts no emulator:\n%s", block)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	addr := ln.Addr().String()
	ln.Close()
	block = strings.ReplaceAll(block, "nbfleet emulator ", "nbfleet emulator --listen "+addr+" ")
	script := "set -e\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n" + block
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(script), 0o644))
	ts.Logf("quick start on %s:\n%s", addr, block)
}

func TestReadmeBlock(t *testing.T) {
	md := "# x\n\n## Quick start (1 min)\n\ntext\n\n```sh\na\nb\n```\n\n```sh\nc\n```\n## Next\n"
	if got, ok := readmeBlock(md, "Quick start"); !ok || got != "a\nb\n" {
		t.Errorf("readmeBlock = %q, %v", got, ok)
	}
	if _, ok := readmeBlock(md, "Install"); ok {
		t.Error("found a section that is not there")
	}
}
