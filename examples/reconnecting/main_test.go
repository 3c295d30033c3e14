package reconnecting_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/examples/reconnecting"
	"github.com/wsdouble/wsdouble/wstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The policy most tests use, and the same policy as wstest sees it.
var (
	options = reconnecting.Options{
		MinReconnectionDelay:        time.Second,
		MaxReconnectionDelay:        8 * time.Second,
		ReconnectionDelayGrowFactor: 2,
		MinUptime:                   5 * time.Second,
		ConnectionTimeout:           4 * time.Second,
	}
	policy = wstest.Backoff{Min: time.Second, Factor: 2, Max: 8 * time.Second, ResetAfter: 5 * time.Second}
)

// stopWhenUnauthorized is a ShouldReconnect policy: retrying with the same
// credentials is pointless once the server said 401 (to the handshake) or
// 4001 (on the connection).
func stopWhenUnauthorized(ev wsdouble.CloseEvent, cause error) bool {
	var refused *wsdouble.HandshakeError
	if errors.As(cause, &refused) && refused.StatusCode == 401 {
		return false
	}
	return ev.Code != 4001
}

// recorder logs the events a Client dispatches, and hands them to the test
// in order.
type recorder struct {
	mu  sync.Mutex
	log []string
	ch  chan wsdouble.Event
}

// record adds a recorder's listener to c for the four events. Call it before
// the first attempt can be answered.
func record(c *reconnecting.Client) *recorder {
	r := &recorder{ch: make(chan wsdouble.Event, 1000)}
	l := wsdouble.ListenerFunc(func(e wsdouble.Event) {
		s := e.Type()
		desc := string(s)
		switch e := e.(type) {
		case wsdouble.MessageEvent:
			desc = e.Message.String()
		case wsdouble.CloseEvent:
			desc = e.String()
		}
		r.mu.Lock()
		r.log = append(r.log, desc)
		r.mu.Unlock()
		r.ch <- e
	})
	for _, typ := range []wsdouble.EventType{wsdouble.EventOpen, wsdouble.EventMessage, wsdouble.EventError, wsdouble.EventClose} {
		c.AddEventListener(typ, l)
	}
	return r
}

// next returns the next event of type typ the client dispatched, skipping
// events of other types, or stops the test when ctx is done first.
func (r *recorder) next(t testing.TB, ctx context.Context, typ wsdouble.EventType) wsdouble.Event {
	t.Helper()
	for {
		select {
		case e := <-r.ch:
			if e.Type() == typ {
				return e
			}
		case <-ctx.Done():
			t.Fatalf("waiting for the client's %s event: %v; the client dispatched: %s", typ, ctx.Err(), r)
			return nil
		}
	}
}

// String lists the events so far: `open, text "hi", close 1006 unclean`.
func (r *recorder) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.log, ", ")
}

// startClient makes a Client of the FakeDialer d's sockets with opts and a
// recorder of its events, and at cleanup closes the client and waits until
// it has stopped, before d closes (cleanups run last first): a FakeDialer
// that closes while the client is between making a socket and adding its
// listeners would fail the socket before they are there.
func startClient(t *testing.T, d *wstest.FakeDialer, opts reconnecting.Options) (*reconnecting.Client, *recorder) {
	t.Helper()
	c, err := reconnecting.New(d.Constructor(), "ws://example.test/", opts)
	require.NoError(t, err)
	r := record(c)
	t.Cleanup(func() {
		c.Close(wsdouble.CloseNormalClosure, "")
		<-c.Done()
	})
	return c, r
}

// accept takes the next attempt of acc and accepts it.
func accept(t *testing.T, acc wstest.Acceptor) wstest.Peer {
	t.Helper()
	a, err := acc.NextAttempt(t.Context())
	require.NoError(t, err)
	p, err := a.Accept(wstest.AcceptOptions{})
	require.NoError(t, err)
	return p
}

// refuse takes the next attempt of acc and refuses it with status.
func refuse(t *testing.T, acc wstest.Acceptor, status int) wstest.Attempt {
	t.Helper()
	a, err := acc.NextAttempt(t.Context())
	require.NoError(t, err)
	require.NoError(t, a.Refuse(status, nil, ""))
	return a
}
