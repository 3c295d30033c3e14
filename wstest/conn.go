package wstest

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/internal/latch"
)

// Inside wstest: one connection core.
//
//	Acceptor (FakeDialer | Server), sharing acceptor: the log, the queue
//	  of attempts, the open conns, what Close waits for
//	    hands out Attempt (FakeAttempt | serverAttempt): Accept, Refuse, Abort
//	        Accept makes the conn open; the others end it unanswered
//	conn (this file): the server's end, the Peer, whatever carries it
//	    state   connecting → open → closing{by, code, reason, answered}
//	            | aborting{End} → ended{End}; endFor turns it into the End
//	    to the client:   send → faults (fault_engine.go) → pump → transport;
//	                     close frames, pings, pongs, raw frames: sendLater
//	    from the client: fromClient → faults → inbox (inbox.go) or echo;
//	                     pings, pongs: fromClientControl → faults → their
//	                     inboxes, and the answer (control.go)
//	transport: carries frames; it delivers what the conn sends and hands it
//	    what the client sends, its control frames and the transport's end
//	    wireConn (server_conn.go): gorilla over memconn or TCP; raw frames
//	    (frame.go) only here
//	    Fake (fake.go): the client half of the connection, in process: it
//	    answers pings as a browser does
//	the fault table (fault.go, one file per family): each kind's row gives
//	    its parameters, checks, description, and hooks into the links
//
// conn is the server's end of one connection, whatever carries it: the
// Peer of a Server's connection (over the in-memory transport or
// loopback) and the server end of a Fake are each a conn and a transport.
// The conn owns the connection's state, one enum from connecting to
// ended, and decides how it ended in one place (endFor) when the decision
// is taken; its two directions are its links: what goes to the client
// passes the faults (fault_engine.go) and the pump, what comes from it the
// faults and the inbox, or the echo.
//
// A transport (the Fake, wireConn) carries frames: it delivers what the
// conn sends, and hands the conn what the client sends (fromClient,
// closeFrame) and the end of the transport (transportEnded).
type conn struct {
	t   transport
	acc *acceptor // its mu guards rec
	rec *AttemptRecord
	cfg *config

	// faults is made by the first fault applied: until then none
	// applies, and the hot paths take no lock for them (connFaults'
	// methods take a nil receiver for none). BenchmarkConnect/fake: 20
	// allocations and 2.8 KB per connect with it lazy, 23 and 3.0 KB
	// made with the conn.
	faults atomic.Pointer[connFaults]
	frames bool // the transport has frames (a slicer slices them)
	pump   pump
	in     inbox
	// controls are made by the first thing that needs them (a ping or a
	// pong from the client, AnswerPings, ReceivePing or ReceivePong; see
	// ctl): BenchmarkConnect/fake: 2.8 KB per connect with them lazy,
	// 3.3 KB made with the conn.
	controls atomic.Pointer[controls]
	echoing  echoSwitch
	count    *msgCount // messages each way, which the log reports

	// state is written with mu held and read without it on hot paths.
	state    atomic.Uint32 // a connState
	mu       sync.Mutex
	protocol string
	closing  closing // from connClosing on
	aborting End     // the End an abort ends with (Kind, Fault), from connAborting on
	end      End     // once connEnded
	timer    *time.Timer
	done     latch.Latch
}

// connState is where a connection is, for its server end.
type connState uint32

const (
	// connConnecting: a Fake's attempt, not answered yet.
	connConnecting connState = iota
	// connOpen: accepted; messages flow.
	connOpen
	// connClosing: a close frame went one way (conn.closing says which).
	connClosing
	// connAborting: the server end is ending it without a close frame,
	// behind what is queued (conn.aborting says how).
	connAborting
	// connEnded: over for the server end (conn.end says how; NotEnded for
	// an attempt never accepted). A blackhole may keep the transport open
	// for the client a while longer.
	connEnded
)

// closing is the closing handshake, once a close frame went one way.
type closing struct {
	by       EndKind // ClientClosed or ServerClosed: who sent the first close frame
	code     int     // 1005 for a frame without a code
	reason   string
	answered bool // the other side's close frame went too
}

