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

// Crash takes the acceptor down and drops every connection, in that
// order, as a crashing server does, then brings it up again after d.
func (a *AttemptBuilder) Crash(d time.Duration) *AttemptBuilder {
	return a.Step(Down{Duration: d, Drop: true})
}

// DropAll drops every connection of the acceptor.
func (a *AttemptBuilder) DropAll() *AttemptBuilder { return a.Step(DropAll{}) }

// On adds a rule to the attempt: it takes the client's messages that m
// matches, beside the steps (see Rule). The RuleBuilder it returns says
// what the rule answers; its chain goes on with the attempt's methods.
func (a *AttemptBuilder) On(m Matcher) *RuleBuilder {
	c := a.cur()
	c.Rules = append(c.Rules, Rule{On: m})
	rb := &RuleBuilder{AttemptBuilder: a, i: len(c.Rules) - 1}
	if _, ok := c.Answer.(Accept); !ok {
		a.errorf("rule %d needs Accept first", len(c.Rules))
	}
	return rb
}

// OnText adds a rule that takes exactly this text message.
func (a *AttemptBuilder) OnText(s string) *RuleBuilder {
	return a.On(Exact{Message: wsdouble.Text(s)})
}

// OnRegexp adds a rule that takes the text messages pattern matches; its
// replies may name the pattern's groups ({{1}}, {{name}}).
func (a *AttemptBuilder) OnRegexp(pattern string) *RuleBuilder {
	r, err := MatchRegexp(pattern)
	if err != nil {
		rb := a.On(&Regexp{Pattern: pattern})
		a.errorf("OnRegexp: %v", err)
		return rb
	}
	return a.On(r)
}

// OnJSON adds a rule that takes the JSON messages containing v (see JSON);
// a string or []byte is taken as JSON text.
func (a *AttemptBuilder) OnJSON(v any) *RuleBuilder {
	m, err := MatchJSON(v)
	if err != nil {
		rb := a.On(JSON{Value: json.RawMessage("null")})
		a.errorf("OnJSON: %v", err)
		return rb
	}
	return a.On(m)
}

// OnAny adds a rule that takes every message.
func (a *AttemptBuilder) OnAny() *RuleBuilder { return a.On(Any{}) }

// RuleBuilder refines the rule an On method added. It is the
// AttemptBuilder too: a step method (SendText, Expect, ...) or another On
// goes on with the attempt; Label and the methods below refine the rule.
type RuleBuilder struct {
	*AttemptBuilder
	i int // the rule's index in the attempt
}

func (rb *RuleBuilder) rule() *Rule { return &rb.cur().Rules[rb.i] }

// Label names the rule.
func (rb *RuleBuilder) Label(label string) *RuleBuilder {
	rb.rule().Label = label
	return rb
}

// Reply adds a message to the rule's answer; a text message may hold
// placeholders ({{$.id}}, {{1}}: see Reply).
func (rb *RuleBuilder) Reply(m wsdouble.Message) *RuleBuilder {
	r := rb.rule()
	r.Reply = append(r.Reply, Reply{Message: m})
	return rb
}

// ReplyText adds a text message to the rule's answer.
func (rb *RuleBuilder) ReplyText(s string) *RuleBuilder { return rb.Reply(wsdouble.Text(s)) }

// ReplyJSON adds a JSON message to the rule's answer: v encoded as JSON,
// or, for a string or []byte, taken as JSON text. A string value that is
// one placeholder ("{{$.id}}") becomes the captured value itself.
func (rb *RuleBuilder) ReplyJSON(v any) *RuleBuilder {
	m, err := MatchJSON(v) // validates and compacts
	r := rb.rule()
	if err != nil {
		r.Reply = append(r.Reply, Reply{Message: wsdouble.Text("null"), JSON: true})
		rb.errorf("ReplyJSON: %v", err)
		return rb
	}
	r.Reply = append(r.Reply, Reply{Message: wsdouble.Text(string(m.Value)), JSON: true})
	return rb
}

// Delay makes the rule wait d before it answers.
func (rb *RuleBuilder) Delay(d time.Duration) *RuleBuilder {
	rb.rule().Delay = d
	return rb
}

// Times limits the rule to the first n messages it takes.
func (rb *RuleBuilder) Times(n int) *RuleBuilder {
	rb.rule().Times = n
	return rb
}

// PassOn hands each message the rule answers on to the steps too.
func (rb *RuleBuilder) PassOn() *RuleBuilder {
	rb.rule().PassOn = true
	return rb
}

// ThenClose closes the connection after the rule's answer.
func (rb *RuleBuilder) ThenClose(code int, reason string) *RuleBuilder {
	rb.rule().Then = Close{Code: code, Reason: reason}
	return rb
}

// ThenDrop drops the connection after the rule's answer.
func (rb *RuleBuilder) ThenDrop() *RuleBuilder {
	rb.rule().Then = Drop{}
	return rb
}

// TellClientsApart tells the clients of a run apart by id (see ClientID):
// the report then numbers each client's attempts.
func (b *Builder) TellClientsApart(id ClientID) *Builder {
	b.s.Client = id
	return b
}

// Clients makes the attempt answer n attempts in a row, as many clients
// connecting at once (see Attempt.Clients); Gather waits for all of them.
func (a *AttemptBuilder) Clients(n int) *AttemptBuilder {
	a.cur().Clients = n
	return a
}

// Broadcast sends m to every open connection of the run (see Broadcast).
func (a *AttemptBuilder) Broadcast(m wsdouble.Message) *AttemptBuilder {
	return a.Step(Broadcast{Message: m})
}

// BroadcastText sends a text message to every open connection of the run.
func (a *AttemptBuilder) BroadcastText(s string) *AttemptBuilder {
	return a.Broadcast(wsdouble.Text(s))
}

// Gather waits until every connection the attempt answers has come to
// this step (see Gather).
func (a *AttemptBuilder) Gather() *AttemptBuilder { return a.Step(Gather{}) }

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
