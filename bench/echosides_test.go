package bench

import (
	"errors"
	"fmt"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/wstest"
)

// BenchmarkEchoSides splits the cost of Echo/loopback between its two ends
// and the hand-off from the client's dispatch goroutine to the benchmark
// goroutine: the same 64-byte echo over loopback TCP with one end, or the
// hand-off, swapped for raw gorilla (see the package doc).
func BenchmarkEchoSides(b *testing.B) {
	b.Run("server", func(b *testing.B) {
		srv := wstest.NewServer(b, wstest.AutoAccept(wstest.Echo))
		c, _, err := websocket.DefaultDialer.Dial(srv.URL(), nil)
		if err != nil {
			b.Fatalf("server: dial: %v", err)
		}
		defer func() {
			if err := closeGorilla(c); err != nil {
				b.Error(err)
			}
		}()
		benchGorillaEcho(b, c)
	})
	b.Run("client", func(b *testing.B) {
		benchEcho(b, wsdouble.New, newGorillaLoopback(b))
	})
	b.Run("client-inline", func(b *testing.B) {
		benchEchoInline(b, wsdouble.New, newGorillaLoopback(b))
	})
	b.Run("gorilla-hop", func(b *testing.B) {
		c, _, err := websocket.DefaultDialer.Dial(newGorillaLoopback(b), nil)
		if err != nil {
			b.Fatalf("gorilla-hop: dial: %v", err)
		}
		benchGorillaHop(b, c)
	})
}

// benchEchoInline times echoes through a wsdouble socket whose message
// listener sends the next message, b.N in all; the benchmark goroutine
// waits only for the last.
func benchEchoInline(b *testing.B, ctor wsdouble.Constructor, url string) {
	s, err := dialSocket(ctor, url)
	if err != nil {
		b.Fatal(err)
	}
	m := wsdouble.Text(echoPayload)
	n := b.N
	last := make(chan error, 1)
	echo := wsdouble.ListenerFunc(func(e wsdouble.Event) {
		if got := len(e.(wsdouble.MessageEvent).Data); got != len(echoPayload) {
			last <- fmt.Errorf("echo: got %d bytes, want %d", got, len(echoPayload))
			return
		}
		if n--; n == 0 {
			last <- nil
			return
		}
		if err := s.ws.Send(m); err != nil {
			last <- fmt.Errorf("echo: Send: %w", err)
		}
	})
	// The socket's own message listener hands messages to waitMessage,
	// which nobody calls here: it goes, and echo takes its place.
	s.ws.RemoveEventListener(wsdouble.EventMessage, s)
	s.ws.AddEventListener(wsdouble.EventMessage, echo)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuPerOp(b)
	if err := s.ws.Send(m); err != nil {
		b.Fatalf("echo: Send: %v", err)
	}
	select {
	case err := <-last:
		if err != nil {
			b.Fatal(err)
		}
	case e := <-s.closed:
		b.Fatalf("echo: got %v (error event: %v)", e, s.err)
	}
	b.StopTimer()
	cpu()
	if err := s.close(); err != nil {
		b.Error(err)
	}
}

// benchGorillaHop times echoes through a raw gorilla connection whose
// messages are read on a goroutine of their own and handed over a channel
// (buffered as socket's), then runs the client's side of the closing
// handshake and closes c.
func benchGorillaHop(b *testing.B, c *websocket.Conn) {
	type read struct {
		n   int
		err error
	}
	msgs := make(chan read, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			_, data, err := c.ReadMessage()
			msgs <- read{len(data), err}
			if err != nil {
				return
			}
		}
	}()
	defer func() {
		c.Close()
		for {
			select {
			case <-msgs:
			case <-done:
				return
			}
		}
	}()
	data := []byte(echoPayload)
	b.ReportAllocs()
	cpu := cpuPerOp(b)
	for b.Loop() {
		if err := c.WriteMessage(websocket.TextMessage, data); err != nil {
			b.Fatalf("echo: WriteMessage: %v", err)
		}
		r := <-msgs
		if r.err != nil {
			b.Fatalf("echo: ReadMessage: %v", r.err)
		}
		if r.n != len(data) {
			b.Fatalf("echo: got %d bytes, want %d", r.n, len(data))
		}
	}
	cpu()
	if err := c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")); err != nil {
		b.Fatalf("gorilla-hop: writing the close frame: %v", err)
	}
	for r := range msgs {
		if r.err == nil {
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(r.err, &ce) || ce.Code != websocket.CloseNormalClosure {
			b.Errorf("gorilla-hop: waiting for the close frame: got %v, want close 1000", r.err)
		}
		return
	}
}
