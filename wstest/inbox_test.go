package wstest_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/wstest"
)

// These tests flood the server end of a connection with messages nobody
// receives (issue 16, item 4: 1,000 × 1 MiB drove `wsdouble serve` to
// 1.4 GB). The server end must hold at most its inbox (InboxLimit) and
// make the client wait, as a server that stops reading does over TCP; once
// the Peer receives again, every message arrives, in order.

// floodLimit is the inbox of the flood tests: four 1 MiB messages.
var floodLimit = wstest.InboxLimit(8, 4<<20)

const floodSize = 1 << 20

// floodMessage writes message i of a flood into buf: its number, then
// filler.
func floodMessage(buf []byte, i int) []byte {
	binary.BigEndian.PutUint64(buf, uint64(i))
	return buf
}

// receiveFlood receives n flood messages of size bytes from p and checks
// that they come in order, whole.
func receiveFlood(ctx context.Context, p wstest.Peer, n, size int) error {
	for i := range n {
		m, err := p.Receive(ctx)
		if err != nil {
			return err
		}
		if got := binary.BigEndian.Uint64(m.Data); len(m.Data) != size || got != uint64(i) {
			return fmt.Errorf("flood: message %d: got #%d of %d bytes, want #%d of %d", i, got, len(m.Data), i, size)
		}
	}
	return nil
}

// floodFrame is a client's binary frame of payload, masked with the key 0
// (a valid key, which leaves the payload as it is: masking 64 MiB a byte
// at a time would take seconds under the race detector).
func floodFrame(payload []byte) []byte {
	h := []byte{0x80 | websocket.BinaryMessage, 0x80 | 127}
	h = binary.BigEndian.AppendUint64(h, uint64(len(payload)))
	h = append(h, 0, 0, 0, 0)
	return append(h, payload...)
}

// liveHeap returns the bytes of live heap, after a collection.
func liveHeap() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// maxFloodHeap is how much the live heap may grow while a flood waits: the
// inbox (4 MiB), the message the client is writing, the in-memory
// transport's window (1 MiB) and slack. Without the bound, the flood's
// messages all sit in the inbox: 24 MiB or more.
const maxFloodHeap = 12 << 20

// TestInboxFloodInMemory: a gorilla client (whose writes wait when the
// transport is full) floods a Server over the in-memory transport. Once
// every goroutine waits, the client has not written everything, the heap
// holds about the inbox, and the Peer then receives all of it, in order.
func TestInboxFloodInMemory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 24
		srv, peers := serverWithPeers(t, floodLimit)
		conn, _, err := srv.Dialer().DialContext(t.Context(), wstest.MemoryURL, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		p := <-peers
		synctest.Wait()
		before := liveHeap()
		written := make(chan int, n+1)
		go func() {
			buf := make([]byte, floodSize)
			for i := range n {
				if err := conn.WriteMessage(websocket.BinaryMessage, floodMessage(buf, i)); err != nil {
					return
				}
				written <- i + 1
			}
		}()
		synctest.Wait() // the client waits for the server to read
		grown := liveHeap() - before
		t.Logf("the client wrote %d of %d messages; live heap grew by %.1f MiB", len(written), n, float64(grown)/(1<<20))
		if len(written) == n {
			t.Errorf("the client wrote all %d messages with nobody receiving: the server never stopped reading", n)
		}
		if grown > maxFloodHeap {
			t.Errorf("live heap grew by %d MiB while the flood waited, want at most %d MiB", grown>>20, maxFloodHeap>>20)
		}
		if err := receiveFlood(t.Context(), p, n, floodSize); err != nil {
			t.Error(err)
		}
		if got := srv.Attempts()[0].FromClient; got != n {
			t.Errorf("log: FromClient %d, want %d", got, n)
		}
	})
}

