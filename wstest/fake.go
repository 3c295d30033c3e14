package wstest

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/internal/bufamount"
	"github.com/wsdouble/wsdouble/internal/eventloop"
	"github.com/wsdouble/wsdouble/internal/listenhold"
)

// What Err reports for a Fake whose open connection went away, as close
// as possible to the real client's: errors.Is(err, io.ErrUnexpectedEOF)
// after a drop, errors.Is(err, syscall.ECONNRESET) after a reset.
var (
	errFakeDropped = fmt.Errorf("wstest: connection lost: %w", io.ErrUnexpectedEOF)
	errFakeReset   = fmt.Errorf("wstest: connection reset by peer: %w", syscall.ECONNRESET)
)

// errFakeAbort is the ErrorEvent error of a Fake whose handshake the server
// aborted, as close as possible to the real client's:
// errors.Is(err, io.ErrUnexpectedEOF).
var errFakeAbort = fmt.Errorf("wstest: the server closed the connection during the handshake: %w", io.ErrUnexpectedEOF)

// errFakeBadUTF8 is the ErrorEvent error of a Fake that received a text
// message that is not valid UTF-8.
var errFakeBadUTF8 = errors.New("wstest: received a text message that is not valid UTF-8")

// errGaveUpClosing is the error the server end sees when a Fake's client
// gives up on its closing handshake (its close timeout) and goes.
var errGaveUpClosing = errors.New("the client gave up on its close")

// Fake is an in-memory wsdouble.IWebSocket with exactly the semantics of the
// real client (the same conformance checks pass), made by a FakeDialer's
// Constructor. Its server end is a Peer, returned by Accept on its attempt
// and by Peer. Nothing goes through a socket or an HTTP handshake: what the
// server end sends is dispatched to the client's listeners, and what the
// client sends is handed to the server end, with no latency unless a fault
// adds some (see Fault).
//
// Beyond the contract, a Fake records what it did (Sent, Received, Events)
// and can dispatch events the browser never would (Inject).
//
// As a browser does, its handshake offers permessage-deflate (an answer
// naming another extension fails the connection), and its client answers
// the server end's pings (Peer.Ping) by itself, never pings, and shows its
// listeners no ping or pong. It has no wire: Peer.WriteFrame returns
// ErrNoWire.
//
// A Fake is the client half of a connection; its server half is the same
// connection core a Server's connection has. The Fake is the core's
// transport: it delivers what the server end sends as events, and hands it
// what the client sends.
type Fake struct {
	d        *FakeDialer
	conn     conn          // the server end: the Peer
	rec      AttemptRecord // its entry in the dialer's log; d.mu guards it
	count    msgCount      // the messages each way, for rec
	attempt  FakeAttempt   // what NextAttempt hands out
	target   wsdouble.EventTarget
	ready    atomic.Int32 // a wsdouble.ReadyState, written with mu held
	loop     eventloop.Loop[fakeTask]
	hold     listenhold.Hold
	buffered bufamount.Amount // BufferedAmount: falls only between tasks
	checked  atomic.Bool      // Receive has checked its caller's bubble exactly once

	mu         sync.Mutex
	phase      clientPhase
	opened     bool   // the open event was dispatched: Protocol and Extensions report the answer
	extensions string // chosen by Accept
	binaryType string
	closeErr   error       // what Err reports
	closeTimer *time.Timer // the client's close timeout, in clientClosing
	sent       history[wsdouble.Message]
	events     history[wsdouble.Event]
}

var _ wsdouble.IWebSocket = (*Fake)(nil)

// clientPhase is where a Fake's client is in its connection, ahead of the
// ready state scripts see (which changes only when the matching task
// runs).
type clientPhase uint8

const (
	// clientConnecting: the attempt is not answered.
	clientConnecting clientPhase = iota
	// clientOpen: accepted; messages flow.
	clientOpen
	// clientClosing: the client sent its close frame and waits for the
	// server's, or its close timeout.
	clientClosing
	// clientSettled: the outcome is decided and the close event queued.
	clientSettled
)

