package scenario

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/wstest"
)

// Builder builds a Script in Go, in the order the scenario happens:
//
//	s, err := scenario.New("flaky").
//		Attempt().Accept().SendText("hello").ExpectJSON(`{"op":"subscribe"}`).Drop().
//		Attempt().Refuse(503).
//		Attempt().After(2 * time.Second).Accept().Close(4000, "bye").
//		Build()
//
// Mistakes (a step before Accept, a second answer, an invalid code) are
// collected and returned by Build, each naming the attempt and step; the
// builder never panics.
type Builder struct {
	s    Script
	errs []error
}

// New starts a script.
func New(name string) *Builder { return &Builder{s: Script{Name: name}} }

// Describe sets the script's description.
func (b *Builder) Describe(text string) *Builder {
	b.s.Description = text
	return b
}

// Attempt starts the script's first attempt.
func (b *Builder) Attempt() *AttemptBuilder {
	b.s.Attempts = append(b.s.Attempts, Attempt{})
	return &AttemptBuilder{b: b}
}

// AttemptBuilder adds to the script's current attempt. Its methods return
// it, so a whole script is one expression.
type AttemptBuilder struct{ b *Builder }

func (a *AttemptBuilder) cur() *Attempt { return &a.b.s.Attempts[len(a.b.s.Attempts)-1] }

func (a *AttemptBuilder) errorf(format string, args ...any) *AttemptBuilder {
	where := fmt.Sprintf("attempt %d", len(a.b.s.Attempts))
	if n := len(a.cur().Steps); n > 0 {
		where += fmt.Sprintf(", step %d", n)
	}
	a.b.errs = append(a.b.errs, fmt.Errorf("%s: %s", where, fmt.Sprintf(format, args...)))
	return a
}

// Attempt starts the next attempt.
func (a *AttemptBuilder) Attempt() *AttemptBuilder { return a.b.Attempt() }

// Build returns the script, or every mistake made building it and every
// problem Validate finds.
func (a *AttemptBuilder) Build() (*Script, error) { return a.b.Build() }

// Build returns the script, or every mistake made building it and every
// problem Validate finds.
func (b *Builder) Build() (*Script, error) {
	s := b.s.Clone()
	if err := errors.Join(append(b.errs, s.Validate())...); err != nil {
		return nil, err
	}
	return s, nil
}

// Label names the last step added, or the attempt if it has no step yet.
func (a *AttemptBuilder) Label(label string) *AttemptBuilder {
	c := a.cur()
	if n := len(c.Steps); n > 0 {
		c.Steps[n-1].Label = label
	} else {
		c.Label = label
	}
	return a
}

// After delays the answer by d.
func (a *AttemptBuilder) After(d time.Duration) *AttemptBuilder {
	if a.cur().Answer != nil {
		return a.errorf("After must come before the answer")
	}
	a.cur().After = d
	return a
}

func (a *AttemptBuilder) setAnswer(ans Answer) *AttemptBuilder {
	if prev := a.cur().Answer; prev != nil {
		return a.errorf("%s after %s: an attempt has one answer", ans.answer(), prev.answer())
	}
	a.cur().Answer = ans
	return a
}

// Accept accepts the attempt. Subprotocol and Header refine it.
func (a *AttemptBuilder) Accept() *AttemptBuilder { return a.setAnswer(Accept{}) }

// Refuse refuses the attempt with an HTTP status. Body and Header refine
// it.
func (a *AttemptBuilder) Refuse(status int) *AttemptBuilder {
	return a.setAnswer(Refuse{Status: status})
}

// Hang leaves the attempt unanswered.
func (a *AttemptBuilder) Hang() *AttemptBuilder { return a.setAnswer(Hang{}) }

// Abort closes the connection mid-handshake, with no answer.
func (a *AttemptBuilder) Abort() *AttemptBuilder { return a.setAnswer(Abort{}) }

// Subprotocol sets the subprotocol an Accept chooses: wstest.NoSubprotocol
// answers with none, which fails a browser that offered some.
func (a *AttemptBuilder) Subprotocol(p string) *AttemptBuilder {
	return refine(a, "Subprotocol needs Accept first", func(acc *Accept) { acc.Subprotocol = p })
}

