package gws_test

import (
	"testing"

	"github.com/wsdouble/wsdouble/clientcheck"
	"github.com/wsdouble/wsdouble/examples/internal/battery"
	"github.com/wsdouble/wsdouble/examples/internal/reconnect"

	client "github.com/wsdouble/wsdouble/examples/gws"
)

// TestClientCheck puts the client through the client checker's battery,
// but for tls/hang, which found a leak in gws v1.8.9: when its handshake
// timeout ends a handshake whose request is still being written (the TLS
// handshake runs inside that write), the goroutine writing it blocks for
// ever sending the result on an unbuffered channel no one reads any more
// (connector.request, client.go:123). The case reports the goroutine, and
// then synctest.Test panics on it: the whole test binary would stop.
func TestClientCheck(t *testing.T) {
	battery.Check(t, "gws", func(target clientcheck.Target, opts reconnect.Options) battery.Runner {
		return &client.Client{Endpoint: reconnect.Endpoint{Dial: target.DialContext, TLSConfig: target.TLS}, URL: target.URL, Options: opts}
	}, clientcheck.Skip("tls/hang"))
}
