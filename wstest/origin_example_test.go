package wstest_test

import (
	"fmt"
	"net/http"

	"github.com/wsdouble/wsdouble/wstest"
)

// A Server that, like `wsdouble serve`, refuses browser pages from other
// sites: a client with no Origin (not a browser) or a loopback Origin gets
// through, as does https://app.example.com, named by a pattern; any other
// Origin gets 403 Forbidden.
func ExampleAllowOrigins() {
	srv := wstest.NewServer(nil,
		wstest.AutoAccept(wstest.Echo),
		wstest.CheckOrigin(wstest.AllowOrigins("https://*.example.com")))
	defer srv.Close()

	for _, origin := range []string{"", "http://localhost:3000", "https://app.example.com", "https://evil.example", "null"} {
		h := http.Header{}
		if origin != "" {
			h.Set("Origin", origin)
		}
		c, resp, err := srv.Dialer().Dial(wstest.MemoryURL, h)
		if err == nil {
			c.Close()
		}
		fmt.Printf("%-26q %d\n", origin, resp.StatusCode)
	}
	// Output:
	// ""                         101
	// "http://localhost:3000"    101
	// "https://app.example.com"  101
	// "https://evil.example"     403
	// "null"                     403
}

// An origin check that reports each handshake it refuses under the
// number the Server's attempt log gives it.
func ExampleAttemptNumber() {
	allow := wstest.AllowOrigins()
	srv := wstest.NewServer(nil,
		wstest.AutoAccept(wstest.Echo),
		wstest.CheckOrigin(func(r *http.Request) bool {
			if allow(r) {
				return true
			}
			n, _ := wstest.AttemptNumber(r)
			fmt.Printf("attempt #%d: origin %s refused\n", n, r.Header.Get("Origin"))
			return false
		}))
	defer srv.Close()

	for _, origin := range []string{"http://localhost:3000", "https://evil.example"} {
		c, resp, err := srv.Dialer().Dial(wstest.MemoryURL, http.Header{"Origin": {origin}})
		switch {
		case err == nil:
			c.Close()
		case resp != nil:
			resp.Body.Close()
		}
	}
	for _, a := range srv.Attempts() {
		fmt.Printf("log #%d: %v %d\n", a.N, a.Outcome, a.Status)
	}
	// Output:
	// attempt #2: origin https://evil.example refused
	// log #1: accepted 101
	// log #2: refused 403
}
