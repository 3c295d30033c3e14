package scenario

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/internal/timeline"
	"github.com/wsdouble/wsdouble/wstest"
)

// The steps of messages: send, expect, wait and echo.

// Send sends a message to the client.
type Send struct {
	Message wsdouble.Message
	// JSON records that the message was given as a JSON value: the file
	// format writes it back as one.
	JSON bool
}

// Expect waits for the client's next message and checks it.
type Expect struct {
	Match Matcher
	// Timeout bounds the wait; zero means DefaultTimeout.
	Timeout time.Duration
}

// Wait pauses the script.
type Wait struct {
	Duration time.Duration
}

// Echo sends every message the client sends back to it, as it comes: for
// Messages messages, or for the duration For, whichever ends first; with
// neither, until the connection ends. Echo is the server's behaviour, not
// an expectation: a client that leaves early is no mismatch.
type Echo struct {
	Messages int
	For      time.Duration
}

func init() {
	registerAction("send", decodeSend)
	registerAction("expect", decodeExpect)
	registerAction("wait", decodeWait)
	registerAction("echo", decodeEcho)
}

// Name returns "send".
func (Send) Name() string { return "send" }

// Name returns "expect".
func (Expect) Name() string { return "expect" }

// Name returns "wait".
func (Wait) Name() string { return "wait" }

// Name returns "echo".
func (Echo) Name() string { return "echo" }

func (s Send) validate() error {
	switch s.Message.Type {
	case wsdouble.TextMessage:
		if !utf8.Valid(s.Message.Data) {
			return errors.New("text is not valid UTF-8")
		}
	case wsdouble.BinaryMessage:
	default:
		return fmt.Errorf("message type %v is neither text nor binary", s.Message.Type)
	}
	return nil
}

func (e Expect) validate() error {
	if e.Match == nil {
		return errors.New("no matcher")
	}
	if e.Timeout < 0 {
		return fmt.Errorf("negative timeout %v", e.Timeout)
	}
	if v, ok := e.Match.(interface{ validate() error }); ok {
		return v.validate()
	}
	return nil
}

func (w Wait) validate() error {
	if w.Duration < 0 {
		return fmt.Errorf("negative duration %v", w.Duration)
	}
	return nil
}

func (e Echo) validate() error {
	var errs []error
	if e.Messages < 0 {
		errs = append(errs, fmt.Errorf("negative message count %d", e.Messages))
	}
	if e.For < 0 {
		errs = append(errs, fmt.Errorf("negative duration %v", e.For))
	}
	return errors.Join(errs...)
}

// clone returns s with its own copy of the message's data.
func (s Send) clone() Action {
	s.Message.Data = append([]byte(nil), s.Message.Data...)
	return s
}

func (e Expect) withTimeout(d time.Duration) Action {
	e.Timeout = d
	return e
}

func (send Send) play(s *stepRun) stepResult {
	msg := send.Message
	s.e.Kind, s.e.Message = MessageSent, &msg
	if err := s.p.Send(msg); err != nil {
		return s.refused("to send "+msg.String(), err)
	}
	return stepNext
}

func (e Expect) play(s *stepRun) stepResult {
	timeout := s.r.timeout(e.Timeout)
	want := e.Match.String()
	s.e.Kind, s.e.Detail = MessageExpected, want
	ctx, cancel := context.WithTimeout(s.ctx, timeout)
	msg, err := s.receive(ctx)
	cancel()
	if res, ok := s.awaited(err, want, timeout); !ok {
		return res
	}
	s.e.Message = &msg
	if err := e.Match.Match(msg); err != nil {
		return s.mismatch(want, strings.TrimPrefix(err.Error(), "got "), err)
	}
	return stepNext
}

func (w Wait) play(s *stepRun) stepResult {
	d := s.r.scaled(w.Duration)
	s.e.Detail = "wait " + timeline.Duration(d)
	if err := sleep(s.ctx, d); err != nil {
		s.stopped()
		return stepStopped
	}
	return stepNext
}

// String describes the step as reports show it.
func (e Echo) String() string {
	switch {
	case e.Messages > 0 && e.For > 0:
		return fmt.Sprintf("echo %d messages, for at most %s", e.Messages, timeline.Duration(e.For))
	case e.Messages > 0:
		return fmt.Sprintf("echo %d messages", e.Messages)
	case e.For > 0:
		return "echo for " + timeline.Duration(e.For)
	}
	return "echo until the connection ends"
}

