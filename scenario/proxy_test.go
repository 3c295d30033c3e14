package scenario_test

import (
	"bufio"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// rawHandshake sends a WebSocket handshake for target, the request-target
// exactly as given, to the loopback server at wsURL, and returns the
// answer's status.
func rawHandshake(t *testing.T, wsURL, target string) int {
	t.Helper()
	u, err := url.Parse(wsURL)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.DialTimeout("tcp", u.Host, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	req := "GET " + target + " HTTP/1.1\r\nHost: " + u.Host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := c.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("handshake for %s: %v", target, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestProxyConfinesPath: whatever the client's path, plain or encoded
// dot-segments, double slashes, the upstream sees it under the upstream's
// own path, with the query as the client sent it.
func TestProxyConfinesPath(t *testing.T) {
	upstream := wstest.NewServer(t, wstest.AutoAccept(wstest.Echo))
	proxy, err := scenario.NewProxy(t, "ws://upstream.test/api", scenario.UpstreamDialer(upstream.Dialer()))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ target, want string }{
		{"/feed?x=1", "/api/feed?x=1"},
		{"/", "/api/"},
		{"/../../etc/passwd", "/api/etc/passwd"},
		{"/..", "/api"},
		{"/../", "/api/"},
		{"/%2e%2e/%2e%2e/etc/passwd", "/api/etc/passwd"},
		{"/%2E%2e/%2e./.%2E/etc/passwd", "/api/etc/passwd"},
		{"/..%2f..%2fetc%2fpasswd", "/api/etc/passwd"},
		{"//etc//passwd", "/api/etc/passwd"},
		{"/a/./b/../../../c/?q=../../x&r=%2e%2e", "/api/c/?q=../../x&r=%2e%2e"},
		{"/a%20b/..%5c..%5cwin", "/api/a%20b/..%5C..%5Cwin"}, // a backslash is no separator: it stays encoded
	} {
		t.Run(tt.target, func(t *testing.T) {
			n := len(upstream.Attempts())
			if got := rawHandshake(t, proxy.URL(), tt.target); got != http.StatusSwitchingProtocols {
				t.Fatalf("status %d, want 101", got)
			}
			log := upstream.Attempts()
			if len(log) != n+1 {
				t.Fatalf("the upstream saw %d attempts, want %d", len(log), n+1)
			}
			if got, want := log[n].URL, "ws://upstream.test"+tt.want; got != want {
				t.Errorf("the upstream saw %s, want %s", got, want)
			}
		})
	}
}

// TestConfinePathPrefixes: the upstream's own path, with or without a
// trailing slash, is kept whole.
func TestConfinePathPrefixes(t *testing.T) {
	for _, tt := range []struct{ upstream, target, want string }{
		{"ws://upstream.test", "/../x", "/x"},
		{"ws://upstream.test/", "/../x/", "/x/"},
		{"ws://upstream.test/api/", "/../x", "/api/x"},
		{"ws://upstream.test/a/b", "/../../..", "/a/b"},
	} {
		upstream := wstest.NewServer(t, wstest.AutoAccept(wstest.Echo))
		proxy, err := scenario.NewProxy(t, tt.upstream, scenario.UpstreamDialer(upstream.Dialer()))
		if err != nil {
			t.Fatal(err)
		}
		if got := rawHandshake(t, proxy.URL(), tt.target); got != http.StatusSwitchingProtocols {
			t.Fatalf("%s behind %s: status %d, want 101", tt.target, tt.upstream, got)
		}
		if got := upstream.Attempts()[0].URL; !strings.HasSuffix(got, "upstream.test"+tt.want) {
			t.Errorf("%s behind %s: the upstream saw %s, want path %s", tt.target, tt.upstream, got, tt.want)
		}
	}
}