// transport carries a conn's frames to and from the client.
type transport interface {
	// check says why a Peer method named op may not run now (a Fake used
	// outside its synctest bubble), or nil. beforeWait is checked before
	// a Receive blocks.
	check(op string) error
	beforeWait() error
	// request is the handshake request.
	request() *http.Request
	// deliver hands the client a message: in frames of slice bytes of
	// payload, gap apart, when slice > 0. owned says no one else holds
	// m.Data.
	deliver(m wsdouble.Message, owned bool, slice int, gap time.Duration) error
	// sendClose hands the client a close frame (code 1005: without a
	// code).
	sendClose(code int, reason string) error
	// deliverControl hands the client a ping or a pong.
	deliverControl(k controlKind, data []byte) error
	// closeTransport ends the transport without a close frame: a FIN, or
	// an RST when reset. It may run more than once.
	closeTransport(reset bool)
	// took tells the transport the server end took a message of the
	// client's (a Fake records it: Fake.Sent).
	took(m wsdouble.Message)
}

// echoSwitch is Echo's switch from queueing what the client sends to
// sending it back: its lock makes the choice for each message, and the
// switch, one at a time.
type echoSwitch struct {
	mu    sync.Mutex
	on    bool // what the client sends is sent back
	later bool // an echo waits in the pump: later ones queue behind it
}

// init makes c the conn of transport t, logged in rec. count counts its
// messages (nil: a new one); taken, if not nil, is told when its inbox
// takes messages the client held back.
func (c *conn) init(t transport, acc *acceptor, rec *AttemptRecord, cfg *config, wholeMessages bool, count *msgCount, taken taker) {
	c.t, c.acc, c.rec, c.cfg = t, acc, rec, cfg
	c.frames = !wholeMessages
	if count == nil {
		count = new(msgCount)
	}
	c.count = count
	acc.mu.Lock()
	rec.count = c.count // the log may be read meanwhile
	acc.mu.Unlock()
	c.in.init(cfg.inbox, taken)
}

func (c *conn) getState() connState { return connState(c.state.Load()) }

// setStateLocked moves to s. Call with mu held.
func (c *conn) setStateLocked(s connState) { c.state.Store(uint32(s)) }

// open makes an answered attempt's connection open, with the faults the
// acceptor applies to every connection.
func (c *conn) open(protocol string) {
	c.mu.Lock()
	c.protocol = protocol
	c.setStateLocked(connOpen)
	c.mu.Unlock()
	c.acc.mu.Lock()
	c.acc.conns[c] = struct{}{}
	c.acc.mu.Unlock()
	if len(c.cfg.faults) > 0 {
		c.Inject(c.cfg.faults...) // validated by the option
	}
}

// Peer's methods.

func (c *conn) Request() *http.Request { return c.t.request() }
func (c *conn) Done() <-chan struct{}  { return c.done.Done() }

func (c *conn) Protocol() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.protocol
}

// Inject implements Peer. A Slicer cannot apply to a Fake.
func (c *conn) Inject(faults ...Fault) error {
	f := c.faults.Load()
	if f == nil {
		f = newConnFaults(!c.frames, c.faultDrop)
		if !c.faults.CompareAndSwap(nil, f) {
			f = c.faults.Load()
		}
	}
	return f.add(faults...)
}

// Heal implements Peer.
func (c *conn) Heal() { c.faults.Load().heal() }

// peerErrLocked says why the server end cannot send or close now, or nil.
func (c *conn) peerErrLocked() error {
	switch c.getState() {
	case connConnecting:
		return fmt.Errorf("%w (attempt #%d has not been accepted)", ErrPeerClosed, c.rec.N)
	case connOpen:
		return nil
	case connEnded:
		return closedError(c.end)
	}
	return fmt.Errorf("%w (the connection is ending)", ErrPeerClosed)
}

