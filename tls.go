package wsdouble

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/url"

	"github.com/gorilla/websocket"
)

// For a wss:// URL the client makes the TLS connection itself, beneath
// the close guard (internal/closeguard), rather than letting gorilla make
// it above: the guard reads the handshake's answer and the frames, which
// over TLS only the TLS connection sees in the clear. Without it a wss://
// socket would fail on the close codes gorilla refuses and the browser
// takes (1014, 999, ...), where a ws:// one reports them.

// tlsBelowGuard reports whether the client dials url with d by making the
// TLS connection itself: url is wss:// and reached directly, not through
// a proxy (gorilla speaks to a proxy in plain HTTP before the TLS
// handshake, which only its own TLS dial does).
func tlsBelowGuard(d *websocket.Dialer, rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "wss" {
		return false
	}
	if d.Proxy == nil {
		return true
	}
	// gorilla asks the proxy function with the URL's https:// form.
	hu := *u
	hu.Scheme = "https"
	p, err := d.Proxy(&http.Request{URL: &hu, Header: http.Header{}})
	return err == nil && p == nil
}

// dialTLS returns a dial function that dials with dial and makes a TLS
// client connection over what it returns, as gorilla's Dialer does with
// its TLSClientConfig: the server's name is the address's host unless cfg
// names one. The handshake ends when ctx does (gorilla's HandshakeTimeout
// included).
func dialTLS(dial func(context.Context, string, string) (net.Conn, error), cfg *tls.Config) func(context.Context, string, string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		conf := &tls.Config{}
		if cfg != nil {
			conf = cfg.Clone()
		}
		if conf.ServerName == "" {
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				host = addr
			}
			conf.ServerName = host
		}
		tc := tls.Client(c, conf)
		if err := tc.HandshakeContext(ctx); err != nil {
			c.Close()
			return nil, err
		}
		return tc, nil
	}
}
