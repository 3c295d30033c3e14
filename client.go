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
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"

	"github.com/wsdouble/wsdouble/internal/bubble"
	"github.com/wsdouble/wsdouble/internal/bufamount"
	"github.com/wsdouble/wsdouble/internal/closeguard"
	"github.com/wsdouble/wsdouble/internal/listenhold"
	"github.com/wsdouble/wsdouble/internal/nbconn"
)

// WebSocket is the real client: an IWebSocket backed by gorilla/websocket,
// with the browser's semantics (WHATWG WebSockets standard).
//
// Each socket runs one goroutine of its own: it dials, then reads, and
// dispatches every event to the listeners, in order and one at a time, as
// the messages arrive: it is the socket's dispatch goroutine. While a
// listener runs, the socket reads nothing more (in a browser, a busy event
// loop delays the next message the same way); what arrives meanwhile waits
// in the transport's buffers. Send and Close write on the caller's goroutine
// and never wait: what the transport cannot take at once is written by a
// short-lived goroutine in the background (see BufferedAmount). The
// goroutines end once the close event has been dispatched; Done reports
// when.
type WebSocket struct {
	target    EventTarget
	url       string
	protocols []string
	opts      options

	// state is what ReadyState returns. It is read without mu but only
	// written with mu held, so Send and Close see a consistent state.
	state atomic.Int32

	mu            sync.Mutex
	protocol      string
	extensions    string
	binaryType    string
	transport     *nbconn.Conn     // the transport, from the dial on
	guard         *closeguard.Conn // reads the transport for gorilla
	conn          *websocket.Conn  // the connection, once the handshake succeeded
	aborted       bool             // Close was called while connecting
	closeQueued   bool             // Close wrote our close frame
	closeSent     bool             // a close frame (ours, or our echo) was written
	closeTimer    *time.Timer
	closeTimedOut bool  // the close timeout fired
	closeErr      error // what Err reports
	ended         bool  // the reader has finished
	failErr       error

	// buffered is BufferedAmount: it falls only between tasks (dispatch).
	buffered bufamount.Amount

	// wmu makes the writes of Send and Close one at a time (gorilla allows
	// one writer), in the order they were called. It is taken with mu
	// held, never the other way round, and held only while writing, which
	// never waits (see internal/nbconn).
	wmu sync.Mutex

	hold   *listenhold.Hold // lets listeners added right after New see the first events
	cancel context.CancelFunc
	opened chan struct{} // closed when the open event is dispatched
	done   chan struct{} // closed once the close event is dispatched
}

var _ IWebSocket = (*WebSocket)(nil)

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
	o.noHold = true // its listeners come with the options (WithListener)
	w, err := newWebSocket(url, o.protocols, o)
	if err != nil {
		return nil, err
	}
	select {
	case <-w.opened:
		return w, nil
	case <-w.done:
		return nil, w.failure()
	case <-ctx.Done():
		select {
		case <-w.opened:
			return w, nil
		default:
		}
		w.Close(0, "")
		<-w.done
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
		hold:       newHold(o.noHold),
		cancel:     cancel,
		opened:     make(chan struct{}),
		done:       make(chan struct{}),
	}
	w.buffered.Init(nil, (*turner)(w))
	for _, il := range o.listeners {
		w.target.AddEventListener(il.typ, il.l, il.opts...)
	}
	go w.run(ctx)
	return w, nil
}

// virtualEpoch bounds a synctest bubble's clock: every bubble starts at
// midnight UTC 2000-01-01, and no test runs ten years of virtual time.
var virtualEpoch = time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)

// inBubble reports whether the caller runs in a testing/synctest bubble.
// Reading the bubble's id costs a microsecond or two (internal/bubble); the
// clock answers at once for the common case, real time.
func inBubble() bool { return time.Now().Before(virtualEpoch) && bubble.ID() != 0 }

// Done is closed once the close event has been dispatched and the socket's
// goroutines have finished their work.
func (w *WebSocket) Done() <-chan struct{} { return w.done }

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

