package gorilla_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/examples/gorilla"
	"github.com/wsdouble/wsdouble/wstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// start runs c until the end of the test and returns its events.
func start(t *testing.T, c *gorilla.Client) <-chan gorilla.Event {
	t.Helper()
	events := make(chan gorilla.Event, 100)
	c.OnEvent = func(e gorilla.Event) { events <- e }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run: got %v, want context.Canceled", err)
		}
	})
	return events
}

// next returns the next event that is not a message.
func next(t *testing.T, events <-chan gorilla.Event) gorilla.Event {
	t.Helper()
	for {
		select {
		case e := <-events:
			if e.Kind != gorilla.Message {
				return e
			}
		case <-t.Context().Done():
			t.Fatal("the test ended while waiting for an event")
		}
	}
}

func accept(t *testing.T, srv *wstest.Server) wstest.Peer {
	t.Helper()
	a, err := srv.NextAttempt(t.Context())
	require.NoError(t, err)
	p, err := a.Accept(wstest.AcceptOptions{})
	require.NoError(t, err)
	return p
}

// A drop (no close frame) is noticed at once by the reader; the client is
// back a second later.
func TestDropIsDetectedAndRecovered(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := wstest.NewServer(t)
		events := start(t, &gorilla.Client{Dialer: srv.Dialer(), URL: wstest.MemoryURL, PingPeriod: 10 * time.Second})
		p := accept(t, srv)
		assert.Equal(t, gorilla.Connected, next(t, events).Kind)
		require.NoError(t, p.Send(wsdouble.Text("hello")))
		assert.Equal(t, []byte("hello"), (<-events).Data)

		time.Sleep(time.Minute) // pings go back and forth meanwhile
		require.NoError(t, p.Drop())
		ev := next(t, events)
		assert.Equal(t, gorilla.Disconnected, ev.Kind)
		assert.True(t, websocket.IsCloseError(ev.Err, websocket.CloseAbnormalClosure), "got %v, want close 1006", ev.Err)

		accept(t, srv)
		assert.Equal(t, gorilla.Event{Kind: gorilla.Connected, Attempt: 2}, next(t, events))
		wstest.AssertBackoff(t, srv, wstest.Backoff{Min: time.Second, Factor: 2, ResetAfter: 20 * time.Second})
	})
}

// A refused handshake is retried, with a doubling delay.
func TestRefusalIsRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := wstest.NewServer(t)
		events := start(t, &gorilla.Client{Dialer: srv.Dialer(), URL: wstest.MemoryURL})
		for range 3 {
			a, err := srv.NextAttempt(t.Context())
			require.NoError(t, err)
			require.NoError(t, a.Refuse(http.StatusServiceUnavailable, nil, "warming up"))
			ev := next(t, events)
			assert.Equal(t, gorilla.DialFailed, ev.Kind)
			assert.Equal(t, http.StatusServiceUnavailable, ev.Status)
			assert.ErrorIs(t, ev.Err, websocket.ErrBadHandshake)
		}
		accept(t, srv)
		assert.Equal(t, gorilla.Event{Kind: gorilla.Connected, Attempt: 4}, next(t, events))
		assert.Equal(t, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}, wstest.Gaps(srv.Attempts()))
	})
}

// A connection that goes half-open: the server blackholes it (no frame
// in either direction, pings unanswered, no close, no FIN). No frame
// arrives within PongWait, the read deadline passes, and the client
// redials.
func TestUnansweredPingsAreDetected(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := wstest.NewServer(t)
		events := start(t, &gorilla.Client{Dialer: srv.Dialer(), URL: wstest.MemoryURL, PingPeriod: 10 * time.Second, PongWait: 25 * time.Second})
		p := accept(t, srv)
		assert.Equal(t, gorilla.Connected, next(t, events).Kind)
		begin := time.Now()

		time.Sleep(25 * time.Second) // pings at 10 s and 20 s are answered
		require.NoError(t, p.Inject(wstest.Blackhole()))

		ev := next(t, events)
		assert.Equal(t, gorilla.Disconnected, ev.Kind)
		assert.ErrorIs(t, ev.Err, gorilla.ErrPongTimeout)
		// The pings at 30 s and 40 s go unanswered; at 45 s, 25 s after the
		// last pong, the client gives up.
		assert.Equal(t, 45*time.Second, time.Since(begin))

		accept(t, srv)
		assert.Equal(t, gorilla.Event{Kind: gorilla.Connected, Attempt: 2}, next(t, events))
		assert.Equal(t, 46*time.Second, srv.Attempts()[1].Time.Sub(begin), "redialed MinDelay later")
	})
}

// A text message that is not UTF-8 fails the connection with 1007 (RFC
// 6455 §8.1), which gorilla/websocket leaves to its caller: the client
// checker's frame/bad-utf8 found the client reading it as any message.
func TestInvalidUTF8FailsTheConnection(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := wstest.NewServer(t)
		events := start(t, &gorilla.Client{Dialer: srv.Dialer(), URL: wstest.MemoryURL})
		p := accept(t, srv)
		assert.Equal(t, gorilla.Connected, next(t, events).Kind)
		require.NoError(t, p.WriteFrame(wstest.Frame{Opcode: wstest.OpText, Payload: []byte{'a', 0xff}}))
		ev := next(t, events)
		assert.Equal(t, gorilla.Disconnected, ev.Kind)
		assert.ErrorIs(t, ev.Err, gorilla.ErrInvalidUTF8)
		end, err := p.Wait(t.Context())
		require.NoError(t, err)
		assert.Equal(t, wstest.ClientClosed, end.Kind, "the client closes: %v", end)
		assert.Equal(t, websocket.CloseInvalidFramePayloadData, end.Code)
	})
}
