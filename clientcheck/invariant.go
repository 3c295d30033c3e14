package clientcheck

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wsdouble/wsdouble/internal/timeline"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// Invariant is a property every play of every script must have, checked on
// its Outcome. The battery checks the built-in ones (Invariants) on every
// case; a caller of Play checks them, and its own, on its scripts.
type Invariant struct {
	// Name names it in failures: "backoff", "healthy".
	Name string
	// Doc says what it requires.
	Doc string
	// Check returns nil, or what broke it: an error joining one
	// *Violation per problem.
	Check func(o *Outcome) error
}

// Violation is one way an outcome broke an invariant.
type Violation struct {
	// Invariant is the invariant's name.
	Invariant string
	// Attempt is the number, in the acceptor's log, of the attempt the
	// problem is about; 0 for none.
	Attempt int
	// Problem says what happened, and what the invariant wanted.
	Problem string
}

// Error returns "invariant: problem".
func (v *Violation) Error() string { return v.Invariant + ": " + v.Problem }

// invariants are the built-in invariants, in the order failures list
// them.
var invariants = []Invariant{
	{"backoff", "every retry comes within the policy's delay after the previous attempt was over, not sooner (a hot loop) and not later; after a failure the client comes back unless the policy gives up; a handshake is abandoned after ConnectTimeout (RFC 6455 §7.2.3: back off)", checkBackoff},
	{"healthy", "every connection meets the script's expectations: the Healthy steps, a resubscribe after each reconnect; but for one the connection ended before, not by the client's doing", checkHealthy},
	{"one-connection", "the client never dials while a connection of its own is open: never two at once", checkOneConnection},
	{"gives-up", "no attempt after a refusal with a GiveUpStatuses status, a close with a GiveUpCodes code that reached the client, or MaxRetries retries in a row", checkGivesUp},
	{"stops", "stop returns in time, closes the connection, gives up a pending attempt, and no goroutine of the client is left (inside a synctest bubble)", checkStops},
}

// Invariants returns the built-in invariants.
func Invariants() []Invariant { return slices.Clone(invariants) }

// CheckInvariants checks o against invs (the built-in ones when none are
// given) and returns every violation, joined, or nil.
func CheckInvariants(o *Outcome, invs ...Invariant) error {
	if len(invs) == 0 {
		invs = invariants
	}
	var errs []error
	for _, inv := range invs {
		errs = append(errs, inv.Check(o))
	}
	return errors.Join(errs...)
}

// violations lists the violations an error joins.
func violations(err error) []*Violation {
	if err == nil {
		return nil
	}
	var v *Violation
	if errors.As(err, &v) && v == err {
		return []*Violation{v}
	}
	var out []*Violation
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			out = append(out, violations(e)...)
		}
		return out
	}
	return []*Violation{{Problem: err.Error()}}
}

// offset says when t was in the play: "+3s".
func (o *Outcome) offset(t time.Time) string { return "+" + timeline.Duration(t.Sub(o.Start)) }

// how says how an attempt went: "refused 503", "dropped", "the client
// gave up on it".
func how(r wstest.AttemptRecord) string {
	switch r.Outcome {
	case wstest.Refused:
		return fmt.Sprintf("refused %d", r.Status)
	case wstest.Abandoned:
		return "given up by the client"
	case wstest.Aborted:
		return "aborted mid-handshake"
	case wstest.Accepted:
		if r.End.Kind != wstest.NotEnded {
			e := r.End
			e.Err = nil
			return "accepted, then " + e.String()
		}
		return "accepted"
	}
	return r.Outcome.String()
}

// retryText says which retry in a row a gap's attempt is: "retry 2",
// "retry 1 or 3".
func retryText(g gap) string {
	switch {
	case g.kHi >= maxRetryCount:
		return fmt.Sprintf("retry %d or later", g.kLo)
	case g.kLo == g.kHi:
		return fmt.Sprintf("retry %d", g.kLo)
	}
	return fmt.Sprintf("retry %d to %d", g.kLo, g.kHi)
}

// maxRetryCount stands for a retry count no one knows the top of.
const maxRetryCount = 1 << 30

// wantText says the span a gap allows: "1s", "800ms–1.2s", "at least 2s".
func wantText(s span) string {
	lo, hi := timeline.Duration(max(s.lo, 0)), timeline.Duration(s.hi)
	switch {
	case s.open:
		return "at least " + lo
	case lo == hi: // equal, or within what the text shows
		return lo
	}
	return lo + "–" + hi
}

