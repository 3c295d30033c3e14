package wsdouble

import (
	"fmt"
	"strconv"
)

// EventType names an event, as the DOM does: "open", "message", "error",
// "close". AddEventListener accepts any name; a socket only dispatches these
// four.
type EventType string

// The events a WebSocket dispatches.
const (
	EventOpen    EventType = "open"
	EventMessage EventType = "message"
	EventError   EventType = "error"
	EventClose   EventType = "close"
)

// Event is what a Listener receives: one of OpenEvent, MessageEvent,
// ErrorEvent or CloseEvent, passed by value. Use a type switch to tell them
// apart.
type Event interface {
	// Type is the name the event is dispatched under.
	Type() EventType
}

// OpenEvent is dispatched once, when the opening handshake has succeeded. By
// then ReadyState is Open and Protocol and Extensions report what the server
// chose.
type OpenEvent struct{}

// Type returns EventOpen.
func (OpenEvent) Type() EventType { return EventOpen }

// String returns "open".
func (OpenEvent) String() string { return "open" }

// MessageEvent carries one message received from the server. It embeds the
// Message, so ev.Data is the payload and ev.Message.Type says text or binary
// (ev.Type() is the event's type, EventMessage).
type MessageEvent struct {
	Message
}

// Type returns EventMessage.
func (MessageEvent) Type() EventType { return EventMessage }

// String describes the message, for example `message text "hi"`.
func (e MessageEvent) String() string { return "message " + e.Message.String() }

// ErrorEvent is dispatched when the connection fails: a refused or broken
// handshake, a protocol error, Close while connecting. A CloseEvent with
// code 1006 always follows it. An open connection that merely drops fires
// no error event, only the close event, as in the browser (see CloseCause).
//
// The browser's error event carries no detail. Err is this module's
// addition: the cause as Go sees it (a *HandshakeError for a refused
// handshake, the I/O error of a broken one). A fake may dispatch an ErrorEvent with
// any Err, or none.
type ErrorEvent struct {
	Err error
}

// Type returns EventError.
func (ErrorEvent) Type() EventType { return EventError }

// String returns "error" and the cause, if any.
func (e ErrorEvent) String() string {
	if e.Err == nil {
		return "error"
	}
	return "error: " + e.Err.Error()
}

// CloseEvent is dispatched once, last, when the connection has closed.
//
// Code is the status code of the close frame the server sent (or echoed),
// 1005 (CloseNoStatusReceived) when that frame had no code, or 1006
// (CloseAbnormalClosure) when no close frame arrived. WasClean reports
// whether the closing handshake completed.
type CloseEvent struct {
	Code     int
	Reason   string
	WasClean bool
}

// Type returns EventClose.
func (CloseEvent) Type() EventType { return EventClose }

// String describes the event, for example `close 1000 "bye" clean`.
func (e CloseEvent) String() string {
	clean := "unclean"
	if e.WasClean {
		clean = "clean"
	}
	if e.Reason == "" {
		return "close " + strconv.Itoa(e.Code) + " " + clean
	}
	return fmt.Sprintf("close %d %q %s", e.Code, e.Reason, clean)
}
