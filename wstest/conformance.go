package wstest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wsdouble/wsdouble"
)

// Subject is an implementation of wsdouble.IWebSocket under test by the
// conformance checker, with the server end it talks to.
type Subject struct {
	// New makes client sockets.
	New wsdouble.Constructor
	// URL is passed to New. It must be a ws:// URL ending in "/"; checks may
	// append a path.
	URL string
	// Acceptor is the server end: every socket New makes arrives as its
	// next attempt, and its log records it.
	Acceptor Acceptor
	// Close, if not nil, is called when the check is done with the subject.
	Close func()
}

// ConformanceCheck is one check of the browser semantics an IWebSocket must
// have (WHATWG WebSockets standard, RFC 6455, DOM Standard).
type ConformanceCheck struct {
	// Name identifies the check, as "area/what", for example
	// "close/server-code-and-reason".
	Name string
	// Doc says what the check asserts.
	Doc string
	run func(c *checker) error
}

// conformanceChecks is every check, in order. Each cites the rule it
// checks. The names and their order are public: users run the checks as
// subtests by name. A new check is a row here and its function in the
// file of its topic, conformance_<topic>.go, the topic being the part of
// its name before the slash, without hyphens (TestConformanceLayout); what
// the checks share is in conformance_checker.go and conformance_recorder.go.
var conformanceChecks = []ConformanceCheck{
	{"constructor/initial-state", "a new socket is CONNECTING with its URL, no protocol or extensions, binaryType blob and nothing buffered", checkInitialState},
	{"constructor/http-url", "an http: URL is accepted and reported as ws: (WHATWG: new WebSocket step 3)", checkHTTPURL},
	{"constructor/invalid-url", "a URL that is not absolute ws/wss/http/https, or has a fragment, is ErrInvalidURL and makes no socket", checkInvalidURL},
	{"constructor/invalid-protocols", "a repeated or non-token subprotocol is ErrInvalidProtocol", checkInvalidProtocols},
	{"open/event", "accepting fires exactly one open event, with readyState OPEN inside the listener", checkOpen},
	{"open/request", "the handshake asks for the socket's path and query and offers its subprotocols", checkRequest},
	{"open/protocol-chosen", "protocol is empty until open, then the subprotocol the server chose", checkProtocolChosen},
	{"open/protocol-none", "a client that offers no subprotocol opens when the server chooses none, with protocol empty", checkProtocolNone},
	{"open/protocol-missing", "a server that answers no subprotocol when the client offered some fails the connection: error, close 1006, no open (Fetch: establish a WebSocket connection)", checkProtocolMissing},
	{"open/protocol-not-offered", "a subprotocol the client did not offer fails the connection: error, close 1006 (RFC 6455 §4.1)", checkProtocolNotOffered},
	{"open/extension-not-offered", "an extension the client did not offer fails the connection: error, close 1006 (RFC 6455 §4.1, Fetch: establish a WebSocket connection)", checkExtensionNotOffered},
	{"send/before-open", "send while CONNECTING is ErrInvalidState and sends nothing", checkSendBeforeOpen},
	{"send/text-and-binary", "sent messages reach the server in order, with their types", checkClientSend},
	{"send/invalid", "send of an unknown message type or invalid UTF-8 text is ErrInvalidMessage", checkSendInvalid},
	{"send/after-close", "send while CLOSING or CLOSED discards the data and grows bufferedAmount", checkSendAfterClose},
	{"send/buffered-in-task", "bufferedAmount counts every byte a listener sent, until it returns, even once the server has them; the next event's listener sees 0 (WHATWG: as of the last time the event loop reached step 1)", checkBufferedInTask},
	{"send/buffered-drains", "bufferedAmount falls to 0 once the server has the data, with no event to dispatch (a turn of the event loop of its own)", checkBufferedDrains},
	{"message/text", "a text message arrives as a message event with its text", checkMessageText},
	{"message/binary", "a binary message arrives as a message event with its bytes", checkMessageBinary},
	{"message/empty", "empty text and binary messages arrive", checkMessageEmpty},
	{"message/order", "100 messages arrive in the order sent", checkMessageOrder},
	{"message/large", "a 1 MiB message arrives whole in each direction", checkLargeMessages},
	{"message/none-after-close", "a message arriving after close() was called is not dispatched (WHATWG: readyState is not OPEN)", checkNoMessageAfterClose},
	{"close/server-code-and-reason", "a server close frame fires close with its code and reason, wasClean true, and no error", checkServerClose},
	{"close/server-no-status", "a server close frame without a code reads as 1005", checkServerCloseNoStatus},
	{"close/server-1012", "a server restarting (1012) fires close 1012, clean", checkServerClose1012},
	{"close/server-every-code", "every code a server may send (1000-1003, 1007-1014, 3000-4999) fires close with that code and reason, clean (RFC 6455 §7.4; 1014 too, as in Chromium)", checkServerEveryCode},
	{"close/client", "close() goes CLOSING at once, the server sees the code and reason, and close fires clean", checkClientClose},
	{"close/client-no-code", "close() without a code sends a close frame without one; both ends read 1005", checkClientCloseNoCode},
	{"close/client-reason-only", "close() with only a reason sends code 1000 (WHATWG: close the WebSocket)", checkClientCloseReasonOnly},
	{"close/invalid-code", "close() with a code other than 1000 or 3000-4999 is ErrInvalidCode and changes nothing", checkCloseInvalidCode},
	{"close/reason-too-long", "close() with a reason over 123 UTF-8 bytes is ErrReasonTooLong; 123 bytes is fine", checkReasonTooLong},
	{"close/twice", "a second close() does nothing: one close frame, one close event", checkCloseTwice},
	{"close/while-connecting", "close() while CONNECTING fails the connection: CLOSING at once, then error and close 1006, no open", checkCloseWhileConnecting},
	{"fail/refused", "a refused handshake fires error then close 1006 unclean, readyState CLOSED in both, the status in the error", checkRefused},
	{"fail/drop", "a connection dropped without a close frame fires close 1006 unclean and no error event (as browsers do); Err, if the socket has it, wraps io.ErrUnexpectedEOF", checkDrop},
	{"listener/once", "a listener added with Once runs for the first event only", checkOnce},
	{"listener/remove", "a removed listener is not called", checkRemove},
	{"listener/remove-during-dispatch", "a listener removed by an earlier one during a dispatch is not called for that event (DOM: removed flag)", checkRemoveDuringDispatch},
	{"listener/add-during-dispatch", "a listener added during a dispatch is not called for that event", checkAddDuringDispatch},
	{"listener/duplicate", "adding the same listener twice registers it once", checkDuplicate},
	{"listener/per-type", "the same listener is registered separately for each event type", checkPerType},
	{"listener/serial", "listener calls never overlap and follow message order", checkSerial},
	{"listener/reentrant-send", "a listener may call send; the message goes out", checkReentrantSend},
	{"listener/reentrant-close", "a listener may call close; the close event comes after the listener returns", checkReentrantClose},
	{"binary-type", "binaryType is blob by default, takes arraybuffer, ignores other values", checkBinaryType},
}

