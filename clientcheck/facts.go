package clientcheck

import (
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// What the invariants read of an outcome, attempt by attempt: the log's
// record, and from the script and its report what the client could know
// and when. The server's log says when a connection ended for the server;
// a fault may have hidden that end from the client (a blackhole towards
// it: it learns only when its keepalive gives up), or hidden the client's
// goodbye from the server (a blackhole from it). The invariants allow for
// both, as far as the faults the script applied say.

// forever stands for a wait without end in the sums below.
const forever = time.Duration(math.MaxInt64)

// attemptFacts is what is known of one attempt of an outcome.
type attemptFacts struct {
	rec wstest.AttemptRecord
	// over is when the attempt was over for the server: its connection's
	// end, its answer, or when the client gave up on it; zero while open
	// or pending.
	over time.Time
	// hidden is how long after over the client may learn of it
	// (forever: it may never); late is how long after the client let go
	// of the connection the server may learn of it (see lateness).
	hidden, late time.Duration
	// retryAfter is the Retry-After of a refusal that had one.
	retryAfter time.Duration
	// closeLost says a fault active at the end (a blackhole from the
	// client) may have lost the client's close frame.
	closeLost bool
	// mayFail says the client may have failed the connection (RFC 6455
	// §7.1.7), and seen nothing the server did after: it was accepted
	// with a subprotocol answer the client must fail (mustFail), or a raw
	// frame was written on it.
	mayFail bool
}

// outage is a time the server was down: dials were refused, and no
// attempt was logged.
type outage struct{ from, to time.Time }

// facts returns the facts of every attempt of o's log, and the outages of
// its run.
func facts(o *Outcome) ([]attemptFacts, []outage) {
	byN := map[int]*scenario.AttemptReport{}
	var outages []outage
	if o.Report != nil {
		for i := range o.Report.Attempts {
			a := &o.Report.Attempts[i]
			byN[a.N] = a
			outages = append(outages, outagesOf(o.Report, o.Script, a)...)
		}
	}
	// The log is in the order records were made: a failed TLS handshake
	// is logged when it fails, with the time its hello came. The
	// invariants read attempts in the order they came.
	log := slices.Clone(o.Attempts)
	slices.SortStableFunc(log, func(a, b wstest.AttemptRecord) int { return a.Time.Compare(b.Time) })
	out := make([]attemptFacts, len(log))
	for i, rec := range log {
		f := attemptFacts{rec: rec, over: overAt(rec)}
		if rec.Outcome == wstest.Aborted {
			f.hidden = abortNotice
		}
		if rec.Outcome == wstest.Refused {
			f.retryAfter = retryAfterOf(o.Script, byN[rec.N])
		}
		for _, spec := range activeFaults(o.Script, byN[rec.N]) {
			if rec.End.Kind != wstest.ClientClosed && rec.End.Kind != wstest.ClientGone {
				f.hidden = max(f.hidden, hides(spec, wstest.ToClient, o.Policy.Keepalive))
			}
			f.closeLost = f.closeLost || hides(spec, wstest.FromClient, forever) == forever
		}
		if rec.Outcome == wstest.Accepted {
			// A heal stops a fault, not what it queued meanwhile.
			for _, spec := range appliedFaults(o.Script, byN[rec.N]) {
				f.late = max(f.late, lateness(spec, rec.End.Kind))
			}
			f.mayFail = playedRaw(o.Script, byN[rec.N]) || acceptedToFail(o, byN[rec.N])
			if rec.End.Kind != wstest.NotEnded {
				// The client let go no sooner than it was open.
				f.late = min(f.late, rec.End.Time.Sub(rec.AnswerTime))
			}
		}
		out[i] = f
	}
	return out, outages
}

// abortNotice is how long after a handshake the server aborted the client
// may learn of it. A TLS handshake the client fails (a certificate it
// refuses) fails at the very instant of its dial on a bubble's clock, and
// the real client holds such an event one nanosecond for its listeners
// (wsdouble's WebSocket.awaitListener): its retry timer starts then.
const abortNotice = time.Nanosecond

// overAt is when an attempt was over for the server, or zero.
func overAt(r wstest.AttemptRecord) time.Time {
	switch {
	case r.End.Kind != wstest.NotEnded:
		return r.End.Time
	case r.Outcome == wstest.Refused || r.Outcome == wstest.Aborted || r.Outcome == wstest.Abandoned:
		return r.AnswerTime
	}
	return time.Time{}
}

// hides is how long a fault of spec delays what goes in direction dir: a
// blackhole for ever (for the client: until its keepalive gives up,
// blackhole), a stall its delay, a latency its delay and jitter.
func hides(spec wstest.FaultSpec, dir wstest.Direction, blackhole time.Duration) time.Duration {
	if spec.Direction&dir == 0 {
		return 0
	}
	switch spec.Kind {
	case wstest.BlackholeFault:
		if blackhole == 0 {
			return forever
		}
		return blackhole
	case wstest.StallFault:
		return spec.Delay
	case wstest.LatencyFault:
		return spec.Delay + spec.Jitter
	}
	return 0
}

// lateness is how long after the client let go of a connection (sent its
// close frame, or closed the transport) a fault of spec may keep the
// server from seeing it: the client's goodbye held back on the way (a
// blackhole from the client loses it: for ever; a stall or a latency
// delays it), or the server's answer to the client's close frame held
// back, which is what the server logs as the end: a slow close reply,
// none, or a bandwidth or a slicer towards the client with a backlog
// ahead of it. The server logs such a goodbye when the answer leaves, or
// at an end it makes meanwhile: a drop, a reset, its shutdown. Not at a
// close of its own: had the client's close frame come first, the close
// would have been the client's.
func lateness(spec wstest.FaultSpec, end wstest.EndKind) time.Duration {
	switch spec.Kind {
	case wstest.BlackholeFault:
		return hides(spec, wstest.FromClient, forever)
	case wstest.StallFault:
		return spec.Delay
	case wstest.LatencyFault:
		return spec.Delay + spec.Jitter
	}
	if end == wstest.ServerClosed {
		return 0
	}
	switch spec.Kind {
	case wstest.SlowCloseFault:
		return spec.Delay
	case wstest.NoCloseReplyFault:
		return forever
	case wstest.BandwidthFault, wstest.SlicerFault:
		if spec.Direction&wstest.ToClient != 0 {
			return forever
		}
	}
	return 0
}

// stepOf returns the script's step an entry of a played attempt is for,
// or nil.
func stepOf(s *scenario.Script, a *scenario.AttemptReport, e scenario.Entry) *scenario.Step {
	if s == nil || a == nil || e.Step < 1 || a.Attempt < 1 || a.Attempt > len(s.Attempts) {
		return nil
	}
	steps := s.Attempts[a.Attempt-1].Steps
	if e.Step > len(steps) {
		return nil
	}
	return &steps[e.Step-1]
}

// activeFaults are the faults of the attempt's connection at its end: those
// its fault steps applied, but for those a heal removed before then. A
// heal after the end, the steps playing on, finds the end hidden already.
func activeFaults(s *scenario.Script, a *scenario.AttemptReport) []wstest.FaultSpec {
	return faultsOf(s, a, true)
}

// appliedFaults are the faults the attempt's steps applied, healed or
// not.
func appliedFaults(s *scenario.Script, a *scenario.AttemptReport) []wstest.FaultSpec {
	return faultsOf(s, a, false)
}

// faultsOf lists the faults of the attempt's fault steps, in order, each
// heal removing those before it when heals says so.
func faultsOf(s *scenario.Script, a *scenario.AttemptReport, heals bool) []wstest.FaultSpec {
	if a == nil {
		return nil
	}
	var out []wstest.FaultSpec
	for _, e := range a.Entries {
		st := stepOf(s, a, e)
		if st == nil || e.Kind != scenario.StepPlayed || e.Err != nil {
			continue
		}
		switch act := st.Action.(type) {
		case scenario.Inject:
			out = append(out, act.Fault.Spec())
		case scenario.Heal:
			if heals && (a.End.Kind == wstest.NotEnded || e.At < a.EndAt) {
				out = nil
			}
		}
	}
	return out
}

// playedRaw reports whether a raw step of the attempt played.
func playedRaw(s *scenario.Script, a *scenario.AttemptReport) bool {
	if a == nil {
		return false
	}
	for _, e := range a.Entries {
		if st := stepOf(s, a, e); st != nil && e.Err == nil {
			if _, ok := st.Action.(scenario.Raw); ok {
				return true
			}
		}
	}
	return false
}

// acceptedToFail reports whether the script accepted the attempt with an
// answer its client must fail (mustFail).
func acceptedToFail(o *Outcome, a *scenario.AttemptReport) bool {
	if a == nil || o.Script == nil || a.Attempt < 1 || a.Attempt > len(o.Script.Attempts) {
		return false
	}
	acc, ok := o.Script.Attempts[a.Attempt-1].Answer.(scenario.Accept)
	return ok && mustFail(o.Policy, acc)
}

// outagesOf are the times the attempt's down steps kept the server down.
func outagesOf(r *scenario.Report, s *scenario.Script, a *scenario.AttemptReport) []outage {
	var out []outage
	for _, e := range a.Entries {
		st := stepOf(s, a, e)
		if st == nil || e.Kind != scenario.StepPlayed {
			continue
		}
		if d, ok := st.Action.(scenario.Down); ok {
			to := r.Start.Add(e.At)
			out = append(out, outage{from: to.Add(-d.Duration), to: to})
		}
	}
	return out
}

// retryAfterOf is the Retry-After, in whole seconds (RFC 9110 §10.2.3),
// of the refusal that answered a, or zero.
func retryAfterOf(s *scenario.Script, a *scenario.AttemptReport) time.Duration {
	if s == nil || a == nil || a.Attempt < 1 || a.Attempt > len(s.Attempts) {
		return 0
	}
	ref, ok := s.Attempts[a.Attempt-1].Answer.(scenario.Refuse)
	if !ok {
		return 0
	}
	secs, err := strconv.Atoi(strings.TrimSpace(http.Header(ref.Header).Get("Retry-After")))
	if err != nil || secs < 0 {
		return 0
	}
	return time.Duration(secs) * time.Second
}

// gap is the check of the wait before attempt i of a log: when the
// attempt before it was over, the span the policy allows from then, and
// how many retries in a row it is.
type gap struct {
	i    int
	from time.Time
	want span
	// kLo and kHi bound the number of retries in a row: a connection
	// whose uptime the client may have seen either side of ResetAfter
	// leaves it open, and so do dials an outage hid.
	kLo, kHi int
	// why says what shaped the span, for messages: "", "Retry-After 5s",
	// "the server was down".
	why string
}

// got is the wait the client took, for a gap of an attempt it made.
func (g gap) got(fs []attemptFacts) time.Duration { return fs[g.i].rec.Time.Sub(g.from) }

// gaps returns the check of the wait before each attempt after the first,
// and of the one after the last (i == len(fs): the attempt the client
// should make next, if it should).
func gaps(p Policy, fs []attemptFacts, outages []outage) []gap {
	var out []gap
	kLo, kHi := 0, 0
	for i := 1; i <= len(fs); i++ {
		prev := fs[i-1]
		if prev.over.IsZero() {
			break // still open or pending: nothing comes after it yet
		}
		kLo, kHi = nextRetry(p, prev, kLo, kHi)
		g := gap{i: i, from: prev.over, kLo: kLo, kHi: kHi}
		lo, hi := p.retryWindow(kLo), p.retryWindow(kHi)
		// The client may have given the connection up before the server
		// saw it end, as late as a fault made that.
		g.want = span{lo: earlier(lo.lo, prev.late), hi: addWait(hi.hi, prev.hidden)}
		if prev.hidden == forever {
			g.want.open = true
		}
		if ra := prev.retryAfter; ra > 0 && p.RetryAfter {
			g.want.lo = max(g.want.lo, ra-p.tolerance())
			g.want.hi = max(g.want.hi, ra+p.tolerance())
			g.why = "Retry-After " + ra.String()
		}
		var next time.Time
		if i < len(fs) {
			next = fs[i].rec.Time
		}
		if up, ok := outageBetween(outages, letGo(prev), next); ok {
			// Dials were refused meanwhile, unlogged: the client's next
			// logged attempt comes within any retry's delay of the end of
			// the outage, whatever number of retries in a row it is.
			any := p.anyRetryWindow()
			g.want.hi = max(g.want.hi, up.Sub(prev.over)+any.hi)
			g.want.open = g.want.open || any.open
			kHi = maxRetryCount
			g.kHi = kHi
			g.why = "the server was down"
		}
		out = append(out, g)
	}
	return out
}

// nextRetry is the number of retries in a row of the attempt after prev,
// whose own was from kLo to kHi.
func nextRetry(p Policy, prev attemptFacts, kLo, kHi int) (int, int) {
	r := prev.rec
	if r.Outcome != wstest.Accepted || r.End.Kind == wstest.NotEnded {
		return kLo + 1, min(kHi, maxRetryCount-1) + 1
	}
	// The client may have seen the connection up longer than the server
	// did, as long as a fault hid its end (hidden), or shorter, as long as
	// one kept the client's goodbye from the server (late: a close frame
	// the client took and answered into a blackhole).
	up := r.End.Time.Sub(r.AnswerTime)
	switch {
	case up-min(prev.late, up) >= p.Backoff.ResetAfter:
		return 1, 1
	case addWait(up, prev.hidden) >= p.Backoff.ResetAfter:
		return 1, min(kHi, maxRetryCount-1) + 1 // it may have seen it up long enough, or not
	}
	return kLo + 1, min(kHi, maxRetryCount-1) + 1
}

// letGo is the earliest the client may have let go of the attempt of f:
// when it was over for the server, but as late as a fault made that; not
// before it came.
func letGo(f attemptFacts) time.Time {
	if f.late >= f.over.Sub(f.rec.Time) {
		return f.rec.Time
	}
	return f.over.Add(-f.late)
}

// earlier is lo moved back by late: the client may have let go of a
// connection that long before the server saw it end. Forever leaves no
// lower bound.
func earlier(lo, late time.Duration) time.Duration {
	if late == forever {
		return -forever
	}
	return lo - late
}

// addWait adds two waits, forever absorbing.
func addWait(a, b time.Duration) time.Duration {
	if a == forever || b == forever || a > forever-b {
		return forever
	}
	return a + b
}

// outageBetween returns the end of the last outage that overlaps the time
// from a to b (b zero: from a on), if one does.
func outageBetween(outages []outage, a, b time.Time) (time.Time, bool) {
	var up time.Time
	found := false
	for _, o := range outages {
		if o.to.After(a) && (b.IsZero() || o.from.Before(b)) && o.to.After(up) {
			up, found = o.to, true
		}
	}
	return up, found
}
