package main

import (
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/wsdouble/wsdouble/wstest"
)

// originHelp is the paragraph of serve's and record's help on --origin;
// refused says what becomes of a refused handshake.
func originHelp(refused string) string {
	// "--origin\x00X" keeps a flag on the line of its value.
	return strings.ReplaceAll(wrap("A web page open in a browser on this machine can connect to any "+
		"WebSocket server the machine reaches: browsers leave the check of the "+
		"page's Origin to the server. So only these get through: clients that are "+
		"not browsers (they send no Origin), and pages served from loopback "+
		"(http://localhost:3000, http://127.0.0.1:5500, ...). A handshake from "+
		"any other Origin is refused with 403 Forbidden, "+refused+". --origin "+
		"admits more, and may be repeated: a host pattern (app.example.com, "+
		"*.example.com, example.com:8443) or one with a scheme "+
		"(https://*.example.com), in the syntax of Go's path.Match. --origin\x00null "+
		"admits file:// pages and sandboxed iframes (any page can make one); "+
		"--origin\x00'*' admits every origin. With --allow-remote, pages served from "+
		"other machines need --origin too.", 77, ""), "\x00", " ")
}

// originFlag defines --origin on fs: each use appends a pattern to
// patterns, checked as it is parsed so that a malformed one is a usage
// error rather than a server that admits less than asked.
func originFlag(fs *flag.FlagSet, patterns *[]string) {
	fs.Func("origin", "also admit browser pages from origins matching `pattern` (repeatable; '*' admits every origin)", func(v string) error {
		if err := checkOriginPattern(v); err != nil {
			return err
		}
		*patterns = append(*patterns, v)
		return nil
	})
}

// checkOriginPattern reports a pattern that wstest.AllowOrigins cannot use
// or that can never match an Origin. An Origin is scheme://host[:port]
// (RFC 6454 §6.2): no user, path, query or fragment; a pattern without
// "://" is matched against host[:port] alone.
func checkOriginPattern(p string) error {
	if wstest.ValidateOriginPattern(p) != nil {
		return errors.New("syntax error in pattern")
	}
	if p == "*" || strings.EqualFold(p, "null") {
		return nil
	}
	host := p
	if scheme, rest, ok := strings.Cut(p, "://"); ok {
		switch {
		case scheme == "":
			return fmt.Errorf("no scheme before :// (want a pattern such as https://*.example.com)")
		case rest == "":
			return fmt.Errorf("no host after %s:// (want a pattern such as %s://*.example.com)", scheme, scheme)
		}
		host = rest
	}
	if i := strings.IndexAny(host, "/?#@ \t"); i >= 0 {
		what := map[byte]string{'/': "path", '?': "query", '#': "fragment", '@': "user name", ' ': "space", '\t': "tab"}[host[i]]
		msg := fmt.Sprintf("an origin has no %s, so this pattern can never match", what)
		if i > 0 && host[i] != '@' {
			msg += "; want " + p[:len(p)-len(host)+i]
		}
		return errors.New(msg)
	}
	if host == "" || strings.HasPrefix(host, ":") {
		return errors.New("no host in pattern")
	}
	// A port, if any, is digits or a pattern of them.
	port, hasPort := "", false
	if strings.HasPrefix(host, "[") { // an IPv6 address
		if i := strings.Index(host, "]"); i >= 0 && strings.HasPrefix(host[i+1:], ":") {
			port, hasPort = host[i+2:], true
		}
	} else if i := strings.LastIndex(host, ":"); i >= 0 {
		port, hasPort = host[i+1:], true
	}
	if hasPort && (port == "" || strings.Trim(port, "0123456789*?[]-^") != "") {
		return fmt.Errorf("port %q can never match: want digits (or *)", port)
	}
	return nil
}

// originCheck is the origin check of serve and record: wstest.AllowOrigins
// with the --origin patterns. It calls refused with the request of each
// handshake it refuses; the server then answers it 403 and logs it, but no
// script or recording sees it.
func originCheck(patterns []string, refused func(r *http.Request, origin, hint string)) func(*http.Request) bool {
	allow := wstest.AllowOrigins(patterns...)
	return func(r *http.Request) bool {
		if allow(r) {
			return true
		}
		origin := r.Header.Get("Origin")
		refused(r, origin, originHint(origin))
		return false
	}
}

// originHint is the --origin value that would admit origin, or "".
func originHint(origin string) string {
	if origin == "null" {
		return "null"
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || strings.Trim(u.Host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") != "" {
		// Not from a browser: a hint would only repeat what the client
		// made up, perhaps characters a shell reads.
		return ""
	}
	return u.Host
}
