package wstest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/wsdouble/wsdouble"
)

// This file is the Fake's connection: its server end (fakePeer), the
// closing handshake, and what faults do to them.

// fakePeer is the server end of a Fake.
type fakePeer struct{ f *Fake }

var _ FaultPeer = (*fakePeer)(nil)

func (p *fakePeer) Request() *http.Request { return p.f.request() }
func (p *fakePeer) Done() <-chan struct{}  { return p.f.done.Done() }

func (p *fakePeer) Protocol() string {
	p.f.mu.Lock()
	defer p.f.mu.Unlock()
	return p.f.protocol
}

// Inject implements FaultPeer. A Slicer cannot apply to a Fake.
func (p *fakePeer) Inject(faults ...Fault) error { return p.f.addFaults(faults...) }

// Heal implements FaultPeer.
func (p *fakePeer) Heal() {
	if c := p.f.faults.Load(); c != nil {
		c.heal()
	}
}

// usable says why the server end cannot act, or nil. Call with f.mu held.
func (f *Fake) peerErrLocked() error {
	switch {
	case f.wire == wireConnecting:
		return fmt.Errorf("%w (attempt #%d has not been accepted)", ErrPeerClosed, f.rec.N)
	case f.wire == wireEnded || f.serverClosing:
		if f.done.Closed() {
			return closedError(f.ended())
		}
		return fmt.Errorf("%w (the connection is ending)", ErrPeerClosed)
	}
	return nil
}

func (p *fakePeer) Send(m wsdouble.Message) error { return p.send(m, false) }

// send is Send; owned says m.Data is a copy no one else holds (an echo).
func (p *fakePeer) send(m wsdouble.Message, owned bool) error {
	f := p.f
	if m.Type != wsdouble.TextMessage && m.Type != wsdouble.BinaryMessage {
		return fmt.Errorf("%w: type %v", wsdouble.ErrInvalidMessage, m.Type)
	}
	if err := f.d.guard.quick("Peer.Send"); err != nil {
		return err
	}
	if !f.peerOpen.Load() {
		f.mu.Lock()
		err := f.peerErrLocked()
		f.mu.Unlock()
		if err != nil {
			return err
		}
	}
	f.toClient.Add(1)
	v := f.faultVerdict(ToClient, len(m.Data))
	switch {
	case v.lost:
		return nil
	case v.drop != "":
		f.faultDrop(v.drop)
		return nil
	}
	if !owned {
		m.Data = copyData(m.Data)
	}
	task := fakeTask{kind: fakeMessage, ev: wsdouble.MessageEvent{Message: m}}
	if f.usesPump() {
		f.pump.schedule(v.due, func() { f.loop.Post(task) })
		if v.dropAfter != "" {
			f.pump.schedule(v.due, func() { f.faultDrop(v.dropAfter) })
		}
		return nil
	}
	f.loop.Post(task)
	if v.dropAfter != "" {
		f.faultDrop(v.dropAfter)
	}
	return nil
}

// transmit hands a message the client sent to the server end.
func (f *Fake) transmit(m wsdouble.Message) {
	v := f.faultVerdict(FromClient, len(m.Data))
	switch {
	case v.lost:
		return
	case v.drop != "":
		f.faultDrop(v.drop)
		return
	}
	m.Data = copyData(m.Data)
	f.mu.Lock()
	f.sent.add(m)
	f.mu.Unlock()
	// Counted before the Peer can see it; uncounted if the connection
	// ended for the server meanwhile, and the Peer never will.
	f.fromClient.Add(1)
	f.emu.Lock()
	switch {
	case !f.echoing:
		if !f.in.push(m, v.due) {
			f.fromClient.Add(-1)
		}
	case v.dropAfter == "":
		f.echoLocked(m, v.due)
		// else: the drop below ends the connection before Echo could have
		// sent the message back.
	}
	f.emu.Unlock()
	if v.dropAfter != "" {
		f.faultDrop(v.dropAfter)
	}
}

func (p *fakePeer) Receive(ctx context.Context) (wsdouble.Message, error) {
	f := p.f
	return f.in.receive(ctx, func() error {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.wire == wireConnecting {
			return f.peerErrLocked()
		}
		return closedError(f.ended())
	}, p.checkBubble)
}

// checkBubble runs before Receive waits. The exact check reads the
// goroutine's stack, which costs more than the rest of a Receive: it is
// done on the first wait only, and later ones check the clock (quick),
// which catches a fake used across real and virtual time but not one
// passed between two bubbles.
func (p *fakePeer) checkBubble() error {
	g := p.f.d.guard
	if err := g.quick("Peer.Receive"); err != nil {
		return err
	}
	if p.f.checked.Load() {
		return nil
	}
	if err := g.check("Peer.Receive"); err != nil {
		return err
	}
	p.f.checked.Store(true)
	return nil
}

