// Package scenario is one language for disconnect scenarios — "attempt 1:
// accept, send hello, drop; attempt 2: refuse 503; attempt 3: accept after
// 2 s, expect a resubscribe, close 4000" — played unchanged against any
// wstest.Acceptor: the fake (wstest.FakeDialer), the in-memory server and
// the loopback server (wstest.Server).
//
// A Script is built in Go (New), read from a JSON file (Parse, Load),
// recorded from a real session on the client's side (Recorder) or through a
// recording proxy (Proxy), or imported from a browser's HAR file (FromHAR).
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
// attempt is answered and its steps done; a repeating script plays until
// stopped. An Expect takes the client's next message; a message the client
// sent that no step took is listed in the report, not counted as a
// mismatch. Under testing/synctest every wait is virtual: a script with
// minutes of pauses plays in microseconds. TimeScale compresses pauses in
// real time.
//
// The same script gives the same Report.Outline (the report without times)
// on every layer; on virtual time the fake and the in-memory server agree
// to the nanosecond.
//
// # The file format
//
// A script file is one JSON object, strictly read: unknown fields, wrong
// types, invalid codes, negative or malformed durations and bad regular
// expressions are errors, every one reported with its line, column,
// attempt, step and field (see ParseError). Durations are Go duration
// strings ("250ms", "2s", "1m30s"). Marshal writes the canonical form, and
// Parse(Marshal(s)) is s.
//
//	{
//	  "version": 1,                    required; this package reads version 1
//	  "name": "flaky",                 optional
//	  "description": "...",            optional
//	  "attempts": [ attempt, ... ]     required, not empty
//	}
//
// An attempt has exactly one answer, accept, refuse or hang:
//
//	{
//	  "label": "warming up",           optional, shown in reports
//	  "after": "2s",                   optional: wait before answering
//	  "accept": {                      complete the handshake
//	    "subprotocol": "v1",           optional; else the acceptor chooses
//	    "headers": {"X-A": "1"}        optional; a value is a string or an array of strings
//	  },
//	  "refuse": {                      or answer with an HTTP status
//	    "status": 503,                 required, 200-599
//	    "headers": {"Retry-After": "5"},
//	    "body": "busy"
//	  },
//	  "hang": {},                      or never answer
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
//	{"close": {"code": 4000, "reason": "bye"}}   closing handshake from the server; {} for no code
//	{"drop": {}}                                 drop the connection, no close frame
//	{"expect_close": {"code": 1000}}             the client closes (code optional; 1005: a close frame
//	                                             without a code; 1006: it goes away without one);
//	                                             "timeout" as for expect
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
// Recordings never keep the values of DefaultRedactedHeaders; RedactHeaders
// adds names and BeforeSave hooks edit the script before it is returned
// (to redact tokens inside messages, say).
//
// FromHAR imports the WebSocket connections of a HAR file saved by Chrome's
// DevTools or by Playwright.
package scenario