// play runs the step: each echoed message is an entry of its own. It
// returns stepEnded once the connection has ended: an echo is the server's
// behaviour, and a client that leaves is no mismatch.
func (e Echo) play(s *stepRun) stepResult {
	d := Echo{Messages: e.Messages, For: s.r.scaled(e.For)}
	s.e.Detail = d.String()
	ctx := s.ctx
	if d.For > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d.For)
		defer cancel()
	}
	for n := 0; d.Messages == 0 || n < d.Messages; n++ {
		m, err := s.receive(ctx)
		if err != nil {
			switch {
			case errors.Is(err, wstest.ErrPeerClosed):
				s.e.Detail += fmt.Sprintf(": %d echoed, then the connection ended", n)
				return stepEnded
			case s.ctx.Err() == nil && ctx.Err() != nil:
				s.e.Detail += fmt.Sprintf(": %d echoed", n)
				return stepNext // For has passed
			}
			s.e.Stopped = true
			return stepStopped
		}
		echo := Entry{Kind: MessageEchoed, Step: s.e.Step, Label: s.e.Label, Action: "echo", Message: &m}
		if err := s.p.Send(m); err != nil {
			echo.Err = fmt.Errorf("could not send it back: %w", err)
		}
		s.entry(echo)
		if echo.Err != nil {
			return stepEnded // the connection is closing
		}
	}
	return stepNext
}

func (s Send) encode() (json.RawMessage, error) {
	if s.JSON {
		return inlineObject("json", json.RawMessage(s.Message.Data)), nil
	}
	return inlineObject(messageField(s.Message)...), nil
}

func (e Expect) encode() (json.RawMessage, error) {
	kv, err := matcherFields(e.Match)
	if err != nil {
		return nil, err
	}
	if e.Timeout != 0 {
		kv = append(kv, "timeout", e.Timeout.String())
	}
	return inlineObject(kv...), nil
}

// matcherFields are the fields of an expect step that give its matcher.
func matcherFields(m Matcher) ([]any, error) {
	switch m := m.(type) {
	case Exact:
		return messageField(m.Message), nil
	case *Regexp:
		return []any{"regexp", m.Pattern}, nil
	case JSON:
		return []any{"json", m.Value}, nil
	case Any:
		switch m.Type {
		case wsdouble.TextMessage:
			return []any{"any", "text"}, nil
		case wsdouble.BinaryMessage:
			return []any{"any", "binary"}, nil
		}
		return []any{"any", true}, nil
	}
	return nil, fmt.Errorf("matcher %T cannot be written to a file", m)
}

func (w Wait) encode() (json.RawMessage, error) { return marshalValue(w.Duration.String()), nil }

func (e Echo) encode() (json.RawMessage, error) {
	var kv []any
	if e.Messages > 0 {
		kv = append(kv, "messages", e.Messages)
	}
	if e.For > 0 {
		kv = append(kv, "for", e.For.String())
	}
	return inlineObject(kv...), nil
}

// messageField is the field that gives a message in the file format: its
// text, or its bytes in base64.
func messageField(m wsdouble.Message) []any {
	if m.Type == wsdouble.BinaryMessage {
		return []any{"binary", base64.StdEncoding.EncodeToString(m.Data)}
	}
	return []any{"text", string(m.Data)}
}

// message decodes a message field (text or binary).
func (d *decoder) message(m member, field string) (wsdouble.Message, bool) {
	switch m.name {
	case "text":
		s, ok := d.text(m.val, join(field, "text"))
		return wsdouble.Text(s), ok
	case "binary":
		s, ok := d.text(m.val, join(field, "binary"))
		if !ok {
			return wsdouble.Message{}, false
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			d.failf(m.val, join(field, "binary"), "not base64: %v", err)
			return wsdouble.Message{}, false
		}
		return wsdouble.Binary(b), true
	}
	return wsdouble.Message{}, false
}

func decodeSend(d *decoder, n *node, field string) (Action, bool) {
	if !d.fields(n, field, "text", "binary", "json") {
		return nil, false
	}
	m, ok := d.exactlyOne(n, field, "text", "binary", "json")
	if !ok {
		return nil, false
	}
	if m.name == "json" {
		return Send{Message: wsdouble.Text(string(m.val.raw())), JSON: true}, true
	}
	msg, ok := d.message(m, field)
	return Send{Message: msg}, ok
}

