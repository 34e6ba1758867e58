//go:build !unix

package main

import "os"

// notifyResize: without SIGWINCH the live view follows a resize at its
// next tick.
func notifyResize() <-chan os.Signal { return nil }
