package flawed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/wsdouble/wsdouble"
)

// The messages of the client's session: its subscription and the
// server's acknowledgement, its heartbeat, and what it delivers
// (Publish) and the server's acknowledgement of each ({"op":"ack","n":N}).
var (
	Subscribe  = wsdouble.Text(`{"op":"subscribe"}`)
	Subscribed = wsdouble.Text(`{"op":"subscribed"}`)
	Ping       = wsdouble.Text(`{"op":"ping"}`)
	Pong       = wsdouble.Text(`{"op":"pong"}`)
)

// Publish is the n-th message the client's application delivers.
func Publish(n int) wsdouble.Message {
	return wsdouble.Text(fmt.Sprintf(`{"op":"publish","n":%d}`, n))
}

// numbered returns the number of a message {"op":op,"n":N}.
func numbered(m wsdouble.Message, op string) (int, bool) {
	var v struct {
		Op string
		N  *int
	}
	if err := json.Unmarshal(m.Data, &v); err != nil || v.Op != op || v.N == nil {
		return 0, false
	}
	return *v.N, true
}

// Config is a Client's policy, its server and its bug.
type Config struct {
	Dial      wsdouble.Constructor
	URL       string
	Protocols []string
	// The backoff: the k-th retry in a row waits Min × Factor^(k-1),
	// capped at Max; a connection up ResetAfter starts the count over.
	Min, Max   time.Duration
	Factor     float64
	ResetAfter time.Duration
	// MaxRetries retries in a row, then the client gives up; zero: never.
	MaxRetries     int
	GiveUpStatuses []int
	GiveUpCodes    []int
	// ConnectTimeout abandons a handshake; zero: never.
	ConnectTimeout time.Duration
	// PingEvery and PongWithin are the keepalive; zero PingEvery: none.
	PingEvery, PongWithin time.Duration
	// Outbox is what the application queued to deliver (Publish
	// messages), sent Pace apart once a connection is subscribed.
	Outbox []wsdouble.Message
	Pace   time.Duration
	Bug    Bug
}

// Client keeps a connection to its server, as its Config says, until
// Stop.
type Client struct {
	cfg    Config
	ctx    context.Context
	events chan event
	stop   chan struct{}
	once   sync.Once
	done   chan struct{}
	// queued is what the client still held to deliver when it stopped,
	// written before done closes.
	queued []wsdouble.Message
}

// event is an event of the client's socket number id.
type event struct {
	id int
	ev wsdouble.Event
}

// eventQueue is how many events the sockets may have handed the client
// before their listeners wait for it.
const eventQueue = 64

