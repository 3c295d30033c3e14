package reconnecting_test

import (
	"fmt"
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

// Behaviours 1, 6 and 9 again, with the server's side written as a scenario
// file (testdata/*.json) and played by the scenario package instead of by
// the test: the test only drives the client and checks what it did. The
// same files play unchanged against a wstest.Server, in memory or over
// loopback, and the wsdouble command serves them to clients in any language.

// loadScript reads a script of testdata.
func loadScript(t *testing.T, name string) *scenario.Script {
	t.Helper()
	s, err := scenario.Load("testdata/" + name)
	require.NoError(t, err)
	return s
}

// Behaviour 1, played from testdata/backoff.json.
func TestBackoffGrowsAndCapsScenario(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t)
		pb := scenario.Play(t, d, loadScript(t, "backoff.json"))
		c, r := startClient(t, d, options)
		r.next(t, t.Context(), wsdouble.EventOpen) // after seven refusals
		require.NoError(t, c.Close(wsdouble.CloseNormalClosure, ""))

		rep, err := pb.Wait(t.Context())
		require.NoError(t, err) // on a mismatch, the error is the whole report
		assert.Len(t, rep.Attempts, 8)
		wstest.AssertBackoff(t, d, policy)
		const sec = time.Second
		assert.Equal(t, []time.Duration{sec, 2 * sec, 4 * sec, 8 * sec, 8 * sec, 8 * sec, 8 * sec}, wstest.Gaps(d.Attempts()))
	})
}

// Behaviour 6, played from testdata/drop.json.
func TestAbruptDropReconnectsScenario(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t)
		pb := scenario.Play(t, d, loadScript(t, "drop.json"))
		c, r := startClient(t, d, options)
		for {
			ev := r.next(t, t.Context(), wsdouble.EventMessage).(wsdouble.MessageEvent)
			if string(ev.Data) == "welcome back" {
				break
			}
		}
		require.NoError(t, c.Close(wsdouble.CloseNormalClosure, ""))
		_, err := pb.Wait(t.Context())
		require.NoError(t, err)
		<-c.Done()

		assert.Equal(t, `open, text "hello", close 1006 unclean, open, text "welcome back", close 1000 clean`, r.String())
		wstest.AssertBackoff(t, d, policy)
	})
}

// Behaviour 9, played from testdata/refused.json.
func TestRefusedHandshakeScenario(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		opts := options
		opts.ShouldReconnect = stopWhenUnauthorized
		d := wstest.NewFakeDialer(t)
		pb := scenario.Play(t, d, loadScript(t, "refused.json"))
		c, r := startClient(t, d, opts)
		_, err := pb.Wait(t.Context())
		require.NoError(t, err)
		r.next(t, t.Context(), wsdouble.EventClose)
		r.next(t, t.Context(), wsdouble.EventClose) // after the 401

		assert.Equal(t, wsdouble.Closed, c.ReadyState())
		time.Sleep(time.Hour)
		wstest.AssertAttempts(t, d, 2) // and no third
		wstest.AssertBackoff(t, d, policy)
	})
}

// A stampede: five clients connect and subscribe; the server drops them
// all at the same instant (a gather, then a drop); each comes back after
// its first backoff delay, all at once, and subscribes again. The report
// numbers each client's attempts.
func TestStampedeScenario(t *testing.T) {
	s, err := scenario.New("stampede").TellClientsApart(scenario.ClientID{Query: "client"}).
		Attempt().Clients(5).Accept().ExpectJSON(`{"op":"subscribe"}`).Gather().Drop().
		Attempt().Clients(5).Accept().ExpectJSON(`{"op":"subscribe"}`).Gather().
		Build()
	require.NoError(t, err)
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t)
		pb := scenario.Play(t, d, s)
		for i := range 5 {
			c, err := reconnecting.New(d.Constructor(), fmt.Sprintf("ws://example.test/?client=%d", i+1), options)
			require.NoError(t, err)
			c.AddEventListener(wsdouble.EventOpen, wsdouble.ListenerFunc(func(wsdouble.Event) {
				c.Send(wsdouble.Text(`{"op":"subscribe"}`))
			}))
			t.Cleanup(func() {
				c.Close(wsdouble.CloseNormalClosure, "")
				<-c.Done()
			})
		}
		rep, err := pb.Wait(t.Context())
		require.NoError(t, err)
		require.Len(t, rep.Attempts, 10)
		back := map[string]time.Duration{}
		for _, a := range rep.Attempts[5:] {
			assert.Equal(t, 2, a.ClientAttempt, "client %s's attempt %d", a.Client, a.N)
			back[a.Client] = a.At
		}
		assert.Len(t, back, 5, "every client came back")
		for client, at := range back {
			assert.Equal(t, time.Second, at.Round(time.Millisecond), "client %s came back after its first delay", client)
		}
	})
}
