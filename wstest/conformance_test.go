package wstest_test

import (
	"testing"
	"testing/synctest"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/wstest"
)

// memorySubject is the real client over a Server's in-memory transport.
func memorySubject(t *testing.T) func() (wstest.Subject, error) {
	return func() (wstest.Subject, error) {
		srv := wstest.NewServer(t)
		return wstest.Subject{New: srv.Constructor(), URL: wstest.MemoryURL, Acceptor: srv, Close: srv.Close}, nil
	}
}

// loopbackSubject is the real client over a Server's loopback URL.
func loopbackSubject(t *testing.T) func() (wstest.Subject, error) {
	return func() (wstest.Subject, error) {
		srv := wstest.NewServer(t)
		return wstest.Subject{New: wsdouble.New, URL: srv.URL(), Acceptor: srv, Close: srv.Close}, nil
	}
}

// fakeSubject is the Fake, with its FakeDialer as the server end.
func fakeSubject(t *testing.T) func() (wstest.Subject, error) {
	return func() (wstest.Subject, error) {
		d := wstest.NewFakeDialer(t)
		return wstest.Subject{New: d.Constructor(), URL: "ws://fake.test/", Acceptor: d, Close: d.Close}, nil
	}
}

func TestConformance(t *testing.T) {
	checks := wstest.ConformanceChecks()
	if len(checks) < 25 {
		t.Fatalf("ConformanceChecks: got %d checks, want at least 25", len(checks))
	}
	// The fake and the in-memory transport run inside a bubble, on virtual
	// time; loopback sockets cannot.
	t.Run("fake", func(t *testing.T) { runChecks(t, checks, fakeSubject, true) })
	t.Run("memory", func(t *testing.T) { runChecks(t, checks, memorySubject, true) })
	t.Run("loopback", func(t *testing.T) { runChecks(t, checks, loopbackSubject, false) })
}

// runChecks runs each check as a subtest against the subjects subject
// makes, inside a synctest bubble when bubble is set.
func runChecks(t *testing.T, checks []wstest.ConformanceCheck, subject func(*testing.T) func() (wstest.Subject, error), bubble bool) {
	for _, cc := range checks {
		t.Run(cc.Name, func(t *testing.T) {
			run := func(t *testing.T) {
				if err := cc.Run(t.Context(), subject(t)); err != nil {
					t.Error(err)
				}
			}
			if bubble {
				synctest.Test(t, run)
			} else {
				run(t)
			}
		})
	}
}
