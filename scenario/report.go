package scenario

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/internal/timeline"
	"github.com/wsdouble/wsdouble/wstest"
)

// Limits of what a Report keeps, so that a script that repeats for hours
// (wsdouble serve) holds a bounded history: counts and sizes always,
// entries and payloads up to these limits. The timeline says what was not
// kept ("… 12,345 more messages, 600 MiB, not kept"). OnProgress still
// sees every entry, with the same payload prefix.
const (
	// MaxReportEntries is how many timeline entries a report keeps, all
	// attempts together: the first ones. Later entries are counted in
	// their attempt's Unkept.
	MaxReportEntries = 10000
	// MaxReportPayload is how many bytes of a message's payload an entry
	// keeps (Entry.Size is the whole size): enough to recognise a message
	// in a timeline, which prints at most 64 bytes of it.
	MaxReportPayload = 256
	// MaxReportMismatches is how many mismatches a report lists; later
	// ones are counted in UnkeptMismatches.
	MaxReportMismatches = 1000
)

// Report is what happened when a script was played: a timeline of every
// attempt, its answer, each step with the messages each way, how each
// connection ended, and every mismatch between what the script expected and
// what the client did.
type Report struct {
	// Script is the script's name.
	Script string
	// Start is when the run started; offsets count from it.
	Start time.Time
	// Attempts are the attempts played, in order.
	Attempts []AttemptReport
	// Mismatches lists every expectation the client did not meet, up to
	// MaxReportMismatches; UnkeptMismatches counts the others.
	Mismatches       []Mismatch
	UnkeptMismatches int
	// Pending lists what the run was still waiting for when its context
	// ended it: a step in progress, a hung attempt the client had not
	// given up, an attempt that never came. It is empty for a run that
	// finished by itself.
	Pending []Pending
	// Complete reports whether every scripted attempt was played (for a
	// script whose last attempt repeats: until the run was stopped).
	Complete bool
	// Err says why the run stopped before the script was complete, if it
	// did.
	Err error
}

// AttemptReport is one attempt of a Report.
type AttemptReport struct {
	// Attempt is the index of the script's attempt that answered it, from
	// 1; N is the attempt's number in the acceptor's log.
	Attempt, N int
	Label      string
	// At is when the attempt arrived.
	At time.Duration
	// Answer says how it was answered: "accepted", "accepted v1",
	// "refused 503", "hung".
	Answer     string
	AnsweredAt time.Duration
	// Entries are the steps as they happened, and the messages each way,
	// as far as the report keeps them (see MaxReportEntries); Unkept
	// counts the others.
	Entries []Entry
	Unkept  Unkept
	// End is how an accepted connection (or a hung attempt) ended, as far
	// as known when the run finished; its Kind is NotEnded when it was
	// still open. EndAt is its offset.
	End   wstest.End
	EndAt time.Duration
	// Outcome is the attempt's outcome in the acceptor's log.
	Outcome wstest.Outcome
}

// Entry is one line of an attempt's timeline.
type Entry struct {
	At time.Duration
	// Step is the index of the step, from 1; 0 for a message the client
	// sent that no step took.
	Step  int
	Label string
	// Action is the step's action ("send", "expect", ...), or "extra" for a
	// message no step took.
	Action string
	// Message is the message sent (send) or received (expect, extra);
	// its Data is at most MaxReportPayload bytes, the start of the
	// payload, and Size is the payload's whole size.
	Message *wsdouble.Message
	Size    int
	// Detail describes the step, for example `close 1012 "restarting"`.
	Detail string
	// Err is set if the step failed.
	Err error
	// Stopped reports that the run was stopped while the step ran: it
	// neither passed nor failed (Err is nil).
	Stopped bool
}

// ToClient reports whether the entry is a message the server sent.
func (e Entry) ToClient() bool { return e.Message != nil && e.Action == "send" }

// Unkept counts the entries of an attempt that a report did not keep.
type Unkept struct {
	// Entries counts them; Messages counts those that were messages,
	// and Bytes their payloads.
	Entries, Messages int
	Bytes             int64
}

