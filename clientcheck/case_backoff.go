package clientcheck

import (
	"net/http"

	"github.com/wsdouble/wsdouble/scenario"
)

// The backoff: delays that grow and cap, a client that gives up when its
// policy says, a count of retries that starts over only after a
// connection stayed up ResetAfter.

// refusals is n attempts refused with 503.
func (e *caseEnv) refusals(n int) []scenario.Attempt {
	out := make([]scenario.Attempt, n)
	for i := range out {
		out[i] = e.refuse(http.StatusServiceUnavailable)
	}
	return out
}

// backoffGrows refuses MaxRetries attempts in a row (without MaxRetries,
// enough for the delay to reach its Max, and one more): the healthy
// attempt after them is the last retry the policy allows.
func backoffGrows(e *caseEnv) (caseRun, string) {
	n := e.p.MaxRetries
	if n == 0 {
		n = min(retriesToMax(e.p)+1, 10)
	}
	return e.then("backoff/grows", e.refusals(n)...), ""
}

// retriesToMax is the number of the first retry that waits Max, or 5
// when the delays do not grow to one.
func retriesToMax(p Policy) int {
	b := p.Backoff
	if b.Max == 0 || b.Factor <= 1 {
		return 5
	}
	k := 1
	for b.Delay(k) < b.Max && k < 64 {
		k++
	}
	return k
}

func backoffGivesUp(e *caseEnv) (caseRun, string) {
	if e.p.MaxRetries == 0 {
		return caseRun{}, "the policy has no MaxRetries: the client never gives up"
	}
	return e.then("backoff/gives-up", e.refusals(e.p.MaxRetries+1)...), ""
}

// backoffReset refuses a few attempts, keeps the next connection up past
// ResetAfter, then drops it: the retry after it is the first again.
func backoffReset(e *caseEnv) (caseRun, string) {
	r := 3
	if m := e.p.MaxRetries; m > 0 {
		r = min(r, m)
	}
	long := e.accept(wait(e.p.Backoff.ResetAfter+e.p.retryWindow(1).hi), step(scenario.Drop{}))
	return e.then("backoff/reset", append(e.refusals(r), long)...), ""
}

// backoffShortUptime refuses a few attempts, then drops the next
// connection once healthy, well before ResetAfter: the retry after it is
// the next of the series.
func backoffShortUptime(e *caseEnv) (caseRun, string) {
	if e.p.Backoff.ResetAfter == 0 {
		return caseRun{}, "the policy has no ResetAfter: any connection starts the count over"
	}
	r := 2
	if m := e.p.MaxRetries; m > 0 {
		r = min(r, m-1)
	}
	if r < 1 {
		return caseRun{}, "MaxRetries is under 2: no series to keep counting"
	}
	return e.then("backoff/short-uptime", append(e.refusals(r), e.accept(step(scenario.Drop{})))...), ""
}