type fakeTaskKind uint8

const (
	fakeOpen fakeTaskKind = iota
	fakeMessage
	fakeClosing
	fakeClosed
	fakeRaw
	fakeTurn // a turn of the loop for BufferedAmount, between tasks
)

// fakeTask is kept small: one is copied per message.
type fakeTask struct {
	kind fakeTaskKind
	fail bool           // fakeClosed: an ErrorEvent with err comes first
	ev   wsdouble.Event // the MessageEvent, CloseEvent or injected event
	err  error          // fakeClosed: what Err reports
}

// postClosed queues the close event of a completed closing handshake.
func (f *Fake) postClosed(code int, reason string) {
	f.loop.Post(fakeTask{kind: fakeClosed, ev: wsdouble.CloseEvent{Code: code, Reason: reason, WasClean: true}})
}

// postUnclean queues a close event with code 1006, cause for Err, and no
// error event: the client gave up on its closing handshake, or the open
// connection went away (a drop, a reset).
func (f *Fake) postUnclean(cause error) {
	f.loop.Post(fakeTask{kind: fakeClosed, err: cause, ev: wsdouble.CloseEvent{Code: wsdouble.CloseAbnormalClosure}})
}

// postFailed queues an error event with err, then close 1006.
func (f *Fake) postFailed(err error) {
	f.loop.Post(fakeTask{kind: fakeClosed, fail: true, err: err, ev: wsdouble.CloseEvent{Code: wsdouble.CloseAbnormalClosure}})
}

// newFake makes a Fake for an attempt made at now (a reading of
// time.Now) and starts its dispatch goroutine.
func newFake(d *FakeDialer, url string, protocols []string, now time.Time) *Fake {
	f := &Fake{d: d, binaryType: wsdouble.BinaryTypeBlob}
	f.rec = AttemptRecord{Time: now, URL: url, Protocols: protocols}
	f.attempt.f = f
	f.conn.init(f, &d.acceptor, &f.rec, &d.cfg, true, &f.count, &f.buffered)
	if !d.guard.virtual {
		f.hold.Init(now) // inside a bubble the zero Hold holds nothing
	}
	f.buffered.Init((*fakeRunner)(f), (*fakeRunner)(f))
	f.loop.Init((*fakeRunner)(f))
	return f
}

// fakeRunner runs a Fake's tasks on its loop (a method value would cost
// an allocation per Fake).
type fakeRunner Fake

func (r *fakeRunner) RunTask(t fakeTask) bool { return (*Fake)(r).runTask(t) }

// ScheduleTurn implements bufamount.Loop: the turn is a task of the loop.
func (r *fakeRunner) ScheduleTurn() { r.loop.Post(fakeTask{kind: fakeTurn}) }

// Pending implements bufamount.Pending: the Fake's transport is the server
// end's inbox.
func (r *fakeRunner) Pending() int { return r.conn.in.untaken() }

// browserExtensions is what a browser offers in Sec-WebSocket-Extensions
// (Chromium's value), and so what a Fake offers: an answer that names
// another extension fails the connection (see FakeAttempt.Accept).
const browserExtensions = "permessage-deflate; client_max_window_bits"

// fakeRequest is the handshake request a browser would send for url.
func fakeRequest(url string, protocols []string) *http.Request {
	req, _ := http.NewRequest(http.MethodGet, "http"+url[2:], nil) // ws→http, wss→https
	req.Header = http.Header{
		"Upgrade":                  {"websocket"},
		"Connection":               {"Upgrade"},
		"Sec-Websocket-Version":    {"13"},
		"Sec-Websocket-Key":        {"dGhlIHNhbXBsZSBub25jZQ=="},
		"Sec-Websocket-Extensions": {browserExtensions},
	}
	if len(protocols) > 0 {
		req.Header.Set("Sec-Websocket-Protocol", strings.Join(protocols, ", "))
	}
	req.RequestURI = req.URL.RequestURI()
	return req
}

