package clientcheck

import (
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// The heartbeats: the Rules answer what a healthy client sends while
// connected, its application-level pings among them, and the server
// answers its protocol-level pings (RFC 6455 §5.5.2) by itself. These
// cases withhold the answers or delay them.

const noRules = "the harness has no Rules: nothing answers the client's heartbeats"

// heartbeatWithheld plays the Healthy steps with rules that take what the
// Rules take and answer nothing: the connection is dead to a client that
// waits for its pongs.
func heartbeatWithheld(e *caseEnv) (caseRun, string) {
	if skip := needsHeartbeats(e); skip != "" {
		return caseRun{}, skip
	}
	a := e.accept()
	for i := range a.Rules {
		a.Rules[i] = scenario.Rule{Label: "withheld", On: a.Rules[i].On}
	}
	run := e.then("heartbeat/withheld", a)
	run.expect = func(o *Outcome) error {
		if len(o.Attempts) == 0 || o.Attempts[0].Outcome != wstest.Accepted {
			return nil
		}
		return notices(o, 1, o.Attempts[0].AnswerTime, "its open (every answer withheld)")
	}
	return run, ""
}

// heartbeatLate answers a fifth of the Keepalive late, for twice the
// Keepalive, then closes with 1001.
func heartbeatLate(e *caseEnv) (caseRun, string) {
	if skip := needsHeartbeats(e); skip != "" {
		return caseRun{}, skip
	}
	k := e.p.Keepalive
	a := e.accept(wait(2*k), goingAway())
	for i := range a.Rules {
		a.Rules[i].Delay += k / 5
	}
	return e.then("heartbeat/late", a), ""
}

func needsHeartbeats(e *caseEnv) string {
	switch {
	case len(e.h.Rules) == 0:
		return noRules
	case e.p.Keepalive == 0:
		return noKeepalive
	}
	return ""
}

const noPings = "the policy has no Pings: the client does not ping at the protocol level"

// heartbeatPongsWithheld stops answering the client's pings once the
// connection is healthy: to a client that pings, it is dead.
func heartbeatPongsWithheld(e *caseEnv) (caseRun, string) {
	if skip := needsPings(e); skip != "" {
		return caseRun{}, skip
	}
	run := e.then("heartbeat/pongs-withheld", e.accept(step(scenario.AnswerPings{Answer: wstest.NoPong()})))
	run.expect = func(o *Outcome) error {
		at, ok := stepAt(o, 1, scenario.AnswerPings{}.Name())
		if !ok {
			return nil
		}
		return notices(o, 1, at, "the last pong")
	}
	return run, ""
}

// heartbeatPongsLate answers the client's pings a fifth of the Keepalive
// late, for twice the Keepalive, then closes with 1001.
func heartbeatPongsLate(e *caseEnv) (caseRun, string) {
	if skip := needsPings(e); skip != "" {
		return caseRun{}, skip
	}
	k := e.p.Keepalive
	return e.then("heartbeat/pongs-late", e.accept(step(scenario.AnswerPings{Answer: wstest.PongAfter(k / 5)}), wait(2*k), goingAway())), ""
}

func needsPings(e *caseEnv) string {
	switch {
	case !e.p.Pings:
		return noPings
	case e.p.Keepalive == 0:
		return noKeepalive
	}
	return ""
}
