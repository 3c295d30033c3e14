package clientcheck

import (
	"github.com/wsdouble/wsdouble/scenario"
)

// The outages: the server crashes (every connection dropped at once), and
// may stay down a while, refusing dials before any handshake, so that the
// client's attempts meanwhile are not logged.

func outageCrash(e *caseEnv) (caseRun, string) {
	return e.then("outage/crash", e.accept(step(scenario.DropAll{}))), ""
}

// outageDown keeps the server down for the first delay and half the
// second: the client's first retry is refused, its second comes after the
// server is back.
func outageDown(e *caseEnv) (caseRun, string) {
	if m := e.p.MaxRetries; m > 0 && m < 3 {
		return caseRun{}, "MaxRetries is under 3: the client may give up while the server is down"
	}
	down := e.p.Backoff.Delay(1) + e.p.Backoff.Delay(2)/2
	// Down first, then the drop, in one step: a client that redials at
	// once must find the server down, whatever order the goroutines of
	// the instant run in.
	return e.then("outage/down", e.accept(step(scenario.Down{Duration: down, Drop: true}))), ""
}
