package wsdouble

// WebSocketLike is the smallest socket surface a client needs: kernl's
// WebSocketLike, in Go. Every method is safe for concurrent use, including
// from a listener running on the socket's dispatch goroutine.
type WebSocketLike interface {
	// ReadyState returns the state of the connection as scripts see it: it
	// changes to Open just before the open event is dispatched and to Closed
	// just before the close event.
	ReadyState() ReadyState
	// Send queues m for the server and returns at once. While Connecting it
	// fails with ErrInvalidState; while Closing or Closed it discards m,
	// adds its length to BufferedAmount and returns nil. It fails with
	// ErrInvalidMessage for a message of unknown type or invalid UTF-8 text.
	// The data is copied; the caller may reuse it.
	Send(m Message) error
	// Close starts the closing handshake with the given code (0 for none)
	// and reason, after the messages already queued. It fails with
	// ErrInvalidCode unless code is 0, 1000 or 3000–4999, and with
	// ErrReasonTooLong for a reason over 123 bytes; otherwise it returns
	// nil, and does nothing more when the socket is already Closing or
	// Closed. Called while Connecting, it abandons the connection: an error
	// event and a close event with code 1006 follow.
	Close(code int, reason string) error
	// AddEventListener registers l for events of type typ.
	AddEventListener(typ EventType, l Listener, opts ...ListenerOption)
	// RemoveEventListener unregisters l for events of type typ.
	RemoveEventListener(typ EventType, l Listener)
}

// IWebSocket is the socket surface a reconnecting client depends on:
// medplum's IWebSocket, in Go. The four ReadyState constants stand for its
// CONNECTING, OPEN, CLOSING and CLOSED members.
type IWebSocket interface {
	WebSocketLike
	// URL returns the URL the socket was made with, after the browser's
	// normalization (http becomes ws, https becomes wss, an empty path
	// becomes "/").
	URL() string
	// Protocol returns the subprotocol the server chose, or "" until the
	// open event and when it chose none.
	Protocol() string
	// Extensions returns the extensions the server chose, as its
	// Sec-WebSocket-Extensions header lists them, or "".
	Extensions() string
	// BinaryType returns "blob" (the default) or "arraybuffer".
	BinaryType() string
	// SetBinaryType sets what BinaryType reports. As in the browser, any
	// value other than "blob" and "arraybuffer" is ignored. Message data is
	// always a []byte whatever the binary type.
	SetBinaryType(string)
	// BufferedAmount returns the number of bytes of message data queued by
	// Send and not yet written to the network as of the last turn of the
	// socket's event loop, plus every byte Send discarded after the socket
	// started closing. It does not fall during a listener call (WHATWG
	// WebSockets: a task); see the package doc, "Semantics".
	BufferedAmount() int
}

// Constructor makes a socket the way `new WebSocket(url, protocols)` does:
// it returns at once, in Connecting, and the opening handshake goes on in the
// background. The error is only for arguments the browser's constructor
// would throw on (ErrInvalidURL, ErrInvalidProtocol); a connection that
// fails later reports it with an error event and a close event.
//
// A client that takes a Constructor can be given New in production,
// wstest.Server.Constructor for an in-memory server, and a FakeDialer's
// Constructor for a scriptable fake.
type Constructor func(url string, protocols ...string) (IWebSocket, error)

// The browser's names for the binary types.
const (
	BinaryTypeBlob        = "blob"
	BinaryTypeArrayBuffer = "arraybuffer"
)
