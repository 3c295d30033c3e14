package scenario

import (
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/internal/htmlreport"
	"github.com/wsdouble/wsdouble/wstest"
)

// WriteHTML writes reports as one self-contained HTML page that draws
// them: a lane per attempt along time, its answer, the messages each way
// (hover one for its payload, as far as the report kept it), the
// expectations met and missed, faults, closes and drops, and the gap
// before each attempt; then the report as text. Several reports (the
// passes of a served script) share one time axis, from the first one's
// Start. The page loads nothing (no network, no other file) and is the
// same bytes for the same reports.
//
// Play draws a failed run by itself when the test runs with go test
// -artifacts; WriteHTML is for runs of Run, and for the wsdouble
// command's --report.
func WriteHTML(w io.Writer, reports ...*Report) error {
	return htmlreport.Write(w, reportPage(reports))
}

// maxPageProblems bounds the problems a page lists, over all its reports.
const maxPageProblems = 1000

func reportPage(reports []*Report) *htmlreport.Page {
	p := &htmlreport.Page{Origin: "times from the start of the run"}
	var texts []string
	failed, unlisted := 0, 0
	for i, r := range reports {
		prefix, group := "", ""
		if len(reports) > 1 {
			prefix, group = fmt.Sprintf("pass %d: ", i+1), fmt.Sprintf("pass %d", i+1)
		}
		if !r.OK() {
			failed++
		}
		for _, s := range r.problems() {
			if len(p.Problems) < maxPageProblems {
				p.Problems = append(p.Problems, prefix+s)
			} else {
				unlisted++
			}
		}
		p.Lanes = append(p.Lanes, r.lanes(r.Start.Sub(reports[0].Start), group)...)
		texts = append(texts, prefix+r.String())
	}
	if unlisted > 0 {
		p.Problems = append(p.Problems, fmt.Sprintf("… %d more, not listed", unlisted))
	}
	p.Failed, p.Text = failed > 0, strings.Join(texts, "\n")
	switch {
	case len(reports) == 1:
		r := reports[0]
		p.Title = fmt.Sprintf("scenario %q", r.Script)
		p.Status = fmt.Sprintf("%d attempts played, %s", len(r.Attempts), r.status())
	case len(reports) > 1:
		p.Title = fmt.Sprintf("scenario %q: %d passes", reports[0].Script, len(reports))
		p.Status, p.Origin = fmt.Sprintf("%d of %d passes failed", failed, len(reports)), "times from the start of the first pass"
		if failed == 0 {
			p.Status = fmt.Sprintf("%d passes, ok", len(reports))
		}
	}
	return p
}

// problems lists what went wrong, as String says it.
func (r *Report) problems() []string {
	var out []string
	if r.Err != nil {
		out = append(out, "stopped: "+r.Err.Error())
	}
	for _, m := range r.Mismatches {
		out = append(out, m.Error())
	}
	if r.UnkeptMismatches > 0 {
		out = append(out, fmt.Sprintf("… %d more mismatches, not kept", r.UnkeptMismatches))
	}
	for _, pd := range r.Pending {
		out = append(out, "still waiting: "+pd.String())
	}
	return out
}

// lanes draws the report's attempts, each time off later than the page's
// origin.
func (r *Report) lanes(off time.Duration, group string) []htmlreport.Lane {
	lanes := make([]htmlreport.Lane, len(r.Attempts))
	over := time.Duration(-1) // when the previous attempt was over
	for i, a := range r.Attempts {
		l := htmlreport.Lane{Group: group, Name: fmt.Sprintf("#%d", a.N), Label: fmt.Sprintf("attempt %d", a.Attempt),
			At: off + a.At, Answer: a.drawnAnswer(off)}
		if a.Label != "" {
			l.Label += fmt.Sprintf(" %q", a.Label)
		}
		if a.Unkept.Entries > 0 {
			l.Note = "… " + a.Unkept.String()
		}
		text, _ := a.endText()
		l.End.Text = text
		if a.End.Kind != wstest.NotEnded {
			l.End = htmlreport.End{Kind: htmlreport.EndNamed(a.End.Kind.String()), Text: text, Code: a.End.Code,
				At: off + a.EndAt, Clean: a.End.Clean}
		}
		if over >= 0 && over <= l.At {
			l.Gap = htmlreport.Gap{Kind: htmlreport.Plain, From: over}
		}
		for _, e := range a.Entries {
			l.Events = append(l.Events, e.drawn(off))
		}
		switch {
		case l.End.Kind != htmlreport.NotEnded:
			over = l.End.At
		case l.Answer.Kind != htmlreport.Pending && l.Answer.Kind != htmlreport.Hung:
			over = l.Answer.At
		default:
			over = l.At
		}
		lanes[i] = l
	}
	return lanes
}

