package bench

import (
	"testing"

	"github.com/gorilla/websocket"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/wstest"
)

// BenchmarkConnect: one op makes a client, completes the opening handshake,
// then closes cleanly (a close frame each way) and waits for the end.
// gorilla-loopback is the baseline for loopback.
func BenchmarkConnect(b *testing.B) {
	b.Run("fake", func(b *testing.B) {
		d := wstest.NewFakeDialer(b, wstest.AutoAccept(nil))
		benchConnect(b, d.Constructor(), "ws://bench.invalid/")
	})
	b.Run("memory", func(b *testing.B) {
		srv := wstest.NewServer(b, wstest.AutoAccept(nil))
		benchConnect(b, srv.Constructor(), wstest.MemoryURL)
	})
	b.Run("loopback", func(b *testing.B) {
		srv := wstest.NewServer(b, wstest.AutoAccept(nil))
		benchConnect(b, wsdouble.New, srv.URL())
	})
	b.Run("gorilla-loopback", func(b *testing.B) {
		url := newGorillaLoopback(b)
		b.ReportAllocs()
		for b.Loop() {
			c, _, err := websocket.DefaultDialer.Dial(url, nil)
			if err != nil {
				b.Fatalf("connect: dial: %v", err)
			}
			if err := closeGorilla(c); err != nil {
				b.Fatalf("connect: %v", err)
			}
		}
	})
}

// benchConnect times a wsdouble socket's whole life: the constructor, the
// open event, Close(1000, "") and the close event.
func benchConnect(b *testing.B, ctor wsdouble.Constructor, url string) {
	b.ReportAllocs()
	for b.Loop() {
		s, err := dialSocket(ctor, url)
		if err != nil {
			b.Fatalf("connect: %v", err)
		}
		if err := s.close(); err != nil {
			b.Fatalf("connect: %v", err)
		}
	}
}
