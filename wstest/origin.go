package wstest

import (
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"path"
	"strings"
)

// AllowOrigins returns an origin check for CheckOrigin that admits:
//
//   - a handshake with no Origin header: clients that are not browsers
//     (Go, Node's ws, curl) send none, and a browser always sends one;
//   - an Origin whose host is loopback: localhost, a name ending in
//     .localhost, an address in 127.0.0.0/8, or [::1], on any port and
//     scheme;
//   - an Origin that matches one of patterns.
//
// Patterns follow coder/websocket's AcceptOptions.OriginPatterns: each is
// matched case-insensitively with path.Match; a pattern without "://" is
// matched against the Origin's host and port ("example.com",
// "*.example.com", "localhost:*"; "example.com" does not match
// "https://example.com:8443"), and one with "://" against its scheme, host
// and port ("https://*.example.com"). The pattern "*" admits every Origin,
// "null" included.
//
// The Origin "null" is admitted only by the pattern "null" or "*". A
// browser sends it for pages that have no origin of their own (file://
// pages, sandboxed iframes, some redirects), and any web page can make
// one: a sandboxed iframe's script runs with Origin "null". Admitting
// "null" therefore admits every page open in the browser.
//
// A malformed pattern (ValidateOriginPattern reports why) matches no
// Origin: the check fails closed, never open, and never panics.
//
// AllowOrigins() with no pattern is the policy for a server that runs while
// a browser is open on the machine, as `wsdouble serve` does: browsers
// leave the Origin check of a WebSocket to the server, so without one any
// page could connect. It does not admit a page served from the same host as
// the handshake's Host header, as gorilla/websocket's default does: the Host
// header is the page's own name after a DNS rebinding, so it proves
// nothing.
func AllowOrigins(patterns ...string) func(r *http.Request) bool {
	policy := newOriginPolicy(patterns)
	return func(r *http.Request) bool {
		// A browser sends one Origin; were there several, each must pass,
		// whichever of them the code behind this server reads.
		for _, o := range r.Header.Values("Origin") {
			if !policy.allows(o) {
				return false
			}
		}
		return true
	}
}

// originPolicy is what AllowOrigins admits, its patterns sorted by kind.
type originPolicy struct {
	all  bool     // the pattern "*": every Origin
	null bool     // the pattern "null": the Origin "null"
	host []string // patterns without "://", matched against host[:port]
	full []string // patterns with "://", matched against scheme://host[:port]
}

func newOriginPolicy(patterns []string) originPolicy {
	var p originPolicy
	for _, pat := range patterns {
		pat = strings.ToLower(pat)
		switch {
		case pat == "*":
			p.all = true
		case pat == "null":
			p.null = true
		case ValidateOriginPattern(pat) != nil:
			// Matches nothing.
		case strings.Contains(pat, "://"):
			p.full = append(p.full, pat)
		default:
			p.host = append(p.host, pat)
		}
	}
	return p
}

// allows reports whether the policy admits one Origin header value.
func (p originPolicy) allows(origin string) bool {
	if p.all || origin == "" {
		return true
	}
	origin = strings.ToLower(origin)
	if origin == "null" {
		return p.null
	}
	u, err := url.Parse(origin)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return false
	}
	if loopbackHost(u.Hostname()) {
		return true
	}
	return matchAny(p.host, u.Host) || matchAny(p.full, u.Scheme+"://"+u.Host)
}

// ValidateOriginPattern reports whether AllowOrigins can use pattern: the
// error wraps path.ErrBadPattern when pattern is malformed ("[",
// "example.[com"). A program that takes patterns from its user (the
// wsdouble command's --origin) calls it first, to say what is wrong
// instead of refusing every Origin.
func ValidateOriginPattern(pattern string) error {
	// path.Match checks the whole pattern, even when the name does not
	// match.
	if _, err := path.Match(strings.ToLower(pattern), ""); err != nil {
		return fmt.Errorf("wstest: origin pattern %q: %w", pattern, err)
	}
	return nil
}

func matchAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(p, s); ok {
			return true
		}
	}
	return false
}

// loopbackHost reports whether a host name or address (without brackets
// or port) is one a browser reaches only on this machine. Browsers resolve
// localhost and *.localhost to loopback themselves (RFC 6761).
func loopbackHost(h string) bool {
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(h)
	return err == nil && ip.Unmap().IsLoopback()
}

// attemptNumberKey is the context key of the number a Server gave a
// handshake before it ran its origin check.
type attemptNumberKey struct{}

// AttemptNumber reports the number a Server's attempt log gives the
// handshake r (AttemptRecord.N), inside a function set by CheckOrigin: a
// check that logs the handshakes it refuses can name them as the log does.
// It reports false for any other request.
func AttemptNumber(r *http.Request) (int, bool) {
	n, ok := r.Context().Value(attemptNumberKey{}).(int)
	return n, ok
}