// String says what was not kept: "12,345 more messages, 600 MiB, not
// kept".
func (u Unkept) String() string {
	size := timeline.Bytes(u.Bytes)
	if u.Entries == u.Messages {
		return fmt.Sprintf("%s more %s, %s, not kept", timeline.Count(int64(u.Messages)), plural(u.Messages, "message"), size)
	}
	return fmt.Sprintf("%s more %s (%s %s, %s), not kept", timeline.Count(int64(u.Entries)), plural(u.Entries, "entry"),
		timeline.Count(int64(u.Messages)), plural(u.Messages, "message"), size)
}

func plural(n int, one string) string {
	switch {
	case n == 1:
		return one
	case strings.HasSuffix(one, "y"):
		return strings.TrimSuffix(one, "y") + "ies"
	}
	return one + "s"
}

// keep trims an entry to what a report keeps: the start of its message's
// payload, copied so that the whole payload is not held.
func (e *Entry) keep() {
	if e.Message == nil {
		return
	}
	m := *e.Message
	e.Size = len(m.Data)
	if len(m.Data) > MaxReportPayload {
		n := MaxReportPayload
		if m.Type == wsdouble.TextMessage {
			for n > 0 && !utf8.RuneStart(m.Data[n]) {
				n--
			}
		}
		m.Data = bytes.Clone(m.Data[:n])
	}
	e.Message = &m
}

// MessageString formats the entry's message as wsdouble.Message's String
// does, with the payload's whole size (the report keeps only its start).
func (e Entry) MessageString() string {
	if e.Message == nil {
		return ""
	}
	s := e.Message.String()
	if e.Size <= len(e.Message.Data) {
		return s
	}
	// A prefix of MaxReportPayload bytes is long enough that String gives
	// its length, in brackets after the type: put the whole size there.
	typ := e.Message.Type.String()
	return strings.Replace(s, fmt.Sprintf("%s [%d]", typ, len(e.Message.Data)), fmt.Sprintf("%s [%d]", typ, e.Size), 1)
}

// Mismatch is an expectation the client did not meet.
type Mismatch struct {
	// Attempt and Step locate it in the script, from 1; N is the
	// acceptor's attempt number.
	Attempt, Step, N int
	Label            string
	Want, Got        string
}

// Error formats the mismatch: attempt 2 (#2), step 3 "greeting": want X, got Y.
func (m Mismatch) Error() string {
	s := fmt.Sprintf("attempt %d (#%d)", m.Attempt, m.N)
	if m.Step > 0 {
		s += fmt.Sprintf(", step %d", m.Step)
	}
	if m.Label != "" {
		s += fmt.Sprintf(" %q", m.Label)
	}
	return s + ": want " + m.Want + ", got " + m.Got
}

// Pending is something a run was still waiting for when it was stopped.
type Pending struct {
	// Attempt is the index of the script's attempt, from 1; N is the
	// acceptor's attempt number, 0 for an attempt that never came.
	Attempt, N int
	// Step is the index of the step in progress, from 1; 0 when the
	// attempt was waiting for something else (its answer, its client).
	Step int
	// What says what was awaited, as the timeline shows it.
	What string
}

// String formats it: attempt 2 (#2), step 3: expect text "pong".
func (p Pending) String() string {
	s := fmt.Sprintf("attempt %d", p.Attempt)
	if p.N > 0 {
		s += fmt.Sprintf(" (#%d)", p.N)
	}
	if p.Step > 0 {
		s += fmt.Sprintf(", step %d", p.Step)
	}
	return s + ": " + p.What
}

// OK reports whether the script was played to the end with no mismatch.
func (r *Report) OK() bool { return r.Err == nil && len(r.Mismatches) == 0 && r.Complete }

// Error returns nil if the report is OK, or an error whose message is the
// whole report: what went wrong, then the timeline.
func (r *Report) Error() error {
	if r.OK() {
		return nil
	}
	return &reportError{r}
}

type reportError struct{ r *Report }

func (e *reportError) Error() string { return e.r.String() }

// Unwrap returns the run's error, if any, and every mismatch.
func (e *reportError) Unwrap() []error {
	var errs []error
	if e.r.Err != nil {
		errs = append(errs, e.r.Err)
	}
	for _, m := range e.r.Mismatches {
		errs = append(errs, m)
	}
	return errs
}

