package eventloop_test

import (
	"fmt"

	"github.com/wsdouble/wsdouble/internal/eventloop"
)

// A socket's events, dispatched one at a time: Post returns at once even
// while a task runs, and a task that posts (a listener that closes its own
// socket) sees its task run after the ones already queued, not inside its
// own.
func Example() {
	var l *eventloop.Loop[string]
	posted := make(chan struct{})
	l = eventloop.Start(func(event string) (stop bool) {
		fmt.Println("dispatch:", event)
		switch event {
		case "open":
			<-posted // a slow listener: the posts below do not wait for it
		case "message 1":
			l.Post("close 1000") // the listener calls Close
		}
		return event == "close 1000"
	})
	l.Post("open")
	l.Post("message 1")
	l.Post("message 2")
	close(posted)

	<-l.Done()
	fmt.Println("posted after the close:", l.Post("message 3"))
	// Output:
	// dispatch: open
	// dispatch: message 1
	// dispatch: message 2
	// dispatch: close 1000
	// posted after the close: false
}
