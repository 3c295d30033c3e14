package reconnecting_test

import (
	"fmt"
	"io"
	"net/http"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/examples/reconnecting"
	"github.com/wsdouble/wsdouble/wstest"
)

// The behaviours of the client, one test each, on the scriptable fake
// (wstest.FakeDialer) inside a testing/synctest bubble, where the client's
// timers run on virtual time: delays are exact, and minutes of backoff take
// microseconds. Behaviours 1 and 6 are in readme_test.go; other layers are in
// scenario_test.go, mock_test.go and loopback_test.go.
//
// In a bubble, time.Sleep lets virtual time pass (a server that stays up for
// a minute), and synctest.Wait waits until every goroutine is blocked (the
// client has handled everything that has happened so far).

// Behaviour 2: the retry count starts over only once a connection has stayed
// open MinUptime; a server that accepts and drops at once keeps the delay
// growing.
func TestDelayResetsOnlyAfterMinUptime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t)
		c, r := startClient(t, d, options) // MinUptime 5 s

		for range 3 { // flapping: up for 1 s, then dropped
			p := accept(t, d)
			r.next(t, t.Context(), wsdouble.EventOpen)
			time.Sleep(time.Second)
			require.NoError(t, p.Drop())
			r.next(t, t.Context(), wsdouble.EventClose)
		}
		assert.Equal(t, 3, c.RetryCount(), "three retries in a row: short connections do not count as success")

		p := accept(t, d) // a stable connection: up for 6 s
		r.next(t, t.Context(), wsdouble.EventOpen)
		time.Sleep(4 * time.Second)
		assert.Equal(t, 3, c.RetryCount(), "up 4 s: not yet MinUptime")
		time.Sleep(2 * time.Second)
		assert.Equal(t, 0, c.RetryCount(), "up 6 s: the count started over")
		require.NoError(t, p.Drop())
		accept(t, d)

		gaps := wstest.Gaps(d.Attempts())
		assert.Equal(t, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, time.Second}, gaps)
		wstest.AssertBackoff(t, d, policy)
	})
}

// Behaviour 3: after MaxRetries retries in a row the client gives up: no
// further attempt, RetryCount is MaxRetries, the state is CLOSED. Reconnect
// revives it.
func TestMaxRetriesGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		opts := options
		opts.MaxRetries = 3
		d := wstest.NewFakeDialer(t)
		c, r := startClient(t, d, opts)
		states := make(chan wsdouble.ReadyState, 4) // the state each close event announces
		c.AddEventListener(wsdouble.EventClose, wsdouble.ListenerFunc(func(wsdouble.Event) {
			states <- c.ReadyState()
		}))
		for _, want := range []wsdouble.ReadyState{wsdouble.Connecting, wsdouble.Connecting, wsdouble.Connecting, wsdouble.Closed} {
			refuse(t, d, http.StatusServiceUnavailable) // the first attempt, then three retries
			assert.Equal(t, want, <-states, "the state when the close event is dispatched")
		}
		time.Sleep(time.Hour)
		wstest.AssertAttempts(t, d, 4)
		assert.Equal(t, 3, c.RetryCount())
		assert.Equal(t, wsdouble.Closed, c.ReadyState())
		wstest.AssertBackoff(t, d, policy)

		revived := time.Now()
		require.NoError(t, c.Reconnect())
		a, err := d.NextAttempt(t.Context())
		require.NoError(t, err)
		assert.Zero(t, a.Time().Sub(revived), "Reconnect tries at once")
		_, err = a.Accept(wstest.AcceptOptions{})
		require.NoError(t, err)
		r.next(t, t.Context(), wsdouble.EventOpen)
		assert.Equal(t, 0, c.RetryCount())
	})
}

