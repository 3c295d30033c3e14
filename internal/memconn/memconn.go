package memconn

import (
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
)

// DefaultWindow is the number of bytes each direction buffers before a
// writer blocks.
const DefaultWindow = 1 << 20

// Addr is the address of one end of an in-memory connection.
type Addr string

// Network returns "memory".
func (Addr) Network() string { return "memory" }

// String returns the address.
func (a Addr) String() string { return string(a) }

// Pipe returns the two ends of a new connection. Bytes written to one are
// read from the other. window bounds the bytes in flight each way (0 means
// DefaultWindow).
func Pipe(clientAddr, serverAddr net.Addr, window int) (client, server *Conn) {
	if window <= 0 {
		window = DefaultWindow
	}
	c2s := newHalf(window)
	s2c := newHalf(window)
	client = newConn(s2c, c2s, clientAddr, serverAddr)
	server = newConn(c2s, s2c, serverAddr, clientAddr)
	return client, server
}

// maxRetain is the largest buffer a half keeps for reuse once it is
// drained: enough for the frames of a busy connection, small enough that an
// idle one holds little.
const maxRetain = 4 << 10

// half is one direction of a connection: a byte queue with one writing end
// and one reading end.
type half struct {
	mu sync.Mutex
	// buf is the unread bytes, a window into store, the buffer's array
	// from its start: once buf is drained, writes reuse store rather than
	// allocating.
	buf      []byte
	store    []byte
	window   int
	eof      bool          // the writer closed: reads drain buf, then io.EOF (or eofErr)
	eofErr   error         // the writer reset: reads drain buf, then this
	rdErr    error         // the reader gets this at once (reset, or its own close)
	wrErr    error         // the writer gets this (the reader went away)
	readable chan struct{} // a token: bytes were written
	writable chan struct{} // a token: bytes were read
	// shut is closed when either end closes or resets: every waiter on
	// this half wakes and finds eof, rdErr or wrErr set.
	shut     chan struct{}
	shutOnce sync.Once
}

func newHalf(window int) *half {
	return &half{
		window:   window,
		readable: make(chan struct{}, 1),
		writable: make(chan struct{}, 1),
		shut:     make(chan struct{}),
	}
}

func (h *half) wakeAll() { h.shutOnce.Do(func() { close(h.shut) }) }

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// Conn is one end of an in-memory connection. It implements net.Conn;
// errors are *net.OpError values like those of a TCP connection.
type Conn struct {
	rd, wr        *half
	local, remote net.Addr
	rdDeadline    *deadline
	wrDeadline    *deadline

	closeOnce sync.Once
	onClose   func()
}

func newConn(rd, wr *half, local, remote net.Addr) *Conn {
	return &Conn{rd: rd, wr: wr, local: local, remote: remote,
		rdDeadline: newDeadline(), wrDeadline: newDeadline()}
}

// OnClose sets a function called once, after the connection is first
// closed or reset from this end. It must be set before the Conn is shared.
func (c *Conn) OnClose(f func()) { c.onClose = f }

func (c *Conn) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: "memory", Source: c.local, Addr: c.remote, Err: err}
}

// Read implements net.Conn.
func (c *Conn) Read(p []byte) (int, error) {
	h := c.rd
	for {
		h.mu.Lock()
		if h.rdErr != nil {
			err := h.rdErr
			h.mu.Unlock()
			return 0, c.opError("read", err)
		}
		if len(h.buf) > 0 {
			if len(p) == 0 {
				h.mu.Unlock()
				return 0, nil
			}
			n := copy(p, h.buf)
			h.buf = h.buf[n:]
			if len(h.buf) == 0 {
				h.drainedLocked()
			}
			h.mu.Unlock()
			signal(h.writable)
			return n, nil
		}
		if h.eof {
			err := h.eofErr
			h.mu.Unlock()
			if err != nil {
				return 0, c.opError("read", err)
			}
			return 0, io.EOF
		}
		h.mu.Unlock()
		select {
		case <-h.readable:
		case <-h.shut:
		case <-c.rdDeadline.wait():
			return 0, c.opError("read", os.ErrDeadlineExceeded)
		}
	}
}

// Write implements net.Conn. It blocks while the peer's window is full.
func (c *Conn) Write(p []byte) (int, error) {
	h := c.wr
	written := 0
	for {
		h.mu.Lock()
		if h.wrErr != nil {
			err := h.wrErr
			h.mu.Unlock()
			return written, c.opError("write", err)
		}
		if h.eof {
			h.mu.Unlock()
			return written, c.opError("write", net.ErrClosed)
		}
		if room := h.window - len(h.buf); room > 0 {
			n := min(room, len(p)-written)
			h.appendLocked(p[written : written+n])
			written += n
			h.mu.Unlock()
			signal(h.readable)
			if written == len(p) {
				return written, nil
			}
			continue
		}
		h.mu.Unlock()
		select {
		case <-h.writable:
		case <-h.shut:
		case <-c.wrDeadline.wait():
			return written, c.opError("write", os.ErrDeadlineExceeded)
		}
	}
}

