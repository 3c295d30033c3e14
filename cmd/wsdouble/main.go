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
// their flags. Install it with
//
//	go install github.com/wsdouble/wsdouble/cmd/wsdouble@latest
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/wsdouble/wsdouble/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.Env{
		Stdin:    os.Stdin,
		Stdout:   os.Stdout,
		Stderr:   os.Stderr,
		Getenv:   os.Getenv,
		Terminal: isTerminal(os.Stdout),
	})
	stop()
	os.Exit(code)
}

// isTerminal reports whether f is a character device, as a terminal is.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
