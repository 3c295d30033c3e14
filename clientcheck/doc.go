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
//
// # Exploring
//
// The cases of a battery are designed; some reconnect bugs need an order
// of events nobody designs: a drop during the resubscribe, a 1012 while a
// ping is in flight, a refusal right after the backoff reset. Explore
// generates schedules instead, thousands of them, plays each against the
// client in a synctest bubble of its own, where minutes of backoff cost
// microseconds, and shrinks the first that fails to the smallest script
// that still does:
//
//	func TestClientSurvives(t *testing.T) {
//		clientcheck.Explore(t, harness, clientcheck.Runs(5000))
//	}
//
// A schedule (Generate) is up to four attempts, then one that accepts
// every further attempt and plays the healthy session. Each attempt is
// answered at once or late: accepted (with the subprotocol the client
// offered, none or another), refused (503, 500, 502, 429, 404, 401, 403
// and the policy's give-up statuses, sometimes with Retry-After), aborted,
// or left hanging (only for a client with a ConnectTimeout). An accepted
// one plays the Harness's Healthy steps and Rules, then the server's own
// steps: waits, sends, echoes, closes with a code (1000, 1001, 1011, 1012,
// 1013, 1008, 4000, none, the give-up codes), drops, resets, heals, the
// acceptor down for a while or all its connections dropped, pings, the
// client's pings answered late, and a fault of every kind
// wstest.FaultKinds lists, with its parameters, direction and
// probability. Or it ends its connection partway through the healthy
// steps, after a wait or at once. For a client with a Keepalive, the
// rules' answers may be withheld or late, pings go unanswered, and a
// blackhole may cut the connection without a word. Raw frames are left
// out: the fake has no wire to write them on. Durations come from a scale made of the
// Policy: the first retry delay and its cap, the uptime that resets the
// backoff, the keepalive and the connect timeout, and just either side of
// them. Nothing the client must say is generated: what a healthy client
// says is the Harness's Healthy steps, and a generated expectation would
// fail a client for not saying what nobody asked of it.
//
// The Property says whether the client survived a schedule. Explore plays
// the schedules of seeds Seed, Seed+1, ... (1, 2, ... by default),
// Workers at a time, until Runs have played (DefaultRuns) or its Budget
// of wall time is spent (DefaultBudget). The first schedule to fail, the
// one of the lowest seed whatever the Workers, is shrunk: tried without
// each attempt, then with a plainer answer, fewer steps, the whole healthy
// session, the rules answering, shorter durations of the scale, a drop
// for a reset, a plainer close code, a fault that always acts, in its
// default direction, with smaller parameters; the first of these that
// still fails replaces it, until none does, or until Shrinks runs (a
// count, not a time: the result does not depend on the machine). Explore
// reports a Found with t.Errorf: the seed, the property's error, and the
// shrunk script as a file and as Go code (scenario.GoSource), to paste
// into a regression test. The same seed gives the same schedules on every
// run, machine and Go release, and, for a property that fails the same
// way every time, the same shrunk script, byte for byte.
//
// Fuzz does the same from Go's fuzzing: each fuzz input draws a schedule
// (the empty input the simplest), so go test -fuzz explores, keeps the
// inputs that reach new code as its corpus, and reports a failure shrunk.
// wsdouble serve --explore SEED plays a generated schedule over loopback,
// so that a person can watch one in the live timeline.
//
// A schedule costs little: a bubble is about 5 µs, and on two cores the
// reconnecting example plays some 14,000 schedules a second on the fake
// (TestExploreRate). Bubbles run in parallel, one per worker; a property
// must stop the client before it returns, for a bubble whose goroutines
// are all blocked for ever is a deadlock, which synctest reports by
// panicking.
package clientcheck
