package gorilla_test

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/examples/gorilla"
	"github.com/wsdouble/wsdouble/examples/internal/battery"
	"github.com/wsdouble/wsdouble/examples/internal/reconnect"
	"github.com/wsdouble/wsdouble/wstest"
)

// The client, given a wstest.Server's Dialer, against a server the
// Example plays by hand, attempt by attempt: a refusal, a connection that
// ends with a restart (close 1012), and the connection the client comes
// back to, where it subscribes again. In a test, run it inside
// synctest.Test and pass t to NewServer; the delays are then virtual.
func ExampleClient() {
	srv := wstest.NewServer(nil)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client := battery.Start(reconnect.Options{Subscribe: []byte(`{"op":"subscribe"}`), MinDelay: time.Millisecond},
		func(opts reconnect.Options) battery.Runner {
			return &gorilla.Client{Dialer: srv.Dialer(), URL: wstest.MemoryURL, Options: opts}
		})

	a, _ := srv.NextAttempt(ctx)
	a.Refuse(http.StatusServiceUnavailable, nil, "warming up")
	client.Print(ctx, 1)

	a, _ = srv.NextAttempt(ctx)
	p, _ := a.Accept(wstest.AcceptOptions{})
	m, _ := p.Receive(ctx)
	fmt.Println("server: got", m)
	client.Print(ctx, 1)
	p.Send(wsdouble.Text("hello"))
	p.Close(wsdouble.CloseServiceRestart, "deploy")
	client.Print(ctx, 2)

	a, _ = srv.NextAttempt(ctx)
	p, _ = a.Accept(wstest.AcceptOptions{})
	m, _ = p.Receive(ctx)
	fmt.Println("server: got", m)
	client.Print(ctx, 1)

	fmt.Println("client: Run returned", client.Stop())
	end, _ := p.Wait(ctx)
	fmt.Println("server:", end)
	// Output:
	// client: #1 dial failed 503
	// server: got text "{\"op\":\"subscribe\"}"
	// client: #2 connected
	// client: #2 message "hello"
	// client: #2 disconnected 1012
	// server: got text "{\"op\":\"subscribe\"}"
	// client: #3 connected
	// client: Run returned context canceled
	// server: client closed 1000 clean
}
