package wstest_test

import (
	"context"
	"fmt"
	"net/http"

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
