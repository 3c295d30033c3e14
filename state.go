package wsdouble

import "strconv"

// ReadyState is the state of a socket's connection, the browser's readyState.
// The values are those of the WebSocket interface's CONNECTING, OPEN, CLOSING
// and CLOSED constants.
type ReadyState int32

// The four ready states, in the order a socket passes through them. A socket
// never goes back to an earlier state.
const (
	// Connecting: the opening handshake has not finished. Send fails with
	// ErrInvalidState.
	Connecting ReadyState = 0
	// Open: the open event has fired; messages can be sent and received.
	Open ReadyState = 1
	// Closing: the closing handshake has started (Close was called, or the
	// server sent a close frame). Send discards its data.
	Closing ReadyState = 2
	// Closed: the close event has fired, or is being dispatched.
	Closed ReadyState = 3
)

// String returns the state's name as the WebSocket interface spells its
// constant: "CONNECTING", "OPEN", "CLOSING" or "CLOSED".
func (s ReadyState) String() string {
	switch s {
	case Connecting:
		return "CONNECTING"
	case Open:
		return "OPEN"
	case Closing:
		return "CLOSING"
	case Closed:
		return "CLOSED"
	}
	return "ReadyState(" + strconv.Itoa(int(s)) + ")"
}
