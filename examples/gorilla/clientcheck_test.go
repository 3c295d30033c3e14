package gorilla_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wsdouble/wsdouble/clientcheck"
	"github.com/wsdouble/wsdouble/examples/gorilla"
	"github.com/wsdouble/wsdouble/wstest"
)

// The client checker puts the client through every case of its battery
// that applies to it: it offers no subprotocol, sends nothing of its own
// and needs a gorilla Dialer (the fake has none).
func TestClientCheckInMemory(t *testing.T) {
	clientcheck.Assert(t, clientcheck.Harness{
		Name: "gorilla",
		Policy: clientcheck.Policy{
			Backoff:        wstest.Backoff{Min: time.Second, Factor: 2, Max: 8 * time.Second, ResetAfter: 5 * time.Second},
			ConnectTimeout: 4 * time.Second,  // the Dialer's HandshakeTimeout
			Keepalive:      25 * time.Second, // PongWait: a ping every 10 s, the connection dead 25 s after its last frame
			Pings:          true,
		},
		Start: func(_ context.Context, target clientcheck.Target) (func(context.Context) error, error) {
			if target.Dialer == nil {
				return nil, fmt.Errorf("%w: the client needs a gorilla Dialer", clientcheck.ErrUnsupported)
			}
			d := *target.Dialer
			d.HandshakeTimeout = 4 * time.Second
			c := &gorilla.Client{Dialer: &d, URL: target.URL, PingPeriod: 10 * time.Second, PongWait: 25 * time.Second,
				MinDelay: time.Second, MaxDelay: 8 * time.Second, MinUptime: 5 * time.Second}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() {
				defer close(done)
				c.Run(ctx)
			}()
			return func(stop context.Context) error {
				cancel()
				select {
				case <-done:
					return nil
				case <-stop.Done():
					return stop.Err()
				}
			}, nil
		},
	}, clientcheck.InMemory())
}
