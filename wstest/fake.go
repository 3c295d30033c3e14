package wstest

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/internal/bufamount"
	"github.com/wsdouble/wsdouble/internal/eventloop"
	"github.com/wsdouble/wsdouble/internal/latch"
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
// A Fake is made of as few objects as possible (its loop, peer, attempt,
// log record and hold are parts of it, its faults and timers are made on
// first use): a test or benchmark makes thousands, and a FakeDialer keeps
// every one for Fakes and Attempts.
type Fake struct {
	d         *FakeDialer
	rec       *AttemptRecord // &recData; guarded by d.mu
	recData   AttemptRecord
	attempt   FakeAttempt // what NextAttempt hands out
	url       string
	protocols []string
	req       *http.Request // made on first use: request()
	reqOnce   sync.Once
	target    wsdouble.EventTarget
	state     atomic.Int32 // wsdouble.ReadyState, written with mu held
	// Messages each way, copied into the attempt log by Attempts.
	toClient, fromClient atomic.Int64
	loop                 eventloop.Loop[fakeTask]
	peer                 fakePeer
	tracked              bool // the dialer counts the dispatch goroutine until it ends
	in                   inbox
	hold                 listenhold.Hold
	// faults is made by the first fault applied (see addFaults): until
	// then none applies, and the hot paths take no lock for them.
	faults atomic.Pointer[connFaults]
	pump   pump
	// emu makes transmit's choice between the inbox and an echo one with
	// Echo's switch to echoing (see fakePeer.echo).
	emu       sync.Mutex
	echoing   bool        // transmit echoes what the client sends
	echoLater bool        // an echo waits in the pump: the later ones queue behind it
	checked   atomic.Bool // Receive has checked its caller's bubble exactly once

	done     latch.Latch // the connection has ended for the server
	answered latch.Latch // the attempt is answered or gone

	mu   sync.Mutex
	wire wireState // set with setWireEnded once open
	// peerOpen is wire == wireOpen && !serverClosing, for Peer.Send to
	// check without mu: it turns true once (Accept) and false once.
	peerOpen   atomic.Bool
	replied    bool      // Accept or Refuse was called
	protocol   string    // chosen by Accept; Protocol reports it after open
	extensions string    // chosen by Accept; Extensions reports it after open
	shown      [2]string // what Protocol and Extensions report
	closeErr   error     // what Err reports
	binaryType string
	buffered   bufamount.Amount // BufferedAmount: falls only between tasks
	sent       history[wsdouble.Message]
	events     history[wsdouble.Event]
	// The first chunk of events, in the Fake: most see only a handful.
	eventChunks [1][]wsdouble.Event
	firstEvents [2]wsdouble.Event
	// The closing handshake, and faults on it.
	serverClosing bool        // the server end sent a close frame
	clientClosing bool        // the client sent a close frame
	zombie        bool        // the server's end is over, but a blackhole hid it from the client
	closeTimer    *time.Timer // the client's close timeout
	closeSettled  bool        // the client's closing handshake has an outcome
	peerEnded     bool        // endPeer has run
}

var _ wsdouble.IWebSocket = (*Fake)(nil)

// setWireEnded ends the connection on the wire. Call with f.mu held.
func (f *Fake) setWireEnded() {
	f.wire = wireEnded
	f.peerOpen.Store(false)
}

// setServerClosing notes that the server end has sent, or received, a
// close frame: it sends no more messages. Call with f.mu held.
func (f *Fake) setServerClosing() {
	f.serverClosing = true
	f.peerOpen.Store(false)
}

// wireState is the connection as the network sees it, ahead of the ready
// state scripts see (which changes only when the matching task runs).
type wireState uint8

const (
	wireConnecting wireState = iota // waiting for Accept or Refuse
	wireOpen                        // accepted; messages flow
	wireEnded                       // closed, dropped, refused or abandoned
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
	f := &Fake{
		d:          d,
		url:        url,
		protocols:  protocols,
		binaryType: wsdouble.BinaryTypeBlob,
	}
	f.recData = AttemptRecord{Time: now, URL: url, Protocols: protocols}
	f.rec = &f.recData
	f.attempt.f = f
	f.peer.f = f
	f.in.init(d.cfg.inbox, f.buffered.Taken)
	if !d.guard.virtual {
		f.hold.Init(now) // inside a bubble the zero Hold holds nothing
	}
	f.eventChunks[0] = f.firstEvents[:0]
	f.events.chunks = f.eventChunks[:]
	f.buffered.Init(f.in.untaken, (*fakeRunner)(f))
	f.loop.Init((*fakeRunner)(f))
	return f
}

