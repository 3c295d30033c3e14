package wstest

import (
	"errors"
	"net"
	"net/http"
	"sync"
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
// client sends; writes of data frames are serialized by wmu. Its conn is
// the connection's Peer.
type wireConn struct {
	conn
	req *http.Request
	ws  *websocket.Conn
	// raw is the transport under ws, its frameCheck and its closeguard (a
	// *net.TCPConn or a *memconn.Conn), to reset and to drain; guard tells
	// the close code the client sent.
	raw   net.Conn
	guard *closeguard.Conn
	wmu   sync.Mutex // gorilla allows one writer at a time
	// keep says a close frame came and the transport stays open after it
	// (see conn.closeFrame). Only the reader uses it.
	keep bool
}

func newWireConn(a *serverAttempt, ws *websocket.Conn, guard *closeguard.Conn) *wireConn {
	w := &wireConn{req: a.req, ws: ws, raw: guard.Unwrap(), guard: guard}
	w.conn.init(w, &a.s.acceptor, a.rec, &a.s.cfg, false, nil, nil)
	// gorilla's read limit is not set: the frameCheck below it enforces
	// the limit, so that the End says so (ProtocolViolation, 1009).
	ws.SetCloseHandler(w.onCloseFrame)
	ws.SetPingHandler(w.onPing)
	w.open(ws.Subprotocol())
	return w
}

func (w *wireConn) check(string) error     { return nil }
func (w *wireConn) beforeWait() error      { return nil }
func (w *wireConn) request() *http.Request { return w.req }
func (w *wireConn) took(wsdouble.Message)  {}

// deliver writes a message, as one frame or, for a slicer, as frames of at
// most slice bytes of payload, gap apart.
func (w *wireConn) deliver(m wsdouble.Message, _ bool, slice int, gap time.Duration) error {
	if slice <= 0 || len(m.Data) <= slice {
		w.wmu.Lock()
		defer w.wmu.Unlock()
		return w.ws.WriteMessage(int(m.Type), m.Data)
	}
	op := byte(m.Type)
	for off := 0; off < len(m.Data); off += slice {
		if off > 0 {
			time.Sleep(gap)
			op = 0 // continuation
		}
		end := min(off+slice, len(m.Data))
		w.wmu.Lock()
		_, err := w.ws.NetConn().Write(frame(end == len(m.Data), op, m.Data[off:end]))
		w.wmu.Unlock()
		if err != nil {
			return err
		}
	}
	return nil
}

// frame encodes a server frame (unmasked, RFC 6455 §5.2).
func frame(fin bool, opcode byte, payload []byte) []byte {
	b0 := opcode
	if fin {
		b0 |= 0x80
	}
	var hdr []byte
	switch n := len(payload); {
	case n < 126:
		hdr = []byte{b0, byte(n)}
	case n <= 0xffff:
		hdr = []byte{b0, 126, byte(n >> 8), byte(n)}
	default:
		hdr = []byte{b0, 127, 0, 0, 0, 0, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
	}
	return append(hdr, payload...)
}

// sendClose writes a close frame.
func (w *wireConn) sendClose(code int, reason string) error {
	payload := []byte{}
	if code != wsdouble.CloseNoStatusReceived {
		payload = websocket.FormatCloseMessage(code, reason)
	}
	return w.ws.WriteControl(websocket.CloseMessage, payload, time.Now().Add(w.cfg.closeTimeout))
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

// onPing answers a ping, unless a blackhole swallows it or the pong. The
// pong goes to the client as the close frames do: behind what a fault
// delays or holds (sendLater).
func (w *wireConn) onPing(data string) error {
	if w.getState() == connEnded || w.faults.Load().blackholed(Both) {
		return nil // behind a blackhole, or a half-open connection the server has left
	}
	pong := func() error {
		err := w.ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
		if errors.Is(err, websocket.ErrCloseSent) {
			return nil
		}
		return err
	}
	if w.faults.Load().usesPump() {
		w.sendLater(0, func() { pong() })
		return nil
	}
	return pong()
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
		w.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(v.code, v.reason), time.Now().Add(w.cfg.closeTimeout))
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
