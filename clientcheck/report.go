package clientcheck

import (
	"fmt"
	"slices"
	"strings"

	"github.com/wsdouble/wsdouble/internal/timeline"
	"github.com/wsdouble/wsdouble/wstest"
)

// How a failed case reads: what the case does and wants, each violation,
// then the attempts as the server saw them (the offending ones marked),
// then the script's own report, step by step.
//
//	refuse/503: the handshake is refused with 503, then accepted; want: retries after ...
//	  backoff: attempt #2 came 0s after #1 was over (refused 503), want 1s (retry 1 in a row): ...
//	  attempts (the fake; min 1s, ×2, max 8s, reset after 5s up; stopped at +17s: ...):
//	    #  at   gap  answer       messages  end
//	    1  +0s  -    refused 503  -         -
//	    2  +0s  0s   accepted     ↓0 ↑1     client closed 1000 clean at +17s  ✗ backoff
//	  scenario "refuse/503": 2 attempts played, ok
//	  ...
func formatFailure(c Case, o *Outcome, err error) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s; want: %s", c.Name, c.Doc, c.Expect)
	if c.Cite != "" {
		fmt.Fprintf(&b, " (%s)", c.Cite)
	}
	b.WriteString("\n")
	b.WriteString(formatOutcome(o, err))
	return b.String()
}

// formatOutcome is how a play that broke invariants reads, in a failed
// case and in what Explore found: each violation, then the attempts as
// the server saw them, then the script's own report.
func formatOutcome(o *Outcome, err error) string {
	var b strings.Builder
	vs := violations(err)
	for _, v := range vs {
		b.WriteString(indent(v.Error(), "  ") + "\n")
	}
	fmt.Fprintf(&b, "  attempts (%s; %v; stopped at %s: %v):\n", transportText(o.Transport), o.Policy.Backoff, o.offset(o.StopAt), o.Settled)
	b.WriteString(attemptTable(o, vs, "    "))
	if o.Report != nil {
		b.WriteString(indent(o.Report.String(), "  ") + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// transportText names a transport in a sentence.
func transportText(tr Transport) string {
	if tr == TransportFake {
		return "the fake"
	}
	return tr.String()
}

// attemptTable is the log of o as a table, each attempt a violation is
// about marked with the invariants it broke.
func attemptTable(o *Outcome, vs []*Violation, prefix string) string {
	if len(o.Attempts) == 0 {
		return prefix + "no attempt at all\n"
	}
	marks := map[int][]string{}
	for _, v := range vs {
		if v.Attempt > 0 && !slices.Contains(marks[v.Attempt], v.Invariant) {
			marks[v.Attempt] = append(marks[v.Attempt], v.Invariant)
		}
	}
	log := slices.Clone(o.Attempts)
	slices.SortStableFunc(log, func(a, b wstest.AttemptRecord) int { return a.Time.Compare(b.Time) })
	rows := make([]timeline.Row, len(log))
	for i, r := range log {
		row := timeline.Row{N: r.N, At: r.Time.Sub(o.Start), Answer: answerOf(r), ToClient: r.ToClient, FromClient: r.FromClient}
		if i > 0 {
			prev := log[i-1]
			from := overAt(prev)
			if from.IsZero() {
				from = prev.Time
			}
			row.Gap, row.HasGap = r.Time.Sub(from), true
		}
		if r.End.Kind != wstest.NotEnded {
			e := r.End
			e.Err = nil
			row.End, row.EndAt = e.String(), r.End.Time.Sub(o.Start)
		}
		if m := marks[r.N]; len(m) > 0 {
			row.Note = "✗ " + strings.Join(m, ", ")
		}
		rows[i] = row
	}
	return timeline.Format(rows, prefix)
}

// answerOf says how an attempt was answered, as the table shows it.
func answerOf(r wstest.AttemptRecord) string {
	switch r.Outcome {
	case wstest.Refused:
		return fmt.Sprintf("refused %d", r.Status)
	case wstest.Accepted:
		if r.Protocol != "" {
			return "accepted " + r.Protocol
		}
	case wstest.Abandoned:
		return "given up after " + timeline.Duration(r.AnswerTime.Sub(r.Time))
	}
	return r.Outcome.String()
}
