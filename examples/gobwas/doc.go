// Package gobwas is a small reconnecting client written with gobwas/ws
// directly, and its tests: what wsdouble does for code that holds the
// net.Conn gobwas dials and reads frames from it.
//
// The client (Client.Run) dials, subscribes, reads frame by frame
// (answering pings as wsutil does, and the server's close frame itself:
// wsutil's handler refuses 1012, a restart), pings the server and redials
// with a doubling delay when the connection fails;
// the loop is the one every example shares (examples/internal/reconnect),
// and this package holds only what is gobwas's.
//
// # Testing it
//
// gobwas/ws dials with a dial function (ws.Dialer.NetDial). A
// wstest.Server's DialContext reaches the Server in memory for the host of
// wstest.MemoryURL, with real frames and a real HTTP handshake, inside a
// testing/synctest bubble; over loopback for the host of the Server's URL;
// and over wss:// with the Server's TLSConfig (ws.Dialer.TLSConfig) for a
// Server made with wstest.TLS. The tests run the cases every example takes
// (examples/internal/battery).
//
// It is an example to read, not a library to import: a test of your own
// gobwas code needs only what TestGobwasDirect shows, the Server's
// DialContext as the Dialer's NetDial and wstest.MemoryURL. ExampleClient
// runs it over wss:// in memory and lets its keepalive find a half-open
// connection.
package gobwas
