//go:build unix

package main_test

import "syscall"

// makeFIFO makes a FIFO (a named pipe) at path.
func makeFIFO(path string) error { return syscall.Mkfifo(path, 0o600) }
