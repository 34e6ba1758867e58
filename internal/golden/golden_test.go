package golden

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	failed []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.failed = append(r.failed, format)
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = append(r.failed, format)
}

func TestCheck(t *testing.T) {
	if Updating() {
		t.Skip("-update rewrites instead of comparing")
	}
	path := filepath.Join(t.TempDir(), "x.golden")
	if err := os.WriteFile(path, []byte("same\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := &recorder{TB: t}
	Check(r, path, []byte("same\n"))
	if len(r.failed) != 0 {
		t.Fatalf("equal content failed: %v", r.failed)
	}
	Check(r, path, []byte("other\n"))
	if len(r.failed) != 1 || !strings.Contains(r.failed[0], "differs") {
		t.Fatalf("different content: %v, want one failure", r.failed)
	}
	r.failed = nil
	Check(r, filepath.Join(t.TempDir(), "missing.golden"), []byte("x"))
	if len(r.failed) != 1 || !strings.Contains(r.failed[0], "-update") {
		t.Fatalf("missing file: %v, want a failure naming -update", r.failed)
	}
}
