package wsdouble

import (
	"net/http"
	"time"

	"github.com/gorilla/websocket"
)

// Defaults of the real client's options.
const (
	// DefaultReadLimit is the largest message the real client accepts unless
	// WithReadLimit says otherwise. A larger one fails the connection (the
	// server receives close code 1009).
	DefaultReadLimit = 32 << 20
	// DefaultCloseTimeout is how long the real client waits for the server
	// to answer its close frame before it drops the connection: a minute,
	// as Chromium does (kClosingHandshakeTimeoutSeconds in
	// net/websockets/websocket_channel.cc; a headless Chromium 156 fired
	// close 1006 60 s after close() to a server that never answered). A
	// test on virtual time pays nothing for it; see WithCloseTimeout for
	// one on real time.
	DefaultCloseTimeout = 60 * time.Second
)

// Option configures the real client made by Dial or NewConstructor.
type Option interface {
	apply(*options)
}

type options struct {
	header       http.Header
	dialer       *websocket.Dialer
	readLimit    int64
	closeTimeout time.Duration
	protocols    []string
	listeners    []initialListener
	noHold       bool // Dial: no listener hold (see internal/listenhold)
}

type initialListener struct {
	typ  EventType
	l    Listener
	opts []ListenerOption
}

type optionFunc func(*options)

func (f optionFunc) apply(o *options) { f(o) }

func buildOptions(opts []Option) options {
	o := options{readLimit: DefaultReadLimit, closeTimeout: DefaultCloseTimeout}
	for _, opt := range opts {
		if opt != nil {
			opt.apply(&o)
		}
	}
	if o.dialer == nil {
		o.dialer = websocket.DefaultDialer
	}
	return o
}

// WithHeader adds h to the opening handshake request (for example
// Authorization or Origin). The headers the WebSocket protocol owns
// (Upgrade, Connection, Sec-WebSocket-*) cannot be set this way.
func WithHeader(h http.Header) Option {
	h = h.Clone()
	return optionFunc(func(o *options) { o.header = h })
}

// WithDialer makes the client dial with d instead of
// websocket.DefaultDialer. This is how a client reaches a wstest.Server over
// its in-memory transport (Server.Dialer), and how to set a handshake
// timeout, a proxy or TLS. The client copies d and sets its Subprotocols
// from the protocols it was given.
func WithDialer(d *websocket.Dialer) Option {
	return optionFunc(func(o *options) { o.dialer = d })
}

// WithReadLimit sets the largest message, in bytes, the client accepts (see
// DefaultReadLimit). A larger message fails the connection. n <= 0 means no
// limit.
func WithReadLimit(n int64) Option {
	return optionFunc(func(o *options) { o.readLimit = n })
}

// WithCloseTimeout sets how long Close waits for the server's close frame
// before it drops the connection and dispatches a close event with code
// 1006 and WasClean false (see DefaultCloseTimeout, the browser's minute).
// Inside a testing/synctest bubble the minute costs no wall time; a test
// that runs on real time against a server that never answers (a
// blackhole, a NoCloseReply fault, a half-open connection) waits it out,
// so such a test may want a second or less. Production code has no reason
// to differ from the browser.
func WithCloseTimeout(d time.Duration) Option {
	return optionFunc(func(o *options) { o.closeTimeout = d })
}

// WithProtocols sets the subprotocols Dial offers. A Constructor made by
// NewConstructor uses them when it is called with none.
func WithProtocols(protocols ...string) Option {
	protocols = append([]string(nil), protocols...)
	return optionFunc(func(o *options) { o.protocols = protocols })
}

// WithListener registers a listener before the socket starts connecting, so
// that Dial's caller misses no event (the open event, or a message the
// server sends as soon as it accepts).
func WithListener(typ EventType, l Listener, opts ...ListenerOption) Option {
	return optionFunc(func(o *options) {
		o.listeners = append(o.listeners, initialListener{typ, l, opts})
	})
}
