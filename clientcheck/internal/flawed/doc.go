// Package flawed is a small reconnecting client on the wsdouble contract
// that carries one deliberate bug of the caller's choice: the bugs that
// reach production because nobody scripted the disconnect that shows them.
// The client checker's tests put each through the battery, and each must
// fail exactly the cases of its class; with None it must pass them all.
//
// The client subscribes on every open ({"op":"subscribe"}), pings every
// PingEvery ({"op":"ping"}) and takes a connection for dead when no pong
// ({"op":"pong"}) came within PongWithin of a ping; it retries with a
// delay of Min × Factor^(k-1), capped at Max, for the k-th retry in a row,
// counts start over once a connection stayed up ResetAfter, gives up after
// MaxRetries retries in a row, a refusal with one of GiveUpStatuses or a
// close with one of GiveUpCodes, and abandons a handshake after
// ConnectTimeout. Harness describes it to the checker.
//
// It also delivers what its application queued (Config.Outbox) at least
// once: once the server has acknowledged its subscription
// ({"op":"subscribed"}), it sends the messages still queued, Pace apart,
// and drops each from the queue when the server acknowledges it
// ({"op":"ack","n":N} for {"op":"publish","n":N}). What a connection
// ends before acknowledging stays queued for the next. The last three
// bugs need an order of events the battery's cases do not design, and an
// invariant of the harness's own: they are the explorer's to find.
//
// # Where it fits
//
// It is internal to clientcheck: a test double of the other kind, the
// client under test, with known bugs, so that the checker's and the
// explorer's tests can show they catch each one (flawed_test.go,
// explore_flawed_test.go). It is not an example of a good client: that is
// examples/reconnecting, which passes the battery and survives the
// explorer.
package flawed
