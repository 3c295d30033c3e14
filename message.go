package wsdouble

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// MessageType says whether a message is text or binary. The values are the
// RFC 6455 opcodes, the same as gorilla/websocket's TextMessage and
// BinaryMessage.
type MessageType int

// The two kinds of data message.
const (
	// TextMessage is a message of UTF-8 text (opcode 1).
	TextMessage MessageType = 1
	// BinaryMessage is a message of arbitrary bytes (opcode 2).
	BinaryMessage MessageType = 2
)

// String returns "text" or "binary".
func (t MessageType) String() string {
	switch t {
	case TextMessage:
		return "text"
	case BinaryMessage:
		return "binary"
	}
	return "MessageType(" + strconv.Itoa(int(t)) + ")"
}

// Message is one WebSocket data message, in either direction. It is the
// single message type of the module: what Send takes, what a MessageEvent
// carries, and what the server end of a test double sends and receives.
//
// Data is never retained by Send beyond the call: implementations copy it.
// The Data of a received message belongs to the receiver.
type Message struct {
	Type MessageType
	Data []byte
}

// Text returns a text message holding s.
func Text(s string) Message { return Message{Type: TextMessage, Data: []byte(s)} }

// Binary returns a binary message holding b. The slice is not copied.
func Binary(b []byte) Message { return Message{Type: BinaryMessage, Data: b} }

// String describes the message for logs and failure output: the type, the
// length and the start of the data, for example `text "hello"` or
// `binary [3]0a0b0c`.
func (m Message) String() string {
	const max = 64
	switch m.Type {
	case TextMessage:
		if len(m.Data) > max {
			return fmt.Sprintf("text [%d]%q…", len(m.Data), truncateUTF8(m.Data, max))
		}
		return fmt.Sprintf("text %q", m.Data)
	case BinaryMessage:
		if len(m.Data) > max/2 {
			return fmt.Sprintf("binary [%d]%x…", len(m.Data), m.Data[:max/2])
		}
		return fmt.Sprintf("binary [%d]%x", len(m.Data), m.Data)
	}
	return fmt.Sprintf("%v [%d]", m.Type, len(m.Data))
}

// Equal reports whether m and o have the same type and the same bytes.
// A nil and an empty Data are equal.
func (m Message) Equal(o Message) bool {
	return m.Type == o.Type && string(m.Data) == string(o.Data)
}

// validate checks what Send accepts: a known type and, for text, valid UTF-8.
func (m Message) validate() error {
	switch m.Type {
	case TextMessage:
		if !utf8.Valid(m.Data) {
			return fmt.Errorf("%w: text message is not valid UTF-8", ErrInvalidMessage)
		}
	case BinaryMessage:
	default:
		return fmt.Errorf("%w: type %v", ErrInvalidMessage, m.Type)
	}
	return nil
}

// ValidateMessage reports whether Send would accept m: its type is
// TextMessage or BinaryMessage and a text message is valid UTF-8. Every
// IWebSocket in this module runs this check; it is exported for other
// implementations of the contract.
//
// A JavaScript string cannot hold invalid UTF-8 (lone surrogates are replaced
// when it is encoded), but a Go string can; Send refuses such text rather
// than put on the wire a frame the peer must reject (RFC 6455 §8.1).
func ValidateMessage(m Message) error { return m.validate() }

func truncateUTF8(b []byte, n int) []byte {
	if len(b) <= n {
		return b
	}
	b = b[:n]
	for len(b) > 0 && !utf8.Valid(b) {
		b = b[:len(b)-1]
	}
	return b
}
