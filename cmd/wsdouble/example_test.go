package main_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/wsdouble/wsdouble"
	cli "github.com/wsdouble/wsdouble/cmd/wsdouble"
)

// check validates scripts before anything serves them: each problem is
// reported with its line and column, attempt, step and field, and the
// exit status is 2.
func Example_check() {
	check := func(script string) {
		var out strings.Builder
		code := cli.Main(context.Background(), []string{"check", "-"},
			cli.Env{Stdin: strings.NewReader(script), Stdout: &out, Stderr: &out})
		fmt.Print(out.String())
		fmt.Println("exit status", code)
	}
	check(`{"version": 1, "name": "restart", "attempts": [
  {"accept": {}, "steps": [{"send": {"text": "hello"}}, {"close": {"code": 1012}}]},
  {"refuse": {"status": 503}}
]}`)
	check(`{"version": 1, "attempts": [
  {"accept": {}, "steps": [{"close": {"code": 1006}}]}
]}`)
	// Output:
	// <stdin>: ok: scenario "restart", 2 attempts, 2 steps
	// exit status 0
	// wsdouble check: <stdin>:2:38: attempt 1, step 1: close: wsdouble: invalid close code: 1006 may not be sent in a close frame (RFC 6455 §7.4)
	// exit status 2
}

// serve --once plays a script to whatever client connects, prints the
// timeline as it happens, and exits 0 when every expectation held. Here
// the script comes on the standard input, the command runs in process
// (as main runs it), and the client is a wsdouble socket per attempt that
// answers "hello" with "hi". The times of the timeline are left out.
func Example_serve() {
	const script = `{"version": 1, "name": "greeting", "attempts": [
  {"refuse": {"status": 503}},
  {"accept": {}, "steps": [{"send": {"text": "hello"}}, {"expect": {"text": "hi"}}, {"close": {"code": 1000}}]}
]}`
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, stdout := io.Pipe()
	exit := make(chan int, 1)
	go func() {
		code := cli.Main(ctx, []string{"serve", "--once", "--listen", "127.0.0.1:0", "-"},
			cli.Env{Stdin: strings.NewReader(script), Stdout: stdout, Stderr: stdout})
		stdout.Close()
		exit <- code
	}()

	connected := make(chan struct{})
	connect := func(url string) {
		defer close(connected)
		for range 2 {
			ws, err := wsdouble.New(url)
			if err != nil {
				return
			}
			closed := make(chan struct{})
			ws.AddEventListener(wsdouble.EventMessage, wsdouble.ListenerFunc(func(wsdouble.Event) {
				ws.Send(wsdouble.Text("hi"))
			}))
			ws.AddEventListener(wsdouble.EventClose, wsdouble.ListenerFunc(func(wsdouble.Event) { close(closed) }))
			select {
			case <-closed:
			case <-ctx.Done():
				return
			}
		}
	}
	url := regexp.MustCompile(`ws://127\.0\.0\.1:\d+/`)
	at := regexp.MustCompile(`^ *\d+\.\d+s  `)
	lines := bufio.NewScanner(out)
	started := false
	for lines.Scan() {
		line := lines.Text()
		if u := url.FindString(line); u != "" && !started {
			started = true
			go connect(u)
		}
		fmt.Println(at.ReplaceAllString(url.ReplaceAllString(line, "ws://127.0.0.1:PORT/"), "  "))
	}
	fmt.Println("exit status", <-exit)
	select {
	case <-connected:
	case <-ctx.Done():
	}
	// Output:
	// wsdouble: serving scenario "greeting" (2 attempts) at ws://127.0.0.1:PORT/
	//   plays the script once (--once); Ctrl-C to stop
	//
	//   #1   attempt 1 arrived
	//   #1   attempt 1: refused 503
	//   #2   attempt 2 arrived
	//   #2   attempt 2: accepted
	//   #2   attempt 2: step 1 → text "hello"
	//   #2   attempt 2: step 2 expect text "hi": ← text "hi" ✓
	//   #2   attempt 2: step 3 close 1000
	//   #2   attempt 2: end: server closed 1000 clean
	//
	// summary: 1 pass, 2 attempts: 1 accepted, 1 refused 503
	//   connections ended: 1 server closed
	//   every expectation held
	// exit status 0
}
