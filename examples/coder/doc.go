// Package coder is a small reconnecting client written with
// coder/websocket directly, and its tests: what wsdouble does for code
// that holds a *websocket.Conn of coder's.
//
// The client (Client.Run) dials, subscribes, reads, pings the server
// (websocket.Conn.Ping, which waits for the pong) and redials with a
// doubling delay when the connection fails; the loop is the one every
// example shares (examples/internal/reconnect), and this package holds
// only what is coder's.
//
// # Testing it
//
// coder/websocket dials through net/http: it takes an *http.Client
// (DialOptions.HTTPClient). A wstest.Server's HTTPClient reaches the
// Server in memory for wstest.MemoryURL, with real frames and a real HTTP
// handshake, inside a testing/synctest bubble; over loopback for the
// Server's URL; and over wss:// for a Server made with wstest.TLS, whose
// authority it trusts. The tests run the cases every example takes
// (examples/internal/battery).
//
// It is an example to read, not a library to import: a test of your own
// coder code needs only what TestCoderDirect shows, the Server's
// HTTPClient in the DialOptions and wstest.MemoryURL. ExampleClient plays
// the server's side with a scenario script and prints its report.
package coder
