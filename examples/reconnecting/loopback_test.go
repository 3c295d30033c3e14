package reconnecting_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/examples/reconnecting"
	"github.com/wsdouble/wsdouble/wstest"
)

// Behaviours 6 and 10 again, end to end: the real client (wsdouble.New)
// over TCP on 127.0.0.1 against wstest.Server, in real time, with delays of
// milliseconds. No synctest here: a loopback socket never lets virtual time
// advance. Every wait has a deadline; times are logged, never asserted.

// realTime is the policy of the loopback tests: the same shape as options,
// in milliseconds.
var realTime = reconnecting.Options{
	MinReconnectionDelay:        5 * time.Millisecond,
	MaxReconnectionDelay:        40 * time.Millisecond,
	ReconnectionDelayGrowFactor: 2,
	MinUptime:                   25 * time.Millisecond,
	ConnectionTimeout:           time.Second,
}

// startLoopback starts a Server and a Client of its loopback URL made with
// wsdouble.New, closes the client at cleanup and waits for it to stop. ctx
// bounds every wait of the test.
func startLoopback(t *testing.T, opts reconnecting.Options) (context.Context, *wstest.Server, *reconnecting.Client, *recorder) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	srv := wstest.NewServer(t)
	c, err := reconnecting.New(wsdouble.New, srv.URL(), opts)
	require.NoError(t, err)
	r := record(c)
	t.Cleanup(func() { // before the server's Close: cleanups run last first
		c.Close(wsdouble.CloseNormalClosure, "")
		select {
		case <-c.Done():
		case <-time.After(10 * time.Second):
			t.Errorf("the client has not stopped 10 s after Close; it dispatched: %s", r)
		}
	})
	return ctx, srv, c, r
}

// nextPeer accepts the next attempt of srv and waits until the client is
// open.
func nextPeer(t *testing.T, ctx context.Context, srv *wstest.Server, r *recorder) wstest.Peer {
	t.Helper()
	a, err := srv.NextAttempt(ctx)
	require.NoError(t, err)
	p, err := a.Accept(wstest.AcceptOptions{})
	require.NoError(t, err)
	r.next(t, ctx, wsdouble.EventOpen)
	return p
}

// Behaviour 6 over loopback: the server drops the TCP connection without a
// close frame; the real client reports 1006 and the client reconnects.
func TestAbruptDropReconnectsLoopback(t *testing.T) {
	ctx, srv, _, r := startLoopback(t, realTime)
	p := nextPeer(t, ctx, srv, r)
	require.NoError(t, p.Drop())
	ev := r.next(t, ctx, wsdouble.EventClose).(wsdouble.CloseEvent)
	assert.Equal(t, wsdouble.CloseEvent{Code: wsdouble.CloseAbnormalClosure}, ev)

	nextPeer(t, ctx, srv, r)
	log := srv.Attempts()
	assert.Equal(t, wstest.Dropped, log[0].End.Kind)
	assert.Equal(t, `open, close 1006 unclean, open`, r.String())
	t.Logf("reconnected %v after the drop (policy: %v)", wstest.Gaps(log)[0], realTime.MinReconnectionDelay)
}

// Behaviour 10 over loopback: the server answers the first ping, then
// stays silent without closing; the keepalive gives up on the connection and
// the client reconnects.
func TestKeepaliveReplacesHalfOpenConnectionLoopback(t *testing.T) {
	opts := realTime
	opts.Keepalive = reconnecting.Keepalive{Interval: 10 * time.Millisecond, Timeout: 200 * time.Millisecond}
	ctx, srv, _, r := startLoopback(t, opts)
	p := nextPeer(t, ctx, srv, r)
	m, err := p.Receive(ctx)
	require.NoError(t, err)
	require.Equal(t, wsdouble.Text("ping"), m)
	require.NoError(t, p.Send(wsdouble.Text("pong"))) // and no more

	ev := r.next(t, ctx, wsdouble.EventError).(wsdouble.ErrorEvent)
	assert.ErrorIs(t, ev.Err, reconnecting.ErrKeepaliveTimeout)
	end, err := p.Wait(ctx)
	require.NoError(t, err)
	assert.Equal(t, `client closed 1000 "keepalive timeout" clean`, end.String())

	nextPeer(t, ctx, srv, r)
	assert.Equal(t, `open, error, close 1006 unclean, open`, r.String(), "pongs are not dispatched")
	t.Logf("timeline:\n%s", wstest.Timeline(srv.Attempts()))
}
