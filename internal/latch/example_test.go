package latch_test

import (
	"fmt"

	"github.com/wsdouble/wsdouble/internal/latch"
)

// A connection's end: whoever ends it first closes the latch and does the
// ending (Close reports true once); everyone waiting on Done wakes; a
// caller that comes after the end gets a channel already closed.
func Example() {
	var ended latch.Latch // the zero value: open, and no channel yet
	woke := make(chan struct{})
	go func() {
		<-ended.Done() // the first caller of Done makes the channel
		fmt.Println("waiter: the connection ended")
		close(woke)
	}()

	first := ended.Close() // the server drops the connection...
	<-woke
	second := ended.Close() // ...while the client closes it too
	fmt.Println("first Close ended it:", first)
	fmt.Println("second Close ended it:", second)

	select {
	case <-ended.Done():
		fmt.Println("a late waiter returns at once; Closed:", ended.Closed())
	default:
		fmt.Println("a late waiter would block")
	}
	// Output:
	// waiter: the connection ended
	// first Close ended it: true
	// second Close ended it: false
	// a late waiter returns at once; Closed: true
}
