package wstest_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/wstest"
)

// TestVirtualTimePeerWaits: a client dials through the in-memory transport,
// the server waits 30 s of virtual time, then sends. Wall time: microseconds.
func TestVirtualTimePeerWaits(t *testing.T) {
	wall := time.Now()
	synctest.Test(t, func(t *testing.T) {
		srv := wstest.NewServer(t)
		ws, ev := mustDial(t, srv)
		p, err := mustAttempt(t, srv).Accept(wstest.AcceptOptions{})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		time.Sleep(30 * time.Second)
		if err := p.Send(wsdouble.Text("after 30s")); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if got, want := ev.String(), `[open, message text "after 30s"]`; got != want {
			t.Errorf("events: got %s, want %s", got, want)
		}
		if d := time.Since(start); d != 30*time.Second {
			t.Errorf("virtual time passed: got %v, want 30s", d)
		}
		ws.Close(1000, "")
		<-ev.done
	})
	// Timing is not asserted (a loaded machine must not fail the test); -v
	// shows it.
	t.Logf("wall time: %v for 30s of virtual time", time.Since(wall))
}

// TestVirtualTimeHandshakeTimeout: a handshake left hanging hits the
// Dialer's HandshakeTimeout at exactly the virtual time set.
func TestVirtualTimeHandshakeTimeout(t *testing.T) {
	wall := time.Now()
	synctest.Test(t, func(t *testing.T) {
		srv := wstest.NewServer(t)
		d := srv.Dialer()
		d.HandshakeTimeout = 7 * time.Second
		start := time.Now()
		ws, err := wsdouble.NewConstructor(wsdouble.WithDialer(d))(wstest.MemoryURL)
		if err != nil {
			t.Fatal(err)
		}
		ev := watch(ws)
		a := mustAttempt(t, srv) // taken, never answered
		<-ev.done
		if d := time.Since(start); d != 7*time.Second {
			t.Errorf("close event after %v, want exactly the 7s handshake timeout", d)
		}
		if got, want := ev.String(), "[error, close 1006 unclean]"; got != want {
			t.Errorf("events: got %s, want %s", got, want)
		}
		<-a.Done()
		if got := srv.Attempts()[0].Outcome; got != wstest.Abandoned {
			t.Errorf("outcome: got %v, want abandoned", got)
		}
	})
	t.Logf("wall time: %v for a 7s handshake timeout", time.Since(wall))
}
