package listenhold_test

import (
	"fmt"
	"time"

	"github.com/wsdouble/wsdouble/internal/listenhold"
)

// What a socket's dispatcher does with the first events of a socket made
// in real time. An event whose type has a listener goes at once; one that
// no listener wants waits, in case its listener is still to come, until
// the listeners stop coming: 250 µs after the last was added (10 ms after
// construction when none was). A socket made inside a testing/synctest
// bubble holds nothing.
func Example() {
	var hold listenhold.Hold
	hold.Init(time.Now()) // the socket is made

	added := time.Now()
	hold.Added() // the client adds an open listener right after the constructor
	hold.Wait(func() bool { return true })
	fmt.Println("open, which has a listener: dispatched at once")

	hold.Wait(func() bool { return false })
	fmt.Println("message, which has none: held for the burst of listeners:",
		time.Since(added) >= 250*time.Microsecond)

	inBubble := listenhold.Start(true)
	inBubble.Wait(func() bool { return false })
	fmt.Println("in a bubble: holding", inBubble.Holding())
	// Output:
	// open, which has a listener: dispatched at once
	// message, which has none: held for the burst of listeners: true
	// in a bubble: holding false
}
