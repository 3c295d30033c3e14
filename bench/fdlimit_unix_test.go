//go:build unix

package bench

import "syscall"

// fdLimit returns the process's soft limit on open file descriptors (Go
// raises it to the hard limit at startup).
func fdLimit() (uint64, bool) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return 0, false
	}
	return uint64(r.Cur), true
}
