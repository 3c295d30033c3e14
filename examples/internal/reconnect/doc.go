// Package reconnect is what the example clients written on gorilla,
// coder, gobwas and gws share: the reconnect loop, with its backoff,
// keepalive and events. Each example gives it the library's own part, a
// dial function and a Conn (read, write, ping, close); here is everything
// else, written once.
//
// The loop dials, sends the subscription (Options.Subscribe) on every new
// connection, reads every message, pings the server, and when the
// connection fails dials again after a delay that doubles with every
// retry in a row. A connection counts as dead when no sign of life (a
// message, a pong) has come for PongWait: a ping goes out every
// PingPeriod, so a live server always has something to answer within it.
// This catches the half-open connection, a server gone without a FIN, that
// reads alone never notice.
//
// # Where it fits
//
// examples/gorilla, examples/coder, examples/gobwas and examples/gws each
// wrap their library's connection in a Conn and their dial in a Dial, and
// call Run; examples/internal/battery tests all four through it, with the
// same cases, against a wstest.Server. It lives under examples/internal
// because it is part of the examples, not of wsdouble: a test of a real
// client tests that client's own loop, which these examples stand for.
//
// It is not a client library: one URL, no jitter in the backoff, no
// limit on retries, no queue of messages while disconnected (see
// examples/reconnecting for a client with all of that, on the wsdouble
// contract). Event.String describes an event for the examples' output.
package reconnect
