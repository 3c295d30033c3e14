package gorilla_test

import (
	"testing"

	"github.com/wsdouble/wsdouble/clientcheck"
	"github.com/wsdouble/wsdouble/examples/gorilla"
	"github.com/wsdouble/wsdouble/examples/internal/battery"
	"github.com/wsdouble/wsdouble/examples/internal/reconnect"
)

// TestClientCheck puts the client through the client checker's battery.
func TestClientCheck(t *testing.T) {
	battery.Check(t, "gorilla", func(target clientcheck.Target, opts reconnect.Options) battery.Runner {
		return &gorilla.Client{Dialer: target.Dialer, URL: target.URL, Options: opts}
	})
}
