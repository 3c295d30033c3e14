package bench

import (
	"fmt"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/wstest"
)

// One op of BenchmarkEcho on each of wsdouble's sides, run once: the
// socket is opened outside the timed loop, the 64-byte message goes out
// and comes back, and the socket closes cleanly after the loop. The
// benchmark repeats the middle line b.N times; scripts/bench runs it
// beside raw gorilla's.
func Example_echo() {
	fake := wstest.NewFakeDialer(nil, wstest.AutoAccept(wstest.Echo))
	defer fake.Close()
	srv := wstest.NewServer(nil, wstest.AutoAccept(wstest.Echo))
	defer srv.Close()
	for _, side := range []struct {
		name string
		ctor wsdouble.Constructor
		url  string
	}{
		{"fake", fake.Constructor(), "ws://bench.invalid/"},
		{"memory", srv.Constructor(), wstest.MemoryURL},
		{"loopback", wsdouble.New, srv.URL()},
	} {
		s, err := dialSocket(side.ctor, side.url) // before the timer
		if err != nil {
			fmt.Println(side.name, err)
			continue
		}
		if err := s.ws.Send(wsdouble.Text(echoPayload)); err != nil { // one op
			fmt.Println(side.name, err)
		}
		if err := s.waitMessage(len(echoPayload)); err != nil {
			fmt.Println(side.name, err)
		}
		fmt.Printf("%-8s %d bytes out and back, close: %v\n", side.name, len(echoPayload), s.close()) // after the timer
	}
	// Output:
	// fake     64 bytes out and back, close: <nil>
	// memory   64 bytes out and back, close: <nil>
	// loopback 64 bytes out and back, close: <nil>
}
