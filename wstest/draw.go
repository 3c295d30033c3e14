package wstest

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/wsdouble/wsdouble/internal/htmlreport"
	"github.com/wsdouble/wsdouble/internal/timeline"
)

// Drawings of attempt logs (internal/htmlreport): a failing AssertBackoff,
// AssertAttempts or AssertConformance leaves one in the test's artifact
// directory when the test runs with go test -artifacts, and names it in
// its failure message.

// WriteHTML writes an attempt log as one self-contained HTML page that
// draws it: a lane per attempt along time, from the first attempt, with
// its answer, its connection and how it ended, and the gap before it.
// With a policy, the gaps are drawn against it (CheckBackoff), the window
// each was due in shaded and those off it marked; with nil, plain. The
// page loads nothing (no network, no other file) and is the same bytes
// for the same log.
//
// A failing AssertBackoff draws this page by itself under go test
// -artifacts (see TB).
func WriteHTML(w io.Writer, log []AttemptRecord, policy *Backoff) error {
	p := &htmlreport.Page{Title: "wstest: attempts", Status: plural(len(log), "attempt"), Text: Timeline(log),
		Origin: "times from the first attempt"}
	var gaps []gapCheck
	if policy != nil {
		if err := policy.validate(); err != nil {
			return err
		}
		p.Title, p.Status = "wstest: backoff", "every delay within the policy"
		if err := CheckBackoff(log, *policy); err != nil {
			p = failurePage("wstest: backoff", err, nil)
		}
		p.Policy, gaps = policy.String(), checkGaps(log, *policy)
	}
	p.Lanes = attemptLanes(log, gaps, "")
	return htmlreport.Write(w, p)
}

// attemptLanes draws a log, each time from the log's first attempt, the
// gap before each attempt checked against a policy when gaps has its
// checks (checkGaps), plain when gaps is nil.
func attemptLanes(log []AttemptRecord, gaps []gapCheck, group string) []htmlreport.Lane {
	if len(log) == 0 {
		return nil
	}
	origin := log[0].Time
	since := func(t time.Time) time.Duration { return t.Sub(origin) }
	lanes := make([]htmlreport.Lane, len(log))
	for i, r := range log {
		l := htmlreport.Lane{Group: group, Name: fmt.Sprintf("#%d", r.N), At: since(r.Time),
			Answer: htmlreport.Answer{Kind: htmlreport.AnswerNamed(r.Outcome.String()), Text: answer(r)},
			Note:   fmt.Sprintf("messages ↓%d ↑%d · %s", r.ToClient, r.FromClient, r.URL)}
		if !r.AnswerTime.IsZero() {
			l.Answer.At = since(r.AnswerTime)
		}
		if r.End.Kind != NotEnded {
			l.End = htmlreport.End{Kind: htmlreport.EndNamed(r.End.Kind.String()), Text: r.End.String(),
				Code: r.End.Code, At: since(r.End.Time), Clean: r.End.Clean}
		}
		if i > 0 {
			l.Gap = htmlreport.Gap{Kind: htmlreport.Plain, From: since(endOf(log[i-1]))}
		}
		lanes[i] = l
	}
	for _, g := range gaps {
		gap := &lanes[g.i].Gap
		gap.Kind, gap.Lo, gap.Hi = htmlreport.InPolicy, max(g.lo, 0), g.hi
		gap.Text = fmt.Sprintf("retry %d in a row: want %s, got %s", g.retry, g.wantText(), timeline.Duration(g.got))
		if g.off() {
			gap.Kind, gap.Text = htmlreport.OffPolicy, "✗ "+gap.Text
		}
	}
	return lanes
}

// failurePage is the page of a failed check whose error is err: its first
// line the status, the lines before the timeline the problems, the whole
// message the text.
func failurePage(title string, err error, lanes []htmlreport.Lane) *htmlreport.Page {
	msg := err.Error()
	head, _, _ := strings.Cut(msg, "\ntimeline:\n")
	lines := strings.Split(head, "\n")
	p := &htmlreport.Page{Title: title, Status: lines[0], Failed: true, Lanes: lanes, Text: msg,
		Origin: "times from the first attempt"}
	for _, l := range lines[1:] {
		if l = strings.TrimSpace(l); l != "" {
			p.Problems = append(p.Problems, l)
		}
	}
	return p
}

// drawBackoff draws a log that failed CheckBackoff with err, as an
// artifact of t (see htmlreport.Artifact), and returns what the failure
// message says of it.
func drawBackoff(t TB, log []AttemptRecord, b Backoff, err error) string {
	return htmlreport.Artifact(t, "wsdouble-backoff", func() *htmlreport.Page {
		p := failurePage("wstest: backoff", err, attemptLanes(log, checkGaps(log, b), ""))
		p.Policy = b.String()
		return p
	})
}

// drawAttempts draws a log that failed CheckAttempts with err.
func drawAttempts(t TB, log []AttemptRecord, err error) string {
	return htmlreport.Artifact(t, "wsdouble-attempts", func() *htmlreport.Page {
		return failurePage("wstest: attempts", err, attemptLanes(log, nil, ""))
	})
}

// conformanceFailure is a conformance check that failed, with the attempt
// log of its subject.
type conformanceFailure struct {
	name string
	log  []AttemptRecord
	err  error
}

func joinFailures(failed []conformanceFailure) error {
	errs := make([]error, len(failed))
	for i, f := range failed {
		errs[i] = f.err
	}
	return errors.Join(errs...)
}

// drawConformance draws the logs of the failed checks, a group of lanes
// each.
func drawConformance(t TB, failed []conformanceFailure) string {
	return htmlreport.Artifact(t, "wsdouble-conformance", func() *htmlreport.Page {
		p := &htmlreport.Page{Title: "wstest: conformance", Failed: true,
			Status: fmt.Sprintf("%d of %d checks failed", len(failed), len(conformanceChecks)),
			Origin: "each check's times from its first attempt", Text: joinFailures(failed).Error()}
		for _, f := range failed {
			p.Problems = append(p.Problems, strings.Split(f.err.Error(), "\n")...)
			p.Lanes = append(p.Lanes, attemptLanes(f.log, nil, f.name)...)
		}
		return p
	})
}
