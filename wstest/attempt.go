package wstest

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// Errors of Attempt's methods.
var (
	// ErrAnswered: Accept or Refuse was called on an attempt already
	// answered.
	ErrAnswered = errors.New("wstest: attempt already answered")
	// ErrAttemptGone: the client went away (or the server closed) before
	// the attempt was answered.
	ErrAttemptGone = errors.New("wstest: attempt gone before it was answered")
)

// Attempt is one connection attempt, held before its opening handshake is
// answered. Answer it once with Accept or Refuse, or leave it hanging: the
// client then stays Connecting until it gives up (a handshake timeout) or
// the acceptor is closed.
type Attempt interface {
	// N is the attempt's number, counting from 1 in the acceptor's log.
	N() int
	// Time is when the attempt arrived.
	Time() time.Time
	// Request returns the opening handshake request. Do not modify it.
	Request() *http.Request
	// Protocols returns the subprotocols the client offered.
	Protocols() []string
	// Accept completes the handshake and returns the server's end of the
	// connection. The client's open event follows.
	Accept(opts AcceptOptions) (Peer, error)
	// Refuse answers the handshake with an HTTP status other than 101,
	// headers and a body. The client's error event and close event (code
	// 1006) follow.
	Refuse(status int, header http.Header, body string) error
	// Abort closes the connection in the middle of the handshake, with no
	// answer at all, as a server that crashes does. The client's error
	// event and close event (code 1006) follow.
	Abort() error
	// Done is closed when the attempt has been answered or is gone.
	Done() <-chan struct{}
}

// AcceptOptions says how to accept an attempt. The zero value accepts with
// the acceptor's defaults.
type AcceptOptions struct {
	// Subprotocol is the subprotocol to choose. Empty means the acceptor's
	// default (see Subprotocols): the first of its configured subprotocols
	// that the client offered; with none configured, the client's first
	// offer. NoSubprotocol answers with none. A value the client did not
	// offer is sent anyway. Either answer makes a browser-conformant client
	// fail the connection (wsdouble.ValidateSubprotocolAnswer), which is how
	// a test provokes it.
	Subprotocol string
	// Header is added to the 101 response.
	Header http.Header
	// Extensions, when not empty, is the Sec-WebSocket-Extensions value to
	// answer with, instead of what the acceptor negotiates (a Server with
	// Compression: permessage-deflate when offered; else none). A client
	// fails the connection when it names an extension the client did not
	// offer (RFC 6455 §4.1, and the Fetch standard), as a browser does:
	// a Fake offers what a browser offers, permessage-deflate; the real
	// client offers nothing unless its dialer enables compression. Neither
	// acceptor runs the extensions it names (a Server fails a connection
	// whose client sends it a compressed frame: RSV1, close 1002).
	Extensions string
}

// NoSubprotocol, as AcceptOptions.Subprotocol, answers the handshake
// without a Sec-WebSocket-Protocol header even when the client offered
// subprotocols. A browser then fails the connection (Fetch standard,
// "establish a WebSocket connection"), and so does every IWebSocket of this
// module: an error event, then close 1006. It is not a valid subprotocol
// name (parentheses are not token characters), so it never means one.
const NoSubprotocol = "(none)"

// chooseSubprotocol returns the Sec-WebSocket-Protocol value an acceptor
// configured with supported answers with, for a client that offered
// offered: "" for none.
func chooseSubprotocol(supported, offered []string, opts AcceptOptions) string {
	switch {
	case opts.Subprotocol == NoSubprotocol:
		return ""
	case opts.Subprotocol != "":
		return opts.Subprotocol
	case len(supported) == 0 && len(offered) > 0:
		return offered[0]
	}
	for _, p := range supported {
		if slices.Contains(offered, p) {
			return p
		}
	}
	return ""
}

// Acceptor hands out connection attempts in the order they arrive, and logs
// every attempt. A Server and a FakeDialer are Acceptors.
type Acceptor interface {
	// NextAttempt returns the next attempt no one has taken yet, waiting
	// for one to arrive until ctx is done.
	NextAttempt(ctx context.Context) (Attempt, error)
	// Attempts returns a snapshot of the log of every attempt so far, in
	// order of arrival. The records are the caller's, with their Header
	// and Protocols: changing them does not change the log.
	Attempts() []AttemptRecord
}

// Outcome is how the server answered an attempt's opening handshake.
type Outcome int

// The outcomes of an attempt.
const (
	// Pending: not answered yet; the client is waiting.
	Pending Outcome = iota
	// Accepted: the handshake completed (status 101).
	Accepted
	// Refused: answered with another status.
	Refused
	// Abandoned: the client went away before an answer came (it closed, or
	// its handshake timeout passed), a TLS handshake held by
	// HangTLSHandshake included.
	Abandoned
	// Hung: never answered; the server was closed, or the test ended, with
	// the attempt still pending (a Server closes it unanswered then).
	Hung
	// Aborted: the server closed the connection mid-handshake (Abort,
	// DropAll; or a Server's, after the client sent data before its
	// handshake was answered, which RFC 6455 §4.1 forbids), or the TLS
	// handshake failed: the client rejected the certificate (Err says
	// why).
	Aborted
)

// String returns "pending", "accepted", "refused", "abandoned", "hung" or
// "aborted".
func (o Outcome) String() string {
	switch o {
	case Pending:
		return "pending"
	case Accepted:
		return "accepted"
	case Refused:
		return "refused"
	case Abandoned:
		return "abandoned"
	case Hung:
		return "hung"
	case Aborted:
		return "aborted"
	}
	return "Outcome(" + strconv.Itoa(int(o)) + ")"
}

// AttemptRecord is one entry of an acceptor's attempt log.
type AttemptRecord struct {
	// N is the attempt's number, from 1.
	N int
	// Time is when the attempt arrived.
	Time time.Time
	// URL is the URL the client asked for. For a TLS handshake that
	// failed, no request came: it is wss:// and the host the client named
	// (or the address it dialed), without a path.
	URL string
	// Header is the handshake request's header.
	Header http.Header
	// Protocols are the subprotocols the client offered.
	Protocols []string
	// Outcome is how the handshake was answered.
	Outcome Outcome
	// AnswerTime is when it was answered, or when the client went away.
	AnswerTime time.Time
	// Status is the HTTP status of the answer: 101 when accepted, the
	// refusal's status when refused, 0 otherwise.
	Status int
	// Protocol is the subprotocol chosen, when accepted.
	Protocol string
	// End says how an accepted connection ended; its Kind is NotEnded
	// while it is open.
	End End
	// ToClient and FromClient count the messages sent each way.
	ToClient, FromClient int
	// Err says why the answer failed, if it did (for example, the upgrade
	// could not complete).
	Err error

	// header is Header as a Server keeps it; Attempts unpacks it into
	// Header (see packedHeader).
	header packedHeader
	// count is the accepted connection's count of messages, which
	// Attempts reads into ToClient and FromClient.
	count *msgCount
}
