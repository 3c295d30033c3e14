package reconnecting_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/examples/reconnecting"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// The keepalive against a server whose heartbeat is a rule: the client
// pings {"op":"ping"} every 10 s and gives a pong 5 s; the script's rule
// answers, withholds or delays the pong. A withheld pong, or one later
// than 5 s, makes the client replace the connection; a pong within the
// window does not. Each row runs on every layer: the fake and the
// in-memory server in virtual time, and the loopback server in real time
// at a fiftieth of the durations.

var heartbeat = reconnecting.Keepalive{
	Interval: 10 * time.Second,
	Timeout:  5 * time.Second,
	Ping:     wsdouble.Text(`{"op":"ping"}`),
	IsPong: func(m wsdouble.Message) bool {
		return m.Type == wsdouble.TextMessage && scenario.JSON{Value: []byte(`{"op":"pong"}`)}.Match(m) == nil
	},
}

type heartbeatCase struct {
	name string
	// pong refines the rule that answers pings.
	pong func(*scenario.RuleBuilder)
	// replaced is when the client gives up on the first connection, or 0
	// when it keeps it for the 35 s the script holds it.
	replaced time.Duration
}

var heartbeatCases = []heartbeatCase{
	{"answered", func(r *scenario.RuleBuilder) { r.ReplyJSON(`{"op":"pong"}`) }, 0},
	{"withheld", func(r *scenario.RuleBuilder) {}, 15 * time.Second},
	{"delayed within the window", func(r *scenario.RuleBuilder) { r.ReplyJSON(`{"op":"pong"}`).Delay(time.Second) }, 0},
	{"delayed past the window", func(r *scenario.RuleBuilder) { r.ReplyJSON(`{"op":"pong"}`).Delay(9 * time.Second) }, 15 * time.Second},
	{"answered twice, then withheld", func(r *scenario.RuleBuilder) { r.ReplyJSON(`{"op":"pong"}`).Times(2) }, 35 * time.Second},
}

// script is the server's part: pings answered by the case's rule; a
// connection kept 35 s and closed (the client must not have left), or
// one the client must close itself, and the connection it comes back on.
func (c heartbeatCase) script(t *testing.T) *scenario.Script {
	t.Helper()
	b := scenario.New("heartbeat " + c.name).Attempt().Accept()
	rule := b.OnJSON(`{"op":"ping"}`).Label("heartbeat")
	c.pong(rule)
	if c.replaced == 0 {
		b.Wait(35*time.Second).Close(wsdouble.CloseNormalClosure, "done")
	} else {
		b.ExpectClose(wsdouble.CloseNormalClosure).Within(time.Minute).
			Attempt().Accept().Close(wsdouble.CloseNormalClosure, "done")
	}
	s, err := b.Build()
	require.NoError(t, err)
	return s
}

// check plays the case's script on acc against a client of ctor whose
// keepalive and policy are divided by scale, and checks when the first
// connection ended.
func (c heartbeatCase) check(t *testing.T, ctx context.Context, acc wstest.Acceptor, ctor wsdouble.Constructor, url string, scale float64) {
	t.Helper()
	opts := options
	opts.Keepalive = heartbeat
	opts.Keepalive.Interval = time.Duration(float64(heartbeat.Interval) * scale)
	opts.Keepalive.Timeout = time.Duration(float64(heartbeat.Timeout) * scale)
	opts.MinReconnectionDelay = time.Duration(float64(opts.MinReconnectionDelay) * scale)
	opts.MaxReconnectionDelay = time.Duration(float64(opts.MaxReconnectionDelay) * scale)
	cl, err := reconnecting.New(ctor, url, opts)
	require.NoError(t, err)
	defer func() {
		cl.Close(wsdouble.CloseNormalClosure, "")
		<-cl.Done()
	}()
	rep, err := scenario.Run(ctx, acc, c.script(t), scenario.TimeScale(scale))
	require.NoError(t, err)
	first := rep.Attempts[0]
	end := c.replaced
	if end == 0 {
		end = 35 * time.Second
		assert.Equal(t, wstest.ServerClosed, first.End.Kind, "the first connection's end:\n%s", rep)
	} else {
		assert.Equal(t, "keepalive timeout", first.End.Reason, "the first connection's end:\n%s", rep)
	}
	got, want := float64(first.EndAt), float64(end)*scale
	if scale == 1 {
		assert.Equal(t, end, first.EndAt.Round(time.Millisecond), "when the first connection ended:\n%s", rep)
	} else {
		assert.InDelta(t, want, got, float64(heartbeat.Timeout)*scale*0.9, "when the first connection ended:\n%s", rep)
	}
	t.Logf("the first connection ended after %v:\n%s", first.EndAt, rep.Outline())
}

func TestHeartbeatRules(t *testing.T) {
	for _, c := range heartbeatCases {
		t.Run(c.name+"/fake", func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				d := wstest.NewFakeDialer(t)
				c.check(t, t.Context(), d, d.Constructor(), "ws://example.test/", 1)
			})
		})
		t.Run(c.name+"/memory", func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv := wstest.NewServer(t)
				c.check(t, t.Context(), srv, srv.Constructor(), wstest.MemoryURL, 1)
			})
		})
		t.Run(c.name+"/loopback", func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			srv := wstest.NewServer(t)
			c.check(t, ctx, srv, wsdouble.New, srv.URL(), 0.02)
		})
	}
}
