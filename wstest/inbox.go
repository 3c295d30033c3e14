package wstest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/wsdouble/wsdouble"
)

// Defaults of InboxLimit: how much a connection's server end holds of what
// the client sent and the Peer has not received yet.
const (
	// DefaultInboxMessages is the number of messages the server end of a
	// connection holds before it stops reading from the client.
	DefaultInboxMessages = 4096
	// DefaultInboxBytes is the bytes of message data the server end of a
	// connection holds before it stops reading from the client.
	DefaultInboxBytes = 8 << 20
)

// inboxLimit bounds an inbox: it is full once it holds messages messages
// or bytes bytes of data.
type inboxLimit struct {
	messages int
	bytes    int
}

var defaultInboxLimit = inboxLimit{messages: DefaultInboxMessages, bytes: DefaultInboxBytes}

// inbox is the queue of messages from the client to the server end, each
// deliverable from its due time (a latency fault delays it), in order.
// Every transport hands what the client sends to one: it is where the
// server end's memory for the client's messages is bounded.
//
// It is full once it holds limit.messages messages or limit.bytes bytes of
// data; a message is taken whole, so the bytes may pass the limit by one
// message. A full inbox holds the client back as a server that stops
// reading does over TCP:
//   - a wire reader (wireConn.readLoop) calls waitRoom before it reads
//     the next message from the connection: while the inbox is full it
//     reads nothing, the transport's buffers fill, and then the client's
//     writes wait (or, for a browser-like client, its bufferedAmount
//     grows). Its held list stays empty.
//   - a Fake's client cannot be made to wait (the browser's send() never
//     blocks), so push keeps what finds no room in held, in order: the
//     client's send buffer, which Fake.BufferedAmount counts. Held messages
//     move in, in order, as the server end receives.
//
// The client's pings and pongs wait in inboxes of their own (see
// conn.ctl), which keep the latest ones instead (dropOldest): a control
// frame must not hold the connection back, or a client that pings while
// the test never looks would stop it.
type inbox struct {
	mu        sync.Mutex
	limit     inboxLimit
	overflow  overflow
	what      string      // what it holds, for Receive's error: "message" (or ""), "ping", "pong"
	items     []inboxItem // the server end's: within the limit
	bytes     int         // the data of items
	held      []inboxItem // sent, but no room yet: still the client's
	heldBytes int         // the data of held
	lostBytes int         // the data of held when an abrupt end lost it
	taken     taker       // told, without mu, when held messages move in; may be nil
	waiters   []chan struct{}
	room      chan struct{} // closed when room is made for waitRoom
	closed    bool
}

// overflow is what an inbox does with what finds it full.
type overflow uint8

const (
	// holdBack keeps it back, in order, until there is room: the client's
	// messages (backpressure).
	holdBack overflow = iota
	// dropOldest takes it, and drops the oldest item: the client's control
	// frames.
	dropOldest
)

type inboxItem struct {
	m   wsdouble.Message
	due time.Time
}

// init sets the limit of a zero inbox of messages, and what to call when
// held messages move in (the Fake's BufferedAmount then falls), or nil.
func (q *inbox) init(limit inboxLimit, taken taker) {
	q.limit, q.taken, q.what, q.overflow = limit, taken, "message", holdBack
}

// initControl makes a zero inbox one of control frames, what ("ping" or
// "pong"): it keeps the latest n.
func (q *inbox) initControl(what string, n int) {
	q.limit = inboxLimit{messages: n, bytes: n * MaxControlPayload}
	q.overflow, q.what = dropOldest, what
}

// taker is told when a full inbox took messages the client held back (the
// Fake's BufferedAmount: a *bufamount.Amount).
type taker interface{ Taken() }

// fullLocked reports whether the inbox has no room for another message. A
// zero limit (an inbox never given one) is the default.
func (q *inbox) fullLocked() bool {
	l := q.limit
	if l == (inboxLimit{}) {
		l = defaultInboxLimit
	}
	return len(q.items) >= l.messages || q.bytes >= l.bytes
}

// push queues m, due at due. While the inbox is full, or messages are held
// already (they go first), m is held until receive makes room. It reports
// false, dropping m, once the inbox is closed (the connection has ended
// for the server end).
func (q *inbox) push(m wsdouble.Message, due time.Time) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return false
	}
	it := inboxItem{m, due}
	if q.overflow == dropOldest && q.fullLocked() {
		q.bytes -= len(q.items[0].m.Data)
		q.items[0] = inboxItem{}
		q.items = q.items[1:]
	}
	if len(q.held) > 0 || q.fullLocked() {
		q.held = append(q.held, it)
		q.heldBytes += len(m.Data)
		return true
	}
	q.items = append(q.items, it)
	q.bytes += len(m.Data)
	q.wakeLocked()
	return true
}

// waitRoom returns once the inbox has room for a message, or is closed, or
// stop is closed. One goroutine at a time may wait (the connection's
// reader).
func (q *inbox) waitRoom(stop <-chan struct{}) {
	for {
		q.mu.Lock()
		if q.closed || !q.fullLocked() {
			q.mu.Unlock()
			return
		}
		if q.room == nil {
			q.room = make(chan struct{})
		}
		room := q.room
		q.mu.Unlock()
		select {
		case <-room:
		case <-stop:
			return
		}
	}
}

