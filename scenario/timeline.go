package scenario

import (
	"fmt"
	"strings"
	"time"

	"github.com/wsdouble/wsdouble/internal/timeline"
	"github.com/wsdouble/wsdouble/wstest"
)

// The timeline: one formatter for the lines of a Report (String, Outline)
// and the live lines of a run (Progress.String), so that the two say the
// same thing the same way. Entry.Format takes a Style for a printer that
// colours its lines (the wsdouble command's).

// A Style renders the parts of a timeline line that a printer may want to
// set apart (Entry.Format): it is given each part and its text, and
// returns what to write, for example the text in a colour. The text of a
// part may start with a space, which belongs to it.
type Style func(part Part, text string) string

// Part is a part of a timeline line, for a Style.
type Part uint8

// The parts of a line.
const (
	// PartOutgoing is a message to the client: `→ text "hi"`, or
	// `↔ text "hi"` echoed; or a frame: `→ ping "hb"`.
	PartOutgoing Part = iota + 1
	// PartNote says more about a message: " (echoed)",
	// " (not expected by any step)".
	PartNote
	// PartMismatch is what the player did after a mismatch.
	PartMismatch
	// PartFailure is a step's failure: "✗ got nothing within 10s".
	PartFailure
	// PartHeld is the mark of an expectation the client met: "✓".
	PartHeld
	// PartStopped says the run was stopped while the step ran:
	// " (run stopped)".
	PartStopped
	// PartLabel is the step's label: " [subscribe]".
	PartLabel
)

// plain is the Style of reports: every part as it is.
func plain(_ Part, text string) string { return text }

// String is the entry's line of the timeline, as a Report prints it after
// the time: `step 2 expect text "pong": ← text "pong" ✓ [label]`.
func (e Entry) String() string { return e.Format(nil) }

// Format is String with its parts rendered by style (nil for none).
func (e Entry) Format(style Style) string {
	if style == nil {
		style = plain
	}
	var b strings.Builder
	switch {
	case e.Step > 0:
		fmt.Fprintf(&b, "step %d ", e.Step)
	case e.Rule > 0:
		fmt.Fprintf(&b, "rule %d ", e.Rule)
	}
	b.WriteString(e.what(style))
	switch {
	case e.Err != nil:
		b.WriteString(" " + style(PartFailure, "✗ "+e.Err.Error()))
	case e.Stopped:
		b.WriteString(style(PartStopped, " (run stopped)"))
	case e.Checks():
		b.WriteString(" " + style(PartHeld, "✓"))
	}
	if e.Label != "" {
		b.WriteString(style(PartLabel, " ["+e.Label+"]"))
	}
	return b.String()
}

// what says what the entry did or awaited.
func (e Entry) what(style Style) string {
	switch e.Kind {
	case MessageSent:
		return style(PartOutgoing, "→ "+e.MessageString())
	case MessageEchoed:
		return style(PartOutgoing, "↔ "+e.MessageString()) + style(PartNote, " (echoed)")
	case MessageExtra:
		return "← " + e.MessageString() + style(PartNote, " (not expected by any step)")
	case MessageExpected:
		if e.Message != nil {
			return "expect " + e.Detail + ": ← " + e.MessageString()
		}
		return "expect " + e.Detail
	case AfterMismatch:
		return style(PartMismatch, e.Detail)
	case RuleMatched:
		return e.Detail + ": ← " + e.MessageString()
	case ControlSent:
		return style(PartOutgoing, "→ "+e.Detail)
	case ControlExpected:
		return "expect " + e.Detail
	}
	return e.Detail
}

// attemptText names an attempt in the timeline: attempt 2 (#3) "label",
// or, when the script tells clients apart, attempt 2 (#3, client "b" #2):
// the client's second attempt.
func attemptText(attempt, n int, client string, cn int, label string) string {
	s := fmt.Sprintf("attempt %d (#%d%s)", attempt, n, clientText(client, cn))
	if label != "" {
		s += fmt.Sprintf(" %q", label)
	}
	return s
}

// endText describes an end without the transport error, which differs
// between layers.
func endText(e wstest.End) string {
	e.Err = nil
	return e.String()
}

