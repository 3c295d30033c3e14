package scenario_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// A script built in Go, written in the file format.
func ExampleNew() {
	s, err := scenario.New("flaky").
		Attempt().Refuse(503).Header("Retry-After", "1").
		Attempt().After(2*time.Second).Accept().
		ExpectJSON(`{"op":"subscribe"}`).
		SendText("welcome").
		Close(wsdouble.CloseServiceRestart, "deploy").
		Build()
	if err != nil {
		panic(err)
	}
	b, _ := scenario.Marshal(s)
	os.Stdout.Write(b)
	// Output:
	// {
	//   "version": 1,
	//   "name": "flaky",
	//   "attempts": [
	//     {
	//       "refuse": {
	//         "status": 503,
	//         "headers": {
	//           "Retry-After": "1"
	//         }
	//       }
	//     },
	//     {
	//       "after": "2s",
	//       "accept": {},
	//       "steps": [
	//         {"expect": {"json": {"op":"subscribe"}}},
	//         {"send": {"text": "welcome"}},
	//         {"close": {"code": 1012, "reason": "deploy"}}
	//       ]
	//     }
	//   ]
	// }
}

// Parse reports every problem with its line, column, attempt and step.
func ExampleParse() {
	_, err := scenario.Parse(strings.NewReader(`{
  "version": 1,
  "attempts": [
    {"accept": {}, "steps": [{"close": {"code": 1006}}, {"wait": "soon"}]}
  ]
}`))
	fmt.Println(err)
	// Output:
	// 4:40: attempt 1, step 1: close: wsdouble: invalid close code: 1006 may not be sent in a close frame (RFC 6455 §7.4)
	// 4:66: attempt 1, step 2: wait: bad duration "soon" (want a string such as "2s" or "1m30s")
}

// Run plays a script against an acceptor, here a fake, while a client
// connects: its report is a timeline of what happened.
func ExampleRun() {
	d := wstest.NewFakeDialer(nil)
	defer d.Close()
	s, _ := scenario.New("greeting").
		Attempt().Accept().SendText("hello").ExpectText("hi").Close(1000, "").
		Build()

	// The client: answers "hello" with "hi".
	ws, _ := d.Constructor()("ws://example.test/")
	ws.AddEventListener(wsdouble.EventMessage, wsdouble.ListenerFunc(func(e wsdouble.Event) {
		ws.Send(wsdouble.Text("hi"))
	}))

	report, err := scenario.Run(context.Background(), d, s)
	fmt.Println(err)
	fmt.Print(report.Outline())
	// Output:
	// <nil>
	// scenario "greeting": 1 attempts played, ok
	// timeline:
	//   attempt 1 (#1): accepted
	//     step 1 → text "hello"
	//     step 2 expect text "hi": ← text "hi" ✓
	//     step 3 close 1000
	//     end: server closed 1000 clean
}

// A Recorder wraps the client's Constructor; its Script makes a server do
// again what the real one did. MinWait leaves out pauses too short to
// matter.
func ExampleRecorder() {
	real := wstest.NewFakeDialer(nil, wstest.AutoAccept(func(p wstest.Peer) {
		p.Send(wsdouble.Text("price 42"))
		p.Close(4000, "market closed")
	}))
	defer real.Close()

	rec := scenario.NewRecorder(real.Constructor(), scenario.MinWait(time.Second))
	ws, _ := rec.Constructor()("ws://example.test/")
	done := make(chan struct{})
	ws.AddEventListener(wsdouble.EventClose, wsdouble.ListenerFunc(func(wsdouble.Event) { close(done) }))
	<-done

	s, _ := rec.Script("market")
	b, _ := scenario.Marshal(s)
	os.Stdout.Write(b)
	// Output:
	// {
	//   "version": 1,
	//   "name": "market",
	//   "attempts": [
	//     {
	//       "accept": {},
	//       "steps": [
	//         {"send": {"text": "price 42"}},
	//         {"close": {"code": 4000, "reason": "market closed"}}
	//       ]
	//     }
	//   ]
	// }
}

// A printer that sets parts of the timeline apart: here in brackets, where
// a terminal would use colours.
func ExampleEntry_Format() {
	style := func(part scenario.Part, text string) string {
		switch part {
		case scenario.PartOutgoing, scenario.PartFailure, scenario.PartHeld:
			return "[" + text + "]"
		}
		return text
	}
	pong := wsdouble.Text("pong")
	for _, e := range []scenario.Entry{
		{Kind: scenario.MessageSent, Step: 1, Action: "send", Message: &pong},
		{Kind: scenario.MessageExpected, Step: 2, Action: "expect", Detail: `text "pong"`, Message: &pong},
		{Kind: scenario.MessageExpected, Step: 3, Action: "expect", Detail: `text "bye"`, Err: errors.New("got nothing within 10s")},
	} {
		fmt.Println(e.Format(style))
	}
	// Output:
	// step 1 [→ text "pong"]
	// step 2 expect text "pong": ← text "pong" [✓]
	// step 3 expect text "bye" [✗ got nothing within 10s]
}
