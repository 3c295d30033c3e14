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
//	in-memory wire  any Go client, in-memory frames     NewServer(t) and MemoryURL
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
// # Any Go client library
//
// A Server hands each kind of client the way in it takes, as
// httptest.Server.Client does, and each reaches the Server in memory
// (MemoryURL) or over loopback (URL), by the URL it is given:
//
//	gorilla/websocket  srv.Dialer()                        DialContext(ctx, url, nil)
//	coder/websocket    srv.HTTPClient()                    websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: ...})
//	gobwas/ws          srv.DialContext                     ws.Dialer{NetDial: srv.DialContext}.Dial(ctx, url)
//	lxzan/gws          srv.DialContext, through a Dialer   gws.ClientOption{Addr: url, NewDialer: ...}
//	wsdouble contract  srv.Constructor()                   constructor(url)
//
// In memory, each runs on virtual time inside a bubble. The examples
// directory holds a reconnecting client written on each library, with its
// tests.
//
// # wss://
//
// NewServer(t, TLS()) serves wss:// on both transports (URL is wss://,
// MemoryTLSURL in memory), with a certificate of a throwaway authority the
// Server makes for itself: TLSConfig is a client configuration that
// trusts it (Dialer and HTTPClient use it), RootCAs and Certificate give
// it to a client configured otherwise. In memory, the real TLS handshake
// runs over the in-memory connection, on virtual time. A client that does
// not trust the authority fails as against a real server ("certificate
// signed by unknown authority"). SetTLSFault makes the handshakes that
// follow fail: ExpiredCertificate, WrongHostCertificate, or
// HangTLSHandshake (no answer until the client gives up). A failed TLS
// handshake is logged as an attempt, so that AssertBackoff sees a client
// retry through it.
//
// # The end of the test
//
// A Server stops waiting for the test when the test function returns
// (tb's Context is done), before any cleanup runs: attempts still pending,
// and any that arrive later, are closed unanswered (logged Hung), so that
// a cleanup that stops the client under test does not wait out the
// client's handshake timeout, whatever order the cleanups run in. Close
// ends the rest.
//
// # Backpressure
//
// The server end of a connection holds at most DefaultInboxMessages
// messages, or DefaultInboxBytes bytes, that the client sent and the Peer
// has not received yet (InboxLimit changes both). A full inbox holds the
// client back as a server that stops reading does over TCP, so that a
// client that sends faster than the test receives cannot grow the server
// end without bound: a Server reads nothing more from the connection until
// the Peer receives (on both transports), and the client's writes wait, or
// its BufferedAmount grows; a Fake's Send never waits (the browser's send()
// does not), and what finds no room waits in the Fake, counted by its
// BufferedAmount. Nothing is lost: once the Peer receives, the rest
// follows, in order.
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
// client gave up first, Hung when the acceptor closed or the test ended
// first, Aborted when the handshake was cut, or a TLS one failed), and for an
// accepted one how the connection ended (End) and the messages each way.
// Timeline formats it, one line per attempt:
//
//	#  at      gap     answer       messages  end
//	1  +0s     -       refused 503  -         -
//	2  +1s     1s      refused 503  -         -
//	3  +3s     2s      accepted     ↓1 ↑0     dropped at +3s
//	4  +7s     4s      accepted     -         -
//
// The log keeps every attempt for the acceptor's life; KeepAttempts bounds
// it, for a server that runs for days (wsdouble serve uses it), to the
// first attempts and the latest.
//
// CheckBackoff compares the delays with a Backoff policy (minimum, growth
// factor, maximum, jitter, reset after a connection stayed up) and fails
// with that timeline, the offending attempts marked; AssertBackoff and
// RequireBackoff report through a TB. CheckAttempts counts attempts.
// WriteHTML draws a log as a self-contained HTML page, a lane per attempt
// and its gaps against the policy, the offending ones marked; under go
// test -artifacts a failing AssertBackoff, AssertAttempts or
// AssertConformance leaves that drawing in the test's artifact directory
// and names it in its failure (see TB).
//
// # Faults
//
// The network fails in more ways than a clean close. A Fault is one failure
// mode, named as toxiproxy names them but applied in process, at the
// WebSocket frame level, and on virtual time inside a bubble (a 30 s
// latency or a one-minute blackhole costs no wall time). Each kind is a row
// of one table, FaultKinds, and has a constructor of its name (Latency,
// Bandwidth, Slicer, Blackhole, SlowClose, NoCloseReply, LimitData,
// DropAfter, ...): the row gives its parameters, as the scenario file
// format names them, and says what it does. ExampleFaultKinds prints the
// table.
//
// Each acts in one direction or both (Only), on every message or a share of
// them (Probability), with draws from a seeded source (Seed), so that a run
// is reproducible. Peer.Inject applies faults to one connection (a Peer of a
// Server or of a FakeDialer), Peer.Heal removes them, Peer.Reset aborts the
// connection as a TCP RST does; the Faults option applies faults to every
// connection of an acceptor. The handshake has its own: answer late, never
// (the attempt hangs), Refuse with any status, headers and body, or Abort
// (the connection closes mid-handshake). Down stops a Server or FakeDialer
// accepting, so that dials are refused (ECONNREFUSED, on both transports
// and the fake), Up brings it back on the same address, and DropAll drops
// every connection at once, as a crash does. Scenario scripts have a step
// for each.
//
// What a client sees of every kind is tested by TestFaultTable, which plays
// each with a gorilla/websocket client (reading with a 10 s deadline renewed by each message, dialing
// with a 20 s handshake timeout) over both transports, and a
// wsdouble.IWebSocket (the Fake, and the real client over both transports,
// with a 5 s close timeout). Every row holds on every transport; times
// count from the open connection, or from the dial for the handshake rows.
// An error event's Err wraps the error named (errors.Is); "close 1006
// unclean (X)" is a close event with no error event before it (a browser
// fires none when an open connection goes away) after which the socket's
// Err method (the Fake's, the real client's) reports an error wrapping X.
// Some of its rows:
//
//	Latency(1s); the server sends a message
//	  gorilla:    message +1s
//	  IWebSocket: message +1s
//
//	Bandwidth(1000); the server sends 500 bytes twice
//	  gorilla:    message +500ms, message +1s
//	  IWebSocket: message +500ms, message +1s
//
//	Slicer(4, 1s); the server sends 12 bytes (3 frames)
//	  gorilla:    message +2s
//	  IWebSocket: message +2s
//
//	Blackhole(); the server sends, the client closes after 20s
//	  gorilla:    read: timeout +10s
//	  IWebSocket: close 1006 unclean (ErrCloseTimeout) +25s
//
//	Blackhole().Only(ToClient), then Drop (half-open); the client closes after 20s
//	  gorilla:    read: timeout +10s
//	  IWebSocket: close 1006 unclean (ErrCloseTimeout) +25s
//
//	SlowClose(2s); the client closes with 1000
//	  gorilla:    read: close 1000 +2s
//	  IWebSocket: close 1000 clean +2s
//
//	NoCloseReply(); the client closes with 1000
//	  gorilla:    read: timeout +10s
//	  IWebSocket: close 1006 unclean (ErrCloseTimeout) +5s
//
//	LimitData(100); the server sends 60 bytes twice
//	  gorilla:    message, read: close 1006 (unexpected EOF)
//	  IWebSocket: message, close 1006 unclean (unexpected EOF)
//
//	DropAfterMessages(2); the server sends 3
//	  gorilla:    message, message, read: close 1006 (unexpected EOF)
//	  IWebSocket: message, message, close 1006 unclean (unexpected EOF)
//
//	DropAfter(3s)
//	  gorilla:    read: close 1006 (unexpected EOF) +3s
//	  IWebSocket: close 1006 unclean (unexpected EOF) +3s
//
//	Peer.Drop (for comparison: no fault, no close frame)
//	  gorilla:    read: close 1006 (unexpected EOF)
//	  IWebSocket: close 1006 unclean (unexpected EOF)
//
//	Peer.Reset (a TCP RST)
//	  gorilla:    read: ECONNRESET
//	  IWebSocket: close 1006 unclean (ECONNRESET)
//
//	handshake: Accept 3s after the attempt came
//	  gorilla:    open +3s
//	  IWebSocket: open +3s
//
//	handshake: no answer (hang); the client gives up after 20s
//	  gorilla:    dial: timeout +20s
//	  IWebSocket: error (ErrClosedBeforeOpen) +20s, close 1006 unclean +20s
//
//	handshake: Refuse(503, Retry-After: 5, body)
//	  gorilla:    dial: bad handshake 503
//	  IWebSocket: error (HandshakeError 503), close 1006 unclean
//
//	handshake: Abort (the connection closes mid-handshake)
//	  gorilla:    dial: unexpected EOF
//	  IWebSocket: error (unexpected EOF), close 1006 unclean
//
//	Down (the server stops accepting)
//	  gorilla:    dial: ECONNREFUSED
//	  IWebSocket: error (ECONNREFUSED), close 1006 unclean
//
//	DropAll (a crash), an open connection
//	  gorilla:    read: close 1006 (unexpected EOF)
//	  IWebSocket: close 1006 unclean (unexpected EOF)
//
// # Heartbeats
//
// Pings and pongs (RFC 6455 §5.5.2, §5.5.3) cross a connection as its
// close frames do: Peer.Ping sends one and Peer.ReceivePong takes the
// client's answer; Peer.Pong sends one no ping asked for; Peer.ReceivePing
// takes the client's pings, which the server end answers by itself as
// Peer.AnswerPings says: PongAtOnce (the default, as every server does),
// PongAfter a delay, or NoPong, a server whose heartbeat is gone while the
// connection stays up, which a keepalive must notice. The client's pings
// and pongs wait apart from its messages (the latest 64 of each), so that
// Receive sees only messages. Faults act on them as on close frames: a
// Blackhole swallows them, a Stall holds them, and they come behind the
// messages sent before them; Latency, Bandwidth and Slicer act on messages
// only. A Fake's client answers a ping as a browser does, by itself, and
// shows its listeners nothing; a browser never pings.
//
// # Raw frames
//
// Peer.WriteFrame writes a Frame exactly as given: any opcode, FIN and RSV
// bits, any payload (a close frame's code and reason bytes: ClosePayload),
// masked or not. A server must never send most of what it can write, and a
// client must fail the connection on it (RFC 6455 §7.1.7), which is what it
// is for. TestRawFrameTable writes each failure a browser-grade client must
// detect (close codes, UTF-8, RSV bits, opcodes, control frames,
// fragmentation) and checks the real client against what a browser does
// (Chromium, where it departs from the RFC: it receives close codes 999,
// 1004, 2999 and 5000 clean, and fails 1005, 1006, 1015, a one-byte close
// body and a reason that is not UTF-8); `go test -v -run TestRawFrameTable`
// prints the table, with what gorilla/websocket and coder/websocket clients
// do where they differ. A Fake has no wire: its WriteFrame returns
// ErrNoWire.
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
