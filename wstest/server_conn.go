package wstest

import (
	"encoding/binary"
	"errors"
	"net"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/internal/closeguard"
	"github.com/wsdouble/wsdouble/internal/memconn"
)

// wireConn is the transport of a Server's connection: a gorilla/websocket
// Conn over the in-memory transport or loopback TCP. Its reader runs on
// the request's handler goroutine (readLoop) and hands the conn what the
// client sends: messages, pings and pongs, its close frame. Every write
// holds wlock. Its conn is the connection's Peer.
type wireConn struct {
	conn
	req *http.Request
	ws  *websocket.Conn
	// raw is the transport under ws, its frameCheck and its closeguard (a
	// *net.TCPConn or a *memconn.Conn), to reset and to drain; guard tells
	// the close code the client sent.
	raw   net.Conn
	guard *closeguard.Conn
	wlock writeLock
	// keep says a close frame came and the transport stays open after it
	// (see conn.closeFrame). Only the reader uses it.
	keep bool
}

func newWireConn(a *serverAttempt, ws *websocket.Conn, guard *closeguard.Conn) *wireConn {
	w := &wireConn{req: a.req, ws: ws, raw: guard.Unwrap(), guard: guard, wlock: make(writeLock, 1)}
	w.conn.init(w, &a.s.acceptor, a.rec, &a.s.cfg, false, nil, nil)
	// gorilla's read limit is not set: the frameCheck below it enforces
	// the limit, so that the End says so (ProtocolViolation, 1009).
	ws.SetCloseHandler(w.onCloseFrame)
	ws.SetPingHandler(func(data string) error {
		w.fromClientControl(ctlPing, []byte(data))
		return nil
	})
	ws.SetPongHandler(func(data string) error {
		w.fromClientControl(ctlPong, []byte(data))
		return nil
	})
	w.open(ws.Subprotocol())
	return w
}

func (w *wireConn) check(string) error     { return nil }
func (w *wireConn) beforeWait() error      { return nil }
func (w *wireConn) request() *http.Request { return w.req }
func (w *wireConn) took(wsdouble.Message)  {}

// writeLock lets one writer at a time write to the connection: gorilla
// allows one, and a frame written here (a Slicer's, a raw frame) must not
// cut into one of gorilla's. A data message waits for it as long as it
// takes; anything else no longer than its deadline, as gorilla's
// WriteControl waits for its own lock.
type writeLock chan struct{}

// errWriteLock is a write that found the connection busy until its
// deadline (a data message waiting for a client that does not read).
var errWriteLock = errors.New("wstest: the connection was busy writing until the deadline")

func (l writeLock) lock(deadline time.Time) error {
	select {
	case l <- struct{}{}:
		return nil
	default:
	}
	var timeout <-chan time.Time
	if !deadline.IsZero() {
		t := time.NewTimer(time.Until(deadline))
		defer t.Stop()
		timeout = t.C
	}
	select {
	case l <- struct{}{}:
		return nil
	case <-timeout:
		return errWriteLock
	}
}

func (l writeLock) unlock() { <-l }

// writeControl writes a control frame with gorilla, which adds nothing to
// it, holding the lock for no longer than the close timeout.
func (w *wireConn) writeControl(op Opcode, payload []byte) error {
	deadline := time.Now().Add(w.cfg.closeTimeout)
	if err := w.wlock.lock(deadline); err != nil {
		return err
	}
	defer w.wlock.unlock()
	return w.ws.WriteControl(int(op), payload, deadline)
}

// deliver writes a message, as one frame or, for a slicer, as frames of at
// most slice bytes of payload, gap apart.
func (w *wireConn) deliver(m wsdouble.Message, _ bool, slice int, gap time.Duration) error {
	if slice <= 0 || len(m.Data) <= slice {
		w.wlock.lock(time.Time{})
		defer w.wlock.unlock()
		return w.ws.WriteMessage(int(m.Type), m.Data)
	}
	op := Opcode(m.Type)
	for off := 0; off < len(m.Data); off += slice {
		if off > 0 {
			if !w.pump.pause(gap) {
				return net.ErrClosed
			}
			op = OpContinuation
		}
		end := min(off+slice, len(m.Data))
		f := Frame{Opcode: op, NotFinal: end < len(m.Data), Payload: m.Data[off:end]}
		w.wlock.lock(time.Time{})
		_, err := w.ws.NetConn().Write(f.encode())
		w.wlock.unlock()
		if err != nil {
			return err
		}
	}
	return nil
}

