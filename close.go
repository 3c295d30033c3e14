package wsdouble

import (
	"fmt"
	"unicode/utf8"

	"github.com/wsdouble/wsdouble/internal/closeguard"
)

// Close status codes (RFC 6455 §7.4.1 and the IANA registry). The names
// follow gorilla/websocket where it has one.
const (
	CloseNormalClosure           = 1000
	CloseGoingAway               = 1001
	CloseProtocolError           = 1002
	CloseUnsupportedData         = 1003
	CloseReserved                = 1004 // reserved, never sent
	CloseNoStatusReceived        = 1005 // never sent: reported when a close frame had no code
	CloseAbnormalClosure         = 1006 // never sent: reported when no close frame arrived
	CloseInvalidFramePayloadData = 1007
	ClosePolicyViolation         = 1008
	CloseMessageTooBig           = 1009
	CloseMandatoryExtension      = 1010
	CloseInternalServerErr       = 1011
	CloseServiceRestart          = 1012
	CloseTryAgainLater           = 1013
	CloseBadGateway              = 1014
	CloseTLSHandshake            = 1015 // never sent: reported when the TLS handshake failed
)

// MaxReasonBytes is the longest close reason, in UTF-8 bytes, that fits a
// close frame: 125 bytes of control-frame payload less 2 for the code.
const MaxReasonBytes = 123

var closeCodeText = map[int]string{
	CloseNormalClosure:           "Normal Closure",
	CloseGoingAway:               "Going Away",
	CloseProtocolError:           "Protocol Error",
	CloseUnsupportedData:         "Unsupported Data",
	CloseReserved:                "Reserved",
	CloseNoStatusReceived:        "No Status Received",
	CloseAbnormalClosure:         "Abnormal Closure",
	CloseInvalidFramePayloadData: "Invalid Frame Payload Data",
	ClosePolicyViolation:         "Policy Violation",
	CloseMessageTooBig:           "Message Too Big",
	CloseMandatoryExtension:      "Mandatory Extension",
	CloseInternalServerErr:       "Internal Server Error",
	CloseServiceRestart:          "Service Restart",
	CloseTryAgainLater:           "Try Again Later",
	CloseBadGateway:              "Bad Gateway",
	CloseTLSHandshake:            "TLS Handshake",
}

// CloseCodeText returns the registered name of a close code, like
// http.StatusText: "Normal Closure" for 1000. Codes 3000–3999 return
// "Registered", 4000–4999 "Private Use", and any other unknown code "".
func CloseCodeText(code int) string {
	if s, ok := closeCodeText[code]; ok {
		return s
	}
	switch {
	case code >= 3000 && code <= 3999:
		return "Registered"
	case code >= 4000 && code <= 4999:
		return "Private Use"
	}
	return ""
}

// ValidateClose reports whether a client's Close(code, reason) is allowed,
// exactly as the browser's close() checks it (WHATWG WebSockets, "close the
// WebSocket", steps 1–2): code must be 0 (no code), 1000, or 3000–4999, else
// ErrInvalidCode; reason must be at most 123 bytes of UTF-8, else
// ErrReasonTooLong. A reason that is not valid UTF-8 is ErrInvalidMessage
// (a JavaScript string could not hold it).
//
// Every IWebSocket in this module runs this check; it is exported for other
// implementations of the contract.
func ValidateClose(code int, reason string) error {
	if code != 0 && code != CloseNormalClosure && (code < 3000 || code > 4999) {
		return fmt.Errorf("%w: %d is neither 1000 nor in 3000-4999", ErrInvalidCode, code)
	}
	if len(reason) > MaxReasonBytes {
		return fmt.Errorf("%w: %d bytes, at most %d allowed", ErrReasonTooLong, len(reason), MaxReasonBytes)
	}
	if !utf8.ValidString(reason) {
		return fmt.Errorf("%w: close reason is not valid UTF-8", ErrInvalidMessage)
	}
	return nil
}

// ValidateServerClose reports whether a server may send a close frame with
// this code and reason (RFC 6455 §7.4): 0 for a frame without a code, or
// 1000–1003, 1007–1014, 3000–4999. Codes 1004, 1005, 1006 and 1015 are
// reserved and never sent; a client receiving them must fail the
// connection. The reason is limited as in ValidateClose.
func ValidateServerClose(code int, reason string) error {
	switch {
	case code == 0:
		if reason != "" {
			return fmt.Errorf("%w: a close frame without a code cannot carry a reason", ErrInvalidCode)
		}
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014, code >= 3000 && code <= 4999:
	default:
		return fmt.Errorf("%w: %d may not be sent in a close frame (RFC 6455 §7.4)", ErrInvalidCode, code)
	}
	if len(reason) > MaxReasonBytes {
		return fmt.Errorf("%w: %d bytes, at most %d allowed", ErrReasonTooLong, len(reason), MaxReasonBytes)
	}
	if !utf8.ValidString(reason) {
		return fmt.Errorf("%w: close reason is not valid UTF-8", ErrInvalidMessage)
	}
	return nil
}

// ValidateReceivedClose reports whether a client that receives a close
// frame whose body holds this code and reason must fail the connection
// (an error event, then close 1006) rather than close with the code. As in
// Chromium (net/websockets/websocket_channel.cc, ParseClose; measured in
// ./interop), it must only for the codes RFC 6455 §7.4.1 says "MUST NOT
// be set as a status code in a Close control frame" (1005, 1006, 1015) and
// for a reason that is not UTF-8 (§5.5.1, §8.1). Every other code,
// registered or not (999, 1004, 1014, 2999, 5000), is received as sent:
// the close event carries it, WasClean true. A close frame without a body
// reads as 1005 and is not checked here; one with a one-byte body fails
// the connection too (§5.5.1).
//
// Every code ValidateServerClose allows a server to send passes. Every
// IWebSocket in this module runs this check; it is exported for other
// implementations of the contract.
func ValidateReceivedClose(code int, reason string) error {
	if closeguard.MustFail(code) {
		return fmt.Errorf("%w: %d must never be sent in a close frame (RFC 6455 §7.4.1)", ErrInvalidCode, code)
	}
	if !utf8.ValidString(reason) {
		return fmt.Errorf("%w: close reason is not valid UTF-8", ErrInvalidMessage)
	}
	return nil
}