// openErr says why the server end cannot send now, or nil while the
// connection is open (checked without the lock first, for the hot path).
func (c *conn) openErr() error {
	if c.getState() == connOpen {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.peerErrLocked()
}

func (c *conn) Send(m wsdouble.Message) error {
	if m.Type != wsdouble.TextMessage && m.Type != wsdouble.BinaryMessage {
		return fmt.Errorf("%w: type %v", wsdouble.ErrInvalidMessage, m.Type)
	}
	if err := c.t.check("Peer.Send"); err != nil {
		return err
	}
	return c.send(m, false)
}

// send is the one way to the client: the faults decide each message's
// fate, the pump keeps the order of what they delay. owned says m.Data is
// a copy no one else holds (an echo).
func (c *conn) send(m wsdouble.Message, owned bool) error {
	if err := c.openErr(); err != nil {
		return err
	}
	c.count.toClient.Add(1)
	v := c.faults.Load().message(ToClient, len(m.Data))
	switch {
	case v.lost:
		return nil
	case v.drop != "":
		c.faultDrop(v.drop)
		return nil
	}
	if c.faults.Load().usesPump() {
		if !owned {
			m.Data = copyData(m.Data)
		}
		c.pump.schedule(v.due, func() { c.t.deliver(m, true, v.slice, v.gap) })
		if v.dropAfter != "" {
			c.pump.schedule(v.due, func() { c.faultDrop(v.dropAfter) })
		}
		return nil
	}
	if err := c.t.deliver(m, owned, 0, 0); err != nil {
		return fmt.Errorf("wstest: Peer.Send: %w", err)
	}
	if v.dropAfter != "" {
		c.faultDrop(v.dropAfter)
	}
	return nil
}

// fromClient hands the server end a message the client sent: the faults
// decide its fate, then the inbox (or the echo) takes it. owned says m.Data
// is the conn's to keep.
func (c *conn) fromClient(m wsdouble.Message, owned bool) {
	v := c.faults.Load().message(FromClient, len(m.Data))
	switch {
	case v.lost:
		return
	case v.drop != "":
		c.faultDrop(v.drop)
		return
	}
	if !owned {
		m.Data = copyData(m.Data)
	}
	c.t.took(m)
	// Counted before the Peer can see it; uncounted if the connection
	// ended for the server meanwhile, and the Peer never will.
	c.count.fromClient.Add(1)
	c.echoing.mu.Lock()
	switch {
	case !c.echoing.on:
		if !c.in.push(m, v.due) {
			c.count.fromClient.Add(-1)
		}
	case v.dropAfter == "":
		c.echoLocked(m, v.due)
		// else: the drop below ends the connection before Echo could have
		// sent the message back.
	}
	c.echoing.mu.Unlock()
	if v.dropAfter != "" {
		c.faultDrop(v.dropAfter)
	}
}

func (c *conn) Receive(ctx context.Context) (wsdouble.Message, error) {
	return c.in.receive(ctx, c.receiveEnded, c.t.beforeWait)
}

// receiveEnded is the error of a Receive (of a message, a ping, a pong)
// once the connection has ended and nothing is left to receive.
func (c *conn) receiveEnded() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.getState() == connConnecting {
		return c.peerErrLocked()
	}
	return closedError(c.end)
}

// echo implements echoer (see Echo): it sends back the messages already
// received, then switches to echoing every later one as it arrives. It
// reports false, leaving the rest to Receive, when a message is held back
// by a fault (it is not due yet).
func (c *conn) echo() bool {
	c.echoing.mu.Lock()
	defer c.echoing.mu.Unlock()
	stopped, cancel := context.WithCancel(context.Background())
	cancel()
	for {
		m, err := c.in.receive(stopped, func() error { return ErrPeerClosed }, func() error { return nil })
		if err != nil {
			break
		}
		c.send(m, true)
	}
	if c.in.left() > 0 {
		return false
	}
	c.echoing.on = true
	return true
}

// echoLocked sends m back to the client, at once or, when a fault delays it
// (due is later) or an earlier echo was delayed, through the pump at due.
// The caller holds echoing.mu.
func (c *conn) echoLocked(m wsdouble.Message, due time.Time) {
	if !c.echoing.later && (due.IsZero() || !due.After(time.Now())) {
		c.send(m, true)
		return
	}
	c.echoing.later = true
	c.pump.schedule(due, func() { c.send(m, true) })
}

func (c *conn) Wait(ctx context.Context) (End, error) {
	if c.done.Closed() {
		return c.ended(), nil
	}
	if err := c.t.check("Peer.Wait"); err != nil {
		return End{}, err
	}
	select {
	case <-c.done.Done():
		return c.ended(), nil
	case <-ctx.Done():
		return End{}, fmt.Errorf("wstest: Peer.Wait: connection still open at %w", context.Cause(ctx))
	}
}

// ended returns how the connection ended, once done is closed.
func (c *conn) ended() End {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.end
}

