package ethrpc_test

import (
	"context"
	"encoding/json"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ethereum/go-ethereum/rpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// subscribe subscribes client to newHeads, and returns the subscription
// and its channel.
func subscribe(t *testing.T, ctx context.Context, client *rpc.Client) (*rpc.ClientSubscription, chan json.RawMessage) {
	t.Helper()
	ch := make(chan json.RawMessage, 8)
	sub, err := client.Subscribe(ctx, "eth", ch, "newHeads")
	require.NoError(t, err)
	return sub, ch
}

func next(t *testing.T, ctx context.Context, ch chan json.RawMessage) string {
	t.Helper()
	select {
	case v := <-ch:
		return string(v)
	case <-ctx.Done():
		t.Fatalf("no notification: %v", ctx.Err())
		return ""
	}
}

// play runs the script against geth's client dialed with dial: two
// notifications, the drop geth's subscription reports, a resubscription
// (geth redials), and a third notification.
func play(t *testing.T, ctx context.Context, acc wstest.Acceptor, dial func(context.Context) (*rpc.Client, error)) {
	s, err := scenario.Load("../jsonrpc/testdata/subscribe.json")
	require.NoError(t, err)
	pb := scenario.Play(t, acc, s)
	client, err := dial(ctx)
	require.NoError(t, err)

	sub, ch := subscribe(t, ctx, client)
	assert.JSONEq(t, `{"number":"0x1"}`, next(t, ctx, ch))
	assert.JSONEq(t, `{"number":"0x2"}`, next(t, ctx, ch))
	select {
	case err := <-sub.Err():
		t.Logf("geth's subscription ended with the connection: %v", err)
	case <-ctx.Done():
		t.Fatal("geth's subscription did not end with the connection")
	}

	sub2, ch2 := subscribe(t, ctx, client) // geth redials first
	assert.JSONEq(t, `{"number":"0x3"}`, next(t, ctx, ch2))
	sub2.Unsubscribe()
	sub.Unsubscribe()
	client.Close() // the rules answer until the client leaves
	rep, err := pb.Wait(ctx)
	require.NoError(t, err)
	t.Log(rep.Outline())
}

func TestGethInMemory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := wstest.NewServer(t)
		play(t, t.Context(), srv, func(ctx context.Context) (*rpc.Client, error) {
			return rpc.DialOptions(ctx, wstest.MemoryURL, rpc.WithWebsocketDialer(*srv.Dialer()))
		})
	})
}

func TestGethLoopback(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	srv := wstest.NewServer(t)
	play(t, ctx, srv, func(ctx context.Context) (*rpc.Client, error) {
		return rpc.DialWebsocket(ctx, srv.URL(), "")
	})
}
