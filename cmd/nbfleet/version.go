package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// Stamped at build by the Makefile:
//
//	go build -ldflags "-X main.version=v1.2.3 -X main.commit=<sha> -X main.date=<commit time>"
//
// Empty ones are read from the module's build information, which the go
// command writes on `go install …@version` (the module version) and on a
// build in a checkout (a pseudo-version, vcs.revision and vcs.time).
var (
	version string
	commit  string
	date    string
)

// buildInfo is what `nbfleet version` says.
type buildInfo struct {
	Version  string // v1.2.3, a pseudo-version, or "devel"
	Commit   string // the VCS revision, or ""
	Date     string // the commit's time, RFC 3339, or ""
	Modified bool   // built from a checkout with uncommitted changes
	Go       string // go1.26.11 linux/amd64
}

// readBuildInfo combines the stamped values with bi (nil: none).
func readBuildInfo(stampedVersion, stampedCommit, stampedDate string, bi *debug.BuildInfo) buildInfo {
	b := buildInfo{Version: stampedVersion, Commit: stampedCommit, Date: stampedDate,
		Go: runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH}
	if bi == nil {
		if b.Version == "" {
			b.Version = "devel"
		}
		return b
	}
	if bi.GoVersion != "" {
		b.Go = bi.GoVersion + " " + runtime.GOOS + "/" + runtime.GOARCH
	}
	if b.Version == "" {
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			b.Version = v
		}
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			if b.Commit == "" {
				b.Commit = s.Value
			}
		case "vcs.time":
			if b.Date == "" {
				b.Date = s.Value
			}
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	if b.Version == "" {
		b.Version = "devel"
	}
	return b
}

// currentBuild is this binary's build information.
func currentBuild() buildInfo {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = nil
	}
	return readBuildInfo(version, commit, date, bi)
}

// versionString is nbfleet's version alone, for the User-Agent.
func versionString() string { return currentBuild().Version }

// String is the one line `nbfleet version` and `nbfleet --version` print:
// "nbfleet v1.2.3 (commit 0123456789ab, 2026-11-26T03:00:00Z, go1.26.11 linux/amd64)".
func (b buildInfo) String() string {
	var parts []string
	if b.Commit != "" {
		c := b.Commit
		if len(c) > 12 {
			c = c[:12]
		}
		if b.Modified {
			c += " with local changes"
		}
		parts = append(parts, "commit "+c)
	}
	if b.Date != "" {
		parts = append(parts, b.Date)
	}
	parts = append(parts, b.Go)
	return fmt.Sprintf("nbfleet %s (%s)", b.Version, strings.Join(parts, ", "))
}

func newVersionCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print nbfleet's version, commit and build date",
		Long: `version prints nbfleet's version, the commit it was built from and that
commit's date, and the Go release: the line to quote in a bug report.
nbfleet --version prints the same line.`,
		Example: `  nbfleet version
  nbfleet --version`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprintln(e.stdout, currentBuild())
			return err
		},
	}
}
