package gobwas_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/examples/gobwas"
	"github.com/wsdouble/wsdouble/examples/internal/battery"
	"github.com/wsdouble/wsdouble/examples/internal/reconnect"
	"github.com/wsdouble/wsdouble/wstest"
)

// The client, given a wstest.Server's DialContext and TLSConfig, over
// wss:// in memory. The server goes silent without closing (a blackhole:
// a half-open connection); the client's pings go unanswered, and after
// PongWait without a sign of life it gives the connection up and comes
// back. Here PongWait is 30 ms of real time; in a test, inside
// synctest.Test, it would be seconds of virtual time.
func ExampleClient() {
	srv := wstest.NewServer(nil, wstest.TLS())
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	opts := reconnect.Options{PingPeriod: 10 * time.Millisecond, PongWait: 30 * time.Millisecond, MinDelay: time.Millisecond}
	client := battery.Start(opts, func(opts reconnect.Options) battery.Runner {
		return &gobwas.Client{
			Endpoint: reconnect.Endpoint{Dial: srv.DialContext, TLSConfig: srv.TLSConfig()},
			URL:      wstest.MemoryTLSURL,
			Options:  opts,
		}
	})

	a, _ := srv.NextAttempt(ctx)
	fmt.Println("server: attempt", a.N(), "over TLS:", a.Request().TLS != nil)
	p, _ := a.Accept(wstest.AcceptOptions{})
	p.Send(wsdouble.Text("over TLS"))
	client.Print(ctx, 2)

	p.Inject(wstest.Blackhole())
	e, _ := client.Next(ctx)
	fmt.Println("client:", e, "- no sign of life:", errors.Is(e.Err, reconnect.ErrPongTimeout))

	a, _ = srv.NextAttempt(ctx)
	a.Accept(wstest.AcceptOptions{})
	client.Print(ctx, 1)
	client.Stop()
	// Output:
	// server: attempt 1 over TLS: true
	// client: #1 connected
	// client: #1 message "over TLS"
	// client: #1 disconnected - no sign of life: true
	// client: #2 connected
}
