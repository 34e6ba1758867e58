//go:build unix

package spec

import "syscall"

// Flags for opening a file a fleet names: a FIFO must not block the open,
// and a terminal must not become the controlling one.
const (
	oNonblock = syscall.O_NONBLOCK
	oNoctty   = syscall.O_NOCTTY
)
