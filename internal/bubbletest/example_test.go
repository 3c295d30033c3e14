package bubbletest_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/wsdouble/wsdouble/internal/bubbletest"
)

// benchmarkBackoff is a benchmark as a _test.go file writes it (named
// BenchmarkBackoff there): each op waits a minute of virtual time, which
// costs no real time, so the figure is the cost of the work around it.
func benchmarkBackoff(b *testing.B) {
	bubbletest.Run(b, func(t *testing.T) {
		for range b.N {
			time.Sleep(time.Minute) // a client's backoff, in the bubble
		}
	})
}

// A benchmark whose work runs on virtual time. go test -bench runs such a
// benchmark; outside it, testing.Benchmark does, as here.
//
// This Example is compiled, not run: testing.Benchmark runs for
// -test.benchtime (a second), and under go test -v the inner run's
// "=== RUN" lines would land in the Example's output.
// TestRunOnceWhateverTheFlags runs Run for real.
func Example() {
	r := testing.Benchmark(benchmarkBackoff)
	fmt.Printf("%d ops of a virtual minute each, %v of real time per op\n", r.N, time.Duration(r.NsPerOp()))
}
