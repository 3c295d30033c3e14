// Package wstest provides test doubles for code that talks WebSocket
// through the wsdouble contract: a server to script connection attempts
// against, a checker that proves an IWebSocket implementation behaves like
// the browser's, and (in later versions) a scriptable fake.
//
// # Server
//
// NewServer starts a Server built on gorilla/websocket's Upgrader. One server
// logic is reachable two ways:
//
//	srv.URL()          ws://127.0.0.1:PORT/ over loopback TCP (httptest), for any client
//	srv.Dialer()       a *websocket.Dialer over an in-memory connection, fresh for every dial
//	srv.Constructor()  the real wsdouble client over that in-memory connection
//
// The in-memory transport carries real HTTP handshakes and RFC 6455 frames
// through net/http and gorilla, but no socket: it is built from channels,
// mutexes and timers made by the dial, so it works inside
// testing/synctest, where a 30-second wait or a handshake timeout costs no
// wall time. The loopback listener opens on the first call to URL, so a
// Server made inside a bubble stays usable there as long as URL is never
// called.
//
// # Attempts and peers
//
// Every connection attempt becomes an Attempt, held before its handshake is
// answered. The test takes attempts in order with NextAttempt and answers
// each: Accept (choosing a subprotocol and response headers), Refuse (an
// HTTP status, headers and a body), or nothing (the client hangs in
// CONNECTING until it gives up). Accept returns a Peer, the server's end of
// the connection: Send, Receive, Close (a clean closing handshake), Drop (no
// close frame, as when a server dies) and Wait for the end.
//
// A test that does not script attempts makes its Server with AutoAccept,
// for example AutoAccept(Echo).
//
// Attempts returns the attempt log: for each attempt its time, URL, header
// and offered subprotocols, its Outcome (Accepted, Refused, Abandoned when
// the client gave up first, Hung when the server closed first), and for an
// accepted one how the connection ended (End) and how many messages went
// each way. Backoff assertions read this log.
//
// Server, and every fake acceptor, implements Acceptor, so the conformance
// checker and the scenario player drive them alike.
//
// # Conformance
//
// CheckConformance runs every check of ConformanceChecks against an
// implementation of wsdouble.IWebSocket and the server end it talks to (a
// Subject), and returns all failures as one error whose lines read
// "check-name: got X, want Y". It takes no testing.T; AssertConformance
// reports through a TB, and each ConformanceCheck can run as a subtest. The
// checks cover the WHATWG WebSockets semantics listed in the wsdouble
// package documentation: states, event order, close codes, validation,
// listener rules, re-entrancy.
//
// # Helpers and TB
//
// Helpers take a TB, the part of testing.TB they use, register their own
// cleanup, and never call Fatalf off the calling goroutine. Outside tests a
// nil TB is allowed where documented.
package wstest
