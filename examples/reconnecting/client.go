package reconnecting

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/wsdouble/wsdouble"
)

// Errors of the Client.
var (
	// ErrClosed: Send or Reconnect was called after Close.
	ErrClosed = errors.New("reconnecting: client closed")
	// ErrQueueFull: Send was called while the client is not open and
	// MaxEnqueuedMessages messages are already queued; the message is
	// dropped.
	ErrQueueFull = errors.New("reconnecting: send queue full, message dropped")
	// ErrConnectionTimeout is the Err of the error event dispatched when an
	// attempt stayed CONNECTING past Options.ConnectionTimeout.
	ErrConnectionTimeout = errors.New("reconnecting: connection timeout")
	// ErrKeepaliveTimeout is the Err of the error event dispatched when the
	// server left a keepalive ping unanswered past Keepalive.Timeout.
	ErrKeepaliveTimeout = errors.New("reconnecting: keepalive timeout: no pong")
)

// Client is a WebSocket that reconnects: it holds one wsdouble.IWebSocket at
// a time, made by its Constructor, and replaces it whenever it closes, after
// a delay that grows with every retry in a row (see Options). It is itself a
// wsdouble.IWebSocket, so code written against the contract can take either.
//
// What its users see:
//   - the events of every connection, in order, one at a time, on the
//     client's own dispatch goroutine: open, message, error, close, then
//     open again when it reconnects;
//   - ReadyState OPEN while a connection is open, CONNECTING while it
//     connects or waits to retry, CLOSING after Close until the last close
//     event, CLOSED once stopped (by Close, MaxRetries, ShouldReconnect or
//     StartClosed);
//   - Send never fails for want of a connection: while not open, the
//     message is queued (up to MaxEnqueuedMessages) and sent, in order,
//     when the next connection opens, before the open event is dispatched;
//     BufferedAmount counts the queued bytes.
//
// Where the contract follows the browser, the client follows medplum's
// ReconnectingWebSocket: Send while not open queues instead of failing, and
// Send after Close fails with ErrClosed instead of discarding.
//
// Close stops the client; Done is closed once every socket it made has
// dispatched its close event and its goroutine has ended.
type Client struct {
	dial wsdouble.Constructor
	url  string
	opt  Options

	listeners wsdouble.EventTarget

	mu         sync.Mutex
	state      wsdouble.ReadyState
	ws         wsdouble.IWebSocket // the current socket, nil between two
	queue      []wsdouble.Message  // sent while not open
	queued     int                 // bytes of data in queue
	retries    int                 // retries in a row; -1 before the first attempt
	binaryType string
	closed     bool // Close was called

	// The inbox of the dispatch goroutine: events of the sockets and
	// commands, in the order they came. Its own lock, so that a socket's
	// listener never waits for mu.
	inMu  sync.Mutex
	inbox []input
	wake  chan struct{}

	done chan struct{}
}

var _ wsdouble.IWebSocket = (*Client)(nil)

// New returns a Client of url that makes its sockets with dial, and starts
// it: its first attempt is made at once, unless opts.StartClosed. It fails
// for an invalid URL, subprotocol or option, as a Constructor would.
//
// The client's goroutine runs until Close; call Close, then wait for Done,
// to end it.
func New(dial wsdouble.Constructor, url string, opts Options) (*Client, error) {
	if dial == nil {
		return nil, errors.New("reconnecting: nil Constructor")
	}
	u, err := wsdouble.ValidateURL(url)
	if err != nil {
		return nil, err
	}
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	o.Protocols = slices.Clone(o.Protocols)
	c := &Client{
		dial:       dial,
		url:        u,
		opt:        o,
		state:      wsdouble.Connecting,
		retries:    -1,
		binaryType: wsdouble.BinaryTypeBlob,
		wake:       make(chan struct{}, 1),
		done:       make(chan struct{}),
	}
	if o.StartClosed {
		c.state = wsdouble.Closed
	}
	go c.run()
	return c, nil
}

// ReadyState implements wsdouble.WebSocketLike: OPEN while a connection is
// open, CONNECTING while the client connects or waits to retry, CLOSING
// after Close while a connection is still closing, CLOSED once the client
// has stopped.
func (c *Client) ReadyState() wsdouble.ReadyState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// Send sends m on the open connection or, while there is none, queues it
// for the next one. Queued messages are sent in order when a connection
// opens, before the open event is dispatched. It fails with ErrQueueFull
// when MaxEnqueuedMessages are queued (the message is dropped), with
// ErrClosed after Close, and with wsdouble.ErrInvalidMessage as a socket's
// Send does. The data is copied.
//
// A message sent on a connection that is lost before it reaches the server
// is lost with it; the client does not resend it.
func (c *Client) Send(m wsdouble.Message) error {
	if err := wsdouble.ValidateMessage(m); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.closed:
		return ErrClosed
	case c.state == wsdouble.Open:
		// The socket's Send returns at once and never calls back: it may
		// be called with mu held, which keeps it ordered with the flush.
		return c.ws.Send(m)
	case c.opt.MaxEnqueuedMessages < 0 || c.opt.MaxEnqueuedMessages > 0 && len(c.queue) >= c.opt.MaxEnqueuedMessages:
		return ErrQueueFull
	}
	c.queue = append(c.queue, wsdouble.Message{Type: m.Type, Data: bytes.Clone(m.Data)})
	c.queued += len(m.Data)
	return nil
}