// TestInboxFloodLoopback: a client floods a Server over loopback TCP with
// frames written by hand (a write that times out can go on where it
// stopped). A write that waits a second means the server has stopped
// reading; the heap then holds about the inbox (the kernel holds the
// rest), and the Peer receives all of it, in order.
func TestInboxFloodLoopback(t *testing.T) {
	const n = 64 // more than loopback TCP buffers (tcp_rmem's maximum is often 32 MiB)
	srv, peers := serverWithPeers(t, floodLimit)
	c, err := dialRawLoopback(srv)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.upgrade(); err != nil {
		t.Fatal(err)
	}
	var p wstest.Peer
	select {
	case p = <-peers:
	case <-time.After(10 * time.Second):
		t.Fatal("no Peer 10 s after the handshake")
	}
	before := liveHeap()
	buf := make([]byte, floodSize)
	i, rest := 0, []byte(nil)
	for ; i < n; i++ {
		frame := floodFrame(floodMessage(buf, i))
		c.SetWriteDeadline(time.Now().Add(time.Second))
		k, err := c.Write(frame)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			rest = frame[k:]
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	grown := liveHeap() - before
	t.Logf("the client's write waited at message %d of %d; live heap grew by %.1f MiB", i, n, float64(grown)/(1<<20))
	if i == n {
		t.Errorf("the client wrote all %d messages with nobody receiving: the server never stopped reading", n)
	}
	if grown > maxFloodHeap {
		t.Errorf("live heap grew by %d MiB while the flood waited, want at most %d MiB", grown>>20, maxFloodHeap>>20)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	received := make(chan error, 1)
	go func() { received <- receiveFlood(ctx, p, n, floodSize) }()
	c.SetWriteDeadline(time.Now().Add(time.Minute))
	if _, err := c.Write(rest); err != nil {
		t.Fatal(err)
	}
	for i++; i < n; i++ {
		if _, err := c.Write(floodFrame(floodMessage(buf, i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-received; err != nil {
		t.Error(err)
	}
}

// TestInboxFloodFake: a Fake's Send never waits; what finds the server
// end's inbox full waits in the Fake and counts in its BufferedAmount,
// and reaches the Peer, in order, as it receives.
func TestInboxFloodFake(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n, size = 40, 64 << 10
		d := wstest.NewFakeDialer(t, wstest.InboxLimit(4, 1<<20))
		ws, p := openFake(t, d)
		buf := make([]byte, size)
		for i := range n {
			if err := ws.Send(wsdouble.Binary(floodMessage(buf, i))); err != nil {
				t.Fatalf("Send #%d: %v", i, err)
			}
		}
		synctest.Wait() // BufferedAmount falls at a turn of the Fake's loop
		if got, want := ws.BufferedAmount(), (n-4)*size; got != want {
			t.Errorf("BufferedAmount with 4 messages in the inbox: got %d, want %d", got, want)
		}
		if err := receiveFlood(t.Context(), p, 2, size); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if got, want := ws.BufferedAmount(), (n-6)*size; got != want {
			t.Errorf("BufferedAmount once 2 were received: got %d, want %d", got, want)
		}
		for i := range n - 2 {
			m, err := p.Receive(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if got := binary.BigEndian.Uint64(m.Data); got != uint64(i+2) {
				t.Fatalf("message %d: got #%d", i+2, got)
			}
		}
		synctest.Wait()
		if got := ws.BufferedAmount(); got != 0 {
			t.Errorf("BufferedAmount once all were received: got %d, want 0", got)
		}
		ws.Close(wsdouble.CloseNormalClosure, "")
	})
}

// TestInboxDefaults: the default inbox takes DefaultInboxMessages
// messages, or DefaultInboxBytes bytes, and no more.
func TestInboxDefaults(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ws, p := openFake(t, wstest.NewFakeDialer(t))
		for range wstest.DefaultInboxMessages + 3 {
			ws.Send(wsdouble.Text("x"))
		}
		synctest.Wait()
		if got := ws.BufferedAmount(); got != 3 {
			t.Errorf("BufferedAmount after DefaultInboxMessages+3 one-byte messages: got %d, want 3", got)
		}
		ws.Close(wsdouble.CloseNormalClosure, "")
		p.Wait(t.Context())
	})
	synctest.Test(t, func(t *testing.T) {
		ws, p := openFake(t, wstest.NewFakeDialer(t))
		big := make([]byte, wstest.DefaultInboxBytes/2)
		for range 3 {
			ws.Send(wsdouble.Binary(big))
		}
		synctest.Wait()
		if got := ws.BufferedAmount(); got != len(big) {
			t.Errorf("BufferedAmount after 3 messages of DefaultInboxBytes/2: got %d, want %d", got, len(big))
		}
		ws.Close(wsdouble.CloseNormalClosure, "")
		p.Wait(t.Context())
	})
}

// TestInboxFakeEnds: what waits in a Fake reaches the Peer when the client
// closes (its close frame comes behind it), and is lost, staying in
// BufferedAmount, when the server end drops the connection.
func TestInboxFakeEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t, wstest.InboxLimit(1, 1<<20))
		ws, p := openFake(t, d)
		for _, s := range []string{"a", "b", "c"} {
			ws.Send(wsdouble.Text(s))
		}
		ws.Close(wsdouble.CloseNormalClosure, "")
		var got []string
		for {
			m, err := p.Receive(t.Context())
			if err != nil {
				break
			}
			got = append(got, string(m.Data))
		}
		if strings.Join(got, "") != "abc" {
			t.Errorf("after the client's close, the Peer received %q, want a, b, c", got)
		}
		if n := d.Attempts()[0].FromClient; n != 3 {
			t.Errorf("log: FromClient %d, want 3", n)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t, wstest.InboxLimit(1, 1<<20))
		ws, p := openFake(t, d)
		for _, s := range []string{"a", "bb", "ccc"} {
			ws.Send(wsdouble.Text(s))
		}
		p.Drop()
		if m, err := p.Receive(t.Context()); err != nil || string(m.Data) != "a" {
			t.Errorf("Receive after the drop: %q, %v; want a", m.Data, err)
		}
		if _, err := p.Receive(t.Context()); !errors.Is(err, wstest.ErrPeerClosed) {
			t.Errorf("second Receive after the drop: %v, want ErrPeerClosed", err)
		}
		synctest.Wait()
		if got := ws.BufferedAmount(); got != 5 {
			t.Errorf("BufferedAmount after the drop: got %d, want 5 (bb and ccc, never sent)", got)
		}
		if n := d.Attempts()[0].FromClient; n != 1 {
			t.Errorf("log: FromClient %d, want 1", n)
		}
	})
}