// checkBackoff: every gap within its span, a return after the last
// failure, handshakes abandoned after ConnectTimeout.
func checkBackoff(o *Outcome) error {
	p := o.Policy
	fs, outages := facts(o)
	var errs []error
	add := func(n int, format string, args ...any) {
		errs = append(errs, &Violation{Invariant: "backoff", Attempt: n, Problem: fmt.Sprintf(format, args...)})
	}
	if len(fs) == 0 && !o.StopAt.IsZero() {
		add(0, "the client made no attempt at all in the %s before it was stopped", timeline.Duration(o.StopAt.Sub(o.Start)))
	}
	for _, g := range gaps(p, fs, outages) {
		prev := fs[g.i-1]
		if why, _ := givesUpAfter(p, prev); why != "" || p.MaxRetries > 0 && g.kLo > p.MaxRetries {
			continue // the gives-up invariant's
		}
		why := retryText(g) + " in a row"
		if g.why != "" {
			why += ", " + g.why
		}
		if g.i == len(fs) {
			comesBack(o, g, prev, why, add)
			continue
		}
		got := g.got(fs)
		n := fs[g.i].rec.N
		switch {
		case got < g.want.lo:
			add(n, "attempt #%d came %s after #%d was over (%s), want %s (%s): sooner than the policy allows",
				n, timeline.Duration(got), prev.rec.N, how(prev.rec), wantText(g.want), why)
		case !g.want.open && got > g.want.hi:
			add(n, "attempt #%d came %s after #%d was over (%s), want %s (%s): later than the policy allows",
				n, timeline.Duration(got), prev.rec.N, how(prev.rec), wantText(g.want), why)
		}
	}
	for _, f := range fs {
		connectTimeout(o, f.rec, add)
	}
	return errors.Join(errs...)
}

// comesBack checks that the client made the attempt g is about, after the
// last one of the log, if the play lasted long enough for it to.
func comesBack(o *Outcome, g gap, prev attemptFacts, why string, add func(int, string, ...any)) {
	p := o.Policy
	if g.want.open || o.StopAt.IsZero() || !prev.over.Before(o.StopAt) {
		return
	}
	if p.MaxRetries > 0 && g.kHi > p.MaxRetries {
		return // it may have given up, as the policy says
	}
	if deadline := g.from.Add(g.want.hi); o.StopAt.After(deadline) {
		add(prev.rec.N, "after #%d was over (%s, at %s), the client made no attempt in the %s until it was stopped, want one within %s (%s): it stopped coming back",
			prev.rec.N, how(prev.rec), o.offset(prev.over), timeline.Duration(o.StopAt.Sub(prev.over)), timeline.Duration(g.want.hi), why)
	}
}

// connectTimeout checks that the client gave up on an unanswered
// handshake after its ConnectTimeout, neither sooner nor later. An attempt
// it gave up only when stopped counts as one it was still waiting for.
func connectTimeout(o *Outcome, r wstest.AttemptRecord, add func(int, string, ...any)) {
	ct, tol := o.Policy.ConnectTimeout, o.Policy.tolerance()
	if ct == 0 {
		return
	}
	stopped := !o.StopAt.IsZero()
	switch {
	case r.Outcome == wstest.Abandoned && (!stopped || r.AnswerTime.Before(o.StopAt)):
		if waited := r.AnswerTime.Sub(r.Time); waited < ct-tol || waited > ct+tol {
			add(r.N, "attempt #%d was given up %s after it came, want %s (ConnectTimeout)", r.N, timeline.Duration(waited), timeline.Duration(ct))
		}
	case r.Outcome == wstest.Accepted:
		if waited := r.AnswerTime.Sub(r.Time); waited > ct+tol {
			add(r.N, "attempt #%d took an answer that came %s after it, want it given up after %s (ConnectTimeout)", r.N, timeline.Duration(waited), timeline.Duration(ct))
		}
	case r.Outcome == wstest.Abandoned || r.Outcome == wstest.Pending || r.Outcome == wstest.Hung:
		if waited := o.StopAt.Sub(r.Time); stopped && waited > ct+tol {
			add(r.N, "attempt #%d was still waiting for its answer %s after it came, when the client was stopped, want it given up after %s (ConnectTimeout)", r.N, timeline.Duration(waited), timeline.Duration(ct))
		}
	}
}

