package flawed

import (
	"context"
	"fmt"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/clientcheck"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// The policy every harness of this package gives its client, and claims.
var policy = clientcheck.Policy{
	Backoff:        wstest.Backoff{Min: time.Second, Factor: 2, Max: 8 * time.Second, ResetAfter: 5 * time.Second},
	MaxRetries:     5,
	GiveUpStatuses: []int{401, 403},
	GiveUpCodes:    []int{4001},
	ConnectTimeout: 4 * time.Second,
	Keepalive:      15 * time.Second, // a ping every 10 s, a pong within 5 s
	Protocols:      []string{"v1"},
}

// Queued is what the application of every harness's client queues to
// deliver: three messages, Publish(1) to Publish(3).
var Queued = []wsdouble.Message{Publish(1), Publish(2), Publish(3)}

// Harness describes a Client with bug to the checker: its policy, its
// subscription within 2 s of every open and the server's
// acknowledgement, the pongs its pings need and the acknowledgements of
// what it delivers (Queued, 200 ms apart). It needs a Constructor (the
// fake or a Server in memory). The client exposes what it still holds
// to deliver when it stopped (Client.Queued) as Outcome.State.
func Harness(bug Bug) clientcheck.Harness { return harness(bug, 1, 0) }

// RealTime is Harness with every duration at a tenth and a tolerance of
// 50 ms, for the loopback transport.
func RealTime(bug Bug) clientcheck.Harness { return harness(bug, 0.1, 50*time.Millisecond) }

// harness is Harness with every duration of the client and its policy
// multiplied by scale, and tolerance for the checker's clock.
func harness(bug Bug, scale float64, tolerance time.Duration) clientcheck.Harness {
	scaled := func(d time.Duration) time.Duration { return time.Duration(float64(d) * scale) }
	p := policy
	p.Backoff.Min, p.Backoff.Max, p.Backoff.ResetAfter = scaled(p.Backoff.Min), scaled(p.Backoff.Max), scaled(p.Backoff.ResetAfter)
	p.Backoff.Tolerance = tolerance
	p.ConnectTimeout, p.Keepalive = scaled(p.ConnectTimeout), scaled(p.Keepalive)
	healthy, err := scenario.New("healthy").Attempt().Accept().
		ExpectJSON(string(Subscribe.Data)).Within(max(scaled(2*time.Second), 500*time.Millisecond)).
		SendJSON(string(Subscribed.Data)).
		OnJSON(string(Ping.Data)).ReplyJSON(string(Pong.Data)).
		OnJSON(`{"op":"publish"}`).ReplyJSON(`{"op":"ack","n":"{{$.n}}"}`).
		Build()
	if err != nil {
		panic(err) // the literals above are valid
	}
	return clientcheck.Harness{
		Name:    "flawed client (" + bug.String() + ")",
		Healthy: healthy.Attempts[0].Steps,
		Rules:   healthy.Attempts[0].Rules,
		Policy:  p,
		Start: func(ctx context.Context, t clientcheck.Target) (func(context.Context) error, error) {
			if t.Constructor == nil {
				return nil, fmt.Errorf("%w: it needs a Constructor", clientcheck.ErrUnsupported)
			}
			b := p.Backoff
			c := Start(ctx, Config{
				Dial: t.Constructor, URL: t.URL, Protocols: p.Protocols,
				Min: b.Min, Max: b.Max, Factor: b.Factor, ResetAfter: b.ResetAfter,
				MaxRetries: p.MaxRetries, GiveUpStatuses: p.GiveUpStatuses, GiveUpCodes: p.GiveUpCodes,
				ConnectTimeout: p.ConnectTimeout, PingEvery: scaled(10 * time.Second), PongWithin: scaled(5 * time.Second),
				Outbox: Queued, Pace: scaled(200 * time.Millisecond),
				Bug: bug,
			})
			if t.Expose != nil {
				t.Expose(func() any { return c.Queued() })
			}
			return c.Stop, nil
		},
	}
}
