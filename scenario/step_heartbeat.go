package scenario

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/wsdouble/wsdouble/internal/timeline"
	"github.com/wsdouble/wsdouble/wstest"
)

// The steps of heartbeats, with protocol-level control frames (RFC 6455
// §5.5.2, §5.5.3; see wstest.Peer.Ping): ping, pong, expect_ping,
// expect_pong and answer_pings. A browser (and so a Fake) answers pings
// by itself and never pings; its listeners see neither, but the report
// shows the ping and the pong. Heartbeats of the application, a message
// such as {"op":"ping"}, are messages: send and expect them.

// Ping sends the client a ping with Payload (at most 125 bytes). A client
// answers with a pong of the same payload: ExpectPong takes it.
type Ping struct {
	Payload []byte
}

// Pong sends the client a pong no ping asked for: a unidirectional
// heartbeat (RFC 6455 §5.5.3), which expects no answer.
type Pong struct {
	Payload []byte
}

// ExpectPing waits for the client's next ping and, when Payload is not
// nil, checks that it carries exactly Payload (an empty, non-nil Payload:
// an empty one). The server answers pings by itself, as AnswerPings says.
type ExpectPing struct {
	Payload []byte
	// Timeout bounds the wait; zero means DefaultTimeout.
	Timeout time.Duration
}

// ExpectPong waits for the client's next pong, the answer to a Ping or one
// it sends unasked, and checks its payload as ExpectPing does.
type ExpectPong struct {
	Payload []byte
	Timeout time.Duration
}

// AnswerPings sets how the server answers the client's pings from this
// step on: at once (the default, wstest.PongAtOnce), after a delay
// (wstest.PongAfter), or never (wstest.NoPong), a heartbeat gone dead
// while the connection stays up. TimeScale scales the delay.
type AnswerPings struct {
	Answer wstest.PingAnswer
}

func init() {
	registerAction("ping", decodePayloadStep(func(b []byte) Action { return Ping{Payload: b} }))
	registerAction("pong", decodePayloadStep(func(b []byte) Action { return Pong{Payload: b} }))
	registerAction("expect_ping", decodeExpectControl("ping"))
	registerAction("expect_pong", decodeExpectControl("pong"))
	registerAction("answer_pings", decodeAnswerPings)
}

// Name returns "ping".
func (Ping) Name() string { return "ping" }

// Name returns "pong".
func (Pong) Name() string { return "pong" }

// Name returns "expect_ping".
func (ExpectPing) Name() string { return "expect_ping" }

// Name returns "expect_pong".
func (ExpectPong) Name() string { return "expect_pong" }

// Name returns "answer_pings".
func (AnswerPings) Name() string { return "answer_pings" }

// checkPayload checks a control frame's payload (RFC 6455 §5.5).
func checkPayload(b []byte) error {
	if len(b) > wstest.MaxControlPayload {
		return fmt.Errorf("payload of %d bytes, over the %d of a control frame", len(b), wstest.MaxControlPayload)
	}
	return nil
}

func (p Ping) validate() error       { return checkPayload(p.Payload) }
func (p Pong) validate() error       { return checkPayload(p.Payload) }
func (e ExpectPing) validate() error { return e.expect().validate() }
func (e ExpectPong) validate() error { return e.expect().validate() }
func (AnswerPings) validate() error  { return nil }

// expect is the step's expectation.
func (e ExpectPing) expect() expectControl { return expectControl{"ping", e.Payload, e.Timeout} }

// expect is the step's expectation.
func (e ExpectPong) expect() expectControl { return expectControl{"pong", e.Payload, e.Timeout} }

func (p Ping) clone() Action {
	p.Payload = clonePayload(p.Payload)
	return p
}

func (p Pong) clone() Action {
	p.Payload = clonePayload(p.Payload)
	return p
}

func (e ExpectPing) clone() Action {
	e.Payload = clonePayload(e.Payload)
	return e
}

func (e ExpectPong) clone() Action {
	e.Payload = clonePayload(e.Payload)
	return e
}

func (e ExpectPing) withTimeout(d time.Duration) Action {
	e.Timeout = d
	return e
}

func (e ExpectPong) withTimeout(d time.Duration) Action {
	e.Timeout = d
	return e
}

