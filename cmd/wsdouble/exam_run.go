package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/wsdouble/wsdouble/clientcheck"
	"github.com/wsdouble/wsdouble/internal/timeline"
)

// How exam runs the battery: up to --parallel cases at once, each on a
// server of its own (clientcheck's loopback transport makes a wstest.Server
// per play, on 127.0.0.1:0) with a client process of its own, whose output
// and exit it keeps apart (examHarness.forCase). Cases are started in the
// battery's order; a case's line is printed once every case before it has
// ended, so the output reads the same whatever the parallelism, only
// sooner.

// defaultParallel is how many cases exam runs at once unless told. A case
// spends its time waiting (a client's backoff, the observation window),
// not computing: the whole battery against a Node client takes under a
// tenth of a core, so the number of cores does not bound it and is not the
// default's measure. What bounds it is the timing every case checks on a
// real clock: each case more is a client process more starting and
// answering beside the others. Four cuts the battery to about a quarter
// (the Node client of ./interop: 151 s one at a time) and keeps the load of
// clients slower to start than Node's (a JVM, an interpreter with many
// imports) modest; --parallel says otherwise.
const defaultParallel = 4

// examVerdict is what became of one case.
type examVerdict int

const (
	examPassed examVerdict = iota
	examFailed
	examSkipped
	// examInterrupted: the case failed after Ctrl-C, which kills its
	// client at once: its failure is the interruption's, not the client's.
	examInterrupted
)

// examResult is one case's end: its result, how long it took and what its
// client printed.
type examResult struct {
	res          clientcheck.Result
	verdict      examVerdict
	took         time.Duration
	output, exit string
}

// line is the case's line of the table.
func (r *examResult) line() string {
	took := timeline.Duration(r.took.Round(time.Millisecond))
	name := r.res.Case.Name
	switch r.verdict {
	case examFailed:
		return fmt.Sprintf("FAIL  %-34s %s", name, took)
	case examSkipped:
		return fmt.Sprintf("SKIP  %-34s %s", name, r.res.Skipped)
	case examInterrupted:
		return fmt.Sprintf("STOP  %-34s interrupted after %s", name, took)
	}
	return fmt.Sprintf("PASS  %-34s %s", name, took)
}

// runCases runs cases, up to o.parallel at once, printing each case's line
// in the battery's order as soon as the cases before it have ended. After
// Ctrl-C it starts no further case and returns once the running ones have
// stopped: the results are of the cases started, in order.
func (o *examOptions) runCases(ctx context.Context, w io.Writer, cases []clientcheck.Case, h examHarness, opts []clientcheck.Option) []*examResult {
	pr := &orderedPrinter{w: w, results: make([]*examResult, len(cases))}
	slots := make(chan struct{}, o.parallel)
	var wg sync.WaitGroup
	for i, c := range cases {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-slots }()
			pr.done(i, o.runCase(ctx, c, h, opts))
		})
	}
	wg.Wait()
	return pr.results[:pr.printed]
}

// runCase runs one case against a client process of its own.
func (o *examOptions) runCase(ctx context.Context, c clientcheck.Case, h examHarness, opts []clientcheck.Option) *examResult {
	harness, p := h.forCase()
	start := time.Now()
	caseCtx, cancel := context.WithTimeout(ctx, o.caseTimeout)
	res := c.Run(caseCtx, harness, opts...)
	cancel()
	r := &examResult{res: res, took: time.Since(start)}
	switch {
	case res.Err != nil && ctx.Err() != nil:
		r.verdict = examInterrupted
	case res.Err != nil:
		r.verdict, r.output, r.exit = examFailed, p.output.text(), p.exit.text()
	case res.Skipped != "":
		r.verdict = examSkipped
	default:
		r.verdict = examPassed
	}
	return r
}

// orderedPrinter prints the lines of cases that end in any order in the
// order of the battery: a case's line waits for those of the cases before
// it. It holds at most a line per case.
type orderedPrinter struct {
	w       io.Writer
	mu      sync.Mutex
	results []*examResult // by the case's place in the battery; nil until it ends
	printed int           // results[:printed] are printed
}

// done records the result of the i-th case and prints every line it was
// the one missing for.
func (p *orderedPrinter) done(i int, r *examResult) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.results[i] = r
	for p.printed < len(p.results) && p.results[p.printed] != nil {
		fmt.Fprintln(p.w, p.results[p.printed].line())
		p.printed++
	}
}
