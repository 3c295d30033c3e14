package jsonrpc_test

import (
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/examples/jsonrpc"
	"github.com/wsdouble/wsdouble/examples/reconnecting"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestSubscribeScenario plays testdata/subscribe.json, whose rules answer
// eth_subscribe with the request's own id, against the client on a
// reconnecting socket: the first subscription's two notifications, a
// drop, a resubscription with a new id, and the new subscription's.
func TestSubscribeScenario(t *testing.T) {
	s, err := scenario.Load("testdata/subscribe.json")
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
				ws, err := reconnecting.New(ctor, "ws://node.test/", reconnecting.Options{MinReconnectionDelay: time.Second})
				require.NoError(t, err)
				var (
					mu  sync.Mutex
					got []string
				)
				third := make(chan struct{})
				c := jsonrpc.New(ws, func(n jsonrpc.Notification) {
					mu.Lock()
					defer mu.Unlock()
					got = append(got, n.Topic+" "+n.ID+" "+string(n.Result))
					if len(got) == 3 {
						close(third)
					}
				})
				require.NoError(t, c.Subscribe("newHeads"))
				<-third
				require.NoError(t, ws.Close(wsdouble.CloseNormalClosure, ""))
				<-ws.Done()
				rep, err := pb.Wait(t.Context())
				require.NoError(t, err)
				assert.Equal(t, []string{`newHeads 0xa1 {"number":"0x1"}`, `newHeads 0xa1 {"number":"0x2"}`, `newHeads 0xb2 {"number":"0x3"}`}, got)
				assert.Empty(t, c.Errors())
				assert.Contains(t, rep.Outline(), `rule 1 → text "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":\"0xb2\"}"`,
					"the resubscription's id is the client's second")
			})
		})
	}
}
