package scenario

import (
	"errors"
	"net/http"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/wstest"
)

// A transcript turns what happened on one recorded connection attempt —
// the handshake's answer, then timestamped frames each way and how the
// connection ended — into the Attempt that makes a server do it again.
// The Recorder, the Proxy (and through it the journal) and FromHAR each
// feed one, from what they see; recordConfig.finish then redacts the
// script they make.
//
// What the server did becomes a step of the server's, after a Wait for the
// time since the previous step: a message to the client a Send, its close
// frame a Close, its disappearance a Drop. What the client did becomes an
// expectation, with no Wait before it (a replay waits for the client as
// long as it takes): a message an Expect of exactly that message, its
// close frame or its disappearance an ExpectClose. Times count from any
// origin, the same for every call.
//
// A transcript is not safe for concurrent use: the Proxy, which feeds one
// from two goroutines, holds a lock around each call.
type transcript struct {
	a    Attempt
	prev time.Duration // when the last step, or the answer, happened

	// onAnswer and onSteps, when set, are told each part of the attempt
	// as it is recorded, within the call that records it: the answer
	// (with its label and After, no steps), and the steps each call adds.
	// The Proxy's journal writes them.
	onAnswer func(Attempt)
	onSteps  func([]Step)
}

// answer records how the handshake was answered, after after; at is when,
// and the first step's Wait counts from it.
func (t *transcript) answer(at, after time.Duration, ans Answer, label string) {
	t.a.After, t.a.Answer, t.a.Label = after, ans, label
	t.prev = at
	if t.onAnswer != nil {
		t.onAnswer(Attempt{Label: label, After: after, Answer: ans})
	}
}

// accepted is the answer of a handshake accepted with subprotocol (""
// for none) and header; offered says the client offered subprotocols.
// None answered to a client that offered some is wstest.NoSubprotocol:
// the client failed the connection (Fetch), and so must a replay's,
// where the acceptor's default would choose one.
func accepted(subprotocol string, offered bool, header http.Header) Accept {
	if subprotocol == "" && offered {
		subprotocol = wstest.NoSubprotocol
	}
	return Accept{Subprotocol: subprotocol, Header: answerHeader(header)}
}

// refused is the answer of a handshake refused with an HTTP status.
func refused(status int, header http.Header, body string) Refuse {
	return Refuse{Status: status, Header: answerHeader(header), Body: body}
}

// toClient records a message the server sent.
func (t *transcript) toClient(at time.Duration, m wsdouble.Message) {
	t.server(at, Send{Message: m})
}

// serverClosed records the server's close frame; code 1005 is a frame
// without a code.
func (t *transcript) serverClosed(at time.Duration, code int, reason string) {
	if code == wsdouble.CloseNoStatusReceived {
		code = 0
	}
	t.server(at, Close{Code: code, Reason: reason})
}

// dropped records the server going away without a close frame.
func (t *transcript) dropped(at time.Duration) { t.server(at, Drop{}) }

// fromClient records a message the client sent.
func (t *transcript) fromClient(at time.Duration, m wsdouble.Message) {
	t.client(at, Expect{Match: Exact{Message: m}})
}

// clientClosed records the client's close frame, with the code the
// server read (1005 for none).
func (t *transcript) clientClosed(at time.Duration, code int) {
	t.client(at, ExpectClose{Code: code})
}

// clientGone records the client going away without a close frame.
func (t *transcript) clientGone(at time.Duration) {
	t.client(at, ExpectClose{Code: wsdouble.CloseAbnormalClosure})
}

// server adds an action of the server's, after a Wait for the time since
// the previous step.
func (t *transcript) server(at time.Duration, act Action) {
	if d := at - t.prev; d > 0 {
		t.add(at, Step{Action: Wait{Duration: d}}, Step{Action: act})
		return
	}
	t.add(at, Step{Action: act})
}

// client adds an expectation of what the client did.
func (t *transcript) client(at time.Duration, act Action) { t.add(at, Step{Action: act}) }

func (t *transcript) add(at time.Duration, steps ...Step) {
	t.prev = at
	t.a.Steps = append(t.a.Steps, steps...)
	if t.onSteps != nil {
		t.onSteps(steps)
	}
}

// attempt returns the attempt recorded so far, its steps its own.
func (t *transcript) attempt() Attempt {
	a := t.a
	a.Steps = append([]Step(nil), a.Steps...)
	return a
}

// recordedScript is the script named name of a recording's attempts, one
// per item, redacted as c says; none is the error for a recording of
// nothing.
func recordedScript[T interface{ attempt() Attempt }](c recordConfig, name string, items []T, none string) (*Script, error) {
	if len(items) == 0 {
		return nil, errors.New(none)
	}
	s := &Script{Name: name}
	for _, it := range items {
		s.Attempts = append(s.Attempts, it.attempt())
	}
	return c.finish(s)
}