// clonePayload copies a payload, keeping nil (any payload) apart from
// empty.
func clonePayload(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}

func (p Ping) play(s *stepRun) stepResult {
	s.e.Kind, s.e.Detail = ControlSent, "ping "+timeline.Payload(p.Payload)
	if err := s.p.Ping(p.Payload); err != nil {
		return s.refused("to send a "+s.e.Detail, err)
	}
	return stepNext
}

func (p Pong) play(s *stepRun) stepResult {
	s.e.Kind, s.e.Detail = ControlSent, "pong "+timeline.Payload(p.Payload)+" (unsolicited)"
	if err := s.p.Pong(p.Payload); err != nil {
		return s.refused("to send a "+s.e.Detail, err)
	}
	return stepNext
}

func (e ExpectPing) play(s *stepRun) stepResult {
	return e.expect().play(s, s.p.ReceivePing)
}

func (e ExpectPong) play(s *stepRun) stepResult {
	return e.expect().play(s, s.p.ReceivePong)
}

func (a AnswerPings) play(s *stepRun) stepResult {
	ans := a.Answer
	if !ans.Never() && ans.Delay() > 0 {
		ans = wstest.PongAfter(s.r.scaled(ans.Delay()))
	}
	s.p.AnswerPings(ans)
	if ans.Never() {
		return s.did("answer no ping", nil)
	}
	return s.did("answer pings "+ans.String(), nil)
}

// expectControl is ExpectPing or ExpectPong: what (a "ping" or a
// "pong") with the payload, nil for any, within the timeout.
type expectControl struct {
	what    string
	payload []byte
	timeout time.Duration
}

func (e expectControl) validate() error {
	var errs []error
	if e.timeout < 0 {
		errs = append(errs, fmt.Errorf("negative timeout %v", e.timeout))
	}
	if e.payload != nil {
		errs = append(errs, checkPayload(e.payload))
	}
	return errors.Join(errs...)
}

// want says what the step waits for: `ping "hb"`, or `a ping` for any.
func (e expectControl) want() string {
	if e.payload == nil {
		return "a " + e.what
	}
	return e.what + " " + timeline.Payload(e.payload)
}

// play takes the client's next frame of its kind with receive and checks
// its payload; the entry's Detail says what it wanted and what came.
func (e expectControl) play(s *stepRun, receive func(context.Context) ([]byte, error)) stepResult {
	timeout := s.r.timeout(e.timeout)
	want := e.want()
	s.e.Kind, s.e.Detail = ControlExpected, want
	ctx, cancel := context.WithTimeout(s.ctx, timeout)
	got, err := receive(ctx)
	cancel()
	if res, ok := s.awaited(err, want, timeout); !ok {
		return res
	}
	came := e.what + " " + timeline.Payload(got)
	s.e.Detail += ": ← " + came
	if e.payload != nil && string(got) != string(e.payload) {
		return s.fail(want, came)
	}
	return stepNext
}

// The file format: a payload is "text" (UTF-8) or "binary" (base64), or
// neither for an empty one (ping, pong) or any (expect_ping, expect_pong).

func (p Ping) encode() (json.RawMessage, error) { return inlineObject(payloadField(p.Payload)...), nil }
func (p Pong) encode() (json.RawMessage, error) { return inlineObject(payloadField(p.Payload)...), nil }

func (e ExpectPing) encode() (json.RawMessage, error) {
	return e.expect().encode(), nil
}

func (e ExpectPong) encode() (json.RawMessage, error) {
	return e.expect().encode(), nil
}

func (e expectControl) encode() json.RawMessage {
	var kv []any
	if e.payload != nil {
		kv = payloadField(e.payload)
		if len(kv) == 0 {
			kv = []any{"text", ""}
		}
	}
	if e.timeout != 0 {
		kv = append(kv, "timeout", e.timeout.String())
	}
	return inlineObject(kv...)
}

func (a AnswerPings) encode() (json.RawMessage, error) {
	switch {
	case a.Answer.Never():
		return marshalValue(false), nil
	case a.Answer.Delay() == 0:
		return marshalValue(true), nil
	}
	return marshalValue(a.Answer.Delay().String()), nil
}

