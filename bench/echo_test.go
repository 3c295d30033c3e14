package bench

import (
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/wstest"
)

// echoPayload is the message of BenchmarkEcho: 64 bytes of text.
var echoPayload = strings.Repeat("x", 64)

// BenchmarkEcho: one op is a 64-byte text message sent by the client and
// echoed back by the server, until the client has it. gorilla-pipe is the
// baseline for memory, gorilla-loopback for loopback.
func BenchmarkEcho(b *testing.B) {
	b.Run("fake", func(b *testing.B) {
		d := wstest.NewFakeDialer(b, wstest.AutoAccept(wstest.Echo))
		benchEcho(b, d.Constructor(), "ws://bench.invalid/")
	})
	b.Run("memory", func(b *testing.B) {
		srv := wstest.NewServer(b, wstest.AutoAccept(wstest.Echo))
		benchEcho(b, srv.Constructor(), wstest.MemoryURL)
	})
	b.Run("loopback", func(b *testing.B) {
		srv := wstest.NewServer(b, wstest.AutoAccept(wstest.Echo))
		benchEcho(b, wsdouble.New, srv.URL())
	})
	b.Run("gorilla-pipe", func(b *testing.B) {
		benchGorillaEcho(b, dialGorillaPipe(b))
	})
	b.Run("gorilla-loopback", func(b *testing.B) {
		c, _, err := websocket.DefaultDialer.Dial(newGorillaLoopback(b), nil)
		if err != nil {
			b.Fatalf("gorilla-loopback: dial: %v", err)
		}
		defer func() {
			if err := closeGorilla(c); err != nil {
				b.Error(err)
			}
		}()
		benchGorillaEcho(b, c)
	})
}

// benchEcho times echoes through a wsdouble socket made by ctor, open
// before the timer starts and closed cleanly after it stops.
func benchEcho(b *testing.B, ctor wsdouble.Constructor, url string) {
	s, err := dialSocket(ctor, url)
	if err != nil {
		b.Fatal(err)
	}
	m := wsdouble.Text(echoPayload)
	b.ReportAllocs()
	cpu := cpuPerOp(b)
	for b.Loop() {
		if err := s.ws.Send(m); err != nil {
			b.Fatalf("echo: Send: %v", err)
		}
		if err := s.waitMessage(len(echoPayload)); err != nil {
			b.Fatalf("echo: %v", err)
		}
	}
	cpu()
	if err := s.close(); err != nil {
		b.Error(err)
	}
}

// benchGorillaEcho times echoes through a raw gorilla connection.
func benchGorillaEcho(b *testing.B, c *websocket.Conn) {
	data := []byte(echoPayload)
	b.ReportAllocs()
	cpu := cpuPerOp(b)
	for b.Loop() {
		if err := c.WriteMessage(websocket.TextMessage, data); err != nil {
			b.Fatalf("echo: WriteMessage: %v", err)
		}
		_, got, err := c.ReadMessage()
		if err != nil {
			b.Fatalf("echo: ReadMessage: %v", err)
		}
		if len(got) != len(data) {
			b.Fatalf("echo: got %d bytes, want %d", len(got), len(data))
		}
	}
	cpu()
}
