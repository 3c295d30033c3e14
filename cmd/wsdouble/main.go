// Command wsdouble serves, records and checks WebSocket scenarios, so that
// clients in any language can be tested against a server that fails on
// cue: refused handshakes, drops, restarts with 1012, slow links.
//
//	go run ./cmd/wsdouble serve                  # a built-in flaky echo server on ws://127.0.0.1:8080/
//	go run ./cmd/wsdouble serve --once s.json    # play a script once; exit 1 if an expectation failed
//	go run ./cmd/wsdouble record --upstream wss://example.com/ws --out s.json
//	go run ./cmd/wsdouble import-har session.har --out s.json
//	go run ./cmd/wsdouble check s.json
//
// Run "wsdouble help" for the commands, "wsdouble <command> --help" for
// their flags. Ctrl-C (or SIGTERM) stops a command within a second; a
// second Ctrl-C exits at once, with status 130 (143 for SIGTERM). Install it with
//
//	go install github.com/wsdouble/wsdouble/cmd/wsdouble@latest
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

func main() {
	ctx, stop := signalContext(os.Stderr, os.Exit)
	code := run(ctx, os.Args[1:], Env{
		Stdin:    os.Stdin,
		Stdout:   os.Stdout,
		Stderr:   os.Stderr,
		Getenv:   os.Getenv,
		Terminal: isTerminal(os.Stdout),
	})
	stop()
	os.Exit(code)
}

// signalContext returns a context that the first SIGINT (Ctrl-C) or
// SIGTERM cancels: the command then stops, within a second, and finishes
// what it must (record writes its recording). A second signal exits at
// once, through exit, with 128 + the signal's number (130 for SIGINT, 143
// for SIGTERM), the status a shell gives a command the signal killed. stop
// ends the watch.
func signalContext(stderr io.Writer, exit func(int)) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for n := 1; ; n++ {
			var sig os.Signal
			select {
			case sig = <-sigs:
			case <-done:
				return
			}
			if n == 1 {
				cancel()
				continue
			}
			fmt.Fprintf(stderr, "wsdouble: %v again: exiting at once\n", sig)
			code := 1
			if s, ok := sig.(syscall.Signal); ok {
				code = 128 + int(s)
			}
			exit(code)
			return
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		wg.Wait()
		cancel()
	}
}

// isTerminal reports whether f is a character device, as a terminal is.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