// echo implements echoer (see Echo).
func (p *fakePeer) echo() bool {
	f := p.f
	f.emu.Lock()
	defer f.emu.Unlock()
	return echoQueued(p, &f.in, func() { f.echoing = true })
}

// echoLocked sends m back to the client, at once or, when a fault delays it
// (due is later) or an earlier echo was delayed, through the pump at due.
// The caller holds emu.
func (f *Fake) echoLocked(m wsdouble.Message, due time.Time) {
	if !f.echoLater && (due.IsZero() || !due.After(time.Now())) {
		f.peer.send(m, true)
		return
	}
	f.echoLater = true
	f.pump.schedule(due, func() { f.peer.send(m, true) })
}

func (p *fakePeer) Wait(ctx context.Context) (End, error) {
	f := p.f
	if f.done.Closed() {
		return f.ended(), nil
	}
	if err := f.d.guard.check("Peer.Wait"); err != nil {
		return End{}, err
	}
	select {
	case <-f.done.Done():
		return f.ended(), nil
	case <-ctx.Done():
		return End{}, fmt.Errorf("wstest: Peer.Wait: connection still open at %w", context.Cause(ctx))
	}
}

// sendLater runs fn now, or through the pump once a delaying fault was
// applied (behind the messages already queued), after delay.
func (f *Fake) sendLater(delay time.Duration, fn func()) {
	if delay == 0 && !f.usesPump() {
		fn()
		return
	}
	f.pump.schedule(time.Now().Add(delay), fn)
}

// settleClose decides the outcome of the client's closing handshake, once:
// it returns false if it was already decided.
func (f *Fake) settleClose() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closeSettled {
		return false
	}
	f.closeSettled = true
	if f.closeTimer != nil {
		f.closeTimer.Stop()
	}
	return true
}

// ended returns how the connection ended for the server end. Call it only
// once done is closed (closeDone), which endPeer does after recording the
// end in the log: no lock is needed then, as nothing writes it again.
func (f *Fake) ended() End { return f.rec.End }

// endPeer records how the connection ended for the server end, once.
func (f *Fake) endPeer(end End) {
	end.Time = time.Now()
	f.mu.Lock()
	if f.peerEnded {
		f.mu.Unlock()
		return
	}
	f.peerEnded = true
	f.mu.Unlock()
	f.d.ended(f, end)
	f.stopFaults()
	f.closeDone(end.Kind == ClientClosed || end.Kind == ServerClosed)
}

func (p *fakePeer) Close(code int, reason string) error {
	f := p.f
	if err := wsdouble.ValidateServerClose(code, reason); err != nil {
		return err
	}
	if err := f.d.guard.quick("Peer.Close"); err != nil {
		return err
	}
	f.mu.Lock()
	if err := f.peerErrLocked(); err != nil {
		f.mu.Unlock()
		return err
	}
	f.setServerClosing()
	f.mu.Unlock()
	if code == 0 {
		code = wsdouble.CloseNoStatusReceived
	}
	end := End{Kind: ServerClosed, Code: code, Reason: reason, Clean: true}
	f.sendLater(0, func() {
		if f.blackholed(ToClient) {
			// Lost: the server waits for an answer, then gives up; the
			// client never hears of it.
			f.mu.Lock()
			f.zombie = true
			f.setWireEnded()
			f.mu.Unlock()
			end.Clean = false
			time.AfterFunc(f.d.cfg.closeTimeout, func() { f.endPeer(end) })
			return
		}
		if !f.settleClose() {
			return // the client is closing too, and its handshake decides
		}
		f.mu.Lock()
		f.setWireEnded()
		f.mu.Unlock()
		// The client echoes the close frame at once.
		f.loop.Post(fakeTask{kind: fakeClosing})
		f.postClosed(code, reason)
		if f.blackholed(FromClient) {
			end.Clean = false // the echo is lost: the server's close timeout ends it
			time.AfterFunc(f.d.cfg.closeTimeout, func() { f.endPeer(end) })
			return
		}
		f.endPeer(end)
	})
	return nil
}

