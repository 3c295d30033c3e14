package wsdouble

import (
	"fmt"
	"net/url"
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
