package main

import (
	"context"
	"fmt"
	"regexp"
	"strings"
)

// What the command prints, the server's port aside: the server's side and
// the client's events interleaved as they happen (each line is caused by
// the one before, so the order is always the same), then the attempt log.
func Example() {
	var out strings.Builder
	if err := run(context.Background(), &out); err != nil {
		fmt.Println("echo:", err)
	}
	fmt.Print(regexp.MustCompile(`127\.0\.0\.1:\d+`).ReplaceAllString(out.String(), "127.0.0.1:PORT"))
	// Output:
	// server listening on ws://127.0.0.1:PORT/
	// server: attempt 1, refusing with 503
	// client: error: wsdouble: handshake refused: 503 Service Unavailable
	// client: close 1006 unclean
	// client: reconnecting
	// server: attempt 2, accepting
	// client: open
	// server: received text "hello" - echoing
	// client: message text "hello"
	// client: close 1000 clean
	// server: connection ended: client closed 1000 "bye" clean
	// attempt log:
	//   #1 refused  status 503, end: not ended, 0 message(s) each way
	//   #2 accepted status 101, end: client closed 1000 "bye" clean, 1 message(s) each way
}
