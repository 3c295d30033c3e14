//go:build unix

package nbconn

import (
	"net"
	"os"
	"syscall"
)

// rawTry returns a function that writes to c's socket what it takes now,
// with one non-blocking write(2), or nil if c is not a socket.
func rawTry(c net.Conn) func([]byte) (int, error) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	w := &rawWriter{rc: rc, net: c.LocalAddr().Network(), local: c.LocalAddr(), remote: c.RemoteAddr()}
	w.fn = w.write // made once: a method value per call would allocate
	return w.try
}

// rawWriter passes try's arguments and results through its fields, which
// the Conn's mutex guards.
type rawWriter struct {
	rc            syscall.RawConn
	fn            func(fd uintptr) bool
	net           string
	local, remote net.Addr

	p   []byte
	n   int
	err error
}

func (w *rawWriter) write(fd uintptr) bool {
	for {
		n, err := syscall.Write(int(fd), w.p)
		if err == syscall.EINTR {
			continue
		}
		w.n, w.err = n, err
		return true // never wait for the socket to become writable
	}
}

func (w *rawWriter) try(p []byte) (int, error) {
	w.p = p
	rerr := w.rc.Write(w.fn)
	n, err := w.n, w.err
	w.p, w.n, w.err = nil, 0, nil
	if rerr != nil {
		return 0, &net.OpError{Op: "write", Net: w.net, Source: w.local, Addr: w.remote, Err: rerr}
	}
	n = max(n, 0)
	switch err {
	case nil, syscall.EAGAIN:
		return n, nil
	}
	return n, &net.OpError{Op: "write", Net: w.net, Source: w.local, Addr: w.remote, Err: os.NewSyscallError("write", err)}
}
