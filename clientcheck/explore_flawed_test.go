package clientcheck_test

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/clientcheck"
	"github.com/wsdouble/wsdouble/clientcheck/internal/flawed"
	"github.com/wsdouble/wsdouble/scenario"
)

// The invariants a user of the flawed client's harness writes, over what
// the server received and the client's own state (Outcome.State: what it
// still held to deliver when it stopped).

// delivered: every message the client's application queued reached the
// server, or the client still holds it: none is lost.
var delivered = clientcheck.Invariant{
	Name: "delivered",
	Doc:  "every message the application queued reaches the server, or is still queued in the client when it stops",
	Check: func(o *clientcheck.Outcome) error {
		held, _ := o.State.([]wsdouble.Message)
		got := slices.Concat(fromClient(o)...)
		var errs []error
		for _, m := range flawed.Queued {
			if !slices.ContainsFunc(got, m.Equal) && !slices.ContainsFunc(held, m.Equal) {
				errs = append(errs, &clientcheck.Violation{Invariant: "delivered", Problem: fmt.Sprintf(
					"%s never reached the server, and the client no longer holds it (it holds %d messages): lost", m.Data, len(held))})
			}
		}
		return errors.Join(errs...)
	},
}

// subscribesOnce: the client subscribes at most once on a connection.
var subscribesOnce = clientcheck.Invariant{
	Name: "subscribes-once",
	Doc:  "the client subscribes at most once on a connection",
	Check: func(o *clientcheck.Outcome) error {
		var errs []error
		for i, msgs := range fromClient(o) {
			if n := len(slices.DeleteFunc(slices.Clone(msgs), func(m wsdouble.Message) bool { return !m.Equal(flawed.Subscribe) })); n > 1 {
				a := o.Report.Attempts[i]
				errs = append(errs, &clientcheck.Violation{Invariant: "subscribes-once", Attempt: a.N, Problem: fmt.Sprintf(
					"the connection of #%d got %s %d times, want once", a.N, flawed.Subscribe.Data, n)})
			}
		}
		return errors.Join(errs...)
	},
}

// fromClient lists, for each attempt of the report, the messages the
// server received from the client.
func fromClient(o *clientcheck.Outcome) [][]wsdouble.Message {
	if o.Report == nil {
		return nil
	}
	out := make([][]wsdouble.Message, len(o.Report.Attempts))
	for i, a := range o.Report.Attempts {
		for _, e := range a.Entries {
			switch e.Kind {
			case scenario.MessageExpected, scenario.MessageExtra, scenario.RuleMatched:
				if e.Message != nil {
					out[i] = append(out[i], *e.Message)
				}
			}
		}
	}
	return out
}

// found are the bugs Explore must find, each with the invariant that
// catches it.
var found = []struct {
	bug flawed.Bug
	inv string
}{
	{flawed.NoBackoffReset, "backoff"},
	{flawed.HotLoopOnDrop, "backoff"},
	{flawed.NoResubscribeAfter1012, "healthy"},
	{flawed.DeafKeepalive, "backoff"},
	{flawed.LeakPerReconnect, "stops"},
	// The old connection, blackholed, never ends: the client waits for
	// ever for its close event, and its stop never returns; the server
	// cannot tell two connections from a half-open one.
	{flawed.TwoConnections, "stops"},
	{flawed.NeverGivesUp, "gives-up"},
	{flawed.GivesUpEarly, "backoff"},
	{flawed.IgnoresConnectTimeout, "backoff"},
	{flawed.LeavesConnectionOpen, "stops"},
	{flawed.DoubleSubscribe, "subscribes-once"},
	{flawed.ResetOnOpen, "backoff"},
	{flawed.LosesQueuedOnClose, "delivered"},
}