// Behaviour 4: messages sent while disconnected are queued, counted by
// BufferedAmount, and sent in order when a connection opens, before the
// open listeners run; past MaxEnqueuedMessages they are dropped.
func TestSendQueuesWhileDisconnected(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		opts := options
		opts.MaxEnqueuedMessages = 3
		d := wstest.NewFakeDialer(t)
		c, r := startClient(t, d, opts)
		sentBeforeOpen := make(chan []wsdouble.Message, 2) // what the server had when an open listener ran
		c.AddEventListener(wsdouble.EventOpen, wsdouble.ListenerFunc(func(wsdouble.Event) {
			sentBeforeOpen <- d.Fakes()[len(d.Fakes())-1].Sent()
			assert.NoError(t, c.Send(wsdouble.Text("subscribe"))) // an open listener's first message
		}))

		for _, m := range []string{"one", "two", "three"} {
			require.NoError(t, c.Send(wsdouble.Text(m)))
		}
		assert.ErrorIs(t, c.Send(wsdouble.Text("four")), reconnecting.ErrQueueFull, "past MaxEnqueuedMessages")
		assert.Equal(t, len("one")+len("two")+len("three"), c.BufferedAmount())

		p := accept(t, d)
		assert.Equal(t, []wsdouble.Message{wsdouble.Text("one"), wsdouble.Text("two"), wsdouble.Text("three")}, <-sentBeforeOpen,
			"the queue is flushed before the open listeners run")
		for _, want := range []string{"one", "two", "three", "subscribe"} {
			m, err := p.Receive(t.Context())
			require.NoError(t, err)
			assert.Equal(t, wsdouble.Text(want), m)
		}
		synctest.Wait() // the socket's event loop turns: its count falls
		assert.Zero(t, c.BufferedAmount())

		// Lost again: what is sent meanwhile waits for the next connection.
		require.NoError(t, p.Drop())
		r.next(t, t.Context(), wsdouble.EventClose)
		require.NoError(t, c.Send(wsdouble.Binary([]byte{1, 2})))
		assert.Equal(t, 2, c.BufferedAmount())
		p = accept(t, d)
		assert.Equal(t, []wsdouble.Message{wsdouble.Binary([]byte{1, 2})}, <-sentBeforeOpen)
		for _, want := range []wsdouble.Message{wsdouble.Binary([]byte{1, 2}), wsdouble.Text("subscribe")} {
			m, err := p.Receive(t.Context())
			require.NoError(t, err)
			assert.Equal(t, want, m)
		}
	})
}

// Behaviour 5: Close(1000) stops the client for good, whether a connection
// is open or the client is waiting out a backoff delay.
func TestCloseStopsReconnecting(t *testing.T) {
	t.Run("open", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			d := wstest.NewFakeDialer(t)
			c, r := startClient(t, d, options)
			p := accept(t, d)
			r.next(t, t.Context(), wsdouble.EventOpen)

			require.NoError(t, c.Close(wsdouble.CloseNormalClosure, "bye"))
			// CLOSING at once; CLOSED already if the fake has answered meanwhile.
			assert.Contains(t, []wsdouble.ReadyState{wsdouble.Closing, wsdouble.Closed}, c.ReadyState())
			end, err := p.Wait(t.Context())
			require.NoError(t, err)
			assert.Equal(t, `client closed 1000 "bye" clean`, end.String())
			<-c.Done()
			assert.Equal(t, wsdouble.Closed, c.ReadyState())
			assert.Equal(t, "open, close 1000 clean", r.String(), "the server echoes the code, not the reason")

			time.Sleep(time.Hour)
			wstest.AssertAttempts(t, d, 1)
			assert.ErrorIs(t, c.Send(wsdouble.Text("late")), reconnecting.ErrClosed)
			assert.ErrorIs(t, c.Reconnect(), reconnecting.ErrClosed)
		})
	})
	t.Run("during backoff", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			d := wstest.NewFakeDialer(t)
			c, r := startClient(t, d, options)
			refuse(t, d, http.StatusServiceUnavailable)
			r.next(t, t.Context(), wsdouble.EventClose)
			time.Sleep(500 * time.Millisecond) // halfway through the 1 s delay

			require.NoError(t, c.Close(wsdouble.CloseNormalClosure, ""))
			assert.Equal(t, wsdouble.Closed, c.ReadyState())
			<-c.Done()
			time.Sleep(time.Hour)
			wstest.AssertAttempts(t, d, 1)
			assert.Equal(t, "error, close 1006 unclean", r.String(), "no connection, no close event of its own")
		})
	})
}