// writeFrame writes a raw frame (Peer.WriteFrame), whole, in one write.
// After a close frame whose code a browser receives, the client's echo of
// that code is no violation, whatever it is (RFC 6455 §5.5.1).
func (w *wireConn) writeFrame(f Frame) error {
	if f.Opcode == OpClose && len(f.Payload) >= 2 {
		if code := int(binary.BigEndian.Uint16(f.Payload)); !closeguard.MustFail(code) {
			w.guard.AllowEcho(code)
		}
	}
	if err := w.wlock.lock(time.Now().Add(w.cfg.closeTimeout)); err != nil {
		return err
	}
	defer w.wlock.unlock()
	_, err := w.ws.NetConn().Write(f.encode())
	return err
}

// sendClose writes a close frame.
func (w *wireConn) sendClose(code int, reason string) error {
	payload := []byte{}
	if code != wsdouble.CloseNoStatusReceived {
		payload = websocket.FormatCloseMessage(code, reason)
	}
	return w.writeControl(OpClose, payload)
}

// deliverControl writes a ping or a pong. Once the server's close frame
// went, gorilla writes no more, and a pong that answers a ping read
// meanwhile is not sent.
func (w *wireConn) deliverControl(k controlKind, data []byte) error {
	err := w.writeControl(k.opcode(), data)
	if errors.Is(err, websocket.ErrCloseSent) {
		return nil
	}
	return err
}

// closeTransport closes the connection under the WebSocket: with a FIN, or
// an RST when reset.
func (w *wireConn) closeTransport(reset bool) {
	if reset {
		switch c := w.raw.(type) {
		case *net.TCPConn:
			c.SetLinger(0) // close with an RST
		case *memconn.Conn:
			c.Reset()
			return
		}
	}
	w.raw.Close()
}

// onCloseFrame runs on the reader when a close frame arrives.
func (w *wireConn) onCloseFrame(code int, text string) error {
	if w.closeFrame(w.guard.SentCode(code), text) {
		w.keep = true
	}
	return nil
}

func (w *wireConn) readLoop() {
	for {
		// Backpressure: while the inbox is full, nothing more is read from
		// the connection (see inbox).
		w.in.waitRoom(nil)
		mt, data, err := w.ws.ReadMessage()
		var bad *violation
		switch {
		case errors.As(err, &bad):
			w.failConnection(bad)
			return
		case err != nil:
			if w.keep {
				// The close frame got no answer yet (a fault): keep the
				// transport until the client, or the timeout, ends it.
				err = w.drain()
			}
			w.finish(err)
			return
		case mt == websocket.TextMessage && !utf8.Valid(data):
			// RFC 6455 §8.1: invalid UTF-8 in a text message fails the
			// connection, with status 1007 (§7.4.1) to the client.
			w.failConnection(invalidUTF8(data))
			return
		}
		if st := w.getState(); st == connAborting || st == connEnded {
			// Read from the transport's buffer after the server ended the
			// connection: the Peer never sees it, and it is not counted
			// (AttemptRecord.FromClient).
			continue
		}
		w.fromClient(wsdouble.Message{Type: wsdouble.MessageType(mt), Data: data}, true)
	}
}

// failConnection fails the connection for a protocol error of the client's
// (RFC 6455 §7.1.7): the server sends a close frame with the violation's
// code and reason, unless it is ending the connection already, does not
// wait for the client's reply, and closes the transport. The End says
// ProtocolViolation (see endFor).
func (w *wireConn) failConnection(v *violation) {
	if w.getState() == connOpen && !w.faults.Load().blackholed(ToClient) {
		w.writeControl(OpClose, websocket.FormatCloseMessage(v.code, v.reason))
	}
	w.finish(v)
}

// drain reads and discards the transport until it ends.
func (w *wireConn) drain() error {
	buf := make([]byte, 512)
	for {
		if _, err := w.raw.Read(buf); err != nil {
			return err
		}
	}
}

// finish records how the connection ended, once the reader stopped with
// err, then closes the transport: a client that waits for the server to
// close the TCP connection (RFC 6455 §7.1.1) finds the end in the log when
// its close event fires.
func (w *wireConn) finish(err error) {
	w.transportEnded(err)
	w.ws.NetConn().Close()
}
