package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/wstest"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "echo:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out = &lockedWriter{w: out} // the client and server goroutines both print
	srv := wstest.NewServer(nil)
	defer srv.Close()
	fmt.Fprintln(out, "server listening on", srv.URL())

	// The server's side: refuse the first attempt, echo on the second.
	type result struct {
		end wstest.End
		err error
	}
	serverDone := make(chan result, 1)
	go func() {
		end, err := serve(ctx, srv, out)
		serverDone <- result{end, err}
	}()

	// The client's side: connect, and on a failure try once more.
	for attempt := 1; attempt <= 2; attempt++ {
		closed, err := connect(srv.URL(), out)
		if err != nil {
			return err
		}
		var ev wsdouble.CloseEvent
		select {
		case ev = <-closed:
		case <-ctx.Done():
			return ctx.Err()
		}
		if ev.WasClean {
			break
		}
		fmt.Fprintln(out, "client: reconnecting")
	}
	res := <-serverDone
	if res.err != nil {
		return res.err
	}
	fmt.Fprintln(out, "server: connection ended:", res.end)

	fmt.Fprintln(out, "attempt log:")
	for _, a := range srv.Attempts() {
		fmt.Fprintf(out, "  #%d %-8v status %d, end: %v, %d message(s) each way\n",
			a.N, a.Outcome, a.Status, a.End, a.ToClient)
	}
	return nil
}

// serve plays the server: it refuses the first attempt, echoes one message
// on the second, and returns how that connection ended.
func serve(ctx context.Context, srv *wstest.Server, out io.Writer) (wstest.End, error) {
	a, err := srv.NextAttempt(ctx)
	if err != nil {
		return wstest.End{}, err
	}
	fmt.Fprintf(out, "server: attempt %d, refusing with 503\n", a.N())
	if err := a.Refuse(http.StatusServiceUnavailable, nil, "warming up"); err != nil {
		return wstest.End{}, err
	}
	a, err = srv.NextAttempt(ctx)
	if err != nil {
		return wstest.End{}, err
	}
	fmt.Fprintf(out, "server: attempt %d, accepting\n", a.N())
	p, err := a.Accept(wstest.AcceptOptions{})
	if err != nil {
		return wstest.End{}, err
	}
	m, err := p.Receive(ctx)
	if err != nil {
		return wstest.End{}, err
	}
	fmt.Fprintln(out, "server: received", m, "- echoing")
	if err := p.Send(m); err != nil {
		return wstest.End{}, err
	}
	return p.Wait(ctx)
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// connect opens a socket whose listeners print every event, say hello
// once open and close once the echo arrives. The returned channel gets the
// close event.
func connect(url string, out io.Writer) (<-chan wsdouble.CloseEvent, error) {
	ws, err := wsdouble.New(url)
	if err != nil {
		return nil, err
	}
	closed := make(chan wsdouble.CloseEvent, 1)
	ws.AddEventListener(wsdouble.EventOpen, wsdouble.ListenerFunc(func(e wsdouble.Event) {
		fmt.Fprintln(out, "client:", e)
		ws.Send(wsdouble.Text("hello"))
	}))
	ws.AddEventListener(wsdouble.EventMessage, wsdouble.ListenerFunc(func(e wsdouble.Event) {
		fmt.Fprintln(out, "client:", e)
		ws.Close(wsdouble.CloseNormalClosure, "bye")
	}))
	ws.AddEventListener(wsdouble.EventError, wsdouble.ListenerFunc(func(e wsdouble.Event) {
		fmt.Fprintln(out, "client:", e)
	}))
	ws.AddEventListener(wsdouble.EventClose, wsdouble.ListenerFunc(func(e wsdouble.Event) {
		fmt.Fprintln(out, "client:", e)
		closed <- e.(wsdouble.CloseEvent)
	}))
	return closed, nil
}
