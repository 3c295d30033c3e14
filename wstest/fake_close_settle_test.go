package wstest_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/wstest"
)

var busySink int

// A client that made its socket at the instant the dialer closes (or drops
// everything) still sees the failure: like any answer, it waits until the
// client has finished with the constructor and added its listeners.
func TestFakeDialerCloseWaitsForListeners(t *testing.T) {
	for _, how := range []string{"Close", "DropAll"} {
		t.Run(how, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				d := wstest.NewFakeDialer(t)
				got := make(chan string, 2)
				go func() {
					ws, err := d.Constructor()("ws://x.test/")
					if err != nil {
						t.Error(err)
						return
					}
					for i := range 5_000_000 { // busy, never blocks
						busySink += i
					}
					l := wsdouble.ListenerFunc(func(ev wsdouble.Event) { got <- string(ev.Type()) })
					ws.AddEventListener(wsdouble.EventError, l)
					ws.AddEventListener(wsdouble.EventClose, l)
				}()
				if _, err := d.NextAttempt(t.Context()); err != nil {
					t.Fatal(err)
				}
				if how == "Close" {
					d.Close()
				} else {
					d.DropAll()
				}
				for _, want := range []string{"error", "close"} {
					select {
					case ev := <-got:
						if ev != want {
							t.Errorf("event %s, want %s", ev, want)
						}
					case <-time.After(time.Hour):
						t.Fatalf("no %s event reached the listener", want)
					}
				}
			})
		})
	}
}
