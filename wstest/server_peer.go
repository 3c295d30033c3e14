package wstest

import (
	"context"
	"errors"
	"fmt"
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

// serverPeer is the Peer of a Server connection. Its reader runs on the
// request's handler goroutine (readLoop); writes of data frames are
// serialized by wmu, and go through the pump once a delaying fault was
// applied, so that they keep their order.
type serverPeer struct {
	s        *Server
	rec      *AttemptRecord
	req      *http.Request
	protocol string
	conn     *websocket.Conn
	// transport is the connection under conn, its frameCheck and its
	// closeguard (a *net.TCPConn or a *memconn.Conn), to reset and to
	// drain; guard tells the close code the client sent.
	transport net.Conn
	guard     *closeguard.Conn
	done      chan struct{}
	in        inbox
	// quit is closed by shutdown: the reader stops waiting for room in
	// the inbox and reads on to the end of the transport.
	quit     chan struct{}
	quitOnce sync.Once
	faults   *connFaults
	pump     pump

	wmu sync.Mutex // gorilla allows one writer at a time

	// emu makes the reader's choice between the inbox and an echo one with
	// Echo's switch to echoing (see echo).
	emu       sync.Mutex
	echoing   bool // the reader echoes what it receives
	echoLater bool // an echo waits in the pump: the later ones queue behind it

	mu          sync.Mutex
	closeSent   bool // we sent a close frame, or chose how to answer the client's
	sentCode    int  // the code of our own close frame, when we started
	sentReason  string
	serverClose bool // we started the closing handshake
	gotReply    bool // the client answered our close frame
	clientClose *End // the client started it; set when its frame arrived
	replied     bool // we answered the client's close frame
	lostClose   bool // the client's close frame was lost to a blackhole
	dropped     bool
	reset       bool
	shut        bool
	faultEnd    string // the fault that ended the connection
	closeTimer  *time.Timer
	ended       bool
	end         End
}

func newServerPeer(a *serverAttempt, conn *websocket.Conn, guard *closeguard.Conn) *serverPeer {
	p := &serverPeer{
		s:         a.s,
		rec:       a.rec,
		req:       a.req,
		protocol:  conn.Subprotocol(),
		conn:      conn,
		transport: guard.Unwrap(),
		guard:     guard,
		done:      make(chan struct{}),
		quit:      make(chan struct{}),
	}
	p.in.init(a.s.cfg.inbox, nil)
	p.faults = newConnFaults(false, p.faultDrop)
	// gorilla's read limit is not set: the frameCheck below it enforces
	// the limit, so that the End says so (ProtocolViolation, 1009).
	conn.SetCloseHandler(p.onCloseFrame)
	conn.SetPingHandler(p.onPing)
	if len(a.s.cfg.faults) > 0 {
		p.faults.add(a.s.cfg.faults...) // validated by the option
	}
	a.s.mu.Lock()
	a.s.peers[p] = struct{}{}
	a.s.mu.Unlock()
	return p
}

var _ FaultPeer = (*serverPeer)(nil)

func (p *serverPeer) Request() *http.Request { return p.req }
func (p *serverPeer) Protocol() string       { return p.protocol }
func (p *serverPeer) Done() <-chan struct{}  { return p.done }

func (p *serverPeer) Inject(faults ...Fault) error { return p.faults.add(faults...) }
func (p *serverPeer) Heal()                        { p.faults.heal() }

func (p *serverPeer) Send(m wsdouble.Message) error {
	if m.Type != wsdouble.TextMessage && m.Type != wsdouble.BinaryMessage {
		return fmt.Errorf("%w: type %v", wsdouble.ErrInvalidMessage, m.Type)
	}
	p.mu.Lock()
	if p.ended || p.closeSent {
		err := p.closedErrLocked()
		p.mu.Unlock()
		return err
	}
	p.mu.Unlock()
	p.s.mu.Lock()
	p.rec.ToClient++
	p.s.mu.Unlock()
	v := p.faults.message(ToClient, len(m.Data))
	switch {
	case v.lost:
		return nil
	case v.drop != "":
		p.faultDrop(v.drop)
		return nil
	}
	if p.faults.usesPump() {
		m.Data = append([]byte(nil), m.Data...)
		p.pump.schedule(v.due, func() { p.write(m, v.slice, v.gap) })
		if v.dropAfter != "" {
			p.pump.schedule(v.due, func() { p.faultDrop(v.dropAfter) })
		}
		return nil
	}
	if err := p.write(m, 0, 0); err != nil {
		return fmt.Errorf("wstest: Peer.Send: %w", err)
	}
	if v.dropAfter != "" {
		p.faultDrop(v.dropAfter)
	}
	return nil
}

// write writes a message, as one frame or, for a slicer, as frames of at
// most slice bytes of payload, gap apart.
func (p *serverPeer) write(m wsdouble.Message, slice int, gap time.Duration) error {
	if slice <= 0 || len(m.Data) <= slice {
		p.wmu.Lock()
		defer p.wmu.Unlock()
		return p.conn.WriteMessage(int(m.Type), m.Data)
	}
	op := byte(m.Type)
	for off := 0; off < len(m.Data); off += slice {
		if off > 0 {
			time.Sleep(gap)
			op = 0 // continuation
		}
		end := min(off+slice, len(m.Data))
		p.wmu.Lock()
		_, err := p.conn.NetConn().Write(frame(end == len(m.Data), op, m.Data[off:end]))
		p.wmu.Unlock()
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

func (p *serverPeer) closedErrLocked() error {
	if p.ended {
		return closedError(p.end)
	}
	return fmt.Errorf("%w (closing handshake started)", ErrPeerClosed)
}

func (p *serverPeer) Receive(ctx context.Context) (wsdouble.Message, error) {
	return p.in.receive(ctx, func() error {
		p.mu.Lock()
		defer p.mu.Unlock()
		return closedError(p.end)
	}, func() error { return nil })
}

// sendLater runs f now, or through the pump once a delaying fault was
// applied, behind the messages already queued.
func (p *serverPeer) sendLater(delay time.Duration, f func()) {
	if delay == 0 && !p.faults.usesPump() {
		f()
		return
	}
	p.pump.schedule(time.Now().Add(delay), f)
}

func (p *serverPeer) Close(code int, reason string) error {
	if err := wsdouble.ValidateServerClose(code, reason); err != nil {
		return err
	}
	p.mu.Lock()
	if p.ended || p.closeSent {
		err := p.closedErrLocked()
		p.mu.Unlock()
		return err
	}
	p.closeSent, p.serverClose = true, true
	p.sentCode, p.sentReason = code, reason
	if code == 0 {
		p.sentCode = wsdouble.CloseNoStatusReceived
	}
	p.mu.Unlock()

	payload := []byte{}
	if code != 0 {
		payload = websocket.FormatCloseMessage(code, reason)
	}
	timeout := p.s.cfg.closeTimeout
	p.sendLater(0, func() {
		if !p.faults.blackholed(ToClient) {
			if err := p.conn.WriteControl(websocket.CloseMessage, payload, time.Now().Add(timeout)); err != nil {
				p.closeTransport(false)
				return
			}
		}
		// Wait for the client's answer at most the close timeout.
		t := time.AfterFunc(timeout, func() { p.closeTransport(false) })
		p.mu.Lock()
		p.closeTimer = t
		p.mu.Unlock()
	})
	return nil
}

func (p *serverPeer) Drop() error { return p.abort(false, "") }

func (p *serverPeer) Reset() error { return p.abort(true, "") }

// faultDrop drops the connection for a fault.
func (p *serverPeer) faultDrop(reason string) { p.abort(false, reason) }

// abort ends the connection without a close frame: a drop (FIN) or a
// reset (RST). A drop comes behind the messages already queued.
func (p *serverPeer) abort(reset bool, fault string) error {
	p.mu.Lock()
	if p.ended || p.dropped || p.reset {
		err := closedError(p.end)
		p.mu.Unlock()
		return err
	}
	if reset {
		p.reset = true
	} else {
		p.dropped = true
	}
	p.faultEnd = fault
	p.mu.Unlock()
	if reset || fault != "" {
		p.closeTransport(reset)
	} else {
		p.sendLater(0, func() { p.closeTransport(false) })
	}
	return nil
}

// closeTransport closes the connection under the WebSocket: with a FIN, or
// an RST when reset. While a blackhole swallows what goes to the client,
// the client sees nothing: the server's end is over, but the transport
// stays open until the client gives up.
func (p *serverPeer) closeTransport(reset bool) {
	blackholed := p.faults.blackholed(ToClient)
	// The end is recorded before the client can notice it, so that a test
	// that saw the client's close event finds it in the log.
	p.endNow()
	if blackholed {
		return
	}
	nc := p.transport
	if reset {
		switch c := nc.(type) {
		case *net.TCPConn:
			c.SetLinger(0) // close with an RST
		case *memconn.Conn:
			c.Reset()
			return
		}
	}
	nc.Close()
}

// shutdown ends the connection for Server.Close.
func (p *serverPeer) shutdown() {
	p.mu.Lock()
	p.shut = !p.ended
	p.mu.Unlock()
	p.conn.NetConn().Close()
	p.quitOnce.Do(func() { close(p.quit) })
}

func (p *serverPeer) Wait(ctx context.Context) (End, error) {
	select {
	case <-p.done:
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.end, nil
	case <-ctx.Done():
		return End{}, fmt.Errorf("wstest: Peer.Wait: connection still open at %w", context.Cause(ctx))
	}
}

// onPing answers a ping, unless a blackhole swallows it or the pong.
func (p *serverPeer) onPing(data string) error {
	p.mu.Lock()
	ended := p.ended
	p.mu.Unlock()
	if ended || p.faults.blackholed(Both) {
		return nil // behind a blackhole, or a half-open connection the server has left
	}
	err := p.conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	if errors.Is(err, websocket.ErrCloseSent) {
		return nil
	}
	return err
}

// onCloseFrame runs on the reader when a close frame arrives: it completes
// our closing handshake, or answers the client's by echoing its code (RFC
// 6455 §5.5.1), as the faults allow.
func (p *serverPeer) onCloseFrame(code int, text string) error {
	p.mu.Lock()
	ended := p.ended
	p.mu.Unlock()
	if ended || p.faults.blackholed(FromClient) {
		// Lost, or a half-open connection the server has already left.
		p.mu.Lock()
		p.lostClose = true
		p.mu.Unlock()
		return nil
	}
	p.mu.Lock()
	if p.closeSent {
		p.gotReply = p.serverClose
		p.mu.Unlock()
		return nil
	}
	p.closeSent = true
	code = p.guard.SentCode(code)
	p.clientClose = &End{Kind: ClientClosed, Code: code, Reason: text}
	p.mu.Unlock()
	delay, never := p.faults.closeReply()
	if never {
		return nil
	}
	payload := []byte{}
	if code != wsdouble.CloseNoStatusReceived {
		payload = websocket.FormatCloseMessage(code, "")
	}
	reply := func() {
		p.mu.Lock()
		p.replied = true
		p.mu.Unlock()
		if p.faults.blackholed(ToClient) {
			p.closeTransport(false) // the end, while the transport stays open
			return
		}
		// The end is recorded before the reply is written: a client fires
		// its close event as soon as it reads the reply, and a test that
		// saw it must find the end in the log.
		p.endNow()
		p.conn.WriteControl(websocket.CloseMessage, payload, time.Now().Add(p.s.cfg.closeTimeout))
		p.conn.NetConn().Close() // the server closes first (RFC 6455 §7.1.1)
	}
	p.sendLater(delay, reply)
	return nil
}

func (p *serverPeer) readLoop() {
	for {
		// Backpressure: while the inbox is full, nothing more is read from
		// the connection (see inbox).
		p.in.waitRoom(p.quit)
		mt, data, err := p.conn.ReadMessage()
		var bad *violation
		if errors.As(err, &bad) {
			p.failConnection(bad)
			return
		}
		if err != nil {
			p.mu.Lock()
			drain := p.lostClose || (p.clientClose != nil && !p.replied) || (p.serverClose && !p.gotReply && isCloseFrame(err))
			p.mu.Unlock()
			if drain {
				// The close frame got no answer yet (a fault): keep the
				// transport until the client, or the timeout, ends it.
				err = p.drain()
			}
			p.finish(err)
			return
		}
		if mt == websocket.TextMessage && !utf8.Valid(data) {
			// RFC 6455 §8.1: invalid UTF-8 in a text message fails the
			// connection, with status 1007 (§7.4.1) to the client.
			p.failConnection(invalidUTF8(data))
			return
		}
		p.mu.Lock()
		gone := p.ended || p.dropped || p.reset || p.shut
		p.mu.Unlock()
		if gone {
			// Read from the transport's buffer after the server ended the
			// connection: the Peer never sees it, and it is not counted
			// (AttemptRecord.FromClient).
			continue
		}
		v := p.faults.message(FromClient, len(data))
		switch {
		case v.lost:
			continue
		case v.drop != "":
			p.faultDrop(v.drop)
			continue
		}
		// Counted before the Peer can see it; uncounted if the connection
		// ended meanwhile, and the Peer never will.
		p.count(1)
		m := wsdouble.Message{Type: wsdouble.MessageType(mt), Data: data}
		p.emu.Lock()
		switch {
		case !p.echoing:
			if !p.in.push(m, v.due) {
				p.count(-1)
			}
		case v.dropAfter == "":
			p.echoLocked(m, v.due)
			// else: the drop below ends the connection before Echo could
			// have sent the message back.
		}
		p.emu.Unlock()
		if v.dropAfter != "" {
			p.faultDrop(v.dropAfter)
		}
	}
}

// count adds n to the messages the log says came from the client.
func (p *serverPeer) count(n int) {
	p.s.mu.Lock()
	p.rec.FromClient += n
	p.s.mu.Unlock()
}

// failConnection fails the connection for a protocol error of the client's
// (RFC 6455 §7.1.7): the server sends a close frame with the violation's
// code and reason, unless it has sent one already or is ending the
// connection otherwise, does not wait for the client's reply, and closes
// the transport. The End says ProtocolViolation (see finish).
func (p *serverPeer) failConnection(v *violation) {
	p.mu.Lock()
	send := !p.closeSent && !p.ended && !p.dropped && !p.reset && !p.shut
	p.closeSent = true
	p.mu.Unlock()
	if send && !p.faults.blackholed(ToClient) {
		p.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(v.code, v.reason), time.Now().Add(p.s.cfg.closeTimeout))
	}
	p.finish(v)
}

// echo implements echoer (see Echo).
func (p *serverPeer) echo() bool {
	p.emu.Lock()
	defer p.emu.Unlock()
	return echoQueued(p, &p.in, func() { p.echoing = true })
}

// echoLocked sends m back to the client, at once or, when a fault delays it
// (due is later) or an earlier echo was delayed, through the pump at due.
// The caller holds emu.
func (p *serverPeer) echoLocked(m wsdouble.Message, due time.Time) {
	if !p.echoLater && (due.IsZero() || !due.After(time.Now())) {
		p.Send(m)
		return
	}
	p.echoLater = true
	p.pump.schedule(due, func() { p.Send(m) })
}

// echoQueued sends back, through p.Send, the messages of in that are due,
// in order, then calls on() and returns true if none is left; it returns
// false if a message is still held back by a fault. The caller holds the
// peer's echo lock, so nothing is added to in meanwhile.
func echoQueued(p Peer, in *inbox, on func()) bool {
	stopped, cancel := context.WithCancel(context.Background())
	cancel()
	for {
		m, err := in.receive(stopped, func() error { return ErrPeerClosed }, func() error { return nil })
		if err != nil {
			break
		}
		p.Send(m)
	}
	if in.left() > 0 {
		return false
	}
	on()
	return true
}

// isCloseFrame reports whether gorilla's read error is a close frame (it
// reports an unexpected EOF as a CloseError with code 1006 too).
func isCloseFrame(err error) bool {
	var ce *websocket.CloseError
	return errors.As(err, &ce) && ce.Code != websocket.CloseAbnormalClosure
}

// drain reads and discards the transport until it ends.
func (p *serverPeer) drain() error {
	buf := make([]byte, 512)
	for {
		if _, err := p.transport.Read(buf); err != nil {
			return err
		}
	}
}

// finish closes the transport once the reader stopped with err, and
// records how the connection ended.
func (p *serverPeer) finish(err error) {
	// The transport is closed once the end is recorded: a client that
	// waits for the server to close the TCP connection (RFC 6455 §7.1.1)
	// finds the end in the log when its close event fires.
	defer p.conn.NetConn().Close()
	gotClose := isCloseFrame(err)
	var v *violation
	failed := errors.As(err, &v)
	p.mu.Lock()
	var end End
	switch {
	case p.ended:
		// Already ended for the server (a drop or a close behind a
		// blackhole); the client has now given up too.
	case p.clientClose != nil:
		end = *p.clientClose
		end.Clean = p.replied
	case p.serverClose:
		end = End{Kind: ServerClosed, Code: p.sentCode, Reason: p.sentReason, Clean: p.gotReply && gotClose}
		if !end.Clean {
			end.Err = err
		}
	case p.reset:
		end = End{Kind: Reset}
	case p.dropped:
		end = End{Kind: Dropped}
	case p.shut:
		end = End{Kind: Shutdown}
	case failed:
		end = End{Kind: ProtocolViolation, Code: v.code, Reason: v.reason, Err: err}
	default:
		end = End{Kind: ClientGone, Err: err}
	}
	p.mu.Unlock()
	p.endWith(end)
}

// endNow ends the connection for the server while its transport stays
// open (behind a blackhole), with the End its state says.
func (p *serverPeer) endNow() {
	p.mu.Lock()
	var end End
	switch {
	case p.clientClose != nil:
		end = *p.clientClose
		end.Clean = p.replied
	case p.serverClose:
		end = End{Kind: ServerClosed, Code: p.sentCode, Reason: p.sentReason, Clean: p.gotReply}
	case p.reset:
		end = End{Kind: Reset}
	case p.shut:
		end = End{Kind: Shutdown}
	default:
		end = End{Kind: Dropped}
	}
	p.mu.Unlock()
	p.endWith(end)
}

// endWith records the end, once.
func (p *serverPeer) endWith(end End) {
	p.mu.Lock()
	if p.ended {
		p.mu.Unlock()
		return
	}
	if p.closeTimer != nil {
		p.closeTimer.Stop()
	}
	end.Fault = p.faultEnd
	end.Time = time.Now()
	p.end, p.ended = end, true
	p.mu.Unlock()
	p.faults.stop()
	p.pump.stop()
	p.in.close(false) // a wire reader holds nothing back
	p.s.mu.Lock()
	p.rec.End = end
	delete(p.s.peers, p)
	p.s.mu.Unlock()
	close(p.done)
}
