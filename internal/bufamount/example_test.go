package bufamount_test

import (
	"fmt"

	"github.com/wsdouble/wsdouble/internal/bufamount"
)

// turns is a socket's event loop run by hand: it notes that a turn was
// asked for, and the example runs it when the socket would.
type turns struct{ asked bool }

func (t *turns) ScheduleTurn() { t.asked = true }

// A listener sends 4 bytes, which the network takes at once: the count
// still shows them until the listener returns, as in the browser. Outside
// a listener, the count falls at the next turn of the socket's loop; bytes
// sent after the close count for good.
func Example() {
	held := 0 // what the transport has not taken yet
	loop := &turns{}
	var amount bufamount.Amount
	amount.Init(bufamount.PendingFunc(func() int { return held }), loop)

	amount.BeginTask() // the dispatch of a message event
	amount.Send(4, func() error { held += 4; return nil })
	fmt.Println("in the listener, after send:", amount.Value())
	held = 0
	amount.Taken() // the network took them, while the listener still runs
	fmt.Println("in the listener, the bytes gone:", amount.Value())
	amount.EndTask()
	fmt.Println("after the listener:", amount.Value())

	amount.Send(10, func() error { return nil }) // taken at once
	fmt.Println("sent 10 outside a listener:", amount.Value(), "turn asked:", loop.asked)
	amount.Turn()
	fmt.Println("after the turn:", amount.Value())

	amount.Discarded(3) // sent while closing: discarded, never transmitted
	amount.Turn()
	fmt.Println("after the close:", amount.Value())
	// Output:
	// in the listener, after send: 4
	// in the listener, the bytes gone: 4
	// after the listener: 0
	// sent 10 outside a listener: 10 turn asked: true
	// after the turn: 0
	// after the close: 3
}
