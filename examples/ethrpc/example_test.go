package ethrpc_test

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ethereum/go-ethereum/rpc"

	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// go-ethereum's rpc client against the script of examples/jsonrpc, played
// by a wstest.Server in memory (its Dialer is a gorilla Dialer, which
// geth takes): two notifications, the drop, which geth reports on the
// subscription, a new subscription, for which geth dials again, and the
// third notification under the new subscription's id. TimeScale plays
// the script's one-second wait in 10 ms.
func Example() {
	script, err := scenario.Load("../jsonrpc/testdata/subscribe.json")
	if err != nil {
		panic(err)
	}
	srv := wstest.NewServer(nil)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	played := make(chan error, 1)
	go func() {
		_, err := scenario.Run(ctx, srv, script, scenario.TimeScale(0.01))
		played <- err
	}()

	client, err := rpc.DialOptions(ctx, wstest.MemoryURL, rpc.WithWebsocketDialer(*srv.Dialer()))
	if err != nil {
		panic(err)
	}
	heads := make(chan json.RawMessage, 8)
	next := func() string {
		select {
		case h := <-heads:
			return string(h)
		case <-ctx.Done():
			return ctx.Err().Error()
		}
	}
	sub, err := client.Subscribe(ctx, "eth", heads, "newHeads")
	if err != nil {
		panic(err)
	}
	fmt.Println("head:", next())
	fmt.Println("head:", next())
	select {
	case err := <-sub.Err():
		fmt.Println("the subscription ended with the connection:", err != nil)
	case <-ctx.Done():
		fmt.Println(ctx.Err())
	}

	sub, err = client.Subscribe(ctx, "eth", heads, "newHeads") // geth dials again
	if err != nil {
		panic(err)
	}
	fmt.Println("head:", next())
	sub.Unsubscribe()
	client.Close() // the script's rules answer until the client leaves
	fmt.Println("script:", <-played)
	fmt.Println("attempts:", len(srv.Attempts()))
	// Output:
	// head: {"number":"0x1"}
	// head: {"number":"0x2"}
	// the subscription ended with the connection: true
	// head: {"number":"0x3"}
	// script: <nil>
	// attempts: 2
}