// givesUpAfter says why the policy gives up after the attempt of f ("the
// status 401", "the close code 4001"), or "", and whether the client
// surely knew: a fault that hid the connection's end from the client (a
// blackhole towards it, a stall) may have kept the close frame, and its
// code, from it until its keepalive had given the connection up; a
// connection the client may have failed first (attemptFacts.mayFail)
// too.
func givesUpAfter(p Policy, f attemptFacts) (why string, known bool) {
	r := f.rec
	switch {
	case r.Outcome == wstest.Refused && p.givesUpOnStatus(r.Status):
		return fmt.Sprintf("the status %d", r.Status), true
	case r.Outcome == wstest.Accepted && r.End.Kind == wstest.ServerClosed && p.givesUpOnCode(r.End.Code):
		return fmt.Sprintf("the close code %d", r.End.Code), f.hidden == 0 && !f.mayFail
	}
	return "", false
}

// checkGivesUp: no attempt after a give-up status or code, or past
// MaxRetries.
func checkGivesUp(o *Outcome) error {
	p := o.Policy
	fs, outages := facts(o)
	var errs []error
	for _, g := range gaps(p, fs, outages) {
		if g.i == len(fs) {
			break
		}
		prev, r := fs[g.i-1].rec, fs[g.i].rec
		if why, known := givesUpAfter(p, fs[g.i-1]); why != "" && known {
			errs = append(errs, &Violation{Invariant: "gives-up", Attempt: r.N, Problem: fmt.Sprintf(
				"attempt #%d came %s after #%d was %s, want none: the policy gives up on %s",
				r.N, timeline.Duration(g.got(fs)), prev.N, how(prev), why)})
		} else if p.MaxRetries > 0 && g.kLo > p.MaxRetries {
			errs = append(errs, &Violation{Invariant: "gives-up", Attempt: r.N, Problem: fmt.Sprintf(
				"attempt #%d is %s in a row, want none: the policy gives up after %d", r.N, retryText(g), p.MaxRetries)})
		}
	}
	return errors.Join(errs...)
}

// checkHealthy: every expectation of the script met. A step the server
// could not play (a close on a connection already gone) is not the
// client's failure, nor an expectation the connection ended before (see
// endedFirst).
func checkHealthy(o *Outcome) error {
	if o.Report == nil {
		return nil
	}
	var errs []error
	for _, m := range o.Report.Mismatches {
		if m.Step < 1 || m.Attempt < 1 || m.Attempt > len(o.Script.Attempts) {
			continue
		}
		steps := o.Script.Attempts[m.Attempt-1].Steps
		if m.Step > len(steps) || !strings.HasPrefix(steps[m.Step-1].Action.Name(), "expect") || endedFirst(o, m) {
			continue
		}
		errs = append(errs, &Violation{Invariant: "healthy", Attempt: m.N, Problem: m.Error()})
	}
	if n := o.Report.UnkeptMismatches; n > 0 {
		errs = append(errs, &Violation{Invariant: "healthy", Problem: fmt.Sprintf("… and %d more mismatches", n)})
	}
	return errors.Join(errs...)
}

// endedFirst reports whether the connection of a mismatch had ended when
// its expectation gave up, and not by the client's fault: the server
// ended it (a close, a drop, a reset the script or a fault played); or
// the client let it go as it may, the handshake answered when its
// ConnectTimeout was up, or must, answered with a subprotocol it did not
// offer or none when it offered some (RFC 6455 §4.1; the Fetch
// standard). A generated schedule puts such ends where it
// likes; the client cannot be held to say what it had no connection to
// say it on. A connection the client itself let go of without cause
// still fails the expectation.
func endedFirst(o *Outcome, m scenario.Mismatch) bool {
	i := slices.IndexFunc(o.Attempts, func(r wstest.AttemptRecord) bool { return r.N == m.N })
	if i < 0 || o.Attempts[i].End.Kind == wstest.NotEnded {
		return false
	}
	end := o.Attempts[i].End
	at, closed, ok := mismatchAt(o.Report, m)
	if !ok || at.Before(end.Time) || closed {
		return false // it gave up while the connection was open, which the player then closed
	}
	switch end.Kind {
	case wstest.ServerClosed, wstest.Dropped, wstest.Reset, wstest.Shutdown:
		return true
	}
	r, p := o.Attempts[i], o.Policy
	if ct := p.ConnectTimeout; ct > 0 && r.AnswerTime.Sub(r.Time) >= ct-p.tolerance() {
		return true // answered when the client was giving it up (see connectTimeout)
	}
	acc, ok := o.Script.Attempts[m.Attempt-1].Answer.(scenario.Accept)
	return ok && mustFail(p, acc)
}