// Behaviour 7: a close from the server (going away, restart, a private
// code) is followed by a new attempt; a code the ShouldReconnect policy
// rejects stops the client.
func TestServerCloseCodes(t *testing.T) {
	for _, tc := range []struct {
		code      int
		reconnect bool
	}{
		{wsdouble.CloseGoingAway, true},
		{wsdouble.CloseServiceRestart, true},
		{4000, true},
		{4001, false}, // unauthorized, for stopWhenUnauthorized
	} {
		t.Run(fmt.Sprint(tc.code), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				opts := options
				opts.ShouldReconnect = stopWhenUnauthorized
				d := wstest.NewFakeDialer(t)
				c, r := startClient(t, d, opts)
				p := accept(t, d)
				r.next(t, t.Context(), wsdouble.EventOpen)
				require.NoError(t, p.Close(tc.code, "server says so"))
				ev := r.next(t, t.Context(), wsdouble.EventClose).(wsdouble.CloseEvent)
				assert.Equal(t, wsdouble.CloseEvent{Code: tc.code, Reason: "server says so", WasClean: true}, ev)

				if tc.reconnect {
					assert.Equal(t, wsdouble.Connecting, c.ReadyState())
					accept(t, d)
					wstest.AssertBackoff(t, d, policy)
				} else {
					assert.Equal(t, wsdouble.Closed, c.ReadyState())
					time.Sleep(time.Hour)
					wstest.AssertAttempts(t, d, 1)
				}
			})
		})
	}
}

// Behaviour 8: an attempt whose handshake hangs is abandoned after
// ConnectionTimeout, reported with an error event (ErrConnectionTimeout),
// and retried.
func TestConnectionTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t)
		_, r := startClient(t, d, options) // ConnectionTimeout 4 s
		start := time.Now()
		_, err := d.NextAttempt(t.Context()) // and leave it hanging
		require.NoError(t, err)

		ev := r.next(t, t.Context(), wsdouble.EventError).(wsdouble.ErrorEvent)
		assert.ErrorIs(t, ev.Err, reconnecting.ErrConnectionTimeout)
		assert.Equal(t, 4*time.Second, time.Since(start))
		assert.Equal(t, wsdouble.CloseEvent{Code: wsdouble.CloseAbnormalClosure}, r.next(t, t.Context(), wsdouble.EventClose))

		a, err := d.NextAttempt(t.Context())
		require.NoError(t, err)
		assert.Equal(t, 5*time.Second, a.Time().Sub(start), "retried MinReconnectionDelay after the timeout")
		first := d.Attempts()[0]
		assert.Equal(t, wstest.Abandoned, first.Outcome)
		assert.Equal(t, 4*time.Second, first.AnswerTime.Sub(start))
		wstest.AssertBackoff(t, d, policy)
	})
}

// Behaviour 9: a handshake refused with 503 is retried; one refused with 401
// stops a client whose ShouldReconnect policy says so.
func TestRefusedHandshake(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		opts := options
		opts.ShouldReconnect = stopWhenUnauthorized
		d := wstest.NewFakeDialer(t)
		c, r := startClient(t, d, opts)

		refuse(t, d, http.StatusServiceUnavailable)
		ev := r.next(t, t.Context(), wsdouble.EventError).(wsdouble.ErrorEvent)
		var refused *wsdouble.HandshakeError
		require.ErrorAs(t, ev.Err, &refused)
		assert.Equal(t, http.StatusServiceUnavailable, refused.StatusCode)

		refuse(t, d, http.StatusUnauthorized) // retried, and refused again
		r.next(t, t.Context(), wsdouble.EventClose)
		r.next(t, t.Context(), wsdouble.EventClose)
		assert.Equal(t, wsdouble.Closed, c.ReadyState())
		time.Sleep(time.Hour)
		wstest.AssertAttempts(t, d, 2)
		wstest.AssertBackoff(t, d, policy)
	})
}

// Behaviour 10: a half-open connection — the server stopped answering, and
// no close frame or reset came — is noticed by the keepalive, whose ping
// goes unanswered, and replaced.
func TestKeepaliveReplacesHalfOpenConnection(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		opts := options
		opts.Keepalive = reconnecting.Keepalive{Interval: 10 * time.Second, Timeout: 5 * time.Second}
		d := wstest.NewFakeDialer(t)
		_, r := startClient(t, d, opts)
		start := time.Now()
		p := accept(t, d)
		for range 2 { // the server answers two pings, then falls silent
			m, err := p.Receive(t.Context())
			require.NoError(t, err)
			require.Equal(t, wsdouble.Text("ping"), m)
			require.NoError(t, p.Send(wsdouble.Text("pong")))
		}
		require.NoError(t, p.Send(wsdouble.Text("news")))

		ev := r.next(t, t.Context(), wsdouble.EventError).(wsdouble.ErrorEvent)
		assert.ErrorIs(t, ev.Err, reconnecting.ErrKeepaliveTimeout)
		assert.Equal(t, 35*time.Second, time.Since(start).Round(time.Millisecond), "pinged at 30 s, no pong by 35 s")
		end, err := p.Wait(t.Context())
		require.NoError(t, err)
		assert.Equal(t, `client closed 1000 "keepalive timeout" clean`, end.String())

		a, err := d.NextAttempt(t.Context())
		require.NoError(t, err)
		assert.Equal(t, 36*time.Second, a.Time().Sub(start).Round(time.Millisecond))
		assert.Equal(t, `open, text "news", error, close 1006 unclean`, r.String(), "pongs are not dispatched")
		wstest.AssertBackoff(t, d, policy)
	})
}

