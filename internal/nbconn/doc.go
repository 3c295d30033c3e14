// Package nbconn wraps a client's net.Conn so that, once switched on, its
// writes never wait: they hand the transport what it takes at once, without
// blocking, and keep the rest, in order, for a goroutine that writes it in
// the background. It lets wsdouble's Send write on the caller's goroutine
// (no hand-off to a writer goroutine) and still return at once, as the
// browser's send() does, whatever the peer reads.
//
// The transport takes bytes without blocking when it can say so: an
// internal/memconn connection (TryWrite), or a socket on a Unix system (a
// non-blocking write(2) through syscall.RawConn). Any other transport (a
// TLS connection given by a custom dialer, a socket on Windows) gets every
// byte from the background goroutine, which costs one hand-off per write.
//
// The background goroutine starts when bytes are kept and ends when they
// are written, so an idle connection has none. If its write fails, it
// closes the connection, so that its reader sees the failure.
//
// # Where it fits
//
// Only the real client (package wsdouble) uses it, below gorilla/websocket
// and above the transport it dials (over internal/memconn in memory, TCP
// over loopback, or the TLS it makes itself). gorilla writes a frame with
// one Write; Track then counts the frame's message data until the
// transport has taken it, and OnTaken tells the socket's bufferedAmount
// (internal/bufamount) when it has, so that BufferedAmount falls as the
// peer reads, as the browser's does. Flush lets the client's last frame,
// the echo of a close frame, leave before the transport closes.
//
// It is not a write buffer with a bound, nor flow control: what the peer
// does not read stays in memory, as in the browser, which buffers every
// send() (bufferedAmount says how much). A caller that must not grow
// without limit watches Buffered; servers and wstest's connections write
// with plain blocking writes and do not use it.
package nbconn
