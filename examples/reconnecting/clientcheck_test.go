package reconnecting_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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

// The client as the checker sees it: how to start and stop it, what it
// does on every healthy connection, and the policy it claims.
var (
	// subscribed: a healthy connection gets {"op":"subscribe"} within 2 s.
	subscribed = []scenario.Step{{Label: "subscribed", Action: scenario.Expect{Match: scenario.JSON{Value: json.RawMessage(subscribe.Data)}, Timeout: 2 * time.Second}}}
	// pongs answer its keepalive pings.
	pongs = []scenario.Rule{{Label: "pong", On: scenario.JSON{Value: json.RawMessage(ping.Data)}, Reply: []scenario.Reply{{Message: pong, JSON: true}}}}
	// claimed is what checked says, as the checker reads it.
	claimed = clientcheck.Policy{
		Backoff:        wstest.Backoff{Min: time.Second, Factor: 2, Max: 8 * time.Second, ResetAfter: 5 * time.Second},
		MaxRetries:     5,
		GiveUpStatuses: []int{401, 403},
		GiveUpCodes:    []int{4001},
		ConnectTimeout: 4 * time.Second,
		Keepalive:      15 * time.Second, // a ping every 10 s, a pong within 5 s
		Protocols:      []string{"v1"},
	}
)

// start starts a client with the checked options on the target's
// Constructor, subscribing on every open; stop closes it and waits until
// it is done.
func start(_ context.Context, target clientcheck.Target) (func(context.Context) error, error) {
	if target.Constructor == nil {
		return nil, fmt.Errorf("%w: the client needs a Constructor", clientcheck.ErrUnsupported)
	}
	c, err := reconnecting.New(target.Constructor, target.URL, checked)
	if err != nil {
		return nil, err
	}
	c.AddEventListener(wsdouble.EventOpen, wsdouble.ListenerFunc(func(wsdouble.Event) { c.Send(subscribe) }))
	return c.Stop, nil
}

// The client survives the network: README.md's section "Does my client
// survive the network?" shows this test (TestReadmeShowsTheCheck keeps it
// so).
func TestSurvivesTheNetwork(t *testing.T) {
	h := clientcheck.Harness{Name: "reconnecting", Start: start, Healthy: subscribed, Rules: pongs, Policy: claimed}
	clientcheck.Assert(t, h)                         // every case on the fake, on virtual time
	clientcheck.Assert(t, h, clientcheck.InMemory()) // and over real frames, in memory
}

// TestReadmeShowsTheCheck: README.md shows TestSurvivesTheNetwork as it
// is here.
func TestReadmeShowsTheCheck(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	self, err := os.ReadFile("clientcheck_test.go")
	require.NoError(t, err)
	found := 0
	for _, m := range snippet.FindAllStringSubmatch(string(readme), -1) {
		if m[1] == "examples/reconnecting/clientcheck_test.go" {
			found++
			assert.Contains(t, string(self), m[2], "README.md's snippet is not in clientcheck_test.go as it is: copy the test again")
		}
	}
	assert.Equal(t, 1, found, "README.md should show TestSurvivesTheNetwork once")
}

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
					h := clientcheck.Harness{Name: "reconnecting", Start: start, Healthy: subscribed, Rules: pongs, Policy: claimed}
					if err := clientcheck.Check(t.Context(), h, tr.opt); err != nil {
						t.Fatal(err)
					}
				}
			})
		})
	}
}
