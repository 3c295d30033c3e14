package interop

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// What the browser and Node must see for scripts/refusal.json: the
// event log of client.js's Go twin on the Fake, attempt by attempt. The
// tests run the same script through `wsdouble serve --once` to client.js
// in headless Chromium and in Node, and compare their logs with this one.
func Example_refusal() {
	s, err := scenario.Load("scripts/refusal.json")
	if err != nil {
		panic(err)
	}
	d := wstest.NewFakeDialer(nil)
	defer d.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	played := make(chan error, 1)
	go func() {
		_, err := scenario.Run(ctx, d, s)
		played <- err
	}()
	logs, err := interopClient(listenAfter(d.Constructor()), "ws://interop.test/", len(s.Attempts), clientOptions{})
	if err != nil {
		panic(err)
	}
	for i, log := range logs {
		fmt.Printf("attempt %d: %s\n", i+1, strings.Join(log, ", "))
	}
	fmt.Println("script:", <-played)
	// Output:
	// attempt 1: error, close 1006 "" unclean
	// attempt 2: error, close 1006 "" unclean
	// attempt 3: open, buffered 8, close 1000 "ok" clean
	// script: <nil>
}
