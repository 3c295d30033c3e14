// Package battery is the tests every example client takes, written once:
// a client written on gorilla, coder, gobwas or gws, against a
// wstest.Server, in a testing/synctest bubble where waits are involved
// (no wall-clock wait), and once over loopback in real time.
//
// Each example's tests give Run a Subject: how to make its client, given
// the Server's way in for its library. The cases (see Run) are those every
// reconnecting client must survive: refused attempts and the backoff
// between them, an abrupt drop, a clean close 1012 (a restart) after which
// the client subscribes again, a half-open connection its keepalive must
// find, a scenario file played against it, loopback, wss://, and a test
// that ends with an attempt pending.
//
// An example's test is a Subject and a call:
//
//	func TestClient(t *testing.T) {
//		battery.Run(t, battery.Subject{New: func(srv *wstest.Server, url string, trusted bool, opts reconnect.Options) battery.Runner {
//			return &gobwas.Client{Endpoint: battery.Endpoint(srv, trusted), URL: url, Options: opts}
//		}})
//	}
//
// # Where it fits
//
// It is the shared test half of examples/internal/reconnect: the examples
// on gorilla, coder, gobwas and gws (a module of its own, which reaches it
// through its replace of wsdouble) run it, each with the Server's way in
// that its library takes (Dialer, HTTPClient, DialContext and TLSConfig).
// README.md's section on those libraries copies its lines from their
// tests, and readme_test.go checks the copies.
//
// It is not a checker for any client: its cases know reconnect.Event and
// reconnect.Options, so a client must be built on reconnect to take them.
// A client checker for clients of every kind is issue 20's (clientcheck).
package battery
