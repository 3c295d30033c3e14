// Package bubble tells which testing/synctest bubble, if any, the calling
// goroutine runs in.
//
// The testing/synctest package does not say: its API is Test and Wait. But
// code that serves tests must know, because the rules differ inside a
// bubble: time is virtual, a goroutine blocked on a loopback socket stops
// the clock, and a channel of one bubble used from another goroutine ends
// the test binary with a fatal error. ID reads the bubble's id from the
// runtime's traceback header, the one place it shows.
//
// # Where it fits
//
// The real client (package wsdouble) asks it to decide whether to hold
// its first events for listeners in real time (internal/listenhold) or
// trust the bubble's ordering; wstest's FakeDialer remembers the bubble it
// was made in and refuses, with wstest.ErrWrongBubble, a call from another
// one, instead of letting the runtime crash; scenario's Recorder asks it as
// the client does. The client and wstest's hot paths ask the clock first,
// which says at once whether the caller may be on virtual time (a bubble's
// clock starts in 2000), and call ID only when it might be.
//
// It is not a way into a bubble (only synctest.Test makes one), nor cheap
// enough for every call on a hot path: ID costs a microsecond or two.
package bubble
