//go:build !linux

package chaos

import "os/exec"

// dieWithParent is a no-op where the kernel cannot tie a child's life to
// its parent; t.Cleanup still kills the children of a test that ends.
func dieWithParent(*exec.Cmd) {}