// TestExploreFindsEveryFlawedClient: Explore, with its default generator
// and budget and the harness's own invariants (Also), finds each flawed
// client's bug, and shrinks the schedule to at most 3 attempts and 6
// steps (the healthy session counted), which still fails, the same way,
// when played again. The three order bugs are found as quickly as the
// others: the generator ends connections before the subscription is
// acknowledged and while the client flushes.
func TestExploreFindsEveryFlawedClient(t *testing.T) {
	for _, c := range found {
		t.Run(c.bug.String(), func(t *testing.T) {
			h := flawed.Harness(c.bug)
			start := time.Now()
			f, err := clientcheck.Find(t, h, clientcheck.Also(delivered, subscribesOnce))
			took := time.Since(start)
			if err != nil || f == nil {
				t.Fatalf("Find: %v, %v, after %v", f, err, took)
			}
			if f.Played > clientcheck.DefaultRuns || took > clientcheck.DefaultBudget {
				t.Errorf("found after %d schedules and %v, want within %d and %v", f.Played, took, clientcheck.DefaultRuns, clientcheck.DefaultBudget)
			}
			if n, steps := size(f.Script); n > 3 || steps > 6 || !f.Minimal {
				t.Errorf("shrunk to %d attempts and %d steps (minimal: %v), want at most 3 and 6:\n%v", n, steps, f.Minimal, f)
			}
			if !slices.Contains(invariantsOf(f.Err), c.inv) {
				t.Errorf("found, but %s is not among the invariants broken:\n%v", c.inv, f)
			}
			synctest.Test(t, func(t *testing.T) {
				o, err := clientcheck.Play(t.Context(), h, f.Script)
				if err != nil {
					t.Fatal(err)
				}
				again := clientcheck.CheckInvariants(o, append(clientcheck.Invariants(), delivered, subscribesOnce)...)
				if !slices.Contains(invariantsOf(again), c.inv) {
					t.Errorf("the shrunk script played again breaks %v, want %s:\n%v", invariantsOf(again), c.inv, f)
				}
			})
			t.Logf("seed %d after %d schedules, %v; shrunk in %d runs to %d attempts, %d steps", f.Seed, f.Played, took.Round(time.Millisecond), f.Shrinks, len(f.Script.Attempts), steps(f.Script))
		})
	}
}

// size returns the attempts and steps of a script.
func size(s *scenario.Script) (int, int) { return len(s.Attempts), steps(s) }

func steps(s *scenario.Script) int {
	n := 0
	for _, a := range s.Attempts {
		n += len(a.Steps)
	}
	return n
}

// invariantsOf lists the invariants an error's violations name.
func invariantsOf(err error) []string {
	var out []string
	var walk func(error)
	walk = func(err error) {
		if v, ok := err.(*clientcheck.Violation); ok {
			out = append(out, v.Invariant)
			return
		}
		switch e := err.(type) {
		case interface{ Unwrap() []error }:
			for _, x := range e.Unwrap() {
				walk(x)
			}
		case interface{ Unwrap() error }:
			walk(e.Unwrap())
		}
	}
	if err != nil {
		walk(err)
	}
	return out
}

// TestExploreIsReproducibleWithTheChecker: with the checker's property,
// the same seed finds the same schedule and shrinks it to a byte-identical
// script, as a file and as Go code, played one at a time or four at once,
// twice over.
func TestExploreIsReproducibleWithTheChecker(t *testing.T) {
	for _, bug := range []flawed.Bug{flawed.ResetOnOpen, flawed.DoubleSubscribe, flawed.LosesQueuedOnClose, flawed.GivesUpEarly} {
		t.Run(bug.String(), func(t *testing.T) {
			var first *clientcheck.Found
			var firstJSON, firstGo []byte
			for _, workers := range []int{1, 4, 1, 4} {
				f, err := clientcheck.Find(t, flawed.Harness(bug), clientcheck.Also(delivered, subscribesOnce), clientcheck.Workers(workers))
				if err != nil || f == nil {
					t.Fatalf("Workers(%d): %v, %v", workers, f, err)
				}
				js, gs := marshal(t, f.Script), goSource(t, f.Script)
				if first == nil {
					first, firstJSON, firstGo = f, js, gs
					continue
				}
				if f.Seed != first.Seed || f.Played != first.Played || f.Shrinks != first.Shrinks || !bytes.Equal(js, firstJSON) || !bytes.Equal(gs, firstGo) {
					t.Errorf("Workers(%d): seed %d after %d, shrunk in %d:\n%s\n%s\nfirst: seed %d after %d, shrunk in %d:\n%s\n%s",
						workers, f.Seed, f.Played, f.Shrinks, js, gs, first.Seed, first.Played, first.Shrinks, firstJSON, firstGo)
				}
			}
		})
	}
}

// goSource returns the Go code of s.
func goSource(t *testing.T, s *scenario.Script) []byte {
	t.Helper()
	b, err := scenario.GoSource(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
