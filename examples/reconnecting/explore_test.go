package reconnecting_test

import (
	"testing"
	"time"

	"github.com/wsdouble/wsdouble/clientcheck"
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
			if f := clientcheck.Explore(t, h, clientcheck.Runs(tr.runs), clientcheck.Budget(time.Minute), clientcheck.PlayWith(tr.opt)); f == nil {
				t.Logf("%d schedules in %v", tr.runs, time.Since(begin).Round(time.Millisecond))
			}
		})
	}
}
