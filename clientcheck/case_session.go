package clientcheck

import (
	"fmt"
	"slices"

	"github.com/wsdouble/wsdouble/wstest"
)

// The session: a healthy connection that lasts, heartbeats answered all
// along, which a client must not take for dead.

// sessionLong keeps a healthy connection up for twice the Keepalive, and
// past ResetAfter, then closes it with 1001: the client must have kept
// it.
func sessionLong(e *caseEnv) (caseRun, string) {
	d := max(2*e.p.Keepalive, e.p.Backoff.ResetAfter+e.p.retryWindow(1).hi, 2*e.p.retryWindow(1).hi)
	run := e.then("session/long", e.accept(wait(d), goingAway()))
	run.expect = func(o *Outcome) error {
		if len(o.Attempts) == 0 || o.Attempts[0].Outcome != wstest.Accepted {
			return nil
		}
		r := o.Attempts[0]
		if slices.Contains([]wstest.EndKind{wstest.ServerClosed, wstest.NotEnded}, r.End.Kind) {
			return nil
		}
		return &Violation{Invariant: "expectation", Attempt: r.N, Problem: fmt.Sprintf(
			"the healthy connection of #%d was %s at %s, want it kept until the server closed it",
			r.N, how(r), o.offset(r.End.Time))}
	}
	return run, ""
}
