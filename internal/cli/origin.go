package cli

import (
	"errors"
	"flag"
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
		if wstest.ValidateOriginPattern(v) != nil {
			return errors.New("syntax error in pattern")
		}
		*patterns = append(*patterns, v)
		return nil
	})
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