// BufferedAmount implements IWebSocket, as the WHATWG standard defines it
// (see the package doc, "Semantics"): data Send wrote counts at once and
// until a turn of the socket's event loop finds the transport has taken it
// (never during a listener call); data it discarded while Closing or
// Closed counts for good.
func (w *WebSocket) BufferedAmount() int { return w.buffered.Value() }

// AddEventListener implements WebSocketLike.
func (w *WebSocket) AddEventListener(typ EventType, l Listener, opts ...ListenerOption) {
	w.target.AddEventListener(typ, l, opts...)
	w.hold.Added()
}

// RemoveEventListener implements WebSocketLike.
func (w *WebSocket) RemoveEventListener(typ EventType, l Listener) {
	w.target.RemoveEventListener(typ, l)
}

// Send implements WebSocketLike. While Open, it writes the message on the
// caller's goroutine, without waiting: what the transport cannot take at
// once is written in the background, and counts in BufferedAmount until
// then.
func (w *WebSocket) Send(m Message) error {
	if err := m.validate(); err != nil {
		return err
	}
	w.mu.Lock()
	switch ReadyState(w.state.Load()) {
	case Connecting:
		w.mu.Unlock()
		return ErrInvalidState
	case Open:
		conn, tr := w.conn, w.transport
		w.wmu.Lock()
		w.mu.Unlock()
		err := w.buffered.Send(len(m.Data), func() error {
			err := conn.WriteMessage(int(m.Type), m.Data) // copies m.Data
			if err == nil {
				tr.Track(len(m.Data))
			}
			return err
		})
		w.wmu.Unlock()
		if err != nil && !errors.Is(err, websocket.ErrCloseSent) {
			// The transport broke; closing it makes the reader finish.
			conn.Close()
		}
		return nil
	}
	w.mu.Unlock()
	// Closing or Closed: the data is discarded but still counted (WHATWG
	// WebSockets, send()).
	w.buffered.Discarded(len(m.Data))
	return nil
}

// Close implements WebSocketLike.
func (w *WebSocket) Close(code int, reason string) error {
	if err := ValidateClose(code, reason); err != nil {
		return err
	}
	w.mu.Lock()
	switch ReadyState(w.state.Load()) {
	case Connecting:
		// "If the WebSocket connection is not yet established: fail the
		// WebSocket connection and set the ready state to CLOSING."
		w.state.Store(int32(Closing))
		w.aborted = true
		w.cancel()
		if w.transport != nil {
			w.transport.Close()
		}
		if w.conn != nil {
			w.conn.Close()
		}
		w.mu.Unlock()
	case Open:
		w.state.Store(int32(Closing))
		w.closeQueued = true
		already := w.closeSent
		w.closeSent = true
		conn := w.conn
		w.wmu.Lock() // behind the messages already sent
		w.mu.Unlock()
		if !already {
			conn.WriteControl(websocket.CloseMessage, closePayload(code, reason), time.Now().Add(w.opts.closeTimeout))
		}
		w.wmu.Unlock()
		// Wait for the server's close frame at most closeTimeout; then drop
		// the connection (the close event then has code 1006, WasClean
		// false).
		t := time.AfterFunc(w.opts.closeTimeout, func() {
			w.mu.Lock()
			w.closeTimedOut = true
			w.mu.Unlock()
			conn.Close()
		})
		w.mu.Lock()
		if w.ended {
			t.Stop()
		} else {
			w.closeTimer = t
		}
		w.mu.Unlock()
	default:
		w.mu.Unlock()
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

func (w *WebSocket) failure() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.failErr != nil {
		return w.failErr
	}
	return ErrClosedBeforeOpen
}

// setTransport records the transport being dialed so that Close can abort
// it.
func (w *WebSocket) setTransport(c *nbconn.Conn, g *closeguard.Conn) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.aborted {
		return false
	}
	w.transport, w.guard = c, g
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
	switch {
	case d.NetDialTLSContext != nil:
		d.NetDialTLSContext = w.recordDial(d.NetDialTLSContext)
	case tlsBelowGuard(&d, w.url):
		d.NetDialTLSContext = w.recordDial(dialTLS(base, d.TLSClientConfig))
	}
	return &d
}