// checkTimeout bounds one check, in case an implementation never delivers
// an event. Inside a synctest bubble it costs no wall time.
const checkTimeout = 10 * time.Second

// Run runs the check against a subject made by newSubject and returns what
// failed, as one error whose lines read "name: got X, want Y". The
// subject's Close is called before Run returns.
func (cc ConformanceCheck) Run(ctx context.Context, newSubject func() (Subject, error)) error {
	_, err := cc.runLogged(ctx, newSubject)
	return err
}

// runLogged is Run, and returns the log of the subject's acceptor too, as
// it was once the subject was closed.
func (cc ConformanceCheck) runLogged(ctx context.Context, newSubject func() (Subject, error)) (log []AttemptRecord, _ error) {
	s, err := newSubject()
	if err != nil {
		return nil, fmt.Errorf("%s: making the subject: %w", cc.Name, err)
	}
	if s.Acceptor != nil {
		defer func() { log = s.Acceptor.Attempts() }() // after Close: the ends are logged
	}
	if s.Close != nil {
		defer s.Close()
	}
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	c := &checker{ctx: ctx, subject: s}
	errs := []error{cc.run(c)}
	errs = append(errs, c.cleanup())
	if err := errors.Join(errs...); err != nil {
		var lines []string
		for _, l := range strings.Split(err.Error(), "\n") {
			lines = append(lines, cc.Name+": "+l)
		}
		return log, errors.New(strings.Join(lines, "\n"))
	}
	return log, nil
}

// ConformanceChecks returns every check, in a fixed order.
func ConformanceChecks() []ConformanceCheck { return slices.Clone(conformanceChecks) }

// CheckConformance runs every check, each against a fresh subject, and
// returns every failure joined into one error (nil when all pass). It takes
// no testing.T: use AssertConformance in a test, or run the checks one by
// one as subtests:
//
//	for _, cc := range wstest.ConformanceChecks() {
//		t.Run(cc.Name, func(t *testing.T) {
//			if err := cc.Run(t.Context(), newSubject); err != nil {
//				t.Error(err)
//			}
//		})
//	}
func CheckConformance(ctx context.Context, newSubject func() (Subject, error)) error {
	var errs []error
	for _, cc := range conformanceChecks {
		errs = append(errs, cc.Run(ctx, newSubject))
	}
	return errors.Join(errs...)
}

// AssertConformance runs CheckConformance and reports the failures with
// t.Errorf. It returns whether every check passed.
//
// Under go test -artifacts, it draws the attempt logs of the failed checks
// (see TB) and names the file in its failure.
func AssertConformance(t TB, newSubject func() (Subject, error)) bool {
	t.Helper()
	var failed []conformanceFailure
	for _, cc := range conformanceChecks {
		if log, err := cc.runLogged(context.Background(), newSubject); err != nil {
			failed = append(failed, conformanceFailure{cc.Name, log, err})
		}
	}
	if len(failed) > 0 {
		t.Errorf("wstest: conformance:\n%v%s", joinFailures(failed), drawConformance(t, failed))
		return false
	}
	return true
}
