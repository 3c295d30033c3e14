package wstest

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/wsdouble/wsdouble"
)

// Defaults of the test doubles' options.
const (
	// DefaultCloseTimeout is how long the server end of a connection waits
	// for the client to answer its close frame before it drops the
	// connection.
	DefaultCloseTimeout = 5 * time.Second
	// DefaultReadLimit is the largest message the server end accepts from
	// a client.
	DefaultReadLimit = 32 << 20
)

// Option configures a Server (NewServer) or a FakeDialer (NewFakeDialer).
// Each says which of the two it applies to; the other ignores it.
type Option interface {
	apply(*config)
}

type config struct {
	auto         bool
	handler      func(Peer)
	subprotocols []string
	checkOrigin  func(*http.Request) bool
	closeTimeout time.Duration
	readLimit    int64
	compression  bool
	faults       []Fault
	optErr       error
	fakeCloseTO  time.Duration
	inbox        inboxLimit
	tls          bool
	keep         int // KeepAttempts; 0: every attempt
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

func buildConfig(opts []Option) config {
	c := config{
		closeTimeout: DefaultCloseTimeout,
		readLimit:    DefaultReadLimit,
		fakeCloseTO:  wsdouble.DefaultCloseTimeout,
		inbox:        defaultInboxLimit,
	}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	return c
}

// AutoAccept makes the acceptor answer every attempt itself: it accepts it
// with default AcceptOptions and runs handler on the new Peer in a goroutine
// of its own (a nil handler leaves the connection open and ignores what the
// client sends). NextAttempt is then unavailable. Use it in tests that need
// a working server but do not script its answers; Echo is a ready handler.
//
// Without AutoAccept, attempts wait for NextAttempt, and an attempt nobody
// takes stays pending: its client stays Connecting. Applies to Server and
// FakeDialer.
func AutoAccept(handler func(Peer)) Option {
	return optionFunc(func(c *config) { c.auto, c.handler = true, handler })
}

// Echo is a handler for AutoAccept that sends every message back to the
// client until the connection ends.
//
// On the Peers of a Server and of a FakeDialer, once the messages already
// received are echoed, Echo lets whatever receives a message send it back
// (the connection's reader, or the Fake's Send) and only waits for the end:
// an echo then costs no hand-off to Echo's goroutine. Faults apply as they
// would to Receive and Send. Receive must not be called meanwhile.
func Echo(p Peer) {
	if e, ok := p.(echoer); ok && e.echo() {
		<-p.Done()
		return
	}
	ctx := context.Background()
	for {
		m, err := p.Receive(ctx)
		if err != nil {
			return
		}
		if p.Send(m) != nil {
			return
		}
	}
}

// echoer is a Peer that can echo what it receives by itself.
type echoer interface {
	// echo echoes the messages already received, then switches the peer
	// to echoing every later one as it arrives. It reports false, leaving
	// the rest to Receive, when a message is held back by a fault (it is
	// not due yet).
	echo() bool
}

// Subprotocols sets the subprotocols the acceptor supports, in order of
// preference: Accept with an empty AcceptOptions.Subprotocol chooses the
// first of them the client offered, or none when the client offered none
// of them (a browser then fails the connection, as it would with a real
// server that does not speak its protocol). Without this option an
// acceptor speaks every protocol: it chooses the client's first offer.
// Applies to Server and FakeDialer.
func Subprotocols(protocols ...string) Option {
	protocols = append([]string(nil), protocols...)
	return optionFunc(func(c *config) { c.subprotocols = protocols })
}

// CheckOrigin sets a function that decides whether a handshake's Origin is
// allowed; a refused origin is answered 403 Forbidden and logged as
// refused, and the test never sees it as an attempt. The check runs after
// the handshake has its number in the attempt log, which AttemptNumber
// reports from the request the check is given. A check that panics fails
// the test (the Server's tb.Errorf, with the panic and its stack) and the
// handshake is closed unanswered, logged as aborted. By default every
// origin is allowed, so that pages served from anywhere (a browser test,
// file://) can connect; AllowOrigins(patterns...) is a check that admits
// clients that are not browsers, pages on loopback and the patterns only.
// Applies to Server.
func CheckOrigin(allow func(r *http.Request) bool) Option {
	return optionFunc(func(c *config) { c.checkOrigin = allow })
}

// CloseTimeout sets how long a Peer waits for the client's answer to its
// close frame before dropping the connection (see DefaultCloseTimeout).
// Applies to Server and FakeDialer.
func CloseTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.closeTimeout = d })
}

