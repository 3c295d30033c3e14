package gobwas_test

import (
	"testing"

	"github.com/wsdouble/wsdouble/clientcheck"
	"github.com/wsdouble/wsdouble/examples/gobwas"
	"github.com/wsdouble/wsdouble/examples/internal/battery"
	"github.com/wsdouble/wsdouble/examples/internal/reconnect"
)

// TestClientCheck puts the client through the client checker's battery.
func TestClientCheck(t *testing.T) {
	battery.Check(t, "gobwas", func(target clientcheck.Target, opts reconnect.Options) battery.Runner {
		return &gobwas.Client{Endpoint: reconnect.Endpoint{Dial: target.DialContext, TLSConfig: target.TLS}, URL: target.URL, Options: opts}
	})
}