// fakeRunner runs a Fake's tasks on its loop (a method value would cost
// an allocation per Fake).
type fakeRunner Fake

func (r *fakeRunner) RunTask(t fakeTask) bool { return (*Fake)(r).runTask(t) }

// ScheduleTurn implements bufamount.Loop: the turn is a task of the loop.
func (r *fakeRunner) ScheduleTurn() { r.loop.Post(fakeTask{kind: fakeTurn}) }

// addFaults applies faults to the connection.
func (f *Fake) addFaults(faults ...Fault) error {
	c := f.faults.Load()
	if c == nil {
		c = newConnFaults(true, f.faultDrop)
		if !f.faults.CompareAndSwap(nil, c) {
			c = f.faults.Load()
		}
	}
	return c.add(faults...)
}

// The connection's faults, with no lock taken while none was ever applied
// (connFaults' methods take a nil receiver for none).

func (f *Fake) faultVerdict(dir Direction, size int) verdict {
	c := f.faults.Load()
	if c == nil {
		return verdict{} // deliver now
	}
	return c.message(dir, size)
}

func (f *Fake) usesPump() bool { return f.faults.Load().usesPump() }

func (f *Fake) blackholed(dir Direction) bool { return f.faults.Load().blackholed(dir) }

func (f *Fake) closeReply() (delay time.Duration, never bool) { return f.faults.Load().closeReply() }

func (f *Fake) stopFaults() {
	if c := f.faults.Load(); c != nil {
		c.stop()
	}
}

// request returns the handshake request a browser would have sent.
func (f *Fake) request() *http.Request {
	f.reqOnce.Do(func() { f.req = fakeRequest(f.url, f.protocols) })
	return f.req
}

// fakeRequest is the handshake request a browser would send for url.
func fakeRequest(url string, protocols []string) *http.Request {
	req, _ := http.NewRequest(http.MethodGet, "http"+url[2:], nil) // ws→http, wss→https
	req.Header = http.Header{
		"Upgrade":               {"websocket"},
		"Connection":            {"Upgrade"},
		"Sec-Websocket-Version": {"13"},
		"Sec-Websocket-Key":     {"dGhlIHNhbXBsZSBub25jZQ=="},
	}
	if len(protocols) > 0 {
		req.Header.Set("Sec-Websocket-Protocol", joinProtocols(protocols))
	}
	req.RequestURI = req.URL.RequestURI()
	return req
}

func joinProtocols(p []string) string {
	s := ""
	for i, x := range p {
		if i > 0 {
			s += ", "
		}
		s += x
	}
	return s
}

// Peer returns the server's end of the fake's connection. It is the Peer
// that Accept returns; before Accept, its Send fails.
func (f *Fake) Peer() Peer { return &f.peer }

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

// Sent returns a snapshot of the messages the client sent while open and
// no fault lost, in order. It includes those still waiting for room in the
// server end's inbox (see BufferedAmount): the server end receives them
// next, unless the connection ends abruptly first.
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
func (f *Fake) ReadyState() wsdouble.ReadyState { return wsdouble.ReadyState(f.state.Load()) }

// URL implements wsdouble.IWebSocket.
func (f *Fake) URL() string { return f.url }

// Protocol implements wsdouble.IWebSocket.
func (f *Fake) Protocol() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.shown[0]
}

