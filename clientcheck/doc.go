// Package clientcheck puts a reconnecting WebSocket client through the
// network's failures and reports every one it does not survive.
//
// The client under test is described by a Harness: how to start it against
// a server end (a Target: a URL, a wsdouble.Constructor, a gorilla Dialer,
// an HTTP client or a net dialer, whichever the client's library takes),
// what it does on a healthy connection (the script steps and rules a
// healthy session plays), and the reconnect Policy it claims: its backoff,
// when it gives up, how long it takes to notice a dead connection.
//
// The package lives above scenario and wstest: every case is a
// scenario.Script played by the scenario player on a wstest acceptor (a
// FakeDialer, or a Server in memory or over loopback), so a failing case
// can be printed, saved and replayed like any other script.
package clientcheck