// Extensions sets the Sec-WebSocket-Extensions value an Accept answers
// with: one the client did not offer fails the connection.
func (a *AttemptBuilder) Extensions(ext string) *AttemptBuilder {
	return refine(a, "Extensions needs Accept first", func(acc *Accept) { acc.Extensions = ext })
}

// Header adds a header to the answer (Accept or Refuse).
func (a *AttemptBuilder) Header(key, value string) *AttemptBuilder {
	add := func(h *http.Header) {
		if *h == nil {
			*h = http.Header{}
		}
		h.Add(key, value)
	}
	const mistake = "Header needs Accept or Refuse first"
	if _, ok := a.cur().Answer.(Refuse); ok {
		return refine(a, mistake, func(ref *Refuse) { add(&ref.Header) })
	}
	return refine(a, mistake, func(acc *Accept) { add(&acc.Header) })
}

// Body sets the body of a Refuse.
func (a *AttemptBuilder) Body(body string) *AttemptBuilder {
	return refine(a, "Body needs Refuse first", func(ref *Refuse) { ref.Body = body })
}

// refine changes the attempt's answer, a T, with f; mistake is the error
// when the answer is not a T.
func refine[T Answer](a *AttemptBuilder, mistake string, f func(*T)) *AttemptBuilder {
	ans, ok := a.cur().Answer.(T)
	if !ok {
		return a.errorf("%s", mistake)
	}
	f(&ans)
	a.cur().Answer = ans
	return a
}

// Repeat makes this attempt answer every later attempt too. It must be the
// last.
func (a *AttemptBuilder) Repeat() *AttemptBuilder {
	a.cur().Repeat = true
	return a
}

// Step adds a step with any action, including ones of later versions.
func (a *AttemptBuilder) Step(act Action) *AttemptBuilder {
	if _, ok := a.cur().Answer.(Accept); !ok {
		a.cur().Steps = append(a.cur().Steps, Step{Action: act})
		return a.errorf("%s needs Accept first", act.Name())
	}
	a.cur().Steps = append(a.cur().Steps, Step{Action: act})
	return a
}

// Send sends m.
func (a *AttemptBuilder) Send(m wsdouble.Message) *AttemptBuilder { return a.Step(Send{Message: m}) }

// SendText sends a text message.
func (a *AttemptBuilder) SendText(s string) *AttemptBuilder { return a.Send(wsdouble.Text(s)) }

// SendBinary sends a binary message.
func (a *AttemptBuilder) SendBinary(b []byte) *AttemptBuilder { return a.Send(wsdouble.Binary(b)) }

// SendJSON sends v encoded as JSON in a text message; a string or []byte is
// taken as JSON text.
func (a *AttemptBuilder) SendJSON(v any) *AttemptBuilder {
	m, err := MatchJSON(v) // validates and compacts
	if err != nil {
		return a.Step(Send{Message: wsdouble.Text(""), JSON: true}).errorf("SendJSON: %v", err)
	}
	return a.Step(Send{Message: wsdouble.Text(string(m.Value)), JSON: true})
}

// Expect waits for the client's next message and checks it with m.
func (a *AttemptBuilder) Expect(m Matcher) *AttemptBuilder { return a.Step(Expect{Match: m}) }

// ExpectText expects exactly this text message.
func (a *AttemptBuilder) ExpectText(s string) *AttemptBuilder {
	return a.Expect(Exact{Message: wsdouble.Text(s)})
}

// ExpectBinary expects exactly this binary message.
func (a *AttemptBuilder) ExpectBinary(b []byte) *AttemptBuilder {
	return a.Expect(Exact{Message: wsdouble.Binary(b)})
}

// ExpectRegexp expects a text message the pattern matches.
func (a *AttemptBuilder) ExpectRegexp(pattern string) *AttemptBuilder {
	r, err := MatchRegexp(pattern)
	if err != nil {
		return a.Expect(&Regexp{Pattern: pattern}).errorf("ExpectRegexp: %v", err)
	}
	return a.Expect(r)
}

// ExpectJSON expects a JSON text message containing v (see JSON); a string
// or []byte is taken as JSON text.
func (a *AttemptBuilder) ExpectJSON(v any) *AttemptBuilder {
	m, err := MatchJSON(v)
	if err != nil {
		return a.Expect(JSON{Value: json.RawMessage("null")}).errorf("ExpectJSON: %v", err)
	}
	return a.Expect(m)
}

