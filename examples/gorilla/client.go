package gorilla

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// Defaults of Client's zero fields.
const (
	DefaultPingPeriod = 30 * time.Second
	DefaultMinDelay   = time.Second
	DefaultMaxDelay   = time.Minute
	DefaultWriteWait  = 10 * time.Second
)

// Client keeps a WebSocket connection to URL open, with gorilla/websocket
// directly: it dials, reads every message, pings the server, and when the
// connection fails it dials again after a delay that doubles with every
// retry in a row.
//
// A connection counts as dead when no frame at all — a message or a pong —
// has arrived for PongWait: the read deadline is pushed back by every
// frame, and a ping goes out every PingPeriod, so a live server always has
// something to answer within it. This catches the half-open connection, a
// server gone without a FIN, that reads alone never notice.
//
// Set the fields before Run and do not change them after.
type Client struct {
	// Dialer dials the server; nil means websocket.DefaultDialer. A test
	// passes a wstest.Server's Dialer.
	Dialer *websocket.Dialer
	// URL is the server's ws:// or wss:// URL.
	URL string
	// PingPeriod is the time between two pings; zero means
	// DefaultPingPeriod.
	PingPeriod time.Duration
	// PongWait is how long the connection may stay silent before it is
	// taken for dead; zero means twice PingPeriod. It must be longer than
	// PingPeriod.
	PongWait time.Duration
	// WriteWait bounds every write; zero means DefaultWriteWait.
	WriteWait time.Duration
	// MinDelay is the delay before the first retry in a row, doubled for
	// each further one up to MaxDelay; zero means DefaultMinDelay and
	// DefaultMaxDelay. A connection that stayed up MinUptime (zero:
	// PongWait) starts the count over.
	MinDelay, MaxDelay, MinUptime time.Duration
	// OnEvent, if set, is called for every event, on Run's goroutine.
	// It must not block.
	OnEvent func(Event)
}

// EventKind says what an Event reports.
type EventKind int

// The kinds of Event.
const (
	// Connected: the handshake succeeded.
	Connected EventKind = iota
	// DialFailed: the dial failed (Err), for example a refused handshake.
	DialFailed
	// Message: a data message arrived (Data).
	Message
	// Disconnected: the connection failed or ended (Err says why).
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
	// Data is a Message's payload.
	Data []byte
}

// ErrPongTimeout is the Err of a Disconnected event when the connection was
// silent for PongWait.
var ErrPongTimeout = errors.New("gorilla example: no pong within the pong wait")

// ErrInvalidUTF8 is the Err of a Disconnected event when the server sent a
// text message that is not UTF-8: the client failed the connection with
// 1007 (RFC 6455 §8.1), which gorilla/websocket does not do by itself.
var ErrInvalidUTF8 = errors.New("gorilla example: a text message that is not UTF-8")

// Run connects and stays connected until ctx is done, then closes the
// connection (code 1000) and returns ctx's error. It starts no goroutine that
// outlives it.
func (c *Client) Run(ctx context.Context) error {
	cfg := c.withDefaults()
	if cfg.PongWait <= cfg.PingPeriod {
		return fmt.Errorf("gorilla example: PongWait %v must be longer than PingPeriod %v", cfg.PongWait, cfg.PingPeriod)
	}
	retries := 0
	for attempt := 1; ; attempt++ {
		if retries > 0 {
			delay := min(cfg.MinDelay<<min(retries-1, 30), cfg.MaxDelay)
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			}
		}
		conn, resp, err := cfg.Dialer.DialContext(ctx, cfg.URL, nil)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			ev := Event{Kind: DialFailed, Attempt: attempt, Err: err}
			if resp != nil {
				ev.Status = resp.StatusCode
				resp.Body.Close()
			}
			cfg.emit(ev)
			retries++
			continue
		}
		cfg.emit(Event{Kind: Connected, Attempt: attempt})
		start := time.Now()
		err = cfg.serve(ctx, conn, attempt)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		cfg.emit(Event{Kind: Disconnected, Attempt: attempt, Err: err})
		if time.Since(start) >= cfg.MinUptime {
			retries = 0
		}
		retries++
	}
}

func (c Client) withDefaults() Client {
	if c.Dialer == nil {
		c.Dialer = websocket.DefaultDialer
	}
	if c.PingPeriod == 0 {
		c.PingPeriod = DefaultPingPeriod
	}
	if c.PongWait == 0 {
		c.PongWait = 2 * c.PingPeriod
	}
	if c.WriteWait == 0 {
		c.WriteWait = DefaultWriteWait
	}
	if c.MinDelay == 0 {
		c.MinDelay = DefaultMinDelay
	}
	if c.MaxDelay == 0 {
		c.MaxDelay = max(DefaultMaxDelay, c.MinDelay)
	}
	if c.MinUptime == 0 {
		c.MinUptime = c.PongWait
	}
	return c
}

func (c *Client) emit(e Event) {
	if c.OnEvent != nil {
		c.OnEvent(e)
	}
}

// serve reads conn until it fails, while a second goroutine pings it and,
// when ctx is done, closes it. It returns why the connection ended, once
// that goroutine has returned and conn is closed.
func (c *Client) serve(ctx context.Context, conn *websocket.Conn, attempt int) error {
	defer conn.Close()
	alive := func() error { return conn.SetReadDeadline(time.Now().Add(c.PongWait)) }
	alive()
	conn.SetPongHandler(func(string) error { return alive() })

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		ping := time.NewTicker(c.PingPeriod)
		defer ping.Stop()
		for {
			select {
			case <-stop:
				return
			case <-ctx.Done():
				// Say goodbye, and give the server WriteWait to answer: the
				// reader returns with its close frame, or at the deadline.
				deadline := time.Now().Add(c.WriteWait)
				conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), deadline)
				conn.SetReadDeadline(deadline)
				return
			case <-ping.C:
				// WriteControl may run concurrently with the reader. A failed
				// ping needs no handling here: the reader fails too.
				conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.WriteWait))
			}
		}
	}()
	defer wg.Wait()
	defer close(stop)

	for {
		typ, data, err := conn.ReadMessage()
		if err != nil {
			var ne interface{ Timeout() bool }
			if errors.As(err, &ne) && ne.Timeout() {
				return fmt.Errorf("%w: %w", ErrPongTimeout, err)
			}
			return err
		}
		if typ == websocket.TextMessage && !utf8.Valid(data) {
			conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseInvalidFramePayloadData, ""), time.Now().Add(c.WriteWait))
			return ErrInvalidUTF8
		}
		alive()
		c.emit(Event{Kind: Message, Attempt: attempt, Data: data})
	}
}
