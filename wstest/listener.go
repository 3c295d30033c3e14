package wstest

import (
	"net"
	"sync"
)

// switchListener is the loopback listener of a Server: Down closes the
// socket (so that dials are refused, as when a server process is gone)
// while Accept waits, and Up listens again on the same address.
type switchListener struct {
	addr net.Addr

	mu     sync.Mutex
	inner  net.Listener  // nil while down
	up     chan struct{} // closed when up again
	closed bool
}

func newSwitchListener(l net.Listener) *switchListener {
	return &switchListener{addr: l.Addr(), inner: l}
}

func (l *switchListener) Accept() (net.Conn, error) {
	for {
		l.mu.Lock()
		inner, up, closed := l.inner, l.up, l.closed
		l.mu.Unlock()
		if closed {
			return nil, net.ErrClosed
		}
		if inner == nil {
			<-up
			continue
		}
		c, err := inner.Accept()
		if err == nil {
			return c, nil
		}
		l.mu.Lock()
		wentDown := l.inner != inner && !l.closed
		l.mu.Unlock()
		if !wentDown {
			return nil, err
		}
	}
}

// down closes the socket; dials are refused until up.
func (l *switchListener) down() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.inner == nil || l.closed {
		return
	}
	l.inner.Close()
	l.inner = nil
	l.up = make(chan struct{})
}

// listenAgain listens on the same address again.
func (l *switchListener) listenAgain() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.inner != nil || l.closed {
		return nil
	}
	inner, err := net.Listen(l.addr.Network(), l.addr.String())
	if err != nil {
		return err
	}
	l.inner = inner
	close(l.up)
	return nil
}

func (l *switchListener) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	if l.inner != nil {
		return l.inner.Close()
	}
	close(l.up)
	return nil
}

func (l *switchListener) Addr() net.Addr { return l.addr }