// Peer returns the server's end of the fake's connection. It is the Peer
// that Accept returns; before Accept, its Send fails.
func (f *Fake) Peer() Peer { return &f.conn }

// N returns the number of the fake's attempt in its dialer's log.
func (f *Fake) N() int { return f.rec.N }

// Done is closed once the close event has been dispatched.
func (f *Fake) Done() <-chan struct{} { return f.loop.Done() }

// Err reports why the connection closed without a closing handshake, as
// (*wsdouble.WebSocket).Err does: an error wrapping io.ErrUnexpectedEOF
// after a drop, one wrapping syscall.ECONNRESET after a reset,
// wsdouble.ErrCloseTimeout when the server end never answered the client's
// close frame, the ErrorEvent's error after a failed connection; nil while
// not Closed and after a clean close.
func (f *Fake) Err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.closeErr
}

// Sent returns a snapshot of the messages the client sent that reached the
// server end, in order: messages a fault lost are not among them; those
// still held back by a full inbox are (see InboxLimit).
func (f *Fake) Sent() []wsdouble.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sent.all()
}

// Received returns a snapshot of the messages dispatched to the client's
// listeners, in order.
func (f *Fake) Received() []wsdouble.Message {
	var out []wsdouble.Message
	for _, e := range f.Events() {
		if m, ok := e.(wsdouble.MessageEvent); ok {
			out = append(out, m.Message)
		}
	}
	return out
}

// Events returns a snapshot of every event dispatched, in order.
func (f *Fake) Events() []wsdouble.Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.events.all()
}

// Inject dispatches events exactly as given, in order, after any events
// already queued: no ready state changes, no connection changes, nothing
// checked.
//
// This is off the spec on purpose. A browser never produces, say, an error
// event without a close event, a close event with WasClean true and code
// 1006, an ErrorEvent whose Err is a custom value, or a message after the
// close event; clients that normalize what sockets report (medplum's does)
// must still cope, and Inject lets a test produce it. An event injected
// after the close event has been dispatched is not delivered, and Inject
// returns an error.
func (f *Fake) Inject(events ...wsdouble.Event) error {
	if err := f.d.guard.quick("Fake.Inject"); err != nil {
		return err
	}
	for _, e := range events {
		if !f.loop.Post(fakeTask{kind: fakeRaw, ev: e}) {
			return errors.New("wstest: Fake.Inject: the close event was already dispatched")
		}
	}
	return nil
}

// ReadyState implements wsdouble.WebSocketLike.
func (f *Fake) ReadyState() wsdouble.ReadyState { return wsdouble.ReadyState(f.ready.Load()) }

func (f *Fake) setReadyLocked(s wsdouble.ReadyState) { f.ready.Store(int32(s)) }

// URL implements wsdouble.IWebSocket.
func (f *Fake) URL() string { return f.rec.URL }

// Protocol implements wsdouble.IWebSocket.
func (f *Fake) Protocol() string {
	f.mu.Lock()
	opened := f.opened
	f.mu.Unlock()
	if !opened {
		return ""
	}
	return f.conn.Protocol()
}

// Extensions implements wsdouble.IWebSocket.
func (f *Fake) Extensions() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.opened {
		return ""
	}
	return f.extensions
}

// BinaryType implements wsdouble.IWebSocket.
func (f *Fake) BinaryType() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.binaryType
}

