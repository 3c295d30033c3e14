package clientcheck_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wsdouble/wsdouble/clientcheck"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// The invariants on outcomes written by hand: a log of attempts, and
// where the checks need them, a script and its report.

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// at is t0 plus s seconds.
func at(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

func refused(n int, when float64, status int) wstest.AttemptRecord {
	return wstest.AttemptRecord{N: n, Time: at(when), Outcome: wstest.Refused, Status: status, AnswerTime: at(when)}
}

func accepted(n int, when, end float64, kind wstest.EndKind, code int) wstest.AttemptRecord {
	r := wstest.AttemptRecord{N: n, Time: at(when), Outcome: wstest.Accepted, Status: 101, AnswerTime: at(when)}
	if kind != wstest.NotEnded {
		r.End = wstest.End{Kind: kind, Code: code, Time: at(end)}
	}
	return r
}

var testPolicy = clientcheck.Policy{
	Backoff:        wstest.Backoff{Min: time.Second, Factor: 2, Max: 8 * time.Second, ResetAfter: 5 * time.Second},
	MaxRetries:     3,
	GiveUpStatuses: []int{401},
	GiveUpCodes:    []int{4001},
	ConnectTimeout: 4 * time.Second,
	Keepalive:      15 * time.Second,
}

func outcome(stop float64, log ...wstest.AttemptRecord) *clientcheck.Outcome {
	return &clientcheck.Outcome{Policy: testPolicy, Start: t0, StopAt: at(stop), StoppedAt: at(stop), Attempts: log}
}

func TestInvariants(t *testing.T) {
	tests := []struct {
		name string
		o    *clientcheck.Outcome
		want []string // the violations, one per line, or none
	}{
		{"a retry after the first delay", outcome(20, refused(1, 0, 503), accepted(2, 1, 0, wstest.NotEnded, 0)), nil},
		{"a hot loop", outcome(20, refused(1, 0, 503), accepted(2, 0, 0, wstest.NotEnded, 0)),
			[]string{"backoff: attempt #2 came 0s after #1 was over (refused 503), want 1s (retry 1 in a row): sooner than the policy allows"}},
		{"a stall", outcome(20, refused(1, 0, 503), refused(2, 1, 503), accepted(3, 5, 0, wstest.NotEnded, 0)),
			[]string{"backoff: attempt #3 came 4s after #2 was over (refused 503), want 2s (retry 2 in a row): later than the policy allows"}},
		{"the count starts over after a long connection", outcome(30, refused(1, 0, 503), refused(2, 1, 503), accepted(3, 3, 9, wstest.Dropped, 0), accepted(4, 10, 0, wstest.NotEnded, 0)), nil},
		{"no start over after a short one", outcome(30, refused(1, 0, 503), refused(2, 1, 503), accepted(3, 3, 4, wstest.Dropped, 0), accepted(4, 5, 0, wstest.NotEnded, 0)),
			[]string{"backoff: attempt #4 came 1s after #3 was over (accepted, then dropped), want 4s (retry 3 in a row): sooner than the policy allows"}},
		{"no comeback", outcome(20, refused(1, 0, 503)),
			[]string{"backoff: after #1 was over (refused 503, at +0s), the client made no attempt in the 20s until it was stopped, want one within 1s (retry 1 in a row): it stopped coming back"}},
		{"no attempt at all", outcome(20), []string{"backoff: the client made no attempt at all in the 20s before it was stopped"}},
		{"gives up on a status", outcome(20, refused(1, 0, 401)), nil},
		{"does not give up on a status", outcome(20, refused(1, 0, 401), accepted(2, 1, 0, wstest.NotEnded, 0)),
			[]string{"gives-up: attempt #2 came 1s after #1 was refused 401, want none: the policy gives up on the status 401"}},
		{"does not give up on a code", outcome(20, accepted(1, 0, 1, wstest.ServerClosed, 4001), accepted(2, 2, 0, wstest.NotEnded, 0)),
			[]string{"gives-up: attempt #2 came 1s after #1 was accepted, then server closed 4001 unclean, want none: the policy gives up on the close code 4001"}},
		{"past MaxRetries", outcome(40, refused(1, 0, 503), refused(2, 1, 503), refused(3, 3, 503), refused(4, 7, 503), refused(5, 15, 503)),
			[]string{"gives-up: attempt #5 is retry 4 in a row, want none: the policy gives up after 3"}},
		{"two connections", outcome(20, accepted(1, 0, 0, wstest.NotEnded, 0), accepted(2, 1, 0, wstest.NotEnded, 0)),
			[]string{"one-connection: attempt #2 came at +1s while the connection of #1 (accepted at +0s) was open (still open at the end): two connections at once"}},
		// A TLS handshake the client failed at the instant it began: the
		// real client tells its listeners a nanosecond later.
		{"a retry a nanosecond late after an abort", outcome(20, wstest.AttemptRecord{N: 1, Time: at(0), Outcome: wstest.Aborted, AnswerTime: at(0)},
			accepted(2, 1+1e-9, 0, wstest.NotEnded, 0)), nil},
		{"a retry later than that", outcome(20, wstest.AttemptRecord{N: 1, Time: at(0), Outcome: wstest.Aborted, AnswerTime: at(0)},
			accepted(2, 1+2e-9, 0, wstest.NotEnded, 0)),
			[]string{"backoff: attempt #2 came 1s after #1 was over (aborted mid-handshake), want 1s (retry 1 in a row): later than the policy allows"}},
		{"a handshake given up early", outcome(20, wstest.AttemptRecord{N: 1, Time: at(0), Outcome: wstest.Abandoned, AnswerTime: at(1)}, accepted(2, 2, 0, wstest.NotEnded, 0)),
			[]string{"backoff: attempt #1 was given up 1s after it came, want 4s (ConnectTimeout)"}},
		{"a handshake never given up", outcome(20, wstest.AttemptRecord{N: 1, Time: at(0), Outcome: wstest.Hung}),
			[]string{
				"backoff: attempt #1 was still waiting for its answer 20s after it came, when the client was stopped, want it given up after 4s (ConnectTimeout)",
				"stops: attempt #1 was still waiting for its answer when the server end closed, after stop returned: the client did not give it up",
			}},
		{"a connection left open", outcome(20, accepted(1, 0, 20, wstest.Shutdown, 0)),
			[]string{"stops: the connection of attempt #1 was still open when the server end closed, after stop returned: the client did not close it"}},
		{"an attempt after the stop", outcome(20, accepted(1, 0, 20, wstest.ClientClosed, 1000), accepted(2, 21, 21, wstest.ClientClosed, 1000)),
			[]string{"stops: attempt #2 came 1s after the client was asked to stop"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			if err := clientcheck.CheckInvariants(tt.o); err != nil {
				got = strings.Split(err.Error(), "\n")
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("violations:\n  got  %q\n  want %q", got, tt.want)
			}
		})
	}
}

// TestInvariantsAllowForFaults: a wait measured from an end the client
// could not see (a half-open connection: its keepalive finds out), or
// across an outage whose refused dials no log shows, is not held to the
// bare delay.
func TestInvariantsAllowForFaults(t *testing.T) {
	halfOpen := &scenario.Script{Attempts: []scenario.Attempt{{Answer: scenario.Accept{}, Steps: []scenario.Step{
		{Action: scenario.Inject{Fault: wstest.Blackhole().Only(wstest.ToClient)}}, {Action: scenario.Drop{}},
	}}}}
	down := &scenario.Script{Attempts: []scenario.Attempt{{Answer: scenario.Accept{}, Steps: []scenario.Step{
		{Action: scenario.DropAll{}}, {Action: scenario.Down{Duration: 10 * time.Second}},
	}}}}
	played := func(s *scenario.Script, steps ...float64) *scenario.Report {
		a := scenario.AttemptReport{Attempt: 1, N: 1}
		for i, when := range steps {
			a.Entries = append(a.Entries, scenario.Entry{At: at(when).Sub(t0), Step: i + 1, Action: s.Attempts[0].Steps[i].Action.Name()})
		}
		return &scenario.Report{Start: t0, Attempts: []scenario.AttemptReport{a}}
	}
	for _, tt := range []struct {
		name   string
		s      *scenario.Script
		steps  []float64
		next   float64 // when attempt 2 came
		within bool    // the invariants hold
	}{
		{"half-open: noticed within the keepalive", halfOpen, []float64{1, 1}, 1 + 15 + 1, true},
		{"half-open: later than the keepalive", halfOpen, []float64{1, 1}, 1 + 15 + 2, false},
		{"down: back within the longest delay of the server", down, []float64{1, 11}, 11 + 8, true},
		{"down: later than that", down, []float64{1, 11}, 11 + 9, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := outcome(60, accepted(1, 0, 1, wstest.Dropped, 0), accepted(2, tt.next, 0, wstest.NotEnded, 0))
			o.Script, o.Report = tt.s, played(tt.s, tt.steps...)
			err := clientcheck.CheckInvariants(o)
			if (err == nil) != tt.within {
				t.Errorf("CheckInvariants: %v, want it to hold: %v", err, tt.within)
			}
			var v *clientcheck.Violation
			if err != nil && (!errors.As(err, &v) || v.Invariant != "backoff" || v.Attempt != 2) {
				t.Errorf("CheckInvariants: %#v, want a backoff violation about attempt #2", v)
			}
		})
	}
}
