package wstest

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/internal/timeline"
)

// Pings and pongs (RFC 6455 §5.5.2, §5.5.3): control frames are one more
// thing a connection's links carry. To the client they go as the server's
// close frames do (conn.sendLater): behind what a fault delays, held by a
// Stall, swallowed by a Blackhole. From the client they cross the faults
// the same way (connFaults.control) into inboxes of their own, one per
// kind, beside the messages' (conn.ctl), where the Peer takes them
// (ReceivePing, ReceivePong) without disturbing Receive; and the server
// end answers each ping as AnswerPings says.
//
// The transports carry them: a Server's connection writes and reads real
// control frames; a Fake's client, as a browser does, answers a ping by
// itself and shows its listeners neither (WHATWG WebSockets has no event
// for them).

// MaxControlPayload is the largest payload of a control frame (RFC 6455
// §5.5): Peer.Ping and Peer.Pong refuse a longer one (a raw frame, see
// Peer.WriteFrame, may carry more).
const MaxControlPayload = 125

// maxQueuedControls is how many of the client's pings, and of its pongs,
// the server end keeps for the Peer: the latest ones.
const maxQueuedControls = 64

// controlKind is a kind of control frame a Peer sends and receives.
type controlKind uint8

const (
	ctlPing controlKind = iota
	ctlPong
)

// opcode is the frame's opcode.
func (k controlKind) opcode() Opcode {
	if k == ctlPing {
		return OpPing
	}
	return OpPong
}

// PingAnswer is how the server end of a connection answers the client's
// pings (Peer.AnswerPings): at once (PongAtOnce, the default, as every
// server does: RFC 6455 §5.5.2), after a delay (PongAfter), or never
// (NoPong). The zero PingAnswer is PongAtOnce.
type PingAnswer struct {
	delay time.Duration // < 0: never
}

// PongAtOnce answers every ping as soon as it arrives.
func PongAtOnce() PingAnswer { return PingAnswer{} }

// PongAfter answers every ping d after it arrived; d <= 0 is at once.
func PongAfter(d time.Duration) PingAnswer { return PingAnswer{delay: max(d, 0)} }

// NoPong answers no ping: a server whose heartbeat is gone while the
// connection stays up, which a client's keepalive must notice.
func NoPong() PingAnswer { return PingAnswer{delay: -1} }

// Never reports whether pings go unanswered.
func (a PingAnswer) Never() bool { return a.delay < 0 }

// Delay is how long after a ping its pong goes (0 when Never).
func (a PingAnswer) Delay() time.Duration { return max(a.delay, 0) }

// String returns "at once", "after 5s" or "never".
func (a PingAnswer) String() string {
	switch {
	case a.delay < 0:
		return "never"
	case a.delay == 0:
		return "at once"
	}
	return "after " + timeline.Duration(a.delay)
}

// controls is a connection's state for control frames.
type controls struct {
	ctl    [2]inbox      // the client's pings and pongs the Peer has not received, by controlKind
	mu     sync.Mutex    // guards the fields below
	answer PingAnswer    // how pings are answered
	later  []*time.Timer // delayed pongs, the latest maxQueuedControls
}

func newControls() *controls {
	c := new(controls)
	c.ctl[ctlPing].initControl("ping", maxQueuedControls)
	c.ctl[ctlPong].initControl("pong", maxQueuedControls)
	return c
}

// ctl returns the connection's controls, made by the first call. Made
// once the connection has ended, they are stopped at once: endWith sets
// the state before it stops those it finds, so that either it stops them
// or this does (stop may run twice).
func (c *conn) ctl() *controls {
	if x := c.controls.Load(); x != nil {
		return x
	}
	x := newControls()
	if !c.controls.CompareAndSwap(nil, x) {
		return c.controls.Load()
	}
	if c.getState() == connEnded {
		x.stop()
	}
	return x
}

// stop ends the queues and the delayed pongs, once the connection has
// ended (conn.endWith, endUnanswered). c may be nil: none were made.
func (c *controls) stop() {
	if c == nil {
		return
	}
	c.mu.Lock()
	for _, t := range c.later {
		t.Stop()
	}
	c.later = nil
	c.mu.Unlock()
	for i := range c.ctl {
		c.ctl[i].close(false)
	}
}