// SetBinaryType implements wsdouble.IWebSocket.
func (f *Fake) SetBinaryType(t string) {
	if t != wsdouble.BinaryTypeBlob && t != wsdouble.BinaryTypeArrayBuffer {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.binaryType = t
}

// BufferedAmount implements wsdouble.IWebSocket, as the real client does
// (see the wsdouble package doc, "Semantics"): data sent while open counts
// at once, and until a turn of the Fake's event loop finds the server end
// took it: at once, unless its inbox is full (see InboxLimit), when it
// waits in the client, in order, until the server end has room for it, as
// a browser's bufferedAmount counts what the network has not taken. It
// never falls during a listener call. Data sent while closing or closed
// is discarded and counts for good (WHATWG WebSockets, send()), and so
// does data still waiting when the connection ends abruptly.
func (f *Fake) BufferedAmount() int { return f.buffered.Value() }

// AddEventListener implements wsdouble.WebSocketLike.
func (f *Fake) AddEventListener(typ wsdouble.EventType, l wsdouble.Listener, opts ...wsdouble.ListenerOption) {
	f.target.AddEventListener(typ, l, opts...)
	f.hold.Added()
}

// dispatch dispatches e, giving the code that made the fake, outside a
// synctest bubble, the moment to add a listener for it (see settle for
// inside one).
func (f *Fake) dispatch(e wsdouble.Event) {
	if f.hold.Holding() {
		typ := e.Type()
		f.hold.Wait(func() bool { return f.target.Len(typ) > 0 })
	}
	f.buffered.BeginTask()
	f.target.DispatchEvent(e)
	f.buffered.EndTask()
}

// RemoveEventListener implements wsdouble.WebSocketLike.
func (f *Fake) RemoveEventListener(typ wsdouble.EventType, l wsdouble.Listener) {
	f.target.RemoveEventListener(typ, l)
}

// Send implements wsdouble.WebSocketLike.
func (f *Fake) Send(m wsdouble.Message) error {
	if err := wsdouble.ValidateMessage(m); err != nil {
		return err
	}
	if err := f.d.guard.quick("Fake.Send"); err != nil {
		return err
	}
	f.mu.Lock()
	switch wsdouble.ReadyState(f.ready.Load()) {
	case wsdouble.Connecting:
		f.mu.Unlock()
		return wsdouble.ErrInvalidState
	case wsdouble.Open:
		if f.phase == clientOpen {
			f.mu.Unlock()
			// Counted and handed over under the count's lock, so that a
			// turn sees the message either taken or held back by a full
			// inbox. (fromClient never calls back into the count: an end
			// it causes leaves the count to the close event's turn.)
			f.buffered.Send(len(m.Data), func() error {
				f.conn.fromClient(m, false)
				return nil
			})
			return nil
		}
	}
	f.mu.Unlock()
	// Closing or Closed, or the connection already ended: discarded, but
	// counted (WHATWG WebSockets, send()).
	f.buffered.Discarded(len(m.Data))
	return nil
}

// Close implements wsdouble.WebSocketLike. The server end answers a close
// frame at once, as a Server does, unless a fault says otherwise.
func (f *Fake) Close(code int, reason string) error {
	if err := wsdouble.ValidateClose(code, reason); err != nil {
		return err
	}
	if err := f.d.guard.quick("Fake.Close"); err != nil {
		return err
	}
	f.mu.Lock()
	switch wsdouble.ReadyState(f.ready.Load()) {
	case wsdouble.Connecting:
		// "If the WebSocket connection is not yet established: fail the
		// WebSocket connection and set the ready state to CLOSING."
		f.setReadyLocked(wsdouble.Closing)
		phase := f.phase
		f.phase = clientSettled
		f.mu.Unlock()
		switch phase {
		case clientConnecting:
			if f.conn.endUnanswered() {
				f.d.answer(f, Abandoned, 0, "", errors.New("client went away: closed while connecting"))
			}
		case clientOpen:
			f.conn.transportEnded(errors.New("the client closed before the open event"))
		}
		f.postFailed(wsdouble.ErrClosedBeforeOpen)
	case wsdouble.Open:
		f.setReadyLocked(wsdouble.Closing)
		if f.phase != clientOpen {
			f.mu.Unlock()
			return nil // the connection's end is already decided
		}
		f.phase = clientClosing
		f.closeTimer = time.AfterFunc(f.d.cfg.fakeCloseTO, f.giveUpClosing)
		f.mu.Unlock()
		f.sendCloseFrame(code, reason)
	default:
		f.mu.Unlock()
	}
	return nil
}

// sendCloseFrame sends the client's close frame to the server end: WHATWG
// "close the WebSocket": no code sends a frame without one (read as
// 1005); a reason alone is sent with 1000.
func (f *Fake) sendCloseFrame(code int, reason string) {
	if code == 0 {
		code = wsdouble.CloseNoStatusReceived
		if reason != "" {
			code = wsdouble.CloseNormalClosure
		}
	}
	f.conn.closeFrame(code, reason)
}

// giveUpClosing is the client's close timeout: the server end never
// answered, and the client drops the connection (close 1006, no error
// event).
func (f *Fake) giveUpClosing() {
	if !f.settle(clientClosing) {
		return
	}
	f.conn.transportEnded(errGaveUpClosing)
	f.postUnclean(wsdouble.ErrCloseTimeout)
}

// settle decides the client's closing outcome, once, if it is in phase
// from (or in any phase but clientSettled and clientConnecting, when from
// is clientSettled): it reports whether it did.
func (f *Fake) settle(from clientPhase) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.phase == clientSettled, f.phase == clientConnecting:
		return false
	case from != clientSettled && f.phase != from:
		return false
	}
	f.phase = clientSettled
	if f.closeTimer != nil {
		f.closeTimer.Stop()
	}
	return true
}

