package graphqlws_test

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/examples/graphqlws"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// The client against testdata/subscription.json played by a FakeDialer:
// the socket offers the subprotocol and the script chooses it, the
// client subscribes before the server has acknowledged the connection
// (the subscription waits for the ack), and the script's rules answer it
// under the client's own id. The script's own step pings the client,
// which answers, and expects its close.
func ExampleClient() {
	script, err := scenario.Load("testdata/subscription.json")
	if err != nil {
		panic(err)
	}
	d := wstest.NewFakeDialer(nil)
	defer d.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	played := make(chan error, 1)
	go func() {
		_, err := scenario.Run(ctx, d, script)
		played <- err
	}()

	ws, err := d.Constructor()("ws://api.test/graphql", graphqlws.Subprotocol)
	if err != nil {
		panic(err)
	}
	c := graphqlws.New(ws)
	var greetings []string // written on the socket's dispatch goroutine, read once done is closed
	done := c.Subscribe("subscription { greetings }", func(p json.RawMessage) {
		greetings = append(greetings, string(p))
	})
	select {
	case <-done:
	case <-ctx.Done():
		fmt.Println(ctx.Err())
		return
	}
	for _, g := range greetings {
		fmt.Println("next:", g)
	}
	fmt.Println("protocol:", ws.Protocol())
	ws.Close(wsdouble.CloseNormalClosure, "done")
	fmt.Println("script:", <-played, "errors:", c.Errors())
	// Output:
	// next: {"data":{"greetings":"Hi"}}
	// next: {"data":{"greetings":"Bonjour"}}
	// protocol: graphql-transport-ws
	// script: <nil> errors: []
}
