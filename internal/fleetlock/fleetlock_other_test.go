//go:build !unix

package fleetlock

// setUmask does nothing: there is no umask.
func setUmask(string) {}