func (w *WebSocket) recordDial(dial func(context.Context, string, string) (net.Conn, error)) func(context.Context, string, string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		nc := nbconn.New(c)
		g := closeguard.Client(nc)
		if !w.setTransport(nc, g) {
			c.Close()
			return nil, ErrClosedBeforeOpen
		}
		return g, nil
	}
}

// run dials, then reads until the connection ends, dispatching the events
// as it goes: it is the socket's dispatch goroutine.
func (w *WebSocket) run(ctx context.Context) {
	if d := w.opts.dialer; d.NetDialContext == nil && d.NetDial == nil {
		// The system's dialer: grow the stack before it does, in steps.
		// A dialer of one's own (an in-memory one) may need far less.
		_ = growStack()
	}
	defer close(w.done)
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
	err = ValidateSubprotocolAnswer(w.protocols, protocol)
	if err == nil {
		err = ValidateExtensionsAnswer(extensionsOffered(resp), resp.Header.Values("Sec-WebSocket-Extensions"))
	}
	if err != nil {
		// RFC 6455 §4.1 and the Fetch standard: fail the connection.
		conn.Close()
		w.fail(&HandshakeError{StatusCode: resp.StatusCode, Header: resp.Header, Err: err})
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
	tr := w.transport
	w.mu.Unlock()
	w.buffered.SetPending(bufamount.PendingFunc(tr.Buffered))
	tr.OnTaken(w.buffered.Taken)
	tr.SetNonblocking()

	if w.opts.readLimit > 0 {
		conn.SetReadLimit(w.opts.readLimit)
	}
	conn.SetCloseHandler(func(code int, reason string) error {
		w.onCloseFrame(conn, code, reason)
		return nil
	})
	w.open(protocol, resp.Header.Get("Sec-WebSocket-Extensions"))
	w.readLoop(conn)
}

// open makes the socket Open and dispatches the open event, unless Close
// was called meanwhile (the reader then finds the connection closed).
func (w *WebSocket) open(protocol, extensions string) {
	// The state changes with the event (WHATWG WebSockets: one task does
	// both), so it waits for the listener too: the code that made the
	// socket reads CONNECTING until then.
	w.awaitListener(EventOpen)
	w.mu.Lock()
	if ReadyState(w.state.Load()) != Connecting {
		w.mu.Unlock()
		return
	}
	w.protocol, w.extensions = protocol, extensions
	w.state.Store(int32(Open))
	w.mu.Unlock()
	w.dispatch(OpenEvent{})
	// Dial returns once the open event has been dispatched: a listener
	// added after it returns does not see the event.
	close(w.opened)
}

// fail ends a connection that never opened: an error event, then close
// 1006.
func (w *WebSocket) fail(err error) {
	w.setFailErr(err)
	w.closed(CloseAbnormalClosure, "", false, true, err)
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
		// WHATWG WebSockets, "feedback from the protocol": a message that
		// arrives when the ready state is not OPEN is not dispatched.
		if ReadyState(w.state.Load()) == Open {
			w.dispatch(MessageEvent{Message{Type: MessageType(mt), Data: data}})
		}
	}
}

// onCloseFrame runs on the reader goroutine when a close frame arrives.
// When the server started the closing handshake, the socket becomes
// Closing and the client echoes its code (RFC 6455 §5.5.1).
func (w *WebSocket) onCloseFrame(conn *websocket.Conn, code int, reason string) {
	w.mu.Lock()
	code = w.guard.SentCode(code)
	echo := !w.closeSent
	w.closeSent = true
	if echo && ReadyState(w.state.Load()) == Open {
		w.state.Store(int32(Closing))
	}
	w.mu.Unlock()
	if !echo {
		return
	}
	// The echo carries the code and reason received, as Chromium's does
	// (RFC 6455 §5.5.1: "typically echos the status code it received").
	payload := []byte{}
	if code != CloseNoStatusReceived {
		payload = websocket.FormatCloseMessage(code, reason)
	}
	conn.WriteControl(websocket.CloseMessage, payload, time.Now().Add(w.opts.closeTimeout))
}

