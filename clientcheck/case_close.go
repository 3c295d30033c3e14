package clientcheck

import (
	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/scenario"
)

// The closes: the server ends a healthy connection with a close frame
// (RFC 6455 §7.4: the codes), and the client reconnects, or gives up when
// its policy says so for the code.

func close1000(e *caseEnv) (caseRun, string) {
	return closedWith(e, "close/1000", wsdouble.CloseNormalClosure, "bye")
}

func close1001(e *caseEnv) (caseRun, string) {
	return closedWith(e, "close/1001", wsdouble.CloseGoingAway, "going away")
}

func close1011(e *caseEnv) (caseRun, string) {
	return closedWith(e, "close/1011", wsdouble.CloseInternalServerErr, "internal error")
}

func close1012(e *caseEnv) (caseRun, string) {
	return closedWith(e, "close/1012", wsdouble.CloseServiceRestart, "restarting")
}

func close1013(e *caseEnv) (caseRun, string) {
	return closedWith(e, "close/1013", wsdouble.CloseTryAgainLater, "try again later")
}

func close4000(e *caseEnv) (caseRun, string) { return closedWith(e, "close/4000", 4000, "application") }

func closeNoCode(e *caseEnv) (caseRun, string) { return closedWith(e, "close/no-code", 0, "") }

func closeGiveUp(e *caseEnv) (caseRun, string) {
	if len(e.p.GiveUpCodes) == 0 {
		return caseRun{}, "the policy has no GiveUpCodes"
	}
	return closedWith(e, "close/give-up", e.p.GiveUpCodes[0], "give up")
}

// closedWith closes the first, healthy, connection with code (0: a close
// frame without one) and reason.
func closedWith(e *caseEnv, name string, code int, reason string) (caseRun, string) {
	return e.then(name, e.accept(step(scenario.Close{Code: code, Reason: reason}))), ""
}
