// Package bubbletest runs a benchmark's work inside a testing/synctest
// bubble, so that it runs on virtual time.
//
// synctest.Test needs a *testing.T, which a benchmark does not have; Run
// gets one from testing.RunTests, the function behind `go test`. The
// benchmark timer must not be touched inside the bubble (its clock is
// virtual): Run resets it just before entering and stops it on leaving.
//
// testing.RunTests obeys the command line: it runs its tests -test.count
// times, once per value of -test.cpu (setting GOMAXPROCS to it), and only
// those -test.run selects and -test.skip does not. Left alone, a benchmark
// run with -count 10 would do its b.N operations ten times per timing and
// report ten times its cost. Run sets -test.count to 1 and clears
// -test.run and -test.skip for the inner run, restoring them after; the
// list of -test.cpu is read once at startup and cannot be changed, so Run
// does the work only on the first call and under the benchmark's own
// GOMAXPROCS.
//
// # Where it fits
//
// The benchmarks of wstest (the Fake's backoff) and of ./bench (a
// scenario's backoff on the fake and in memory) use it, so that a
// benchmark of minutes of backoff measures the work, not the waiting. T
// gives a benchmark a *testing.T outside any bubble, for work that makes
// bubbles of its own: examples/reconnecting's BenchmarkExplore, whose
// explorer plays each schedule in one. It
// imports nothing of the module, and nothing but tests may import it.
//
// It is not for tests, which call synctest.Test themselves. An Example
// has no *testing.B, and testing.Benchmark, the way to get one, runs for
// -test.benchtime (a second) and, under go test -v, lets the inner run
// print its "=== RUN" lines into the Example's output: Run and T are not
// for Examples. InTest is: it gives an Example a *testing.T, once and
// quietly, for an API that needs one (clientcheck's ExampleFind).
package bubbletest
