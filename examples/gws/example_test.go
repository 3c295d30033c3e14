package gws_test

import (
	"context"
	"fmt"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/examples/gws"
	"github.com/wsdouble/wsdouble/examples/internal/battery"
	"github.com/wsdouble/wsdouble/examples/internal/reconnect"
	"github.com/wsdouble/wsdouble/wstest"
)

// The client, given a wstest.Server's DialContext, over loopback TCP at
// the Server's URL (a ws://127.0.0.1 address): the DialContext that
// reaches the Server in memory for wstest.MemoryURL dials TCP for it. The
// server drops the connection (no close frame, as a crash does); the
// client notices, comes back, and its new connection gets the message.
func ExampleClient() {
	srv := wstest.NewServer(nil)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client := battery.Start(reconnect.Options{MinDelay: time.Millisecond}, func(opts reconnect.Options) battery.Runner {
		return &gws.Client{Endpoint: reconnect.Endpoint{Dial: srv.DialContext}, URL: srv.URL(), Options: opts}
	})

	a, _ := srv.NextAttempt(ctx)
	p, _ := a.Accept(wstest.AcceptOptions{})
	client.Print(ctx, 1)
	p.Drop()
	client.Print(ctx, 1)

	a, _ = srv.NextAttempt(ctx)
	p, _ = a.Accept(wstest.AcceptOptions{})
	p.Send(wsdouble.Text("still there?"))
	client.Print(ctx, 2)
	client.Stop()
	p.Wait(ctx) // the server's end of the closing handshake
	for _, r := range srv.Attempts() {
		fmt.Printf("server: #%d %v, %v\n", r.N, r.Outcome, r.End)
	}
	// Output:
	// client: #1 connected
	// client: #1 disconnected
	// client: #2 connected
	// client: #2 message "still there?"
	// server: #1 accepted, dropped
	// server: #2 accepted, client closed 1000 clean
}
