package nbconn

import (
	"net"
	"sync"
	"time"

	"github.com/wsdouble/wsdouble/internal/memconn"
)

// Conn is a net.Conn whose writes, once SetNonblocking was called, never
// wait. Reads go straight to the transport.
type Conn struct {
	net.Conn
	try func(p []byte) (int, error) // writes what the transport takes now; nil if it cannot tell

	mu          sync.Mutex
	nonblocking bool
	pending     []byte // accepted, not yet written, in order
	spare       []byte // a drained pending buffer, for reuse
	flushing    bool   // the background writer runs
	flushed     chan struct{}
	err         error // the first write error; later writes fail with it
	accepted    int64 // bytes accepted by Write since SetNonblocking
	written     int64 // of those, bytes the transport has taken
	marks       []mark
	buffered    int
	onTaken     func() // called when the background writer ends marks
}

// mark counts n bytes of message data as buffered until the transport has
// taken every byte accepted up to end.
type mark struct {
	end int64
	n   int
}

// New wraps c. Until SetNonblocking, writes go straight to c and may block.
// SetNonblocking, Track and Buffered may be called on a nil *Conn, and do
// nothing.
func New(c net.Conn) *Conn {
	nc := &Conn{Conn: c}
	if m, ok := c.(*memconn.Conn); ok {
		nc.try = m.TryWrite
	} else {
		nc.try = rawTry(c)
	}
	return nc
}

// SetNonblocking makes every later write return at once.
func (c *Conn) SetNonblocking() {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.nonblocking = true
	c.mu.Unlock()
}

// Write implements net.Conn. Once nonblocking, it never waits: it returns
// len(p) and nil, or the error of an earlier write, or of this one if the
// transport failed at once.
func (c *Conn) Write(p []byte) (int, error) {
	c.mu.Lock()
	if !c.nonblocking {
		c.mu.Unlock()
		return c.Conn.Write(p)
	}
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return 0, err
	}
	c.accepted += int64(len(p))
	rest := p
	if !c.flushing && c.try != nil {
		// Nothing is kept, so nothing is ahead of p.
		n, err := c.try(p)
		c.written += int64(n)
		if err != nil {
			c.err = err
			c.mu.Unlock()
			return n, err
		}
		rest = p[n:]
	}
	if len(rest) > 0 {
		if c.pending == nil {
			c.pending = c.spare[:0]
			c.spare = nil
		}
		c.pending = append(c.pending, rest...)
		if !c.flushing {
			c.flushing = true
			c.flushed = make(chan struct{})
			go c.flush(c.flushed)
		}
	}
	c.mu.Unlock()
	return len(p), nil
}

// Track counts n bytes of message data, whose frame was just written, as
// buffered until the transport has taken it. It does nothing when the frame
// is already with the transport.
func (c *Conn) Track(n int) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.written < c.accepted && n > 0 {
		c.marks = append(c.marks, mark{end: c.accepted, n: n})
		c.buffered += n
	}
}

// OnTaken makes the background writer call f, without locks held, each time
// the transport has taken bytes that Track counted (see Buffered). Call it
// before SetNonblocking.
func (c *Conn) OnTaken(f func()) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.onTaken = f
}

// Buffered returns the bytes of message data counted by Track that the
// transport has not yet taken.
func (c *Conn) Buffered() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buffered
}

// flush writes what Write kept, until nothing is left or a write fails.
func (c *Conn) flush(done chan struct{}) {
	defer close(done)
	for {
		c.mu.Lock()
		buf := c.pending
		c.pending = nil
		if len(buf) == 0 || c.err != nil {
			c.flushing = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		n, err := c.Conn.Write(buf)
		c.mu.Lock()
		c.written += int64(n)
		released := c.releaseLocked()
		if err != nil && c.err == nil {
			c.err = err
		}
		if err == nil && cap(buf) <= maxSpare {
			c.spare = buf[:0]
		}
		failed := c.err != nil
		onTaken := c.onTaken
		c.mu.Unlock()
		if released && onTaken != nil {
			onTaken()
		}
		if failed {
			c.Conn.Close() // the reader sees the failure
		}
	}
}

// maxSpare is the largest drained buffer kept for the next burst.
const maxSpare = 64 << 10

// releaseLocked ends the marks the transport has taken, and reports
// whether there were any.
func (c *Conn) releaseLocked() bool {
	i := 0
	for ; i < len(c.marks) && c.marks[i].end <= c.written; i++ {
		c.buffered -= c.marks[i].n
	}
	if i > 0 {
		c.marks = append(c.marks[:0], c.marks[i:]...)
	}
	return i > 0
}

// Flush waits until the transport has taken every byte Write accepted, or
// until deadline, and reports whether it has. It is for an orderly end:
// the last frame (a close frame's echo) reaches the peer before Close,
// which would lose it, when the transport takes bytes only from the
// background writer (a TLS connection).
func (c *Conn) Flush(deadline time.Time) bool {
	if c == nil {
		return true
	}
	c.mu.Lock()
	flushing, flushed := c.flushing, c.flushed
	c.mu.Unlock()
	if !flushing {
		return true
	}
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case <-flushed:
		return true
	case <-t.C:
		return false
	}
}

// Close closes the transport, then waits for the background writer, which
// the close makes fail if it was writing. What was kept is lost (Flush
// first keeps it).
func (c *Conn) Close() error {
	err := c.Conn.Close()
	c.mu.Lock()
	if c.err == nil {
		c.err = net.ErrClosed
	}
	flushing, flushed := c.flushing, c.flushed
	c.mu.Unlock()
	if flushing {
		<-flushed
	}
	return err
}

// SetDeadline implements net.Conn. Once nonblocking, only the read deadline
// matters: writes never wait.
func (c *Conn) SetDeadline(t time.Time) error {
	if c.isNonblocking() {
		return c.Conn.SetReadDeadline(t)
	}
	return c.Conn.SetDeadline(t)
}

// SetWriteDeadline implements net.Conn. Once nonblocking, it does nothing:
// writes never wait, and the background writer ends when the connection
// is closed.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	if c.isNonblocking() {
		return nil
	}
	return c.Conn.SetWriteDeadline(t)
}

func (c *Conn) isNonblocking() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nonblocking
}
