package clientcheck

import (
	"strings"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// The drops: the connection lost without a close frame at different
// points (RFC 6455 §7.2.3: a client that loses its connection abnormally
// reconnects, with backoff).

func dropAtOpen(e *caseEnv) (caseRun, string) {
	return e.then("drop/at-open", e.bare(step(scenario.Drop{}))), ""
}

func dropAfterHealthy(e *caseEnv) (caseRun, string) {
	return e.then("drop/after-healthy", e.accept(step(scenario.Drop{}))), ""
}

func dropReset(e *caseEnv) (caseRun, string) {
	return e.then("drop/reset", e.accept(step(scenario.Reset{}))), ""
}

// sliceGap is the pause between the fragments of the message that
// drop/mid-message cuts.
const sliceGap = 50 * time.Millisecond

// dropMidMessage sends 4 KiB in fragments of 64 bytes, sliceGap apart,
// and drops the connection after the third gap: the client holds part of
// a message (RFC 6455 §5.4) when the connection goes. A Fake carries whole
// messages: the case needs a wire.
func dropMidMessage(e *caseEnv) (caseRun, string) {
	if !e.tr.wire() {
		return caseRun{}, "the fake has no wire to fragment a message on"
	}
	return e.then("drop/mid-message", e.accept(
		inject(wstest.Slicer(64, sliceGap)),
		inject(wstest.DropAfter(3*sliceGap-sliceGap/2)),
		step(scenario.Send{Message: wsdouble.Text(strings.Repeat("x", 4096))}),
	)), ""
}

// dropFlapping accepts and drops three connections in a row: short
// connections are failures, and the delay grows as for refusals.
func dropFlapping(e *caseEnv) (caseRun, string) {
	flap := e.bare(step(scenario.Drop{}))
	return e.then("drop/flapping", flap, flap, flap), ""
}