// String is the line a Report's timeline has for the same thing, prefixed
// by the time and the attempt.
func (p Progress) String() string {
	label := ""
	if p.Kind == AttemptArrived || p.Kind == AttemptAnswered {
		label = p.Label
	}
	s := "+" + timeline.Duration(p.At) + " " + attemptText(p.Attempt, p.N, p.Client, p.ClientAttempt, label)
	switch p.Kind {
	case AttemptArrived:
		return s + " arrived"
	case AttemptAnswered:
		return s + ": " + p.Answer
	case StepDone:
		return s + ": " + p.Entry.String()
	case ConnectionEnded:
		if p.End.Kind == wstest.NotEnded {
			return s + ": the client gave up"
		}
		return s + ": end: " + endText(*p.End)
	}
	return s + ": " + string(p.Kind)
}

// reportWriter writes a Report, with its times or without (Outline).
type reportWriter struct {
	strings.Builder
	times bool
}

func (r *Report) format(times bool) string {
	w := &reportWriter{times: times}
	fmt.Fprintf(w, "scenario %q: %d attempts played, %s\n", r.Script, len(r.Attempts), r.status())
	w.mismatches(r)
	if len(r.Pending) > 0 {
		w.WriteString("still waiting when the run was stopped:\n")
		for _, p := range r.Pending {
			w.WriteString("  " + p.String() + "\n")
		}
	}
	w.WriteString("timeline:\n")
	for _, a := range r.Attempts {
		w.attempt(a)
	}
	return w.String()
}

// status says how the run went, in a word or a few.
func (r *Report) status() string {
	switch {
	case r.Err != nil:
		return "stopped: " + r.Err.Error()
	case !r.Complete:
		return "incomplete"
	case len(r.Mismatches) > 0:
		return fmt.Sprintf("%d mismatches", len(r.Mismatches)+r.UnkeptMismatches)
	}
	return "ok"
}

// at is the time of a line, when the report has times.
func (w *reportWriter) at(d time.Duration) string {
	if !w.times {
		return ""
	}
	return "+" + timeline.Duration(d) + " "
}

func (w *reportWriter) mismatches(r *Report) {
	if len(r.Mismatches) == 0 {
		return
	}
	w.WriteString("mismatches:\n")
	for _, m := range r.Mismatches {
		w.WriteString("  " + m.Error() + "\n")
	}
	if r.UnkeptMismatches > 0 {
		fmt.Fprintf(w, "  … %s more, not kept\n", timeline.Count(int64(r.UnkeptMismatches)))
	}
}

// attempt writes an attempt's lines: its answer, its entries, its end.
func (w *reportWriter) attempt(a AttemptReport) {
	fmt.Fprintf(w, "  %s%s: %s\n", w.at(a.At), attemptText(a.Attempt, a.N, a.Client, a.ClientAttempt, a.Label), a.Answer)
	for _, e := range a.Entries {
		w.WriteString("    " + w.at(e.At) + e.String() + "\n")
	}
	if a.Unkept.Entries > 0 {
		w.WriteString("    … " + a.Unkept.String() + "\n")
	}
	switch end, timed := a.endText(); {
	case end == "":
	case timed:
		w.WriteString("    " + w.at(a.EndAt) + "end: " + end + "\n")
	default:
		w.WriteString("    end: " + end + "\n")
	}
}

// endText says how the attempt ended, or "" when there is nothing to say;
// timed says the end has a time (EndAt), which an attempt that had not
// ended when the run finished has not.
func (a AttemptReport) endText() (text string, timed bool) {
	switch {
	case a.End.Kind != wstest.NotEnded:
		return endText(a.End), true
	case a.Outcome == wstest.Abandoned:
		return "the client gave up", true
	case a.Outcome == wstest.Hung:
		return "still hanging when the acceptor was closed", false
	case a.Outcome == wstest.Pending && a.Answer == "hung":
		return "still hanging when the run finished", false
	case a.Outcome == wstest.Accepted:
		return "still open when the run finished", false
	}
	return "", false
}
