package wsdouble_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/wsdouble/wsdouble"
)

// Through a proxy, gorilla makes the TLS connection (after its CONNECT),
// and the client leaves it to gorilla; without one, or for a URL the proxy
// function leaves out, the client makes it.
func TestTLSBelowGuardLeavesProxiesToGorilla(t *testing.T) {
	proxy := http.ProxyURL(&url.URL{Scheme: "http", Host: "proxy.invalid:3128"})
	none := func(*http.Request) (*url.URL, error) { return nil, nil }
	for _, c := range []struct {
		url   string
		proxy func(*http.Request) (*url.URL, error)
		want  bool
	}{
		{"wss://example.test/", nil, true},
		{"wss://example.test/", none, true},
		{"wss://example.test/", proxy, false},
		{"ws://example.test/", nil, false},
	} {
		if got := wsdouble.TLSBelowGuard(&websocket.Dialer{Proxy: c.proxy}, c.url); got != c.want {
			t.Errorf("%s, proxy %v: got %v, want %v", c.url, c.proxy != nil, got, c.want)
		}
	}
}
