package wstest_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/wstest"
)

// keepalive is a client's application-level keepalive, as medplum's
// SubscriptionManager does: every interval it sends "ping" and, if no
// "pong" comes within timeout, it gives up on the connection.
func keepalive(ws wsdouble.IWebSocket, interval, timeout time.Duration) (dead <-chan time.Time) {
	pongs := make(chan struct{}, 1)
	ws.AddEventListener(wsdouble.EventMessage, wsdouble.ListenerFunc(func(e wsdouble.Event) {
		if string(e.(wsdouble.MessageEvent).Data) == "pong" {
			select {
			case pongs <- struct{}{}:
			default:
			}
		}
	}))
	out := make(chan time.Time, 1)
	go func() {
		for {
			time.Sleep(interval)
			if ws.Send(wsdouble.Text("ping")) != nil || ws.ReadyState() != wsdouble.Open {
				return
			}
			select {
			case <-pongs:
			case <-time.After(timeout):
				out <- time.Now()
				ws.Close(4000, "keepalive timeout")
				return
			}
		}
	}()
	return out
}

// pongs answers "ping" with "pong" until the connection ends.
func pongs(p wstest.Peer) {
	for {
		m, err := p.Receive(context.Background())
		if err != nil {
			return
		}
		if string(m.Data) == "ping" {
			p.Send(wsdouble.Text("pong"))
		}
	}
}

// TestKeepaliveDetectsBlackhole: a client with a ping/pong keepalive
// detects a blackholed (half-open) connection within its pong timeout, on
// virtual time: a minute of pings costs no wall time.
func TestKeepaliveDetectsBlackhole(t *testing.T) {
	wall := time.Now()
	for _, layer := range []string{"fake", "memory"} {
		t.Run(layer, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var acc wstest.Acceptor
				var ctor wsdouble.Constructor
				if layer == "fake" {
					d := wstest.NewFakeDialer(t, wstest.ClientCloseTimeout(2*time.Second))
					acc, ctor = d, d.Constructor()
				} else {
					srv := wstest.NewServer(t)
					acc, ctor = srv, srv.Constructor(wsdouble.WithCloseTimeout(2*time.Second))
				}
				t0 := time.Now()
				ws, _ := ctor("ws://app.test/")
				dead := keepalive(ws, 10*time.Second, 5*time.Second)
				closed := make(chan wsdouble.CloseEvent, 1)
				ws.AddEventListener(wsdouble.EventClose, wsdouble.ListenerFunc(func(e wsdouble.Event) { closed <- e.(wsdouble.CloseEvent) }))
				a, _ := acc.NextAttempt(t.Context())
				p, _ := a.Accept(wstest.AcceptOptions{})
				go pongs(p)

				time.Sleep(35 * time.Second) // pings at +10, +20, +30 s answered
				p.Inject(wstest.Blackhole()) // the server vanishes without a FIN
				detected := <-dead
				// The next ping goes at +40 s; its pong never comes by +45 s.
				if got := detected.Sub(t0); got != 45*time.Second {
					t.Errorf("detected at +%v, want +45s (the ping at +40 s and its 5 s pong timeout)", got)
				}
				// Its close frame is swallowed too: its close timeout ends it.
				ce := <-closed
				if ce.Code != wsdouble.CloseAbnormalClosure || ce.WasClean {
					t.Errorf("close event: %v, want 1006 unclean", ce)
				}
				if got := time.Since(t0); got != 47*time.Second {
					t.Errorf("closed at +%v, want +47s (and the 2 s close timeout)", got)
				}
			})
		})
	}
	t.Logf("wall time for both layers: %v", time.Since(wall))
}

// TestCloseTimeoutSurvivesASilentServer: a client with a close timeout is
// not stuck on a server that never answers its close frame.
func TestCloseTimeoutSurvivesASilentServer(t *testing.T) {
	wall := time.Now()
	synctest.Test(t, func(t *testing.T) {
		peers := make(chan wstest.Peer, 1)
		srv := wstest.NewServer(t, wstest.AutoAccept(func(p wstest.Peer) { peers <- p }), wstest.Faults(wstest.NoCloseReply()))
		ws, err := wsdouble.Dial(t.Context(), wstest.MemoryURL, wsdouble.WithDialer(srv.Dialer()), wsdouble.WithCloseTimeout(3*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		closed := make(chan wsdouble.CloseEvent, 1)
		ws.AddEventListener(wsdouble.EventClose, wsdouble.ListenerFunc(func(e wsdouble.Event) { closed <- e.(wsdouble.CloseEvent) }))
		start := time.Now()
		ws.Close(wsdouble.CloseNormalClosure, "bye")
		ce := <-closed
		if ce.Code != wsdouble.CloseAbnormalClosure || ce.WasClean || time.Since(start) != 3*time.Second {
			t.Errorf("close event %v after %v, want 1006 unclean after the 3s close timeout", ce, time.Since(start))
		}
		<-ws.Done() // and nothing is left running
		if end, _ := (<-peers).Wait(t.Context()); end.String() != `client closed 1000 "bye" unclean` {
			t.Errorf("server's end: %v", end)
		}
	})
	t.Logf("wall time: %v", time.Since(wall))
}