// sendLater runs fn now, returning its error, or through the pump once a
// delaying fault was applied (behind the messages already queued), after
// delay, and not before a fault lets anything through (heldUntil). It is
// how what is not a message goes to the client: close frames, pings and
// pongs, raw frames.
func (c *conn) sendLater(delay time.Duration, fn func() error) error {
	if delay == 0 && !c.faults.Load().usesPump() {
		return fn()
	}
	c.pump.schedule(later(time.Now().Add(delay), c.faults.Load().heldUntil()), func() { fn() })
	return nil
}

// The closing handshake.

// Close starts the closing handshake from the server (Peer.Close).
func (c *conn) Close(code int, reason string) error {
	if err := wsdouble.ValidateServerClose(code, reason); err != nil {
		return err
	}
	if err := c.t.check("Peer.Close"); err != nil {
		return err
	}
	c.mu.Lock()
	if err := c.peerErrLocked(); err != nil {
		c.mu.Unlock()
		return err
	}
	if code == 0 {
		code = wsdouble.CloseNoStatusReceived
	}
	c.closing = closing{by: ServerClosed, code: code, reason: reason}
	c.setStateLocked(connClosing)
	c.mu.Unlock()
	c.sendLater(0, func() error {
		if !c.faults.Load().blackholed(ToClient) {
			if err := c.t.sendClose(code, reason); err != nil {
				c.dropTransport(false)
				return nil
			}
		}
		// The client answers, or the close timeout ends the connection
		// (unclean).
		c.armCloseTimer(func() { c.dropTransport(false) })
		return nil
	})
	return nil
}

// armCloseTimer runs fn after the server's close timeout, unless the
// connection ends first.
func (c *conn) armCloseTimer(fn func()) {
	t := time.AfterFunc(c.cfg.closeTimeout, fn)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.getState() == connEnded {
		t.Stop()
		return
	}
	c.timer = t
}

// closeFrame hands the server end the client's close frame. It reports
// whether the transport must stay open after it, for the server's answer
// to come or for the client to go: the transport reader then reads on
// until its end (transportEnded).
func (c *conn) closeFrame(code int, reason string) (keep bool) {
	c.mu.Lock()
	st := c.getState()
	if st == connEnded || c.faults.Load().blackholed(FromClient) {
		// Lost, or a half-open connection the server has already left.
		c.mu.Unlock()
		return true
	}
	if st == connClosing && c.closing.by == ServerClosed {
		// The answer to ours: the server closes first (RFC 6455 §7.1.1).
		c.closing.answered = true
		c.mu.Unlock()
		c.dropTransport(false)
		return false
	}
	if st != connOpen {
		c.mu.Unlock()
		return true // aborting: the drop comes
	}
	c.closing = closing{by: ClientClosed, code: code, reason: reason}
	c.setStateLocked(connClosing)
	c.mu.Unlock()
	delay, never := c.faults.Load().closeReply()
	if never {
		return true
	}
	c.sendLater(delay, func() error { c.answerClose(code); return nil })
	return delay > 0 || c.faults.Load().usesPump()
}

// answerClose answers the client's close frame, echoing its code (RFC
// 6455 §5.5.1), and closes the transport.
func (c *conn) answerClose(code int) {
	c.mu.Lock()
	c.closing.answered = true
	c.mu.Unlock()
	if c.faults.Load().blackholed(ToClient) {
		c.dropTransport(false) // the end, while the transport stays open
		return
	}
	// The end is recorded before the answer goes: a client fires its
	// close event as soon as it reads it, and a test that saw it must
	// find the end in the log.
	c.endWith(c.endFor(nil))
	c.t.sendClose(code, "")
	c.t.closeTransport(false) // the server closes first (RFC 6455 §7.1.1)
}

// Ends without a close frame.

func (c *conn) Drop() error { return c.abort(End{Kind: Dropped}) }

// Reset implements Peer: the client sees an error wrapping
// syscall.ECONNRESET.
func (c *conn) Reset() error { return c.abort(End{Kind: Reset}) }

// faultDrop drops the connection for a fault.
func (c *conn) faultDrop(reason string) { c.abort(End{Kind: Dropped, Fault: reason}) }

