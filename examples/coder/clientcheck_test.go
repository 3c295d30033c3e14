package coder_test

import (
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
func TestClientCheck(t *testing.T) {
	battery.Check(t, "coder", func(target clientcheck.Target, opts reconnect.Options) battery.Runner {
		return &coder.Client{HTTPClient: target.HTTPClient, URL: target.URL, Options: opts}
	}, clientcheck.Skip("frame/masked"))
}
