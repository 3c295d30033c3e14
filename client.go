package wsdouble

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"

	"github.com/wsdouble/wsdouble/internal/bubble"
	"github.com/wsdouble/wsdouble/internal/eventloop"
	"github.com/wsdouble/wsdouble/internal/listenhold"
)

// WebSocket is the real client: an IWebSocket backed by gorilla/websocket,
// with the browser's semantics (WHATWG WebSockets standard).
//
// Each socket runs up to three goroutines: one that dials and then reads,
// one that writes what Send queues, and one that dispatches events to
// listeners, in order and one at a time. All three end once the close event
// has been dispatched; Done reports when.
type WebSocket struct {
	target    EventTarget
	url       string
	protocols []string
	opts      options

	// state is what ReadyState returns. It is read without mu but only
	// written with mu held, so Send and Close see a consistent state.
	state atomic.Int32

	mu          sync.Mutex
	protocol    string
	extensions  string
	binaryType  string
	buffered    int
	dialConn    net.Conn        // the transport, while the handshake runs
	conn        *websocket.Conn // the connection, once the handshake succeeded
	aborted     bool            // Close was called while connecting
	closeQueued bool            // Close queued our close frame
	closeSent   bool            // a close frame (ours, or our echo) was written
	closeTimer  *time.Timer
	outq        []outgoing
	failErr     error

	hold   *listenhold.Hold // lets listeners added right after New see the first events
	cancel context.CancelFunc
	wake   chan struct{} // wakes the writer
	ended  chan struct{} // closed when the reader has finished
	opened chan struct{} // closed when the open event is dispatched
	loop   *eventloop.Loop[task]
}

var _ IWebSocket = (*WebSocket)(nil)

type outgoing struct {
	typ   MessageType
	data  []byte
	close bool // data is a close frame's payload
}

type taskKind uint8

const (
	taskOpen taskKind = iota
	taskMessage
	taskClosing
	taskClosed
)

// task is one queued step of the socket's event loop (WHATWG WebSockets
// queues a task for each of these; the state changes with the event).
type task struct {
	kind       taskKind
	msg        Message
	protocol   string
	extensions string
	code       int
	reason     string
	clean      bool
	fail       bool // dispatch an error event before the close event
	err        error
}

// New makes a real client socket with the default options, like
// `new WebSocket(url, protocols)`: it returns at once in Connecting and
// connects in the background. New is a Constructor. The socket is a
// *WebSocket.
func New(url string, protocols ...string) (IWebSocket, error) {
	w, err := newWebSocket(url, protocols, buildOptions(nil))
	if err != nil {
		return nil, err
	}
	return w, nil
}

// NewConstructor returns a Constructor that makes real client sockets with
// the given options. The protocols passed to the Constructor are offered;
// when none are passed, those of WithProtocols are.
func NewConstructor(opts ...Option) Constructor {
	o := buildOptions(opts)
	return func(url string, protocols ...string) (IWebSocket, error) {
		if len(protocols) == 0 {
			protocols = o.protocols
		}
		w, err := newWebSocket(url, protocols, o)
		if err != nil {
			return nil, err
		}
		return w, nil
	}
}

// Dial makes a real client socket and waits until it is open. It returns the
// open socket, or the reason it could not open: a *HandshakeError when the
// server refused, the dial error, or ctx's error (the attempt is then
// abandoned). Events dispatched before Dial returns reach only the listeners
// given with WithListener.
func Dial(ctx context.Context, url string, opts ...Option) (*WebSocket, error) {
	o := buildOptions(opts)
	w, err := newWebSocket(url, o.protocols, o)
	if err != nil {
		return nil, err
	}
	select {
	case <-w.opened:
		return w, nil
	case <-w.loop.Done():
		return nil, w.failure()
	case <-ctx.Done():
		select {
		case <-w.opened:
			return w, nil
		default:
		}
		w.Close(0, "")
		<-w.loop.Done()
		return nil, fmt.Errorf("wsdouble: dial %s: %w", w.url, context.Cause(ctx))
	}
}

func newWebSocket(rawURL string, protocols []string, o options) (*WebSocket, error) {
	u, err := ValidateURL(rawURL)
	if err != nil {
		return nil, err
	}
	if err := ValidateProtocols(protocols); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	w := &WebSocket{
		url:        u,
		protocols:  slices.Clone(protocols),
		opts:       o,
		binaryType: BinaryTypeBlob,
		hold:       listenhold.Start(bubble.ID() != 0),
		cancel:     cancel,
		wake:       make(chan struct{}, 1),
		ended:      make(chan struct{}),
		opened:     make(chan struct{}),
	}
	for _, il := range o.listeners {
		w.target.AddEventListener(il.typ, il.l, il.opts...)
	}
	w.loop = eventloop.Start(w.runTask)
	go w.run(ctx)
	return w, nil
}

