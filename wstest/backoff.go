package wstest

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/wsdouble/wsdouble/internal/timeline"
)

// AttemptLog is anything with an attempt log: a Server, a FakeDialer, any
// Acceptor.
type AttemptLog interface {
	Attempts() []AttemptRecord
}

// Timeline formats an attempt log, one line per attempt: its number, when
// it arrived (from the first attempt), the gap since the previous attempt
// ended, how it was answered, the messages each way and how it ended.
//
//	#  at      gap   answer       messages  end
//	1  +0s     -     refused 503  -         -
//	2  +1s     1s    accepted     ↓1 ↑0     dropped at +1s
func Timeline(log []AttemptRecord) string {
	return timeline.Format(timelineRows(log, nil), "")
}

func timelineRows(log []AttemptRecord, notes map[int]string) []timeline.Row {
	rows := make([]timeline.Row, len(log))
	for i, r := range log {
		row := timeline.Row{N: r.N, At: r.Time.Sub(log[0].Time), Answer: answer(r),
			ToClient: r.ToClient, FromClient: r.FromClient, Note: notes[i]}
		if i > 0 {
			row.Gap, row.HasGap = r.Time.Sub(endOf(log[i-1])), true
		}
		if r.End.Kind != NotEnded {
			row.End, row.EndAt = r.End.String(), r.End.Time.Sub(log[0].Time)
		}
		rows[i] = row
	}
	return rows
}

func answer(r AttemptRecord) string {
	switch r.Outcome {
	case Refused:
		return fmt.Sprintf("refused %d", r.Status)
	case Accepted:
		if r.Protocol != "" {
			return "accepted " + r.Protocol
		}
	case Abandoned:
		return "abandoned after " + timeline.Duration(r.AnswerTime.Sub(r.Time))
	}
	return r.Outcome.String()
}

// endOf is when, as the client saw it, an attempt was over: when its
// connection ended, or when it was answered (or given up) if it never
// opened. A reconnection delay runs from there.
func endOf(r AttemptRecord) time.Time {
	switch {
	case r.End.Kind != NotEnded:
		return r.End.Time
	case !r.AnswerTime.IsZero():
		return r.AnswerTime
	}
	return r.Time
}

// Gaps returns, for each attempt after the first, the time between the end
// of the previous attempt (see Backoff) and its arrival.
func Gaps(log []AttemptRecord) []time.Duration {
	var gaps []time.Duration
	for i := 1; i < len(log); i++ {
		gaps = append(gaps, log[i].Time.Sub(endOf(log[i-1])))
	}
	return gaps
}

// Backoff is a reconnection policy: the delays a client should wait between
// the end of one attempt and the start of the next. It is the policy of
// reconnecting-websocket and medplum's ReconnectingWebSocket:
//
//   - the first attempt has no delay;
//   - the k-th retry in a row waits Min × Factor^(k-1), capped at Max;
//   - a connection that stayed open at least ResetAfter starts the count
//     over: the next attempt waits Min again.
//
// A delay runs from when the previous attempt was over for the client:
// when its connection ended, or when the handshake was refused, or when the
// client gave up on it.
type Backoff struct {
	// Min is the first retry's delay.
	Min time.Duration
	// Max caps every delay; zero means no cap.
	Max time.Duration
	// Factor is the growth from one retry to the next; zero means 1.
	Factor float64
	// Jitter is how far a delay may stray, as a fraction of it, either way:
	// 0.2 allows 80%–120% of the nominal delay.
	Jitter float64
	// Tolerance is extra slack on every delay, for real time. Under
	// testing/synctest delays are exact, and zero is right.
	Tolerance time.Duration
	// ResetAfter is how long a connection must stay open to reset the
	// delay to Min. Zero means any accepted connection resets it.
	ResetAfter time.Duration
}

// String describes the policy, for messages.
func (b Backoff) String() string {
	s := fmt.Sprintf("min %v", b.Min)
	if f := b.factor(); f != 1 {
		s += fmt.Sprintf(", ×%g", f)
	}
	if b.Max > 0 {
		s += fmt.Sprintf(", max %v", b.Max)
	}
	if b.Jitter > 0 {
		s += fmt.Sprintf(", jitter ±%g%%", b.Jitter*100)
	}
	if b.Tolerance > 0 {
		s += fmt.Sprintf(", tolerance %v", b.Tolerance)
	}
	return s + fmt.Sprintf(", reset after %v up", b.ResetAfter)
}

