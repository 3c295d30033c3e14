// Package listenhold keeps a socket from dispatching an event before the
// code that made it has had the chance to add a listener for it.
//
// In the browser, no event fires before the script that called
// `new WebSocket()` has finished, so listeners added right after the
// constructor see everything. A Go client adds them after the constructor
// returns, on its own goroutine, while the socket dispatches on another: a
// connection refused on loopback in 50 µs can fire its close event before
// the client's AddEventListener runs (seen in about 1 run in 250 under the
// race detector).
//
// A Hold closes that gap in real time. For a short while after the socket
// is made, an event whose type has no listener yet waits: until one is
// added, or until the listeners stop coming (250 µs after the last one was
// added, or 10 ms after construction if none was), and never past 50 ms
// after construction. A client that adds a listener for every event it
// cares about sees no delay at all. Inside a testing/synctest bubble a Hold
// does nothing: wstest's acceptors guarantee the same there without
// touching virtual time.
package listenhold

import (
	"sync"
	"sync/atomic"
	"time"
)

// The windows of a Hold.
const (
	burstGap  = 250 * time.Microsecond // after the last listener added
	noAdds    = 10 * time.Millisecond  // after construction, when none was
	maxWindow = 50 * time.Millisecond  // after construction, in any case
)

// Hold is the state of one socket. The zero Hold holds nothing.
type Hold struct {
	created time.Time   // zero: no hold
	over    atomic.Bool // the window has closed

	mu      sync.Mutex
	lastAdd time.Time
	wake    chan struct{}
}

// Start returns a Hold for a socket made now; inBubble disables it.
func Start(inBubble bool) *Hold {
	if inBubble {
		return &Hold{}
	}
	h := &Hold{created: time.Now(), wake: make(chan struct{}, 1)}
	time.AfterFunc(maxWindow, func() { h.over.Store(true) })
	return h
}

// Holding reports, cheaply, whether the hold may still make an event wait:
// the dispatcher checks it before looking for listeners.
func (h *Hold) Holding() bool { return !h.created.IsZero() && !h.over.Load() }

// Added notes that a listener was added.
func (h *Hold) Added() {
	if h.created.IsZero() {
		return
	}
	h.mu.Lock()
	h.lastAdd = time.Now()
	h.mu.Unlock()
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// Wait returns when an event may be dispatched: at once if listening()
// reports a listener for it, else when one is added or the window closes.
// Only the dispatching goroutine calls it.
func (h *Hold) Wait(listening func() bool) {
	if h.created.IsZero() {
		return
	}
	for !listening() {
		now := time.Now()
		h.mu.Lock()
		last := h.lastAdd
		h.mu.Unlock()
		deadline := h.created.Add(noAdds)
		if !last.IsZero() {
			deadline = last.Add(burstGap)
		}
		if end := h.created.Add(maxWindow); deadline.After(end) {
			deadline = end
		}
		wait := deadline.Sub(now)
		if wait <= 0 {
			return
		}
		t := time.NewTimer(wait)
		select {
		case <-h.wake:
		case <-t.C:
		}
		t.Stop()
	}
}
