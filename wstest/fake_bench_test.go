package wstest_test

import (
	"testing"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/internal/bubbletest"
	"github.com/wsdouble/wsdouble/wstest"
)

// BenchmarkFakeMessage: the server end sends a 64-byte text message; one op
// ends when the client's listener has it.
func BenchmarkFakeMessage(b *testing.B) {
	d := wstest.NewFakeDialer(b)
	ws, err := d.Constructor()("ws://bench.test/")
	if err != nil {
		b.Fatal(err)
	}
	got := make(chan struct{})
	ws.AddEventListener(wsdouble.EventMessage, wsdouble.ListenerFunc(func(wsdouble.Event) { got <- struct{}{} }))
	a, err := d.NextAttempt(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	p, err := a.Accept(wstest.AcceptOptions{})
	if err != nil {
		b.Fatal(err)
	}
	m := wsdouble.Text(string(make([]byte, 64)))
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Send(m); err != nil {
			b.Fatal(err)
		}
		<-got
	}
	b.StopTimer()
	ws.Close(wsdouble.CloseNormalClosure, "")
}

// BenchmarkFakeReconnect: one op constructs a fake, accepts it, waits for
// open, drops it and waits for its close event.
func BenchmarkFakeReconnect(b *testing.B) {
	d := wstest.NewFakeDialer(b)
	ctor := d.Constructor()
	ctx := b.Context()
	events := make(chan struct{}, 3)
	l := wsdouble.ListenerFunc(func(wsdouble.Event) { events <- struct{}{} })
	b.ReportAllocs()
	for b.Loop() {
		ws, err := ctor("ws://bench.test/")
		if err != nil {
			b.Fatal(err)
		}
		ws.AddEventListener(wsdouble.EventOpen, l)
		ws.AddEventListener(wsdouble.EventError, l)
		ws.AddEventListener(wsdouble.EventClose, l)
		a, err := d.NextAttempt(ctx)
		if err != nil {
			b.Fatal(err)
		}
		p, err := a.Accept(wstest.AcceptOptions{})
		if err != nil {
			b.Fatal(err)
		}
		<-events // open
		p.Drop()
		<-events // close (a drop fires no error event, as in the browser)
	}
}

// BenchmarkFakeBackoff: one op is the whole 10-attempt scenario of
// TestBackoffOnAReconnectingClient (about 17 minutes of virtual time)
// inside a synctest bubble: a reconnecting client, nine refusals, an accept,
// a message, a drop and the eleventh attempt.
func BenchmarkFakeBackoff(b *testing.B) {
	b.ReportAllocs()
	bubbletest.Run(b, func(t *testing.T) {
		for range b.N {
			d := wstest.NewFakeDialer(nil)
			r := startReconnector(d.Constructor(), "ws://flaky.test/", time.Second, 512*time.Second)
			flaky(t, d, r)
			d.Close()
		}
	})
}
