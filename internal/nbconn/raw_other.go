//go:build !unix

package nbconn

import "net"

// rawTry returns nil: outside Unix, a socket cannot be written without
// blocking through the syscall package, so every byte goes through the
// background writer.
func rawTry(net.Conn) func([]byte) (int, error) { return nil }
