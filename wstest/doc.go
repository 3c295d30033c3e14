// Package wstest provides test doubles for code that talks WebSocket
// through the wsdouble contract: a scriptable fake socket, a real server on
// two transports, assertions on reconnection attempts and backoff, and a
// checker that proves an IWebSocket implementation behaves like the
// browser's.
//
// # Three ways to stand on the server's side
//
//	layer           the client under test gets          made by
//	fake            a Fake (wsdouble.IWebSocket)        NewFakeDialer(t).Constructor()
//	in-memory wire  the real client, in-memory frames   NewServer(t).Constructor(), .Dialer()
//	loopback wire   any client, at ws://127.0.0.1:PORT  NewServer(t).URL()
//
// All three hand connection attempts to the test the same way: FakeDialer
// and Server are both Acceptors. The test takes attempts in order with
// NextAttempt and answers each: Accept (choosing a subprotocol and response
// headers), Refuse (an HTTP status, headers and a body), or nothing (the
// client hangs in CONNECTING until it gives up). Accept returns a Peer, the
// server's end of the connection: Send, Receive, Close (a clean closing
// handshake), Drop (no close frame, as when a server dies) and Wait for the
// end. A test that does not script attempts makes its acceptor with
// AutoAccept, for example AutoAccept(Echo).
//
// The Fake needs no socket and no HTTP: it is the fastest layer and can do
// what no server can (Inject dispatches events a browser never would). The
// in-memory wire runs the real client against a real net/http and gorilla
// server over an in-memory connection. The loopback wire serves any client
// in any language. The same conformance checks pass on all three.
//
// # Virtual time
//
// The Fake, the FakeDialer and the in-memory transport are built only from
// channels, mutexes and timers, made by the constructor or the dial that
// needs them. Inside a testing/synctest bubble the clock then advances
// whenever everything waits, so a test of a ten-minute backoff takes
// milliseconds:
//
//	synctest.Test(t, func(t *testing.T) {
//		d := wstest.NewFakeDialer(t)
//		client := myclient.New(d.Constructor())
//		for range 9 {
//			a, _ := d.NextAttempt(t.Context())
//			a.Refuse(http.StatusServiceUnavailable, nil, "")
//		}
//		...
//		wstest.AssertBackoff(t, d, wstest.Backoff{Min: time.Second, Factor: 2, Max: 512 * time.Second})
//	})
//
// Make the acceptor inside the bubble. A FakeDialer used from outside the
// bubble it was made in (or made outside and used inside one) returns
// ErrWrongBubble. A Server made in a bubble must not be reached through URL
// there: a loopback socket never lets the clock advance.
//
// # Listeners and the first event
//
// A browser never fires an event before the script that made the socket has
// finished, so listeners added right after `new WebSocket()` see the open
// event. A Go client adds its listeners after the Constructor returns, on
// its own goroutine. Inside a bubble, every acceptor here guarantees the
// same: an answer given at the virtual instant its attempt arrived (by
// AutoAccept, a scenario, or a test that accepts at once) waits one
// nanosecond of virtual time, which passes only when every goroutine of the
// bubble, the client's included, is blocked. A client that adds its
// listeners before it blocks never misses an event. (So after the client
// connects to an AutoAccept acceptor, synctest.Wait alone does not open it:
// wait for the open event, or sleep.)
//
// # The attempt log
//
// Attempts returns the log of every attempt: its time, URL, header and
// offered subprotocols, its Outcome (Accepted, Refused, Abandoned when the
// client gave up first, Hung when the acceptor closed first), and for an
// accepted one how the connection ended (End) and the messages each way.
// Timeline formats it, one line per attempt:
//
//	#  at      gap     answer       messages  end
//	1  +0s     -       refused 503  -         -
//	2  +1s     1s      refused 503  -         -
//	3  +3s     2s      accepted     ↓1 ↑0     dropped at +3s
//	4  +7s     4s      accepted     -         -
//
// CheckBackoff compares the delays with a Backoff policy (minimum, growth
// factor, maximum, jitter, reset after a connection stayed up) and fails
// with that timeline, the offending attempts marked; AssertBackoff and
// RequireBackoff report through a TB. CheckAttempts counts attempts.
//
// # Conformance
//
// CheckConformance runs every check of ConformanceChecks against an
// implementation of wsdouble.IWebSocket and the server end it talks to (a
// Subject), and returns all failures as one error whose lines read
// "check-name: got X, want Y". It takes no testing.T; AssertConformance
// reports through a TB, and each ConformanceCheck can run as a subtest.
//
// # Helpers and TB
//
// Helpers take a TB, the part of testing.TB they use, register their own
// cleanup, and never call Fatalf off the calling goroutine. Outside tests a
// nil TB is allowed where documented.
package wstest
