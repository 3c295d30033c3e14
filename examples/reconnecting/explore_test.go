package reconnecting_test

import (
	"testing"
	"time"

	"github.com/wsdouble/wsdouble/clientcheck"
	"github.com/wsdouble/wsdouble/internal/bubbletest"
)

// TestExploreSurvives: the client survives the schedules the explorer
// draws, each played in a bubble of its own and checked with the
// checker's invariants: exploreRuns on the fake (10,000 without the race
// detector, in about 5 s on two cores), and a tenth as many in memory,
// where schedules also write raw frames.
func TestExploreSurvives(t *testing.T) {
	h := clientcheck.Harness{Name: "reconnecting", Start: start, Healthy: subscribed, Rules: pongs, Policy: claimed}
	for _, tr := range []struct {
		name string
		runs int
		opt  clientcheck.Option
	}{{"fake", exploreRuns, clientcheck.OnFake()}, {"memory", exploreRuns / 10, clientcheck.InMemory()}} {
		t.Run(tr.name, func(t *testing.T) {
			begin := time.Now()
			// The count bounds the run, not the clock: a budget of wall time
			// would let a slow machine pass after fewer schedules.
			if f := clientcheck.Explore(t, h, clientcheck.Runs(tr.runs), clientcheck.Budget(time.Hour), clientcheck.PlayWith(tr.opt)); f == nil {
				t.Logf("%d schedules in %v", tr.runs, time.Since(begin).Round(time.Millisecond))
			}
		})
	}
}

// BenchmarkExplore measures how many schedules a second the explorer
// plays against the client on the fake, each in a bubble of its own and
// checked with the checker's invariants: an op is one schedule. For where
// the time goes:
//
//	go test ./examples/reconnecting -run '^$' -bench Explore -cpuprofile cpu.prof
//	go tool pprof -top reconnecting.test cpu.prof
func BenchmarkExplore(b *testing.B) {
	h := clientcheck.Harness{Name: "reconnecting", Start: start, Healthy: subscribed, Rules: pongs, Policy: claimed}
	var took time.Duration
	bubbletest.T(b, func(t *testing.T) {
		begin := time.Now()
		clientcheck.Explore(t, h, clientcheck.Runs(b.N), clientcheck.Budget(time.Hour), clientcheck.Seed(1<<40))
		took = time.Since(begin)
	})
	b.ReportMetric(float64(b.N)/took.Seconds(), "schedules/s")
}
