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
	// Client is the client that made the attempt, and ClientAttempt the
	// number of its attempt, from 1, when the script tells clients apart
	// (Script.Client); else "" and 0.
	Client        string
	ClientAttempt int
	Label         string
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

// Entry is one line of an attempt's timeline: what happened (Kind), when,
// and for which step.
type Entry struct {
	At time.Duration
	// Kind says what happened: a step played, a message each way, what
	// the player did after a mismatch.
	Kind EntryKind
	// Step is the index of the step, from 1; 0 for an entry that is no
	// step's (a rule's, MessageExtra, AfterMismatch).
	Step int
	// Rule is the index of the attempt's rule, from 1, for the entries of
	// a rule: the message it took (RuleMatched), its replies
	// (MessageSent) and its end (StepPlayed); 0 for the others.
	Rule  int
	Label string
	// Action is the name of the step's action in the file format ("send",
	// "expect", ...); "extra" for MessageExtra, "mismatch" for
	// AfterMismatch, and for a rule's entries "on", "reply", "close" or
	// "drop".
	Action string
	// Message is the message sent (MessageSent, MessageEchoed) or received
	// (MessageExpected, MessageExtra); its Data is at most
	// MaxReportPayload bytes, the start of the payload, and Size is the
	// payload's whole size.
	Message *wsdouble.Message
	Size    int
	// Detail describes the step, for example `close 1012 "restarting"`;
	// for MessageExpected, what the step expected.
	Detail string
	// Err is set if the step failed.
	Err error
	// Stopped reports that the run was stopped while the step ran: it
	// neither passed nor failed (Err is nil).
	Stopped bool
}

// EntryKind says what an Entry records.
type EntryKind uint8

// The kinds of entries.
const (
	// StepPlayed: a step did what Detail says (wait, close, drop, a
	// fault, an echo's summary).
	StepPlayed EntryKind = iota
	// MessageSent: a send step sent Message to the client.
	MessageSent
	// MessageExpected: an expect step took the client's next message,
	// Message (nil when none came), and checked it against Detail.
	MessageExpected
	// EndExpected: an expect_close step waited for the end Detail says.
	EndExpected
	// MessageEchoed: an echo step sent Message, from the client, back to
	// it.
	MessageEchoed
	// MessageExtra: the client sent Message and no step took it.
	MessageExtra
	// AfterMismatch: what the player did once a mismatch had ended the
	// attempt (Detail): its close, the steps it did not play.
	AfterMismatch
	// RuleMatched: rule Rule took the client's Message (Detail says what
	// the rule takes); its replies follow, as MessageSent entries.
	RuleMatched
	// ControlSent: a step sent the client a control frame or a raw frame
	// (ping, pong, raw), which Detail describes.
	ControlSent
	// ControlExpected: an expect_ping or expect_pong step took the
	// client's next ping or pong: Detail says what it expected and, once
	// one came, what came.
	ControlExpected
)

// extraEntry is the entry of a message the client sent that no step took.
func extraEntry(m *wsdouble.Message) Entry {
	return Entry{Kind: MessageExtra, Action: "extra", Message: m}
}

// ToClient reports whether the entry is a message the server sent.
func (e Entry) ToClient() bool { return e.Kind == MessageSent && e.Message != nil }

// Checks reports whether the entry's step checks what the client did
// (expect, expect_close, expect_ping, expect_pong): its line ends with ✓ when the client met it,
// unless the run was stopped first.
func (e Entry) Checks() bool {
	return e.Kind == MessageExpected || e.Kind == EndExpected || e.Kind == ControlExpected
}

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

var errIncomplete = errors.New("the run ended before the script was complete")