// payloadField is the field that gives a non-empty payload: its text when
// it is UTF-8, else its bytes in base64.
func payloadField(b []byte) []any {
	switch {
	case len(b) == 0:
		return nil
	case utf8.Valid(b):
		return []any{"text", string(b)}
	}
	return []any{"binary", base64.StdEncoding.EncodeToString(b)}
}

// payload decodes the payload of n, an object that may have "text" or
// "binary", not both; it reports whether one was given.
func (d *decoder) payload(n *node, field string) (b []byte, given, ok bool) {
	var found []member
	for _, m := range n.kids {
		if m.name == "text" || m.name == "binary" {
			found = append(found, m)
		}
	}
	switch len(found) {
	case 0:
		return nil, false, true
	case 1:
	default:
		d.failf(n, field, "want text or binary, not both")
		return nil, true, false
	}
	msg, ok := d.message(found[0], field)
	if msg.Data == nil {
		msg.Data = []byte{}
	}
	return msg.Data, true, ok
}

// decodePayloadStep decodes a ping or a pong: {} or a payload, given to
// build.
func decodePayloadStep(build func([]byte) Action) actionDecoder {
	return func(d *decoder, n *node, field string) (Action, bool) {
		if !d.fields(n, field, "text", "binary") {
			return nil, false
		}
		b, _, ok := d.payload(n, field)
		if len(b) == 0 {
			b = nil // an empty payload, as {} writes it
		}
		return build(b), ok
	}
}

// decodeExpectControl decodes an expect_ping or expect_pong.
func decodeExpectControl(what string) actionDecoder {
	return func(d *decoder, n *node, field string) (Action, bool) {
		if !d.fields(n, field, "text", "binary", "timeout") {
			return nil, false
		}
		b, _, ok := d.payload(n, field)
		var timeout time.Duration
		if v := n.get("timeout"); v != nil {
			var good bool
			timeout, good = d.duration(v, join(field, "timeout"))
			ok = ok && good
		}
		if what == "ping" {
			return ExpectPing{Payload: b, Timeout: timeout}, ok
		}
		return ExpectPong{Payload: b, Timeout: timeout}, ok
	}
}

// decodeAnswerPings decodes true (at once), false (never) or a duration.
func decodeAnswerPings(d *decoder, n *node, field string) (Action, bool) {
	switch n.kind {
	case 't':
		if n.b {
			return AnswerPings{Answer: wstest.PongAtOnce()}, true
		}
		return AnswerPings{Answer: wstest.NoPong()}, true
	case '"':
		delay, ok := d.duration(n, field)
		return AnswerPings{Answer: wstest.PongAfter(delay)}, ok
	}
	d.failf(n, field, `got %s, want true (at once), false (never) or a delay such as "5s"`, n.kindName())
	return nil, false
}

// The steps of heartbeats as the Builder's calls (see GoSource).

func (p Ping) goCall(g *goCode) error {
	g.call("Ping(%s)", goPayload(p.Payload, false))
	return nil
}

func (p Pong) goCall(g *goCode) error {
	g.call("Pong(%s)", goPayload(p.Payload, false))
	return nil
}

func (e ExpectPing) goCall(g *goCode) error { return e.expect().goCall(g, "ExpectPing") }

func (e ExpectPong) goCall(g *goCode) error { return e.expect().goCall(g, "ExpectPong") }

func (e expectControl) goCall(g *goCode, method string) error {
	g.call("%s(%s)", method, goPayload(e.payload, true))
	if e.timeout != 0 {
		g.call("Within(%s)", goDuration(e.timeout))
	}
	return nil
}

func (a AnswerPings) goCall(g *goCode) error {
	switch {
	case a.Answer.Never():
		g.call("AnswerPings(wstest.NoPong())")
	case a.Answer.Delay() == 0:
		g.call("AnswerPings(wstest.PongAtOnce())")
	default:
		g.call("AnswerPings(wstest.PongAfter(%s))", goDuration(a.Answer.Delay()))
	}
	return nil
}

// goPayload writes a control frame's payload: nil for none (or, expected,
// any), else its bytes; an empty one as nil unless empty means "exactly
// empty" (expected).
func goPayload(b []byte, expected bool) string {
	if b == nil || len(b) == 0 && !expected {
		return "nil"
	}
	return goBytes(b)
}