// mismatchAt is when the expectation of m gave up, and whether the
// player then closed the connection (scenario.MismatchCloseCode), which
// it does only to a connection still open.
func mismatchAt(r *scenario.Report, m scenario.Mismatch) (at time.Time, closed, ok bool) {
	for _, a := range r.Attempts {
		if a.N != m.N {
			continue
		}
		for _, e := range a.Entries {
			switch {
			case e.Step == m.Step && e.Err != nil:
				at, ok = r.Start.Add(e.At), true
			case e.Kind == scenario.AfterMismatch:
				closed = strings.Contains(e.Detail, fmt.Sprintf("close %d", scenario.MismatchCloseCode))
			}
		}
	}
	return at, closed, ok
}

// mustFail reports whether a client of policy p must fail a connection
// accepted with acc: a subprotocol it did not offer, or none when it
// offered some (RFC 6455 §4.1; the Fetch standard).
func mustFail(p Policy, acc scenario.Accept) bool {
	switch acc.Subprotocol {
	case "":
		return false
	case wstest.NoSubprotocol:
		return len(p.Protocols) > 0
	}
	return !slices.Contains(p.Protocols, acc.Subprotocol)
}

// checkOneConnection: no attempt while an accepted connection is open,
// but for what a fault may have kept the server from seeing of the
// client's goodbye.
func checkOneConnection(o *Outcome) error {
	fs, _ := facts(o)
	tol := o.Policy.tolerance()
	var errs []error
	for j := 1; j < len(fs); j++ {
		b := fs[j].rec
		for i := range j {
			a := fs[i]
			if a.rec.Outcome != wstest.Accepted || a.late == forever || b.Time.Before(a.rec.AnswerTime) {
				continue
			}
			ended := a.rec.End.Kind != wstest.NotEnded
			if ended && !b.Time.Before(a.rec.End.Time.Add(-a.late-tol)) {
				continue
			}
			until := "still open at the end"
			if ended {
				until = "until " + o.offset(a.rec.End.Time)
			}
			errs = append(errs, &Violation{Invariant: "one-connection", Attempt: b.N, Problem: fmt.Sprintf(
				"attempt #%d came at %s while the connection of #%d (accepted at %s) was open (%s): two connections at once",
				b.N, o.offset(b.Time), a.rec.N, o.offset(a.rec.AnswerTime), until)})
			break
		}
	}
	return errors.Join(errs...)
}

// checkStops: stop returned in time, no attempt after it, every
// connection closed and attempt given up by the client, no goroutine left.
func checkStops(o *Outcome) error {
	var errs []error
	add := func(n int, format string, args ...any) {
		errs = append(errs, &Violation{Invariant: "stops", Attempt: n, Problem: fmt.Sprintf(format, args...)})
	}
	if o.StopErr != nil {
		add(0, "stop: %v (after %s)", o.StopErr, timeline.Duration(o.StoppedAt.Sub(o.StopAt)))
	}
	fs, _ := facts(o)
	for _, f := range fs {
		r := f.rec
		switch {
		case !o.StopAt.IsZero() && r.Time.After(o.StopAt):
			add(r.N, "attempt #%d came %s after the client was asked to stop", r.N, timeline.Duration(r.Time.Sub(o.StopAt)))
		case r.Outcome == wstest.Hung:
			add(r.N, "attempt #%d was still waiting for its answer when the server end closed, after stop returned: the client did not give it up", r.N)
		case r.End.Kind == wstest.Shutdown && !f.closeLost:
			add(r.N, "the connection of attempt #%d was still open when the server end closed, after stop returned: the client did not close it", r.N)
		}
	}
	for _, err := range o.Problems {
		add(0, "the server end: %v", err)
	}
	if len(o.Leaks) > 0 {
		var b strings.Builder
		fmt.Fprintf(&b, "%s of the client still running after stop returned:", plural(len(o.Leaks), "goroutine"))
		for _, g := range o.Leaks {
			b.WriteString("\n" + indent(g.Stack, "    "))
		}
		add(0, "%s", b.String())
	}
	return errors.Join(errs...)
}

// plural says n things: "1 goroutine", "2 goroutines".
func plural(n int, one string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %ss", n, one)
}

// indent puts prefix before every line of s.
func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+prefix)
}
