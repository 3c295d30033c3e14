package scenario_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// TestEntryKinds: each entry of a run says what happened, as a kind, and
// its line follows from it.
func TestEntryKinds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t)
		s, err := scenario.New("kinds").
			Attempt().Accept().SendText("hi").Label("greet").ExpectText("a").Echo(1).ExpectClose(0).
			Attempt().Accept().ExpectText("x").Wait(time.Second).
			Build()
		if err != nil {
			t.Fatal(err)
		}
		// The client sends a and b, and once b is echoed, c and a close;
		// then it comes back and sends y.
		for _, say := range []string{"a b", "y"} {
			ws, err := d.Constructor()("ws://kinds.test/")
			if err != nil {
				t.Fatal(err)
			}
			ws.AddEventListener(wsdouble.EventOpen, wsdouble.ListenerFunc(func(wsdouble.Event) {
				for m := range strings.FieldsSeq(say) {
					ws.Send(wsdouble.Text(m))
				}
			}))
			ws.AddEventListener(wsdouble.EventMessage, wsdouble.ListenerFunc(func(e wsdouble.Event) {
				if string(e.(wsdouble.MessageEvent).Data) == "b" {
					ws.Send(wsdouble.Text("c"))
					ws.Close(wsdouble.CloseNormalClosure, "")
				}
			}))
		}
		rep, _ := scenario.Run(t.Context(), d, s)
		type line struct {
			kind scenario.EntryKind
			text string
		}
		want := [][]line{{
			{scenario.MessageSent, `step 1 → text "hi" [greet]`},
			{scenario.MessageExpected, `step 2 expect text "a": ← text "a" ✓`},
			{scenario.MessageEchoed, `step 3 ↔ text "b" (echoed)`},
			{scenario.StepPlayed, `step 3 echo 1 messages`},
			{scenario.MessageExtra, `← text "c" (not expected by any step)`},
			{scenario.EndExpected, `step 4 expect the client to close ✓`},
		}, {
			{scenario.MessageExpected, `step 1 expect text "x": ← text "y" ✗ got text "y"`},
			{scenario.AfterMismatch, `after the mismatch: close 1008 "wsdouble: attempt 2, step 1: want text \"x\", got text \"y\""; step 2 not played`},
		}}
		if len(rep.Attempts) != len(want) {
			t.Fatalf("%d attempts, want %d:\n%s", len(rep.Attempts), len(want), rep)
		}
		for i, a := range rep.Attempts {
			var got, exp []string
			for _, e := range a.Entries {
				got = append(got, fmt.Sprintf("%d %s", e.Kind, e))
			}
			for _, l := range want[i] {
				exp = append(exp, fmt.Sprintf("%d %s", l.kind, l.text))
			}
			if g, w := strings.Join(got, "\n"), strings.Join(exp, "\n"); g != w {
				t.Errorf("attempt %d:\n%s\nwant:\n%s", i+1, g, w)
			}
		}
	})
}

// TestEntryFormat: a Style sees every part a printer may set apart, with
// its text; the rest of the line is as String has it.
func TestEntryFormat(t *testing.T) {
	names := map[scenario.Part]string{
		scenario.PartOutgoing: "out", scenario.PartNote: "note", scenario.PartMismatch: "mismatch",
		scenario.PartFailure: "failure", scenario.PartHeld: "held", scenario.PartStopped: "stopped", scenario.PartLabel: "label",
	}
	style := func(p scenario.Part, s string) string { return "<" + names[p] + ":" + s + ">" }
	hi := wsdouble.Text("hi")
	for _, tt := range []struct {
		e    scenario.Entry
		want string
	}{
		{scenario.Entry{Kind: scenario.MessageSent, Step: 1, Action: "send", Message: &hi, Label: "greet"},
			`step 1 <out:→ text "hi"><label: [greet]>`},
		{scenario.Entry{Kind: scenario.MessageEchoed, Step: 2, Action: "echo", Message: &hi},
			`step 2 <out:↔ text "hi"><note: (echoed)>`},
		{scenario.Entry{Kind: scenario.MessageExtra, Action: "extra", Message: &hi},
			`← text "hi"<note: (not expected by any step)>`},
		{scenario.Entry{Kind: scenario.MessageExpected, Step: 3, Action: "expect", Detail: `text "hi"`, Message: &hi},
			`step 3 expect text "hi": ← text "hi" <held:✓>`},
		{scenario.Entry{Kind: scenario.MessageExpected, Step: 3, Action: "expect", Detail: `text "hi"`, Err: errors.New("got nothing within 10s")},
			`step 3 expect text "hi" <failure:✗ got nothing within 10s>`},
		{scenario.Entry{Kind: scenario.MessageExpected, Step: 3, Action: "expect", Detail: `text "hi"`, Stopped: true},
			`step 3 expect text "hi"<stopped: (run stopped)>`},
		{scenario.Entry{Kind: scenario.EndExpected, Step: 4, Action: "expect_close", Detail: "expect the client to close"},
			`step 4 expect the client to close <held:✓>`},
		{scenario.Entry{Kind: scenario.StepPlayed, Step: 5, Action: "close", Detail: "close 4000"},
			`step 5 close 4000`},
		{scenario.Entry{Kind: scenario.AfterMismatch, Action: "mismatch", Detail: "after the mismatch: step 2 not played"},
			`<mismatch:after the mismatch: step 2 not played>`},
		{scenario.Entry{Kind: scenario.ControlSent, Step: 6, Action: "ping", Detail: `ping "hb"`},
			`step 6 <out:→ ping "hb">`},
		{scenario.Entry{Kind: scenario.ControlExpected, Step: 7, Action: "expect_pong", Detail: `pong "hb": ← pong "hb"`},
			`step 7 expect pong "hb": ← pong "hb" <held:✓>`},
	} {
		if got := tt.e.Format(style); got != tt.want {
			t.Errorf("Format:\n got %s\nwant %s", got, tt.want)
		}
		unstyled := tt.e.Format(func(_ scenario.Part, s string) string { return s })
		if got := tt.e.String(); got != unstyled || got != tt.e.Format(nil) {
			t.Errorf("String %q, Format(nil) %q, want both %q", got, tt.e.Format(nil), unstyled)
		}
	}
}
