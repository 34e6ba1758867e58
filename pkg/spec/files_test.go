//go:build unix

package spec_test

import (
	"encoding/base64"
	"errors"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nbfleet/nbfleet/internal/golden"
	"github.com/nbfleet/nbfleet/pkg/spec"
)

// secret is the content of a file outside the fleet's tree: no expansion
// may ever carry it.
const secret = "HUAWEICLOUD_SDK_SK=do-not-leak\n"

// hostileSetups prepare the files of the cases in testdata/hostile, which
// cannot live in a repository (FIFOs, sockets, symbolic links out of the
// tree). Each runs in a directory holding fleet/ (the case's fleet file)
// and outside/ (secret.csv, secret.sh, deep/).
var hostileSetups = map[string]func(t *testing.T, fleet string){
	"roster-fifo": func(t *testing.T, fleet string) { mkfifo(t, filepath.Join(fleet, "roster.csv")) },
	"script-fifo": func(t *testing.T, fleet string) { mkfifo(t, filepath.Join(fleet, "hook.sh")) },
	"roster-symlink-out": func(t *testing.T, fleet string) {
		symlink(t, "../outside/secret.csv", filepath.Join(fleet, "roster.csv"))
	},
	"roster-directory":    func(t *testing.T, fleet string) { mkdir(t, filepath.Join(fleet, "roster.csv")) },
	"script-symlink-proc": func(t *testing.T, fleet string) { symlink(t, "/proc/self/environ", filepath.Join(fleet, "hook.sh")) },
	"script-symlink-device": func(t *testing.T, fleet string) {
		symlink(t, "/dev/zero", filepath.Join(fleet, "hook.sh"))
	},
	"roster-dangling-symlink": func(t *testing.T, fleet string) {
		symlink(t, "../outside/nowhere.csv", filepath.Join(fleet, "roster.csv"))
	},
	"script-socket": func(t *testing.T, fleet string) {
		l, err := net.Listen("unix", filepath.Join(fleet, "hook.sh"))
		if err != nil {
			t.Skipf("cannot make a unix socket here: %v", err)
		}
		t.Cleanup(func() { l.Close() })
	},
	// link/../secret.sh is secret.sh to a lexical check, but the kernel
	// applies ".." to link's target: outside/secret.sh.
	"script-dotdot-after-symlink": func(t *testing.T, fleet string) {
		symlink(t, "../outside/deep", filepath.Join(fleet, "link"))
		write(t, filepath.Join(fleet, "secret.sh"), "echo inside\n")
	},
	// The path comes from a roster cell: row 2 is a regular file, row 3 a
	// symbolic link out of the tree.
	"roster-templated-path-symlink": func(t *testing.T, fleet string) {
		write(t, filepath.Join(fleet, "ok.csv"), "id\n1\n2\n")
		write(t, filepath.Join(fleet, "hooks", "1.sh"), "echo one\n")
		symlink(t, "../../outside/secret.sh", filepath.Join(fleet, "hooks", "2.sh"))
	},
}

// TestHostileFiles loads each fleet of testdata/hostile after its setup
// made the file it names hostile, and compares the errors with the golden
// file. A FIFO that blocked the load would fail the watchdog.
func TestHostileFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/hostile/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(hostileSetups) {
		t.Fatalf("%d cases in testdata/hostile, %d setups", len(files), len(hostileSetups))
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			setup := hostileSetups[name]
			if setup == nil {
				t.Fatalf("no setup for %s", name)
			}
			if strings.Contains(name, "proc") && runtime.GOOS != "linux" {
				t.Skip("no /proc")
			}
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			wantPath, err := filepath.Abs(strings.TrimSuffix(file, ".yaml") + ".txt")
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			write(t, filepath.Join(dir, "outside", "secret.csv"), "id\n"+secret)
			write(t, filepath.Join(dir, "outside", "secret.sh"), secret)
			write(t, filepath.Join(dir, "outside", "deep", "x"), "")
			write(t, filepath.Join(dir, "fleet", name+".yaml"), string(src))
			setup(t, filepath.Join(dir, "fleet"))
			t.Chdir(dir)

			err = loadWithin(t, "fleet/"+name+".yaml")
			var list spec.ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("got %v; want an ErrorList", err)
			}
			if strings.Contains(err.Error(), "do-not-leak") {
				t.Fatalf("an error carries the secret: %v", err)
			}
			golden.Check(t, wantPath, []byte(err.Error()+"\n"))
		})
	}
}

// loadWithin loads a fleet and fails the test if that takes more than a
// minute: a FIFO that blocked would otherwise hang the whole run.
func loadWithin(t *testing.T, path string) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		f, err := spec.Load(path)
		if err == nil {
			err = errors.New("loaded " + f.Name)
		}
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(time.Minute):
		t.Fatal("Load blocked")
		return nil
	}
}

// TestFilesInsideTheTree: symbolic links that stay inside the tree, a
// fleet directory reached through a symbolic link and ".." that stays
// inside are all fine.
func TestFilesInsideTheTree(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real")
	write(t, filepath.Join(real, "data", "r.csv"), "id\n1\n")
	write(t, filepath.Join(real, "scripts", "hook.sh"), "echo hi\n")
	mkdir(t, filepath.Join(real, "sub"))
	symlink(t, "data/r.csv", filepath.Join(real, "roster.csv"))
	symlink(t, "../scripts", filepath.Join(real, "data", "scripts"))
	write(t, filepath.Join(real, "f.yaml"), head+`notebooks:
  - for_each: {csv: roster.csv}
    name: "a-{{ .id }}"
    hooks:
      container_hooks:
        pre_start: {script_file: sub/../scripts/hook.sh}
        post_start: {script_file: data/scripts/hook.sh}
`)
	symlink(t, "real", filepath.Join(dir, "link"))
	f, err := spec.Load(filepath.Join(dir, "link", "f.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	want := base64.StdEncoding.EncodeToString([]byte("echo hi\n"))
	if len(f.Notebooks) != 1 || f.Notebooks[0].Hooks.PreStart.Script != want || f.Notebooks[0].Hooks.PostStart.Script != want {
		t.Fatalf("got %+v", f.Notebooks)
	}
}

func mkfifo(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Skipf("cannot make a FIFO: %v", err)
	}
}

func symlink(t *testing.T, target, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
}

func mkdir(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(path, 0o755); err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	mkdir(t, filepath.Dir(path))
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestFleetFileFIFO: a FIFO given as the fleet file with nobody writing to
// it is an empty fleet file, not a hang.
func TestFleetFileFIFO(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fleet.yaml")
	mkfifo(t, path)
	err := loadWithin(t, path)
	if err == nil || !strings.HasSuffix(err.Error(), "empty fleet file: expected version, fleet and notebooks") {
		t.Fatalf("got %v", err)
	}
}