// untaken returns the bytes of the messages the client sent that the
// server end has not taken: held, or lost with them when the connection
// ended abruptly (those count for good, as in a browser's
// bufferedAmount).
func (q *inbox) untaken() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.heldBytes + q.lostBytes
}

// left returns the number of messages queued or held.
func (q *inbox) left() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items) + len(q.held)
}

// close marks the end of the messages: receive returns the rest, then
// ended's error. The held messages are delivered too when deliverHeld is
// set (the connection ended with a close frame, which came behind them),
// past the limit, as they are in memory already; otherwise they are lost
// (an abrupt end loses what the client had not sent), and close returns
// how many, and their bytes.
func (q *inbox) close(deliverHeld bool) (lost, lostBytes int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return 0, 0
	}
	q.closed = true
	if deliverHeld {
		q.items = append(q.items, q.held...)
		q.bytes += q.heldBytes
	} else {
		lost, lostBytes = len(q.held), q.heldBytes
		q.lostBytes += lostBytes
	}
	q.held, q.heldBytes = nil, 0
	q.wakeLocked()
	q.roomLocked()
	return lost, lostBytes
}

func (q *inbox) wakeLocked() {
	for _, ch := range q.waiters {
		close(ch)
	}
	q.waiters = nil
}

// roomLocked wakes waitRoom if it need not wait any more.
func (q *inbox) roomLocked() {
	if q.room != nil && (q.closed || !q.fullLocked()) {
		close(q.room)
		q.room = nil
	}
}

// takeLocked removes the first message, moves held messages in while
// there is room, and wakes a waitRoom that now has room. It reports
// whether held messages moved in.
func (q *inbox) takeLocked() (wsdouble.Message, bool) {
	moved := false
	it := q.items[0]
	q.items[0] = inboxItem{}
	q.items = q.items[1:]
	q.bytes -= len(it.m.Data)
	for len(q.held) > 0 && !q.fullLocked() {
		h := q.held[0]
		q.held[0] = inboxItem{}
		q.held = q.held[1:]
		q.heldBytes -= len(h.m.Data)
		q.items = append(q.items, h)
		q.bytes += len(h.m.Data)
		moved = true
	}
	if len(q.held) == 0 {
		q.held = nil // let the array go: a flood may have grown it
	}
	q.roomLocked()
	return it.m, moved
}

// receive returns the next message once due, waiting for it; when the
// inbox is closed and empty, it returns ended(). beforeWait is called
// before blocking (the fake checks its bubble there).
func (q *inbox) receive(ctx context.Context, ended func() error, beforeWait func() error) (wsdouble.Message, error) {
	for {
		m, got, wait, closed := q.poll()
		switch {
		case got:
			return m, nil
		case closed:
			return wsdouble.Message{}, ended()
		}
		if err := beforeWait(); err != nil {
			return wsdouble.Message{}, err
		}
		if err := q.await(ctx, wait); err != nil {
			return wsdouble.Message{}, err
		}
	}
}

// poll takes the first message if it is due. Otherwise it says how long
// until it is (0: there is none), or that the inbox is closed and empty.
func (q *inbox) poll() (m wsdouble.Message, got bool, wait time.Duration, closed bool) {
	var moved bool
	q.mu.Lock()
	switch {
	case len(q.items) > 0:
		if wait = time.Until(q.items[0].due); wait <= 0 {
			m, moved = q.takeLocked()
			got = true
		}
	case q.closed:
		closed = true
	}
	q.mu.Unlock()
	if moved && q.taken != nil {
		q.taken.Taken()
	}
	return m, got, wait, closed
}

// await waits until there may be something for poll: a message came, the
// first is due (wait > 0 from now), or the inbox closed; or until ctx is
// done, which is an error.
func (q *inbox) await(ctx context.Context, wait time.Duration) error {
	if ctx.Err() != nil {
		return q.nothing(ctx)
	}
	ch := make(chan struct{})
	q.mu.Lock()
	if (len(q.items) > 0 && wait <= 0) || (len(q.items) == 0 && q.closed) {
		q.mu.Unlock() // something arrived meanwhile
		return nil
	}
	q.waiters = append(q.waiters, ch)
	q.mu.Unlock()
	var timer <-chan time.Time
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-ch:
	case <-timer:
	case <-ctx.Done():
		q.mu.Lock()
		q.waiters = slices.DeleteFunc(q.waiters, func(c chan struct{}) bool { return c == ch })
		q.mu.Unlock()
		return q.nothing(ctx)
	}
	return nil
}

// nothing is receive's error when ctx ends the wait.
func (q *inbox) nothing(ctx context.Context) error {
	op, what := "Receive", cmp.Or(q.what, "message")
	if what != "message" {
		op += strings.ToUpper(what[:1]) + what[1:]
	}
	return fmt.Errorf("wstest: Peer.%s: no %s from the client before %w", op, what, context.Cause(ctx))
}