// Done is closed once the close event has been dispatched and the socket's
// goroutines have finished their work.
func (w *WebSocket) Done() <-chan struct{} { return w.loop.Done() }

// ReadyState implements WebSocketLike.
func (w *WebSocket) ReadyState() ReadyState { return ReadyState(w.state.Load()) }

// URL implements IWebSocket.
func (w *WebSocket) URL() string { return w.url }

// Protocol implements IWebSocket.
func (w *WebSocket) Protocol() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.protocol
}

// Extensions implements IWebSocket.
func (w *WebSocket) Extensions() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.extensions
}

// BinaryType implements IWebSocket.
func (w *WebSocket) BinaryType() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.binaryType
}

// SetBinaryType implements IWebSocket.
func (w *WebSocket) SetBinaryType(t string) {
	if t != BinaryTypeBlob && t != BinaryTypeArrayBuffer {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.binaryType = t
}

// BufferedAmount implements IWebSocket.
func (w *WebSocket) BufferedAmount() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buffered
}

// AddEventListener implements WebSocketLike.
func (w *WebSocket) AddEventListener(typ EventType, l Listener, opts ...ListenerOption) {
	w.target.AddEventListener(typ, l, opts...)
	w.hold.Added()
}

// RemoveEventListener implements WebSocketLike.
func (w *WebSocket) RemoveEventListener(typ EventType, l Listener) {
	w.target.RemoveEventListener(typ, l)
}

// Send implements WebSocketLike.
func (w *WebSocket) Send(m Message) error {
	if err := m.validate(); err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	switch ReadyState(w.state.Load()) {
	case Connecting:
		return ErrInvalidState
	case Open:
		// WHATWG WebSockets, send(): queue the data and increase
		// bufferedAmount; the writer decreases it once the data is written.
		w.outq = append(w.outq, outgoing{typ: m.Type, data: copyData(m.Data)})
		w.buffered += len(m.Data)
		w.signalWriter()
		return nil
	}
	// Closing or Closed: the data is discarded but still counted.
	w.buffered += len(m.Data)
	return nil
}

// Close implements WebSocketLike.
func (w *WebSocket) Close(code int, reason string) error {
	if err := ValidateClose(code, reason); err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	switch ReadyState(w.state.Load()) {
	case Connecting:
		// "If the WebSocket connection is not yet established: fail the
		// WebSocket connection and set the ready state to CLOSING."
		w.state.Store(int32(Closing))
		w.aborted = true
		w.cancel()
		if w.dialConn != nil {
			w.dialConn.Close()
		}
		if w.conn != nil {
			w.conn.Close()
		}
	case Open:
		w.state.Store(int32(Closing))
		w.closeQueued = true
		w.outq = append(w.outq, outgoing{close: true, data: closePayload(code, reason)})
		w.signalWriter()
	}
	return nil
}

// closePayload is the body of the client's close frame (WHATWG WebSockets,
// "close the WebSocket": no body when neither code nor reason is given; a
// reason without a code is sent with code 1000).
func closePayload(code int, reason string) []byte {
	if code == 0 {
		if reason == "" {
			return []byte{}
		}
		code = CloseNormalClosure
	}
	return websocket.FormatCloseMessage(code, reason)
}

func (w *WebSocket) signalWriter() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *WebSocket) failure() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.failErr != nil {
		return w.failErr
	}
	return ErrClosedBeforeOpen
}

// setDialConn records the transport being dialed so that Close can abort it.
func (w *WebSocket) setDialConn(c net.Conn) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.aborted {
		return false
	}
	w.dialConn = c
	return true
}

func (w *WebSocket) dialer() *websocket.Dialer {
	d := *w.opts.dialer
	d.Subprotocols = w.protocols
	base := d.NetDialContext
	if base == nil {
		if nd := d.NetDial; nd != nil {
			base = func(_ context.Context, network, addr string) (net.Conn, error) { return nd(network, addr) }
		} else {
			base = (&net.Dialer{}).DialContext
		}
	}
	d.NetDial = nil
	d.NetDialContext = w.recordDial(base)
	if d.NetDialTLSContext != nil {
		d.NetDialTLSContext = w.recordDial(d.NetDialTLSContext)
	}
	return &d
}

