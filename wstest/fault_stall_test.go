package wstest_test

import (
	"testing"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/wstest"
)

// TestFaultStall: nothing crosses a stalled connection either way until
// the stall ends, then everything queued crosses, in order, and the link
// is as fast as before; a client's close frame is answered after it.
func TestFaultStall(t *testing.T) {
	forLayers(t, nil, func(e *env) {
		ws, r, p := e.open()
		stall := e.d(5 * time.Second)
		start := time.Now()
		e.inject(p, wstest.Stall(stall))
		time.Sleep(e.d(time.Second))
		p.Send(wsdouble.Text("one"))
		p.Send(wsdouble.Text("two"))
		ws.Send(wsdouble.Text("up"))
		m, err := p.Receive(e.t.Context())
		if err != nil || string(m.Data) != "up" {
			e.t.Fatalf("Receive: %v %v", m, err)
		}
		if got := time.Since(start); e.layer.virtual && got != stall || got < stall {
			e.t.Errorf("the client's message arrived %v after the stall began, want %v", got, stall)
		}
		r.waitFor(e.t, 2)
		e.checkAt(r, 0, stall)
		e.checkAt(r, 1, stall)
		if got, want := r.String(), `[message text "one", message text "two"]`; got != want {
			e.t.Errorf("events: got %s, want %s", got, want)
		}
		// After the stall the link is as fast as before.
		time.Sleep(e.d(time.Second))
		sent := time.Now()
		p.Send(wsdouble.Text("three"))
		r.waitFor(e.t, 3)
		if got := r.when(2) - sent.Sub(r.start); e.layer.virtual && got != 0 {
			e.t.Errorf("a message after the stall took %v, want none", got)
		}
		// A stall that does not apply (probability 0) holds nothing.
		e.inject(p, wstest.Stall(stall).Probability(0))
		ws.Close(wsdouble.CloseNormalClosure, "")
		r.waitFor(e.t, 4)
		if end := e.end(p); end.Kind != wstest.ClientClosed || !end.Clean {
			e.t.Errorf("end: %v, want the client's close, answered", end)
		}
	})
}

// TestFaultStallHoldsTheClose: the server's close frame waits for the
// stall's end too.
func TestFaultStallHoldsTheClose(t *testing.T) {
	forLayers(t, nil, func(e *env) {
		_, r, p := e.open()
		stall := e.d(3 * time.Second)
		e.inject(p, wstest.Stall(stall))
		p.Close(4000, "bye")
		r.waitFor(e.t, 1)
		e.checkAt(r, 0, stall)
		if got, want := r.String(), `[close 4000 "bye" clean]`; got != want {
			e.t.Errorf("events: got %s, want %s", got, want)
		}
	})
}
