package wstest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wsdouble/wsdouble"
)

// ErrPeerClosed is returned by a Peer's methods once its connection has
// ended (or, for Send and Close, once the server end has started closing).
// The error wraps it with a description of how the connection ended.
var ErrPeerClosed = errors.New("wstest: connection closed")

// ErrInvalidUTF8 is wrapped by the End.Err of a Server connection whose
// client sent a text message that is not valid UTF-8: the server failed
// the connection with close code 1007 (RFC 6455 §8.1; the End's Kind is
// ProtocolViolation), and the Peer never received the message.
var ErrInvalidUTF8 = errors.New("wstest: the client sent a text message that is not valid UTF-8")

// Peer is the server's end of one accepted connection: what a test uses to
// play the server. A connection of a Server and a Fake's server end are both
// Peers, so a test, the conformance checker and the scenario player drive
// them alike. Its methods are safe for concurrent use.
type Peer interface {
	// Request returns the opening handshake request. Do not modify it.
	Request() *http.Request
	// Protocol returns the subprotocol chosen when the attempt was accepted.
	Protocol() string
	// Send sends m to the client. It returns once the message is written
	// to the transport (for a Fake: queued for dispatch), not when the
	// client has received it.
	Send(m wsdouble.Message) error
	// Receive returns the next message the client sent, in order, waiting
	// until one arrives, the connection ends or ctx is done. Messages that
	// arrived before the end are still returned; after them Receive returns
	// an error wrapping ErrPeerClosed.
	Receive(ctx context.Context) (wsdouble.Message, error)
	// Close starts the closing handshake from the server: it sends a close
	// frame with code and reason (code 0 sends one without a code, which
	// the client reads as 1005). The connection ends when the client
	// answers, or after the server's close timeout. Close returns once the
	// frame is sent. Codes that may not be sent (ValidateServerClose) fail
	// with wsdouble.ErrInvalidCode.
	Close(code int, reason string) error
	// Drop ends the connection abruptly: the transport is closed without a
	// close frame, as when a server process dies. The client sees a close
	// event with code 1006, and no error event (as in the browser).
	Drop() error
	// Reset aborts the connection as a TCP RST does: over loopback the
	// client reads "connection reset by peer" (ECONNRESET), as it does
	// over the in-memory transport and from a Fake; unlike Drop's clean
	// end of stream.
	Reset() error
	// Ping sends the client a ping with data as its payload, at most
	// MaxControlPayload bytes (RFC 6455 §5.5.2). A client answers with a
	// pong of the same payload (ReceivePong); a Fake's client, as a
	// browser does, answers by itself and shows its listeners nothing.
	// Faults act on it as on a close frame: a Blackhole swallows it, a
	// Stall holds it, and it comes behind the messages sent before it.
	Ping(data []byte) error
	// Pong sends the client a pong no ping asked for: a unidirectional
	// heartbeat, which expects no answer (RFC 6455 §5.5.3).
	Pong(data []byte) error
	// ReceivePing returns the payload of the next ping the client sent,
	// waiting as Receive does; the server end has answered it already, as
	// AnswerPings says. It keeps the latest 64 pings the Peer has not
	// received, apart from the messages: taking pings or not changes
	// nothing for Receive. A browser, and so a Fake's client, never
	// pings.
	ReceivePing(ctx context.Context) ([]byte, error)
	// ReceivePong returns the payload of the next pong the client sent, an
	// answer to Ping or unsolicited, waiting as Receive does; it keeps the
	// latest 64, as ReceivePing does.
	ReceivePong(ctx context.Context) ([]byte, error)
	// AnswerPings sets how the server end answers the client's pings from
	// now on: PongAtOnce (the default), PongAfter a delay, or NoPong.
	AnswerPings(a PingAnswer)
	// WriteFrame writes f to the client exactly as given, as one write,
	// whether or not the protocol allows it (see Frame), to see a client
	// fail the connection as it must (RFC 6455 §7.1.7). It does not change
	// the connection's state: a close frame written raw does not start
	// the server's closing handshake (Close does). Faults act on it as on
	// a close frame. Only a Server's connection has a wire: a Fake's
	// returns an error wrapping ErrNoWire.
	WriteFrame(f Frame) error
	// Inject applies faults to the connection from now on (see Fault). It
	// applies none if one is invalid.
	Inject(faults ...Fault) error
	// Heal removes every fault (messages already delayed stay delayed).
	Heal()
	// Done is closed when the connection has ended.
	Done() <-chan struct{}
	// Wait waits until the connection has ended and returns how. It returns
	// ctx's error if ctx is done first.
	Wait(ctx context.Context) (End, error)
}

