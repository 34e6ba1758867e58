//go:build unix

package progress

import (
	"os"
	"os/signal"
	"syscall"
)

// NotifyResize delivers SIGWINCH, the terminal's resize, so the live view
// redraws at the new width at once.
func NotifyResize() <-chan os.Signal {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGWINCH)
	return ch
}