// clientClose runs the closing handshake the client started with
// Close(code, reason) while open.
func (f *Fake) clientClose(code int, reason string) {
	// WHATWG "close the WebSocket": no code sends a frame without one
	// (read as 1005); a reason alone is sent with 1000.
	wireCode := code
	if code == 0 {
		wireCode = wsdouble.CloseNoStatusReceived
		if reason != "" {
			wireCode = wsdouble.CloseNormalClosure
		}
	}
	got := End{Kind: ClientClosed, Code: wireCode, Reason: reason}
	if f.blackholed(FromClient) {
		// The close frame is lost: the server never sees it; when the
		// client gives up, it sees the client go away.
		f.startCloseTimeout(End{Kind: ClientGone, Err: errors.New("the client gave up on its close")})
		return
	}
	delay, never := f.closeReply()
	if !never && delay == 0 && !f.usesPump() {
		// No fault in the way: the server answers at once.
		f.mu.Lock()
		f.closeSettled = true
		f.setWireEnded()
		f.mu.Unlock()
		got.Clean = true
		f.endPeer(got)
		f.postClosed(wireCode, "") // the server echoes the code (RFC 6455 §5.5.1)
		return
	}
	f.mu.Lock()
	f.setServerClosing() // the server has the close frame: no more messages
	f.mu.Unlock()
	f.startCloseTimeout(got) // unclean if it fires
	if never {
		return
	}
	f.sendLater(delay, func() {
		// The server answers, then closes the transport (RFC 6455 §7.1.1).
		got.Clean = true
		if f.blackholed(ToClient) {
			f.mu.Lock()
			f.zombie = true
			f.mu.Unlock()
			f.endPeer(got) // the answer is lost; the client's timeout ends its side
			return
		}
		if f.settleClose() {
			f.mu.Lock()
			f.setWireEnded()
			f.mu.Unlock()
			f.endPeer(got)
			f.postClosed(wireCode, "")
		}
	})
}

// startCloseTimeout starts the client's close timeout: when it fires before
// the server's answer, the client drops the connection (close 1006, no
// error event) and the server end ends with ifServer, if it has not ended.
func (f *Fake) startCloseTimeout(ifServer End) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closeTimer = time.AfterFunc(f.d.cfg.fakeCloseTO, func() {
		if !f.settleClose() {
			return
		}
		f.mu.Lock()
		f.setWireEnded()
		f.mu.Unlock()
		f.endPeer(ifServer)
		f.postUnclean(wsdouble.ErrCloseTimeout)
	})
}

func (p *fakePeer) Drop() error { return p.f.abort(false, "") }

// Reset implements FaultPeer: the client sees an error wrapping
// syscall.ECONNRESET.
func (p *fakePeer) Reset() error { return p.f.abort(true, "") }

// faultDrop drops the connection for a fault.
func (f *Fake) faultDrop(reason string) { f.abort(false, reason) }

// abort ends the connection without a close frame. A plain drop comes
// behind the messages already queued; a reset or a fault's drop at once.
func (f *Fake) abort(reset bool, fault string) error {
	if err := f.d.guard.quick("Peer.Drop"); err != nil {
		return err
	}
	f.mu.Lock()
	if f.wire != wireOpen {
		err := f.peerErrLocked()
		f.mu.Unlock()
		return err
	}
	f.setWireEnded()
	f.mu.Unlock()
	end, cause := End{Kind: Dropped, Fault: fault}, errFakeDropped
	if reset {
		end.Kind, cause = Reset, errFakeReset
	}
	if reset || fault != "" || !f.usesPump() {
		f.lost(end, cause)
	} else {
		f.sendLater(0, func() { f.lost(end, cause) })
	}
	return nil
}

// lost ends the connection the server end aborted: a drop or a reset.
func (f *Fake) lost(end End, cause error) {
	if f.blackholed(ToClient) {
		f.mu.Lock()
		f.zombie = true
		f.mu.Unlock()
		f.endPeer(end) // the client never hears of it
		return
	}
	f.endPeer(end)
	// Closed without a close frame: close 1006, and no error event (the
	// browser's, and the real client's, behaviour when an open connection
	// goes away; see lost in the wsdouble package).
	if f.settleClose() {
		f.postUnclean(cause)
	}
}

// shutdown ends f for FakeDialer.Close and DropAll.
func (f *Fake) shutdown(kind EndKind) {
	f.mu.Lock()
	wire := f.wire
	f.setWireEnded()
	f.mu.Unlock()
	switch wire {
	case wireConnecting:
		outcome := Hung
		if kind != Shutdown {
			outcome = Aborted
		}
		f.d.answer(f, outcome, 0, "", ErrClosed)
		f.closeDone(false)
		// A client that made the Fake at this instant may not listen yet.
		settle(f.rec.Time)
		f.postFailed(errors.New("wstest: the FakeDialer was closed while connecting"))
	case wireOpen:
		f.endPeer(End{Kind: kind})
		if f.settleClose() {
			f.postUnclean(errFakeDropped)
		}
	}
}
