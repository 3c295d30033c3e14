package reconnect

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// Defaults of Options' zero fields.
const (
	DefaultPingPeriod = 30 * time.Second
	DefaultMinDelay   = time.Second
	DefaultMaxDelay   = time.Minute
	DefaultWriteWait  = 10 * time.Second
)

// Options are the settings every example client shares. Set them before
// Run and do not change them after.
type Options struct {
	// Subscribe, if not empty, is sent as a text message first on every
	// connection: what a server restart loses and a client must send
	// again.
	Subscribe []byte
	// PingPeriod is the time between two pings; zero means
	// DefaultPingPeriod.
	PingPeriod time.Duration
	// PongWait is how long the connection may stay silent before it is
	// taken for dead; zero means twice PingPeriod. It must be longer than
	// PingPeriod.
	PongWait time.Duration
	// WriteWait bounds every write, and the closing handshake; zero means
	// DefaultWriteWait.
	WriteWait time.Duration
	// ConnectTimeout bounds a dial and its handshake, TLS included: an
	// attempt still unanswered after it fails, and counts as a failed
	// one. Zero leaves it to the library (gorilla's Dialer: 45 s; gws:
	// 5 s; coder and gobwas: none).
	ConnectTimeout time.Duration
	// MinDelay is the delay before the first retry in a row, doubled for
	// each further one up to MaxDelay; zero means DefaultMinDelay and
	// DefaultMaxDelay. A connection that stayed up MinUptime (zero:
	// PongWait) starts the count over.
	MinDelay, MaxDelay, MinUptime time.Duration
	// OnEvent, if set, is called for every event, on Run's goroutine or
	// the connection's reader. It must not block.
	OnEvent func(Event)
}

// Endpoint is how a client that makes its own connection (gobwas, gws)
// reaches the server: the examples that take a dial function share it.
type Endpoint struct {
	// Dial connects to the server's address; nil means a net.Dialer's. A
	// test passes a wstest.Server's DialContext.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// TLSConfig is for wss://; nil means the system's roots. A test
	// passes the Server's TLSConfig.
	TLSConfig *tls.Config
}

// Dialer returns e's Dial, or a net.Dialer's.
func (e Endpoint) Dialer() func(ctx context.Context, network, addr string) (net.Conn, error) {
	if e.Dial == nil {
		return (&net.Dialer{}).DialContext
	}
	return e.Dial
}

// EventKind says what an Event reports.
type EventKind int

// The kinds of Event.
const (
	// Connected: the handshake succeeded.
	Connected EventKind = iota
	// DialFailed: the dial failed (Err), for example a refused handshake
	// (Status).
	DialFailed
	// Message: a data message arrived (Data).
	Message
	// Disconnected: the connection failed or ended (Err says why; Code is
	// the code of the server's close frame, if it sent one).
	Disconnected
)

