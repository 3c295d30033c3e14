package scenario_test

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// TestStallStep: a stall step holds what the server sends next until the
// stall ends; it comes from the fault table, with no code of its own here.
func TestStallStep(t *testing.T) {
	const file = `{"version": 1, "attempts": [{"accept": {}, "steps": [
		{"stall": {"delay": "2s"}},
		{"send": {"text": "held"}},
		{"close": {"code": 1000}}
	]}]}`
	s, err := scenario.Parse(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t)
		pb := scenario.Play(t, d, s)
		ws, err := d.Constructor()("ws://stall.test/")
		if err != nil {
			t.Fatal(err)
		}
		var opened time.Time
		got := make(chan time.Duration, 1)
		ws.AddEventListener(wsdouble.EventOpen, wsdouble.ListenerFunc(func(wsdouble.Event) { opened = time.Now() }))
		ws.AddEventListener(wsdouble.EventMessage, wsdouble.ListenerFunc(func(wsdouble.Event) { got <- time.Since(opened) }))
		if at := <-got; at != 2*time.Second {
			t.Errorf("the message came %v after open, want 2s (the stall)", at)
		}
		rep, err := pb.Wait(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(rep.String(), "stall 2s") {
			t.Errorf("report:\n%s\nwant the stall step", rep)
		}
	})
}
