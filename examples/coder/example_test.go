package coder_test

import (
	"context"
	"fmt"
	"time"

	"github.com/wsdouble/wsdouble/examples/coder"
	"github.com/wsdouble/wsdouble/examples/internal/battery"
	"github.com/wsdouble/wsdouble/examples/internal/reconnect"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// The client, given a wstest.Server's HTTPClient, against a server whose
// side is a script: each connection expects the subscription first; the
// first ends with a restart (close 1012), and on the second the script
// expects the client's own close once it is told to stop. The report
// says every expectation held.
func ExampleClient() {
	script, err := scenario.New("restart").
		Attempt().Accept().ExpectJSON(`{"op":"subscribe"}`).SendText("tick").Close(1012, "deploy").
		Attempt().Accept().ExpectJSON(`{"op":"subscribe"}`).SendText("welcome back").ExpectClose(1000).
		Build()
	if err != nil {
		panic(err)
	}
	srv := wstest.NewServer(nil)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	played := make(chan *scenario.Report, 1)
	go func() {
		report, _ := scenario.Run(ctx, srv, script)
		played <- report
	}()

	client := battery.Start(reconnect.Options{Subscribe: []byte(`{"op":"subscribe"}`), MinDelay: time.Millisecond},
		func(opts reconnect.Options) battery.Runner {
			return &coder.Client{HTTPClient: srv.HTTPClient(), URL: wstest.MemoryURL, Options: opts}
		})
	client.Print(ctx, 5)
	client.Stop()
	fmt.Print((<-played).Outline())
	// Output:
	// client: #1 connected
	// client: #1 message "tick"
	// client: #1 disconnected 1012
	// client: #2 connected
	// client: #2 message "welcome back"
	// scenario "restart": 2 attempts played, ok
	// timeline:
	//   attempt 1 (#1): accepted
	//     step 1 expect JSON containing {"op":"subscribe"}: ← text "{\"op\":\"subscribe\"}" ✓
	//     step 2 → text "tick"
	//     step 3 close 1012 "deploy"
	//     end: server closed 1012 "deploy" clean
	//   attempt 2 (#2): accepted
	//     step 1 expect JSON containing {"op":"subscribe"}: ← text "{\"op\":\"subscribe\"}" ✓
	//     step 2 → text "welcome back"
	//     step 3 expect the client to close with 1000 ✓
	//     end: client closed 1000 clean
}