// Behaviour 11: Reconnect on an open connection closes it and makes a new
// attempt at once, the retry count reset.
func TestReconnectOnOpenConnection(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t)
		c, r := startClient(t, d, options)
		refuse(t, d, http.StatusServiceUnavailable)
		refuse(t, d, http.StatusServiceUnavailable)
		p := accept(t, d)
		r.next(t, t.Context(), wsdouble.EventOpen)
		require.Equal(t, 2, c.RetryCount())

		at := time.Now()
		require.NoError(t, c.Reconnect())
		assert.Equal(t, 0, c.RetryCount())
		assert.Equal(t, wsdouble.CloseEvent{Code: wsdouble.CloseNormalClosure, Reason: "reconnect"},
			r.next(t, t.Context(), wsdouble.EventClose), "the close event comes at once")
		a, err := d.NextAttempt(t.Context())
		require.NoError(t, err)
		assert.Zero(t, a.Time().Sub(at), "the new attempt comes at once")
		end, err := p.Wait(t.Context())
		require.NoError(t, err)
		assert.Equal(t, `client closed 1000 "reconnect" clean`, end.String())

		_, err = a.Accept(wstest.AcceptOptions{})
		require.NoError(t, err)
		r.next(t, t.Context(), wsdouble.EventOpen)
		assert.Equal(t, 0, c.RetryCount())
		assert.Equal(t, wsdouble.Open, c.ReadyState())
	})
}

// Behaviour 12: a client made with StartClosed makes no attempt until
// Reconnect; what it is sent meanwhile waits in the queue.
func TestStartClosed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		opts := options
		opts.StartClosed = true
		d := wstest.NewFakeDialer(t)
		c, r := startClient(t, d, opts)
		assert.Equal(t, wsdouble.Closed, c.ReadyState())
		require.NoError(t, c.Send(wsdouble.Text("hello")))
		time.Sleep(time.Hour)
		wstest.AssertAttempts(t, d, 0)

		require.NoError(t, c.Reconnect())
		p := accept(t, d)
		r.next(t, t.Context(), wsdouble.EventOpen)
		m, err := p.Receive(t.Context())
		require.NoError(t, err)
		assert.Equal(t, wsdouble.Text("hello"), m)
	})
}

// Behaviour 6, the cause: a drop fires no error event (as in the browser),
// yet ShouldReconnect learns why the connection ended from the socket's Err:
// an unexpected EOF for a drop, ECONNRESET for a reset.
func TestShouldReconnectSeesTheDropCause(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		causes := make(chan error, 2)
		opts := options
		opts.ShouldReconnect = func(ev wsdouble.CloseEvent, cause error) bool {
			causes <- cause
			return true
		}
		d := wstest.NewFakeDialer(t)
		_, r := startClient(t, d, opts)

		p := accept(t, d)
		r.next(t, t.Context(), wsdouble.EventOpen)
		require.NoError(t, p.Drop())
		assert.Equal(t, wsdouble.CloseEvent{Code: wsdouble.CloseAbnormalClosure}, r.next(t, t.Context(), wsdouble.EventClose))
		assert.ErrorIs(t, <-causes, io.ErrUnexpectedEOF)

		p = accept(t, d)
		r.next(t, t.Context(), wsdouble.EventOpen)
		require.NoError(t, p.Reset())
		r.next(t, t.Context(), wsdouble.EventClose)
		assert.ErrorIs(t, <-causes, syscall.ECONNRESET)
		assert.Equal(t, "open, close 1006 unclean, open, close 1006 unclean", r.String(), "no error events")
	})
}
