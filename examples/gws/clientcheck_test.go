package gws_test

import (
	"testing"

	"github.com/wsdouble/wsdouble/clientcheck"
	"github.com/wsdouble/wsdouble/examples/internal/battery"
	"github.com/wsdouble/wsdouble/examples/internal/reconnect"

	client "github.com/wsdouble/wsdouble/examples/gws"
)

// TestClientCheck puts the client through the client checker's battery.
func TestClientCheck(t *testing.T) {
	battery.Check(t, "gws", func(target clientcheck.Target, opts reconnect.Options) battery.Runner {
		return &client.Client{Endpoint: reconnect.Endpoint{Dial: target.DialContext, TLSConfig: target.TLS}, URL: target.URL, Options: opts}
	})
}