// Extensions implements wsdouble.IWebSocket.
func (f *Fake) Extensions() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.shown[1]
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
	switch wsdouble.ReadyState(f.state.Load()) {
	case wsdouble.Connecting:
		f.mu.Unlock()
		return wsdouble.ErrInvalidState
	case wsdouble.Open:
		if f.wire == wireOpen && !f.clientClosing {
			f.mu.Unlock()
			// The server end takes it at once: counted until a turn.
			// Counted and handed over under the count's lock, so that a
			// turn sees the message either sent or held back by a full
			// inbox. (transmit never calls back into the count: an end it
			// causes leaves the count to the close event's turn.)
			f.buffered.Send(len(m.Data), func() error {
				f.transmit(m)
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
	switch wsdouble.ReadyState(f.state.Load()) {
	case wsdouble.Connecting:
		f.state.Store(int32(wsdouble.Closing))
		wire := f.wire
		f.setWireEnded()
		f.mu.Unlock()
		switch wire {
		case wireConnecting:
			f.d.answer(f, Abandoned, 0, "", errors.New("client went away: closed while connecting"))
			f.closeDone(false)
		case wireOpen:
			f.endPeer(End{Kind: ClientGone, Err: errors.New("the client closed before the open event")})
		}
		f.postFailed(wsdouble.ErrClosedBeforeOpen)
	case wsdouble.Open:
		f.state.Store(int32(wsdouble.Closing))
		zombie := f.zombie
		open := f.wire == wireOpen
		f.clientClosing = open
		f.mu.Unlock()
		switch {
		case open:
			f.clientClose(code, reason)
		case zombie:
			f.startCloseTimeout(End{}) // the server is gone, unknown to the client
		}
	default:
		f.mu.Unlock()
	}
	return nil
}

// closeDone marks the connection ended for the server end's waiters. The
// messages the inbox still holds back reach the server end if deliverHeld
// is set (the connection ended with a close frame, which came behind
// them); otherwise they are lost, and stay in BufferedAmount, as data a
// browser had not sent when its connection ended does (WHATWG WebSockets:
// bufferedAmount does not reset). The close event's dispatch begins with
// the turn that shows either.
func (f *Fake) closeDone(deliverHeld bool) {
	f.mu.Lock()
	lost, _ := f.in.close(deliverHeld)
	f.mu.Unlock()
	if lost > 0 {
		f.fromClient.Add(-int64(lost)) // the server end never had them
	}
	f.done.Close()
}

func (f *Fake) runTask(t fakeTask) (stop bool) {
	f.mu.Lock()
	switch t.kind {
	case fakeOpen:
		if wsdouble.ReadyState(f.state.Load()) != wsdouble.Connecting {
			f.mu.Unlock()
			return false
		}
		f.shown = [2]string{f.protocol, f.extensions}
		f.state.Store(int32(wsdouble.Open))
		t.ev = wsdouble.OpenEvent{}
	case fakeMessage:
		// WHATWG WebSockets: a message that arrives when the ready state is
		// not OPEN is not dispatched.
		if wsdouble.ReadyState(f.state.Load()) != wsdouble.Open {
			f.mu.Unlock()
			return false
		}
		if m := t.ev.(wsdouble.MessageEvent).Message; m.Type == wsdouble.TextMessage && !utf8.Valid(m.Data) {
			// RFC 6455 §8.1, as the real client does: invalid UTF-8 in
			// a text message fails the connection; the server reads a
			// close frame with 1007, the client an error and close 1006.
			f.state.Store(int32(wsdouble.Closing))
			f.setWireEnded()
			f.mu.Unlock()
			f.endPeer(End{Kind: ClientClosed, Code: wsdouble.CloseInvalidFramePayloadData, Clean: true})
			if f.settleClose() {
				f.postFailed(errFakeBadUTF8)
			}
			return false
		}
	case fakeTurn:
		f.mu.Unlock()
		f.buffered.Turn()
		return false
	case fakeClosing:
		if wsdouble.ReadyState(f.state.Load()) == wsdouble.Open {
			f.state.Store(int32(wsdouble.Closing))
		}
		f.mu.Unlock()
		return false
	case fakeClosed:
		f.state.Store(int32(wsdouble.Closed))
		f.closeErr = t.err
		if f.closeTimer != nil {
			f.closeTimer.Stop()
		}
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
		f.pump.stop()
		if f.tracked {
			f.d.untrack(fakeDispatch)
		}
		return true
	}
	f.events.add(t.ev)
	f.mu.Unlock()
	f.dispatch(t.ev)
	return false
}

// copyData copies message data, so the caller may reuse its buffer.
func copyData(b []byte) []byte {
	c := make([]byte, len(b))
	copy(c, b)
	return c
}
