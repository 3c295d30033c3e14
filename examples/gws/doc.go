// Package gws is a small reconnecting client written with lxzan/gws
// directly, and its tests: what wsdouble does for code that holds a
// *gws.Conn and takes its events.
//
// The client (Client.Run) dials, subscribes, runs gws's read loop (its
// OnMessage, OnPong and OnClose events), pings the server and redials with
// a doubling delay when the connection fails; the loop is the one every
// example shares (examples/internal/reconnect), and this package holds
// only what is gws's.
//
// # Testing it
//
// gws dials with a gws.Dialer (ClientOption.NewDialer), whose Dial takes
// no context: a wstest.Server's DialContext, wrapped in one, reaches the
// Server in memory for the host of wstest.MemoryURL, with real frames and
// a real HTTP handshake, inside a testing/synctest bubble; over loopback
// for the host of the Server's URL; and over wss:// with the Server's
// TLSConfig (ClientOption.TlsConfig) for a Server made with wstest.TLS.
// The tests run the cases every example takes (examples/internal/battery).
//
// It is an example to read, not a library to import: a test of your own
// gws code needs only what TestGwsDirect shows, the Server's DialContext
// behind a gws.Dialer and wstest.MemoryURL. ExampleClient runs it over
// loopback TCP through a drop.
//
// # A module of its own
//
// This directory is a Go module of its own, so that lxzan/gws and what it
// brings (klauspost/compress, a 38 MB download, and dolthub/maphash) stay
// out of wsdouble's go.mod: a user of wsdouble does not get them in its
// module graph, nor does `go test ./...` in wsdouble fetch them. Run its
// tests here: `cd examples/gws && go test ./...` (CI does, see .ci/run).
package gws
