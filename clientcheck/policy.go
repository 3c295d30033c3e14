package clientcheck

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/wsdouble/wsdouble/wstest"
)

// Policy is the reconnect policy a client claims. The checker holds the
// client to it: an attempt sooner than the policy allows is a hot loop,
// one later is a client that stalls, one after the policy says to give up
// is a client that never stops.
type Policy struct {
	// Backoff is the delay between attempts, and when it starts over: the
	// k-th retry in a row waits Backoff.Delay(k), within its Jitter and
	// Tolerance, from when the previous attempt was over; a connection
	// that stayed up Backoff.ResetAfter starts the count over. On a real
	// clock (the loopback transport) give it a Tolerance.
	Backoff wstest.Backoff
	// MaxRetries is how many retries in a row the client makes before it
	// gives up (counted as Backoff counts them: a refused or failed
	// attempt, or a connection that did not stay up ResetAfter, is one
	// more); zero means it never gives up.
	MaxRetries int
	// GiveUpStatuses are the handshake statuses (401, 403...) after which
	// the client stops instead of retrying.
	GiveUpStatuses []int
	// GiveUpCodes are the close codes after which the client stops, when
	// the server closes with one.
	GiveUpCodes []int
	// ConnectTimeout is how long the client waits for a handshake answer
	// before it abandons the attempt; zero means it waits as long as the
	// server does, and the hanging-handshake cases are skipped.
	ConnectTimeout time.Duration
	// Keepalive is the longest a dead connection (a half-open one, whose
	// peer is gone without a close frame or a reset) goes unnoticed: for a
	// client that pings every 10 s and waits 5 s for the answer, 15 s.
	// Zero means the client never notices, and the half-open and heartbeat
	// cases are skipped.
	Keepalive time.Duration
	// Pings says the client's keepalive pings at the protocol level (RFC
	// 6455 §5.5.2) and takes a connection whose pongs stop for dead: the
	// cases that withhold or delay pongs apply to it. A client on the
	// wsdouble contract, as a browser's, cannot ping.
	Pings bool
	// Protocols are the subprotocols the client offers; none skips the
	// cases of a wrong or missing subprotocol answer.
	Protocols []string
	// RetryAfter says the client honours the Retry-After header of a
	// refused handshake (RFC 9110 §10.2.3): after a refusal that carries
	// one, its next attempt comes no sooner than the header says. A client
	// in a browser cannot see the header; false holds it to its backoff
	// alone.
	RetryAfter bool
}

// validate says what makes the policy unusable.
func (p *Policy) validate() error {
	errs := backoffProblems(p.Backoff)
	if p.MaxRetries < 0 {
		errs = append(errs, fmt.Errorf("negative MaxRetries %d", p.MaxRetries))
	}
	if p.ConnectTimeout < 0 || p.Keepalive < 0 {
		errs = append(errs, errors.New("negative ConnectTimeout or Keepalive"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("clientcheck: Policy: %w", err)
	}
	return nil
}

// backoffProblems lists what is wrong with b.
func backoffProblems(b wstest.Backoff) []error {
	var errs []error
	if b.Min < 0 || b.Max < 0 || b.Tolerance < 0 || b.ResetAfter < 0 {
		errs = append(errs, errors.New("negative Backoff duration"))
	}
	if f := b.Factor; f < 0 || math.IsNaN(f) || math.IsInf(f, 0) || f > 0 && f < 1 {
		errs = append(errs, fmt.Errorf("Backoff.Factor %v is not 0 (for 1) or a number of at least 1", f))
	}
	if b.Jitter < 0 || b.Jitter > 1 || math.IsNaN(b.Jitter) {
		errs = append(errs, fmt.Errorf("Backoff.Jitter %v is not in [0, 1]", b.Jitter))
	}
	if b.Max > 0 && b.Max < b.Min {
		errs = append(errs, fmt.Errorf("Backoff.Max %v is below Backoff.Min %v", b.Max, b.Min))
	}
	return errs
}

// span is the range of durations a wait may take: from lo to hi, or
// without an upper bound when open.
type span struct {
	lo, hi time.Duration
	open   bool
}

// retryWindow is the span the policy allows the k-th retry in a row to
// wait (k ≥ 1): its delay within the jitter, and the tolerance.
func (p Policy) retryWindow(k int) span {
	b := p.Backoff
	d := float64(b.Delay(k))
	return span{
		lo: max(clamp(d*(1-b.Jitter))-b.Tolerance, 0),
		hi: addWait(clamp(d*(1+b.Jitter)), b.Tolerance),
	}
}

// clamp turns a float of nanoseconds into a Duration, forever past the
// largest.
func clamp(ns float64) time.Duration {
	if ns >= float64(forever) {
		return forever
	}
	return time.Duration(ns)
}

// anyRetryWindow is the span any retry may wait, whatever its number:
// after unlogged attempts (dials refused while the server was down) the
// number is not known. Without a Max, the delays have no upper bound.
func (p Policy) anyRetryWindow() span {
	w := p.retryWindow(1)
	if p.Backoff.Max == 0 && p.Backoff.Factor > 1 {
		w.open = true
		return w
	}
	w.hi = p.retryWindow(maxRetryCount).hi
	return w
}

// longestDelay is the longest retry delay the policy has, or, when it has
// no Max, the delay of the last retry it allows (the 12th without a
// MaxRetries: 4096 times Min with a Factor of 2).
func (p Policy) longestDelay() time.Duration {
	if p.Backoff.Max > 0 {
		return p.retryWindow(maxRetryCount).hi
	}
	k := p.MaxRetries
	if k == 0 {
		k = 12
	}
	return p.retryWindow(k).hi
}

// givesUpOnStatus and givesUpOnCode report whether the policy stops after
// a refusal with status, or a server close with code.
func (p Policy) givesUpOnStatus(status int) bool { return slices.Contains(p.GiveUpStatuses, status) }
func (p Policy) givesUpOnCode(code int) bool     { return slices.Contains(p.GiveUpCodes, code) }

// tolerance is the slack of the policy's timings on a real clock.
func (p Policy) tolerance() time.Duration { return p.Backoff.Tolerance }