func (w *WebSocket) recordDial(dial func(context.Context, string, string) (net.Conn, error)) func(context.Context, string, string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		if !w.setDialConn(c) {
			c.Close()
			return nil, ErrClosedBeforeOpen
		}
		return c, nil
	}
}

// run dials, then reads until the connection ends.
func (w *WebSocket) run(ctx context.Context) {
	defer w.cancel()
	conn, resp, err := w.dialer().DialContext(ctx, w.url, w.opts.header)
	if err != nil {
		if errors.Is(err, websocket.ErrBadHandshake) && resp != nil {
			body, _ := io.ReadAll(resp.Body)
			herr := &HandshakeError{StatusCode: resp.StatusCode, Header: resp.Header, Body: body}
			if resp.StatusCode == 101 {
				herr.Err = errors.New("invalid 101 Switching Protocols response")
			}
			err = herr
		}
		w.mu.Lock()
		if w.aborted {
			err = ErrClosedBeforeOpen
		}
		w.mu.Unlock()
		w.fail(err)
		return
	}
	protocol := conn.Subprotocol()
	if protocol != "" && !slices.Contains(w.protocols, protocol) {
		// RFC 6455 §4.1: a subprotocol the client did not offer fails the
		// connection.
		conn.Close()
		w.fail(&HandshakeError{StatusCode: resp.StatusCode, Header: resp.Header,
			Err: fmt.Errorf("server chose subprotocol %q, which was not offered", protocol)})
		return
	}
	w.mu.Lock()
	if w.aborted {
		w.mu.Unlock()
		conn.Close()
		w.fail(ErrClosedBeforeOpen)
		return
	}
	w.conn = conn
	w.dialConn = nil
	w.mu.Unlock()

	if w.opts.readLimit > 0 {
		conn.SetReadLimit(w.opts.readLimit)
	}
	conn.SetCloseHandler(func(code int, _ string) error {
		w.onCloseFrame(conn, code)
		return nil
	})
	w.loop.Post(task{kind: taskOpen, protocol: protocol, extensions: resp.Header.Get("Sec-WebSocket-Extensions")})
	go w.writeLoop(conn)
	w.readLoop(conn)
}

func (w *WebSocket) fail(err error) {
	w.mu.Lock()
	w.failErr = err
	w.mu.Unlock()
	close(w.ended)
	w.loop.Post(task{kind: taskClosed, code: CloseAbnormalClosure, fail: true, err: err})
}

func (w *WebSocket) readLoop(conn *websocket.Conn) {
	for {
		mt, data, err := conn.ReadMessage()
		if err != nil {
			w.finish(conn, err)
			return
		}
		if mt == websocket.TextMessage && !utf8.Valid(data) {
			// RFC 6455 §8.1: invalid UTF-8 in a text message fails the
			// connection, with status 1007 to the peer.
			conn.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(CloseInvalidFramePayloadData, "invalid UTF-8"),
				time.Now().Add(w.opts.closeTimeout))
			w.finish(conn, errors.New("wsdouble: received a text message that is not valid UTF-8"))
			return
		}
		w.loop.Post(task{kind: taskMessage, msg: Message{Type: MessageType(mt), Data: data}})
	}
}

// onCloseFrame runs on the reader goroutine when a close frame arrives.
// When the server started the closing handshake, the client echoes its code
// (RFC 6455 §5.5.1) and the socket becomes Closing.
func (w *WebSocket) onCloseFrame(conn *websocket.Conn, code int) {
	w.mu.Lock()
	echo := !w.closeSent
	w.closeSent = true
	w.mu.Unlock()
	if !echo {
		return
	}
	w.loop.Post(task{kind: taskClosing})
	payload := []byte{}
	if code != CloseNoStatusReceived {
		payload = websocket.FormatCloseMessage(code, "")
	}
	conn.WriteControl(websocket.CloseMessage, payload, time.Now().Add(w.opts.closeTimeout))
}

