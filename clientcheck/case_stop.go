package clientcheck

import (
	"fmt"
	"net/http"
	"time"

	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// The stops: the client is stopped in each state it can be in, connected,
// waiting to retry, connecting, and on a server that never answers its
// close frame. Every case stops the client at its end; these choose when.

// stopConnected expects the connection open at the stop to end with the
// client's close frame (RFC 6455 §7.1.2), not a drop.
func stopConnected(e *caseEnv) (caseRun, string) {
	run := caseRun{script: e.script("stop/connected", e.healthy())}
	run.expect = func(o *Outcome) error {
		for _, r := range o.Attempts {
			if r.Outcome != wstest.Accepted || r.End.Kind != wstest.NotEnded && r.End.Time.Before(o.StopAt) {
				continue
			}
			if r.End.Kind != wstest.ClientClosed {
				return &Violation{Invariant: "expectation", Attempt: r.N, Problem: fmt.Sprintf(
					"the connection of #%d, open when the client was stopped, was %s, want it closed by the client with a close frame", r.N, how(r))}
			}
		}
		return nil
	}
	return run, ""
}

func stopNoCloseReply(e *caseEnv) (caseRun, string) {
	a := e.accept(inject(wstest.NoCloseReply()))
	a.Repeat = true
	return caseRun{script: e.script("stop/no-close-reply", a)}, ""
}

// stopWhileWaiting stops the client halfway through its first delay,
// after a 503.
func stopWhileWaiting(e *caseEnv) (caseRun, string) {
	lo := e.p.retryWindow(1).lo
	if lo == 0 {
		return caseRun{}, "the policy's first delay may be zero: there is no wait to stop in"
	}
	return caseRun{script: e.script("stop/while-waiting", e.refuse(http.StatusServiceUnavailable)), opts: []Option{stopAfter(lo / 2)}}, ""
}

// stopWhileConnecting stops the client halfway through its
// ConnectTimeout (after a second without one), its handshake unanswered.
func stopWhileConnecting(e *caseEnv) (caseRun, string) {
	d := e.p.ConnectTimeout / 2
	if d == 0 {
		d = time.Second
	}
	return caseRun{script: e.script("stop/while-connecting", scenario.Attempt{Answer: scenario.Hang{}}), opts: []Option{stopAfter(d)}}, ""
}
