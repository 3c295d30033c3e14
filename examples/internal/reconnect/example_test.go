package reconnect_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wsdouble/wsdouble/examples/internal/reconnect"
)

// conn is a connection as a library gives it, played from a list: it
// delivers its messages, then ends with end, or, when end is nil, stays
// open until the client closes it.
type conn struct {
	messages []string
	end      error
	closed   chan struct{}
}

func (c *conn) ReadLoop(onMessage func([]byte)) error {
	for _, m := range c.messages {
		onMessage([]byte(m))
	}
	if c.end != nil {
		return c.end
	}
	<-c.closed
	return &reconnect.CloseError{Code: 1000, Err: errors.New("the server answered the close")}
}

func (c *conn) Write(_ context.Context, data []byte) error {
	fmt.Printf("server: got %s\n", data)
	return nil
}

func (c *conn) Ping(context.Context) error { return nil }

func (c *conn) Close(_ context.Context, code int) error {
	fmt.Println("client: closes with", code)
	close(c.closed)
	return nil
}

func (c *conn) Abort() {}

// What the loop does with a server that refuses the first attempt,
// restarts (close 1012) during the second, and keeps the third: it sends
// the subscription on every connection, retries after 1 ms and 2 ms (the
// delay doubles for each retry in a row), and, when its context ends,
// closes with 1000. A library's part is a Dial and a Conn; here they are
// played from a list.
func ExampleRun() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dials := []func() (reconnect.Conn, error){
		func() (reconnect.Conn, error) {
			return nil, &reconnect.RefusedError{Status: 503, Err: errors.New("bad handshake")}
		},
		func() (reconnect.Conn, error) {
			return &conn{messages: []string{"tick 1"}, end: &reconnect.CloseError{Code: 1012, Err: errors.New("restart")}}, nil
		},
		func() (reconnect.Conn, error) {
			return &conn{messages: []string{"welcome back"}, closed: make(chan struct{})}, nil
		},
	}
	var last time.Time
	opts := reconnect.Options{
		Subscribe: []byte(`{"op":"subscribe"}`),
		MinDelay:  time.Millisecond,
		OnEvent: func(e reconnect.Event) {
			fmt.Println("client:", e)
			if e.Kind == reconnect.Message && string(e.Data) == "welcome back" {
				cancel() // the program shuts down
			}
		},
	}
	n := 0
	err := reconnect.Run(ctx, opts, func(ctx context.Context, alive func()) (reconnect.Conn, error) {
		if n == 0 {
			fmt.Println("server: attempt 1")
		} else {
			delay := opts.MinDelay << (n - 1)
			fmt.Printf("server: attempt %d, %v or more after the one before: %v\n", n+1, delay, time.Since(last) >= delay)
		}
		last = time.Now()
		n++
		return dials[n-1]()
	})
	fmt.Println("Run:", err)
	// Output:
	// server: attempt 1
	// client: #1 dial failed 503
	// server: attempt 2, 1ms or more after the one before: true
	// client: #2 connected
	// server: got {"op":"subscribe"}
	// client: #2 message "tick 1"
	// client: #2 disconnected 1012
	// server: attempt 3, 2ms or more after the one before: true
	// client: #3 connected
	// server: got {"op":"subscribe"}
	// client: #3 message "welcome back"
	// client: closes with 1000
	// Run: context canceled
}