// ExpectAny expects a message, whatever it holds.
func (a *AttemptBuilder) ExpectAny() *AttemptBuilder { return a.Expect(Any{}) }

// Within sets the timeout of the last Expect, ExpectClose, ExpectPing or
// ExpectPong.
func (a *AttemptBuilder) Within(d time.Duration) *AttemptBuilder {
	steps := a.cur().Steps
	if len(steps) == 0 {
		return a.errorf("Within needs an Expect or ExpectClose first")
	}
	last := &steps[len(steps)-1]
	t, ok := last.Action.(timed)
	if !ok {
		return a.errorf("Within needs an Expect or ExpectClose first, not %s", last.Action.Name())
	}
	last.Action = t.withTimeout(d)
	return a
}

// Wait pauses for d.
func (a *AttemptBuilder) Wait(d time.Duration) *AttemptBuilder { return a.Step(Wait{Duration: d}) }

// Close closes the connection from the server with a code (0 for none) and
// a reason.
func (a *AttemptBuilder) Close(code int, reason string) *AttemptBuilder {
	return a.Step(Close{Code: code, Reason: reason})
}

// Drop drops the connection without a close frame.
func (a *AttemptBuilder) Drop() *AttemptBuilder { return a.Step(Drop{}) }

// ExpectClose waits for the client to close with code (0: any code).
func (a *AttemptBuilder) ExpectClose(code int) *AttemptBuilder {
	return a.Step(ExpectClose{Code: code})
}

// Echo sends the client's next n messages back to it; with n = 0, every
// message until the connection ends.
func (a *AttemptBuilder) Echo(n int) *AttemptBuilder { return a.Step(Echo{Messages: n}) }

// EchoFor sends every message the client sends back to it for d.
func (a *AttemptBuilder) EchoFor(d time.Duration) *AttemptBuilder { return a.Step(Echo{For: d}) }

// Inject applies a fault to the connection from this step on.
func (a *AttemptBuilder) Inject(f wstest.Fault) *AttemptBuilder { return a.Step(Inject{Fault: f}) }

// Reset aborts the connection with a TCP RST.
func (a *AttemptBuilder) Reset() *AttemptBuilder { return a.Step(Reset{}) }

// Heal removes the connection's faults.
func (a *AttemptBuilder) Heal() *AttemptBuilder { return a.Step(Heal{}) }

// Down takes the acceptor down for d, then up again.
func (a *AttemptBuilder) Down(d time.Duration) *AttemptBuilder { return a.Step(Down{Duration: d}) }

// DropAll drops every connection of the acceptor.
func (a *AttemptBuilder) DropAll() *AttemptBuilder { return a.Step(DropAll{}) }

// Ping sends the client a ping with payload (at most 125 bytes).
func (a *AttemptBuilder) Ping(payload []byte) *AttemptBuilder {
	return a.Step(Ping{Payload: clonePayload(payload)})
}

// Pong sends the client a pong no ping asked for.
func (a *AttemptBuilder) Pong(payload []byte) *AttemptBuilder {
	return a.Step(Pong{Payload: clonePayload(payload)})
}

// ExpectPing waits for the client's next ping: with payload exactly, or
// any when payload is nil.
func (a *AttemptBuilder) ExpectPing(payload []byte) *AttemptBuilder {
	return a.Step(ExpectPing{Payload: clonePayload(payload)})
}

// ExpectPong waits for the client's next pong: with payload exactly, or
// any when payload is nil. After Ping(p), ExpectPong(p) checks the
// client's answer.
func (a *AttemptBuilder) ExpectPong(payload []byte) *AttemptBuilder {
	return a.Step(ExpectPong{Payload: clonePayload(payload)})
}

// AnswerPings sets how the server answers the client's pings from here
// on: wstest.PongAtOnce(), wstest.PongAfter(d) or wstest.NoPong().
func (a *AttemptBuilder) AnswerPings(ans wstest.PingAnswer) *AttemptBuilder {
	return a.Step(AnswerPings{Answer: ans})
}

// Raw writes f exactly as given (see Raw).
func (a *AttemptBuilder) Raw(f wstest.Frame) *AttemptBuilder {
	f.Payload = append([]byte(nil), f.Payload...)
	return a.Step(Raw{Frame: f})
}