// TryWrite writes as much of p as the peer's window takes now, without
// waiting, and returns how much that was (possibly 0). Its errors are those
// of Write.
func (c *Conn) TryWrite(p []byte) (int, error) {
	h := c.wr
	h.mu.Lock()
	switch {
	case h.wrErr != nil:
		err := h.wrErr
		h.mu.Unlock()
		return 0, c.opError("write", err)
	case h.eof:
		h.mu.Unlock()
		return 0, c.opError("write", net.ErrClosed)
	}
	n := min(h.window-len(h.buf), len(p))
	if n <= 0 {
		h.mu.Unlock()
		return 0, nil
	}
	h.appendLocked(p[:n])
	h.mu.Unlock()
	signal(h.readable)
	return n, nil
}

// appendLocked appends p to the unread bytes, reusing the free space of
// store before growing it.
func (h *half) appendLocked(p []byte) {
	if len(h.buf)+len(p) > cap(h.buf) && len(h.buf)+len(p) <= cap(h.store) {
		// The read offset has moved along store: move the unread bytes
		// back to its start instead of allocating.
		h.buf = h.store[:copy(h.store[:cap(h.store)], h.buf)]
	}
	grown := len(h.buf)+len(p) > cap(h.buf)
	h.buf = append(h.buf, p...)
	if grown {
		h.store = h.buf[:0]
	}
}

// drainedLocked resets buf once every byte was read.
func (h *half) drainedLocked() {
	if cap(h.store) > maxRetain {
		h.store = nil
	}
	h.buf = h.store[:0:cap(h.store)]
}

// Close implements net.Conn: the peer reads what was already written, then
// io.EOF; its writes fail with a broken pipe.
func (c *Conn) Close() error { return c.shut(false) }

// Reset aborts the connection, as a TCP RST does: the peer's writes fail
// at once with ECONNRESET ("connection reset by peer"); its reads return
// what was already written, then fail with ECONNRESET, as on loopback,
// where what was written before the RST arrives before it (Linux reads the
// receive queue before reporting the reset).
func (c *Conn) Reset() error { return c.shut(true) }

func (c *Conn) shut(reset bool) error {
	first := false
	c.closeOnce.Do(func() {
		first = true
		// Our own reads and writes now fail with net.ErrClosed.
		c.rd.mu.Lock()
		c.rd.rdErr = net.ErrClosed
		if reset {
			c.rd.wrErr = syscall.ECONNRESET
		} else {
			c.rd.wrErr = syscall.EPIPE
		}
		c.rd.buf, c.rd.store = nil, nil
		c.rd.mu.Unlock()
		c.wr.mu.Lock()
		c.wr.eof = true
		if reset {
			c.wr.eofErr = syscall.ECONNRESET
		}
		c.wr.mu.Unlock()
		c.rd.wakeAll()
		c.wr.wakeAll()
		// Deadlines no longer matter: their timers would keep the
		// connection reachable until they fire.
		c.rdDeadline.stop()
		c.wrDeadline.stop()
	})
	if !first {
		return c.opError("close", net.ErrClosed)
	}
	if c.onClose != nil {
		c.onClose()
	}
	return nil
}

// LocalAddr implements net.Conn.
func (c *Conn) LocalAddr() net.Addr { return c.local }

// RemoteAddr implements net.Conn.
func (c *Conn) RemoteAddr() net.Addr { return c.remote }

// SetDeadline implements net.Conn.
func (c *Conn) SetDeadline(t time.Time) error {
	c.rdDeadline.set(t)
	c.wrDeadline.set(t)
	return nil
}

// SetReadDeadline implements net.Conn.
func (c *Conn) SetReadDeadline(t time.Time) error { c.rdDeadline.set(t); return nil }

// SetWriteDeadline implements net.Conn.
func (c *Conn) SetWriteDeadline(t time.Time) error { c.wrDeadline.set(t); return nil }

// deadline is a channel that is closed when a time passes.
type deadline struct {
	mu     sync.Mutex
	timer  *time.Timer
	cancel chan struct{} // closed when the deadline has passed
	off    bool          // the connection is closed: no more timers
}

func newDeadline() *deadline { return &deadline{cancel: make(chan struct{})} }

func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil && !d.timer.Stop() {
		<-d.cancel // the timer fired: wait until it has closed cancel
	}
	d.timer = nil
	expired := isClosed(d.cancel)
	if d.off {
		return
	}
	if t.IsZero() {
		if expired {
			d.cancel = make(chan struct{})
		}
		return
	}
	if dur := time.Until(t); dur > 0 {
		if expired {
			d.cancel = make(chan struct{})
		}
		cancel := d.cancel
		d.timer = time.AfterFunc(dur, func() { close(cancel) })
		return
	}
	if !expired {
		close(d.cancel)
	}
}

// stop stops the timer for good, once the connection is closed: the
// deadline stays as it is, and later ones are ignored.
func (d *deadline) stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.off = true
	if d.timer != nil && d.timer.Stop() {
		d.timer = nil
	}
}

func (d *deadline) wait() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cancel
}

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
