package gorilla_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wsdouble/wsdouble/examples/gorilla"
	"github.com/wsdouble/wsdouble/examples/internal/reconnect"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// The client's keepalive against each way a server answers its pings,
// scripted with answer_pings: it pings every 10 s and takes the connection
// for dead when no frame came for 25 s. A pong withheld, or one so late
// that it misses that window, makes it reconnect; a pong late within the
// window does not. Each row plays on the in-memory transport inside a
// synctest bubble (times exact) and over loopback in real time, every
// duration divided by 50.

// keepaliveRow is a way of answering pings and what the client does.
type keepaliveRow struct {
	name   string
	answer wstest.PingAnswer
	// gone says the client gives up on the connection, at +25s: no frame
	// came within its pong wait. Otherwise the server closes it after
	// three pings.
	gone bool
}

var keepaliveTable = []keepaliveRow{
	{name: "pongs at once", answer: wstest.PongAtOnce()},
	{name: "pongs 5s late, within the 25s window", answer: wstest.PongAfter(5 * time.Second)},
	{name: "pongs 20s late, past the window", answer: wstest.PongAfter(20 * time.Second), gone: true},
	{name: "no pongs", answer: wstest.NoPong(), gone: true},
}

// script is the row's server: attempt 1 answers pings as the row says and
// takes three of them, then closes, unless the client went first;
// attempt 2 is the client coming back.
func (row keepaliveRow) script(t *testing.T) *scenario.Script {
	t.Helper()
	a := scenario.New(row.name).Attempt().Accept().AnswerPings(row.answer)
	if row.gone {
		a.ExpectClose(1006).Within(time.Minute)
	} else {
		// Each ping comes 10s after the last: a timeout of 10s would meet
		// it at the same instant.
		for range 3 {
			a.ExpectPing(nil).Within(15 * time.Second)
		}
		a.Close(1000, "enough")
	}
	s, err := a.Attempt().Accept().Build()
	require.NoError(t, err)
	return s
}

// play plays the row with the client reaching srv through dialer at url,
// durations scaled by k, and returns the report and the client's
// Disconnected event.
func (row keepaliveRow) play(t *testing.T, srv *wstest.Server, dialer *websocket.Dialer, url string, k float64) (*scenario.Report, reconnect.Event) {
	scale := func(d time.Duration) time.Duration { return time.Duration(float64(d) * k) }
	pb := scenario.Play(t, srv, row.script(t), scenario.TimeScale(k))
	events := start(t, &gorilla.Client{Dialer: dialer, URL: url, Options: reconnect.Options{
		PingPeriod: scale(10 * time.Second), PongWait: scale(25 * time.Second), MinDelay: scale(time.Second)}})
	assert.Equal(t, reconnect.Connected, next(t, events).Kind)
	gone := next(t, events)
	assert.Equal(t, reconnect.Event{Kind: reconnect.Connected, Attempt: 2}, next(t, events), "the client comes back")
	rep, err := pb.Wait(t.Context())
	require.NoError(t, err)
	return rep, gone
}

// check checks what the client did with the row's pongs.
func (row keepaliveRow) check(t *testing.T, rep *scenario.Report, gone reconnect.Event, virtual bool) {
	t.Helper()
	a := rep.Attempts[0]
	end, open := a.End, a.EndAt-a.AnsweredAt
	if row.gone {
		assert.ErrorIs(t, gone.Err, reconnect.ErrPongTimeout, "the client took the connection for dead")
		assert.Equal(t, wstest.ClientGone, end.Kind, "the server saw the client go: %v", end)
		if virtual {
			assert.Equal(t, 25*time.Second, open, "25s after the connection opened, with no frame since")
		}
		return
	}
	var ce *websocket.CloseError
	assert.True(t, errors.As(gone.Err, &ce) && ce.Code == 1000 && gone.Code == 1000, "the client stayed until the server closed: %v", gone.Err)
	assert.Equal(t, `server closed 1000 "enough" clean`, end.String())
	if virtual {
		assert.Equal(t, 30*time.Second, open, "after the third ping")
	}
}

func TestKeepaliveAgainstHeartbeats(t *testing.T) {
	for _, row := range keepaliveTable {
		t.Run(row.name, func(t *testing.T) {
			t.Run("memory", func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					srv := wstest.NewServer(t)
					rep, gone := row.play(t, srv, srv.Dialer(), wstest.MemoryURL, 1)
					row.check(t, rep, gone, true)
				})
			})
			t.Run("loopback", func(t *testing.T) {
				srv := wstest.NewServer(t)
				rep, gone := row.play(t, srv, &websocket.Dialer{HandshakeTimeout: 5 * time.Second}, srv.URL(), 1.0/50)
				row.check(t, rep, gone, false)
			})
		})
	}
}

// start runs c until the test ends, and returns its events.
func start(t *testing.T, c *gorilla.Client) <-chan reconnect.Event {
	t.Helper()
	events := make(chan reconnect.Event, 100)
	c.OnEvent = func(e reconnect.Event) { events <- e }
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
func next(t *testing.T, events <-chan reconnect.Event) reconnect.Event {
	t.Helper()
	for {
		select {
		case e := <-events:
			if e.Kind != reconnect.Message {
				return e
			}
		case <-t.Context().Done():
			t.Fatal("the test ended while waiting for an event")
		}
	}
}
