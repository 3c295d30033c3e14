// Package clientcheck puts a reconnecting WebSocket client through the
// network's failures and reports every one it does not survive: refused
// and hung handshakes, drops at every point, resets, half-open connections,
// close codes, invalid frames, withheld heartbeats, outages, and stops in
// every state. It is to reconnecting clients what testing/fstest.TestFS is
// to file systems: one call, every case, every failure.
//
//	func TestMyClientSurvivesTheNetwork(t *testing.T) {
//		clientcheck.Assert(t, harness)                         // on the fake, on virtual time
//		clientcheck.Assert(t, harness, clientcheck.InMemory()) // real frames, virtual time too
//	}
//
// The package lives above scenario and wstest: every case is a
// scenario.Script played by the scenario player on a wstest acceptor (a
// FakeDialer, or a Server in memory or over loopback), so a failing case
// can be printed, saved and replayed like any other script.
//
// # The harness
//
// A Harness says what the checker needs to know of a client. Start starts
// it against a Target (the server end of a case, in every form a client
// library takes: a URL, a wsdouble.Constructor, a gorilla Dialer, an HTTP
// client, a net dialer) and returns how to stop it; a client that cannot
// use the target it is given returns an error wrapping ErrUnsupported, and
// the case is skipped. Healthy are the steps a healthy connection plays
// first, typically an Expect of the message the client subscribes with,
// within a time; Rules answer what a healthy client sends while connected
// (its application-level heartbeats). Policy is what the client claims:
// its backoff (wstest.Backoff), MaxRetries, the statuses and close codes
// it gives up on, its ConnectTimeout and Keepalive, whether it Pings at
// the protocol level, the subprotocols it offers, whether it honours
// Retry-After. The checker holds the client to that policy, and skips the
// cases of what it does not claim (without a Keepalive, the half-open
// cases: such a client never notices).
//
// # Running the battery
//
// Assert (and Require) run each case as a subtest named for it, so that
// go test -run 'TestX/close/1012' runs one, each in a testing/synctest
// bubble of its own: minutes of backoff and keepalive take microseconds,
// and the whole battery runs in about 30 ms on the fake and 50 to 90 ms
// in memory (examples/reconnecting's BenchmarkClientCheck). Check runs the
// cases in the caller's context and returns every failure joined into one
// error; Run returns each case's Result; Cases and Select list them, and
// Case.Run runs one. Options choose the transport (OnFake, the default;
// InMemory; Loopback, on real time, for a client that dials a URL itself,
// with a Backoff.Tolerance) and the cases (Only, Skip: path.Match patterns
// such as "refuse/*").
//
// After each case the client is stopped, the server end closed, and,
// inside a bubble, every goroutine that appeared while the case ran and
// is still there is a leak, reported with its stack; then the context
// given to Start is cancelled, so that goroutines of the client that
// watch it end. A goroutine that blocks for ever on something else (a
// channel no one will close) cannot be ended: once the case has reported
// it, its bubble ends in synctest's deadlock panic ("deadlock: main bubble
// goroutine has exited but blocked goroutines remain"), which Assert and
// Explore take for the case failing, so that the next cases run; the
// goroutine stays blocked until the process ends.
//
// # The cases
//
// Each case is a script built from the harness: every connection the
// server accepts plays the Healthy steps and the Rules, but where the case
// says otherwise, and the script ends with a healthy connection that
// repeats, for a client that comes back. The cases marked "wire only" are
// skipped on the fake, which has no frames; those marked "in memory" (the
// TLS ones) need a Server in process, whose throwaway certificate
// authority the Target's TLS configuration trusts.
//
//	refuse/503
//	  the handshake is refused with 503, then accepted
//	  want: retries after its first delay and is healthy again
//	  RFC 6455 §4.1 (a status other than 101 fails the connection), §7.2.3 (back off)
//	refuse/503-retry-after
//	  503 with Retry-After, longer than the first delay, then accepted
//	  want: waits as long as Retry-After says if the policy honours it (RetryAfter), else its first delay
//	  RFC 9110 §10.2.3
//	refuse/500
//	  500, then accepted
//	  want: retries after its first delay
//	  RFC 6455 §4.1
//	refuse/401
//	  401, then accepted
//	  want: gives up if 401 is one of its GiveUpStatuses, else retries
//	  RFC 9110 §15.5.2
//	refuse/403
//	  403, then accepted
//	  want: gives up if 403 is one of its GiveUpStatuses, else retries
//	  RFC 9110 §15.5.4
//	refuse/404
//	  404, then accepted
//	  want: gives up if 404 is one of its GiveUpStatuses, else retries
//	  RFC 9110 §15.5.5
//	handshake/hang
//	  the handshake is never answered, then the next one is
//	  want: gives the attempt up after ConnectTimeout, then retries after its first delay (skipped without a ConnectTimeout)
//	handshake/slow
//	  every handshake is answered after half the ConnectTimeout
//	  want: waits for the answer and is healthy, without a second attempt
//	handshake/abort
//	  the connection closes mid-handshake, with no answer, then the next handshake is accepted
//	  want: retries after its first delay
//	  RFC 6455 §4.1
//	handshake/no-subprotocol
//	  the handshake is accepted without a subprotocol though the client offered some, then properly
//	  want: fails that connection and retries after its first delay (skipped without Protocols)
//	  Fetch: establish a WebSocket connection; RFC 6455 §4.1
//	handshake/unoffered-subprotocol
//	  the handshake is accepted with a subprotocol the client did not offer, then properly
//	  want: fails that connection and retries after its first delay (skipped without Protocols)
//	  RFC 6455 §4.1: the client MUST fail the connection
//	tls/expired-certificate
//	  over wss://, the server's certificate has expired, for the first delay and half the second; then it is valid (in memory)
//	  want: refuses the certificate, retries after its first delay, and is healthy once it is valid
//	  RFC 5280 §6.1.3; RFC 6455 §4.1 (fail the connection)
//	tls/wrong-host
//	  over wss://, the server's certificate is for another name, for the first delay and half the second; then it is right (in memory)
//	  want: refuses the certificate, retries after its first delay, and is healthy once it is right
//	  RFC 6125 §6; RFC 6455 §4.1
//	tls/hang
//	  over wss://, the server never answers the first TLS handshake (in memory)
//	  want: gives the attempt up after ConnectTimeout, then retries after its first delay (skipped without a ConnectTimeout)
//	drop/at-open
//	  the connection is dropped (no close frame) as soon as it opens
//	  want: retries after its first delay
//	  RFC 6455 §7.2.3
//	drop/after-healthy
//	  the connection is dropped once healthy
//	  want: retries after its first delay and is healthy again: it resubscribes
//	  RFC 6455 §7.2.3
//	drop/mid-message
//	  the connection is dropped in the middle of a message sent in fragments (wire only)
//	  want: retries after its first delay
//	  RFC 6455 §5.4, §7.2.3
//	drop/reset
//	  the connection is reset (a TCP RST) once healthy
//	  want: retries after its first delay
//	  RFC 6455 §7.2.3
//	drop/flapping
//	  three connections in a row are dropped as soon as they open
//	  want: counts them as failures: the delay keeps growing, and it gives up past MaxRetries
//	close/1000
//	  the server closes with 1000 (normal) once healthy
//	  want: reconnects after its first delay, or gives up if 1000 is one of its GiveUpCodes
//	  RFC 6455 §7.4.1
//	close/1001
//	  the server closes with 1001 (going away)
//	  want: reconnects after its first delay
//	  RFC 6455 §7.4.1
//	close/1011
//	  the server closes with 1011 (internal error)
//	  want: reconnects after its first delay
//	  RFC 6455 §7.4.1
//	close/1012
//	  the server closes with 1012 (service restart)
//	  want: reconnects after its first delay and resubscribes
//	  IANA WebSocket close codes: 1012
//	close/1013
//	  the server closes with 1013 (try again later)
//	  want: reconnects after its first delay
//	  IANA WebSocket close codes: 1013
//	close/4000
//	  the server closes with the application code 4000
//	  want: reconnects after its first delay, unless 4000 is one of its GiveUpCodes
//	  RFC 6455 §7.4.2
//	close/no-code
//	  the server closes with a close frame without a code (1005 for the client)
//	  want: reconnects after its first delay
//	  RFC 6455 §7.1.5
//	close/give-up
//	  the server closes with the first of the GiveUpCodes
//	  want: gives up: no further attempt (skipped without GiveUpCodes)
//	fault/half-open
//	  the server goes away without a FIN: nothing it sent or sends reaches the client
//	  want: notices within its Keepalive and retries after its first delay (skipped without a Keepalive)
//	  RFC 6455 §5.5.2 (pings)
//	fault/blackhole-to-client
//	  nothing the server sends reaches the client any more, but the server stays
//	  want: gives the connection up within its Keepalive, and comes back (skipped without a Keepalive)
//	  RFC 6455 §5.5.2
//	fault/blackhole-both
//	  nothing goes either way any more, and the server stays
//	  want: comes back within its Keepalive and first delay (skipped without a Keepalive)
//	  RFC 6455 §5.5.2
//	fault/stall
//	  nothing is delivered either way for twice the Keepalive, then everything
//	  want: comes back within its Keepalive and first delay (skipped without a Keepalive)
//	fault/stall-short
//	  nothing is delivered either way for a third of the Keepalive, then everything; later the server closes with 1001
//	  want: keeps to its policy whether it waits or reconnects
//	fault/latency
//	  every message takes an eighth of the Keepalive (or the first delay) more, each way, for a while; later the server closes with 1001
//	  want: keeps to its policy whether it waits or reconnects
//	fault/bandwidth
//	  the link to the client narrows so that the 2 KiB the server sends take the Keepalive (twice the first delay without one); later the server closes with 1001
//	  want: keeps to its policy whether it waits or reconnects
//	heartbeat/withheld
//	  the server answers none of what the Rules answer (the client's heartbeats)
//	  want: gives the connection up within its Keepalive and comes back (skipped without Rules or a Keepalive)
//	heartbeat/late
//	  the server answers what the Rules answer a fifth of the Keepalive late, for twice the Keepalive; then closes with 1001
//	  want: keeps to its policy whether it waits or reconnects (skipped without Rules or a Keepalive)
//	heartbeat/pongs-withheld
//	  the server stops answering the client's pings (protocol level) on a healthy connection
//	  want: notices within its Keepalive and comes back (skipped unless the policy has Pings and a Keepalive)
//	  RFC 6455 §5.5.2
//	heartbeat/pongs-late
//	  the server answers the client's pings a fifth of the Keepalive late, for twice the Keepalive; then closes with 1001
//	  want: keeps to its policy whether it waits or reconnects (skipped unless the policy has Pings and a Keepalive)
//	  RFC 6455 §5.5.2, §5.5.3
//	session/long
//	  a healthy connection stays up for twice the Keepalive (or the ResetAfter), then the server closes with 1001
//	  want: keeps the healthy connection: the server ends it, not the client
//	frame/reserved-opcode
//	  a healthy connection gets a frame of the reserved opcode 3 (wire only)
//	  want: fails the connection and comes back after its first delay
//	  RFC 6455 §5.2, §7.1.7
//	frame/rsv1
//	  a healthy connection gets a text frame with RSV1 set, though no extension was agreed (wire only)
//	  want: fails the connection and comes back after its first delay
//	  RFC 6455 §5.2
//	frame/bad-utf8
//	  a healthy connection gets a text message that is not UTF-8 (wire only)
//	  want: fails the connection (1007) and comes back after its first delay
//	  RFC 6455 §8.1
//	frame/masked
//	  a healthy connection gets a masked frame (wire only)
//	  want: fails the connection and comes back after its first delay
//	  RFC 6455 §5.1
//	frame/fragmented-ping
//	  a healthy connection gets the first fragment of a ping: no FIN (wire only)
//	  want: fails the connection and comes back after its first delay
//	  RFC 6455 §5.5
//	frame/stray-continuation
//	  a healthy connection gets a continuation frame with no message begun (wire only)
//	  want: fails the connection and comes back after its first delay
//	  RFC 6455 §5.4
//	outage/crash
//	  the server crashes: every connection dropped at once, then it accepts again
//	  want: retries after its first delay
//	outage/down
//	  the server crashes and stays down (dials refused) for the first delay and half the second, then accepts
//	  want: comes back within its longest delay of the server coming back (skipped with MaxRetries under 3)
//	backoff/grows
//	  refused 503 again and again: MaxRetries times, or until the delay reaches its Max
//	  want: each delay grows by Factor up to Max; the last retry the policy allows is healthy
//	  RFC 6455 §7.2.3 (truncated exponential backoff)
//	backoff/gives-up
//	  refused 503 one time more than MaxRetries allows
//	  want: gives up after MaxRetries retries (skipped without MaxRetries)
//	backoff/reset
//	  refused a few times, then a healthy connection stays up past ResetAfter and is dropped
//	  want: waits its first delay again: the count started over
//	backoff/short-uptime
//	  refused a few times, then a connection is dropped before ResetAfter
//	  want: keeps counting: the next delay is the next one of the series (skipped without a ResetAfter)
//	stop/connected
//	  the client is stopped on a healthy connection
//	  want: closes it with a close frame and stops
//	  RFC 6455 §7.1.2
//	stop/no-close-reply
//	  the client is stopped on a connection whose server never answers its close frame
//	  want: closes it after its own close timeout and stops within StopTimeout
//	  RFC 6455 §7.1.1
//	stop/while-waiting
//	  the client is stopped while it waits to retry after a 503
//	  want: stops at once: no further attempt
//	stop/while-connecting
//	  the client is stopped while its handshake hangs
//	  want: gives the attempt up and stops
//
// # The invariants
//
// Every case checks every invariant (Invariants) on its Outcome, and some
// add an expectation of their own (the connection failed by the client
// after an invalid frame, a dead connection noticed within the
// Keepalive):
//
//   - backoff: every retry comes within the policy's delay after the
//     previous attempt was over, neither sooner (a hot loop) nor later;
//     after a failure the client comes back unless its policy gives up; a
//     hung handshake is given up after ConnectTimeout. The delay of the
//     k-th retry in a row is Backoff.Delay(k) within its Jitter and
//     Tolerance; a connection up ResetAfter starts the count over.
//   - healthy: every expectation of the script is met: the Healthy steps
//     on every connection, after each reconnect too; but for one the
//     connection ended before, not by the client's doing (the server
//     closed or dropped it, or the client failed it as it must: a
//     subprotocol it did not offer, an answer past ConnectTimeout).
//   - one-connection: the client never dials while a connection of its
//     own is open.
//   - gives-up: no attempt after a refusal with one of GiveUpStatuses, a
//     close with one of GiveUpCodes that reached the client, or
//     MaxRetries retries in a row.
//   - stops: stop returns within StopTimeout; no attempt after it; the
//     client closed its connection and gave up any pending attempt; no
//     goroutine of the client is left.
//
// The invariants read the server's side, the acceptor's log, and allow
// for what the script's faults hid from either end: after a blackhole
// towards the client, the client learns of an end only by its keepalive,
// up to Keepalive later; after an outage, its refused dials are in no log,
// and it must be back within its longest delay of the server; a goodbye
// of the client's that a fault held back (or the server's answer to it:
// no close reply, a backlog behind a bandwidth or a slicer) ends the
// connection for the server later than for the client, as late as the
// server's own drop; a close code a fault hid, or that came after
// something the client had to fail the connection on (a raw frame, a
// subprotocol it did not offer), may never have reached it.
//
// # Reading a failure
//
// A failed case prints what it does and wants, each violation, the
// attempts as the server saw them (those a violation is about marked with
// ✗), then the script's own report, step by step. Here a client forgot to
// subscribe after the server restarted (close/1012): the second connection
// waited 2 s for {"op":"subscribe"}, was closed with 1008 naming the step,
// and the client came back, healthy, on the third.
//
//	close/1012: the server closes with 1012 (service restart); want: reconnects after its first delay and resubscribes (IANA WebSocket close codes: 1012)
//	  healthy: attempt 2 (#2), step 1: want JSON containing {"op":"subscribe"}, got nothing within 2s
//	  attempts (the fake; min 1s, ×2, max 8s, reset after 5s up; stopped at +22s: the script was played and the client watched a while):
//	    #  at   gap  answer       messages  end
//	    1  +0s  -    accepted v1  ↓1 ↑1     server closed 1012 "restarting" clean at +0s
//	    2  +1s  1s   accepted v1  -         server closed 1008 "wsdouble: attempt 2, step 1: want JSON containing {\"op\":\"subscribe\"}, got nothing within 2s" clean at +3s  ✗ healthy
//	    3  +5s  2s   accepted v1  ↓5 ↑5     client closed 1000 "stop" clean at +22s
//	  scenario "close/1012": 3 attempts played, 1 mismatches
//	  mismatches:
//	    attempt 2 (#2), step 1: want JSON containing {"op":"subscribe"}, got nothing within 2s
//	  timeline:
//	    +0s attempt 1 (#1): accepted v1
//	      +0s step 1 expect JSON containing {"op":"subscribe"}: ← text "{\"op\":\"subscribe\"}" ✓
//	      +0s step 2 → text "{\"op\":\"subscribed\"}"
//	      +0s step 3 close 1012 "restarting"
//	      +0s end: server closed 1012 "restarting" clean
//	    +1s attempt 2 (#2) "healthy": accepted v1
//	      +3s step 1 expect JSON containing {"op":"subscribe"} ✗ got nothing within 2s
//	      +3s after the mismatch: close 1008 "wsdouble: attempt 2, step 1: want JSON containing {\"op\":\"subscribe\"}, got nothing within 2s"; step 2 not played
//	      +3s end: server closed 1008 "wsdouble: attempt 2, step 1: want JSON containing {\"op\":\"subscribe\"}, got nothing within 2s" clean
//	    +5s attempt 2 (#3) "healthy": accepted v1
//	      +5s step 1 expect JSON containing {"op":"subscribe"}: ← text "{\"op\":\"subscribe\"}" ✓
//	      +5s step 2 → text "{\"op\":\"subscribed\"}"
//	      +5s rule 2 on JSON containing {"op":"publish"}: ← text "{\"op\":\"publish\",\"n\":1}"
//	      +5s rule 2 → text "{\"op\":\"ack\",\"n\":1}"
//	      +5.2s rule 2 on JSON containing {"op":"publish"}: ← text "{\"op\":\"publish\",\"n\":2}"
//	      +5.2s rule 2 → text "{\"op\":\"ack\",\"n\":2}"
//	      +5.4s rule 2 on JSON containing {"op":"publish"}: ← text "{\"op\":\"publish\",\"n\":3}"
//	      +5.4s rule 2 → text "{\"op\":\"ack\",\"n\":3}"
//	      +15s rule 1 on JSON containing {"op":"ping"}: ← text "{\"op\":\"ping\"}"
//	      +15s rule 1 → text "{\"op\":\"pong\"}"
//	      +22s end: client closed 1000 "stop" clean
//
// # Play and scripts of your own
//
// Play plays any script against a client, on the transport the options
// choose, and returns its Outcome: the script's report, the acceptor's
// log, when the client was stopped and why (Settled), how its stop went,
// and the goroutines it left. The run settles when the script's last
// attempt, an accepted one, has played its steps and the client has been
// watched for the observation window (Observe: twice the first retry
// delay and the Keepalive), or when nothing has happened for longer than
// the policy allows any wait; MaxAttempts bounds a client in a hot loop.
// CheckInvariants checks an Outcome against the invariants, the built-in
// ones or the caller's: an Invariant is a function of the Outcome that
// returns Violations.
//
// # Clients in other languages
//
// The wsdouble command's exam puts a client started from a command line
// through the battery over loopback, a process per case, on real time with
// the client's durations scaled, several cases at once (--parallel, 4 by
// default: a case mostly waits, and each has a server of its own):
//
//	wsdouble exam --min-delay 1s --max-delay 30s --keepalive 15s --scale 0.1 -- node client.js {url} {scale}
//
// # Exploring
//
// The cases of a battery are designed; some reconnect bugs need an order
// of events nobody designs: a drop during the resubscribe, a 1012 while a
// ping is in flight, a refusal right after the backoff reset. Explore
// generates schedules instead, thousands of them, plays each against the
// client in a synctest bubble of its own, where minutes of backoff cost
// microseconds, checks it as the battery checks a case, and shrinks the
// first that fails to the smallest script that still does:
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
// blackhole may cut the connection without a word. On a transport with a
// wire (PlayWith(InMemory())), a step may also write a raw frame: one of
// the battery's invalid frames, the first fragment of a text message, an
// unsolicited pong; the fake has no wire for them. Durations come from a
// scale made of the Policy: the first retry delay and its cap, the uptime
// that resets the backoff, the keepalive, the connect timeout, the time
// the retries take to give up, and just either side of them. Nothing the
// client must say is generated: what a healthy client says is the
// Harness's Healthy steps, and a generated expectation would fail a
// client for not saying what nobody asked of it.
//
// Each schedule is played with Play, on the fake unless PlayWith says
// otherwise, and its Outcome checked with CheckInvariants: the built-in
// invariants (Invariants), and those the caller adds with Also, functions
// over the Outcome that say what only the harness knows. They read the
// attempt log, the messages of the report, and the client's own state: a
// client that calls Target.Expose from Start hands Play a function that
// says it (what it still holds to send, what it takes itself to be
// subscribed to), read once the client stopped as Outcome.State.
//
//	// delivered: every message the application queued reached the
//	// server, or the client still holds it.
//	delivered := clientcheck.Invariant{Name: "delivered", Check: func(o *clientcheck.Outcome) error { ... }}
//	clientcheck.Explore(t, harness, clientcheck.Also(delivered), clientcheck.PlayWith(clientcheck.InMemory()))
//
// A Property replaces all of it with a function of the caller's, which
// plays a script and says whether the client survived it.
//
// Explore plays the schedules of seeds Seed, Seed+1, ... (1, 2, ... by
// default), Workers at a time, until Runs have played (DefaultRuns) or
// its Budget of wall time is spent (DefaultBudget). The first schedule to
// fail, the one of the lowest seed whatever the Workers, is shrunk: tried
// without each attempt, then with a plainer answer, fewer steps (the
// connection ended at once rather than after the healthy steps, or one
// healthy step sooner), the rules answering, shorter durations of the
// scale, a drop for a reset, a plainer close code, a fault that always
// acts, in its default direction, with smaller parameters; the first of
// these that still fails replaces it, until none does, or until Shrinks
// runs (a count, not a time: the result does not depend on the machine).
// Explore reports a Found with t.Errorf: the seed, each violation, the
// attempts as the server saw them and the report, as a failed case shows
// them, then the shrunk script as a file and as Go code
// (scenario.GoSource), to paste into a regression test. Find returns the
// Found without reporting it (ExampleFind). For a client that forgets
// its subscription after a restart, the report begins:
//
//	clientcheck: schedule 17 (clientcheck.Seed(17) plays it first) fails, after 17 schedules:
//	  healthy: attempt 2 (#2), step 1: want JSON containing {"op":"subscribe"}, got nothing within 2s
//	  attempts (the fake; min 1s, reset after 0s up; stopped at +6s: the script was played and the client watched a while):
//	    #  at   gap  answer    messages  end
//	    1  +0s  -    accepted  -         server closed 1012 clean at +0s
//	    2  +1s  1s   accepted  -         server closed 1008 "wsdouble: attempt 2, step 1: ..." clean at +3s  ✗ healthy
//	    3  +4s  1s   accepted  ↓0 ↑1     client closed 1000 "stop" clean at +6s
//	  scenario "explore 17": 3 attempts played, 1 mismatches
//	  ...
//	shrunk in 8 runs from 5 attempts, 9 steps to 2 attempts, 2 steps (minimal):
//
// and ends with the script:
//
//	s, err := scenario.New("explore 17, shrunk").
//		Attempt().Accept().Close(1012, "").
//		Attempt().Label("healthy").Accept().
//		ExpectJSON(`{"op":"subscribe"}`).Within(2 * time.Second).
//		Repeat().
//		Build()
//
// The same seed gives the same schedules on every run, machine and Go
// release, and, for a client that fails the same way every time it plays
// the same script, the same shrunk script, byte for byte.
//
// Fuzz does the same from Go's fuzzing: each fuzz input draws a schedule
// (the empty input the simplest), so go test -fuzz explores, keeps the
// inputs that reach new code as its corpus, and reports a failure shrunk.
// wsdouble serve --explore SEED plays a generated schedule over loopback,
// so that a person can watch one in the live timeline.
//
// A schedule costs little: a bubble is about 5 µs, and on two cores
// Explore plays some 2,800 schedules a second on the fake against the
// reconnecting example as its tests configure it, checked with the
// invariants (examples/reconnecting's BenchmarkExplore). Most of the time is the runtime's: its
// scheduler, the garbage collector, and the tracebacks Play reads to tell
// a bubble's goroutines (runtime.Stack, which stops the world: a sixth
// of the CPU), then the player and the client. Bubbles run in parallel,
// one per worker. A client that leaves a goroutine blocked for ever makes
// its bubble end in synctest's deadlock panic; Explore takes that for the
// schedule failing (the leak is reported with its stack), shrinks it and
// reports it as any other: the goroutines stay blocked until the process
// ends.
package clientcheck
