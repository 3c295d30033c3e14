package battery

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wsdouble/wsdouble/clientcheck"
	"github.com/wsdouble/wsdouble/examples/internal/reconnect"
	"github.com/wsdouble/wsdouble/scenario"
)

// Checked makes a client of the library under test that reaches the
// server of a client checker's case through target, with opts: the way
// in its library takes (target.Dialer, HTTPClient or DialContext, and
// target.TLS for wss://).
type Checked func(target clientcheck.Target, opts reconnect.Options) Runner

// checkedOptions are virtual, with a ConnectTimeout: the hung handshakes
// of the checker's cases need one.
var checkedOptions = func() reconnect.Options {
	o := virtual
	o.ConnectTimeout = 4 * time.Second
	return o
}()

// Check puts the clients newClient makes through the client checker's
// battery (clientcheck), in memory, on virtual time: every case that
// applies to a client that subscribes on every connection, pings at the
// protocol level, backs off as virtual says and never gives up; opts may
// leave cases out (Skip), saying why.
func Check(t *testing.T, name string, newClient Checked, opts ...clientcheck.Option) {
	t.Helper()
	healthy, err := scenario.New("healthy").Attempt().Accept().ExpectJSON(subscribe).Within(2 * time.Second).Build()
	if err != nil {
		t.Fatal(err)
	}
	clientcheck.Assert(t, clientcheck.Harness{
		Name:    name,
		Healthy: healthy.Attempts[0].Steps,
		Policy: clientcheck.Policy{
			Backoff:        policy,
			ConnectTimeout: checkedOptions.ConnectTimeout,
			Keepalive:      virtual.PongWait, // silent that long after its last sign of life: dead
			Pings:          true,
		},
		Start: func(_ context.Context, target clientcheck.Target) (func(context.Context) error, error) {
			r := newClient(target, checkedOptions)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- r.Run(ctx) }()
			return func(stop context.Context) error {
				cancel()
				select {
				case err := <-done:
					if !errors.Is(err, context.Canceled) {
						return err
					}
					return nil
				case <-stop.Done():
					return stop.Err()
				}
			}, nil
		},
	}, append([]clientcheck.Option{clientcheck.InMemory()}, opts...)...)
}