func decodeExpect(d *decoder, n *node, field string) (Action, bool) {
	if !d.fields(n, field, "text", "binary", "regexp", "json", "any", "timeout") {
		return nil, false
	}
	var e Expect
	if v := n.get("timeout"); v != nil {
		e.Timeout, _ = d.duration(v, join(field, "timeout"))
	}
	m, ok := d.exactlyOne(n, field, "text", "binary", "regexp", "json", "any")
	if !ok {
		return nil, false
	}
	e.Match, ok = matcherDecoders[m.name](d, m, field)
	return e, ok
}

// matcherDecoders decode the field of an expect step that gives its
// matcher, by name.
var matcherDecoders = map[string]func(d *decoder, m member, field string) (Matcher, bool){
	"text":   (*decoder).exact,
	"binary": (*decoder).exact,
	"regexp": (*decoder).regexp,
	"json":   func(d *decoder, m member, field string) (Matcher, bool) { return JSON{Value: m.val.raw()}, true },
	"any":    (*decoder).any,
}

func (d *decoder) exact(m member, field string) (Matcher, bool) {
	msg, ok := d.message(m, field)
	if !ok {
		return nil, false
	}
	return Exact{Message: msg}, true
}

func (d *decoder) regexp(m member, field string) (Matcher, bool) {
	s, ok := d.str(m.val, join(field, "regexp"))
	if !ok {
		return nil, false
	}
	// Checked later, and not compiled: compiling costs over a hundred
	// times the pattern's size (TestParseHeap); a step compiles it when it
	// plays. Its size is checked first, so that a huge one is not even
	// read twice.
	if err := checkPatternSize(s); err != nil {
		d.failf(m.val, join(field, "regexp"), "%v", err)
		return nil, false
	}
	r := &Regexp{Pattern: s}
	r.state.Store(checkedOnly) // by checkRegexps; the Script is dropped if it fails
	d.regexps = append(d.regexps, pendingRegexp{r: r, off: m.val.off, attempt: int32(d.attempt), step: int32(d.step), rule: int32(d.rule)})
	return r, true
}

func (d *decoder) any(m member, field string) (Matcher, bool) {
	switch {
	case m.val.kind == 't' && m.val.b:
		return Any{}, true
	case m.val.kind == '"' && m.val.str == "text":
		return Any{Type: wsdouble.TextMessage}, true
	case m.val.kind == '"' && m.val.str == "binary":
		return Any{Type: wsdouble.BinaryMessage}, true
	}
	d.failf(m.val, join(field, "any"), `want true, "text" or "binary"`)
	return nil, false
}

func decodeWait(d *decoder, n *node, field string) (Action, bool) {
	v, ok := d.duration(n, field)
	return Wait{Duration: v}, ok
}

func decodeEcho(d *decoder, n *node, field string) (Action, bool) {
	var e Echo
	ok := d.object(n, field,
		objectField{"messages", func(v *node, field string) bool {
			var ok bool
			if e.Messages, ok = d.integer(v, field); ok && e.Messages < 1 {
				d.failf(v, field, "want at least 1 (leave it out to echo until the connection ends)")
				return false
			}
			return ok
		}},
		objectField{"for", &e.For})
	return e, ok
}

// The steps of messages as the Builder's calls (see GoSource).

func (s Send) goCall(g *goCode) error {
	switch {
	case s.JSON && isCompactJSON(s.Message.Data):
		g.call("SendJSON(%s)", goString(string(s.Message.Data)))
	case s.JSON: // SendJSON would compact it
		g.call("Step(scenario.Send{Message: %s, JSON: true})", goMessage(s.Message))
	case s.Message.Type == wsdouble.BinaryMessage:
		g.call("SendBinary(%s)", goBytes(s.Message.Data))
	default:
		g.call("SendText(%s)", goString(string(s.Message.Data)))
	}
	return nil
}

func (e Expect) goCall(g *goCode) error {
	kind, arg, err := goMatcher(e.Match)
	if err != nil {
		return err
	}
	if kind == "" {
		g.call("Expect(%s)", arg)
	} else {
		g.call("Expect%s(%s)", kind, arg)
	}
	if e.Timeout != 0 {
		g.call("Within(%s)", goDuration(e.Timeout))
	}
	return nil
}

func (w Wait) goCall(g *goCode) error {
	g.call("Wait(%s)", goDuration(w.Duration))
	return nil
}

func (e Echo) goCall(g *goCode) error {
	switch {
	case e.Messages > 0 && e.For > 0: // no method takes both
		g.call("Step(scenario.Echo{Messages: %d, For: %s})", e.Messages, goDuration(e.For))
	case e.For > 0:
		g.call("EchoFor(%s)", goDuration(e.For))
	default:
		g.call("Echo(%d)", e.Messages)
	}
	return nil
}
