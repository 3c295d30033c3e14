// Package gorilla is a small reconnecting client written with
// gorilla/websocket directly, not against the wsdouble contract, and its
// tests: what wsdouble does for code that holds a *websocket.Conn.
//
// The client (Client.Run) dials, subscribes, reads, pings the server with
// WebSocket control frames, and redials with a doubling delay when the
// connection fails: on a drop, on a refused handshake, on a close frame
// (a restart, 1012), and when the server stops answering pings
// (reconnect.ErrPongTimeout). The loop is the one every example shares
// (examples/internal/reconnect); this package holds only what is
// gorilla's.
//
// # Testing it
//
// Such code takes a *websocket.Dialer. A wstest.Server's Dialer reaches
// the Server in memory for wstest.MemoryURL, with real frames and a real
// HTTP handshake, inside a testing/synctest bubble; over loopback for the
// Server's URL; and over wss:// for a Server made with wstest.TLS, whose
// authority its TLSClientConfig trusts. The test answers each attempt
// (accept, refuse with a status), plays the server's side of each
// connection (send, drop, close, blackhole) and checks the delays between
// attempts with wstest.AssertBackoff, while ping periods and backoff
// delays of seconds pass in virtual time. The tests run the cases every
// example takes (examples/internal/battery).
//
// The server's end of a wstest.Server connection answers pings by itself, as
// every gorilla server does; Peer.AnswerPings, or a script's answer_pings
// step, makes it answer late or never. TestKeepaliveAgainstHeartbeats plays
// each way against the client's keepalive, in memory on virtual time and
// over loopback: a pong withheld, or one later than the pong wait, makes the
// client reconnect; a pong late within it does not. A Blackhole, which
// swallows pings and everything else, is the half-open connection (the
// battery's half-open case).
//
// It is an example to read, not a library to import: a test of your own
// gorilla code needs only what TestGorillaDirect shows, the Server's
// Dialer and wstest.MemoryURL. ExampleClient plays a refusal, a restart
// and the client's return by hand, attempt by attempt.
package gorilla
