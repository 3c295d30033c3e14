package scenario_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// TestRunOnAnAcceptorThatForgets: a script played pass after pass, as
// wsdouble serve does, on an acceptor whose log keeps only its first and
// its latest attempts (wstest.KeepAttempts): each pass's report still
// says how each of its attempts ended, read from the log by attempt
// number, though the log's numbers no longer match its indices.
func TestRunOnAnAcceptorThatForgets(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t, wstest.KeepAttempts(3))
		s, err := scenario.New("passes").
			Attempt().Accept().Close(1000, "one").
			Attempt().Accept().Close(1000, "two").
			Attempt().Accept().Close(1000, "three").
			Build()
		if err != nil {
			t.Fatal(err)
		}
		c := startClient(d.Constructor(), "ws://keep.test/", time.Second)
		defer c.Stop()
		for pass := 1; pass <= 10; pass++ {
			rep, err := scenario.Run(t.Context(), d, s)
			if err != nil {
				t.Fatalf("pass %d: %v\n%s", pass, err, rep)
			}
			for _, a := range rep.Attempts {
				if a.End.Kind != wstest.ServerClosed || a.N != 3*(pass-1)+a.Attempt {
					t.Errorf("pass %d, attempt %d (#%d): end %v, want #%d, server closed", pass, a.Attempt, a.N, a.End, 3*(pass-1)+a.Attempt)
				}
			}
		}
		if n := len(d.Attempts()); n < 6 || n > 8 {
			t.Errorf("the log keeps %d records, want 6 to 8", n)
		}
	})
}
