package reconnecting

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/wsdouble/wsdouble"
)

// The defaults of Options, those of medplum's ReconnectingWebSocket, but for
// the minimum delay, which medplum draws at random between 1 and 5 seconds.
const (
	DefaultMinReconnectionDelay        = time.Second
	DefaultMaxReconnectionDelay        = 10 * time.Second
	DefaultReconnectionDelayGrowFactor = 1.3
	DefaultMinUptime                   = 5 * time.Second
	DefaultConnectionTimeout           = 4 * time.Second
)

// Options configures a Client. The zero value is medplum's defaults: every
// zero field means its Default constant, or no limit where there is none.
//
// The fields are those of medplum's (and reconnecting-websocket's) options
// object, so a configuration carries over field by field, with one change:
// MaxRetries and MaxEnqueuedMessages mean "no limit" at zero, where the
// TypeScript options say Infinity.
type Options struct {
	// MinReconnectionDelay is the delay before the first retry in a row.
	MinReconnectionDelay time.Duration
	// MaxReconnectionDelay caps every delay.
	MaxReconnectionDelay time.Duration
	// ReconnectionDelayGrowFactor is the growth of the delay from one retry
	// to the next: the n-th retry in a row waits
	// min(MinReconnectionDelay × ReconnectionDelayGrowFactor^(n-1),
	// MaxReconnectionDelay). It must be at least 1.
	ReconnectionDelayGrowFactor float64
	// MinUptime is how long a connection must stay open before the retry
	// count starts over: a server that accepts and drops at once keeps the
	// delay growing.
	MinUptime time.Duration
	// ConnectionTimeout is how long an attempt may stay CONNECTING. Past it
	// the client abandons the attempt, dispatches an error event (its Err
	// wraps ErrConnectionTimeout) and a close event (1006), and retries.
	// Negative means no timeout.
	ConnectionTimeout time.Duration
	// MaxRetries is how many retries in a row the client makes before it
	// gives up (RetryCount then reports it); zero means no limit.
	MaxRetries int
	// MaxEnqueuedMessages is how many messages Send queues while the
	// client is not open; past it Send drops the message and returns
	// ErrQueueFull. Zero means no limit, a negative value that nothing is
	// queued.
	MaxEnqueuedMessages int
	// StartClosed makes New return a client in CLOSED that makes no attempt
	// until Reconnect is called.
	StartClosed bool
	// Protocols are the subprotocols every attempt offers.
	Protocols []string
	// Keepalive, when its Interval is set, pings the server at the
	// application level and replaces a connection whose pong is missing.
	Keepalive Keepalive
	// ShouldReconnect, if set, is asked after every connection of the
	// client ends, but those that Close or Reconnect ended, whether to
	// reconnect. ev is the close event the client is about to dispatch;
	// cause is the Err of the error event that came before it (a
	// *wsdouble.HandshakeError for a refused handshake, ErrConnectionTimeout
	// or ErrKeepaliveTimeout for the client's own timeouts) or, when none
	// came (an open connection that dropped: close 1006 alone, as in the
	// browser), what the socket's Err method reports if it has one (the
	// real client's and wstest.Fake's: io.ErrUnexpectedEOF, ECONNRESET), or
	// nil. When it returns
	// false, the client stops in CLOSED, as after MaxRetries; Reconnect
	// revives it. It runs on the client's dispatch goroutine and must not
	// block.
	ShouldReconnect func(ev wsdouble.CloseEvent, cause error) bool
}

// Keepalive configures application-level pings, as medplum's
// SubscriptionManager does them: every Interval the client sends Ping, and
// when no message IsPong accepts has arrived within Timeout of a ping, the
// connection is taken for dead (half-open: the server stopped answering,
// no close frame came) and replaced.
//
// Pongs are consumed: the client's message listeners never see them.
type Keepalive struct {
	// Interval is the time between two pings while the connection is open.
	// Zero disables the keepalive.
	Interval time.Duration
	// Timeout is how long a ping may go unanswered. Zero means Interval.
	Timeout time.Duration
	// Ping is the message sent; the zero value means the text "ping".
	Ping wsdouble.Message
	// IsPong reports whether a message is the server's pong; nil means
	// the text "pong".
	IsPong func(wsdouble.Message) bool
}

func (k Keepalive) enabled() bool { return k.Interval > 0 }

// withDefaults returns o with its zero fields set to their defaults, or an
// error naming a field that is out of range.
func (o Options) withDefaults() (Options, error) {
	if o.MinReconnectionDelay == 0 {
		o.MinReconnectionDelay = DefaultMinReconnectionDelay
	}
	if o.MaxReconnectionDelay == 0 {
		o.MaxReconnectionDelay = max(DefaultMaxReconnectionDelay, o.MinReconnectionDelay)
	}
	if o.ReconnectionDelayGrowFactor == 0 {
		o.ReconnectionDelayGrowFactor = DefaultReconnectionDelayGrowFactor
	}
	if o.MinUptime == 0 {
		o.MinUptime = DefaultMinUptime
	}
	if o.ConnectionTimeout == 0 {
		o.ConnectionTimeout = DefaultConnectionTimeout
	}
	if o.Keepalive.Timeout == 0 {
		o.Keepalive.Timeout = o.Keepalive.Interval
	}
	if o.Keepalive.Ping.Type == 0 {
		o.Keepalive.Ping = wsdouble.Text("ping")
	}
	if o.Keepalive.IsPong == nil {
		o.Keepalive.IsPong = func(m wsdouble.Message) bool { return m.Equal(wsdouble.Text("pong")) }
	}
	g := o.ReconnectionDelayGrowFactor
	switch {
	case o.MinReconnectionDelay < 0 || o.MaxReconnectionDelay < 0 || o.MinUptime < 0:
		return o, errors.New("reconnecting: Options: negative delay")
	case o.MaxReconnectionDelay < o.MinReconnectionDelay:
		return o, fmt.Errorf("reconnecting: Options: MaxReconnectionDelay %v is below MinReconnectionDelay %v",
			o.MaxReconnectionDelay, o.MinReconnectionDelay)
	case g < 1 || math.IsNaN(g) || math.IsInf(g, 0):
		return o, fmt.Errorf("reconnecting: Options: ReconnectionDelayGrowFactor %v is not a number of at least 1", g)
	case o.MaxRetries < 0:
		return o, fmt.Errorf("reconnecting: Options: negative MaxRetries %d", o.MaxRetries)
	case o.Keepalive.Interval < 0 || o.Keepalive.Timeout < 0:
		return o, errors.New("reconnecting: Options: negative Keepalive duration")
	}
	if err := wsdouble.ValidateMessage(o.Keepalive.Ping); err != nil {
		return o, fmt.Errorf("reconnecting: Options: Keepalive.Ping: %w", err)
	}
	if err := wsdouble.ValidateProtocols(o.Protocols); err != nil {
		return o, fmt.Errorf("reconnecting: Options: %w", err)
	}
	return o, nil
}

// delay returns the wait before the n-th retry in a row: none before the
// first attempt (n = 0), then min × grow^(n-1), capped at max.
func (o Options) delay(n int) time.Duration {
	if n <= 0 {
		return 0
	}
	d := float64(o.MinReconnectionDelay) * math.Pow(o.ReconnectionDelayGrowFactor, float64(n-1))
	if d >= float64(o.MaxReconnectionDelay) {
		return o.MaxReconnectionDelay
	}
	return time.Duration(d)
}
