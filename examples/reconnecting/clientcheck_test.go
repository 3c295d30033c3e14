package reconnecting_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/clientcheck"
	"github.com/wsdouble/wsdouble/examples/reconnecting"
	"github.com/wsdouble/wsdouble/internal/bubbletest"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// The client checker puts the client through every case of its battery:
// refusals, hangs, drops at every point, half-open connections, close
// codes, outages, withheld heartbeats, stops in every state.

var (
	subscribe = wsdouble.Text(`{"op":"subscribe"}`)
	ping      = wsdouble.Text(`{"op":"ping"}`)
	pong      = wsdouble.Text(`{"op":"pong"}`)
)

// checked are the options the checker holds the client to.
var checked = reconnecting.Options{
	MinReconnectionDelay:        time.Second,
	MaxReconnectionDelay:        8 * time.Second,
	ReconnectionDelayGrowFactor: 2,
	MinUptime:                   5 * time.Second,
	ConnectionTimeout:           4 * time.Second,
	MaxRetries:                  5,
	Protocols:                   []string{"v1"},
	Keepalive: reconnecting.Keepalive{
		Interval: 10 * time.Second, Timeout: 5 * time.Second,
		Ping: ping, IsPong: func(m wsdouble.Message) bool { return m.Equal(pong) },
	},
	ShouldReconnect: func(ev wsdouble.CloseEvent, cause error) bool {
		var refused *wsdouble.HandshakeError
		if errors.As(cause, &refused) && (refused.StatusCode == 401 || refused.StatusCode == 403) {
			return false
		}
		return ev.Code != 4001
	},
}

// harness describes the client to the checker: it subscribes on every
// open, pings every 10 s and wants a pong within 5 s.
func harness(t *testing.T) clientcheck.Harness {
	healthy, err := scenario.New("healthy").Attempt().Accept().
		ExpectJSON(string(subscribe.Data)).Within(2 * time.Second).
		OnJSON(string(ping.Data)).ReplyJSON(string(pong.Data)).
		Build()
	if err != nil {
		t.Fatal(err)
	}
	return clientcheck.Harness{
		Name:    "reconnecting",
		Healthy: healthy.Attempts[0].Steps,
		Rules:   healthy.Attempts[0].Rules,
		Policy: clientcheck.Policy{
			Backoff:        wstest.Backoff{Min: time.Second, Factor: 2, Max: 8 * time.Second, ResetAfter: 5 * time.Second},
			MaxRetries:     5,
			GiveUpStatuses: []int{401, 403},
			GiveUpCodes:    []int{4001},
			ConnectTimeout: 4 * time.Second,
			Keepalive:      15 * time.Second,
			Protocols:      []string{"v1"},
		},
		Start: func(_ context.Context, target clientcheck.Target) (func(context.Context) error, error) {
			if target.Constructor == nil {
				return nil, fmt.Errorf("%w: the client needs a Constructor", clientcheck.ErrUnsupported)
			}
			c, err := reconnecting.New(target.Constructor, target.URL, checked)
			if err != nil {
				return nil, err
			}
			c.AddEventListener(wsdouble.EventOpen, wsdouble.ListenerFunc(func(wsdouble.Event) { c.Send(subscribe) }))
			return func(ctx context.Context) error {
				c.Close(wsdouble.CloseNormalClosure, "stop")
				select {
				case <-c.Done():
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			}, nil
		},
	}
}

func TestClientCheckOnFake(t *testing.T) { clientcheck.Assert(t, harness(t), clientcheck.OnFake()) }

func TestClientCheckInMemory(t *testing.T) { clientcheck.Assert(t, harness(t), clientcheck.InMemory()) }

// BenchmarkClientCheck runs the whole battery against the client, on the
// fake and in memory, each in one synctest bubble.
func BenchmarkClientCheck(b *testing.B) {
	for _, tr := range []struct {
		name string
		opt  clientcheck.Option
	}{{"fake", clientcheck.OnFake()}, {"memory", clientcheck.InMemory()}} {
		b.Run(tr.name, func(b *testing.B) {
			bubbletest.Run(b, func(t *testing.T) {
				for range b.N {
					if err := clientcheck.Check(t.Context(), harness(t), tr.opt); err != nil {
						t.Fatal(err)
					}
				}
			})
		})
	}
}