// Close stops the client: it makes no more attempts, abandons a pending
// retry, and closes the current connection, if any, with code and reason
// (the close event follows, then Done). Messages still queued are
// dropped. Code and reason are checked as a socket's Close checks them.
// Calling Close again does nothing.
func (c *Client) Close(code int, reason string) error {
	if err := wsdouble.ValidateClose(code, reason); err != nil {
		return err
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.queue, c.queued = nil, 0
	if c.ws != nil {
		c.state = wsdouble.Closing
	} else {
		c.state = wsdouble.Closed
	}
	c.mu.Unlock()
	c.post(input{cmd: cmdClose, code: code, reason: reason})
	return nil
}

// Reconnect starts over at once: it resets the retry count, closes the
// current connection (code 1000, reason "reconnect") if there is one, and
// makes a new attempt without delay. The close event of the connection it
// closes is dispatched at once, with WasClean false: the client does not
// wait for the server's answer. It revives a client that gave up
// (MaxRetries, ShouldReconnect) or started closed (StartClosed). After
// Close it fails with ErrClosed.
func (c *Client) Reconnect() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return ErrClosed
	}
	c.retries = -1
	c.mu.Unlock()
	c.post(input{cmd: cmdReconnect})
	return nil
}

// RetryCount returns the number of retries in a row so far: 0 while the
// first attempt, or the first since the count last started over, is under
// way. The count starts over when a connection has stayed open MinUptime,
// and on Reconnect.
func (c *Client) RetryCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return max(c.retries, 0)
}

// Done is closed when the client has stopped after Close: every socket
// it made has dispatched its close event, and its dispatch goroutine has
// ended. A listener must not wait for it: the listener runs on that
// goroutine.
func (c *Client) Done() <-chan struct{} { return c.done }

// Stop closes the client for good (Close 1000) and waits until it has
// stopped (Done), or ctx is done first: how a test's harness stops it.
func (c *Client) Stop(ctx context.Context) error {
	c.Close(wsdouble.CloseNormalClosure, "stop")
	select {
	case <-c.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("reconnecting: Stop: %w", context.Cause(ctx))
	}
}

// AddEventListener implements wsdouble.WebSocketLike. The client dispatches
// the events of each of its connections, in order, on its own goroutine.
func (c *Client) AddEventListener(typ wsdouble.EventType, l wsdouble.Listener, opts ...wsdouble.ListenerOption) {
	c.listeners.AddEventListener(typ, l, opts...)
}

// RemoveEventListener implements wsdouble.WebSocketLike.
func (c *Client) RemoveEventListener(typ wsdouble.EventType, l wsdouble.Listener) {
	c.listeners.RemoveEventListener(typ, l)
}

// URL implements wsdouble.IWebSocket: the URL every attempt is made to,
// normalized as a socket's constructor normalizes it.
func (c *Client) URL() string { return c.url }

// Protocol implements wsdouble.IWebSocket: the subprotocol of the open
// connection, or "" while there is none.
func (c *Client) Protocol() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != wsdouble.Open {
		return ""
	}
	return c.ws.Protocol()
}

// Extensions implements wsdouble.IWebSocket: the extensions of the open
// connection, or "" while there is none.
func (c *Client) Extensions() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != wsdouble.Open {
		return ""
	}
	return c.ws.Extensions()
}

// BinaryType implements wsdouble.IWebSocket.
func (c *Client) BinaryType() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.binaryType
}

// SetBinaryType implements wsdouble.IWebSocket: the value is kept across
// connections and set on every new socket.
func (c *Client) SetBinaryType(t string) {
	if t != wsdouble.BinaryTypeBlob && t != wsdouble.BinaryTypeArrayBuffer {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.binaryType = t
	if c.ws != nil {
		c.ws.SetBinaryType(t)
	}
}

// BufferedAmount implements wsdouble.IWebSocket: the bytes of the messages
// queued while not open, plus, while a connection is open, its socket's
// BufferedAmount.
func (c *Client) BufferedAmount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.queued
	if c.state == wsdouble.Open {
		n += c.ws.BufferedAmount()
	}
	return n
}
