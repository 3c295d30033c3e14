package latch

import "sync"

// Latch is closed once; Done returns a channel closed from then on. The
// zero value is an open latch.
type Latch struct {
	mu     sync.Mutex
	ch     chan struct{}
	closed bool
}

// closedChan is returned by Done once the latch is closed and no channel
// was made before.
var closedChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// Close closes the latch. It reports whether this call closed it.
func (l *Latch) Close() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false
	}
	l.closed = true
	if l.ch != nil {
		close(l.ch)
	}
	return true
}

// Done returns a channel that is closed once the latch is. The channel is
// made by the first caller, so inside a testing/synctest bubble it belongs
// to the caller's bubble.
func (l *Latch) Done() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ch == nil {
		if l.closed {
			return closedChan
		}
		l.ch = make(chan struct{})
	}
	return l.ch
}

// Closed reports whether the latch is closed.
func (l *Latch) Closed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closed
}
