//go:build !unix

package progress

import "os"

// NotifyResize: without SIGWINCH the live view follows a resize at its
// next tick.
func NotifyResize() <-chan os.Signal { return nil }
