//go:build !unix

package spec

// Elsewhere the flags do not exist; a non-regular file is still refused by
// the stat before the open.
const (
	oNonblock = 0
	oNoctty   = 0
)
