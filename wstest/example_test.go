package wstest_test

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/wstest"
)

// A Server that echoes, reached over loopback. In a test, pass t instead of
// nil and the server closes itself at cleanup.
func ExampleNewServer() {
	srv := wstest.NewServer(nil, wstest.AutoAccept(wstest.Echo))
	defer srv.Close()

	ws, err := wsdouble.Dial(context.Background(), srv.URL())
	if err != nil {
		panic(err)
	}
	got := make(chan wsdouble.Event, 1)
	ws.AddEventListener(wsdouble.EventMessage, wsdouble.ListenerFunc(func(e wsdouble.Event) { got <- e }))
	ws.Send(wsdouble.Text("ping"))
	fmt.Println(<-got)
	ws.Close(wsdouble.CloseNormalClosure, "")
	<-ws.Done()
	fmt.Println(srv.Attempts()[0].End)
	// Output:
	// message text "ping"
	// client closed 1000 clean
}

// The test answers each attempt itself: here it refuses the first with 503,
// and the client sees what a browser would, error then close 1006.
func ExampleServer_NextAttempt() {
	srv := wstest.NewServer(nil)
	defer srv.Close()

	ws, _ := srv.Constructor()(wstest.MemoryURL + "feed")
	done := make(chan struct{})
	for _, typ := range []wsdouble.EventType{wsdouble.EventError, wsdouble.EventClose} {
		ws.AddEventListener(typ, wsdouble.ListenerFunc(func(e wsdouble.Event) {
			fmt.Println(e.Type(), e)
			if e.Type() == wsdouble.EventClose {
				close(done)
			}
		}))
	}

	a, err := srv.NextAttempt(context.Background())
	if err != nil {
		panic(err)
	}
	fmt.Println("attempt", a.N(), a.Request().URL.Path)
	a.Refuse(http.StatusServiceUnavailable, http.Header{"Retry-After": {"5"}}, "try later")
	<-done

	rec := srv.Attempts()[0]
	fmt.Println(rec.Outcome, rec.Status)
	// Output:
	// attempt 1 /feed
	// error error: wsdouble: handshake refused: 503 Service Unavailable
	// close close 1006 unclean
	// refused 503
}

// Accept returns the server's end of the connection, a Peer.
func ExampleAttempt_Accept() {
	srv := wstest.NewServer(nil)
	defer srv.Close()
	ctx := context.Background()

	ws, _ := srv.Constructor()(wstest.MemoryURL, "chat")
	closed := make(chan wsdouble.Event, 1)
	ws.AddEventListener(wsdouble.EventClose, wsdouble.ListenerFunc(func(e wsdouble.Event) { closed <- e }))
	ws.AddEventListener(wsdouble.EventOpen, wsdouble.ListenerFunc(func(wsdouble.Event) {
		ws.Send(wsdouble.Text("subscribe"))
	}))

	a, _ := srv.NextAttempt(ctx)
	peer, _ := a.Accept(wstest.AcceptOptions{Subprotocol: "chat"})
	m, _ := peer.Receive(ctx)
	fmt.Println("server got", m)
	peer.Close(wsdouble.CloseServiceRestart, "restarting")
	fmt.Println("client got", <-closed)
	// Output:
	// server got text "subscribe"
	// client got close 1012 "restarting" clean
}

// The conformance checker runs against any IWebSocket implementation and
// its server end. Here: the real client over the in-memory transport.
func ExampleCheckConformance() {
	err := wstest.CheckConformance(context.Background(), func() (wstest.Subject, error) {
		srv := wstest.NewServer(nil)
		return wstest.Subject{New: srv.Constructor(), URL: wstest.MemoryURL, Acceptor: srv, Close: srv.Close}, nil
	})
	fmt.Println(len(wstest.ConformanceChecks()) >= 25, err)
	// Output: true <nil>
}

// A FakeDialer's Constructor makes Fakes; the test plays the server: here
// it accepts, sends one message and drops the connection.
func ExampleFakeDialer() {
	d := wstest.NewFakeDialer(nil)
	defer d.Close()

	ws, _ := d.Constructor()("ws://example.test/feed") // what the client under test does
	done := make(chan struct{})
	show := wsdouble.ListenerFunc(func(e wsdouble.Event) {
		fmt.Println(e)
		if e.Type() == wsdouble.EventClose {
			close(done)
		}
	})
	for _, typ := range []wsdouble.EventType{wsdouble.EventOpen, wsdouble.EventMessage, wsdouble.EventError, wsdouble.EventClose} {
		ws.AddEventListener(typ, show)
	}

	a, _ := d.NextAttempt(context.Background())
	peer, _ := a.Accept(wstest.AcceptOptions{})
	peer.Send(wsdouble.Text(`{"price":42}`))
	peer.Drop()
	<-done
	fmt.Println(d.Attempts()[0].End)
	// Output:
	// open
	// message text "{\"price\":42}"
	// close 1006 unclean
	// dropped
}

// CheckBackoff compares the delays between attempts with a policy and, when
// they differ, shows the timeline. The log here is written by hand; in a
// test it comes from a Server's or a FakeDialer's Attempts, on virtual time
// (testing/synctest), so delays are exact.
func ExampleCheckBackoff() {
	t0 := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	attempt := func(n int, at time.Duration, status int) wstest.AttemptRecord {
		return wstest.AttemptRecord{N: n, Time: t0.Add(at), AnswerTime: t0.Add(at), Outcome: wstest.Refused, Status: status}
	}
	log := []wstest.AttemptRecord{
		attempt(1, 0, 503),
		attempt(2, 1*time.Second, 503),
		attempt(3, 3*time.Second, 503),
		attempt(4, 5*time.Second, 503), // the client waited 2 s again instead of 4 s
	}
	err := wstest.CheckBackoff(log, wstest.Backoff{Min: time.Second, Factor: 2, Max: time.Minute})
	fmt.Println(err)
	// Output:
	// wstest: backoff: 1 of 3 delays off the policy (the delays before #2 to #4 checked; min 1s, ×2, max 1m0s, reset after 0s up):
	//   attempt #4 came 2s after #3 was over, want 4s (retry 3 in a row)
	// timeline:
	//   #  at   gap  answer       messages  end
	//   1  +0s  -    refused 503  -         -
	//   2  +1s  1s   refused 503  -         -
	//   3  +3s  2s   refused 503  -         -
	//   4  +5s  2s   refused 503  -         -    ✗ want gap 4s
}
