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
	created time.Time // zero: no hold
	// instant says created is a bubble's clock reading (StartInstant):
	// the hold is the one instant of construction, not a window.
	instant bool
	over    atomic.Bool // the window has closed
	// lastAdd is when the last listener was added, as time since
	// created plus one; 0 if none was.
	lastAdd atomic.Int64
	waiting atomic.Bool // Wait has made wake: Added must signal it

	mu   sync.Mutex
	wake chan struct{} // made by the first Wait that has to wait
}

// Start returns a Hold for a socket made now; inBubble disables it.
func Start(inBubble bool) *Hold {
	h := new(Hold)
	if !inBubble {
		h.Init(time.Now())
	}
	return h
}

// StartInstant returns a Hold for a socket made now inside a
// testing/synctest bubble, where the window of real time means nothing:
// it holds an event only at the very instant the socket was made, when no
// listener for it has been added yet, for one nanosecond of virtual time,
// which passes only once every goroutine of the bubble is blocked (the
// code that made the socket has added its listeners by then). wstest's
// acceptors never answer at that instant; a dial can still fail at it
// before any acceptor hears of it (a certificate the client refuses).
func StartInstant() *Hold {
	return &Hold{created: time.Now(), instant: true}
}

// Init makes h, a zero Hold, hold for a socket made at created (a reading
// of time.Now): so a socket can embed its Hold and share a clock reading.
// A zero Hold that is never initialized holds nothing, as inside a bubble.
func (h *Hold) Init(created time.Time) { h.created = created }

// Holding reports, cheaply, whether the hold may still make an event wait:
// the dispatcher checks it before looking for listeners.
func (h *Hold) Holding() bool {
	if h.created.IsZero() || h.over.Load() {
		return false
	}
	if h.instant {
		return time.Now().Equal(h.created)
	}
	if time.Since(h.created) >= maxWindow {
		h.over.Store(true)
		return false
	}
	return true
}

// Added notes that a listener was added.
func (h *Hold) Added() {
	if h.created.IsZero() || h.instant || h.over.Load() {
		return // past the window, when it was added no longer matters
	}
	h.lastAdd.Store(int64(time.Since(h.created)) + 1)
	if h.waiting.Load() {
		h.mu.Lock()
		select {
		case h.wake <- struct{}{}:
		default:
		}
		h.mu.Unlock()
	}
}

// Wait returns when an event may be dispatched: at once if listening()
// reports a listener for it, else when one is added or the window closes.
// Only the dispatching goroutine calls it.
func (h *Hold) Wait(listening func() bool) {
	if h.created.IsZero() {
		return
	}
	if h.instant {
		if !listening() && time.Now().Equal(h.created) {
			time.Sleep(time.Nanosecond)
		}
		return
	}
	for !listening() {
		since := time.Since(h.created)
		deadline := noAdds
		if last := h.lastAdd.Load(); last != 0 {
			deadline = time.Duration(last-1) + burstGap
		}
		deadline = min(deadline, maxWindow)
		wait := deadline - since
		if wait <= 0 {
			if since >= maxWindow {
				h.over.Store(true)
			}
			return
		}
		if !h.waiting.Load() {
			// First wait: make the channel, tell Added to use it, and
			// look again (a listener added meanwhile did not signal).
			h.mu.Lock()
			h.wake = make(chan struct{}, 1)
			h.mu.Unlock()
			h.waiting.Store(true)
			continue
		}
		t := time.NewTimer(wait)
		select {
		case <-h.wake:
		case <-t.C:
		}
		t.Stop()
	}
}
