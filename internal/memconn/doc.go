// Package memconn is an in-memory, buffered net.Conn pair: the transport of
// wstest.Server's in-memory dialer.
//
// Unlike net.Pipe, a write does not wait for the peer to read: each
// direction buffers up to a window of bytes (like a TCP socket's buffers)
// and a writer blocks only when the window is full. Everything is built from
// mutexes, channels and time.AfterFunc, all made when the pair is made, so
// in a testing/synctest bubble a goroutine blocked on a read, a write or a
// deadline is durably blocked, and deadlines follow the bubble's clock.
//
// A Conn behaves as a TCP connection does where a WebSocket stack can
// tell: Close is a FIN (the peer reads what was written, then io.EOF),
// Reset is an RST (ECONNRESET, after what was written), deadlines fail with
// os.ErrDeadlineExceeded, and errors are *net.OpError values. TryWrite
// takes what the window has room for without waiting, which is how
// internal/nbconn writes to it without a goroutine.
//
// # Where it fits
//
// It is the wire of wstest's in-memory transport (a Server's Dialer,
// HTTPClient, DialContext and Constructor for wstest.MemoryURL): gorilla on
// both ends speaks real RFC 6455 frames over it, on virtual time. A
// socket over loopback cannot be used inside a bubble (a goroutine blocked
// on it is not durably blocked, and the bubble's clock stops), which is
// why it exists; it is internal because users reach it only through
// wstest.
//
// It is not a network simulator: it has no latency, loss or reordering
// (wstest's faults add those above it), and no address space: Addr is only
// a name.
package memconn
