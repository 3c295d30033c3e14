package jsonrpc_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/examples/jsonrpc"
	"github.com/wsdouble/wsdouble/examples/reconnecting"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// The client on a reconnecting socket made by a FakeDialer, against
// testdata/subscribe.json: the script's rules answer each eth_subscribe
// with the request's own id; after two notifications the server drops the
// connection, and the client subscribes again on the next one (request id
// 2) under the new subscription id. TimeScale plays the script's
// one-second wait in 10 ms; in a test, inside synctest.Test, it would take
// no time at all.
func ExampleClient() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d := wstest.NewFakeDialer(nil)
	defer d.Close()
	script, err := scenario.Load("testdata/subscribe.json")
	if err != nil {
		panic(err)
	}
	played := make(chan *scenario.Report, 1)
	go func() {
		report, _ := scenario.Run(ctx, d, script, scenario.TimeScale(0.01))
		played <- report
	}()

	ws, err := reconnecting.New(d.Constructor(), "ws://node.test/", reconnecting.Options{MinReconnectionDelay: time.Millisecond})
	if err != nil {
		panic(err)
	}
	notes := make(chan jsonrpc.Notification, 3)
	c := jsonrpc.New(ws, func(n jsonrpc.Notification) { notes <- n })
	c.Subscribe("newHeads")
	for range 3 {
		select {
		case n := <-notes:
			fmt.Println(n.Topic, n.ID, string(n.Result))
		case <-ctx.Done():
			fmt.Println(ctx.Err())
		}
	}
	ws.Close(wsdouble.CloseNormalClosure, "")
	<-ws.Done()
	report := <-played
	for _, line := range strings.Split(report.Outline(), "\n") {
		// The report's first line, the rule's replies and the drop; the
		// steps and the client's requests are left out, and so is the end
		// of the second connection: Run returns once its steps are done,
		// and on real time the client's close may come before or after.
		if strings.HasPrefix(line, "scenario") || strings.Contains(line, "rule 1 →") || strings.Contains(line, "end: dropped") {
			fmt.Println(line)
		}
	}
	fmt.Println("errors:", c.Errors())
	// Output:
	// newHeads 0xa1 {"number":"0x1"}
	// newHeads 0xa1 {"number":"0x2"}
	// newHeads 0xb2 {"number":"0x3"}
	// scenario "json-rpc subscription": 2 attempts played, ok
	//     rule 1 → text "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0xa1\"}"
	//     end: dropped
	//     rule 1 → text "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":\"0xb2\"}"
	// errors: []
}
