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
// BenchmarkConnect: one op makes a client, completes the opening handshake,
// then closes it cleanly (close frame each way) and waits for the end: for
// wsdouble the open event, Close(1000, ""), the close event. Sub-benchmarks
// fake, memory, loopback and gorilla-loopback, as above.
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
//	Echo/memory      / Echo/gorilla-pipe         sec/op  ≤ 1.1
//	Echo/loopback    / Echo/gorilla-loopback     sec/op  ≤ 1.1
//	Connect/loopback / Connect/gorilla-loopback  sec/op  ≤ 1.2
//	ServerConns/memory, ServerConns/loopback     B/conn  ≤ 64 KiB
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
// The benchmarks run in real time: loopback sockets cannot run inside a
// testing/synctest bubble.
package bench