// EndKind says which side ended a connection, and how.
type EndKind int

// The ways a connection ends.
const (
	// NotEnded: the connection is still open.
	NotEnded EndKind = iota
	// ClientClosed: the client sent the first close frame.
	ClientClosed
	// ServerClosed: the server end sent the first close frame (Peer.Close).
	ServerClosed
	// Dropped: the server end dropped the connection (Peer.Drop).
	Dropped
	// ClientGone: the transport ended with no close frame from either side:
	// the client dropped it, or vanished.
	ClientGone
	// Shutdown: the server was closed while the connection was open.
	Shutdown
	// Reset: the server end aborted the connection (a TCP RST).
	Reset
	// ProtocolViolation: the client broke the protocol, and the server
	// failed the connection (RFC 6455 §7.1.7): it sent a close frame whose
	// code says how (End.Code: 1002 protocol error, 1007 a text message
	// that is not UTF-8, 1009 a message over the read limit; §7.4.1) and
	// whose reason says what the client did (End.Reason), and closed the
	// transport without waiting for an answer. Only a Server's connection
	// ends so: a Fake's client cannot send what breaks the protocol.
	ProtocolViolation
)

// String returns a short name: "not ended", "client closed", "server closed",
// "dropped", "client gone", "shutdown", "reset" or "protocol violation".
func (k EndKind) String() string {
	switch k {
	case NotEnded:
		return "not ended"
	case ClientClosed:
		return "client closed"
	case ServerClosed:
		return "server closed"
	case Dropped:
		return "dropped"
	case ClientGone:
		return "client gone"
	case Shutdown:
		return "shutdown"
	case Reset:
		return "reset"
	case ProtocolViolation:
		return "protocol violation"
	}
	return "EndKind(" + strconv.Itoa(int(k)) + ")"
}

// End describes how a connection ended.
type End struct {
	Kind EndKind
	// Code and Reason are those of the close frame that started the
	// closing handshake (1005 when it had no code), for ClientClosed and
	// ServerClosed; those of the close frame the server failed the
	// connection with, for ProtocolViolation; zero otherwise.
	Code   int
	Reason string
	// Clean reports whether the closing handshake completed: a close frame
	// went each way before the transport closed.
	Clean bool
	// Err is the transport error that ended the connection, if any.
	Err error
	// Fault names the fault that ended the connection (a LimitData, a
	// DropAfter), if one did.
	Fault string
	// Time is when the connection ended.
	Time time.Time
}

// String describes the end, for example `client closed 1000 "bye" clean`,
// or for a ProtocolViolation the name of its code, the code and the
// reason: `protocol error 1002: bad close code 5`, `invalid UTF-8 1007:
// ...`, `message too big 1009: ...`.
func (e End) String() string {
	switch e.Kind {
	case ProtocolViolation:
		s := violationName(e.Code) + " " + strconv.Itoa(e.Code)
		if e.Reason != "" {
			s += ": " + e.Reason
		}
		return s
	case ClientClosed, ServerClosed:
		s := e.Kind.String() + " " + strconv.Itoa(e.Code)
		if e.Reason != "" {
			s += " " + strconv.Quote(e.Reason)
		}
		if e.Clean {
			return s + " clean"
		}
		return s + " unclean"
	case ClientGone:
		if e.Err != nil {
			return "client gone: " + e.Err.Error()
		}
	case Dropped, Reset:
		if e.Fault != "" {
			return e.Kind.String() + " by " + e.Fault
		}
	}
	return e.Kind.String()
}

// violationName names the close code of a ProtocolViolation.
func violationName(code int) string {
	if code == wsdouble.CloseInvalidFramePayloadData {
		return "invalid UTF-8" // the only invalid data a server checks
	}
	if s := wsdouble.CloseCodeText(code); s != "" {
		return strings.ToLower(s)
	}
	return "close"
}

func closedError(end End) error {
	return fmt.Errorf("%w (%v)", ErrPeerClosed, end)
}
