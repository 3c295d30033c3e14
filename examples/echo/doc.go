// Command echo runs wsdouble end to end in one process: a wstest.Server on
// loopback refuses the first connection attempt with 503 and accepts the
// second; a real wsdouble client reconnects after the refusal, sends a
// message, gets it echoed and closes. It prints each event as it happens,
// then the server's attempt log.
//
//	go run ./examples/echo
//
// It is the smallest whole program: every piece of a test of a client is
// there (a Server, attempts answered by the code, a real client on its
// own goroutine, the attempt log), but in real time over loopback, without
// a test's *testing.T or testing/synctest, so that it runs as a command.
// It is not how a test is written: a test passes t to NewServer and,
// where waits are involved, runs in synctest.Test over the in-memory
// transport (see examples/reconnecting). Its Example, run by go test,
// checks what it prints.
package main
