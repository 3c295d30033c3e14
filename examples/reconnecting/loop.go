package reconnecting

import (
	"fmt"
	"time"

	"github.com/wsdouble/wsdouble"
)

// The client's state machine runs on one goroutine, run: it takes the
// events of its sockets and the commands of Close and Reconnect from the
// inbox, fires its timers, makes the sockets and dispatches every event to
// the client's listeners. Nothing else makes a socket or dispatches, so the
// listeners see one connection's events after the other's, never
// interleaved, and a listener may call any method of the client.

type command int

const (
	cmdNone command = iota
	cmdClose
	cmdReconnect
)

// input is one entry of the inbox: an event of socket id, or a command.
type input struct {
	id     int
	ev     wsdouble.Event
	cmd    command
	code   int
	reason string
}

// post appends in to the inbox and wakes the loop. It never blocks.
func (c *Client) post(in input) {
	c.inMu.Lock()
	c.inbox = append(c.inbox, in)
	c.inMu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default: // already awake
	}
}

// take removes the oldest entry of the inbox.
func (c *Client) take() (input, bool) {
	c.inMu.Lock()
	defer c.inMu.Unlock()
	if len(c.inbox) == 0 {
		return input{}, false
	}
	in := c.inbox[0]
	c.inbox[0] = input{}
	c.inbox = c.inbox[1:]
	return in, true
}

// conn is one socket the client made.
type conn struct {
	id    int
	ws    wsdouble.IWebSocket
	cause error // the Err of its last error event
}

// loop is the state that only run touches.
type loop struct {
	c       *Client
	cur     *conn            // the current socket, nil between two
	ids     int              // the last socket id
	live    map[int]struct{} // sockets made whose close event has not come yet
	closing bool             // the close command has been handled
	dialNow bool             // make an attempt before waiting again

	retry   timer // the backoff delay
	connect timer // ConnectionTimeout of the current attempt
	uptime  timer // MinUptime of the open connection
	ping    timer // the next keepalive ping
	pong    timer // Keepalive.Timeout of the oldest unanswered ping
}

// timer is a time.Timer whose channel is nil while it is stopped, so that
// a select on it waits forever.
type timer struct {
	t *time.Timer
	C <-chan time.Time
}

func (t *timer) start(d time.Duration) {
	t.stop()
	t.t = time.NewTimer(d)
	t.C = t.t.C
}

func (t *timer) stop() {
	if t.t != nil {
		t.t.Stop()
		t.t, t.C = nil, nil
	}
}

func (t *timer) running() bool { return t.t != nil }

func (c *Client) run() {
	defer close(c.done)
	l := &loop{c: c, live: map[int]struct{}{}}
	defer l.stopTimers()
	if !c.opt.StartClosed {
		l.next()
	}
	for !l.closing || len(l.live) > 0 {
		if l.dialNow {
			l.dialNow = false
			l.dial()
			continue
		}
		select {
		case <-c.wake:
			for in, ok := c.take(); ok; in, ok = c.take() {
				l.handle(in)
			}
		case <-l.retry.C:
			l.retry.stop()
			l.dial()
		case <-l.connect.C:
			l.connect.stop()
			l.fail(fmt.Errorf("%w after %v", ErrConnectionTimeout, c.opt.ConnectionTimeout), "connection timeout")
		case <-l.uptime.C:
			l.uptime.stop()
			c.mu.Lock()
			c.retries = 0 // the connection is stable: start the count over
			c.mu.Unlock()
		case <-l.ping.C:
			l.ping.start(c.opt.Keepalive.Interval)
			if !l.pong.running() {
				l.pong.start(c.opt.Keepalive.Timeout)
			}
			l.cur.ws.Send(c.opt.Keepalive.Ping) // fails only if closing: then the close event comes
		case <-l.pong.C:
			l.pong.stop()
			l.fail(ErrKeepaliveTimeout, "keepalive timeout")
		}
	}
}

func (l *loop) stopTimers() {
	l.retry.stop()
	l.stopConnTimers()
}

// stopConnTimers stops the timers of the current connection.
func (l *loop) stopConnTimers() {
	l.connect.stop()
	l.uptime.stop()
	l.ping.stop()
	l.pong.stop()
}

func (l *loop) dispatch(e wsdouble.Event) { l.c.listeners.DispatchEvent(e) }

func (l *loop) handle(in input) {
	switch in.cmd {
	case cmdClose:
		l.closing = true
		l.dialNow = false
		l.stopTimers()
		if l.cur != nil {
			// Its close event, dispatched when it comes, is the last.
			l.cur.ws.Close(in.code, in.reason)
		}
		return
	case cmdReconnect:
		if l.closing {
			return
		}
		l.stopTimers()
		l.dialNow = false
		if l.cur != nil {
			l.detach(wsdouble.CloseNormalClosure, "reconnect")
			l.dispatch(wsdouble.CloseEvent{Code: wsdouble.CloseNormalClosure, Reason: "reconnect"})
		}
		l.c.mu.Lock()
		l.c.retries = -1
		l.c.mu.Unlock()
		l.next()
		return
	}
	if _, ok := in.ev.(wsdouble.CloseEvent); ok {
		delete(l.live, in.id)
	}
	if l.cur == nil || in.id != l.cur.id {
		return // a socket the client has let go of
	}
	switch e := in.ev.(type) {
	case wsdouble.OpenEvent:
		l.opened()
	case wsdouble.MessageEvent:
		if l.c.opt.Keepalive.enabled() && l.c.opt.Keepalive.IsPong(e.Message) {
			l.pong.stop()
			return
		}
		l.dispatch(e)
	case wsdouble.ErrorEvent:
		l.cur.cause = e.Err
		l.dispatch(e)
	case wsdouble.CloseEvent:
		cause := l.cur.cause
		if cause == nil {
			// No error event (a browser fires none when an open
			// connection drops): the socket may still say why.
			cause = wsdouble.CloseCause(l.cur.ws)
		}
		l.lost(e, cause)
	}
}