// The Fake as its conn's transport: the client side of the wire.

func (f *Fake) check(op string) error  { return f.d.guard.quick(op) }
func (f *Fake) request() *http.Request { return fakeRequest(f.rec.URL, f.rec.Protocols) }

// beforeWait runs before Receive waits. The exact check reads the
// goroutine's stack, which costs more than the rest of a Receive: it is
// done on the first wait only, and later ones check the clock (quick),
// which catches a fake used across real and virtual time but not one
// passed between two bubbles.
func (f *Fake) beforeWait() error {
	g := f.d.guard
	if err := g.quick("Peer.Receive"); err != nil {
		return err
	}
	if f.checked.Load() {
		return nil
	}
	if err := g.check("Peer.Receive"); err != nil {
		return err
	}
	f.checked.Store(true)
	return nil
}

// deliver queues a message event. A Fake has no frames: a slicer's
// frames were counted in the message's due time (see Slicer).
func (f *Fake) deliver(m wsdouble.Message, owned bool, _ int, _ time.Duration) error {
	if !owned {
		m.Data = copyData(m.Data)
	}
	f.loop.Post(fakeTask{kind: fakeMessage, ev: wsdouble.MessageEvent{Message: m}})
	return nil
}

// deliverControl is a ping or a pong reaching the client. A browser
// answers a ping with a pong of the same payload by itself (RFC 6455
// §5.5.2), ignores a pong, and shows its scripts neither: WHATWG
// WebSockets has no event for them, so the listeners see nothing.
func (f *Fake) deliverControl(k controlKind, data []byte) error {
	if k != ctlPing {
		return nil
	}
	f.mu.Lock()
	phase := f.phase
	f.mu.Unlock()
	if phase == clientOpen || phase == clientClosing {
		f.conn.fromClientControl(ctlPong, data)
	}
	return nil
}

// took records a message of the client's that reached the server end.
func (f *Fake) took(m wsdouble.Message) {
	f.mu.Lock()
	f.sent.add(m)
	f.mu.Unlock()
}

// sendClose is the server's close frame reaching the client: the answer
// to the client's own, or the start of the server's closing handshake,
// which the client answers at once (RFC 6455 §5.5.1).
func (f *Fake) sendClose(code int, reason string) error {
	f.mu.Lock()
	phase := f.phase
	f.mu.Unlock()
	switch phase {
	case clientOpen:
		if !f.settle(clientOpen) {
			return nil
		}
		f.loop.Post(fakeTask{kind: fakeClosing})
		f.conn.closeFrame(code, reason) // the echo
	case clientClosing:
		if !f.settle(clientClosing) {
			return nil
		}
	default:
		return nil
	}
	f.postClosed(code, reason)
	return nil
}

