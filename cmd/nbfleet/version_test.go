package main

import (
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/nbfleet/nbfleet/internal/golden"
)

func TestReadBuildInfo(t *testing.T) {
	goLine := " linux/amd64"
	vcs := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	for _, tc := range []struct {
		name                  string
		version, commit, date string
		bi                    *debug.BuildInfo
		want                  string
	}{
		{"stamped by make", "v1.2.3", "0123456789abcdef0123456789abcdef01234567", "2026-11-26T03:00:00Z",
			&debug.BuildInfo{GoVersion: "go1.26.11", Main: debug.Module{Version: "(devel)"}},
			"nbfleet v1.2.3 (commit 0123456789ab, 2026-11-26T03:00:00Z, go1.26.11" + goLine + ")"},
		{"go install …@v1.2.3", "", "", "",
			&debug.BuildInfo{GoVersion: "go1.26.11", Main: debug.Module{Version: "v1.2.3"}},
			"nbfleet v1.2.3 (go1.26.11" + goLine + ")"},
		{"go build in a checkout", "", "", "",
			&debug.BuildInfo{GoVersion: "go1.26.11", Main: debug.Module{Version: "v0.0.0-20261126030000-0123456789ab+dirty"},
				Settings: vcs("vcs.revision", "0123456789abcdef", "vcs.time", "2026-11-26T03:00:00Z", "vcs.modified", "true")},
			"nbfleet v0.0.0-20261126030000-0123456789ab+dirty (commit 0123456789ab with local changes, 2026-11-26T03:00:00Z, go1.26.11" + goLine + ")"},
		{"make without a tag: the commit from make, the version from the build", "", "fedcba9876543210", "2026-11-27T00:00:00Z",
			&debug.BuildInfo{GoVersion: "go1.26.11", Main: debug.Module{Version: "v0.0.0-20261126030000-0123456789ab"},
				Settings: vcs("vcs.revision", "0123456789abcdef", "vcs.time", "2026-11-26T03:00:00Z")},
			"nbfleet v0.0.0-20261126030000-0123456789ab (commit fedcba987654, 2026-11-27T00:00:00Z, go1.26.11" + goLine + ")"},
		{"no build information", "", "", "", nil, "nbfleet devel (" + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + ")"},
		{"no VCS information", "", "", "", &debug.BuildInfo{GoVersion: "go1.26.11", Main: debug.Module{Version: "(devel)"}},
			"nbfleet devel (go1.26.11" + goLine + ")"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := readBuildInfo(tc.version, tc.commit, tc.date, tc.bi).String()
			got = strings.Replace(got, " "+runtime.GOOS+"/"+runtime.GOARCH, goLine, 1)
			if got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// TestVersionGolden: `nbfleet version` and `nbfleet --version` print the
// same line, with what the build stamped.
func TestVersionGolden(t *testing.T) {
	defer func(v, c, d string) { version, commit, date = v, c, d }(version, commit, date)
	version, commit, date = "v1.2.3", "0123456789abcdef0123456789abcdef01234567", "2026-11-26T03:00:00Z"
	var outs []string
	for _, args := range [][]string{{"version"}, {"--version"}} {
		e, out, errb := cliEnvNoServer()
		if code := run(args, e); code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errb)
		}
		outs = append(outs, strings.Replace(out.String(), runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH, "GO OS/ARCH", 1))
	}
	if outs[0] != outs[1] {
		t.Errorf("version says %q, --version %q", outs[0], outs[1])
	}
	golden.Check(t, filepath.Join("testdata", "version.txt"), []byte(outs[0]))
}
