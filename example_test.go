package wsdouble_test

import (
	"context"
	"fmt"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/wstest"
)

// New returns at once, like `new WebSocket(url)`; everything else arrives as
// events. Here the server is a wstest.Server that echoes.
func ExampleNew() {
	srv := wstest.NewServer(nil, wstest.AutoAccept(wstest.Echo))
	defer srv.Close()

	ws, err := wsdouble.New(srv.URL())
	if err != nil {
		panic(err)
	}
	state := ws.ReadyState()
	// Add listeners at once: the socket dispatches events as soon as they
	// happen, and a listener added later misses those before it.
	done := make(chan struct{})
	ws.AddEventListener(wsdouble.EventOpen, wsdouble.ListenerFunc(func(e wsdouble.Event) {
		fmt.Println(state, "→", e)
		ws.Send(wsdouble.Text("hello"))
	}))
	ws.AddEventListener(wsdouble.EventMessage, wsdouble.ListenerFunc(func(e wsdouble.Event) {
		fmt.Println(e)
		ws.Close(wsdouble.CloseNormalClosure, "done")
	}))
	ws.AddEventListener(wsdouble.EventClose, wsdouble.ListenerFunc(func(e wsdouble.Event) {
		fmt.Println(e)
		close(done)
	}))
	<-done
	// Output:
	// CONNECTING → open
	// message text "hello"
	// close 1000 clean
}

// Dial blocks until the socket is open. WithDialer reaches a wstest.Server
// through its in-memory transport: no socket, and it works inside
// testing/synctest.
func ExampleDial() {
	srv := wstest.NewServer(nil, wstest.AutoAccept(nil), wstest.Subprotocols("v2"))
	defer srv.Close()

	ws, err := wsdouble.Dial(context.Background(), wstest.MemoryURL,
		wsdouble.WithDialer(srv.Dialer()),
		wsdouble.WithProtocols("v1", "v2"))
	if err != nil {
		panic(err)
	}
	fmt.Println(ws.ReadyState(), ws.Protocol())
	ws.Close(wsdouble.CloseNormalClosure, "")
	<-ws.Done()
	fmt.Println(ws.ReadyState())
	// Output:
	// OPEN v2
	// CLOSED
}

// A client written against Constructor takes the real client in production
// and a test double in tests.
func ExampleConstructor() {
	type Client struct {
		dial wsdouble.Constructor
	}
	production := Client{dial: wsdouble.New}

	srv := wstest.NewServer(nil)
	defer srv.Close()
	inTests := Client{dial: srv.Constructor()}

	fmt.Println(production.dial != nil, inTests.dial != nil)
	// Output: true true
}

// Errors the browser would throw are returned, and can be tested with
// errors.Is.
func ExampleValidateClose() {
	fmt.Println(wsdouble.ValidateClose(1001, ""))
	fmt.Println(wsdouble.ValidateClose(4000, "ok"))
	// Output:
	// wsdouble: invalid close code: 1001 is neither 1000 nor in 3000-4999
	// <nil>
}