// Start starts a client. ctx is the client's life: a LeakPerReconnect
// goroutine ends with it, nothing else watches it.
func Start(ctx context.Context, cfg Config) *Client {
	c := &Client{cfg: cfg, ctx: ctx, events: make(chan event, eventQueue), stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c
}

// Stop asks the client to stop, and waits until it has: its connection
// closed, or ctx done.
func (c *Client) Stop(ctx context.Context) error {
	c.once.Do(func() { close(c.stop) })
	select {
	case <-c.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("flawed: Stop: %w", context.Cause(ctx))
	}
}

// Queued returns what the client still holds to deliver, once it has
// stopped (nil before): its Outbox less what the server acknowledged.
func (c *Client) Queued() []wsdouble.Message {
	select {
	case <-c.done:
		return slices.Clone(c.queued)
	default:
		return nil
	}
}

// phase is where the client is: the one state of its loop.
type phase int

const (
	waiting    phase = iota // for the retry delay
	connecting              // a handshake under way
	open                    // connected
	idle                    // gave up: no attempt until stopped
	stopping                // closing its sockets
	stopped
)

// session is where an open connection's session is.
type session int

const (
	subscribing session = iota // subscribed, not yet acknowledged
	flushing                   // acknowledged: the queue goes out, Pace apart
	settled                    // acknowledged, and the queue sent
)

// alarm is a timer that can be off, its channel then nil.
type alarm struct{ t *time.Timer }

func (a *alarm) set(d time.Duration) {
	a.off()
	a.t = time.NewTimer(d)
}

func (a *alarm) off() {
	if a.t != nil {
		a.t.Stop()
		a.t = nil
	}
}

func (a *alarm) c() <-chan time.Time {
	if a.t == nil {
		return nil
	}
	return a.t.C
}

// loop is the state only the client's goroutine touches.
type loop struct {
	c       *Client
	phase   phase
	ws      wsdouble.IWebSocket // the current socket, or nil
	id      int                 // its number
	live    int                 // sockets whose close event has not come
	retries int                 // retries in a row
	opens   int                 // connections opened
	cause   error               // the Err of the current socket's error event
	last    int                 // the close code that ended the last connection
	stopc   <-chan struct{}
	// The session of the open connection, and what it delivers: the
	// queue, of which the first sent went out on this connection.
	sess   session
	outbox []wsdouble.Message
	sent   int

	retry, connect, ping, pong, uptime, pace alarm
}

func (c *Client) run() {
	defer close(c.done)
	l := &loop{c: c, stopc: c.stop, outbox: slices.Clone(c.cfg.Outbox)}
	defer l.allOff()
	defer func() { c.queued = l.outbox }()
	l.dial()
	for l.phase != stopped {
		select {
		case e := <-c.events:
			l.handle(e)
		case <-l.stopc:
			l.stopc = nil
			l.beginStop()
		case <-l.retry.c():
			l.dial()
		case <-l.connect.c():
			l.ws.Close(wsdouble.CloseNormalClosure, "connect timeout") // fails it: error, then close 1006
		case <-l.ping.c():
			l.sendPing()
		case <-l.pong.c():
			l.dead()
		case <-l.uptime.c():
			if c.cfg.Bug != NoBackoffReset {
				l.retries = 0
			}
		case <-l.pace.c():
			l.flushNext()
		}
	}
}

func (l *loop) allOff() {
	for _, a := range []*alarm{&l.retry, &l.connect, &l.ping, &l.pong, &l.uptime, &l.pace} {
		a.off()
	}
}

// dial makes the next socket.
func (l *loop) dial() {
	cfg := l.c.cfg
	ws, err := cfg.Dial(cfg.URL, cfg.Protocols...)
	if err != nil {
		l.phase = idle // bad arguments: no attempt will do better
		return
	}
	l.id++
	id := l.id
	forward := wsdouble.ListenerFunc(func(e wsdouble.Event) {
		select {
		case l.c.events <- event{id: id, ev: e}:
		case <-l.c.done:
		}
	})
	for _, t := range []wsdouble.EventType{wsdouble.EventOpen, wsdouble.EventMessage, wsdouble.EventError, wsdouble.EventClose} {
		ws.AddEventListener(t, forward)
	}
	l.ws, l.cause, l.phase = ws, nil, connecting
	l.live++
	if cfg.ConnectTimeout > 0 && cfg.Bug != IgnoresConnectTimeout {
		l.connect.set(cfg.ConnectTimeout)
	}
}

func (l *loop) handle(e event) {
	if _, ok := e.ev.(wsdouble.CloseEvent); ok {
		l.live--
	}
	if e.id != l.id || l.ws == nil {
		if l.phase == stopping && l.live == 0 {
			l.phase = stopped
		}
		return // a socket the client let go of
	}
	switch ev := e.ev.(type) {
	case wsdouble.OpenEvent:
		l.opened()
	case wsdouble.MessageEvent:
		l.message(ev.Message)
	case wsdouble.ErrorEvent:
		l.cause = ev.Err
	case wsdouble.CloseEvent:
		l.closed(ev)
	}
}

func (l *loop) opened() {
	cfg := l.c.cfg
	l.connect.off()
	if l.phase == stopping {
		return
	}
	l.phase = open
	l.opens++
	l.sess, l.sent = subscribing, 0
	if !(cfg.Bug == NoResubscribeAfter1012 && l.last == wsdouble.CloseServiceRestart) {
		l.ws.Send(Subscribe)
	}
	if cfg.Bug == ResetOnOpen {
		l.retries = 0
	}
	if cfg.ResetAfter > 0 {
		l.uptime.set(cfg.ResetAfter)
	} else if cfg.Bug != NoBackoffReset {
		l.retries = 0
	}
	if cfg.PingEvery > 0 {
		l.ping.set(cfg.PingEvery)
	}
	if cfg.Bug == LeakPerReconnect && l.opens > 1 {
		go watchSubscription(l.c.ctx)
	}
}

// message handles a message of the open connection.
func (l *loop) message(m wsdouble.Message) {
	switch {
	case m.Equal(Pong):
		l.pong.off()
	case m.Equal(Subscribed):
		if l.sess == subscribing {
			l.sess = flushing
			l.flushNext()
		}
	}
	if n, ok := numbered(m, "ack"); ok {
		i := slices.IndexFunc(l.outbox, func(q wsdouble.Message) bool { k, ok := numbered(q, "publish"); return ok && k == n })
		if i >= 0 {
			l.outbox = slices.Delete(l.outbox, i, i+1)
			if i < l.sent {
				l.sent--
			}
		}
	}
}

// flushNext sends the next message of the queue, or ends the flush. A
// message that is no Publish (DoubleSubscribe's subscription) goes once,
// unacknowledged.
func (l *loop) flushNext() {
	if l.sess != flushing {
		return
	}
	if l.sent >= len(l.outbox) {
		l.sess = settled
		return
	}
	m := l.outbox[l.sent]
	l.ws.Send(m)
	if _, ok := numbered(m, "publish"); ok {
		l.sent++
	} else {
		l.outbox = slices.Delete(l.outbox, l.sent, l.sent+1)
	}
	l.pace.set(l.c.cfg.Pace)
}

// lost handles what the end of the open connection leaves of its
// session: what was sent and not acknowledged stays queued, to go again.
func (l *loop) lost(ev wsdouble.CloseEvent) {
	switch {
	case l.c.cfg.Bug == DoubleSubscribe && l.sess == subscribing:
		l.outbox = slices.Insert(l.outbox, 0, Subscribe) // an unacknowledged request
	case l.c.cfg.Bug == LosesQueuedOnClose && l.sess == flushing && ev.WasClean:
		l.outbox = nil // taken for delivered
	}
	l.sent = 0
}

// watchSubscription is the goroutine LeakPerReconnect starts: it should
// end with its connection, and ends only with the client's context.
func watchSubscription(ctx context.Context) { <-ctx.Done() }

func (l *loop) sendPing() {
	cfg := l.c.cfg
	l.ping.set(cfg.PingEvery)
	if l.pong.t == nil && cfg.Bug != DeafKeepalive {
		l.pong.set(cfg.PongWithin)
	}
	l.ws.Send(Ping)
}

// dead gives up a connection whose pong never came, and retries.
func (l *loop) dead() {
	if l.c.cfg.Bug != TwoConnections {
		l.ws.Close(wsdouble.CloseNormalClosure, "keepalive")
	}
	l.ws = nil
	l.connOff()
	l.lost(wsdouble.CloseEvent{Code: wsdouble.CloseAbnormalClosure})
	l.again(wsdouble.CloseEvent{Code: wsdouble.CloseAbnormalClosure}, false)
}

func (l *loop) connOff() {
	for _, a := range []*alarm{&l.connect, &l.ping, &l.pong, &l.uptime, &l.pace} {
		a.off()
	}
}

// closed handles the end of the current socket.
func (l *loop) closed(ev wsdouble.CloseEvent) {
	wasOpen := l.phase == open
	l.ws = nil
	l.connOff()
	if wasOpen {
		l.lost(ev)
	}
	if l.phase == stopping {
		if l.live == 0 {
			l.phase = stopped
		}
		return
	}
	l.again(ev, wasOpen)
}

// again decides, after a connection or attempt ended with ev, whether to
// retry, and when.
func (l *loop) again(ev wsdouble.CloseEvent, wasOpen bool) {
	cfg := l.c.cfg
	l.last = ev.Code
	if l.givesUp(ev) {
		l.phase = idle
		return
	}
	l.retries++
	l.phase = waiting
	if cfg.Bug == HotLoopOnDrop && wasOpen && ev.Code == wsdouble.CloseAbnormalClosure {
		l.dial()
		return
	}
	l.retry.set(l.delay(l.retries))
}

// givesUp reports whether the policy stops after ev.
func (l *loop) givesUp(ev wsdouble.CloseEvent) bool {
	cfg := l.c.cfg
	if cfg.Bug == NeverGivesUp {
		return false
	}
	var refused *wsdouble.HandshakeError
	switch {
	case errors.As(l.cause, &refused) && refused.StatusCode != 101 && slices.Contains(cfg.GiveUpStatuses, refused.StatusCode):
		return true
	case ev.WasClean && slices.Contains(cfg.GiveUpCodes, ev.Code):
		return true
	}
	limit := cfg.MaxRetries
	if cfg.Bug == GivesUpEarly {
		limit--
	}
	return cfg.MaxRetries > 0 && l.retries >= limit
}

// delay is the wait before the k-th retry in a row.
func (l *loop) delay(k int) time.Duration {
	cfg := l.c.cfg
	d := cfg.Min
	for i := 1; i < k && (cfg.Max == 0 || d < cfg.Max); i++ {
		d = time.Duration(float64(d) * cfg.Factor)
	}
	if cfg.Max > 0 {
		d = min(d, cfg.Max)
	}
	return d
}

// beginStop closes the current socket, if any, and stops once every
// socket has dispatched its close event.
func (l *loop) beginStop() {
	l.allOff()
	if l.ws != nil && l.c.cfg.Bug != LeavesConnectionOpen {
		l.ws.Close(wsdouble.CloseNormalClosure, "stop")
	}
	l.ws = nil
	l.phase = stopping
	if l.live == 0 || l.c.cfg.Bug == LeavesConnectionOpen {
		l.phase = stopped
	}
}
