package listenhold_test

import (
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/wsdouble/wsdouble/internal/listenhold"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The tests run the hold's real-time logic on a synctest clock, for exact
// times (a Hold made with inBubble false uses whatever clock it is on).

func TestWaitsForALateListener(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := listenhold.Start(false)
		var listening atomic.Bool
		done := make(chan time.Duration)
		start := time.Now()
		go func() {
			h.Wait(listening.Load)
			done <- time.Since(start)
		}()
		time.Sleep(2 * time.Millisecond) // the client is slow to add its listener
		listening.Store(true)
		h.Added()
		if d := <-done; d != 2*time.Millisecond {
			t.Errorf("Wait returned after %v, want when the listener came, 2ms", d)
		}
	})
}

func TestWindows(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := listenhold.Start(false)
		start := time.Now()
		h.Wait(func() bool { return false }) // no listener at all
		if d := time.Since(start); d != 10*time.Millisecond {
			t.Errorf("with no listener: waited %v, want 10ms", d)
		}
		h.Added() // a listener of another type
		start = time.Now()
		h.Wait(func() bool { return false })
		if d := time.Since(start); d != 250*time.Microsecond {
			t.Errorf("after a listener of another type: waited %v, want the 250µs burst gap", d)
		}
		time.Sleep(time.Minute)
		h.Added()
		start = time.Now()
		h.Wait(func() bool { return false })
		if d := time.Since(start); d != 0 {
			t.Errorf("past the 50ms window: waited %v, want 0", d)
		}
	})
}

func TestNoHoldInABubbleOrWithAListener(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		listenhold.Start(true).Wait(func() bool { return false })
		listenhold.Start(false).Wait(func() bool { return true })
		if d := time.Since(start); d != 0 {
			t.Errorf("waited %v, want 0", d)
		}
	})
}

// TestStartInstant: inside a bubble, a Hold made by StartInstant makes an
// event with no listener wait one nanosecond at the instant the socket was
// made, long enough for every other goroutine of the bubble to run, and
// nothing once a listener is there or time has moved on.
func TestStartInstant(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		h := listenhold.StartInstant()
		if !h.Holding() {
			t.Fatal("not holding at the instant the socket was made")
		}
		h.Wait(func() bool { return true })
		if d := time.Since(start); d != 0 {
			t.Errorf("with a listener: waited %v, want 0", d)
		}
		added := make(chan struct{})
		go func() { close(added) }() // the code that made the socket, still running
		h.Wait(func() bool { return false })
		select {
		case <-added:
		default:
			t.Error("Wait returned before the other goroutines of the bubble ran")
		}
		if d := time.Since(start); d != time.Nanosecond {
			t.Errorf("without a listener: waited %v, want 1ns", d)
		}
		if h.Holding() {
			t.Error("still holding once time moved on")
		}
		h.Wait(func() bool { return false })
		if d := time.Since(start); d != time.Nanosecond {
			t.Errorf("after the instant: waited %v more, want none", d-time.Nanosecond)
		}
	})
}