// ReadLimit sets the largest message, in bytes, the server end accepts; a
// larger one fails the connection with close code 1009 as soon as a frame
// header says so, and the connection's End is a ProtocolViolation (see
// DefaultReadLimit). n <= 0 means no limit. Applies to Server.
func ReadLimit(n int64) Option {
	return optionFunc(func(c *config) { c.readLimit = n })
}

// Compression makes the Server accept permessage-deflate (RFC 7692) when a
// client offers it; the client's Extensions then reports it. Applies to
// Server.
func Compression() Option {
	return optionFunc(func(c *config) { c.compression = true })
}

// Faults applies faults to every connection of a Server or FakeDialer, from
// the moment it is accepted. An invalid fault makes NewServer or
// NewFakeDialer fail the test.
func Faults(faults ...Fault) Option {
	faults = append([]Fault(nil), faults...)
	return optionFunc(func(c *config) {
		for _, f := range faults {
			if err := f.Validate(); err != nil && c.optErr == nil {
				c.optErr = err
			}
		}
		c.faults = append(c.faults, faults...)
	})
}

// ClientCloseTimeout sets how long a Fake waits for the server's answer to
// its close frame before it gives up (code 1006, WasClean false), as the
// real client's wsdouble.WithCloseTimeout does; the default is
// wsdouble.DefaultCloseTimeout. It matters only when a fault (NoCloseReply,
// SlowClose, Blackhole) delays or swallows the answer. Applies to
// FakeDialer.
func ClientCloseTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.fakeCloseTO = d })
}

// KeepAttempts bounds the attempt log of a Server or FakeDialer that runs
// for long, as `wsdouble serve` does, or meets a client that reconnects in
// a hot loop: the log keeps the first n attempts and at least the last n,
// at most 3n records in all (a record is about 500 bytes), and forgets
// those in between. Attempt numbers go on counting: a record's N is its
// place among every attempt, forgotten ones included, so the log's
// numbers have a gap. Without it the log keeps every attempt, which is
// what a test that asserts on the whole log (AssertBackoff) needs. n must
// be at least 1. Applies to Server and FakeDialer.
func KeepAttempts(n int) Option {
	return optionFunc(func(c *config) {
		if n < 1 && c.optErr == nil {
			c.optErr = fmt.Errorf("wstest: KeepAttempts: got %d, want at least 1", n)
		}
		c.keep = n
	})
}

// InboxLimit bounds what the server end of each connection holds of the
// messages the client sent and the Peer has not received yet: at most
// messages messages and bytes bytes of data (a message is taken whole, so
// one may pass the bytes). Without it the limits are DefaultInboxMessages
// and DefaultInboxBytes. Both must be positive, or NewServer and
// NewFakeDialer fail the test. Applies to Server and FakeDialer.
//
// A full inbox holds the client back as a server that stops reading does
// over TCP, so that a client that sends faster than the test receives
// cannot make the server end grow without bound, and nothing it sends is
// lost:
//   - a Server stops reading from the connection until the Peer receives
//     (on both transports): the transport's buffers fill, then the
//     client's writes wait, or its BufferedAmount grows. Frames behind the
//     messages wait too: a close frame or a ping is read once the Peer has
//     made room, as over a real network.
//   - a Fake's Send never waits, as the browser's send() does not: what
//     finds no room waits in the Fake, in order, and counts in its
//     BufferedAmount until the Peer's Receive makes room for it. A
//     connection that ends with a close frame delivers what waited (the
//     frame came behind it) and one that ends abruptly (a drop, a reset)
//     loses it, and it stays in BufferedAmount.
func InboxLimit(messages, bytes int) Option {
	return optionFunc(func(c *config) {
		if (messages <= 0 || bytes <= 0) && c.optErr == nil {
			c.optErr = fmt.Errorf("wstest: InboxLimit: got %d messages and %d bytes, want both > 0", messages, bytes)
		}
		c.inbox = inboxLimit{messages: messages, bytes: bytes}
	})
}