// closeTransport is the transport ending under the client without a close
// frame: close 1006, and no error event (the browser's, and the real
// client's, behaviour when an open connection goes away; see lost in the
// wsdouble package).
func (f *Fake) closeTransport(reset bool) {
	if !f.settle(clientSettled) {
		return
	}
	if reset {
		f.postUnclean(errFakeReset)
	} else {
		f.postUnclean(errFakeDropped)
	}
}

// shutdown ends f for FakeDialer.Close (Shutdown) and DropAll (Dropped).
func (f *Fake) shutdown(kind EndKind) {
	if f.conn.endUnanswered() {
		outcome := Hung
		if kind != Shutdown {
			outcome = Aborted
		}
		f.mu.Lock()
		f.phase = clientSettled
		f.mu.Unlock()
		f.d.answer(f, outcome, 0, "", ErrClosed)
		// A client that made the Fake at this instant may not listen yet.
		settle(f.rec.Time)
		f.postFailed(errors.New("wstest: the FakeDialer was closed while connecting"))
		return
	}
	f.conn.shutdown(kind)
}

func (f *Fake) runTask(t fakeTask) (stop bool) {
	switch t.kind {
	case fakeOpen:
		return f.runOpen()
	case fakeMessage:
		return f.runMessage(t)
	case fakeClosing:
		f.mu.Lock()
		if wsdouble.ReadyState(f.ready.Load()) == wsdouble.Open {
			f.setReadyLocked(wsdouble.Closing)
		}
		f.mu.Unlock()
		return false
	case fakeClosed:
		return f.runClosed(t)
	case fakeTurn:
		f.buffered.Turn()
		return false
	}
	f.record(t.ev)
	return false
}

// record notes an event in the history, then dispatches it.
func (f *Fake) record(e wsdouble.Event) {
	f.mu.Lock()
	f.events.add(e)
	f.mu.Unlock()
	f.dispatch(e)
}

func (f *Fake) runOpen() bool {
	f.mu.Lock()
	if wsdouble.ReadyState(f.ready.Load()) != wsdouble.Connecting {
		f.mu.Unlock()
		return false
	}
	f.opened = true
	f.setReadyLocked(wsdouble.Open)
	f.mu.Unlock()
	f.record(wsdouble.OpenEvent{})
	return false
}

func (f *Fake) runMessage(t fakeTask) bool {
	// WHATWG WebSockets: a message that arrives when the ready state is
	// not OPEN is not dispatched.
	if f.ReadyState() != wsdouble.Open {
		return false
	}
	m := t.ev.(wsdouble.MessageEvent).Message
	if m.Type == wsdouble.TextMessage && !utf8.Valid(m.Data) {
		// RFC 6455 §8.1, as the real client does: invalid UTF-8 in a text
		// message fails the connection; the server reads a close frame
		// with 1007, the client an error and close 1006.
		f.mu.Lock()
		f.setReadyLocked(wsdouble.Closing)
		f.mu.Unlock()
		if f.settle(clientOpen) {
			f.conn.closeFrame(wsdouble.CloseInvalidFramePayloadData, "")
			f.conn.transportEnded(errFakeBadUTF8)
			f.postFailed(errFakeBadUTF8)
		}
		return false
	}
	f.record(t.ev)
	return false
}

func (f *Fake) runClosed(t fakeTask) bool {
	f.mu.Lock()
	f.setReadyLocked(wsdouble.Closed)
	f.closeErr = t.err
	var errEv wsdouble.Event
	if t.fail {
		errEv = wsdouble.ErrorEvent{Err: t.err}
		f.events.add(errEv)
	}
	f.events.add(t.ev)
	f.mu.Unlock()
	if t.fail {
		f.dispatch(errEv)
	}
	f.dispatch(t.ev)
	if f.rec.N > 0 {
		f.d.untrack(fakeDispatch) // a Fake refused at its dial is not tracked
	}
	return true
}
