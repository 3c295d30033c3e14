package wsdouble

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// ValidateURL checks and normalizes a WebSocket URL as the browser's
// WebSocket constructor does (WHATWG WebSockets, "new WebSocket(url,
// protocols)", steps 1–5): the URL must be absolute with a host; http becomes
// ws and https becomes wss; any other scheme, or a fragment (even an empty
// one), is ErrInvalidURL. The host is lowercased, a default port (80 for ws,
// 443 for wss) is dropped and an empty path becomes "/".
//
// One departure: user info (ws://user:pass@host/) is refused, because
// gorilla/websocket cannot send it.
func ValidateURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrInvalidURL, err)
	}
	switch u.Scheme {
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	case "ws", "wss":
	case "":
		return "", fmt.Errorf("%w: %q is not absolute", ErrInvalidURL, raw)
	default:
		return "", fmt.Errorf("%w: scheme %q is not ws, wss, http or https", ErrInvalidURL, u.Scheme)
	}
	if strings.Contains(raw, "#") {
		return "", fmt.Errorf("%w: %q has a fragment", ErrInvalidURL, raw)
	}
	if u.Opaque != "" || u.Host == "" {
		return "", fmt.Errorf("%w: %q has no host", ErrInvalidURL, raw)
	}
	if u.User != nil {
		return "", fmt.Errorf("%w: %q has user info, which is not supported", ErrInvalidURL, raw)
	}
	u.Host = strings.ToLower(u.Host)
	if port := u.Port(); (u.Scheme == "ws" && port == "80") || (u.Scheme == "wss" && port == "443") {
		u.Host = strings.TrimSuffix(u.Host, ":"+port)
	}
	if u.Path == "" && u.RawPath == "" {
		u.Path = "/"
	}
	return u.String(), nil
}

// ValidateProtocols checks the protocols argument of a constructor as the
// browser does (step 7): each must be a non-empty HTTP token (RFC 7230
// §3.2.6) and none may appear twice, else ErrInvalidProtocol.
func ValidateProtocols(protocols []string) error {
	for i, p := range protocols {
		if p == "" {
			return fmt.Errorf("%w: empty subprotocol", ErrInvalidProtocol)
		}
		for j := 0; j < len(p); j++ {
			if !isTokenChar(p[j]) {
				return fmt.Errorf("%w: %q is not a token", ErrInvalidProtocol, p)
			}
		}
		for _, q := range protocols[:i] {
			if p == q {
				return fmt.Errorf("%w: %q appears twice", ErrInvalidProtocol, p)
			}
		}
	}
	return nil
}

func isTokenChar(c byte) bool {
	if c <= ' ' || c >= 0x7f {
		return false
	}
	return !strings.ContainsRune(`()<>@,;:\"/[]?={}`, rune(c))
}

// ValidateSubprotocolAnswer reports whether a client may open a connection
// whose handshake it offered the subprotocols offered and the server
// answered with answer (its Sec-WebSocket-Protocol header, "" when missing
// or empty). The answer must be one of those offered (RFC 6455 §4.1, the
// client's fifth check), and must not be empty when any were offered: the
// Fetch standard's "establish a WebSocket connection" fails a response
// without a subprotocol then, stricter than RFC 6455, and so do browsers
// (web-platform-tests websockets/constructor/012.html; Chromium checked in
// ./interop). The error wraps ErrInvalidProtocol.
//
// Every IWebSocket in this module runs this check; it is exported for other
// implementations of the contract.
func ValidateSubprotocolAnswer(offered []string, answer string) error {
	switch {
	case answer == "" && len(offered) > 0:
		return fmt.Errorf("%w: the server answered no subprotocol, but the client offered %s", ErrInvalidProtocol, strings.Join(offered, ", "))
	case answer != "" && !slices.Contains(offered, answer):
		return fmt.Errorf("%w: the server chose %q, which the client did not offer", ErrInvalidProtocol, answer)
	}
	return nil
}
