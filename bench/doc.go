// Package bench measures wsdouble side by side with raw gorilla/websocket,
// in one go test -bench run, so that the two are compared on the same
// machine at the same moment. It has no API: the benchmarks are in its
// _test.go files, and scripts/bench runs them.
//
// # What is measured
//
// BenchmarkEcho: one op is a 64-byte text message sent by the client and
// echoed back by the server, until the client has it. Setup (dial, accept)
// is outside the timed loop.
//
//	fake              the wstest Fake, from a FakeDialer with AutoAccept(wstest.Echo)
//	memory            the real wsdouble client, in-memory transport, wstest.Server
//	loopback          the real wsdouble client, TCP on 127.0.0.1, wstest.Server
//	gorilla-pipe      raw gorilla on both ends over net.Pipe (baseline for memory)
//	gorilla-loopback  raw gorilla client and an httptest gorilla server (baseline for loopback)
//
// A wsdouble client dispatches its events on its own goroutine (the
// browser's model): the benchmark goroutine that waits for the echo gets it
// from the message listener over a channel, one hand-off per op that raw
// gorilla, reading on the benchmark goroutine, does not make.
//
// BenchmarkEchoSides splits Echo/loopback between its two ends, each
// sub-benchmark the same 64-byte echo over loopback TCP:
//
//	server         a raw gorilla client against wstest.Server with AutoAccept(Echo)
//	client         the wsdouble client, waited on as in Echo/loopback, against the gorilla echo server
//	client-inline  the same, but the message listener sends the next message itself
//	               (the browser's onmessage idiom): no hand-off to the benchmark goroutine
//	gorilla-hop    raw gorilla at both ends, the client's reads on a goroutine of their own
//	               handed over a channel to the benchmark goroutine (gorilla-loopback plus
//	               the hand-off)
//
// server against Echo/gorilla-loopback is what wstest.Server costs;
// client against gorilla-hop what the wsdouble client costs, the hand-off
// aside; client-inline against Echo/gorilla-loopback the client without it.
//
// On loopback the hand-off is most of what Echo/loopback pays over
// Echo/gorilla-loopback: readying the waiting goroutine from the listener
// makes the Go scheduler wake an idle thread (a futex wake), which then
// takes socket events too, so the round trip moves between threads; raw
// gorilla's ping-pong runs on one thread, woken by the netpoller alone.
// Over net.Pipe both sides hand off between goroutines anyway, so memory
// pays no more than gorilla-pipe.
//
// BenchmarkConnect: one op makes a client, completes the opening handshake,
// then closes it cleanly (close frame each way) and waits for the end: for
// wsdouble the open event, Close(1000, ""), the close event. Sub-benchmarks
// fake, memory, loopback and gorilla-loopback, as above, and
// gorilla-loopback-hop: raw gorilla in a wsdouble socket's shape, dialing
// and reading on a goroutine of its own that hands the open connection and
// its end to the waiting goroutine over channels.
//
// BenchmarkServerConns: one op opens 1,000 idle wsdouble client sockets on
// one wstest.Server made with AutoAccept(nil), waits until all are open, and
// closes them. Besides time it reports what the process holds per open
// connection: B/conn, the growth of heap in use plus goroutine stacks
// (runtime.MemStats HeapInuse + StackInuse, read after runtime.GC), and
// goroutines/conn. Both ends live in the process, so both count: client,
// transport and server. These two are measured in a fresh child process
// (TestServerConnsFootprint), where no connection closed earlier can be
// released between the readings. Sub-benchmarks memory and loopback;
// loopback holds fewer connections when the file-descriptor limit is too low
// for 2,000 descriptors (it says so in the benchmark log).
//
// Every benchmark closes what it opened, and TestMain checks with goleak
// that no goroutine is left behind.
//
// # Running
//
// scripts/bench runs this package and wstest's benchmarks with -benchmem
// (COUNT times, 10 by default; extra arguments go to go test; INTERLEAVE=1
// spreads each benchmark's samples over the run), keeps the raw output in a
// temporary directory, prints a benchstat table and then the ratios the
// project holds itself to, from the medians:
//
//	Echo/memory             / Echo/gorilla-pipe             sec/op  ≤ 1.1
//	Echo/loopback           / Echo/gorilla-loopback         sec/op  ≤ 1.1
//	Connect/loopback        / Connect/gorilla-loopback      sec/op  ≤ 1.2
//	ScenarioBackoff/memory  / ScenarioBackoff/gorilla-pipe  sec/op  ≤ 3
//	ScenarioBackoff/fake                                    sec/op  ≤ 1 ms
//	ServerConns/memory, ServerConns/loopback                B/conn  ≤ 64 KiB
//
// and, with no target, the ratios that take the loopback ones apart (see
// below). STRICT=1 makes scripts/bench exit with status 1 when a target is
// missed.
//
// # Where the loopback time goes
//
// Raw gorilla reads the echo on the goroutine that waits for it, and dials
// and closes on the caller's goroutine. A wsdouble socket cannot: it is
// made in CONNECTING and connects on a goroutine of its own (the browser's
// constructor does not block), and it dispatches its events there, so a
// test that waits for an event on another goroutine is handed it over a
// channel. On loopback, readying the waiting goroutine from the listener
// makes the Go scheduler wake an idle thread (a futex wake): strace over a
// fixed number of ops shows the same system calls per op on both sides but
// for futex and nanosleep. Raw gorilla in the same shape pays the same:
//
//	Echo/loopback / EchoSides/gorilla-hop              the echo, hand-off on both sides
//	EchoSides/client / EchoSides/gorilla-hop           the wsdouble client alone, likewise
//	EchoSides/server / Echo/gorilla-loopback           wstest.Server alone
//	EchoSides/client-inline / Echo/gorilla-loopback    the client with no hand-off
//	Connect/loopback / Connect/gorilla-loopback-hop    connect, in the same shape on both sides
//	Connect/gorilla-loopback-hop / Connect/gorilla-loopback  what the shape itself costs
//
// In this project's measurements on a 2-core VM the hand-off is most of
// Echo/loopback's gap and about half of Connect/loopback's. With one P
// (-cpu 1) there is no idle thread to wake, and the gap shrinks to
// wsdouble's own work. That work was, by CPU profile, mostly the garbage
// collector marking the Server's attempt log (each attempt kept a cloned
// header map) and the socket goroutine's stack growing in steps during the
// dial; both are gone (the log keeps headers packed, the goroutine grows
// its stack once). What is left is spread over many small pieces: the
// attempt log, the peer, about 55 more allocations per connect than raw
// gorilla. Removing the hand-off would mean running listeners on the
// caller's goroutine, which gives up the dispatch model the contract
// promises.
//
// cpu-ns/op, next to ns/op, is the CPU time the whole process spent per op
// (both ends, the runtime, the collector). It leaves out the time an op
// waits for a wake-up: compare it to see the work an op costs, and ns/op
// to see how long it takes.
//
// For example:
//
//	COUNT=5 scripts/bench
//	INTERLEAVE=1 scripts/bench -benchtime 2s
//
// To see where the time goes in one case:
//
//	go test -run '^$' -bench 'BenchmarkEcho/memory' -cpuprofile cpu.out ./bench
//	go tool pprof -top cpu.out
//
// On loopback the time goes to system calls and thread wake-ups rather
// than to CPU in the code: -trace (threads woken per op), or strace -f -c
// over a fixed -benchtime such as 20000x (futex calls per op), shows more.
//
// The benchmarks run in real time: loopback sockets cannot run inside a
// testing/synctest bubble.
package bench
