package clientcheck

import (
	"net/http"
	"strconv"
	"time"
)

// The refusals: the handshake answered with a status other than 101 (RFC
// 6455 §4.1: the client fails the connection), then accepted.

func refuse503(e *caseEnv) (caseRun, string) {
	return refusedOnce(e, "refuse/503", http.StatusServiceUnavailable)
}
func refuse500(e *caseEnv) (caseRun, string) {
	return refusedOnce(e, "refuse/500", http.StatusInternalServerError)
}
func refuse401(e *caseEnv) (caseRun, string) {
	return refusedOnce(e, "refuse/401", http.StatusUnauthorized)
}
func refuse403(e *caseEnv) (caseRun, string) {
	return refusedOnce(e, "refuse/403", http.StatusForbidden)
}
func refuse404(e *caseEnv) (caseRun, string) {
	return refusedOnce(e, "refuse/404", http.StatusNotFound)
}

// refusedOnce refuses the first attempt with status; whether the client
// must come back or give up, the invariants read from its policy.
func refusedOnce(e *caseEnv, name string, status int) (caseRun, string) {
	return e.then(name, e.refuse(status)), ""
}

// refuse503RetryAfter refuses with a Retry-After of whole seconds (the
// header has no finer unit), at least twice the longest first delay: a
// client that honours it waits visibly longer than one that does not.
func refuse503RetryAfter(e *caseEnv) (caseRun, string) {
	ra := max((2*e.p.retryWindow(1).hi+time.Second-1)/time.Second, 1)
	return e.then("refuse/503-retry-after", e.refuse(http.StatusServiceUnavailable, "Retry-After", strconv.Itoa(int(ra)))), ""
}