// drawnAnswer is the attempt's answer, its kind the outcome in the
// acceptor's log, or what Answer says when the log had none.
func (a AttemptReport) drawnAnswer(off time.Duration) htmlreport.Answer {
	ans := htmlreport.Answer{Kind: htmlreport.AnswerNamed(a.Outcome.String()), Text: a.Answer}
	if ans.Kind == htmlreport.Pending {
		word, _, _ := strings.Cut(a.Answer, " ")
		ans.Kind = htmlreport.AnswerNamed(word) // "accepted v1", "refused 503"
		if word == "hung" {
			ans.Kind = htmlreport.Pending
		}
	}
	switch ans.Kind {
	case htmlreport.Abandoned:
		ans.At, ans.Text = off+a.EndAt, "hung: the client gave up"
	case htmlreport.Accepted, htmlreport.Refused, htmlreport.Aborted:
		ans.At = off + a.AnsweredAt
	}
	return ans
}

// serverActions are the steps by which the server ends a connection, or
// all of them, or goes down.
var serverActions = map[string]bool{"close": true, "drop": true, "reset": true, "drop_all": true, "down": true}

// drawn is the entry as a page's event.
func (e Entry) drawn(off time.Duration) htmlreport.Event {
	ev := htmlreport.Event{At: off + e.At, Text: e.String()}
	switch e.Kind {
	case MessageSent:
		ev.Kind = htmlreport.ToClient
	case MessageExpected, MessageExtra:
		ev.Kind = htmlreport.FromClient
	case MessageEchoed:
		ev.Kind = htmlreport.Echo
	case EndExpected:
		ev.Kind = htmlreport.EndCheck
	case AfterMismatch:
		ev.Kind = htmlreport.AfterMismatch
	default:
		ev.Kind = stepKind(e.Action)
	}
	switch {
	case e.Err != nil:
		ev.Check = htmlreport.Missed
	case e.Stopped:
		ev.Check = htmlreport.Stopped
	case e.Checks():
		ev.Check = htmlreport.Held
	}
	if m := e.Message; m != nil {
		f := &htmlreport.Frame{Preview: string(m.Data), Size: max(e.Size, len(m.Data))}
		if m.Type == wsdouble.BinaryMessage {
			f.Preview = spacedHex(m.Data)
		}
		f.Cut = f.Size > len(m.Data)
		ev.Frame = f
	}
	return ev
}

// stepKind is how a page draws a step that moved no message.
func stepKind(action string) htmlreport.EventKind {
	if _, ok := wstest.LookupFaultKind(wstest.FaultKind(action)); ok {
		return htmlreport.Fault
	}
	switch {
	case action == "heal":
		return htmlreport.Heal
	case serverActions[action]:
		return htmlreport.ServerAction
	}
	return htmlreport.Step
}

// spacedHex is b in hex, a space between bytes: "01 02 ff".
func spacedHex(b []byte) string {
	var s strings.Builder
	for i := range b {
		if i > 0 {
			s.WriteByte(' ')
		}
		s.WriteString(hex.EncodeToString(b[i : i+1]))
	}
	return s.String()
}

// drawn draws the run's report as an artifact of the test (see
// htmlreport.Artifact), once, and returns what a failure message says of
// it.
func (pb *Playback) drawn() string {
	pb.drawOnce.Do(func() {
		pb.drawing = htmlreport.Artifact(pb.t, "wsdouble-scenario-"+pb.report.Script, func() *htmlreport.Page {
			return reportPage([]*Report{pb.report})
		})
	})
	return pb.drawing
}

// withDrawing is err, its message naming the drawing of the run when
// there is one.
func (pb *Playback) withDrawing(err error) error {
	if d := pb.drawn(); d != "" {
		return fmt.Errorf("%w%s", err, d)
	}
	return err
}
