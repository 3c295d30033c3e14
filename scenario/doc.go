// Package scenario is one language for disconnect scenarios — "attempt 1:
// accept, send hello, drop; attempt 2: refuse 503; attempt 3: accept after
// 2 s, expect a resubscribe, close 4000" — played unchanged against any
// wstest.Acceptor: the fake (wstest.FakeDialer), the in-memory server and
// the loopback server (wstest.Server).
//
// A Script is built in Go (New), read from a JSON file (Parse, Load),
// recorded from a real session on the client's side (Recorder) or through a
// recording proxy (Proxy), or imported from a browser's HAR file (FromHAR).
// Marshal writes it as a file, GoSource as the Go code that builds it, to
// paste into a test.
// Run plays it and returns a Report: a timeline of every attempt, its
// answer, its steps with the messages each way, how it ended, and every
// mismatch between what the script expected and what the client did. Play
// runs it in the background of a test and reports failures at cleanup.
//
//	s, err := scenario.New("flaky").
//		Attempt().Accept().SendText("hello").Drop().
//		Attempt().Refuse(503).
//		Attempt().After(2 * time.Second).Accept().ExpectJSON(`{"op":"subscribe"}`).Close(4000, "bye").
//		Build()
//
//	synctest.Test(t, func(t *testing.T) {
//		d := wstest.NewFakeDialer(t)
//		scenario.Play(t, d, s)
//		client := myclient.New(d.Constructor())
//		...
//	})
//
// # Playing
//
// Run takes attempts from the acceptor in order: the i-th attempt is
// answered by the script's i-th attempt (the last one again for every
// further attempt when it repeats). It waits After, answers, and runs the
// steps of an accepted attempt on its own goroutine, so later attempts are
// answered while earlier connections live on (a client that gives up on a
// half-open connection and reconnects). Run returns once every scripted
// attempt is answered, its steps are done and every hung attempt has been
// given up by its client (a hang lasts until the client's own handshake
// timeout, on every acceptor); a repeating script plays until stopped. When
// Run's context ends first, the report's Pending says what it was still
// waiting for. An Expect takes the client's next message; a message the
// client sent that no step took is listed in the report, not counted as a
// mismatch. Under testing/synctest every wait is virtual: a script with
// minutes of pauses plays in microseconds. TimeScale compresses pauses in
// real time. OnProgress reports each line of the timeline as it happens
// (the wsdouble command's live view is built on it).
//
// The same script gives the same Report.Outline (the report without times)
// on every layer; on virtual time the fake and the in-memory server agree
// to the nanosecond.
//
// WriteHTML draws reports as a self-contained HTML page: a lane per
// attempt along time, the messages each way (their payloads on hover),
// expectations met and missed, faults, closes and drops. Under go test
// -artifacts, a failed Play leaves that drawing in the test's artifact
// directory and names it in its failure.
//
// # Mismatches
//
// One rule covers every step the client does not meet: an Expect that gets
// the wrong message, or none within its timeout, or sees the connection
// end; an ExpectClose that sees another end, or none in time. The mismatch
// is listed in the report, and it ends its attempt:
//
//   - the attempt's remaining steps are not played (the timeline says which);
//   - if the connection is still open, the server closes it with code 1008
//     (MismatchCloseCode, "policy violation", RFC 6455 §7.4.1) and a reason
//     that names the attempt, the step and what it wanted, for example
//     `wsdouble: attempt 2, step 1: want text "hello", got text "hi"`, cut
//     to the 123 bytes a close frame allows; the closing handshake then
//     runs as for a Close step;
//   - later attempts are played as usual: a reconnecting client meets the
//     next one.
//
// A close with a code and a reason, rather than a drop, is what a person
// debugging the client wants: the client's own logs (its close event)
// name the step it failed, the close is clean and cannot be mistaken for a
// network fault, and the client, told at once, reconnects to the rest of
// the script instead of waiting on a connection the script has given up
// on (which left Run, and wsdouble serve --once, waiting for ever).
//
// # Many clients
//
// An attempt with "clients": N (AttemptBuilder.Clients) answers N attempts
// in a row, each connection playing the attempt's steps and rules on its
// own, as N clients connecting at once; a gather step waits until all N
// have come to it, so that the steps after it play on every connection at
// the same moment. "N clients connect; drop them all; they come back" (a
// stampede) is two such attempts:
//
//	s, err := scenario.New("stampede").TellClientsApart(scenario.ClientID{Query: "client"}).
//		Attempt().Clients(5).Accept().Gather().Drop().
//		Attempt().Clients(5).Accept().ExpectJSON(`{"op":"subscribe"}`).Gather().Close(1001, "").
//		Build()
//
// A broadcast step sends a message to every connection of the run that is
// open, its own included. With Script.Client the run tells the clients
// apart (by a query parameter of the handshake's URL, or a header), and
// the report numbers each client's attempts: attempt 2 (#7, client "3"
// #2) is the seventh attempt the acceptor saw, answered by the script's
// second attempt, and client 3's second. drop_all remains the crash of the
// whole server, every connection and pending attempt at once.
//
// # Rules
//
// Beside its steps, an accepted attempt may have rules: each takes the
// client's messages that its matcher matches (exact, regexp, JSON subset,
// any: as for Expect) and answers them, for as long as the connection is
// open. Rules are how a script answers requests whose replies carry the
// request's id (JSON-RPC, graphql-transport-ws), in whatever order they
// come, and an application-level heartbeat while its steps wait or send.
//
//	s, err := scenario.New("json-rpc").
//		Attempt().Accept().
//		OnJSON(`{"method":"eth_subscribe"}`).ReplyJSON(`{"jsonrpc":"2.0","id":"{{$.id}}","result":"0x1"}`).PassOn().
//		OnJSON(`{"op":"ping"}`).ReplyJSON(`{"op":"pong"}`).Delay(2 * time.Second).
//		ExpectJSON(`{"method":"eth_subscribe"}`).
//		SendJSON(`{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"0x1","result":1}}`).
//		Drop().
//		Build()
//
// Who takes a message: every message the client sends goes to the rules
// first, in their order; the first rule that takes it answers it, and the
// steps never see it, unless that rule passes it on (PassOn), in which
// case it goes on to the steps once answered. A rule takes a message when
// its matcher matches it, it has answers left (Times), and the message has
// every value its reply captures. A message no rule takes goes to the
// steps, in order: the next Expect (or echo, expect_close) takes it, as it
// would without rules, whether it waits already or comes to it later; so an
// Expect waiting for a resubscribe is not disturbed by heartbeats a rule
// answers, and a message a rule answers cannot make an Expect fail. A
// message that neither a rule nor a step took is extra, as without rules:
// listed in the report, no mismatch.
//
// A rule answers with its replies, in order, after its delay (one message
// at a time: while a rule waits, the rules take no other message), then
// ends the connection if it says so (close or drop). Its replies may carry
// values of the message, {{...}} in their text:
//
//	{{$.id}}       the value at this JSON path of the message: $ is the whole
//	               message, .name a member, [n] an element
//	{{1}}          the text of group 1 of the rule's regexp ({{0}}: the match)
//	{{name}}       the text of the regexp's group (?P<name>...)
//
// In a JSON reply, a string that is one placeholder becomes the captured
// JSON value itself: "{{$.id}}" answers an id of 7 with 7 and of "7" with
// "7". Elsewhere (in a longer string, in a text reply) a placeholder
// becomes the value's text: a string's characters, any other value's
// JSON. Every {{ starts a placeholder. A binary reply takes none.
//
// The report shows which rule answered which message: "rule 2 on JSON
// containing {...}: ← text ...", then "rule 2 → text ..." for each reply.
// An attempt with rules lasts until its connection ends, after its steps
// if need be; a run stopped before says so in its Pending (no failure, as
// for a hung attempt). A step that waits on the connection sees a rule's
// close or drop as it sees any end: put such rules where no step waits.
//
// # Limits
//
// A report keeps a bounded history, so that a script that repeats for
// hours (wsdouble serve) does not grow without end: every entry's message
// keeps at most MaxReportPayload bytes of its payload, and Entry.Size the
// whole size; a report keeps MaxReportEntries entries in all, and counts
// the others in their attempt's Unkept, which the timeline prints ("… 12,345
// more messages, 600 MiB, not kept"); it lists MaxReportMismatches
// mismatches and counts the others. OnProgress sees every entry, trimmed
// the same way.
//
// Parse reads at most 64 MiB, and its heap stays within about 20 times
// the script's size; it refuses a regular expression longer than
// MaxRegexpSize before compiling it, and checks the others' syntax without
// compiling them (a step compiles its regexp when it first plays).
//
// # The file format
//
// A script file is one JSON object in UTF-8, strictly read: unknown
// fields, duplicate keys, wrong types, invalid codes, negative or malformed
// durations and bad regular expressions are errors, every one reported
// with its line, column, attempt, step and field (see ParseError). A UTF-8
// byte order mark at the start is skipped (RFC 8259 §8.1 allows it;
// columns count from after it); a file in UTF-16 is refused as such.
// Durations are Go duration strings ("250ms", "2s", "1m30s"). Marshal
// writes the canonical form, and Parse(Marshal(s)) is s.
//
//	{
//	  "version": 1,                    required; this package reads version 1
//	  "name": "flaky",                 optional
//	  "description": "...",            optional
//	  "client": {"query": "id"},       optional: tell clients apart by this query parameter
//	                                   of the handshake's URL, or {"header": "X-Client"} by a
//	                                   header; the report numbers each client's attempts
//	  "attempts": [ attempt, ... ]     required, not empty
//	}
//
// An attempt has exactly one answer, accept, refuse, hang or abort:
//
//	{
//	  "label": "warming up",           optional, shown in reports
//	  "after": "2s",                   optional: wait before answering
//	  "clients": 5,                    optional: answer this many attempts in a row, as many
//	                                   clients connecting at once (default 1)
//	  "accept": {                      complete the handshake
//	    "subprotocol": "v1",           optional; else the acceptor chooses; "" answers with
//	                                   none, which fails a client that offered some
//	    "headers": {"X-A": "1"},       optional; a value is a string or an array of strings
//	    "extensions": "x-ext; a=1"     optional: the Sec-WebSocket-Extensions answer; one the
//	                                   client did not offer fails the connection (Fetch)
//	  },
//	  "refuse": {                      or answer with an HTTP status
//	    "status": 503,                 required, 200-599
//	    "headers": {"Retry-After": "5"},
//	    "body": "busy"
//	  },
//	  "hang": {},                      or never answer
//	  "abort": {},                     or close the connection mid-handshake, no answer at all
//	  "rules": [ rule, ... ],          only with accept: answer messages beside the steps
//	  "steps": [ step, ... ],          only with accept
//	  "repeat": true                   only on the last attempt: answer every further attempt too
//	}
//
// A step is an object with one action and an optional "label":
//
//	{"send": {"text": "hello"}}                  send a text message
//	{"send": {"binary": "AAEC"}}                 send a binary message (base64)
//	{"send": {"json": {"op": "ping"}}}           send a JSON value as text
//	{"expect": {"text": "pong"}}                 the client's next message is exactly this text
//	{"expect": {"binary": "AQI="}}               ... exactly these bytes (base64)
//	{"expect": {"regexp": "^ack [0-9]+$"}}       ... text the regular expression matches
//	{"expect": {"json": {"op": "subscribe"}}}    ... JSON containing this value: object keys not
//	                                             listed are ignored, arrays match element by element
//	{"expect": {"any": true}}                    ... any message; "text" or "binary" for one type
//	{"expect": {"text": "x", "timeout": "5s"}}   every expect waits at most its timeout (default 10s)
//	{"wait": "30s"}                              pause
//	{"echo": {"messages": 5}}                    send the client's next 5 messages back to it;
//	                                             "for": "30s" to echo for a while; {} until the
//	                                             connection ends
//	{"broadcast": {"text": "news"}}              send to every open connection of the run (fields
//	                                             as for send); the report lists who got it
//	{"gather": {}}                               wait until every connection of this attempt
//	                                             ("clients") has come to this step; "timeout"
//	                                             as for expect
//	{"close": {"code": 4000, "reason": "bye"}}   closing handshake from the server; {} for no code
//	{"drop": {}}                                 drop the connection, no close frame
//	{"expect_close": {"code": 1000}}             the client closes (code optional; 1005: a close frame
//	                                             without a code; 1006: it goes away without one);
//	                                             "timeout" as for expect
//
// A rule is an object, written on one line by Marshal:
//
//	{
//	  "on": {"json": {"op": "ping"}},  required: which messages it takes; one of "text",
//	                                   "binary", "regexp", "json" or "any", as for expect
//	  "reply": {"json": {"op": "pong", "id": "{{$.id}}"}},
//	                                   optional: a message as for send ("text", "binary" or
//	                                   "json"), or an array of them, sent in order; text and
//	                                   json take {{...}} placeholders; none: the rule takes
//	                                   the message and answers nothing (withholds)
//	  "delay": "2s",                   optional: wait before answering
//	  "times": 3,                      optional: answer only the first 3 messages it takes
//	  "pass_on": true,                 optional: hand each message on to the steps too
//	  "close": {"code": 4000},         optional: then close the connection, fields as the
//	                                   close step's
//	  "drop": {},                      or drop it
//	  "label": "heartbeat"             optional, shown in reports
//	}
//
// Faults (see wstest.Fault) are steps too. Every kind of
// wstest.FaultKinds is a step named for the kind, whose fields are the
// kind's parameters (FaultKindInfo.Params, by their Name: a duration as a
// string, a count or a rate as an integer; Required ones must be given,
// and of a OneOf kind exactly one), for example:
//
//	{"latency": {"delay": "200ms", "jitter": "50ms"}}  each message takes delay ± jitter
//	{"blackhole": {}}                                  deliver nothing, answer no ping, no close, no FIN
//	{"drop_after": {"messages": 10}}                   drop the connection after that many messages
//
// wstest.FaultKinds lists every kind with what it does, its parameters and
// their ranges; a kind added to it is a step at once. A fault step applies
// the fault to the connection from then on, until a heal step or the end
// of the connection.
//
// Each takes, besides its own fields, the optional "direction"
// ("to_client", "from_client" or "both"; the default is the kind's own,
// FaultKindInfo.Default), "probability" (0 to 1, default 1: each message,
// or for a fault that ends or slows the connection the fault as a whole,
// is affected with that probability; see wstest.Fault.Probability) and
// "seed" (an integer from 0 to 2^64-1, default 1, for the draws: the same
// seed gives the same run):
//
//	{"latency": {"delay": "1s", "direction": "to_client", "probability": 0.5, "seed": 7}}
//
// Four more steps act at once:
//
//	{"heal": {}}                                 remove every fault of the connection
//	{"reset": {}}                                abort the connection as a TCP RST does
//	{"drop_all": {}}                             drop every connection of the server and abort
//	                                             every attempt not yet answered: a crash
//	{"down": {"for": "10s"}}                     the server stops accepting (dials are refused)
//	                                             for that long, then comes back
//	{"down": {"for": "10s", "drop": true}}       a crash that stays down: the server stops
//	                                             accepting, then drops every connection
//
// drop_all and down need an acceptor that can go down: a wstest.Server or
// a wstest.FakeDialer.
//
// Heartbeats with the protocol's control frames (RFC 6455 §5.5.2, §5.5.3;
// see wstest.Peer.Ping). A payload is "text" (UTF-8) or "binary" (base64),
// at most 125 bytes; without one a ping or a pong is empty, and an
// expectation takes any:
//
//	{"ping": {"text": "hb"}}                     send a ping; the client answers with a pong
//	{"expect_pong": {"text": "hb"}}              the client's next pong carries exactly this;
//	                                             {} for any; "timeout" as for expect
//	{"pong": {"text": "hb"}}                     send a pong no ping asked for
//	{"expect_ping": {}}                          the client's next ping (any payload, or "text"
//	                                             or "binary" for exactly that); "timeout"
//	{"answer_pings": false}                      answer the client's pings from now on: true at
//	                                             once (the default), false never, "5s" that late
//
// The server answers the client's pings by itself, as answer_pings says,
// whether or not a step expects them; pings and pongs wait apart from the
// messages, so an expect never sees one. A browser, and so a Fake's client,
// answers pings by itself, never pings, and shows its listeners neither;
// the report shows the ping and the pong. Faults act on them as on close
// frames: a blackhole swallows them, a stall holds them. Heartbeats of the
// application ({"op": "ping"} messages) are messages: send and expect them.
//
// A raw frame, written exactly as given, for what no server may send (RFC
// 6455 §7.1.7: the client must fail the connection); it needs a wire, and
// fails on a Fake:
//
//	{"raw": {"opcode": "close", "code": 999}}    opcode: continuation, text, binary, close, ping,
//	                                             pong, or a number 0-15; code (0-65535): two
//	                                             bytes before the payload
//	{"raw": {"opcode": "text", "payload": "/w=="}}  the payload in base64; or "text" (UTF-8)
//	{"raw": {"opcode": "ping", "fin": false}}    the FIN bit, true unless given
//	{"raw": {"opcode": 3, "rsv1": true}}         the RSV bits, "rsv1", "rsv2", "rsv3"
//	{"raw": {"opcode": "text", "text": "x", "mask": "AQIDBA=="}}  masked with this 4-byte key
//
// A raw close frame does not start the server's closing handshake: the
// client's answer reads as its own close.
//
// Close codes follow RFC 6455 §7.4: 1004, 1005, 1006 and 1015 are never
// sent, and a reason is at most 123 bytes.
//
// # Recording
//
// A Recorder wraps the client's Constructor and records what each socket
// saw; a Proxy sits between the client and a real server and records both
// directions. Both produce a script that makes a test double play the
// server's part, with the recorded pauses (TimeScale(0) drops them).
// Recordings never keep the values of secret headers: DefaultRedactedHeaders
// and every header whose name contains token, key, secret, auth, session,
// cookie or password. RedactHeaders adds names, RedactFields redacts JSON
// fields inside messages, and BeforeSave hooks edit the script before it
// is returned. A Proxy given ProxyJournal keeps a journal of the recording
// as it goes, which RecoverJournal turns into a script after a crash.
//
// FromHAR imports the WebSocket connections of a HAR file saved by Chrome's
// DevTools or by Playwright.
package scenario
