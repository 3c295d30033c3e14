package htmlreport

import "time"

// Page is what a drawing shows: a heading, the problems found, and the
// lanes. Times are offsets from an origin the page's Origin names (the
// first attempt, the start of a run).
type Page struct {
	// Title heads the page and names it in the browser: `scenario
	// "reconnect"`, "wstest: backoff".
	Title string
	// Status says how it went, in a line: "5 attempts played, 2
	// mismatches".
	Status string
	// Failed colours the heading as a failure.
	Failed bool
	// Problems are listed under the status, one a line: the mismatches,
	// the delays off the policy.
	Problems []string
	// Policy is the backoff policy the gaps were checked against, if one
	// was.
	Policy string
	// Origin says where times count from: "times from the first attempt".
	Origin string
	// Lanes are the connections, in the order they arrived.
	Lanes []Lane
	// Text is the same story as text (a report, a timeline), shown below
	// the drawing and readable without script.
	Text string
}

// Lane is one connection attempt and, if it was accepted, its connection.
type Lane struct {
	// Group, when not empty, names the part of the page the lane belongs
	// to: a pass of a served script, a conformance check. Consecutive
	// lanes of one group are drawn under one heading.
	Group string
	// Name is the attempt's number, "#3"; Label says more: `attempt 2
	// "resubscribe"`.
	Name, Label string
	// At is when the attempt arrived.
	At     time.Duration
	Answer Answer
	// Gap is the delay before this attempt, from when the previous one
	// was over.
	Gap Gap
	// Events are what happened on the connection, in order.
	Events []Event
	End    End
	// Note is shown with the lane: message counts of a log that keeps no
	// frames, the entries a report did not keep.
	Note string
}

// AnswerKind is how a handshake was answered.
type AnswerKind uint8

// The answers; they follow wstest's outcomes.
const (
	// Pending: not answered when the page was drawn.
	Pending AnswerKind = iota
	Accepted
	Refused
	// Abandoned: the client gave up before an answer came.
	Abandoned
	// Hung: never answered; the server closed with the attempt pending.
	Hung
	// Aborted: the server closed the connection mid-handshake.
	Aborted
)

// Answer is how and when an attempt was answered.
type Answer struct {
	Kind AnswerKind
	// Text says it as the timeline does: "accepted chat", "refused 503".
	Text string
	// At is when; zero with Kind Pending or Hung.
	At time.Duration
}

// EventKind says what an Event was.
type EventKind uint8

// The kinds of events.
const (
	// Step: a step of a script that moved no frame (a wait).
	Step EventKind = iota
	// ToClient: a frame the server sent.
	ToClient
	// FromClient: a frame the client sent.
	FromClient
	// Echo: a frame the client sent, sent back to it.
	Echo
	// Fault: a fault applied to the connection, until a Heal or the end.
	Fault
	// Heal: every fault removed.
	Heal
	// ServerAction: the server closed, dropped or reset the connection,
	// or went down.
	ServerAction
	// EndCheck: a check of how the connection ended.
	EndCheck
	// AfterMismatch: what the server did once the client missed a step.
	AfterMismatch
)

// Check says whether an event checked what the client did, and how that
// went.
type Check uint8

// The checks.
const (
	// NoCheck: the event checks nothing.
	NoCheck Check = iota
	// Held: the client did what was expected.
	Held
	// Missed: it did not.
	Missed
	// Stopped: the run was stopped before the check was done.
	Stopped
)

// Event is one thing that happened on a connection.
type Event struct {
	At    time.Duration
	Kind  EventKind
	Check Check
	// Text is the event's line of the timeline.
	Text string
	// Frame is the frame's payload, for an event that moved one; nil
	// for an expectation that got nothing, and for every other event.
	Frame *Frame
}

// Frame is what a page keeps of a frame's payload.
type Frame struct {
	// Preview is the payload, or its start: text as it is, binary in
	// hex.
	Preview string
	// Size is the payload's whole size in bytes; Cut reports that Preview
	// shows only its start.
	Size int
	Cut  bool
}

// EndKind is how a connection ended; it follows wstest's EndKind.
type EndKind uint8

// The ends.
const (
	// NotEnded: still open, or never opened.
	NotEnded EndKind = iota
	ClientClosed
	ServerClosed
	// Dropped: the server dropped the connection, with no close frame.
	Dropped
	// ClientGone: the transport ended with no close frame from either
	// side.
	ClientGone
	// Shutdown: the server was closed while the connection was open.
	Shutdown
	// Reset: the server aborted the connection (a TCP RST).
	Reset
	// Violation: the client broke the protocol and the server failed the
	// connection.
	Violation
)

// End is how and when a connection ended.
type End struct {
	Kind EndKind
	// Text says it as the timeline does: `client closed 1000 "bye"
	// clean`. With Kind NotEnded it may say why: "still open when the
	// run finished".
	Text string
	// Code is the close code of the frame that started the end, for
	// ClientClosed, ServerClosed and Violation.
	Code int
	// At is when; meaningless with NotEnded.
	At time.Duration
	// Clean reports that a close frame went each way.
	Clean bool
}

// GapKind says what a Gap shows.
type GapKind uint8

// The gaps.
const (
	// NoGap: none is drawn (the first attempt, or one that came before
	// the previous was over).
	NoGap GapKind = iota
	// Plain: the delay, with no policy to check it against.
	Plain
	// InPolicy: the delay was within the policy's window.
	InPolicy
	// OffPolicy: it was not: the offending gap.
	OffPolicy
)

// Gap is the delay before an attempt: from From, when the previous attempt
// was over, to the attempt's arrival; with a policy, the window [From+Lo,
// From+Hi] in which it was due.
type Gap struct {
	Kind   GapKind
	From   time.Duration
	Lo, Hi time.Duration
	// Text says what the check found: "want 1s–1.2s, got 300ms".
	Text string
}

// answerNames and endNames are the names wstest gives its outcomes and
// ends (Outcome.String, EndKind.String), which its attempt logs, scenario's
// reports and the wsdouble command's JSON carry.
var (
	answerNames = map[string]AnswerKind{"pending": Pending, "accepted": Accepted, "refused": Refused,
		"abandoned": Abandoned, "hung": Hung, "aborted": Aborted}
	endNames = map[string]EndKind{"client closed": ClientClosed, "server closed": ServerClosed, "dropped": Dropped,
		"client gone": ClientGone, "shutdown": Shutdown, "reset": Reset, "protocol violation": Violation}
)

// AnswerNamed returns the answer wstest names name ("accepted", "refused",
// ...); Pending for a name it does not know.
func AnswerNamed(name string) AnswerKind { return answerNames[name] }

// EndNamed returns the end wstest names name ("client closed", "dropped",
// ...); NotEnded for a name it does not know.
func EndNamed(name string) EndKind { return endNames[name] }