// finish ends the connection after the reader stopped with err, and
// dispatches the close event that says how.
func (w *WebSocket) finish(conn *websocket.Conn, err error) {
	if errors.Is(err, closeguard.ErrCloseBodySize) {
		// Fail the connection as gorilla does on its own protocol errors
		// (RFC 6455 §7.1.7), and as Chromium does: close 1002 first.
		conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(CloseProtocolError, ""), time.Now().Add(w.opts.closeTimeout))
	}
	var ce *websocket.CloseError
	if errors.As(err, &ce) && ce.Code != CloseAbnormalClosure {
		// The closing handshake completed: the echo of the server's close
		// frame reaches it before the transport closes (over TLS it is
		// written in the background; RFC 6455 §7.1.1).
		w.mu.Lock()
		tr := w.transport
		w.mu.Unlock()
		tr.Flush(time.Now().Add(w.opts.closeTimeout))
	}
	conn.Close() // and waits for the transport's background writer
	w.mu.Lock()
	w.ended = true
	if w.closeTimer != nil {
		w.closeTimer.Stop()
		w.closeTimer = nil
	}
	aborted, closing, timedOut := w.aborted, w.closeQueued, w.closeTimedOut
	w.mu.Unlock()

	// gorilla reports an unexpected EOF as a *CloseError with code 1006, so
	// only a CloseError after a real close frame counts as one.
	switch {
	case errors.As(err, &ce) && ce.Code != CloseAbnormalClosure:
		// The closing handshake completed: the server's close frame either
		// answered ours or we echoed it.
		w.closed(w.guard.SentCode(ce.Code), ce.Text, true, false, nil)
	case aborted:
		w.fail(ErrClosedBeforeOpen)
	case closing:
		// Our close frame went unanswered (close timeout, or the server
		// vanished): closed, not cleanly, but the client asked for it, so
		// nothing failed.
		switch {
		case timedOut:
			err = ErrCloseTimeout
		case errors.As(err, &ce):
			err = fmt.Errorf("wsdouble: connection lost: %w", io.ErrUnexpectedEOF)
		}
		w.closed(CloseAbnormalClosure, "", false, false, err)
	case lost(err):
		// The transport went away under an open connection (a FIN, an
		// RST): RFC 6455 §7.1.5, "the WebSocket Connection is Closed"
		// without a close frame, code 1006. The browser dispatches no
		// error event here (WHATWG WebSockets: the error event is for
		// "fail the WebSocket connection", not for a connection that
		// closed), and neither does Chromium.
		if errors.As(err, &ce) {
			err = fmt.Errorf("wsdouble: connection lost: %w", io.ErrUnexpectedEOF)
		}
		w.setFailErr(err)
		w.closed(CloseAbnormalClosure, "", false, false, err)
	default:
		// The server broke the protocol (a bad frame, bad UTF-8, a
		// message over the read limit): fail the connection (RFC 6455
		// §7.1.7): an error event, then close 1006.
		w.fail(err)
	}
}

// lost reports whether err, which stopped the reader, says that the
// transport went away rather than that the server broke the protocol.
// gorilla reports an EOF as a *CloseError with code 1006; a reset, a broken
// pipe or a timeout comes as a net.Error or a bare errno (the in-memory
// transport).
func lost(err error) bool {
	var (
		ce    *websocket.CloseError
		ne    net.Error
		errno syscall.Errno
	)
	return errors.As(err, &ce) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || errors.As(err, &ne) || errors.As(err, &errno)
}

func (w *WebSocket) setFailErr(err error) {
	w.mu.Lock()
	w.failErr = err
	w.mu.Unlock()
}

// closed makes the socket Closed, with err as what Err reports, and
// dispatches an error event with err, if fail, then the close event.
func (w *WebSocket) closed(code int, reason string, clean, fail bool, err error) {
	if fail {
		w.awaitListener(EventError)
	} else {
		w.awaitListener(EventClose)
	}
	w.mu.Lock()
	w.state.Store(int32(Closed))
	w.closeErr = err
	w.mu.Unlock()
	if fail {
		w.dispatch(ErrorEvent{Err: err})
	}
	w.dispatch(CloseEvent{Code: code, Reason: reason, WasClean: clean})
}

