// Command wsdouble serves, records and checks WebSocket scenarios, so that
// clients in any language can be tested against a server that fails on
// cue: refused handshakes, drops, restarts with 1012, slow links.
//
//	go run ./cmd/wsdouble serve                  # a built-in flaky echo server on ws://127.0.0.1:8080/
//	go run ./cmd/wsdouble serve --once s.json    # play a script once; exit 1 if an expectation failed
//	go run ./cmd/wsdouble record --upstream wss://example.com/ws --out s.json
//	go run ./cmd/wsdouble import-har session.har --out s.json
//	go run ./cmd/wsdouble check s.json
//	go run ./cmd/wsdouble serve --once --json s.json > run.jsonl; go run ./cmd/wsdouble report run.jsonl   # run.html
//	go run ./cmd/wsdouble exam --keepalive 15s --scale 0.1 -- node client.js {url} {scale}   # the client checker's battery
//	go run ./cmd/wsdouble serve --explore 7 --print   # a schedule the explorer draws from seed 7
//
// Run "wsdouble help" for the commands, "wsdouble <command> --help" for
// their flags. Ctrl-C (or SIGTERM) stops a command within a second; a
// second Ctrl-C exits at once, with status 130 (143 for SIGTERM). Install it with
//
//	go install github.com/wsdouble/wsdouble/cmd/wsdouble@latest
//
// # Where it fits
//
// It is the top layer, for clients that are not Go code or not in the
// test's process: a browser page, a Node or Python client, a mobile app
// pointed at the machine. It plays scenario scripts with the scenario
// package on a wstest.Server over loopback, as a Go test would in process,
// so a script recorded or written for one runs unchanged in the other.
// Each command is a row of the table in commands.go and a file of its
// own; main only wires the process's world (arguments, standard streams,
// environment, signals) to run, which the tests and the Examples call in
// process.
//
// It is not a production WebSocket server, nor a proxy to leave running:
// serve listens on loopback unless told otherwise (--allow-remote),
// refuses web pages not served from loopback unless --origin admits them
// (see SECURITY.md), and plays a script, nothing more. A Go test of a Go client needs no command: it uses wstest
// and scenario directly.
package main