// String returns the kind's name, for example "connected".
func (k EventKind) String() string {
	switch k {
	case Connected:
		return "connected"
	case DialFailed:
		return "dial failed"
	case Message:
		return "message"
	case Disconnected:
		return "disconnected"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is something that happened to the client's connection.
type Event struct {
	Kind EventKind
	// Attempt counts the dials, from 1.
	Attempt int
	// Err is why the dial failed or the connection ended.
	Err error
	// Status is the HTTP status of a refused handshake, or 0.
	Status int
	// Code is the code of the close frame that ended the connection, or 0
	// when none came (a drop, a dead connection).
	Code int
	// Data is a Message's payload.
	Data []byte
}

// String describes e in a few words, as the examples print events: its
// attempt, its kind, and the status of a refusal, the code of a close
// frame or the text of a message, for example `#2 disconnected 1012` or
// `#3 message "welcome back"`. It leaves out Err, whose text names
// addresses and the library's internals.
func (e Event) String() string {
	s := fmt.Sprintf("#%d %v", e.Attempt, e.Kind)
	switch {
	case e.Kind == Message:
		s += fmt.Sprintf(" %q", e.Data)
	case e.Status != 0:
		s += fmt.Sprintf(" %d", e.Status)
	case e.Code != 0:
		s += fmt.Sprintf(" %d", e.Code)
	}
	return s
}

// ErrPongTimeout is the Err of a Disconnected event when the connection was
// silent for PongWait.
var ErrPongTimeout = errors.New("reconnect: no sign of life within the pong wait")

// ErrInvalidUTF8 is what a Conn's ReadLoop returns when the server sent a
// text message that is not UTF-8: the loop fails the connection with 1007
// (RFC 6455 §8.1), which gorilla/websocket and coder/websocket leave to
// their callers, and the Disconnected event's Err wraps it.
var ErrInvalidUTF8 = errors.New("reconnect: a text message that is not UTF-8")

// RefusedError is the error of a dial the server answered with another
// status than 101; a library's dial function returns it so that the
// DialFailed event has the Status.
type RefusedError struct {
	Status int
	Err    error // the library's error
}

func (e *RefusedError) Error() string { return fmt.Sprintf("refused %d: %v", e.Status, e.Err) }

func (e *RefusedError) Unwrap() error { return e.Err }

// CloseError is the error of a Conn's ReadLoop that ended with the
// server's close frame.
type CloseError struct {
	Code int
	Err  error // the library's error
}

func (e *CloseError) Error() string { return fmt.Sprintf("closed %d: %v", e.Code, e.Err) }

func (e *CloseError) Unwrap() error { return e.Err }

// Conn is one connection, as a client library gives it. ReadLoop runs on
// one goroutine; the writes (Write, Ping, Close) on another, one at a
// time; Abort at any time.
type Conn interface {
	// ReadLoop reads until the connection ends, answering the server's
	// control frames as the library does and calling onMessage for each
	// data message; it returns why the connection ended (a *CloseError
	// when the server sent a close frame).
	ReadLoop(onMessage func([]byte)) error
	// Write sends a text message.
	Write(ctx context.Context, data []byte) error
	// Ping sends a ping; the library's pong, when it comes, is a sign of
	// life (the dial's alive function, or Ping returning nil once it
	// came).
	Ping(ctx context.Context) error
	// Close starts the closing handshake with code; ReadLoop ends when
	// the server answers.
	Close(ctx context.Context, code int) error
	// Abort closes the transport at once: ReadLoop ends.
	Abort()
}

// Dial opens a connection for attempt; alive is to be called for every
// sign of life the library reports (a pong). It returns a *RefusedError
// for a refused handshake.
type Dial func(ctx context.Context, alive func()) (Conn, error)

// Run connects with dial and stays connected until ctx is done, then
// closes the connection (code 1000) and returns ctx's error. It starts no
// goroutine that outlives it.
func Run(ctx context.Context, o Options, dial Dial) error {
	o = o.withDefaults()
	if o.PongWait <= o.PingPeriod {
		return fmt.Errorf("reconnect: PongWait %v must be longer than PingPeriod %v", o.PongWait, o.PingPeriod)
	}
	retries := 0
	for attempt := 1; ; attempt++ {
		if retries > 0 {
			delay := min(o.MinDelay<<min(retries-1, 30), o.MaxDelay)
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			}
		}
		k := newKeepalive(o.PongWait)
		dctx, cancel := ctx, context.CancelFunc(func() {})
		if o.ConnectTimeout > 0 {
			dctx, cancel = context.WithTimeout(ctx, o.ConnectTimeout)
		}
		conn, err := dial(dctx, k.alive)
		cancel() // the libraries use the context for the handshake only
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			ev := Event{Kind: DialFailed, Attempt: attempt, Err: err}
			if re := (*RefusedError)(nil); errors.As(err, &re) {
				ev.Status = re.Status
			}
			o.emit(ev)
			retries++
			continue
		}
		o.emit(Event{Kind: Connected, Attempt: attempt})
		start := time.Now()
		err = o.serve(ctx, conn, k, attempt)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		ev := Event{Kind: Disconnected, Attempt: attempt, Err: err}
		if ce := (*CloseError)(nil); errors.As(err, &ce) {
			ev.Code = ce.Code
		}
		o.emit(ev)
		if time.Since(start) >= o.MinUptime {
			retries = 0
		}
		retries++
	}
}

