package coder_test

import (
	"net/http"
	"testing"

	"github.com/wsdouble/wsdouble/clientcheck"
	"github.com/wsdouble/wsdouble/examples/coder"
	"github.com/wsdouble/wsdouble/examples/internal/battery"
	"github.com/wsdouble/wsdouble/examples/internal/reconnect"
)

// TestClientCheck puts the client through the client checker's battery,
// but for frame/masked: coder/websocket reads a masked frame from the
// server as any other, where RFC 6455 §5.1 says a client fails the
// connection, and gives its caller no way to see the mask.
//
// The HTTP client bounds the TLS handshake: net/http dials on in the
// background after the request's context ends, and a handshake the server
// never answers (tls/hang) stayed open for ever with the Server's
// HTTPClient, which has no TLSHandshakeTimeout (http.DefaultTransport's is
// 10 s).
func TestClientCheck(t *testing.T) {
	battery.Check(t, "coder", func(target clientcheck.Target, opts reconnect.Options) battery.Runner {
		hc := &http.Client{Transport: &http.Transport{
			DialContext:         target.DialContext,
			TLSClientConfig:     target.TLS,
			TLSHandshakeTimeout: opts.ConnectTimeout,
		}}
		return &coder.Client{HTTPClient: hc, URL: target.URL, Options: opts}
	}, clientcheck.Skip("frame/masked"))
}
