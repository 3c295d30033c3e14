// Package listenhold keeps a socket from dispatching an event before the
// code that made it has had the chance to add a listener for it.
//
// In the browser, no event fires before the script that called
// `new WebSocket()` has finished, so listeners added right after the
// constructor see everything. A Go client adds them after the constructor
// returns, on its own goroutine, while the socket dispatches on another: a
// connection refused on loopback in 50 µs can fire its close event before
// the client's AddEventListener runs (seen in about 1 run in 250 under the
// race detector).
//
// A Hold closes that gap in real time. For a short while after the socket
// is made, an event whose type has no listener yet waits: until one is
// added, or until the listeners stop coming (250 µs after the last one was
// added, or 10 ms after construction if none was), and never past 50 ms
// after construction. A client that adds a listener for every event it
// cares about sees no delay at all. Inside a testing/synctest bubble the
// window of real time means nothing: there the gap is the instant of
// construction, which wstest's acceptors never answer at, and a Hold made
// by StartInstant makes an event of a dial that failed at that instant (a
// refused certificate) wait one nanosecond of virtual time, which passes
// only when every goroutine of the bubble is blocked. The real client
// holds so; Start(true) holds nothing, for a socket that needs no hold in
// a bubble.
//
// A Hold costs no timer, channel or goroutine unless an event has to wait:
// sockets are made by the thousand in tests and benchmarks.
//
// # Where it fits
//
// Each socket the library makes keeps one and asks it before dispatching:
// the real client (package wsdouble; not for Dial, whose listeners come
// with its options), wstest's Fake made outside a bubble, and scenario's
// Recorder, which keeps its caller's listeners itself and so must hold for
// them. A dispatcher calls Holding first, cheaply, then Wait with a func
// that says whether the event's type has a listener yet; AddEventListener
// calls Added.
//
// It is not an event queue, and it does not reorder: the dispatcher waits
// in place, so every later event waits behind the held one. Nor does it
// make a Go client safe against listeners added late on purpose (a
// listener added a second after the constructor misses what came before,
// as in the browser); it only closes the gap of the first moments.
package listenhold
