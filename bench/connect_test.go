package bench

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/wstest"
)

// BenchmarkConnect: one op makes a client, completes the opening handshake,
// then closes cleanly (a close frame each way) and waits for the end.
// gorilla-loopback is the baseline for loopback; gorilla-loopback-hop is
// raw gorilla in the shape of a wsdouble socket (see gorillaHopConnect).
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
	b.Run("gorilla-loopback-hop", func(b *testing.B) {
		url := newGorillaLoopback(b)
		b.ReportAllocs()
		cpu := cpuPerOp(b)
		for b.Loop() {
			if err := gorillaHopConnect(url); err != nil {
				b.Fatalf("connect: %v", err)
			}
		}
		cpu()
	})
	b.Run("gorilla-loopback", func(b *testing.B) {
		url := newGorillaLoopback(b)
		b.ReportAllocs()
		cpu := cpuPerOp(b)
		for b.Loop() {
			c, _, err := websocket.DefaultDialer.Dial(url, nil)
			if err != nil {
				b.Fatalf("connect: dial: %v", err)
			}
			if err := closeGorilla(c); err != nil {
				b.Fatalf("connect: %v", err)
			}
		}
		cpu()
	})
}

// benchConnect times a wsdouble socket's whole life: the constructor, the
// open event, Close(1000, "") and the close event.
func benchConnect(b *testing.B, ctor wsdouble.Constructor, url string) {
	b.ReportAllocs()
	cpu := cpuPerOp(b)
	for b.Loop() {
		s, err := dialSocket(ctor, url)
		if err != nil {
			b.Fatalf("connect: %v", err)
		}
		if err := s.close(); err != nil {
			b.Fatalf("connect: %v", err)
		}
	}
	cpu()
}

// gorillaHopConnect is one op of Connect/gorilla-loopback-hop: raw gorilla
// used the way a wsdouble socket uses it, the contract's shape without its
// code. A goroutine of the socket's own dials, hands the open connection to
// the caller over a channel, then reads until the close frame, closes the
// transport and hands the end over too; the caller writes the close frame on its own goroutine in
// between, as Close does.
func gorillaHopConnect(url string) error {
	type event struct {
		c   *websocket.Conn
		err error
	}
	opened, closed := make(chan event, 1), make(chan error, 1)
	go func() {
		c, _, err := websocket.DefaultDialer.Dial(url, nil)
		opened <- event{c, err}
		if err != nil {
			return
		}
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				// The connection is closed once the transport is
				// (RFC 6455 §7.1.4), as before a close event.
				c.Close()
				closed <- err
				return
			}
		}
	}()
	o := <-opened
	if o.err != nil {
		return fmt.Errorf("dial: %w", o.err)
	}
	if err := o.c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Time{}); err != nil {
		return fmt.Errorf("writing the close frame: %w", err)
	}
	var ce *websocket.CloseError
	if err := <-closed; !errors.As(err, &ce) || ce.Code != websocket.CloseNormalClosure {
		return fmt.Errorf("waiting for the close frame: got %v, want close 1000", err)
	}
	return nil
}