// finish ends the connection after the reader stopped with err, and queues
// the close event that says how.
func (w *WebSocket) finish(conn *websocket.Conn, err error) {
	conn.Close()
	w.mu.Lock()
	if w.closeTimer != nil {
		w.closeTimer.Stop()
	}
	aborted, closing := w.aborted, w.closeQueued
	w.mu.Unlock()
	close(w.ended)

	// gorilla reports an unexpected EOF as a *CloseError with code 1006, so
	// only a CloseError after a real close frame counts as one.
	var ce *websocket.CloseError
	switch {
	case errors.As(err, &ce) && ce.Code != CloseAbnormalClosure:
		// The closing handshake completed: the server's close frame either
		// answered ours or we echoed it.
		w.loop.Post(task{kind: taskClosed, code: ce.Code, reason: ce.Text, clean: true})
	case aborted:
		w.setFailErr(ErrClosedBeforeOpen)
		w.loop.Post(task{kind: taskClosed, code: CloseAbnormalClosure, fail: true, err: ErrClosedBeforeOpen})
	case closing:
		// Our close frame went unanswered (close timeout, or the server
		// vanished): closed, not cleanly, but the client asked for it, so
		// nothing failed.
		w.loop.Post(task{kind: taskClosed, code: CloseAbnormalClosure})
	default:
		// The connection was lost: fail it (error, then close 1006).
		if errors.As(err, &ce) {
			err = fmt.Errorf("wsdouble: connection lost: %w", io.ErrUnexpectedEOF)
		}
		w.setFailErr(err)
		w.loop.Post(task{kind: taskClosed, code: CloseAbnormalClosure, fail: true, err: err})
	}
}

func (w *WebSocket) setFailErr(err error) {
	w.mu.Lock()
	w.failErr = err
	w.mu.Unlock()
}

func (w *WebSocket) writeLoop(conn *websocket.Conn) {
	var batch []outgoing
	for {
		w.mu.Lock()
		batch, w.outq = w.outq, batch[:0]
		w.mu.Unlock()
		if len(batch) == 0 {
			select {
			case <-w.wake:
				continue
			case <-w.ended:
				return
			}
		}
		for i := range batch {
			item := &batch[i]
			if item.close {
				w.writeClose(conn, item.data)
			} else if err := conn.WriteMessage(int(item.typ), item.data); err == nil {
				w.mu.Lock()
				w.buffered -= len(item.data)
				w.mu.Unlock()
			} else if !errors.Is(err, websocket.ErrCloseSent) {
				// The transport broke; closing it makes the reader finish.
				conn.Close()
			}
			*item = outgoing{}
		}
	}
}

func (w *WebSocket) writeClose(conn *websocket.Conn, payload []byte) {
	w.mu.Lock()
	already := w.closeSent
	w.closeSent = true
	w.mu.Unlock()
	if !already {
		conn.WriteControl(websocket.CloseMessage, payload, time.Now().Add(w.opts.closeTimeout))
	}
	// Wait for the server's close frame at most closeTimeout; then drop the
	// connection (the close event then has code 1006, WasClean false).
	t := time.AfterFunc(w.opts.closeTimeout, func() { conn.Close() })
	w.mu.Lock()
	w.closeTimer = t
	w.mu.Unlock()
}

// dispatch dispatches e, first giving the code that made the socket the
// moment to add a listener for it (see internal/listenhold).
func (w *WebSocket) dispatch(e Event) {
	if w.hold.Holding() {
		typ := e.Type()
		w.hold.Wait(func() bool { return w.target.Len(typ) > 0 })
	}
	w.target.DispatchEvent(e)
}

func (w *WebSocket) runTask(t task) (stop bool) {
	switch t.kind {
	case taskOpen:
		w.mu.Lock()
		if ReadyState(w.state.Load()) != Connecting {
			w.mu.Unlock()
			return false
		}
		w.protocol, w.extensions = t.protocol, t.extensions
		w.state.Store(int32(Open))
		w.mu.Unlock()
		close(w.opened)
		w.dispatch(OpenEvent{})
	case taskMessage:
		// WHATWG WebSockets, "feedback from the protocol": a message that
		// arrives when the ready state is not OPEN is not dispatched.
		if ReadyState(w.state.Load()) != Open {
			return false
		}
		w.dispatch(MessageEvent{t.msg})
	case taskClosing:
		w.mu.Lock()
		if ReadyState(w.state.Load()) == Open {
			w.state.Store(int32(Closing))
		}
		w.mu.Unlock()
	case taskClosed:
		w.mu.Lock()
		w.state.Store(int32(Closed))
		w.mu.Unlock()
		if t.fail {
			w.dispatch(ErrorEvent{Err: t.err})
		}
		w.dispatch(CloseEvent{Code: t.code, Reason: t.reason, WasClean: t.clean})
		return true
	}
	return false
}

// copyData copies message data, so the caller may reuse its buffer.
func copyData(b []byte) []byte {
	c := make([]byte, len(b))
	copy(c, b)
	return c
}
