package wsdouble

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// ValidateExtensionsAnswer reports whether a client may open a connection
// whose handshake offered the extensions of offered (its
// Sec-WebSocket-Extensions header values) and was answered with answer
// (the response's values): every extension the answer names must be one
// the client offered (RFC 6455 §4.1, the client's sixth check; the Fetch
// standard's "establish a WebSocket connection" fails the connection
// otherwise, and so does Chromium), and each must be a token. The
// parameters of an extension are not checked: the client that offered it
// knows them. The error wraps ErrInvalidExtension.
//
// Every IWebSocket in this module runs this check: the real client against
// what its dialer offered (nothing, unless it enables compression), a Fake
// against what a browser offers (see wstest.Fake). It is exported for
// other implementations of the contract.
func ValidateExtensionsAnswer(offered, answer []string) error {
	names, err := extensionNames(answer)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidExtension, err)
	}
	offers, _ := extensionNames(offered)
	for _, name := range names {
		if !slices.ContainsFunc(offers, func(o string) bool { return strings.EqualFold(o, name) }) {
			if len(offers) == 0 {
				return fmt.Errorf("%w: the server chose %q, and the client offered no extension", ErrInvalidExtension, name)
			}
			return fmt.Errorf("%w: the server chose %q, which the client did not offer (it offered %s)", ErrInvalidExtension, name, strings.Join(offers, ", "))
		}
	}
	return nil
}

// extensionNames returns the names of the extensions in Sec-WebSocket-
// Extensions header values (RFC 6455 §9.1: a comma-separated list of
// extensions, each a token and its parameters after semicolons).
func extensionNames(values []string) ([]string, error) {
	var names []string
	for _, v := range values {
		for ext := range strings.SplitSeq(v, ",") {
			name, _, _ := strings.Cut(ext, ";")
			name = strings.TrimSpace(name)
			if !isToken(name) {
				return nil, fmt.Errorf("%q is not an extension token (RFC 6455 §9.1)", strings.TrimSpace(ext))
			}
			names = append(names, name)
		}
	}
	return names, nil
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			return false
		}
	}
	return true
}

// extensionsOffered returns the Sec-WebSocket-Extensions values of the
// request of resp, the handshake's answer: what the client offered.
// gorilla's Dialer sets its offer under a key that is not canonical
// ("Sec-WebSocket-Extensions"), which Header.Values does not find: every
// key is compared without regard to case, as header names are (RFC 9110
// §5.1).
func extensionsOffered(resp *http.Response) []string {
	if resp == nil || resp.Request == nil {
		return nil
	}
	var out []string
	for k, vs := range resp.Request.Header {
		if strings.EqualFold(k, "Sec-WebSocket-Extensions") {
			out = append(out, vs...)
		}
	}
	return out
}
