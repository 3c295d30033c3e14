package wsdouble

import (
	"errors"
	"fmt"
	"net/http"
)

// Errors returned by the methods of IWebSocket implementations and by
// constructors. They correspond to the DOMExceptions the browser throws;
// test them with errors.Is.
var (
	// ErrInvalidState: Send was called while the socket is Connecting (the
	// browser's InvalidStateError).
	ErrInvalidState = errors.New("wsdouble: socket is not open yet")
	// ErrInvalidCode: Close was given a code other than 1000 or 3000–4999
	// (the browser's InvalidAccessError), or a server end was given a code
	// that may not be sent.
	ErrInvalidCode = errors.New("wsdouble: invalid close code")
	// ErrReasonTooLong: a close reason longer than 123 bytes of UTF-8 (the
	// browser's SyntaxError).
	ErrReasonTooLong = errors.New("wsdouble: close reason too long")
	// ErrInvalidURL: a constructor was given a URL that is not absolute, not
	// ws, wss, http or https, or has a fragment (the browser's SyntaxError).
	ErrInvalidURL = errors.New("wsdouble: invalid WebSocket URL")
	// ErrInvalidProtocol: a constructor was given a subprotocol that is not
	// an HTTP token, or the same subprotocol twice (the browser's
	// SyntaxError); or the server's handshake answer named a subprotocol
	// the client did not offer, or none when it offered some (the
	// HandshakeError of the connection's error event wraps it).
	ErrInvalidProtocol = errors.New("wsdouble: invalid subprotocol")
	// ErrInvalidExtension: the server's handshake answer named an
	// extension the client did not offer, or a Sec-WebSocket-Extensions
	// header that is not a list of extensions (the HandshakeError of the
	// connection's error event wraps it; see ValidateExtensionsAnswer).
	ErrInvalidExtension = errors.New("wsdouble: invalid extension")
	// ErrInvalidMessage: Send was given a message of unknown type, or text
	// that is not valid UTF-8.
	ErrInvalidMessage = errors.New("wsdouble: invalid message")
	// ErrClosedBeforeOpen is the Err of the ErrorEvent dispatched when Close
	// was called while the socket was still Connecting: the WHATWG standard
	// fails the connection then, with an error and a close event 1006.
	ErrClosedBeforeOpen = errors.New("wsdouble: closed before the connection was established")
	// ErrCloseTimeout is what (*WebSocket).Err reports when the client's
	// close frame got no answer within the close timeout and the client
	// dropped the connection (RFC 6455 §7.1.1 lets it): close 1006.
	ErrCloseTimeout = errors.New("wsdouble: the server did not answer the close frame in time")
)

// HandshakeError is the Err of the ErrorEvent dispatched when the server
// answered the opening handshake with something other than a valid 101
// Switching Protocols, and the error Dial returns then. The browser hides
// these details from scripts; a Go test can inspect them.
type HandshakeError struct {
	// StatusCode is the HTTP status of the server's answer.
	StatusCode int
	// Header is the answer's header.
	Header http.Header
	// Body is the start of the answer's body (at most 1 KiB).
	Body []byte
	// Err says what was wrong when the status was 101 but the answer was
	// still invalid (for example a subprotocol the client did not offer).
	Err error
}

// Error describes the refusal, for example
// "wsdouble: handshake refused: 503 Service Unavailable".
func (e *HandshakeError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("wsdouble: bad handshake (status %d): %v", e.StatusCode, e.Err)
	}
	return fmt.Sprintf("wsdouble: handshake refused: %d %s", e.StatusCode, http.StatusText(e.StatusCode))
}

// Unwrap returns Err.
func (e *HandshakeError) Unwrap() error { return e.Err }
