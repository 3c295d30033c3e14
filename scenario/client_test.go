package scenario_test

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/wsdouble/wsdouble"
)

// client is a small reconnecting client for tests: it connects, sends
// {"op":"subscribe"} on open, answers "ping" with "pong", and reconnects
// `delay` after each close, until a close with code 4000 or Stop. It logs
// every event of every socket.
type client struct {
	mu   sync.Mutex
	log  []string
	stop chan struct{}
	done chan struct{}
}

func startClient(ctor wsdouble.Constructor, url string, delay time.Duration) *client {
	c := &client{stop: make(chan struct{}), done: make(chan struct{})}
	go c.run(ctor, url, delay)
	return c
}

func (c *client) logf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.log = append(c.log, fmt.Sprintf(format, args...))
}

// Log returns the events seen, one socket per line.
func (c *client) Log() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.log, "\n")
}

func (c *client) run(ctor wsdouble.Constructor, url string, delay time.Duration) {
	defer close(c.done)
	for n := 1; ; n++ {
		ws, err := ctor(url, "v1")
		if err != nil {
			c.logf("constructor: %v", err)
			return
		}
		closed := make(chan wsdouble.CloseEvent, 1)
		var events []string
		l := wsdouble.ListenerFunc(func(e wsdouble.Event) {
			switch e := e.(type) {
			case wsdouble.OpenEvent:
				events = append(events, "open")
				ws.Send(wsdouble.Text(`{"op":"subscribe","id":1}`))
			case wsdouble.MessageEvent:
				events = append(events, e.String())
				if string(e.Data) == "ping" {
					ws.Send(wsdouble.Text("pong"))
				}
			case wsdouble.ErrorEvent:
				events = append(events, "error")
			case wsdouble.CloseEvent:
				events = append(events, e.String())
				closed <- e
			}
		})
		for _, t := range []wsdouble.EventType{wsdouble.EventOpen, wsdouble.EventMessage, wsdouble.EventError, wsdouble.EventClose} {
			ws.AddEventListener(t, l)
		}
		var ce wsdouble.CloseEvent
		select {
		case ce = <-closed:
		case <-c.stop:
			ws.Close(wsdouble.CloseNormalClosure, "")
			ce = <-closed
		}
		c.logf("socket %d: %s", n, strings.Join(events, ", "))
		if ce.Code == 4000 {
			return
		}
		select {
		case <-time.After(delay):
		case <-c.stop:
			return
		}
	}
}

func (c *client) Stop() {
	select {
	case <-c.done:
	default:
		close(c.stop)
		<-c.done
	}
}

// Done is closed when the client has stopped by itself.
func (c *client) Done() <-chan struct{} { return c.done }
