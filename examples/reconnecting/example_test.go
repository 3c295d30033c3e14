package reconnecting_test

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/examples/reconnecting"
	"github.com/wsdouble/wsdouble/wstest"
)

// A client against a server that refuses its first attempt: the message
// sent before any connection waits in the queue, and reaches the server
// once the second attempt opens. In a test, pass t to NewFakeDialer (and
// run it in a synctest bubble, so that delays take no time).
func Example() {
	d := wstest.NewFakeDialer(nil)
	defer d.Close()
	c, err := reconnecting.New(d.Constructor(), "ws://example.test/", reconnecting.Options{MinReconnectionDelay: 10 * time.Millisecond})
	if err != nil {
		panic(err)
	}
	opened := make(chan struct{})
	c.AddEventListener(wsdouble.EventOpen, wsdouble.ListenerFunc(func(e wsdouble.Event) {
		fmt.Println("client:", e)
		close(opened)
	}))
	c.AddEventListener(wsdouble.EventClose, wsdouble.ListenerFunc(func(e wsdouble.Event) {
		fmt.Println("client:", e)
	}))
	c.Send(wsdouble.Text("hello")) // queued: not open yet

	ctx := context.Background()
	a, _ := d.NextAttempt(ctx)
	a.Refuse(http.StatusServiceUnavailable, nil, "warming up")
	a, _ = d.NextAttempt(ctx) // 10 ms later
	p, _ := a.Accept(wstest.AcceptOptions{})
	<-opened
	m, _ := p.Receive(ctx)
	fmt.Println("server:", m)

	c.Close(wsdouble.CloseNormalClosure, "bye")
	<-c.Done()
	// Output:
	// client: close 1006 unclean
	// client: open
	// server: text "hello"
	// client: close 1000 clean
}
