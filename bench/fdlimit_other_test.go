//go:build !unix

package bench

// fdLimit reports that the limit on open files is unknown here.
func fdLimit() (uint64, bool) { return 0, false }
