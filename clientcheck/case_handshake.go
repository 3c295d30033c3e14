package clientcheck

import (
	"fmt"
	"time"

	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// The handshake: no answer, a late one, none at all (the connection
// closes), and a subprotocol answer the client must refuse.

func handshakeHang(e *caseEnv) (caseRun, string) {
	if e.p.ConnectTimeout == 0 {
		return caseRun{}, "the policy has no ConnectTimeout: the client waits for an answer as long as the server does"
	}
	return e.then("handshake/hang", scenario.Attempt{Answer: scenario.Hang{}}), ""
}

// handshakeSlow answers every attempt after half the ConnectTimeout (a
// second without one): the answer comes in time, and the first connection
// is the healthy one.
func handshakeSlow(e *caseEnv) (caseRun, string) {
	after := e.p.ConnectTimeout / 2
	if after == 0 {
		after = time.Second
	}
	a := e.healthy()
	a.After = after
	return caseRun{script: e.script("handshake/slow", a)}, ""
}

func handshakeAbort(e *caseEnv) (caseRun, string) {
	return e.then("handshake/abort", scenario.Attempt{Answer: scenario.Abort{}}), ""
}

func handshakeNoSubprotocol(e *caseEnv) (caseRun, string) {
	return badSubprotocol(e, "handshake/no-subprotocol", wstest.NoSubprotocol)
}

// unoffered is a subprotocol answer no client under test offers.
const unoffered = "wsdouble-not-offered"

func handshakeUnofferedSubprotocol(e *caseEnv) (caseRun, string) {
	return badSubprotocol(e, "handshake/unoffered-subprotocol", unoffered)
}

// badSubprotocol accepts the first attempt with a subprotocol answer the
// client must fail the connection for: it must neither keep the
// connection nor count it as healthy.
func badSubprotocol(e *caseEnv, name, answer string) (caseRun, string) {
	if len(e.p.Protocols) == 0 {
		return caseRun{}, "the policy has no Protocols: the client offers none"
	}
	run := e.then(name, scenario.Attempt{Answer: scenario.Accept{Subprotocol: answer}})
	run.expect = func(o *Outcome) error {
		r, _ := first(o)
		return failedByClient(o, fmt.Sprintf("answered with subprotocol %s to an offer of %q", answerText(r.Protocol), r.Protocols))
	}
	return run, ""
}

// answerText names a subprotocol answer: none, or the one given.
func answerText(p string) string {
	if p == "" {
		return "(none)"
	}
	return p
}