func (o Options) withDefaults() Options {
	if o.PingPeriod == 0 {
		o.PingPeriod = DefaultPingPeriod
	}
	if o.PongWait == 0 {
		o.PongWait = 2 * o.PingPeriod
	}
	if o.WriteWait == 0 {
		o.WriteWait = DefaultWriteWait
	}
	if o.MinDelay == 0 {
		o.MinDelay = DefaultMinDelay
	}
	if o.MaxDelay == 0 {
		o.MaxDelay = max(DefaultMaxDelay, o.MinDelay)
	}
	if o.MinUptime == 0 {
		o.MinUptime = o.PongWait
	}
	return o
}

func (o Options) emit(e Event) {
	if o.OnEvent != nil {
		o.OnEvent(e)
	}
}

// keepalive takes a connection for dead when no sign of life has come for
// wait: its timer, pushed back by every one, aborts the connection.
type keepalive struct {
	wait time.Duration

	mu    sync.Mutex
	timer *time.Timer // nil until watch
	dead  bool
}

func newKeepalive(wait time.Duration) *keepalive { return &keepalive{wait: wait} }

// watch starts the clock for conn.
func (k *keepalive) watch(conn Conn) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.timer = time.AfterFunc(k.wait, func() {
		k.mu.Lock()
		k.dead = true
		k.mu.Unlock()
		conn.Abort()
	})
}

// alive pushes the deadline back: a sign of life came.
func (k *keepalive) alive() {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.timer != nil && !k.dead {
		k.timer.Reset(k.wait)
	}
}

// stop stops the clock and reports whether it had run out.
func (k *keepalive) stop() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.timer != nil {
		k.timer.Stop()
	}
	return k.dead
}

// serve sends the subscription, then reads conn until it fails, while a
// second goroutine pings it and, when ctx is done, closes it. It returns
// why the connection ended, once that goroutine has returned.
func (o Options) serve(ctx context.Context, conn Conn, k *keepalive, attempt int) error {
	defer conn.Abort()
	k.watch(conn)
	if len(o.Subscribe) > 0 {
		wctx, cancel := context.WithTimeout(ctx, o.WriteWait)
		err := conn.Write(wctx, o.Subscribe)
		cancel()
		if err != nil {
			k.stop()
			return fmt.Errorf("reconnect: subscribing: %w", err)
		}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { o.keepUp(ctx, conn, stop) })
	err := conn.ReadLoop(func(data []byte) {
		k.alive()
		o.emit(Event{Kind: Message, Attempt: attempt, Data: data})
	})
	if errors.Is(err, ErrInvalidUTF8) {
		// Fail the connection: say why, and go (RFC 6455 §7.1.7).
		wctx, cancel := context.WithTimeout(context.Background(), o.WriteWait)
		conn.Close(wctx, 1007)
		cancel()
	}
	close(stop)
	conn.Abort() // a ping waiting for its pong (coder's) returns
	wg.Wait()
	if k.stop() {
		return fmt.Errorf("%w: %w", ErrPongTimeout, err)
	}
	return err
}

// keepUp pings conn every PingPeriod until stop is closed, and when ctx is
// done, says goodbye (close 1000) and gives the server WriteWait to answer
// before it aborts the connection.
func (o Options) keepUp(ctx context.Context, conn Conn, stop <-chan struct{}) {
	ping := time.NewTicker(o.PingPeriod)
	defer ping.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			wctx, cancel := context.WithTimeout(context.Background(), o.WriteWait)
			defer cancel()
			if conn.Close(wctx, 1000) != nil {
				conn.Abort()
				return
			}
			select {
			case <-stop: // the server answered
			case <-wctx.Done():
				conn.Abort()
			}
			return
		case <-ping.C:
			// A failed ping needs no handling here: the reader fails too.
			pctx, cancel := context.WithTimeout(ctx, o.PongWait)
			conn.Ping(pctx)
			cancel()
		}
	}
}