func (b Backoff) factor() float64 {
	if b.Factor == 0 {
		return 1
	}
	return b.Factor
}

// Delay returns the nominal delay before the k-th retry in a row (k ≥ 1).
func (b Backoff) Delay(k int) time.Duration {
	d := float64(b.Min) * math.Pow(b.factor(), float64(k-1))
	if b.Max > 0 && d > float64(b.Max) {
		return b.Max
	}
	if d > math.MaxInt64 {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(d)
}

func (b Backoff) validate() error {
	switch {
	case b.Min < 0 || b.Max < 0 || b.Tolerance < 0 || b.ResetAfter < 0:
		return errors.New("wstest: Backoff: negative duration")
	case b.Factor < 0 || math.IsNaN(b.Factor) || math.IsInf(b.Factor, 0):
		return fmt.Errorf("wstest: Backoff: invalid Factor %v", b.Factor)
	case b.Jitter < 0 || b.Jitter > 1 || math.IsNaN(b.Jitter):
		return fmt.Errorf("wstest: Backoff: Jitter %v is not in [0, 1]", b.Jitter)
	case b.Max > 0 && b.Max < b.Min:
		return fmt.Errorf("wstest: Backoff: Max %v is below Min %v", b.Max, b.Min)
	}
	return nil
}

// BackoffOption changes what CheckBackoff (and AssertBackoff,
// RequireBackoff) requires of a log besides its delays.
type BackoffOption interface {
	applyBackoff(*backoffCheck)
}

type backoffCheck struct {
	minAttempts int
}

type backoffOptionFunc func(*backoffCheck)

func (f backoffOptionFunc) applyBackoff(c *backoffCheck) { f(c) }

// WantAttempts makes the check fail unless the log holds at least n
// attempts, that is n-1 delays to check: a test that played ten attempts
// says WantAttempts(10), and a log that stopped short (the client gave up
// early, a scenario's Wait returned before its last attempt) fails instead
// of passing on the few delays it has. Without it, a log needs two
// attempts: one delay. The check reads every delay the log has, more than
// n-1 included.
func WantAttempts(n int) BackoffOption {
	return backoffOptionFunc(func(c *backoffCheck) { c.minAttempts = max(n, 2) })
}

// CheckBackoff checks every delay of the log against the policy: the
// delay before each attempt after the first, from attempt #2 to the last.
// It returns nil, or one error that says which attempts it checked, lists
// each delay off the policy, and then the timeline, the offending attempts
// marked. A log with fewer attempts than WantAttempts asks for (two by
// default) fails too: a check of no delay would pass for the wrong
// reason.
func CheckBackoff(log []AttemptRecord, b Backoff, opts ...BackoffOption) error {
	if err := b.validate(); err != nil {
		return err
	}
	c := backoffCheck{minAttempts: 2}
	for _, o := range opts {
		if o != nil {
			o.applyBackoff(&c)
		}
	}
	notes := map[int]string{}
	var problems []string
	for _, g := range checkGaps(log, b) {
		if g.off() {
			notes[g.i] = "✗ want gap " + g.wantText()
			problems = append(problems, fmt.Sprintf("attempt #%d came %v after #%d was over, want %s (retry %d in a row)",
				log[g.i].N, timeline.Duration(g.got), log[g.i-1].N, g.wantText(), g.retry))
		}
	}
	var head []string
	if len(log) < c.minAttempts {
		head = append(head, fmt.Sprintf("wstest: backoff: the log has %s, want at least %d: %s",
			plural(len(log), "attempt"), c.minAttempts, checkedText(log)))
	}
	if len(problems) > 0 {
		head = append(head, fmt.Sprintf("wstest: backoff: %d of %d delays off the policy (%s; %v):\n  %s",
			len(problems), len(log)-1, checkedText(log), b, strings.Join(problems, "\n  ")))
	}
	if len(head) == 0 {
		return nil
	}
	return fmt.Errorf("%s\ntimeline:\n%s", strings.Join(head, "\n"), timeline.Format(timelineRows(log, notes), "  "))
}

// gapCheck is the check of the delay before attempt i of a log.
type gapCheck struct {
	i int
	// retry is how many retries in a row attempt i is.
	retry int
	// want is the nominal delay, lo and hi the bounds of the delays the
	// policy allows, got the delay.
	want, lo, hi, got time.Duration
}

// checkGaps checks the delay before each attempt of log after the first.
func checkGaps(log []AttemptRecord, b Backoff) []gapCheck {
	var gaps []gapCheck
	k := 0 // retries in a row before attempt i
	for i := 1; i < len(log); i++ {
		prev := log[i-1]
		if prev.Outcome == Accepted && prev.End.Kind != NotEnded && prev.End.Time.Sub(prev.AnswerTime) >= b.ResetAfter {
			k = 1
		} else {
			k++
		}
		want := b.Delay(k)
		gaps = append(gaps, gapCheck{i: i, retry: k, want: want,
			lo:  time.Duration(float64(want)*(1-b.Jitter)) - b.Tolerance,
			hi:  time.Duration(float64(want)*(1+b.Jitter)) + b.Tolerance,
			got: log[i].Time.Sub(endOf(prev))})
	}
	return gaps
}

func (g gapCheck) off() bool { return g.got < g.lo || g.got > g.hi }

// wantText says the delays the policy allows: "2s", "1.6s–2.4s".
func (g gapCheck) wantText() string {
	if g.lo == g.hi {
		return timeline.Duration(g.want)
	}
	return timeline.Duration(max(g.lo, 0)) + "–" + timeline.Duration(g.hi)
}

// checkedText says which delays a check read.
func checkedText(log []AttemptRecord) string {
	switch len(log) {
	case 0, 1:
		return "no delay to check"
	case 2:
		return fmt.Sprintf("only the delay before #%d checked", log[1].N)
	}
	return fmt.Sprintf("the delays before #%d to #%d checked", log[1].N, log[len(log)-1].N)
}

func plural(n int, one string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %ss", n, one)
}

// AssertBackoff checks the log of acc with CheckBackoff and reports a
// failure with t.Errorf. It returns whether the check passed.
func AssertBackoff(t TB, acc AttemptLog, b Backoff, opts ...BackoffOption) bool {
	t.Helper()
	log := acc.Attempts()
	if err := CheckBackoff(log, b, opts...); err != nil {
		t.Errorf("%v%s", err, drawBackoff(t, log, b, err))
		return false
	}
	return true
}

// RequireBackoff is AssertBackoff, but stops the test with t.Fatalf.
func RequireBackoff(t TB, acc AttemptLog, b Backoff, opts ...BackoffOption) {
	t.Helper()
	log := acc.Attempts()
	if err := CheckBackoff(log, b, opts...); err != nil {
		t.Fatalf("%v%s", err, drawBackoff(t, log, b, err))
	}
}

// CheckAttempts returns an error, with the timeline, unless the log holds
// exactly n attempts.
func CheckAttempts(log []AttemptRecord, n int) error {
	if len(log) == n {
		return nil
	}
	return fmt.Errorf("wstest: attempts: got %d, want %d\ntimeline:\n%s", len(log), n, timeline.Format(timelineRows(log, nil), "  "))
}

// AssertAttempts checks that acc has logged exactly n attempts, reporting a
// failure with t.Errorf. It returns whether the check passed.
func AssertAttempts(t TB, acc AttemptLog, n int) bool {
	t.Helper()
	log := acc.Attempts()
	if err := CheckAttempts(log, n); err != nil {
		t.Errorf("%v%s", err, drawAttempts(t, log, err))
		return false
	}
	return true
}

// RequireAttempts is AssertAttempts, but stops the test with t.Fatalf.
func RequireAttempts(t TB, acc AttemptLog, n int) {
	t.Helper()
	log := acc.Attempts()
	if err := CheckAttempts(log, n); err != nil {
		t.Fatalf("%v%s", err, drawAttempts(t, log, err))
	}
}