// CloseCause returns what ws's Err method reports, for a socket that has
// one (a *WebSocket, a wstest.Fake), or nil: why the connection closed
// without a closing handshake, which the browser's events never say.
func CloseCause(ws IWebSocket) error {
	if e, ok := ws.(interface{ Err() error }); ok {
		return e.Err()
	}
	return nil
}

// Err reports why the connection closed without a closing handshake, which
// the browser's WebSocket never says: an error wrapping io.ErrUnexpectedEOF
// after the server dropped the connection, one wrapping syscall.ECONNRESET
// after a reset, ErrCloseTimeout when the server did not answer our close
// frame, the ErrorEvent's error after a failed connection. It is nil while
// the socket is not Closed and after a clean close. Like the ready state,
// it is set before the close event is dispatched.
func (w *WebSocket) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.closeErr
}

// turner runs the turns of a socket's event loop that BufferedAmount asks
// for, each on a goroutine of its own: the socket's dispatch goroutine may
// be reading, and a turn that finds a dispatch running waits for its end
// (internal/bufamount).
type turner WebSocket

func (t *turner) ScheduleTurn() { go t.buffered.Turn() }

// newHold returns the hold of a socket made now: none for one whose
// listeners come with its options (noHold), the instant of construction
// inside a synctest bubble, else a window of real time.
func newHold(noHold bool) *listenhold.Hold {
	switch {
	case noHold:
		return new(listenhold.Hold)
	case inBubble():
		return listenhold.StartInstant()
	}
	return listenhold.Start(false)
}

// dispatch dispatches e, first giving the code that made the socket the
// moment to add a listener for it (see internal/listenhold). The dispatch
// is a task of the socket's event loop: BufferedAmount changes only
// between tasks.
func (w *WebSocket) dispatch(e Event) {
	w.awaitListener(e.Type())
	w.buffered.BeginTask()
	w.target.DispatchEvent(e)
	w.buffered.EndTask()
}

// awaitListener returns when an event of type typ may be dispatched (see
// internal/listenhold): at once, but in the first moments of the socket
// when no listener for typ has been added yet; inside a synctest bubble,
// at the instant the socket was made (listenhold.StartInstant).
func (w *WebSocket) awaitListener(typ EventType) {
	if w.hold.Holding() {
		w.hold.Wait(func() bool { return w.target.Len(typ) > 0 })
	}
}

// growStack grows the calling goroutine's stack at once to what a dial with
// the system's dialer needs. A goroutine starts with a small stack, which
// the runtime doubles, copying it, each time a call would overflow it; the
// dial (resolver, connect, HTTP request) goes deep enough to double it
// twice, each copy walking every frame below. Grown here, at the top of
// run, the stack is copied once, with one frame on it. The stack is no
// bigger for it: the dial grows it to this size anyway, and the runtime
// shrinks it again when an idle socket's goroutine uses little of it.
//
// What it saves, BenchmarkConnect/loopback with -cpuprofile, runtime.newstack
// under run (Go 1.26, 2 shared cores, ~125,000 connects each way): 5.8 µs
// of stack growth per connect without it, 1.2 µs with it (its own one
// copy), so 4.6 µs, about 2% of a loopback connect's CPU. That is below
// what the benchmark's cpu-ns/op resolves on a busy machine (10 interleaved
// runs each way: no significant difference), so the profile is the figure
// to check it by.
//
//go:noinline
func growStack() byte {
	var buf [dialStack]byte
	// Writing and reading through an index the compiler cannot know
	// keeps it from dropping the array.
	buf[stackProbe] = 1
	return buf[stackProbe/2]
}

// dialStack is the room growStack makes: with it the stack grows once, to
// 8 KiB, which a dial to an IP address fits in (BenchmarkConnect/loopback:
// no stack copy left in the dial). A deeper dial, through a resolver say,
// grows it once more.
const dialStack = 6 << 10

// stackProbe is only ever read.
var stackProbe = 100
