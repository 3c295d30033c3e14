package graphqlws_test

import (
	"encoding/json"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/examples/graphqlws"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestSubscriptionScenario plays testdata/subscription.json against the
// client on the fake and the in-memory server: two subscriptions, each
// answered under its own id, and the server's ping answered.
func TestSubscriptionScenario(t *testing.T) {
	s, err := scenario.Load("testdata/subscription.json")
	require.NoError(t, err)
	for _, layer := range []string{"fake", "memory"} {
		t.Run(layer, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var acc wstest.Acceptor
				var ctor wsdouble.Constructor
				if layer == "fake" {
					d := wstest.NewFakeDialer(t)
					acc, ctor = d, d.Constructor()
				} else {
					srv := wstest.NewServer(t)
					acc, ctor = srv, srv.Constructor()
				}
				pb := scenario.Play(t, acc, s)
				ws, err := ctor("ws://api.test/graphql", graphqlws.Subprotocol)
				require.NoError(t, err)
				closed := make(chan struct{})
				ws.AddEventListener(wsdouble.EventClose, wsdouble.ListenerFunc(func(wsdouble.Event) { close(closed) }))
				c := graphqlws.New(ws)
				var (
					mu  sync.Mutex
					got = map[string][]string{}
				)
				collect := func(name string) func(json.RawMessage) {
					return func(p json.RawMessage) {
						mu.Lock()
						defer mu.Unlock()
						got[name] = append(got[name], string(p))
					}
				}
				done1 := c.Subscribe("subscription { greetings }", collect("first"))
				done2 := c.Subscribe("subscription { greetings }", collect("second"))
				<-done1
				<-done2
				synctest.Wait() // the server's ping, and the client's pong
				require.NoError(t, ws.Close(wsdouble.CloseNormalClosure, "done"))
				<-closed
				rep, err := pb.Wait(t.Context())
				require.NoError(t, err)
				want := []string{`{"data":{"greetings":"Hi"}}`, `{"data":{"greetings":"Bonjour"}}`}
				assert.Equal(t, map[string][]string{"first": want, "second": want}, got)
				assert.Empty(t, c.Errors())
				assert.Equal(t, "graphql-transport-ws", ws.Protocol())
				assert.Contains(t, rep.Outline(), `rule 2 → text "{\"id\":\"2\",\"type\":\"complete\"}"`)
			})
		})
	}
}