// next makes the next attempt, at once or after its delay, or gives up
// when MaxRetries retries in a row have failed.
func (l *loop) next() {
	c := l.c
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	if c.opt.MaxRetries > 0 && c.retries >= c.opt.MaxRetries {
		c.state = wsdouble.Closed
		c.mu.Unlock()
		return
	}
	c.retries++
	n := c.retries
	c.state = wsdouble.Connecting
	c.mu.Unlock()
	if d := c.opt.delay(n); d > 0 {
		l.retry.start(d)
	} else {
		l.dialNow = true
	}
}

// dial makes a socket and adds the client's listener to it before
// anything else: the socket may dispatch its first event at any time.
func (l *loop) dial() {
	c := l.c
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed { // Close came while the loop was busy; its command is next
		return
	}
	l.ids++
	id := l.ids
	ws, err := c.dial(c.url, c.opt.Protocols...)
	if err != nil {
		// A Constructor fails only for bad arguments; count it as a
		// failed attempt all the same, in case a custom one does not.
		l.dispatch(wsdouble.ErrorEvent{Err: err})
		l.lost(wsdouble.CloseEvent{Code: wsdouble.CloseAbnormalClosure}, err)
		return
	}
	forward := wsdouble.ListenerFunc(func(e wsdouble.Event) { c.post(input{id: id, ev: e}) })
	for _, t := range []wsdouble.EventType{wsdouble.EventOpen, wsdouble.EventMessage, wsdouble.EventError, wsdouble.EventClose} {
		ws.AddEventListener(t, forward)
	}
	l.live[id] = struct{}{}
	l.cur = &conn{id: id, ws: ws}
	c.mu.Lock()
	c.ws = ws
	closed = c.closed
	if bt := c.binaryType; bt != wsdouble.BinaryTypeBlob {
		ws.SetBinaryType(bt)
	}
	c.mu.Unlock()
	if closed { // Close came while the loop was busy: abandon at once
		ws.Close(wsdouble.CloseNormalClosure, "")
		return
	}
	if c.opt.ConnectionTimeout > 0 {
		l.connect.start(c.opt.ConnectionTimeout)
	}
}

// opened handles the open event of the current socket: it sends the
// queued messages, then dispatches the event.
func (l *loop) opened() {
	c := l.c
	l.connect.stop()
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return // closing: its close event comes next
	}
	c.state = wsdouble.Open
	for _, m := range c.queue {
		c.ws.Send(m) // fails only once closing; the message is then lost, as on any drop
	}
	c.queue, c.queued = nil, 0
	c.mu.Unlock()
	l.uptime.start(c.opt.MinUptime)
	if c.opt.Keepalive.enabled() {
		l.ping.start(c.opt.Keepalive.Interval)
	}
	l.dispatch(wsdouble.OpenEvent{})
}

// detach lets go of the current socket without waiting for its close
// event, and closes it. Its events are no longer dispatched; its close
// event still counts for Done.
func (l *loop) detach(code int, reason string) {
	c := l.c
	ws := l.cur.ws
	l.cur = nil
	l.stopConnTimers()
	c.mu.Lock()
	c.ws = nil // and never OPEN without a socket:
	if c.closed {
		c.state = wsdouble.Closed
	} else {
		c.state = wsdouble.Connecting
	}
	c.mu.Unlock()
	ws.Close(code, reason)
}

// fail gives up on the current connection for one of the client's own
// reasons (a timeout): it closes it with reason, dispatches an error event
// with cause and a close event with code 1006, and retries.
func (l *loop) fail(cause error, reason string) {
	l.detach(wsdouble.CloseNormalClosure, reason)
	l.dispatch(wsdouble.ErrorEvent{Err: cause})
	l.lost(wsdouble.CloseEvent{Code: wsdouble.CloseAbnormalClosure}, cause)
}

// lost handles the end of the current connection: it decides whether to
// reconnect, sets the state the close event announces, and dispatches it.
func (l *loop) lost(ev wsdouble.CloseEvent, cause error) {
	c := l.c
	l.cur = nil
	l.stopConnTimers()
	c.mu.Lock()
	again := !c.closed
	c.mu.Unlock()
	if again && c.opt.ShouldReconnect != nil {
		again = c.opt.ShouldReconnect(ev, cause) // without mu: it may call the client
	}
	c.mu.Lock()
	c.ws = nil
	if c.closed || !again {
		c.state = wsdouble.Closed
		again = false
	} else {
		c.state = wsdouble.Connecting
	}
	c.mu.Unlock()
	if again {
		l.next()
	}
	l.dispatch(ev)
}
