// Package wsdouble is the browser-style WebSocket contract that reconnecting
// clients are written against, and a real client that implements it on
// gorilla/websocket. Its sibling packages test code written against the
// contract: wstest (a scriptable fake, a test server on two transports, a
// conformance checker) and scenario (one script of connection attempts for
// every layer).
//
// # The contract
//
// IWebSocket is medplum's IWebSocket and WebSocketLike is kernl's
// WebSocketLike, both TypeScript interfaces over the browser's WebSocket,
// mapped member by member:
//
//	TypeScript                            Go
//	readyState                            ReadyState() ReadyState
//	CONNECTING, OPEN, CLOSING, CLOSED     the constants Connecting, Open, Closing, Closed (0..3)
//	send(data)                            Send(Message) error; Text(s), Binary(b)
//	close(code?, reason?)                 Close(code int, reason string) error; code 0 means none
//	addEventListener(type, l, options)    AddEventListener(EventType, Listener, ...ListenerOption); Once()
//	removeEventListener(type, l)          RemoveEventListener(EventType, Listener), by identity
//	url, protocol, extensions             URL(), Protocol(), Extensions() string
//	binaryType                            BinaryType() string, SetBinaryType(string)
//	bufferedAmount                        BufferedAmount() int
//	new WebSocket(url, protocols)         Constructor: func(url string, protocols ...string) (IWebSocket, error)
//
// Events are OpenEvent, MessageEvent, ErrorEvent and CloseEvent, passed to a
// Listener by value. ListenerFunc wraps a func in a new Listener that can be
// removed again; EventTarget implements the DOM's listener rules for any
// implementation. Methods that the browser makes throw return an error
// instead: ErrInvalidState, ErrInvalidCode, ErrReasonTooLong, ErrInvalidURL,
// ErrInvalidProtocol, ErrInvalidMessage. A handshake answer the client must
// fail the connection for wraps ErrInvalidProtocol or ErrInvalidExtension.
//
// A client that takes a Constructor rather than calling New can be given
// New in production and a test double in tests:
//
//	type Client struct{ dial wsdouble.Constructor }
//	c := Client{dial: wsdouble.New}                 // production
//	c := Client{dial: srv.Constructor()}            // a wstest.Server, in memory
//	c := Client{dial: fakeDialer.Constructor()}     // the scriptable fake
//
// # Semantics
//
// The browser is the reference. Every implementation in this module behaves
// as the WHATWG WebSockets standard says, and wstest's conformance checker
// proves it:
//   - events of one socket are delivered one at a time, in order, on the
//     socket's own dispatch goroutine; a listener may call Send or Close on
//     its socket, and what that causes is delivered after it returns;
//   - the ready state changes in the same task that dispatches the event
//     that announces it: Open just before the open event, Closed just before
//     the error and close events; a message that arrives once the state is
//     no longer Open is not dispatched;
//   - Send while Connecting fails with ErrInvalidState; while Closing or
//     Closed the data is discarded and BufferedAmount grows, for good;
//   - BufferedAmount counts the bytes sent that, "as of the last time the
//     event loop reached step 1", the transport had not taken (WHATWG
//     WebSockets, bufferedAmount): it grows with each Send at once and
//     falls only at a turn of the socket's event loop, never during a
//     task. For Go code a task is one listener call: a listener that sends
//     4 bytes reads 4 until it returns, however long it runs, and the next
//     event's listener sees what the transport took since. The loop also
//     turns by itself soon after the transport takes data (Chromium lowers
//     the count in a task of its own when its network service reports the
//     bytes sent), so code outside any listener sees the count include a
//     message right after Send and fall soon after, with no event; when
//     exactly is not promised, but inside a testing/synctest bubble it has
//     fallen once synctest.Wait returns;
//   - a handshake answer must name one of the subprotocols offered, and
//     must name one when any were offered: else the connection fails
//     (RFC 6455 §4.1; the Fetch standard's "establish a WebSocket
//     connection", stricter than the RFC, as browsers are); and every
//     extension it names must be one the client offered, else the
//     connection fails too (RFC 6455 §4.1, Fetch; ValidateExtensionsAnswer):
//     the real client offers none unless its dialer enables compression;
//   - a ping from the server is answered with a pong of the same payload
//     (RFC 6455 §5.5.2), and no listener sees pings or pongs (the WHATWG
//     standard has no event for them);
//   - Close accepts code 0 (none), 1000 or 3000–4999 and a reason of at most
//     123 UTF-8 bytes; a second Close does nothing; Close while Connecting
//     abandons the connection (error, then close 1006);
//   - a refused or failed handshake fires error, then close with code 1006
//     and WasClean false, and never open;
//   - a connection lost without a close frame (a drop, a reset) fires only
//     close 1006, WasClean false: RFC 6455 §7.1.5 closes it abnormally, but
//     the standard fires error only when it must "fail the WebSocket
//     connection" (RFC 6455 §7.1.7), and browsers (Chromium, tested in
//     ./interop) fire none;
//   - a protocol error from the server (a bad frame, a text message that is
//     not UTF-8, a message over the read limit) fails the connection: error,
//     then close 1006, and the server gets a close frame with the code
//     RFC 6455 §7.4.1 names (1002, 1007, 1009);
//   - a close frame from the server fires close with its code and reason,
//     WasClean true; a close frame without a code reads as 1005;
//   - Close sends a close frame after the messages already queued and fires
//     close when the server answers, or after the close timeout with code
//     1006 and WasClean false: a minute unless WithCloseTimeout says
//     otherwise, as in Chromium (net/websockets/websocket_channel.cc);
//   - a close frame received is answered with one carrying the same code
//     and reason (RFC 6455 §5.5.1; Chromium echoes both); every code but
//     1005, 1006 and 1015 is received as sent, registered or not, and
//     those three, a one-byte body or a reason that is not UTF-8 fail the
//     connection (ValidateReceivedClose; Chromium's rule, measured in
//     ./interop).
//
// ErrorEvent.Err carries the cause, which the browser hides: a
// *HandshakeError with the HTTP status for a refusal, the I/O error of a
// failed handshake. After a close 1006 with no error event, the socket's
// Err method ((*WebSocket).Err, and the wstest Fake's; CloseCause for any
// IWebSocket) says why: an error
// wrapping io.ErrUnexpectedEOF after a drop, syscall.ECONNRESET after a
// reset, ErrCloseTimeout when the server never answered our close frame.
//
// # Adding listeners
//
// In the browser no event fires before the script that made the socket has
// finished, so listeners added right after `new WebSocket()` never miss the
// open event. Go has no such moment: a socket dispatches each event when it
// happens, on its own goroutine. Add listeners as soon as the Constructor
// returns, before anything that waits. Over a real network the handshake is
// a round trip away; inside a testing/synctest bubble, wstest's acceptors
// make it a guarantee, by never answering an attempt before every goroutine
// of the bubble has blocked. Dial, with WithListener, registers listeners
// before connecting at all.
//
// # The real client
//
// New (a Constructor), NewConstructor and Dial make a *WebSocket backed by
// gorilla/websocket. Options set request headers, the gorilla Dialer (the
// way to reach a wstest.Server in memory, or to set TLS, a proxy or a
// handshake timeout), the read limit and the close timeout. Each socket runs
// one goroutine that dials, reads and dispatches the events as messages
// arrive; Send and Close write on the caller's goroutine without waiting (a
// short-lived goroutine finishes a write the transport could not take at
// once). All of them end once the close event has been dispatched (Done).
//
// Inside a testing/synctest bubble, a socket dialed through an in-memory
// transport (wstest.Server.Dialer) runs on the bubble's virtual clock: a
// handshake timeout, a close timeout or a server that waits 30 seconds
// costs no wall time.
package wsdouble