// String prints the report: a summary, the mismatches, then the timeline,
// attempt by attempt.
func (r *Report) String() string { return r.format(true) }

// Outline is String without times: two runs of a script that behaved the
// same have the same outline, on any layer and any clock.
func (r *Report) Outline() string { return r.format(false) }

func (r *Report) format(times bool) string {
	var b strings.Builder
	at := func(d time.Duration) string {
		if !times {
			return ""
		}
		return "+" + timeline.Duration(d) + " "
	}
	status := "ok"
	switch {
	case r.Err != nil:
		status = "stopped: " + r.Err.Error()
	case !r.Complete:
		status = "incomplete"
	case len(r.Mismatches) > 0:
		status = fmt.Sprintf("%d mismatches", len(r.Mismatches)+r.UnkeptMismatches)
	}
	fmt.Fprintf(&b, "scenario %q: %d attempts played, %s\n", r.Script, len(r.Attempts), status)
	if len(r.Mismatches) > 0 {
		b.WriteString("mismatches:\n")
		for _, m := range r.Mismatches {
			b.WriteString("  " + m.Error() + "\n")
		}
		if r.UnkeptMismatches > 0 {
			fmt.Fprintf(&b, "  … %s more, not kept\n", timeline.Count(int64(r.UnkeptMismatches)))
		}
	}
	if len(r.Pending) > 0 {
		b.WriteString("still waiting when the run was stopped:\n")
		for _, p := range r.Pending {
			b.WriteString("  " + p.String() + "\n")
		}
	}
	b.WriteString("timeline:\n")
	for _, a := range r.Attempts {
		fmt.Fprintf(&b, "  %sattempt %d (#%d)", at(a.At), a.Attempt, a.N)
		if a.Label != "" {
			fmt.Fprintf(&b, " %q", a.Label)
		}
		fmt.Fprintf(&b, ": %s\n", a.Answer)
		for _, e := range a.Entries {
			b.WriteString("    " + at(e.At))
			if e.Step > 0 {
				fmt.Fprintf(&b, "step %d ", e.Step)
			}
			b.WriteString(e.describe())
			if e.Label != "" {
				fmt.Fprintf(&b, " [%s]", e.Label)
			}
			b.WriteByte('\n')
		}
		if a.Unkept.Entries > 0 {
			b.WriteString("    … " + a.Unkept.String() + "\n")
		}
		switch {
		case a.End.Kind != wstest.NotEnded:
			fmt.Fprintf(&b, "    %send: %s\n", at(a.EndAt), endText(a.End))
		case a.Outcome == wstest.Abandoned:
			fmt.Fprintf(&b, "    %send: the client gave up\n", at(a.EndAt))
		case a.Outcome == wstest.Hung:
			b.WriteString("    end: still hanging when the acceptor was closed\n")
		case a.Outcome == wstest.Pending && a.Answer == "hung":
			b.WriteString("    end: still hanging when the run finished\n")
		case a.Outcome == wstest.Accepted:
			b.WriteString("    end: still open when the run finished\n")
		}
	}
	return b.String()
}

// endText describes an end without the transport error, which differs
// between layers.
func endText(e wstest.End) string {
	e.Err = nil
	return e.String()
}

// describe is the entry's line of the timeline: what happened, and
// whether the step held.
func (e Entry) describe() string {
	s := e.what()
	switch {
	case e.Err != nil:
		return s + " ✗ " + e.Err.Error()
	case e.Stopped:
		return s + " (run stopped)"
	case e.Action == "expect" || e.Action == "expect_close":
		return s + " ✓"
	}
	return s
}

// what says what the entry did or awaited.
func (e Entry) what() string {
	switch {
	case e.Action == "send" && e.Message != nil:
		return "→ " + e.MessageString()
	case e.Action == "echo" && e.Message != nil:
		return "↔ " + e.MessageString() + " (echoed)"
	case e.Action == "extra":
		return "← " + e.MessageString() + " (not expected by any step)"
	case e.Action == "expect" && e.Message != nil:
		return "expect " + e.Detail + ": ← " + e.MessageString()
	case e.Action == "expect":
		return "expect " + e.Detail
	}
	return e.Detail
}

var errIncomplete = errors.New("the run ended before the script was complete")