// pongLater runs fn after d, unless the connection ends first. Past
// maxQueuedControls pongs waiting, the oldest is given up: RFC 6455
// §5.5.3 lets a server answer only the latest of the pings it has not
// answered yet.
func (c *conn) pongLater(d time.Duration, fn func()) {
	x := c.ctl()
	x.mu.Lock()
	defer x.mu.Unlock()
	// The end is set before stop takes the lock: a timer made here is
	// stopped there, or never made.
	if c.getState() == connEnded {
		return
	}
	if len(x.later) == maxQueuedControls {
		x.later[0].Stop()
		x.later = x.later[1:]
	}
	x.later = append(x.later, time.AfterFunc(d, fn))
}

// Peer's methods.

// Ping implements Peer.
func (c *conn) Ping(data []byte) error { return c.sendControl("Peer.Ping", ctlPing, data) }

// Pong implements Peer.
func (c *conn) Pong(data []byte) error { return c.sendControl("Peer.Pong", ctlPong, data) }

// ReceivePing implements Peer.
func (c *conn) ReceivePing(ctx context.Context) ([]byte, error) {
	m, err := c.ctl().ctl[ctlPing].receive(ctx, c.receiveEnded, c.t.beforeWait)
	return m.Data, err
}

// ReceivePong implements Peer.
func (c *conn) ReceivePong(ctx context.Context) ([]byte, error) {
	m, err := c.ctl().ctl[ctlPong].receive(ctx, c.receiveEnded, c.t.beforeWait)
	return m.Data, err
}

// AnswerPings implements Peer.
func (c *conn) AnswerPings(a PingAnswer) {
	x := c.ctl()
	x.mu.Lock()
	x.answer = a
	x.mu.Unlock()
}

// sendControl sends the client a ping or a pong for the Peer method op.
func (c *conn) sendControl(op string, k controlKind, data []byte) error {
	if len(data) > MaxControlPayload {
		return fmt.Errorf("wstest: %s: %w: payload of %d bytes, over the %d of a control frame (RFC 6455 §5.5)", op, wsdouble.ErrInvalidMessage, len(data), MaxControlPayload)
	}
	if err := c.t.check(op); err != nil {
		return err
	}
	if err := c.openErr(); err != nil {
		return err
	}
	if err := c.control(k, bytes.Clone(data)); err != nil {
		return fmt.Errorf("wstest: %s: %w", op, err)
	}
	return nil
}

// control sends a control frame to the client, as the close frames go
// (sendLater): behind what a fault delays or holds; a blackhole to the
// client swallows it. It returns the transport's error when it writes at
// once.
func (c *conn) control(k controlKind, data []byte) error {
	return c.sendLater(0, func() error {
		if c.faults.Load().blackholed(ToClient) {
			return nil
		}
		return c.t.deliverControl(k, data)
	})
}

// fromClientControl hands the server end a ping or a pong the client sent,
// data its own: the faults decide its fate, as they decide a message's but
// for what counts messages (a blackhole loses it, a stall holds it, it
// comes behind the messages before it); then the Peer can receive it, and
// a ping is answered as AnswerPings says, once it has arrived.
func (c *conn) fromClientControl(k controlKind, data []byte) {
	if st := c.getState(); st == connAborting || st == connEnded {
		return // read after the server ended the connection
	}
	lost, due := c.faults.Load().control(FromClient)
	if lost {
		return
	}
	c.ctl().ctl[k].push(wsdouble.Message{Data: data}, due)
	if k == ctlPing {
		c.answerPing(bytes.Clone(data), time.Until(due)) // the Peer may change its copy
	}
}

// answerPing answers a ping with a pong of the same payload (RFC 6455
// §5.5.2), as AnswerPings says, once the ping has arrived (in wait, when a
// fault holds it).
func (c *conn) answerPing(data []byte, wait time.Duration) {
	x := c.ctl()
	x.mu.Lock()
	a := x.answer
	x.mu.Unlock()
	if a.Never() {
		return
	}
	wait = max(wait, 0) + a.Delay()
	if wait == 0 {
		c.control(ctlPong, data)
		return
	}
	c.pongLater(wait, func() {
		if st := c.getState(); st == connOpen || st == connClosing {
			c.control(ctlPong, data)
		}
	})
}
