package clientcheck_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/clientcheck"
	"github.com/wsdouble/wsdouble/internal/bubbletest"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// forgetful is a small reconnecting client with a bug: it subscribes on
// every open but the one after the server restarted (close 1012). It
// retries a second after every end.
type forgetful struct {
	dial   wsdouble.Constructor
	url    string
	events chan wsdouble.Event
	stop   chan struct{}
	done   chan struct{}
}

func startForgetful(_ context.Context, t clientcheck.Target) (func(context.Context) error, error) {
	c := &forgetful{dial: t.Constructor, url: t.URL, events: make(chan wsdouble.Event, 16), stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return func(ctx context.Context) error {
		close(c.stop)
		select {
		case <-c.done:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}, nil
}

func (c *forgetful) run() {
	defer close(c.done)
	restarted := false
	for {
		ws, err := c.dial(c.url)
		if err != nil {
			return
		}
		forward := wsdouble.ListenerFunc(func(e wsdouble.Event) {
			select {
			case c.events <- e:
			case <-c.done:
			}
		})
		ws.AddEventListener(wsdouble.EventOpen, forward)
		ws.AddEventListener(wsdouble.EventClose, forward)
		if !c.session(ws, &restarted) {
			return
		}
		select {
		case <-time.After(time.Second):
		case <-c.stop:
			return
		}
	}
}

// session waits for the connection's end, subscribing on its open, and
// reports whether to go on.
func (c *forgetful) session(ws wsdouble.IWebSocket, restarted *bool) bool {
	for {
		select {
		case e := <-c.events:
			switch e := e.(type) {
			case wsdouble.OpenEvent:
				if !*restarted { // the bug: it should subscribe again
					ws.Send(wsdouble.Text(`{"op":"subscribe"}`))
				}
			case wsdouble.CloseEvent:
				*restarted = e.Code == wsdouble.CloseServiceRestart
				return true
			}
		case <-c.stop:
			ws.Close(wsdouble.CloseNormalClosure, "stop")
			for e := range c.events {
				if _, ok := e.(wsdouble.CloseEvent); ok {
					return false
				}
			}
		}
	}
}

// Explore plays generated schedules against a client and shrinks the
// first that fails; here against a client that does not subscribe again
// after a restart, which Explore finds and shrinks to that restart alone.
// In a test, clientcheck.Explore(t, harness) reports the same with
// t.Errorf: the seed, what failed, what the server saw, and the script as
// a file and as Go code. An Example has no *testing.T: bubbletest.InTest
// lends it one.
func ExampleFind() {
	healthy, _ := scenario.New("healthy").Attempt().Accept().ExpectJSON(`{"op":"subscribe"}`).Within(2 * time.Second).Build()
	harness := clientcheck.Harness{
		Name:    "forgetful",
		Start:   startForgetful,
		Healthy: healthy.Attempts[0].Steps,
		Policy:  clientcheck.Policy{Backoff: wstest.Backoff{Min: time.Second}},
	}
	bubbletest.InTest(func(t *testing.T) {
		found, err := clientcheck.Find(t, harness)
		if err != nil || found == nil {
			fmt.Println("nothing found:", err)
			return
		}
		fmt.Printf("schedule %d of %d fails:\n", found.Seed, found.Played)
		fmt.Println(strings.TrimSpace(strings.Split(found.Err.Error(), "\n")[0]))
		src, _ := scenario.GoSource(found.Script)
		fmt.Printf("shrunk from %d attempts to %d:\n%s", len(found.Original.Attempts), len(found.Script.Attempts), src)
	})
	// Output:
	// schedule 17 of 17 fails:
	// healthy: attempt 2 (#2), step 1: want JSON containing {"op":"subscribe"}, got nothing within 2s
	// shrunk from 5 attempts to 2:
	// scenario.New("explore 17, shrunk").
	// 	Attempt().Accept().Close(1012, "").
	// 	Attempt().Label("healthy").Accept().
	// 	ExpectJSON(`{"op":"subscribe"}`).Within(2 * time.Second).
	// 	Repeat().
	// 	Build()
}