// TestInboxServerCloseWhileFull: Server.Close ends a connection whose
// reader waits for room in the inbox.
func TestInboxServerCloseWhileFull(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, peers := serverWithPeers(t, wstest.InboxLimit(1, 1<<20))
		conn, _, err := srv.Dialer().DialContext(t.Context(), wstest.MemoryURL, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		p := <-peers
		for range 3 {
			conn.WriteMessage(websocket.TextMessage, []byte("x"))
		}
		synctest.Wait()
		srv.Close()
		end, err := p.Wait(t.Context())
		if err != nil || end.Kind != wstest.Shutdown {
			t.Errorf("end: %v, %v; want shutdown", end, err)
		}
	})
}

// TestInboxLimitValidation: both limits must be positive.
func TestInboxLimitValidation(t *testing.T) {
	for _, o := range []wstest.Option{wstest.InboxLimit(0, 1), wstest.InboxLimit(1, -1)} {
		ftb := &fakeTB{}
		func() {
			defer func() { recover() }()
			wstest.NewServer(ftb, o)
		}()
		ftb.runCleanups()
		if len(ftb.errors) != 1 || !strings.Contains(ftb.errors[0], "InboxLimit") {
			t.Errorf("NewServer with a bad InboxLimit: %q", ftb.errors)
		}
	}
}

// openFake dials d and accepts: an open Fake and its Peer.
func openFake(t *testing.T, d *wstest.FakeDialer) (wsdouble.IWebSocket, wstest.Peer) {
	t.Helper()
	ws, err := d.Constructor()("ws://fake.test/")
	if err != nil {
		t.Fatal(err)
	}
	up := opened(ws)
	p, err := mustAttempt(t, d).Accept(wstest.AcceptOptions{})
	if err != nil {
		t.Fatal(err)
	}
	<-up
	return ws, p
}

// TestInboxBufferedAmountOnEveryClient: while the server end does not
// receive, a client's Send still never waits, and its BufferedAmount
// grows, on the Fake as on the real client over the in-memory transport
// (where the transport's window takes its share); once the Peer has
// received everything, in order, it is back to 0.
func TestInboxBufferedAmountOnEveryClient(t *testing.T) {
	const n, size = 40, 64 << 10 // 2.5 MiB: more than the inbox and the in-memory window
	for _, side := range clientSides {
		t.Run(side.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ws, ev, p := side.open(t, wstest.InboxLimit(4, 1<<20))
				buf := make([]byte, size)
				for i := range n {
					if err := ws.Send(wsdouble.Binary(floodMessage(buf, i))); err != nil {
						t.Fatalf("Send #%d: %v", i, err)
					}
				}
				synctest.Wait()
				if got := ws.BufferedAmount(); got <= 0 || got > (n-4)*size {
					t.Errorf("BufferedAmount while the Peer does not receive: got %d, want between 1 and %d", got, (n-4)*size)
				}
				if err := receiveFlood(t.Context(), p, n, size); err != nil {
					t.Error(err)
				}
				synctest.Wait()
				if got := ws.BufferedAmount(); got != 0 {
					t.Errorf("BufferedAmount once the Peer received everything: got %d, want 0", got)
				}
				closeAndWait(ws, ev)
			})
		})
	}
}
