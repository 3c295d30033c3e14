package clientcheck

import (
	"fmt"
	"strings"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/internal/timeline"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// The network's faults on a healthy connection: a peer gone without a
// FIN (half-open), a link that swallows one way or both, one that stops
// for a while, slows down or narrows. A connection the client can no
// longer hear it must notice by its keepalive (RFC 6455 §5.5.2: pings);
// a slow one it may keep or replace, within its policy.

const noKeepalive = "the policy has no Keepalive: the client never notices a dead connection"

// faultHalfOpen: the server goes, and its FIN is lost with the rest.
func faultHalfOpen(e *caseEnv) (caseRun, string) {
	if e.p.Keepalive == 0 {
		return caseRun{}, noKeepalive
	}
	return e.then("fault/half-open", e.accept(inject(wstest.Blackhole().Only(wstest.ToClient)), step(scenario.Drop{}))), ""
}

func faultBlackholeToClient(e *caseEnv) (caseRun, string) {
	return deadLink(e, "fault/blackhole-to-client", wstest.Blackhole().Only(wstest.ToClient))
}

func faultBlackholeBoth(e *caseEnv) (caseRun, string) {
	return deadLink(e, "fault/blackhole-both", wstest.Blackhole())
}

func faultStall(e *caseEnv) (caseRun, string) {
	return deadLink(e, "fault/stall", wstest.Stall(2*e.p.Keepalive))
}

// deadLink applies f to the healthy first connection, and expects the
// client to notice within its Keepalive.
func deadLink(e *caseEnv, name string, f wstest.Fault) (caseRun, string) {
	if e.p.Keepalive == 0 {
		return caseRun{}, noKeepalive
	}
	run := e.then(name, e.accept(inject(f)))
	run.expect = func(o *Outcome) error {
		at, ok := stepAt(o, 1, string(f.Kind()))
		if !ok {
			return nil // the fault never played: healthy says why
		}
		return notices(o, 1, at, "the "+f.String())
	}
	return run, ""
}

// faultStallShort stalls the connection for a third of the Keepalive: a
// client may ride it out, or take the connection for dead and replace it.
func faultStallShort(e *caseEnv) (caseRun, string) {
	if e.p.Keepalive == 0 {
		return caseRun{}, noKeepalive
	}
	d := e.p.Keepalive / 3
	return e.then("fault/stall-short", e.accept(inject(wstest.Stall(d)), wait(d+e.p.Keepalive), goingAway())), ""
}

// faultLatency delays every message an eighth of the Keepalive (the
// first delay without one), for as long again as the Keepalive.
func faultLatency(e *caseEnv) (caseRun, string) {
	l := e.p.Keepalive / 8
	if l == 0 {
		l = e.p.Backoff.Delay(1)
	}
	return e.then("fault/latency", e.accept(inject(wstest.Latency(l)), wait(8*l), step(scenario.Heal{}), goingAway())), ""
}

// faultBandwidth narrows the link to the client so that the 2 KiB the
// server sends take the Keepalive (twice the first delay without one).
func faultBandwidth(e *caseEnv) (caseRun, string) {
	const total = 2048
	d := max(e.p.Keepalive, 2*e.p.retryWindow(1).hi, time.Second)
	rate := max(int(total/d.Seconds()), 1)
	steps := []scenario.Step{inject(wstest.Bandwidth(rate).Only(wstest.ToClient))}
	for range 4 {
		steps = append(steps, step(scenario.Send{Message: wsdouble.Text(strings.Repeat("b", total/4))}))
	}
	steps = append(steps, wait(d), step(scenario.Heal{}), goingAway())
	return e.then("fault/bandwidth", e.accept(steps...)), ""
}

// wait is a wait step.
func wait(d time.Duration) scenario.Step { return step(scenario.Wait{Duration: d}) }

// goingAway closes the connection with 1001: the end of a case's
// disruption, once the client has lived with it.
func goingAway() scenario.Step {
	return step(scenario.Close{Code: wsdouble.CloseGoingAway, Reason: "going away"})
}

// stepAt says when the step of action name played on attempt n.
func stepAt(o *Outcome, n int, name string) (time.Time, bool) {
	if o.Report == nil {
		return time.Time{}, false
	}
	for _, a := range o.Report.Attempts {
		if a.N != n {
			continue
		}
		for _, e := range a.Entries {
			if e.Step > 0 && e.Action == name && e.Kind == scenario.StepPlayed && e.Err == nil {
				return o.Report.Start.Add(e.At), true
			}
		}
	}
	return time.Time{}, false
}

// notices expects the client to have given up the connection of attempt n
// within its Keepalive and first delay of since, what happened then: to
// have ended it, or come back with another attempt.
func notices(o *Outcome, n int, since time.Time, what string) error {
	if n > len(o.Attempts) || o.Attempts[n-1].Outcome != wstest.Accepted {
		return nil
	}
	bound := addWait(o.Policy.Keepalive, o.Policy.retryWindow(1).hi)
	deadline := since.Add(bound)
	r := o.Attempts[n-1]
	if k := r.End.Kind; (k == wstest.ClientClosed || k == wstest.ClientGone) && !r.End.Time.After(deadline) {
		return nil
	}
	if n < len(o.Attempts) && !o.Attempts[n].Time.After(deadline) {
		return nil
	}
	return &Violation{Invariant: "expectation", Attempt: n, Problem: fmt.Sprintf(
		"the client kept the connection of #%d for more than %s after %s at %s (Keepalive %s and the first delay): it never noticed the connection was dead",
		n, timeline.Duration(bound), what, o.offset(since), timeline.Duration(o.Policy.Keepalive))}
}