// abort ends the connection without a close frame, as end says (Dropped
// or Reset, and the fault that did it). A plain drop comes behind the
// messages already queued; a reset or a fault's drop at once.
func (c *conn) abort(end End) error {
	if err := c.t.check("Peer.Drop"); err != nil {
		return err
	}
	c.mu.Lock()
	switch c.getState() {
	case connOpen, connClosing:
	case connAborting, connEnded:
		err := closedError(c.end)
		c.mu.Unlock()
		return err
	default:
		err := c.peerErrLocked()
		c.mu.Unlock()
		return err
	}
	c.aborting = end
	c.setStateLocked(connAborting)
	c.mu.Unlock()
	if end.Kind == Reset || end.Fault != "" {
		c.dropTransport(end.Kind == Reset)
	} else {
		c.sendLater(0, func() error { c.dropTransport(false); return nil })
	}
	return nil
}

// shutdown ends the connection for the acceptor's Close (kind Shutdown)
// or a crash (Dropped), at once: the transport closes even behind a
// blackhole. A closing handshake under way, or an abort, keeps its End.
func (c *conn) shutdown(kind EndKind) {
	c.mu.Lock()
	switch c.getState() {
	case connOpen:
		c.aborting = End{Kind: kind}
		c.setStateLocked(connAborting)
	case connConnecting, connEnded:
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	c.endWith(c.endFor(nil))
	c.t.closeTransport(false)
}

// dropTransport ends the connection for the server end and closes the
// transport: with a FIN, or an RST when reset. While a blackhole swallows
// what goes to the client, the client sees nothing: the server's end is
// over, but the transport stays open until the client gives up.
func (c *conn) dropTransport(reset bool) {
	blackholed := c.faults.Load().blackholed(ToClient)
	// The end is recorded before the client can notice it, so that a test
	// that saw the client's close event finds it in the log.
	c.endWith(c.endFor(nil))
	if !blackholed {
		c.t.closeTransport(reset)
	}
}

// transportEnded tells the server end its transport ended, with err: the
// client went, answered our close frame or broke the protocol
// (*violation), or our own close of it came back.
func (c *conn) transportEnded(err error) { c.endWith(c.endFor(err)) }

// endFor is how the connection ends, now that its transport ended with
// err (nil when the server end decides the end itself): the one place
// that turns the state into an End.
func (c *conn) endFor(err error) End {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch c.getState() {
	case connClosing:
		h := c.closing
		end := End{Kind: h.by, Code: h.code, Reason: h.reason, Clean: h.answered}
		if h.by == ServerClosed && !h.answered {
			end.Err = err
		}
		return end
	case connAborting:
		return c.aborting
	}
	if v, ok := err.(*violation); ok {
		return End{Kind: ProtocolViolation, Code: v.code, Reason: v.reason, Err: err}
	}
	return End{Kind: ClientGone, Err: err}
}

// endWith records how the connection ended, once, and ends the server
// end: the inbox delivers what it holds, with what a client held back
// when a close frame came behind it (see Fake), then ErrPeerClosed.
func (c *conn) endWith(end End) {
	c.mu.Lock()
	if c.getState() == connEnded {
		c.mu.Unlock()
		return
	}
	if c.timer != nil {
		c.timer.Stop()
	}
	end.Time = time.Now()
	c.end = end
	c.setStateLocked(connEnded)
	c.mu.Unlock()
	c.faults.Load().stop()
	c.pump.stop()
	c.controls.Load().stop()
	if lost, _ := c.in.close(end.Kind == ClientClosed || end.Kind == ServerClosed); lost > 0 {
		c.count.fromClient.Add(-int64(lost)) // the server end never had them
	}
	c.acc.mu.Lock()
	c.rec.End = end
	delete(c.acc.conns, c)
	c.acc.mu.Unlock()
	c.done.Close()
}

// endUnanswered ends an attempt that never opened: refused, aborted,
// abandoned, hung. It reports whether it was still connecting.
func (c *conn) endUnanswered() bool {
	c.mu.Lock()
	if c.getState() != connConnecting {
		c.mu.Unlock()
		return false
	}
	c.setStateLocked(connEnded)
	c.mu.Unlock()
	c.in.close(false)
	c.controls.Load().stop()
	c.done.Close()
	return true
}

// msgCount counts the messages of a connection each way, for its record
// in the log (AttemptRecord.ToClient, FromClient), without a lock: the
// record keeps it, not the connection.
type msgCount struct {
	toClient, fromClient atomic.Int64
}

// copyData copies message data, so the caller may reuse its buffer.
func copyData(b []byte) []byte {
	c := make([]byte, len(b))
	copy(c, b)
	return c
}

var _ Peer = (*conn)(nil)
